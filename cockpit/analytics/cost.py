"""Cloud spend from the merged roll-ups: per currency, against each budget, where it is
heading, what moved, and what each experiment cost.

`summarize_cost` is the one entry point; every surface reads the `CostSummary` it returns
(`cockpit.analytics.cost_views`). It is linear in the rows (a year of roll-ups across
services, accounts and tags is about 100,000) and plain Python, so that `cockpit status` and
the first frame need no pandas. Money is never converted: each currency gets its own view.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from cockpit.analytics.cost_anomalies import (
    ANOMALY_WINDOW,
    anomaly_alerts,
    anomaly_rule,
    find_anomalies,
)
from cockpit.analytics.cost_budgets import (
    CurrencyFacts,
    budget_alerts,
    budget_view,
    history_start,
    provider_expected,
)
from cockpit.analytics.cost_experiments import experiment_costs
from cockpit.analytics.cost_forecast import forecast_period
from cockpit.analytics.cost_periods import period_bounds
from cockpit.analytics.cost_views import (
    DIMENSIONS,
    CostAlert,
    CostAnalysisSettings,
    CostSummary,
    CurrencyView,
    SpendLine,
)
from cockpit.models import CostData, CostRow, ExperimentData

__all__ = ["CostSummary", "summarize_cost"]

SERIES_DAYS = 30  # the daily chart
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class _Currency:
    """Running sums for one currency, filled in one pass over the rows."""

    __slots__ = ("credits", "daily", "first", "gpu", "lines", "mtd", "services", "through")

    def __init__(self) -> None:
        self.daily: dict[date, float] = defaultdict(float)
        self.first: date | None = None
        self.through: date | None = None
        self.mtd = 0.0
        self.gpu = 0.0
        self.credits = 0.0
        # dimension -> value -> [month to date, this week, last week, is_gpu]
        self.lines: dict[str, dict[object, list]] = defaultdict(dict)
        # (provider, service) -> day -> amount, over the anomaly window
        self.services: dict[tuple[str, str], dict[date, float]] = defaultdict(
            lambda: defaultdict(float)
        )


def summarize_cost(
    data: CostData,
    now: datetime,
    *,
    settings: CostAnalysisSettings = CostAnalysisSettings(),  # noqa: B008 (frozen)
    experiments: ExperimentData | None = None,
) -> CostSummary:
    today = now.date()
    elapsed = (now.hour * 3600 + now.minute * 60 + now.second) / 86400
    month_start, month_end = period_bounds(today, "month")
    this_week = today - timedelta(days=7)  # the last 7 complete days start here
    last_week = today - timedelta(days=14)
    anomaly_since = today - timedelta(days=ANOMALY_WINDOW)
    breakdown_since = min(month_start, last_week)
    budget_since = min((history_start(b, today) for b in data.budgets), default=today)
    keep_since = min(budget_since, month_start)
    kept: list[CostRow] = []  # the rows budgets and the provider forecast read
    currencies: dict[str, _Currency] = {}
    tag_keys: set[str] = set()
    acc = _Currency()
    currency = daily = None
    for row in data.rows:  # the one pass over every row: keep its common path short
        day = row.day
        amount = row.amount
        if row.currency != currency:
            currency = row.currency
            acc = currencies.get(currency) or currencies.setdefault(currency, _Currency())
            daily = acc.daily
        daily[day] += amount
        if day > today:
            continue
        if day >= keep_since:
            kept.append(row)
        if day >= anomaly_since and day < today:
            acc.services[row.provider, row.service][day] += amount
        if day < breakdown_since:
            continue
        slot = 0 if day >= month_start else -1
        week = 1 if this_week <= day < today else 2 if last_week <= day < this_week else -1
        if slot == 0:
            acc.mtd += amount
            if row.is_gpu:
                acc.gpu += amount
            if amount < 0:
                acc.credits += amount
        tags = row.tags or ((("team", row.team),) if row.team else ())
        keys: list[tuple[str, object]] = [
            ("provider", row.provider),
            ("service", (row.provider, row.service)),
            ("account", row.account),
            ("region", row.region),
            ("category", row.category),
        ]
        for key, value in tags:
            tag_keys.add(key)
            keys.append((f"tag:{key}", value))
        for dimension, value in keys:
            line = acc.lines[dimension].get(value)
            if line is None:
                line = acc.lines[dimension][value] = [0.0, 0.0, 0.0, False]
            if slot == 0:
                line[0] += amount
            if week > 0:
                line[week] += amount
            if row.is_gpu:
                line[3] = True
    for acc in currencies.values():
        acc.first, acc.through = min(acc.daily), max(acc.daily)
    facts = {c: CurrencyFacts(a.first, a.through) for c, a in currencies.items()}
    views = []
    alerts: list[CostAlert] = []
    for currency, acc in currencies.items():
        view = _currency_view(
            currency, acc, sorted(tag_keys), today, elapsed, month_start, month_end, settings
        )
        month_rows = [r for r in kept if r.currency == currency and r.day >= month_start]
        expected = provider_expected(month_rows, data.forecasts, currency, month_start, month_end)
        if expected is not None:
            import msgspec

            view = msgspec.structs.replace(
                view, forecast=msgspec.structs.replace(view.forecast, provider_expected=expected)
            )
        views.append(view)
        alerts.extend(anomaly_alerts(view.anomalies, today))
    views.sort(key=lambda v: (-v.month_to_date, v.currency))
    budgets = []
    for budget in data.budgets:
        view, daily = budget_view(budget, kept, facts, data.forecasts, today, elapsed)
        budgets.append(view)
        alerts.extend(budget_alerts(view, daily, today))
    alerts.sort(key=lambda a: (SEVERITY_ORDER[a.severity], a.kind == "anomaly", a.key))
    return CostSummary(
        views=tuple(views),
        budgets=tuple(budgets),
        alerts=tuple(alerts),
        experiments=experiment_costs(data.rows, experiments, settings),
        cost_columns=tuple(c.strip() for c in data.cost_column.split(",") if c.strip()),
        anomaly_rule=anomaly_rule(settings.anomaly_sigma),
        tag_keys=tuple(sorted(tag_keys)),
        sources_overlap=data.overlap,
    )


def _currency_view(
    currency: str,
    acc: _Currency,
    tag_keys: list[str],
    today: date,
    elapsed: float,
    month_start: date,
    month_end: date,
    settings: CostAnalysisSettings,
) -> CurrencyView:
    mtd = acc.mtd
    totals = [0.0, 0.0, 0.0]
    for line in acc.lines["provider"].values():
        for i in range(3):
            totals[i] += line[i]
    breakdowns: dict[str, tuple[SpendLine, ...]] = {}
    for dimension in (*DIMENSIONS, *(f"tag:{k}" for k in tag_keys)):
        values = acc.lines.get(dimension, {})
        if dimension.startswith("tag:"):
            # Rows without the tag: the rest of the whole, so every breakdown adds up.
            rest = [totals[i] - sum(line[i] for line in values.values()) for i in range(3)]
            if any(abs(v) > 1e-9 for v in rest):
                held = values.get("", [0.0, 0.0, 0.0, False])
                values = {**values, "": [held[i] + rest[i] for i in range(3)] + [held[3]]}
        lines = []
        for value, (spent, this, last, gpu) in values.items():
            provider, key = value if dimension == "service" else ("", value)
            lines.append(
                SpendLine(
                    key=str(key),
                    currency=currency,
                    period_to_date=spent,
                    this_week=this,
                    last_week=last,
                    share=spent / mtd if mtd else 0.0,
                    is_gpu=bool(gpu) and dimension == "service",
                    provider=provider,
                )
            )
        lines.sort(key=lambda s: (-s.period_to_date, -s.this_week, s.provider, s.key))
        breakdowns[dimension] = tuple(lines)
    movers = tuple(
        sorted(
            (s for s in breakdowns["service"] if s.this_week or s.last_week),
            key=lambda s: (-abs(s.change), s.provider, s.key),
        )
    )
    complete = [today - timedelta(days=n) for n in range(1, 8)]
    forecast = forecast_period(
        acc.daily,
        period_start=month_start,
        period_end=month_end,
        data_first=acc.first,
        data_through=acc.through,
        today=today,
        today_elapsed=elapsed,
    )
    return CurrencyView(
        currency=currency,
        month=f"{today:%Y-%m}",
        month_to_date=mtd,
        run_rate=sum(acc.daily.get(d, 0.0) for d in complete) / len(complete),
        forecast=forecast,
        gpu_share=acc.gpu / mtd if mtd else 0.0,
        gpu_month_to_date=acc.gpu,
        daily=tuple(
            (d, acc.daily.get(d, 0.0))
            for d in (today - timedelta(days=n) for n in range(SERIES_DAYS - 1, -1, -1))
        ),
        last_full_day=acc.daily.get(today - timedelta(days=1), 0.0),
        credits_month_to_date=acc.credits,
        breakdowns=breakdowns,
        movers=movers,
        anomalies=find_anomalies(
            currency, acc.daily, acc.services, acc.first, today, settings.anomaly_sigma
        ),
    )
