"""Snapshots of the Sprint panel and the sprint screen, on a hand-built sprint, clock frozen.

The sprint comes from `test_sprint_sample.sample_summary()`, not from the demo's analytics, so
these pictures change only when the widgets do.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from cockpit.analytics.sprint import SprintSummary
from tests.widgets.conftest import AppFactory
from tests.widgets.test_sprint_sample import install_sample
from widgets.issue_table import IssueLineTable, IssueTable


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> dict[str, SprintSummary]:
    return install_sample(monkeypatch)


async def settle(pilot: Pilot) -> None:
    """Let the after-first-frame work (the panel's chart) happen, then clear notifications."""
    for _ in range(3):
        await pilot.pause()
    pilot.app.clear_notifications()


def after(*keys: str):
    """Press `keys`, then settle: the screen's own after-refresh focus moves are done."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run


async def chart_mounted(pilot: Pilot) -> None:
    for _ in range(40):
        if pilot.app.screen.query("#sprint-burndown"):
            break
        await pilot.pause(0.02)
    await settle(pilot)


def test_sprint_panel_80x24_text_only(snap_compare, make_app: AppFactory, sample) -> None:
    """Too little room for a chart: name, days left, progress, statuses, the top blocker."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_sprint_panel_160x48_with_burndown(snap_compare, make_app: AppFactory, sample) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=chart_mounted)


def test_sprint_screen_board(snap_compare, make_app: AppFactory, sample) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=after("1", "enter"))


def test_sprint_screen_issues_filtered(snap_compare, make_app: AppFactory, sample) -> None:
    """Mei's issues labelled gpu, sorted by points, biggest first."""

    async def filter_issues(pilot: Pilot) -> None:
        await pilot.press("1", "enter", "i")
        await settle(pilot)
        table = pilot.app.screen.query_one(IssueTable)
        pilot.app.screen.query_one("#filter-assignee", Select).value = "mei"
        await pilot.press("slash", *"gpu")
        table.sort_by("points", descending=True)
        pilot.app.screen.query_one(IssueLineTable).focus()  # no text cursor in the picture
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=filter_issues)


def test_sprint_screen_velocity(snap_compare, make_app: AppFactory, sample) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=after("1", "enter", "v"))


def test_sprint_screen_burndown(snap_compare, make_app: AppFactory, sample) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=after("1", "enter", "d"))


def test_issue_detail(snap_compare, make_app: AppFactory, sample) -> None:
    """Enter on the first card of the board: every field of MLP-104."""
    assert snap_compare(
        make_app(), terminal_size=(120, 40), run_before=after("1", "enter", "enter")
    )
