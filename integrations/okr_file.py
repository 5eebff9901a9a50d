"""The OKR file (`okrs.toml`): objectives, key results and KPIs, as `OkrData`.

A lead writes it by hand and keeps it in git (docs/okrs.md is the reference), so every error
names the file, the line and the key, and says what to write instead:

    okrs.toml:42: `objectives.1.key_results.3.target`: expected a number, got the text
    "0.91"; write numbers without quotes

Files written before check-ins and bindings existed (a key result with `start`, `target` and a
typed-in `current`) read as they always did. The file is read from disk, or fetched from a URL
(a raw file in a repository) with the sync's HTTP client; check-ins are appended to a local
file only (`cockpit.okr_checkin`), so `OkrData.path` is "" for a URL.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec

from cockpit.models import Binding, CheckIn, KeyResult, Objective, OkrData, Snapshot
from cockpit.schema_errors import explain_validation_error, validation_error_path
from cockpit.text_safety import clean_line, clean_record
from integrations.base import (
    FetchContext,
    SourceBadResponse,
    SourceConfigError,
    SourceUnreachable,
)
from integrations.hand_edited import HandEditedFile as _File
from integrations.hand_edited import Key, load_toml, read_text
from integrations.hand_edited import quoted as _quoted
from integrations.hand_edited import spell_key as _spell

__all__ = [
    "BINDING_KINDS",
    "DIRECTIONS",
    "OkrFileSource",
    "parse_okr_file",
    "parse_okr_text",
    "period_dates",
]

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=1000)]
Confidence = Annotated[int, msgspec.Meta(ge=0, le=10)]
Number = int | float

DIRECTIONS = ("increase", "decrease", "band")

# A fetched file larger than this is not an OKR file (a page, an archive): refused unread.
MAX_FETCHED_BYTES = 2_000_000


# --- the file's schema ----------------------------------------------------------------


class _CheckInEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    date: date
    value: Number
    confidence: Confidence | None = None
    note: Note = ""


class _KeyResultEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Text
    title: Text
    target: Number | None = None  # optional only for a band
    current: Number | None = None  # older files: the value typed in
    start: Number | None = None  # the baseline, as older files call it
    baseline: Number | None = None
    unit: str = ""
    owner: str = ""
    updated: date | None = None
    direction: str = ""  # checked by hand, so that a wrong one is answered with the right ones
    band: list[Number] | None = None
    weight: Number = 1
    checkins: list[_CheckInEntry] = msgspec.field(default_factory=list)
    # Checked by hand: which keys a binding takes depends on its kind.
    bind: dict[str, Any] | None = None


class _KpiEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Text
    title: Text
    band: list[Number]
    unit: str = ""
    owner: str = ""
    direction: str = "band"
    target: Number | None = None  # where in the band the team aims; default its middle
    current: Number | None = None
    updated: date | None = None
    checkins: list[_CheckInEntry] = msgspec.field(default_factory=list)
    bind: dict[str, Any] | None = None


class _ObjectiveEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Text
    title: Text
    owner: str = ""
    period: ShortText = ""
    start: date | None = None
    end: date | None = None
    key_results: list[_KeyResultEntry] = msgspec.field(default_factory=list)


class _OkrFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    period: Text
    start: date | None = None
    end: date | None = None
    objectives: list[_ObjectiveEntry] = msgspec.field(default_factory=list)
    kpis: list[_KpiEntry] = msgspec.field(default_factory=list)


# --- bindings: which keys each kind takes ------------------------------------------------

_STRING_KEYS = (
    "source", "experiment", "metric", "alias", "model", "jql", "label", "epic", "scope",
    "window", "path",
)  # fmt: skip
_WINDOWS = ("period", "quarter", "month", "week", "7d", "30d")
_JIRA_FILTERS = ("jql", "label", "epic")

# kind → (keys it needs, keys it may take besides `kind`), as `cockpit.models.Binding` reads them.
# (`metric` left out: the experiment's ranking metric; a champion-metric binding needs
# `experiment` or `model`, and `metric` when it names no experiment: checked below.)
BINDING_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "metric": (("experiment",), ("metric", "source")),
    "champion-metric": ((), ("metric", "alias", "model", "experiment", "source")),
    "jira-count": ((), ("jql", "label", "epic", "done_only", "source")),
    "jira-points": ((), ("jql", "label", "epic", "done_only", "source")),
    "cost-spend": ((), ("scope", "window", "source")),
    "cost-per-run": ((), ("scope", "window", "experiment", "source")),
    "model-versions": ((), ("alias", "model", "experiment", "window", "source")),
    "status": (("path",), ()),
}
_DEFAULT_ALIAS = "champion"


# --- reading a file, and saying where it is wrong ---------------------------------------


def parse_okr_file(path: Path) -> OkrData:
    """The OKR file at `path`; raises `SourceConfigError` naming the file, line and key."""
    return parse_okr_text(read_text(path), str(path), path=str(path.absolute()))


def parse_okr_text(text: str, name: str, *, path: str = "") -> OkrData:
    """An OKR file's `text`; `name` is what errors call the file (its path or URL), `path` is
    where check-ins can be written ("" for a URL)."""
    file = _File(name, text)
    data = load_toml(text, name)
    try:
        # Strict: `target = "5"` is a mistake to point out, not a number to guess.
        entry = msgspec.convert(data, _OkrFile, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        # An optional number is still a number to the reader: "got the text "0.91"; write
        # numbers without quotes", as for a required one.
        explained = _in_words(
            explain_validation_error(
                message.replace("`int | float | null`", "`int | float`").replace(
                    "`int | null`", "`int`"
                ),
                data=data,
            )
        )
        # Cleaned: msgspec names an unknown key as the file spells it, escapes and all.
        raise SourceConfigError(
            f"{file.at(validation_error_path(message))}: {clean_line(explained)}"
        ) from None
    return _okr_data(file, entry, path)


# The schema's type names, as a lead would say them.
_WORDS = (
    (re.compile(r"expected `int \| float`"), "expected a number"),
    (re.compile(r"expected `array(?: \| null)?`"), "expected a list in brackets, such as [0, 5]"),
    (re.compile(r"expected `int` [<>]= \d+"), "expected a whole number from 0 to 10"),
    (re.compile(r"expected `int`"), "expected a whole number"),
    (
        re.compile(r"expected `date(?: \| null)?`, got `datetime` \(.*\)$"),
        "expected a date such as 2026-11-23, without a time",
    ),
    (re.compile(r"expected `date(?: \| null)?`"), "expected a date such as 2026-11-23"),
)


def _in_words(message: str) -> str:
    for pattern, words in _WORDS:
        message = pattern.sub(words, message)
    return message


def _okr_data(file: _File, entry: _OkrFile, path: str) -> OkrData:
    start, end = _dates(file, (), entry.period, entry.start, entry.end, required=True)
    assert start is not None and end is not None  # required=True
    ids: dict[str, str] = {}
    objective_ids: dict[str, str] = {}
    objectives = []
    for o_index, objective in enumerate(entry.objectives):
        where: tuple[Key, ...] = ("objectives", o_index)
        _check_unique(file, objective_ids, objective.id, where)
        own_start, own_end = _dates(
            file, where, objective.period, objective.start, objective.end, required=False
        )
        krs = []
        for k_index, kr in enumerate(objective.key_results):
            kr_where = (*where, "key_results", k_index)
            _check_unique(file, ids, kr.id, kr_where)
            krs.append(_key_result(file, kr_where, kr, objective.owner))
        objectives.append(
            Objective(
                objective.id,
                objective.title,
                objective.owner,
                objective.period or entry.period,
                tuple(krs),
                start=own_start,
                end=own_end,
            )
        )
    kpis = []
    for index, kpi in enumerate(entry.kpis):
        where = ("kpis", index)
        _check_unique(file, ids, kpi.id, where)
        kpis.append(_kpi(file, where, kpi))
    data = OkrData(entry.period, start, end, tuple(objectives), tuple(kpis), path=path)
    # Titles, notes and names reach the terminal: no control characters or escape sequences
    # (Rich markup stays the literal text it is: the widgets never parse data as markup).
    return clean_record(data)


def _check_unique(file: _File, seen: dict[str, str], key: str, where: tuple[Key, ...]) -> None:
    """Ids pick out one entry (a check-in finds its key result by id): a second one with the
    same id would be shadowed or mixed in."""
    if key in seen:
        file.fail(
            (*where, "id"),
            f"{key!r} is used twice (also `{seen[key]}.id`); give each entry its own id",
        )
    seen[key] = _spell(where)


# --- periods ----------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")


def period_dates(period: str) -> tuple[date, date] | None:
    """The first and last day of a period written "2026-Q4", "2026-H2", "2026-11" or "2026";
    None for any other label."""
    text = period.strip()
    if match := _QUARTER.match(text):
        year, first = int(match[1]), 3 * int(match[2]) - 2
        return _months(year, first, first + 2)
    if match := _HALF.match(text):
        year, first = int(match[1]), 6 * int(match[2]) - 5
        return _months(year, first, first + 5)
    if match := _MONTH.match(text):
        return _months(int(match[1]), int(match[2]), int(match[2]))
    if match := _YEAR.match(text):
        return _months(int(match[1]), 1, 12)
    return None


def _months(year: int, first: int, last: int) -> tuple[date, date] | None:
    if not 1 <= year <= 9999:
        return None
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _dates(
    file: _File,
    where: tuple[Key, ...],
    period: str,
    start: date | None,
    end: date | None,
    *,
    required: bool,
) -> tuple[date | None, date | None]:
    """A period's first and last day: `start` and `end` when written (they win over the
    label, so a fiscal quarter can be dated), else the dates of a `period` such as
    "2026-Q4". An objective with neither keeps the file's (None)."""
    if (start is None) != (end is None):
        missing = "end" if end is None else "start"
        file.fail(
            (*where, missing),
            "missing; `start` and `end` go together (or leave both out and write `period`"
            ' as a quarter such as "2026-Q4")',
        )
    if start is not None and end is not None:
        if end < start:
            file.fail((*where, "end"), f"{end} is before `start` ({start})")
        return start, end
    if not period and not required:
        return None, None
    dated = period_dates(period)
    if dated is None:
        file.fail(
            (*where, "period"),
            f"{_quoted(period)} has no dates the cockpit knows; write it as a quarter such as"
            ' "2026-Q4" (or "2026-H2", "2026-11", "2026"), or give `start` and `end`',
        )
    return dated


