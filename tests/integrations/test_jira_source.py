"""The Jira source end to end: the real sync engine and store, python-jira, a fake Jira on a
real socket, Cloud and Server/DC."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.models import Secret, StatusCategory
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.jira import JiraSource
from integrations.retry import RetryPolicy, Timeouts
from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import JiraBoardData, make_board
from tests.fakes.jira_server import FakeJira

FAST_RETRY = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)


def source_for(fake: FakeJira, **overrides: object) -> JiraSource:
    options: dict[str, object] = {
        "url": fake.url,
        "board_id": 42,
        "email": fake.email if fake.is_cloud else "",
        "retry": FAST_RETRY,
        "timeouts": Timeouts(2.0, 5.0, 30.0),
    }
    options.update(overrides)
    return JiraSource("jira", **options)  # type: ignore[arg-type]


def token_for(fake: FakeJira) -> Secret:
    return Secret(fake.token if fake.is_cloud else fake.pat)


def sync(
    source: JiraSource,
    store: Store,
    token: Secret | None,
    *,
    at: timedelta = timedelta(0),
    deadline: float = 30.0,
) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=deadline)
    clock = FrozenClock(FROZEN_NOW + at)
    return asyncio.run(sync_one(job, store, clock, secret=lambda _name: token))


@pytest.fixture
def cloud_board() -> JiraBoardData:
    return make_board(now=FROZEN_NOW, issues=260)


@pytest.fixture
def cloud(cloud_board: JiraBoardData) -> Iterator[FakeJira]:
    with FakeJira(cloud_board, forbidden_boards={7}) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def server() -> Iterator[FakeJira]:
    with FakeJira(make_board(now=FROZEN_NOW, issues=260, deployment="Server")) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


def test_cloud_full_sync(cloud: FakeJira, cloud_board: JiraBoardData, store: Store) -> None:
    outcome = sync(source_for(cloud), store, token_for(cloud))
    assert outcome.status == "ok", outcome.error
    snap = store.latest("jira").snapshot  # type: ignore[union-attr]
    data = snap.sprint
    assert data is not None
    assert {i.key for i in data.issues} == set(cloud_board.issues)  # every issue, no cap
    assert data.points_field == "customfield_10016" and data.points_note == ""
    assert [c.name for c in data.board.columns] == ["To Do", "In Progress", "In Review", "Done"]
    assert {s.state for s in data.sprints} == {"closed", "active", "future"}
    assert data.status_categories["Done"] is StatusCategory.DONE
    active = next(s for s in data.sprints if s.state == "active")
    in_active = [i for i in data.issues if i.sprint_id == active.id]
    assert in_active and all(active.id in i.sprint_ids for i in in_active)
    # The enhanced search, paged by token; the removed /search is never called.
    assert cloud.count("/rest/api/3/search/jql") >= 3
    assert not [r for r in cloud.requests if r.path.endswith("/search")]
    # Issues with more than 40 histories got their full changelog from the paged endpoint.
    noisy = next(i for i in data.issues if i.key == cloud_board.noisy_keys[0])
    record = cloud_board.issues[noisy.key]
    assert len(record.histories) > 40
    status_items = [
        item for h in record.histories for item in h.items if item.get("field") == "status"
    ]
    assert len(noisy.status_changes) == len(status_items)
    assert cloud.count(f"/rest/api/3/issue/{noisy.key}/changelog") >= 1
    # Team members with their time zones, for the Team panel.
    assert snap.team is not None and all(p.timezone for p in snap.team.people)
    assert outcome.requests == len(cloud.requests)
    assert outcome.bytes_in >= sum(r.response_bytes for r in cloud.requests) * 0.99


def test_server_full_sync(server: FakeJira, store: Store) -> None:
    outcome = sync(source_for(server), store, token_for(server))
    assert outcome.status == "ok", outcome.error
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    assert data is not None and len(data.issues) == 260
    assert server.count("/rest/api/2/search") >= 3  # startAt paging
    assert server.count("/rest/api/2/search/jql") == 0
    schemes = {r.auth_scheme for r in server.requests if r.path != "/rest/api/2/serverInfo"}
    assert schemes == {"Bearer"}
    # The Sprint field came as Java toString strings and still gives sprint ids.
    assert any(i.sprint_ids for i in data.issues)


def test_no_result_cap(store: Store) -> None:
    board = make_board(now=FROZEN_NOW, issues=1300, closed_sprints=2)
    with FakeJira(board) as fake:
        outcome = sync(source_for(fake), store, token_for(fake))
    assert outcome.status == "ok", outcome.error
    assert len(store.latest("jira").snapshot.sprint.issues) == len(board.issues)  # type: ignore[union-attr]
    assert len(board.issues) >= 1300


def test_incremental_resync(cloud: FakeJira, cloud_board: JiraBoardData, store: Store) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    full_bytes = sum(r.response_bytes for r in cloud.requests)
    keys = list(cloud_board.issues)
    later = FROZEN_NOW + timedelta(minutes=30)
    cloud_board.set_now(later)
    touched = keys[5]
    cloud_board.touch(touched, later, summary="Retrain ranker v3 on the November snapshot")
    cloud_board.delete(keys[6])
    moved_old = keys[7]
    cloud_board.move_out_of_board(moved_old, later)
    created = cloud_board.create(later, summary="Investigate GPU OOM in eval job")
    cloud.reset_log()

    outcome = sync(source_for(cloud), store, token_for(cloud), at=timedelta(minutes=30))
    assert outcome.status == "ok", outcome.error
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    by_key = {i.key: i for i in data.issues}
    assert by_key[touched].summary == "Retrain ranker v3 on the November snapshot"
    assert keys[6] not in by_key and moved_old not in by_key
    assert created in by_key
    assert set(by_key) == {k for k, r in cloud_board.issues.items() if r.project == "MLP"}
    resync_bytes = sum(r.response_bytes for r in cloud.requests)
    assert resync_bytes < full_bytes * 0.2


def test_wrong_token_is_one_401_and_never_retried(cloud: FakeJira, store: Store) -> None:
    outcome = sync(source_for(cloud), store, Secret("not-the-token"))
    assert outcome.status == "failed"
    assert "cockpit auth set jira" in outcome.error
    assert [r.status for r in cloud.requests].count(401) == 1


def test_missing_token(cloud: FakeJira, store: Store) -> None:
    outcome = sync(source_for(cloud), store, None)
    assert outcome.status == "failed" and "cockpit auth set jira" in outcome.error
    assert cloud.requests == []


def test_forbidden_board(cloud: FakeJira, store: Store) -> None:
    outcome = sync(source_for(cloud, board_id=7), store, token_for(cloud))
    assert outcome.status == "failed" and "403" in outcome.error


def test_unknown_board_lists_the_visible_ones(cloud: FakeJira, store: Store) -> None:
    outcome = sync(source_for(cloud, board_id=999), store, token_for(cloud))
    assert outcome.status == "failed"
    assert "board 999 does not exist" in outcome.error and "42 “MLP board”" in outcome.error


def test_rate_limit_waits_as_asked(cloud: FakeJira, store: Store) -> None:
    cloud.fail("/rest/api/3/search/jql", 429, times=1, retry_after=1)
    started = time.perf_counter()
    outcome = sync(source_for(cloud), store, token_for(cloud))
    assert outcome.status == "ok", outcome.error
    limited = [r for r in cloud.requests if r.status == 429]
    assert len(limited) == 1
    retried = next(r for r in cloud.requests if r.path == limited[0].path and r.status == 200)
    assert retried.received_at - limited[0].received_at >= 0.9
    assert time.perf_counter() - started >= 0.9


def test_server_errors_keep_the_cached_board(cloud: FakeJira, store: Store) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    before = store.latest("jira")
    cloud.fail("/rest/api/3/search/jql", 500, times=None)
    outcome = sync(source_for(cloud), store, token_for(cloud), at=timedelta(minutes=5))
    assert outcome.status == "failed" and "500" in outcome.error
    assert store.latest("jira") == before
    cloud.clear_faults()
    cloud.fail("/rest/agile/1.0/board/42/sprint", "malformed", times=None)
    outcome = sync(source_for(cloud), store, token_for(cloud), at=timedelta(minutes=6))
    assert outcome.status == "failed" and "not JSON" in outcome.error
    assert store.latest("jira") == before


def test_board_without_estimation_counts_issues(store: Store) -> None:
    board = make_board(now=FROZEN_NOW, issues=60, points_field=None)
    with FakeJira(board) as fake:
        outcome = sync(source_for(fake), store, token_for(fake))
    assert outcome.status == "ok", outcome.error
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    # Without the board's estimation setting, the site offers two story-point fields
    # ("Story Points" and "Story point estimate"): the source reports the tie, never guesses.
    assert data.points_field is None
    assert "customfield_10016" in data.points_note and "customfield_10026" in data.points_note
    assert "Counting issues" in data.points_note
    with FakeJira(board) as fake:
        chosen = source_for(fake, points_field="customfield_10026")
        assert sync(chosen, store, token_for(fake), at=timedelta(minutes=1)).status == "ok"
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    assert data.points_field == "customfield_10026" and data.points_note == ""


def test_unreachable_and_bad_urls(store: Store) -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = held.getsockname()[1]
        refused = JiraSource("jira", url=f"http://127.0.0.1:{port}", board_id=42,
                             retry=FAST_RETRY)  # fmt: skip
        outcome = sync(refused, store, Secret("t"))
    assert outcome.status == "failed" and "cannot reach" in outcome.error
    html = JiraSource("jira", url="http://127.0.0.1:1", board_id=42, retry=FAST_RETRY)
    assert sync(html, store, Secret("t")).status == "failed"


def test_deadline_stops_the_sync_thread(cloud: FakeJira, store: Store) -> None:
    slow = FakeJira(cloud.data, latency=0.3).start()
    try:
        started = time.perf_counter()
        outcome = sync(source_for(slow), store, token_for(slow), deadline=1.0)
        assert outcome.status == "failed" and "deadline" in outcome.error
        assert time.perf_counter() - started < 2.5
        seen = len(slow.requests)
        time.sleep(1.0)
        assert len(slow.requests) <= seen + 1, "the sync thread kept making requests"
    finally:
        slow.stop()


def test_the_token_never_reaches_the_cache_or_the_errors(cloud: FakeJira, tmp_path: Path) -> None:
    canary = "canary-2b7d-jira-token"
    store = Store(tmp_path / "cache.sqlite")
    outcome = sync(source_for(cloud), store, Secret(canary))
    assert canary not in outcome.error
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    for path in tmp_path.iterdir():
        assert canary.encode() not in path.read_bytes()
        assert cloud.token.encode() not in path.read_bytes()


def test_cli_sync_status_and_doctor_with_a_jira_config(
    cloud: FakeJira,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The whole path a user takes: config → `cockpit sync` → `cockpit status` → `doctor`."""
    import json

    from cockpit.cli import main

    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "{cloud.url}"\nemail = "{cloud.email}"\n'
        "board_id = 42\n"
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", cloud.token)
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith("jira  ok")
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    active = next(s for s in cloud.data.sprints if s.state == "active")
    assert status["sprint"]["name"] == active.name
    assert status["sprint"]["issues"] == sum(
        1 for r in cloud.data.issues.values() if active.id in r.sprint_ids
    )
    assert main(["doctor"]) == 0
    assert "signed in as" in capsys.readouterr().out
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", "wrong")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "cockpit auth set jira" in out
    assert "wrong" not in out


