"""The roster and meetings files: every key, the older format, and each mistake said with the
file, the line and the key."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cockpit.kinds import KINDS, BuildContext
from cockpit.models import Holiday, Meeting, TimeOff, WorkSpan
from cockpit.text_safety import is_clean_line
from integrations.base import FetchContext, SourceConfigError
from integrations.roster_file import (
    RosterFileSource,
    append_meeting,
    parse_meetings_file,
    parse_roster_file,
)
from tests.conftest import FROZEN_NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roster"
TEAM = (FIXTURES / "team.toml").read_text(encoding="utf-8")
MEETINGS = (FIXTURES / "meetings.toml").read_text(encoding="utf-8")
TODAY = date(2026, 11, 23)

LEGACY = """
[[people]]
id = "priya"
name = "Priya Raman"
timezone = "Asia/Kolkata"
country = "IN"
away = [2026-11-25]

[[people]]
id = "tom"
name = "Tom Fletcher"
timezone = "Europe/London"
work_start = "08:00"
work_end = "16:30"
"""

NINE_TO_FIVE = (WorkSpan(540, 1020),)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    """The 1-based line where `marker` is (it must be there exactly once)."""
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def team(tmp_path: Path, text: str = TEAM, **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("today", TODAY)
    return parse_roster_file(write(tmp_path, "team.toml", text), **kwargs)  # type: ignore[arg-type]


def person(tmp_path: Path, body: str, **kwargs: object):  # type: ignore[no-untyped-def]
    text = '[[people]]\nid = "ana"\nname = "Ana"\ntimezone = "Europe/Lisbon"\n' + body
    return team(tmp_path, text, **kwargs).people[0]


# --- the older format -----------------------------------------------------------------


def test_an_older_roster_reads_as_it_did(tmp_path: Path) -> None:
    people = team(tmp_path, LEGACY).people
    assert [p.id for p in people] == ["priya", "tom"]
    priya, tom = people
    assert priya.away == (date(2026, 11, 25),)
    assert (priya.work_start, priya.work_end, priya.hours) == ("09:00", "17:30", ())
    assert (tom.work_start, tom.work_end, tom.hours) == ("08:00", "16:30", ())
    assert {p.zone_source for p in people} == {"roster"}
    assert (tom.time_off, tom.travel, tom.holidays, tom.flexible) == ((), (), (), False)
    # The country it already named now brings India's public holidays.
    assert Holiday(date(2026, 1, 26), "Republic Day") in priya.holidays


def test_an_older_night_shift_that_ends_after_midnight_still_reads(tmp_path: Path) -> None:
    text = LEGACY.replace('"08:00"', '"22:00"').replace('"16:30"', '"06:00"')
    tom = team(tmp_path, text).people[1]
    assert (tom.work_start, tom.work_end, tom.hours) == ("22:00", "06:00", ())


# --- every key ------------------------------------------------------------------------


def test_every_key_of_the_full_example(tmp_path: Path) -> None:
    people = {p.id: p for p in team(tmp_path).people}
    assert list(people) == ["priya", "noa", "sam", "lena", "arjun"]
    priya = people["priya"]
    assert (priya.handle, priya.email, priya.account_id) == (
        "@priya",
        "priya@example.com",
        "5b10a2844c20165700ede21g",
    )
    assert (priya.role, priya.location, priya.country, priya.subdivision) == (
        "ML engineer",
        "Bengaluru",
        "IN",
        "KA",
    )
    split = (WorkSpan(570, 780), WorkSpan(840, 1110))
    assert priya.hours == (split,) * 5 + ((), ())
    assert (priya.work_start, priya.work_end) == ("09:30", "18:30")
    assert priya.time_off == (
        TimeOff(date(2026, 12, 24), date(2026, 12, 24)),
        TimeOff(date(2026, 12, 28), date(2027, 1, 1), "family"),
    )
    assert priya.flexible is False and people["sam"].flexible is True


def test_a_sunday_to_thursday_week_with_a_short_day(tmp_path: Path) -> None:
    noa = team(tmp_path).people[1]
    full, short = (WorkSpan(540, 1080),), (WorkSpan(540, 840),)
    # Monday first: mon tue wed thu fri sat sun.
    assert noa.hours == (full, full, full, short, (), (), full)


def test_a_night_shift_is_written_with_plus_one_and_stored_past_midnight(tmp_path: Path) -> None:
    lena = team(tmp_path).people[3]
    night = (WorkSpan(22 * 60, 30 * 60),)
    assert lena.hours == (night,) * 4 + ((), (), ())
    assert (lena.work_start, lena.work_end) == ("22:00", "06:00")


def test_hours_by_day_overrides_any_day_and_an_empty_list_is_a_day_off(tmp_path: Path) -> None:
    ana = person(
        tmp_path,
        'hours = ["09:00-17:00"]\n[people.hours_by_day]\nfri = []\nsat = ["10:00-12:00"]\n',
    )
    assert ana.hours == (NINE_TO_FIVE,) * 4 + ((), (WorkSpan(600, 720),), ())


def test_days_alone_keep_the_single_span(tmp_path: Path) -> None:
    ana = person(tmp_path, 'work_start = "08:00"\nwork_end = "16:00"\ndays = ["mon", "wed"]\n')
    eight = (WorkSpan(480, 960),)
    assert ana.hours == (eight, (), eight, (), (), (), ())


def test_split_spans_are_kept_in_order(tmp_path: Path) -> None:
    ana = person(tmp_path, 'hours = ["14:00-18:00", "09:00-12:00"]\n')
    assert ana.hours[0] == (WorkSpan(540, 720), WorkSpan(840, 1080))
    assert ana.work_start == "09:00" and ana.work_end == "18:00"


def test_travel_changes_zone_hours_and_holidays_for_its_dates(tmp_path: Path) -> None:
    sam = team(tmp_path).people[2]
    lisbon, tokyo = sam.travel
    assert (lisbon.start, lisbon.end, lisbon.timezone, lisbon.location) == (
        date(2026, 10, 19),
        date(2026, 11, 6),
        "Europe/Lisbon",
        "Lisbon",
    )
    # The stay's hours on the days Sam works at home.
    assert lisbon.hours == ((WorkSpan(600, 1080),),) * 5 + ((), ())
    # Portugal's calendar, only within the stay: All Saints' Day, 1 November.
    assert lisbon.country == "PT"
    assert [h.day for h in lisbon.holidays] == [date(2026, 11, 1)]
    # No country: the person's own hours and holidays.
    assert (tokyo.timezone, tokyo.hours, tokyo.country, tokyo.holidays) == (
        "Asia/Tokyo",
        (),
        "",
        (),
    )


def test_travel_is_sorted_by_date(tmp_path: Path) -> None:
    text = TEAM.replace("from = 2026-12-01\nto = 2026-12-11", "from = 2026-09-01\nto = 2026-09-11")
    stays = team(tmp_path, text).people[2].travel
    assert [s.timezone for s in stays] == ["Asia/Tokyo", "Europe/Lisbon"]


# --- public holidays ------------------------------------------------------------------


def holiday_days(p) -> dict[date, str]:  # type: ignore[no-untyped-def]
    return {h.day: h.name for h in p.holidays}


def test_holidays_cover_last_this_and_next_year_of_today(tmp_path: Path) -> None:
    priya = team(tmp_path).people[0]
    years = {h.day.year for h in priya.holidays}
    assert years == {2025, 2026, 2027}
    later = team(tmp_path, today=date(2030, 2, 1)).people[0]
    assert {h.day.year for h in later.holidays} == {2029, 2030, 2031}
    assert list(priya.holidays) == sorted(priya.holidays, key=lambda h: h.day)


@pytest.mark.parametrize(
    ("who", "day", "name"),
    [
        ("priya", date(2026, 1, 26), "Republic Day"),  # India
        ("priya", date(2026, 11, 1), "Karnataka Rajyotsava"),  # Karnataka only
        ("arjun", date(2026, 5, 29), "Republic Day"),  # Nepal
        ("sam", date(2026, 7, 4), "Independence Day"),  # United States
        ("sam", date(2026, 3, 31), "Cesar Chavez Day"),  # California only
        ("lena", date(2026, 10, 3), "German Unity Day"),  # Germany
        ("lena", date(2026, 1, 6), "Epiphany"),  # Bavaria, not Berlin
    ],
)
def test_national_and_regional_holidays(tmp_path: Path, who: str, day: date, name: str) -> None:
    people = {p.id: p for p in team(tmp_path).people}
    assert name in holiday_days(people[who]).get(day, "")


def test_a_region_without_the_holiday_does_not_get_it(tmp_path: Path) -> None:
    berlin = team(tmp_path, TEAM.replace('subdivision = "BY"', 'subdivision = "BE"')).people[3]
    assert date(2026, 1, 6) not in holiday_days(berlin)
    assert date(2026, 3, 8) in holiday_days(berlin)  # International Women's Day, Berlin only


def test_holidays_are_not_imported_when_nobody_names_a_country(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, "team.toml", LEGACY.replace('country = "IN"\n', ""))
    code = (
        "import sys; from pathlib import Path;"
        "from integrations.roster_file import parse_roster_file;"
        f"parse_roster_file(Path({str(path)!r}));"
        "print('holidays' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert out.stdout.strip() == "False"


# --- mistakes: the file, the line and the key -----------------------------------------

ERRORS = [
    # (what to change, the marker on the line the error names, key, words in the message)
    (
        ('"Asia/Jerusalem"', '"Asia/Jerusalm"'),
        '"Asia/Jerusalm"',
        "people.1.timezone",
        "unknown time zone 'Asia/Jerusalm'; use an IANA name such as 'Asia/Kolkata'",
    ),
    (
        ('"22:00-06:00+1"', '"22:00-06:00"'),
        '"22:00-06:00"',
        "people.3.hours.0",
        """'22:00-06:00' ends before it starts; if it crosses midnight on purpose, write"""
        ' "22:00-06:00+1"',
    ),
    (
        ('"09:00-14:00"', '"09:00-09:00"'),
        '"09:00-09:00"',
        "people.1.hours_by_day.thu.0",
        "'09:00-09:00' starts and ends at the same time",
    ),
    (
        ('"22:00-06:00+1"', '"22:00-23:00+1"'),
        '"22:00-23:00+1"',
        "people.3.hours.0",
        "'22:00-23:00+1' is longer than 24 hours",
    ),
    (
        ('"09:30-13:00", "14:00-18:30"', '"09:30-13:00", "12:00-18:30"'),
        '"12:00-18:30"',
        "people.0.hours.1",
        "'12:00-18:30' overlaps '09:30-13:00'",
    ),
    (
        ('"09:00-18:00"]', '"9-6"]'),
        '"9-6"',
        "people.1.hours.0",
        """'9-6' is not a span of hours; write "HH:MM-HH:MM" such as "09:00-17:30\"""",
    ),
    (
        ("from = 2026-12-01", "from = 2026-11-01"),
        "from = 2026-11-01",
        "people.2.travel.1.from",
        "this stay (2026-11-01 to 2026-12-11) overlaps `people.2.travel.0` (2026-10-19 to"
        " 2026-11-06); a person is in one place a day",
    ),
    (
        ("to = 2026-12-11", "to = 2026-11-30"),
        "to = 2026-11-30",
        "people.2.travel.1.to",
        "2026-11-30 is before `from` (2026-12-01); a stay ends on or after it starts",
    ),
    (
        ('"Asia/Tokyo"', '"Asia/Tokio"'),
        '"Asia/Tokio"',
        "people.2.travel.1.timezone",
        "unknown time zone 'Asia/Tokio'",
    ),
    (
        ('country = "PT"', 'country = "XX"'),
        'country = "XX"',
        "people.2.travel.0.country",
        "no public holiday calendar for 'XX'; use a two-letter ISO 3166 code",
    ),
    (
        ('country = "NP"', 'country = "QQ"'),
        'country = "QQ"',
        "people.4.country",
        "no public holiday calendar for 'QQ'",
    ),
    (
        ('subdivision = "KA"', 'subdivision = "ZZ"'),
        'subdivision = "ZZ"',
        "people.0.subdivision",
        "'ZZ' is not a subdivision of IN; use one of AN, AP,",
    ),
    (
        ('country = "IN"\n', ""),
        'subdivision = "KA"',
        "people.0.subdivision",
        "a subdivision needs `country` too",
    ),
    (
        ('id = "sam"', 'id = "priya"'),
        'id = "priya"\nname = "Sam',
        "people.2.id",
        "'priya' is used twice (also `people.0.id`)",
    ),
    (
        ('timezone = "Asia/Jerusalem"', 'timezone = "Asia/Jerusalem"\nemail = "Priya@Example.com"'),
        'email = "Priya@Example.com"',
        "people.1.email",
        "'priya@example.com' is used twice (also `people.0.email`)",
    ),
    (
        (
            'timezone = "Asia/Jerusalem"',
            'timezone = "Asia/Jerusalem"\njira = "5b10a2844c20165700ede21g"',
        ),
        'jira = "5b10a2844c20165700ede21g"\n',
        "people.1.jira",
        "'5b10a2844c20165700ede21g' is used twice (also `people.0.jira`)",
    ),
    (
        ('"sun", "mon"', '"sunday", "mon"'),
        '"sunday"',
        "people.1.days.0",
        "unknown weekday 'sunday'; write 'sun'; weekdays are mon, tue, wed, thu, fri, sat, sun",
    ),
    (
        ('thu = ["09:00-14:00"]', 'thursday = ["09:00-14:00"]'),
        "thursday =",
        "people.1.hours_by_day.thursday",
        "unknown weekday 'thursday'; write 'thu'",
    ),
    (
        ('work_start = "10:00"', 'hours = ["10:00-18:00"]\nwork_start = "10:00"'),
        'work_start = "10:00"',
        "people.4.work_start",
        "set the working day either with `hours` or with work_start and work_end, not both",
    ),
    (
        ("to = 2027-01-01", "to = 2026-12-01"),
        "to = 2026-12-01",
        "people.0.time_off.1.to",
        "2026-12-01 is before `from` (2026-12-28)",
    ),
    (
        ('days = ["mon", "tue", "wed", "thu"]', "days = []"),
        "days = []",
        "people.3.days",
        "no working hours on any day",
    ),
]