# --- key results and KPIs -----------------------------------------------------------------


def _key_result(
    file: _File, where: tuple[Key, ...], kr: _KeyResultEntry, objective_owner: str
) -> KeyResult:
    if kr.start is not None and kr.baseline is not None:
        file.fail((*where, "baseline"), "`baseline` and `start` are the same key; keep one of them")
    baseline_key = "start" if kr.start is not None else "baseline"
    baseline = kr.baseline if kr.baseline is not None else kr.start
    direction = _direction(file, where, kr.direction)
    band = _band(file, where, kr.band) if kr.band is not None else None
    if band is not None and direction in ("", "band"):
        direction = "band"
    elif band is not None:
        file.fail(
            (*where, "band"),
            f'a band goes with direction = "band", not {direction!r}; drop one of them',
        )
    elif direction == "band":
        file.fail(
            (*where, "band"),
            'missing; direction = "band" needs the band to stay within, e.g. band = [0.9, 1.0]',
        )
    _finite(file, where, "weight", kr.weight)
    if kr.weight <= 0:
        file.fail((*where, "weight"), f"{kr.weight:g} is not above 0; weights are positive")
    for key, value in ((baseline_key, baseline), ("target", kr.target), ("current", kr.current)):
        if value is not None:
            _finite(file, where, key, value)
    if kr.target is None:
        if band is None:
            file.fail((*where, "target"), "missing; a key result needs the number it aims for")
        target = (band[0] + band[1]) / 2
    else:
        target = float(kr.target)
    start = float(baseline) if baseline is not None else 0.0
    if band is None:
        if target == start:
            file.fail(
                (*where, "target"),
                f"target equals {baseline_key} ({target:g}), so progress is undefined; a key"
                ' result moves from its baseline to its target (or use direction = "band")',
            )
        wrong = (direction == "increase" and target < start) or (
            direction == "decrease" and target > start
        )
        if wrong:
            file.fail(
                (*where, "direction"),
                f"{direction!r}, but the target ({target:g}) is "
                f"{'below' if target < start else 'above'} the {baseline_key} ({start:g});"
                " correct one of them, or leave `direction` out",
            )
    checkins = _checkins(file, where, kr.checkins)
    binding = _binding(file, where, kr.bind) if kr.bind is not None else None
    return KeyResult(
        id=kr.id,
        title=kr.title,
        start=start,
        target=target,
        # The typed-in value of older files; check-ins and a binding take over from it.
        current=float(kr.current) if kr.current is not None else None,
        unit=kr.unit,
        owner=kr.owner or objective_owner,
        updated=kr.updated,
        direction=direction,
        band_low=band[0] if band else None,
        band_high=band[1] if band else None,
        weight=float(kr.weight),
        checkins=checkins,
        binding=binding,
        line=file.line(where),
    )