def test_one_garbled_answer_is_asked_for_again(cloud: FakeJira, store: Store) -> None:
    cloud.fail("/rest/agile/1.0/board/42/sprint", "malformed", times=1)
    outcome = sync(source_for(cloud), store, token_for(cloud))
    assert outcome.status == "ok", outcome.error
    assert cloud.count("/rest/agile/1.0/board/42/sprint") >= 2


def test_a_retry_after_past_the_deadline_fails_at_once(cloud: FakeJira, store: Store) -> None:
    cloud.fail("/rest/api/2/serverInfo", 429, times=None, retry_after=60)
    started = time.perf_counter()
    outcome = sync(source_for(cloud), store, token_for(cloud), deadline=10.0)
    assert time.perf_counter() - started < 3.0
    assert outcome.status == "failed"
    assert re.search(r"Jira asked to wait 60s, more than the (9|10)s left of its 10s deadline",
                     outcome.error), outcome.error  # fmt: skip
    assert cloud.count("/rest/api/2/serverInfo") == 1


def test_a_deadline_says_what_the_last_attempt_failed_with(cloud: FakeJira, store: Store) -> None:
    cloud.fail("/rest/api/2/serverInfo", 500, times=None)
    patient = RetryPolicy(attempts=10, wait_initial=0.3, wait_max=0.3, wait_jitter=0.0)
    outcome = sync(source_for(cloud, retry=patient), store, token_for(cloud), deadline=1.0)
    assert outcome.status == "failed"
    assert outcome.error.startswith(
        "jira did not finish within its 1s deadline; "
        "the last attempt: Jira failed (500) on /rest/api/2/serverInfo"
    ), outcome.error


