"""When people work, in UTC minutes: odd offsets, DST changes on both sides of the Atlantic,
travel, holidays, time off, split days, other working weeks, night shifts and the date line.

Every expected value is written out by hand from the zone's offset that day (noted beside it),
never computed by the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cockpit.analytics.team_hours import (
    DayPlan,
    day_plan,
    epoch_minute,
    from_epoch_minute,
    off_intervals,
    week_hours,
    working_intervals,
)
from cockpit.models import Holiday, Person, TimeOff, Travel, WorkSpan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def spans(person: Person, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The working intervals as UTC datetimes, to compare with literal values."""
    return [
        (from_epoch_minute(lo), from_epoch_minute(hi))
        for lo, hi in working_intervals(person, start, end)
    ]


def day(person: Person, on: date) -> list[tuple[datetime, datetime]]:
    """The working intervals from the UTC day before `on` to the end of the day after it."""
    midnight = utc(on.year, on.month, on.day)
    return spans(person, midnight - timedelta(days=1), midnight + timedelta(days=2))


NINE_TO_FIVE = ((WorkSpan(540, 1020),),) * 5 + ((), ())


# --- epoch minutes ----------------------------------------------------------------------


def test_epoch_minutes_floor_and_round_trip() -> None:
    assert epoch_minute(utc(1970, 1, 1, 0, 1)) == 1
    assert epoch_minute(datetime(1970, 1, 1, 0, 1, 59, tzinfo=UTC)) == 1
    assert epoch_minute(datetime(1969, 12, 31, 23, 59, 30, tzinfo=UTC)) == -1
    assert from_epoch_minute(epoch_minute(utc(2026, 3, 8, 7, 15))) == utc(2026, 3, 8, 7, 15)


def test_epoch_minute_refuses_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="aware"):
        epoch_minute(datetime(2026, 3, 8, 7, 15))


# --- week hours -------------------------------------------------------------------------


def test_legacy_hours_are_monday_to_friday() -> None:
    person = Person("p", "P", "UTC", work_start="08:30", work_end="17:00")
    assert week_hours(person) == ((WorkSpan(510, 1020),),) * 5 + ((), ())


def test_legacy_night_shift_ends_on_the_next_days_clock() -> None:
    person = Person("p", "P", "UTC", work_start="22:00", work_end="06:00")
    assert week_hours(person)[0] == (WorkSpan(1320, 1800),)


def test_explicit_hours_win_over_the_legacy_span() -> None:
    person = Person("p", "P", "UTC", work_start="08:00", work_end="12:00", hours=NINE_TO_FIVE)
    assert week_hours(person) == NINE_TO_FIVE


# --- odd offsets ------------------------------------------------------------------------


def test_india_plus_five_thirty() -> None:
    priya = Person("p", "Priya", "Asia/Kolkata")  # 09:00–17:30, IST +5:30
    assert day(priya, date(2026, 3, 2)) == [
        (utc(2026, 3, 2, 3, 30), utc(2026, 3, 2, 12, 0)),
        (utc(2026, 3, 3, 3, 30), utc(2026, 3, 3, 12, 0)),
    ]


def test_nepal_plus_five_forty_five() -> None:
    anil = Person("a", "Anil", "Asia/Kathmandu", hours=NINE_TO_FIVE)  # +5:45
    assert spans(anil, utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 3, 15), utc(2026, 3, 2, 11, 15))
    ]


def test_chatham_plus_thirteen_forty_five_in_summer_and_twelve_forty_five_in_winter() -> None:
    moana = Person("m", "Moana", "Pacific/Chatham")  # 09:00–17:30
    # Monday 2 March 2026, CHADT +13:45: 09:00 is Sunday 19:15 UTC.
    assert spans(moana, utc(2026, 3, 1), utc(2026, 3, 2, 12)) == [
        (utc(2026, 3, 1, 19, 15), utc(2026, 3, 2, 3, 45))
    ]
    # Monday 1 June 2026, CHAST +12:45: 09:00 is Sunday 20:15 UTC.
    assert spans(moana, utc(2026, 5, 31), utc(2026, 6, 1, 12)) == [
        (utc(2026, 5, 31, 20, 15), utc(2026, 6, 1, 4, 45))
    ]


