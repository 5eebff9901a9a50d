"""The weekly summary's change rules, each on hand-built dashboards (the demo's, edited), and
the highlights' bounds as a property."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.analytics.freshness import Freshness as SourceFreshness
from cockpit.analytics.sprint import IssueRow
from cockpit.clock import FrozenClock
from cockpit.dashboard import Dashboard
from cockpit.export.changes_experiments import experiment_changes
from cockpit.export.changes_okrs import okr_changes
from cockpit.export.changes_sprint import sprint_changes
from cockpit.export.highlights import MAX_SENTENCES, highlights, sentence
from cockpit.export.report_model import Change, Section
from cockpit.export.weekly import render, weekly_text
from cockpit.export.weekly_report import build_report
from cockpit.export.weeks import Week
from cockpit.masking import MASK_MARKER
from cockpit.models import StatusCategory
from cockpit.workspace import open_demo_in_memory

replace = msgspec.structs.replace
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WEEK = Week(2026, 48)  # Mon 23 – Sun 29 Nov
MONEY = re.compile(r"[$€£¥]\s?\d")


@pytest.fixture(scope="module")
def demo() -> Dashboard:
    return open_demo_in_memory(FrozenClock(NOW)).dashboard(WEEK.end, as_of_past=False)


def _row(key: str, category: StatusCategory, **fields: object) -> IssueRow:
    return IssueRow(
        key=key,
        summary=f"Issue {key}",
        status={"todo": "To Do", "in_progress": "In Progress", "done": "Done"}[category.value],
        category=category,
        column="",
        issue_type="Story",
        assignee="",
        assignee_name="",
        points=2.0,
        priority="Medium",
        labels=(),
        flagged=False,
        url="",
        updated=None,
        has_changelog=True,
        **fields,  # type: ignore[arg-type]
    )


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_completed_carried_and_added_from_the_changelog(demo: Dashboard) -> None:
    assert demo.sprint is not None
    rows = (
        _row("A-1", StatusCategory.DONE, done_at=_at(24)),  # completed this week
        _row("A-2", StatusCategory.DONE, done_at=_at(20)),  # completed the week before
        _row("A-3", StatusCategory.IN_PROGRESS),  # in the sprint from its start
        _row("A-4", StatusCategory.TODO, joined_at=_at(25)),  # added this week
        _row("A-5", StatusCategory.DONE, joined_at=_at(24), done_at=_at(26)),  # both
    )
    sprint = replace(demo.sprint, issues=rows, start=_at(16).date())
    texts = [c.text for c in sprint_changes(sprint, None, WEEK)]
    assert "Completed this week: 2 issues (4 pts)" in texts
    assert "Added to the sprint this week: 2 issues (4 pts)" in texts
    assert "Carried over, not done yet: 1 issue (2 pts)" in texts


def test_without_a_changelog_the_two_dashboards_are_compared(demo: Dashboard) -> None:
    assert demo.sprint is not None
    plain = {"has_changelog": False}
    then = replace(
        demo.sprint,
        issues=(
            replace(_row("B-1", StatusCategory.TODO), **plain),
            replace(_row("B-2", StatusCategory.IN_PROGRESS), **plain),
        ),
    )
    now = replace(
        demo.sprint,
        issues=(
            replace(_row("B-1", StatusCategory.DONE), **plain),
            replace(_row("B-2", StatusCategory.IN_PROGRESS), **plain),
            replace(_row("B-3", StatusCategory.TODO), **plain),
        ),
    )
    texts = [c.text for c in sprint_changes(now, then, WEEK)]
    assert "Completed this week: 1 issue (2 pts)" in texts
    assert "Added to the sprint this week: 1 issue (2 pts)" in texts
    assert "Carried over, not done yet: 1 issue (2 pts)" in texts


def test_a_new_blocker_is_named_against_last_week(demo: Dashboard) -> None:
    assert demo.sprint is not None and len(demo.sprint.blockers) >= 2
    then = replace(demo.sprint, blockers=demo.sprint.blockers[:1])
    (change,) = [c for c in sprint_changes(demo.sprint, then, WEEK) if "blockers" in c.text]
    assert change.tone == "bad"
    assert f"(last week 1); new: {demo.sprint.blockers[1].key}" in change.text


def test_a_champion_change_is_found_by_comparing_the_dashboards(demo: Dashboard) -> None:
    e = demo.experiments
    assert e is not None
    board = next(b for b in e.boards if b.champion is not None and b.challenger is not None)
    assert board.champion is not None and board.challenger is not None
    old = replace(board, champion=board.challenger)
    before = replace(e, boards=tuple(old if b is board else b for b in e.boards))
    texts = [c.text for c in experiment_changes(e, before)]
    assert any(
        f"new champion {board.champion.name}" in t and f"replacing {board.challenger.name}" in t
        for t in texts
    )
    assert not any("new champion" in c.text for c in experiment_changes(e, e))


def test_a_new_best_is_better_than_the_best_before_the_week(demo: Dashboard) -> None:
    e = demo.experiments
    assert e is not None
    board = e.boards[0]
    hib = board.higher_is_better
    flat = replace(board, trend=(0.5,) * 20)
    # The best so far a day: the last seven days are the report week.
    improved = replace(board, trend=(0.4 if hib else 0.6,) * 13 + (0.5,) * 7)
    for kind, b in (("flat", flat), ("improved", improved)):
        texts = [c.text for c in experiment_changes(replace(e, boards=(b,)), None)]
        found = any(": new best " in t for t in texts)
        assert found is (kind == "improved"), (kind, texts)


def test_key_results_this_week_against_last_week(demo: Dashboard) -> None:
    o = demo.okrs
    assert o is not None
    objective = o.objectives[0]
    kr = next(k for k in objective.key_results if k.current is not None and k.status != "broken")
    moved = replace(kr, week_change=kr.target - kr.baseline if kr.target != kr.baseline else 1.0)
    worse = replace(moved, status="off track")
    now = replace(o, objectives=(replace(objective, key_results=(worse,)),))
    then = replace(
        o, objectives=(replace(objective, key_results=(replace(kr, status="on track"),)),)
    )
    (change,) = [c for c in okr_changes(now, then) if c.text.startswith(kr.title)]
    assert "(last week " in change.text and "now off track (last week on track)" in change.text
    assert change.tone == "bad" and change.weight >= 6
    attention = [c for c in okr_changes(now, then) if "at risk or off track" in c.text]
    assert attention[0].text == "1 key result at risk or off track (last week 0)"


def test_a_source_that_never_synced_says_so(demo: Dashboard) -> None:
    never = tuple(
        replace(s, state=SourceFreshness.NEVER, taken_at=None, age_seconds=None)
        for s in demo.sources
    )
    empty = replace(demo, sources=never, areas={}, sprint=None, cost=None)
    report = build_report(empty, None, WEEK, NOW)
    by_key = {s.key: s for s in report.sections}
    assert [s.key for s in report.sections] == ["sprint", "experiments", "okrs", "cost", "team"]
    assert by_key["sprint"].state == "never synced" and by_key["cost"].state == "never synced"
    assert "never synced" in by_key["cost"].lines[0]
    assert all(row.state == "never synced" and row.age == "never" for row in report.freshness)
    nothing = build_report(replace(empty, sources=()), None, WEEK, NOW)
    assert {s.key: s.state for s in nothing.sections}["sprint"] == "not configured"


def test_the_masked_export_holds_no_amount_and_no_full_name() -> None:
    workspace = open_demo_in_memory(FrozenClock(NOW))
    shown = workspace.dashboard(NOW)
    assert shown.team_data is not None
    names = [p.name for p in shown.team_data.people]
    for fmt in ("md", "json"):
        plain = weekly_text(workspace, WEEK, fmt, NOW)
        assert MONEY.search(plain) and any(n in plain for n in names)  # else this proves nothing
        text = weekly_text(workspace, WEEK, fmt, NOW, masked=True)
        assert not MONEY.search(text), (fmt, MONEY.search(text))
        assert not [n for n in names if n in text], fmt


def test_a_finished_week_tells_ages_against_its_end_never_as_just_now(demo: Dashboard) -> None:
    synced = max(s.taken_at for s in demo.sources if s.taken_at is not None)
    days_later = synced + timedelta(days=3)
    at_end = build_report(demo.at(synced + timedelta(seconds=20)), None, WEEK, days_later)
    ages = [s.age for s in at_end.sections] + [row.age for row in at_end.freshness]
    assert [s.age for s in at_end.sections] == ["data as of the week's end"] * 5
    assert [row.age for row in at_end.freshness] == ["at the week's end"]
    assert not [age for age in ages if "just now" in age or "ago" in age]
    assert "just now" not in render(at_end, "md")
    earlier = build_report(demo.at(synced + timedelta(hours=2, minutes=5)), None, WEEK, days_later)
    assert {s.age for s in earlier.sections} == {"data as of 2h before the week ended"}
    assert [row.age for row in earlier.freshness] == ["2h before the week ended"]
    # The week in progress, made now, says how old the data is now.
    now = synced + timedelta(hours=2, minutes=5)
    current = build_report(demo.at(now), None, WEEK, now)
    assert {s.age for s in current.sections} == {"data as of 2h ago"}


def test_last_weeks_forecast_is_given_in_the_unit_of_this_weeks() -> None:
    text = weekly_text(open_demo_in_memory(FrozenClock(NOW)), WEEK, "md", NOW)
    (line,) = [line for line in text.splitlines() if line.startswith("- Month forecast")]
    # "$70.0k (68.4k–71.6k), last week $69.6k (+$386)", not "last week $69,613" beside it.
    assert re.fullmatch(
        r"- Month forecast \(2026-11\): \$\d+\.\dk \(.+\), last week \$\d+\.\dk \([+-]\$[\d,]+\)",
        line,
    ), line


def test_a_masked_export_carries_the_marker_exactly_once_at_its_top() -> None:
    workspace = open_demo_in_memory(FrozenClock(NOW))
    for fmt in ("md", "html", "json"):
        assert MASK_MARKER not in weekly_text(workspace, WEEK, fmt, NOW)
        text = weekly_text(workspace, WEEK, fmt, NOW, masked=True)
        assert text.count(MASK_MARKER) == 1, fmt
    md = weekly_text(workspace, WEEK, "md", NOW, masked=True)
    assert md.startswith(f"**{MASK_MARKER}**\n\n# Weekly status ")
    payload = json.loads(weekly_text(workspace, WEEK, "json", NOW, masked=True))
    assert next(iter(payload)) == "masked" and payload["masked"] == MASK_MARKER
    page = weekly_text(workspace, WEEK, "html", NOW, masked=True)
    body = page.partition("<body>")[2]
    assert body.index(MASK_MARKER) < body.index("<h1>")


def test_the_demo_export_compares_with_the_week_before() -> None:
    workspace = open_demo_in_memory(FrozenClock(NOW))
    text = weekly_text(workspace, WEEK, "md", NOW)
    assert "Changes are against the cache at the end of 2026-W47" in text
    assert "(last week " in text


_changes = st.lists(
    st.builds(
        Change,
        text=st.text(min_size=0, max_size=40),
        weight=st.floats(min_value=0, max_value=10, allow_nan=False),
        tone=st.sampled_from(["good", "bad", "neutral"]),
    ),
    max_size=12,
)


@given(st.lists(_changes, min_size=0, max_size=5))
def test_highlights_are_few_and_each_comes_from_a_change(per_section: list[list[Change]]) -> None:
    sections = [
        Section(key="sprint", title=f"S{n}", state="ok", age="", changes=tuple(changes))
        for n, changes in enumerate(per_section)
    ]
    found = highlights(sections)
    assert len(found) <= MAX_SENTENCES
    weighted = {sentence(c) for s in sections for c in s.changes if c.weight > 0}
    assert all(h in weighted for h in found)
    assert len(set(found)) == len(found)
    if any(sentence(c) for s in sections for c in s.changes if c.weight > 0):
        assert found  # something worth saying is never left out entirely


def test_a_highlight_keeps_the_spelling_of_a_name_it_starts_with() -> None:
    assert sentence(Change(text="ranker-v3 val_ndcg@10: new best 0.4653")) == (
        "ranker-v3 val_ndcg@10: new best 0.4653."
    )
    assert sentence(Change(text="spend rose 20%")) == "Spend rose 20%."


def test_a_week_in_progress_is_compared_with_the_same_days_of_the_week_before() -> None:
    """On a Monday, Monday's spend against the whole week before read as "-90%"."""
    from types import SimpleNamespace

    from cockpit.export.changes_cost import _week

    monday = date(2026, 11, 30)
    daily = [(monday - timedelta(days=n), 1000.0) for n in range(21)]
    view = SimpleNamespace(currency="USD", daily=daily)
    change = _week(view, monday, monday + timedelta(days=6), monday)  # type: ignore[arg-type]
    assert change.text.startswith(
        "Spend this week (Mon): $1,000, the same days of the week before $1,000"
    )
    assert "-90%" not in change.text and change.tone == "neutral"
    finished = _week(view, monday - timedelta(days=7), monday - timedelta(days=1), monday)  # type: ignore[arg-type]
    assert finished.text.startswith("Spend this week: $7,000, the week before $7,000")
