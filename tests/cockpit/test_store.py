from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.models import CostData, CostRow, Person, Snapshot, TeamData
from cockpit.store import STORE_SCHEMA_VERSION, Store, StoreError, SyncAttempt

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def team(*names: str) -> Snapshot:
    return Snapshot(team=TeamData(tuple(Person(n, n.title(), "Europe/London") for n in names)))


def ok(source: str, at: datetime) -> SyncAttempt:
    return SyncAttempt(source, at, at + timedelta(seconds=1), "ok", bytes_in=10, requests=1)


def test_write_then_read_latest_round_trips(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0))
    store.write_snapshot(team("ana", "ben"), ok("roster", T0 + timedelta(minutes=5)))
    latest = store.latest("roster")
    assert latest is not None
    assert latest.snapshot == team("ana", "ben")
    assert latest.taken_at == T0 + timedelta(minutes=5, seconds=1)


def test_large_payloads_are_compressed_and_round_trip(store: Store) -> None:
    rows = tuple(
        CostRow(date(2026, 9, 1) + timedelta(days=n % 90), "aws", f"svc-{n % 7}", n * 1.5)
        for n in range(3000)
    )
    snapshot = Snapshot(cost=CostData(rows=rows))
    store.write_snapshot(snapshot, ok("aws", T0))
    with sqlite3.connect(store.path) as conn:
        (payload,) = conn.execute("SELECT payload FROM snapshots").fetchone()
    assert payload[:1] == b"Z"
    assert len(payload) < len(repr(rows)) / 5
    assert store.latest("aws").snapshot == snapshot  # type: ignore[union-attr]


def test_store_uses_wal_and_records_schema_version(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0))
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA_VERSION


def test_failed_attempt_never_touches_the_snapshot(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0))
    store.record_attempt(
        SyncAttempt("roster", T0 + timedelta(hours=1), T0 + timedelta(hours=1), "failed", "boom")
    )
    assert store.latest("roster").snapshot == team("ana")  # type: ignore[union-attr]
    last = store.last_attempts()["roster"]
    assert (last.status, last.error) == ("failed", "boom")


def test_a_crash_mid_write_leaves_the_old_snapshot(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0))

    def explode(*_args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    # The snapshot row is inserted first; failing on the log row must roll both back.
    monkeypatch.setattr(Store, "_insert_attempt", staticmethod(explode))
    with pytest.raises(StoreError):
        store.write_snapshot(team("ana", "ben"), ok("roster", T0 + timedelta(hours=1)))
    monkeypatch.undo()
    assert store.latest("roster").snapshot == team("ana")  # type: ignore[union-attr]
    assert len(store.snapshot_times("roster")) == 1


def test_latest_all_at_a_past_moment(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0 - timedelta(days=7)))
    store.write_snapshot(team("ana", "ben"), ok("roster", T0))
    past = store.latest_all(["roster"], at=T0 - timedelta(days=3))
    assert past["roster"].snapshot == team("ana")
    assert store.latest_all(["roster"])["roster"].snapshot == team("ana", "ben")
    assert store.latest_all(["roster"], at=T0 - timedelta(days=30)) == {}


def test_retention_keeps_14_days_then_one_a_day_for_a_year(store: Store) -> None:
    now = T0
    moments = []
    # Four snapshots a day for 400 days.
    for day in range(400):
        for hour in (1, 7, 13, 19):
            moments.append(now - timedelta(days=day, hours=hour))
    for moment in sorted(moments):
        store.write_snapshot(team("ana"), ok("roster", moment))
    dropped = store.prune(now)
    kept = store.snapshot_times("roster")
    assert dropped == len(moments) - len(kept)
    recent = [t for t in kept if t >= now - timedelta(days=14)]
    older = [t for t in kept if t < now - timedelta(days=14)]
    assert len(recent) == sum(
        1 for m in moments if m + timedelta(seconds=1) >= now - timedelta(days=14)
    )
    days = [t.date() for t in older]
    assert len(days) == len(set(days)), "more than one snapshot kept for an old day"
    assert min(older) >= now - timedelta(days=366)
    assert 340 <= len(older) <= 352


def test_retention_never_drops_a_sources_only_snapshot(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0 - timedelta(days=500)))
    store.prune(T0)
    assert store.latest("roster") is not None


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer cockpit"):
        Store(path).latest("roster")


def test_a_corrupt_file_is_a_store_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"cache\.sqlite"):
        Store(path).latest("roster")


def test_migrations_apply_once_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Store(path).write_snapshot(team("ana"), ok("roster", T0))
    again = Store(path)
    assert again.latest("roster") is not None
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"snapshots", "sync_log"} <= tables


def test_concurrent_first_use_migrates_once(tmp_path: Path) -> None:
    """Every source's sync opens the store from its own thread at start-up."""
    from concurrent.futures import ThreadPoolExecutor

    store = Store(tmp_path / "cache.sqlite")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.latest("roster"), range(16)))
    assert results == [None] * 16
    other_process_view = Store(tmp_path / "cache.sqlite")
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda n: other_process_view.write_snapshot(team("a"), ok(f"s{n}", T0)), range(4)
            )
        )
    assert set(other_process_view.last_attempts()) == {"s0", "s1", "s2", "s3"}
