"""The team roster (`team.toml`) and the meetings file beside it, as `TeamData`.

A lead writes both by hand (docs/roster.md is the reference), so every error names the file,
the line and the key, and says what to write instead:

    team.toml:14: `people.2.timezone`: unknown time zone 'Asia/Bangalor'; use an IANA name
    such as 'Asia/Kolkata'

Older rosters (one span a day from `work_start` to `work_end`, Monday to Friday) read as they
always did: `Person.hours` stays () for them and is built only when a person uses `days`,
`hours` or `hours_by_day`. Public holidays are looked up with the `holidays` package for last
year, this year and next year of the day the sync runs (`today`, a parameter so that tests fix
it). The parser runs on a worker thread during a sync, never on the start-up path, which is
also why `holidays` (about 70 ms to import) is imported only inside the function that uses it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from cockpit.models import (
    Holiday,
    Meeting,
    Person,
    Snapshot,
    TeamData,
    TimeOff,
    Travel,
    WeekHours,
    WorkSpan,
)
from cockpit.schema_errors import (
    described_pattern,
    explain_validation_error,
    validation_error_path,
)
from cockpit.text_safety import clean_line, clean_record
from integrations.base import FetchContext, SourceConfigError
from integrations.hand_edited import HandEditedFile as _File
from integrations.hand_edited import Key, load_toml, read_text
from integrations.hand_edited import quoted as _quoted
from integrations.hand_edited import spell_key as _spell

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
ClockTime = described_pattern(
    r"^([01]\d|2[0-3]):[0-5]\d$", "a time", 'HH:MM on a 24-hour clock, such as "09:00"'
)
PersonId = described_pattern(
    r"^[A-Za-z0-9._-]{1,64}$",
    "a valid id",
    '1 to 64 letters, digits, dots, dashes or underscores, such as "priya"',
)
CountryCode = described_pattern(
    r"^([A-Z]{2})?$", "a country code", 'two capital letters such as "IN", or ""'
)
Email = described_pattern(
    r"^([^@\s]{1,64}@[^@\s]{1,190})?$", "an email address", 'such as "priya@example.com"'
)
Subdivision = Annotated[str, msgspec.Meta(max_length=40)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = WEEKDAYS[:5]
MEETINGS_FILE = "meetings.toml"  # read from beside the roster when the config names none

# "09:00-17:30"; an end after midnight is written with "+1" ("22:00-06:00+1"), so that a
# typo such as "17:00-09:00" is caught rather than read as a night shift.
_SPAN = re.compile(
    r"^(?P<start>([01]\d|2[0-3]):[0-5]\d)-(?P<end>([01]\d|2[0-3]):[0-5]\d|24:00)(?P<next>\+1)?$"
)
_SPAN_EXAMPLE = '"HH:MM-HH:MM" such as "09:00-17:30" (a night shift: "22:00-06:00+1")'


# --- the file's schema ----------------------------------------------------------------


class _TimeOffEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date | None = None  # inclusive; None: the one day `from`
    note: ShortText = ""


class _TravelEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    timezone: Text
    from_: date = msgspec.field(name="from")
    to: date  # inclusive
    location: ShortText = ""
    hours: list[str] | None = None
    country: CountryCode = ""
    subdivision: Subdivision = ""


class _PersonEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: PersonId
    name: Text
    timezone: Text
    role: ShortText = ""
    location: ShortText = ""
    work_start: ClockTime | None = None  # None: not written (09:00)
    work_end: ClockTime | None = None  # None: not written (17:30)
    country: CountryCode = ""
    away: list[date] = msgspec.field(default_factory=list)
    handle: Annotated[str, msgspec.Meta(max_length=64)] = ""
    email: Email = ""
    jira: Annotated[str, msgspec.Meta(max_length=128)] = ""
    subdivision: Subdivision = ""
    days: list[str] | None = None
    hours: list[str] | None = None
    # Checked here rather than by the schema, which cannot say which day's list is wrong.
    hours_by_day: dict[str, object] | None = None
    flexible: bool = False
    time_off: list[date | _TimeOffEntry] = msgspec.field(default_factory=list)
    travel: list[_TravelEntry] = msgspec.field(default_factory=list)


class _RosterFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    people: list[_PersonEntry]


class _MeetingEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Text
    start: datetime
    minutes: Minutes
    attendees: Annotated[list[PersonId], msgspec.Meta(min_length=1)]
    series: ShortText = ""
    timezone: str = ""  # the zone of a `start` written without an offset


class _MeetingsFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    meetings: list[_MeetingEntry] = msgspec.field(default_factory=list)


# --- reading a file, and saying where it is wrong ---------------------------------------


FileT = TypeVar("FileT")


def _read(path: Path, schema: type[FileT]) -> tuple[_File, FileT]:
    text = read_text(path)
    file = _File(path, text)
    data = load_toml(text, path)
    _check_weekday_tables(file, data)
    try:
        # Strict: `minutes = "45"` is a mistake to point out, not a number to guess.
        return file, msgspec.convert(data, schema, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        # Cleaned: msgspec names an unknown key as the file spells it, escapes and all.
        raise SourceConfigError(
            f"{file.at(validation_error_path(message))}: "
            f"{clean_line(explain_validation_error(message, data=data))}"
        ) from None


def _check_weekday_tables(file: _File, data: Mapping[str, Any]) -> None:
    """`hours_by_day` keys are weekday names: said here, before the schema (which sees only
    a table of lists), so that `fryday` is answered with the names to use."""
    people = data.get("people")
    if not isinstance(people, list):
        return
    for index, person in enumerate(people):
        table = person.get("hours_by_day") if isinstance(person, dict) else None
        if isinstance(table, dict):
            for day in table:
                if day not in WEEKDAYS:
                    file.fail(("people", index, "hours_by_day", day), _unknown_weekday(day))


def _unknown_weekday(day: str) -> str:
    hint = f"write {day[:3].lower()!r}; " if day[:3].lower() in WEEKDAYS else ""
    return f"unknown weekday {day!r}; {hint}weekdays are {', '.join(WEEKDAYS)}"


# --- the roster -----------------------------------------------------------------------


def parse_roster_file(
    path: Path, *, today: date | None = None, meetings: Path | None = None
) -> TeamData:
    """The roster at `path` (and the meetings file `meetings`, if given) as `TeamData`.

    `today` picks the years whose public holidays are looked up (the one before, its own and
    the one after); the source passes the day the sync runs."""
    today = today or date.today()
    file, entry = _read(path, _RosterFile)
    calendars = _Calendars(file, (today.year - 1, today.year, today.year + 1))
    seen: dict[tuple[str, str], int] = {}
    people = []
    for index, person in enumerate(entry.people):
        for field, value in (
            ("id", person.id),
            ("email", person.email.casefold()),
            ("jira", person.jira),
        ):
            if value:
                _check_unique(file, seen, field, value, index)
        people.append(_person(file, calendars, index, person))
    team = TeamData(tuple(people))
    if meetings is not None:
        ids = {person.id for person in team.people}
        team = TeamData(team.people, parse_meetings_file(meetings, ids))
    # Names and notes reach the terminal: no control characters or escape sequences.
    return clean_record(team)


def _check_unique(
    file: _File, seen: dict[tuple[str, str], int], field: str, value: str, index: int
) -> None:
    """An id, email or Jira account picks out one person; a second one would be shadowed or
    merged with the wrong Jira user."""
    other = seen.get((field, value))
    if other is not None:
        file.fail(
            ("people", index, field),
            f"{value!r} is used twice (also `people.{other}.{field}`); give each person their own",
        )
    seen[(field, value)] = index


def _person(file: _File, calendars: _Calendars, index: int, entry: _PersonEntry) -> Person:
    where: tuple[Key, ...] = ("people", index)
    _check_zone(file, (*where, "timezone"), entry.timezone)
    work_start = entry.work_start or "09:00"
    work_end = entry.work_end or "17:30"
    if work_end == work_start:
        file.fail(
            (*where, "work_end"),
            f"the same time as work_start ({work_start!r}), so this person would never be at"
            ' work; set the end of the working day (it may be after midnight, such as "02:00",'
            " for a night shift)",
        )
    hours: WeekHours = ()
    if entry.days is not None or entry.hours is not None or entry.hours_by_day is not None:
        hours = _week_hours(file, where, entry, work_start, work_end)
        work_start, work_end = _first_day(hours)
    if entry.subdivision and not entry.country:
        file.fail(
            (*where, "subdivision"),
            "a subdivision needs `country` too (the country it is part of), such as"
            ' country = "IN" with subdivision = "KA"',
        )
    holidays = calendars.holidays(where, entry.country, entry.subdivision)
    return Person(
        id=entry.id,
        name=entry.name,
        timezone=entry.timezone,
        role=entry.role,
        location=entry.location,
        work_start=work_start,
        work_end=work_end,
        country=entry.country,
        away=tuple(sorted(set(entry.away))),
        handle=entry.handle,
        email=entry.email,
        account_id=entry.jira,
        subdivision=entry.subdivision,
        hours=hours,
        flexible=entry.flexible,
        time_off=_time_off(file, where, entry.time_off),
        travel=_travel(file, calendars, where, entry.travel, hours),
        holidays=holidays,
        zone_source="roster",
    )


def _week_hours(
    file: _File, where: tuple[Key, ...], entry: _PersonEntry, work_start: str, work_end: str
) -> WeekHours:
    if entry.hours is not None and (entry.work_start or entry.work_end):
        key = "work_start" if entry.work_start else "work_end"
        file.fail(
            (*where, key),
            "set the working day either with `hours` or with work_start and work_end, not both",
        )
    if entry.hours is not None:
        spans = _spans(file, (*where, "hours"), entry.hours)
    else:
        start, end = _minutes(work_start), _minutes(work_end)
        # Older rosters wrote a night shift as an end before the start.
        spans = (WorkSpan(start, end if end > start else end + 24 * 60),)
    days = WORKWEEK
    if entry.days is not None:
        days = _days(file, (*where, "days"), entry.days)
    week = [spans if day in days else () for day in WEEKDAYS]
    for day, day_spans in (entry.hours_by_day or {}).items():
        week[WEEKDAYS.index(day)] = _spans(file, (*where, "hours_by_day", day), day_spans)
    if not any(week):
        key = "days" if entry.days is not None else "hours"
        if entry.hours_by_day:
            key = "hours_by_day"
        file.fail((*where, key), "no working hours on any day; list at least one working day")
    return tuple(week)


def _days(file: _File, key: tuple[Key, ...], names: Sequence[str]) -> tuple[str, ...]:
    for index, name in enumerate(names):
        if name not in WEEKDAYS:
            file.fail((*key, index), _unknown_weekday(name))
    return tuple(dict.fromkeys(names))


def _spans(file: _File, key: tuple[Key, ...], texts: object) -> tuple[WorkSpan, ...]:
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        file.fail(key, 'expected a list of spans such as ["09:00-17:30"], or [] for a day off')
    spans = []
    for index, text in enumerate(texts):
        match = _SPAN.match(text)
        if not match:
            file.fail(
                (*key, index), f"{_quoted(text)} is not a span of hours; write {_SPAN_EXAMPLE}"
            )
        start = _minutes(match["start"])
        end = _minutes(match["end"]) + (24 * 60 if match["next"] else 0)
        if end <= start:
            if end == start:
                file.fail((*key, index), f"{_quoted(text)} starts and ends at the same time")
            file.fail(
                (*key, index),
                f"{_quoted(text)} ends before it starts; if it crosses midnight on purpose, write"
                f' "{match["start"]}-{match["end"]}+1"',
            )
        if end - start > 24 * 60:
            file.fail((*key, index), f"{_quoted(text)} is longer than 24 hours")
        spans.append((start, end, index))
    spans.sort()
    for (_, end, first), (next_start, _, second) in itertools.pairwise(spans):
        if next_start < end:
            file.fail(
                (*key, second),
                f"{_quoted(texts[second])} overlaps {_quoted(texts[first])}; write each stretch"
                " of the day once",
            )
    return tuple(WorkSpan(start, end) for start, end, _ in spans)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _first_day(hours: WeekHours) -> tuple[str, str]:
    """work_start and work_end for readers of the single span: the first working day's."""
    spans = next(day for day in hours if day)
    return _clock(spans[0].start), _clock(spans[-1].end)


