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

from cockpit.analytics.freshness import SourceFacts
from cockpit.clock import Clock
from cockpit.config import NETWORK_KINDS, Config, load_config, resolve_config_path, store_path
from cockpit.dashboard import Dashboard, load_dashboard
from cockpit.models import Budget
from cockpit.sources import AREAS_BY_KIND, build_jobs, demo_config, settings_key
from cockpit.store import Store

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cockpit.sync import SyncJob, SyncOutcome
    from integrations.base import Progress


class Workspace(msgspec.Struct):
    config: Config
    store: Store
    demo: bool = False
    live_since: datetime | None = None

    def facts(self) -> list[SourceFacts]:
        stale_after = self.config.cockpit.stale_after_minutes * 60
        return [
            SourceFacts(
                name,
                settings.kind,
                settings.kind in NETWORK_KINDS,
                max(stale_after, settings.refresh_minutes * 60 * 3),
                settings_key(settings),
            )
            for name, settings in self.config.enabled_sources().items()
        ]

    def budgets(self) -> tuple[Budget, ...]:
        return tuple(Budget(b.name, b.monthly, b.currency, b.provider) for b in self.config.budgets)

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
        return load_dashboard(
            self.store,
            self.facts(),
            now,
            offline=offline,
            budgets=self.budgets(),
            as_of_past=as_of_past,
            skip_weekends=self.config.cockpit.burndown_weekends == "skip",
        )

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
        return outcome


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


def warm_demo(workspace: Workspace, clock: Clock) -> None:
    """Fill a demo store synchronously, so the first paint already has data."""
    import asyncio

    asyncio.run(workspace.sync(clock))
