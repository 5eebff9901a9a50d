"""A re-sync builds only on a snapshot made from the same query and fields.

Changing `jql` or `points_field` in the config, or the board's filter or estimation field in
Jira, used to keep the old issues and mix old and new point values, shown as fresh. These
tests change each between two syncs against the fake Jira and check that the second sync's
result is exactly what a first sync with the new settings gives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import parse_config
from cockpit.dashboard import load_dashboard
from cockpit.sources import build_jobs
from cockpit.store import Store
from cockpit.sync import sync_one
from cockpit.workspace import Workspace
from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import ORIGINAL_POINTS_FIELD, JiraBoardData, make_board
from tests.fakes.jira_server import FakeJira
from tests.integrations.test_jira_source import source_for, sync, token_for


@pytest.fixture
def cloud_board() -> JiraBoardData:
    return make_board(now=FROZEN_NOW, issues=260)


@pytest.fixture
def cloud(cloud_board: JiraBoardData) -> Iterator[FakeJira]:
    with FakeJira(cloud_board) as fake:
        yield fake
        assert fake.errors == []


LATER = timedelta(minutes=30)


def _issues(store: Store) -> dict[str, object]:
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    assert data is not None
    return {issue.key: issue for issue in data.issues}


def test_a_changed_jql_is_a_full_sync(
    cloud: FakeJira, cloud_board: JiraBoardData, store: Store
) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    everything = _issues(store)
    training = {
        k for k, r in cloud_board.issues.items() if r.project == "MLP" and "training" in r.labels
    }
    assert 0 < len(training) < len(everything)

    cloud_board.set_now(FROZEN_NOW + LATER)
    narrowed = source_for(cloud, jql="project = MLP AND labels = training ORDER BY Rank ASC")
    outcome = sync(narrowed, store, token_for(cloud), at=LATER)
    assert outcome.status == "ok", outcome.error

    # Only what the new query matches: nothing left over from the old one.
    assert set(_issues(store)) == training
    assert store.latest("jira").snapshot.sprint.jql.startswith("project = MLP AND labels")  # type: ignore[union-attr]


def test_a_changed_points_field_reads_every_issue_again(
    cloud: FakeJira, cloud_board: JiraBoardData, store: Store
) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    before = _issues(store)
    assert any(i.points != cloud_board.issues[k].original_points for k, i in before.items())  # type: ignore[attr-defined]

    cloud_board.set_now(FROZEN_NOW + LATER)
    cloud.reset_log()
    moved = source_for(cloud, points_field=ORIGINAL_POINTS_FIELD)
    outcome = sync(moved, store, token_for(cloud), at=LATER)
    assert outcome.status == "ok", outcome.error

    after = _issues(store)
    assert set(after) == set(before)
    # Every issue's estimate comes from the new field; none keeps a value from the old one.
    assert {k: i.points for k, i in after.items()} == {  # type: ignore[attr-defined]
        k: cloud_board.issues[k].original_points for k in after
    }
    data = store.latest("jira").snapshot.sprint  # type: ignore[union-attr]
    assert data.points_field == ORIGINAL_POINTS_FIELD
    # A full search with changelogs, not an incremental `updated >= -Nm` one.
    searches = [r for r in cloud.requests if r.path == "/rest/api/3/search/jql"]
    assert searches and not any("updated >=" in str(r.param("jql")) for r in searches)


def test_the_board_filter_changing_in_jira_is_a_full_sync(
    cloud: FakeJira, cloud_board: JiraBoardData, store: Store
) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    cloud.filter_jql = "project = MLP AND labels = eval ORDER BY Rank ASC"
    cloud_board.set_now(FROZEN_NOW + LATER)
    outcome = sync(source_for(cloud), store, token_for(cloud), at=LATER)
    assert outcome.status == "ok", outcome.error
    evaluated = {
        k for k, r in cloud_board.issues.items() if r.project == "MLP" and "eval" in r.labels
    }
    assert set(_issues(store)) == evaluated


def test_an_unchanged_basis_still_syncs_incrementally(
    cloud: FakeJira, cloud_board: JiraBoardData, store: Store
) -> None:
    assert sync(source_for(cloud), store, token_for(cloud)).status == "ok"
    cloud_board.set_now(FROZEN_NOW + LATER)
    cloud.reset_log()
    assert sync(source_for(cloud), store, token_for(cloud), at=LATER).status == "ok"
    searches = [str(r.param("jql")) for r in cloud.requests if r.path == "/rest/api/3/search/jql"]
    assert any("updated >=" in jql for jql in searches)


def _config(tmp_path: Path, fake: FakeJira, extra: str = "") -> Workspace:
    text = f"""
[cockpit]
store = "{tmp_path / "cache.sqlite"}"

[sources.jira]
kind = "jira"
url = "{fake.url}"
email = "{fake.email}"
board_id = 42
{extra}
"""
    config = parse_config(text, tmp_path / "config.toml")
    return Workspace(config, Store(tmp_path / "cache.sqlite"))


def _sync_workspace(workspace: Workspace, fake: FakeJira, at: timedelta) -> None:
    (job,) = build_jobs(workspace.config)
    clock = FrozenClock(FROZEN_NOW + at)
    outcome = asyncio.run(
        sync_one(job, workspace.store, clock, secret=lambda _name: token_for(fake))
    )
    assert outcome.status == "ok", outcome.error


def test_a_config_changed_between_two_syncs(cloud: FakeJira, tmp_path: Path) -> None:
    """Through the config file: the cached data says it came from other settings until the
    next sync, which starts from scratch."""
    first = _config(tmp_path, cloud)
    _sync_workspace(first, cloud, timedelta(0))
    fresh = first.dashboard(FROZEN_NOW + timedelta(minutes=1))
    assert fresh.sources[0].state.value == "fresh"

    changed = _config(tmp_path, cloud, 'jql = "project = MLP AND labels = data"')
    shown = load_dashboard(changed.store, changed.facts(), FROZEN_NOW + timedelta(minutes=1))
    (state,) = shown.sources
    assert state.state.value == "stale"
    assert "other settings" in state.error

    # Only the schedule changed: the data is still the config's own.
    slower = _config(tmp_path, cloud, "refresh_minutes = 60\ndeadline = 90")
    (state,) = slower.dashboard(FROZEN_NOW + timedelta(minutes=1)).sources
    assert state.state.value == "fresh"

    cloud.reset_log()
    _sync_workspace(changed, cloud, LATER)
    searches = [str(r.param("jql")) for r in cloud.requests if r.path == "/rest/api/3/search/jql"]
    assert searches and not any("updated >=" in jql for jql in searches)
    (state,) = changed.dashboard(FROZEN_NOW + LATER).sources
    assert state.state.value == "fresh" and state.error == ""
