"""The OKR summary the dashboard shows: bound values as recorded at the last sync, or resolved
live from the dashboard's own inputs when the recorded one is older than the data.

At every sync `cockpit.okr_record` resolves each binding against the whole store (every run,
every cost roll-up) and records it. The dashboard takes that value when it is at least as new
as the data it was read from; otherwise (the data changed since, or nothing was recorded yet,
as with the demo built in memory) it resolves the binding from what it has at hand: the
merged digests, the board, the status figures, and cost roll-ups only when the snapshot holds
them. A binding that needs more than that (every run, the roll-ups kept apart) keeps its
older recorded value rather than show a partial one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time

import msgspec

from cockpit.analytics.okr_bindings import (
    BindingInputs,
    binding_areas,
    bound_key_results,
    resolve_binding,
)
from cockpit.analytics.okr_views import OkrRules, OkrSummary
from cockpit.analytics.okrs import summarize_okrs
from cockpit.models import (
    AREAS,
    Binding,
    BoundValue,
    Budget,
    CostRow,
    ExperimentData,
    OkrData,
    SprintData,
)
from cockpit.store import Store, StoredSnapshot

__all__ = [
    "areas_as_of",
    "cost_rows_read",
    "okr_source",
    "okr_summary",
    "period_since",
    "pick_values",
]


def okr_source(stored: Mapping[str, StoredSnapshot], order: Sequence[str]) -> str | None:
    """The source whose OKRs are shown: the first listed that has any (as the merge does)."""
    return next((n for n in order if n in stored and stored[n].snapshot.okrs is not None), None)


def areas_as_of(stored: Mapping[str, StoredSnapshot], order: Sequence[str]) -> dict[str, datetime]:
    """When each area's newest input was synced."""
    found: dict[str, datetime] = {}
    for name in order:
        snap = stored.get(name)
        if snap is None:
            continue
        for area in AREAS:
            if getattr(snap.snapshot, area) is not None:
                held = found.get(area)
                found[area] = snap.taken_at if held is None else max(held, snap.taken_at)
    return found


def period_since(okrs: OkrData) -> datetime:
    """The start of the earliest period the file covers (its own or an objective's)."""
    first = min([okrs.period_start, *(o.start for o in okrs.objectives if o.start)])
    return datetime.combine(first, time(0), tzinfo=UTC)


def _needed_as_of(binding: Binding, as_of: Mapping[str, datetime]) -> datetime | None:
    moments = [as_of[a] for a in (*binding_areas(binding), "okrs") if a in as_of]
    return max(moments) if moments else None


def _partial_live(binding: Binding, inputs: BindingInputs, experiments_have_runs: bool) -> bool:
    """Whether a live resolution would read less than the whole truth."""
    if binding.kind in ("cost-spend", "cost-per-run") and not inputs.cost_rows:
        return True  # not read: the roll-ups are kept apart from the snapshots
    if binding.kind == "cost-per-run" and not experiments_have_runs:
        return True
    if binding.kind == "metric" and not experiments_have_runs and binding.metric.strip():
        data = inputs.experiments
        wanted = binding.experiment.strip().casefold()
        primary = {
            d.definition.primary_metric
            for d in (data.digests if data else ())
            if d.definition is not None
            and wanted in (d.definition.name.casefold(), d.definition.id.casefold())
        }
        return primary != {binding.metric.strip()}
    return False


def pick_values(
    okrs: OkrData,
    inputs: BindingInputs,
    now: datetime,
    recorded: Mapping[str, BoundValue],
    *,
    load_cost_rows: Callable[[], BindingInputs] | None = None,
) -> dict[str, BoundValue]:
    """Each bound key result's value: the recorded one when at least as new as its data, else
    live; a live one that would be partial only when nothing was recorded. `load_cost_rows`
    gives `inputs` with the roll-ups kept apart read back; it is called once at most, when a
    cost binding has no recorded value at all."""
    has_runs = bool(inputs.experiments and inputs.experiments.runs)
    chosen: dict[str, BoundValue] = {}
    for kr, start, end in bound_key_results(okrs):
        binding = kr.binding
        assert binding is not None
        held = recorded.get(kr.id)
        needed = _needed_as_of(binding, inputs.as_of)
        if held is not None and held.as_of and needed and held.as_of >= needed:
            chosen[kr.id] = held
            continue
        if _partial_live(binding, inputs, has_runs):
            if held is not None:
                chosen[kr.id] = held  # older, but read from the whole data
                continue
            if (
                load_cost_rows is not None
                and not inputs.cost_rows
                and binding.kind in ("cost-spend", "cost-per-run")
            ):
                inputs = load_cost_rows()
                load_cost_rows = None
        chosen[kr.id] = resolve_binding(kr, inputs, now, start, end)
    return chosen


