"""The demo cloud bill: fourteen weeks of AWS and Google Cloud spend as a FOCUS export rolls it
up, the budgets set against it, and AWS's own forecast.

Each row is one day of one service in one sub-account and region with one set of tags, as the
FOCUS reader stores roll-ups: FOCUS's provider names and service categories, its EffectiveCost.
Spend grows over the weeks and dips at weekends. Every run of the demo tracker is billed by the
hour to the machines it ran on, tagged with MLflow's experiment name and run id, so cost per
experiment joins the Experiments data. On top of that:

- ranker v3's pre-training three weeks ago, a spike tagged with its experiment (no run), whose
  checkpoints have sat in S3 ever since;
- yesterday an A100 node pool on Google Cloud was left running all day: the anomaly;
- credits and refunds as negative lines: a committed-use discount on Compute Engine, a refund
  for p4d hours lost to a failed host;
- four budgets: the month overall (sized so that its forecast runs past it: the budget alert),
  the quarter overall, the fraud team's month (by its `team` tag) and AWS's month as AWS
  Budgets holds it, next to AWS's own forecast of the month;
- in live mode today's GPU spend grows tick by tick.
"""

from __future__ import annotations

import calendar
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

import msgspec
import msgspec.structs

from cockpit.models import Budget, CostData, CostFile, CostRow, ExperimentData, ProviderForecast
from integrations.demo._shared import LIVE_GPU_DOLLARS_PER_TICK, TICK_SECONDS

# Fourteen weeks: the whole quarter to date whatever the day (a quarter has at most 92 days),
# and 28 days of history before any day an anomaly is looked for.
COST_DAYS = 98
CURRENCY = "USD"
COST_COLUMN = "EffectiveCost"
AWS = "AWS"
GCP = "Google Cloud"  # as FOCUS names the provider


class _Place(msgspec.Struct, frozen=True, eq=False):
    """Where spend is billed: the dimensions of a roll-up row other than day and tags.

    The places are the constants below, so they compare (and hash, as roll-up keys) by
    identity: cheaper than by their six fields.
    """

    provider: str
    service: str
    account: str  # FOCUS SubAccountName: the AWS account, the Google Cloud project
    region: str
    category: str  # FOCUS ServiceCategory
    is_gpu: bool = False


class _CostLine(msgspec.Struct, frozen=True):
    place: _Place
    team: str
    daily: float  # a weekday at the start of the fourteen weeks
    weekend: float  # weekend spend relative to a weekday
    growth: float  # relative growth over the weeks: the team keeps training more
    noise: float


EC2_GPU = _Place(AWS, "Amazon Elastic Compute Cloud", "ml-training", "us-east-1", "Compute", True)
EKS = _Place(AWS, "Amazon Elastic Kubernetes Service", "platform", "us-east-1", "Compute")
S3 = _Place(AWS, "Amazon Simple Storage Service", "data-lake", "us-east-1", "Storage")
SAGEMAKER_SERVING = _Place(
    AWS, "Amazon SageMaker", "ml-serving", "us-east-1", "AI and Machine Learning"
)
SAGEMAKER_TRAINING = _Place(
    AWS, "Amazon SageMaker", "ml-training", "us-east-1", "AI and Machine Learning"
)
GCE_GPU = _Place(GCP, "Compute Engine", "asr-training", "us-central1", "Compute", True)
GCS = _Place(GCP, "Cloud Storage", "asr-training", "us-central1", "Storage")
BIGQUERY = _Place(GCP, "BigQuery", "analytics-prod", "US", "Analytics")