def test_chatham_on_the_morning_its_clocks_go_back() -> None:
    # Sunday 5 April 2026 03:45 CHADT → 02:45 CHAST. A Sunday shift 01:00–06:00 spans it:
    # 01:00 +13:45 = Sat 11:15 UTC, 06:00 +12:45 = Sat 17:15 UTC (six hours of work).
    sunday = ((),) * 6 + ((WorkSpan(60, 360),),)
    night = Person("n", "N", "Pacific/Chatham", hours=sunday)
    assert spans(night, utc(2026, 4, 4), utc(2026, 4, 5)) == [
        (utc(2026, 4, 4, 11, 15), utc(2026, 4, 4, 17, 15))
    ]


def test_newfoundland_minus_three_thirty_then_two_thirty() -> None:
    joan = Person("j", "Joan", "America/St_Johns")  # 09:00–17:30
    # Monday 2 March, NST -3:30.
    assert spans(joan, utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 12, 30), utc(2026, 3, 2, 21, 0))
    ]
    # Monday 9 March, the day after the change to NDT -2:30.
    assert spans(joan, utc(2026, 3, 9), utc(2026, 3, 10)) == [
        (utc(2026, 3, 9, 11, 30), utc(2026, 3, 9, 20, 0))
    ]


# --- DST on both sides of the Atlantic --------------------------------------------------


def test_the_weeks_when_the_us_has_changed_and_europe_has_not() -> None:
    nia = Person("n", "Nia", "America/New_York", hours=NINE_TO_FIVE)
    lena = Person("l", "Lena", "Europe/Berlin", hours=NINE_TO_FIVE)
    # Monday 2 March: EST -5, CET +1.
    assert spans(nia, utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 14), utc(2026, 3, 2, 22))
    ]
    assert spans(lena, utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 8), utc(2026, 3, 2, 16))
    ]
    # Monday 9 March: the US moved on 8 March (EDT -4), Europe has not (CET +1).
    assert spans(nia, utc(2026, 3, 9), utc(2026, 3, 10)) == [
        (utc(2026, 3, 9, 13), utc(2026, 3, 9, 21))
    ]
    assert spans(lena, utc(2026, 3, 9), utc(2026, 3, 10)) == [
        (utc(2026, 3, 9, 8), utc(2026, 3, 9, 16))
    ]
    # Monday 30 March: Europe moved on 29 March (CEST +2).
    assert spans(lena, utc(2026, 3, 30), utc(2026, 3, 31)) == [
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 15))
    ]
    # Monday 26 October: Europe went back on 25 October (CET +1), the US not yet (EDT -4).
    assert spans(lena, utc(2026, 10, 26), utc(2026, 10, 27)) == [
        (utc(2026, 10, 26, 8), utc(2026, 10, 26, 16))
    ]
    assert spans(nia, utc(2026, 10, 26), utc(2026, 10, 27)) == [
        (utc(2026, 10, 26, 13), utc(2026, 10, 26, 21))
    ]
    # Monday 2 November: the US went back on 1 November (EST -5).
    assert spans(nia, utc(2026, 11, 2), utc(2026, 11, 3)) == [
        (utc(2026, 11, 2, 14), utc(2026, 11, 2, 22))
    ]


def test_a_span_across_the_spring_change_is_shorter_by_wall_clock() -> None:
    # Sunday 8 March 2026, New York: 02:00 EST → 03:00 EDT. 01:00–05:00 local is
    # 06:00–09:00 UTC: three hours.
    sunday = ((),) * 6 + ((WorkSpan(60, 300),),)
    sam = Person("s", "Sam", "America/New_York", hours=sunday)
    assert spans(sam, utc(2026, 3, 8), utc(2026, 3, 9)) == [
        (utc(2026, 3, 8, 6), utc(2026, 3, 8, 9))
    ]


