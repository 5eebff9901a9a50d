"""The cost week: the week's spend against the week before, each budget used and forecast
then and now, the month's forecast, the biggest mover, new alerts and the costliest
experiment. Every amount through the cost report's formatters (masked: % of budget)."""

from __future__ import annotations

from datetime import date, timedelta

from cockpit.analytics.cost_views import BudgetView, CostSummary, CurrencyView
from cockpit.export.report_model import Change, Chart, Series
from cockpit.formatting import money, share
from cockpit.report_cost import (
    experiment_line,
    forecast_text,
    mover_line,
    signed_money,
    week_spend,
)


def _week(view: CurrencyView, first: date, last: date, through: date) -> Change:
    cur = view.currency
    end = min(last, through)
    spent = week_spend(view, first, end)
    # Like for like: a week in progress against the same days of the week before (Monday's
    # spend against a whole week read as "-90%").
    before = week_spend(view, first - timedelta(days=7), end - timedelta(days=7))
    if end < last:
        days = f"{first:%a}" if end == first else f"{first:%a}–{end:%a}"
        text = (
            f"Spend this week ({days}): {money(spent, cur)}, the same days of the week before "
            f"{money(before, cur)}"
        )
    else:
        text = f"Spend this week: {money(spent, cur)}, the week before {money(before, cur)}"
    if before:
        ratio = spent / before - 1
        text += f" ({signed_money(spent - before, cur)}, {'+' if ratio >= 0 else ''}{share(ratio)})"
        weight = 2.0 + min(abs(ratio) * 10, 4.0)
        tone = "bad" if ratio > 0.1 else "good" if ratio < -0.1 else "neutral"
    else:
        weight, tone = 2.0, "neutral"
    if through < last:
        text += f", through {through:%a %d %b}"
    return Change(text=text, weight=weight, tone=tone)  # type: ignore[arg-type]


def _budget(b: BudgetView, before: BudgetView | None) -> Change:
    text = (
        f"Budget {b.name} ({b.period_label}): {share(b.used)} used, forecast "
        f"{forecast_text(b.forecast, b.currency)}, {share(b.forecast_used)} of budget"
    )
    if before is not None and before.period_label == b.period_label:
        text += f" (last week {share(before.used)} used, forecast {share(before.forecast_used)})"
    over = b.forecast_used > 1.0
    crossed = over and (before is None or before.forecast_used <= 1.0)
    tone = "bad" if over else "good"
    weight = 7.0 if crossed else 5.0 if over else 2.0
    return Change(text=text, weight=weight, tone=tone)  # type: ignore[arg-type]


def _forecast_head(view: CurrencyView, currency: str) -> str:
    """Last week's expected forecast in the unit this week's is given in (`$69.6k`, not
    `$69,613` beside `$70.0k`), without its range."""
    return forecast_text(view.forecast, currency).partition(" (")[0]


def _forecast(view: CurrencyView, before: CurrencyView | None) -> Change | None:
    if before is None or before.month != view.month or before.currency != view.currency:
        return None
    cur = view.currency
    moved = view.forecast.expected - before.forecast.expected
    text = (
        f"Month forecast ({view.month}): {forecast_text(view.forecast, cur)}, "
        f"last week {_forecast_head(before, cur)} ({signed_money(moved, cur)})"
    )
    ratio = moved / before.forecast.expected if before.forecast.expected else 0.0
    tone = "bad" if ratio > 0.05 else "good" if ratio < -0.05 else "neutral"
    return Change(text=text, weight=2.0 + min(abs(ratio) * 20, 3.0), tone=tone)  # type: ignore[arg-type]


def cost_changes(
    c: CostSummary, before: CostSummary | None, first: date, last: date, through: date
) -> tuple[Change, ...]:
    view = c.primary
    changes: list[Change] = []
    if view is not None:
        changes.append(_week(view, first, last, through))
        earlier_view = next(
            (v for v in (before.views if before else ()) if v.currency == view.currency), None
        )
        forecast = _forecast(view, earlier_view)
        if forecast is not None:
            changes.append(forecast)
        if view.movers:
            m = view.movers[0]
            changes.append(
                Change(
                    text=f"Biggest mover: {mover_line(m)}",
                    weight=2.0,
                    tone="bad" if m.change > 0 else "good",
                )
            )
    earlier = {(b.name, b.scope): b for b in before.budgets} if before else {}
    changes += [_budget(b, earlier.get((b.name, b.scope))) for b in c.budgets]
    seen = {a.key for a in before.alerts} if before else None
    for alert in c.alerts:
        new = seen is not None and alert.key not in seen
        changes.append(
            Change(
                text=("New alert: " if new else "Alert: ") + alert.message,
                weight=5.0 if new or seen is None else 3.0,
                tone="bad",
            )
        )
    if c.experiments:
        changes.append(
            Change(
                text=f"Most spend by experiment: {experiment_line(c.experiments[0])}", weight=1.0
            )
        )
    return tuple(sorted(changes, key=lambda change: -change.weight))


def _period_budget(c: CostSummary, view: CurrencyView) -> BudgetView | None:
    return next(
        (
            b
            for b in c.budgets
            if b.currency == view.currency and b.scope == "all" and b.period == "month"
        ),
        None,
    )


def spend_chart(c: CostSummary, through: date) -> Chart | None:
    """The month's spend added up day by day, with the month's budget as the reference."""
    view = c.primary
    if view is None or not view.daily:
        return None
    month = through.replace(day=1)
    days = [(day, spent) for day, spent in view.daily if month <= day <= through]
    if not days:
        return None
    total, running = 0.0, []
    for _day, spent in days:
        total += spent
        running.append(round(total, 2))
    budget = _period_budget(c, view)
    return Chart(
        kind="line",
        title=f"Spend in {month:%B %Y}, added up day by day",
        labels=tuple(f"{day:%d %b}" for day, _spent in days),
        series=(Series("Spend to date", tuple(running)),),
        unit=view.currency,
        reference=round(budget.amount, 2) if budget is not None else None,
        reference_label=f"Budget {budget.name}" if budget is not None else "",
    )
