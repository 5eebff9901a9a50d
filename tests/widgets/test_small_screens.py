"""No panel drops rows without saying so, and every panel's screen shows everything."""

from __future__ import annotations

from pathlib import Path

from textual.scroll_view import ScrollView

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.models import Person, Snapshot, TeamData
from cockpit.screens.team import TeamScreen
from cockpit.store import SyncAttempt
from cockpit.workspace import Workspace, open_demo_workspace
from integrations.demo import build_demo_snapshot
from tests.conftest import FROZEN_NOW
from tests.widgets.conftest import AppFactory
from widgets.panel import Panel, fit_rows, line
from widgets.sprint_panel import SprintPanel, SprintText
from widgets.team_panel import TeamPanel

ZONES = (
    "America/Los_Angeles", "America/Sao_Paulo", "Europe/Lisbon", "Europe/Berlin",
    "Asia/Jerusalem", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Singapore", "Pacific/Auckland",
)  # fmt: skip


def _team_workspace(tmp_path: Path, size: int) -> Workspace:
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    people = tuple(
        Person(f"p{n:03d}", f"Person {n:03d}", ZONES[n % len(ZONES)]) for n in range(size)
    )
    snapshot = build_demo_snapshot(FROZEN_NOW)
    snapshot = Snapshot(
        sprint=snapshot.sprint,
        experiments=snapshot.experiments,
        okrs=snapshot.okrs,
        cost=snapshot.cost,
        team=TeamData(people),
    )
    workspace.store.write_snapshot(snapshot, SyncAttempt("demo", FROZEN_NOW, FROZEN_NOW, "ok"))
    return workspace


def _app(workspace: Workspace) -> CockpitApp:
    return CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)


def _shown_people(text: str) -> int:
    # The two header lines name people too (who comes online next, who overlaps): only the
    # rows of the list below them count as people shown.
    return sum(row.count("Person ") for row in text.splitlines()[2:])


async def test_the_team_panel_says_how_many_people_it_does_not_show(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(TeamPanel)
        text = str(panel.render())
        assert panel.summary is not None
        everyone = len(panel.summary.people)
        shown = sum(1 for p in panel.summary.people if p.name in text)
        assert shown < everyone
        assert f"+{everyone - shown} more" in text


async def test_the_team_screen_scrolls_through_three_hundred_people(tmp_path: Path) -> None:
    app = _app(_team_workspace(tmp_path, 300))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(TeamPanel).render())
        assert f"+{300 - _shown_people(text)} more" in text

        await pilot.press("5", "enter")
        await pilot.pause()
        # The team screen opens on everyone, drawn by the panel in full.
        assert isinstance(app.screen, TeamScreen)
        panel = app.screen.query_one("#team-people", Panel)
        full = str(panel.render())
        assert _shown_people(full) == 300 and "more" not in full
        # The People tab scrolls itself, drawing only the rows on screen.
        scroll = app.screen.query_one("#team-people", ScrollView)
        assert scroll.max_scroll_y > 250  # the rows are there to scroll through
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 0


async def test_a_panel_that_runs_out_of_rows_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cut = 0
        for panel in app.screen.query(Panel):
            # The sprint panel draws its text in a child, and shares its rows with a chart.
            view = panel.query_one(SprintText) if isinstance(panel, SprintPanel) else panel
            size = view.content_size
            # Panels pick what to show for the room they have; what they then cannot fit
            # must be owned up to.
            body = panel.render_body(size.width, size.height)
            drawn = str(view.render()).splitlines()
            assert drawn and len(drawn) <= size.height, panel.PANEL_ID
            if len(body) > size.height:
                assert "more" in drawn[-1], panel.PANEL_ID
                cut += 1
            elif any(" more" in row for row in drawn):
                cut += 1  # the panel cut its own lists to the room, each saying how many more
        assert cut  # at 80×24 the demo does not fit everywhere


def test_fit_rows_counts_what_it_hides() -> None:
    rows = [line(f"row {n}") for n in range(10)]
    assert fit_rows(rows, 10) == rows
    cut = fit_rows(rows, 4)
    assert [str(r) for r in cut[:3]] == ["row 0", "row 1", "row 2"]
    assert str(cut[3]).startswith("+7 more rows")
    assert fit_rows(rows, 0) == []
