"""Hand-built cost view-models for the panel's and the screen's tests, at the frozen moment
(Monday 23 Nov 2026, 09:30 UTC): every figure below is written out, none computed by the
analytics, so that the widgets are tested on their own.

`sample_summary(budgets=...)` gives one summary per budget state the panel draws apart:
"ok" (62% spent), "warning" (85%), "over" (104%) and "none"; `mixed=True` adds spend in EUR.
`big_summary(services)` is the scale case: a breakdown of thousands of services.
"""

from __future__ import annotations

from datetime import date, timedelta

from cockpit.analytics.cost_views import (
    Anomaly,
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    ExperimentCost,
    ForecastRange,
    SpendLine,
)

TODAY = date(2026, 11, 23)
MONTH_START = date(2026, 11, 1)
MONTH_END = date(2026, 11, 30)

# Thirty days of spend, 25 Oct to today (today's is partial), with a spike on 19 Nov.
DAILY_USD = (
    1480.0, 1510.0, 1620.0, 1590.0, 1605.0, 1320.0, 1290.0,
    1650.0, 1700.0, 1720.0, 1690.0, 1710.0, 1380.0, 1350.0,
    1760.0, 1800.0, 1790.0, 1830.0, 1850.0, 1420.0, 1400.0,
    1880.0, 1910.0, 1950.0, 3920.0, 1990.0, 1510.0, 1480.0,
    2010.0, 840.0,
)  # fmt: skip


def _daily(values: tuple[float, ...]) -> tuple[tuple[date, float], ...]:
    first = TODAY - timedelta(days=len(values) - 1)
    return tuple((first + timedelta(days=n), v) for n, v in enumerate(values))


def _forecast(actual: float, per_day: float, spread: float) -> ForecastRange:
    """The days left (today's remainder included) at `per_day`, ± `spread` a day."""
    days = tuple(
        (TODAY + timedelta(days=n), per_day, per_day - spread, per_day + spread)
        for n in range(1, (MONTH_END - TODAY).days + 1)
    )
    left = len(days) + 0.6  # 60% of today is still to come
    return ForecastRange(
        expected=actual + per_day * left,
        low=actual + (per_day - spread) * left,
        high=actual + (per_day + spread) * left,
        actual_to_date=actual,
        days=days,
        method="weekday-weighted run rate over the last 28 days",
    )


def _line(
    key: str,
    mtd: float,
    this_week: float,
    last_week: float,
    total: float,
    *,
    gpu: bool = False,
    provider: str = "",
    currency: str = "USD",
) -> SpendLine:
    return SpendLine(
        key=key,
        currency=currency,
        period_to_date=mtd,
        this_week=this_week,
        last_week=last_week,
        share=mtd / total,
        is_gpu=gpu,
        provider=provider,
    )


USD_MTD = 38_456.0
SERVICES = (
    ("Amazon SageMaker", "AWS", 12_840.0, 4_310.0, 3_120.0, True),
    ("Amazon EC2", "AWS", 9_620.0, 2_480.0, 2_610.0, True),
    ("Vertex AI", "Google Cloud", 6_115.0, 1_960.0, 1_410.0, True),
    ("Amazon S3", "AWS", 3_210.0, 820.0, 805.0, False),
    ("Compute Engine", "Google Cloud", 2_480.0, 650.0, 700.0, False),
    ("Cloud Storage", "Google Cloud", 1_390.0, 360.0, 352.0, False),
    ("Amazon CloudWatch", "AWS", 1_130.0, 300.0, 290.0, False),
    ("AWS Data Transfer", "AWS", 980.0, 250.0, 230.0, False),
    ("BigQuery", "Google Cloud", 521.0, 140.0, 120.0, False),
    # A service name is outside text: markup in it is shown as typed.
    ("[bold]Support[/] (Business)", "AWS", 160.0, 40.0, 40.0, False),
)


