"""The demo cloud bill: 90 days of AWS and GCP spend by service, and the monthly budgets.

Spend grows over the 90 days, dips at weekends, carries the ranker v3 pre-training spike of
three weeks ago, and in live mode today's GPU spend grows tick by tick.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

import msgspec
import msgspec.structs

from cockpit.models import Budget, CostData, CostRow
from integrations.demo._shared import LIVE_GPU_DOLLARS_PER_TICK, TICK_SECONDS

COST_DAYS = 90
CURRENCY = "USD"


class _CostLine(msgspec.Struct, frozen=True):
    provider: str
    service: str
    daily: float  # a weekday at the start of the 90 days
    is_gpu: bool
    team: str
    weekend: float  # weekend spend relative to a weekday
    growth: float  # relative growth over the 90 days: the team keeps training more
    noise: float


COST_LINES: tuple[_CostLine, ...] = (
    _CostLine("aws", "Amazon EC2 (GPU p4d)", 680.0, True, "ml-training", 0.8, 0.18, 0.12),
    _CostLine("aws", "Amazon EC2", 210.0, False, "platform", 0.7, 0.08, 0.05),
    _CostLine("aws", "Amazon S3", 84.0, False, "data", 1.0, 0.22, 0.02),
    _CostLine("aws", "Amazon SageMaker", 185.0, False, "serving", 0.9, 0.10, 0.04),
    _CostLine("gcp", "Compute Engine (A100)", 480.0, True, "ml-training", 0.75, 0.15, 0.14),
    _CostLine("gcp", "Cloud Storage", 52.0, False, "data", 1.0, 0.20, 0.02),
    _CostLine("gcp", "BigQuery", 130.0, False, "data", 0.35, 0.10, 0.18),
)
SPIKE_SERVICE = "Amazon EC2 (GPU p4d)"
CHECKPOINT_SERVICE = "Amazon S3"
# The big pre-training run of ranker v3, three weeks ago: extra dollars per day, by days ago.
SPIKE_EXTRA: Mapping[int, float] = {22: 2900.0, 21: 4200.0, 20: 3100.0}
CHECKPOINT_EXTRA_PER_DAY = 14.0  # its checkpoints have sat in S3 ever since
# Budgets are sized from the month's forecast so the demo always shows realistic tension:
# the team overall and GCP heading slightly over, AWS just under.
BUDGET_PRESSURE: tuple[tuple[str, str, float, int], ...] = (
    ("ML platform", "", 1.05, 1000),
    ("AWS", "aws", 0.96, 500),
    ("GCP", "gcp", 1.12, 500),
)


def _build_cost(now: datetime, rng: random.Random) -> CostData:
    today = now.date()
    # Full-day amounts, keyed by (days ago, line index); today is scaled down afterwards.
    full: dict[tuple[int, int], float] = {}
    for days_ago in range(COST_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        trend = (COST_DAYS - 1 - days_ago) / (COST_DAYS - 1)
        for index, line in enumerate(COST_LINES):
            full[days_ago, index] = _daily_amount(line, day, days_ago, trend, rng)

    elapsed = (now - datetime.combine(today, time(), tzinfo=UTC)).total_seconds() / 86400
    rows = []
    for days_ago in range(COST_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        for index, line in enumerate(COST_LINES):
            amount = full[days_ago, index] * (elapsed if days_ago == 0 else 1.0)
            rows.append(
                CostRow(
                    day=day,
                    provider=line.provider,
                    service=line.service,
                    amount=round(amount, 2),
                    currency=CURRENCY,
                    is_gpu=line.is_gpu,
                    team=line.team,
                )
            )
    return CostData(rows=tuple(rows), budgets=_budgets(today, full))


def _daily_amount(
    line: _CostLine, day: date, days_ago: int, trend: float, rng: random.Random
) -> float:
    amount = line.daily * (1 + line.growth * trend) * (1 + rng.gauss(0, line.noise))
    if day.weekday() >= 5:
        amount *= line.weekend
    amount = max(amount, 0.1 * line.daily)
    if line.service == SPIKE_SERVICE:
        amount += SPIKE_EXTRA.get(days_ago, 0.0)
    if line.service == CHECKPOINT_SERVICE and days_ago <= max(SPIKE_EXTRA):
        amount += CHECKPOINT_EXTRA_PER_DAY
    return amount


def _budgets(today: date, full: Mapping[tuple[int, int], float]) -> tuple[Budget, ...]:
    budgets = []
    for name, provider, pressure, step in BUDGET_PRESSURE:
        lines = [i for i, line in enumerate(COST_LINES) if provider in ("", line.provider)]
        forecast = _month_forecast(today, full, lines)
        amount = max(step, round(forecast / pressure / step) * step)
        budgets.append(Budget(name, float(amount), CURRENCY, provider))
    return tuple(budgets)


def _month_forecast(
    today: date, full: Mapping[tuple[int, int], float], lines: Sequence[int]
) -> float:
    """Month-to-date spend plus the last week's daily run rate for the rest of the month."""
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    spent = sum(full[days_ago, i] for days_ago in range(1, today.day) for i in lines)
    run_rate = sum(full[days_ago, i] for days_ago in range(1, 8) for i in lines) / 7
    return spent + run_rate * (days_in_month - today.day + 1)


def _add_live_spend(data: CostData, now: datetime, ticks: int) -> CostData:
    # The sweep running on p4d keeps billing while the demo is watched (only since midnight).
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    billed_ticks = min(ticks, int((now - midnight).total_seconds() // TICK_SECONDS))
    extra = LIVE_GPU_DOLLARS_PER_TICK * billed_ticks
    if extra <= 0:
        return data
    rows = [
        msgspec.structs.replace(row, amount=round(row.amount + extra, 2))
        if row.day == now.date() and row.service == SPIKE_SERVICE
        else row
        for row in data.rows
    ]
    return msgspec.structs.replace(data, rows=tuple(rows))
