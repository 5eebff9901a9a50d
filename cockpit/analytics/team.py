"""Who is working now, and when the team overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from cockpit.models import Person, TeamData

SLOT = timedelta(minutes=30)


class PersonNow(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    role: str
    location: str
    timezone: str
    local_time: datetime
    utc_offset: str  # "+05:30"
    state: str  # "working", "off", "weekend", "away"
    day_slots: tuple[bool, ...] = ()  # working or not, per half hour of today's UTC day


class OverlapWindow(msgspec.Struct, frozen=True, gc=False):
    start: datetime  # UTC
    end: datetime
    people: tuple[str, ...]


class TeamSummary(msgspec.Struct, frozen=True, gc=False):
    people: tuple[PersonNow, ...]  # ordered by UTC offset, west to east
    working_now: int
    best_overlap: OverlapWindow | None  # in the next 24 hours
    zones: int
    day_start: datetime | None = None  # UTC midnight that day_slots start from
    now_slot: int = 0  # which half hour of that day it is now


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def person_state(person: Person, moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(person.timezone))
    if local.date() in person.away:
        return "away"
    if local.weekday() >= 5:
        return "weekend"
    start, end = _clock(person.work_start), _clock(person.work_end)
    now = local.time()
    inside = start <= now < end if start <= end else (now >= start or now < end)
    return "working" if inside else "off"


def best_overlap(people: tuple[Person, ...], now: datetime) -> OverlapWindow | None:
    """The longest stretch in the next 24 h when the most people are working at once."""
    if not people:
        return None
    first = now.astimezone(UTC).replace(
        minute=0 if now.minute < 30 else 30, second=0, microsecond=0
    )
    slots = [first + SLOT * n for n in range(48)]
    present = [tuple(p.id for p in people if person_state(p, slot) == "working") for slot in slots]
    most = max(len(group) for group in present)
    if most < 2:
        return None
    best: OverlapWindow | None = None
    index = 0
    while index < len(slots):
        group = present[index]
        if len(group) != most:
            index += 1
            continue
        last = index
        while last + 1 < len(slots) and present[last + 1] == group:
            last += 1
        window = OverlapWindow(slots[index], slots[last] + SLOT, group)
        if best is None or window.end - window.start > best.end - best.start:
            best = window
        index = last + 1
    return best


def summarize_team(data: TeamData, now: datetime) -> TeamSummary:
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    slots = [day_start + SLOT * n for n in range(48)]
    rows = []
    for person in data.people:
        local = now.astimezone(ZoneInfo(person.timezone))
        rows.append(
            PersonNow(
                person.id,
                person.name,
                person.role,
                person.location,
                person.timezone,
                local,
                _offset_text(local),
                person_state(person, now),
                tuple(person_state(person, slot) == "working" for slot in slots),
            )
        )
    rows.sort(key=lambda p: ((p.local_time.utcoffset() or timedelta(0)), p.name))
    return TeamSummary(
        people=tuple(rows),
        working_now=sum(1 for p in rows if p.state == "working"),
        best_overlap=best_overlap(data.people, now),
        zones=len({p.timezone for p in data.people}),
        day_start=day_start,
        now_slot=int((now - day_start) / SLOT),
    )