# What is billed whether or not an experiment runs: dev boxes and notebooks on the GPU
# accounts, the platform's cluster, storage, the models' endpoints, analytics.
COST_LINES: tuple[_CostLine, ...] = (
    _CostLine(EC2_GPU, "ranking", 600.0, 0.6, 0.18, 0.22),
    _CostLine(EKS, "platform", 210.0, 0.7, 0.08, 0.05),
    _CostLine(S3, "data", 84.0, 1.0, 0.22, 0.02),
    _CostLine(SAGEMAKER_SERVING, "fraud", 95.0, 1.0, 0.05, 0.03),
    _CostLine(SAGEMAKER_SERVING, "ranking", 90.0, 1.0, 0.10, 0.04),
    _CostLine(GCE_GPU, "speech", 450.0, 0.75, 0.15, 0.12),
    _CostLine(GCS, "speech", 52.0, 1.0, 0.20, 0.02),
    _CostLine(BIGQUERY, "data", 130.0, 0.35, 0.10, 0.18),
)
# Where each demo experiment's runs ran, for which team, and what an hour of it costs.
EXPERIMENT_BILLING: Mapping[str, tuple[_Place, str, float]] = {
    "ranker-v3": (EC2_GPU, "ranking", 12.0),  # p4d.24xlarge on spot
    "asr-finetune": (GCE_GPU, "speech", 3.67),  # a2-highgpu-1g: one A100
    "fraud-gbdt": (SAGEMAKER_TRAINING, "fraud", 5.53),  # ml.m5.24xlarge training jobs
}
SPIKE_EXPERIMENT = "ranker-v3"
# Ranker v3's pre-training three weeks ago: extra dollars per day on p4d, by days ago.
SPIKE_EXTRA: Mapping[int, float] = {22: 2900.0, 21: 4200.0, 20: 3100.0}
CHECKPOINT_EXTRA_PER_DAY = 14.0  # its checkpoints have sat in S3 ever since
# Yesterday: a node pool of three a2-highgpu-8g (eight A100s each, $29.39 an hour) was left
# running all day with nothing on it.
ANOMALY_PLACE, ANOMALY_TEAM, ANOMALY_DAYS_AGO = GCE_GPU, "speech", 1
ANOMALY_EXTRA = 3 * 24 * 29.39
COMMITTED_USE_DISCOUNT = 0.12  # a credit line of 12% of the day's Compute Engine usage
# A row as the anomaly's spend is tagged, to tell which budgets' scopes it falls in.
ANOMALY_ROW = CostRow(
    date.min, GCE_GPU.provider, GCE_GPU.service, 0.0, tags=(("team", ANOMALY_TEAM),)
)
REFUND = (EC2_GPU, 9, -420.0)  # p4d hours lost to a failed host, refunded nine days ago


class _BudgetSpec(msgspec.Struct, frozen=True):
    name: str
    scope: str
    period: str
    pressure: float  # the period's forecast over the budget: above 1 means heading over
    step: int  # the amount is rounded to this, as people set budgets
    thresholds: tuple[float, ...] = (0.8, 1.0)
    origin: str = "config"


# Sized from the period's forecast, so the demo shows the same picture on any day: the month
# overall heading over (the budget alert), the rest with room to spare.
BUDGETS: tuple[_BudgetSpec, ...] = (
    _BudgetSpec("ML platform", "", "month", 1.05, 1000, (0.5, 0.8, 1.0)),
    _BudgetSpec("Cloud this quarter", "", "quarter", 0.75, 5000),
    _BudgetSpec("Fraud team", "tag:team=fraud", "month", 0.72, 100),
    _BudgetSpec("AWS", "provider=AWS", "month", 0.75, 1000, origin="AWS Budgets"),
)
AWS_SCOPE = f"provider={AWS}"  # what AWS's own forecast covers
FORECAST_SPREAD = 0.08  # AWS's forecast range: ±8% of its mean, at 80%

_Tags = tuple[tuple[str, str], ...]
_Key = tuple[date, _Place, _Tags]
SPIKE_TAGS: _Tags = (("mlflow_experiment", SPIKE_EXPERIMENT), ("team", "ranking"))


