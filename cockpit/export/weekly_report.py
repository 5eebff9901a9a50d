"""The weekly status summary as data (`WeeklyReport`), built from two dashboards: the end of
the report week (or now, for the week in progress) and the end of the week before.

`build_report` is pure: every renderer (Markdown, JSON, HTML, the outbox's messages) gets the
same sections, changes and highlights. `load_report` reads the two dashboards from the store,
and masks both before anything is compared when the report is masked, so that no amount or
name can leak through a change or a highlight.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from cockpit.analytics.freshness import Freshness as SourceFreshness
from cockpit.analytics.freshness import SourceState, describe_age, format_age
from cockpit.dashboard import Dashboard
from cockpit.export.changes_cost import cost_changes, spend_chart
from cockpit.export.changes_experiments import experiment_changes, runs_chart
from cockpit.export.changes_okrs import okr_changes, progress_chart
from cockpit.export.changes_sprint import burndown_chart, sprint_changes
from cockpit.export.changes_team import team_changes
from cockpit.export.highlights import highlights
from cockpit.export.report_model import Change, Chart, Freshness, Section, WeeklyReport
from cockpit.export.standing import (
    cost_lines,
    experiment_section_lines,
    okr_lines,
    sprint_lines,
    team_lines,
)
from cockpit.export.weeks import Week, current_week, previous_week
from cockpit.kinds import areas_by_kind
from cockpit.report import status_json
from cockpit.report_cost import week_json
from cockpit.report_team import away_json

if TYPE_CHECKING:
    from cockpit.workspace import Workspace

AREAS = ("sprint", "experiments", "okrs", "cost", "team")
TITLES = {
    "sprint": "Sprint",
    "experiments": "Experiments",
    "okrs": "OKRs",
    "cost": "Cost",
    "team": "Team",
}
WHAT = {
    "sprint": "a sprint board (Jira)",
    "experiments": "an experiment tracker (MLflow, W&B)",
    "okrs": "an OKR file",
    "cost": "a cost source (FOCUS, AWS, Azure, OpenCost)",
    "team": "a roster or Jira",
}


def title(week: Week) -> str:
    return f"Weekly status {week.label} ({week.monday:%d %b} – {week.sunday:%d %b %Y})"


def shows_the_past(d: Dashboard, generated_at: datetime) -> bool:
    """Whether the report shows the cache as it stood at a week's end, not as it is now."""
    return d.now < generated_at - timedelta(minutes=1)


def age_words(seconds: float | None, *, past: bool) -> str:
    """How old data was at the moment the report shows: "2h ago" for the week in progress;
    for a finished week, against the week's end ("2h before the week ended"), because a
    reader days later would take "just now" to mean now."""
    if not past or seconds is None:
        return describe_age(seconds)
    if seconds < 60:
        return "at the week's end"
    return f"{format_age(seconds)} before the week ended"


def provenance(d: Dashboard, week: Week, generated_at: datetime) -> str:
    """When the report was made, and which moment of the cache it shows."""
    made = f"Generated {generated_at:%Y-%m-%d %H:%M} UTC from the local cache"
    if shows_the_past(d, generated_at):
        return f"{made}, as it stood at the end of {week.label} ({d.now:%a %d %b %H:%M} UTC)."
    return f"{made}; {week.label} so far."


def _configured(d: Dashboard, area: str) -> list[SourceState]:
    kinds = areas_by_kind()
    return [s for s in d.sources if area in kinds.get(s.kind, ())]


def _has(d: Dashboard, area: str) -> bool:
    return getattr(d, area) is not None


