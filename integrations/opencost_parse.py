"""OpenCost's allocation answers, read into daily cost roll-ups. Pure: bytes in, rows out.

`GET /allocation/compute` answers `{"code": 200, "status": "success", "data": [set, ...]}`,
one set per step of the window, each a map from the aggregate's value (a namespace, a label's
value) to an allocation: its window, its costs by resource and its `totalCost`. OpenCost rounds
floats to 5 decimals and writes NaN and infinity as `null`; a `null` cost is "not known", never
a zero that would look like a free day. An error is the same envelope with another `code` and
a `message`.

Each allocation becomes at most two rows for its day: its GPU spend (`gpuCost` with its
adjustment), flagged as accelerator spend, and the rest of its `totalCost`. A namespace that
trains on GPUs and also runs a CPU service is then counted in the GPU share for the GPU part
only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

import msgspec

from cockpit.models import CostRow
from cockpit.text_safety import clean_line
from integrations.base import SourceBadResponse

CATEGORY = "Compute"  # FOCUS ServiceCategory: a cluster's spend is compute by nature
COST_COLUMN = "totalCost"
# A set longer than this is not one day: the server did not split the window by day.
# (A minute of slack: OpenCost may end a window at the last full minute it has data for.)
LONGEST_SET = timedelta(days=1, minutes=1)
# OpenCost's special allocation names, as a lead reads them.
SPECIAL_NAMES = {
    "__idle__": "idle capacity",
    "__unallocated__": "unallocated",
    "__unmounted__": "unmounted volumes",
}
# The other costs whose sum is `totalCost` (with their adjustments), when `totalCost` is null.
_PARTS = (
    "cpu_cost", "gpu_cost", "ram_cost", "pv_cost", "network_cost", "load_balancer_cost",
    "shared_cost", "external_cost", "cpu_cost_adjustment", "gpu_cost_adjustment",
    "ram_cost_adjustment", "pv_cost_adjustment", "network_cost_adjustment",
    "load_balancer_cost_adjustment",
)  # fmt: skip


class OpenCostPayloadError(SourceBadResponse):
    """The answer is not the allocation envelope it should be; the message says what is wrong."""


class _Window(msgspec.Struct, frozen=True):
    start: str | None = None
    end: str | None = None


class _Properties(msgspec.Struct, frozen=True):
    cluster: str | None = None


class Allocation(msgspec.Struct, frozen=True, rename="camel"):
    """The fields of an allocation the cockpit reads; the others are skipped unread."""

    name: str | None = None
    properties: _Properties | None = None
    window: _Window | None = None
    start: str | None = None
    end: str | None = None
    cpu_cost: float | None = None
    gpu_cost: float | None = None
    ram_cost: float | None = None
    pv_cost: float | None = None
    network_cost: float | None = None
    load_balancer_cost: float | None = None
    shared_cost: float | None = None
    external_cost: float | None = None
    cpu_cost_adjustment: float | None = None
    gpu_cost_adjustment: float | None = None
    ram_cost_adjustment: float | None = None
    pv_cost_adjustment: float | None = None
    network_cost_adjustment: float | None = None
    load_balancer_cost_adjustment: float | None = None
    total_cost: float | None = None


class _Head(msgspec.Struct, frozen=True):
    code: int
    status: str | None = None
    message: str | None = None
    data: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


_SETS = msgspec.json.Decoder(list[dict[str, Allocation] | None])
_HEAD = msgspec.json.Decoder(_Head)


def decode_sets(body: bytes) -> list[dict[str, Allocation]]:
    """The allocation sets of one answer, in the server's order. Raises `msgspec.DecodeError`
    for a body that is not JSON at all (the caller may ask once more), and
    `OpenCostPayloadError` for JSON that is not the envelope or carries an error."""
    try:
        head = _HEAD.decode(body)
    except msgspec.ValidationError as exc:
        raise OpenCostPayloadError(f"the answer is not OpenCost's envelope: {exc}") from None
    except RecursionError:  # msgspec recurses once per level of nesting
        raise OpenCostPayloadError(
            "the answer is not OpenCost's envelope: nested too deeply"
        ) from None
    if head.code != 200:
        said = clean_line(head.message or head.status or "no message")[:300]
        raise OpenCostPayloadError(f"OpenCost answered an error (code {head.code}): {said}")
    if bytes(head.data) in (b"", b"null"):
        raise OpenCostPayloadError("the answer has no `data` (expected one set per day)")
    try:
        sets = _SETS.decode(head.data)
    except msgspec.ValidationError as exc:
        raise OpenCostPayloadError(f"the allocation sets cannot be read: {exc}") from None
    except RecursionError:
        raise OpenCostPayloadError(
            "the allocation sets cannot be read: nested too deeply"
        ) from None
    return [s or {} for s in sets]


class RowShape(msgspec.Struct, frozen=True):
    """What every row of one source has in common."""

    provider: str  # "Kubernetes", or the cluster name the config gives
    currency: str  # OpenCost's prices carry no currency: the config says which it is
    aggregate: tuple[str, ...]  # ("namespace",), ("label:team",), ("namespace", "label:app")


def tag_key(aggregate: str) -> str:
    """`label:team` → `team`, `namespace` → `namespace`: the tag a row carries its value in."""
    key = aggregate.split(":", 1)[1] if ":" in aggregate else aggregate
    return key.strip().lower()


def rows_of_sets(
    sets: Sequence[dict[str, Allocation]], shape: RowShape, first: date, last: date
) -> list[CostRow]:
    """The roll-up rows of days `first` to `last` (both included); allocations of other days
    (a step past today, a server that answered more) are left out."""
    totals: dict[tuple[date, str, str, tuple[tuple[str, str], ...], bool], float] = {}
    for index, allocations in enumerate(sets, start=1):
        for key, allocation in allocations.items():
            day = _day_of(allocation, key, index)
            if day < first or day > last:
                continue
            total = _total(allocation)
            if total is None:
                continue  # OpenCost could not price it (NaN): no number rather than a false 0
            gpu = _finite(allocation.gpu_cost) + _finite(allocation.gpu_cost_adjustment)
            service, tags = _names(allocation.name or key, shape.aggregate)
            cluster = allocation.properties.cluster if allocation.properties else None
            account = clean_line(cluster or "")
            for is_gpu, amount in ((True, gpu), (False, total - gpu)):
                amount = round(amount, 6)  # OpenCost's 5 decimals, without float dust
                if amount == 0:
                    continue
                slot = (day, service, account, tags, is_gpu)
                totals[slot] = totals.get(slot, 0.0) + amount
    return [
        CostRow(
            day=day,
            provider=shape.provider,
            service=service,
            amount=round(amount, 6),
            currency=shape.currency,
            is_gpu=is_gpu,
            account=account,
            category=CATEGORY,
            tags=tags,
        )
        for (day, service, account, tags, is_gpu), amount in sorted(totals.items())
    ]


def _day_of(allocation: Allocation, key: str, index: int) -> date:
    window = allocation.window
    raw_start = (window.start if window else None) or allocation.start
    raw_end = (window.end if window else None) or allocation.end
    where = f"allocation {clean_line(key)[:80]!r} of set {index}"
    start = _moment(raw_start, f"the start of {where}")
    if raw_end is not None:
        end = _moment(raw_end, f"the end of {where}")
        if end - start > LONGEST_SET:
            raise OpenCostPayloadError(
                f"{where} covers {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, not one"
                " day: the server did not split the window by day (`step=1d`)"
            )
    return start.date()


def _moment(raw: str | None, what: str) -> datetime:
    if not raw:
        raise OpenCostPayloadError(f"{what} is missing")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise OpenCostPayloadError(f"{what} is not a time: {clean_line(raw)[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _finite(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


def _total(allocation: Allocation) -> float | None:
    """`totalCost`; when OpenCost wrote it as null, the sum of the costs it is made of, and
    None when none of them is known either."""
    total = allocation.total_cost
    if total is not None and math.isfinite(total):
        return total
    parts = [getattr(allocation, name) for name in _PARTS]
    known = [p for p in parts if p is not None and math.isfinite(p)]
    return sum(known) if known else None


def _names(name: str, aggregate: Sequence[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The service a row is shown under, and its tags: one per aggregated property.

    OpenCost joins the values of a multi-property aggregate with "/" (`ml/fraud` for
    `namespace,label:team`); none of those values can hold a "/" itself.
    """
    values = name.split("/") if len(aggregate) > 1 else [name]
    if len(values) != len(aggregate):
        values = [name] + [""] * (len(aggregate) - 1)
        values = values[: len(aggregate)]
    shown = [clean_line(SPECIAL_NAMES.get(v, v)) for v in values]
    tags = {
        tag_key(prop): clean_line(value)
        for prop, value in zip(aggregate, values, strict=True)
        if value and value not in SPECIAL_NAMES
    }
    return "/".join(shown) or "(unnamed)", tuple(sorted(tags.items()))


def days_between(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