def _build_cost(
    now: datetime, rng: random.Random, experiments: ExperimentData | None = None
) -> CostData:
    today = now.date()
    first = today - timedelta(days=COST_DAYS - 1)
    elapsed = (now - datetime.combine(today, time(), tzinfo=UTC)).total_seconds() / 86400
    # One roll-up per export, AWS's first: the rows come out in the order the files list them.
    spend: dict[str, dict[_Key, float]] = {AWS: defaultdict(float), GCP: defaultdict(float)}
    line_tags = [(("team", line.team),) for line in COST_LINES]

    for days_ago in range(COST_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        trend = (COST_DAYS - 1 - days_ago) / (COST_DAYS - 1)
        part = elapsed if days_ago == 0 else 1.0  # today is still being billed
        for line, tags in zip(COST_LINES, line_tags, strict=True):
            place = line.place
            amount = _daily_amount(line, day, trend, rng)
            if place == ANOMALY_PLACE and days_ago == ANOMALY_DAYS_AGO:
                amount += ANOMALY_EXTRA
            spend[place.provider][day, place, tags] += amount * part
            if place == GCE_GPU:
                spend[GCP][day, GCE_GPU, ()] -= COMMITTED_USE_DISCOUNT * amount * part
        if days_ago in SPIKE_EXTRA:
            spend[AWS][day, EC2_GPU, SPIKE_TAGS] += SPIKE_EXTRA[days_ago]
        if days_ago <= max(SPIKE_EXTRA):
            spend[AWS][day, S3, SPIKE_TAGS] += CHECKPOINT_EXTRA_PER_DAY * part
    place, days_ago, amount = REFUND
    spend[place.provider][today - timedelta(days=days_ago), place, ()] += amount
    if experiments is not None:
        for key, amount in _run_spend(experiments, first, now):
            spend[key[1].provider][key] += amount

    teams: dict[_Tags, str] = {}
    rows: list[CostRow] = []
    for by_key in spend.values():
        for (day, place, tags), amount in by_key.items():
            team = teams.get(tags)
            if team is None:
                team = teams[tags] = next((v for k, v in tags if k == "team"), "")
            rows.append(
                CostRow(
                    day,
                    place.provider,
                    place.service,
                    round(amount, 2),
                    CURRENCY,
                    place.is_gpu,
                    team,
                    place.account,
                    place.region,
                    place.category,
                    tags,
                )
            )
    daily = _daily_by_scope(rows, today)
    return CostData(
        rows=tuple(rows),
        budgets=_budgets(today, daily),
        cost_column=COST_COLUMN,
        forecasts=(_aws_forecast(today, daily[AWS_SCOPE]),),
        files=_files(rows, now),
    )


def _daily_amount(line: _CostLine, day: date, trend: float, rng: random.Random) -> float:
    amount = line.daily * (1 + line.growth * trend) * (1 + rng.gauss(0, line.noise))
    if day.weekday() >= 5:
        amount *= line.weekend
    return max(amount, 0.1 * line.daily)


def _run_spend(
    experiments: ExperimentData, first: date, now: datetime
) -> Iterable[tuple[_Key, float]]:
    """Each run's hours on each UTC day it ran, at its experiment's hourly rate."""
    names = {e.id: e.name for e in experiments.experiments}
    for run in experiments.runs:
        name = names.get(run.experiment, "")
        if name not in EXPERIMENT_BILLING or run.started is None:
            continue
        place, team, hourly = EXPERIMENT_BILLING[name]
        tags = (("mlflow_experiment", name), ("mlflow_run_id", run.run_id), ("team", team))
        start, end = run.started, min(run.ended or now, now)
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=UTC)
            stop = min(midnight, end)
            if start.date() >= first:
                yield (start.date(), place, tags), hourly * (stop - start).total_seconds() / 3600
            start = stop


def _in_scope(provider: str, team: str, scope: str) -> bool:
    """Whether spend falls in a demo budget's scope: all, one provider, or one team's tag."""
    kind, _, value = scope.partition("=")
    if kind == "tag:team":
        return team == value
    return provider == value if kind == "provider" else not scope


