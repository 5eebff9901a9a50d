"""The demo team: twelve people in ten time zones, with what makes a remote team's week hard
to read at a glance.

- Noa works Sunday to Thursday in Tel Aviv; Sunita is at +5:45 in Kathmandu, Priya and Arjun
  at +5:30 in Bangalore; Aroha in Auckland is a day ahead of San Francisco.
- Lena, based in Berlin, works from New York (earlier hours there) over the DST change nearest
  to today, found in the zone data, so her stay always covers today and a change of offset.
- Rafael in São Paulo splits his day (09:00–12:00 and 14:00–18:00); Diego's hours are flexible.
- Tom takes this Friday off; Wei Ling is on leave at the start of next week.
- Everyone carries their calendar's public holidays around today (`team_holidays`). When none
  falls on anyone's working day this week, Priya gets a plainly named regional holiday, so the
  panel always has one to show.
- Six weeks of the weekly "Model review" (08:00 in San Francisco: early for Maya and Diego,
  late in the evening for Priya) and one one-off call feed the fairness ledger.

Everything is a pure function of `today`: no clock, no random numbers, and no `holidays`
import (the demo is built before the first paint).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import msgspec

from cockpit.models import (
    Holiday,
    Meeting,
    Person,
    TeamData,
    TimeOff,
    Travel,
    WeekHours,
    WorkSpan,
)
from integrations.demo.team_holidays import public_holidays

TRAVEL_ZONE = "America/New_York"
# Holidays are given for the days the analytics look at: the weeks around today and the
# longest overlap range the `[team]` settings allow (28 days).
HOLIDAYS_BEFORE = timedelta(days=14)
HOLIDAYS_AFTER = timedelta(days=35)
FALLBACK_HOLIDAY = "Regional holiday"
SERIES = "Model review"
SERIES_WEEKS = 6
SERIES_ZONE = "America/Los_Angeles"  # the lead's zone: the series sits at 08:00 there


def _span(start: str, end: str) -> WorkSpan:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return WorkSpan(minutes(start), minutes(end))


def _weekdays(*spans: WorkSpan, days: tuple[int, ...] = (0, 1, 2, 3, 4)) -> WeekHours:
    """The same spans on the given weekdays (Monday 0), none on the others."""
    return tuple(tuple(spans) if day in days else () for day in range(7))


def _hours_on(person: Person, day: date) -> tuple[WorkSpan, ...]:
    """The spans a demo person works on `day` (their travel's hours while travelling)."""
    week = person.hours or _weekdays(_span(person.work_start, person.work_end))
    for stay in person.travel:
        if stay.start <= day <= stay.end and stay.hours:
            week = stay.hours
    return week[day.weekday()]


@lru_cache(maxsize=8)
def dst_change_near(zone: str, today: date) -> date:
    """The local date of the zone's UTC-offset change nearest to `today` (the earlier one on a
    tie), read from the zone data: the first day whose noon has the new offset."""
    tz = ZoneInfo(zone)

    def offset(day: date) -> timedelta | None:
        return datetime.combine(day, time(12), tz).utcoffset()

    for distance in range(0, 400):
        for day in (today - timedelta(days=distance), today + timedelta(days=distance)):
            if offset(day - timedelta(days=1)) != offset(day):
                return day
    raise ValueError(f"{zone} has no offset change within a year of {today}")


def _travel(today: date) -> Travel:
    """Lena's stay in New York: from a Saturday before both today and the DST change to a
    Sunday after both, so it always covers today and a change of offset."""
    change = dst_change_near(TRAVEL_ZONE, today)
    first = min(change, today) - timedelta(days=3)
    last = max(change, today) + timedelta(days=7)
    return Travel(
        start=first - timedelta(days=(first.weekday() - 5) % 7),
        end=last + timedelta(days=(6 - last.weekday()) % 7),
        timezone=TRAVEL_ZONE,
        location="New York",
        hours=_weekdays(_span("08:00", "16:30")),  # earlier, to keep some overlap with Berlin
    )


def _people(today: date) -> tuple[Person, ...]:
    monday = today - timedelta(days=today.weekday())
    friday = monday + timedelta(days=4)
    next_monday = monday + timedelta(days=7)
    first, last = today - HOLIDAYS_BEFORE, today + HOLIDAYS_AFTER

    def person(country: str = "", subdivision: str = "", **fields: object) -> Person:
        return Person(
            country=country,
            subdivision=subdivision,
            holidays=public_holidays(country, subdivision, first, last),
            zone_source="demo",
            **fields,  # type: ignore[arg-type]
        )

    return (
        person(
            "US",
            id="maya",
            name="Maya Chen",
            timezone="America/Los_Angeles",
            role="ML lead",
            location="San Francisco",
        ),
        person(
            "US",
            id="diego",
            name="Diego Alvarez",
            timezone="America/Los_Angeles",
            role="Research engineer",
            location="San Francisco",
            work_start="10:00",
            work_end="18:30",
            flexible=True,
        ),
        person(
            "US",
            id="samira",
            name="Samira Okafor",
            timezone="America/New_York",
            role="MLOps engineer",
            location="New York",
        ),
        person(
            "BR",
            "SP",
            id="rafael",
            name="Rafael Souza",
            timezone="America/Sao_Paulo",
            role="Analytics engineer",
            location="São Paulo",
            work_start="09:00",
            work_end="18:00",
            hours=_weekdays(_span("09:00", "12:00"), _span("14:00", "18:00")),
        ),
        person(
            "GB",
            "ENG",
            id="tom",
            name="Tom Fletcher",
            timezone="Europe/London",
            role="Data engineer",
            location="London",
            away=(friday,),  # the current week's Friday: the panel always shows one absence
        ),
        person(
            "DE",
            "BE",
            id="lena",
            name="Lena Hoffmann",
            timezone="Europe/Berlin",
            role="Applied scientist",
            location="Berlin",
            travel=(_travel(today),),
        ),
        person(
            "IL",
            id="noa",
            name="Noa Levi",
            timezone="Asia/Jerusalem",
            role="Research scientist",
            location="Tel Aviv",
            hours=_weekdays(_span("09:00", "18:00"), days=(6, 0, 1, 2, 3)),  # Sunday–Thursday
        ),
        person(
            "IN",
            "KA",
            id="priya",
            name="Priya Raman",
            timezone="Asia/Kolkata",
            role="Research engineer",
            location="Bangalore",
        ),
        person(
            "IN",
            "KA",
            id="arjun",
            name="Arjun Mehta",
            timezone="Asia/Kolkata",
            role="ML engineer",
            location="Bangalore",
        ),
        person(
            "NP",
            id="sunita",
            name="Sunita Shrestha",
            timezone="Asia/Kathmandu",
            role="Data engineer, labelling",
            location="Kathmandu",
            work_start="10:00",
            work_end="18:00",
        ),
        person(
            "SG",
            id="wei",
            name="Wei Ling Tan",
            timezone="Asia/Singapore",
            role="ML platform engineer",
            location="Singapore",
            time_off=(TimeOff(next_monday, next_monday + timedelta(days=2), "annual leave"),),
        ),
        person(
            "NZ",
            "AUK",
            id="aroha",
            name="Aroha Ngata",
            timezone="Pacific/Auckland",
            role="Applied scientist, speech",
            location="Auckland",
            work_start="08:00",
            work_end="16:30",
        ),
    )


def _with_a_holiday_this_week(people: tuple[Person, ...], today: date) -> tuple[Person, ...]:
    """The people, with a holiday on someone's working day this week: their own calendar's
    when it has one, else a regional one for Priya on today (Friday at a weekend)."""
    monday = today - timedelta(days=today.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    for person in people:
        if any(h.day in week and _hours_on(person, h.day) for h in person.holidays):
            return people
    day = today if today.weekday() < 5 else monday + timedelta(days=4)
    extra = Holiday(day, FALLBACK_HOLIDAY)
    return tuple(
        msgspec.structs.replace(
            p, holidays=tuple(sorted((*p.holidays, extra), key=lambda h: (h.day, h.name)))
        )
        if p.id == "priya"
        else p
        for p in people
    )


def _meetings(today: date) -> tuple[Meeting, ...]:
    """Six weeks of the weekly model review, Tuesdays at 08:00 in San Francisco, with the same
    five people (early for Maya and Diego, late in the evening for Priya), and one one-off
    call last Wednesday (early in Singapore)."""
    lead = ZoneInfo(SERIES_ZONE)
    monday = today - timedelta(days=today.weekday())

    def at(day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, lead).astimezone(UTC)

    series = tuple(
        Meeting(
            title=SERIES,
            start=at(monday - timedelta(weeks=weeks) + timedelta(days=1), time(8)),
            minutes=60,
            attendees=("maya", "diego", "tom", "lena", "priya"),
            series=SERIES,
        )
        for weeks in range(SERIES_WEEKS, 0, -1)
    )
    one_off = Meeting(
        title="Speech model go/no-go",
        start=at(monday - timedelta(days=5), time(13)),  # last Wednesday
        minutes=45,
        attendees=("maya", "lena", "wei", "aroha"),
    )
    return tuple(sorted((*series, one_off), key=lambda meeting: meeting.start))


def _build_team(today: date) -> TeamData:
    people = _with_a_holiday_this_week(_people(today), today)
    return TeamData(people=people, meetings=_meetings(today))
