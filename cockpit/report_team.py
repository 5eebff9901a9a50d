"""The Team area in `cockpit status`, `status --json` and the weekly export: one wording.

Everything a lead reads names people (never a source's account ids) and gives times in the
lead's zone with UTC beside it, through the shared formatters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from cockpit.analytics.team_hours import day_plan, week_hours
from cockpit.analytics.team_views import OverlapWindow, PersonNow, TeamSummary
from cockpit.formatting import plural, span_phrase, time_at, time_window
from cockpit.models import TeamData, WeekHours

# States that say why someone is not working today, as `status` words them.
AWAY_WORDS = {"holiday": "public holiday", "time_off": "time off"}


def names_by_id(team: TeamSummary) -> dict[str, str]:
    return {p.id: p.name for p in team.people}


def _names(ids: Iterable[str], names: Mapping[str, str]) -> list[str]:
    return [names.get(person_id, person_id) for person_id in ids]


def overlap_names(team: TeamSummary) -> list[str]:
    """The people in the best overlap window by name, in the order the window lists them."""
    if team.best_overlap is None:
        return []
    return _names(team.best_overlap.people, names_by_id(team))


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def lead_today(team: TeamSummary, now: datetime) -> date:
    zone = _zone(team.lead_zone)
    return (now.astimezone(zone) if zone else now).date()


def week_best(team: TeamSummary, now: datetime) -> OverlapWindow | None:
    """The best window of the days ahead that has not ended yet: the most people, then the
    longest, then the earliest."""
    bests = [d.best for d in team.week if d.best is not None and d.best.end > now]
    if not bests:
        return None
    return min(bests, key=lambda w: (-len(w.people), -w.minutes, w.start))


def window_text(w: OverlapWindow, team: TeamSummary, today: date | None) -> str:
    """`today 15:00–16:30 CET (14:00–15:30 UTC), 1 h 30 min, 5 people: Tom Fletcher, …`"""
    who = ", ".join(_names(w.people, names_by_id(team)))
    return (
        f"{time_window(w.start, w.end, team.lead_zone, today)}, {span_phrase(w.minutes)}, "
        f"{plural(len(w.people), 'person', 'people')}: {who}"
    )


def _where(person: PersonNow) -> str:
    return person.location or person.timezone.split("/")[-1].replace("_", " ")


def _online(person: PersonNow) -> str:
    return f"{person.name} (in {_where(person)})" if person.travelling else person.name


def _away(person: PersonNow) -> str:
    words = AWAY_WORDS[person.state]
    return (
        f"{person.name} ({words}: {person.detail})" if person.detail else f"{person.name} ({words})"
    )


def status_team_lines(team: TeamSummary, now: datetime) -> tuple[str, list[str]]:
    """The Team row of `cockpit status` and the lines under it."""
    t = team
    today = lead_today(t, now)
    names = names_by_id(t)
    head = (
        f"{t.working_now} of {len(t.people)} working now across {plural(t.zones, 'time zone')}"
        f" · times in {t.lead_zone}"
    )
    online = [_online(p) for p in t.people if p.state == "working"]
    under = ["Online now: " + (", ".join(online) if online else "nobody")]
    if t.next_online is not None:
        person, moment = t.next_online
        wait = round((moment - now).total_seconds() / 60)
        under.append(
            f"Next online: {names.get(person, person)} at {time_at(moment, t.lead_zone, today)}, "
            f"in {span_phrase(wait)}"
        )
    days = plural(len(t.week), "day") if t.week else "24 h"
    best = week_best(t, now)
    if best is not None:
        under.append(f"Best overlap in the next {days}: {window_text(best, t, today)}")
        if t.best_overlap is not None and t.best_overlap != best:
            under.append(f"Best in the next 24 h: {window_text(t.best_overlap, t, today)}")
    elif t.best_overlap is not None:
        under.append(f"Best overlap in the next 24 h: {window_text(t.best_overlap, t, today)}")
    elif t.nearest_miss is not None:
        miss = t.nearest_miss
        text = f"No overlap in the next {days}; closest: {window_text(miss.window, t, today)}"
        text += f"; {miss.short_by} short"
        if miss.missing:
            text += f", without {', '.join(_names(miss.missing, names))}"
        under.append(text)
    else:
        under.append(f"No overlap in the next {days}")
    away = [_away(p) for p in t.people if p.state in AWAY_WORDS]
    if away:
        under.append("Not working today: " + ", ".join(away))
    travelling = [f"{p.name} ({p.detail or 'in ' + _where(p)})" for p in t.people if p.travelling]
    if travelling:
        under.append("Travelling: " + ", ".join(travelling))
    return head, under


# --- JSON ---------------------------------------------------------------------------------


def window_json(w: OverlapWindow | None, team: TeamSummary) -> dict[str, Any] | None:
    if w is None:
        return None
    zone = _zone(team.lead_zone)
    return {
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "minutes": w.minutes,
        "lead_start": w.start.astimezone(zone).isoformat() if zone else w.start.isoformat(),
        "lead_end": w.end.astimezone(zone).isoformat() if zone else w.end.isoformat(),
        "people": _names(w.people, names_by_id(team)),
        "people_ids": list(w.people),
    }


def _member_json(p: PersonNow) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "role": p.role,
        "location": p.location,
        "timezone": p.timezone,
        "home_timezone": p.home_timezone or p.timezone,
        "zone_source": p.zone_source or None,
        "utc_offset": p.utc_offset,
        "local_time": p.local_time.isoformat(),
        "state": p.state,
        "detail": p.detail or None,
        "travelling": p.travelling,
        "flexible": p.flexible,
        "next_start": p.next_start.isoformat() if p.next_start else None,
    }


def team_json(team: TeamSummary, now: datetime, age_seconds: float | None) -> dict[str, Any]:
    t = team
    names = names_by_id(t)
    zone = _zone(t.lead_zone)
    next_online = None
    if t.next_online is not None:
        person, moment = t.next_online
        next_online = {
            "id": person,
            "name": names.get(person, person),
            "at": moment.isoformat(),
            "lead_at": moment.astimezone(zone).isoformat() if zone else moment.isoformat(),
        }
    miss = t.nearest_miss
    online = [p for p in t.people if p.state == "working"]
    return {
        "age_seconds": age_seconds,
        "people": len(t.people),
        "working_now": t.working_now,
        "time_zones": t.zones,
        "lead_zone": t.lead_zone,
        "min_people": t.min_people,
        "best_overlap": window_json(t.best_overlap, t),
        "week_best": window_json(week_best(t, now), t),
        "week": [
            {"day": d.day.isoformat(), "windows": len(d.windows), "best": window_json(d.best, t)}
            for d in t.week
        ],
        "nearest_miss": {
            "window": window_json(miss.window, t),
            "missing": _names(miss.missing, names),
            "missing_ids": list(miss.missing),
            "short_by": miss.short_by,
        }
        if miss is not None
        else None,
        "online_now": [p.name for p in online],
        "online_now_ids": [p.id for p in online],
        "next_online": next_online,
        "members": [_member_json(p) for p in t.people],
    }


# --- The weekly export --------------------------------------------------------------------


class Away(msgspec.Struct, frozen=True):
    """One stretch of a person's week away from their usual days: off, or working elsewhere."""

    id: str
    name: str
    kind: str  # "holiday", "time_off", "travel"
    start: date
    end: date  # inclusive
    label: str = ""  # the holiday's name, the time-off note, where they travel to


