"""When each person works, as intervals of whole minutes since the Unix epoch (UTC).

Everything the Team area computes (who is working now, overlap windows, slots, fairness) starts
from these intervals. Minutes, never half-hour slots: India (+5:30), Nepal (+5:45) and Chatham
(+12:45) come out exact, and comparing integers is what makes a 500-person week fast.

A person's day is planned in their own local calendar: the zone in effect that day (a travel's,
else home), the hours for that weekday (a travel's own, else the person's), and whether the whole
day is off (a public holiday, time off, a legacy `away` date, or no hours that weekday). Spans
are placed by wall clock in that zone, so 09:00 stays 09:00 across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import msgspec

from cockpit.models import Holiday, Person, Travel, WeekHours, WorkSpan

# [start, end) in whole minutes since the Unix epoch, UTC.
Interval = tuple[int, int]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAY_MINUTES = 1440
# Proleptic ordinal of 1970-01-01: local dates become epoch days by subtraction.
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Which local days can reach into a range: offsets run from -12:00 to +14:00 and a span may
# end up to a day after its start, so a day starting two dates before the range can still
# reach it, and one starting a date after it (in UTC) can too.
_DAYS_BEFORE = 2
_DAYS_AFTER = 1


def epoch_minute(moment: datetime) -> int:
    """An aware moment as whole minutes since the epoch (floored: 09:00:59 is 09:00)."""
    if moment.tzinfo is None:
        raise ValueError("team times must be time-zone aware")
    return (moment - EPOCH) // MINUTE


def from_epoch_minute(minute: int) -> datetime:
    """Whole minutes since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(minutes=minute)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """A ZoneInfo by IANA name; ZoneInfo keeps its own cache, but the lookup still costs a lock
    and a dict probe per call, and the overlap sweep asks thousands of times."""
    return ZoneInfo(name)


@lru_cache(maxsize=16384)
def _day_offset(zone_name: str, ordinal: int) -> int | None:
    """The zone's UTC offset in minutes all through the local day with this ordinal, or None
    when it changes that day (then each time of that day is resolved on its own). One
    conversion per zone and day instead of one per start and end: a cold summary of 500
    people converts a few hundred times, not thousands."""
    tz = zone(zone_name)
    today, tomorrow = date.fromordinal(ordinal), date.fromordinal(ordinal + 1)
    first = datetime(today.year, today.month, today.day, tzinfo=tz).utcoffset()
    last = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz).utcoffset()
    if first != last or first is None:
        return None
    return int(first.total_seconds()) // 60


