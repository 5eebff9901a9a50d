"""Month-to-date spend against the budget, and where the month is heading."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import msgspec

from cockpit.models import Budget, CostData

TREND_DAYS = 7  # the run rate behind the month-end forecast
SERIES_DAYS = 30


class ServiceSpend(msgspec.Struct, frozen=True, gc=False):
    provider: str
    service: str
    amount: float
    is_gpu: bool


class CostSummary(msgspec.Struct, frozen=True, gc=False):
    currency: str
    month: str  # "2026-11"
    month_to_date: float
    budget: float | None
    budget_name: str
    forecast: float  # month-end, at the recent daily run rate
    run_rate: float  # mean daily spend over the last complete days
    gpu_share: float  # 0..1 of month-to-date
    by_provider: tuple[tuple[str, float], ...]  # month-to-date, largest first
    daily: tuple[tuple[date, float], ...]  # the last SERIES_DAYS days, today last
    last_full_day: float
    by_service: tuple[ServiceSpend, ...] = ()  # month-to-date, largest first

    @property
    def budget_used(self) -> float | None:
        return self.month_to_date / self.budget if self.budget else None

    @property
    def forecast_vs_budget(self) -> float | None:
        return self.forecast / self.budget if self.budget else None


def monthly_budget(budgets: tuple[Budget, ...]) -> tuple[float | None, str]:
    """An all-provider budget wins; otherwise the provider budgets add up."""
    overall = [b for b in budgets if not b.provider]
    chosen = overall or list(budgets)
    if not chosen:
        return None, ""
    name = chosen[0].name if len(chosen) == 1 else "all budgets"
    return sum(b.monthly_amount for b in chosen), name


def summarize_cost(data: CostData, now: datetime) -> CostSummary:
    today = now.date()
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    days_in_month = (next_month - month_start).days
    per_day: dict[date, float] = defaultdict(float)
    per_provider: dict[str, float] = defaultdict(float)
    per_service: dict[tuple[str, str, bool], float] = defaultdict(float)
    gpu = 0.0
    mtd = 0.0
    for row in data.rows:
        per_day[row.day] += row.amount
        if month_start <= row.day <= today:
            mtd += row.amount
            per_provider[row.provider] += row.amount
            per_service[row.provider, row.service, row.is_gpu] += row.amount
            if row.is_gpu:
                gpu += row.amount
    complete = [today - timedelta(days=n) for n in range(1, TREND_DAYS + 1)]
    run_rate = sum(per_day.get(d, 0.0) for d in complete) / TREND_DAYS
    # Today is still being billed; count what remains of it at the run rate.
    elapsed_today = (now - datetime.combine(today, datetime.min.time(), now.tzinfo)).seconds
    remaining_days = (days_in_month - today.day) + (1 - elapsed_today / 86400)
    budget, budget_name = monthly_budget(data.budgets)
    currencies = {row.currency for row in data.rows} | {b.currency for b in data.budgets}
    return CostSummary(
        currency=currencies.pop() if len(currencies) == 1 else "mixed",
        month=f"{today:%Y-%m}",
        month_to_date=mtd,
        budget=budget,
        budget_name=budget_name,
        forecast=mtd + run_rate * remaining_days,
        run_rate=run_rate,
        gpu_share=gpu / mtd if mtd else 0.0,
        by_provider=tuple(sorted(per_provider.items(), key=lambda kv: -kv[1])),
        daily=tuple(
            (d, per_day.get(d, 0.0))
            for d in (today - timedelta(days=n) for n in range(SERIES_DAYS - 1, -1, -1))
        ),
        last_full_day=per_day.get(today - timedelta(days=1), 0.0),
        by_service=tuple(
            ServiceSpend(provider, service, amount, gpu)
            for (provider, service, gpu), amount in sorted(
                per_service.items(), key=lambda kv: -kv[1]
            )
        ),
    )
