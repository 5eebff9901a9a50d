"""A check-in appended to the OKR file: only new lines, every other byte kept (comments,
layout, CRLF, a byte-order mark), and the parser reads the check-in back."""

from __future__ import annotations

import difflib
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.models import CheckIn
from cockpit.okr_checkin import CheckInError, append_checkin
from cockpit.text_safety import clean_line, is_clean_line
from integrations.okr_file import parse_okr_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "okrs"
FULL = (FIXTURES / "okrs.toml").read_text(encoding="utf-8")
DAY = date(2026, 11, 23)
EVERY_ID = ["KR1.1", "KR1.2", "KR1.3", "KR2.1", "KR2.2", "KR2.3", "K1", "K2"]


def write(tmp_path: Path, text: str = FULL) -> Path:
    path = tmp_path / "okrs.toml"
    path.write_bytes(text.encode("utf-8"))
    return path


def only_added(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` changed or went."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), (op, old[i1:i2], new[j1:j2])
        if op == "insert":
            added += new[j1:j2]
    return added


def kr(path: Path, kr_id: str):  # type: ignore[no-untyped-def]
    data = parse_okr_file(path)
    every = [k for o in data.objectives for k in o.key_results] + list(data.kpis)
    return next(k for k in every if k.id == kr_id)


@pytest.mark.parametrize("kr_id", EVERY_ID)
def test_a_check_in_adds_lines_and_reads_back(tmp_path: Path, kr_id: str) -> None:
    path = write(tmp_path)
    before = kr(path, kr_id)
    append_checkin(path, kr_id, 0.9, confidence=7, note="on track", day=DAY)
    after_text = path.read_text(encoding="utf-8")
    added = only_added(FULL, after_text)
    assert any("2026-11-23" in line for line in added)
    assert kr(path, kr_id).checkins == (*before.checkins, CheckIn(DAY, 0.9, 7, "on track"))


def test_every_key_result_checked_in_in_turn_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = write(tmp_path)
    for value, kr_id in enumerate(EVERY_ID):
        append_checkin(path, kr_id, value, day=DAY)
    text = path.read_text(encoding="utf-8")
    only_added(FULL, text)
    for value, kr_id in enumerate(EVERY_ID):
        assert kr(path, kr_id).checkins[-1] == CheckIn(DAY, float(value))


def test_a_table_goes_after_the_key_results_last_line_indented_like_its_check_ins(
    tmp_path: Path,
) -> None:
    path = write(tmp_path)
    append_checkin(path, "KR1.3", 10, confidence=8, note="two teams onboarded", day=DAY)
    text = path.read_text(encoding="utf-8")
    expected = (
        '    note = "rolled out to all analysts"\n'
        "\n"
        "    [[objectives.key_results.checkins]]\n"
        "    date = 2026-11-23\n"
        "    value = 10\n"
        "    confidence = 8\n"
        '    note = "two teams onboarded"\n'
        "\n"
        "[[objectives]]\n"
        'id = "O2"\n'
    )
    assert expected in text


def test_a_first_check_in_goes_before_the_comment_that_introduces_what_follows(
    tmp_path: Path,
) -> None:
    path = write(tmp_path)
    append_checkin(path, "KR2.3", 40, day=DAY)
    text = path.read_text(encoding="utf-8")
    expected = (
        '  unit = "%"\n'
        "\n"
        "    [[objectives.key_results.checkins]]\n"
        "    date = 2026-11-23\n"
        "    value = 40\n"
        "\n"
        "# KPIs: no end date"
    )
    assert expected in text
    # After its binding table, never inside it.
    append_checkin(path, "KR1.1", 0.88, day=DAY)
    text = path.read_text(encoding="utf-8")
    assert '    metric = "val_f1"\n\n    [[objectives.key_results.checkins]]\n' in text


def test_an_inline_array_of_check_ins_gets_one_more_element(tmp_path: Path) -> None:
    path = write(tmp_path)
    append_checkin(path, "KR2.2", 6, confidence=6, day=DAY)
    text = path.read_text(encoding="utf-8")
    assert only_added(FULL, text) == ["    { date = 2026-11-23, value = 6, confidence = 6 },\n"]


def test_an_unindented_kpi_gets_an_unindented_table(tmp_path: Path) -> None:
    path = write(tmp_path)
    append_checkin(path, "K1", 52.5, day=DAY)
    text = path.read_text(encoding="utf-8")
    added = only_added(FULL, text)
    assert sorted(added) == ["\n", "[[kpis.checkins]]\n", "date = 2026-11-23\n", "value = 52.5\n"]
    assert "# any number `status --json` gives\n\n[[kpis.checkins]]\ndate" in text


def test_crlf_line_ends_and_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + FULL.replace("\n", "\r\n").encode("utf-8")
    path = tmp_path / "okrs.toml"
    path.write_bytes(raw)
    append_checkin(path, "KR1.3", 9.5, note="windows", day=DAY)
    append_checkin(path, "K2", 1, day=DAY)
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b"\n" not in after.replace(b"\r\n", b"")
    only_added(raw.decode("utf-8"), after.decode("utf-8"))
    assert kr(path, "KR1.3").checkins[-1] == CheckIn(DAY, 9.5, None, "windows")


def test_a_file_without_a_final_line_break(tmp_path: Path) -> None:
    text = FULL.rstrip("\n")
    path = write(tmp_path, text)
    append_checkin(path, "K2", 4, day=DAY)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(text) and after.endswith("  value = 4\n")
    assert kr(path, "K2").checkins[-1] == CheckIn(DAY, 4.0)


def test_a_key_result_written_inline_gets_an_inline_array(tmp_path: Path) -> None:
    text = (
        'period = "2026-Q4"\n[[objectives]]\nid = "O"\ntitle = "T"\n'
        "key_results = [\n"
        '  { id = "a", title = "t", target = 3 },  # the first\n'
        '  { id = "b", title = "u", target = 4 },\n'
        "]\n"
    )
    path = write(tmp_path, text)
    append_checkin(path, "b", 2, day=DAY)
    after = path.read_text(encoding="utf-8").splitlines()
    before = text.splitlines()
    # Only the key result's own line changes.
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [6]
    assert kr(path, "b").checkins == (CheckIn(DAY, 2.0),)


def test_the_note_is_one_clean_line_and_markup_stays_literal(tmp_path: Path) -> None:
    path = write(tmp_path)
    note = 'said "done"\n[bold red]really[/]\x1b[2J \\ \u202eok'
    append_checkin(path, "KR1.3", 10, note=note, day=DAY)
    saved = kr(path, "KR1.3").checkins[-1].note
    assert saved == 'said "done" [bold red]really[/] \\ ok' and is_clean_line(saved)
    assert "\x1b" not in path.read_text(encoding="utf-8")


def test_the_files_permissions_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path)
    os.chmod(path, 0o640)
    append_checkin(path, "K2", 2, day=DAY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["okrs.toml"]  # no temporary file left


# --- refused, and nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kr_id", "value", "confidence", "words"),
    [
        (
            "KR9",
            1.0,
            None,
            "no key result or KPI 'KR9'; the ids are: KR1.1, KR1.2, KR1.3, KR2.1, KR2.2, KR2.3,"
            " K1, K2",
        ),
        ("KR1.3", 1.0, 11, "confidence 11 is out of range; give 0 to 10"),
        ("KR1.3", 1.0, -1, "confidence -1 is out of range"),
        ("KR1.3", float("nan"), None, "nan is not a usable value"),
        ("KR1.3", float("inf"), 5, "inf is not a usable value"),
    ],
)
def test_a_check_in_that_cannot_be_written_writes_nothing(
    tmp_path: Path, kr_id: str, value: float, confidence: int | None, words: str
) -> None:
    path = write(tmp_path)
    with pytest.raises(CheckInError) as caught:
        append_checkin(path, kr_id, value, confidence=confidence, day=DAY)
    assert words in str(caught.value) and caught.value.usage
    assert path.read_text(encoding="utf-8") == FULL


def test_a_broken_file_is_named_and_left_alone(tmp_path: Path) -> None:
    text = FULL.replace("target = 0.91", 'target = "0.91"')
    path = write(tmp_path, text)
    with pytest.raises(CheckInError) as caught:
        append_checkin(path, "KR1.3", 1, day=DAY)
    message = str(caught.value)
    assert message.startswith(f"{path}:16: `objectives.0.key_results.0.target`: ")
    assert message.endswith("fix the file first, then check in again")
    assert path.read_text(encoding="utf-8") == text


def test_a_missing_file_is_said(tmp_path: Path) -> None:
    with pytest.raises(CheckInError, match="file not found"):
        append_checkin(tmp_path / "okrs.toml", "KR1", 1, day=DAY)


def test_a_file_that_cannot_be_replaced_is_not_the_leads_mistake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    path = write(tmp_path)
    monkeypatch.setattr("cockpit.okr_checkin.os.replace", refuse)
    with pytest.raises(CheckInError) as caught:
        append_checkin(path, "K2", 1, day=DAY)
    assert not caught.value.usage and "cannot write the file" in str(caught.value)
    assert path.read_text(encoding="utf-8") == FULL
    assert [p.name for p in tmp_path.iterdir()] == ["okrs.toml"]  # the temporary file is gone


# --- property: any run of check-ins only adds lines -------------------------------------------

checkin_runs = st.lists(
    st.tuples(
        st.sampled_from(EVERY_ID),
        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
        st.none() | st.integers(0, 10),
        st.text(max_size=30),
        st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(checkin_runs, st.booleans())
def test_any_run_of_check_ins_only_adds_lines_and_reads_back(
    tmp_path: Path, run: list[tuple[str, float, int | None, str, date]], crlf: bool
) -> None:
    original = FULL.replace("\n", "\r\n") if crlf else FULL
    path = tmp_path / "okrs.toml"
    path.write_bytes(original.encode("utf-8"))
    expected = {kr_id: list(kr(path, kr_id).checkins) for kr_id in EVERY_ID}
    for kr_id, value, confidence, note, day in run:
        append_checkin(path, kr_id, value, confidence=confidence, note=note, day=day)
        expected[kr_id].append(CheckIn(day, value, confidence, clean_line(note)))
    only_added(original, path.read_bytes().decode("utf-8"))
    for kr_id, checkins in expected.items():
        # Oldest first; check-ins of one day in the order they were added.
        assert list(kr(path, kr_id).checkins) == sorted(checkins, key=lambda c: c.day)