@pytest.mark.parametrize(("change", "marker", "key", "words"), ERRORS)
def test_each_mistake_names_the_file_the_line_and_the_key(
    tmp_path: Path, change: tuple[str, str], marker: str, key: str, words: str
) -> None:
    assert TEAM.count(change[0]) == 1, change[0]
    text = TEAM.replace(*change)
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_roster_file(path, today=TODAY)
    assert str(caught.value).startswith(f"{path}:{line_of(text, marker)}: `{key}`: {words}")


SCHEMA_ERRORS = [
    # Mistakes the schema catches are placed on their line too.
    (("flexible = true", 'flexible = "yes"'), 'flexible = "yes"', "`people.2.flexible`"),
    (('location = "Lisbon"', 'place = "Lisbon"'), 'place = "Lisbon"', "people.2.travel.0.place"),
    (
        ('timezone = "Asia/Tokyo"\n', ""),
        '[[people.travel]]\ntimezone = "Europe',
        "missing key `people.2.travel.1.timezone`",
    ),
    (('note = "family"', "note = 7"), "note = 7", "`people.0.time_off.1.note`"),
    (('"@priya"', '"@priya"\ncolour = "red"'), 'colour = "red"', "unknown key `people.0.colour`"),
    (
        ('"09:00-14:00"]', "900]"),
        "thu = [900]",
        '`people.1.hours_by_day.thu`: expected a list of spans such as ["09:00-17:30"], or []',
    ),
]


