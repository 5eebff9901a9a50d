"""Bytes that attack: text from a source never reaches a terminal or a file as control bytes.

Whoever can write an issue title, a roster name or a run name must not be able to retitle the
lead's terminal, clear the screen, hide text behind a bidi override or break the SVG
screenshot. Text is cleaned where records are parsed (`integrations/`), and again on the way
out, because a cache written by an older cockpit may hold records from before that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cockpit.app
import cockpit.models as models
from cockpit.analytics.experiments import digest_experiments
from cockpit.cli import main
from cockpit.clock import FrozenClock
from cockpit.models import Snapshot
from cockpit.store import Store, SyncAttempt
from cockpit.text_safety import clean_line, clean_record, clean_text, is_clean_line
from cockpit.workspace import Workspace, open_user_workspace
from integrations.demo import build_demo_snapshot
from integrations.jira_parse import (
    FieldIds,
    JiraPayloadError,
    discover_fields,
    parse_board_columns,
    parse_issue,
    parse_person,
    parse_sprint,
)
from integrations.local_files import parse_okr_file, parse_roster_file

# What must never reach an output: C0 controls but newline and tab, DEL, C1 controls, and the
# bidi embeddings, overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In a one-line field, line and paragraph breaks are out too.
FORBIDDEN_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def assert_harmless(text: str, where: str) -> None:
    found = FORBIDDEN.search(text)
    if found:
        at = found.start()
        raise AssertionError(
            f"{where}: {found.group()!r} at {at}, in {text[max(at - 60, 0) : at + 60]!r}"
        )


# --- what attackers write ---------------------------------------------------------------

SEQUENCES = (
    "\x1b]0;pwned\x07",  # OSC ended by BEL: retitles the terminal
    "\x1b]2;pwned\x1b\\",  # OSC ended by ST
    "\x1b]8;;https://evil.example/\x1b\\",  # OSC 8: a hidden hyperlink
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: writes the clipboard
    "\x1b[2J",  # CSI: clears the screen
    "\x1b[H\x1b[31;1m",  # CSI: cursor home, red bold
    "\x1b[?1049l",  # CSI: leaves the alternate screen
    "\x1b[6n",  # CSI: the terminal answers on stdin
    "\x1bP+q544e\x1b\\",  # DCS (XTGETTCAP)
    "\x1bc",  # RIS: resets the terminal
    "\x9b2J",  # 8-bit CSI
    "\x9d0;pwned\x9c",  # 8-bit OSC and ST
    "\x90q#0;2;0;0;0\x9c",  # 8-bit DCS (sixel)
    "\x1b",  # a lone ESC
    "\x1b]0;unterminated",  # an OSC that never ends
    "\x1b[12",  # a CSI cut short
)
BIDI = tuple("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MARKUP = (
    "[bold]",
    "[bold red]x[/]",
    "[/]",
    "[link=https://evil.example]click[/link]",
    "[@click=app.quit]quit[/]",
    "\\[escaped]",
    "[",
    "]",
)
CONTROL_CHARS = tuple(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)))
ORDINARY = ("Ana Sílva", "模型评估", "🚀 ok", "naïve café", "<b>&amp;</b>", "a|b", "# h")

fragments = st.one_of(
    st.sampled_from(SEQUENCES),
    st.sampled_from(CONTROL_CHARS),
    st.sampled_from(BIDI),
    st.sampled_from(MARKUP),
    st.sampled_from(ORDINARY),
    st.text(max_size=6),  # anything else Unicode has, surrogates aside
)
hostile = st.lists(fragments, min_size=1, max_size=6).map("".join)


# --- the helper -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("Ana\x1b]0;pwned\x07 Silva", "Ana Silva"),
        ("Ana\x1b]0;pwned\x1b\\ Silva", "Ana Silva"),
        ("Ana\x9d0;pwned\x9c Silva", "Ana Silva"),
        ("KR \x1b[2Jtitle", "KR title"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x9b31mred", "red"),
        ("a\x1bP+q544e\x1b\\b", "ab"),
        ("a\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("reset\x1bc", "reset"),
        ("\x1b]0;never ends", "0;never ends"),  # the introducer goes; the rest is plain text
        ("cut\x1b[12", "cut12"),
        ("lone\x1b", "lone"),
        ("bell\x07 nul\x00 del\x7f c1\x85\x8d", "bell nul del c1 "),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("\u2066isolated\u2069", "isolated"),
        ("two\nlines\r\nand\ttab", "two lines and tab"),
        ("spaced \n \n out", "spaced out"),
    ],
)
def test_clean_line_strips_whole_sequences(raw: str, line: str) -> None:
    assert clean_line(raw) == line


def test_clean_text_keeps_lines_and_tabs() -> None:
    assert clean_text("a\tb\nc\r\nd\re\x1b[2J\x85f") == "a\tb\nc\nd\ne\nf"


@pytest.mark.parametrize(
    "text",
    [
        "Ana Sílva",
        "模型评估 · 中文",
        "🚀🔥 emoji 👩🏽‍💻",
        "naïve café Ünïcödé",
        "עברית العربية",  # right-to-left scripts stay: only the override characters go
        "[bold red]x[/] [link=https://example.com]y[/link]",
        "<script>alert(1)</script>",
        "",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert clean_line(text) is text
    assert clean_text(text) is text


def _printable(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in BIDI for c in text)


@settings(max_examples=300)
@given(st.one_of(hostile, st.text()))
def test_clean_line_leaves_no_control(text: str) -> None:
    line = clean_line(text)
    assert not FORBIDDEN_IN_LINE.search(line)
    assert is_clean_line(line)
    assert clean_line(line) == line  # idempotent


@settings(max_examples=300)
@given(st.one_of(hostile, st.text()))
def test_clean_text_leaves_only_newlines_and_tabs(text: str) -> None:
    cleaned = clean_text(text)
    assert not FORBIDDEN.search(cleaned)
    assert "\u2028" not in cleaned and "\u2029" not in cleaned
    assert clean_text(cleaned) == cleaned  # idempotent


@given(st.text().filter(_printable))
def test_printable_text_is_unchanged(text: str) -> None:
    assert clean_line(text) == text
    assert clean_text(text) == text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_newlines_and_tabs_survive_in_documents(text: str) -> None:
    document = f"a\tb\n{text}"
    assert clean_text(document).startswith("a\tb\n")


def test_clean_record_cleans_every_string_and_keeps_clean_ones() -> None:
    issue = models.Issue(
        key="MLP-1\x1b[2J",
        summary="ok",
        status="Done\x07",
        category=models.StatusCategory.DONE,
        labels=("a\u202eb", "c"),
        status_changes=(models.StatusChange(datetime(2026, 1, 1, tzinfo=UTC), "x\x00", "y"),),
    )
    data = {"k\x1b]0;t\x07": [issue, ("z\x9b1m",)]}
    cleaned = clean_record(data)
    [(key, (clean_issue, (z,)))] = cleaned.items()
    assert key == "k" and z == "z"
    assert (clean_issue.key, clean_issue.status, clean_issue.labels) == (
        "MLP-1",
        "Done",
        ("ab", "c"),
    )
    assert clean_issue.status_changes[0].from_status == "x"
    assert clean_issue.category is models.StatusCategory.DONE
    assert clean_issue.summary is issue.summary
    # Clean data comes back as the very same objects: cleaning on every repaint costs little.
    ok = models.Issue(key="A-1", summary="fine", status="Done", category=models.StatusCategory.DONE)
    assert clean_record(ok) is ok


def test_clean_record_skips_numbers_and_times_but_not_the_text_beside_them() -> None:
    # Numbers and times are passed over without a look; strings next to them, in a tuple, a
    # dict or a struct's field, are still cleaned, and a str subclass keeps its type.
    when = datetime(2026, 1, 1, tzinfo=UTC)
    change = models.StatusChange(when, "x\x1b[2J", models.StatusCategory.DONE)
    data = {"n": (1, 2.5, None, True, when, when.date(), "a\u202eb"), "c": [change], 3: "k\x07"}
    cleaned = clean_record(data)
    assert cleaned["n"] == (1, 2.5, None, True, when, when.date(), "ab")
    assert cleaned["c"][0].from_status == "x" and cleaned[3] == "k"
    assert cleaned["c"][0].to_status is models.StatusCategory.DONE
    assert cleaned["c"][0].at is when


# --- parsers: the first gate ---------------------------------------------------------------

NASTY = "\x1b]0;pwned\x07[bold]\x1b[2J\u202e\x9b1m\r\n\x00"


def _walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, msgspec.Struct):
        return [s for f in value.__struct_fields__ for s in _walk_strings(getattr(value, f))]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _walk_strings(item)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_walk_strings(k), *_walk_strings(v))]
    return []


def assert_record_clean(record: object) -> None:
    strings = _walk_strings(record)
    assert strings
    for text in strings:
        assert not FORBIDDEN_IN_LINE.search(text), repr(text)


def test_a_hostile_jira_issue_comes_out_clean() -> None:
    fields = FieldIds(sprint="customfield_10020", points="customfield_10016")
    raw = {
        "id": "10400",
        "key": "MLP-400",
        "fields": {
            "summary": f"Title{NASTY}end",
            "status": {"name": f"In Review{NASTY}", "statusCategory": {"key": "indeterminate"}},
            "assignee": {"accountId": "5b10a2", "displayName": f"Priya{NASTY}"},
            "issuetype": {"name": f"Story{NASTY}"},
            "priority": {"name": f"High{NASTY}"},
            "labels": [f"eval{NASTY}", "ok"],
            "parent": {"key": f"MLP-3{NASTY}"},
            "customfield_10016": 5,
            "customfield_10020": [{"id": 38, "name": f"Sprint{NASTY}", "state": "active"}],
        },
        "changelog": {
            "histories": [
                {
                    "created": "2026-11-20T09:00:00.000+0000",
                    "items": [
                        {"field": "status", "fromString": f"To Do{NASTY}", "toString": "Done"}
                    ],
                }
            ]
        },
    }
    issue = parse_issue(raw, fields, {38})
    assert_record_clean(issue)
    assert issue.summary == "Title[bold] end"  # markup stays literal text
    assert issue.status == "In Review[bold] " and issue.status_changes[0].from_status.startswith(
        "To Do[bold]"
    )
    # The key is in error messages too: a hostile one is cleaned before it is quoted.
    raw["key"] = f"MLP-9{NASTY}"
    raw["fields"]["status"] = {}  # type: ignore[index]
    with pytest.raises(JiraPayloadError) as error:
        parse_issue(raw, fields, {38})
    assert not FORBIDDEN.search(str(error.value))


def test_hostile_jira_sprints_columns_people_and_notes_come_out_clean() -> None:
    sprint = parse_sprint({"id": 7, "name": f"S{NASTY}", "goal": f"Ship{NASTY}", "state": "active"})
    assert_record_clean(sprint)
    assert sprint.goal == "Ship[bold] "
    columns = parse_board_columns(
        {"columnConfig": {"columns": [{"name": f"Doing{NASTY}", "statuses": [{"id": "3"}]}]}},
        {"3": f"In Progress{NASTY}"},
    )
    assert_record_clean(columns)
    person = parse_person({"accountId": "a1", "displayName": f"Ana{NASTY}", "timeZone": "UTC"})
    assert_record_clean(person)
    fields = [
        {"id": f"customfield_1{NASTY}", "name": "Story Points", "schema": {"custom": "x"}},
        {"id": "customfield_2", "name": "Story Points", "schema": {"custom": "x"}},
    ]
    _, note = discover_fields(fields, board_points=None)
    assert "several story-point fields" in note and is_clean_line(note)


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string with \u escapes is a valid TOML basic string


def test_hostile_okr_and_roster_files_come_out_clean(tmp_path: Path) -> None:
    kr_title = _toml_string("\x1b[2JAUC" + NASTY)
    okrs = tmp_path / "okrs.toml"
    okrs.write_text(
        f"""
