"""Runs kept apart from their snapshots: chunks stored once by the hash of their bytes, linked
to every snapshot that has them, written with the snapshot in one transaction, pruned when no
snapshot refers to them, and never read by what the first frame and `status` read."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.codec import decode_snapshot
from cockpit.models import (
    Experiment,
    ExperimentData,
    ExperimentDigest,
    ModelVersion,
    Person,
    Run,
    Snapshot,
    TeamData,
)
from cockpit.store import (
    MAX_RUNS_PER_CHUNK,
    STORE_SCHEMA_VERSION,
    DecodedChunks,
    Store,
    StoreError,
    SyncAttempt,
    join_runs,
    split_runs,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXPERIMENTS = ("ranker", "asr", "fraud")


def run(n: int, *, experiment: str | None = None, loss: float | None = None) -> Run:
    """Run n: its experiment and start (one run every 7 hours, going back) follow from n."""
    return Run(
        run_id=f"r{n:05d}",
        experiment=experiment or EXPERIMENTS[n % len(EXPERIMENTS)],
        name=f"run-{n}",
        status="FINISHED",
        user=("ana", "ben", "mei")[n % 3],
        started=T0 - timedelta(hours=7 * n),
        ended=T0 - timedelta(hours=7 * n - 2),
        metrics={"val_loss": 1.0 / (n + 1) if loss is None else loss, "accuracy": 0.5},
        params={"lr": "0.001", "batch_size": str(32 * (1 + n % 4))},
        tags={"team": "ml"},
        histories={"val_loss": ((0, 2.0), (1, 1.0))} if n % 10 == 0 else {},
    )


def tracker(runs: tuple[Run, ...] | list[Run]) -> Snapshot:
    runs = tuple(runs)
    return Snapshot(
        experiments=ExperimentData(
            tracker="mlflow",
            experiments=tuple(Experiment(e, e.title(), "val_loss", False) for e in EXPERIMENTS),
            runs=runs,
            models=(ModelVersion("ranker", "3", "r00003"),),
            source="mlflow",
            digests=tuple(ExperimentDigest(e, total=len(runs)) for e in EXPERIMENTS),
        )
    )


def ok(source: str, at: datetime) -> SyncAttempt:
    return SyncAttempt(source, at, at + timedelta(seconds=1), "ok")


def count(store: Store, table: str) -> int:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def integrity(store: Store) -> str:
    with sqlite3.connect(store.path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# --- round trip ----------------------------------------------------------------------------


def test_runs_round_trip_through_chunks_in_their_own_order(store: Store) -> None:
    # Newest first across experiments, as trackers list them: the chunks interleave.
    snapshot = tracker([run(n) for n in range(300)])
    store.write_snapshot(snapshot, ok("mlflow", T0))

    stored = store.latest("mlflow", with_runs=True)
    assert stored is not None
    assert stored.snapshot == snapshot
    # One chunk per experiment and week: 300 runs 7 hours apart span 13 weeks.
    assert 3 * 12 <= count(store, "run_chunks") <= 3 * 14
    assert integrity(store) == "ok"


def test_a_read_without_runs_has_everything_else(store: Store) -> None:
    snapshot = tracker([run(n) for n in range(50)])
    store.write_snapshot(snapshot, ok("mlflow", T0))
    light = store.latest("mlflow")
    assert light is not None and light.snapshot.experiments is not None
    data = light.snapshot.experiments
    assert data.runs == ()
    assert snapshot.experiments is not None
    assert data == msgspec.structs.replace(snapshot.experiments, runs=())
    assert store.load_runs(light).snapshot == snapshot


def test_a_snapshot_without_runs_or_experiments_writes_no_chunk(store: Store) -> None:
    team = Snapshot(team=TeamData((Person("ana", "Ana", "Europe/London"),)))
    store.write_snapshot(team, ok("roster", T0))
    store.write_snapshot(tracker([]), ok("mlflow", T0))
    assert count(store, "run_chunks") == count(store, "snapshot_runs") == 0
    assert store.latest("roster", with_runs=True).snapshot == team  # type: ignore[union-attr]
    assert store.latest("mlflow", with_runs=True).snapshot == tracker([])  # type: ignore[union-attr]


def test_a_busy_week_is_cut_into_bounded_chunks() -> None:
    busy = [
        msgspec.structs.replace(run(n, experiment="ranker"), started=T0 - timedelta(seconds=n))
        for n in range(2 * MAX_RUNS_PER_CHUNK + 5)
    ]
    chunks, order = split_runs(busy)
    assert [len(c) for c in chunks] == [MAX_RUNS_PER_CHUNK, MAX_RUNS_PER_CHUNK, 5]
    assert order is None  # they simply follow each other
    assert join_runs(chunks, order) == tuple(busy)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from(EXPERIMENTS), st.booleans()),
        max_size=120,
    )
)
def test_any_order_of_runs_comes_back_as_it_went_in(
    picks: list[tuple[int, str, bool]],
) -> None:
    runs = [
        run(n, experiment=experiment)
        if started
        else msgspec.structs.replace(run(n, experiment=experiment), started=None)
        for n, experiment, started in picks
    ]
    chunks, order = split_runs(runs)
    assert sum(len(c) for c in chunks) == len(runs)
    for chunk in chunks:
        assert len({(r.experiment, r.started and r.started.isocalendar()[:2]) for r in chunk}) <= 1
    assert join_runs(chunks, order) == tuple(runs)


# --- sharing -------------------------------------------------------------------------------


def test_two_syncs_with_one_changed_run_share_every_other_chunk(store: Store) -> None:
    runs = [run(n) for n in range(600)]
    store.write_snapshot(tracker(runs), ok("mlflow", T0))
    chunks_after_one = count(store, "run_chunks")
    links_after_one = count(store, "snapshot_runs")

    # The newest run of one experiment finished with a better loss. Another run comes back
    # with its metrics in another order: the same content, so the same chunk.
    changed = list(runs)
    changed[0] = msgspec.structs.replace(runs[0], metrics={"accuracy": 0.9, "val_loss": 0.01})
    assert list(runs[1].metrics) == ["val_loss", "accuracy"]
    changed[1] = msgspec.structs.replace(runs[1], metrics={"accuracy": 0.5, "val_loss": 0.5})
    assert changed[1] == runs[1]
    store.write_snapshot(tracker(changed), ok("mlflow", T0 + timedelta(minutes=15)))

    # One run changed, in one experiment's newest week: one new chunk, every other shared.
    assert count(store, "run_chunks") == chunks_after_one + 1
    assert count(store, "snapshot_runs") == 2 * links_after_one
    with sqlite3.connect(store.path) as conn:
        shared = conn.execute(
            "SELECT COUNT(*) FROM (SELECT digest FROM snapshot_runs GROUP BY digest"
            " HAVING COUNT(*) = 2)"
        ).fetchone()[0]
    assert shared == links_after_one - 1
    assert store.latest("mlflow", with_runs=True).snapshot == tracker(changed)  # type: ignore[union-attr]
    first, second = store.history("mlflow", T0, with_runs=True)
    assert (first.snapshot, second.snapshot) == (tracker(runs), tracker(changed))


def test_the_same_runs_under_two_sources_are_stored_once(store: Store) -> None:
    runs = [run(n) for n in range(100)]
    store.write_snapshot(tracker(runs), ok("mlflow", T0))
    alone = count(store, "run_chunks")
    store.write_snapshot(tracker(runs), ok("mlflow-copy", T0))
    assert count(store, "run_chunks") == alone
    both = store.latest_all(["mlflow", "mlflow-copy"], with_runs=True)
    assert {name: s.snapshot for name, s in both.items()} == {
        "mlflow": tracker(runs),
        "mlflow-copy": tracker(runs),
    }


# --- prune ---------------------------------------------------------------------------------


def test_prune_removes_chunks_no_snapshot_refers_to(store: Store) -> None:
    old = [run(n, loss=0.9) for n in range(60)]
    new = [run(n, loss=0.1) for n in range(60)]  # every chunk differs
    store.write_snapshot(tracker(old), ok("mlflow", T0 - timedelta(days=40, hours=3)))
    store.write_snapshot(tracker(old), ok("mlflow", T0 - timedelta(days=40)))  # same day
    store.write_snapshot(tracker(new), ok("mlflow", T0))
    per_snapshot = count(store, "snapshot_runs") // 3

    assert store.prune(T0) == 1  # the earlier of the two on that old day
    assert count(store, "snapshot_runs") == 2 * per_snapshot
    assert count(store, "run_chunks") == 2 * per_snapshot  # the old day's chunks are still used

    store.write_snapshot(tracker(new), ok("mlflow", T0 + timedelta(days=400)))
    store.prune(T0 + timedelta(days=400))  # the old day is now past a year
    assert count(store, "run_chunks") == per_snapshot
    with sqlite3.connect(store.path) as conn:
        orphans = conn.execute(
            "SELECT COUNT(*) FROM run_chunks WHERE digest NOT IN (SELECT digest FROM snapshot_runs)"
        ).fetchone()[0]
        dangling = conn.execute(
            "SELECT COUNT(*) FROM snapshot_runs WHERE digest NOT IN (SELECT digest FROM run_chunks)"
        ).fetchone()[0]
    assert (orphans, dangling) == (0, 0)
    assert store.latest("mlflow", with_runs=True).snapshot == tracker(new)  # type: ignore[union-attr]
    assert integrity(store) == "ok"


# --- crash ---------------------------------------------------------------------------------


def test_a_crash_mid_write_leaves_the_previous_snapshot_and_no_orphan_chunk(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tracker([run(n) for n in range(200)])
    store.write_snapshot(before, ok("mlflow", T0))
    chunks, links = count(store, "run_chunks"), count(store, "snapshot_runs")

    def explode(*_args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    # The snapshot row, the new chunks and the links are in by the time the log row is
    # written: failing there must take every one of them back.
    monkeypatch.setattr(Store, "_insert_attempt", staticmethod(explode))
    after = tracker([run(n, loss=0.2) for n in range(200)])
    with pytest.raises(StoreError):
        store.write_snapshot(after, ok("mlflow", T0 + timedelta(hours=1)))
    monkeypatch.undo()

    assert store.latest("mlflow", with_runs=True).snapshot == before  # type: ignore[union-attr]
    assert len(store.snapshot_times("mlflow")) == 1
    assert (count(store, "run_chunks"), count(store, "snapshot_runs")) == (chunks, links)
    assert integrity(store) == "ok"


# --- reading without runs decodes no run -------------------------------------------------


def test_reading_without_runs_never_touches_a_chunk(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = tracker([run(n) for n in range(10)]), tracker([run(n) for n in range(3000)])
    store.write_snapshot(small, ok("small", T0))
    store.write_snapshot(large, ok("large", T0))
    with sqlite3.connect(store.path) as conn:
        sizes = dict(conn.execute("SELECT source, length(payload) FROM snapshots"))
    # What the first frame decodes is as big for 3,000 runs as for 10 (give or take the digits
    # of the digests' counts).
    assert sizes["small"] < 2000 and abs(sizes["large"] - sizes["small"]) < 32

    def refuse(*_args: object) -> None:
        raise AssertionError("decoded runs")

    monkeypatch.setattr("cockpit.store.decode_runs", refuse)
    read: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(read.append)
        return conn

    monkeypatch.setattr("cockpit.store.sqlite3.connect", traced)
    light = store.latest_all()
    store.history("large", T0)
    store.check()
    assert all(s.snapshot.experiments and s.snapshot.experiments.runs == () for s in light.values())
    assert read and not [q for q in read if "run_chunks" in q or "runs_order" in q]


def test_loading_runs_again_decodes_only_new_chunks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = [run(n) for n in range(300)]
    store.write_snapshot(tracker(runs), ok("mlflow", T0))
    decoded: DecodedChunks = {}
    assert store.latest("mlflow", with_runs=True, decoded=decoded) is not None
    assert len(decoded) == count(store, "run_chunks")

    from cockpit import store as store_module

    calls: list[int] = []
    real = store_module.decode_runs

    def counted(payload: bytes) -> tuple[Run, ...]:
        calls.append(1)
        return real(payload)

    monkeypatch.setattr("cockpit.store.decode_runs", counted)
    changed = [msgspec.structs.replace(runs[0], status="FAILED"), *runs[1:]]
    store.write_snapshot(tracker(changed), ok("mlflow", T0 + timedelta(minutes=15)))
    loaded = store.latest("mlflow", with_runs=True, decoded=decoded)
    assert loaded is not None and loaded.snapshot == tracker(changed)
    assert len(calls) == 1
    assert len(decoded) == count(store, "snapshot_runs") // 2  # this read's chunks, no more
    # The store itself keeps nothing: a read without `decoded` decodes every chunk.
    store.latest("mlflow", with_runs=True)
    assert len(calls) == 1 + len(decoded)


def test_a_resync_on_the_previous_runs_encodes_only_the_chunks_that_changed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_snapshot(tracker([run(n) for n in range(300)]), ok("mlflow", T0))
    previous = store.latest("mlflow", with_runs=True)
    assert previous is not None and previous.snapshot.experiments is not None
    kept = previous.snapshot.experiments.runs
    # As an incremental sync builds it: one new run, the others the very same objects.
    newer = (run(0, loss=0.001), *kept[1:])

    from cockpit import store as store_module

    encoded: list[int] = []
    real = store_module.encode_runs

    def counted(runs: list[Run]) -> bytes:
        encoded.append(len(runs))
        return real(runs)

    monkeypatch.setattr("cockpit.store.encode_runs", counted)
    store.write_snapshot(
        tracker(newer), ok("mlflow", T0 + timedelta(minutes=15)), previous=previous
    )
    assert len(encoded) == 1  # only the chunk of the changed run's week
    after = store.latest("mlflow", with_runs=True)
    assert after is not None and after.snapshot == tracker(newer)
    # Equal runs that are other objects (a full sync) are encoded, and still shared.
    chunks = count(store, "run_chunks")
    store.write_snapshot(
        tracker([run(0, loss=0.001), *(run(n) for n in range(1, 300))]),
        ok("mlflow", T0 + timedelta(minutes=30)),
        previous=after,
    )
    assert len(encoded) == 1 + count(store, "snapshot_runs") // 3
    assert count(store, "run_chunks") == chunks
    assert integrity(store) == "ok"


# --- migration from a cache written before runs were kept apart -------------------------------

# The schema as the first release created it (migration 1), and a payload as it wrote it: the
# whole snapshot, runs inside, zlib-compressed behind a "Z" marker.
V1_SCHEMA = """
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
PRAGMA user_version = 1;
"""


def v1_cache(path: Path, snapshot: Snapshot) -> None:
    whole = msgspec.json.encode(snapshot)
    payload = b"Z" + zlib.compress(whole, 6)
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute(
            "INSERT INTO snapshots (source, taken_at, schema_version, payload)"
            " VALUES ('mlflow', '2026-11-23T09:00:00.000000Z', 1, ?)",
            (payload,),
        )
        conn.execute(
            "INSERT INTO sync_log (source, started_at, finished_at, status)"
            " VALUES ('mlflow', '2026-11-23T08:59:00.000000Z', '2026-11-23T09:00:00.000000Z', 'ok')"
        )
    # This is how a v1 cockpit wrote it (compressed JSON), and it still reads as it was.
    assert decode_snapshot(payload) == snapshot


def test_a_v1_cache_migrates_and_its_runs_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = tracker([run(n) for n in range(120)])
    v1_cache(path, old)
    store = Store(path)

    light = store.latest("mlflow")
    assert light is not None and light.snapshot.experiments is not None
    assert light.snapshot.experiments.runs == ()  # the same shape as a new snapshot
    assert store.load_runs(light).snapshot == old
    assert store.latest("mlflow", with_runs=True).snapshot == old  # type: ignore[union-attr]
    assert store.last_attempts()["mlflow"].status == "ok"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA_VERSION == 6

    # The next sync keeps its runs apart and shares nothing with the old payload; once the
    # old snapshot is past its year, pruning it leaves only what the new one refers to.
    new = tracker([run(n) for n in range(121)])
    store.write_snapshot(new, ok("mlflow", T0 + timedelta(minutes=15)))
    assert store.latest("mlflow", with_runs=True).snapshot == new  # type: ignore[union-attr]
    first, second = store.history("mlflow", T0 - timedelta(days=1), with_runs=True)
    assert (first.snapshot, second.snapshot) == (old, new)
    store.write_snapshot(new, ok("mlflow", T0 + timedelta(days=400)))
    store.prune(T0 + timedelta(days=400))
    assert store.latest("mlflow", with_runs=True).snapshot == new  # type: ignore[union-attr]
    assert integrity(store) == "ok"


def test_a_cache_from_before_digests_still_counts_every_run(tmp_path: Path) -> None:
    """An old cockpit wrote its runs inside the payload and no digests: the dashboard must
    digest those runs until the next sync, not show 0 runs."""
    from cockpit.analytics.experiments import summarize_experiments

    path = tmp_path / "old.sqlite"
    before_digests = tracker([run(n) for n in range(120)])
    data = before_digests.experiments
    assert data is not None
    old = msgspec.structs.replace(
        before_digests, experiments=msgspec.structs.replace(data, digests=())
    )
    v1_cache(path, old)
    light = Store(path).latest("mlflow")
    assert light is not None and light.snapshot.experiments is not None
    assert len(light.snapshot.experiments.runs) == 120
    summary = summarize_experiments(light.snapshot.experiments, T0)
    assert summary.runs_total == 120


def test_a_damaged_chunk_is_a_store_error(store: Store) -> None:
    store.write_snapshot(tracker([run(n) for n in range(20)]), ok("mlflow", T0))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE run_chunks SET payload = ?", (b"garbage",))
    assert store.latest("mlflow") is not None  # the first frame still opens
    with pytest.raises(StoreError, match="damaged") as caught:
        store.latest("mlflow", with_runs=True)
    assert caught.value.cause == "corrupt"


# --- the workspace and the sync engine -----------------------------------------------------


def marked(data: ExperimentData, now: datetime, keep: int = 50) -> ExperimentData:
    """A stand-in digest that shows it ran, on which runs and when."""
    return msgspec.structs.replace(
        data, digests=(ExperimentDigest(f"digested at {now:%H:%M}", total=len(data.runs)),)
    )


def test_the_demo_in_memory_looks_like_the_stored_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_workspace

    monkeypatch.setattr("cockpit.workspace.digest_experiments", marked)
    clock = FrozenClock(T0)
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    workspace.in_memory = True
    workspace.hold_demo(clock)
    held = workspace.in_hand["demo"].snapshot.experiments
    assert held is not None and held.runs
    assert held.digests == (ExperimentDigest("digested at 09:00", total=len(held.runs)),)

    # The dashboard is given what the store would give it: digests, no runs.
    seen: dict[str, Snapshot] = {}

    def capture(*_args: object, in_hand: dict, **_kwargs: object) -> None:  # type: ignore[type-arg]
        seen.update({name: snap.snapshot for name, snap in in_hand.items()})

    monkeypatch.setattr("cockpit.workspace.load_dashboard", capture)
    workspace.dashboard(T0)
    assert seen["demo"].experiments == msgspec.structs.replace(held, runs=())
    assert workspace.experiment_runs() == [held]  # the leaderboard gets every run

    workspace.write_in_hand()
    stored = workspace.store.latest("demo", with_cost_rows=True)
    assert stored is not None and stored.snapshot == seen["demo"]
    assert workspace.experiment_runs() == [held]


def test_experiment_runs_reads_every_source_in_one_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_workspace, warm_demo

    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    warm_demo(workspace, FrozenClock(T0))
    reads: list[bool] = []
    latest_all = Store.latest_all
    monkeypatch.setattr(
        Store, "latest_all", lambda *a, **k: reads.append(k["with_runs"]) or latest_all(*a, **k)
    )
    monkeypatch.setattr(Store, "latest", lambda *a, **k: pytest.fail("one read per source"))
    (data,) = workspace.experiment_runs()
    assert reads == [True]
    with_runs = latest_all(workspace.store, ["demo"], with_runs=True)["demo"].snapshot
    assert with_runs.experiments == data and len(data.runs) > 100
    # Asked again (after a sync, say), nothing is decoded that the last call decoded.
    monkeypatch.setattr("cockpit.store.decode_runs", lambda _p: pytest.fail("decoded again"))
    assert workspace.experiment_runs() == [data]


async def test_a_sync_digests_all_runs_and_builds_on_the_previous_runs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.clock import FrozenClock
    from cockpit.sync import SyncJob, sync_one
    from integrations.base import FetchContext

    monkeypatch.setattr("cockpit.sync.digest_experiments", marked)
    seen: list[Snapshot | None] = []

    class Tracker:
        name, kind, uses_network = "mlflow", "mlflow", False

        def __init__(self, runs: int) -> None:
            self.runs = runs

        async def fetch(self, ctx: FetchContext) -> Snapshot:
            seen.append(ctx.previous)
            return tracker([run(n) for n in range(self.runs)])

    clock = FrozenClock(T0)
    first = await sync_one(SyncJob(Tracker(40), settings_key="k1"), store, clock)
    assert first.status == "ok", first.error
    light = store.latest("mlflow")
    assert light is not None and light.snapshot.experiments is not None
    assert light.snapshot.experiments.digests == (ExperimentDigest("digested at 09:00", total=40),)

    await sync_one(SyncJob(Tracker(41), settings_key="k1"), store, clock)
    previous = seen[-1]
    assert previous is not None and previous.experiments is not None
    assert previous.experiments.runs == tracker([run(n) for n in range(40)]).experiments.runs  # type: ignore[union-attr]

    # Other settings made it: the previous snapshot is not used, and its runs are not read.
    monkeypatch.setattr(Store, "load_runs", lambda *_a: pytest.fail("read runs it cannot use"))
    await sync_one(SyncJob(Tracker(41), settings_key="k2"), store, clock)
    assert seen[-1] is None


async def test_an_incremental_sync_encodes_only_what_it_fetched(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit import store as store_module
    from cockpit.clock import FrozenClock
    from cockpit.sync import SyncJob, sync_one
    from integrations.base import FetchContext

    class Incremental:
        """Fetches only the newest run again and keeps the previous sync's other runs."""

        name, kind, uses_network = "mlflow", "mlflow", False

        async def fetch(self, ctx: FetchContext) -> Snapshot:
            if ctx.previous is None or ctx.previous.experiments is None:
                return tracker([run(n) for n in range(300)])
            kept = ctx.previous.experiments.runs[1:]
            return tracker([run(0, loss=0.001), *kept])

    clock = FrozenClock(T0)
    await sync_one(SyncJob(Incremental()), store, clock)
    encoded: list[int] = []
    real = store_module.encode_runs
    monkeypatch.setattr(
        "cockpit.store.encode_runs", lambda runs: encoded.append(len(runs)) or real(runs)
    )
    outcome = await sync_one(SyncJob(Incremental()), store, clock)
    assert outcome.status == "ok", outcome.error
    assert len(encoded) == 1
    latest = store.latest("mlflow", with_runs=True)
    assert latest is not None and latest.snapshot.experiments is not None
    assert latest.snapshot.experiments.runs[0] == run(0, loss=0.001)
    assert len(latest.snapshot.experiments.runs) == 300
