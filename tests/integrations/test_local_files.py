from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.base import FetchContext, SourceConfigError, SourceError
from integrations.local_files import (
    OkrFileSource,
    RosterFileSource,
    parse_okr_file,
    parse_roster_file,
)
from tests.conftest import FROZEN_NOW

OKRS = """
period = "2026-Q4"
start = 2026-10-01
end = 2026-12-31

[[objectives]]
id = "O1"
title = "Ship ranker v3"
owner = "maya"

  [[objectives.key_results]]
  id = "KR1"
  title = "p95 latency"
  start = 180
  target = 120
  current = 150
  unit = "ms"
"""

ROSTER = """
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


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_okr_file_parses(tmp_path: Path) -> None:
    data = parse_okr_file(write(tmp_path, "okrs.toml", OKRS))
    assert data.period == "2026-Q4"
    assert data.period_start == date(2026, 10, 1)
    kr = data.objectives[0].key_results[0]
    assert (kr.start, kr.target, kr.current, kr.unit, kr.owner) == (180, 120, 150, "ms", "maya")


def test_roster_file_parses(tmp_path: Path) -> None:
    team = parse_roster_file(write(tmp_path, "team.toml", ROSTER))
    assert [p.id for p in team.people] == ["priya", "tom"]
    assert team.people[0].away == (date(2026, 11, 25),)
    assert team.people[1].work_start == "08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (OKRS.replace("target = 120", 'target = "soon"'), "objectives.0.key_results.0.target"),
        (
            OKRS.replace('owner = "maya"', 'owner = "maya"\ncolour = "red"'),
            "unknown key `objectives.0.colour`",
        ),
        (OKRS.replace("target = 120", "target = 180"), "target equals start"),
        (OKRS.replace("end = 2026-12-31", "end = 2026-09-01"), "is before"),
        (OKRS.replace('period = "2026-Q4"\n', ""), "missing key `period`"),
    ],
)
def test_okr_errors_name_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "okrs.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_okr_file(path)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ROSTER.replace("Asia/Kolkata", "Asia/Bangalore"),
            "`people.0.timezone`: unknown time zone",
        ),
        (ROSTER.replace('"08:00"', '"8am"'), "`people.1.work_start`"),
        (ROSTER.replace('id = "tom"', 'id = "priya"'), "used twice"),
        (ROSTER.replace("[[people]]", "[[persons]]", 1), "unknown key `persons`"),
    ],
)
def test_roster_errors_name_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(SourceConfigError) as caught:
        parse_roster_file(path)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="file not found"):
        parse_roster_file(tmp_path / "team.toml")


def test_sources_fetch_into_snapshots(tmp_path: Path) -> None:
    ctx = FetchContext(now=FROZEN_NOW, http=None, previous=None, secret=lambda _name: None)
    okrs = asyncio.run(OkrFileSource("okrs", write(tmp_path, "o.toml", OKRS)).fetch(ctx))
    team = asyncio.run(RosterFileSource("team", write(tmp_path, "t.toml", ROSTER)).fetch(ctx))
    assert okrs.areas() == ("okrs",)
    assert team.areas() == ("team",)


# Property tests: whatever a hand-edited file says, the parser returns records or says
# precisely what is wrong: never another exception type.

values = st.one_of(
    st.integers(-10_000, 10_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.booleans(),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)


def toml_value(value: object) -> str:
    import json

    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return json.dumps(value)


kr_keys = st.sampled_from(
    ["id", "title", "start", "target", "current", "unit", "owner", "updated", "extra"]
)
person_keys = st.sampled_from(
    ["id", "name", "timezone", "role", "work_start", "work_end", "country", "away", "extra"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.dictionaries(kr_keys, values, min_size=3, max_size=9), max_size=4))
def test_okr_parser_never_raises_anything_else(
    tmp_path: Path, krs: list[dict[str, object]]
) -> None:
    text = 'period = "Q"\nstart = 2026-10-01\nend = 2026-12-31\n'
    text += '[[objectives]]\nid = "O"\ntitle = "T"\n'
    for kr in krs:
        text += "[[objectives.key_results]]\n" + "".join(
            f"{k} = {toml_value(v)}\n" for k, v in kr.items()
        )
    path = write(tmp_path, "okrs.toml", text)
    try:
        data = parse_okr_file(path)
    except SourceError as exc:
        assert str(path) in str(exc)
    else:
        for kr in data.objectives[0].key_results:
            assert kr.target != kr.start


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(
            person_keys,
            st.one_of(values, st.sampled_from(["Asia/Kolkata", "09:00", "25:00", "IN", "../etc"])),
            min_size=2,
            max_size=9,
        ),
        max_size=4,
    )
)
def test_roster_parser_never_raises_anything_else(
    tmp_path: Path, people: list[dict[str, object]]
) -> None:
    text = "".join(
        "[[people]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in person.items())
        for person in people
    )
    path = write(tmp_path, "team.toml", text)
    try:
        team = parse_roster_file(path)
    except SourceError as exc:
        assert str(path) in str(exc)
    else:
        from zoneinfo import ZoneInfo

        for person in team.people:
            ZoneInfo(person.timezone)


# The OKR file's mistakes, said with their line: tests/integrations/test_okr_file.py.
# The roster's mistakes, said with their line: tests/integrations/test_roster_file.py.


def test_a_night_shift_that_ends_after_midnight_is_fine(tmp_path: Path) -> None:
    text = ROSTER.replace('"08:00"', '"22:00"').replace('"16:30"', '"06:00"')
    assert parse_roster_file(write(tmp_path, "team.toml", text)).people[1].work_end == "06:00"


# The OKR file with a byte-order mark: tests/integrations/test_okr_file.py (its records now
# carry the path they were read from).
@pytest.mark.parametrize(("name", "text"), [("team.toml", ROSTER)])
def test_files_saved_with_a_byte_order_mark_are_read(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert parse_roster_file(path) == parse_roster_file(write(tmp_path, "plain-" + name, text))


pattern_fields = st.sampled_from(["id", "work_start", "work_end", "country"])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pattern_fields, st.text(max_size=12))
def test_no_regular_expression_ever_reaches_the_user(
    tmp_path: Path, field: str, value: str
) -> None:
    person = {"id": "priya", "name": "Priya", "timezone": "Asia/Kolkata", field: value}
    text = "[[people]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in person.items())
    path = write(tmp_path, "team.toml", text)
    try:
        parse_roster_file(path)
    except SourceError as exc:
        message = str(exc).removeprefix(str(path))
        assert "regex" not in message and "[A-Z" not in message and "\\d" not in message
