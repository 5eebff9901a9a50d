"""The cost screen and cost alerts in the running app: Enter on the Cost panel opens the
screen, Escape goes back, and an alert pops a notification once, however often the dashboard
is refreshed and even after a restart (the store remembers the alerts shown)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import msgspec
from textual.pilot import Pilot

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.dashboard import Dashboard
from cockpit.screens.cost import CostScreen, PaidCallsToday
from cockpit.screens.dashboard import DashboardScreen
from cockpit.workspace import open_user_workspace
from tests.conftest import FROZEN_NOW
from tests.widgets.conftest import AppFactory
from tests.widgets.test_cost_sample import sample_summary


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def test_enter_on_the_cost_panel_opens_the_screen_and_escape_goes_back(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostScreen)
        # Fed what the dashboard shows: nothing is read or rebuilt for it.
        assert screen.summary is not None and screen.summary == app.dashboard.cost
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


def with_alerts(app: CockpitApp) -> None:
    """Every build of the dashboard carries the sample's alerts (budgets over, an anomaly)."""
    real = app._build

    def build() -> tuple[int, Dashboard]:
        number, dashboard = real()
        return number, msgspec.structs.replace(dashboard, cost=sample_summary("over"))

    app._build = build  # type: ignore[method-assign]


def cost_notices(app: CockpitApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Cost alert"]


async def refresh(pilot: Pilot, app: CockpitApp) -> None:
    """`r`, then wait for the sync, the rebuild and the store's answer about the alerts."""
    await pilot.press("r")
    for _ in range(100):
        await pilot.pause(0.05)
        if not app.syncing and not any(
            w.group in ("cost-alerts", "sync:demo") for w in app.workers
        ):
            break
    await settle(pilot)


async def test_an_alert_pops_once_over_two_refreshes_and_a_restart(
    make_app: AppFactory,
) -> None:
    alerts = sample_summary("over").alerts
    app = make_app()
    with_alerts(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert cost_notices(app) == []  # the first frame pops nothing before a sync
        await refresh(pilot, app)
        first = cost_notices(app)
        assert sorted(first) == sorted(a.message for a in alerts)
        await refresh(pilot, app)
        assert cost_notices(app) == first  # the second refresh adds none
        notices = [n for n in app._notifications if n.title == "Cost alert"]
        assert all(n.markup is False for n in notices)  # names from outside: plain text
        errors = [n for n in notices if n.severity == "error"]
        assert len(errors) == sum(1 for a in alerts if a.severity == "error")

    again = make_app(minutes_later=30)  # a new TUI on the same store
    with_alerts(again)
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await refresh(pilot, again)
        assert cost_notices(again) == []


async def test_a_new_alert_pops_although_others_were_shown(make_app: AppFactory) -> None:
    app = make_app()
    with_alerts(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await refresh(pilot, app)
        before = len(cost_notices(app))
        summary = sample_summary("over")
        extra = msgspec.structs.replace(
            summary.alerts[0], key="Cloud|2026-11|forecast|1.2", message="Cloud: forecast 120%"
        )
        real = app._build

        def build() -> tuple[int, Dashboard]:
            number, dashboard = real()
            cost = msgspec.structs.replace(summary, alerts=(*summary.alerts, extra))
            return number, msgspec.structs.replace(dashboard, cost=cost)

        app._build = build  # type: ignore[method-assign]
        await refresh(pilot, app)
        assert cost_notices(app)[before:] == ["Cloud: forecast 120%"]


async def test_the_screen_shows_the_paid_calls_used_today(tmp_path: Path) -> None:
    """Counted in the store by the sync engine, read on a worker when the screen opens."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.aws]\nkind = "aws-cost"\ndaily_paid_calls = 3\n'
    )
    workspace = open_user_workspace(str(config))
    workspace.store.add_paid_calls("aws", FROZEN_NOW.date(), 2)
    workspace.store.add_paid_calls("aws", FROZEN_NOW.date() - timedelta(days=1), 3)  # yesterday
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.open_panel("cost")
        for _ in range(50):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, CostScreen) and screen.paid_calls is not None:
                break
        screen = app.screen
        assert isinstance(screen, CostScreen)
        assert screen.paid_calls == (PaidCallsToday("aws", 2, 3),)
        notes = str(screen.query_one("#cost-notes").render())
        assert "Paid API calls today: aws 2 of 3" in notes
