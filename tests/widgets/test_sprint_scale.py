"""The sprint screen at scale: the board draws only what is visible, tabs are built when first
shown, and the table sorts and filters a model (debounced typing, exact counts)."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from cockpit.analytics.issue_filter import (
    SORT_KEYS,
    IssueFilter,
    IssueIndex,
    filter_issues,
    sort_issues,
)
from cockpit.analytics.sprint import IssueRow, SprintSummary
from cockpit.models import StatusCategory
from cockpit.screens.sprint import SprintScreen
from tests.widgets.conftest import AppFactory
from tests.widgets.test_sprint_behaviour import open_sprint, settle
from tests.widgets.test_sprint_sample import COLUMNS, install_sample, sample_issues
from widgets.issue_table import IssueLineTable, IssueTable
from widgets.sprint_board import CardColumn, SprintBoard

LONG = 60  # extra To Do issues: far more cards than a 40-line terminal shows


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> dict[str, SprintSummary]:
    return install_sample(monkeypatch)


def long_board() -> tuple[IssueRow, ...]:
    base = sample_issues()
    template = base[3]  # MLP-104, To Do
    extra = tuple(
        msgspec.structs.replace(
            template,
            key=f"MLP-{200 + n}",
            summary=f"Backlog item {n}" + (" with a summary long enough to wrap twice" * (n % 2)),
            updated=template.updated - timedelta(hours=n) if template.updated else None,
        )
        for n in range(LONG)
    )
    return base + extra


def selected(screen: SprintScreen) -> str | None:
    board = screen.query_one(SprintBoard)
    issue = board.selected_issue()
    return issue.key if issue is not None and screen.focused is board else None


# --- the board ------------------------------------------------------------------------------


async def test_arrows_reach_the_last_card_of_a_long_column_and_cross_columns(
    make_app: AppFactory, sample
) -> None:
    sample["summary"] = msgspec.structs.replace(sample["summary"], issues=long_board())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        board = screen.query_one(SprintBoard)
        todo = board.column_issues("To Do")
        assert len(todo) == 3 + LONG
        assert selected(screen) == todo[0].key
        await pilot.press(*["down"] * (len(todo) + 2))  # past the end: stays on the last
        await settle(pilot)
        assert selected(screen) == todo[-1].key
        column = screen.query(CardColumn).first()
        top, height = column.card_span(len(todo) - 1)
        assert column.scroll_offset.y > 0  # the column scrolled to it
        assert column.scroll_offset.y <= top
        assert top + height <= column.scroll_offset.y + column.scrollable_content_region.height
        await pilot.press("right")  # In Progress has 3 cards: the last of them
        assert selected(screen) == board.column_issues("In Progress")[-1].key
        await pilot.press("k")
        assert selected(screen) == board.column_issues("In Progress")[1].key
        await pilot.press("l", "h")  # In Review has one card: back on the first row
        assert selected(screen) == board.column_issues("In Progress")[0].key
        # The titles count every issue of the column, not the drawn ones.
        title = str(screen.query(".column-title").first().render())
        assert f"To Do  {3 + LONG} ·" in title


async def test_moving_the_selection_draws_two_cards(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample["summary"] = msgspec.structs.replace(sample["summary"], issues=long_board())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        drawn: list[str] = []
        draw = CardColumn._draw_card

        def counting(self: CardColumn, issue: IssueRow, focused: bool) -> object:
            drawn.append(issue.key)
            return draw(self, issue, focused)

        monkeypatch.setattr(CardColumn, "_draw_card", counting)
        await pilot.press("down")
        await settle(pilot)
        assert sorted(drawn) == ["MLP-104", "MLP-106"]  # the card left and the card chosen


async def test_the_selected_issue_stays_selected_when_it_moves_column(
    make_app: AppFactory, sample
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        await pilot.press("down")
        assert selected(screen) == "MLP-106"
        moved = tuple(
            msgspec.structs.replace(i, column="Done", status="Done", category=StatusCategory.DONE)
            if i.key == "MLP-106"
            else i
            for i in sample["summary"].issues
        )
        sample["summary"] = msgspec.structs.replace(sample["summary"], issues=moved)
        app.repaint()
        await settle(pilot)
        board = screen.query_one(SprintBoard)
        assert "MLP-106" in [i.key for i in board.column_issues("Done")]
        assert selected(screen) == "MLP-106"
        done = [i.key for i in board.column_issues("Done")]
        await pilot.press("up")  # the keys go on from where the issue is now
        assert selected(screen) == done[done.index("MLP-106") - 1]


# --- tabs and feeding -----------------------------------------------------------------------


async def test_hidden_tabs_are_built_when_first_shown(make_app: AppFactory, sample) -> None:
    from widgets.burndown_chart import BurndownChart
    from widgets.velocity_chart import VelocityChart

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        assert screen.built == {"board"}
        assert not screen.query(IssueTable)
        assert not screen.query(VelocityChart) and not screen.query(BurndownChart)
        await pilot.press("v")
        await settle(pilot)
        assert screen.query(VelocityChart) and not screen.query(IssueTable)
        assert "velocity needs history" not in str(screen.query_one("#velocity-notes").render())
        await pilot.press("i")
        await settle(pilot)
        assert len(screen.query_one(IssueTable).shown) == 12  # fed on arrival
        assert screen.built == {"board", "velocity", "issues"}


async def test_a_repaint_with_the_same_sprint_feeds_nothing(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        rebuilds: list[int] = []
        monkeypatch.setattr(SprintBoard, "_rebuild", lambda self: rebuilds.append(1))
        app.repaint()  # the very same summary
        sample["summary"] = msgspec.structs.replace(sample["summary"])  # an equal copy
        app.repaint()
        await settle(pilot)
        assert rebuilds == []
        sample["summary"] = msgspec.structs.replace(sample["summary"], days_left=2)
        app.repaint()
        assert screen.summary is not None and screen.summary.days_left == 2


# --- the table ------------------------------------------------------------------------------


def table_keys(table: IssueTable) -> list[str]:
    data = table.query_one(IssueLineTable)
    return [issue.key for issue in data.issues]


async def test_sort_keys_reorder_the_model(make_app: AppFactory, sample) -> None:
    sample["summary"] = msgspec.structs.replace(sample["summary"], issues=long_board())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        issues = sample["summary"].issues
        for key in SORT_KEYS[1:]:
            await pilot.press("s")
            await settle(pilot)
            assert table.sort_key == key
            expected = sort_issues(issues, key, columns=COLUMNS)
            assert table_keys(table) == [i.key for i in expected]
        await pilot.press("S")
        await settle(pilot)
        expected = sort_issues(issues, SORT_KEYS[-1], descending=True, columns=COLUMNS)
        assert table_keys(table) == [i.key for i in expected]


async def test_typing_a_filter_refills_the_table_once(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long delay, so that the Pilot's own pauses between keys never reach it.
    monkeypatch.setattr(IssueTable, "FILTER_DELAY", 1.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        before = table.refills
        await pilot.press("slash", *"shard")
        await settle(pilot)
        assert table.refills == before  # typing did not wait on the table
        assert len(table_keys(table)) == 12
        await pilot.pause(1.3)
        await settle(pilot)
        assert table.refills == before + 1
        assert table_keys(table) == ["MLP-105", "MLP-112"]
        count = str(app.screen.query_one("#issue-count").render())
        assert "2 of 12 issues" in count


async def test_enter_in_the_filter_applies_it_at_once(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IssueTable, "FILTER_DELAY", 5.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("slash", *"gpu", "enter")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        assert table_keys(table) == ["MLP-102", "MLP-103", "MLP-107", "MLP-110"]
        assert "4 of 12 issues" in str(app.screen.query_one("#issue-count").render())


async def test_the_table_draws_only_what_is_on_screen(make_app: AppFactory, sample) -> None:
    """A cursor move redraws the row left and the row reached; a sort draws one screenful,
    not every issue; the cursor follows its issue to its new place."""
    sample["summary"] = msgspec.structs.replace(sample["summary"], issues=long_board())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        data = table.query_one(IssueLineTable)
        on_screen = data.scrollable_content_region.height
        assert len(data.issues) == 12 + LONG > on_screen
        before = data.redraws
        await pilot.press("down")
        await settle(pilot)
        assert data.redraws - before == 2
        chosen = table.selected_issue()
        assert chosen is not None
        before = data.redraws
        await pilot.press("S")  # reverse: the chosen issue moves far down
        await settle(pilot)
        assert data.redraws - before <= on_screen
        assert table.selected_issue() == chosen
        assert data.current() is chosen and data.issues[data.cursor].key == chosen.key


@pytest.mark.parametrize(
    "flt",
    [
        IssueFilter(),
        IssueFilter(text="backlog wrap"),
        IssueFilter(assignee="tom"),
        IssueFilter(text="eval", status="To Do"),
        IssueFilter(label="gpu"),
    ],
)
def test_the_index_gives_what_sorting_the_filtered_list_gives(flt: IssueFilter) -> None:
    issues = long_board()
    index = IssueIndex(issues, COLUMNS)
    for key in SORT_KEYS:
        for descending in (False, True):
            expected = sort_issues(
                filter_issues(issues, flt), key, descending=descending, columns=COLUMNS
            )
            assert index.view(flt, key, descending) == expected