@pytest.mark.parametrize(("change", "marker", "words"), SCHEMA_ERRORS)
def test_schema_mistakes_are_placed_on_their_line(
    tmp_path: Path, change: tuple[str, str], marker: str, words: str
) -> None:
    text = TEAM.replace(*change)
    assert text != TEAM
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_roster_file(path, today=TODAY)
    message = str(caught.value)
    if marker.startswith("[[people.travel]]"):
        # A missing key: the line of the table that lacks it (Sam's second stay).
        line = text.split("\n").index("[[people.travel]]", line_of(text, "Europe/Lisbon")) + 1
    else:
        line = line_of(text, marker)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_text_that_is_not_toml_names_its_line(tmp_path: Path) -> None:
    text = TEAM.replace('role = "ML engineer"', "role = ML engineer")
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_roster_file(path, today=TODAY)
    assert str(caught.value).startswith(f"{path}:{line_of(text, 'role =')}: not valid TOML: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            LEGACY.replace('"08:00"', '"9am"'),
            '13: `people.1.work_start`: "9am" is not a time; expected HH:MM on a 24-hour clock,'
            ' such as "09:00"',
        ),
        (
            LEGACY.replace('"16:30"', '"08:00"'),
            "14: `people.1.work_end`: the same time as work_start ('08:00')",
        ),
        (
            LEGACY.replace('id = "tom"', 'id = "priya"'),
            "10: `people.1.id`: 'priya' is used twice (also `people.0.id`)",
        ),
        (
            LEGACY.replace('id = "tom"', 'id = "tom fletcher"'),
            '10: `people.1.id`: "tom fletcher" is not a valid id',
        ),
        (
            LEGACY.replace('"IN"', '"India"'),
            '6: `people.0.country`: "India" is not a country code; expected two',
        ),
    ],
)
def test_roster_mistakes_are_said_in_words(tmp_path: Path, text: str, expected: str) -> None:
    # Moved from test_local_files.py when the roster got its own module; now with the line.
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_roster_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{expected}")
    assert "regex" not in message and "\\d" not in message and "^" not in message


