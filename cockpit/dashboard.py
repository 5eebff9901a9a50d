"""From the store to the view-models every surface shows: TUI panels, `status`, exports.

Several sources may feed one area (two cost accounts, a roster plus Jira's time zones), so the
latest snapshot of every configured source is merged per area here, and each area carries the
age of its oldest input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from cockpit.analytics.cost import CostSummary, summarize_cost
from cockpit.analytics.cost_views import CostAnalysisSettings
from cockpit.analytics.experiment_digest import ensure_digests
from cockpit.analytics.experiments import ExperimentsSummary, summarize_experiments
from cockpit.analytics.freshness import SourceFacts, SourceState, oldest_age, source_state
from cockpit.analytics.okr_views import OkrRules, OkrSummary
from cockpit.analytics.sprint import SprintSummary, summarize_sprint
from cockpit.analytics.team import TeamSummary, summarize_team
from cockpit.analytics.team_views import TeamRules
from cockpit.cost_cache import cached_summary, keep_summary, summary_key
from cockpit.models import (
    AREAS,
    Budget,
    CostData,
    CostRow,
    ExperimentData,
    OkrData,
    Snapshot,
    SprintData,
    TeamData,
)
from cockpit.okr_live import okr_summary
from cockpit.store import Store, StoredSnapshot
from cockpit.team_merge import merge_team
from cockpit.text_safety import clean_record


class AreaInputs(msgspec.Struct, frozen=True, gc=False):
    """One area's merged records and the states of the sources behind them."""

    sources: tuple[SourceState, ...]

    @property
    def age_seconds(self) -> float | None:
        return oldest_age(list(self.sources))


class Dashboard(msgspec.Struct, frozen=True, gc=False):
    now: datetime
    offline: bool
    sources: tuple[SourceState, ...]
    areas: dict[str, AreaInputs]
    sprint: SprintSummary | None
    experiments: ExperimentsSummary | None
    okrs: OkrSummary | None
    cost: CostSummary | None
    team: TeamSummary | None
    # Every person and recorded meeting, merged: the team screen's slot finder and fairness
    # ledger work from these (on a worker), so opening the screen reads nothing.
    team_data: TeamData | None = None
    team_rules: TeamRules = TeamRules()
    lead_zone: str = "UTC"

    def age_of(self, area: str) -> float | None:
        inputs = self.areas.get(area)
        return inputs.age_seconds if inputs else None

    def at(self, now: datetime) -> Dashboard:
        """The same view-models with every age as of `now`: what the 10-second tick shows,
        without reading the store or running any analytics."""
        sources = tuple(state.at(now) for state in self.sources)
        by_name = {state.source: state for state in sources}
        areas = {
            area: AreaInputs(tuple(by_name[s.source] for s in inputs.sources))
            for area, inputs in self.areas.items()
        }
        return msgspec.structs.replace(self, now=now, sources=sources, areas=areas)


def merge_snapshots(snapshots: list[Snapshot], budgets: tuple[Budget, ...] = ()) -> Snapshot:
    """One snapshot per area from many sources; the first source listed wins single-valued areas."""
    sprint: SprintData | None = next((s.sprint for s in snapshots if s.sprint), None)
    okrs: OkrData | None = next((s.okrs for s in snapshots if s.okrs), None)
    experiment_parts = [s.experiments for s in snapshots if s.experiments]
    experiments = None
    if experiment_parts:
        # Experiment and run ids may collide across sources: the digests, each carrying its
        # source, tracker and experiment, are what the summary reads.
        experiments = ExperimentData(
            tracker=", ".join(dict.fromkeys(p.tracker for p in experiment_parts)),
            experiments=tuple(e for p in experiment_parts for e in p.experiments),
            runs=tuple(r for p in experiment_parts for r in p.runs),
            models=tuple(m for p in experiment_parts for m in p.models),
            source=", ".join(dict.fromkeys(p.source for p in experiment_parts if p.source)),
            digests=tuple(d for p in experiment_parts for d in p.digests),
        )
    cost = merge_cost([s.cost for s in snapshots if s.cost], budgets)
    # A roster person Jira also knows is one person; recorded meetings come along.
    team = merge_team([s.team for s in snapshots if s.team])
    return Snapshot(sprint=sprint, experiments=experiments, okrs=okrs, cost=cost, team=team)


