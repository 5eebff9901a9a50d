from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
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
        (rows_blob,) = conn.execute("SELECT payload FROM cost_rows").fetchone()
    # The roll-ups are kept apart from the snapshot, compressed.
    assert len(rows_blob) < len(repr(rows)) / 5
    assert store.latest("aws", with_cost_rows=True).snapshot == snapshot  # type: ignore[union-attr]

    people = team(*(f"person-{n}" for n in range(300)))
    store.write_snapshot(people, ok("roster", T0))
    with sqlite3.connect(store.path) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM snapshots WHERE source = 'roster'"
        ).fetchone()
    assert payload[:1] == b"N"  # MessagePack, compressed
    assert len(payload) < len(repr(people)) / 5
    assert store.latest("roster").snapshot == people  # type: ignore[union-attr]


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


# --- damaged, newer and read-only caches ----------------------------------------------


def test_damaged_and_newer_caches_say_what_to_do(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(StoreError) as caught:
        Store(damaged).check()
    assert caught.value.cause == "corrupt"
    assert str(damaged) in str(caught.value)
    assert "the next `cockpit sync` sets it aside" in str(caught.value)

    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 1}")
    before = newer.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store(newer).check()
    assert caught.value.cause == "newer" and "upgrade cockpit" in str(caught.value)
    assert newer.read_bytes() == before


def test_an_undecodable_snapshot_is_a_store_error(store: Store) -> None:
    store.write_snapshot(team("ana"), ok("roster", T0))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE snapshots SET payload = ?", (b"Zgarbage",))
    with pytest.raises(StoreError, match="damaged") as caught:
        store.latest("roster")
    assert caught.value.cause == "corrupt"


# The tests run as root, and root ignores file permissions: `chmod 444` would not stop a write.
# So these tests make the store *see* a read-only file (its writability check is patched) and
# then exercise the real read-only code path: SQLite's `mode=ro`, which refuses every write
# whoever runs it. A read that tried to migrate or set the journal mode would fail here with
# "attempt to write a readonly database", exactly as it did for a user with a chmod 444 cache.


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cockpit.store._writable", lambda path: False)


def filled_cache(tmp_path: Path) -> Path:
    path = tmp_path / "cache.sqlite"
    writer = Store(path)
    writer.write_snapshot(team("ana"), ok("roster", T0))
    writer.record_attempt(SyncAttempt("okrs", T0, T0, "failed", "okrs.toml: file not found"))
    return path


def test_a_read_only_cache_can_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = filled_cache(tmp_path)
    monkeypatch.setattr("cockpit.store._writable", lambda path: False)
    reader = Store(path)  # a new process: it has not migrated anything yet
    assert reader.read_only()
    reader.check()
    assert reader.latest("roster").snapshot == team("ana")  # type: ignore[union-attr]
    assert reader.last_attempts()["okrs"].error == "okrs.toml: file not found"
    assert [s.taken_at for s in reader.history("roster", T0)] == reader.snapshot_times("roster")