def test_a_body_cut_short_is_a_dropped_connection_not_unreachable(store: Store) -> None:
    from tests.fakes.fault_server import FaultServer, Reply

    cut = Reply(200, b'{"deploymentType": "Ser', {"Content-Length": "500", "Connection": "close"})
    with FaultServer(path="/rest/api/2/serverInfo") as server_info:
        server_info.always(cut)
        source = JiraSource("jira", url=f"http://127.0.0.1:{server_info.port}", board_id=42,
                            deployment="server", retry=FAST_RETRY)  # fmt: skip
        outcome = sync(source, store, Secret("t"))
    assert outcome.status == "failed"
    assert "connection dropped in the middle of the answer from /rest/api/2/serverInfo" in (
        outcome.error
    )
    assert "cannot reach" not in outcome.error


def test_quitting_abandons_a_hung_sync_at_once(store: Store) -> None:
    """Cancelled (the user quit, or pressed Ctrl-C), the sync returns at once; its thread is a
    daemon that no exiting process waits for, and it makes no further request."""
    from tests.fakes.blackhole import Blackhole

    async def cancel_after(seconds: float, source: JiraSource) -> float:
        job = SyncJob(source, connect_timeout=2.0, read_timeout=30.0, deadline=60.0)
        task = asyncio.create_task(
            sync_one(job, store, FrozenClock(FROZEN_NOW), secret=lambda _n: Secret("t"))
        )
        await asyncio.sleep(seconds)
        task.cancel()
        began = time.perf_counter()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return time.perf_counter() - began

    with Blackhole() as hole:
        source = JiraSource("jira", url=hole.url, board_id=42, deployment="server")
        began = time.perf_counter()
        cancelled_in = asyncio.run(cancel_after(1.0, source))
        returned_in = time.perf_counter() - began
        hung = [t for t in threading.enumerate() if t.name == "jira-sync"]
        assert hung and all(t.daemon for t in hung)
    assert cancelled_in < 0.5
    assert returned_in < 3.0  # asyncio.run did not wait for the blocked thread at exit
