"""The team's week ahead: who is off or travelling next week, the best overlap of the days
ahead, and a team that grew or shrank since the week before."""

from __future__ import annotations

from datetime import date, datetime

from cockpit.analytics.team_views import TeamSummary
from cockpit.export.report_model import Change
from cockpit.formatting import plural
from cockpit.models import TeamData
from cockpit.report_team import away_between, next_week, week_best, window_text


def team_changes(
    t: TeamSummary,
    data: TeamData | None,
    before: TeamSummary | None,
    now: datetime,
    monday: date,
) -> tuple[Change, ...]:
    changes: list[Change] = []
    if before is not None and len(before.people) != len(t.people):
        changes.append(
            Change(
                text=f"Team: {plural(len(t.people), 'person', 'people')} "
                f"(last week {len(before.people)})",
                weight=3.0,
            )
        )
    if data is not None:
        first, last = next_week(monday)
        away = away_between(data, first, last)
        names = list(dict.fromkeys(item.name for item in away))
        if names:
            changes.append(
                Change(
                    text=f"Next week ({first:%d %b} – {last:%d %b}), "
                    f"{plural(len(names), 'person', 'people')} away or travelling: "
                    + ", ".join(names),
                    weight=2.0 + min(len(names) / max(len(t.people), 1) * 4, 2.0),
                )
            )
        else:
            changes.append(Change(text="Next week: nobody away or travelling", weight=0.5))
    best = week_best(t, now) or t.best_overlap
    if best is not None:
        changes.append(
            Change(text=f"Best overlap in the days ahead: {window_text(best, t, None)}", weight=1.0)
        )
    elif t.nearest_miss is not None or t.people:
        changes.append(
            Change(
                text="No time in the days ahead when enough of the team overlaps",
                weight=3.0,
                tone="bad",
            )
        )
    return tuple(changes)
