"""Text is checked once, when a snapshot is written, not on every read.

The parsers clean what they read, and the store checks each snapshot it writes and marks a
payload that needs no cleaning, so the dashboard does not walk a 10,000-issue board's text on
every read. What the store does not vouch for is still cleaned on every read: payloads written
by earlier versions, snapshots that came with text to clean, and snapshots held in memory.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

import cockpit.dashboard
from cockpit.codec import decode_stored_snapshot, encode_snapshot
from cockpit.models import Board, Person, Snapshot, SprintData, TeamData
from cockpit.store import RECORD_SCHEMA_VERSION, Store, SyncAttempt, without_runs
from cockpit.text_safety import clean_record
from cockpit.workspace import open_user_workspace
from tests.conftest import FROZEN_NOW
from tests.test_hostile_text import (
    FORBIDDEN,
    FORBIDDEN_IN_LINE,
    MARKER,
    NASTY,
    _walk_strings,
    demo_at,
    hostile_workspace,
    poison,
    run_cli,
    sync_fake_board,
)


def _payload_of(store: Store, source: str) -> bytes:
    with sqlite3.connect(store.path) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM snapshots WHERE source = ? ORDER BY id DESC LIMIT 1", (source,)
        ).fetchone()
    return payload  # type: ignore[no-any-return]


def _write_as_an_older_version(store: Store, source: str, snapshot: Snapshot, at: datetime) -> None:
    """A snapshot row as a cockpit from before the check wrote it: the same record format,
    no mark, and whatever text its parsers let through."""
    store.write_snapshot(Snapshot(), SyncAttempt(source, at, at, "ok"))  # the schema, migrated
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with sqlite3.connect(store.path) as conn:
        conn.execute("DELETE FROM snapshots WHERE source = ?", (source,))
        conn.execute(
            "INSERT INTO snapshots (source, taken_at, schema_version, payload) VALUES (?, ?, ?, ?)",
            (source, stamp, RECORD_SCHEMA_VERSION, encode_snapshot(without_runs(snapshot))),
        )


def test_a_fresh_sync_stores_its_payload_clean_and_marked(tmp_path: Path) -> None:
    """A Jira board full of escapes, through the real source on a socket: the payload kept is
    clean and says so, and the JQL it was read with is kept as it was (a re-sync compares it)."""
    from tests.fakes.jira_data import make_board

    board = make_board(now=FROZEN_NOW, issues=12, closed_sprints=1)
    for record in board.issues.values():
        record.summary = f"{record.summary}{NASTY}"
    for sprint in board.sprints:
        sprint.goal = f"goal{NASTY}"
    store = Store(tmp_path / "cache.sqlite")
    outcome = sync_fake_board(board, store)
    assert outcome.status == "ok", outcome.error

    snapshot, marked = decode_stored_snapshot(_payload_of(store, "jira"))
    assert marked
    assert snapshot.sprint is not None and snapshot.sprint.jql
    assert any(s.goal == "goal[bold] " for s in snapshot.sprint.sprints)
    for text in _walk_strings(msgspec.structs.replace(snapshot.sprint, jql="", fields=())):
        assert not FORBIDDEN_IN_LINE.search(text), repr(text)
    stored = store.latest("jira")
    assert stored is not None and stored.text_clean


def test_a_board_filter_over_several_lines_is_kept_as_written_and_still_marked(
    tmp_path: Path,
) -> None:
    sprint = SprintData(
        Board(42, "MLP board"),
        jql="project = MLP\n\tAND labels = ml\r\nORDER BY Rank ASC",
        fields=("summary", "customfield_10016"),
    )
    store = Store(tmp_path / "cache.sqlite")
    store.write_snapshot(Snapshot(sprint=sprint), SyncAttempt("jira", FROZEN_NOW, FROZEN_NOW, "ok"))
    stored = store.latest("jira")
    assert stored is not None and stored.text_clean
    assert stored.snapshot.sprint == sprint  # a re-sync compares it with Jira's filter as is


def test_text_that_needs_cleaning_is_kept_as_it_came_and_not_marked(tmp_path: Path) -> None:
    """The store never changes what it keeps (a re-sync compares file paths and ids with the
    source's); it only leaves such a payload unmarked, so that every read cleans it."""
    hostile = Snapshot(team=TeamData((Person("ana", f"Ana{NASTY}", "Europe/London"),)))
    store = Store(tmp_path / "cache.sqlite")
    store.write_snapshot(hostile, SyncAttempt("team", FROZEN_NOW, FROZEN_NOW, "ok"))
    stored = store.latest("team")
    assert stored is not None and not stored.text_clean
    assert stored.snapshot == hostile


def test_an_earlier_version_reads_a_marked_payload() -> None:
    """The mark is one more key in the payload: a cockpit from before it ignores the key."""
    snapshot = Snapshot(team=TeamData((Person("ana", "Ana", "Europe/London"),)), settings_key="k")
    payload = encode_snapshot(snapshot, text_clean=True)
    assert payload[:1] == b"M"  # small: not compressed
    assert msgspec.msgpack.Decoder(Snapshot).decode(payload[1:]) == snapshot
    assert decode_stored_snapshot(payload) == (snapshot, True)
    assert decode_stored_snapshot(encode_snapshot(snapshot)) == (snapshot, False)


def _cleaned(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What the dashboard hands to `clean_record`, as it reads."""
    seen: list[Any] = []

    def spy(value: Any) -> Any:
        seen.append(value)
        return clean_record(value)

    monkeypatch.setattr(cockpit.dashboard, "clean_record", spy)
    return seen


def test_reads_of_marked_payloads_do_not_clean_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    workspace = hostile_workspace(tmp_path, demo_at(now), "demo: Jira said no", now)
    assert workspace.store.latest("demo").text_clean  # type: ignore[union-attr]
    seen = _cleaned(monkeypatch)
    dashboard = workspace.dashboard(now)
    # No snapshot, issue row or person is walked again; the rest, which may hold text from
    # the config, the sync log and what is kept beside the snapshots, still is.
    [rest] = seen
    assert isinstance(rest, cockpit.dashboard.Dashboard)
    assert rest.sprint is None and rest.team_data is None
    assert dashboard.sprint is not None and dashboard.sprint.issues and dashboard.team_data
    assert clean_record(dashboard) is dashboard  # nothing was left to clean


def test_a_payload_an_older_version_wrote_unclean_is_cleaned_on_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escapes in every text of every record of a payload without the mark: the issue rows
    and people, which reads of marked payloads do not walk, come out clean too."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    snapshot = poison(demo_at(now), lambda text: MARKER + NASTY + text + NASTY)
    workspace = hostile_workspace(tmp_path, demo_at(now), "demo: Jira said no", now)
    _write_as_an_older_version(workspace.store, "demo", snapshot, now - timedelta(minutes=2))
    assert not workspace.store.latest("demo").text_clean  # type: ignore[union-attr]

    seen = _cleaned(monkeypatch)
    dashboard = workspace.dashboard(now)
    assert any(isinstance(value, Snapshot) for value in seen)
    assert dashboard.sprint is not None and dashboard.team_data is not None
    for text in _walk_strings(dashboard.sprint) + _walk_strings(dashboard.team_data):
        assert not FORBIDDEN.search(text), repr(text)
    assert any(MARKER in row.summary for row in dashboard.sprint.issues)
    assert clean_record(dashboard) == dashboard

    monkeypatch.undo()
    status = json.loads(run_cli("status", "--config", str(tmp_path / "cockpit.toml"), "--json"))
    for text in _walk_strings(status):
        assert not FORBIDDEN.search(text), text


@pytest.mark.parametrize("days", [0, 3, 40])
def test_the_demo_held_in_memory_has_nothing_to_clean(tmp_path: Path, days: int) -> None:
    """The demo held in memory is marked clean without a check: its text must be."""
    config = tmp_path / "cockpit.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n[sources.demo]\nkind = "demo"\n',
        encoding="utf-8",
    )
    workspace = open_user_workspace(str(config))
    held = workspace._demo_at(FROZEN_NOW + timedelta(days=days))
    assert held.text_clean
    assert clean_record(held.snapshot) is held.snapshot
