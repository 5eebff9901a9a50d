"""From config blocks to runnable sources. Integrations are imported only when used."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config import AnySourceSettings, Config, DemoSettings
from cockpit.kinds import BuildContext, areas_by_kind, kind_of

if TYPE_CHECKING:
    from cockpit.sync import SyncJob
    from integrations.base import Source

# Which areas each kind of source fills; the status bar and `doctor` use it.
AREAS_BY_KIND: dict[str, tuple[str, ...]] = areas_by_kind()

DEMO_SOURCE_NAME = "demo"

# Settings that say when and how patiently to sync, not what: changing them keeps the data.
# (The demo's `live` only says whether it simulates changes while the app runs.)
_SCHEDULE_KEYS = frozenset(
    {"refresh_minutes", "connect_timeout", "read_timeout", "deadline", "enabled", "page_size",
     "live", "daily_paid_calls"}
)  # fmt: skip


def settings_key(settings: AnySourceSettings) -> str:
    """A short digest of the settings that shape a source's data (url, board, jql, path…).

    Snapshots carry it: an incremental sync builds only on data made with the same settings,
    and the screen can say that the config has changed since the data was synced.
    """
    import hashlib

    import msgspec

    # Settings left at their defaults are left out, so that a later cockpit adding a setting
    # does not make every cache look as if it came from another config.
    shaping = {"kind": settings.kind}
    for field in msgspec.structs.fields(settings):
        value = getattr(settings, field.name)
        if field.name in _SCHEDULE_KEYS or value == field.default:
            continue
        shaping[field.encode_name] = msgspec.to_builtins(value)
    return hashlib.sha256(msgspec.json.encode(shaping, order="sorted")).hexdigest()[:16]


def build_context(config: Config, live_since: datetime | None = None) -> BuildContext:
    return BuildContext(config.path.parent if config.path else None, live_since)


def resolve_source_path(config: Config, raw: str) -> Path:
    """A path from the config: relative ones are relative to the config file's folder."""
    return build_context(config).resolve(raw)


def build_source(
    name: str, settings: AnySourceSettings, config: Config, *, live_since: datetime | None = None
) -> Source:
    return kind_of(settings).build(name, settings, build_context(config, live_since))


def build_jobs(
    config: Config, only: list[str] | None = None, *, live_since: datetime | None = None
) -> list[SyncJob]:
    from cockpit.sync import SyncJob

    jobs = []
    for name, settings in config.enabled_sources().items():
        if only and name not in only:
            continue
        paid = kind_of(settings).paid_calls
        jobs.append(
            SyncJob(
                build_source(name, settings, config, live_since=live_since),
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                deadline=settings.deadline,
                settings_key=settings_key(settings),
                paid_call_limit=paid(settings) if paid is not None else None,
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
