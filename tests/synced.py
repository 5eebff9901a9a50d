"""A source's data written into a store as a sync at a given moment would: for tests of the
weekly summary (and what sends it), which needs data from inside the week it reports."""

from __future__ import annotations

from datetime import datetime

import msgspec

from cockpit.models import Snapshot
from cockpit.store import Store, SyncAttempt
from integrations.demo import build_demo_snapshot


def synced(store: Store, source: str, *moments: datetime, only: str | None = None) -> None:
    """The demo's data as `source` at each moment; `only` keeps one area (e.g. "okrs" for an
    OKR-file source)."""
    for moment in moments:
        snapshot = build_demo_snapshot(moment)
        if only is not None:
            snapshot = msgspec.structs.replace(Snapshot(), **{only: getattr(snapshot, only)})
        store.write_snapshot(snapshot, SyncAttempt(source, moment, moment, "ok"))