def _kpi(file: _File, where: tuple[Key, ...], kpi: _KpiEntry) -> KeyResult:
    if kpi.direction != "band":
        file.fail(
            (*where, "direction"),
            f"{_quoted(kpi.direction)} is not a KPI's direction: a KPI stays within its band;"
            ' write direction = "band" or leave it out',
        )
    low, high = _band(file, where, kpi.band)
    for key, value in (("target", kpi.target), ("current", kpi.current)):
        if value is not None:
            _finite(file, where, key, value)
    return KeyResult(
        id=kpi.id,
        title=kpi.title,
        start=low,
        target=float(kpi.target) if kpi.target is not None else (low + high) / 2,
        current=float(kpi.current) if kpi.current is not None else None,
        unit=kpi.unit,
        owner=kpi.owner,
        updated=kpi.updated,
        direction="band",
        band_low=low,
        band_high=high,
        checkins=_checkins(file, where, kpi.checkins),
        binding=_binding(file, where, kpi.bind) if kpi.bind is not None else None,
        line=file.line(where),
    )


def _direction(file: _File, where: tuple[Key, ...], direction: str) -> str:
    if direction and direction not in DIRECTIONS:
        file.fail(
            (*where, "direction"),
            f'{_quoted(direction)} is not a direction; write "increase", "decrease" or "band"',
        )
    return direction