period = {_toml_string("2026-Q4" + NASTY)}
start = 2026-10-01
end = 2026-12-31
[[objectives]]
id = "o1"
title = {_toml_string("Ship it" + NASTY)}
owner = {_toml_string("Ana" + NASTY)}
[[objectives.key_results]]
id = "kr1"
title = {kr_title}
target = 0.955
current = 0.9
unit = {_toml_string("%" + NASTY)}
""",
        encoding="utf-8",
    )
    data = parse_okr_file(okrs)
    assert_record_clean(data)
    assert data.objectives[0].key_results[0].title == "AUC[bold] "
    name = _toml_string("Ana\x1b]0;pwned\x07 Silva")
    role = _toml_string("ML\u202eeng" + NASTY)
    location = _toml_string("Lisbon\x9b2J")
    roster = tmp_path / "team.toml"
    roster.write_text(
        f"""
[[people]]
id = "ana"
name = {name}
timezone = "Europe/Lisbon"
role = {role}
location = {location}
""",
        encoding="utf-8",
    )
    team = parse_roster_file(roster)
    assert_record_clean(team)
    assert team.people[0].name == "Ana Silva"


def test_a_jira_sync_stores_clean_text(tmp_path: Path) -> None:
    """The whole Jira path, on a real socket: board, sprints, issues and people."""

    from tests.conftest import FROZEN_NOW
    from tests.fakes.jira_data import make_board

    board = make_board(now=FROZEN_NOW, issues=20, closed_sprints=2)
    board.boards[0]["name"] = f"MLP board{NASTY}"
    for sprint in board.sprints:
        sprint.name, sprint.goal = f"{sprint.name}{NASTY}", f"goal{NASTY}"
    for record in board.issues.values():
        record.summary = f"{record.summary}{NASTY}"
        record.labels = [f"{label}{NASTY}" for label in record.labels]
    board.users = [dataclasses.replace(u, display_name=u.display_name + NASTY) for u in board.users]
    store = Store(tmp_path / "cache.sqlite")
    outcome = sync_fake_board(board, store)
    assert outcome.status == "ok", outcome.error
    stored = store.latest("jira")
    assert stored is not None and stored.snapshot.sprint is not None
    sprint_data = stored.snapshot.sprint
    assert sprint_data.board.name == "MLP board[bold] "
    for text in _walk_strings(stored.snapshot):
        if text not in (getattr(sprint_data, "jql", ""), *getattr(sprint_data, "fields", ())):
            assert not FORBIDDEN_IN_LINE.search(text), repr(text)
    assert stored.snapshot.team is not None
    assert all(p.name.endswith("[bold] ") for p in stored.snapshot.team.people)


# --- every surface: the second gate --------------------------------------------------------

# Fields whose value the analytics read as data (a time zone, a clock time, a state): a source
# cannot put anything else there without being refused, so they are left alone.
STRUCTURAL = {
    ("Sprint", "state"),
    ("Run", "status"),
    ("Person", "timezone"),
    ("Travel", "timezone"),
    ("Person", "work_start"),
    ("Person", "work_end"),
    ("Budget", "period"),
}
MARKER = "[bold]"  # Rich markup that must come out as literal text


def poison(value: Any, taint: Callable[[str], str], owner: str = "", field: str = "") -> Any:
    """Every text of every record (dict keys too) through `taint`, consistently: the same
    text gets the same taint, so ids still match the records that refer to them."""
    if isinstance(value, str):
        if type(value) is not str or (owner, field) in STRUCTURAL:
            return value  # enums are structure too
        return taint(value)
    fields = getattr(type(value), "__struct_fields__", None)
    if fields is not None:
        name = type(value).__name__
        return type(value)(**{f: poison(getattr(value, f), taint, name, f) for f in fields})
    if isinstance(value, tuple | list):
        return type(value)(poison(item, taint, owner, field) for item in value)
    if isinstance(value, dict):
        return {
            poison(k, taint, owner, field): poison(v, taint, owner, field) for k, v in value.items()
        }
    return value


def record_kinds(value: Any, seen: set[str]) -> set[str]:
    if isinstance(value, msgspec.Struct):
        seen.add(type(value).__name__)
        for f in value.__struct_fields__:
            record_kinds(getattr(value, f), seen)
    elif isinstance(value, tuple | list):
        for item in value:
            record_kinds(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            record_kinds(item, seen)
    return seen


@cache
def demo_at(moment: datetime) -> Snapshot:
    """The demo as the app keeps it: its experiments digested, as a sync does before it
    writes (`cockpit.sync`) and `Workspace.hold_demo` does in memory. Poisoned afterwards,
    the digests' own texts (their candidates' names, users, params, the experiments they
    carry) are hostile too, and reach the panel, status and exports through them."""
    snapshot = build_demo_snapshot(moment)
    assert snapshot.experiments is not None
    return msgspec.structs.replace(
        snapshot, experiments=digest_experiments(snapshot.experiments, moment)
    )


def test_the_demo_has_every_record_kind() -> None:
    """The surfaces below are fed from the demo: it must hold every kind of record there is."""
    kinds = {
        name
        for name, cls in vars(models).items()
        if isinstance(cls, type)
        and issubclass(cls, msgspec.Struct)
        and cls.__module__ == models.__name__
    }
    # What a key result's binding resolved to is kept beside the snapshots, not in one; its
    # words are made from the records below (and the dashboard is cleaned whole on reading).
    kinds -= {"BoundValue"}
    assert kinds <= record_kinds(demo_at(datetime(2026, 11, 23, 9, 30, tzinfo=UTC)), set())


def hostile_workspace(folder: Path, snapshot: Snapshot, error: str, at: datetime) -> Workspace:
    """A cache as an older cockpit may have left it: records written without the parsers'
    cleaning, and a failed sync whose error quotes the source. No budgets in the config, so
    the source's own budgets are shown."""
    config = folder / "cockpit.toml"
    config.write_text(
        f'[cockpit]\nstore = "{folder / "cache.sqlite"}"\n\n[sources.demo]\nkind = "demo"\n',
        encoding="utf-8",
    )
    workspace = open_user_workspace(str(config))
    taken = at - timedelta(minutes=5)
    workspace.store.write_snapshot(snapshot, SyncAttempt("demo", taken, taken, "ok"))
    workspace.store.record_attempt(
        SyncAttempt("demo", at - timedelta(minutes=1), at - timedelta(minutes=1), "failed", error)
    )
    return workspace


