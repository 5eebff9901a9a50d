"""The AWS cost source against moto's real server, through boto3 and the sync engine.

moto (`ThreadedMotoServer` on 127.0.0.1) serves STS, AWS Budgets and Cost Explorer's
GetCostAndUsage, seeded through its own API (`tests/fakes/moto_server.py`). moto does not
implement GetCostForecast, so the source's endpoint is a small loopback front
(`tests/fakes/aws_forecast.py`) that answers that one call itself, as AWS does, and forwards
every other request to moto. The front also counts requests by operation: that is how these
tests see the paid calls from the server's side.

The account seeded below spends, every day of the week before 2026-11-23 and that day:
EC2 100 on p4d.24xlarge (GPU) + 10 on m5.xlarge + 3 of data transfer; SageMaker 20 on
ml.g5.xlarge training (GPU) + 1.5 on a t3 notebook; S3 2.25 of storage + 1 of data transfer:
137.75 a day, 120 of it on GPUs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import AwsCostSettings
from cockpit.models import CostData, CostRow
from cockpit.sources import settings_key
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.aws_cost import AwsCostSource
from tests.fakes.aws_forecast import HANG, SERVER_ERROR, THROTTLED, AwsFront, denied
from tests.fakes.moto_server import (
    ACCOUNT,
    USAGE_GROUPS,
    MotoServer,
    ce_result,
    free_port,
    tag_groups,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
DAYS = 7  # the history the tests' settings ask for: 2026-11-16 to today
WEEK = [TODAY - timedelta(days=n) for n in range(DAYS, -1, -1)]
EC2 = "Amazon Elastic Compute Cloud - Compute"
SAGEMAKER = "Amazon SageMaker"
S3 = "Amazon Simple Storage Service"
TRANSFER = "USE1-DataTransfer-Out-Bytes"

DAY_USAGE = [
    (EC2, "USE1-BoxUsage:p4d.24xlarge", 100.0),
    (EC2, "USE1-BoxUsage:m5.xlarge", 10.0),
    (EC2, TRANSFER, 3.0),
    (SAGEMAKER, "USE1-ml.g5.xlarge-Training", 20.0),
    (SAGEMAKER, "USE1-Notebook:ml.t3.medium", 1.5),
    (S3, "USE1-TimedStorage-ByteHrs", 2.25),
    (S3, TRANSFER, 1.0),
]
# The same spend by the `team` tag: each usage type's amounts add up to the line above.
DAY_TAGS = [
    ("team$fraud", "USE1-BoxUsage:p4d.24xlarge", 60.0),
    ("team$fraud", "USE1-BoxUsage:m5.xlarge", 4.0),
    ("team$fraud", TRANSFER, 3.0),
    ("team$search", "USE1-BoxUsage:p4d.24xlarge", 40.0),
    ("team$search", "USE1-BoxUsage:m5.xlarge", 6.0),
    ("team$search", "USE1-ml.g5.xlarge-Training", 20.0),
    ("team$", "USE1-Notebook:ml.t3.medium", 1.5),
    ("team$", "USE1-TimedStorage-ByteHrs", 2.25),
    ("team$", TRANSFER, 1.0),
]
DAY_TOTAL = 137.75
DAY_GPU = 120.0


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def front(moto: MotoServer) -> Iterator[AwsFront]:
    moto.reset()
    with AwsFront(moto.url) as server:
        yield server


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy keys moto accepts, and no trace of the machine's own AWS setup."""
    import os

    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


def settings(front: AwsFront | None = None, **changes: object) -> AwsCostSettings:
    url = front.url if front is not None else f"http://127.0.0.1:{free_port()}"
    values: dict[str, object] = {"endpoint_url": url, "days": DAYS, "deadline": 30.0}
    values.update(changes)
    return AwsCostSettings(**values)  # type: ignore[arg-type]


def sync(config: AwsCostSettings, store: Store, at: datetime = NOW) -> SyncOutcome:
    job = SyncJob(
        AwsCostSource("aws", config),
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        deadline=config.deadline,
        settings_key=settings_key(config),
        paid_call_limit=config.daily_paid_calls,
    )
    return asyncio.run(sync_one(job, store, FrozenClock(at)))


def cost(store: Store) -> CostData:
    kept = store.latest("aws", with_cost_rows=True)
    assert kept is not None and kept.snapshot.cost is not None
    return kept.snapshot.cost