def cost_rows_read(
    store: Store | None,
    stored: Mapping[str, StoredSnapshot],
    order: Sequence[str],
    budgets: tuple[Budget, ...],
) -> tuple[tuple[CostRow, ...], dict[str, tuple[CostRow, ...]]]:
    """Every cost source's roll-ups merged as the cost summary merges them (a provider's spend
    from the first source listed that has it), and each source's own; read back from `store`
    when kept apart (without a store, those of the snapshots)."""
    from cockpit.dashboard import _named, merge_cost  # the dashboard imports this module

    feeding = [(n, stored[n]) for n in order if n in stored and stored[n].snapshot.cost]
    if not feeding:
        return (), {}
    snaps = [s for _n, s in feeding]
    whole = store.load_cost_rows(snaps) if store is not None else snaps
    parts = [_named(s.snapshot, n).cost for (n, _s), s in zip(feeding, whole, strict=True)]
    merged = merge_cost([p for p in parts if p is not None], budgets)
    by_source = {n: p.rows for (n, _s), p in zip(feeding, parts, strict=True) if p is not None}
    return (merged.rows if merged is not None else ()), by_source


def okr_summary(
    okrs: OkrData,
    now: datetime,
    *,
    store: Store | None,
    stored: Mapping[str, StoredSnapshot],
    order: Sequence[str],
    sprint: SprintData | None,
    experiments: ExperimentData | None,
    budgets: tuple[Budget, ...],
    rules: OkrRules,
    status: Callable[[], Mapping[str, object]] | None = None,
) -> OkrSummary:
    """The OKR area's summary for the dashboard, from its merged inputs."""
    source = okr_source(stored, order)
    bindings = bound_key_results(okrs)
    if not bindings:
        history = store.kr_history(source, period_since(okrs), now) if store and source else ()
        return summarize_okrs(okrs, now, history=history, rules=rules)
    cost_parts = [stored[n].snapshot.cost for n in order if n in stored and stored[n].snapshot.cost]
    # Roll-ups the snapshot holds (the demo in memory, older caches) cost nothing to use.
    inline = all(part.rows_apart == 0 for part in cost_parts if part is not None)
    rows, by_source = cost_rows_read(None, stored, order, budgets) if inline else ((), {})
    wants_status = any(kr.binding and kr.binding.kind == "status" for kr, _s, _e in bindings)
    inputs = BindingInputs(
        sprint=sprint,
        experiments=experiments,
        cost_rows=rows,
        cost_rows_by_source=by_source,
        sprint_by_source={
            n: stored[n].snapshot.sprint  # type: ignore[misc]
            for n in order
            if n in stored and stored[n].snapshot.sprint is not None
        },
        budgets=budgets + tuple(b for p in cost_parts if p is not None for b in p.budgets),
        status=status() if wants_status and status is not None else None,
        as_of=areas_as_of(stored, order),
    )
    # As of `now`: a past week's dashboard (the weekly summary's "last week") must not take
    # values recorded after it.
    recorded = store.bound_values(source, now) if store is not None and source else {}

    def load_cost_rows() -> BindingInputs:
        if store is None:
            return inputs
        rows, by_source = cost_rows_read(store, stored, order, budgets)
        return msgspec.structs.replace(inputs, cost_rows=rows, cost_rows_by_source=by_source)

    bound = pick_values(okrs, inputs, now, recorded, load_cost_rows=load_cost_rows)
    history = store.kr_history(source, period_since(okrs), now) if store and source else ()
    return summarize_okrs(okrs, now, bound=bound, history=history, rules=rules)