def run_cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    assert code == 0, argv
    return out.getvalue()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(prefix=hostile, suffix=hostile)
def test_no_control_byte_reaches_status_or_exports(
    tmp_path_factory: pytest.TempPathFactory, prefix: str, suffix: str
) -> None:
    # The CLI reads the real clock: the demo is built for today, so its sprint is active.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    snapshot = poison(demo_at(now), lambda text: MARKER + prefix + text + suffix)
    folder = tmp_path_factory.mktemp("hostile")
    hostile_workspace(folder, snapshot, f"demo: Jira said {prefix}{suffix}", now)
    config = str(folder / "cockpit.toml")

    status = run_cli("status", "--config", config)
    assert_harmless(status, "cockpit status")
    assert MARKER in status  # markup is shown as typed, never interpreted
    status_json = run_cli("status", "--config", config, "--json")
    assert_harmless(status_json, "cockpit status --json")
    for text in _walk_strings(json.loads(status_json)):
        assert not FORBIDDEN.search(text), text
    assert MARKER in json.loads(status_json)["okrs"]["objectives"][0]["title"]
    # The experiments' lines come from the digests: their candidates' names were hostile too.
    boards = json.loads(status_json)["experiments"]["experiments"]
    assert any(MARKER in board["best"]["run"] for board in boards if board.get("best"))

    for fmt in ("md", "html", "json"):
        exported = run_cli("export", "--config", config, "--format", fmt)
        assert_harmless(exported, f"cockpit export --format {fmt}")
    written = folder / "weekly.html"
    run_cli("export", "--config", config, "--format", "html", "-o", str(written))
    assert_harmless(written.read_text(encoding="utf-8"), "cockpit export -o weekly.html")