def test_a_span_starting_in_the_spring_gap_resolves_as_fold_zero() -> None:
    # 02:30 does not exist on 8 March in New York; fold=0 reads it with EST (-5): 07:30 UTC.
    sunday = ((),) * 6 + ((WorkSpan(150, 300),),)
    sam = Person("s", "Sam", "America/New_York", hours=sunday)
    assert spans(sam, utc(2026, 3, 8), utc(2026, 3, 9)) == [
        (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 9))
    ]


def test_a_span_across_the_autumn_change_is_longer_by_wall_clock() -> None:
    # Sunday 25 October 2026, Berlin: 03:00 CEST → 02:00 CET. 00:00–06:00 local is
    # 22:00 (Sat) to 05:00 UTC: seven hours.
    sunday = ((),) * 6 + ((WorkSpan(0, 360),),)
    ute = Person("u", "Ute", "Europe/Berlin", hours=sunday)
    assert spans(ute, utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 5))
    ]


# --- travel, holidays, time off ---------------------------------------------------------


def test_travel_across_the_us_spring_change() -> None:
    # Home in Lisbon (WET +0 until 29 March); in New York 5–12 March, which crosses 8 March.
    stay = Travel(date(2026, 3, 5), date(2026, 3, 12), "America/New_York", "New York")
    rui = Person("r", "Rui", "Europe/Lisbon", hours=NINE_TO_FIVE, travel=(stay,))
    week = spans(rui, utc(2026, 3, 4), utc(2026, 3, 14))
    assert week == [
        (utc(2026, 3, 4, 9), utc(2026, 3, 4, 17)),  # Wed, Lisbon
        (utc(2026, 3, 5, 14), utc(2026, 3, 5, 22)),  # Thu, New York EST
        (utc(2026, 3, 6, 14), utc(2026, 3, 6, 22)),  # Fri, EST
        (utc(2026, 3, 9, 13), utc(2026, 3, 9, 21)),  # Mon, EDT
        (utc(2026, 3, 10, 13), utc(2026, 3, 10, 21)),
        (utc(2026, 3, 11, 13), utc(2026, 3, 11, 21)),
        (utc(2026, 3, 12, 13), utc(2026, 3, 12, 21)),  # Thu, last day away
        (utc(2026, 3, 13, 9), utc(2026, 3, 13, 17)),  # Fri, Lisbon again
    ]
    plan = day_plan(rui, date(2026, 3, 9))
    assert plan.zone == "America/New_York"
    assert plan.travel == stay
    assert day_plan(rui, date(2026, 3, 13)).zone == "Europe/Lisbon"


def test_travel_with_its_own_hours_and_holidays() -> None:
    dubai = ((WorkSpan(480, 960),),) * 4 + ((), ()) + ((WorkSpan(480, 960),),)  # Sun–Thu
    stay = Travel(
        date(2026, 12, 1),
        date(2026, 12, 14),
        "Asia/Dubai",
        "Dubai",
        hours=dubai,
        country="AE",
        holidays=(Holiday(date(2026, 12, 2), "National Day"),),
    )
    home_holiday = Holiday(date(2026, 12, 8), "Immaculate Conception")
    ana = Person(
        "a", "Ana", "Europe/Lisbon", hours=NINE_TO_FIVE, travel=(stay,), holidays=(home_holiday,)
    )
    assert day_plan(ana, date(2026, 12, 2)) == DayPlan(
        date(2026, 12, 2), "Asia/Dubai", (), "holiday", "National Day", stay
    )
    # The home calendar does not apply abroad when the travel brings its own.
    assert day_plan(ana, date(2026, 12, 8)).off == ""
    # Sunday 6 December is a working day in Dubai: 08:00–16:00 +4 = 04:00–12:00 UTC.
    assert spans(ana, utc(2026, 12, 6), utc(2026, 12, 7)) == [
        (utc(2026, 12, 6, 4), utc(2026, 12, 6, 12))
    ]
    assert day_plan(ana, date(2026, 12, 4)).off == "weekend"  # Friday


