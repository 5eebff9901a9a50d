"""Cost roll-ups kept apart in the store, and the cost summary kept by what it was built from.

`cockpit status` and the first frame read a kept summary instead of decoding and summing every
roll-up; a summary is never shown for inputs other than its own (data, budgets, settings,
experiment digests, the hour), and a hit shows exactly what a fresh build shows.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

import cockpit.dashboard as dashboard_module
from cockpit.analytics.cost import summarize_cost
from cockpit.analytics.cost_views import CostAnalysisSettings, CostSummary
from cockpit.analytics.freshness import SourceFacts
from cockpit.clock import FrozenClock
from cockpit.codec import encode_snapshot
from cockpit.dashboard import load_dashboard, merge_cost
from cockpit.models import (
    Budget,
    CostData,
    CostRow,
    Experiment,
    ExperimentData,
    ExperimentDigest,
    Snapshot,
)
from cockpit.store import Store, StoreError, SyncAttempt
from cockpit.sync import SyncJob, sync_all
from integrations.base import FetchContext

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
BUDGETS = (Budget("ML", 9000.0), Budget("Fraud", 500.0, scope="tag:team=fraud"))


def cost_rows(provider: str, scale: float = 1.0, days: int = 75) -> tuple[CostRow, ...]:
    first = NOW.date() - timedelta(days=days - 1)
    return tuple(
        CostRow(
            first + timedelta(days=n),
            provider,
            f"svc-{k}",
            round(scale * (10 + (n * 7 + k * 3) % 13), 2),
            currency="EUR" if k == 3 else "USD",
            is_gpu=k == 0,
            account=f"acct-{k % 2}",
            tags=(("experiment", "exp-a"), ("team", "fraud" if k % 2 else "search")),
        )
        for n in range(days)
        for k in range(4)
    )


def cost_snapshot(provider: str = "AWS", scale: float = 1.0) -> Snapshot:
    return Snapshot(cost=CostData(rows=cost_rows(provider, scale), cost_column="EffectiveCost"))


def tracker(total: int) -> Snapshot:
    return Snapshot(
        experiments=ExperimentData(
            tracker="mlflow",
            experiments=(Experiment("exp-a", "exp-a", "accuracy"),),
            digests=(ExperimentDigest("exp-a", total=total),),
        )
    )


def ok(source: str, at: datetime) -> SyncAttempt:
    return SyncAttempt(source, at, at, "ok")


def facts(*names: str) -> list[SourceFacts]:
    return [SourceFacts(name, "focus", False, 86400.0) for name in names]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


def count(store: Store, table: str) -> int:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


class Summaries:
    """Counts the summaries actually built from roll-ups."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.built = 0
        monkeypatch.setattr(dashboard_module, "summarize_cost", self)

    def __call__(self, *args: object, **kwargs: object) -> CostSummary:
        self.built += 1
        return summarize_cost(*args, **kwargs)  # type: ignore[arg-type]


def fresh(
    store: Store,
    names: list[str],
    now: datetime = NOW,
    budgets: tuple[Budget, ...] = BUDGETS,
    settings: CostAnalysisSettings | None = None,
) -> CostSummary:
    """The summary as it was built before summaries were kept: from every roll-up, with no
    store to keep it in."""
    whole = store.latest_all(names, with_cost_rows=True)
    board = load_dashboard(
        None, facts(*names), now, budgets=budgets, in_hand=whole, cost_settings=settings
    )
    assert board.cost is not None
    return board.cost


# --- roll-ups apart --------------------------------------------------------------------


def test_cost_rows_are_kept_apart_and_read_only_when_asked(store: Store) -> None:
    snapshot = cost_snapshot()
    store.write_snapshot(snapshot, ok("focus", NOW))
    light = store.latest("focus")
    assert light is not None and light.snapshot.cost is not None
    assert light.snapshot.cost.rows == ()
    assert light.snapshot.cost.rows_apart == len(snapshot.cost.rows)  # type: ignore[union-attr]
    assert light.snapshot.cost.cost_column == "EffectiveCost"
    assert store.load_cost_rows([light])[0].snapshot == snapshot
    assert store.latest("focus", with_cost_rows=True).snapshot == snapshot  # type: ignore[union-attr]
    (old,) = store.history("focus", NOW - timedelta(days=1), with_cost_rows=True)
    assert old.snapshot == snapshot