# A fixed set for the expensive path: every kind of attack at once, ids kept distinct.
TUI_PREFIX = MARKER + "\x1b]0;pwned\x07\x1b]2;pwned\x1b\\\x1b[2J\u202e\x9b1m\x9d0;x\x9c"
TUI_SUFFIX = "\x1bP+q544e\x1b\\\x07\x00\x7f\x85\u2066\r\n\t[/]\x1b"


def _strict_clean_text(text: str) -> str:
    """Stands in for the screenshot's last cleaning: Textual's own output must be clean."""
    assert_harmless(text, "Textual's SVG output")
    return text


@pytest.mark.parametrize(
    ("panel", "size"),
    [
        (None, (160, 48)),
        (None, (80, 24)),
        ("sprint", (160, 48)),
        ("experiments", (120, 36)),
        ("okrs", (120, 36)),
        ("cost", (120, 36)),
        ("team", (120, 36)),
    ],
)
def test_no_control_byte_reaches_the_tui(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    panel: str | None,
    size: tuple[int, int],
) -> None:
    from tests.conftest import FROZEN_NOW

    snapshot = poison(demo_at(FROZEN_NOW), lambda text: TUI_PREFIX + text + TUI_SUFFIX)
    workspace = hostile_workspace(tmp_path, snapshot, f"demo: said {TUI_PREFIX}", FROZEN_NOW)
    if panel is None:
        # The Experiments panel is drawn from the digests: hostile runs are on it.
        summary = workspace.dashboard(FROZEN_NOW).experiments
        assert summary is not None
        assert any(board.top and MARKER in board.top[0].name for board in summary.boards)
    monkeypatch.setattr(cockpit.app, "clean_text", _strict_clean_text)
    svg = cockpit.app.render_screenshot(workspace, FrozenClock(FROZEN_NOW), size=size, panel=panel)
    assert_harmless(svg, f"screenshot of {panel or 'the dashboard'}")
    ET.fromstring(svg)  # valid XML
    assert MARKER in svg  # shown literally