def merge_cost(parts: list[CostData], budgets: tuple[Budget, ...] = ()) -> CostData | None:
    """Every cost source's roll-ups as one, with the config's budgets beside the providers'.

    Two sources may bill the same provider (a FOCUS export of AWS and the AWS API): adding
    both would count that spend twice, so a provider's spend comes from the first source
    listed that has it, and `overlap` says so.
    """
    if not parts and not budgets:
        return None
    owner: dict[str, str] = {}  # provider (case-folded) → the source whose rows are used
    spelled: dict[str, str] = {}  # provider (case-folded) → as that source writes it
    rows: list[CostRow] = []
    dropped: dict[tuple[str, str], str] = {}  # (provider, source left out) → source used
    for part in parts:
        for row in part.rows:
            key = row.provider.casefold()
            if owner.setdefault(key, part.source) == part.source:
                spelled.setdefault(key, row.provider)
                rows.append(row)
            else:
                dropped[spelled[key], part.source] = owner[key]
    overlap = "; ".join(
        f"{provider} comes from both {used} and {left_out}: showing {used} (listed first)"
        for (provider, left_out), used in sorted(dropped.items())
    )
    return CostData(
        rows=tuple(rows),
        budgets=budgets + tuple(b for p in parts for b in p.budgets),
        cost_column=", ".join(dict.fromkeys(p.cost_column for p in parts if p.cost_column)),
        forecasts=tuple(
            f for p in parts for f in p.forecasts if owner.get(f.provider.casefold()) == p.source
        ),
        source=", ".join(p.source for p in parts if p.source),
        paid_calls_today=sum(p.paid_calls_today for p in parts),
        overlap=overlap,
    )


def _named(snapshot: Snapshot, source: str) -> Snapshot:
    """Cost data says which configured source it came from (for the overlap rule above)."""
    if snapshot.cost is None or snapshot.cost.source == source:
        return snapshot
    return msgspec.structs.replace(
        snapshot, cost=msgspec.structs.replace(snapshot.cost, source=source)
    )


def _with_digests(snapshot: Snapshot, source: str, now: datetime) -> Snapshot:
    """The snapshot with its experiments digested and named after their source.

    Synced snapshots carry digests already (and no runs, as the store reads them); the demo
    built in memory, and caches from before digests, carry runs only and are digested here.
    """
    data = snapshot.experiments
    if data is None:
        return snapshot
    if not data.source:
        data = msgspec.structs.replace(data, source=source)
    if not data.digests:
        data = ensure_digests(data, now)
    elif any(not d.source for d in data.digests):
        digests = tuple(
            d if d.source else msgspec.structs.replace(d, source=data.source) for d in data.digests
        )
        data = msgspec.structs.replace(data, digests=digests)
    return msgspec.structs.replace(snapshot, experiments=data)


def build_dashboard(
    stored: dict[str, StoredSnapshot],
    states: list[SourceState],
    now: datetime,
    *,
    offline: bool = False,
    budgets: tuple[Budget, ...] = (),
    skip_weekends: bool = False,
    cost_settings: CostAnalysisSettings | None = None,
    store: Store | None = None,
    team_rules: TeamRules | None = None,
    lead_zone: str = "UTC",
    okr_rules: OkrRules | None = None,
) -> Dashboard:
    """Every view-model from the latest snapshots. Cost data may come without its roll-ups
    (`rows_apart`): the cost summary is then taken from `store`'s kept summaries when one was
    built from the same inputs, or built from the roll-ups read from `store` and kept."""
    order = [state.source for state in states]
    snapshots = [
        # Cost is summarised apart (`_cost_summary`), from the roll-ups only it reads.
        msgspec.structs.replace(_with_digests(stored[name].snapshot, name, now), cost=None)
        for name in order
        if name in stored
    ]
    merged = merge_snapshots(snapshots)
    by_name = {state.source: state for state in states}
    rules = team_rules or TeamRules()
    areas: dict[str, AreaInputs] = {}
    for area in AREAS:
        feeding = tuple(
            by_name[name]
            for name in order
            if name in stored and getattr(stored[name].snapshot, area) is not None
        )
        areas[area] = AreaInputs(feeding)
    dashboard = Dashboard(
        now=now,
        offline=offline,
        sources=tuple(states),
        areas=areas,
        sprint=summarize_sprint(
            merged.sprint,
            now,
            people=_names_by_id(merged.team),
            skip_weekends=skip_weekends,
        )
        if merged.sprint
        else None,
        experiments=summarize_experiments(merged.experiments, now) if merged.experiments else None,
        okrs=None,  # below: a key result may be bound to a figure of the other areas
        cost=_cost_summary(
            store,
            [(name, stored[name]) for name in order if name in stored],
            now,
            budgets=budgets,
            settings=cost_settings or CostAnalysisSettings(),
            experiments=merged.experiments,
        ),
        team=summarize_team(merged.team, now, lead_zone=lead_zone, rules=rules)
        if merged.team
        else None,
        team_data=merged.team,
        team_rules=rules,
        lead_zone=lead_zone,
    )
    if merged.okrs is None:
        return dashboard

    def status() -> dict[str, object]:
        from cockpit.report import status_json  # the report reads this module

        figures = status_json(dashboard)
        figures.pop("okrs", None)
        return figures

    summary = okr_summary(
        merged.okrs,
        now,
        store=store,
        stored=stored,
        order=order,
        sprint=merged.sprint,
        experiments=merged.experiments,
        budgets=budgets,
        rules=okr_rules or OkrRules(),
        status=status,
    )
    return msgspec.structs.replace(dashboard, okrs=summary)


def _names_by_id(team: TeamData | None) -> dict[str, str] | None:
    """Each person's name under every id the sprint may know them by: the roster's id and
    the Jira account a roster entry was matched to (issues are assigned to the account)."""
    if team is None:
        return None
    names = {p.account_id: p.name for p in team.people if p.account_id}
    names.update((p.id, p.name) for p in team.people)
    return names