def usage_answer(days: list[date], scale: float = 1.0, **kw: object) -> dict[str, object]:
    groups = [(s, u, a * scale) for s, u, a in DAY_USAGE]
    return ce_result(
        USAGE_GROUPS, dict.fromkeys(days, groups), open_from=TODAY - timedelta(1), **kw
    )  # type: ignore[arg-type]


def tags_answer(days: list[date], **kw: object) -> dict[str, object]:
    return ce_result(tag_groups("team"), dict.fromkeys(days, DAY_TAGS), **kw)  # type: ignore[arg-type]


def total(rows: tuple[CostRow, ...] | list[CostRow], **match: object) -> float:
    return round(
        sum(r.amount for r in rows if all(getattr(r, k) == v for k, v in match.items())), 6
    )


# --- a first sync -----------------------------------------------------------------------


def test_a_first_sync_reads_a_week_by_service_with_gpu_spend_told_apart(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK))
    moto.create_budget("ml-gpu", 1000, actual=420.5, forecast=910)

    outcome = sync(settings(front), store)

    assert outcome.status == "ok", outcome.error
    data = cost(store)
    assert total(data.rows) == DAY_TOTAL * len(WEEK)  # 1,102: hand-checked above
    assert total(data.rows, is_gpu=True) == DAY_GPU * len(WEEK)
    assert total(data.rows, day=TODAY, service=EC2) == 113.0
    assert total(data.rows, day=TODAY, service=EC2, is_gpu=True) == 100.0
    assert total(data.rows, day=TODAY, service=SAGEMAKER, is_gpu=True) == 20.0
    assert {r.day for r in data.rows} == set(WEEK)
    assert {(r.provider, r.account, r.currency, r.tags) for r in data.rows} == {
        ("AWS", ACCOUNT, "USD", ())
    }
    assert data.cost_column == "UnblendedCost"
    # The question asked: daily, by service and usage type, for the week and today.
    (asked,) = front.cost_requests
    assert asked["TimePeriod"] == {"Start": "2026-11-16", "End": "2026-11-24"}
    assert asked["Granularity"] == "DAILY" and asked["Metrics"] == ["UnblendedCost"]
    assert [g["Key"] for g in asked["GroupBy"]] == ["SERVICE", "USAGE_TYPE"]


def test_aws_forecast_and_budgets_come_with_the_spend(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK, metric="AmortizedCost"))
    moto.create_budget("ml-gpu", 1000, actual=420.5, forecast=910)
    moto.create_budget("platform", 9000, actual=3000, time_unit="QUARTERLY",
                       cost_filters={"Service": [EC2]})  # fmt: skip
    moto.create_budget("daily-cap", 50, actual=10, time_unit="DAILY")  # no daily budgets here

    outcome = sync(settings(front, metric="AmortizedCost"), store)
    assert outcome.status == "ok", outcome.error

    data = cost(store)
    (forecast,) = data.forecasts
    assert (forecast.start, forecast.end) == (TODAY, date(2026, 12, 1))
    assert (forecast.mean, forecast.low, forecast.high, forecast.level) == (
        1234.5, 1100.25, 1390.75, 80,
    )  # fmt: skip
    (asked,) = front.forecast_requests
    assert asked["Metric"] == "AMORTIZED_COST"  # the forecast's own spelling
    assert asked["TimePeriod"] == {"Start": "2026-11-23", "End": "2026-12-01"}
    budgets = {b.name: b for b in data.budgets}
    assert set(budgets) == {"ml-gpu", "platform"}
    gpu = budgets["ml-gpu"]
    assert (gpu.amount, gpu.period, gpu.origin, gpu.scope) == (1000, "month", "AWS Budgets",
                                                               "provider=AWS")  # fmt: skip
    assert (gpu.provider_actual, gpu.provider_forecast) == (420.5, 910.0)
    platform = budgets["platform"]
    assert (platform.period, platform.scope, platform.provider_forecast) == (
        "quarter", f"service={EC2}", None,
    )  # fmt: skip
    assert data.paid_calls_today == 2  # usage + forecast
    assert front.paid_calls == 2
    assert store.paid_calls_used("aws", TODAY) == 2