def test_reads_of_a_read_only_cache_go_through_mode_ro(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proof that the reads above used SQLite's read-only mode, not a writable connection."""
    path = filled_cache(tmp_path)
    monkeypatch.setattr("cockpit.store._writable", lambda path: False)
    real_connect = sqlite3.connect
    opened: list[str] = []

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("cockpit.store.sqlite3.connect", connect)
    Store(path).check()
    assert opened and all(uri.endswith("?mode=ro") for uri in opened)


def test_writing_to_a_read_only_cache_names_the_file_and_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = filled_cache(tmp_path)
    monkeypatch.setattr("cockpit.store._writable", lambda p: p != path)
    store = Store(path)
    for write in (
        lambda: store.write_snapshot(team("ben"), ok("roster", T0 + timedelta(hours=1))),
        lambda: store.record_attempt(SyncAttempt("okrs", T0, T0, "failed", "again")),
        lambda: store.prune(T0),
    ):
        with pytest.raises(StoreError) as caught:
            write()
        assert caught.value.cause == "read-only"
        message = str(caught.value)
        assert str(path) in message and "read-only" in message and "permissions" in message
        assert f"chmod u+w {path}" in message
    assert store.latest("roster").snapshot == team("ana")  # type: ignore[union-attr]


def test_a_read_only_folder_is_named_as_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = filled_cache(tmp_path)
    monkeypatch.setattr("cockpit.store._writable", lambda p: p != tmp_path)
    store = Store(path)
    assert store.latest("roster") is not None
    with pytest.raises(StoreError, match=f"its folder {tmp_path} is read-only"):
        store.record_attempt(SyncAttempt("okrs", T0, T0, "failed", "again"))


def test_a_read_only_cache_that_needs_a_migration_says_so(tmp_path: Path, read_only: None) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE something_old (x)")
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store(path).latest("roster")
    assert caught.value.cause == "read-only"
    assert "needs an upgrade" in str(caught.value) and "write permission" in str(caught.value)
    assert path.read_bytes() == before


def test_a_newer_read_only_cache_is_refused_as_newer(tmp_path: Path, read_only: None) -> None:
    path = tmp_path / "newer.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError) as caught:
        Store(path).check()
    assert caught.value.cause == "newer"


def test_an_unnoticed_read_only_file_is_still_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only mount or an ACL that `os.access` does not report: SQLite refuses the
    migration's write lock, and reading falls back to `mode=ro`."""
    path = filled_cache(tmp_path)
    real_connect = sqlite3.connect

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if not kwargs.get("uri"):  # the writable connection: as if the file were read-only
            database = Path(str(database)).resolve().as_uri() + "?mode=ro"
            kwargs["uri"] = True
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("cockpit.store.sqlite3.connect", connect)
    store = Store(path)
    assert store.latest("roster").snapshot == team("ana")  # type: ignore[union-attr]
    with pytest.raises(StoreError) as caught:
        store.record_attempt(SyncAttempt("okrs", T0, T0, "failed", "again"))
    assert caught.value.cause == "read-only"


def test_a_read_only_folder_without_shared_memory_file_is_read_immutable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite cannot create the WAL's `-shm` file in a read-only folder (SQLITE_CANTOPEN on the
    first read); the store then reads the file with `immutable=1`."""
    path = filled_cache(tmp_path)
    monkeypatch.setattr("cockpit.store._writable", lambda path: False)
    real_connect = sqlite3.connect
    opened: list[str] = []

    class CantOpen:
        def execute(self, *args: object) -> None:
            error = sqlite3.OperationalError("unable to open database file")
            error.sqlite_errorcode = 14  # type: ignore[attr-defined]
            raise error

        def close(self) -> None:
            pass

    def connect(database: str, *args: object, **kwargs: object) -> object:
        opened.append(database)
        if "immutable=1" not in database:
            return CantOpen()
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("cockpit.store.sqlite3.connect", connect)
    assert Store(path).latest("roster").snapshot == team("ana")  # type: ignore[union-attr]
    assert opened[-1].endswith("?mode=ro&immutable=1")


def test_sync_log_errors_never_keep_a_password(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    store = Store(path)
    store.record_attempt(
        SyncAttempt("jira", T0, T0, "failed", "jira: cannot reach https://me:CANARY-77@host/x")
    )
    assert store.last_attempts()["jira"].error == "jira: cannot reach https://***@host/x"
    for file in tmp_path.iterdir():
        assert b"CANARY-77" not in file.read_bytes()


def test_errors_written_before_redaction_are_redacted_when_read(store: Store) -> None:
    store.record_attempt(SyncAttempt("jira", T0, T0, "failed", "placeholder"))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE sync_log SET error = 'see https://me:CANARY-78@host'")
    assert "CANARY-78" not in store.last_attempts()["jira"].error
    assert "CANARY-78" not in store.attempts("jira")[0].error


def test_nan_and_infinite_metrics_round_trip_and_old_json_chunks_still_read(
    store: Store,
) -> None:
    """A diverged run logs NaN loss: JSON cannot carry it, so the store must not use JSON."""
    import math
    import zlib

    from cockpit.codec import decode_runs
    from cockpit.models import ExperimentData, Run

    runs = (
        Run("r1", "1", "diverged", "FAILED", metrics={"loss": math.nan, "grad": math.inf}),
        Run("r2", "1", "fine", "FINISHED", metrics={"loss": 0.25, "grad": -math.inf}),
    )
    snapshot = Snapshot(experiments=ExperimentData("mlflow", runs=runs))
    store.write_snapshot(snapshot, ok("mlflow", T0))
    back = store.latest("mlflow", with_runs=True)
    assert back is not None and back.snapshot.experiments is not None
    got = {r.run_id: r.metrics for r in back.snapshot.experiments.runs}
    assert math.isnan(got["r1"]["loss"]) and got["r1"]["grad"] == math.inf
    assert got["r2"] == {"loss": 0.25, "grad": -math.inf}
    # A chunk written as JSON by an earlier version still decodes.
    finite = (Run("r3", "1", "old", "FINISHED", metrics={"loss": 0.5}),)
    assert decode_runs(zlib.compress(msgspec.json.encode(finite))) == finite
