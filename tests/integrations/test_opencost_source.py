"""The OpenCost source against a fake OpenCost on 127.0.0.1 serving the recorded allocation
answer day by day, through the sync engine with a real store."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import OpenCostSettings
from cockpit.models import CostData, CostRow, Secret, Snapshot
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.base import Deadline, FetchContext, SourceConfigError, SourceUnreachable
from integrations.http import HttpClient
from integrations.opencost import OpenCostSource
from integrations.retry import RetryPolicy
from tests.conftest import FROZEN_NOW
from tests.cost_helpers import spend_by_day, stored_cost
from tests.fakes.opencost_server import (
    GPU_HOURLY,
    GPU_NAMESPACE,
    FakeOpenCost,
    cluster,
    cluster_day,
    day_factor,
)

TODAY = FROZEN_NOW.date()
FAST_RETRY = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)


def settings(url: str, **overrides: Any) -> OpenCostSettings:
    return OpenCostSettings(url=url, **overrides)


def sync(
    source: OpenCostSource,
    store: Store,
    *,
    at: datetime = FROZEN_NOW,
    deadline: float = 30.0,
    token: Secret | None = None,
) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=deadline)
    return asyncio.run(sync_one(job, store, FrozenClock(at), secret=lambda _: token))


def fetch(
    source: OpenCostSource, previous: Snapshot | None = None, *, token: Secret | None = None
) -> Snapshot:
    async def run() -> Snapshot:
        deadline = Deadline.starting_now(20.0)
        async with HttpClient(source.name, retry=FAST_RETRY, deadline=deadline) as http:
            ctx = FetchContext(
                now=FROZEN_NOW,
                http=http,
                previous=previous,
                secret=lambda _name: token,
                meter=http.meter,
                deadline=deadline,
            )
            return await source.fetch(ctx)

    return asyncio.run(run())


def cost_of(store: Store, name: str = "k8s") -> CostData:
    return stored_cost(store, name)


by_day = spend_by_day


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


@pytest.fixture
def fake() -> Any:
    with FakeOpenCost(cluster(TODAY - timedelta(days=60), TODAY + timedelta(days=10))) as server:
        yield server


def test_a_first_sync_reads_each_utc_day_of_the_history_in_explicit_windows(
    fake: FakeOpenCost, store: Store
) -> None:
    outcome = sync(OpenCostSource("k8s", settings(fake.url)), store)
    assert outcome.status == "ok", outcome.error
    assert not fake.errors
    # 30 days in requests of 5, each an explicit UTC window split by day.
    first = TODAY - timedelta(days=29)
    assert fake.windows() == [
        f"{first + timedelta(days=d):%Y-%m-%d}T00:00:00Z,"
        f"{first + timedelta(days=min(d + 5, 30)):%Y-%m-%d}T00:00:00Z"
        for d in range(0, 30, 5)
    ]
    for request in fake.requests:
        assert request.params["step"] == "1d" and request.params["accumulate"] == "false"
        assert request.params["aggregate"] == "namespace"
    data = cost_of(store)
    assert data.cost_column == "totalCost"
    days = by_day(data.rows)
    assert sorted(days) == [first + timedelta(days=d) for d in range(30)]
    # Hand-checked: the recorded day (kube-system 0.425469, opencost 0.030644, prometheus 0)
    # scaled by the day's factor, plus the GPU namespace (one GPU at 2.5/h, 1.5 CPU, 0.5 RAM)
    # and 13.5 of idle capacity.
    f = day_factor(TODAY)
    expected = (
        round(0.425469 * f, 5) + round(0.030644 * f, 5) + round(GPU_HOURLY * 24 * f, 5)
        + round(1.5 * f, 5) + round(0.5 * f, 5) + 13.5
    )  # fmt: skip
    assert days[TODAY] == pytest.approx(expected, abs=1e-6)
    row = next(r for r in data.rows if r.day == TODAY and r.service == "kube-system")
    assert row == CostRow(
        day=TODAY,
        provider="Kubernetes",
        service="kube-system",
        amount=round(0.425469 * f, 5),
        currency="USD",
        is_gpu=False,
        account="cluster-one",
        category="Compute",
        tags=(("namespace", "kube-system"),),
    )
    assert not any(r.service == "prometheus" for r in data.rows)  # it cost nothing


def test_gpu_spend_is_its_own_row_beside_the_rest_of_the_namespace(
    fake: FakeOpenCost, store: Store
) -> None:
    assert sync(OpenCostSource("k8s", settings(fake.url)), store).status == "ok"
    rows = [r for r in cost_of(store).rows if r.day == TODAY]
    f = day_factor(TODAY)
    training = {r.is_gpu: r.amount for r in rows if r.service == GPU_NAMESPACE}
    assert training == {
        True: pytest.approx(GPU_HOURLY * 24 * f),
        False: pytest.approx(round(1.5 * f, 5) + round(0.5 * f, 5)),
    }
    idle = {r.is_gpu: r.amount for r in rows if r.service == "idle capacity"}
    assert idle == {True: 12.0, False: pytest.approx(1.5)}
    assert all(r.tags == () for r in rows if r.service == "idle capacity")


def test_a_resync_reads_only_the_last_two_days_and_keeps_the_older_ones(
    fake: FakeOpenCost, store: Store
) -> None:
    source = OpenCostSource("k8s", settings(fake.url))
    assert sync(source, store).status == "ok"
    first = cost_of(store)
    fake.requests.clear()
    tomorrow = FROZEN_NOW + timedelta(days=1)
    assert sync(source, store, at=tomorrow).status == "ok"
    # Yesterday's newest day (today) and tomorrow: one request of two days.
    assert fake.windows() == [
        f"{TODAY:%Y-%m-%d}T00:00:00Z,{TODAY + timedelta(days=2):%Y-%m-%d}T00:00:00Z"
    ]
    second = cost_of(store)
    days = by_day(second.rows)
    new_first = TODAY + timedelta(days=1) - timedelta(days=29)
    assert min(days) == new_first and max(days) == TODAY + timedelta(days=1)
    older = [r for r in first.rows if new_first <= r.day < TODAY]
    assert [r for r in second.rows if r.day < TODAY] == older


def test_a_resync_after_days_away_reads_the_days_it_missed(
    fake: FakeOpenCost, store: Store
) -> None:
    source = OpenCostSource("k8s", settings(fake.url))
    assert sync(source, store).status == "ok"
    fake.requests.clear()
    assert sync(source, store, at=FROZEN_NOW + timedelta(days=6)).status == "ok"
    assert fake.windows() == [
        f"{TODAY:%Y-%m-%d}T00:00:00Z,{TODAY + timedelta(days=5):%Y-%m-%d}T00:00:00Z",
        f"{TODAY + timedelta(days=5):%Y-%m-%d}T00:00:00Z,"
        f"{TODAY + timedelta(days=7):%Y-%m-%d}T00:00:00Z",
    ]
    assert len(by_day(cost_of(store).rows)) == 30


def test_rows_by_a_label_carry_the_label_as_a_tag_and_the_cluster_name(
    fake: FakeOpenCost, store: Store
) -> None:
    source = OpenCostSource(
        "k8s", settings(fake.url, aggregate="label:team", cluster="gpu-eu", include_idle=False)
    )
    assert sync(source, store).status == "ok"
    assert fake.requests[0].params["aggregate"] == "label:team"
    assert fake.requests[0].params["includeIdle"] == "false"
    rows = [r for r in cost_of(store).rows if r.day == TODAY]
    assert {r.service for r in rows} == {"fraud", "unallocated"}
    assert all(r.provider == "gpu-eu" for r in rows)
    fraud = [r for r in rows if r.service == "fraud"]
    assert {r.tags for r in fraud} == {(("team", "fraud"),)}
    assert all(r.tags == () for r in rows if r.service == "unallocated")


def test_the_currency_is_the_one_the_config_names(fake: FakeOpenCost, store: Store) -> None:
    assert sync(OpenCostSource("k8s", settings(fake.url, currency="EUR")), store).status == "ok"
    assert {r.currency for r in cost_of(store).rows} == {"EUR"}


def test_a_bearer_token_is_sent_and_a_missing_one_is_asked_for(store: Store) -> None:
    with FakeOpenCost(cluster(TODAY, TODAY), token="s3cret") as fake:
        source = OpenCostSource("k8s", settings(fake.url, auth="bearer"))
        assert sync(source, store, token=Secret("s3cret")).status == "ok"
        outcome = sync(source, store)
        assert outcome.status == "failed"
        assert "cockpit auth set k8s" in outcome.error
        unauthenticated = OpenCostSource("k8s", settings(fake.url))
        outcome = sync(unauthenticated, store)
        assert outcome.status == "failed"
        assert 'auth = "bearer"' in outcome.error and "s3cret" not in outcome.error


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_asks_whether_opencost_is_port_forwarded() -> None:
    source = OpenCostSource("k8s", settings(f"http://localhost:{free_port()}"))
    with pytest.raises(SourceUnreachable, match="port-forwarded") as caught:
        fetch(source)
    assert "kubectl port-forward --namespace opencost service/opencost 9003" in str(caught.value)


def test_the_web_ui_address_is_named_for_what_it_is(fake: FakeOpenCost) -> None:
    """A 404: the user gave the UI's address (9090) or a path that is not the API."""
    source = OpenCostSource("k8s", settings(fake.url + "/ui"))
    with pytest.raises(SourceConfigError, match=r"has no /allocation/compute \(404\).*9003"):
        fetch(source)


