"""The sprint's week: progress then and now, what was completed, carried over and added,
blockers then and now, and the velocity against its average.

Completed and added are read from the issues' changelogs (the moment an issue moved to done,
the moment it joined the sprint), which the current data carries for the whole sprint; where a
source gives no changelog, the issues of the two dashboards are compared instead.
"""

from __future__ import annotations

from datetime import datetime

from cockpit.analytics.sprint import IssueRow, SprintSummary
from cockpit.export.report_model import Change, Chart, Series
from cockpit.export.weeks import Week
from cockpit.formatting import amount, plural, working_days_left
from cockpit.models import StatusCategory

DONE = StatusCategory.DONE


def _in_week(moment: datetime | None, week: Week) -> bool:
    return moment is not None and week.monday <= moment.date() <= week.sunday


def _size(rows: list[IssueRow], unit: str) -> str:
    """`7 issues (21 pts)`; counting issues, just `7 issues`."""
    text = plural(len(rows), "issue")
    if unit != "issues" and rows:
        text += f" ({amount(sum(r.points or 0.0 for r in rows))} {unit})"
    return text


def _same_sprint(s: SprintSummary, before: SprintSummary | None) -> bool:
    return (
        before is not None
        and before.state == "active"
        and before.sprint == s.sprint
        and before.start == s.start
    )


def _progress(s: SprintSummary, before: SprintSummary | None) -> Change:
    now = f"{s.percent_done:.0f}% done"
    left = working_days_left(s.days_left)
    risk = s.health.carry_over_risk if s.health else "low"
    tone = {"high": "bad", "low": "good"}.get(risk, "neutral")
    if _same_sprint(s, before):
        assert before is not None
        text = f"{s.sprint}: {now} (last week {before.percent_done:.0f}%), {left}"
    elif before is not None and before.state == "active":
        started = f" on {s.start:%a %d %b}" if s.start else ""
        earlier = "the sprint before" if before.sprint == s.sprint else before.sprint
        text = (
            f"{s.sprint} started{started}: {now}, {left} "
            f"({earlier} was at {before.percent_done:.0f}% a week ago)"
        )
    else:
        text = f"{s.sprint}: {now}, {left}"
    if risk != "low":
        text += f"; {risk} risk of carrying work over"
    return Change(text=text, weight=6.0, tone=tone)  # type: ignore[arg-type]


def _flows(
    s: SprintSummary, before: SprintSummary | None, week: Week
) -> tuple[list[IssueRow], list[IssueRow], list[IssueRow], str]:
    """Completed, added and carried over in the report week, and how that was worked out."""
    rows = list(s.issues)
    if any(r.has_changelog for r in rows):
        completed = [r for r in rows if _in_week(r.done_at, week)]
        started_before = s.start is not None and s.start < week.monday
        added = [
            r
            for r in rows
            if _in_week(r.joined_at, week)
            and s.start is not None
            and r.joined_at is not None
            and r.joined_at.date() > s.start
        ]
        if started_before:
            carried = [
                r
                for r in rows
                if r.category is not DONE
                and (r.joined_at is None or r.joined_at.date() < week.monday)
            ]
        else:  # a new sprint: what came over from the one before
            earlier = {r.key for r in before.issues} if before is not None else set()
            carried = [r for r in rows if r.key in earlier and r.category is not DONE]
        return completed, added, carried, "changelog"
    if before is None:
        return [], [], [], ""
    then = {r.key: r for r in before.issues}
    completed = [
        r
        for r in rows
        if r.category is DONE and (r.key not in then or then[r.key].category is not DONE)
    ]
    added = [r for r in rows if r.key not in then] if _same_sprint(s, before) else []
    carried = [r for r in rows if r.key in then and r.category is not DONE]
    return completed, added, carried, "compared"


def _blockers(s: SprintSummary, before: SprintSummary | None) -> Change:
    count = len(s.blockers)
    if before is None or before.state != "active":
        return Change(text=f"Sprint blockers: {count}", weight=2.0 + min(count, 3), tone="neutral")
    earlier = {b.key for b in before.blockers}
    new = [b.key for b in s.blockers if b.key not in earlier]
    was = len(before.blockers)
    text = f"Sprint blockers: {count} (last week {was})"
    if new:
        shown = ", ".join(new[:5]) + (f" and {len(new) - 5} more" if len(new) > 5 else "")
        text += f"; new: {shown}"
    tone = "bad" if count > was else "good" if count < was else "neutral"
    return Change(text=text, weight=2.0 + min(abs(count - was), 4), tone=tone)  # type: ignore[arg-type]


def _velocity(s: SprintSummary) -> Change | None:
    v = s.velocity_history
    if v is None or not v.sprints:
        return None
    last = v.sprints[-1]
    mean = sum(e.completed for e in v.sprints) / len(v.sprints)
    if not mean:
        return None
    ratio = last.completed / mean
    tone = "good" if ratio >= 1.05 else "bad" if ratio < 0.85 else "neutral"
    return Change(
        text=(
            f"Velocity: {last.sprint} completed {amount(round(last.completed, 1))} {v.unit}, "
            f"against an average of {amount(round(mean, 1))} {v.unit} over the last "
            f"{plural(len(v.sprints), 'sprint')}"
        ),
        weight=2.0 if tone == "neutral" else 3.0,
        tone=tone,  # type: ignore[arg-type]
    )


def sprint_changes(
    s: SprintSummary, before: SprintSummary | None, week: Week
) -> tuple[Change, ...]:
    if s.state != "active":
        text = f"No active sprint on {s.board}; next: {s.next_sprint or 'none planned'}"
        if before is not None and before.state == "active":
            text += f" ({before.sprint} was active a week before)"
        return (Change(text=text, weight=3.0),)
    changes = [_progress(s, before)]
    completed, added, carried, how = _flows(s, before, week)
    if how:
        changes.append(
            Change(
                text=f"Completed this week: {_size(completed, s.unit)}",
                weight=4.0,
                tone="good" if completed else "bad",
            )
        )
        if added:
            share_added = sum(r.points or 1.0 for r in added) / (s.total or 1.0)
            changes.append(
                Change(
                    text=f"Added to the sprint this week: {_size(added, s.unit)}",
                    weight=2.0 + min(share_added * 10, 3.0),
                    tone="bad" if share_added > 0.1 else "neutral",
                )
            )
        else:
            changes.append(Change(text="Added to the sprint this week: none", weight=0.5))
        changes.append(
            Change(text=f"Carried over, not done yet: {_size(carried, s.unit)}", weight=1.0)
        )
    changes.append(_blockers(s, before))
    velocity = _velocity(s)
    if velocity is not None:
        changes.append(velocity)
    return tuple(changes)


def burndown_chart(s: SprintSummary) -> Chart | None:
    b = s.burndown
    if b is None or not b.days:
        return None
    return Chart(
        kind="line",
        title=f"{s.sprint} burndown: {s.unit} remaining against the ideal line",
        labels=tuple(f"{d.day:%a %d}" for d in b.days),
        series=(
            Series("Remaining", tuple(d.remaining for d in b.days)),
            Series("Ideal", tuple(d.ideal for d in b.days)),
        ),
        unit=s.unit,
    )