# --- meetings -------------------------------------------------------------------------


def test_meetings_are_read_in_utc_and_in_time_order(tmp_path: Path) -> None:
    write(tmp_path, "meetings.toml", MEETINGS)
    data = team(tmp_path, meetings=tmp_path / "meetings.toml")
    assert [(m.title, m.start, m.minutes) for m in data.meetings] == [
        ("Weekly sync", datetime(2026, 11, 17, 16, 0, tzinfo=UTC), 45),
        ("Ranker design review", datetime(2026, 11, 20, 4, 30, tzinfo=UTC), 60),
        # 08:00 in Los Angeles, written as local time with its zone.
        ("Weekly sync", datetime(2026, 11, 24, 16, 0, tzinfo=UTC), 45),
    ]
    assert data.meetings[0].series == "weekly-sync" and data.meetings[1].series == ""
    assert data.meetings[1].attendees == ("priya", "arjun")


MEETING_ERRORS = [
    (('"lena"]\n\n[[meetings]]\ntitle = "Ranker', '"lenna"]\n\n[[meetings]]\ntitle = "Ranker'),
     '"lenna"', "meetings.1.attendees.3",
     "'lenna' is not in the roster; use a person's `id` from the roster"),
    (('timezone = "America/Los_Angeles"\n', ""), "start = 2026-11-24T08:00:00",
     "meetings.1.start", "a time without an offset needs `timezone`"),
    (('2026-11-17T16:00:00Z', '2026-11-17T16:00:00Z\ntimezone = "UTC"'), 'timezone = "UTC"',
     "meetings.0.timezone", "`start` already has an offset"),
    (('"America/Los_Angeles"', '"America/San_Francisco"'), '"America/San_Francisco"',
     "meetings.1.timezone", "unknown time zone"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "marker", "key", "words"), MEETING_ERRORS)