def test_the_same_rows_are_stored_once_and_pruned_with_their_last_snapshot(store: Store) -> None:
    first = cost_snapshot()
    store.write_snapshot(first, ok("focus", NOW - timedelta(days=40)))
    # A re-sync that found nothing changed gives back the very rows it was handed.
    previous = store.latest("focus", with_cost_rows=True)
    store.write_snapshot(
        previous.snapshot, ok("focus", NOW - timedelta(days=30)), previous=previous
    )  # type: ignore[union-attr]
    # Equal rows from a full re-read: the same bytes, the same key.
    store.write_snapshot(cost_snapshot(), ok("focus", NOW - timedelta(days=20)))
    assert count(store, "cost_rows") == 1
    assert count(store, "snapshot_cost") == 3
    store.write_snapshot(cost_snapshot(scale=2.0), ok("focus", NOW))
    assert count(store, "cost_rows") == 2
    store.prune(NOW)  # keeps the last of each day: all four days differ
    store.prune(NOW + timedelta(days=400))  # a year on: only the newest is kept
    assert count(store, "snapshot_cost") == 1 and count(store, "cost_rows") == 1
    assert store.latest("focus", with_cost_rows=True).snapshot == cost_snapshot(scale=2.0)  # type: ignore[union-attr]


def test_a_payload_written_with_its_rows_inside_still_reads(store: Store) -> None:
    store.write_snapshot(tracker(1), ok("other", NOW))  # creates the current schema
    snapshot = cost_snapshot()
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "INSERT INTO snapshots (source, taken_at, schema_version, payload)"
            " VALUES ('focus', '2026-11-23T09:00:00.000000Z', 1, ?)",
            (encode_snapshot(snapshot),),  # as a cockpit from before wrote it
        )
    light = store.latest("focus")
    assert light is not None and light.snapshot == snapshot
    assert store.load_cost_rows([light])[0].snapshot == snapshot
    board = load_dashboard(store, facts("focus"), NOW, budgets=BUDGETS)
    assert board.cost == fresh(store, ["focus"])


def test_a_snapshot_read_without_its_rows_cannot_be_written_back(store: Store) -> None:
    store.write_snapshot(cost_snapshot(), ok("focus", NOW))
    light = store.latest("focus")
    assert light is not None
    with pytest.raises(ValueError, match="without its cost rows"):
        store.write_snapshot(light.snapshot, ok("focus", NOW + timedelta(hours=1)))
    assert store.latest("focus", with_cost_rows=True).snapshot == cost_snapshot()  # type: ignore[union-attr]


class Incremental:
    """A cost source that builds on its previous roll-ups, as FOCUS and AWS do."""

    kind = "focus"
    uses_network = False
    name = "focus"

    def __init__(self) -> None:
        self.seen: list[tuple[CostRow, ...] | None] = []

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        previous = ctx.previous.cost if ctx.previous is not None else None
        self.seen.append(previous.rows if previous is not None else None)
        if previous is not None:
            return Snapshot(cost=previous, settings_key="k")  # nothing changed
        return msgspec.structs.replace(cost_snapshot(), settings_key="k")


async def test_an_incremental_sync_builds_on_the_previous_rows(store: Store) -> None:
    source = Incremental()
    clock = FrozenClock(NOW)
    for _ in range(2):
        (outcome,) = await sync_all([SyncJob(source, settings_key="k")], store, clock)
        assert outcome.status == "ok", outcome.error
        clock.advance(15 * 60)
    assert source.seen == [None, cost_snapshot().cost.rows]  # type: ignore[union-attr]
    assert count(store, "cost_rows") == 1
    latest = store.latest("focus", with_cost_rows=True)
    assert latest is not None and latest.snapshot.cost == cost_snapshot().cost


# --- kept summaries --------------------------------------------------------------------


def written(store: Store) -> None:
    store.write_snapshot(cost_snapshot("AWS"), ok("focus", NOW - timedelta(hours=2)))
    # Bills AWS too (dropped: `focus` is listed first) and Google Cloud.
    both = cost_rows("aws", 3.0) + cost_rows("Google Cloud", 0.5)
    store.write_snapshot(Snapshot(cost=CostData(rows=both)), ok("aws", NOW - timedelta(hours=1)))
    store.write_snapshot(tracker(12), ok("mlflow", NOW - timedelta(hours=1)))


def test_a_kept_summary_is_exactly_a_fresh_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    written(store)
    names = ["focus", "aws", "mlflow"]
    summaries = Summaries(monkeypatch)
    missed = load_dashboard(store, facts(*names), NOW, budgets=BUDGETS)
    assert summaries.built == 1 and count(store, "cost_summaries") == 1
    hit = load_dashboard(store, facts(*names), NOW + timedelta(minutes=20), budgets=BUDGETS)
    assert summaries.built == 1  # nothing summed again
    assert missed.cost is not None and missed.cost.experiments
    assert hit.cost == missed.cost == fresh(store, names)
    # The first source listed still wins a provider both bill.
    assert {line.key for line in missed.cost.views[0].breakdowns["provider"]} == {
        "AWS",
        "Google Cloud",
    }


