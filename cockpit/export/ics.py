"""A chosen meeting slot as an iCalendar invite (`.ics`), in the organiser's zone.

The event's start and end are written in `zone` (TZID) with that zone's VTIMEZONE, generated
from the zone data, so a calendar shows the right time on both sides of a DST change. Every
attendee's own local time is in the description; attendees with an email are ATTENDEE lines.
The UID is a hash of the start, the attendees and the title: writing the same slot twice gives
an invite that calendars treat as the same event, not a second one.

icalendar is imported inside the functions: nothing on the start-up path loads it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cockpit.analytics.team_slots import cost_state
from cockpit.analytics.team_views import Slot
from cockpit.models import Person
from cockpit.text_safety import clean_line

PRODID = "-//cockpit//team slot finder//EN"
STATES = {"in": "within hours", "early": "early", "late": "late", "off": "day off"}


def _uid(slot: Slot, title: str) -> str:
    key = "\n".join(
        [slot.start.astimezone(UTC).isoformat(), str(slot.minutes), title]
        + [c.id for c in slot.costs]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@cockpit"


def _email(person: Person) -> str:
    """The person's address when it can be one: a roster's text goes into a URI here."""
    email = clean_line(person.email).strip()
    if not email or any(c.isspace() or c in '<>"' for c in email) or email.count("@") != 1:
        return ""
    return email


def _local_line(name: str, start: datetime, minutes: int, state: str) -> str:
    """ "Lena Hoffmann: Tue 16 Jun 05:30-06:15 Europe/Berlin (CEST), early"."""
    end = start + timedelta(minutes=minutes)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %H:%M}"
    zone = getattr(start.tzinfo, "key", "") or ""
    return (
        f"{name}: {start:%a %d %b %H:%M}-{until} {zone} ({start.tzname()}),"
        f" {STATES.get(state, state)}"
    )


def slot_ics(
    slot: Slot,
    people: Sequence[Person],
    title: str,
    zone: str,
    *,
    stamp: datetime | None = None,
) -> bytes:
    """The invite as bytes (CRLF lines, UTF-8). `people` may be the whole team: the slot's
    attendees are looked up in it by id (one missing is listed by id). `stamp` is the
    DTSTAMP (default: now)."""
    from icalendar import Calendar, Event, Timezone, vCalAddress, vText

    tz = ZoneInfo(zone)
    title = clean_line(title).strip() or "Meeting"
    by_id = {p.id: p for p in people}
    start = slot.start.astimezone(tz)
    end = (slot.start + timedelta(minutes=slot.minutes)).astimezone(tz)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", _uid(slot, title))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    lines = []
    for cost in slot.costs:
        person = by_id.get(cost.id)
        name = clean_line(person.name if person else cost.id)
        lines.append(_local_line(name, cost.local_start, slot.minutes, cost_state(cost)))
    event.add("description", vText("Local times:\n" + "\n".join(lines)))
    for cost in slot.costs:
        person = by_id.get(cost.id)
        email = _email(person) if person else ""
        if not email:
            continue
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = clean_line(person.name) if person else cost.id
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee, encode=0)
    # The zone's rules from the year of the meeting to the end of the next: enough for the
    # event and for a calendar that shows it a year on. UTC itself (and its aliases) is
    # written as UTC times ("Z"), which need no VTIMEZONE.
    tzid = event["DTSTART"].params.get("TZID")
    if tzid:
        calendar.add_component(
            Timezone.from_tzinfo(
                tz,
                tzid=tzid,
                first_date=date(start.year, 1, 1),
                last_date=date(start.year + 2, 1, 1),
            )
        )
    calendar.add_component(event)
    return calendar.to_ical()


def write_ics(
    path: Path,
    slot: Slot,
    people: Sequence[Person],
    title: str,
    zone: str,
    *,
    stamp: datetime | None = None,
) -> Path:
    """Write the invite to `path` atomically (a reader never sees half a file); returns it."""
    data = slot_ics(slot, people, title, zone, stamp=stamp)
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Beside the target, then renamed over it: a reader never sees half a file. Created with
    # the user's usual permissions (an invite is meant to be shared).
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