def test_meeting_mistakes_name_the_file_the_line_and_the_key(
    tmp_path: Path, change: tuple[str, str], marker: str, key: str, words: str
) -> None:
    assert MEETINGS.count(change[0]) == 1
    text = MEETINGS.replace(*change)
    path = write(tmp_path, "meetings.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        team(tmp_path, meetings=path)
    assert str(caught.value).startswith(f"{path}:{line_of(text, marker)}: `{key}`: {words}")


def test_a_meeting_of_no_minutes_is_refused_on_its_line(tmp_path: Path) -> None:
    text = MEETINGS.replace("minutes = 60", "minutes = 0")
    path = write(tmp_path, "meetings.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_meetings_file(path, {"priya", "noa", "sam", "lena", "arjun"})
    assert str(caught.value).startswith(f"{path}:{line_of(text, 'minutes = 0')}: ")
    assert "meetings.2.minutes" in str(caught.value)


def fetch(source: RosterFileSource):  # type: ignore[no-untyped-def]
    ctx = FetchContext(now=FROZEN_NOW, http=None, previous=None, secret=lambda _name: None)
    return asyncio.run(source.fetch(ctx)).team


def test_the_source_reads_meetings_beside_the_roster_when_there_are_some(tmp_path: Path) -> None:
    roster = write(tmp_path, "team.toml", TEAM)
    assert fetch(RosterFileSource("team", roster)).meetings == ()
    write(tmp_path, "meetings.toml", MEETINGS)
    data = fetch(RosterFileSource("team", roster))
    assert len(data.meetings) == 3
    # The sync's day picks the holiday years.
    assert {h.day.year for h in data.people[0].holidays} == {2025, 2026, 2027}


def test_the_meetings_setting_names_another_file(tmp_path: Path) -> None:
    write(tmp_path, "team.toml", TEAM)
    write(tmp_path, "meetings.toml", MEETINGS)
    kind = KINDS["roster-file"]
    settings = kind.settings(path="team.toml", meetings="held/standups.toml")  # type: ignore[call-arg]
    source = kind.build("team", settings, BuildContext(config_dir=tmp_path))
    assert kind.files is not None and kind.files(settings) == ("team.toml", "held/standups.toml")
    with pytest.raises(SourceConfigError, match=r"held/standups\.toml: file not found"):
        fetch(source)
    (tmp_path / "held").mkdir()
    write(tmp_path / "held", "standups.toml", MEETINGS.split('[[meetings]]\ntitle = "Ranker')[0])
    assert len(fetch(source).meetings) == 2
    default = kind.settings(path="team.toml")  # type: ignore[call-arg]
    assert kind.files is not None and kind.files(default) == ("team.toml",)


def test_append_meeting_adds_a_block_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "meetings.toml", MEETINGS.rstrip("\n"))  # no final newline
    title = 'Retro "Q4" \\ [bold red]x[/] \x1b[2J\u202e'
    meeting = Meeting(
        title=title,
        start=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        minutes=30,
        attendees=("noa", "sam"),
        series="retro",
    )
    append_meeting(path, meeting)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MEETINGS.rstrip("\n") + "\n\n[[meetings]]\n")  # comments kept
    read = parse_meetings_file(path, {"priya", "noa", "sam", "lena", "arjun"})
    assert read[-1] == meeting  # the title round-trips exactly
    fresh = tmp_path / "new.toml"
    append_meeting(fresh, meeting)
    assert parse_meetings_file(fresh, {"noa", "sam"}) == (meeting,)


