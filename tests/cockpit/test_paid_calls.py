"""A paid API's daily call budget, counted in the store by the sync engine, and the notices a
running TUI has shown once.

The source here is a stand-in whose "paid calls" are counted at its end (the AWS source's own
tests prove the same against moto's server); what is under test is the engine and the store.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.analytics.freshness import Freshness, SourceFacts, source_state
from cockpit.clock import FrozenClock
from cockpit.models import CostData, CostRow, Snapshot
from cockpit.store import Store
from cockpit.sync import SyncJob, sync_one
from integrations.base import FetchContext, SourceUnreachable

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class BilledSource:
    """Makes `calls_per_sync` paid calls a sync, each announced to `ctx.paid_calls` first;
    `fail_after` makes the sync fail after that many calls (they were still paid)."""

    kind = "billed"
    uses_network = False

    def __init__(self, calls_per_sync: int, fail_after: int | None = None) -> None:
        self.name = "billing"
        self.calls_per_sync = calls_per_sync
        self.fail_after = fail_after
        self.calls_made = 0  # what the provider would bill

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        assert ctx.paid_calls is not None
        if ctx.paid_calls.left() < self.calls_per_sync:
            ctx.paid_calls.spend(self.calls_per_sync, source=self.name, what="paid calls")
        for n in range(self.calls_per_sync):
            if self.fail_after is not None and n == self.fail_after:
                raise SourceUnreachable(f"{self.name}: the server went away")
            ctx.paid_calls.spend(source=self.name)
            self.calls_made += 1
        row = CostRow(day=ctx.now.date(), provider="AWS", service="EC2", amount=float(n))
        return Snapshot(cost=CostData(rows=(row,)))


def sync(source: BilledSource, store: Store, at: datetime, limit: int = 3) -> str:
    job = SyncJob(source, paid_call_limit=limit)
    outcome = asyncio.run(sync_one(job, store, FrozenClock(at)))
    return outcome.status


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.db")


def test_the_sync_over_the_daily_budget_makes_no_call_and_keeps_the_data(store: Store) -> None:
    source = BilledSource(calls_per_sync=2)
    assert sync(source, store, NOW) == "ok"
    kept = store.latest("billing")
    assert store.paid_calls_used("billing", NOW.date()) == 2

    status = sync(source, store, NOW + timedelta(hours=3))

    assert status == "held"
    assert source.calls_made == 2  # the second sync asked nothing
    assert store.paid_calls_used("billing", NOW.date()) == 2
    assert store.latest("billing") == kept
    attempt = store.last_attempts()["billing"]
    assert attempt.status == "held"
    assert "today's 3 paid calls are used" in attempt.error
    assert "the data is kept" in attempt.error


def test_a_new_utc_day_allows_calls_again(store: Store) -> None:
    source = BilledSource(calls_per_sync=3)
    assert sync(source, store, NOW) == "ok"
    assert sync(source, store, NOW + timedelta(hours=1)) == "held"
    tomorrow = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time(), UTC)
    assert sync(source, store, tomorrow + timedelta(minutes=5)) == "ok"
    assert source.calls_made == 6
    assert store.paid_calls_used("billing", tomorrow.date()) == 3


def test_calls_of_a_failed_sync_are_counted_too(store: Store) -> None:
    source = BilledSource(calls_per_sync=3, fail_after=1)
    assert sync(source, store, NOW) == "failed"
    assert source.calls_made == 1
    assert store.paid_calls_used("billing", NOW.date()) == 1
    assert store.latest("billing") is None


def test_a_held_source_says_why_without_being_shown_as_failed(store: Store) -> None:
    source = BilledSource(calls_per_sync=2)
    sync(source, store, NOW)
    later = NOW + timedelta(hours=2)
    sync(source, store, later)
    snap = store.latest("billing")
    attempt = store.last_attempts()["billing"]
    assert snap is not None
    facts = SourceFacts("billing", "billed", True, 86_400)
    state = source_state(
        facts, snap.taken_at, attempt.status, attempt.error, attempt.finished_at, later,
        offline=False,
    )  # fmt: skip
    assert state.state is Freshness.FRESH
    assert "paid calls are used" in state.error


def test_counting_is_per_source_and_per_day(store: Store) -> None:
    store.add_paid_calls("a", date(2026, 11, 30), 2)
    store.add_paid_calls("a", date(2026, 11, 30), 1)
    store.add_paid_calls("b", date(2026, 11, 30), 1)
    store.add_paid_calls("a", date(2026, 12, 1), 1)
    assert store.paid_calls_used("a", date(2026, 11, 30)) == 3
    assert store.paid_calls_used("b", date(2026, 11, 30)) == 1
    assert store.paid_calls_used("a", date(2026, 12, 1)) == 1
    assert store.paid_calls_used("c", date(2026, 11, 30)) == 0


def test_a_notice_is_remembered_once_shown(store: Store, tmp_path: Path) -> None:
    assert store.notices_seen(["ML|2026-11|actual|0.8"]) == set()
    store.mark_notices(["ML|2026-11|actual|0.8"], NOW)
    store.mark_notices(["ML|2026-11|actual|0.8"], NOW + timedelta(hours=1))  # no error twice
    # Another process (a new TUI) on the same file knows it too.
    again = Store(tmp_path / "cache.db")
    assert again.notices_seen(["ML|2026-11|actual|0.8", "ML|2026-11|actual|1.0"]) == {
        "ML|2026-11|actual|0.8"
    }
