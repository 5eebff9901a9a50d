"""Team in the weekly export: the best overlap of the days ahead (lead's zone and UTC, by
name), each day's best, who is off or travelling next week, and the section's age."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import msgspec

from cockpit.analytics.team_views import DayOverlap, NearMiss
from cockpit.export.weekly import WEEKLY_SCHEMA, Week
from cockpit.export.weekly import render_dashboard as render
from cockpit.models import Holiday, Person, TeamData, TimeOff, Travel, WorkSpan
from cockpit.report_team import Away, away_between, export_team_lines
from tests.cockpit.test_status_team import (
    MAYA,
    NOW,
    PRIYA,
    TOMORROW,
    dashboard,
    summary,
    window,
)
from tests.cockpit.weekly_page import section

WEEK = Week(2026, 48)  # Mon 23 – Sun 29 Nov 2026; NOW is its Monday
NEXT_MONDAY = date(2026, 11, 30)


def day(offset: int) -> date:
    """A day of the week after WEEK: 0 is Monday 30 November."""
    return NEXT_MONDAY + timedelta(days=offset)


SUN_TO_THU = tuple(
    (WorkSpan(540, 1080),) if n in (6, 0, 1, 2, 3) else () for n in range(7)
)  # Monday first

TEAM = TeamData(
    people=(
        Person(MAYA, "Maya Chen", "America/Los_Angeles", country="US",
               holidays=(Holiday(day(5), "A Saturday holiday"),)),  # a weekend: not listed
        Person("lena", "Lena Hoffmann", "Europe/Berlin",
               travel=(Travel(date(2026, 11, 25), day(2), "America/New_York",
                              location="New York"),)),
        Person("tom", "Tom Fletcher", "Europe/London",
               holidays=(Holiday(day(1), "A Tuesday holiday"),)),
        Person("noa", "Noa Levi", "Asia/Jerusalem", hours=SUN_TO_THU,
               time_off=(TimeOff(day(-1), day(3), "reserve duty"),)),
        Person(PRIYA, "Priya Raman", "Asia/Kolkata",
               time_off=(TimeOff(day(0), day(0), "dentist"), TimeOff(day(2), day(2), "dentist"))),
        Person("wei", "Wei Ling Tan", "Asia/Singapore",
               time_off=(TimeOff(day(4), day(8), "annual leave"),)),
        Person("sam", "Sam Lee", "Europe/Lisbon"),  # at home and in all week
    )
)  # fmt: skip


def team_section(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("## Team")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
    return lines[start:end]


def test_who_is_away_next_week_from_the_people_records() -> None:
    away = away_between(TEAM, day(0), day(6))
    assert away == [
        Away("lena", "Lena Hoffmann", "travel", date(2026, 11, 25), day(2), "New York"),
        Away("tom", "Tom Fletcher", "holiday", day(1), day(1), "A Tuesday holiday"),
        # Noa's week starts on Sunday: her leave is Monday to Thursday of this week.
        Away("noa", "Noa Levi", "time_off", day(0), day(3), "reserve duty"),
        # Two days off with a working day between them are two stretches.
        Away(PRIYA, "Priya Raman", "time_off", day(0), day(0), "dentist"),
        Away(PRIYA, "Priya Raman", "time_off", day(2), day(2), "dentist"),
        # Clipped to the week; the weekend inside it is not counted as leave.
        Away("wei", "Wei Ling Tan", "time_off", day(4), day(4), "annual leave"),
    ]


def test_leave_across_a_weekend_is_one_stretch() -> None:
    (stretch,) = [a for a in away_between(TEAM, day(0), day(13)) if a.id == "wei"]
    assert (stretch.start, stretch.end) == (day(4), day(8))


def test_the_markdown_export_names_people_and_gives_both_zones() -> None:
    d = msgspec.structs.replace(dashboard(summary()), team_data=TEAM)
    section = team_section(render(d, WEEK, "md", generated_at=NOW))
    assert section == [
        "## Team",
        "",
        "_data as of 19s ago_",
        "",
        # The week's changes first (the weekly summary says what changed, then where things
        # stand), naming who is away next week.
        "Since last week:",
        "",
        "- Next week (30 Nov – 06 Dec), 5 people away or travelling: Lena Hoffmann, "
        "Tom Fletcher, Noa Levi, Priya Raman, Wei Ling Tan",
        "- Best overlap in the days ahead: Tue 24 Nov 14:00–16:00 CET (13:00–15:00 UTC), 2 h, "
        "4 people: Tom Fletcher, Priya Raman, Maya Chen, Lena Hoffmann",
        "- Nothing in the cache from 2026-W47 to compare with",
        "",
        "Where things stand:",
        "",
        "- 6 people across 6 time zones; times in Europe/Berlin",
        "- Best overlap in the next 7 days: Tue 24 Nov 14:00–16:00 CET (13:00–15:00 UTC), 2 h, "
        "4 people: Tom Fletcher, Priya Raman, Maya Chen, Lena Hoffmann",
        "- Each day's best:",
        "  - Mon 23 Nov 08:00–10:00 CET (07:00–09:00 UTC), 2 h, 5 people",
        "  - Tue 24 Nov 14:00–16:00 CET (13:00–15:00 UTC), 2 h, 4 people",
        "  - Wed 25 Nov: no overlap",
        "  - Thu 26 Nov: no overlap",
        "  - Fri 27 Nov: no overlap",
        "  - Sat 28 Nov: no overlap",
        "  - Sun 29 Nov: no overlap",
        "- Next week (Mon 30 Nov – Sun 06 Dec), away or travelling:",
        "  - Lena Hoffmann: working from New York, Wed 25 Nov – Wed 02 Dec",
        "  - Tom Fletcher: public holiday Tue 01 Dec (A Tuesday holiday)",
        "  - Noa Levi: time off Mon 30 Nov – Thu 03 Dec (reserve duty)",
        "  - Priya Raman: time off Mon 30 Nov (dentist)",
        "  - Priya Raman: time off Wed 02 Dec (dentist)",
        "  - Wei Ling Tan: time off Fri 04 Dec (annual leave)",
        "",
    ]
    assert MAYA not in "\n".join(section) and PRIYA not in "\n".join(section)


def test_the_html_export_has_the_same_team_lines() -> None:
    d = msgspec.structs.replace(dashboard(summary()), team_data=TEAM)
    page = render(d, WEEK, "html", generated_at=NOW)
    markdown = team_section(render(d, WEEK, "md", generated_at=NOW))
    team = section(page, "team")  # read back with an XML parser: escaped and well-formed
    assert team.title == "Team" and team.badge.endswith("· data as of 19s ago")
    # The same changes and lines as the Markdown, sub-items (Wei Ling's leave) nested.
    assert ["- " + c for c in team.changes] == markdown[6:9]
    assert [f"{line[:2]}- {line.strip()}" if line.startswith("  ") else f"- {line}"
            for line in team.lines] == markdown[12:-1]  # fmt: skip
    assert "  Wei Ling Tan: time off Fri 04 Dec (annual leave)" in team.lines
    assert "Each day&#39;s best:" in page  # escaped in the markup


def test_nobody_away_next_week_is_said() -> None:
    quiet = TeamData(people=(Person("sam", "Sam Lee", "Europe/Lisbon"),))
    lines = export_team_lines(summary(), quiet, NOW, WEEK.monday)
    assert lines[-1] == "Next week (Mon 30 Nov – Sun 06 Dec): nobody away or travelling"


def test_without_the_people_records_the_next_week_is_left_out() -> None:
    lines = export_team_lines(summary(), None, NOW, WEEK.monday)
    assert not any(line.startswith("Next week") for line in lines)


def test_no_overlap_names_the_nearest_miss_in_the_export() -> None:
    miss = NearMiss(window(24, "16:00", "17:00", "tom", PRIYA), missing=(MAYA,), short_by=1)
    team = summary(
        best_overlap=None,
        week=tuple(DayOverlap(date(2026, 11, 23 + n), (), None) for n in range(7)),
        nearest_miss=miss,
    )
    lines = export_team_lines(team, None, NOW, WEEK.monday)
    assert lines[1] == (
        "No overlap in the next 7 days; closest: Tue 24 Nov 17:00–18:00 CET (16:00–17:00 UTC), "
        "1 h, 2 people: Tom Fletcher, Priya Raman; 1 short, without Maya Chen"
    )
    assert "Each day's best:" not in lines


def test_the_json_export_carries_next_week() -> None:
    d = msgspec.structs.replace(dashboard(summary()), team_data=TEAM)
    payload = json.loads(render(d, WEEK, "json", generated_at=NOW))
    assert payload["schema"] == WEEKLY_SCHEMA == "cockpit.weekly/7"
    team = payload["team"]
    assert team["week_best"]["start"] == TOMORROW.start.isoformat()
    assert team["next_week"]["start"] == "2026-11-30" and team["next_week"]["end"] == "2026-12-06"
    assert team["next_week"]["away"][0] == {
        "id": "lena",
        "name": "Lena Hoffmann",
        "kind": "travel",
        "start": "2026-11-25",
        "end": "2026-12-02",
        "label": "New York",
    }
    assert [a["kind"] for a in team["next_week"]["away"]] == [
        "travel", "holiday", "time_off", "time_off", "time_off", "time_off"
    ]  # fmt: skip
    assert datetime.fromisoformat(payload["as_of"]) == NOW.astimezone(UTC)