def _state_and_age(
    d: Dashboard, area: str, *, past: bool, later: Mapping[str, datetime] | None = None
) -> tuple[str, str, list[str]]:
    """The section's state, its age phrase, and the lines that explain a section with no data.
    `past`: the report shows a finished week, so the age is told against its end. `later`:
    sources whose first data came after that end, and when."""
    configured = _configured(d, area)
    if not _has(d, area):
        if not configured:
            return (
                "not configured",
                "not configured",
                [f"Not configured: add {WHAT[area]} to the config to fill this section"],
            )
        names = ", ".join(s.source for s in configured)
        later = later or {}
        if configured and all(s.source in later for s in configured):
            first = min(later[s.source] for s in configured)
            then = current_week(first).label
            return (
                "no data this week",
                "no data this week",
                [
                    f"{names} first synced {first:%a %d %b %H:%M} UTC, after this week;"
                    f" the summary of {then} (`--week {then}`) has its data"
                ],
            )
        if all(s.state is SourceFreshness.NEVER for s in configured):
            return (
                "never synced",
                "never synced",
                [f"{names} never synced: run `cockpit sync` to fill this section"],
            )
        if any(s.state is SourceFreshness.FAILED for s in configured):
            errors = "; ".join(f"{s.source}: {s.error}" for s in configured if s.error)
            return "failed", "no data", [f"No data: the last sync failed ({errors or names})"]
        return "ok", "no data", [f"{names} synced, with no {TITLES[area].lower()} data"]
    inputs = d.areas.get(area)
    states = {s.state for s in inputs.sources} if inputs else set()
    seconds = d.age_of(area)
    if seconds is None:
        age = "no data"
    elif past and seconds < 60:
        age = "data as of the week's end"
    else:
        age = f"data as of {age_words(seconds, past=past)}"
    if SourceFreshness.FAILED in states:
        return "failed", f"{age}; the last sync failed", []
    if states & {SourceFreshness.STALE, SourceFreshness.OFFLINE}:
        return "stale", age, []
    return "ok", age, []


def _section(
    area: str,
    this: Dashboard,
    before: Dashboard | None,
    week: Week,
    changes: tuple[Change, ...],
    lines: list[str],
    chart: Chart | None,
    *,
    past: bool,
    later: Mapping[str, datetime] | None = None,
) -> Section:
    state, age, empty = _state_and_age(this, area, past=past, later=later)
    if before is None and _has(this, area):
        changes += (
            Change(text=f"Nothing in the cache from {previous_week(week).label} to compare with"),
        )
    # Biggest first; weights to two decimals, as the JSON gives them.
    ordered = tuple(
        msgspec.structs.replace(c, weight=round(c.weight, 2))
        for c in sorted(changes, key=lambda c: -c.weight)
    )
    return Section(
        key=area,  # type: ignore[arg-type]
        title=TITLES[area],
        state=state,  # type: ignore[arg-type]
        age=age,
        changes=ordered,
        lines=tuple(lines or empty),
        chart=chart,
    )


def build_sections(
    this: Dashboard,
    before: Dashboard | None,
    week: Week,
    *,
    past: bool = False,
    later: Mapping[str, datetime] | None = None,
) -> tuple[Section, ...]:
    """Every area, in a fixed order, whether or not it has data. `past`: `this` is the cache
    at the end of a finished week (ages are told against that end); `later`: sources whose
    first data came after it."""
    through = this.now.date()
    sections = []
    s, e, o, c, t = this.sprint, this.experiments, this.okrs, this.cost, this.team
    sections.append(
        _section(
            "sprint",
            this,
            before,
            week,
            sprint_changes(s, before.sprint if before else None, week) if s else (),
            sprint_lines(this),
            burndown_chart(s) if s and s.state == "active" else None,
            past=past,
            later=later,
        )
    )
    sections.append(
        _section(
            "experiments",
            this,
            before,
            week,
            experiment_changes(e, before.experiments if before else None) if e else (),
            experiment_section_lines(this),
            runs_chart(e) if e else None,
            past=past,
            later=later,
        )
    )
    sections.append(
        _section(
            "okrs",
            this,
            before,
            week,
            okr_changes(o, before.okrs if before else None) if o else (),
            okr_lines(this),
            progress_chart(o) if o else None,
            past=past,
            later=later,
        )
    )
    sections.append(
        _section(
            "cost",
            this,
            before,
            week,
            cost_changes(c, before.cost if before else None, week.monday, week.sunday, through)
            if c
            else (),
            cost_lines(this, week),
            spend_chart(c, min(through, week.sunday)) if c else None,
            past=past,
            later=later,
        )
    )
    sections.append(
        _section(
            "team",
            this,
            before,
            week,
            team_changes(t, this.team_data, before.team if before else None, this.now, week.monday)
            if t
            else (),
            team_lines(this, week),
            None,
            past=past,
            later=later,
        )
    )
    return tuple(sections)


def freshness(
    d: Dashboard, *, past: bool = False, later: Mapping[str, datetime] | None = None
) -> tuple[Freshness, ...]:
    """Each configured source: what it feeds, its state and how old its data was (at the
    week's end, when `past`)."""
    kinds = areas_by_kind()
    rows = []
    for s in d.sources:
        feeds = tuple(
            area
            for area in AREAS
            if any(
                f.source == s.source for f in (d.areas.get(area).sources if area in d.areas else ())
            )
        )
        never = s.state is SourceFreshness.NEVER
        first = (later or {}).get(s.source) if never else None
        rows.append(
            Freshness(
                source=s.source,
                areas=feeds or kinds.get(s.kind, ()),
                state=f"first synced after the week, {first:%a %d %b %H:%M} UTC"
                if first
                else "never synced"
                if never
                else s.state.value,
                synced_at=s.taken_at,
                age="never" if s.taken_at is None else age_words(s.age_seconds, past=past),
            )
        )
    return tuple(rows)