def _resolve(zone_name: str, ordinal: int, minute: int) -> int:
    """The epoch minute of a wall-clock time on a day when the zone's offset changes."""
    local = date.fromordinal(ordinal)
    moment = datetime(local.year, local.month, local.day, minute // 60, minute % 60)
    offset = moment.replace(tzinfo=zone(zone_name)).utcoffset() or timedelta(0)
    return (ordinal - _EPOCH_ORDINAL) * DAY_MINUTES + minute - int(offset.total_seconds()) // 60


@lru_cache(maxsize=65536)
def wall_minute(zone_name: str, ordinal: int, minute: int) -> int:
    """The epoch minute of a wall-clock time: `minute` minutes after local midnight of the day
    with proleptic ordinal `ordinal` (minute may pass 1440: the next day's clock). A time in a
    DST gap resolves as zoneinfo does with fold=0 (with the offset from before the change).

    Cached: a team shares few zones and fewer start times, and a summary is made every minute.
    """
    days, rest = divmod(minute, DAY_MINUTES)
    ordinal += days
    offset = _day_offset(zone_name, ordinal)
    if offset is None:
        return _resolve(zone_name, ordinal, rest)
    return (ordinal - _EPOCH_ORDINAL) * DAY_MINUTES + rest - offset


def clear_caches() -> None:
    """Forget every cached zone and conversion (benchmarks measure a cold start with it)."""
    wall_minute.cache_clear()
    _day_offset.cache_clear()
    zone.cache_clear()
    _HOLIDAY_INDEXES.clear()


def _clock(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


@lru_cache(maxsize=1024)
def _legacy_week(work_start: str, work_end: str) -> WeekHours:
    start, end = _clock(work_start), _clock(work_end)
    if end == start:
        return ((),) * 7  # no length: never at work, as older versions read it
    if end < start:
        end += DAY_MINUTES  # a night shift: it ends on the next day's clock
    day = (WorkSpan(start, end),)
    return (day,) * 5 + ((), ())


def week_hours(person: Person) -> WeekHours:
    """The person's seven weekdays of hours, Monday first: `hours` when set, else the older
    single span work_start–work_end, Monday to Friday (a night shift when it ends before it
    starts: 22:00–06:00 is (1320, 1800))."""
    if person.hours:
        return person.hours
    return _legacy_week(person.work_start, person.work_end)


class DayPlan(msgspec.Struct, frozen=True, gc=False):
    day: date  # the person's local date
    zone: str  # the zone in effect that day (the travel's, else home)
    spans: tuple[WorkSpan, ...]  # () when off
    off: str = ""  # "", "weekend", "holiday", "time_off"
    label: str = ""  # the holiday's name, the time-off note
    travel: Travel | None = None


class _Calendar:
    """One person's rules, indexed once by proleptic ordinal so that planning the days of a
    week for hundreds of people stays cheap (no date objects on the way)."""

    __slots__ = ("away", "holidays", "home", "hours", "time_off", "travel")

    def __init__(self, person: Person) -> None:
        self.home = person.timezone
        self.hours = week_hours(person)
        self.holidays = _holiday_index(person.holidays)
        self.time_off = tuple(
            (leave.start.toordinal(), leave.end.toordinal(), leave.note)
            for leave in person.time_off
        )
        self.away = frozenset(day.toordinal() for day in person.away)
        self.travel = tuple(
            (stay.start.toordinal(), stay.end.toordinal(), stay) for stay in person.travel
        )

    def plan(self, ordinal: int) -> tuple[str, tuple[WorkSpan, ...], str, str, Travel | None]:
        """(zone, spans, off, label, travel) of the local day with this ordinal."""
        stay = None
        for first, last, candidate in self.travel:
            if first <= ordinal <= last:
                stay = candidate
                break
        zone_name, hours, holidays = self.home, self.hours, self.holidays
        if stay is not None:
            zone_name = stay.timezone
            hours = stay.hours or hours
            if stay.country:
                holidays = _holiday_index(stay.holidays)
        name = holidays.get(ordinal)
        if name is not None:
            return zone_name, (), "holiday", name, stay
        for first, last, note in self.time_off:
            if first <= ordinal <= last:
                return zone_name, (), "time_off", note, stay
        if ordinal in self.away:
            return zone_name, (), "time_off", "away", stay
        spans = hours[(ordinal - 1) % 7] if len(hours) == 7 else ()  # ordinal 1 is a Monday
        if not spans:
            return zone_name, (), "weekend", "", stay
        return zone_name, spans, "", "", stay


# Holiday calendars indexed by ordinal, kept by the identity of the tuple: a team shares a few
# calendars (one per country), and hashing a tuple of holidays costs more than indexing it.
_HOLIDAY_INDEXES: dict[int, tuple[tuple[Holiday, ...], dict[int, str]]] = {}


def _holiday_index(holidays: tuple[Holiday, ...]) -> dict[int, str]:
    kept = _HOLIDAY_INDEXES.get(id(holidays))
    if kept is not None and kept[0] is holidays:
        return kept[1]
    index: dict[int, str] = {}
    for holiday in holidays:
        index.setdefault(holiday.day.toordinal(), holiday.name)
    if len(_HOLIDAY_INDEXES) > 4096:
        _HOLIDAY_INDEXES.clear()
    _HOLIDAY_INDEXES[id(holidays)] = (holidays, index)  # the tuple kept, so its id stays its
    return index


def day_plan(person: Person, day: date) -> DayPlan:
    """How the person's local date `day` goes: zone, spans, or why it is off. A holiday wins
    over time off, and both over a day with no hours (a weekend)."""
    zone_name, spans, off, label, stay = _Calendar(person).plan(day.toordinal())
    return DayPlan(day, zone_name, spans, off, label, stay)


def _local_days(start: int, end: int) -> range:
    """The ordinals of every date some zone's local day could touch [start, end) on, spans
    past midnight included."""
    first = start // DAY_MINUTES - _DAYS_BEFORE + _EPOCH_ORDINAL
    last = (end - 1) // DAY_MINUTES + _DAYS_AFTER + _EPOCH_ORDINAL
    return range(first, last + 1)


def merge_intervals(intervals: Iterable[Interval], start: int, end: int) -> tuple[Interval, ...]:
    """Sorted, overlapping or touching intervals joined, clipped to [start, end): callers may
    pass anything."""
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if lo < start:
            lo = start
        if hi > end:
            hi = end
        if lo >= hi:
            continue
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


def working_minutes(person: Person, start: int, end: int) -> tuple[Interval, ...]:
    """`working_intervals` with epoch minutes in and out (what the analytics loop on)."""
    if end <= start:
        return ()
    calendar = _Calendar(person)
    # Most people have no travel, time off or away days in the range: their day is the
    # weekday's hours unless it is a holiday, read without planning each day in full.
    plain = not (calendar.travel or calendar.time_off or calendar.away) and len(calendar.hours) == 7
    hours, holidays, zone_name = calendar.hours, calendar.holidays, calendar.home
    found: list[Interval] = []
    for ordinal in _local_days(start, end):
        if plain:
            spans = () if ordinal in holidays else hours[(ordinal - 1) % 7]
        else:
            zone_name, spans, _, _, _ = calendar.plan(ordinal)
        if not spans:
            continue
        # Most days keep one offset from midnight to midnight: then a span inside the day is
        # plain arithmetic; a span past midnight or on a change day is resolved time by time.
        offset = _day_offset(zone_name, ordinal)
        base = (ordinal - _EPOCH_ORDINAL) * DAY_MINUTES
        for span in spans:
            if offset is not None and span.end <= DAY_MINUTES:
                lo, hi = base + span.start - offset, base + span.end - offset
            else:
                lo = wall_minute(zone_name, ordinal, span.start)
                hi = wall_minute(zone_name, ordinal, span.end)
            if hi > lo:
                found.append((lo, hi))
    return merge_intervals(found, start, end)


def working_intervals(person: Person, start: datetime, end: datetime) -> tuple[Interval, ...]:
    """When the person works in [start, end): sorted, merged, clipped, in epoch minutes.

    A local day's spans are placed in the zone in effect that day, by wall clock (09:00 stays
    09:00 across DST; a span in a DST gap is placed the way zoneinfo resolves fold=0). A span
    crossing midnight belongs to the day it starts on. Holidays (home calendar, or the travel's
    when the travel sets a country), time off, and the legacy `away` dates make the whole local
    day off. `start` and `end` are floored to whole minutes.
    """
    return working_minutes(person, epoch_minute(start), epoch_minute(end))


def off_minutes(
    person: Person, start: int, end: int, work: tuple[Interval, ...] | None = None
) -> tuple[tuple[int, int, str, str], ...]:
    """`off_intervals` with epoch minutes in and out. `work`: the person's working intervals
    over at least [start, end), when the caller has them already."""
    if end <= start:
        return ()
    calendar = _Calendar(person)
    days: list[tuple[int, int, str, str]] = []
    for ordinal in _local_days(start, end):
        zone_name, _, off, label, _ = calendar.plan(ordinal)
        if not off:
            continue
        lo = wall_minute(zone_name, ordinal, 0)
        hi = wall_minute(zone_name, ordinal, DAY_MINUTES)
        if days and lo < days[-1][1]:
            lo = days[-1][1]  # a travel day's zone change can make two local days overlap
        if hi > lo:
            days.append((lo, hi, off, label))
    if not days:
        return ()
    # A night shift started the day before runs into an off day: that part is work, not off.
    if work is None:
        work = working_minutes(person, start, end)
    out: list[tuple[int, int, str, str]] = []
    for lo, hi, kind, label in days:
        for piece_lo, piece_hi in _subtract((max(lo, start), min(hi, end)), work):
            if out and out[-1][1] == piece_lo and out[-1][2:] == (kind, label):
                out[-1] = (out[-1][0], piece_hi, kind, label)  # consecutive days, one reason
            else:
                out.append((piece_lo, piece_hi, kind, label))
    return tuple(out)


def _subtract(span: Interval, work: tuple[Interval, ...]) -> Iterator[Interval]:
    lo, hi = span
    if lo >= hi:
        return
    for w_lo, w_hi in work:
        if w_hi <= lo:
            continue
        if w_lo >= hi:
            break
        if w_lo > lo:
            yield lo, w_lo
        lo = max(lo, w_hi)
        if lo >= hi:
            return
    if lo < hi:
        yield lo, hi


def off_intervals(
    person: Person, start: datetime, end: datetime
) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, kind, label): the person's whole local days off in [start, end), with the
    reason (kind as `DayPlan.off`: "weekend", "holiday", "time_off"; label: the holiday's
    name, the time-off note), clipped, in epoch minutes. Consecutive days off for the same
    reason are one interval; the part of an off day a night shift from the day before covers
    is left out (they are working then)."""
    return off_minutes(person, epoch_minute(start), epoch_minute(end))
