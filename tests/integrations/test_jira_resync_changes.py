"""A Jira re-sync downloads in full only the issues whose `updated` moved, and the new ones.

The bytes are the fake Jira's own count of the response bodies it sent: deterministic, so the
ratios to a full sync are asserted exactly as the P5 goal states them (≤ 1 % with nothing
changed, ≤ 5 % after 10 changes), on a board of about 700 issues with recent activity.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.store import Store
from integrations import jira as jira_module
from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import JiraBoardData, make_board
from tests.fakes.jira_server import FakeJira, RecordedRequest
from tests.integrations.test_jira_source import source_for, sync, token_for

SEARCH = {"Cloud": "/rest/api/3/search/jql", "Server": "/rest/api/2/search"}


def _bytes(fake: FakeJira) -> int:
    return sum(r.response_bytes for r in fake.requests)


def _full_downloads(fake: FakeJira) -> list[RecordedRequest]:
    """Searches that brought whole issues (with their history), not ids or `updated`."""
    return [r for r in fake.requests if r.path.endswith(("/search", "/search/jql"))
            and "changelog" in str(r.param("expand") or "")]  # fmt: skip


def _issues(store: Store) -> dict[str, object]:
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    assert data is not None
    return {issue.key: issue for issue in data.issues}


def _busy_board(deployment: str = "Cloud") -> JiraBoardData:
    """About 700 issues, ten of them touched in the minutes before the first sync: a team at
    work, whose last changes fall inside the re-sync's safety margin."""
    board = make_board(now=FROZEN_NOW - timedelta(minutes=3), issues=700, deployment=deployment)
    for key in list(board.issues)[200:210]:
        board.touch(key, FROZEN_NOW - timedelta(minutes=2), labels=["touched"])
    board.set_now(FROZEN_NOW)
    return board


@pytest.fixture
def busy_board() -> JiraBoardData:
    return _busy_board()


@pytest.mark.parametrize("deployment", ["Cloud", "Server"])
def test_a_resync_with_nothing_changed_downloads_no_issue(deployment: str, store: Store) -> None:
    busy_board = _busy_board(deployment)
    with FakeJira(busy_board) as fake:
        assert sync(source_for(fake), store, token_for(fake)).status == "ok"
        full = _bytes(fake)
        before = _issues(store)
        fake.reset_log()
        busy_board.set_now(FROZEN_NOW + timedelta(minutes=1))
        outcome = sync(source_for(fake), store, token_for(fake), at=timedelta(minutes=1))
        assert outcome.status == "ok", outcome.error
        assert fake.errors == []
        # The ten issues in the margin were read as `updated` only: none came again in full.
        assert _full_downloads(fake) == []
        assert _issues(store) == before
        if deployment == "Cloud":
            assert _bytes(fake) <= full * 0.01, f"{_bytes(fake) / full:.2%} of a full sync"


def test_a_resync_after_ten_changes_moves_under_five_percent(
    busy_board: JiraBoardData, store: Store
) -> None:
    with FakeJira(busy_board) as fake:
        assert sync(source_for(fake), store, token_for(fake)).status == "ok"
        full = _bytes(fake)
        later = FROZEN_NOW + timedelta(minutes=30)
        busy_board.set_now(later)
        changed = list(busy_board.issues)[400:410]
        for key in changed:
            busy_board.touch(key, later, summary=f"{busy_board.issues[key].summary} (updated)")
        fake.reset_log()
        outcome = sync(source_for(fake), store, token_for(fake), at=timedelta(minutes=30))
        assert outcome.status == "ok", outcome.error
        resync = _bytes(fake)
        # Exactly the ten changed issues came in full, by id.
        (download,) = _full_downloads(fake)
        wanted = {str(busy_board.issues[k].id) for k in changed}
        assert set(str(download.param("jql")).split(" id in (")[1].rstrip(")").split(", ")) == (
            wanted
        )
    assert resync <= full * 0.05, f"{resync / full:.2%} of a full sync"
    issues = _issues(store)
    assert {k for k, i in issues.items() if i.summary.endswith("(updated)")} == set(changed)  # type: ignore[attr-defined]
    assert set(issues) == set(busy_board.issues)


