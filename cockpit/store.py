"""The local SQLite store: the only truth the UI, `status` and exports read.

Each complete sync of a source becomes one row in `snapshots`, written in a single
`BEGIN IMMEDIATE … COMMIT` together with its `sync_log` row, so a crash leaves either the old
snapshot or the new one. Failed attempts only add to `sync_log`; they never touch snapshots.

Connections are short-lived (one per operation), which keeps the store safe to use from the
sync engine's threads and the TUI's workers at once.

A cache this user may read but not change (a read-only file or folder) is opened with SQLite's
`mode=ro`: it can still be shown, and only writing to it fails, with a message that says so. Every
failure is a `StoreError` whose `cause` says which kind it is, so that the advice fits it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from cockpit.codec import decode_snapshot, encode_snapshot
from cockpit.models import Snapshot
from cockpit.redact import redact_url

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


# SQLite's primary result codes (`sqlite3.Error.sqlite_errorcode & 0xFF`).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 14, 26


class StoreError(Exception):
    """The cache cannot be used: `problem` says what is wrong, `fix` what to do about it.

    `cause` is "corrupt" (damaged, or not a cockpit cache), "newer" (written by a newer
    cockpit), "read-only" (this user may not change it), "busy" or "unavailable".
    """

    def __init__(self, problem: str, fix: str = "", *, cause: str = "unavailable") -> None:
        super().__init__(f"{problem}; {fix}" if fix else problem)
        self.problem = problem
        self.fix = fix
        self.cause = cause


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


class StoredSnapshot(msgspec.Struct, frozen=True, gc=False):
    source: str
    taken_at: datetime
    snapshot: Snapshot


class SyncAttempt(msgspec.Struct, frozen=True, gc=False):
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

    # --- opening ----------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def read_only(self) -> bool:
        """True when the cache exists but this user may not change it.

        The folder counts too: SQLite writes its journal files beside the cache.
        """
        if not self.path.exists():
            return False
        return not (_writable(self.path) and _writable(self.path.parent))

    def check(self) -> None:
        """Open the cache and read what the screen shows, so that a damaged file, or one from
        a newer cockpit, is reported as one line before anything else starts."""
        self.latest_all()
        self.last_attempts()

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        doing = "write to" if write else "read"
        if self.read_only():
            if write:
                raise self._read_only_error(doing)
            conn = self._open_read_only()
        else:
            try:
                conn = self._open(doing)
            except StoreError as exc:
                # Permissions the checks above cannot see (a read-only mount, an ACL): reading
                # can still go ahead without the migration and journal set-up that failed.
                if write or exc.cause != "read-only" or not self.path.exists():
                    raise
                conn = self._open_read_only()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise self._error(exc, doing) from exc
        finally:
            conn.close()

    def _open(self, doing: str) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc, doing) from exc
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            if not self._migrated:
                self._migrate(conn)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc, doing) from exc
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        # With `mode=ro` SQLite itself refuses every write, so nothing here may migrate the file
        # or change its journal mode: a cache that needs either is refused with the reason.
        uri = self.path.resolve().as_uri() + "?mode=ro"
        # In a read-only folder SQLite cannot create the WAL's shared-memory file beside the
        # cache; `immutable=1` then reads the file as it stands, without one.
        for options in ("", "&immutable=1"):
            try:
                conn = sqlite3.connect(uri + options, uri=True, timeout=10.0, isolation_level=None)
            except sqlite3.Error as exc:
                raise self._error(exc, "read") from exc
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                break
            except sqlite3.Error as exc:
                conn.close()
                if _code(exc) != _SQLITE_CANTOPEN or options:
                    raise self._error(exc, "read") from exc
        if version > STORE_SCHEMA_VERSION:
            conn.close()
            raise self._newer_error(version)
        if version < STORE_SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"the cache {self.path} is read-only for this user ({self._why_read_only()}) and"
                f" needs an upgrade from schema {version} to {STORE_SCHEMA_VERSION} before it"
                " can be read, which needs write permission",
                f"make it writable ({self._chmod_hint()}) and run cockpit again, or point"
                " `store` in [cockpit] at another file",
                cause="read-only",
            )
        return conn

    # --- errors, in words that fit the cause ------------------------------------------

    def _error(self, exc: BaseException, doing: str) -> StoreError:
        if isinstance(exc, StoreError):
            return exc
        code = _code(exc)
        detail = str(exc)
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in detail:
            return self._corrupt_error(detail)
        if code in (_SQLITE_READONLY, _SQLITE_PERM) or isinstance(exc, PermissionError):
            return self._read_only_error(doing, detail)
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return StoreError(
                f"the cache {self.path} is busy ({detail})",
                "another cockpit is writing to it; try again in a moment",
                cause="busy",
            )
        return StoreError(
            f"cannot {doing} the cache {self.path}: {detail}",
            "check that its folder exists and is writable, or point `store` in [cockpit] at"
            " another file",
        )

    def _corrupt_error(self, detail: str) -> StoreError:
        return StoreError(
            f"the cache {self.path} is damaged or is not a cockpit cache ({detail})",
            f"it only holds copies of your sources' data: move it aside (for example to"
            f" {self.path.name}.broken) and run `cockpit sync` to rebuild it",
            cause="corrupt",
        )

    def _newer_error(self, version: int) -> StoreError:
        return StoreError(
            f"the cache {self.path} was written by a newer cockpit (schema {version}; this one"
            f" reads up to {STORE_SCHEMA_VERSION}); it was left as it is",
            "upgrade cockpit, or point `store` in [cockpit] at another file",
            cause="newer",
        )

    def _why_read_only(self) -> str:
        if self.path.exists() and not _writable(self.path):
            return "the file is read-only"
        if not _writable(self.path.parent):
            return f"its folder {self.path.parent} is read-only"
        return "permission denied"

    def _chmod_hint(self) -> str:
        if self.path.exists() and not _writable(self.path):
            return f"chmod u+w {self.path}"
        return f"chmod u+w {self.path.parent}"

    def _read_only_error(self, doing: str, detail: str = "") -> StoreError:
        why = self._why_read_only()
        if detail and why == "permission denied":
            why = detail
        return StoreError(
            f"cannot {doing} the cache {self.path}: {why} for this user (permissions)",
            f"fix the permissions ({self._chmod_hint()}), or point `store` in [cockpit] at a"
            " file you may write",
            cause="read-only",
        )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Syncs open connections from several threads at once, and another cockpit process may
        # share the file: the version is read inside the write lock, so only one migrates.
        with self._migration_lock:
            if self._migrated:
                return
            # A newer cockpit's file is refused before anything touches it, the journal mode
            # included (switching to WAL rewrites the file's header).
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > STORE_SCHEMA_VERSION:
                raise self._newer_error(version)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > STORE_SCHEMA_VERSION:
                    raise self._newer_error(version)
                for target in range(version, STORE_SCHEMA_VERSION):
                    for statement in _MIGRATIONS[target].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {target + 1}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._migrated = True

    # --- writing ----------------------------------------------------------------------

    def write_snapshot(self, snapshot: Snapshot, attempt: SyncAttempt) -> None:
        """Keep a complete sync: the snapshot and its log row land together or not at all."""
        payload = encode_snapshot(snapshot)
        with self._connect(write=True) as conn:
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
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def record_attempt(self, attempt: SyncAttempt) -> None:
        """Log an attempt that produced no snapshot (failed, or skipped offline)."""
        with self._connect(write=True) as conn:
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
                # An error may quote a URL; a password in it must not be kept on disk.
                redact_url(attempt.error),
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
        with self._connect(write=True) as conn:
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
                if conn.in_transaction:
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
            found[source] = StoredSnapshot(
                source, _parse_stamp(taken_at), self._decode(source, payload)
            )
        return found

    def latest_times(self) -> dict[str, datetime]:
        """When each source's newest readable snapshot was taken: a query, nothing decoded.
        "Is there anything for the demo?" and "is this source due?" ask this."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT source, MAX(taken_at) FROM snapshots WHERE schema_version = ?"
                " GROUP BY source",
                (RECORD_SCHEMA_VERSION,),
            ).fetchall()
        return {source: _parse_stamp(taken_at) for source, taken_at in rows}

    def history(self, source: str, since: datetime) -> list[StoredSnapshot]:
        """Every kept snapshot of a source from `since` on, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT taken_at, payload FROM snapshots WHERE source = ? AND taken_at >= ?"
                " AND schema_version = ? ORDER BY taken_at",
                (source, _stamp(since), RECORD_SCHEMA_VERSION),
            ).fetchall()
        return [StoredSnapshot(source, _parse_stamp(t), self._decode(source, p)) for t, p in rows]

    def _decode(self, source: str, payload: bytes) -> Snapshot:
        try:
            return decode_snapshot(payload)
        except (ValueError, zlib.error, msgspec.DecodeError) as exc:
            raise self._corrupt_error(f"the snapshot of {source} cannot be decoded: {exc}") from exc

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
                row[0],
                _parse_stamp(row[1]),
                _parse_stamp(row[2]),
                row[3],
                redact_url(row[4]),  # rows from before errors were redacted when written
                row[5],
                row[6],
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
            SyncAttempt(
                r[0], _parse_stamp(r[1]), _parse_stamp(r[2]), r[3], redact_url(r[4]), r[5], r[6]
            )
            for r in rows
        ]


def _code(exc: BaseException) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