def _would_work(day: date, hours: WeekHours) -> bool:
    return len(hours) == 7 and bool(hours[day.weekday()])


def away_between(data: TeamData, first: date, last: date) -> list[Away]:
    """Who is off (a public holiday or time off on a day they would work) or travelling from
    `first` to `last`, in roster order, consecutive days of one reason as one stretch."""
    found: list[Away] = []
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for person in data.people:
        home_hours = week_hours(person)
        stays: dict[tuple[date, date, str], None] = {}
        runs: list[list[Any]] = []  # [kind, label, start, end]
        for day in days:
            plan = day_plan(person, day)
            if plan.travel is not None:
                stay = plan.travel
                stays[(stay.start, stay.end, stay.location or stay.timezone)] = None
            hours = plan.travel.hours if plan.travel and plan.travel.hours else home_hours
            if plan.off not in ("holiday", "time_off") or not _would_work(day, hours):
                continue
            if runs and runs[-1][:2] == [plan.off, plan.label] and runs[-1][3] < day:
                between = (day - runs[-1][3]).days
                gap = [runs[-1][3] + timedelta(days=n) for n in range(1, between)]
                if all(not _would_work(d, hours) for d in gap):
                    runs[-1][3] = day
                    continue
            runs.append([plan.off, plan.label, day, day])
        for kind, label, start, end in runs:
            found.append(Away(person.id, person.name, kind, start, end, label))
        for start, end, where in stays:
            found.append(Away(person.id, person.name, "travel", start, end, where))
    return found