def test_an_error_envelope_says_what_opencost_said(fake: FakeOpenCost) -> None:
    fake.fail("error-envelope")
    with pytest.raises(Exception, match=r"code 500.*Prometheus is not reachable"):
        fetch(OpenCostSource("k8s", settings(fake.url)))


@pytest.mark.parametrize("fault", [500, "malformed", "error-envelope", 404, "refused"])
def test_a_failed_sync_keeps_the_last_good_snapshot(
    fake: FakeOpenCost, store: Store, fault: int | str
) -> None:
    source = OpenCostSource("k8s", settings(fake.url))
    assert sync(source, store).status == "ok"

    def stored() -> list[tuple[object, ...]]:
        with sqlite3.connect(store.path) as conn:
            return conn.execute("SELECT id, taken_at, payload FROM snapshots").fetchall()

    before = stored()
    if fault == "refused":
        source = OpenCostSource("k8s", settings(f"http://127.0.0.1:{free_port()}"))
    else:
        fake.fail(fault, times=None)
    outcome = sync(source, store, at=FROZEN_NOW + timedelta(hours=1))
    assert outcome.status == "failed" and outcome.error
    assert "Traceback" not in outcome.error and "kept the data from" in outcome.error
    words = {
        500: "failed (500)",
        "malformed": "not valid JSON",
        "error-envelope": "Prometheus is not reachable",
        404: "port 9003",
        "refused": "port-forwarded",
    }
    assert words[fault] in outcome.error
    assert stored() == before


