"""The dashboard driven through Textual's Pilot: keys, screens, refresh and ages."""

from __future__ import annotations

from cockpit.screens.cost import CostScreen
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.okrs import OkrScreen
from cockpit.screens.team import TeamScreen
from tests.widgets.conftest import AppFactory
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar


async def test_first_paint_comes_from_the_store(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for panel in app.screen.query(Panel):
            assert panel.summary is not None, panel.PANEL_ID  # type: ignore[attr-defined]
            assert panel.border_subtitle == "demo · fresh · just now"


async def test_number_keys_focus_panels_and_enter_opens_detail(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        assert app.focused is not None and app.focused.id == "okrs"
        await pilot.press("enter")
        await pilot.pause()
        # The OKRs panel opens its own screen (tests/widgets/test_okr_screen.py).
        assert isinstance(app.screen, OkrScreen)
        assert app.screen.summary is not None
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        # The Team panel opens its own screen (tests/widgets/test_team_screen.py).
        await pilot.press("5")
        assert app.focused is not None and app.focused.id == "team"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
        assert app.screen.summary is not None
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        # The Cost panel opens its own screen (tests/widgets/test_cost_app.py).
        await pilot.press("4")
        assert app.focused is not None and app.focused.id == "cost"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CostScreen)
        assert app.screen.summary is not None
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_refresh_syncs_into_the_store_and_repaints(make_app: AppFactory) -> None:
    app = make_app(minutes_later=90)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sprint = app.screen.query_one("#sprint", Panel)
        assert "stale · 1h ago" in str(sprint.border_subtitle)
        before = len(app.workspace.store.snapshot_times("demo"))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.workspace.store.snapshot_times("demo")) == before + 1
        assert sprint.border_subtitle == "demo · fresh · just now"


async def test_offline_refresh_touches_nothing(make_app: AppFactory) -> None:
    app = make_app(offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        before = len(app.workspace.store.snapshot_times("demo"))
        await pilot.press("r")
        await pilot.pause()
        assert len(app.workspace.store.snapshot_times("demo")) == before
        assert app.screen.query_one(SourceStatusBar).offline is True


async def test_every_binding_has_an_id_and_the_palette_offers_every_panel(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for source in (app, app.screen, app.screen.query_one(Panel)):
            for binding in source.BINDINGS:  # type: ignore[attr-defined]
                assert binding.id, f"{type(source).__name__} binding {binding.key} has no id"
        titles = {command.title for command in app.get_system_commands(app.screen)}
        panels = ("Sprint", "Experiments", "OKRs", "Cost", "Team")
        assert {"Refresh", *(f"Open {name}" for name in panels)} <= titles
