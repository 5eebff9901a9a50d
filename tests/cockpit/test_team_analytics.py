"""The Team analytics under fixed clocks: state now, overlap windows, the lead's day, heat and
the follow-the-sun handover, around the 2026 DST changes and at odd offsets.

Expected values are worked out by hand from each zone's offset that day (noted beside them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cockpit.analytics.team import (
    OverlapWindow,
    best_overlap,
    handover_chain,
    lead_day,
    nearest_miss,
    overlap_windows,
    summarize_team,
)
from cockpit.analytics.team_hours import epoch_minute
from cockpit.analytics.team_views import DayMark, Handover, NearMiss, TeamRules
from cockpit.models import Holiday, Person, TeamData, TimeOff, Travel, WorkSpan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


NINE_TO_FIVE = ((WorkSpan(540, 1020),),) * 5 + ((), ())
SPLIT = ((WorkSpan(540, 720), WorkSpan(840, 1080)),) * 5 + ((), ())

# 09:00–17:30 unless said otherwise (the legacy default).
NIA = Person("nia", "Nia", "America/New_York", hours=NINE_TO_FIVE)
LENA = Person("lena", "Lena", "Europe/Berlin", hours=NINE_TO_FIVE)
PRIYA = Person("priya", "Priya", "Asia/Kolkata")  # +5:30
ANIL = Person("anil", "Anil", "Asia/Kathmandu", hours=NINE_TO_FIVE)  # +5:45
MOANA = Person("moana", "Moana", "Pacific/Chatham")  # +13:45 in March
JOAN = Person("joan", "Joan", "America/St_Johns")  # -3:30 until 8 March
AROHA = Person("aroha", "Aroha", "Pacific/Auckland")  # +13 in March
JO = Person("jo", "Jo", "America/Los_Angeles")  # -8 until 8 March


def window(start: datetime, end: datetime, *people: str) -> OverlapWindow:
    return OverlapWindow(start, end, tuple(people))


def by_id(summary, person_id: str):  # type: ignore[no-untyped-def]
    return next(p for p in summary.people if p.id == person_id)


# --- DST: the US and Europe out of step -------------------------------------------------


def test_overlap_grows_the_week_the_us_has_changed_and_europe_has_not() -> None:
    team = TeamData((NIA, LENA))
    before = summarize_team(team, utc(2026, 3, 2, 10), lead_zone="Europe/Berlin")
    # Mon 2 March: New York EST 14–22 UTC, Berlin CET 08–16 UTC.
    assert before.week[0].best == window(utc(2026, 3, 2, 14), utc(2026, 3, 2, 16), "nia", "lena")
    during = summarize_team(team, utc(2026, 3, 9, 10), lead_zone="Europe/Berlin")
    # Mon 9 March: New York EDT 13–21 UTC, Berlin still CET 08–16 UTC: three hours.
    assert during.week[0].day == date(2026, 3, 9)
    assert during.week[0].windows == (
        window(utc(2026, 3, 9, 13), utc(2026, 3, 9, 16), "nia", "lena"),
    )
    assert [len(day.windows) for day in during.week] == [1, 1, 1, 1, 1, 0, 0]
    # The band in Berlin minutes: 14:00–17:00 CET.
    assert during.band == ((840, 1020),)
    assert during.min_people == 2
    after = summarize_team(team, utc(2026, 3, 30, 10), lead_zone="Europe/Berlin")
    # Mon 30 March: Berlin CEST 07–15 UTC: two hours again, an hour earlier.
    assert after.week[0].best == window(utc(2026, 3, 30, 13), utc(2026, 3, 30, 15), "nia", "lena")
    autumn = summarize_team(team, utc(2026, 10, 26, 10), lead_zone="America/New_York")
    # Mon 26 October: Berlin back to CET (08–16 UTC), New York still EDT (13–21 UTC).
    assert autumn.week[0].best == window(
        utc(2026, 10, 26, 13), utc(2026, 10, 26, 16), "nia", "lena"
    )
    # In New York minutes: 09:00–12:00 EDT.
    assert autumn.band == ((540, 720),)


def test_the_lead_day_is_23_or_25_hours_on_the_leads_dst_days() -> None:
    team = TeamData((NIA, LENA))
    spring = summarize_team(team, utc(2026, 3, 8, 12), lead_zone="America/New_York")
    # Sunday 8 March in New York: midnight EST is 05:00 UTC, the next midnight EDT 04:00 UTC.
    assert spring.day_start == utc(2026, 3, 8, 5)
    assert spring.day_minutes == 1380
    assert spring.now_minute == 420
    assert len(spring.heat[0]) == 46
    assert len(spring.heat[1]) == 48
    autumn = summarize_team(team, utc(2026, 11, 1, 12), lead_zone="America/New_York")
    # Sunday 1 November: midnight EDT is 04:00 UTC, the next midnight EST 05:00 UTC.
    assert autumn.day_start == utc(2026, 11, 1, 4)
    assert autumn.day_minutes == 1500
    assert autumn.now_minute == 480
    assert len(autumn.heat[0]) == 50
    assert lead_day("Europe/Berlin", date(2026, 3, 29)) == (utc(2026, 3, 28, 23), 1380)
    assert lead_day("Europe/Berlin", date(2026, 10, 25)) == (utc(2026, 10, 24, 22), 1500)


def test_the_ribbon_is_in_the_leads_minutes_across_the_leads_change() -> None:
    # Monday 30 March in New York (EDT, midnight 04:00 UTC): Lena, in CEST since Sunday, works
    # 07–15 UTC, 03:00–11:00 on the lead's clock.
    summary = summarize_team(TeamData((LENA,)), utc(2026, 3, 30, 12), lead_zone="America/New_York")
    assert by_id(summary, "lena").ribbon == ((180, 660),)


# --- odd offsets, exact to the minute ---------------------------------------------------


def test_plus_five_thirty_five_forty_five_and_chatham_meet_for_fifteen_minutes() -> None:
    team = TeamData((MOANA, PRIYA, ANIL, JOAN))
    now = utc(2026, 3, 2)
    strict = summarize_team(team, now, rules=TeamRules(min_people=3))
    # Monday 2 March: Chatham's Monday (+13:45) is Sun 19:15 to Mon 03:45 UTC, Kolkata's
    # 03:30–12:00, Kathmandu's 03:15–11:15.
    assert strict.week[0].windows == (
        window(utc(2026, 3, 2, 3, 30), utc(2026, 3, 2, 3, 45), "moana", "priya", "anil"),
    )
    assert strict.week[0].windows[0].minutes == 15
    # Saturday: Chatham's Saturday is off; Sunday: only Chatham's Monday has begun.
    assert [len(day.windows) for day in strict.week] == [1, 1, 1, 1, 1, 0, 0]
    assert strict.min_people == 3
    # K = 0: the most who overlap at all that day, here the same three.
    most = summarize_team(team, now)
    assert most.min_people == 3
    assert most.week[0].windows == strict.week[0].windows
    # K = 2: every stretch with two or more, cut where the people change. St John's (NST,
    # 12:30–21:00 UTC) meets Chatham's Tuesday, which begins Mon 19:15 UTC.
    pairs = summarize_team(team, now, rules=TeamRules(min_people=2))
    assert pairs.week[0].windows == (
        window(utc(2026, 3, 2, 3, 15), utc(2026, 3, 2, 3, 30), "moana", "anil"),
        window(utc(2026, 3, 2, 3, 30), utc(2026, 3, 2, 3, 45), "moana", "priya", "anil"),
        window(utc(2026, 3, 2, 3, 45), utc(2026, 3, 2, 11, 15), "priya", "anil"),
        window(utc(2026, 3, 2, 19, 15), utc(2026, 3, 2, 21), "moana", "joan"),
    )
    assert pairs.week[0].best == pairs.week[0].windows[1]  # the most people wins
    assert pairs.band == ((195, 675), (1155, 1260))  # 03:15–11:15 and 19:15–21:00 UTC


def test_newfoundland_after_its_change() -> None:
    team = TeamData((JOAN, LENA))
    # Tue 10 March: St John's NDT -2:30 works 11:30–20:00 UTC; Berlin CET 08–16 UTC.
    summary = summarize_team(team, utc(2026, 3, 10, 9))
    assert summary.week[0].best == window(
        utc(2026, 3, 10, 11, 30), utc(2026, 3, 10, 16), "joan", "lena"
    )
    joan = by_id(summary, "joan")
    assert joan.utc_offset == "-02:30"
    assert joan.state == "before"
    assert joan.next_start == utc(2026, 3, 10, 11, 30)


def test_across_the_date_line_in_the_leads_time() -> None:
    team = TeamData((AROHA, JO))
    # Mon 2 March, 10:00 PST. Jo's Monday is 17:00–01:30 UTC; Aroha's Tuesday (+13) begins
    # Mon 20:00 UTC. In Los Angeles minutes: 12:00–17:30.
    summary = summarize_team(team, utc(2026, 3, 2, 18), lead_zone="America/Los_Angeles")
    assert summary.week[0].windows == (
        window(utc(2026, 3, 2, 20), utc(2026, 3, 3, 1, 30), "aroha", "jo"),
    )
    assert summary.band == ((720, 1050),)
    # Friday in Los Angeles is Saturday in Auckland; Sunday 8 March is 23 hours long.
    assert [len(day.windows) for day in summary.week] == [1, 1, 1, 1, 0, 0, 0]
    assert len(summary.heat[6]) == 46
    aroha = by_id(summary, "aroha")
    assert aroha.local_time.date() == date(2026, 3, 3)
    assert aroha.state == "before"  # 07:00 on Tuesday in Auckland
    assert aroha.ribbon == ((720, 1230),)  # noon to 20:30 in Los Angeles


# --- none at all, and the nearest miss --------------------------------------------------


def test_a_team_with_no_overlap_at_all_gets_the_nearest_miss() -> None:
    team = TeamData((AROHA, LENA))
    summary = summarize_team(team, utc(2026, 3, 2, 10))
    assert all(day.windows == () and day.best is None for day in summary.week)
    assert summary.best_overlap is None
    assert summary.band == ()
    # The most at once is one person; the longest such stretch is Aroha's Tuesday, Mon 20:00 to
    # Tue 04:30 UTC (8.5 h; Lena's day is 8 h, and Aroha's Monday is cut by the week's start).
    assert summary.nearest_miss == NearMiss(
        window(utc(2026, 3, 2, 20), utc(2026, 3, 3, 4, 30), "aroha"), ("lena",), 1
    )


def test_the_nearest_miss_names_who_is_missing_from_k() -> None:
    team = TeamData((AROHA, LENA, NIA))
    summary = summarize_team(team, utc(2026, 3, 2, 10), rules=TeamRules(min_people=3))
    assert all(day.windows == () for day in summary.week)
    # Lena and Nia overlap 14–16 UTC each weekday; Monday's is the earliest.
    assert summary.nearest_miss == NearMiss(
        window(utc(2026, 3, 2, 14), utc(2026, 3, 2, 16), "lena", "nia"), ("aroha",), 1
    )
    # With K = 2 there are windows, so no miss.
    assert (
        summarize_team(team, utc(2026, 3, 2, 10), rules=TeamRules(min_people=2)).nearest_miss
        is None
    )


def test_nearest_miss_and_windows_for_a_subset() -> None:
    base = epoch_minute(utc(2026, 3, 2))
    intervals = {
        "a": [(base + 60, base + 240)],
        "b": [(base + 120, base + 300)],
        "c": [(base + 500, base + 600)],
    }
    assert overlap_windows(intervals, base, base + 1440, min_people=0, subset=["b", "a"]) == (
        window(utc(2026, 3, 2, 2), utc(2026, 3, 2, 4), "a", "b"),
    )
    assert overlap_windows(intervals, base, base + 1440, min_people=0, subset=["a", "c"]) == ()
    assert nearest_miss(intervals, base, base + 1440, min_people=0, subset=["a", "c"]) == NearMiss(
        window(utc(2026, 3, 2, 1), utc(2026, 3, 2, 4), "a"), ("c",), 1
    )


# --- people now: holiday, time off, travel, split day -----------------------------------


def test_a_public_holiday_says_its_name_and_blocks_the_day() -> None:
    lena = Person(
        "lena",
        "Lena",
        "Europe/Berlin",
        hours=NINE_TO_FIVE,
        holidays=(Holiday(date(2026, 4, 6), "Easter Monday"),),
    )
    summary = summarize_team(TeamData((NIA, lena)), utc(2026, 4, 6, 10), lead_zone="Europe/Berlin")
    row = by_id(summary, "lena")
    assert row.state == "holiday"
    assert row.detail == "Easter Monday"
    assert row.ribbon == ()
    assert row.marks == (DayMark(0, 1440, "holiday", "Easter Monday"),)
    # Tuesday 7 April, 09:00 CEST.
    assert row.next_start == utc(2026, 4, 7, 7)
    assert summary.week[0].windows == ()
    # Tuesday: Berlin CEST 07–15 UTC, New York EDT 13–21 UTC.
    assert summary.week[1].best == window(utc(2026, 4, 7, 13), utc(2026, 4, 7, 15), "nia", "lena")


def test_time_off_and_weekend_states() -> None:
    wei = Person(
        "wei",
        "Wei",
        "Asia/Singapore",
        hours=NINE_TO_FIVE,
        time_off=(TimeOff(date(2026, 3, 9), date(2026, 3, 13), "parental leave"),),
    )
    summary = summarize_team(TeamData((wei, LENA)), utc(2026, 3, 7, 10))  # a Saturday
    assert by_id(summary, "wei").state == "weekend"
    assert by_id(summary, "lena").state == "weekend"
    # Monday 9 March, 09:00 CET.
    assert summary.next_online == ("lena", utc(2026, 3, 9, 8))
    later = summarize_team(TeamData((wei, LENA)), utc(2026, 3, 10, 3))
    row = by_id(later, "wei")
    assert (row.state, row.detail) == ("time_off", "parental leave")
    # Back on Monday 16 March at 09:00 +8.
    assert row.next_start == utc(2026, 3, 16, 1)


def test_travel_across_a_dst_change_shows_where_and_until_when() -> None:
    stay = Travel(date(2026, 3, 5), date(2026, 3, 12), "America/New_York", "New York")
    rui = Person(
        "rui", "Rui", "Europe/Lisbon", location="Lisbon", hours=NINE_TO_FIVE, travel=(stay,)
    )
    summary = summarize_team(TeamData((rui, LENA)), utc(2026, 3, 9, 15))
    row = by_id(summary, "rui")
    # Monday 9 March in New York, EDT since Sunday: 11:00.
    assert row.state == "working"
    assert row.travelling
    assert row.detail == "in New York until 12 Mar"
    assert row.location == "New York"
    assert (row.timezone, row.home_timezone, row.utc_offset) == (
        "America/New_York",
        "Europe/Lisbon",
        "-04:00",
    )
    assert row.local_time == datetime(2026, 3, 9, 11, tzinfo=row.local_time.tzinfo)
    # Rui 13–21 UTC in New York, Lena 08–16 UTC.
    assert summary.week[0].best == window(utc(2026, 3, 9, 13), utc(2026, 3, 9, 16), "rui", "lena")


def test_travel_without_a_location_is_named_by_its_zone() -> None:
    stay = Travel(date(2026, 12, 1), date(2026, 12, 14), "Asia/Dubai")
    ana = Person("ana", "Ana", "Europe/Lisbon", hours=NINE_TO_FIVE, travel=(stay,))
    row = summarize_team(TeamData((ana,)), utc(2026, 12, 5, 12)).people[0]
    assert (row.state, row.detail, row.utc_offset) == ("weekend", "in Dubai until 14 Dec", "+04:00")


def test_a_split_day_has_a_break_between() -> None:
    lena = Person("lena", "Lena", "Europe/Berlin", hours=SPLIT)
    # Monday 2 March, CET: 09–12 and 14–18 local are 08–11 and 13–17 UTC.
    at = {
        utc(2026, 3, 2, 7): ("before", utc(2026, 3, 2, 8)),
        utc(2026, 3, 2, 9): ("working", None),
        utc(2026, 3, 2, 12): ("between", utc(2026, 3, 2, 13)),
        utc(2026, 3, 2, 17, 30): ("after", utc(2026, 3, 3, 8)),
    }
    for now, expected in at.items():
        row = summarize_team(TeamData((lena,)), now, lead_zone="Europe/Berlin").people[0]
        assert (row.state, row.next_start) == expected, now
    row = summarize_team(TeamData((lena,)), utc(2026, 3, 2, 12), lead_zone="Europe/Berlin")
    assert row.people[0].ribbon == ((540, 720), (840, 1080))


def test_a_night_shift_from_friday_is_working_on_saturday_morning() -> None:
    kai = Person("kai", "Kai", "Europe/Berlin", work_start="22:00", work_end="06:00")
    # Saturday 7 March, 03:00 CET: Friday's shift runs to 06:00.
    row = summarize_team(TeamData((kai,)), utc(2026, 3, 7, 2)).people[0]
    assert row.state == "working"
    row = summarize_team(TeamData((kai,)), utc(2026, 3, 7, 6)).people[0]
    assert row.state == "weekend"
    assert row.next_start == utc(2026, 3, 9, 21)  # Monday 22:00 CET


def test_people_are_ordered_west_to_east_and_zones_counted() -> None:
    team = TeamData((AROHA, LENA, JO, PRIYA, ANIL))
    summary = summarize_team(team, utc(2026, 3, 2, 10))
    assert [p.id for p in summary.people] == ["jo", "lena", "priya", "anil", "aroha"]
    assert summary.zones == 5
    assert [p.utc_offset for p in summary.people] == [
        "-08:00",
        "+01:00",
        "+05:30",
        "+05:45",
        "+13:00",
    ]
    # 10:00 UTC: Lena, Priya and Anil are working.
    assert summary.working_now == 3


# --- heat -------------------------------------------------------------------------------


def test_heat_counts_people_working_the_whole_half_hour() -> None:
    summary = summarize_team(TeamData((PRIYA, LENA, ANIL)), utc(2026, 3, 2, 1))
    monday = summary.heat[0]
    assert len(monday) == 48
    # Priya 03:30–12:00 UTC: cells 7–23. Lena 08:00–16:00: cells 16–31. Anil 03:15–11:15:
    # only the whole half hours, 03:30 to 11:00: cells 7–21.
    expected = [0] * 48
    for first, last in ((7, 23), (16, 31), (7, 21)):
        for cell in range(first, last + 1):
            expected[cell] += 1
    assert list(monday) == expected
    assert len(summary.heat) == 7
    assert summary.heat[5] == (0,) * 48  # Saturday


# --- best overlap and handover ----------------------------------------------------------


def test_the_best_overlap_ahead_is_whole_and_from_now() -> None:
    team = (PRIYA, LENA)
    # Mon 2 March 11:00 UTC: today's window (08–12) has an hour left; tomorrow's is whole.
    ahead = summarize_team(TeamData(team), utc(2026, 3, 2, 11)).best_overlap
    assert ahead == window(utc(2026, 3, 3, 8), utc(2026, 3, 3, 12), "priya", "lena")
    assert best_overlap(team, utc(2026, 3, 2, 11)) == ahead
    # 09:00 UTC: the rest of today's window (three hours) is shorter than tomorrow's four,
    # which starts within the next 24 hours.
    assert best_overlap(team, utc(2026, 3, 2, 9)) == window(
        utc(2026, 3, 3, 8), utc(2026, 3, 3, 12), "priya", "lena"
    )
    # Friday 12:30 UTC: nothing until Monday.
    assert best_overlap(team, utc(2026, 3, 6, 12, 30)) is None


def test_handover_with_a_gap() -> None:
    team = TeamData((AROHA, LENA, NIA))
    chain = summarize_team(team, utc(2026, 3, 3)).handover
    # Tue 3 March 00:00 UTC. Aroha's Tuesday (+13) runs Mon 20:00–Tue 04:30 UTC; nobody until
    # Lena at 08:00 UTC (09:00 CET); Lena to 16:00, then Nia (EST) to 22:00, when Aroha's
    # Wednesday (from Tue 20:00 UTC) carries on to the end of the 24 hours.
    assert chain == (
        Handover("aroha", utc(2026, 3, 3), utc(2026, 3, 3, 4, 30), 0),
        Handover("lena", utc(2026, 3, 3, 8), utc(2026, 3, 3, 16), 210),
        Handover("nia", utc(2026, 3, 3, 16), utc(2026, 3, 3, 22), 0),
        Handover("aroha", utc(2026, 3, 3, 22), utc(2026, 3, 4), 0),
    )
    assert handover_chain(team, utc(2026, 3, 3)) == chain


def test_handover_starts_with_whoever_has_worked_longest_and_passes_to_who_stays_longest() -> None:
    team = TeamData((ANIL, PRIYA, AROHA, LENA))
    # Mon 2 March 03:40 UTC: Aroha since Sun 20:00, Anil since 03:15, Priya since 03:30.
    chain = handover_chain(team, utc(2026, 3, 2, 3, 40), hours=10)
    # At 04:30 Anil (to 11:15) and Priya (to 12:00) work: Priya stays longer; at 12:00 Lena
    # (since 08:00, to 16:00) carries on to the end of the 10 hours (13:40).
    assert chain == (
        Handover("aroha", utc(2026, 3, 2, 3, 40), utc(2026, 3, 2, 4, 30), 0),
        Handover("priya", utc(2026, 3, 2, 4, 30), utc(2026, 3, 2, 12), 0),
        Handover("lena", utc(2026, 3, 2, 12), utc(2026, 3, 2, 13, 40), 0),
    )


def test_handover_starting_with_nobody_at_work() -> None:
    # Mon 2 March 06:00 UTC: Lena starts at 08:00; her Tuesday starts 26 hours from now.
    chain = handover_chain(TeamData((LENA,)), utc(2026, 3, 2, 6))
    assert chain == (Handover("lena", utc(2026, 3, 2, 8), utc(2026, 3, 2, 16), 120),)


# --- defaults and empty teams -----------------------------------------------------------


def test_the_old_call_keeps_working_with_utc_and_the_default_rules() -> None:
    summary = summarize_team(TeamData((PRIYA, LENA)), utc(2026, 3, 2, 10))
    assert summary.lead_zone == "UTC"
    assert summary.day_start == utc(2026, 3, 2)
    assert summary.now_minute == 600
    assert len(summary.week) == 7
    assert summary.band == ((480, 720),)


def test_an_empty_team() -> None:
    summary = summarize_team(TeamData(()), utc(2026, 3, 2, 10))
    assert summary.people == ()
    assert summary.best_overlap is None
    assert summary.nearest_miss is None
    assert summary.handover == ()
    assert summary.next_online is None
    assert summary.heat[0] == (0,) * 48


def test_overlap_days_sets_the_length_of_the_week() -> None:
    rules = TeamRules(overlap_days=3)
    summary = summarize_team(TeamData((PRIYA, LENA)), utc(2026, 3, 2, 10), rules=rules)
    assert [d.day for d in summary.week] == [date(2026, 3, 2) + timedelta(days=i) for i in range(3)]
    assert len(summary.heat) == 3
