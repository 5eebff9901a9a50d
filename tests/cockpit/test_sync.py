"""The sync engine end to end: a real HttpClient, a real local server, a real SQLite store."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from cockpit.analytics.experiments import digest_experiments
from cockpit.clock import FrozenClock
from cockpit.models import Person, Snapshot, TeamData
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_all, sync_one
from integrations.base import FetchContext, SourceConfigError
from integrations.demo import DemoSource, build_demo_snapshot
from tests.fakes.fault_server import FaultServer, Reply

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD = {
    "people": [
        {"id": "ana", "name": "Ana Lima", "timezone": "America/Sao_Paulo"},
        {"id": "ravi", "name": "Ravi Iyer", "timezone": "Asia/Kolkata"},
    ]
}
# A different, valid document: if a failed sync ever let it through, the stored data would change.
NEWER = {"people": [{"id": "mei", "name": "Mei Chen", "timezone": "Asia/Shanghai"}]}


def team_snapshot(document: dict[str, Any]) -> Snapshot:
    people = tuple(
        Person(id=p["id"], name=p["name"], timezone=p["timezone"]) for p in document["people"]
    )
    return Snapshot(team=TeamData(people=people))


class TeamApiSource:
    """A minimal network source: one GET through the engine's HttpClient, one Snapshot."""

    kind = "team-api"
    uses_network = True

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if ctx.http is None:
            raise SourceConfigError(f"{self.name} needs the network")
        return team_snapshot(await ctx.http.get_json(self.url))


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(GOOD) as running:
        yield running


# Local on purpose (they shadow tests/conftest.py): this file pins its own moment and cache.
@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cockpit.sqlite")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def job_for(server: FaultServer, name: str = "team", **limits: float) -> SyncJob:
    return SyncJob(TeamApiSource(name, server.url), **limits)


async def sync_good_first(server: FaultServer, store: Store, clock: FrozenClock) -> Snapshot:
    """One successful sync, so that a later failure has good data to keep."""
    outcome = await sync_one(job_for(server), store, clock)
    assert outcome.status == "ok", outcome.error
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == team_snapshot(GOOD)
    return stored.snapshot


def assert_failed_and_kept(outcome: SyncOutcome, store: Store, previous: Snapshot) -> None:
    assert outcome.status == "failed"
    assert "kept the data from 2026-11-23 09:00 UTC" in outcome.error
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == previous
    assert store.snapshot_times("team") == [stored.taken_at]  # nothing new was written
    attempt = store.last_attempts()["team"]
    assert attempt.status == "failed"
    assert attempt.error
    assert outcome.error.startswith(attempt.error)