def test_hostile_names_are_cleaned(store: Store) -> None:
    hostile = "\x1b]0;pwned\x07evil\u202ens\x1b[2J"
    day = cluster_day(TODAY)
    day[hostile] = dict(day["kube-system"], name=hostile)
    day[hostile]["properties"] = {"cluster": "c\x1b[31mone", "namespace": hostile}
    with FakeOpenCost({TODAY: day}) as fake:
        assert sync(OpenCostSource("k8s", settings(fake.url, days=1)), store).status == "ok"
    rows = cost_of(store).rows
    texts = [r.service for r in rows] + [r.account for r in rows]
    texts += [v for r in rows for _, v in r.tags]
    assert "evilns" in texts
    assert not any(ch in text for text in texts for ch in ("\x1b", "\x07", "\u202e"))


def test_doctor_probe_reads_today_so_far(fake: FakeOpenCost) -> None:
    detail = OpenCostSource("k8s", settings(fake.url)).probe(None)
    assert detail.startswith(f"OpenCost at {fake.url}:")
    assert "4 allocations by namespace today" in detail
    assert "USD so far" in detail and "on GPUs" in detail


def test_cli_sync_doctor_and_status_with_opencost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The path a user takes: a port-forwarded OpenCost, no token, spend on `status`."""
    from cockpit.cli import main

    today = datetime.now(UTC).date()  # the command line runs on the real clock
    with FakeOpenCost(cluster(today - timedelta(days=40), today + timedelta(days=1))) as fake:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
            f'[sources.k8s]\nkind = "opencost"\nurl = "{fake.url}"\ncluster = "gpu-eu"\n'
        )
        monkeypatch.setenv("COCKPIT_CONFIG", str(config))
        assert main(["sync"]) == 0
        assert capsys.readouterr().out.startswith("k8s  ok")
        assert main(["doctor"]) == 0
        out = capsys.readouterr().out
        assert f"OpenCost at {fake.url}" in out and "no token needed" in out
    assert main(["status"]) == 0
    assert "totalCost" in capsys.readouterr().out


def test_the_settings_refuse_an_aggregate_opencost_does_not_know(tmp_path: Path) -> None:
    from cockpit.config import ConfigError, parse_config

    text = '[sources.k8s]\nkind = "opencost"\nurl = "http://localhost:9003"\naggregate = "team:"\n'
    with pytest.raises(ConfigError, match=r'sources\.k8s\.aggregate.*"team:" is not an OpenCost'):
        parse_config(text, tmp_path / "config.toml")
    ok = parse_config(text.replace('"team:"', '"namespace,label:team"'), tmp_path / "c.toml")
    assert ok.sources["k8s"].aggregate == "namespace,label:team"  # type: ignore[attr-defined]


def test_offline_asks_nothing() -> None:
    source = OpenCostSource("k8s", settings("http://localhost:9003"))
    ctx = FetchContext(now=datetime.now(UTC), http=None, previous=None, secret=lambda _: None)
    with pytest.raises(SourceUnreachable, match="offline"):
        asyncio.run(source.fetch(ctx))
