"""The local SQLite store: the only truth the UI, `status` and exports read.

Each complete sync of a source becomes one row in `snapshots`, written in a single
`BEGIN IMMEDIATE … COMMIT` together with its `sync_log` row, so a crash leaves either the old
snapshot or the new one. Failed attempts only add to `sync_log`; they never touch snapshots.

Connections are short-lived (one per operation), which keeps the store safe to use from the
sync engine's threads and the TUI's workers at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from cockpit.codec import decode_snapshot, encode_snapshot
from cockpit.models import Snapshot

# Bump when a record changes shape in a way old payloads cannot be decoded into.
RECORD_SCHEMA_VERSION = 1

KEEP_ALL_FOR = timedelta(days=14)
KEEP_DAILY_FOR = timedelta(days=365)

# Each entry migrates the database from its index to index + 1 (PRAGMA user_version).
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        payload BLOB NOT NULL
    );
    CREATE INDEX snapshots_by_source ON snapshots (source, taken_at);
    CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        bytes_in INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sync_log_by_source ON sync_log (source, started_at);
    """,
)
STORE_SCHEMA_VERSION = len(_MIGRATIONS)


class StoreError(Exception):
    """The cache file cannot be opened or is from a newer cockpit."""


class StoredSnapshot(msgspec.Struct, frozen=True):
    source: str
    taken_at: datetime
    snapshot: Snapshot


class SyncAttempt(msgspec.Struct, frozen=True):
    source: str
    started_at: datetime
    finished_at: datetime
    status: str  # "ok", "failed" or "offline"
    error: str = ""
    bytes_in: int = 0
    requests: int = 0

    @property
    def duration(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def _stamp(moment: datetime) -> str:
    # One fixed-width UTC form, so that text order is time order in SQL.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._migrated = False
        self._migration_lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the cache {self.path}: {exc}") from exc
        try:
            if not self._migrated:
                self._migrate(conn)
            yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the cache {self.path} is unreadable: {exc}") from exc
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Syncs open connections from several threads at once, and another cockpit process may
        # share the file: the version is read inside the write lock, so only one migrates.
        with self._migration_lock:
            if self._migrated:
                return
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > STORE_SCHEMA_VERSION:
                    raise StoreError(
                        f"the cache {self.path} was written by a newer cockpit (schema {version});"
                        " upgrade cockpit or point `store` in the config at another file"
                    )
                for target in range(version, STORE_SCHEMA_VERSION):
                    for statement in _MIGRATIONS[target].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {target + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._migrated = True

    # --- writing ----------------------------------------------------------------------

    def write_snapshot(self, snapshot: Snapshot, attempt: SyncAttempt) -> None:
        """Keep a complete sync: the snapshot and its log row land together or not at all."""
        payload = encode_snapshot(snapshot)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT INTO snapshots (source, taken_at, schema_version, payload)"
                    " VALUES (?, ?, ?, ?)",
                    (attempt.source, _stamp(attempt.finished_at), RECORD_SCHEMA_VERSION, payload),
                )
                self._insert_attempt(conn, attempt)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def record_attempt(self, attempt: SyncAttempt) -> None:
        """Log an attempt that produced no snapshot (failed, or skipped offline)."""
        with self._connect() as conn:
            self._insert_attempt(conn, attempt)

    @staticmethod
    def _insert_attempt(conn: sqlite3.Connection, attempt: SyncAttempt) -> None:
        conn.execute(
            "INSERT INTO sync_log (source, started_at, finished_at, status, error, bytes_in,"
            " requests) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                attempt.source,
                _stamp(attempt.started_at),
                _stamp(attempt.finished_at),
                attempt.status,
                attempt.error,
                attempt.bytes_in,
                attempt.requests,
            ),
        )

    def prune(self, now: datetime) -> int:
        """Apply the retention rule; returns how many snapshots were dropped.

        Everything from the last 14 days stays; older snapshots thin out to the last one of each
        day per source, and nothing older than a year is kept. A source's newest snapshot is
        never dropped, however old, because it is still what the screen shows.
        """
        keep_all_after = _stamp(now - KEEP_ALL_FOR)
        keep_daily_after = _stamp(now - KEEP_DAILY_FOR)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(
                    """
                    DELETE FROM snapshots WHERE taken_at < :all_after
                      AND id NOT IN (SELECT MAX(id) FROM snapshots GROUP BY source)
                      AND (taken_at < :daily_after OR id NOT IN (
                            SELECT MAX(id) FROM snapshots
                            GROUP BY source, substr(taken_at, 1, 10)))
                    """,
                    {"all_after": keep_all_after, "daily_after": keep_daily_after},
                )
                conn.execute("DELETE FROM sync_log WHERE started_at < ?", (keep_daily_after,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return cursor.rowcount

    # --- reading ----------------------------------------------------------------------

    def latest(self, source: str) -> StoredSnapshot | None:
        return self.latest_all([source]).get(source)

    def latest_all(
        self, sources: list[str] | None = None, *, at: datetime | None = None
    ) -> dict[str, StoredSnapshot]:
        """The newest readable snapshot of each source (of the given ones, if any).

        With `at`, the newest taken at or before that moment: what the screen showed then.
        """
        cutoff = _stamp(at) if at is not None else "9999"
        query = (
            "SELECT source, taken_at, payload FROM snapshots"
            " WHERE id IN (SELECT MAX(id) FROM snapshots"
            " WHERE schema_version = ? AND taken_at <= ? GROUP BY source)"
        )
        with self._connect() as conn:
            rows = conn.execute(query, (RECORD_SCHEMA_VERSION, cutoff)).fetchall()
        found: dict[str, StoredSnapshot] = {}
        for source, taken_at, payload in rows:
            if sources is not None and source not in sources:
                continue
            found[source] = StoredSnapshot(source, _parse_stamp(taken_at), decode_snapshot(payload))
        return found

    def history(self, source: str, since: datetime) -> list[StoredSnapshot]:
        """Every kept snapshot of a source from `since` on, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT taken_at, payload FROM snapshots WHERE source = ? AND taken_at >= ?"
                " AND schema_version = ? ORDER BY taken_at",
                (source, _stamp(since), RECORD_SCHEMA_VERSION),
            ).fetchall()
        return [StoredSnapshot(source, _parse_stamp(t), decode_snapshot(p)) for t, p in rows]

    def snapshot_times(self, source: str) -> list[datetime]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT taken_at FROM snapshots WHERE source = ? ORDER BY taken_at", (source,)
            ).fetchall()
        return [_parse_stamp(row[0]) for row in rows]

    def last_attempts(self) -> dict[str, SyncAttempt]:
        """The most recent sync attempt of each source, successful or not."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT source, started_at, finished_at, status, error, bytes_in, requests"
                " FROM sync_log WHERE id IN (SELECT MAX(id) FROM sync_log GROUP BY source)"
            ).fetchall()
        return {
            row[0]: SyncAttempt(
                row[0], _parse_stamp(row[1]), _parse_stamp(row[2]), row[3], row[4], row[5], row[6]
            )
            for row in rows
        }

    def attempts(self, source: str, limit: int = 50) -> list[SyncAttempt]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT source, started_at, finished_at, status, error, bytes_in, requests"
                " FROM sync_log WHERE source = ? ORDER BY id DESC LIMIT ?",
                (source, limit),
            ).fetchall()
        return [
            SyncAttempt(r[0], _parse_stamp(r[1]), _parse_stamp(r[2]), r[3], r[4], r[5], r[6])
            for r in rows
        ]