def test_the_screenshot_command_writes_valid_xml(tmp_path: Path) -> None:
    from tests.conftest import FROZEN_NOW

    snapshot = poison(demo_at(FROZEN_NOW), lambda text: TUI_PREFIX + text + TUI_SUFFIX)
    hostile_workspace(tmp_path, snapshot, "failed", FROZEN_NOW)
    out = tmp_path / "shot.svg"
    run_cli(
        "screenshot", "--config", str(tmp_path / "cockpit.toml"), "-o", str(out),
        "--at", FROZEN_NOW.isoformat(), "--size", "120x36",
    )  # fmt: skip
    svg = out.read_text(encoding="utf-8")
    assert_harmless(svg, "cockpit screenshot")
    ET.fromstring(svg)


# --- Markdown is text, never markup -------------------------------------------------------


def test_the_markdown_export_escapes_html_and_structure(tmp_path: Path) -> None:
    from cockpit.export.weekly import current_week
    from cockpit.export.weekly import render_dashboard as render
    from tests.conftest import FROZEN_NOW

    base = demo_at(FROZEN_NOW)
    assert base.okrs is not None and base.sprint is not None
    titles = [
        "<script>alert(1)</script> <img src=x onerror=alert(1)>",
        "[click](https://evil.example) and ![img](https://evil.example/x.png) a | b | c",
        "*stars* _under_ `code` ~~strike~~",
    ]
    objectives = tuple(
        msgspec.structs.replace(objective, title=f"{title} xyzzy")
        for objective, title in zip(base.okrs.objectives, titles, strict=True)
    )
    # The sprint's name starts its line: a heading there would break the document.
    sprints = tuple(
        msgspec.structs.replace(s, name=f"# {s.name}") if s.state == "active" else s
        for s in base.sprint.sprints
    )
    snapshot = msgspec.structs.replace(
        base,
        okrs=msgspec.structs.replace(base.okrs, objectives=objectives),
        sprint=msgspec.structs.replace(base.sprint, sprints=sprints),
    )
    workspace = hostile_workspace(tmp_path, snapshot, "", FROZEN_NOW)
    markdown = render(workspace.dashboard(FROZEN_NOW), current_week(FROZEN_NOW), "md")
    okr_lines = [line for line in markdown.splitlines() if line.endswith(" xyzzy")]
    assert len(okr_lines) == len(objectives)
    for line in okr_lines:
        assert line.startswith("- ")  # still one list item each
        assert "<" not in line and not re.search(r"(?<!\\)\]\(", line)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "\\[click\\](https://evil.example) and !\\[img\\]" in markdown
    assert "a \\| b \\| c" in markdown
    assert "\\*stars\\* \\_under\\_ \\`code\\` \\~\\~strike\\~\\~" in markdown
    assert re.search(r"^- \\# MLP Sprint", markdown, re.MULTILINE)
    assert not re.search(r"^\s*(- )?#+ MLP Sprint", markdown, re.MULTILINE)


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("# heading", "\\# heading"),
        ("> quote", "&gt; quote"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("1. ordered", "1\\. ordered"),
        ("12) ordered", "12\\) ordered"),
        ("=== setext", "\\=== setext"),
        ("[x](https://e.example)", "\\[x\\](https://e.example)"),
        ("a & b <i>", "a &amp; b &lt;i&gt;"),
        ("run_1 * 2", "run\\_1 \\* 2"),
        ("two\nlines", "two lines"),
        ("Ana Sílva 🚀 0.955 AUC (80%)", "Ana Sílva 🚀 0.955 AUC (80%)"),
    ],
)
def test_markdown_text_is_one_line_of_literal_text(text: str, markdown: str) -> None:
    from cockpit.export.weekly import markdown_text

    assert markdown_text(text) == markdown


def sync_fake_board(board: Any, store: Store) -> Any:
    """One sync of `board` through the real Jira source, against the fake Jira on a socket,
    at the frozen moment: the path a user's text takes into the store."""
    import asyncio

    from cockpit.models import Secret
    from cockpit.sync import SyncJob, sync_one
    from integrations.jira import JiraSource
    from integrations.retry import RetryPolicy, Timeouts
    from tests.conftest import FROZEN_NOW
    from tests.fakes.jira_server import FakeJira

    with FakeJira(board) as fake:
        source = JiraSource(
            "jira",
            url=fake.url,
            board_id=42,
            email=fake.email,
            retry=RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.02, wait_jitter=0.0),
            timeouts=Timeouts(2.0, 5.0, 30.0),
        )
        job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=30.0)
        return asyncio.run(
            sync_one(job, store, FrozenClock(FROZEN_NOW), secret=lambda _n: Secret(fake.token))
        )