def _band(file: _File, where: tuple[Key, ...], band: Sequence[Number]) -> tuple[float, float]:
    if len(band) != 2:
        file.fail(
            (*where, "band"),
            f"has {len(band)} number{'s' * (len(band) != 1)}; write the two ends, low first,"
            " e.g. band = [0.9, 1.0]",
        )
    for index, value in enumerate(band):
        _finite(file, (*where, "band"), index, value)
    low, high = float(band[0]), float(band[1])
    if not low < high:
        file.fail(
            (*where, "band"),
            f"[{low:g}, {high:g}]: the low end comes first and must be below the high end",
        )
    return low, high


def _finite(file: _File, where: tuple[Key, ...], key: Key, value: Number) -> None:
    if not math.isfinite(value):
        file.fail((*where, key), f"{value} is not a usable number; write a finite one")


def _checkins(
    file: _File, where: tuple[Key, ...], entries: Sequence[_CheckInEntry]
) -> tuple[CheckIn, ...]:
    checkins = []
    for index, entry in enumerate(entries):
        _finite(file, (*where, "checkins", index), "value", entry.value)
        checkins.append(CheckIn(entry.date, float(entry.value), entry.confidence, entry.note))
    # Oldest first; check-ins of one day keep the order they were written in.
    return tuple(sorted(checkins, key=lambda checkin: checkin.day))


