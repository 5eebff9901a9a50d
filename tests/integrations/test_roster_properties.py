"""Property tests of the roster parser: what a generated roster says comes out in the right
Person fields, and whatever a hand-edited file says, the parser returns records or a
SourceConfigError that starts with the file's path. Nothing else escapes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.models import TimeOff, WorkSpan
from cockpit.text_safety import clean_line, is_clean_line
from integrations.base import SourceConfigError
from integrations.roster_file import WEEKDAYS, parse_roster_file

TODAY = date(2026, 11, 23)
ZONES = ["Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "UTC"]
CALENDARS = [("", ""), ("IN", "KA"), ("NP", ""), ("US", "CA"), ("DE", "BY")]
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def span_text(span: WorkSpan) -> str:
    plus = "+1" if span.end > 24 * 60 else ""
    end = "24:00" if span.end == 24 * 60 else clock(span.end)
    return f"{clock(span.start)}-{end}{plus}"


@st.composite
def day_spans(draw: st.DrawFn) -> tuple[WorkSpan, ...]:
    """One to three stretches of a day that do not overlap, the last possibly past midnight."""
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 4), min_size=2, max_size=6)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    spans = [WorkSpan(start * 15, end * 15) for start, end in pairs]
    if draw(st.booleans()):
        last = spans[-1]
        if last.end < 24 * 60:
            spans[-1] = WorkSpan(last.start, last.end + draw(st.integers(1, 8)) * 60)
            if spans[-1].end - spans[-1].start > 24 * 60 or spans[-1].end <= 24 * 60:
                spans[-1] = last
    return tuple(spans)


@st.composite
def people(draw: st.DrawFn, index: int) -> tuple[str, dict[str, object]]:
    """A person's TOML block and what the parser must make of it."""
    ident = f"p{index}"
    name = draw(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12))
    zone = draw(st.sampled_from(ZONES))
    country, subdivision = draw(st.sampled_from(CALENDARS))
    lines = [
        "[[people]]",
        f'id = "{ident}"',
        f"name = {toml_string(name)}",
        f'timezone = "{zone}"',
    ]
    if country:
        lines.append(f'country = "{country}"')
    if subdivision:
        lines.append(f'subdivision = "{subdivision}"')
    email = draw(st.sampled_from(["", f"{ident}@example.com"]))
    if email:
        lines.append(f'email = "{email}"')
    flexible = draw(st.booleans())
    lines.append(f"flexible = {str(flexible).lower()}")
    expected: dict[str, object] = {
        "id": ident,
        "name": clean_line(name),
        "timezone": zone,
        "country": country,
        "subdivision": subdivision,
        "email": email,
        "flexible": flexible,
        "zone_source": "roster",
    }
    spans = draw(day_spans())
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    overrides = draw(st.dictionaries(st.sampled_from(WEEKDAYS), day_spans(), max_size=2))
    lines.append("hours = [" + ", ".join(f'"{span_text(s)}"' for s in spans) + "]")
    lines.append("days = [" + ", ".join(f'"{d}"' for d in sorted(days)) + "]")
    week = [spans if day in days else () for day in WEEKDAYS]
    for day, day_hours in overrides.items():
        week[WEEKDAYS.index(day)] = day_hours
    if not any(week):  # a week without work is refused; keep Monday as written
        overrides.pop("mon", None)
        week[0] = spans
        days.add("mon")
        lines[-1] = "days = [" + ", ".join(f'"{d}"' for d in sorted(days)) + "]"
    expected["hours"] = tuple(week)
    off_start = draw(st.dates(date(2026, 1, 1), date(2027, 12, 1)))
    off_days = draw(st.integers(0, 10))
    lines.append(
        f"time_off = [{off_start + timedelta(days=40)}, "
        f'{{ from = {off_start}, to = {off_start + timedelta(days=off_days)}, note = "x" }}]'
    )
    expected["time_off"] = (
        TimeOff(off_start, off_start + timedelta(days=off_days), "x"),
        TimeOff(off_start + timedelta(days=40), off_start + timedelta(days=40)),
    )
    if overrides:
        lines.append("[people.hours_by_day]")
        for day, day_hours in overrides.items():
            lines.append(f"{day} = [" + ", ".join(f'"{span_text(s)}"' for s in day_hours) + "]")
    stays = []
    start = draw(st.dates(date(2026, 1, 1), date(2027, 1, 1)))
    for _ in range(draw(st.integers(0, 2))):
        length = draw(st.integers(0, 20))
        lines += [
            "[[people.travel]]",
            f'timezone = "{draw(st.sampled_from(ZONES))}"',
            f"from = {start}",
            f"to = {start + timedelta(days=length)}",
        ]
        stays.append((start, start + timedelta(days=length)))
        start += timedelta(days=length + draw(st.integers(1, 30)))
    expected["travel"] = stays
    return "\n".join(lines) + "\n", expected


