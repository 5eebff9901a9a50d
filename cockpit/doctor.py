"""`cockpit doctor`: one row per check, each failure with the fix."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import msgspec

from cockpit.analytics.freshness import describe_age
from cockpit.config import AnySourceSettings, Config
from cockpit.formatting import plural
from cockpit.kinds import kind_of, uses_network
from cockpit.redact import redact_url
from cockpit.store import StoreError, SyncAttempt
from cockpit.workspace import Workspace

# Folders that sync files between machines; SQLite's WAL breaks there.
_SYNCED_FOLDERS = ("dropbox", "icloud", "onedrive", "google drive", "googledrive", "box sync")


class Check(msgspec.Struct, frozen=True):
    check: str
    level: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""


def _store_checks(workspace: Workspace) -> tuple[list[Check], dict[str, SyncAttempt]]:
    """The cache's health, and its last sync attempts. A check only looks: a cache that does
    not exist yet is not created, and the advice fits the cause of a failure."""
    if workspace.in_memory:
        return [Check("cache", "ok", "the demo is built in memory; no cache file is used")], {}
    store = workspace.store
    path = store.path
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
    if not store.exists():
        checks.append(Check("cache", "ok", f"{path} does not exist yet; `cockpit sync` creates it"))
        return checks, {}
    try:
        attempts = store.last_attempts()
    except StoreError as exc:
        checks.append(Check("cache", "fail", exc.problem, exc.fix))
        return checks, {}
    count = len(attempts)
    synced = f"{plural(count, 'source')} synced before"
    if store.read_only():
        checks.append(
            Check(
                "cache",
                "warn",
                f"{path} ({synced}) is read-only for this user: it is shown, but syncs cannot"
                " update it",
                f"fix its permissions (chmod u+w {path} and its folder), or point `store` in"
                " [cockpit] at a file you may write",
            )
        )
    else:
        checks.append(Check("cache", "ok", f"{path} ({synced})"))
    return checks, attempts


def _file_check(name: str, path: Path) -> Check:
    from integrations.focus_paths import is_glob

    if is_glob(str(path)) or path.is_dir():
        return _files_check(name, path)
    if not path.exists():
        return Check(f"{name}", "fail", f"{path} does not exist", "create it, or fix `path`")
    if not os.access(path, os.R_OK):
        return Check(f"{name}", "fail", f"{path} is not readable", f"chmod u+r {path}")
    return Check(f"{name}", "ok", f"reads {path}")


def _files_check(name: str, path: Path) -> Check:
    """A glob or a folder of cost exports: how many files it names."""
    from integrations.focus_paths import SUFFIXES, matching_files

    found, skipped = matching_files(path)
    other = f" ({plural(skipped, 'other file')} skipped)" if skipped else ""
    if not found:
        return Check(
            name,
            "fail",
            f"no cost export ({', '.join(SUFFIXES)}) matches {path}{other}",
            "fix `paths`, or export there first",
        )
    unreadable = [f for f in found if not os.access(f, os.R_OK)]
    if unreadable:
        return Check(name, "fail", f"{unreadable[0]} is not readable", f"chmod u+r {unreadable[0]}")
    return Check(name, "ok", f"{plural(len(found), 'file')} match {path}{other}")


def _probe(name: str, settings: AnySourceSettings, origin: str) -> Check:
    """Reach a network source with its real client and credentials."""
    from cockpit.secrets import lookup_secret
    from cockpit.sources import build_source
    from integrations.base import SourceAuthError, SourceError

    needs_token = kind_of(settings).needs_token(settings)
    token = lookup_secret(name) if needs_token else None
    source = build_source(name, settings, Config())
    probe = getattr(source, "probe", None)
    where = f"; token from the {origin}" if needs_token else "; no token needed"
    if (needs_token and token is None) or probe is None:
        return Check(name, "ok", where.removeprefix("; "))
    try:
        detail = probe(token)
    except SourceAuthError as exc:
        # A kind without a token (AWS's own credential chain) says in its message what to do.
        fix = f"run `cockpit auth set {name}`" if needs_token else "do what the message says"
        return Check(name, "fail", redact_url(str(exc)), fix)
    except SourceError as exc:
        return Check(name, "fail", redact_url(str(exc)), f"check [sources.{name}] in the config")
    return Check(name, "ok", f"{detail}{where}")


def _paid_calls_check(
    workspace: Workspace, name: str, settings: AnySourceSettings, now: datetime
) -> Check:
    """Today's paid calls (AWS Cost Explorer bills each one), as counted in the cache. Read
    from the cache only: doctor never makes a paid call."""
    import contextlib
    from datetime import UTC

    from cockpit.sources import build_source

    paid = kind_of(settings).paid_calls
    limit = paid(settings) if paid is not None else 0
    what = getattr(build_source(name, settings, Config()), "paid_calls_noun", "paid calls")
    day = now.astimezone(UTC).date()
    used = 0
    if not workspace.in_memory:
        # A damaged cache: the cache row above already says what is wrong with it.
        with contextlib.suppress(StoreError):
            used = workspace.store.paid_calls_used(name, day)
    detail = f"{what} today (UTC): {used} of {limit}"
    if used < limit:
        return Check(f"{name} calls", "ok", detail)
    return Check(
        f"{name} calls",
        "warn",
        f"{detail}; syncs are held until 00:00 UTC, the cached data is shown",
        f"raise `daily_paid_calls` in [sources.{name}] to allow more",
    )


def run_doctor(workspace: Workspace, now: datetime, *, offline: bool = False) -> list[Check]:
    config = workspace.config
    label = "demo workspace" if workspace.demo else str(config.path)
    count = len(config.sources)
    rows = [Check("config", "ok", f"{label}: {plural(count, 'source')}, valid")]
    cache_rows, attempts = _store_checks(workspace)
    rows += cache_rows
    if not config.enabled_sources():
        rows.append(Check("sources", "warn", "no source is enabled", "add a [sources.NAME] block"))
    for name, settings in config.enabled_sources().items():
        kind = kind_of(settings)
        files = kind.files(settings) if kind.files is not None else ()
        if files:
            from cockpit.sources import resolve_source_path

            for raw in files:
                rows.append(_file_check(name, resolve_source_path(config, raw)))
        elif uses_network(settings):
            from cockpit.secrets import env_var_for, secret_origin

            needs_token = kind.needs_token(settings)
            origin = secret_origin(name) if needs_token else ""
            token_words = f"token from the {origin}" if needs_token else "no token needed"
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
                rows.append(Check(name, "warn", f"{token_words}; not reached (offline)"))
            else:
                rows.append(_probe(name, settings, origin))
            if kind.paid_calls is not None:
                rows.append(_paid_calls_check(workspace, name, settings, now))
        else:
            rows.append(Check(name, "ok", f"{settings.kind}: built in, needs no network"))
        attempt = attempts.get(name)
        if attempt and attempt.status == "failed":
            rows.append(
                Check(
                    f"{name} sync",
                    "warn",
                    f"last sync failed {describe_age((now - attempt.finished_at).total_seconds())}"
                    f": {attempt.error}",
                    f"run `cockpit sync --source {name}`",
                )
            )
    rows += _destination_checks(config)
    return rows


def _destination_checks(config: Config) -> list[Check]:
    """Each `[destinations.NAME]` and whether its secret is there (never its value). Nothing
    is sent: a webhook cannot be tried without posting to the channel."""
    from cockpit.secrets import env_var_for, secret_origin

    rows = []
    for name, settings in config.destinations.items():
        label = f"{name} ({settings.kind})"
        if settings.needs_secret:
            origin = secret_origin(name)
            if origin == "missing":
                rows.append(
                    Check(
                        label,
                        "fail",
                        f"no {settings.secret_words} found; `cockpit send --to {name}` would wait",
                        f"run `cockpit auth set {name}` or set {env_var_for(name)}",
                    )
                )
                continue
            detail = f"{settings.secret_words} from the {origin}"
            if settings.kind == "confluence":
                detail = f"{redact_url(settings.url)}, space {settings.space}; {detail}"
            rows.append(Check(label, "ok", detail))
            continue
        folder = Path(settings.path)
        if folder.is_dir() and not os.access(folder, os.W_OK):
            rows.append(Check(label, "fail", f"{folder} is not writable", f"chmod u+w {folder}"))
        else:
            made = "" if folder.is_dir() else " (created on the first send)"
            rows.append(Check(label, "ok", f"writes {settings.format} to {folder}{made}"))
    return rows
