"""From config blocks to runnable sources. Integrations are imported only when used."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config import (
    AnySourceSettings,
    Config,
    DemoSettings,
    JiraSettings,
    OkrFileSettings,
    RosterFileSettings,
)

if TYPE_CHECKING:
    from cockpit.sync import SyncJob
    from integrations.base import Source

# Which areas each kind of source fills; the status bar and `doctor` use it.
AREAS_BY_KIND: dict[str, tuple[str, ...]] = {
    "demo": ("sprint", "experiments", "okrs", "cost", "team"),
    "okr-file": ("okrs",),
    "roster-file": ("team",),
    "jira": ("sprint", "team"),
}

DEMO_SOURCE_NAME = "demo"


def resolve_source_path(config: Config, raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_absolute() and config.path is not None:
        path = config.path.parent / path
    return path


def build_source(
    name: str, settings: AnySourceSettings, config: Config, *, live_since: datetime | None = None
) -> Source:
    if isinstance(settings, DemoSettings):
        from integrations.demo import DemoSource

        return DemoSource(
            name, seed=settings.seed, live_since=live_since if settings.live else None
        )
    if isinstance(settings, OkrFileSettings):
        from integrations.local_files import OkrFileSource

        return OkrFileSource(name, resolve_source_path(config, settings.path))
    if isinstance(settings, RosterFileSettings):
        from integrations.local_files import RosterFileSource

        return RosterFileSource(name, resolve_source_path(config, settings.path))
    if isinstance(settings, JiraSettings):
        from integrations.jira import JiraSource
        from integrations.retry import Timeouts

        return JiraSource(
            name,
            url=settings.url,
            board_id=settings.board_id,
            email=settings.email,
            deployment=settings.deployment,
            points_field=settings.points_field,
            jql=settings.jql,
            page_size=settings.page_size,
            timeouts=Timeouts(settings.connect_timeout, settings.read_timeout, settings.deadline),
        )
    raise AssertionError(f"no integration for {type(settings).__name__}")


def build_jobs(
    config: Config, only: list[str] | None = None, *, live_since: datetime | None = None
) -> list[SyncJob]:
    from cockpit.sync import SyncJob

    jobs = []
    for name, settings in config.enabled_sources().items():
        if only and name not in only:
            continue
        jobs.append(
            SyncJob(
                build_source(name, settings, config, live_since=live_since),
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                deadline=settings.deadline,
            )
        )
    return jobs


def demo_config(*, live: bool = False, store: Path | None = None) -> Config:
    """The built-in demo workspace as a config: one demo source and its budget."""
    from cockpit.config import GeneralSettings

    return Config(
        cockpit=GeneralSettings(store=str(store) if store else ""),
        sources={DEMO_SOURCE_NAME: DemoSettings(live=live, refresh_minutes=0.25)},
    )