def usd_view() -> CurrencyView:
    total = USD_MTD
    services = tuple(
        _line(name, mtd, tw, lw, total, gpu=gpu, provider=provider)
        for name, provider, mtd, tw, lw, gpu in SERVICES
    )
    return CurrencyView(
        currency="USD",
        month="2026-11",
        month_to_date=total,
        run_rate=1_760.0,
        forecast=_forecast(total, 1_790.0, 210.0),
        gpu_share=28_575.0 / total,
        gpu_month_to_date=28_575.0,
        daily=_daily(DAILY_USD),
        last_full_day=2_010.0,
        credits_month_to_date=-420.0,
        breakdowns={
            "provider": (
                _line("AWS", 27_940.0, 8_200.0, 7_095.0, total),
                _line("Google Cloud", 10_516.0, 3_110.0, 2_582.0, total),
            ),
            "service": services,
            "account": (
                _line("ml-prod", 24_300.0, 7_500.0, 6_020.0, total),
                _line("ml-research", 11_006.0, 3_110.0, 2_957.0, total),
                _line("shared-data", 3_150.0, 700.0, 700.0, total),
            ),
            "region": (
                _line("us-east-1", 27_940.0, 8_200.0, 7_095.0, total),
                _line("europe-west4", 10_516.0, 3_110.0, 2_582.0, total),
            ),
            "category": (
                _line("AI and Machine Learning", 18_955.0, 6_270.0, 4_530.0, total),
                _line("Compute", 12_100.0, 3_130.0, 3_310.0, total),
                _line("Storage", 4_600.0, 1_180.0, 1_157.0, total),
                _line("Other", 2_801.0, 730.0, 680.0, total),
            ),
            "tag:team": (
                _line("fraud", 17_200.0, 5_900.0, 4_010.0, total),
                _line("search", 12_400.0, 3_100.0, 3_300.0, total),
                _line("(untagged)", 8_856.0, 2_310.0, 2_367.0, total),
            ),
        },
        movers=(
            _line("Amazon SageMaker", 12_840.0, 4_310.0, 3_120.0, total, gpu=True, provider="AWS"),
            _line("Vertex AI", 6_115.0, 1_960.0, 1_410.0, total, gpu=True, provider="Google Cloud"),
        ),
        anomalies=(
            Anomaly(
                day=date(2026, 11, 19),
                dimension="service",
                key="Amazon SageMaker",
                currency="USD",
                amount=2_480.0,
                expected=610.0,
                sigma=6.4,
                explanation="6.4σ above the median of the previous 28 days ($610/day)",
            ),
            Anomaly(
                day=date(2026, 11, 19),
                dimension="total",
                key="all spend",
                currency="USD",
                amount=3_920.0,
                expected=1_700.0,
                sigma=4.1,
                explanation="4.1σ above the median of the previous 28 days ($1,700/day)",
            ),
        ),
    )


def eur_view() -> CurrencyView:
    total = 1_234.0
    return CurrencyView(
        currency="EUR",
        month="2026-11",
        month_to_date=total,
        run_rate=54.0,
        forecast=_forecast(total, 55.0, 9.0),
        gpu_share=0.0,
        gpu_month_to_date=0.0,
        daily=_daily(tuple(50.0 + (n % 7) for n in range(30))),
        last_full_day=56.0,
        credits_month_to_date=0.0,
        breakdowns={
            "provider": (_line("Microsoft", total, 380.0, 371.0, total, currency="EUR"),),
            "service": (
                _line(
                    "Azure Blob Storage",
                    934.0,
                    290.0,
                    281.0,
                    total,
                    provider="Microsoft",
                    currency="EUR",
                ),
                _line(
                    "Azure Monitor", 300.0, 90.0, 90.0, total, provider="Microsoft", currency="EUR"
                ),
            ),
        },
    )


def _budget(name: str, amount: float, spent: float, **changes: object) -> BudgetView:
    # A budget over all spend forecasts what the month does; a narrower one its own share.
    ratio = spent / USD_MTD
    forecast = _forecast(spent, 1_790.0 * ratio, 210.0 * ratio)
    fields: dict[str, object] = {
        "name": name,
        "scope": "all",
        "period": "month",
        "period_label": "Nov 2026",
        "period_start": MONTH_START,
        "period_end": MONTH_END,
        "currency": "USD",
        "amount": amount,
        "spent": spent,
        "forecast": forecast,
        "thresholds": (0.5, 0.8, 1.0),
        "forecast_threshold": 1.0,
    }
    fields.update(changes)
    return BudgetView(**fields)  # type: ignore[arg-type]


def _alert(budget: str, kind: str, threshold: float, value: float, severity: str) -> CostAlert:
    what = "forecast to reach" if kind == "forecast" else "passed"
    return CostAlert(
        key=f"{budget}|2026-11|{kind}|{threshold}",
        kind=kind,  # type: ignore[arg-type]
        subject=budget,
        threshold=threshold,
        value=value,
        currency="USD",
        day=date(2026, 11, 21),
        message=f"{budget}: {what} {threshold:.0%} of its budget ({value:.0%}) on 21 Nov",
        severity=severity,  # type: ignore[arg-type]
    )