def _dates(start: date, end: date) -> str:
    return f"{start:%a %d %b}" if start == end else f"{start:%a %d %b} – {end:%a %d %b}"


def away_line(item: Away) -> str:
    """`Wei Ling Tan: time off Mon 30 Nov – Wed 2 Dec (annual leave)`"""
    if item.kind == "travel":
        return f"{item.name}: working from {item.label}, {_dates(item.start, item.end)}"
    words = AWAY_WORDS[item.kind]
    note = f" ({item.label})" if item.label else ""
    return f"{item.name}: {words} {_dates(item.start, item.end)}{note}"


def next_week(monday: date) -> tuple[date, date]:
    """The week after the report's week: what a lead plans for."""
    return monday + timedelta(days=7), monday + timedelta(days=13)


def export_team_lines(
    team: TeamSummary, data: TeamData | None, now: datetime, monday: date
) -> list[str]:
    """The Team section of the weekly export: the overlap of the days ahead (in the lead's zone
    and UTC, by name), each day's best, and who is off or travelling next week."""
    t = team
    # A report is read later and elsewhere: dates, never "today".
    lines = [
        f"{plural(len(t.people), 'person', 'people')} across {plural(t.zones, 'time zone')}; "
        f"times in {t.lead_zone}"
    ]
    days = plural(len(t.week), "day") if t.week else "24 h"
    best = week_best(t, now)
    if best is not None:
        lines.append(f"Best overlap in the next {days}: {window_text(best, t, None)}")
    elif t.best_overlap is not None:
        lines.append(f"Best overlap in the next 24 h: {window_text(t.best_overlap, t, None)}")
    elif t.nearest_miss is not None:
        miss = t.nearest_miss
        text = f"No overlap in the next {days}; closest: {window_text(miss.window, t, None)}"
        text += f"; {miss.short_by} short"
        if miss.missing:
            text += f", without {', '.join(_names(miss.missing, names_by_id(t)))}"
        lines.append(text)
    else:
        lines.append(f"No overlap in the next {days}")
    if any(d.best is not None for d in t.week):
        lines.append("Each day's best:")
        for d in t.week:
            w = d.best
            if w is None:
                lines.append(f"  {d.day:%a %d %b}: no overlap")
                continue
            lines.append(
                f"  {time_window(w.start, w.end, t.lead_zone)}, {span_phrase(w.minutes)}, "
                f"{plural(len(w.people), 'person', 'people')}"
            )
    if data is not None:
        first, last = next_week(monday)
        away = away_between(data, first, last)
        head = f"Next week ({_dates(first, last)})"
        if away:
            lines.append(f"{head}, away or travelling:")
            lines += ["  " + away_line(item) for item in away]
        else:
            lines.append(f"{head}: nobody away or travelling")
    return lines


def away_json(data: TeamData | None, monday: date) -> dict[str, Any] | None:
    if data is None:
        return None
    first, last = next_week(monday)
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "away": [
            {
                "id": item.id,
                "name": item.name,
                "kind": item.kind,
                "start": item.start.isoformat(),
                "end": item.end.isoformat(),
                "label": item.label or None,
            }
            for item in away_between(data, first, last)
        ],
    }
