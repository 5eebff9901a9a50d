"""Cost Explorer and AWS Budgets answers → cost records, and what a sync asks for (pure)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.config import ConfigError, load_config
from cockpit.kinds import AwsCostSettings
from cockpit.models import CostData, CostRow, ProviderForecast
from integrations.aws_cost_parse import (
    UNKNOWN_SERVICE,
    budget_scope,
    build_rows,
    forecast_period,
    parse_budget,
    parse_forecast,
    plan_sync,
    tag_value,
)
from tests.fakes.moto_server import USAGE_GROUPS, ce_result, tag_groups

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def row(day: date, amount: float = 1.0) -> CostRow:
    return CostRow(day=day, provider="AWS", service="EC2", amount=amount)


# --- the plan ---------------------------------------------------------------------------


def test_a_first_sync_asks_for_the_whole_window_and_today() -> None:
    plan = plan_sync(today=TODAY, days=90, tag_key="", previous=None)
    assert (plan.start, plan.end) == (TODAY - timedelta(days=90), TODAY + timedelta(days=1))
    assert plan.full and plan.forecast_due
    assert [q.label for q in plan.queries] == ["usage"]
    assert plan.required_calls == 1


def test_a_tag_key_adds_one_query() -> None:
    plan = plan_sync(today=TODAY, days=90, tag_key="team", previous=None)
    assert [q.label for q in plan.queries] == ["usage", "tags"]
    assert plan.queries[1].group_by[0] == {"Type": "TAG", "Key": "team"}
    assert plan.required_calls == 2


def test_a_re_sync_asks_again_for_the_last_days_only() -> None:
    rows = tuple(row(TODAY - timedelta(days=n)) for n in range(100))  # some beyond the window
    forecast = ProviderForecast("AWS", "USD", TODAY, date(2026, 12, 1), 10.0)
    plan = plan_sync(
        today=TODAY, days=30, tag_key="", previous=CostData(rows=rows, forecasts=(forecast,))
    )
    assert plan.start == TODAY - timedelta(days=3)
    assert {r.day for r in plan.kept} == {
        TODAY - timedelta(days=n) for n in range(4, 31)
    }  # older than the window: dropped
    assert not plan.forecast_due  # made today already
    assert plan.kept_forecasts == (forecast,)


def test_a_re_sync_after_a_long_pause_fills_the_gap() -> None:
    newest = TODAY - timedelta(days=10)
    rows = (row(newest - timedelta(days=5)), row(newest))
    plan = plan_sync(today=TODAY, days=90, tag_key="", previous=CostData(rows=rows))
    assert plan.start == newest - timedelta(days=3)
    assert plan.kept == (rows[0],)


def test_yesterdays_forecast_is_kept_only_until_a_new_one_and_never_past_its_month() -> None:
    yesterday = ProviderForecast("AWS", "USD", TODAY - timedelta(days=1), date(2026, 12, 1), 9.0)
    last_month = ProviderForecast("AWS", "USD", date(2026, 10, 30), date(2026, 11, 1), 9.0)
    plan = plan_sync(
        today=TODAY, days=30, tag_key="",
        previous=CostData(rows=(row(TODAY),), forecasts=(yesterday, last_month)),
    )  # fmt: skip
    assert plan.forecast_due
    assert plan.kept_forecasts == (yesterday,)


@pytest.mark.parametrize(
    ("today", "end"),
    [(date(2026, 11, 23), date(2026, 12, 1)), (date(2026, 12, 31), date(2027, 1, 1)),
     (date(2028, 2, 1), date(2028, 3, 1))],
)  # fmt: skip
def test_the_forecast_runs_from_today_to_the_end_of_the_month(today: date, end: date) -> None:
    assert forecast_period(today) == (today, end)


# --- rows -------------------------------------------------------------------------------


def test_tag_values_and_untagged_spend() -> None:
    assert tag_value("team$fraud") == "fraud"
    assert tag_value("team$") == ""
    assert tag_value("team$a$b") == "a$b"


def test_a_usage_type_the_usage_answer_lacks_is_kept_under_an_unknown_service() -> None:
    usage = [ce_result(USAGE_GROUPS, {TODAY: [("EC2", "BoxUsage:m5.large", 5.0)]})]
    tags = [
        ce_result(
            tag_groups("Team"),
            {TODAY: [("Team$ml", "BoxUsage:m5.large", 5.0), ("Team$ml", "Other", 2.0)]},
        )
    ]
    rows = build_rows(usage, tags, metric="UnblendedCost", tag_key="Team", account="1")
    assert {(r.service, r.amount, r.tags) for r in rows} == {
        ("EC2", 5.0, (("team", "ml"),)),  # tag keys are lower-cased
        (UNKNOWN_SERVICE, 2.0, (("team", "ml"),)),
    }


def test_credits_are_negative_and_currencies_stay_apart() -> None:
    usage = [
        ce_result(USAGE_GROUPS, {TODAY: [("EC2", "BoxUsage:p5.48xlarge", 50.0)]}),
        ce_result(USAGE_GROUPS, {TODAY: [("EC2", "BoxUsage:p5.48xlarge", -20.0)]}),
        ce_result(USAGE_GROUPS, {TODAY: [("EC2", "BoxUsage:p5.48xlarge", 7.0)]}, currency="eur"),
    ]
    rows = build_rows(usage, None, metric="UnblendedCost", tag_key="", account="1")
    assert {(r.currency, r.amount, r.is_gpu) for r in rows} == {
        ("USD", 30.0, True),
        ("EUR", 7.0, True),
    }


def test_text_from_aws_is_cleaned() -> None:
    usage = [ce_result(USAGE_GROUPS, {TODAY: [("EC2\x1b]0;pwned\x07", "Box\x1b[2J", 1.0)]})]
    (only,) = build_rows(usage, None, metric="UnblendedCost", tag_key="", account="1")
    assert "\x1b" not in only.service


names = st.sampled_from(["EC2", "S3", "SageMaker", "Lambda"])
usage_types = st.sampled_from(
    ["BoxUsage:p4d.24xlarge", "BoxUsage:m5.large", "ml.g5.xlarge-Training", "DataTransfer-Out",
     "TimedStorage"]
)  # fmt: skip
amounts = st.floats(min_value=-100, max_value=1000, allow_nan=False).map(lambda x: round(x, 2))


@given(
    usage=st.lists(st.tuples(names, usage_types, amounts), min_size=1, max_size=12),
    tags=st.lists(st.tuples(st.sampled_from(["a", "b", ""]), amounts), max_size=12),
)
def test_the_tag_join_loses_nothing_and_counts_nothing_twice(
    usage: list[tuple[str, str, float]], tags: list[tuple[str, float]]
) -> None:
    # Tag spend only on usage types the usage answer has, as Cost Explorer's two answers agree.
    types = [u for _, u, _ in usage]
    tagged = [(f"team${v}", types[i % len(types)], a) for i, (v, a) in enumerate(tags)]
    rows = build_rows(
        [ce_result(USAGE_GROUPS, {TODAY: usage})],
        [ce_result(tag_groups("team"), {TODAY: tagged})],
        metric="UnblendedCost", tag_key="team", account="1",
    )  # fmt: skip
    assert sum(r.amount for r in rows) == pytest.approx(sum(a for *_, a in tagged), abs=1e-6)
    gpu_types = {"BoxUsage:p4d.24xlarge", "ml.g5.xlarge-Training"}
    gpu_spend = sum(a for _, u, a in tagged if u in gpu_types)
    assert sum(r.amount for r in rows if r.is_gpu) == pytest.approx(gpu_spend, abs=1e-6)
    for value in ("a", "b", ""):
        spent = sum(a for t, _, a in tagged if t == f"team${value}")
        got = sum(r.amount for r in rows if r.tags == (("team", value),))
        assert got == pytest.approx(spent, abs=1e-6)


# --- forecasts and budgets --------------------------------------------------------------


def test_a_forecast_without_an_interval_has_the_mean_alone() -> None:
    answer = {"Total": {"Amount": "812.5", "Unit": "USD"}, "ForecastResultsByTime": []}
    forecast = parse_forecast(answer, TODAY, date(2026, 12, 1))
    assert (forecast.mean, forecast.low, forecast.high) == (812.5, None, None)


def test_a_planned_budget_uses_the_limit_of_the_period_under_way() -> None:
    nov = str(int(datetime(2026, 11, 1, tzinfo=UTC).timestamp()))
    dec = str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp()))
    raw = {
        "BudgetName": "ramp",
        "TimeUnit": "MONTHLY",
        "BudgetType": "COST",
        "PlannedBudgetLimits": {
            nov: {"Amount": "500", "Unit": "USD"},
            dec: {"Amount": "800", "Unit": "USD"},
        },
    }
    budget = parse_budget(raw, NOW)
    assert budget is not None and budget.amount == 500.0


@pytest.mark.parametrize(
    ("raw", "kind"),
    [({"BudgetType": "USAGE", "TimeUnit": "MONTHLY"}, "usage"),
     ({"BudgetType": "COST", "TimeUnit": "ANNUALLY"}, "yearly"),
     ({"BudgetType": "RI_UTILIZATION", "TimeUnit": "MONTHLY"}, "coverage")],
)  # fmt: skip
def test_budgets_the_cockpit_cannot_show_are_left_out(raw: dict[str, object], kind: str) -> None:
    raw = {**raw, "BudgetName": kind, "BudgetLimit": {"Amount": "1", "Unit": "USD"}}
    assert parse_budget(raw, NOW) is None


@pytest.mark.parametrize(
    ("filters", "scope"),
    [
        ({"CostFilters": {"LinkedAccount": ["111122223333"]}}, "account=111122223333"),
        ({"CostFilters": {"Region": ["us-west-2"]}}, "region=us-west-2"),
        ({"CostFilters": {"TagKeyValue": ["user:Team$fraud"]}}, "tag:team=fraud"),
        ({"CostFilters": {"Service": ["A", "B"]}}, "provider=AWS"),  # not one of ours
        ({"CostFilters": {"Service": ["A"], "Region": ["x"]}}, "provider=AWS"),
        ({"FilterExpression": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon S3"]}}},
         "service=Amazon S3"),
        ({"FilterExpression": {"Tags": {"Key": "Team", "Values": ["search"]}}},
         "tag:team=search"),
        ({}, "provider=AWS"),
    ],
)  # fmt: skip
def test_a_budget_with_one_simple_filter_gets_the_same_scope(
    filters: dict[str, object], scope: str
) -> None:
    assert budget_scope(filters) == scope


# --- settings and the import path -------------------------------------------------------


def test_the_settings_have_the_documented_defaults() -> None:
    settings = msgspec.convert({"kind": "aws-cost"}, AwsCostSettings)
    assert (settings.days, settings.daily_paid_calls, settings.refresh_minutes) == (90, 3, 720)
    assert (settings.metric, settings.budgets, settings.profile) == ("UnblendedCost", True, "")


def test_a_misspelt_metric_is_refused_with_the_key_named(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[sources.aws]\nkind = "aws-cost"\nmetric = "unblended"\n')
    with pytest.raises(ConfigError, match="metric"):
        load_config(path)


def test_status_never_imports_boto3(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.aws]\nkind = "aws-cost"\nprofile = "ml-billing"\n'
    )
    probe = (
        "import sys\n"
        "from cockpit.cli import main\n"
        "try:\n"
        f"    code = main(['--config', {str(config)!r}, 'status'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "LOADED []" in result.stderr, result.stderr
