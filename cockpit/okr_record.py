"""After every sync, each bound key result's value is resolved against the whole store and
recorded (`Store.record_bound_values`), so a key result has a line over the quarter.

Blocking (it reads the store, and every run when a binding needs them): `Workspace.sync` and
`Workspace.sync_job` call it on a worker thread. It never makes a sync fail: the caller logs
what goes wrong and the dashboard resolves the bindings live until the next sync.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from cockpit.analytics.okr_bindings import (
    BindingInputs,
    bound_key_results,
    needs_cost_rows,
    resolve_bindings,
    wants_runs,
)
from cockpit.dashboard import _with_digests, merge_snapshots
from cockpit.models import BoundValue, OkrData
from cockpit.okr_live import areas_as_of, cost_rows_read
from cockpit.sources import AREAS_BY_KIND
from cockpit.store import DecodedChunks, StoredSnapshot

if TYPE_CHECKING:
    from cockpit.workspace import Workspace

__all__ = ["record_okr_values"]

# One recording at a time: the TUI's syncs of two sources may finish together, and the chunks
# of runs decoded last time (kept per store file) are reused by the next recording only.
_LOCK = threading.Lock()
_DECODED: dict[str, DecodedChunks] = {}


def record_okr_values(workspace: Workspace, now: datetime) -> dict[str, dict[str, BoundValue]]:
    """Resolve and record the bindings of every enabled OKR source that has data; returns what
    was recorded, by source. Nothing is read beyond the OKR snapshots when no key result is
    bound."""
    if workspace.in_memory:
        return {}
    enabled = workspace.config.enabled_sources()
    order = list(enabled)
    okr_names = [n for n, s in enabled.items() if "okrs" in AREAS_BY_KIND.get(s.kind, ())]
    if not okr_names:
        return {}
    with _LOCK:
        store = workspace.store
        if not store.exists():
            return {}
        stored = store.latest_all(order)
        files: dict[str, OkrData] = {
            n: stored[n].snapshot.okrs  # type: ignore[misc]
            for n in okr_names
            if n in stored and stored[n].snapshot.okrs is not None
        }
        files = {n: okrs for n, okrs in files.items() if bound_key_results(okrs)}
        if not files:
            return {}
        inputs = _inputs(workspace, stored, order, list(files.values()), now)
        recorded: dict[str, dict[str, BoundValue]] = {}
        for name, okrs in files.items():
            values = resolve_bindings(okrs, inputs, now)
            store.record_bound_values(name, values.values(), now)
            recorded[name] = values
        return recorded


def _inputs(
    workspace: Workspace,
    stored: dict[str, StoredSnapshot],
    order: list[str],
    files: list[OkrData],
    now: datetime,
) -> BindingInputs:
    """What the bindings of `files` read: the merged board and experiments, every run when a
    binding needs them, every cost roll-up when a cost binding needs them, and the status
    figures when a status binding needs them."""
    snapshots = [
        msgspec.structs.replace(_with_digests(stored[n].snapshot, n, now), cost=None)
        for n in order
        if n in stored
    ]
    merged = merge_snapshots(snapshots)
    experiments = merged.experiments
    if experiments is not None and any(wants_runs(okrs, experiments) for okrs in files):
        decoded = _DECODED.setdefault(str(workspace.store.path), {})
        names = [n for n in order if n in stored and stored[n].snapshot.experiments is not None]
        with_runs = workspace.store.latest_all(names, with_runs=True, decoded=decoded)
        parts = [
            msgspec.structs.replace(_with_digests(with_runs[n].snapshot, n, now), cost=None)
            for n in names
            if n in with_runs
        ]
        experiments = merge_snapshots(parts).experiments
    budgets = workspace.budgets()
    rows, by_source = (), {}
    if any(needs_cost_rows(okrs) for okrs in files):
        rows, by_source = cost_rows_read(workspace.store, stored, order, budgets)
    costs = [stored[n].snapshot.cost for n in order if n in stored]
    providers = tuple(b for cost in costs if cost is not None for b in cost.budgets)
    status = None
    if any(
        kr.binding is not None and kr.binding.kind == "status"
        for okrs in files
        for kr, _start, _end in bound_key_results(okrs)
    ):
        status = _status(workspace, now)
    return BindingInputs(
        sprint=merged.sprint,
        experiments=experiments,
        cost_rows=rows,
        cost_rows_by_source=by_source,
        sprint_by_source={
            n: stored[n].snapshot.sprint  # type: ignore[misc]
            for n in order
            if n in stored and stored[n].snapshot.sprint is not None
        },
        budgets=budgets + providers,
        status=status,
        as_of=areas_as_of(stored, order),
    )


def _status(workspace: Workspace, now: datetime) -> dict[str, object]:
    """`cockpit status --json` as of now, without its OKR section (which these values feed)."""
    from cockpit.report import status_json

    figures = status_json(workspace.dashboard(now))
    figures.pop("okrs", None)
    return figures
