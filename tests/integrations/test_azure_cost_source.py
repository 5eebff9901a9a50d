"""The Azure cost source against a fake Cost Management Query API on 127.0.0.1, through the
sync engine with a real store."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import AzureCostSettings
from cockpit.models import CostData, Secret
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.azure_cost import AzureCostSource
from tests.conftest import FROZEN_NOW
from tests.cost_helpers import spend_by_day, stored_cost
from tests.fakes.azure_server import (
    SUBSCRIPTION,
    TOKEN,
    Charge,
    FakeAzure,
    amount_on,
    services,
)

TODAY = FROZEN_NOW.date()
SCOPE = f"subscriptions/{SUBSCRIPTION}"


def settings(url: str, **overrides: Any) -> AzureCostSettings:
    return AzureCostSettings(scope=overrides.pop("scope", SCOPE), url=url, **overrides)


def sync(
    source: AzureCostSource,
    store: Store,
    *,
    days_later: int = 0,
    deadline: float = 30.0,
    token: str | None = TOKEN,
) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=deadline)
    clock = FrozenClock(FROZEN_NOW + timedelta(days=days_later))
    secret = Secret(token) if token else None
    return asyncio.run(sync_one(job, store, clock, secret=lambda _: secret))


def cost_of(store: Store, name: str = "azure") -> CostData:
    return stored_cost(store, name)


by_day = spend_by_day


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


@pytest.fixture
def fake() -> Any:
    with FakeAzure() as server:
        yield server


def test_a_first_sync_asks_one_daily_query_and_follows_its_pages(
    fake: FakeAzure, store: Store
) -> None:
    outcome = sync(AzureCostSource("azure", settings(fake.url)), store)
    assert outcome.status == "ok", outcome.error
    assert not fake.errors
    queries = fake.queries()
    # 4 charges × 30 days = 120 rows, 50 a page: three pages, each asked with the same body.
    assert len(queries) == 3
    assert [q.query.get("$skiptoken") for q in queries] == [None, "50", "100"]
    assert all(q.query["api-version"] == "2023-03-01" for q in queries)
    assert all(q.body == queries[0].body for q in queries)
    assert all(q.headers.get("Authorization") == f"Bearer {TOKEN}" for q in queries)
    first = TODAY - timedelta(days=29)
    assert queries[0].body == {
        "type": "ActualCost",
        "timeframe": "Custom",
        "timePeriod": {"from": f"{first}T00:00:00Z", "to": f"{TODAY}T23:59:59Z"},
        "dataset": {
            "granularity": "Daily",
            "aggregation": {"totalCost": {"name": "PreTaxCost", "function": "Sum"}},
            "grouping": [
                {"type": "Dimension", "name": "ServiceName"},
                {"type": "Dimension", "name": "MeterSubCategory"},
            ],
        },
    }
    data = cost_of(store)
    assert data.cost_column == "ActualCost (PreTaxCost)"
    days = by_day(data.rows)
    assert sorted(days) == [first + timedelta(days=d) for d in range(30)]
    # Hand-checked against the recorded amounts: 218.687957 (GPU machines), 2.103333,
    # 0.143849 and 0.009866 a day, times the day's factor.
    assert days[TODAY] == pytest.approx(sum(amount_on(c, TODAY) for c in services()))
    machines = {
        r.is_gpu: r.amount for r in data.rows if (r.day, r.service) == (TODAY, "Virtual Machines")
    }
    gpu, other = services()[0], services()[1]
    assert machines == {True: amount_on(gpu, TODAY), False: amount_on(other, TODAY)}
    row = next(r for r in data.rows if r.day == TODAY and r.service == "Storage")
    assert (row.provider, row.account, row.currency, row.tags) == (
        "Microsoft", SUBSCRIPTION, "USD", ()
    )  # fmt: skip


def test_columns_are_read_by_name_in_whatever_order_they_come(store: Store) -> None:
    order = ("Currency", "MeterSubCategory", "UsageDate", "ServiceName", "PreTaxCost")
    with FakeAzure(column_order=order, currency="EUR") as fake:
        assert sync(AzureCostSource("azure", settings(fake.url)), store).status == "ok"
    rows = cost_of(store).rows
    assert {r.currency for r in rows} == {"EUR"}
    assert by_day(rows)[TODAY] == pytest.approx(sum(amount_on(c, TODAY) for c in services()))


def test_a_tag_key_groups_by_the_tag_and_untagged_spend_has_no_tag(
    fake: FakeAzure, store: Store
) -> None:
    source = AzureCostSource("azure", settings(fake.url, tag_key="Team"))
    assert sync(source, store).status == "ok"
    grouping = fake.queries()[0].body["dataset"]["grouping"]  # type: ignore[index]
    assert grouping[1] == {"type": "TagKey", "name": "Team"}
    today = [r for r in cost_of(store).rows if r.day == TODAY]
    tags = {(r.service, r.tags): r.amount for r in today}
    gpu, other, storage, bandwidth = services()
    assert tags == {
        ("Bandwidth", ()): amount_on(bandwidth, TODAY),
        ("Storage", (("team", "fraud"),)): amount_on(storage, TODAY),
        ("Virtual Machines", (("team", "fraud"),)): amount_on(gpu, TODAY),
        ("Virtual Machines", (("team", "search"),)): amount_on(other, TODAY),
    }


def test_a_resync_asks_only_the_last_three_days_and_keeps_the_rest(
    fake: FakeAzure, store: Store
) -> None:
    source = AzureCostSource("azure", settings(fake.url))
    assert sync(source, store).status == "ok"
    before = cost_of(store).rows
    fake.requests.clear()
    assert sync(source, store, days_later=1).status == "ok"
    period = fake.queries()[0].body["timePeriod"]  # type: ignore[index]
    tomorrow = TODAY + timedelta(days=1)
    assert period == {
        "from": f"{TODAY - timedelta(days=1)}T00:00:00Z",
        "to": f"{tomorrow}T23:59:59Z",
    }
    after = cost_of(store).rows
    kept_from = tomorrow - timedelta(days=29)
    assert [r for r in after if r.day < TODAY - timedelta(days=1)] == [
        r for r in before if kept_from <= r.day < TODAY - timedelta(days=1)
    ]
    assert max(by_day(after)) == tomorrow and min(by_day(after)) == kept_from


def test_a_throttled_query_waits_as_long_as_azures_own_header_says(
    fake: FakeAzure, store: Store
) -> None:
    """429 without `Retry-After`, with Cost Management's headers: the client waits the
    longest of them, then asks again."""
    fake.fail(
        429,
        headers={
            "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "1",
            "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after": "2",
        },
    )
    assert sync(AzureCostSource("azure", settings(fake.url)), store).status == "ok"
    queries = fake.queries()
    assert len(queries) == 4  # the throttled one, then three pages
    assert queries[1].received_at - queries[0].received_at >= 1.9  # the longer of 1 s and 2 s


def test_a_throttle_longer_than_the_deadline_fails_at_once_and_says_so(
    fake: FakeAzure, store: Store
) -> None:
    fake.fail(429, headers={"x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after": "90"})
    started = time.monotonic()
    outcome = sync(AzureCostSource("azure", settings(fake.url)), store, deadline=10.0)
    assert time.monotonic() - started < 5  # not a 10 s sleep into the deadline
    assert outcome.status == "failed"
    assert "asked to wait 90s" in outcome.error and "deadline" in outcome.error


def test_an_expired_token_says_how_to_get_a_new_one(fake: FakeAzure, store: Store) -> None:
    outcome = sync(AzureCostSource("azure", settings(fake.url)), store, token="stale")
    assert outcome.status == "failed"
    assert "expire after about an hour" in outcome.error
    assert "az account get-access-token --resource https://management.azure.com/" in outcome.error
    assert "cockpit auth set azure" in outcome.error and "stale" not in outcome.error
    missing = sync(AzureCostSource("azure", settings(fake.url)), store, token=None)
    assert missing.status == "failed" and "no Azure token" in missing.error


def test_a_next_page_on_another_host_is_not_followed(store: Store) -> None:
    with FakeAzure() as fake, FakeAzure() as elsewhere:
        fake.next_host = elsewhere.url.replace("127.0.0.1", "localhost")
        outcome = sync(AzureCostSource("azure", settings(fake.url)), store)
        assert outcome.status == "failed"
        assert "another host" in outcome.error and "not followed" in outcome.error
        assert elsewhere.requests == []


def test_an_unknown_scope_names_the_setting(fake: FakeAzure, store: Store) -> None:
    source = AzureCostSource("azure", settings(fake.url, scope="subscriptions/other"))
    outcome = sync(source, store)
    assert outcome.status == "failed"
    assert "does not know the scope 'subscriptions/other' (404)" in outcome.error


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("fault", [500, "malformed", "no-currency", 403, "refused"])
def test_a_failed_sync_keeps_the_last_good_snapshot(
    fake: FakeAzure, store: Store, fault: int | str
) -> None:
    source = AzureCostSource("azure", settings(fake.url))
    assert sync(source, store).status == "ok"

    def stored() -> list[tuple[object, ...]]:
        with sqlite3.connect(store.path) as conn:
            return conn.execute("SELECT id, taken_at, payload FROM snapshots").fetchall()

    before = stored()
    if fault == "refused":
        source = AzureCostSource("azure", settings(f"http://127.0.0.1:{free_port()}"))
    else:
        fake.fail(fault, times=None)
    outcome = sync(source, store, deadline=15.0)
    assert outcome.status == "failed" and "kept the data from" in outcome.error
    assert "Traceback" not in outcome.error
    words = {
        500: "failed (500)",
        "malformed": "not valid JSON",
        "no-currency": "no Currency column",
        403: "Cost Management Reader",
        "refused": "cannot reach",
    }
    assert words[fault] in outcome.error
    assert stored() == before


def test_hostile_service_names_and_tags_are_cleaned(store: Store) -> None:
    hostile = [Charge("\x1b]0;pwned\x07Virtual\u202e Machines\x1b[2J", "NCv3", 5.0, "t\x1b[31meam")]
    with FakeAzure(hostile) as fake:
        source = AzureCostSource("azure", settings(fake.url, tag_key="team", days=1))
        assert sync(source, store).status == "ok"
    rows = cost_of(store).rows
    assert [(r.service, r.tags) for r in rows] == [("Virtual Machines", (("team", "team"),))]


def test_doctor_probe_queries_today(fake: FakeAzure) -> None:
    source = AzureCostSource("azure", settings(fake.url))
    detail = source.probe(Secret(TOKEN))
    assert detail.startswith(f"Azure Cost Management for {SCOPE}: 3 service(s) today")
    assert "USD so far" in detail


def test_cli_sync_doctor_and_status_with_azure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The path a user takes: a token in the environment, spend on `status`."""
    from cockpit.cli import main

    with FakeAzure() as fake:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
            f'[sources.azure]\nkind = "azure-cost"\nurl = "{fake.url}"\nscope = "{SCOPE}"\n'
        )
        monkeypatch.setenv("COCKPIT_CONFIG", str(config))
        monkeypatch.setenv("COCKPIT_AZURE_TOKEN", TOKEN)
        assert main(["sync"]) == 0
        assert capsys.readouterr().out.startswith("azure  ok")
        assert main(["doctor"]) == 0
        out = capsys.readouterr().out
        assert f"Azure Cost Management for {SCOPE}" in out and "token from the environment" in out
    assert main(["status"]) == 0
    assert "ActualCost (PreTaxCost)" in capsys.readouterr().out


def test_the_settings_refuse_a_scope_that_is_not_one(tmp_path: Path) -> None:
    from cockpit.config import ConfigError, parse_config

    text = '[sources.azure]\nkind = "azure-cost"\nscope = "my-subscription"\n'
    with pytest.raises(ConfigError, match=r'sources\.azure\.scope.*"my-subscription" is not an'):
        parse_config(text, tmp_path / "config.toml")
    ok = parse_config(
        text.replace("my-subscription", f"/{SCOPE}/resourceGroups/ml-prod"), tmp_path / "c.toml"
    )
    assert ok.sources["azure"].url == "https://management.azure.com"  # type: ignore[attr-defined]
