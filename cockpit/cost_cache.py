"""The cost summary, kept in the store under what it was built from.

A FOCUS export can hold 100,000 roll-ups and more: reading and summing them all took about a
second, for every `cockpit status` and every first frame. The summary depends only on the
cost sources' snapshots (in config order: the first listed wins a provider both bill), the
experiment digests spend is joined to, the budgets and `[cost]` settings, the day and the
time of day, and the code that sums. So it is kept under exactly those (the key is their bytes,
not a hash of them: two different inputs can never share a summary), and rebuilt when any
changes. The dashboard makes every summary as of the start of the hour (only the forecast of
data that has rows for today reads the time of day), so a kept one is exactly a new one.

A read-only cache, or one another cockpit is writing to, is only read: the summary is then
built and shown without being kept.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime

import msgspec

from cockpit.analytics.cost_views import CostAnalysisSettings, CostSummary
from cockpit.models import Budget
from cockpit.store import Store, StoredSnapshot, StoreError

# Bump when the key's shape changes.
_FORMAT = 1
_key_encoder = msgspec.msgpack.Encoder(order="deterministic")
_summary_encoder = msgspec.msgpack.Encoder()
_summary_decoder = msgspec.msgpack.Decoder(CostSummary)


# The modules whose code shapes a summary (all imported by `cockpit.dashboard`).
_SHAPED_BY = (
    "cockpit.analytics.cost",
    "cockpit.analytics.cost_anomalies",
    "cockpit.analytics.cost_budgets",
    "cockpit.analytics.cost_experiments",
    "cockpit.analytics.cost_forecast",
    "cockpit.analytics.cost_periods",
    "cockpit.analytics.cost_views",
    "cockpit.dashboard",
    "cockpit.models",
)


def _code_stamp() -> list[tuple[str, int, int]]:
    """Size and modification time of every module that shapes the summary: an upgraded
    cockpit never shows a summary an older one made."""
    stamp = []
    for name in _SHAPED_BY:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            info = os.stat(path)
            stamp.append((name, info.st_size, info.st_mtime_ns))
    return stamp


def summary_key(
    cost: Sequence[tuple[str, StoredSnapshot]],
    experiments: Sequence[tuple[str, StoredSnapshot]],
    budgets: tuple[Budget, ...],
    settings: CostAnalysisSettings,
    as_of: datetime,
) -> bytes | None:
    """What a summary of these inputs is kept under, or None when it cannot be kept: a
    snapshot not read from the store (the demo in memory), or experiments without digests
    (a cache from before them: digested anew each time)."""
    inputs = [*cost, *experiments]
    if any(stored.snapshot_id == 0 for _name, stored in inputs):
        return None
    for _name, stored in experiments:
        data = stored.snapshot.experiments
        if data is not None and not data.digests:
            return None
    return _key_encoder.encode(
        (
            _FORMAT,
            _code_stamp(),
            [(name, s.snapshot_id, s.taken_at.isoformat()) for name, s in cost],
            [(name, s.snapshot_id, s.taken_at.isoformat()) for name, s in experiments],
            budgets,
            settings,
            as_of.isoformat(),
        )
    )


def cached_summary(store: Store, key: bytes) -> CostSummary | None:
    """The summary kept under `key`, or None (none kept, or one this cockpit cannot read)."""
    try:
        payload = store.cost_summary(key)
        return _summary_decoder.decode(payload) if payload is not None else None
    except (StoreError, msgspec.DecodeError, ValueError):
        return None  # built again, and kept again if the store allows


def keep_summary(store: Store, key: bytes, summary: CostSummary, made_at: datetime) -> None:
    if store.read_only():
        return
    # Busy, or not writable after all: shown anyway, and kept by a later build.
    with suppress(StoreError):
        store.save_cost_summary(key, _summary_encoder.encode(summary), made_at)
