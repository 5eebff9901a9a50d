"""Cost in words and in JSON, for `cockpit status` and the weekly export.

One place for the cost lines both print, so that a budget, a forecast or an alert reads the same
in a terminal, in Markdown and in a script. Every amount goes through `cockpit.formatting`, as on
the Cost panel. Money is never converted: each currency has its own line, and a second currency
is shown apart and flagged.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cockpit.analytics.cost_views import (
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    ExperimentCost,
    ForecastRange,
    SpendLine,
)
from cockpit.formatting import money, money_range, plural, share

NO_BUDGET = "No budget set: add a [[budgets]] table to the config to track spend against one"


def signed_money(value: float, currency: str) -> str:
    """A change in spend, always signed: `+$1,760`, `-$240`, `±$0`."""
    if round(abs(value)) == 0:  # shown in whole units: neither up nor down on screen
        return f"±{money(0.0, currency)}"
    text = money(value, currency)
    return text if value < 0 else f"+{text}"


def forecast_text(forecast: ForecastRange, currency: str) -> str:
    """The forecast with its range, as the Cost panel writes it: `$58.6k (54.6k–62.5k)`."""
    return money_range(forecast.expected, forecast.low, forecast.high, currency)


def currency_text(view: CurrencyView) -> str:
    """One currency's month: spend to date, where it is heading, the run rate, GPU share."""
    cur = view.currency
    text = (
        f"{view.month} · {money(view.month_to_date, cur)} month to date"
        f" · forecast {forecast_text(view.forecast, cur)}"
        f" · run rate {money(view.run_rate, cur)}/day · GPU {share(view.gpu_share)}"
    )
    if view.credits_month_to_date:
        text += f" · credits {money(view.credits_month_to_date, cur)}"
    return text


def mixed_flag(summary: CostSummary) -> str:
    """Said wherever a total would otherwise look like all the spend there is."""
    others = [v.currency for v in summary.views[1:]]
    if not others:
        return ""
    return f"also spent in {', '.join(others)}: shown apart, never converted"


def budget_line(b: BudgetView) -> str:
    cur = b.currency
    text = (
        f"Budget {b.name} ({b.period_label}, {b.scope}): {money(b.spent, cur)} of "
        f"{money(b.amount, cur)} ({share(b.used)}) · forecast {forecast_text(b.forecast, cur)}, "
        f"{share(b.forecast_used)} of budget"
    )
    if b.origin != "config":
        said = []
        if b.provider_actual is not None:
            said.append(f"{money(b.provider_actual, cur)} spent")
        if b.provider_forecast is not None:
            said.append(f"{money(b.provider_forecast, cur)} forecast")
        text += f" · from {b.origin}" + (f", which says {' and '.join(said)}" if said else "")
    if b.note:
        text += f" · {b.note}"
    return text


def mover_line(m: SpendLine, *, when: str = " week over week") -> str:
    cur = m.currency
    who = f"{m.key} ({m.provider})" if m.provider else m.key
    return (
        f"{who} {signed_money(m.change, cur)}{when} "
        f"({money(m.this_week, cur)} vs {money(m.last_week, cur)})"
    )


def alert_line(a: CostAlert) -> str:
    return f"Alert: {a.message}"


def experiment_line(e: ExperimentCost) -> str:
    cur = e.currency
    text = f"{e.experiment}: {money(e.spend, cur)}"
    if e.runs:
        text += f" over {plural(e.runs, 'run')}"
    if e.per_run is not None:
        text += f", {money(e.per_run, cur)}/run"
    if e.per_point is not None and e.metric:
        text += f" · {money(e.per_point, cur)} per point of {e.metric} gained"
    if not e.matched:
        text += " · no tracker has this experiment"
    return text