def test_a_tag_key_breaks_spend_down_by_team_with_gpu_spend_per_team_exact(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK), tags_answer(WEEK))

    assert sync(settings(front, tag_key="team"), store).status == "ok"

    rows = [r for r in cost(store).rows if r.day == TODAY]
    fraud, search, untagged = (("team", "fraud"),), (("team", "search"),), (("team", ""),)
    assert total(rows) == DAY_TOTAL  # nothing lost or counted twice by the join
    assert total(rows, tags=fraud) == 67.0
    assert total(rows, tags=fraud, is_gpu=True) == 60.0
    assert total(rows, tags=search, is_gpu=True) == 60.0
    assert total(rows, tags=search, service=SAGEMAKER) == 20.0
    assert total(rows, tags=untagged) == 4.75
    assert total(rows, tags=untagged, is_gpu=True) == 0.0
    # Data transfer belongs to EC2 (3) and S3 (1): fraud's 3 is split 3:1 between them.
    assert total(rows, tags=fraud, service=EC2) == 64.0 + 2.25
    assert total(rows, tags=fraud, service=S3) == 0.75
    assert total(rows, service=EC2) == 113.0
    asked = front.cost_requests
    assert [g["Key"] for g in asked[1]["GroupBy"]] == ["team", "USAGE_TYPE"]
    assert front.paid_calls == 3  # usage, tags, forecast


def test_every_page_is_read_and_counted_as_a_paid_call(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK[:4], next_page="page-2"), usage_answer(WEEK[4:]))

    assert sync(settings(front), store).status == "ok"

    assert total(cost(store).rows) == DAY_TOTAL * len(WEEK)
    assert [r.get("NextPageToken") for r in front.cost_requests] == [None, "page-2"]
    assert front.paid_calls == 3 == store.paid_calls_used("aws", TODAY)


def test_a_re_sync_asks_only_for_the_recent_days_and_keeps_the_older_rows(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    recent = [d for d in WEEK if d >= TODAY - timedelta(days=3)]
    # Cost Explorer revised the last days upwards (late usage records) by the second sync.
    moto.queue_cost_and_usage(usage_answer(WEEK), usage_answer(recent, scale=2.0))
    config = settings(front)
    assert sync(config, store).status == "ok"
    first = cost(store)

    assert sync(config, store, NOW + timedelta(hours=8)).status == "ok"

    again = cost(store)
    assert front.cost_requests[1]["TimePeriod"] == {"Start": "2026-11-20", "End": "2026-11-24"}
    older = [r for r in first.rows if r.day < recent[0]]
    assert [r for r in again.rows if r.day < recent[0]] == older
    assert total(again.rows) == DAY_TOTAL * (len(WEEK) - len(recent)) + 2 * DAY_TOTAL * len(recent)
    # Today's forecast was made by the first sync: the second asked Cost Explorer once.
    assert front.calls["GetCostForecast"] == 1
    assert again.forecasts == first.forecasts
    assert store.paid_calls_used("aws", TODAY) == 3


# --- the daily allowance of paid calls --------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_the_sync_over_the_daily_allowance_makes_no_paid_call_and_keeps_the_data(
    front: AwsFront, moto: MotoServer, store: Store, limit: int
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK))
    config = settings(front, daily_paid_calls=limit)
    at, syncs = NOW, 0
    while sync(config, store, at).status == "ok":
        syncs += 1
        at += timedelta(minutes=30)
        assert syncs <= limit, "more syncs went through than the allowance pays for"
    kept = store.latest("aws", with_cost_rows=True)
    requests_before = sum(front.calls.values())

    held = sync(config, store, at + timedelta(hours=1))

    assert front.paid_calls == limit  # exactly the allowance, never more
    assert store.paid_calls_used("aws", TODAY) == limit
    assert held.status == "held"
    assert sum(front.calls.values()) == requests_before  # not even a free call
    assert store.latest("aws", with_cost_rows=True) == kept
    attempt = store.last_attempts()["aws"]
    assert attempt.status == "held"
    assert f"today's {limit} paid Cost Explorer calls are used" in attempt.error
    assert f"`daily_paid_calls = {limit}` in [sources.aws]" in attempt.error
    assert kept is not None
    assert f"kept the data from {kept.taken_at:%Y-%m-%d %H:%M} UTC" in held.error

    tomorrow = datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), UTC)
    assert sync(config, store, tomorrow + timedelta(minutes=5)).status == "ok"
    assert front.paid_calls > limit
    assert store.paid_calls_used("aws", tomorrow.date()) >= 1