def _time_off(
    file: _File, where: tuple[Key, ...], entries: Sequence[date | _TimeOffEntry]
) -> tuple[TimeOff, ...]:
    result = []
    for index, entry in enumerate(entries):
        if isinstance(entry, date):
            result.append(TimeOff(entry, entry))
            continue
        end = entry.to or entry.from_
        if end < entry.from_:
            file.fail(
                (*where, "time_off", index, "to"),
                f"{end} is before `from` ({entry.from_}); time off ends on or after it starts",
            )
        result.append(TimeOff(entry.from_, end, entry.note))
    return tuple(sorted(result, key=lambda off: (off.start, off.end)))


def _travel(
    file: _File,
    calendars: _Calendars,
    where: tuple[Key, ...],
    entries: Sequence[_TravelEntry],
    home: WeekHours,
) -> tuple[Travel, ...]:
    stays = []
    for index, entry in enumerate(entries):
        key = (*where, "travel", index)
        _check_zone(file, (*key, "timezone"), entry.timezone)
        if entry.to < entry.from_:
            file.fail(
                (*key, "to"),
                f"{entry.to} is before `from` ({entry.from_}); a stay ends on or after it starts",
            )
        hours: WeekHours = ()
        if entry.hours is not None:
            spans = _spans(file, (*key, "hours"), entry.hours)
            # The stay's hours on the days the person works at home.
            working = [bool(day) for day in home] if home else [True] * 5 + [False] * 2
            hours = tuple(spans if works else () for works in working)
        if entry.subdivision and not entry.country:
            file.fail(
                (*key, "subdivision"),
                "a subdivision needs `country` too; a stay without `country` keeps the"
                " person's own holidays",
            )
        holidays = calendars.holidays(
            key, entry.country, entry.subdivision, within=(entry.from_, entry.to)
        )
        stays.append(
            (
                index,
                Travel(
                    start=entry.from_,
                    end=entry.to,
                    timezone=entry.timezone,
                    location=entry.location,
                    hours=hours,
                    country=entry.country,
                    subdivision=entry.subdivision,
                    holidays=holidays,
                ),
            )
        )
    stays.sort(key=lambda stay: (stay[1].start, stay[1].end))
    for (first, one), (second, other) in itertools.pairwise(stays):
        if other.start <= one.end:
            file.fail(
                (*where, "travel", second, "from"),
                f"this stay ({other.start} to {other.end}) overlaps `{_spell(where)}.travel."
                f"{first}` ({one.start} to {one.end}); a person is in one place a day",
            )
    return tuple(stay for _, stay in stays)


