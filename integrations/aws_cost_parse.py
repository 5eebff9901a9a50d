"""Cost Explorer and AWS Budgets answers → cost records, and what a sync asks for. Pure.

What one sync asks Cost Explorer (`plan_sync`), and how its answers become `CostRow`s:

* **GetCostAndUsage, daily, grouped by SERVICE and USAGE_TYPE.** The usage type is what tells
  accelerator spend apart (`USE1-BoxUsage:p4d.24xlarge`, `USE1-ml.g5.xlarge-Training`): the
  service alone ("Amazon Elastic Compute Cloud - Compute") does not. Usage types are summed
  away into one row per day, service, currency and GPU-or-not.
* **With `tag_key`, a second query grouped by TAG and USAGE_TYPE.** Cost Explorer groups by
  two dimensions at most, so service × tag × usage type takes two answers, joined on day and
  usage type: each tag's spend on a usage type goes to the service that usage type belongs to.
  That join is exact for GPU spend per tag (the usage type decides both), and for the service
  of nearly every usage type; the few usage types several services share (data transfer) are
  split between those services in proportion to each one's spend on it that day.
* Rows older than `RECENT_DAYS` are kept from the previous snapshot: Cost Explorer revises the
  last days' figures, not older ones, so a re-sync asks only for the recent days.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cockpit.models import Budget, CostData, CostRow, ProviderForecast
from cockpit.text_safety import clean_line
from integrations.gpu_usage import is_gpu_text

PROVIDER = "AWS"
BUDGETS_ORIGIN = "AWS Budgets"
# Cost Explorer revises a day's figures for a day or two (later usage records, credits); a
# re-sync asks again for the last RECENT_DAYS days before the newest day it has, and later.
RECENT_DAYS = 3
FORECAST_LEVEL = 80  # percent: the prediction interval asked for
UNKNOWN_SERVICE = "(service not reported)"

# GetCostAndUsage names metrics in CamelCase, GetCostForecast in UPPER_SNAKE.
FORECAST_METRIC = {
    "UnblendedCost": "UNBLENDED_COST",
    "AmortizedCost": "AMORTIZED_COST",
    "NetUnblendedCost": "NET_UNBLENDED_COST",
    "NetAmortizedCost": "NET_AMORTIZED_COST",
    "BlendedCost": "BLENDED_COST",
}

USAGE_GROUPING = (
    {"Type": "DIMENSION", "Key": "SERVICE"},
    {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
)


class AwsShapeError(ValueError):
    """An answer that does not have the shape Cost Explorer or AWS Budgets documents."""


@dataclass(frozen=True)
class Query:
    """One GetCostAndUsage query: `label` says which ("usage" or "tags")."""

    label: str
    group_by: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class SyncPlan:
    """What a sync asks for, decided before any paid call."""

    start: date  # the first day asked (inclusive)
    end: date  # exclusive: tomorrow, so that today's spend so far is included
    kept: tuple[CostRow, ...]  # rows of the previous snapshot before `start`, still in the window
    queries: tuple[Query, ...]
    forecast_due: bool  # no forecast was made today yet
    kept_forecasts: tuple[ProviderForecast, ...]  # the last forecast, if no new one is made

    @property
    def required_calls(self) -> int:
        """Paid calls the sync cannot do without (one page per query); the forecast and any
        further pages come on top."""
        return len(self.queries)

    @property
    def full(self) -> bool:
        return not self.kept


def plan_sync(*, today: date, days: int, tag_key: str, previous: CostData | None) -> SyncPlan:
    """The days to ask for, the queries, and what to keep from `previous` (the last snapshot
    made with the same settings, or None for a full sync)."""
    window_start = today - timedelta(days=days)
    end = today + timedelta(days=1)
    queries = [Query("usage", USAGE_GROUPING)]
    if tag_key:
        queries.append(Query("tags", ({"Type": "TAG", "Key": tag_key}, USAGE_GROUPING[1])))
    start, kept = window_start, ()
    rows = previous.rows if previous is not None else ()
    if rows:
        newest = min(max(row.day for row in rows), today)
        start = max(window_start, newest - timedelta(days=RECENT_DAYS))
        kept = tuple(row for row in rows if window_start <= row.day < start)
    forecasts = previous.forecasts if previous is not None else ()
    return SyncPlan(
        start=start,
        end=end,
        kept=kept,
        queries=tuple(queries),
        forecast_due=not any(f.start == today for f in forecasts),
        # A forecast made on an earlier day of this month is still the best there is.
        kept_forecasts=tuple(f for f in forecasts if f.end > today),
    )


def forecast_period(today: date) -> tuple[date, date]:
    """From today to the end of the month (end exclusive): GetCostForecast starts today at
    the earliest."""
    last = calendar.monthrange(today.year, today.month)[1]
    return today, date(today.year, today.month, last) + timedelta(days=1)


# --- GetCostAndUsage answers ----------------------------------------------------------------


def _amount(metrics: Any, metric: str) -> tuple[float, str]:
    try:
        value = metrics[metric]
        amount = float(value["Amount"])
        if not math.isfinite(amount):  # "NaN" would poison every sum it joins
            raise ValueError(amount)
        return amount, clean_line(str(value.get("Unit") or "USD")).upper()
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AwsShapeError(
            f"a group without a numeric {metric} amount: {metrics!r:.200}"
        ) from None


def _groups(
    pages: Iterable[Mapping[str, Any]], metric: str
) -> Iterable[tuple[date, str, str, float, str]]:
    """(day, first key, second key, amount, currency) for every group of every page."""
    for page in pages:
        periods = page.get("ResultsByTime") if isinstance(page, Mapping) else None
        if not isinstance(periods, list | None):
            raise AwsShapeError(f"an answer without a list of results: {page!r:.200}")
        for period in periods or ():
            try:
                day = date.fromisoformat(str(period["TimePeriod"]["Start"])[:10])
            except (KeyError, TypeError, ValueError):
                raise AwsShapeError(f"a result without a start date: {period!r:.200}") from None
            groups = period.get("Groups") if isinstance(period, Mapping) else None
            for group in groups if isinstance(groups, list) else ():
                keys = group.get("Keys") if isinstance(group, Mapping) else None
                if not isinstance(keys, list) or len(keys) != 2:
                    raise AwsShapeError(f"a group without its two keys: {group!r:.200}")
                amount, currency = _amount(group.get("Metrics"), metric)
                yield day, clean_line(str(keys[0])), clean_line(str(keys[1])), amount, currency


def tag_value(key: str) -> str:
    """The value in a TAG group key: "team$fraud" → "fraud"; "team$" (untagged) → ""."""
    return key.partition("$")[2]


def build_rows(
    usage_pages: Sequence[Mapping[str, Any]],
    tag_pages: Sequence[Mapping[str, Any]] | None,
    *,
    metric: str,
    tag_key: str,
    account: str,
) -> list[CostRow]:
    """Roll-up rows from the SERVICE × USAGE_TYPE answer, and, with a tag key, the
    TAG × USAGE_TYPE answer (see the module docstring for the join)."""
    gpu: dict[tuple[str, str], bool] = {}

    def is_gpu(service: str, usage_type: str) -> bool:
        known = gpu.get((service, usage_type))
        if known is None:
            known = gpu[service, usage_type] = is_gpu_text(f"{service} {usage_type}")
        return known

    # (day, service, currency, is_gpu, tag value) → amount
    sums: dict[tuple[date, str, str, bool, str], float] = defaultdict(float)
    usage = list(_groups(usage_pages, metric))
    if tag_pages is None:
        for day, service, usage_type, amount, currency in usage:
            sums[day, service, currency, is_gpu(service, usage_type), ""] += amount
    else:
        services: dict[tuple[date, str, str], dict[str, float]] = defaultdict(dict)
        for day, service, usage_type, amount, currency in usage:
            spent = services[day, usage_type, currency]
            spent[service] = spent.get(service, 0.0) + amount
        for day, tag_key_value, usage_type, amount, currency in _groups(tag_pages, metric):
            value = tag_value(tag_key_value)
            shares = _shares(services.get((day, usage_type, currency), {}))
            if not shares:  # the two answers disagree (data changed in between): say so
                shares = {UNKNOWN_SERVICE: 1.0}
            for service, share in shares.items():
                sums[day, service, currency, is_gpu(service, usage_type), value] += amount * share
    key = tag_key.lower()
    rows = [
        CostRow(
            day=day,
            provider=PROVIDER,
            service=service,
            amount=amount,
            currency=currency,
            is_gpu=gpu_spend,
            account=account,
            tags=((key, value),) if tag_pages is not None else (),
        )
        for (day, service, currency, gpu_spend, value), amount in sums.items()
        if amount != 0.0
    ]
    rows.sort(key=lambda r: (r.day, r.service, r.tags, r.is_gpu, r.currency))
    return rows


def _shares(spent: Mapping[str, float]) -> dict[str, float]:
    """Each service's share of a usage type's spend. By absolute amount, so that the shares
    add up to 1 (nothing is lost or counted twice) even when credits make a sum zero."""
    total = sum(abs(amount) for amount in spent.values())
    if total == 0.0:
        return {service: 1.0 / len(spent) for service in spent} if spent else {}
    return {service: abs(amount) / total for service, amount in spent.items()}


# --- GetCostForecast ----------------------------------------------------------------------


def parse_forecast(answer: Mapping[str, Any], start: date, end: date) -> ProviderForecast:
    try:
        total = answer["Total"]
        mean = float(total["Amount"])
        currency = clean_line(str(total.get("Unit") or "USD")).upper()
    except (KeyError, TypeError, ValueError):
        raise AwsShapeError(f"a forecast without a total: {answer!r:.200}") from None
    low = high = None
    results = answer.get("ForecastResultsByTime") or []
    try:
        lows = [float(r["PredictionIntervalLowerBound"]) for r in results]
        highs = [float(r["PredictionIntervalUpperBound"]) for r in results]
    except (KeyError, TypeError, ValueError):
        lows = highs = []  # no interval given: the mean alone
    if results and lows and highs:
        low, high = sum(lows), sum(highs)
    return ProviderForecast(
        provider=PROVIDER,
        currency=currency,
        start=start,
        end=end,
        mean=mean,
        low=low,
        high=high,
        level=FORECAST_LEVEL,
    )


# --- DescribeBudgets ------------------------------------------------------------------------

_PERIODS = {"MONTHLY": "month", "QUARTERLY": "quarter"}
# CostFilters keys (and FilterExpression dimensions) that map onto one of our scopes.
_FILTER_SCOPES = {
    "Service": "service",
    "SERVICE": "service",
    "LinkedAccount": "account",
    "LINKED_ACCOUNT": "account",
    "Region": "region",
    "REGION": "region",
}


def parse_budgets(budgets: Iterable[Mapping[str, Any]], now: datetime) -> list[Budget]:
    """The cost budgets that are monthly or quarterly; others (usage, RI and Savings Plans
    coverage, daily, yearly or custom periods) have no counterpart on the cockpit's screens."""
    return [b for raw in budgets if (b := parse_budget(raw, now)) is not None]