def budgets_for(state: str) -> tuple[tuple[BudgetView, ...], tuple[CostAlert, ...]]:
    """Budgets and the alerts they raise, per state."""
    anomaly = CostAlert(
        key="anomaly|service=Amazon SageMaker|2026-11-19",
        kind="anomaly",
        subject="service=Amazon SageMaker",
        threshold=3.0,
        value=2_480.0,
        currency="USD",
        day=date(2026, 11, 19),
        message="Amazon SageMaker spent $2,480 on 19 Nov, 6.4σ above its usual $610/day",
        severity="warning",
    )
    if state == "none":
        return (), (anomaly,)
    if state == "ok":
        main = _budget("Cloud", 62_000.0, USD_MTD)
        return (main,), (anomaly,)
    if state == "warning":
        main = _budget("Cloud", 45_000.0, USD_MTD)
        gpu = _budget(
            "GPU training", 40_000.0, 28_575.0, scope="tag:team=fraud", thresholds=(0.5, 0.9)
        )
        alerts = (
            _alert("Cloud", "forecast", 1.0, main.forecast_used, "warning"),
            _alert("Cloud", "actual", 0.8, main.used, "warning"),
            anomaly,
        )
        return (main, gpu), alerts
    # Over: ours and the one AWS Budgets holds, beside each other.
    main = _budget("Cloud", 37_000.0, USD_MTD)
    gpu = _budget("GPU training", 27_500.0, 28_575.0, scope="tag:team=fraud")
    aws = _budget(
        "aws-monthly", 30_000.0, 27_940.0, scope="provider=AWS", origin="AWS Budgets",
        provider_actual=27_910.0, provider_forecast=39_800.0,
    )  # fmt: skip
    quarter = _budget(
        "Research Q4", 90_000.0, 61_200.0, period="quarter", period_label="2026-Q4",
        period_start=date(2026, 10, 1), period_end=date(2026, 12, 31),
    )  # fmt: skip
    alerts = (
        _alert("Cloud", "actual", 1.0, main.used, "error"),
        _alert("GPU training", "actual", 1.0, gpu.used, "error"),
        _alert("aws-monthly", "forecast", 1.0, aws.forecast_used, "warning"),
        anomaly,
    )
    return (main, gpu, aws, quarter), alerts


EXPERIMENTS = (
    ExperimentCost(
        experiment="ranker", source="ml", currency="USD", spend=14_210.0, runs=21,
        runs_with_cost=18, per_run=14_210.0 / 21, metric="val_ndcg", gain=0.0290,
        per_point=14_210.0 / 2.9,
    ),
    ExperimentCost(
        experiment="asr", source="ml", currency="USD", spend=6_480.0, runs=9,
        runs_with_cost=9, per_run=720.0, metric="eval_wer", gain=0.0150, per_point=4_320.0,
    ),
    ExperimentCost(
        experiment="llm-distill", source="", currency="USD", spend=2_115.0, runs=0,
        runs_with_cost=4, per_run=None, matched=False,
    ),
)  # fmt: skip


def sample_summary(budgets: str = "ok", *, mixed: bool = False) -> CostSummary:
    budget_views, alerts = budgets_for(budgets)
    views = (usd_view(), eur_view()) if mixed else (usd_view(),)
    return CostSummary(
        views=views,
        budgets=budget_views,
        alerts=alerts,
        experiments=EXPERIMENTS,
        cost_columns=("EffectiveCost",),
        anomaly_rule=(
            "A day is an anomaly when it is more than 3σ (robust: 1.4826 × the median absolute"
            " deviation) above the median of the previous 28 days."
        ),
        tag_keys=("team",),
    )


def big_summary(services: int = 2_000, tag_values: int = 5_000) -> CostSummary:
    """A roll-up of a big organisation: thousands of services and tag values."""
    base = sample_summary("warning")
    view = base.views[0]
    total = float(sum(range(1, services + 1)))
    lines = tuple(
        _line(f"service-{n:04d}", float(services - n), float(n % 97), float(n % 89), total,
              gpu=n % 5 == 0, provider=("AWS", "Microsoft", "Google Cloud")[n % 3])
        for n in range(services)
    )  # fmt: skip
    tags = tuple(
        _line(f"run-{n:05d}", float(tag_values - n), float(n % 13), float(n % 7), total)
        for n in range(tag_values)
    )
    breakdowns = {**view.breakdowns, "service": lines, "tag:run_id": tags}
    from msgspec.structs import replace

    return replace(
        base,
        views=(replace(view, breakdowns=breakdowns),),
        tag_keys=("team", "run_id"),
    )


def test_the_sample_states_are_what_their_names_say() -> None:
    for state, used in (("ok", 0.62), ("warning", 0.85), ("over", 1.04)):
        main = sample_summary(state).budgets[0]
        assert round(main.used, 2) == used, state
    assert sample_summary("none").budgets == ()
    assert sample_summary(mixed=True).mixed_currencies
