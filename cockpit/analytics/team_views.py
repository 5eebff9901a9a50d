"""The Team area's view-models: what the panel, the team screen, `status` and the weekly export
read. Built by `cockpit.analytics.team` (now, overlap, handover) and
`cockpit.analytics.team_slots` (slot finder, fairness); the clock is always a parameter.

Times are aware datetimes in UTC unless a field says otherwise. "Lead day" positions are
minutes after the lead's local midnight: a lead day has 1,440 minutes, or 1,380 and 1,500 on
the lead's DST change days.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import msgspec

# A span of minutes [start, end) after the lead's local midnight, on the lead's day.
LeadSpan = tuple[int, int]


class DayMark(msgspec.Struct, frozen=True, gc=False):
    """Part of the lead's day when a person is not working for a named reason."""

    start: int  # minutes after the lead's local midnight
    end: int
    kind: str  # "holiday", "time_off", "weekend"
    label: str = ""  # the holiday's name, the time-off note


class PersonNow(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    role: str
    location: str  # where they are today (the travel's location while travelling)
    timezone: str  # the zone in effect now (the travel's while travelling)
    local_time: datetime  # now, in `timezone`
    utc_offset: str  # "+05:45"
    # "working", "before" (hours start later today), "after" (done for today), "between"
    # (a split day's break), "weekend" (not a working day), "holiday", "time_off"
    state: str
    detail: str = ""  # the holiday's name, the time-off note, "in Dubai until 14 Dec"
    travelling: bool = False
    flexible: bool = False
    home_timezone: str = ""
    zone_source: str = ""  # "roster", "jira", "demo"
    next_start: datetime | None = None  # the next moment they start work (UTC); None if working
    # The lead's day for this person: when they work, and why they do not when it is named.
    ribbon: tuple[LeadSpan, ...] = ()
    marks: tuple[DayMark, ...] = ()


class OverlapWindow(msgspec.Struct, frozen=True, gc=False):
    start: datetime  # UTC
    end: datetime
    people: tuple[str, ...]  # Person ids, all working for the whole window, in roster order

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class DayOverlap(msgspec.Struct, frozen=True, gc=False):
    day: date  # the lead's local date
    windows: tuple[OverlapWindow, ...]  # every window with at least `min_people`, in time order
    best: OverlapWindow | None  # the longest window with the most people (earliest on a tie)


class NearMiss(msgspec.Struct, frozen=True, gc=False):
    """No window reaches the asked number of people: the closest the team comes."""

    window: OverlapWindow  # the longest stretch with the most people at once
    missing: tuple[str, ...]  # who of the asked people is not in it
    short_by: int  # how many people short of the ask


class Handover(msgspec.Struct, frozen=True, gc=False):
    """One leg of the follow-the-sun chain: who carries the work, and the gap before them."""

    person: str  # Person id
    start: datetime  # UTC
    end: datetime
    gap_before: int = 0  # minutes when nobody is working before this leg (0: a clean handover)


class TeamSummary(msgspec.Struct, frozen=True, gc=False):
    people: tuple[PersonNow, ...]  # ordered by UTC offset now, west to east, then name
    working_now: int
    zones: int  # distinct zones in effect now
    lead_zone: str  # IANA name the panel's axis and the day windows use
    min_people: int  # the K the windows were found with
    best_overlap: OverlapWindow | None  # the best window in the next 24 hours
    next_online: tuple[str, datetime] | None = None  # (Person id, UTC) of the next to start
    day_start: datetime | None = None  # the lead's local midnight today (UTC instant)
    day_minutes: int = 1440  # minutes in the lead's day (1,380 or 1,500 on a DST change)
    now_minute: int = 0  # minutes since day_start
    band: tuple[LeadSpan, ...] = ()  # today's windows with at least min_people, lead minutes
    week: tuple[DayOverlap, ...] = ()  # the next overlap_days lead days, today first
    nearest_miss: NearMiss | None = None  # when the week has no window at all
    # Per lead day of `week`, per half hour of it: how many people work that whole half hour.
    heat: tuple[tuple[int, ...], ...] = ()
    handover: tuple[Handover, ...] = ()  # the next 24 hours from now


class PersonCost(msgspec.Struct, frozen=True, gc=False):
    """What a slot costs one attendee: minutes outside their hours, by kind."""

    id: str
    local_start: datetime  # the slot's start in the attendee's zone that day
    early: int = 0  # minutes before their day starts (or in a split day's break)
    late: int = 0  # minutes after their day ends
    off_day: int = 0  # minutes on a weekend, holiday or time off
    pain: float = 0.0  # the weighted sum (TeamSettings weights, flexible factor)
    night: int = 0  # of the minutes above, those in their local night (TeamRules.night)

    @property
    def within(self) -> bool:
        return self.early == 0 and self.late == 0 and self.off_day == 0


class Slot(msgspec.Struct, frozen=True, gc=False):
    start: datetime  # UTC
    minutes: int
    within: int  # attendees inside their hours for the whole meeting
    attendees: int
    inconvenience: float  # sum of the attendees' pain; 0 exactly when everyone is within
    costs: tuple[PersonCost, ...]  # in the attendee order asked


class FairnessRow(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    meetings: int  # recorded meetings attended in the ledger's weeks
    inconvenient: int  # of which outside their hours
    minutes_outside: int
    pain: float


class RotationWeek(msgspec.Struct, frozen=True, gc=False):
    week_start: date  # Monday, in the lead's zone
    slot: Slot
    pain_taken_by: tuple[str, ...]  # Person ids whose hours the slot falls outside


class FairnessView(msgspec.Struct, frozen=True, gc=False):
    weeks: int
    rows: tuple[FairnessRow, ...]  # most pain first
    series: str = ""  # the recurring meeting the rotation is for ("" when none recorded)
    rotation: tuple[RotationWeek, ...] = ()


NIGHT_EXAMPLE = "22:00-07:00"


@lru_cache(maxsize=64)
def parse_night(text: str) -> tuple[int, int]:
    """A night written "22:00-07:00" as (start, end) minutes after local midnight, the end
    after the start: (1320, 1860) when the night crosses midnight. A ValueError in words for
    anything else (the config names the key around it)."""
    first, dash, second = text.partition("-")
    start, end = _clock_minutes(first), _clock_minutes(second)
    if not dash or start < 0 or end < 0:
        raise ValueError(
            f"{text!r} is not a night: write two 24-hour clock times, such as {NIGHT_EXAMPLE!r}"
            " (from 22:00 to 07:00 the next morning)"
        )
    if start == end:
        raise ValueError(
            f"{text!r} starts and ends at the same time: write a night such as {NIGHT_EXAMPLE!r}"
        )
    return (start, end) if end > start else (start, end + 1440)


def _clock_minutes(text: str) -> int:
    """ "07:30" → 450; -1 unless it is HH:MM from 00:00 to 23:59."""
    hours, colon, minutes = text.strip().partition(":")
    digits = hours + minutes
    if not (colon and len(hours) == len(minutes) == 2 and digits.isascii() and digits.isdigit()):
        return -1
    if int(hours) > 23 or int(minutes) > 59:
        return -1
    return int(hours) * 60 + int(minutes)


class TeamRules(msgspec.Struct, frozen=True, kw_only=True):
    """The `[team]` settings as the analytics take them (the workspace copies them from the
    config, so analytics never import it)."""

    overlap_days: int = 7
    min_people: int = 0  # 0: the most people that overlap at all
    slot_step_minutes: int = 15
    early_weight: float = 1.0
    late_weight: float = 1.5
    off_day_weight: float = 3.0
    # The local night, by each person's own clock: a minute outside their hours in it costs
    # night_weight on top of its early, late or day-off weight (0: the night costs no more).
    night: str = NIGHT_EXAMPLE
    night_weight: float = 2.0
    flexible_factor: float = 0.5
    fairness_weeks: int = 8
