"""Team in `cockpit status` and `status --json`: names (never a source's account ids), the best
windows in the lead's zone with UTC beside them, who is online now and who comes online next.

Built from hand-made view-models, so these tests say what the report does with any summary
the analytics give it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from cockpit.analytics.freshness import Freshness, SourceState
from cockpit.analytics.team_views import (
    DayOverlap,
    NearMiss,
    OverlapWindow,
    PersonNow,
    TeamSummary,
)
from cockpit.dashboard import AreaInputs, Dashboard
from cockpit.formatting import span_phrase, time_at, time_window
from cockpit.report import STATUS_SCHEMA, status_json, status_lines

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday; 10:30 in Berlin
LEAD = "Europe/Berlin"
LABEL = " " * 14
MAYA = "5b10a2844c20165700ede21g"  # a Jira Cloud account id: never shown as a name
PRIYA = "712020:0e1f9d3c"


def person(
    person_id: str,
    name: str,
    zone: str,
    state: str,
    *,
    detail: str = "",
    travelling: bool = False,
    location: str = "",
) -> PersonNow:
    local = NOW.astimezone(ZoneInfo(zone))
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return PersonNow(
        id=person_id,
        name=name,
        role="",
        location=location or zone.split("/")[-1],
        timezone=zone,
        local_time=local,
        utc_offset=f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        state=state,
        detail=detail,
        travelling=travelling,
        home_timezone="Europe/Berlin" if travelling else zone,
        zone_source="roster",
    )


PEOPLE = (
    person(MAYA, "Maya Chen", "America/Los_Angeles", "before"),
    person(
        "lena",
        "Lena Hoffmann",
        "America/New_York",
        "before",
        detail="in New York until 29 Nov",
        travelling=True,
        location="New York",
    ),
    person("rafael", "Rafael Souza", "America/Sao_Paulo", "holiday", detail="Republic Day"),
    person("tom", "Tom Fletcher", "Europe/London", "working"),
    person(PRIYA, "Priya Raman", "Asia/Kolkata", "working"),
    person("wei", "Wei Ling Tan", "Asia/Singapore", "time_off", detail="annual leave"),
)


def window(day: int, start: str, end: str, *ids: str) -> OverlapWindow:
    def at(clock: str) -> datetime:
        hours, minutes = clock.split(":")
        return datetime(2026, 11, day, int(hours), int(minutes), tzinfo=UTC)

    return OverlapWindow(at(start), at(end), ids)


ENDED = window(23, "07:00", "09:00", "tom", PRIYA, "wei", "rafael", "lena")  # before NOW
NEXT_24H = window(23, "14:00", "15:30", "tom", PRIYA, MAYA)
TOMORROW = window(24, "13:00", "15:00", "tom", PRIYA, MAYA, "lena")


def summary(**changes: object) -> TeamSummary:
    week = (
        DayOverlap(date(2026, 11, 23), (ENDED, NEXT_24H), ENDED),
        DayOverlap(date(2026, 11, 24), (TOMORROW,), TOMORROW),
        *(DayOverlap(date(2026, 11, 25 + n), (), None) for n in range(5)),
    )
    base = TeamSummary(
        people=PEOPLE,
        working_now=2,
        zones=6,
        lead_zone=LEAD,
        min_people=0,
        best_overlap=NEXT_24H,
        next_online=(MAYA, datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),
        week=week,
    )
    return msgspec.structs.replace(base, **changes)


def dashboard(team: TeamSummary | None, now: datetime = NOW) -> Dashboard:
    taken = now - timedelta(seconds=19)
    source = SourceState("team", "roster-file", Freshness.FRESH, taken, 19.0)
    return Dashboard(
        now=now,
        offline=False,
        sources=(source,),
        areas={"team": AreaInputs((source,))},
        sprint=None,
        experiments=None,
        okrs=None,
        cost=None,
        team=team,  # type: ignore[arg-type]
    )


def team_block(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("Team"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(LABEL))
    return lines[start:end]


def test_status_shows_who_is_online_and_the_best_windows_in_the_lead_zone_and_utc() -> None:
    block = team_block(status_lines(dashboard(summary())))
    assert block[0].startswith(
        "Team          2 of 6 working now across 6 time zones · times in Europe/Berlin  [fresh"
    )
    under = [line.removeprefix(LABEL) for line in block[1:]]
    assert under == [
        "Online now: Tom Fletcher, Priya Raman",
        "Next online: Maya Chen at 17:00 CET (16:00 UTC), in 6 h 30 min",
        "Best overlap in the next 7 days: tomorrow 14:00–16:00 CET (13:00–15:00 UTC), 2 h, "
        "4 people: Tom Fletcher, Priya Raman, Maya Chen, Lena Hoffmann",
        "Best in the next 24 h: today 15:00–16:30 CET (14:00–15:30 UTC), 1 h 30 min, "
        "3 people: Tom Fletcher, Priya Raman, Maya Chen",
        "Not working today: Rafael Souza (public holiday: Republic Day), "
        "Wei Ling Tan (time off: annual leave)",
        "Travelling: Lena Hoffmann (in New York until 29 Nov)",
    ]


def test_status_never_shows_an_account_id() -> None:
    text = "\n".join(status_lines(dashboard(summary())))
    assert MAYA not in text and PRIYA not in text
    assert "Maya Chen" in text and "Priya Raman" in text


def test_a_window_that_has_ended_is_not_the_best_ahead() -> None:
    # Today's best (five people, 07:00–09:00 UTC) ended before now: it is not offered.
    text = "\n".join(status_lines(dashboard(summary())))
    assert "07:00" not in text and "08:00–10:00 CET" not in text


def test_when_the_next_24_hours_hold_the_week_best_it_is_said_once() -> None:
    only_today = summary(
        week=(DayOverlap(date(2026, 11, 23), (NEXT_24H,), NEXT_24H),),
    )
    under = team_block(status_lines(dashboard(only_today)))[1:]
    best = [line for line in under if "Best" in line]
    assert best == [
        LABEL + "Best overlap in the next 1 day: today 15:00–16:30 CET (14:00–15:30 UTC), "
        "1 h 30 min, 3 people: Tom Fletcher, Priya Raman, Maya Chen"
    ]


def test_no_overlap_at_all_names_the_nearest_miss() -> None:
    miss = NearMiss(window(24, "16:00", "17:00", "tom", PRIYA), missing=(MAYA,), short_by=1)
    team = summary(
        best_overlap=None,
        week=tuple(DayOverlap(date(2026, 11, 23 + n), (), None) for n in range(7)),
        nearest_miss=miss,
        min_people=3,
    )
    under = "\n".join(team_block(status_lines(dashboard(team)))[1:])
    assert (
        "No overlap in the next 7 days; closest: tomorrow 17:00–18:00 CET (16:00–17:00 UTC), "
        "1 h, 2 people: Tom Fletcher, Priya Raman; 1 short, without Maya Chen"
    ) in under
    payload = status_json(dashboard(team))["team"]
    assert payload["week_best"] is None and payload["best_overlap"] is None
    assert payload["nearest_miss"]["missing"] == ["Maya Chen"]
    assert payload["nearest_miss"]["missing_ids"] == [MAYA]
    assert payload["nearest_miss"]["short_by"] == 1


def test_nobody_online_and_nobody_coming() -> None:
    quiet = summary(
        people=tuple(msgspec.structs.replace(p, state="weekend", travelling=False) for p in PEOPLE),
        working_now=0,
        next_online=None,
        best_overlap=None,
        week=(),
    )
    under = [line.strip() for line in team_block(status_lines(dashboard(quiet)))[1:]]
    assert under == ["Online now: nobody", "No overlap in the next 24 h"]


def test_a_lead_in_utc_reads_each_time_once() -> None:
    under = "\n".join(team_block(status_lines(dashboard(summary(lead_zone="UTC"))))[1:])
    assert "Next online: Maya Chen at 16:00 UTC, in 6 h 30 min" in under
    assert "tomorrow 13:00–15:00 UTC, 2 h" in under and "UTC (" not in under


def test_a_lead_across_the_date_line_sees_the_utc_day_when_it_differs() -> None:
    # 13:00 UTC on Tuesday is 02:00 on Wednesday in Auckland.
    under = "\n".join(
        team_block(status_lines(dashboard(summary(lead_zone="Pacific/Auckland"))))[1:]
    )
    assert "Wed 25 Nov 02:00–04:00 NZDT (Tue 13:00–15:00 UTC)" in under
    assert "Next online: Maya Chen at tomorrow 05:00 NZDT (Mon 16:00 UTC)" in under


def test_a_lead_zone_without_letters_is_named() -> None:
    under = "\n".join(team_block(status_lines(dashboard(summary(lead_zone="Asia/Kathmandu"))))[1:])
    assert "tomorrow 18:45–20:45 Asia/Kathmandu (13:00–15:00 UTC)" in under


def test_status_json_versions_the_new_team_fields() -> None:
    out = status_json(dashboard(summary()))
    assert out["schema"] == STATUS_SCHEMA == "cockpit.status/6"
    team = out["team"]
    assert team["age_seconds"] == 19.0
    assert (team["people"], team["working_now"], team["time_zones"]) == (6, 2, 6)
    assert team["lead_zone"] == LEAD and team["min_people"] == 0
    assert team["best_overlap"] == {
        "start": "2026-11-23T14:00:00+00:00",
        "end": "2026-11-23T15:30:00+00:00",
        "minutes": 90,
        "lead_start": "2026-11-23T15:00:00+01:00",
        "lead_end": "2026-11-23T16:30:00+01:00",
        "people": ["Tom Fletcher", "Priya Raman", "Maya Chen"],
        "people_ids": ["tom", PRIYA, MAYA],
    }
    assert team["week_best"]["start"] == "2026-11-24T13:00:00+00:00"
    assert team["week_best"]["people"][-1] == "Lena Hoffmann"
    assert [d["day"] for d in team["week"]][:2] == ["2026-11-23", "2026-11-24"]
    assert team["week"][0]["windows"] == 2 and team["week"][2]["best"] is None
    assert team["online_now"] == ["Tom Fletcher", "Priya Raman"]
    assert team["online_now_ids"] == ["tom", PRIYA]
    assert team["next_online"] == {
        "id": MAYA,
        "name": "Maya Chen",
        "at": "2026-11-23T16:00:00+00:00",
        "lead_at": "2026-11-23T17:00:00+01:00",
    }
    assert team["nearest_miss"] is None
    lena = next(m for m in team["members"] if m["id"] == "lena")
    assert lena["timezone"] == "America/New_York" and lena["home_timezone"] == "Europe/Berlin"
    assert lena["travelling"] is True and lena["state"] == "before"
    assert lena["local_time"] == "2026-11-23T04:30:00-05:00"
    rafael = next(m for m in team["members"] if m["id"] == "rafael")
    assert (rafael["state"], rafael["detail"]) == ("holiday", "Republic Day")


def test_status_json_names_are_names_and_ids_are_ids() -> None:
    team = status_json(dashboard(summary()))["team"]
    names = {p.name for p in PEOPLE}
    ids = {p.id for p in PEOPLE}
    for key in ("best_overlap", "week_best"):
        assert set(team[key]["people"]) <= names and set(team[key]["people_ids"]) <= ids
    assert set(team["online_now"]) <= names
    assert team["next_online"]["name"] in names


@pytest.mark.parametrize(
    ("start", "end", "zone", "today", "expected"),
    [
        ("2026-11-23T14:00", "2026-11-23T15:30", "Europe/Berlin", date(2026, 11, 23),
         "today 15:00–16:30 CET (14:00–15:30 UTC)"),
        ("2026-11-23T14:00", "2026-11-23T15:30", "Europe/Berlin", None,
         "Mon 23 Nov 15:00–16:30 CET (14:00–15:30 UTC)"),
        ("2026-11-23T14:00", "2026-11-23T15:30", "UTC", date(2026, 11, 22),
         "tomorrow 14:00–15:30 UTC"),
        # +5:45 and +12:45 come out to the minute.
        ("2026-11-23T14:00", "2026-11-23T15:30", "Asia/Kathmandu", date(2026, 11, 23),
         "today 19:45–21:15 Asia/Kathmandu (14:00–15:30 UTC)"),
        ("2026-11-23T14:00", "2026-11-23T15:30", "Pacific/Chatham", date(2026, 11, 24),
         "today 03:45–05:15 Pacific/Chatham (Mon 14:00–15:30 UTC)"),
        # Across the EU change on 29 March 2026: CET before, CEST after.
        ("2026-03-27T08:00", "2026-03-27T09:00", "Europe/Berlin", date(2026, 3, 27),
         "today 09:00–10:00 CET (08:00–09:00 UTC)"),
        ("2026-03-30T08:00", "2026-03-30T09:00", "Europe/Berlin", date(2026, 3, 27),
         "Mon 30 Mar 10:00–11:00 CEST (08:00–09:00 UTC)"),
    ],
)  # fmt: skip
def test_time_window_in_the_lead_zone_with_utc_beside_it(
    start: str, end: str, zone: str, today: date | None, expected: str
) -> None:
    first = datetime.fromisoformat(start).replace(tzinfo=UTC)
    last = datetime.fromisoformat(end).replace(tzinfo=UTC)
    assert time_window(first, last, zone, today) == expected


def test_time_at_and_span_phrase() -> None:
    moment = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert time_at(moment, "America/Los_Angeles", date(2026, 11, 23)) == "08:00 PST (16:00 UTC)"
    assert time_at(moment, "America/Los_Angeles", date(2026, 11, 22)) == (
        "tomorrow 08:00 PST (16:00 UTC)"
    )
    assert time_at(moment, "UTC", date(2026, 11, 23)) == "16:00 UTC"
    assert [span_phrase(m) for m in (0, 45, 60, 90, 1439, 3000)] == [
        "0 min", "45 min", "1 h", "1 h 30 min", "23 h 59 min", "2.1 d"
    ]  # fmt: skip


# --- end to end: the demo, through the workspace, the analytics and the report ------------

DEMO_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; Black Awareness Day in Brazil


def demo_dashboard(monkeypatch: pytest.MonkeyPatch, zone: str) -> Dashboard:
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_in_memory

    monkeypatch.setenv("TZ", zone)  # the lead's machine
    return open_demo_in_memory(FrozenClock(DEMO_NOW)).dashboard(DEMO_NOW)


def test_status_on_the_demo_reads_as_a_lead_in_berlin_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = demo_dashboard(monkeypatch, "Europe/Berlin")
    block = team_block(status_lines(d, "demo workspace"))
    text = "\n".join(block)
    assert "1 of 12 working now across 9 time zones" in text  # Sunita, at 17:45 in Kathmandu
    assert "times in Europe/Berlin" in block[0]
    under = [line.removeprefix(LABEL) for line in block[1:]]
    assert under[0].startswith("Online now: ")
    assert under[1].startswith("Next online: ") and " CET (" in under[1]
    best = next(line for line in under if line.startswith("Best overlap in the next 7 days: "))
    assert re.search(r"\d\d:\d\d–\d\d:\d\d CET \(\d\d:\d\d–\d\d:\d\d UTC\)", best)
    assert (
        "Not working today: Tom Fletcher (time off: away), "
        "Rafael Souza (public holiday: National Day of Zumbi and Black Awareness)"
    ) in under or (
        "Not working today: Rafael Souza (public holiday: National Day of Zumbi and Black "
        "Awareness), Tom Fletcher (time off: away)"
    ) in under
    assert any(line.startswith("Travelling: Lena Hoffmann (") for line in under)
    # Names, never ids: the demo's ids are lower-case words.
    assert not re.search(
        r"\b(maya|diego|samira|rafael|tom|lena|noa|priya|arjun|sunita|wei|aroha)\b", text
    )

    payload = status_json(d)
    assert payload["schema"] == "cockpit.status/6"
    team = payload["team"]
    assert team["lead_zone"] == "Europe/Berlin" and team["time_zones"] == 9
    assert len(team["members"]) == team["people"] == 12
    assert team["best_overlap"]["lead_start"].endswith("+01:00")
    online = [m["name"] for m in team["members"] if m["state"] == "working"]
    assert team["online_now"] == online and under[0] == "Online now: " + (
        ", ".join(
            f"{m['name']} (in {m['location']})" if m["travelling"] else m["name"]
            for m in team["members"]
            if m["state"] == "working"
        )
        or "nobody"
    )
    lena = next(m for m in team["members"] if m["id"] == "lena")
    assert lena["travelling"] and lena["timezone"] == "America/New_York"
    assert lena["home_timezone"] == "Europe/Berlin"


def test_the_demo_export_says_who_is_away_next_week(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.export.weekly import current_week
    from cockpit.export.weekly import render_dashboard as render

    d = demo_dashboard(monkeypatch, "America/Los_Angeles")
    text = render(d, current_week(DEMO_NOW), "md", generated_at=DEMO_NOW)
    assert "- 12 people across 9 time zones; times in America/Los\\_Angeles" in text
    assert "- Next week (Mon 23 Nov – Sun 29 Nov), away or travelling:" in text
    assert "  - Wei Ling Tan: time off Mon 23 Nov – Wed 25 Nov (annual leave)" in text
    assert "  - Lena Hoffmann: working from New York, Sat 24 Oct – Sun 29 Nov" in text
    assert "  - Maya Chen: public holiday Thu 26 Nov (Thanksgiving Day)" in text
    assert re.search(
        r"Best overlap in the next 7 days: \w{3} \d\d \w{3} \d\d:\d\d–\d\d:\d\d PST", text
    )
