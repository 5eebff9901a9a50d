"""Where things stand at the end of the report week: each section's lines under its changes.

The same words as `cockpit status` and the panels (the report_* modules), laid out for a
reader who was not there: dates rather than "today", every count whole.
"""

from __future__ import annotations

from cockpit.dashboard import Dashboard
from cockpit.export.weeks import Week
from cockpit.formatting import amount, working_days_left
from cockpit.report import experiment_lines, failure_rate
from cockpit.report_cost import export_cost_lines
from cockpit.report_okrs import export_okr_lines
from cockpit.report_team import export_team_lines

EXPORT_BLOCKERS = 10  # listed one by one; the count above them is always the whole number


def sprint_lines(d: Dashboard) -> list[str]:
    s = d.sprint
    if s is None:
        return []
    if s.state != "active":
        return [f"No active sprint on {s.board}; next: {s.next_sprint or 'none planned'}"]
    lines = [
        f"{s.sprint}: {amount(s.done)} of {amount(s.total)} {s.unit} done "
        f"({s.percent_done:.0f}%), {working_days_left(s.days_left)}"
    ]
    if s.goal:
        lines.append(f"Goal: {s.goal}")
    lines.append("By status: " + ", ".join(f"{c.status} {c.issues}" for c in s.by_status))
    if s.velocity is not None:
        lines.append(f"Velocity (last 3 sprints): {amount(round(s.velocity, 1))} {s.unit}")
    lines.append(f"Blockers: {len(s.blockers)}")
    for b in s.blockers[:EXPORT_BLOCKERS]:
        lines.append(f"  {b.key} ({b.reason}, {b.assignee_name or b.assignee}): {b.summary}")
    if len(s.blockers) > EXPORT_BLOCKERS:
        lines.append(f"  +{len(s.blockers) - EXPORT_BLOCKERS} more")
    return lines


def experiment_section_lines(d: Dashboard) -> list[str]:
    e = d.experiments
    if e is None:
        return []
    v = e.velocity
    return [
        f"{e.runs_total:,} runs, {e.running_total:,} running, {e.finished_last_day:,} finished "
        f"in 24h",
        f"Runs started this week: {v.this_week.started:,} (last week {v.last_week.started:,}); "
        f"{failure_rate(v.this_week)} (last week {failure_rate(v.last_week)})",
        *experiment_lines(e),
    ]


def okr_lines(d: Dashboard) -> list[str]:
    return export_okr_lines(d.okrs, d.now.date()) if d.okrs else []


def cost_lines(d: Dashboard, week: Week) -> list[str]:
    if d.cost is None:
        return []
    return export_cost_lines(d.cost, week.monday, week.sunday, d.now.date())


def team_lines(d: Dashboard, week: Week) -> list[str]:
    if d.team is None:
        return []
    return export_team_lines(d.team, d.team_data, d.now, week.monday)
