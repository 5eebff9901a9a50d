"""Fuzzing the files the team edits by hand: the OKR file, the roster and its meetings file.
The recorded samples in tests/fixtures/ are mutated by structure (keys dropped, values of the
wrong type, huge, NaN, empty, nested deep, control characters) and fed as raw bytes; each gives
records or a SourceConfigError that names the file and says where (`file:LINE:` or a key in
backticks). The text-level mutations live in tests/integrations/test_*_properties.py."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cockpit.models import Meeting, OkrData, TeamData
from integrations.base import SourceConfigError
from integrations.okr_file import parse_okr_file
from integrations.roster_file import parse_meetings_file, parse_roster_file
from tests.fuzz.mutations import mutated, to_toml

FIXTURES = Path(__file__).parents[1] / "fixtures"
OKRS = tomllib.loads((FIXTURES / "okrs" / "okrs.toml").read_text(encoding="utf-8"))
ROSTER = tomllib.loads((FIXTURES / "roster" / "team.toml").read_text(encoding="utf-8"))
MEETINGS = tomllib.loads((FIXTURES / "roster" / "meetings.toml").read_text(encoding="utf-8"))
TODAY = date(2026, 11, 23)
DEEP = b"x = " + b"[" * 1000 + b"]" * 1000 + b"\n"

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ANY_BYTES = st.binary(max_size=200) | st.text(max_size=200).map(
    lambda t: t.encode("utf-8", "surrogatepass")
)


def assert_names_the_file_and_where(error: SourceConfigError, path: Path) -> None:
    message = str(error)
    assert message.startswith(str(path)), message
    assert re.match(rf"{re.escape(str(path))}:\d+: ", message) or "`" in message, message
    assert "\n" not in message and "\x1b" not in message, message


def okrs_of(path: Path) -> OkrData | SourceConfigError:
    try:
        return parse_okr_file(path)
    except SourceConfigError as exc:
        return exc


def roster_of(path: Path) -> TeamData | SourceConfigError:
    try:
        return parse_roster_file(path, today=TODAY)
    except SourceConfigError as exc:
        return exc


def meetings_of(path: Path) -> tuple[Meeting, ...] | SourceConfigError:
    people = {person["id"] for person in ROSTER["people"]}
    try:
        return parse_meetings_file(path, people)
    except SourceConfigError as exc:
        return exc


def check(outcome: object, path: Path, records: type | tuple[type, ...]) -> None:
    if isinstance(outcome, SourceConfigError):
        assert_names_the_file_and_where(outcome, path)
    else:
        assert isinstance(outcome, records)


def test_the_samples_are_valid(tmp_path: Path) -> None:
    for name, document, parse, records in (
        ("okrs.toml", OKRS, okrs_of, OkrData),
        ("team.toml", ROSTER, roster_of, TeamData),
        ("meetings.toml", MEETINGS, meetings_of, tuple),
    ):
        path = tmp_path / name
        path.write_text(to_toml(document), encoding="utf-8")
        assert isinstance(parse(path), records), name


@FUZZ
@given(mutated(OKRS, toml=True))
def test_a_mutated_okr_file_gives_records_or_an_error_naming_the_key(
    tmp_path: Path, document: dict
) -> None:
    path = tmp_path / "okrs.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    check(okrs_of(path), path, OkrData)


@FUZZ
@given(mutated(ROSTER, toml=True))
def test_a_mutated_roster_gives_records_or_an_error_naming_the_key(
    tmp_path: Path, document: dict
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    check(roster_of(path), path, TeamData)


@FUZZ
@given(mutated(MEETINGS, toml=True))
def test_a_mutated_meetings_file_gives_records_or_an_error_naming_the_key(
    tmp_path: Path, document: dict
) -> None:
    path = tmp_path / "meetings.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    check(meetings_of(path), path, tuple)


@FUZZ
@given(st.sampled_from(["okrs.toml", "team.toml", "meetings.toml"]), ANY_BYTES)
@example("okrs.toml", DEEP)
@example("team.toml", DEEP)
@example("meetings.toml", DEEP)
@example("team.toml", b'[[people]]\nid = "p"\nname = "\xff"\n')
@example("okrs.toml", b"\xef\xbb\xbf" + DEEP)
@example("okrs.toml", b"0")
def test_any_bytes_give_records_or_an_error_naming_the_file_and_line(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    parse = {"okrs.toml": okrs_of, "team.toml": roster_of, "meetings.toml": meetings_of}[name]
    check(parse(path), path, (OkrData, TeamData, tuple))