def figures(d: Dashboard, week: Week, generated_at: datetime) -> dict[str, Any]:
    """The report week's figures as `cockpit.weekly/6` gave them."""
    payload = status_json(d)
    if d.cost is not None and payload["cost"] is not None:
        # The report week's spend beside the month's figures, in each currency.
        through = d.now.date()
        views = d.cost.views
        if views:
            payload["cost"]["week"] = week_json(views[0], week.monday, week.sunday, through)
        for entry, view in zip(payload["cost"]["other_currencies"], views[1:], strict=True):
            entry["week"] = week_json(view, week.monday, week.sunday, through)
    if payload["team"] is not None:
        # Who is off or travelling the week after the report's, from the people's records.
        payload["team"]["next_week"] = away_json(d.team_data, week.monday)
    payload["generated_at"] = generated_at.isoformat()
    payload["as_of"] = d.now.isoformat()
    payload["week"] = {
        "label": week.label,
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
    }
    return payload


def _compared_text(before: Dashboard | None, week: Week) -> str:
    earlier = previous_week(week)
    if before is None:
        return f"Nothing in the cache from {earlier.label} or before: no week-over-week comparison."
    moment = f"{before.now:%a %d %b %H:%M} UTC"
    return f"Changes are against the cache at the end of {earlier.label} ({moment})."


def build_report(
    this: Dashboard,
    previous: Dashboard | None,
    week: Week,
    generated_at: datetime,
    *,
    masked: bool = False,
    later: Mapping[str, datetime] | None = None,
) -> WeeklyReport:
    """The report of `week` from the dashboard at its end (`this`) and at the end of the week
    before (`previous`, None when the cache holds nothing that old). Pure."""
    past = shows_the_past(this, generated_at)
    sections = build_sections(this, previous, week, past=past, later=later)
    return WeeklyReport(
        week=week,
        previous=previous_week(week),
        title=title(week),
        provenance=f"{provenance(this, week, generated_at)} {_compared_text(previous, week)}",
        generated_at=generated_at,
        as_of=this.now,
        highlights=highlights(sections),
        sections=sections,
        freshness=freshness(this, past=past, later=later),
        compared=previous is not None,
        masked=masked,
        figures=figures(this, week, generated_at),
    )


def _holds_anything(d: Dashboard) -> bool:
    return any(s.taken_at is not None for s in d.sources)


def load_report(
    workspace: Workspace, week: Week, now: datetime, *, masked: bool = False
) -> WeeklyReport:
    """The report of `week` from the store: as it stood at the week's end for a past week,
    as it stands `now` for the current one, against the end of the week before."""
    past = week.end < now
    this = workspace.dashboard(week.end if past else now, as_of_past=past)
    before: Dashboard | None = workspace.dashboard(previous_week(week).end, as_of_past=True)
    if before is not None and not _holds_anything(before):
        before = None
    if masked:
        from cockpit.masking import mask_dashboard, mask_rules

        sharing = workspace.config.sharing
        rules = mask_rules(sharing.mask_labels, sharing.mask_tags)
        this = mask_dashboard(this, rules)
        before = mask_dashboard(before, rules) if before is not None else None
    later = synced_after(workspace, this) if past else {}
    return build_report(this, before, week, now, masked=masked, later=later)


def synced_after(workspace: Workspace, at_end: Dashboard) -> dict[str, datetime]:
    """Sources with no data at the week's end but some since, and when they first had it: a
    lead who set the cockpit up on Monday is told that, not that it "never synced"."""
    store = workspace.store
    if workspace.in_memory or not store.exists():
        return {}
    firsts = {}
    for s in at_end.sources:
        if s.taken_at is None:
            times = store.snapshot_times(s.source)
            if times:
                firsts[s.source] = times[0]
    return firsts


def holds_data(report: WeeklyReport) -> bool:
    """Whether any section has something to say about the week."""
    return any(s.state not in EMPTY_STATES for s in report.sections)


EMPTY_STATES = frozenset({"never synced", "not configured", "no data this week"})