def test_append_meeting_writes_utc(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    path = tmp_path / "meetings.toml"
    start = datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    append_meeting(path, Meeting("Sync", start, 45, ("noa",)))
    assert "start = 2026-11-24T16:00:00Z" in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        append_meeting(path, Meeting("Sync", datetime(2026, 11, 24, 8), 45, ("noa",)))


# --- hostile text ---------------------------------------------------------------------


def test_hostile_text_stays_literal_or_is_cleaned(tmp_path: Path) -> None:
    nasty = "[bold red]Ana[/]\x1b]0;pwned\x07 \u202eSilva\x1b[2J"
    text = TEAM.replace('"Priya Raman"', json.dumps(nasty)).replace(
        '"family"', json.dumps("home\r\n[link=x]trip[/link]\x9b1m")
    )
    text = text.replace('location = "Lisbon"', "location = " + json.dumps("Lis\u2066bon"))
    meetings = write(
        tmp_path, "meetings.toml", MEETINGS.replace('"Weekly sync"', json.dumps("Sync\x1b[31m"), 1)
    )
    data = team(tmp_path, text, meetings=meetings)
    priya = data.people[0]
    # Rich markup is kept as the literal text it is; the widgets never parse data as markup.
    assert priya.name == "[bold red]Ana[/] Silva"
    assert priya.time_off[1].note == "home [link=x]trip[/link]"
    assert data.people[2].travel[0].location == "Lisbon"
    assert data.meetings[0].title == "Sync"
    for value in (priya.name, priya.time_off[1].note, data.meetings[0].title):
        assert is_clean_line(value)


def test_an_error_quotes_a_hostile_value_harmlessly(tmp_path: Path) -> None:
    text = TEAM.replace('"Asia/Jerusalem"', json.dumps("Asia/\x1b]0;pwned\x07\u202e"))
    with pytest.raises(SourceConfigError) as caught:
        team(tmp_path, text)
    message = str(caught.value)
    assert "\x1b" not in message and "\u202e" not in message and "\x07" not in message


def test_a_hostile_key_is_quoted_in_the_message(tmp_path: Path) -> None:
    text = TEAM.replace('thu = ["09:00-14:00"]', '"thu\\u001b[2J\\u202e" = []')
    with pytest.raises(SourceConfigError) as caught:
        team(tmp_path, text)
    message = str(caught.value)
    assert "`people.1.hours_by_day.'thu\\x1b[2J\\u202e'`: unknown weekday" in message
    assert is_clean_line(message)
    unknown = TEAM.replace('role = "ML engineer"', '"role\\u001b]0;x\\u0007" = 1')
    with pytest.raises(SourceConfigError) as caught:
        team(tmp_path, unknown)
    assert is_clean_line(str(caught.value)) and "unknown key" in str(caught.value)


# --- the documentation ----------------------------------------------------------------


def toml_blocks() -> list[str]:
    docs = Path(__file__).resolve().parents[2] / "docs" / "roster.md"
    parts = docs.read_text(encoding="utf-8").split("```toml\n")[1:]
    return [part.split("```", 1)[0] for part in parts]


def test_the_documented_examples_are_the_tested_files() -> None:
    blocks = toml_blocks()
    assert TEAM in blocks and MEETINGS in blocks


def test_every_documented_block_reads(tmp_path: Path) -> None:
    settings, _, travel, _ = toml_blocks()
    assert "meetings" in settings
    ana = person(tmp_path, travel)
    assert (ana.travel[0].timezone, ana.travel[0].location) == ("Asia/Dubai", "Dubai")
    assert ana.travel[0].holidays  # the UAE's calendar within the stay