def parse_budget(raw: Mapping[str, Any], now: datetime) -> Budget | None:
    if not isinstance(raw, Mapping):
        raise AwsShapeError(f"a budget that is not an object: {raw!r:.200}")
    if raw.get("BudgetType", "COST") != "COST":
        return None
    period = _PERIODS.get(str(raw.get("TimeUnit")))
    if period is None:
        return None
    limit = raw.get("BudgetLimit") or _planned_limit(raw.get("PlannedBudgetLimits"), now)
    if not limit:
        return None
    try:
        amount = float(limit["Amount"])
        unit = limit.get("Unit")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AwsShapeError(f"a budget without a numeric limit: {raw!r:.200}") from None
    spend = raw.get("CalculatedSpend")
    spend = spend if isinstance(spend, Mapping) else {}
    return Budget(
        name=clean_line(str(raw.get("BudgetName") or "AWS budget")),
        amount=amount,
        currency=clean_line(str(unit or "USD")).upper(),
        provider=PROVIDER,
        period=period,  # type: ignore[arg-type]
        scope=budget_scope(raw),
        origin=BUDGETS_ORIGIN,
        provider_actual=_spend_amount(spend.get("ActualSpend")),
        provider_forecast=_spend_amount(spend.get("ForecastedSpend")),
    )