def test_a_public_holiday_is_a_whole_day_off() -> None:
    lena = Person(
        "l",
        "Lena",
        "Europe/Berlin",
        hours=NINE_TO_FIVE,
        holidays=(Holiday(date(2026, 12, 25), "Christmas Day"),),
    )
    assert day_plan(lena, date(2026, 12, 25)) == DayPlan(
        date(2026, 12, 25), "Europe/Berlin", (), "holiday", "Christmas Day"
    )
    assert spans(lena, utc(2026, 12, 24), utc(2026, 12, 26)) == [
        (utc(2026, 12, 24, 8), utc(2026, 12, 24, 16))  # CET +1
    ]
    # Christmas is off from Berlin's midnight to the next one: 23:00 UTC on the 24th to 23:00.
    assert off_intervals(lena, utc(2026, 12, 24, 12), utc(2026, 12, 26, 12)) == (
        (
            epoch_minute(utc(2026, 12, 24, 23)),
            epoch_minute(utc(2026, 12, 25, 23)),
            "holiday",
            "Christmas Day",
        ),
        # Saturday the 26th is a weekend from Berlin's midnight on: 23:00 UTC on the 25th.
        (
            epoch_minute(utc(2026, 12, 25, 23)),
            epoch_minute(utc(2026, 12, 26, 12)),
            "weekend",
            "",
        ),
    )


def test_time_off_and_legacy_away_days() -> None:
    leave = TimeOff(date(2026, 3, 10), date(2026, 3, 11), "conference")
    wei = Person(
        "w",
        "Wei",
        "Asia/Singapore",
        hours=NINE_TO_FIVE,
        time_off=(leave,),
        away=(date(2026, 3, 13),),
    )
    # Singapore +8: 09:00–17:00 is 01:00–09:00 UTC. Mon 9 and Thu 12 only.
    assert spans(wei, utc(2026, 3, 9), utc(2026, 3, 14)) == [
        (utc(2026, 3, 9, 1), utc(2026, 3, 9, 9)),
        (utc(2026, 3, 12, 1), utc(2026, 3, 12, 9)),
    ]
    assert day_plan(wei, date(2026, 3, 10)).off == "time_off"
    assert day_plan(wei, date(2026, 3, 10)).label == "conference"
    assert day_plan(wei, date(2026, 3, 13)).off == "time_off"
    # Off from 10 March 00:00 +8 (9 March 16:00 UTC) to 12 March 00:00 +8, as one stretch.
    off = off_intervals(wei, utc(2026, 3, 9, 12), utc(2026, 3, 12))
    assert off == (
        (
            epoch_minute(utc(2026, 3, 9, 16)),
            epoch_minute(utc(2026, 3, 11, 16)),
            "time_off",
            "conference",
        ),
    )


def test_a_holiday_wins_over_time_off_and_a_weekend() -> None:
    christmas = Holiday(date(2026, 12, 26), "Boxing Day")  # a Saturday
    person = Person(
        "p",
        "P",
        "Europe/London",
        holidays=(christmas,),
        time_off=(TimeOff(date(2026, 12, 21), date(2026, 12, 31)),),
    )
    assert day_plan(person, date(2026, 12, 26)).off == "holiday"
    assert day_plan(person, date(2026, 12, 27)).off == "time_off"  # a Sunday inside the leave


# --- shapes of the week and of the day --------------------------------------------------


def test_a_split_day() -> None:
    split = ((WorkSpan(540, 720), WorkSpan(840, 1080)),) * 5 + ((), ())
    lena = Person("l", "Lena", "Europe/Berlin", hours=split)
    # Monday 2 March, CET +1: 09:00–12:00 and 14:00–18:00.
    assert spans(lena, utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 8), utc(2026, 3, 2, 11)),
        (utc(2026, 3, 2, 13), utc(2026, 3, 2, 17)),
    ]


