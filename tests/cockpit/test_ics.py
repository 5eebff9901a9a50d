"""The slot as an `.ics` invite, read back with icalendar: the start in UTC, the zone, the
attendees, in a zone with DST and one at +5:45, and roster text that tries to break the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cockpit.analytics.team_slots import find_slots
from cockpit.analytics.team_views import Slot
from cockpit.export.ics import slot_ics, write_ics
from cockpit.models import Person, TeamData

LENA = Person("lena", "Lena Hoffmann", "Europe/Berlin", email="lena@example.org")
PRIYA = Person("priya", "Priya Raman", "Asia/Kolkata")
AROHA = Person("aroha", "Aroha Ngata", "Pacific/Auckland", email="Aroha@Example.NZ")
SITA = Person("sita", "Sita Thapa", "Asia/Kathmandu", email="sita@example.np")
TEAM = (LENA, PRIYA, AROHA, SITA)
STAMP = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def slot_at(start: datetime, ids: list[str], minutes: int = 45) -> Slot:
    """The finder's own slot starting at `start` (so costs and local times are real)."""
    slots = find_slots(TeamData(TEAM), ids, minutes, start, days=1, limit=100_000)
    (found,) = [s for s in slots if s.start == start]
    return found


def read_back(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(
    ("start", "zone", "local"),
    [
        # Sunday 29 March 2026 is the EU change: 09:00 UTC is 11:00 CEST (after it)...
        (datetime(2026, 3, 29, 9, 0, tzinfo=UTC), "Europe/Berlin", "20260329T110000"),
        # ...and on Friday 27 March 10:00 CET.
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), "Europe/Berlin", "20260327T100000"),
        # Kathmandu, +5:45 all year.
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), "Asia/Kathmandu", "20260327T144500"),
    ],
)
def test_round_trip_keeps_the_instant_and_the_zone(start: datetime, zone: str, local: str) -> None:
    slot = slot_at(start, ["lena", "priya", "aroha", "sita"])
    data = slot_ics(slot, TEAM, "Model review", zone, stamp=STAMP)
    calendar, event = read_back(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert "cockpit" in str(calendar["PRODID"])
    # The start and end as an instant are the slot's; written in the zone with its TZID.
    assert event.decoded("DTSTART").astimezone(UTC) == start
    assert event.decoded("DTEND").astimezone(UTC) == start + timedelta(minutes=45)
    assert event["DTSTART"].params["TZID"] == zone
    assert f"DTSTART;TZID={zone}:{local}".encode() in data
    # The zone's own VTIMEZONE travels with it, and gives the same offset on that day.
    (tz,) = calendar.walk("VTIMEZONE")
    assert str(tz["TZID"]) == zone
    assert tz.to_tz().utcoffset(start.replace(tzinfo=None)) == ZoneInfo(zone).utcoffset(
        start.replace(tzinfo=None)
    )
    assert str(event["SUMMARY"]) == "Model review"
    assert event.decoded("DTSTAMP") == STAMP


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_a_utc_organiser_gets_utc_times_and_no_vtimezone(zone: str) -> None:
    start = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    data = slot_ics(slot_at(start, ["lena", "priya"]), TEAM, "Sync", zone, stamp=STAMP)
    calendar, event = read_back(data)
    assert b"DTSTART:20260327T090000Z" in data
    assert calendar.walk("VTIMEZONE") == []
    assert event.decoded("DTSTART") == start


def test_the_dst_zone_carries_both_offsets() -> None:
    slot = slot_at(datetime(2026, 3, 27, 9, 0, tzinfo=UTC), ["lena", "priya"])
    data = slot_ics(slot, TEAM, "Sync", "Europe/Berlin", stamp=STAMP)
    calendar, _event = read_back(data)
    (tz,) = calendar.walk("VTIMEZONE")
    offsets = {str(sub.name): sub.decoded("TZOFFSETTO") for sub in tz.subcomponents}
    assert offsets == {"STANDARD": timedelta(hours=1), "DAYLIGHT": timedelta(hours=2)}


def test_attendees_with_an_email_and_every_local_time_in_the_description() -> None:
    start = datetime(2026, 6, 16, 3, 30, tzinfo=UTC)  # 05:30 Berlin, 09:00 Kolkata
    slot = slot_at(start, ["lena", "priya", "aroha", "sita"])
    _calendar, event = read_back(slot_ics(slot, TEAM, "Sync", "Europe/Berlin", stamp=STAMP))
    attendees = event.get("ATTENDEE")
    assert [str(a) for a in attendees] == [
        "mailto:lena@example.org",
        "mailto:Aroha@Example.NZ",
        "mailto:sita@example.np",
    ]  # Priya has no email: she is in the description only
    assert [a.params["CN"] for a in attendees] == ["Lena Hoffmann", "Aroha Ngata", "Sita Thapa"]
    text = str(event["DESCRIPTION"])
    assert "Lena Hoffmann: Tue 16 Jun 05:30-06:15 Europe/Berlin (CEST), early" in text
    assert "Priya Raman: Tue 16 Jun 09:00-09:45 Asia/Kolkata (IST), within hours" in text
    assert "Aroha Ngata: Tue 16 Jun 15:30-16:15 Pacific/Auckland (NZST)" in text
    assert "Sita Thapa: Tue 16 Jun 09:15-10:00 Asia/Kathmandu (+0545)" in text


def test_the_uid_is_stable_and_says_what_the_event_is() -> None:
    start = datetime(2026, 6, 16, 3, 30, tzinfo=UTC)
    slot = slot_at(start, ["lena", "priya"])
    one = read_back(slot_ics(slot, TEAM, "Sync", "Europe/Berlin"))[1]["UID"]
    two = read_back(slot_ics(slot, TEAM, "Sync", "Asia/Kolkata", stamp=STAMP))[1]["UID"]
    assert one == two  # same meeting, another organiser's zone or moment of writing
    other = slot_at(start + timedelta(minutes=15), ["lena", "priya"])
    assert read_back(slot_ics(other, TEAM, "Sync", "Europe/Berlin"))[1]["UID"] != one
    assert read_back(slot_ics(slot, TEAM, "Retro", "Europe/Berlin"))[1]["UID"] != one


def test_roster_text_cannot_break_the_file() -> None:
    hostile = Person(
        "lena",
        'Lena\x1b]0;pwned\x07 "Hoff";\r\nBEGIN:VEVENT, mann\u202e',
        "Europe/Berlin",
        email="lena@example.org\r\nATTENDEE:mailto:evil@example.com",
    )
    quoted = Person("priya", 'Priya "P" Raman; ops', "Asia/Kolkata", email="priya@example.in")
    slot = slot_at(datetime(2026, 6, 16, 7, 0, tzinfo=UTC), ["lena", "priya"])
    data = slot_ics(slot, (hostile, quoted), "Sync\x00;\nEND:VCALENDAR", "Europe/Berlin")
    assert not any(byte < 0x20 and byte not in (0x0D, 0x0A) for byte in data)
    assert "\u202e".encode() not in data
    calendar, event = read_back(data)
    assert len(calendar.walk("VEVENT")) == 1  # no injected event
    assert str(event["SUMMARY"]) == "Sync; END:VCALENDAR"  # text, escaped
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    # An address that is not one is left out rather than written as a second ATTENDEE.
    assert [str(a) for a in attendees] == ["mailto:priya@example.in"]
    assert attendees[0].params["CN"] == 'Priya "P" Raman; ops'
    assert 'Lena "Hoff"; BEGIN:VEVENT, mann' in str(event["DESCRIPTION"])


def test_write_ics_writes_the_file_whole(tmp_path: Path) -> None:
    slot = slot_at(datetime(2026, 6, 16, 3, 30, tzinfo=UTC), ["lena", "priya"])
    target = tmp_path / "invites" / "sync.ics"
    written = write_ics(target, slot, TEAM, "Sync", "Europe/Berlin", stamp=STAMP)
    assert written == target
    assert target.read_bytes() == slot_ics(slot, TEAM, "Sync", "Europe/Berlin", stamp=STAMP)
    assert [p.name for p in target.parent.iterdir()] == ["sync.ics"]  # no partial file left
    # Written again over the old one.
    write_ics(target, slot, TEAM, "Retro", "Europe/Berlin", stamp=STAMP)
    assert b"SUMMARY:Retro" in target.read_bytes()


def test_icalendar_is_not_imported_until_an_invite_is_made() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, cockpit.export.ics, cockpit.analytics.team_slots\n"
        "print('icalendar' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "False", result.stderr