def _spend_amount(spend: Any) -> float | None:
    try:
        return float(spend["Amount"])
    except (KeyError, TypeError, ValueError):
        return None


def _planned_limit(planned: Any, now: datetime) -> Mapping[str, Any] | None:
    """A planned budget's limit for the period under way: keys are the periods' starts in
    epoch seconds."""
    if not isinstance(planned, Mapping):
        return None
    moment = now.astimezone(UTC).timestamp()
    started = [(float(k), v) for k, v in planned.items() if _is_number(k) and float(k) <= moment]
    return max(started, key=lambda kv: kv[0])[1] if started else None


def _is_number(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def budget_scope(raw: Mapping[str, Any]) -> str:
    """What the budget covers, in the cockpit's words, when it is one simple filter; otherwise
    all AWS spend (the budget's own `provider_actual` is AWS's word on what it covers)."""
    filters = raw.get("CostFilters") or {}
    expression = raw.get("FilterExpression") or {}
    if filters and isinstance(filters, Mapping) and len(filters) == 1:
        key, values = next(iter(filters.items()))
        if isinstance(values, list) and len(values) == 1:
            return _scope(str(key), str(values[0])) or f"provider={PROVIDER}"
    elif expression and isinstance(expression, Mapping) and len(expression) == 1:
        kind, term = next(iter(expression.items()))
        values = term.get("Values") if isinstance(term, Mapping) else None
        if isinstance(values, list) and len(values) == 1:
            if kind == "Dimensions":
                return _scope(str(term.get("Key")), str(values[0])) or f"provider={PROVIDER}"
            if kind == "Tags":
                return f"tag:{str(term.get('Key')).lower()}={clean_line(str(values[0]))}"
    return f"provider={PROVIDER}"


def _scope(key: str, value: str) -> str:
    value = clean_line(value)
    if key == "TagKeyValue":  # "user:team$fraud"
        tag, _, tagged = value.removeprefix("user:").partition("$")
        return f"tag:{tag.lower()}={tagged}"
    name = _FILTER_SCOPES.get(key)
    return f"{name}={value}" if name else ""