_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")


def _is_time_zone(name: str) -> bool:
    if not _ZONE_NAME.match(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_zone(file: _File, key: tuple[Key, ...], name: str) -> None:
    if not _is_time_zone(name):
        file.fail(
            key, f"unknown time zone {_quoted(name)}; use an IANA name such as 'Asia/Kolkata'"
        )


class _Calendars:
    """Public holidays by country and subdivision, each calendar looked up once per file."""

    def __init__(self, file: _File, years: tuple[int, ...]) -> None:
        self.file = file
        self.years = years
        self._made: dict[tuple[str, str, tuple[int, ...]], tuple[Holiday, ...]] = {}

    def holidays(
        self,
        where: tuple[Key, ...],
        country: str,
        subdivision: str,
        within: tuple[date, date] | None = None,
    ) -> tuple[Holiday, ...]:
        if not country:
            return ()
        years = self.years
        if within is not None:
            years = tuple(range(within[0].year, within[1].year + 1))
        found = self._made.get((country, subdivision, years))
        if found is None:
            found = self._look_up(where, country, subdivision, years)
            self._made[(country, subdivision, years)] = found
        if within is not None:
            found = tuple(h for h in found if within[0] <= h.day <= within[1])
        return found

    def _look_up(
        self, where: tuple[Key, ...], country: str, subdivision: str, years: tuple[int, ...]
    ) -> tuple[Holiday, ...]:
        # ~70 ms to import: only when a roster with a country syncs, on the sync's thread.
        import holidays

        supported = holidays.list_supported_countries()
        if country not in supported:
            self.file.fail(
                (*where, "country"),
                f"no public holiday calendar for {country!r}; use a two-letter ISO 3166 code"
                " such as 'IN', 'US' or 'DE'",
            )
        subdivisions = supported[country]
        if subdivision and subdivision not in subdivisions:
            if subdivisions:
                shown = ", ".join(subdivisions[:12])
                more = f" and {len(subdivisions) - 12} more" if len(subdivisions) > 12 else ""
                hint = f"use one of {shown}{more}"
            else:
                hint = f"{country} has no subdivisions in the holiday calendar; leave it out"
            self.file.fail(
                (*where, "subdivision"),
                f"{_quoted(subdivision)} is not a subdivision of {country}; {hint}",
            )
        calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=years)
        return tuple(Holiday(day, name) for day, name in sorted(calendar.items()))


