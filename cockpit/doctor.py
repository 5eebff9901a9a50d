"""`cockpit doctor`: one row per check, each failure with the fix."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path

import msgspec

from cockpit.analytics.freshness import format_age
from cockpit.config import (
    NETWORK_KINDS,
    AnySourceSettings,
    Config,
    OkrFileSettings,
    RosterFileSettings,
)
from cockpit.store import StoreError
from cockpit.workspace import Workspace

# Folders that sync files between machines; SQLite's WAL breaks there.
_SYNCED_FOLDERS = ("dropbox", "icloud", "onedrive", "google drive", "googledrive", "box sync")


class Check(msgspec.Struct, frozen=True):
    check: str
    level: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""


def _store_checks(workspace: Workspace) -> list[Check]:
    path = workspace.store.path
    checks = []
    lowered = str(path).lower()
    if any(word in lowered for word in _SYNCED_FOLDERS):
        checks.append(
            Check(
                "cache",
                "warn",
                f"{path} is in a synced folder",
                "set `store` in [cockpit] to a local path; SQLite's WAL breaks on synced folders",
            )
        )
    try:
        attempts = workspace.store.last_attempts()
    except StoreError as exc:
        return [Check("cache", "fail", str(exc), "move or delete the file; it is only a cache")]
    checks.append(Check("cache", "ok", f"{path} ({len(attempts)} sources synced before)"))
    return checks


def _file_check(name: str, path: Path) -> Check:
    if not path.exists():
        return Check(f"{name}", "fail", f"{path} does not exist", "create it, or fix `path`")
    if not os.access(path, os.R_OK):
        return Check(f"{name}", "fail", f"{path} is not readable", f"chmod u+r {path}")
    return Check(f"{name}", "ok", f"reads {path}")


def _probe(name: str, settings: AnySourceSettings, origin: str) -> Check:
    """Reach a network source with its real client and credentials."""
    from cockpit.secrets import lookup_secret
    from cockpit.sources import build_source
    from integrations.base import SourceAuthError, SourceError

    token = lookup_secret(name)
    source = build_source(name, settings, Config())
    probe = getattr(source, "probe", None)
    if token is None or probe is None:
        return Check(name, "ok", f"token from the {origin}")
    try:
        detail = probe(token)
    except SourceAuthError as exc:
        return Check(name, "fail", str(exc), f"run `cockpit auth set {name}`")
    except SourceError as exc:
        return Check(name, "fail", str(exc), f"check [sources.{name}] in the config")
    return Check(name, "ok", f"{detail}; token from the {origin}")


def run_doctor(workspace: Workspace, now: datetime, *, offline: bool = False) -> list[Check]:
    config = workspace.config
    label = "demo workspace" if workspace.demo else str(config.path)
    rows = [Check("config", "ok", f"{label}: {len(config.sources)} sources, valid")]
    rows += _store_checks(workspace)
    if not config.enabled_sources():
        rows.append(Check("sources", "warn", "no source is enabled", "add a [sources.NAME] block"))
    attempts = {}
    with contextlib.suppress(StoreError):
        attempts = workspace.store.last_attempts()
    for name, settings in config.enabled_sources().items():
        if isinstance(settings, (OkrFileSettings, RosterFileSettings)):
            from cockpit.sources import resolve_source_path

            rows.append(_file_check(name, resolve_source_path(config, settings.path)))
        elif settings.kind in NETWORK_KINDS:
            from cockpit.secrets import env_var_for, secret_origin

            origin = secret_origin(name)
            if origin == "missing":
                rows.append(
                    Check(
                        name,
                        "fail",
                        "no token found",
                        f"run `cockpit auth set {name}` or set {env_var_for(name)}",
                    )
                )
            elif offline:
                rows.append(Check(name, "warn", f"token from the {origin}; not reached (offline)"))
            else:
                rows.append(_probe(name, settings, origin))
        else:
            rows.append(Check(name, "ok", f"{settings.kind}: built in, needs no network"))
        attempt = attempts.get(name)
        if attempt and attempt.status == "failed":
            rows.append(
                Check(
                    f"{name} sync",
                    "warn",
                    f"last sync failed {format_age((now - attempt.finished_at).total_seconds())}"
                    f" ago: {attempt.error}",
                    f"run `cockpit sync --source {name}`",
                )
            )
    return rows
