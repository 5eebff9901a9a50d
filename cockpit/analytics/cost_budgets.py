"""Budgets: period-to-date spend in the budget's scope and currency, its forecast, and the
alerts for the thresholds crossed this period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import msgspec

from cockpit.analytics.cost_forecast import HISTORY_DAYS, forecast_period
from cockpit.analytics.cost_periods import money, percent, period_bounds, period_key, period_label
from cockpit.analytics.cost_scope import Matcher, ScopeError, matcher, scope_text
from cockpit.analytics.cost_views import BudgetView, CostAlert, ForecastRange
from cockpit.models import Budget, CostRow, ProviderForecast


class CurrencyFacts:
    """What a budget's forecast needs to know of its currency's data as a whole."""

    def __init__(self, first: date | None, through: date | None) -> None:
        self.first, self.through = first, through


def history_start(budget: Budget, today: date) -> date:
    start, _ = period_bounds(today, budget.period)
    return start - timedelta(days=HISTORY_DAYS)


def budget_view(
    budget: Budget,
    rows: Iterable[CostRow],
    facts: dict[str, CurrencyFacts],
    forecasts: Sequence[ProviderForecast],
    today: date,
    today_elapsed: float,
) -> tuple[BudgetView, dict[date, float]]:
    """The budget's view and its daily spend (for the day each threshold was crossed).

    `rows` must hold every row from `history_start(budget, today)` on."""
    start, end = period_bounds(today, budget.period)
    since = start - timedelta(days=HISTORY_DAYS)
    try:
        test: Matcher = matcher(budget)
        scope = scope_text(budget)
        note = ""
    except ScopeError as exc:  # a provider's budget with a scope we cannot read
        test, scope, note = (lambda row: False), budget.scope, f"scope not understood: {exc}"
    daily: dict[date, float] = defaultdict(float)
    elsewhere: dict[str, float] = defaultdict(float)  # this period, in other currencies
    in_period: list[CostRow] = []
    for row in rows:
        if row.day < since or row.day > today or not test(row):
            continue
        if row.currency != budget.currency:
            if row.day >= start:
                elsewhere[row.currency] += row.amount
            continue
        daily[row.day] += row.amount
        if row.day >= start:
            in_period.append(row)
    known = facts.get(budget.currency, CurrencyFacts(None, None))
    forecast = forecast_period(
        daily,
        period_start=start,
        period_end=end,
        data_first=known.first,
        data_through=known.through,
        today=today,
        today_elapsed=today_elapsed,
    )
    expected = provider_expected(in_period, forecasts, budget.currency, start, end)
    if expected is not None:
        forecast = _with_provider(forecast, expected)
    if not note and elsewhere:
        other = ", ".join(money(v, c) for c, v in sorted(elsewhere.items()))
        if not in_period:
            note = (
                f"no spend in {budget.currency} matches this budget's scope; {other} does"
                " and is not converted"
            )
        else:
            note = f"also {other} in this scope, not counted (never converted)"
    view = BudgetView(
        name=budget.name,
        scope=scope,
        period=budget.period,
        period_label=period_label(start, budget.period),
        period_start=start,
        period_end=end,
        currency=budget.currency,
        amount=budget.amount,
        spent=forecast.actual_to_date,
        forecast=forecast,
        thresholds=tuple(sorted(budget.thresholds)),
        forecast_threshold=budget.forecast_threshold,
        origin=budget.origin,
        provider_actual=budget.provider_actual,
        provider_forecast=budget.provider_forecast,
        note=note,
    )
    return view, dict(daily)


def _with_provider(forecast: ForecastRange, expected: float) -> ForecastRange:
    return msgspec.structs.replace(forecast, provider_expected=expected)


def provider_expected(
    rows: Sequence[CostRow],
    forecasts: Sequence[ProviderForecast],
    currency: str,
    start: date,
    end: date,
) -> float | None:
    """The period's total as the providers forecast it: spend before each forecast's start
    plus its mean. Only when every provider with spend here has a forecast in this currency
    reaching the period's end; a forecast for one cloud is not a forecast for all of them."""
    chosen: dict[str, ProviderForecast] = {}
    for f in forecasts:
        if f.currency == currency and f.end == end + timedelta(days=1) and f.start > start:
            chosen.setdefault(f.provider.casefold(), f)
    if not chosen or not rows:
        return None
    before = 0.0
    for row in rows:
        f = chosen.get(row.provider.casefold())
        if f is None:
            return None
        if row.day < f.start:
            before += row.amount
    return before + sum(f.mean for f in chosen.values())


def budget_alerts(view: BudgetView, daily: dict[date, float], today: date) -> list[CostAlert]:
    """The highest actual threshold crossed this period (a new key when a higher one is
    crossed, so each crossing pops once), and the forecast alert unless spend is there."""
    if view.amount <= 0:
        return []
    alerts: list[CostAlert] = []
    key = f"{view.name}|{period_key(view.period_start, view.period)}"
    crossed = [t for t in view.thresholds if view.spent >= t * view.amount]
    cur = view.currency
    if crossed:
        threshold = max(crossed)
        day = _day_crossed(daily, view.period_start, today, threshold * view.amount)
        when = f" on {day:%b} {day.day}" if day else ""
        alerts.append(
            CostAlert(
                key=f"{key}|actual|{threshold:g}",
                kind="actual",
                subject=view.name,
                threshold=threshold,
                value=view.used,
                currency=cur,
                day=day,
                message=(
                    f"Budget {view.name} ({view.period_label}) passed {percent(threshold)}"
                    f"{when}: {money(view.spent, cur)} of {money(view.amount, cur)} spent"
                    f" ({percent(view.used)})."
                ),
                severity="error" if threshold >= 1 else "warning" if threshold >= 0.8 else "info",
            )
        )
    limit = view.forecast_threshold
    if (
        limit is not None
        and limit > 0
        and view.forecast.expected >= limit * view.amount
        and not any(t >= limit for t in crossed)
    ):
        f = view.forecast
        alerts.append(
            CostAlert(
                key=f"{key}|forecast|{limit:g}",
                kind="forecast",
                subject=view.name,
                threshold=limit,
                value=view.forecast_used,
                currency=cur,
                day=today,
                message=(
                    f"Budget {view.name} ({view.period_label}) is forecast to reach"
                    f" {money(f.expected, cur)} ({money(f.low, cur)}–{money(f.high, cur)}),"
                    f" {percent(view.forecast_used)} of {money(view.amount, cur)}."
                ),
                severity="warning",
            )
        )
    return alerts


def _day_crossed(daily: dict[date, float], start: date, today: date, level: float) -> date | None:
    total = 0.0
    day = start
    while day <= today:
        total += daily.get(day, 0.0)
        if total >= level:
            return day
        day += timedelta(days=1)
    return None
