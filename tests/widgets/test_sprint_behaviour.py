"""The Sprint panel and the sprint screen driven through the Pilot, on a hand-built sprint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from textual.pilot import Pilot
from textual.widgets import Select, TabbedContent

from cockpit.analytics.sprint import SprintSummary
from cockpit.app import CockpitApp
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.sprint import SprintScreen
from cockpit.screens.team import TeamScreen
from tests.widgets.conftest import AppFactory
from tests.widgets.test_sprint_sample import install_sample, sample_summary
from widgets.issue_detail import IssueDetail
from widgets.issue_table import IssueLineTable, IssueTable
from widgets.sprint_board import SprintBoard
from widgets.sprint_panel import SprintHeader, SprintPanel, SprintText

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> dict[str, SprintSummary]:
    return install_sample(monkeypatch)


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def open_sprint(pilot: Pilot) -> SprintScreen:
    await settle(pilot)
    await pilot.press("1", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SprintScreen)
    return screen


def table_keys(app: CockpitApp) -> list[str]:
    table = app.screen.query_one(IssueLineTable)
    return [issue.key for issue in table.issues]


def focused_card(app: CockpitApp) -> str | None:
    """The key of the card the keys act on: the board's selection, while the board has focus."""
    focused = app.focused
    if not isinstance(focused, SprintBoard):
        return None
    issue = focused.selected_issue()
    return issue.key if issue is not None else None


