"""The dashboard's team: a roster person Jira also knows shows once, issues assigned to their
Jira account carry the roster's name, and recorded meetings reach the team screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cockpit.analytics.freshness import SourceFacts
from cockpit.dashboard import load_dashboard
from cockpit.models import (
    Board,
    Issue,
    Meeting,
    Person,
    Snapshot,
    Sprint,
    SprintData,
    StatusCategory,
    TeamData,
)
from cockpit.store import StoredSnapshot

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MEETING = Meeting(
    "Model review", NOW - timedelta(days=6), 45, ("priya", "lena"), series="Model review"
)


def _roster() -> Snapshot:
    return Snapshot(
        team=TeamData(
            (
                Person(
                    "priya",
                    "Priya Raman",
                    "Asia/Kolkata",
                    account_id="acc-priya",
                    zone_source="roster",
                ),
                Person("lena", "Lena Hoffmann", "Europe/Berlin", zone_source="roster"),
            ),
            meetings=(MEETING,),
        )
    )


def _jira() -> Snapshot:
    sprint = Sprint(
        1, "Sprint 12", "active", start=NOW - timedelta(days=3), end=NOW + timedelta(days=7)
    )
    issue = Issue(
        "ML-1", "Retrain the fraud model", "In Progress", StatusCategory.IN_PROGRESS,
        points=3.0, sprint_id=1, sprint_ids=(1,), assignee="acc-priya",
    )  # fmt: skip
    return Snapshot(
        sprint=SprintData(Board(1, "ML"), (sprint,), (issue,)),
        team=TeamData((Person("acc-priya", "priya.r", "America/Los_Angeles", zone_source="jira"),)),
    )


def test_one_person_their_meetings_and_their_name_on_issues() -> None:
    facts = [
        SourceFacts("team", "roster-file", False, 3600),
        SourceFacts("jira", "jira", True, 3600),
    ]
    held = {
        "team": StoredSnapshot("team", NOW, _roster()),
        "jira": StoredSnapshot("jira", NOW, _jira()),
    }
    dashboard = load_dashboard(None, facts, NOW, in_hand=held, lead_zone="Europe/Berlin")
    assert dashboard.team_data is not None
    assert [p.id for p in dashboard.team_data.people] == ["priya", "lena"]
    # The roster's zone wins over the Jira profile's.
    assert dashboard.team_data.people[0].timezone == "Asia/Kolkata"
    assert dashboard.team_data.meetings == (MEETING,)
    assert dashboard.team is not None and dashboard.team.lead_zone == "Europe/Berlin"
    assert len(dashboard.team.people) == 2
    assert dashboard.sprint is not None
    loads = dashboard.sprint.load
    assert [row.name for row in loads] == ["Priya Raman"], loads
    assert date(2026, 11, 30) == dashboard.team.week[0].day
