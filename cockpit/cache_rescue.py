"""A damaged cache is set aside and rebuilt, never a dead end and never deleted.

The cache holds only copies of the sources' data, so the commands that write it (`cockpit sync`,
the TUI's start) rename a damaged file beside itself (`NAME.damaged-YYYYmmddTHHMMSSZ`, kept for
anyone who wants to look at it) and start a new one, which the sync fills. The read-only
commands (`status`, `export`, `screenshot`, `doctor`) never change the file: they say it is
damaged and that the next `cockpit sync` sets it aside.

A cache from a newer cockpit, or one this user may not change, is not damaged: it is refused as
before, and left exactly as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from cockpit.store import Store, StoreError

T = TypeVar("T")


def set_aside_notice(exc: StoreError, moved: Path) -> str:
    """What the user is told once a damaged cache was set aside."""
    return (
        f"{exc.problem}; it was set aside as {moved} (kept, not deleted) and a new cache is built"
    )


def _damaged(store: Store, exc: StoreError) -> bool:
    return exc.cause == "corrupt" and store.exists() and not store.read_only()


def set_aside_if_damaged(store: Store, now: datetime) -> str | None:
    """Before a sync writes: look at the whole file (`PRAGMA quick_check` and the snapshots the
    screen reads); a damaged one is set aside. Returns the notice to show, or None when the
    cache is sound or does not exist yet. Other failures (newer, read-only, busy) are raised."""
    try:
        store.check(thorough=True)
    except StoreError as exc:
        if not _damaged(store, exc):
            raise
        return set_aside_notice(exc, store.set_aside(now))
    return None


def read_setting_aside(store: Store, read: Callable[[], T], now: datetime) -> tuple[T, str | None]:
    """`read()` (the TUI's first dashboard); when it finds the cache damaged, set the file aside
    and read again from a new, empty cache. Returns what was read and the notice, if any. The
    first read is the one the start makes anyway: a sound cache costs nothing more."""
    try:
        return read(), None
    except StoreError as exc:
        if not _damaged(store, exc):
            raise
        notice = set_aside_notice(exc, store.set_aside(now))
    return read(), notice
