"""`summarize_cost` on small roll-ups whose figures are checked by hand: per-currency views,
breakdowns, movers, credits, budgets in their scope and period, alerts, the providers' own
forecasts, anomalies and cost per experiment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from cockpit.analytics.cost import summarize_cost
from cockpit.analytics.cost_views import CostAnalysisSettings, CostSummary
from cockpit.models import (
    Budget,
    CostData,
    CostRow,
    Experiment,
    ExperimentData,
    ExperimentDigest,
    ProviderForecast,
)

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)  # a Thursday, half of it billed
TODAY = NOW.date()
START = date(2026, 10, 1)
GPU_TAGS = (("experiment", "Fraud-XGB"), ("run_id", "r1"), ("team", "fraud"))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def base_rows() -> list[CostRow]:
    """USD: GPU instances $100 a day, storage $10 a day; EUR: BigQuery €50 a day; one credit."""
    rows = []
    for day in days(START, TODAY):
        rows.append(
            CostRow(
                day,
                "AWS",
                "Amazon EC2",
                100.0,
                is_gpu=True,
                tags=GPU_TAGS,
                account="ml-prod",
                region="us-east-1",
                category="Compute",
            )
        )
        rows.append(
            CostRow(
                day,
                "AWS",
                "Amazon S3",
                10.0,
                account="ml-prod",
                region="us-east-1",
                category="Storage",
            )
        )
        rows.append(CostRow(day, "Google Cloud", "BigQuery", 50.0, "EUR", account="ml-data"))
    rows.append(CostRow(date(2026, 11, 5), "AWS", "Credits", -30.0, account="ml-prod"))
    return rows  # fmt: skip


def summary(rows: list[CostRow] | None = None, **data: object) -> CostSummary:
    return summarize_cost(CostData(rows=tuple(rows or base_rows()), **data), NOW)  # type: ignore[arg-type]


def test_each_currency_has_its_own_view_and_nothing_is_converted() -> None:
    s = summary()
    assert [v.currency for v in s.views] == ["USD", "EUR"]  # the larger month to date first
    assert s.mixed_currencies
    usd, eur = s.views
    # Nov 1-19: 19 × $110, less a $30 credit.
    assert usd.month_to_date == pytest.approx(19 * 110 - 30)
    assert usd.credits_month_to_date == -30
    assert usd.gpu_month_to_date == 1900
    assert usd.gpu_share == pytest.approx(1900 / 2060)
    assert usd.last_full_day == 110
    assert usd.run_rate == pytest.approx(110)  # Nov 12-18
    assert eur.month_to_date == 19 * 50
    assert usd.month == "2026-11"
    assert usd.daily[-1] == (TODAY, 110) and usd.daily[0][0] == TODAY - timedelta(days=29)
    assert len(usd.daily) == 30


def test_breakdowns_hold_every_value_largest_first_and_add_up() -> None:
    usd = summary().views[0]
    services = usd.breakdowns["service"]
    assert [(s.provider, s.key, s.period_to_date) for s in services] == [
        ("AWS", "Amazon EC2", 1900),
        ("AWS", "Amazon S3", 190),
        ("AWS", "Credits", -30),
    ]
    assert services[0].is_gpu and not services[1].is_gpu
    assert services[0].share == pytest.approx(1900 / 2060)
    assert [(s.key, s.period_to_date) for s in usd.breakdowns["category"]] == [
        ("Compute", 1900), ("Storage", 190), ("", -30),
    ]  # fmt: skip
    # A tag's breakdown has the untagged rest under "", so it adds up to the whole too.
    assert [(s.key, s.period_to_date) for s in usd.breakdowns["tag:team"]] == [
        ("fraud", 1900),
        ("", 160),
    ]
    for lines in usd.breakdowns.values():
        assert sum(s.period_to_date for s in lines) == pytest.approx(usd.month_to_date)
    assert set(usd.breakdowns) == {
        "provider", "service", "account", "region", "category",
        "tag:experiment", "tag:run_id", "tag:team",
    }  # fmt: skip
    assert summary().tag_keys == ("experiment", "run_id", "team")


def test_movers_compare_the_last_seven_complete_days_with_the_seven_before() -> None:
    rows = base_rows()
    # EC2 doubles from Nov 12 on: +$700 over the last week.
    rows += [
        CostRow(d, "AWS", "Amazon EC2", 100.0, is_gpu=True) for d in days(date(2026, 11, 12), TODAY)
    ]
    movers = summary(rows).views[0].movers
    assert [(m.key, m.this_week, m.last_week, m.change) for m in movers] == [
        ("Amazon EC2", 1400, 700, 700),
        ("Credits", 0, -30, 30),  # the credit on Nov 5 was in the week before
        ("Amazon S3", 70, 70, 0),
    ]  # fmt: skip


def test_a_flat_spend_forecasts_the_rest_of_the_month_exactly() -> None:
    rows = [r for r in base_rows() if r.service != "Credits"]
    usd = summary(rows).views[0]
    f = usd.forecast
    # Today is billed in full already, but half of it is still to come by the clock; then
    # Nov 20-30: 11.5 days at $110 in all.
    assert f.actual_to_date == 19 * 110
    assert f.expected == pytest.approx(19 * 110 + 11.5 * 110)
    assert f.low == pytest.approx(f.expected) and f.high == pytest.approx(f.expected)
    assert [d for d, *_ in f.days] == days(TODAY, date(2026, 11, 30))
    assert "weekday levels from the last 7 weeks" in f.method  # Oct 1 - Nov 18
    assert f.provider_expected is None


def test_the_providers_forecast_is_shown_beside_ours_only_when_it_covers_the_spend() -> None:
    aws = ProviderForecast("AWS", "USD", TODAY, date(2026, 12, 1), mean=1500.0, low=1400, high=1600)
    usd = summary(forecasts=(aws,)).views[0]
    # Spend before the forecast's first day (Nov 1-18, with the credit) plus its mean.
    assert usd.forecast.provider_expected == pytest.approx(18 * 110 - 30 + 1500)
    # EUR spend is Google Cloud's: an AWS forecast says nothing about it.
    assert summary(forecasts=(aws,)).views[1].forecast.provider_expected is None
    rows = [*base_rows(), CostRow(TODAY, "Microsoft", "VMs", 5.0)]
    assert summary(rows, forecasts=(aws,)).views[0].forecast.provider_expected is None


def test_budgets_count_their_scope_and_currency_case_insensitively() -> None:
    budgets = (
        Budget("All", 3000.0),
        Budget("AWS only", 2500.0, provider="aws"),  # the old spelling of a scope
        Budget("Fraud GPUs", 9000.0, period="quarter", scope="tag:TEAM=Fraud"),
        Budget("Storage", 1000.0, scope="service=amazon s3"),
        Budget("Data", 500.0, "EUR", scope="account=ML-DATA"),
        Budget("S3 in euros", 100.0, "EUR", scope="service=Amazon S3"),
    )
    views = {b.name: b for b in summary(budgets=budgets).budgets}
    assert views["All"].spent == pytest.approx(2060)
    assert views["All"].scope == "all"
    assert views["AWS only"].spent == pytest.approx(2060)
    assert views["AWS only"].scope == "provider=aws"
    # Q4: Oct 1 - Nov 19, 50 days of $100 of GPU instances.
    fraud = views["Fraud GPUs"]
    assert (fraud.spent, fraud.period_label, fraud.period_start, fraud.period_end) == (
        5000, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31),
    )  # fmt: skip
    assert fraud.forecast.expected == pytest.approx(5000 + 42.5 * 100)  # to Dec 31
    assert views["Storage"].spent == 190
    assert views["Data"].spent == 950 and views["Data"].currency == "EUR"
    assert views["S3 in euros"].spent == 0
    assert views["S3 in euros"].note == (
        "no spend in EUR matches this budget's scope; $190 does and is not converted"
    )


def test_the_highest_threshold_crossed_is_an_alert_with_the_day_it_was_crossed() -> None:
    s = summary(budgets=(Budget("All", 3000.0),))
    (alert,) = [a for a in s.alerts if a.kind == "actual"]
    # $110 a day less the credit: $1,510 on Nov 14 is the first total at 50% of $3,000.
    assert alert.key == "All|2026-11|actual|0.5"
    assert alert.day == date(2026, 11, 14)
    assert alert.threshold == 0.5 and alert.severity == "info"
    assert alert.message == (
        "Budget All (Nov 2026) passed 50% on Nov 14: $2,060 of $3,000 spent (69%)."
    )
    # The month is heading to $3,325 (11.5 more days at $110): 111% of the budget.
    (forecast,) = [a for a in s.alerts if a.kind == "forecast"]
    assert forecast.key == "All|2026-11|forecast|1"
    assert forecast.value == pytest.approx(3325 / 3000, rel=0.01)
    assert forecast.message.startswith("Budget All (Nov 2026) is forecast to reach $3,3")


def test_a_budget_spent_needs_no_forecast_alert_and_quiet_budgets_have_none() -> None:
    s = summary(
        budgets=(
            Budget("Small", 1000.0),
            Budget("Big", 1e6),
            Budget("Off", 3000.0, forecast_threshold=None),
        )
    )
    by_subject = {(a.subject, a.kind): a for a in s.alerts}
    assert by_subject[("Small", "actual")].key == "Small|2026-11|actual|1"
    assert by_subject[("Small", "actual")].severity == "error"
    assert by_subject[("Small", "actual")].day == date(2026, 11, 10)  # $1,070 by then
    assert ("Small", "forecast") not in by_subject
    assert not any(a.subject in ("Big", "Off") and a.kind == "forecast" for a in s.alerts)
    assert s.alerts[0].severity == "error"  # most severe first


def test_a_provider_held_budget_is_shown_beside_ours_with_its_own_figures() -> None:
    held = Budget("aws-monthly", 4000.0, scope="provider=AWS", origin="AWS Budgets",
                  provider_actual=2050.0, provider_forecast=3300.0)  # fmt: skip
    (view,) = summary(budgets=(held,)).budgets
    assert (view.origin, view.spent, view.provider_actual, view.provider_forecast) == (
        "AWS Budgets", pytest.approx(2060), 2050.0, 3300.0,
    )  # fmt: skip


def test_a_spike_is_an_anomaly_and_an_alert_explained_in_words() -> None:
    rows = base_rows()
    rows.append(CostRow(TODAY - timedelta(days=1), "AWS", "Amazon EC2", 900.0, is_gpu=True))
    s = summary(rows)
    usd = s.views[0]
    found = {(a.dimension, a.key): a for a in usd.anomalies}
    assert set(found) == {("total", ""), ("service", "Amazon EC2")}
    ec2 = found["service", "Amazon EC2"]
    assert (ec2.day, ec2.amount, ec2.expected) == (TODAY - timedelta(days=1), 1000, 100)
    # The days before are flat, so the spread is the floor: 10% of the median ($10).
    assert ec2.sigma == pytest.approx(90)
    assert ec2.explanation == "90.0σ above the median of the previous 28 days ($100/day)"
    keys = {a.key for a in s.alerts if a.kind == "anomaly"}
    assert keys == {
        "anomaly|USD|total|2026-11-18",
        "anomaly|USD|service=Amazon EC2|2026-11-18",
    }
    assert "3σ above the median of the previous 28 days" in s.anomaly_rule
    assert s.views[1].anomalies == ()


def test_an_old_spike_is_listed_but_no_longer_an_alert() -> None:
    rows = base_rows()
    rows.append(CostRow(TODAY - timedelta(days=5), "AWS", "Amazon S3", 500.0))
    s = summary(rows)
    assert [(a.key, a.day) for a in s.views[0].anomalies if a.dimension == "service"] == [
        ("Amazon S3", TODAY - timedelta(days=5))
    ]
    assert not [a for a in s.alerts if a.kind == "anomaly"]


def test_the_anomaly_threshold_comes_from_the_settings() -> None:
    rows = base_rows()
    rows.append(CostRow(TODAY - timedelta(days=1), "AWS", "Amazon S3", 3.5))  # 3.5σ on S3
    data = CostData(rows=tuple(rows))
    loose = summarize_cost(data, NOW, settings=CostAnalysisSettings(anomaly_sigma=3.0))
    strict = summarize_cost(data, NOW, settings=CostAnalysisSettings(anomaly_sigma=4.0))
    assert any(a.key == "Amazon S3" for a in loose.views[0].anomalies)
    assert not any(a.key == "Amazon S3" for a in strict.views[0].anomalies)
    assert "4σ" in strict.anomaly_rule


def digest(
    name: str, total: int, record: tuple[float, ...], higher: bool = True
) -> ExperimentDigest:
    definition = Experiment(
        id=f"id-{name}", name=name, primary_metric="auc", higher_is_better=higher
    )
    return ExperimentDigest(
        experiment=definition.id, total=total, source="mlflow", definition=definition,
        record=tuple((START + timedelta(days=n), v) for n, v in enumerate(record)),
    )  # fmt: skip


def test_cost_per_experiment_per_run_and_per_point_gained() -> None:
    rows = base_rows()
    rows.append(CostRow(TODAY, "AWS", "SageMaker", 40.0, tags=(("experiment", "ghost"),)))
    rows.append(CostRow(TODAY, "AWS", "SageMaker", 60.0, tags=(("mlflow_run_id", "lost-run"),)))
    experiments = ExperimentData("mlflow", digests=(digest("fraud-xgb", 10, (0.80, 0.83, 0.85)),))
    s = summarize_cost(CostData(rows=tuple(rows)), NOW, experiments=experiments)
    fraud, unknown_run, ghost = s.experiments
    # Oct 1 - Nov 19: 50 days × $100, under any case of the experiment's name.
    assert (fraud.experiment, fraud.spend, fraud.runs, fraud.runs_with_cost) == (
        "fraud-xgb", 5000, 10, 1,
    )  # fmt: skip
    assert (fraud.source, fraud.metric, fraud.matched) == ("mlflow", "auc", True)
    assert fraud.per_run == 500
    # AUC lives in 0..1, so a point is 0.01: 0.80 -> 0.85 is 5 points, $1,000 each.
    assert fraud.gain == pytest.approx(0.05)
    assert fraud.per_point == pytest.approx(1000)
    assert (ghost.experiment, ghost.spend, ghost.matched, ghost.runs) == ("ghost", 40, False, 0)
    assert (unknown_run.experiment, unknown_run.matched) == ("run lost-run", False)


def test_a_lower_is_better_metric_gains_when_it_falls() -> None:
    rows = [CostRow(TODAY, "AWS", "EC2", 300.0, tags=(("wandb_project", "acme/asr"),))]
    experiments = ExperimentData("wandb", digests=(digest("asr", 3, (12.0, 9.0), higher=False),))
    (asr,) = summarize_cost(CostData(rows=tuple(rows)), NOW, experiments=experiments).experiments
    # A word error rate of 12 -> 9 is beyond 0..1: a point is 1.0, so 3 points at $100.
    assert (asr.experiment, asr.gain, asr.per_point, asr.per_run) == ("asr", 3.0, 100.0, 100.0)


def test_a_run_tag_alone_joins_the_experiment_the_digest_keeps_it_in() -> None:
    from cockpit.models import Run

    d = digest("fraud-xgb", 4, (0.8,))
    d = msgspec.structs.replace(d, candidates=(Run("r9", d.experiment, "r9", "FINISHED"),))
    rows = [CostRow(TODAY, "AWS", "EC2", 80.0, tags=(("run_id", "r9"),))]
    (cost,) = summarize_cost(
        CostData(rows=tuple(rows)), NOW, experiments=ExperimentData("mlflow", digests=(d,))
    ).experiments
    assert (cost.experiment, cost.spend, cost.runs_with_cost, cost.per_run, cost.matched) == (
        "fraud-xgb", 80, 1, 20, True,
    )  # fmt: skip
    assert cost.per_point is None  # nothing gained yet


def test_data_that_lags_counts_the_unbilled_days_as_still_to_come() -> None:
    rows = [r for r in base_rows() if r.day <= TODAY - timedelta(days=2) and r.service != "Credits"]
    f = summary(rows).views[0].forecast
    # Billed through Nov 17: Nov 18 to 30 are all to come, 13 days at $110.
    assert f.actual_to_date == 17 * 110
    assert f.expected == pytest.approx(30 * 110)


def test_the_cost_column_is_named() -> None:
    assert summary(cost_column="EffectiveCost").cost_columns == ("EffectiveCost",)