# --- the meetings file ----------------------------------------------------------------


def parse_meetings_file(path: Path, people: Collection[str]) -> tuple[Meeting, ...]:
    """The recorded meetings at `path`, in UTC and in time order; every attendee must be one
    of `people` (the roster's ids)."""
    file, entry = _read(path, _MeetingsFile)
    meetings = []
    for index, meeting in enumerate(entry.meetings):
        where: tuple[Key, ...] = ("meetings", index)
        start = meeting.start
        if start.tzinfo is None:
            if not meeting.timezone:
                file.fail(
                    (*where, "start"),
                    "a time without an offset needs `timezone` (the zone it is in), or write"
                    " it in UTC with a Z, such as 2026-11-24T16:00:00Z",
                )
            _check_zone(file, (*where, "timezone"), meeting.timezone)
            start = start.replace(tzinfo=ZoneInfo(meeting.timezone))
        elif meeting.timezone:
            file.fail(
                (*where, "timezone"),
                "`start` already has an offset (Z or +hh:mm); drop either the offset or `timezone`",
            )
        for a_index, attendee in enumerate(meeting.attendees):
            if attendee not in people:
                file.fail(
                    (*where, "attendees", a_index),
                    f"{attendee!r} is not in the roster; use a person's `id` from the roster",
                )
        meetings.append(
            Meeting(
                title=meeting.title,
                start=start.astimezone(UTC),
                minutes=meeting.minutes,
                attendees=tuple(dict.fromkeys(meeting.attendees)),
                series=meeting.series,
            )
        )
    return tuple(sorted(meetings, key=lambda m: (m.start, m.series, m.title)))


