"""The fairness ledger and the proposed rotation, at fixed clocks, with values worked out by hand.

June 2026: Berlin CEST (+2), Kolkata IST (+5:30), Auckland NZST (+12); 09:00-17:30 days, Monday
to Friday. A meeting at 03:30 UTC is 05:30 for Lena (early, and in her night: before 07:00),
09:00 for Priya, 15:30 for Aroha. Weights: early 1.0, late 1.5, day off 3.0, +2.0 at night.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cockpit.analytics.team_slots import fairness
from cockpit.analytics.team_views import TeamRules
from cockpit.models import Meeting, Person, TeamData, WorkSpan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


LENA = Person("lena", "Lena Hoffmann", "Europe/Berlin")
PRIYA = Person("priya", "Priya Raman", "Asia/Kolkata")
AROHA = Person("aroha", "Aroha Ngata", "Pacific/Auckland")
THREE = ("lena", "priya", "aroha")
NOW = utc(2026, 6, 17, 12, 0)  # Wednesday 17 June 2026


def weekly(title: str, first: datetime, count: int, minutes: int, who: tuple[str, ...]):
    return tuple(
        Meeting(title, first + timedelta(weeks=n), minutes, who, series=title) for n in range(count)
    )


def test_the_ledger_counts_who_took_the_inconvenient_meetings() -> None:
    meetings = (
        # Three Tuesdays at 03:30 UTC, 45 minutes: Lena 05:30-06:15, 45 early minutes each, all
        # in her night: 45 + 45 x 2.0 = 135 each (45 each before the night was counted).
        *weekly("sync", utc(2026, 5, 26, 3, 30), 3, 45, THREE),
        # A Monday at 07:00 UTC, 60 minutes: Aroha 19:00-20:00 NZST, 60 late minutes (x1.5).
        Meeting("review", utc(2026, 6, 15, 7, 0), 60, ("lena", "aroha", "ghost")),
        # Older than the ledger's eight weeks, and one not yet held: neither counts.
        Meeting("old", utc(2026, 4, 1, 3, 30), 45, THREE),
        Meeting("later", utc(2026, 6, 18, 3, 30), 45, THREE),
    )
    view = fairness(TeamData((LENA, PRIYA, AROHA), meetings), NOW, weeks_ahead=0)
    assert view.weeks == 8
    assert view.series == "sync"  # the series with the most meetings
    assert view.rotation == ()
    rows = [(r.id, r.meetings, r.inconvenient, r.minutes_outside, r.pain) for r in view.rows]
    assert rows == [
        ("lena", 4, 3, 135, 405.0),
        ("aroha", 4, 1, 60, 90.0),  # 19:00-20:00 NZST: before her night
        ("priya", 3, 0, 0, 0.0),
    ]  # most pain first; "ghost" is not in the team: their hours are unknown
    assert [r.name for r in view.rows] == ["Lena Hoffmann", "Aroha Ngata", "Priya Raman"]


def test_the_ledgers_window_is_a_setting() -> None:
    meetings = weekly("sync", utc(2026, 5, 26, 3, 30), 3, 45, THREE)
    view = fairness(
        TeamData((LENA, PRIYA, AROHA), meetings),
        NOW,
        rules=TeamRules(fairness_weeks=2),
        weeks_ahead=0,
    )
    # From Wednesday 3 June 12:00: only 9 June's meeting (2 June's is a day too old).
    assert view.weeks == 2
    assert [(r.id, r.meetings) for r in view.rows] == [("lena", 1), ("aroha", 1), ("priya", 1)]


def test_flexible_hours_halve_the_ledgers_pain() -> None:
    lena = Person("lena", "Lena Hoffmann", "Europe/Berlin", flexible=True)
    meetings = weekly("sync", utc(2026, 5, 26, 3, 30), 3, 45, THREE)
    view = fairness(TeamData((lena, PRIYA, AROHA), meetings), NOW, weeks_ahead=0)
    # Three times (45 early + 45 x 2.0 at night) x 0.5 (67.5 before the night was counted).
    assert (view.rows[0].id, view.rows[0].minutes_outside, view.rows[0].pain) == (
        "lena",
        135,
        202.5,
    )


# Four people in UTC, every day of the week, each working 18 hours and off 6: at any hour
# exactly three are within. Each six-hour stretch has its own odd one out, whose night is split
# half way: its first three hours are late (x1.5) for them, its last three early (x1.0).
#   00-06 Ana (early from 03:00), 06-12 Ben (early from 09:00),
#   12-18 Cai (early from 15:00), 18-24 Dee (early from 21:00).
# The night, 22:00-07:00, adds 2.0 a minute: all of Ana's six hours, Ben's 06-07, Dee's 22-24.
# So an hour of early costs 60 for Ben (09-12), Cai (15-18) and Dee (21-22), and 180 for Ana.
def round_the_clock() -> tuple[Person, ...]:
    def every_day(start: int, end: int) -> tuple[tuple[WorkSpan, ...], ...]:
        return ((WorkSpan(start * 60, end * 60),),) * 7

    return (
        Person("a", "Ana", "UTC", hours=every_day(6, 24)),
        Person("b", "Ben", "UTC", hours=every_day(12, 30)),
        Person("c", "Cai", "UTC", hours=every_day(18, 36)),
        Person("d", "Dee", "UTC", hours=every_day(0, 18)),
    )


def test_the_rotation_passes_the_inconvenient_slot_round() -> None:
    # The series last met long ago (outside the ledger): no one has paid yet.
    meetings = (
        Meeting("all hands", utc(2026, 1, 7, 10, 0), 60, ("a", "b", "c", "d"), series="all hands"),
    )
    view = fairness(TeamData(round_the_clock(), meetings), NOW, lead_zone="UTC")
    assert view.rows == ()
    assert view.series == "all hands"
    assert [w.week_start for w in view.rotation] == [
        date(2026, 6, 15),  # this week: what is left of it
        date(2026, 6, 22),
        date(2026, 6, 29),
        date(2026, 7, 6),
    ]
    takers = [w.pain_taken_by for w in view.rotation]
    # Three within every week, and the odd slot out goes round, an early hour (60) each: the
    # earliest such start of each week that spares whoever paid before. Ana's hours outside
    # are all in her night (180 an hour), so she is spared and Ben takes a second turn in the
    # fourth week (his Monday 09:00 comes before Cai's 15:00 and Dee's 21:00).
    assert all(w.slot.within == 3 and w.slot.attendees == 4 for w in view.rotation)
    assert takers == [("c",), ("b",), ("d",), ("b",)]
    assert [w.slot.inconvenience for w in view.rotation] == [60.0] * 4
    assert [w.slot.start for w in view.rotation] == [
        utc(2026, 6, 17, 15, 0),  # Wednesday from now (12:00): Cai's morning comes first
        utc(2026, 6, 22, 9, 0),  # Ben's
        utc(2026, 6, 29, 21, 0),  # Dee's
        utc(2026, 7, 6, 9, 0),  # Ben's again
    ]
    # Without the night's extra, all four take a turn, Ana's 03:00 the first of the week.
    flat = fairness(
        TeamData(round_the_clock(), meetings), NOW, lead_zone="UTC", rules=TeamRules(night_weight=0)
    )
    assert [w.pain_taken_by for w in flat.rotation] == [("c",), ("a",), ("b",), ("d",)]
    assert [w.slot.start for w in flat.rotation] == [
        utc(2026, 6, 17, 15, 0),
        utc(2026, 6, 22, 3, 0),
        utc(2026, 6, 29, 9, 0),
        utc(2026, 7, 6, 21, 0),
    ]
    # Each slot lies in its week, the first not before now.
    assert view.rotation[0].slot.start >= NOW
    for week in view.rotation:
        monday = datetime.combine(week.week_start, datetime.min.time(), tzinfo=UTC)
        assert monday <= week.slot.start < monday + timedelta(days=7)


def test_the_rotation_spares_who_the_ledger_says_has_paid() -> None:
    # Three recent weekly meetings at 04:00 UTC: Ana was early each time, in her night:
    # 3 x (60 + 60 x 2.0) (3 x 60 before the night was counted).
    meetings = weekly("all hands", utc(2026, 5, 27, 4, 0), 3, 60, ("a", "b", "c", "d"))
    view = fairness(TeamData(round_the_clock(), meetings), NOW, lead_zone="UTC")
    assert (view.rows[0].id, view.rows[0].inconvenient, view.rows[0].pain) == ("a", 3, 540.0)
    takers = [t for w in view.rotation for t in w.pain_taken_by]
    assert "a" not in takers
    # Cai, Ben and Dee take the first three weeks, the earliest early hour of each week that
    # spares whoever paid; in the fourth all three have paid once, and Ben's Monday comes first.
    assert takers == ["c", "b", "d", "b"]
    # The series last met on 10 June (last week): the rotation starts this week.
    assert view.rotation[0].week_start == date(2026, 6, 15)


def test_a_series_that_met_this_week_rotates_from_next_week_in_the_leads_zone() -> None:
    meetings = (Meeting("sync", utc(2026, 6, 16, 3, 30), 45, THREE, series="sync"),)
    view = fairness(
        TeamData((LENA, PRIYA, AROHA), meetings), NOW, lead_zone="Europe/Berlin", weeks_ahead=2
    )
    assert [w.week_start for w in view.rotation] == [date(2026, 6, 22), date(2026, 6, 29)]
    for week in view.rotation:
        # Two within is the best this team can do; the Monday of the week in Berlin.
        assert week.slot.within == 2
        assert len(week.pain_taken_by) == 1
        assert week.slot.start >= utc(2026, 6, 21, 22, 0)  # Monday 00:00 CEST


def test_a_named_series_and_an_unknown_one() -> None:
    meetings = (
        *weekly("sync", utc(2026, 5, 26, 3, 30), 3, 45, THREE),
        Meeting("retro", utc(2026, 6, 15, 7, 0), 60, ("lena", "priya"), series="retro"),
    )
    data = TeamData((LENA, PRIYA, AROHA), meetings)
    view = fairness(data, NOW, series="retro", weeks_ahead=1)
    assert view.series == "retro"
    (week,) = view.rotation
    assert week.slot.minutes == 60 and [c.id for c in week.slot.costs] == ["lena", "priya"]
    assert week.slot.within == 2 and week.slot.inconvenience == 0.0
    with pytest.raises(ValueError, match=r"'standup'.*recorded series: retro, sync"):
        fairness(data, NOW, series="standup")


def test_no_recorded_meetings_means_an_empty_ledger_and_no_rotation() -> None:
    view = fairness(TeamData((LENA, PRIYA, AROHA)), NOW)
    assert (view.rows, view.series, view.rotation) == ((), "", ())


def test_the_rotation_keeps_everyone_out_of_their_night_when_it_can() -> None:
    # June: Kolkata +5:30, Los Angeles PDT -7; everyone 09:00-17:30, Monday to Friday.
    # Anil works 03:30-12:00 UTC, Bea and Cy 16:00-00:30 UTC. Every hour with Bea and Cy
    # both within is Anil's night (22:00-07:00 IST is 16:30-01:30 UTC). But 03:30-04:30 UTC
    # is 09:00 for Anil and 20:30 for Bea and Cy: one within, two late, nobody in bed.
    anil = Person("anil", "Anil Rao", "Asia/Kolkata")
    bea = Person("bea", "Bea Stone", "America/Los_Angeles")
    cy = Person("cy", "Cy Park", "America/Los_Angeles")
    who = ("anil", "bea", "cy")
    meetings = weekly("sync", utc(2026, 6, 2, 16, 0), 2, 60, who)
    view = fairness(TeamData((anil, bea, cy), meetings), NOW, lead_zone="UTC", weeks_ahead=3)
    assert len(view.rotation) == 3
    for week in view.rotation:
        assert all(cost.night == 0 for cost in week.slot.costs), week
        assert week.slot.within == 1
        assert week.slot.start.astimezone(UTC).time().hour in (3, 4)
    # With the night's weight at 0 the night is like any hour outside: two within wins, and
    # Anil takes it at night.
    flat = fairness(
        TeamData((anil, bea, cy), meetings),
        NOW,
        lead_zone="UTC",
        weeks_ahead=3,
        rules=TeamRules(night_weight=0),
    )
    assert all(w.slot.within == 2 for w in flat.rotation)
    assert all(w.pain_taken_by == ("anil",) for w in flat.rotation)
