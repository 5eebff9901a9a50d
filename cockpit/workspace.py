"""A workspace is a config plus its store: what every command and the TUI open first.

`cockpit status` must start in well under 150 ms, so the sync machinery (asyncio, and with it
ssl) is imported only when something is actually synced.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from cockpit.analytics.cost_views import CostAnalysisSettings
from cockpit.analytics.experiments import digest_experiments
from cockpit.analytics.freshness import SourceFacts
from cockpit.analytics.okr_views import OkrRules
from cockpit.analytics.team_views import TeamRules
from cockpit.clock import Clock
from cockpit.config import Config, load_config, resolve_config_path, store_path
from cockpit.dashboard import Dashboard, load_dashboard
from cockpit.kinds import uses_network
from cockpit.lead_zone import lead_zone
from cockpit.models import Budget, ExperimentData
from cockpit.sources import AREAS_BY_KIND, build_jobs, demo_config, settings_key
from cockpit.store import DecodedChunks, Store, StoredSnapshot, SyncAttempt, without_runs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cockpit.sync import SyncJob, SyncOutcome
    from integrations.base import Progress


class Workspace(msgspec.Struct):
    config: Config
    store: Store
    demo: bool = False
    live_since: datetime | None = None
    # Complete snapshots built in memory and not written yet: the demo's first paint uses them
    # instead of waiting for a write and a read back (see `hold_demo`, `write_in_hand`).
    in_hand: dict[str, StoredSnapshot] = msgspec.field(default_factory=dict)
    # Nothing is read from disk: the headless `--demo` commands, and `cockpit demo` until its
    # first frame is on screen and `write_in_hand` has kept what it showed.
    in_memory: bool = False
    # The chunks of runs `experiment_runs` decoded last time: the next call decodes only the
    # chunks a sync has added since (see `Store.latest_all`).
    decoded_runs: DecodedChunks = msgspec.field(default_factory=dict)

    def facts(self) -> list[SourceFacts]:
        stale_after = self.config.cockpit.stale_after_minutes * 60
        return [
            SourceFacts(
                name,
                settings.kind,
                uses_network(settings),
                max(stale_after, settings.refresh_minutes * 60 * 3),
                settings_key(settings),
            )
            for name, settings in self.config.enabled_sources().items()
        ]

    def budgets(self) -> tuple[Budget, ...]:
        return tuple(
            Budget(
                b.name,
                b.per_period,
                b.currency,
                b.provider,
                period=b.period,
                scope=b.scope,
                thresholds=tuple(sorted(a / 100 for a in b.alerts)),
                forecast_threshold=b.forecast_alert / 100 if b.forecast_alert else None,
            )
            for b in self.config.budgets
        )

    def cost_settings(self) -> CostAnalysisSettings:
        cost = self.config.cost
        return CostAnalysisSettings(
            experiment_tags=tuple(k.lower() for k in cost.experiment_tags),
            run_tags=tuple(k.lower() for k in cost.run_tags),
            anomaly_sigma=cost.anomaly_sigma,
        )

    def team_rules(self) -> TeamRules:
        return TeamRules(**msgspec.structs.asdict(self.config.team))

    def okr_rules(self) -> OkrRules:
        return OkrRules(**msgspec.structs.asdict(self.config.okrs))

    def lead_zone(self) -> str:
        """The zone the team is shown in: `[cockpit] timezone`, else the machine's."""
        return lead_zone(self.config.cockpit.timezone)

    def jobs(self, only: list[str] | None = None) -> list[SyncJob]:
        return build_jobs(self.config, only, live_since=self.live_since)

    def areas_of(self, source: str) -> tuple[str, ...]:
        settings = self.config.sources.get(source)
        if settings is None:
            return ()
        return AREAS_BY_KIND.get(settings.kind, ())

    def dashboard(
        self, now: datetime, *, offline: bool = False, as_of_past: bool = False
    ) -> Dashboard:
        # The app's worker may be writing `in_hand` out meanwhile (`write_in_hand`): copy it
        # first, then look at `in_memory`. The writer clears `in_memory` before it empties
        # `in_hand`, so either the copy holds the data or the store does.
        in_hand = dict(self.in_hand)
        if self.in_memory and self.demo and as_of_past:
            # A past moment of the in-memory demo (the weekly export's week and the week
            # before): the demo as it looked then, built only when an export asks for it.
            in_hand = {name: self._demo_at(now) for name in in_hand}
        held = {
            # What the store would give back: the digests, not the runs.
            name: msgspec.structs.replace(snap, snapshot=without_runs(snap.snapshot))
            for name, snap in in_hand.items()
        }
        store = None if self.in_memory else self.store
        return load_dashboard(
            store,
            self.facts(),
            now,
            offline=offline,
            budgets=self.budgets(),
            as_of_past=as_of_past,
            skip_weekends=self.config.cockpit.burndown_weekends == "skip",
            in_hand=held,
            cost_settings=self.cost_settings(),
            team_rules=self.team_rules(),
            lead_zone=self.lead_zone(),
            okr_rules=self.okr_rules(),
        )

    def experiment_runs(self) -> list[ExperimentData]:
        """Every experiment source's latest data with all its runs, in config order: what the
        leaderboard screen shows. One read of the store for all sources; chunks of runs
        decoded by the last call are not decoded again (their key is the hash of their
        bytes), so after a re-sync only the weeks that changed are. About a second at 50,000
        runs the first time: call it off the UI loop."""
        held = dict(self.in_hand)
        names = [
            name
            for name, s in self.config.enabled_sources().items()
            if "experiments" in AREAS_BY_KIND.get(s.kind, ())
        ]
        from_store = [name for name in names if name not in held]
        stored = {}
        if from_store and not self.in_memory:
            stored = self.store.latest_all(from_store, with_runs=True, decoded=self.decoded_runs)
        found: list[ExperimentData] = []
        for name in names:
            snap = held.get(name) or stored.get(name)
            if snap is not None and snap.snapshot.experiments is not None:
                found.append(snap.snapshot.experiments)
        return found

    def due_in(self, now: datetime) -> dict[str, float]:
        """Seconds until each source is due to sync. A network source is due when it has no
        data, its last attempt failed, or its data is as old as its refresh interval: opening
        the app twice in a minute does not call Jira twice. Local files are always due: they
        cost nothing to read, and an edit must show at once. Nothing is decoded to answer."""
        if self.in_memory:
            return {}
        taken = self.store.latest_times()
        attempts = self.store.last_attempts()
        due: dict[str, float] = {}
        for name, settings in self.config.enabled_sources().items():
            if not uses_network(settings):
                due[name] = 0.0
                continue
            last = taken.get(name)
            attempt = attempts.get(name)
            if last is None or (attempt is not None and attempt.status != "ok"):
                due[name] = 0.0
                continue
            due[name] = max(settings.refresh_minutes * 60 - (now - last).total_seconds(), 0.0)
        return due

    def hold_demo(self, clock: Clock) -> None:
        """Build the demo's snapshot in memory: the first frame shows it before any disk I/O."""
        from cockpit.sources import DEMO_SOURCE_NAME

        self.in_hand[DEMO_SOURCE_NAME] = self._demo_at(clock.now())

    def _demo_at(self, now: datetime) -> StoredSnapshot:
        """The demo source's snapshot as a sync at `now` would have written it."""
        from cockpit.sources import DEMO_SOURCE_NAME, build_source

        settings = self.config.sources[DEMO_SOURCE_NAME]
        source = build_source(DEMO_SOURCE_NAME, settings, self.config, live_since=self.live_since)
        snapshot = source.snapshot_at(now)  # type: ignore[attr-defined]
        snapshot = msgspec.structs.replace(snapshot, settings_key=settings_key(settings))
        if snapshot.experiments is not None:
            # As a sync fills them before it writes: in memory and in the store look the same.
            experiments = digest_experiments(snapshot.experiments, now)
            snapshot = msgspec.structs.replace(snapshot, experiments=experiments)
        # Every text of the demo is the cockpit's own, made from a seed, never read from
        # outside: nothing to clean (tests/test_stored_text.py holds it to that).
        return StoredSnapshot(DEMO_SOURCE_NAME, now, snapshot, text_clean=True)

    def write_in_hand(self) -> list[str]:
        """Keep what `hold_demo` built, as a sync of it would have; returns the sources written.
        Blocking: the app calls it on a worker thread after the first frame."""
        held_now = list(self.in_hand.items())
        for name, held in held_now:
            attempt = SyncAttempt(name, held.taken_at, held.taken_at, "ok")
            self.store.write_snapshot(held.snapshot, attempt)
        # In the store now: read from there (the store's copy wins until these are dropped).
        self.in_memory = False
        for name, _held in held_now:
            del self.in_hand[name]
        return [name for name, _held in held_now]

    async def sync(
        self,
        clock: Clock,
        *,
        only: list[str] | None = None,
        offline: bool = False,
        progress: Mapping[str, Progress] | None = None,
    ) -> list[SyncOutcome]:
        import asyncio

        from cockpit.secrets import lookup_secret
        from cockpit.sync import sync_all

        outcomes = await sync_all(
            self.jobs(only),
            self.store,
            clock,
            offline=offline,
            secret=lookup_secret,
            progress=progress,
        )
        await asyncio.to_thread(self.store.prune, clock.now())
        if any(outcome.status == "ok" for outcome in outcomes):
            await asyncio.to_thread(self.record_okr_values, clock.now())
        return outcomes

    async def sync_job(
        self,
        job: SyncJob,
        clock: Clock,
        *,
        offline: bool = False,
        progress: Progress | None = None,
    ) -> SyncOutcome:
        """One source, as the TUI's workers sync it; the history is pruned the same way."""
        import asyncio

        from cockpit.secrets import lookup_secret
        from cockpit.sync import sync_one

        outcome = await sync_one(
            job, self.store, clock, offline=offline, secret=lookup_secret, progress=progress
        )
        if outcome.status == "ok":
            await asyncio.to_thread(self.store.prune, clock.now())
            await asyncio.to_thread(self.record_okr_values, clock.now())
        return outcome

    def record_okr_values(self, now: datetime) -> None:
        """Record each bound key result's value after a sync (blocking: call it on a worker).
        A failure is logged, never raised: the sync itself succeeded, and the dashboard
        resolves the bindings live until the next one is recorded."""
        from cockpit.okr_record import record_okr_values

        try:
            record_okr_values(self, now)
        except Exception:  # a recording must never fail the sync
            import logging

            logging.getLogger(__name__).warning("recording the OKR values failed", exc_info=True)


def open_user_workspace(config_arg: str | None) -> Workspace:
    """The user's own workspace. Raises ConfigError when the config is missing or wrong."""
    config = load_config(resolve_config_path(config_arg))
    return Workspace(config, Store(store_path(config)))


def _private_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def open_demo_workspace(
    store: Path | None = None, *, live_since: datetime | None = None
) -> Workspace:
    """The built-in demo: its own store (private and temporary unless a path is given)."""
    path = store or _private_dir() / "demo.sqlite"
    config = demo_config(live=live_since is not None, store=path)
    return Workspace(config, Store(path), demo=True, live_since=live_since)


def open_demo_in_memory(clock: Clock) -> Workspace:
    """The demo for one headless command (`status --demo`, `export --demo`…): built in memory
    and shown from there, with no cache file, no sync machinery and no clean-up."""
    path = Path(tempfile.gettempdir()) / "cockpit-demo-never-written.sqlite"
    workspace = Workspace(demo_config(store=path), Store(path), demo=True, in_memory=True)
    workspace.hold_demo(clock)
    return workspace


def warm_demo(workspace: Workspace, clock: Clock) -> None:
    """Fill a demo store synchronously, so the first paint already has data."""
    import asyncio

    asyncio.run(workspace.sync(clock))