def append_meeting(path: Path, meeting: Meeting) -> None:
    """Add `meeting` at the end of the meetings file as a `[[meetings]]` block, leaving the
    rest of the file (comments, layout) as the lead wrote it. Creates the file if needed."""
    if meeting.start.tzinfo is None:
        raise ValueError("a meeting's start must carry its time zone")
    start = meeting.start.astimezone(UTC).replace(microsecond=0)
    lines = ["[[meetings]]", f"title = {_toml_string(meeting.title)}"]
    if meeting.series:
        lines.append(f"series = {_toml_string(meeting.series)}")
    lines.append(f"start = {start.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    lines.append(f"minutes = {meeting.minutes}")
    attendees = ", ".join(_toml_string(a) for a in meeting.attendees)
    lines.append(f"attendees = [{attendees}]")
    block = "\n".join(lines) + "\n"
    lead = ""
    if path.exists() and path.stat().st_size:
        with path.open("rb") as existing:
            existing.seek(-1, 2)
            lead = "\n" if existing.read(1) == b"\n" else "\n\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(lead + block)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    escaped = []
    for char in text:
        if char in ('"', "\\"):
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def meetings_beside(roster: Path, configured: Path | None) -> Path | None:
    """The meetings file a roster source reads: the configured one, else `meetings.toml`
    beside the roster when there is one, else none."""
    if configured is not None:
        return configured
    beside = roster.with_name(MEETINGS_FILE)
    return beside if beside.is_file() else None


def read_team(path: Path, meetings: Path | None, today: date) -> TeamData:
    return parse_roster_file(path, today=today, meetings=meetings_beside(path, meetings))


class RosterFileSource:
    kind = "roster-file"
    uses_network = False

    def __init__(self, name: str, path: Path, meetings: Path | None = None) -> None:
        self.name = name
        self.path = path
        self.meetings = meetings

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        # The sync's clock picks the holiday years, so a sync replayed at a fixed moment
        # gives the same calendar.
        team = await asyncio.to_thread(read_team, self.path, self.meetings, ctx.now.date())
        return Snapshot(team=team)