def status_cost_lines(summary: CostSummary) -> tuple[str, list[str]]:
    """The Cost row of `cockpit status` and the lines under it."""
    view = summary.primary
    head = currency_text(view) if view else "no spend in the cache"
    if summary.cost_columns:
        head += f" · {', '.join(summary.cost_columns)}"
    flag = mixed_flag(summary)
    if flag:
        head += f" · {flag}"
    lines = [budget_line(b) for b in summary.budgets] or [NO_BUDGET]
    if view and view.movers:
        lines.append(f"Top mover: {mover_line(view.movers[0])}")
    for other in summary.views[1:]:
        text = f"In {other.currency}, apart: {currency_text(other)}"
        if other.movers:
            text += f" · top mover {mover_line(other.movers[0])}"
        lines.append(text)
    lines += [alert_line(a) for a in summary.alerts]
    return head, lines


def week_spend(view: CurrencyView, first: date, last: date) -> float:
    """Spend from `first` to `last`, both included, from the view's daily series."""
    return sum(amount for day, amount in view.daily if first <= day <= last)


# --- JSON -----------------------------------------------------------------------------------


def _money(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _share(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def forecast_json(f: ForecastRange) -> dict[str, Any]:
    return {
        "expected": _money(f.expected),
        "low": _money(f.low),
        "high": _money(f.high),
        "actual_to_date": _money(f.actual_to_date),
        "method": f.method,
        "provider_expected": _money(f.provider_expected),
    }


def mover_json(m: SpendLine) -> dict[str, Any]:
    return {
        "service": m.key,
        "provider": m.provider,
        "currency": m.currency,
        "this_week": _money(m.this_week),
        "last_week": _money(m.last_week),
        "change": _money(m.change),
        "is_gpu": m.is_gpu,
    }


def currency_json(v: CurrencyView) -> dict[str, Any]:
    return {
        "currency": v.currency,
        "month": v.month,
        "month_to_date": _money(v.month_to_date),
        "run_rate": _money(v.run_rate),
        "forecast": forecast_json(v.forecast),
        "gpu_share": _share(v.gpu_share),
        "credits_month_to_date": _money(v.credits_month_to_date),
        "by_provider": {
            line.key: _money(line.period_to_date) for line in v.breakdowns.get("provider", ())
        },
        "top_mover": mover_json(v.movers[0]) if v.movers else None,
        "movers": [mover_json(m) for m in v.movers],
    }


def budget_json(b: BudgetView) -> dict[str, Any]:
    return {
        "name": b.name,
        "scope": b.scope,
        "period": b.period,
        "period_label": b.period_label,
        "start": b.period_start.isoformat(),
        "end": b.period_end.isoformat(),
        "currency": b.currency,
        "amount": _money(b.amount),
        "spent": _money(b.spent),
        "used": _share(b.used),
        "forecast": forecast_json(b.forecast),
        "forecast_used": _share(b.forecast_used),
        "thresholds": list(b.thresholds),
        "forecast_threshold": b.forecast_threshold,
        "origin": b.origin,
        "provider_actual": _money(b.provider_actual),
        "provider_forecast": _money(b.provider_forecast),
        "note": b.note or None,
    }


def alert_json(a: CostAlert) -> dict[str, Any]:
    return {
        "key": a.key,
        "kind": a.kind,
        "severity": a.severity,
        "subject": a.subject,
        "threshold": round(a.threshold, 3),
        "value": round(a.value, 3) if a.kind != "anomaly" else _money(a.value),
        "currency": a.currency,
        "day": a.day.isoformat() if a.day else None,
        "message": a.message,
    }


def experiment_json(e: ExperimentCost) -> dict[str, Any]:
    return {
        "experiment": e.experiment,
        "source": e.source or None,
        "currency": e.currency,
        "spend": _money(e.spend),
        "runs": e.runs,
        "runs_with_cost": e.runs_with_cost,
        "per_run": _money(e.per_run),
        "metric": e.metric or None,
        "gain": round(e.gain, 10) if e.gain is not None else None,
        "per_point": _money(e.per_point),
        "matched": e.matched,
    }


def cost_json(summary: CostSummary, age_seconds: float | None) -> dict[str, Any]:
    """`status --json`'s cost object: the largest currency's figures at the top, every other
    currency apart in `other_currencies`, and the budgets, alerts and experiments whole."""
    view = summary.primary
    out: dict[str, Any] = {"age_seconds": age_seconds}
    if view is not None:
        out |= currency_json(view)
    else:  # budgets but no spend yet: the same keys, with nothing in them
        out |= {"currency": None, "month": None, "month_to_date": None, "run_rate": None}
        out |= {"forecast": None, "gpu_share": None, "credits_month_to_date": None}
        out |= {"by_provider": {}, "top_mover": None, "movers": []}
    out |= {
        "mixed_currencies": summary.mixed_currencies,
        "other_currencies": [currency_json(v) for v in summary.views[1:]],
        "cost_columns": list(summary.cost_columns),
        "budgets": [budget_json(b) for b in summary.budgets],
        "alerts": [alert_json(a) for a in summary.alerts],
        "anomaly_rule": summary.anomaly_rule,
        "experiments": [experiment_json(e) for e in summary.experiments],
    }
    return out


# --- the weekly export ----------------------------------------------------------------------

EXPORT_MOVERS = 3
EXPORT_EXPERIMENTS = 3


def week_text(view: CurrencyView, first: date, last: date, through: date) -> str:
    """The report week's spend, and the week before's."""
    cur = view.currency
    spent = week_spend(view, first, min(last, through))
    before = week_spend(view, first - timedelta(days=7), first - timedelta(days=1))
    so_far = ", so far" if through < last else ""
    return (
        f"Week spend: {money(spent, cur)} ({first:%a %d %b} – {last:%a %d %b}{so_far}); "
        f"the week before {money(before, cur)}"
    )


def export_cost_lines(summary: CostSummary, first: date, last: date, through: date) -> list[str]:
    """The weekly export's Cost section: the week's spend, the month and its forecast, budgets,
    the top movers, cost per experiment and the alerts; other currencies apart."""
    view = summary.primary
    lines: list[str] = []
    if view is None:
        lines.append("No spend in the cache")
    else:
        lines.append(week_text(view, first, last, through))
        head = currency_text(view)
        if summary.cost_columns:
            head += f" ({', '.join(summary.cost_columns)})"
        lines.append(head)
    flag = mixed_flag(summary)
    if flag:
        lines.append(f"Mixed currencies: {flag}")
    lines += [budget_line(b) for b in summary.budgets] or [NO_BUDGET]
    if view and view.movers:
        shown = view.movers[:EXPORT_MOVERS]
        lines.append(
            f"Top movers, week over week ({len(shown)} of {plural(len(view.movers), 'service')}):"
        )
        lines += [f"  {mover_line(m, when='')}" for m in shown]
    if summary.experiments:
        shown_e = summary.experiments[:EXPORT_EXPERIMENTS]
        lines.append(
            f"Cost per experiment ({len(shown_e)} of {len(summary.experiments)}, most spend first):"
        )
        lines += [f"  {experiment_line(e)}" for e in shown_e]
    for other in summary.views[1:]:
        lines.append(f"In {other.currency}, apart: {currency_text(other)}")
        lines.append(f"  {week_text(other, first, last, through)}")
        if other.movers:
            lines.append(f"  Top mover: {mover_line(other.movers[0])}")
    lines += [alert_line(a) for a in summary.alerts]
    return lines


def week_json(view: CurrencyView, first: date, last: date, through: date) -> dict[str, Any]:
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "through": min(last, through).isoformat(),
        "spend": _money(week_spend(view, first, min(last, through))),
        "previous_week_spend": _money(
            week_spend(view, first - timedelta(days=7), first - timedelta(days=1))
        ),
    }