def test_a_summary_is_built_again_when_anything_it_was_built_from_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    written(store)
    names = ["focus", "aws", "mlflow"]
    summaries = Summaries(monkeypatch)

    def shown(order: list[str] = names, now: datetime = NOW, **kwargs: object) -> int:
        """Builds the dashboard; returns how many summaries were built from roll-ups, after
        checking that what it shows is what a fresh build shows."""
        before = summaries.built
        board = load_dashboard(store, facts(*order), now, **kwargs)  # type: ignore[arg-type]
        built = summaries.built - before
        settings = kwargs.get("cost_settings")
        expected = fresh(store, order, now, kwargs.get("budgets", ()), settings)  # type: ignore[arg-type]
        assert board.cost == expected
        return built

    assert shown(budgets=BUDGETS) == 1
    assert shown(budgets=BUDGETS) == 0
    assert shown(budgets=BUDGETS[:1]) == 1  # other budgets
    changed = (msgspec.structs.replace(BUDGETS[0], amount=9001.0), BUDGETS[1])
    assert shown(budgets=changed) == 1  # another amount
    stricter = CostAnalysisSettings(anomaly_sigma=2.0)
    assert shown(budgets=BUDGETS, cost_settings=stricter) == 1  # other settings
    tags = CostAnalysisSettings(experiment_tags=("team",))
    assert shown(budgets=BUDGETS, cost_settings=tags) == 1
    # Another order of the sources: the other one wins AWS.
    assert shown(["aws", "focus", "mlflow"], budgets=BUDGETS) == 1
    # New roll-ups.
    store.write_snapshot(cost_snapshot(scale=5.0), ok("focus", NOW))
    assert shown(budgets=BUDGETS) == 1
    # New experiment digests.
    store.write_snapshot(tracker(40), ok("mlflow", NOW))
    assert shown(budgets=BUDGETS) == 1
    # The next hour.
    later = NOW + timedelta(minutes=31)
    assert shown(now=later, budgets=BUDGETS) == 1
    # And with nothing changed, within the hour, none is built.
    assert shown(now=later + timedelta(minutes=20), budgets=BUDGETS) == 0
    # Summaries of earlier inputs are still there to be found (the TUI and an export may
    # alternate), and only the newest few are kept.
    assert count(store, "cost_summaries") == 8


def test_a_cache_that_cannot_be_written_is_summed_without_keeping(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    written(store)
    names = ["focus", "aws", "mlflow"]
    monkeypatch.setattr(store, "read_only", lambda: True)
    board = load_dashboard(store, facts(*names), NOW, budgets=BUDGETS)
    assert board.cost == fresh(store, names)
    assert count(store, "cost_summaries") == 0

    monkeypatch.setattr(store, "read_only", lambda: False)

    def busy(*_args: object) -> None:
        raise StoreError("the cache is busy", cause="busy")

    monkeypatch.setattr(store, "save_cost_summary", busy)
    assert load_dashboard(store, facts(*names), NOW, budgets=BUDGETS).cost == fresh(store, names)


def test_a_summary_that_cannot_be_read_is_built_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    written(store)
    names = ["focus", "aws", "mlflow"]
    load_dashboard(store, facts(*names), NOW, budgets=BUDGETS)
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE cost_summaries SET payload = x'c1'")  # not a summary
    summaries = Summaries(monkeypatch)
    board = load_dashboard(store, facts(*names), NOW, budgets=BUDGETS)
    assert summaries.built == 1
    assert board.cost == fresh(store, names)


def test_snapshots_not_from_the_store_are_never_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.store import StoredSnapshot

    held = {"demo": StoredSnapshot("demo", NOW, cost_snapshot())}
    summaries = Summaries(monkeypatch)
    for _ in range(2):
        board = load_dashboard(store, facts("demo"), NOW, in_hand=held)
        assert board.cost is not None
    assert summaries.built == 2
    assert not store.exists() or count(store, "cost_summaries") == 0


def test_status_reads_a_kept_summary_for_real_data_shapes() -> None:
    # Every figure of a summary survives being kept: dates, nested tuples, dicts in order.
    summary = summarize_cost(
        merge_cost([CostData(rows=cost_rows("AWS"))], BUDGETS),  # type: ignore[arg-type]
        NOW,
    )
    from cockpit.cost_cache import _summary_decoder, _summary_encoder

    again = _summary_decoder.decode(_summary_encoder.encode(summary))
    assert again == summary
    assert list(again.views[0].breakdowns) == list(summary.views[0].breakdowns)
    assert isinstance(again.views[0].daily[0][0], date)


def test_the_key_names_the_code_that_shaped_the_summary() -> None:
    # Every entry point (status, the TUI, an export) finds the same modules behind the key,
    # whatever else it has imported.
    from cockpit.cost_cache import _SHAPED_BY, _code_stamp

    assert [name for name, _size, _mtime in _code_stamp()] == list(_SHAPED_BY)