async def test_success_stores_the_snapshot_and_logs_the_attempt(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    outcome = await sync_one(job_for(server), store, clock)

    assert outcome.status == "ok"
    assert outcome.error == ""
    assert outcome.areas == ("team",)
    assert outcome.requests == 1
    assert outcome.bytes_in == len(json.dumps(GOOD).encode())
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == team_snapshot(GOOD)
    attempt = store.last_attempts()["team"]
    assert (attempt.status, attempt.error) == ("ok", "")
    assert (attempt.requests, attempt.bytes_in) == (outcome.requests, outcome.bytes_in)
    assert attempt.started_at == NOW
    assert attempt.finished_at >= NOW
    assert len(server.requests) == 1


async def test_a_trickling_server_is_cut_by_the_overall_deadline(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    previous = await sync_good_first(server, store, clock)
    # One byte every 0.2 s: no single read comes near the 5 s read timeout, but the whole body
    # would take many seconds. Only the 1 s overall deadline can stop it.
    body = json.dumps(NEWER).encode()
    assert len(body) * 0.2 > 5
    server.always(Reply(200, body, {"Content-Type": "application/json"}, trickle=0.2))

    began = time.monotonic()
    outcome = await sync_one(job_for(server, read_timeout=5.0, deadline=1.0), store, clock)
    elapsed = time.monotonic() - began

    assert "deadline" in outcome.error
    assert 0.9 <= elapsed < 1.0 + 2.0
    assert_failed_and_kept(outcome, store, previous)
    assert len(server.requests) == 2  # the good sync, then one trickled GET, not retried


async def test_a_hanging_server_is_cut_by_the_overall_deadline(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    previous = await sync_good_first(server, store, clock)
    server.always(Reply.hanging())

    began = time.monotonic()
    outcome = await sync_one(job_for(server, read_timeout=10.0, deadline=1.0), store, clock)
    elapsed = time.monotonic() - began

    assert "1s deadline" in outcome.error
    assert 0.9 <= elapsed < 1.0 + 1.0
    assert_failed_and_kept(outcome, store, previous)


async def test_unauthorised_fails_at_once_and_keeps_the_old_data(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    previous = await sync_good_first(server, store, clock)
    server.always(Reply(401, b'{"error": "token expired"}'))

    outcome = await sync_one(job_for(server), store, clock)

    assert "cockpit auth set team" in outcome.error
    assert len(server.requests) == 2  # the good sync, then exactly one 401: never retried
    assert outcome.requests == 1
    assert_failed_and_kept(outcome, store, previous)
    attempt = store.last_attempts()["team"]
    assert "cockpit auth set team" in attempt.error
    assert attempt.requests == 1


async def test_rate_limit_with_retry_after_then_success(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    server.script(Reply(429, b"slow down", {"Retry-After": "1"}))

    outcome = await sync_one(job_for(server, deadline=10.0), store, clock)

    assert outcome.status == "ok", outcome.error
    assert outcome.requests == 2
    (gap,) = server.gaps()
    assert gap >= 0.9
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == team_snapshot(GOOD)


async def test_one_failing_source_does_not_stop_another(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    with FaultServer(GOOD) as broken:
        broken.always(Reply.hanging())
        began = time.monotonic()
        outcomes = await sync_all(
            [job_for(broken, "broken", deadline=1.0), job_for(server, "team")], store, clock
        )
        elapsed = time.monotonic() - began

    assert [(o.source, o.status) for o in outcomes] == [("broken", "failed"), ("team", "ok")]
    assert "deadline" in outcomes[0].error
    assert elapsed < 2.0
    # Concurrently: the good source's request went out with the broken one's, not after it.
    assert abs(server.requests[0].received_at - broken.requests[0].received_at) < 0.5
    assert store.latest("broken") is None
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == team_snapshot(GOOD)
    attempts = store.last_attempts()
    assert (attempts["broken"].status, attempts["team"].status) == ("failed", "ok")


async def test_a_bug_in_a_source_is_a_failure_not_a_crash(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    previous = await sync_good_first(server, store, clock)
    server.always(Reply.json({"staff": []}))  # the parser reads document["people"]: KeyError

    outcome = await sync_one(job_for(server), store, clock)

    assert "unexpected KeyError" in outcome.error
    assert "people" in outcome.error
    assert_failed_and_kept(outcome, store, previous)


async def test_a_bad_answer_after_a_good_one_keeps_the_exact_previous_snapshot(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    previous = await sync_good_first(server, store, clock)
    server.always(Reply(200, b'{"people": [{"id": "mei"', {"Content-Type": "application/json"}))

    outcome = await sync_one(job_for(server), store, clock)

    assert "not valid JSON" in outcome.error
    assert_failed_and_kept(outcome, store, previous)
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == team_snapshot(GOOD)
    assert stored.snapshot != team_snapshot(NEWER)


@contextmanager
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Refuse, and record, every attempt to open a connection while the block runs."""
    attempts: list[object] = []

    def refuse_connect(_sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("test: no network allowed here")

    def refuse_create_connection(address: object, *_args: object, **_kwargs: object) -> None:
        attempts.append(address)
        raise OSError("test: no network allowed here")

    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse_connect)
        patch.setattr(socket.socket, "connect_ex", refuse_connect)
        patch.setattr(socket, "create_connection", refuse_create_connection)
        yield attempts


async def test_the_network_trap_catches_a_real_sync(
    server: FaultServer, store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Control for the offline test: the trap does see the connection an online sync opens.
    with no_network(monkeypatch) as attempts:
        outcome = await sync_one(job_for(server, deadline=0.5), store, clock)
    assert attempts
    assert outcome.status == "failed"
    assert server.requests == []


async def test_offline_skips_network_sources_without_opening_a_socket(
    server: FaultServer, store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = await sync_good_first(server, store, clock)
    logged_before = store.attempts("team")

    with no_network(monkeypatch) as attempts:
        outcome = await sync_one(job_for(server), store, clock, offline=True)

    assert outcome.status == "offline"
    assert (outcome.requests, outcome.bytes_in) == (0, 0)
    assert attempts == []
    assert len(server.requests) == 1  # only the earlier online sync
    stored = store.latest("team")
    assert stored is not None
    assert stored.snapshot == previous
    assert store.attempts("team") == logged_before  # offline says nothing about the source


async def test_offline_still_syncs_sources_that_need_no_network(
    store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with no_network(monkeypatch) as attempts:
        (outcome,) = await sync_all([SyncJob(DemoSource())], store, clock, offline=True)

    assert outcome.status == "ok", outcome.error
    assert (outcome.requests, outcome.bytes_in) == (0, 0)
    assert attempts == []
    stored = store.latest("demo", with_runs=True, with_cost_rows=True)
    assert stored is not None
    # Kept as the source made it, with the experiments' digests filled in before the write.
    expected = build_demo_snapshot(NOW)
    assert expected.experiments is not None
    expected = msgspec.structs.replace(
        expected, experiments=digest_experiments(expected.experiments, NOW)
    )
    assert stored.snapshot == expected
    assert store.last_attempts()["demo"].status == "ok"


async def test_a_deadline_after_failed_attempts_says_what_they_failed_with(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    # The default backoff (0.5 s, 1 s, 2 s) outlasts a 1 s deadline: the sync is cut while
    # waiting to retry a 500, and must say so rather than only "did not finish".
    server.always(Reply(500, b"oops"))

    outcome = await sync_one(job_for(server, deadline=1.0), store, clock)

    assert outcome.status == "failed"
    assert outcome.error == (
        "team did not finish within its 1s deadline; "
        "the last attempt: the server failed (500) on /data.json"
    )


async def test_a_deadline_after_refused_connections_says_they_were_refused(
    store: Store, clock: FrozenClock
) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = held.getsockname()[1]
        source = TeamApiSource("team", f"http://127.0.0.1:{port}/data.json")
        outcome = await sync_one(SyncJob(source, deadline=1.0), store, clock)

    assert outcome.error.startswith(
        "team did not finish within its 1s deadline; the last attempt: cannot reach the server"
    ), outcome.error


async def test_a_deadline_after_a_success_does_not_blame_an_earlier_failure(
    server: FaultServer, store: Store, clock: FrozenClock
) -> None:
    class TwoRequests(TeamApiSource):
        async def fetch(self, ctx: FetchContext) -> Snapshot:
            assert ctx.http is not None
            await ctx.http.get_json(self.url)  # a 500, then a good answer
            return team_snapshot(await ctx.http.get_json(self.url))  # hangs

    server.script(Reply(500, b"oops"), Reply.json(GOOD), Reply.hanging())

    outcome = await sync_one(SyncJob(TwoRequests("team", server.url), deadline=2.0), store, clock)

    assert outcome.error == "team did not finish within its 2s deadline"


async def test_sources_get_the_deadline_they_must_finish_by(
    store: Store, clock: FrozenClock
) -> None:
    seen: list[float] = []

    class Recorder(DemoSource):
        async def fetch(self, ctx: FetchContext) -> Snapshot:
            assert ctx.deadline is not None
            seen.append(ctx.deadline.left())
            return await super().fetch(ctx)

    await sync_one(SyncJob(Recorder(), deadline=7.0), store, clock)

    assert len(seen) == 1 and 6.0 < seen[0] <= 7.0


async def test_the_http_client_is_made_off_the_event_loop(
    server: FaultServer, store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making a client imports httpx and loads the certificate store: on the loop, eight
    sources starting together froze the TUI for half a second (benchmarks/nomad.py)."""
    import threading

    import cockpit.sync

    made_on: list[int] = []
    real = cockpit.sync._open_http

    def recording(*args: Any) -> Any:
        made_on.append(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(cockpit.sync, "_open_http", recording)
    outcome = await sync_one(job_for(server), store, clock)

    assert outcome.status == "ok", outcome.error
    assert made_on and threading.get_ident() not in made_on


def test_every_client_shares_one_certificate_store(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from integrations.http import HttpClient, tls_context

    tls_context.cache_clear()
    loads: list[int] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> Any:
        loads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    try:
        clients = [HttpClient(f"source-{n}") for n in range(4)]
        assert len(loads) == 1
        assert all(c._client._transport._pool._ssl_context is tls_context() for c in clients)
    finally:
        tls_context.cache_clear()