def _binding(file: _File, where: tuple[Key, ...], table: Mapping[str, Any]) -> Binding:
    at: tuple[Key, ...] = (*where, "bind")
    kinds = ", ".join(BINDING_KINDS)
    kind = table.get("kind")
    if kind is None:
        file.fail((*at, "kind"), f"missing; a binding says where its value comes from: {kinds}")
    if not isinstance(kind, str) or kind not in BINDING_KINDS:
        shown = _quoted(kind) if isinstance(kind, str) else repr(kind)
        file.fail((*at, "kind"), f"unknown binding kind {shown}; use one of {kinds}")
    needs, takes = BINDING_KINDS[kind]
    allowed = (*needs, *takes)
    values: dict[str, Any] = {"kind": kind}
    for key, value in table.items():
        if key == "kind":
            continue
        if key not in allowed:
            file.fail(
                (*at, key),
                f"a {kind!r} binding does not take `{_spell((key,))}`; it takes "
                + ", ".join(f"`{name}`" for name in allowed),
            )
        values[key] = _binding_value(file, (*at, key), key, value)
    for key in needs:
        if key not in values:
            file.fail((*at, key), f"missing; a {kind!r} binding needs `{key}`")
    if kind == "champion-metric":
        if "experiment" not in values and "model" not in values:
            file.fail(
                at,
                "a 'champion-metric' binding needs `model` (the registered model whose alias"
                " points at the run) or `experiment`",
            )
        if "experiment" not in values and "metric" not in values:
            file.fail(
                (*at, "metric"),
                "missing; a 'champion-metric' binding that names no `experiment` needs `metric`",
            )
    if kind in ("jira-count", "jira-points"):
        given = [key for key in _JIRA_FILTERS if key in values]
        if len(given) != 1:
            file.fail(
                (*at, given[1]) if given else at,
                f"a {kind!r} binding counts issues matching `jql`, or with `label`, or in"
                f" `epic`: give {'only ' if given else ''}one of them",
            )
    # As the file writes it, for the screen: before the defaults are filled in.
    text = ", ".join(f"{key} = {_toml_value(value)}" for key, value in values.items())
    if kind == "champion-metric":
        values.setdefault("alias", _DEFAULT_ALIAS)
    return msgspec.convert({**values, "text": text}, Binding)


def _binding_value(file: _File, key: tuple[Key, ...], name: str, value: object) -> object:
    if name == "done_only":
        if not isinstance(value, bool):
            file.fail(key, "expected true or false")
        return value
    if name not in _STRING_KEYS:  # pragma: no cover - every allowed key is one or the other
        raise AssertionError(name)
    if not isinstance(value, str):
        file.fail(key, f"expected text in quotes, got {value!r}")
    if not value.strip():
        file.fail(key, "is empty; leave the key out, or say what it names")
    if len(value) > 1000:
        file.fail(key, "is longer than 1,000 characters")
    if name == "window" and value not in _WINDOWS:
        file.fail(
            key,
            f'{_quoted(value)} is not a window; write "period" (the objective\'s, the default),'
            ' "quarter", "month", "week", or "7d" or "30d" (the last whole days)',
        )
    return value


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # A JSON string is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


# --- the source ---------------------------------------------------------------------------


class OkrFileSource:
    """The OKR file at `path`, or at `url` (a raw file in a repository, fetched over HTTP
    with the source's token, if one is stored, as a bearer token)."""

    kind = "okr-file"

    def __init__(self, name: str, path: Path | None = None, *, url: str = "") -> None:
        if (path is None) == (not url):
            raise ValueError("an OKR file source reads a path or a URL")
        self.name = name
        self.path = path
        self.url = url
        # A URL is fetched: skipped offline, and given the sync's HTTP client.
        self.uses_network = bool(url)

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if self.path is not None:
            return Snapshot(okrs=await asyncio.to_thread(parse_okr_file, self.path))
        return Snapshot(okrs=await self._fetch_url(ctx))

    async def _fetch_url(self, ctx: FetchContext) -> OkrData:
        from integrations.threads import run_abandonable

        name = shown_url(self.url)
        if ctx.http is None:
            raise SourceUnreachable(f"{self.name}: offline, {name} was not fetched")
        # The keyring can block (a locked Secret Service): never on the event loop itself.
        token = await run_abandonable(f"{self.name}-token", ctx.secret, self.name)
        headers = {"Accept": "text/plain, application/toml, */*"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        # The whole file every time: a few kilobytes, so a conditional GET would save nothing
        # worth the bookkeeping.
        response = await ctx.http.request("GET", self.url, headers=headers)
        body = response.content
        if len(body) > MAX_FETCHED_BYTES:
            raise SourceBadResponse(
                f"{self.name}: {name} is {len(body):,} bytes, not an OKR file; point `url` at"
                " the raw file"
            )
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "text/html" or body.lstrip()[:1] == b"<":
            raise SourceBadResponse(
                f"{self.name}: {name} answered with a web page, not the OKR file; use the"
                " address of the raw file (on GitHub: the Raw button, raw.githubusercontent.com)"
            )
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceConfigError(f"{name}: not UTF-8 text: {exc}") from None
        return await asyncio.to_thread(parse_okr_text, text, name)


def shown_url(url: str) -> str:
    """A URL as messages show it: without a query or fragment, which may carry a token."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"