def _cost_summary(
    store: Store | None,
    stored: list[tuple[str, StoredSnapshot]],
    now: datetime,
    *,
    budgets: tuple[Budget, ...],
    settings: CostAnalysisSettings,
    experiments: ExperimentData | None,
) -> CostSummary | None:
    """The cost summary of the sources feeding cost (in config order), or None without any
    roll-ups. Built from every roll-up only when no summary of the same inputs is kept.

    It is made as of the start of the hour: a kept summary then shows exactly what a new one
    would, all hour long. (Only the forecast of data that has rows for today reads the time
    of day: the share of today still to be billed.)
    """
    feeding = [(name, s) for name, s in stored if s.snapshot.cost is not None]
    if not any(_has_rows(s.snapshot.cost) for _name, s in feeding):
        return None
    now = now.replace(minute=0, second=0, microsecond=0)
    key = None
    if store is not None:
        digested = [(name, s) for name, s in stored if s.snapshot.experiments is not None]
        key = summary_key(feeding, digested, budgets, settings, now)
    if key is not None and store is not None:
        summary = cached_summary(store, key)
        if summary is not None:
            return summary
    parts = [s for _name, s in feeding]
    whole = store.load_cost_rows(parts) if store is not None else parts
    parts_named = [
        _named(s.snapshot, name).cost for (name, _s), s in zip(feeding, whole, strict=True)
    ]
    cost = merge_cost([p for p in parts_named if p is not None], budgets)
    assert cost is not None
    summary = summarize_cost(cost, now, settings=settings, experiments=experiments)
    if key is not None and store is not None:
        keep_summary(store, key, summary, now)
    return summary


def _has_rows(data: CostData | None) -> bool:
    return data is not None and bool(data.rows or data.rows_apart)


def load_dashboard(
    store: Store | None,
    facts: list[SourceFacts],
    now: datetime,
    *,
    offline: bool = False,
    budgets: tuple[Budget, ...] = (),
    as_of_past: bool = False,
    skip_weekends: bool = False,
    in_hand: Mapping[str, StoredSnapshot] | None = None,
    cost_settings: CostAnalysisSettings | None = None,
    team_rules: TeamRules | None = None,
    lead_zone: str = "UTC",
    okr_rules: OkrRules | None = None,
) -> Dashboard:
    """Read the store once and build every view-model. No network, ever.

    With `as_of_past`, `now` is a moment in the past (a finished week): the snapshots taken by
    then are used, and later sync failures are not held against them. `in_hand` holds complete
    snapshots not written to the store yet (the demo, built in memory so that the first frame
    need not wait for a write and a read back); the store's own copy wins once it is there.
    With no store (`store=None`), only those are shown.
    """
    names = [f.name for f in facts]
    stored = store.latest_all(names, at=now if as_of_past else None) if store else {}
    for name, snap in (in_hand or {}).items():
        if name in names and (not as_of_past or snap.taken_at <= now):
            stored.setdefault(name, snap)
    # No text from a source may steer the terminal. The store checks each snapshot once, when
    # it writes it, and marks those with nothing to clean (`text_clean`): only what it does not
    # vouch for is cleaned here, on every read: payloads written by earlier versions (until
    # the next sync replaces them), ones that came with text to clean, and snapshots held in
    # memory (the demo).
    stored = {name: _clean_snapshot(snap) for name, snap in stored.items()}
    attempts = {} if as_of_past or store is None else store.last_attempts()
    states = []
    for fact in facts:
        snap = stored.get(fact.name)
        attempt = attempts.get(fact.name)
        states.append(
            source_state(
                fact,
                snap.taken_at if snap else None,
                attempt.status if attempt else None,
                attempt.error if attempt else "",
                attempt.finished_at if attempt else None,
                now,
                offline=offline,
                settings_changed=bool(
                    snap
                    and fact.settings_key
                    and snap.snapshot.settings_key
                    and snap.snapshot.settings_key != fact.settings_key
                ),
            )
        )
    dashboard = build_dashboard(
        stored,
        states,
        now,
        offline=offline,
        budgets=budgets,
        skip_weekends=skip_weekends,
        cost_settings=cost_settings,
        store=store,
        team_rules=team_rules,
        lead_zone=lead_zone,
        okr_rules=okr_rules,
    )
    # Every surface (TUI, status, export, screenshot) shows this. The sprint summary and the
    # merged team are made from the snapshots alone, clean by now, and are most of the text
    # (10,000 issue rows cost about 0.1 s to check); everything else may also hold text from
    # the config, the sync log, the cost roll-ups or the recorded key results, and is cleaned.
    rest = clean_record(msgspec.structs.replace(dashboard, sprint=None, team_data=None))
    return msgspec.structs.replace(rest, sprint=dashboard.sprint, team_data=dashboard.team_data)


def _clean_snapshot(stored: StoredSnapshot) -> StoredSnapshot:
    if stored.text_clean:
        return stored
    snapshot = clean_record(stored.snapshot)
    return msgspec.structs.replace(stored, snapshot=snapshot, text_clean=True)
