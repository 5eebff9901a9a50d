"""Azure Cost Management query answers, read into daily cost roll-ups. Pure: bytes in, rows out.

`POST {scope}/providers/Microsoft.CostManagement/query` answers an ARM resource whose
`properties` hold `columns` (`[{"name", "type"}]`) and `rows` (lists of values in the columns'
order) and a `nextLink` for the next page. The order of the columns is whatever the answer
says (the cost first and the currency last, usually, but nothing promises it), so every value
is read by its column's name. With daily granularity the day is `UsageDate`, a number
`yyyyMMdd` (20261123); a monthly answer writes `BillingMonth` as a date-time string, which is
read too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from cockpit.models import CostRow
from cockpit.text_safety import clean_line
from integrations.base import SourceBadResponse

PROVIDER = "Microsoft"  # what Azure's own FOCUS export writes as the provider
# Cost columns an answer may carry, by the aggregation asked for and the agreement type.
COST_COLUMNS = ("PreTaxCost", "Cost", "CostUSD", "PreTaxCostUSD", "totalCost")
DAY_COLUMNS = ("UsageDate", "BillingMonth", "Date")


class AzurePayloadError(SourceBadResponse):
    """The answer is not the query result it should be; the message says what is wrong."""


class _Column(msgspec.Struct, frozen=True):
    name: str
    type: str | None = None


class _Properties(msgspec.Struct, frozen=True, rename="camel"):
    columns: list[_Column]
    rows: list[list[Any]]
    next_link: str | None = None


class _Answer(msgspec.Struct, frozen=True):
    properties: _Properties


class Page(msgspec.Struct, frozen=True):
    """One page of a query's result, its rows still positional."""

    columns: tuple[str, ...]
    rows: list[list[Any]]
    next_link: str | None


_ANSWER = msgspec.json.Decoder(_Answer)


def decode_page(body: bytes) -> Page:
    """One answer's columns, rows and next link. An empty body (Azure's 204, "no content") is
    an empty page. Raises `msgspec.DecodeError` for a body that is not JSON at all (the caller
    may ask once more) and `AzurePayloadError` for JSON of another shape."""
    if not body.strip():
        return Page((), [], None)
    try:
        answer = _ANSWER.decode(body)
    except msgspec.ValidationError as exc:
        raise AzurePayloadError(
            f"the answer is not a Cost Management query result: {exc}"
        ) from None
    except RecursionError:  # msgspec recurses once per level of nesting
        raise AzurePayloadError(
            "the answer is not a Cost Management query result: nested too deeply"
        ) from None
    properties = answer.properties
    return Page(tuple(c.name for c in properties.columns), properties.rows, properties.next_link)


class RowShape(msgspec.Struct, frozen=True):
    """What the rows of one source have in common."""

    cost_column: str  # the aggregation asked for ("PreTaxCost", "Cost")
    account: str  # the subscription (or other scope) the spend belongs to
    tag_key: str = ""  # the tag grouped by, "" when none


class _Positions(msgspec.Struct, frozen=True):
    cost: int
    day: int
    service: int
    currency: int | None
    meter: int | None
    tag_key: int | None
    tag_value: int | None
    cost_name: str


def _positions(columns: Sequence[str], shape: RowShape) -> _Positions:
    lowered = {name.lower(): index for index, name in reversed(list(enumerate(columns)))}

    def find(*names: str) -> int | None:
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    shown = ", ".join(clean_line(c)[:40] for c in columns) or "none"
    cost = find(shape.cost_column, *COST_COLUMNS)
    day = find(*DAY_COLUMNS)
    service = find("ServiceName")
    for found, what in ((cost, "cost"), (day, "UsageDate"), (service, "ServiceName")):
        if found is None:
            raise AzurePayloadError(f"the answer has no {what} column (its columns: {shown})")
    assert cost is not None and day is not None and service is not None
    currency = find("Currency", "BillingCurrency")
    cost_name = columns[cost]
    if currency is None and not cost_name.upper().endswith("USD"):
        raise AzurePayloadError(
            f"the answer has no Currency column (its columns: {shown}): the amounts' currency"
            " is unknown"
        )
    return _Positions(
        cost=cost,
        day=day,
        service=service,
        currency=currency,
        meter=find("MeterSubCategory", "MeterCategory", "Meter"),
        tag_key=find("TagKey"),
        tag_value=find("TagValue"),
        cost_name=cost_name,
    )


def rows_of_pages(pages: Sequence[Page], shape: RowShape, first: date, last: date) -> list[CostRow]:
    """The roll-up rows of days `first` to `last` (both included), summed over the meters and
    pages that share a day, service, GPU flag, tag and currency."""
    from integrations.gpu_usage import is_gpu_text

    totals: dict[tuple[date, str, bool, tuple[tuple[str, str], ...], str], float] = {}
    for page_number, page in enumerate(pages, start=1):
        if not page.rows:
            continue
        at = _positions(page.columns, shape)
        for row_number, values in enumerate(page.rows, start=1):
            where = f"row {row_number} of page {page_number}"
            if len(values) != len(page.columns):
                raise AzurePayloadError(
                    f"{where} has {len(values)} values for {len(page.columns)} columns"
                )
            amount = _amount(values[at.cost], where, at.cost_name)
            if amount is None or amount == 0:
                continue
            day = _day(values[at.day], where)
            if day < first or day > last:
                continue
            service = clean_line(_text(values[at.service])) or "(no service)"
            meter = clean_line(_text(values[at.meter])) if at.meter is not None else ""
            if at.currency is not None:
                currency = clean_line(_text(values[at.currency])).upper()
            else:
                currency = "USD"
            if not currency:
                raise AzurePayloadError(f"{where} has no currency")
            tags = _tags(values, at, shape)
            slot = (day, service, is_gpu_text(f"{service} {meter}"), tags, currency)
            totals[slot] = totals.get(slot, 0.0) + amount
    return [
        CostRow(
            day=day,
            provider=PROVIDER,
            service=service,
            amount=amount,
            currency=currency,
            is_gpu=is_gpu,
            account=shape.account,
            tags=tags,
        )
        for (day, service, is_gpu, tags, currency), amount in sorted(totals.items())
    ]


def _amount(value: Any, where: str, column: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AzurePayloadError(f"{where}: {column} is not a number: {_quote(value)}")
    amount = float(value)
    return amount if math.isfinite(amount) else None


def _day(value: Any, where: str) -> date:
    """`20261123` (a number, or its text), or a date-time text ("2026-11-01T00:00:00")."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    try:
        if text.isdigit() and len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise AzurePayloadError(f"{where}: the day is not a date: {_quote(value)}")


def _tags(values: list[Any], at: _Positions, shape: RowShape) -> tuple[tuple[str, str], ...]:
    if not shape.tag_key or at.tag_value is None:
        return ()
    value = clean_line(_text(values[at.tag_value]))
    if at.tag_key is not None:
        # Azure's tag keys keep the case they were written in: `Team` and `team` are one key.
        key = _text(values[at.tag_key])
        if key and key.lower() != shape.tag_key.lower():
            return ()
    return ((clean_line(shape.tag_key).lower(), value),) if value else ()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _quote(value: Any) -> str:
    return repr(clean_line(str(value))[:40])