def test_a_sync_needing_more_than_is_left_asks_nothing(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(usage_answer(WEEK), tags_answer(WEEK))
    store.add_paid_calls("aws", TODAY, 2)  # one of three left; a tag sync needs two

    outcome = sync(settings(front, tag_key="team"), store)

    assert outcome.status == "held"
    assert front.calls == {}
    assert "this sync needs 2 paid Cost Explorer calls and 1 of today's 3 is left" in (
        outcome.error
    )


def test_pages_beyond_the_allowance_stop_the_sync_and_say_what_to_change(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    moto.queue_cost_and_usage(
        usage_answer(WEEK[:3], next_page="p2"),
        usage_answer(WEEK[3:6], next_page="p3"),
        usage_answer(WEEK[6:]),
    )

    outcome = sync(settings(front, daily_paid_calls=2), store)

    assert outcome.status == "held"
    assert front.paid_calls == 2 == store.paid_calls_used("aws", TODAY)
    assert "more pages than today's 2 paid Cost Explorer calls allow" in outcome.error
    assert "lower `days`" in outcome.error
    assert store.latest("aws", with_cost_rows=True) is None


# --- failures keep the last good data ---------------------------------------------------


def good_first_sync(front: AwsFront, moto: MotoServer, store: Store) -> AwsCostSettings:
    moto.queue_cost_and_usage(usage_answer(WEEK))
    config = settings(front)
    assert sync(config, store).status == "ok"
    front.clear()
    return config


def test_a_cost_explorer_500_keeps_the_last_good_snapshot(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    config = good_first_sync(front, moto, store)
    kept = store.latest("aws", with_cost_rows=True)
    front.fail["GetCostAndUsage"] = SERVER_ERROR

    outcome = sync(config, store, NOW + timedelta(hours=8))

    assert outcome.status == "failed"
    assert "aws: Cost Explorer failed (500) on GetCostAndUsage" in outcome.error
    assert "kept the data from 2026-11-23 09:30 UTC" in outcome.error
    assert store.latest("aws", with_cost_rows=True) == kept
    assert front.calls["GetCostAndUsage"] == 2  # one retry, no more
    assert store.paid_calls_used("aws", TODAY) == 3  # the failed call counts as paid


def test_an_unreachable_endpoint_keeps_the_data_and_returns_promptly(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    good_first_sync(front, moto, store)
    kept = store.latest("aws", with_cost_rows=True)
    nowhere = settings(None)  # a closed port on 127.0.0.1

    outcome = sync(nowhere, store, NOW + timedelta(hours=8))

    assert outcome.status == "failed"
    assert "aws: cannot reach http://127.0.0.1:" in outcome.error
    assert outcome.seconds < 15
    latest = store.latest("aws", with_cost_rows=True)
    assert latest is not None and latest.snapshot.cost == kept.snapshot.cost  # type: ignore[union-attr]


def test_a_hanging_cost_explorer_ends_at_the_deadline_and_keeps_the_data(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    good_first_sync(front, moto, store)
    kept = store.latest("aws", with_cost_rows=True)
    front.fail["GetCostAndUsage"] = HANG
    config = settings(front, deadline=2.0, connect_timeout=1.0, read_timeout=2.0)

    outcome = sync(config, store, NOW + timedelta(hours=8))

    assert outcome.status == "failed"
    assert "aws did not finish within its 2s deadline" in outcome.error
    assert outcome.seconds < 5  # the thread is abandoned, not waited for
    latest = store.latest("aws", with_cost_rows=True)
    assert latest is not None and kept is not None
    assert latest.snapshot.cost == kept.snapshot.cost


def test_an_answer_of_another_shape_is_named_and_the_data_kept(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    config = good_first_sync(front, moto, store)
    kept = store.latest("aws", with_cost_rows=True)
    garbled = usage_answer(WEEK[-2:])
    garbled["ResultsByTime"][0]["Groups"][0]["Metrics"]["UnblendedCost"]["Amount"] = "n/a"  # type: ignore[index]
    moto.queue_cost_and_usage(garbled)

    outcome = sync(config, store, NOW + timedelta(hours=8))

    assert outcome.status == "failed"
    assert "aws: AWS answered a group without a numeric UnblendedCost amount" in outcome.error
    assert store.latest("aws", with_cost_rows=True) == kept


def test_throttling_is_worded_and_retried_by_the_next_sync(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    front.fail["GetCostAndUsage"] = THROTTLED
    outcome = sync(settings(front), store)
    assert outcome.status == "failed"
    assert "Cost Explorer asked to slow down (LimitExceededException)" in outcome.error


def test_a_missing_budgets_permission_is_named_before_any_paid_call(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    front.fail["DescribeBudgets"] = denied("budgets:ViewBudget")
    outcome = sync(settings(front), store)
    assert outcome.status == "failed"
    assert "lack the `budgets:ViewBudget` permission" in outcome.error
    assert "budgets = false" in outcome.error
    assert front.paid_calls == 0


def test_a_missing_cost_explorer_permission_is_named(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    front.fail["GetCostAndUsage"] = denied("ce:GetCostAndUsage")
    outcome = sync(settings(front, budgets=False), store)
    assert "AWS refused GetCostAndUsage: these credentials lack the `ce:GetCostAndUsage`" in (
        outcome.error
    )
    assert front.calls["DescribeBudgets"] == 0  # budgets = false: not asked


def test_no_credentials_says_how_to_provide_them(
    front: AwsFront, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    outcome = sync(settings(front), store)
    assert outcome.status == "failed"
    assert outcome.error == (
        "aws: no AWS credentials: set `profile` in [sources.aws] or AWS_PROFILE, or run"
        " `aws configure`"
    )
    assert front.calls == {}


def test_an_unknown_profile_names_the_setting(front: AwsFront, store: Store) -> None:
    outcome = sync(settings(front, profile="ml-billing"), store)
    assert outcome.status == "failed"
    assert "the AWS profile 'ml-billing' (`profile` in [sources.aws]) is not in" in outcome.error


def test_a_new_account_without_a_forecast_still_syncs(
    front: AwsFront, moto: MotoServer, store: Store
) -> None:
    from tests.fakes.aws_forecast import AwsFault

    moto.queue_cost_and_usage(usage_answer(WEEK))
    front.fail["GetCostForecast"] = AwsFault(
        400, "DataUnavailableException", "Insufficient amount of historical data"
    )
    assert sync(settings(front), store).status == "ok"
    assert cost(store).forecasts == ()
    assert total(cost(store).rows) == DAY_TOTAL * len(WEEK)


def test_library_log_lines_never_reach_the_terminal(
    front: AwsFront, moto: MotoServer, store: Store, capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    from cockpit.logs import setup_logging

    monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
    setup_logging(verbose=True)  # botocore logs every request at DEBUG
    front.fail["GetCostAndUsage"] = SERVER_ERROR
    capfd.readouterr()
    try:
        sync(settings(front), store)
    finally:
        import logging

        logging.getLogger().setLevel(logging.WARNING)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "botocore" in (tmp_path / "logs" / "cockpit.log").read_text()


# --- doctor -----------------------------------------------------------------------------


def test_the_doctor_probe_makes_only_free_calls(front: AwsFront, moto: MotoServer) -> None:
    moto.create_budget("ml-gpu", 1000, actual=420.5)
    detail = AwsCostSource("aws", settings(front)).probe(None)
    assert detail.startswith(f"AWS account {ACCOUNT} as arn:aws:")
    assert detail.endswith("1 budget in AWS Budgets")
    assert front.paid_calls == 0
    assert set(front.calls) == {"GetCallerIdentity", "DescribeBudgets"}


def test_cli_sync_then_doctor_counts_todays_paid_calls_without_making_one(
    front: AwsFront,
    moto: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The path a user takes: config → `cockpit sync` → `cockpit doctor`."""
    from cockpit.cli import main

    moto.queue_cost_and_usage(usage_answer(WEEK))
    moto.create_budget("ml-gpu", 1000, actual=420.5)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.aws]\nkind = "aws-cost"\nendpoint_url = "{front.url}"\ndays = 7\n'
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith("aws  ok")
    spent = front.paid_calls

    assert main(["doctor"]) == 0

    out = capsys.readouterr().out
    assert f"AWS account {ACCOUNT}" in out and "1 budget in AWS Budgets" in out
    assert f"paid Cost Explorer calls today (UTC): {spent} of 3" in out
    assert front.paid_calls == spent  # doctor asked Cost Explorer nothing

    front.fail["DescribeBudgets"] = denied("budgets:ViewBudget")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "budgets:ViewBudget" in out and "cockpit auth set" not in out