@st.composite
def rosters(draw: st.DrawFn) -> tuple[str, list[dict[str, object]]]:
    blocks = [draw(people(index)) for index in range(draw(st.integers(1, 4)))]
    return "\n".join(text for text, _ in blocks), [expected for _, expected in blocks]


@settings(max_examples=60, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(rosters())
def test_a_generated_roster_comes_out_in_the_right_fields(
    tmp_path: Path, roster: tuple[str, list[dict[str, object]]]
) -> None:
    text, expected = roster
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    team = parse_roster_file(path, today=TODAY)
    assert len(team.people) == len(expected)
    for person, want in zip(team.people, expected, strict=True):
        stays = want.pop("travel")
        for field, value in want.items():
            assert getattr(person, field) == value, field
        assert [(t.start, t.end) for t in person.travel] == stays
        assert is_clean_line(person.name)
        years = {h.day.year for h in person.holidays}
        assert years == ({2025, 2026, 2027} if person.country else set())


# --- whatever a hand-edited file says --------------------------------------------------

scalars = st.one_of(
    st.integers(-10_000, 10_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: "nan" if f != f else ("inf" if f == float("inf") else repr(f))
    ),
    st.text(max_size=8).map(toml_string),
    st.sampled_from(["true", "false", "2026-11-24", "2026-11-24T09:00:00", "07:30:00"]),
    st.sampled_from(
        [
            '"Asia/Kolkata"', '"09:00"', '"25:00"', '"IN"', '"KA"', '"XX"', '"../etc"',
            '"09:00-17:00"', '"22:00-02:00+1"', '"22:00-02:00"', '"mon"', '"fryday"', '"24:00"',
        ]
    ),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(
            st.sampled_from(["from", "to", "note", "timezone", "mon", "x"]), inner, max_size=3
        ).map(lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"),
    ),
    max_leaves=6,
)
person_keys = st.sampled_from(
    [
        "id", "name", "timezone", "role", "work_start", "work_end", "country", "away", "handle",
        "email", "jira", "subdivision", "days", "hours", "hours_by_day", "flexible", "time_off",
        "travel", "extra",
    ]
)  # fmt: skip
travel_keys = st.sampled_from(
    ["timezone", "from", "to", "location", "hours", "country", "subdivision", "x"]
)


@st.composite
def junk(draw: st.DrawFn) -> str:
    text = ""
    for _ in range(draw(st.integers(0, 3))):
        text += (
            '[[people]]\nid = "p"\nname = "P"\ntimezone = "UTC"\n'
            if draw(st.booleans())
            else "[[people]]\n"
        )
        for key, value in draw(st.dictionaries(person_keys, values, max_size=6)).items():
            text += f"{key} = {value}\n"
        if draw(st.booleans()):
            text += "[people.hours_by_day]\n"
            for key, value in draw(
                st.dictionaries(st.sampled_from([*WEEKDAYS, "fryday"]), values, max_size=2)
            ).items():
                text += f"{key} = {value}\n"
        for _ in range(draw(st.integers(0, 2))):
            text += "[[people.travel]]\n"
            for key, value in draw(st.dictionaries(travel_keys, values, max_size=5)).items():
                text += f"{key} = {value}\n"
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(junk())
def test_any_file_gives_records_or_an_error_that_starts_with_its_path(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    try:
        team = parse_roster_file(path, today=TODAY)
    except SourceConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{path}:") or message.startswith(f"{path} ")
        assert is_clean_line(message.removeprefix(str(path)))
    else:
        for person in team.people:
            for day in person.hours:
                assert all(0 <= s.start < s.end <= s.start + 24 * 60 for s in day)
            assert [t.start for t in person.travel] == sorted(t.start for t in person.travel)