@pytest.mark.parametrize("deployment", ["Cloud", "Server"])
def test_deleted_moved_created_and_touched_issues(deployment: str, store: Store) -> None:
    board = make_board(now=FROZEN_NOW, issues=260, deployment=deployment)
    with FakeJira(board) as fake:
        assert sync(source_for(fake), store, token_for(fake)).status == "ok"
        later = FROZEN_NOW + timedelta(minutes=30)
        board.set_now(later)
        keys = list(board.issues)
        board.touch(keys[5], later, status="Done")
        board.delete(keys[6])
        moved = board.move_out_of_board(keys[7], later)
        created = board.create(later, summary="Investigate GPU OOM in eval job", sprint=None)
        outcome = sync(source_for(fake), store, token_for(fake), at=timedelta(minutes=30))
        assert outcome.status == "ok", outcome.error
        assert fake.errors == []
    issues = _issues(store)
    assert set(issues) == {k for k, r in board.issues.items() if r.project == "MLP"}
    assert keys[6] not in issues and keys[7] not in issues and moved not in issues
    assert created in issues
    assert issues[keys[5]].status == "Done"  # type: ignore[attr-defined]


def test_sprints_that_open_and_close_apply_to_unchanged_issues(store: Store) -> None:
    """Starting or completing a sprint does not touch its issues' `updated`: the re-sync
    downloads none of them, and still moves them to the sprint that is open now."""
    board = make_board(now=FROZEN_NOW, issues=260)
    with FakeJira(board) as fake:
        assert sync(source_for(fake), store, token_for(fake)).status == "ok"
        active = board.active_sprint
        future = board.future_sprint
        assert active is not None and future is not None
        in_future = {k for k, r in board.issues.items() if future.id in r.sprint_ids}
        in_active = {k for k, r in board.issues.items() if r.sprint_ids[-1:] == [active.id]}
        assert in_future and in_active
        later = FROZEN_NOW + timedelta(days=1)
        active.state, active.complete = "closed", later
        future.state, future.start = "active", later
        board.set_now(later)
        fake.reset_log()
        outcome = sync(source_for(fake), store, token_for(fake), at=timedelta(days=1))
        assert outcome.status == "ok", outcome.error
        assert _full_downloads(fake) == []
    issues = _issues(store)
    assert {k for k, i in issues.items() if i.sprint_id == future.id} == in_future  # type: ignore[attr-defined]
    assert not any(issues[k].sprint_id == active.id for k in in_active)  # type: ignore[attr-defined]


def test_an_issue_deleted_between_the_listing_and_the_download(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira refuses a JQL that names an issue that no longer exists (400). The source lists the
    board again and downloads the changed issues that are still there."""
    board = make_board(now=FROZEN_NOW, issues=260)
    with FakeJira(board) as fake:
        assert sync(source_for(fake), store, token_for(fake)).status == "ok"
        later = FROZEN_NOW + timedelta(minutes=30)
        board.set_now(later)
        keys = list(board.issues)
        board.touch(keys[10], later, summary="Changed, then deleted")
        board.touch(keys[11], later, summary="Changed and kept")
        read_updated = jira_module._JiraApi.updated_of

        def then_delete(api: jira_module._JiraApi, jql: str) -> dict:
            found = read_updated(api, jql)
            if keys[10] in board.issues:
                board.delete(keys[10])
            return found

        monkeypatch.setattr(jira_module._JiraApi, "updated_of", then_delete)
        outcome = sync(source_for(fake), store, token_for(fake), at=timedelta(minutes=30))
        assert outcome.status == "ok", outcome.error
        assert [r.status for r in fake.requests].count(400) == 1
    issues = _issues(store)
    assert keys[10] not in issues
    assert issues[keys[11]].summary == "Changed and kept"  # type: ignore[attr-defined]
    assert set(issues) == set(board.issues)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


def test_server_progress_counts_the_whole_download_not_each_batch() -> None:
    """A Server re-sync downloads changed issues in batches of `id in (...)`; each search
    answers its own `total`, which must not replace the download's."""
    import threading

    from integrations.base import Progress, TrafficMeter

    board = make_board(now=FROZEN_NOW - timedelta(minutes=30), issues=400, deployment="Server")
    board.set_now(FROZEN_NOW)
    readings: list[str] = []

    class Watched(Progress):
        __slots__ = ()

        def advance(self, count: int = 1, *, total: int | None = None) -> None:
            super().advance(count, total=total)
            readings.append(self.read().describe())

    with FakeJira(board) as fake:
        source = source_for(fake, page_size=100)
        token = token_for(fake)
        first = source._sync(token, None, threading.Event(), TrafficMeter(), None, Progress())
        for key in list(board.issues)[:250]:
            board.touch(key, FROZEN_NOW + timedelta(minutes=1), labels=["reviewed"])
        board.set_now(FROZEN_NOW + timedelta(minutes=2))
        source._sync(token, first, threading.Event(), TrafficMeter(), None, Watched())
    downloads = [r for r in readings if not r.startswith("listing")]
    assert downloads and downloads[-1].endswith("of 250 issues")
    for reading in downloads:
        done, _of, total, _unit = reading.split()
        assert int(done) <= int(total), readings