def _period(today: date, period: str) -> tuple[date, date]:
    """The first and last day of the month or quarter that holds `today`."""
    month = today.month if period == "month" else 3 * ((today.month - 1) // 3) + 1
    last_month = month if period == "month" else month + 2
    last = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    return date(today.year, month, 1), last


def _spent(daily: Mapping[date, float], start: date, today: date) -> float:
    return sum(amount for day, amount in daily.items() if start <= day < today)


def _forecast(daily: Mapping[date, float], today: date, start: date, last: date) -> float:
    """Spend before today, plus the last seven complete days' mean for today and the rest."""
    run_rate = sum(daily.get(today - timedelta(days=n), 0.0) for n in range(1, 8)) / 7
    return _spent(daily, start, today) + run_rate * ((last - today).days + 1)


def _daily_by_scope(rows: list[CostRow], today: date) -> dict[str, dict[date, float]]:
    """Daily spend in each budget's scope (and AWS's), without yesterday's anomaly: budgets
    and forecasts are set on the usual run rate, and the anomaly comes on top of them."""
    scopes = dict.fromkeys((spec.scope for spec in BUDGETS), None) | {AWS_SCOPE: None}
    daily: dict[str, dict[date, float]] = {scope: defaultdict(float) for scope in scopes}
    matches: dict[tuple[str, str], list[dict[date, float]]] = {}
    for row in rows:
        into = matches.get((row.provider, row.team))
        if into is None:
            into = matches[row.provider, row.team] = [
                daily[scope] for scope in scopes if _in_scope(row.provider, row.team, scope)
            ]
        for totals in into:
            totals[row.day] += row.amount
    anomaly_day = today - timedelta(days=ANOMALY_DAYS_AGO)
    for scope, totals in daily.items():
        if _in_scope(ANOMALY_PLACE.provider, ANOMALY_TEAM, scope):
            totals[anomaly_day] -= ANOMALY_EXTRA
    return daily


def _budgets(today: date, daily: Mapping[str, Mapping[date, float]]) -> tuple[Budget, ...]:
    budgets = []
    for spec in BUDGETS:
        start, last = _period(today, spec.period)
        forecast = _forecast(daily[spec.scope], today, start, last)
        amount = float(max(spec.step, round(forecast / spec.pressure / spec.step) * spec.step))
        actual = forecast_to_date = None
        if spec.origin == "AWS Budgets":
            actual = round(_spent(daily[spec.scope], start, today), 2)
            forecast_to_date = round(forecast, 2)
        budgets.append(
            Budget(
                name=spec.name,
                amount=amount,
                currency=CURRENCY,
                period="quarter" if spec.period == "quarter" else "month",
                scope=spec.scope,
                thresholds=spec.thresholds,
                origin=spec.origin,
                provider_actual=actual,
                provider_forecast=forecast_to_date,
            )
        )
    return tuple(budgets)


def _aws_forecast(today: date, daily: Mapping[date, float]) -> ProviderForecast:
    """What Cost Explorer's GetCostForecast says of AWS's spend from today to the month's end."""
    start, last = _period(today, "month")
    mean = round(_forecast(daily, today, start, last) - _spent(daily, start, today), 2)
    return ProviderForecast(
        provider=AWS,
        currency=CURRENCY,
        start=today,
        end=last + timedelta(days=1),
        mean=mean,
        low=round(mean * (1 - FORECAST_SPREAD), 2),
        high=round(mean * (1 + FORECAST_SPREAD), 2),
        level=80,
    )


def _files(rows: list[CostRow], now: datetime) -> tuple[CostFile, ...]:
    """The two FOCUS exports the rows were read from, AWS's first (rows are in that order)."""
    aws = sum(row.provider == AWS for row in rows)
    written = int(datetime.combine(now.date(), time(6), tzinfo=UTC).timestamp()) * 10**9
    return (
        CostFile(
            "demo/aws-focus-1.2.parquet", 61 * aws, written, 0, aws, 37 * aws, "1.2", ("USD",)
        ),
        CostFile(
            "demo/google-cloud-focus-1.0.csv.gz",
            88 * (len(rows) - aws),
            written,
            aws,
            len(rows) - aws,
            23 * (len(rows) - aws),
            "1.0",
            ("USD",),
        ),
    )


def _add_live_spend(data: CostData, now: datetime, ticks: int) -> CostData:
    # The sweep running on p4d keeps billing while the demo is watched (only since midnight).
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    billed_ticks = min(ticks, int((now - midnight).total_seconds() // TICK_SECONDS))
    extra = LIVE_GPU_DOLLARS_PER_TICK * billed_ticks
    if extra <= 0:
        return data
    live = (EC2_GPU.provider, EC2_GPU.service, EC2_GPU.account, (("team", "ranking"),))
    rows = [
        msgspec.structs.replace(row, amount=round(row.amount + extra, 2))
        if row.day == now.date() and (row.provider, row.service, row.account, row.tags) == live
        else row
        for row in data.rows
    ]
    return msgspec.structs.replace(data, rows=tuple(rows))