def record_urls(app: CockpitApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    return opened


async def test_enter_opens_the_sprint_screen_and_escape_returns(
    make_app: AppFactory, sample
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        header = screen.query_one(SprintHeader)
        assert header.summary is not None and header.summary.sprint == "MLP Sprint 42"
        assert header.age is not None and header.age.state == "fresh"
        assert focused_card(app) is not None  # the board is ready for arrow keys
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_palette_command_opens_the_sprint_screen_too(
    make_app: AppFactory, sample
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_panel("sprint")
        await settle(pilot)
        assert isinstance(app.screen, SprintScreen)
        app.open_panel("team")  # from the sprint screen: back to the dashboard, then Team
        await settle(pilot)
        assert isinstance(app.screen, TeamScreen)
        assert len(app.screen_stack) == 2


async def test_tab_keys_switch_tabs(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        tabs = screen.query_one(TabbedContent)
        for key, tab in (("v", "velocity"), ("d", "burndown"), ("i", "issues"), ("b", "board")):
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == tab
        assert focused_card(app) is not None


async def test_filter_by_assignee_reduces_rows(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert len(table_keys(app)) == 12
        app.screen.query_one("#filter-assignee", Select).value = "mei"
        await settle(pilot)
        assert table_keys(app) == ["MLP-103", "MLP-107", "MLP-112"]
        app.screen.query_one("#filter-assignee", Select).value = ""  # nobody's
        await settle(pilot)
        assert table_keys(app) == ["MLP-106"]
        app.screen.query_one("#filter-assignee", Select).clear()
        app.screen.query_one("#filter-status", Select).value = "To Do"
        app.screen.query_one("#filter-label", Select).value = "gpu"
        await settle(pilot)
        assert table_keys(app) == ["MLP-110"]
        assert "1 of 12 issues" in str(app.screen.query_one("#issue-count").render())


async def test_typing_in_the_filter_narrows_by_text(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("slash", *"shard")
        await pilot.pause(IssueTable.FILTER_DELAY * 2)  # the table follows after typing stops
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "issues"
        assert table_keys(app) == ["MLP-105", "MLP-112"]  # "Shard the…", "…tokenised shards"


async def test_escape_in_the_filter_returns_to_the_table(make_app: AppFactory, sample) -> None:
    from cockpit.screens.sprint import SprintScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("slash", *"shard")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SprintScreen)
        assert isinstance(app.focused, IssueLineTable)
        assert table_keys(app) == ["MLP-105", "MLP-112"]  # the filter stays applied
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SprintScreen)


async def test_sort_by_points_orders_rows(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        await pilot.press("s", "s", "s")  # key → status → assignee → points
        await settle(pilot)
        assert table.sort_key == "points"

        def points() -> list[float | None]:
            return [table.issue_for_row(key).points for key in table_keys(app)]  # type: ignore[union-attr]

        ascending = points()
        assert ascending[-1] is None  # not estimated: last
        assert ascending[:-1] == sorted(p for p in ascending if p is not None)
        await pilot.press("S")
        await settle(pilot)
        descending = points()
        assert descending[-1] is None
        assert descending[:-1] == sorted((p for p in descending if p is not None), reverse=True)


async def test_clicking_a_header_sorts_by_it(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(IssueTable)
        data = app.screen.query_one(IssueLineTable)
        x = sum(column.width + 2 * data.PAD + data.GAP for column in data._columns[:4]) + 1
        await pilot.click(IssueLineTable, offset=(x, 0))  # "Pts"
        await settle(pilot)
        assert (table.sort_key, table.descending) == ("points", True)  # biggest first
        assert table_keys(app)[0] == "MLP-102"
        await pilot.click(IssueLineTable, offset=(x, 0))
        await settle(pilot)
        assert (table.sort_key, table.descending) == ("points", False)


async def test_enter_on_a_card_opens_the_detail_and_o_opens_the_browser(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    opened = record_urls(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("right", "down")  # In Progress, second card
        assert focused_card(app) == "MLP-107"
        await pilot.press("o")
        assert opened == ["https://example.atlassian.net/browse/MLP-107"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueDetail) and app.screen.issue.key == "MLP-107"
        fields = str(app.screen.query_one("#issue-fields").render())
        for text in ("Profile the dataloader", "Mei Chen", "not estimated", "Fine-tuning", "gpu"):
            assert text in fields
        await pilot.press("o")
        assert opened[-1] == "https://example.atlassian.net/browse/MLP-107"
        await pilot.press("escape")
        assert isinstance(app.screen, SprintScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_enter_and_o_on_the_issue_table(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    opened = record_urls(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("i", "down", "down")
        await settle(pilot)
        await pilot.press("o")
        assert opened == ["https://example.atlassian.net/browse/MLP-103"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueDetail) and app.screen.issue.key == "MLP-103"
        await pilot.press("escape")
        assert isinstance(app.screen, SprintScreen)


async def test_o_without_an_issue_says_so(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    opened = record_urls(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("v", "o")
        await settle(pilot)
        assert opened == []
        assert any("Select an issue" in n.message for n in app._notifications)


async def test_the_screen_updates_live_and_keeps_the_focused_issue(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        await pilot.press("right")
        assert focused_card(app) == "MLP-102"
        summary = sample["summary"]
        moved = [
            msgspec.structs.replace(i, column="Done", status="Done") if i.key == "MLP-104" else i
            for i in summary.issues
        ]
        sample["summary"] = msgspec.structs.replace(summary, issues=tuple(moved), days_left=4)
        app.repaint()
        await settle(pilot)
        board = app.screen.query_one(SprintBoard)
        done = [issue.key for issue in board.column_issues("Done")]
        assert "MLP-104" in done
        assert focused_card(app) == "MLP-102"
        assert app.screen.query_one(TabbedContent).active == "board"
        assert "4 working days left" in str(app.screen.query_one(SprintHeader).render())


async def test_detail_modal_keeps_the_screen_below_live(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        await pilot.press("enter")
        await settle(pilot)
        sample["summary"] = msgspec.structs.replace(sample["summary"], days_left=3)
        app.repaint()
        await settle(pilot)
        header = screen.query_one(SprintHeader)
        assert header.summary is not None and header.summary.days_left == 3


async def test_panel_mounts_the_chart_only_with_room(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query("#sprint-burndown")
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(SprintPanel)
        assert panel.chart is not None and panel.chart.burndown is not None
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert panel.chart is None  # too short now: text only


async def test_everything_degrades_without_history(make_app: AppFactory, sample) -> None:
    """No burndown, no velocity, no health, no issues: text only, and nothing breaks."""
    sample["summary"] = sample_summary(
        burndown=None, velocity_history=None, health=None, issues=(), columns=(), blockers=()
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(SprintPanel).chart is None
        text = str(app.screen.query_one(SprintText).render())
        assert "MLP Sprint 42" in text and "5 working days left" in text
        screen = await open_sprint(pilot)
        assert "No issues in this sprint." in str(screen.query_one("#board-empty").render())
        for key, note in (("v", "velocity needs history"), ("d", "No burndown")):
            await pilot.press(key)
            await settle(pilot)
            notes = screen.query_one("#velocity-notes" if key == "v" else "#burndown-notes")
            assert note in str(notes.render())
        await pilot.press("i")
        await settle(pilot)
        assert table_keys(app) == []


async def test_no_active_sprint(make_app: AppFactory, sample) -> None:
    sample["summary"] = sample_summary(
        state="none",
        sprint="no active sprint",
        last_closed="MLP Sprint 42, closed Fri 27 Nov",
        next_sprint="MLP Sprint 43",
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(SprintPanel).chart is None
        text = str(app.screen.query_one(SprintText).render())
        assert "No active sprint." in text and "MLP Sprint 43" in text
        screen = await open_sprint(pilot)
        assert "no active sprint" in str(screen.query_one(SprintHeader).render())
        assert screen.query_one(SprintBoard).card_count() == 0


async def test_every_sprint_binding_has_an_id(make_app: AppFactory, sample) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sprint(pilot)
        for source in (SprintScreen, SprintBoard, IssueLineTable, IssueDetail, SprintPanel):
            for binding in source.BINDINGS:
                assert binding.id, f"{source.__name__} binding {binding.key} has no id"  # type: ignore[union-attr]


def test_the_dashboard_does_not_import_the_charts_before_its_first_frame() -> None:
    """textual-plotext, the tables and the tabs cost start-up time: they load on demand."""
    probe = (
        "import sys\n"
        "import cockpit.app, widgets.sprint_panel\n"
        "heavy = ('textual_plotext', 'plotext', 'cockpit.screens.sprint')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