def test_a_sunday_to_thursday_week() -> None:
    day_on = (WorkSpan(540, 1080),)
    sun_thu = (day_on,) * 4 + ((), ()) + (day_on,)
    noa = Person("n", "Noa", "Asia/Jerusalem", hours=sun_thu)
    # Sunday 1 March 2026 to Saturday 7 March, IST +2: 09:00–18:00 is 07:00–16:00 UTC.
    assert spans(noa, utc(2026, 3, 1), utc(2026, 3, 8)) == [
        (utc(2026, 3, d, 7), utc(2026, 3, d, 16)) for d in (1, 2, 3, 4, 5)
    ]
    assert day_plan(noa, date(2026, 3, 6)).off == "weekend"  # Friday
    assert day_plan(noa, date(2026, 3, 7)).off == "weekend"  # Saturday
    assert day_plan(noa, date(2026, 3, 8)).off == ""  # Sunday


def test_a_night_shift_crossing_midnight() -> None:
    # Legacy 22:00–06:00, Monday to Friday, Berlin (CET +1 in early March).
    kai = Person("k", "Kai", "Europe/Berlin", work_start="22:00", work_end="06:00")
    assert spans(kai, utc(2026, 3, 6), utc(2026, 3, 10)) == [
        (utc(2026, 3, 6), utc(2026, 3, 6, 5)),  # Thursday's shift, clipped at the start
        (utc(2026, 3, 6, 21), utc(2026, 3, 7, 5)),  # Friday's runs into Saturday
        (utc(2026, 3, 9, 21), utc(2026, 3, 10)),  # Monday's, clipped at the end
    ]
    # Saturday is a weekend, but the first six hours of it are Friday's shift.
    off = off_intervals(kai, utc(2026, 3, 6, 12), utc(2026, 3, 9, 12))
    assert off == (
        (
            epoch_minute(utc(2026, 3, 7, 5)),
            epoch_minute(utc(2026, 3, 8, 23)),
            "weekend",
            "",
        ),
    )


def test_across_the_date_line() -> None:
    # Monday 2 March 2026 in Auckland (NZDT +13) starts on Sunday in UTC, while it is still
    # Sunday in Los Angeles (PST -8).
    aroha = Person("a", "Aroha", "Pacific/Auckland")  # 09:00–17:30
    jo = Person("j", "Jo", "America/Los_Angeles")
    assert spans(aroha, utc(2026, 3, 1), utc(2026, 3, 2)) == [
        (utc(2026, 3, 1, 20), utc(2026, 3, 2))
    ]
    assert spans(aroha, utc(2026, 3, 1), utc(2026, 3, 3)) == [
        (utc(2026, 3, 1, 20), utc(2026, 3, 2, 4, 30)),  # Mon in Auckland
        (utc(2026, 3, 2, 20), utc(2026, 3, 3)),  # Tue in Auckland, clipped
    ]
    # Friday 6 March in Los Angeles ends on Saturday in UTC, when it is Saturday in Auckland.
    assert spans(jo, utc(2026, 3, 6), utc(2026, 3, 8)) == [
        (utc(2026, 3, 6), utc(2026, 3, 6, 1, 30)),  # the end of Thursday in Los Angeles
        (utc(2026, 3, 6, 17), utc(2026, 3, 7, 1, 30)),
    ]
    assert day_plan(aroha, date(2026, 3, 7)).off == "weekend"


def test_intervals_are_clipped_to_the_range_and_empty_when_it_is() -> None:
    priya = Person("p", "Priya", "Asia/Kolkata")
    assert spans(priya, utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)) == [
        (utc(2026, 3, 2, 10), utc(2026, 3, 2, 11))
    ]
    assert working_intervals(priya, utc(2026, 3, 2, 10), utc(2026, 3, 2, 10)) == ()
