"""What the Cost panel, the cost screen, `status` and the exports show: the view-models.

`cockpit.analytics.cost.summarize_cost` builds them from the merged roll-ups; every surface
reads these and nothing else, so that a figure is computed once and shown the same way
everywhere. Money is never converted: each currency has its own view, and a mix is flagged.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

Dimension = Literal["provider", "service", "account", "region", "category", "tag"]
DIMENSIONS: tuple[str, ...] = ("provider", "service", "account", "region", "category")


class CostAnalysisSettings(msgspec.Struct, frozen=True, gc=False):
    """The `[cost]` section of the config, as the analytics read it."""

    experiment_tags: tuple[str, ...] = ("mlflow_experiment", "wandb_project", "experiment")
    run_tags: tuple[str, ...] = ("mlflow_run_id", "run_id", "wandb_run_id")
    anomaly_sigma: float = 3.0


class ForecastRange(msgspec.Struct, frozen=True, gc=False):
    """Where spend is heading by the end of a period: actual so far plus the days left."""

    expected: float  # the period's total
    low: float
    high: float
    actual_to_date: float
    # Each day left in the period: (day, expected, low, high) of that day's spend.
    days: tuple[tuple[date, float, float, float], ...] = ()
    method: str = ""  # shown on screen: how the forecast was made
    provider_expected: float | None = None  # the provider's own forecast, when one was given


class BudgetView(msgspec.Struct, frozen=True, gc=False):
    name: str
    scope: str  # "all", "provider=AWS", "tag:team=fraud"
    period: str  # "month" | "quarter"
    period_label: str  # "Nov 2026", "2026-Q4"
    period_start: date
    period_end: date  # the last day, inclusive
    currency: str
    amount: float
    spent: float  # the period to date, in `currency`
    forecast: ForecastRange
    thresholds: tuple[float, ...]  # shares of `amount`, e.g. (0.5, 0.8, 1.0)
    forecast_threshold: float | None
    origin: str = "config"  # or "AWS Budgets"
    provider_actual: float | None = None
    provider_forecast: float | None = None
    note: str = ""  # e.g. "no spend in EUR matches this budget's scope"

    @property
    def used(self) -> float:
        return self.spent / self.amount if self.amount else 0.0

    @property
    def forecast_used(self) -> float:
        return self.forecast.expected / self.amount if self.amount else 0.0


class CostAlert(msgspec.Struct, frozen=True, gc=False):
    # Stable for one crossing (budget, period, kind, threshold: "ML|2026-11|actual|0.8"),
    # so a running TUI pops it once (the store remembers the keys it showed).
    key: str
    kind: Literal["actual", "forecast", "anomaly"]
    subject: str  # the budget's name, or the anomaly's "service=Amazon EC2"
    threshold: float  # the share crossed (0.8); for an anomaly its sigma
    value: float  # the share reached; for an anomaly the day's amount
    currency: str
    day: date | None  # the day it was crossed, or the anomaly's day
    message: str  # a whole sentence, as `status` and the notification say it
    severity: Literal["info", "warning", "error"] = "warning"


class SpendLine(msgspec.Struct, frozen=True, gc=False):
    """One value of one dimension (a service, an account, a tag value)."""

    key: str
    currency: str
    period_to_date: float  # this month
    this_week: float  # the last 7 complete days
    last_week: float  # the 7 days before those
    share: float  # of the currency's month to date, 0..1
    is_gpu: bool = False
    provider: str = ""  # for a service: whose it is

    @property
    def change(self) -> float:
        return self.this_week - self.last_week


class Anomaly(msgspec.Struct, frozen=True, gc=False):
    day: date
    dimension: str  # "service", or "total"
    key: str
    currency: str
    amount: float
    expected: float  # the median of the days it was compared with
    sigma: float  # how far out it is, in robust standard deviations
    explanation: str  # "3.0σ above the median of the previous 28 days ($812/day)"


class ExperimentCost(msgspec.Struct, frozen=True, gc=False):
    experiment: str  # the experiment's name as the tracker shows it
    source: str  # the experiment source, "" when no experiment data matched
    currency: str
    spend: float  # all time, in `currency`
    runs: int  # runs in the experiment (the tracker's count), 0 when unknown
    runs_with_cost: int  # distinct run ids the tags name
    per_run: float | None  # spend / runs
    metric: str = ""  # the experiment's primary metric
    gain: float | None = None  # best value minus the first finished run's, direction-aware
    per_point: float | None = None  # spend per 0.01 gained (per 1.0 for metrics beyond 0..1)
    matched: bool = True  # False: the tag names an experiment the trackers do not have


class CurrencyView(msgspec.Struct, frozen=True, gc=False):
    """Everything in one currency: the panel shows the largest; the screen shows each."""

    currency: str
    month: str  # "2026-11"
    month_to_date: float
    run_rate: float  # a day, over the recent complete days
    forecast: ForecastRange  # to the month's end
    gpu_share: float  # 0..1 of month to date
    gpu_month_to_date: float
    daily: tuple[tuple[date, float], ...]  # the last 30 days, today last
    last_full_day: float
    credits_month_to_date: float  # the negative lines (credits, refunds), month to date, <= 0
    # Month to date per value of each dimension, largest first, every value (never cut here).
    breakdowns: dict[str, tuple[SpendLine, ...]] = msgspec.field(default_factory=dict)
    movers: tuple[SpendLine, ...] = ()  # by |this_week - last_week| over services, largest first
    anomalies: tuple[Anomaly, ...] = ()  # newest first


class CostSummary(msgspec.Struct, frozen=True, gc=False):
    views: tuple[CurrencyView, ...]  # largest month to date first
    budgets: tuple[BudgetView, ...] = ()
    alerts: tuple[CostAlert, ...] = ()  # active now, most severe first
    experiments: tuple[ExperimentCost, ...] = ()  # most spend first
    cost_columns: tuple[str, ...] = ()  # what the amounts are ("EffectiveCost"...), per source
    anomaly_rule: str = ""  # the threshold, explained, as the screen shows it
    tag_keys: tuple[str, ...] = ()  # the tag keys the roll-ups carry (pivot choices)
    sources_overlap: str = ""  # e.g. "AWS comes from both `focus` and `aws`: showing `focus`"

    @property
    def mixed_currencies(self) -> bool:
        return len(self.views) > 1

    @property
    def primary(self) -> CurrencyView | None:
        return self.views[0] if self.views else None
