"""The local SQLite store: the only truth the UI, `status` and exports read.

Each complete sync of a source becomes one row in `snapshots`, written in a single
`BEGIN IMMEDIATE … COMMIT` together with its `sync_log` row, so a crash leaves either the old
snapshot or the new one. Failed attempts only add to `sync_log`; they never touch snapshots.

Connections are short-lived (one per operation), which keeps the store safe to use from the
sync engine's threads and the TUI's workers at once.

A tracker may hold 50,000 runs, so an experiment source's runs are kept apart from its snapshot:
they are cut into chunks (one experiment's runs started in one ISO week), and each chunk is
stored once, keyed by a hash of its bytes, however many snapshots refer to it. Old weeks do not
change, so a re-sync adds only the chunks of the weeks that moved, and the snapshot row itself
(records, experiments, models and the digests every panel shows) stays small: reading it costs
the same at 50 runs or 50,000. Runs are read only when asked for (`with_runs=True`,
`load_runs`): the leaderboard screen and an incremental re-sync need them, the first frame and
`cockpit status` do not.

A cache this user may read but not change (a read-only file or folder) is opened with SQLite's
`mode=ro`: it can still be shown, and only writing to it fails, with a message that says so. Every
failure is a `StoreError` whose `cause` says which kind it is, so that the advice fits it.

Text from sources must never steer the terminal (`cockpit.text_safety`). The parsers clean
what they read; the store checks each snapshot it writes, once, and marks a payload whose text
needs no cleaning. A read hands the mark on (`StoredSnapshot.text_clean`), and the dashboard
cleans only what is not marked: payloads of earlier versions (which may hold text from before
the parsers cleaned it), a snapshot that came with text to clean (kept as it came: the store
never changes what it keeps, since a re-sync compares some of it, such as file paths, with the
source), and snapshots held in memory. The runs and cost roll-ups kept apart are not covered
by the mark: whoever reads them cleans what it shows of them (the leaderboard, the cost
summary).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec

from cockpit.codec import (
    compress_chunk,
    decode_cost_rows,
    decode_run_order,
    decode_runs,
    decode_snapshot,
    decode_stored_snapshot,
    encode_cost_rows,
    encode_run_order,
    encode_runs,
    encode_snapshot,
)
from cockpit.models import BoundValue, CostRow, KrPoint, Run, Snapshot
from cockpit.redact import redact_url
from cockpit.text_safety import clean_record

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
    # Runs apart from their snapshots: each chunk once, keyed by the hash of its bytes, and
    # which chunks (in order) make up a snapshot's runs. `runs_order` says how the runs of
    # several chunks interleave, when they do (NULL: one chunk after the other). Payloads
    # written before this keep their runs inside and are read as they are.
    """
    CREATE TABLE run_chunks (
        digest BLOB PRIMARY KEY,
        runs INTEGER NOT NULL,
        raw_size INTEGER NOT NULL,
        payload BLOB NOT NULL
    );
    CREATE TABLE snapshot_runs (
        snapshot_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        digest BLOB NOT NULL,
        PRIMARY KEY (snapshot_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX snapshot_runs_by_chunk ON snapshot_runs (digest);
    ALTER TABLE snapshots ADD COLUMN runs_order BLOB;
    """,
    # Paid API calls a source made each UTC day (AWS Cost Explorer bills each one), counted
    # whether or not its sync succeeded; and the notices (cost alerts) a TUI has shown once.
    """
    CREATE TABLE paid_calls (
        source TEXT NOT NULL,
        day TEXT NOT NULL,
        calls INTEGER NOT NULL,
        PRIMARY KEY (source, day)
    ) WITHOUT ROWID;
    CREATE TABLE notices (
        key TEXT PRIMARY KEY,
        shown_at TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # Cost roll-ups apart from their snapshots (a FOCUS export holds 100,000 and more), each
    # set stored once under the hash of its bytes: a re-sync that changed nothing adds none.
    # And the cost summaries the dashboard built, by what they were built from, so that
    # `status` and the first frame need not read and sum every roll-up again. Payloads
    # written before this keep their rows inside and are read as they are.
    """
    CREATE TABLE cost_rows (
        digest BLOB PRIMARY KEY,
        rows INTEGER NOT NULL,
        raw_size INTEGER NOT NULL,
        payload BLOB NOT NULL
    );
    CREATE TABLE snapshot_cost (
        snapshot_id INTEGER PRIMARY KEY,
        digest BLOB NOT NULL
    );
    CREATE INDEX snapshot_cost_by_rows ON snapshot_cost (digest);
    CREATE TABLE cost_summaries (
        key BLOB PRIMARY KEY,
        made_at TEXT NOT NULL,
        payload BLOB NOT NULL
    ) WITHOUT ROWID;
    """,
    # Key results bound to live figures: each resolved value, recorded at every sync. A row
    # stands for a stretch of syncs that saw the same thing (first_seen..last_seen), so the
    # history of a quarter stays small and says when a value changed.
    """
    CREATE TABLE kr_values (
        source TEXT NOT NULL,
        kr TEXT NOT NULL,
        value REAL,
        origin TEXT NOT NULL,
        detail TEXT NOT NULL,
        error TEXT NOT NULL,
        as_of TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE INDEX kr_values_by_kr ON kr_values (source, kr, last_seen);
    """,
    # The outbox (cockpit/outbox.py): weekly summaries to send, committed before anything is
    # sent, so that a message survives being offline, a failing server and a crash. `body` is
    # the rendered text, never a secret. `claimed_by`/`claimed_at` say which process took it
    # into `sending` and when: a `sending` row whose process is gone was interrupted.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        idem_key TEXT NOT NULL UNIQUE,
        destination TEXT NOT NULL,
        week TEXT NOT NULL,
        format TEXT NOT NULL,
        masked INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        next_try_at TEXT,
        claimed_by TEXT NOT NULL DEFAULT '',
        claimed_at TEXT,
        sent_at TEXT,
        remote_ref TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outbox_by_state ON outbox (state, next_try_at);
    CREATE INDEX outbox_by_week ON outbox (destination, week);
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


# A week of one experiment's runs is usually a few hundred; a busier one is cut into pieces of
# at most this many, so that no chunk is a large share of the runs.
MAX_RUNS_PER_CHUNK = 2000
# Decoded chunks of runs by their key, kept by a caller that reads runs again and again (the
# leaderboard after each sync). A chunk's runs never change (its key is the hash of its bytes),
# so a read after a re-sync decodes only the chunks that are new. About 2.5 KiB per run: the
# store keeps none itself, so that runs read once (a re-sync's basis) are not held.
DecodedChunks = dict[bytes, tuple[Run, ...]]

# Cost summaries kept (one per set of inputs, e.g. the TUI's and an export's): the newest.
KEEP_COST_SUMMARIES = 8

# SQLite allows 32,766 `?` per statement; lists of chunk keys are sent in batches.
_BATCH = 500


class StoredSnapshot(msgspec.Struct, frozen=True, gc=False):
    source: str
    taken_at: datetime
    snapshot: Snapshot
    # The row it was read from (0: not from the store, e.g. the demo held in memory):
    # `Store.load_runs` reads its runs by it.
    snapshot_id: int = 0
    # True: its text was found clean when it was written (`needs_no_cleaning`; the runs and
    # cost roll-ups kept apart are not covered), so it need not be cleaned again. False for
    # payloads of earlier versions, ones written with text to clean, and snapshots that did
    # not come from the store.
    text_clean: bool = False


class _Chunk(msgspec.Struct, frozen=True, gc=False):
    digest: bytes
    runs: list[Run]
    raw: bytes | None  # None: known to be stored already, not encoded again


class _CostBlob(msgspec.Struct, frozen=True, gc=False):
    digest: bytes
    payload: bytes | None  # compressed; None: known to be stored already
    raw_size: int


class SyncAttempt(msgspec.Struct, frozen=True, gc=False):
    source: str
    started_at: datetime
    finished_at: datetime
    status: str  # "ok", "failed", "held" (a paid API's calls for today used) or "offline"
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


def without_runs(snapshot: Snapshot) -> Snapshot:
    """The snapshot as the dashboard reads it: experiments, models and digests, no runs."""
    data = snapshot.experiments
    if data is None or not data.runs:
        return snapshot
    return msgspec.structs.replace(snapshot, experiments=msgspec.structs.replace(data, runs=()))


def without_cost_rows(snapshot: Snapshot) -> Snapshot:
    """The snapshot as reads return it: its cost data without the roll-ups, saying how many
    the store keeps apart."""
    data = snapshot.cost
    if data is None or not data.rows:
        return snapshot
    apart = msgspec.structs.replace(data, rows=(), rows_apart=len(data.rows))
    return msgspec.structs.replace(snapshot, cost=apart)


def needs_no_cleaning(snapshot: Snapshot) -> bool:
    """True when `text_safety.clean_record` would give the snapshot back as it is: checked once
    when it is written (0.3 s for a 10,000-issue board), so that no read has to clean it.

    The JQL and the fields a board's issues were read with are not checked: a re-sync compares
    them with Jira's as Jira wrote them (a filter's JQL may span lines), and no view shows
    them. A view that did would have to clean them itself.
    """
    sprint = snapshot.sprint
    if sprint is not None and (sprint.jql or sprint.fields):
        bare = msgspec.structs.replace(sprint, jql="", fields=())
        snapshot = msgspec.structs.replace(snapshot, sprint=bare)
    return clean_record(snapshot) is snapshot


def _week(started: datetime | None) -> tuple[int, int] | None:
    if started is None:
        return None
    year, week, _day = started.astimezone(UTC).isocalendar()
    return (year, week)


def split_runs(runs: Sequence[Run]) -> tuple[list[list[Run]], list[tuple[int, int]] | None]:
    """Cut runs into chunks: one per experiment and ISO week of their start (oldest weeks never
    change, so their chunks are shared by every later snapshot), in the order they first
    appear, each keeping its runs' order. Returns the chunks, and how the runs interleave
    across them as (chunk, how many) segments, or None when they simply follow each other."""
    groups: dict[tuple[str, tuple[int, int] | None], list[Run]] = {}
    group_of: list[list[Run]] = []
    for run in runs:
        group = groups.setdefault((run.experiment, _week(run.started)), [])
        group.append(run)
        group_of.append(group)
    chunks: list[list[Run]] = []
    first_chunk: dict[int, int] = {}
    for group in groups.values():
        first_chunk[id(group)] = len(chunks)
        chunks.extend(
            group[i : i + MAX_RUNS_PER_CHUNK] for i in range(0, len(group), MAX_RUNS_PER_CHUNK)
        )
    # Which chunk each run went to, in the runs' own order, run-length encoded.
    taken: dict[int, int] = {}
    segments: list[list[int]] = []
    for group in group_of:
        seen = taken.get(id(group), 0)
        taken[id(group)] = seen + 1
        chunk = first_chunk[id(group)] + seen // MAX_RUNS_PER_CHUNK
        if segments and segments[-1][0] == chunk:
            segments[-1][1] += 1
        else:
            segments.append([chunk, 1])
    if [chunk for chunk, _count in segments] == list(range(len(chunks))):
        return chunks, None
    return chunks, [(chunk, count) for chunk, count in segments]


def join_runs(
    chunks: Sequence[Sequence[Run]], order: Iterable[tuple[int, int]] | None
) -> tuple[Run, ...]:
    """The runs `split_runs` cut, in their original order."""
    if order is None:
        return tuple(run for chunk in chunks for run in chunk)
    cursors = [iter(chunk) for chunk in chunks]
    joined: list[Run] = []
    for chunk, count in order:
        cursor = cursors[chunk]
        joined.extend(next(cursor) for _ in range(count))
    return tuple(joined)


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

    def check(self, *, thorough: bool = False) -> None:
        """Open the cache and read what the screen shows, so that a damaged file, or one from
        a newer cockpit, is reported as one line before anything else starts.

        `thorough` also asks SQLite to walk every page (`PRAGMA quick_check`): a damaged page
        that no snapshot read touches is found too. `cockpit sync` asks for it before it
        writes; a start of the TUI does not pay for it."""
        if thorough and self.exists():
            with self._connect() as conn:
                found = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
            if found != ["ok"]:
                # SQLite's report spans lines ("*** in database main ***"): one line here.
                raise self._corrupt_error(" ".join("; ".join(found).split()))
        self.latest_all()
        self.last_attempts()

    def set_aside(self, now: datetime) -> Path:
        """Rename a damaged cache (with its WAL and shared-memory files) to
        `NAME.damaged-YYYYmmddTHHMMSSZ` beside it, kept, and forget the migration: the next
        open starts a new, empty cache at the same path. Returns where the old file went.

        The WAL goes with it: left behind, SQLite would replay its pages into the new file."""
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        tries = 1
        while target.exists():
            tries += 1
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{tries}")
        try:
            os.replace(self.path, target)
            for suffix in ("-wal", "-shm", "-journal"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    os.replace(companion, target.with_name(target.name + suffix))
        except OSError as exc:
            raise StoreError(
                f"the cache {self.path} is damaged and cannot be set aside ({exc})",
                f"move it aside yourself (for example to {target.name}) and run `cockpit sync`",
                cause="corrupt",
            ) from exc
        self._migrated = False
        return target

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
            "it only holds copies of your sources' data: the next `cockpit sync` sets it"
            " aside (renamed and kept beside it) and rebuilds it",
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

    def write_snapshot(
        self, snapshot: Snapshot, attempt: SyncAttempt, *, previous: StoredSnapshot | None = None
    ) -> None:
        """Keep a complete sync: the snapshot, the chunks of its runs that are new, the links to
        all of them and its log row land together or not at all.

        `previous`, the snapshot an incremental sync built on (read from this store with its
        runs), saves work: a chunk whose runs are the very objects of one of its chunks is
        known without encoding or hashing it again.
        """
        runs = snapshot.experiments.runs if snapshot.experiments is not None else ()
        cost_rows = snapshot.cost.rows if snapshot.cost is not None else ()
        if snapshot.cost is not None and snapshot.cost.rows_apart and not cost_rows:
            # Read without its roll-ups: writing it would lose them.
            raise ValueError("a snapshot read without its cost rows cannot be written back")
        kept = without_cost_rows(without_runs(snapshot))
        payload = encode_snapshot(kept, text_clean=needs_no_cleaning(kept))
        with self._connect(write=True) as conn:
            cost = self._cost_blob(conn, cost_rows, previous) if cost_rows else None
            chunks, order = _chunks_of(runs, self._reusable(conn, previous) if runs else {})
            order_blob = encode_run_order(order) if order is not None else None
            # Compressing is the slow part: it is done before the write lock is taken, and only
            # for chunks the store does not hold yet.
            known = _known_digests(conn, [c.digest for c in chunks])
            compressed = {
                c.digest: compress_chunk(c.raw)
                for c in chunks
                if c.digest not in known and c.raw is not None
            }
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(
                    "INSERT INTO snapshots (source, taken_at, schema_version, payload, runs_order)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        attempt.source,
                        _stamp(attempt.finished_at),
                        RECORD_SCHEMA_VERSION,
                        payload,
                        order_blob,
                    ),
                )
                snapshot_id = cursor.lastrowid
                # Asked again inside the lock: a prune may have dropped a chunk since.
                present = _known_digests(conn, [c.digest for c in chunks])
                for chunk in chunks:
                    if chunk.digest in present:
                        continue
                    # Known from `previous` without encoding it, and pruned since: rare.
                    raw = chunk.raw if chunk.raw is not None else encode_runs(chunk.runs)
                    present.add(chunk.digest)
                    conn.execute(
                        "INSERT INTO run_chunks (digest, runs, raw_size, payload)"
                        " VALUES (?, ?, ?, ?)",
                        (
                            chunk.digest,
                            len(chunk.runs),
                            len(raw),
                            compressed.get(chunk.digest) or compress_chunk(raw),
                        ),
                    )
                conn.executemany(
                    "INSERT INTO snapshot_runs (snapshot_id, position, digest) VALUES (?, ?, ?)",
                    [(snapshot_id, position, c.digest) for position, c in enumerate(chunks)],
                )
                if cost is not None:
                    self._insert_cost_rows(conn, snapshot_id, cost_rows, cost)
                self._insert_attempt(conn, attempt)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _cost_blob(
        self,
        conn: sqlite3.Connection,
        rows: tuple[CostRow, ...],
        previous: StoredSnapshot | None,
    ) -> _CostBlob:
        """The key of these roll-ups, and their compressed bytes when the store lacks them.
        The very rows of `previous` (a re-sync that found no file changed) are known by the
        key stored for it, without encoding them again."""
        old = previous.snapshot.cost if previous is not None else None
        if previous is not None and previous.snapshot_id and old is not None and old.rows is rows:
            row = conn.execute(
                "SELECT digest FROM snapshot_cost WHERE snapshot_id = ?", (previous.snapshot_id,)
            ).fetchone()
            if row is not None:
                return _CostBlob(row[0], None, 0)
        # hashlib loads OpenSSL: only a write of roll-ups pays for it, never `cockpit status`.
        from hashlib import blake2b

        raw = encode_cost_rows(rows)
        digest = blake2b(raw, digest_size=20).digest()
        if _known_cost(conn, digest):
            return _CostBlob(digest, None, len(raw))
        return _CostBlob(digest, compress_chunk(raw), len(raw))

    @staticmethod
    def _insert_cost_rows(
        conn: sqlite3.Connection, snapshot_id: int, rows: tuple[CostRow, ...], blob: _CostBlob
    ) -> None:
        # Asked again inside the lock: a prune may have dropped these rows since.
        if not _known_cost(conn, blob.digest):
            raw = encode_cost_rows(rows) if blob.payload is None else b""
            conn.execute(
                "INSERT INTO cost_rows (digest, rows, raw_size, payload) VALUES (?, ?, ?, ?)",
                (
                    blob.digest,
                    len(rows),
                    blob.raw_size or len(raw),
                    blob.payload if blob.payload is not None else compress_chunk(raw),
                ),
            )
        conn.execute(
            "INSERT INTO snapshot_cost (snapshot_id, digest) VALUES (?, ?)",
            (snapshot_id, blob.digest),
        )

    def _reusable(self, conn: sqlite3.Connection, previous: StoredSnapshot | None) -> _Reusable:
        """The chunks of `previous`, by the identity of their first run. They are cut again
        from its runs (cutting is deterministic) and matched with its links by position."""
        data = previous.snapshot.experiments if previous is not None else None
        if previous is None or data is None or not data.runs or not previous.snapshot_id:
            return {}
        stored = conn.execute(
            "SELECT l.digest, c.runs FROM snapshot_runs l JOIN run_chunks c USING (digest)"
            " WHERE l.snapshot_id = ? ORDER BY l.position",
            (previous.snapshot_id,),
        ).fetchall()
        groups, _order = split_runs(data.runs)
        if [len(g) for g in groups] != [count for _digest, count in stored]:
            return {}  # not what this store holds for it (e.g. written before chunks)
        return {id(g[0]): (g, digest) for g, (digest, _count) in zip(groups, stored, strict=True)}

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

    # --- paid calls and notices ----------------------------------------------------------

    def paid_calls_used(self, source: str, day: date) -> int:
        """Paid calls `source` made on `day` (UTC)."""
        if not self.exists():
            return 0
        with self._connect() as conn:
            row = conn.execute(
                "SELECT calls FROM paid_calls WHERE source = ? AND day = ?",
                (source, day.isoformat()),
            ).fetchone()
        return int(row[0]) if row else 0

    def add_paid_calls(self, source: str, day: date, calls: int) -> None:
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO paid_calls (source, day, calls) VALUES (?, ?, ?)"
                " ON CONFLICT (source, day) DO UPDATE SET calls = calls + excluded.calls",
                (source, day.isoformat(), calls),
            )

    def notices_seen(self, keys: Iterable[str]) -> set[str]:
        """Which of these notices (cost alerts' keys) were shown already."""
        wanted = sorted(set(keys))
        if not wanted or not self.exists():
            return set()
        seen: set[str] = set()
        with self._connect() as conn:
            for batch in _batches(wanted):
                marks = ",".join("?" * len(batch))
                rows = conn.execute(f"SELECT key FROM notices WHERE key IN ({marks})", batch)
                seen.update(row[0] for row in rows)
        return seen

    def mark_notices(self, keys: Iterable[str], at: datetime) -> None:
        rows = [(key, _stamp(at)) for key in sorted(set(keys))]
        if not rows:
            return
        with self._connect(write=True) as conn:
            conn.executemany("INSERT OR IGNORE INTO notices (key, shown_at) VALUES (?, ?)", rows)

    # --- key results bound to live figures ------------------------------------------------

    def record_bound_values(self, source: str, values: Iterable[BoundValue], at: datetime) -> None:
        """Record what each binding of the OKR source `source` resolved to at this sync: the
        latest row is extended when nothing changed, else a new row starts."""
        stamp = _stamp(at)
        with self._connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for bound in values:
                    as_of = _stamp(bound.as_of) if bound.as_of else None
                    last = conn.execute(
                        "SELECT rowid, value, origin, detail, error FROM kr_values"
                        " WHERE source = ? AND kr = ? ORDER BY last_seen DESC, rowid DESC"
                        " LIMIT 1",
                        (source, bound.kr),
                    ).fetchone()
                    same = last is not None and tuple(last[1:]) == (
                        bound.value,
                        bound.origin,
                        bound.detail,
                        bound.error,
                    )
                    if same:
                        conn.execute(
                            "UPDATE kr_values SET last_seen = ?, as_of = ? WHERE rowid = ?",
                            (stamp, as_of, last[0]),
                        )
                    else:
                        conn.execute(
                            "INSERT INTO kr_values (source, kr, value, origin, detail, error,"
                            " as_of, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                source,
                                bound.kr,
                                bound.value,
                                bound.origin,
                                bound.detail,
                                bound.error,
                                as_of,
                                stamp,
                                stamp,
                            ),
                        )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def bound_values(self, source: str, at: datetime | None = None) -> dict[str, BoundValue]:
        """The latest resolved value of each binding of the OKR source `source`; with `at`,
        the value in force at that moment (a past week's report must not see later values)."""
        if not self.exists():
            return {}
        until = _stamp(at) if at is not None else "9999"
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT kr, value, origin, detail, error, as_of FROM kr_values AS k"
                " WHERE source = ? AND rowid = (SELECT rowid FROM kr_values"
                " WHERE source = k.source AND kr = k.kr AND first_seen <= ?"
                " ORDER BY last_seen DESC, rowid DESC LIMIT 1)",
                (source, until),
            ).fetchall()
        values = {}
        for kr, value, origin, detail, error, as_of in rows:
            seen = _parse_stamp(as_of) if as_of else None
            if seen is not None and at is not None:
                seen = min(seen, at)  # the stretch went on after `at`; its data is not newer
            values[kr] = BoundValue(kr, value, origin, detail, error, seen)
        return values

    def kr_history(
        self, source: str, since: datetime, until: datetime | None = None
    ) -> tuple[KrPoint, ...]:
        """Every value the bindings of `source` took since `since` (and, with `until`, first
        seen by then), each at the first sync that saw it (the value held until the next
        point), oldest first. The value in force at `since` is included, at `since`."""
        if not self.exists():
            return ()
        stamp = _stamp(since)
        end = _stamp(until) if until is not None else "9999"
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT kr, value, origin, first_seen FROM kr_values"
                " WHERE source = ? AND value IS NOT NULL AND last_seen >= ? AND first_seen <= ?"
                " ORDER BY first_seen, rowid",
                (source, stamp, end),
            ).fetchall()
        return tuple(
            KrPoint(kr, max(_parse_stamp(first), since), value, origin)
            for kr, value, origin, first in rows
        )

    def prune(self, now: datetime) -> int:
        """Apply the retention rule; returns how many snapshots were dropped.

        Everything from the last 14 days stays; older snapshots thin out to the last one of each
        day per source, and nothing older than a year is kept. A source's newest snapshot is
        never dropped, however old, because it is still what the screen shows. Chunks of runs
        that no snapshot refers to any more go with them.
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
                conn.execute(
                    "DELETE FROM snapshot_runs WHERE snapshot_id NOT IN (SELECT id FROM snapshots)"
                )
                conn.execute(
                    "DELETE FROM run_chunks WHERE digest NOT IN (SELECT digest FROM snapshot_runs)"
                )
                conn.execute(
                    "DELETE FROM snapshot_cost WHERE snapshot_id NOT IN (SELECT id FROM snapshots)"
                )
                conn.execute(
                    "DELETE FROM cost_rows WHERE digest NOT IN (SELECT digest FROM snapshot_cost)"
                )
                # Summaries are rebuilt at least hourly: a day-old one will not be asked for.
                conn.execute(
                    "DELETE FROM cost_summaries WHERE made_at < ?",
                    (_stamp(now - timedelta(days=1)),),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return cursor.rowcount

    # --- reading ----------------------------------------------------------------------

    def latest(
        self,
        source: str,
        *,
        with_runs: bool = False,
        with_cost_rows: bool = False,
        decoded: DecodedChunks | None = None,
    ) -> StoredSnapshot | None:
        return self.latest_all(
            [source], with_runs=with_runs, with_cost_rows=with_cost_rows, decoded=decoded
        ).get(source)

    def latest_all(
        self,
        sources: list[str] | None = None,
        *,
        at: datetime | None = None,
        with_runs: bool = False,
        with_cost_rows: bool = False,
        decoded: DecodedChunks | None = None,
    ) -> dict[str, StoredSnapshot]:
        """The newest readable snapshot of each source (of the given ones, if any).

        With `at`, the newest taken at or before that moment: what the screen showed then.
        Experiments come without their runs (`runs=()`; digests, experiments and models are
        there) unless `with_runs`, and cost data without its roll-ups (`rows=()`,
        `rows_apart` says how many) unless `with_cost_rows`. `decoded`, a dict the caller
        keeps between reads, saves decoding again the chunks of runs the last read decoded
        (see `DecodedChunks`).
        """
        cutoff = _stamp(at) if at is not None else "9999"
        query = (
            "SELECT id, source, taken_at, payload FROM snapshots"
            " WHERE id IN (SELECT MAX(id) FROM snapshots"
            " WHERE schema_version = ? AND taken_at <= ? GROUP BY source)"
        )
        with self._connect() as conn:
            if with_runs or with_cost_rows:
                conn.execute("BEGIN")  # the snapshots and their chunks as of one moment
            rows = conn.execute(query, (RECORD_SCHEMA_VERSION, cutoff)).fetchall()
            if sources is not None:
                rows = [row for row in rows if row[1] in sources]
            found = {
                source: self._stored(snapshot_id, source, taken_at, payload)
                for snapshot_id, source, taken_at, payload in rows
            }
            if with_runs:
                loaded = self._with_runs(conn, list(found.values()), decoded)
                found = dict(zip(found, loaded, strict=True))
            if with_cost_rows:
                loaded = self._with_cost_rows(conn, list(found.values()))
                found = dict(zip(found, loaded, strict=True))
            if with_runs or with_cost_rows:
                conn.execute("COMMIT")
        return found

    def load_runs(
        self, stored: StoredSnapshot, *, decoded: DecodedChunks | None = None
    ) -> StoredSnapshot:
        """`stored` (read without its runs) with every run of its experiments. A snapshot that
        did not come from the store, or has no experiments, is returned as it is."""
        if stored.snapshot_id == 0 or stored.snapshot.experiments is None:
            return stored
        with self._connect() as conn:
            conn.execute("BEGIN")
            (loaded,) = self._with_runs(conn, [stored], decoded)
            conn.execute("COMMIT")
        return loaded

    def load_cost_rows(self, stored: Sequence[StoredSnapshot]) -> list[StoredSnapshot]:
        """Each of `stored` (read without cost roll-ups) with its roll-ups back. Snapshots
        whose rows were never apart (not from the store, or written before rows were kept
        apart) are returned as they are."""
        if not any(_rows_apart(s) for s in stored):
            return list(stored)
        with self._connect() as conn:
            conn.execute("BEGIN")
            loaded = self._with_cost_rows(conn, list(stored))
            conn.execute("COMMIT")
        return loaded

    def _with_cost_rows(
        self, conn: sqlite3.Connection, stored: list[StoredSnapshot]
    ) -> list[StoredSnapshot]:
        loaded = []
        for snap in stored:
            data = snap.snapshot.cost
            if data is None or not _rows_apart(snap):
                loaded.append(snap)
                continue
            row = conn.execute(
                "SELECT c.rows, c.payload FROM snapshot_cost l JOIN cost_rows c USING (digest)"
                " WHERE l.snapshot_id = ?",
                (snap.snapshot_id,),
            ).fetchone()
            if row is None or row[0] != data.rows_apart:
                raise self._corrupt_error(f"the cost roll-ups of {snap.source} are missing")
            try:
                rows = decode_cost_rows(row[1])
            except (ValueError, zlib.error, msgspec.DecodeError) as exc:
                raise self._corrupt_error(
                    f"the cost roll-ups of {snap.source} cannot be decoded: {exc}"
                ) from exc
            whole = msgspec.structs.replace(data, rows=rows, rows_apart=0)
            snapshot = msgspec.structs.replace(snap.snapshot, cost=whole)
            loaded.append(msgspec.structs.replace(snap, snapshot=snapshot))
        return loaded

    # --- cost summaries ----------------------------------------------------------------

    def cost_summary(self, key: bytes) -> bytes | None:
        """The cost summary built from exactly `key`'s inputs, as it was saved, if any."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT payload FROM cost_summaries WHERE key = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def save_cost_summary(self, key: bytes, payload: bytes, made_at: datetime) -> None:
        """Keep a summary under its inputs; only the newest few are kept."""
        with self._connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO cost_summaries (key, made_at, payload)"
                    " VALUES (?, ?, ?)",
                    (key, _stamp(made_at), payload),
                )
                conn.execute(
                    "DELETE FROM cost_summaries WHERE key NOT IN (SELECT key FROM"
                    " cost_summaries ORDER BY made_at DESC LIMIT ?)",
                    (KEEP_COST_SUMMARIES,),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

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

    def history(
        self,
        source: str,
        since: datetime,
        *,
        with_runs: bool = False,
        with_cost_rows: bool = False,
    ) -> list[StoredSnapshot]:
        """Every kept snapshot of a source from `since` on, oldest first (without their runs
        unless `with_runs`, without their cost roll-ups unless `with_cost_rows`)."""
        with self._connect() as conn:
            if with_runs or with_cost_rows:
                conn.execute("BEGIN")
            rows = conn.execute(
                "SELECT id, taken_at, payload FROM snapshots WHERE source = ? AND taken_at >= ?"
                " AND schema_version = ? ORDER BY taken_at",
                (source, _stamp(since), RECORD_SCHEMA_VERSION),
            ).fetchall()
            found = [self._stored(i, source, t, p) for i, t, p in rows]
            if with_runs:
                found = self._with_runs(conn, found, None)
            if with_cost_rows:
                found = self._with_cost_rows(conn, found)
            if with_runs or with_cost_rows:
                conn.execute("COMMIT")
        return found

    def _stored(
        self, snapshot_id: int, source: str, taken_at: str, payload: bytes
    ) -> StoredSnapshot:
        snapshot, clean = self._decode(source, payload)
        return StoredSnapshot(source, _parse_stamp(taken_at), snapshot, snapshot_id, clean)

    def _decode(self, source: str, payload: bytes) -> tuple[Snapshot, bool]:
        """The snapshot, and whether its text was found clean when it was written."""
        try:
            # Payloads written before runs were kept apart still hold them. With digests, the
            # runs are dropped, so that every read without runs looks the same; without (a
            # cache from before digests), they are kept: the dashboard digests them until the
            # next sync, instead of showing 0 runs.
            snapshot, clean = decode_stored_snapshot(payload)
            if snapshot.experiments is not None and not snapshot.experiments.digests:
                return snapshot, clean
            return without_runs(snapshot), clean
        except (ValueError, zlib.error, msgspec.DecodeError) as exc:
            raise self._corrupt_error(f"the snapshot of {source} cannot be decoded: {exc}") from exc

    def _with_runs(
        self,
        conn: sqlite3.Connection,
        stored: list[StoredSnapshot],
        decoded: DecodedChunks | None,
    ) -> list[StoredSnapshot]:
        """Each of `stored` with its runs read back from its chunks (inside the caller's read
        transaction, so that a prune cannot remove a chunk between the two queries). A chunk
        shared by several of them is decoded once; `decoded` is read, then left holding
        exactly the chunks of this read."""
        wanted = [s for s in stored if s.snapshot_id and s.snapshot.experiments is not None]
        if not wanted:
            return stored
        ids = [s.snapshot_id for s in wanted]
        links: dict[int, list[bytes]] = {i: [] for i in ids}
        orders: dict[int, bytes | None] = {}
        for batch in _batches(ids):
            marks = ",".join("?" * len(batch))
            for snapshot_id, digest in conn.execute(
                f"SELECT snapshot_id, digest FROM snapshot_runs WHERE snapshot_id IN ({marks})"
                " ORDER BY snapshot_id, position",
                batch,
            ):
                links[snapshot_id].append(digest)
            orders.update(
                conn.execute(
                    f"SELECT id, runs_order FROM snapshots WHERE id IN ({marks})", batch
                ).fetchall()
            )
        cached = dict(decoded) if decoded is not None else {}
        needed = {d for digests in links.values() for d in digests if d not in cached}
        payloads: dict[bytes, bytes] = {}
        for batch in _batches(sorted(needed)):
            marks = ",".join("?" * len(batch))
            payloads.update(
                conn.execute(
                    f"SELECT digest, payload FROM run_chunks WHERE digest IN ({marks})", batch
                ).fetchall()
            )
        loaded: dict[int, StoredSnapshot] = {}
        used: DecodedChunks = {}
        for snap in wanted:
            digests = links[snap.snapshot_id]
            if not digests:
                runs = self._runs_inside(conn, snap)
            else:
                for digest in digests:
                    if digest in used:
                        continue
                    if digest in cached:
                        used[digest] = cached[digest]
                    else:
                        used[digest] = self._decode_chunk(snap.source, digest, payloads.get(digest))
                runs = self._join(snap, [used[d] for d in digests], orders[snap.snapshot_id])
            data = snap.snapshot.experiments
            assert data is not None
            snapshot = msgspec.structs.replace(
                snap.snapshot, experiments=msgspec.structs.replace(data, runs=runs)
            )
            loaded[snap.snapshot_id] = msgspec.structs.replace(snap, snapshot=snapshot)
        if decoded is not None:
            decoded.clear()
            decoded.update(used)
        return [loaded.get(s.snapshot_id, s) for s in stored]

    def _runs_inside(self, conn: sqlite3.Connection, snap: StoredSnapshot) -> tuple[Run, ...]:
        # A snapshot with no chunks: written before runs were kept apart (its payload holds
        # them), or one whose experiments have no runs.
        row = conn.execute(
            "SELECT payload FROM snapshots WHERE id = ?", (snap.snapshot_id,)
        ).fetchone()
        try:
            whole = decode_snapshot(row[0]) if row else None
        except (ValueError, zlib.error, msgspec.DecodeError) as exc:
            raise self._corrupt_error(
                f"the snapshot of {snap.source} cannot be decoded: {exc}"
            ) from exc
        if whole is None or whole.experiments is None:
            return ()
        return whole.experiments.runs

    def _decode_chunk(self, source: str, digest: bytes, payload: bytes | None) -> tuple[Run, ...]:
        if payload is None:
            raise self._corrupt_error(f"runs of {source} are missing (chunk {digest.hex()[:12]})")
        try:
            return decode_runs(payload)
        except (ValueError, zlib.error, msgspec.DecodeError) as exc:
            raise self._corrupt_error(f"the runs of {source} cannot be decoded: {exc}") from exc

    def _join(
        self, snap: StoredSnapshot, chunks: list[tuple[Run, ...]], order: bytes | None
    ) -> tuple[Run, ...]:
        try:
            return join_runs(chunks, decode_run_order(order) if order is not None else None)
        except (ValueError, IndexError, RuntimeError, zlib.error, msgspec.DecodeError) as exc:
            raise self._corrupt_error(
                f"the order of the runs of {snap.source} cannot be read: {exc}"
            ) from exc

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


def _batches(items: Sequence[object]) -> Iterator[list[object]]:
    for start in range(0, len(items), _BATCH):
        yield list(items[start : start + _BATCH])


def _rows_apart(stored: StoredSnapshot) -> bool:
    data = stored.snapshot.cost
    return bool(stored.snapshot_id and data is not None and data.rows_apart and not data.rows)


def _known_cost(conn: sqlite3.Connection, digest: bytes) -> bool:
    return (
        conn.execute("SELECT 1 FROM cost_rows WHERE digest = ?", (digest,)).fetchone() is not None
    )


def _known_digests(conn: sqlite3.Connection, digests: list[bytes]) -> set[bytes]:
    """Which of these chunks the store already holds."""
    known: set[bytes] = set()
    for batch in _batches(sorted(set(digests))):
        marks = ",".join("?" * len(batch))
        known.update(
            row[0]
            for row in conn.execute(
                f"SELECT digest FROM run_chunks WHERE digest IN ({marks})", batch
            )
        )
    return known


# Chunks of a previous snapshot by the identity of their first run: (its runs, its key).
_Reusable = dict[int, tuple[Sequence[Run], bytes]]


def _chunks_of(
    runs: Sequence[Run], reusable: _Reusable
) -> tuple[list[_Chunk], list[tuple[int, int]] | None]:
    if not runs:
        return [], None
    # hashlib loads OpenSSL: only a write of runs pays for it, never `cockpit status`.
    from hashlib import blake2b

    groups, order = split_runs(runs)
    chunks = []
    for group in groups:
        same = reusable.get(id(group[0]))
        if same is not None and _identical(group, same[0]):
            # The same objects as a stored chunk: the same bytes, so the same key.
            chunks.append(_Chunk(same[1], group, None))
            continue
        raw = encode_runs(group)
        chunks.append(_Chunk(blake2b(raw, digest_size=20).digest(), group, raw))
    return chunks, order


def _identical(runs: Sequence[Run], others: Sequence[Run]) -> bool:
    return len(runs) == len(others) and all(a is b for a, b in zip(runs, others, strict=True))
