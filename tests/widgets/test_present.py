"""Screen-share mode in the TUI: present mode's keys and cycle, the mask key, and proof that
a masked screen holds no money amount and no full name from the demo.

The clock is frozen (Monday 23 Nov 2026, 09:30 UTC) and the countdown's timer is stopped
(`TICK_SECONDS` made an hour long): the tests move the cycle with `tick()` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.dom import minidom

import msgspec
import pytest
from textual.pilot import Pilot

import cockpit.screens.present as present
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import SharingSettings
from cockpit.dashboard import Dashboard
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.present import PANELS, PresentHeader, PresentProgress, PresentScreen
from cockpit.workspace import Workspace
from tests.conftest import FROZEN_NOW
from widgets.cost_panel import CostPanel
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar

# Money as the formatters write it: a currency symbol, or a currency code after a number.
MONEY = re.compile(r"[$€£¥]\s?\d|\d[\d,.]*[kM]? (?:USD|EUR|GBP|JPY|CHF)\b")

MakeApp = Callable[..., CockpitApp]


@pytest.fixture(autouse=True)
def still_countdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(present, "TICK_SECONDS", 3600.0)


@pytest.fixture
def make_app(demo_workspace: Workspace) -> MakeApp:
    """The app on the warm demo store, clock frozen, nothing syncing on its own."""

    def make(**options: object) -> CockpitApp:
        return CockpitApp(
            demo_workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False, **options
        )

    return make


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for a worker's answer: generous, it only proves the answer comes."""
    for _ in range(int(seconds / 0.05)):
        if done():
            break
        await pilot.pause(0.05)
    assert done()
    await settle(pilot)


async def open_present(pilot: Pilot) -> PresentScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PresentScreen)
    return screen


def screen_text(app: CockpitApp) -> str:
    """What the screen shows, as a reader of the picture sees it."""
    svg = minidom.parseString(app.export_screenshot())
    texts = (node.firstChild.data for node in svg.getElementsByTagName("text") if node.firstChild)
    return "".join(texts).replace("\xa0", " ")


def progress_text(screen: PresentScreen) -> str:
    return str(screen.query_one(PresentProgress).render())


def demo_full_names(dashboard: Dashboard) -> list[str]:
    """Every full name the demo holds: the roster and the sprint's assignees."""
    names = set()
    if dashboard.team_data is not None:
        names |= {p.name for p in dashboard.team_data.people}
    if dashboard.sprint is not None:
        names |= {i.assignee_name for i in dashboard.sprint.issues}
    names = {n for n in names if n and " " in n}  # "Priya Raman"; "Unassigned" is no name
    assert len(names) >= 5
    return sorted(names)


# --- the cycle and its keys -----------------------------------------------------------------


async def test_p_opens_present_mode_on_the_first_panel_in_a_high_contrast_theme(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        theme = app.theme
        screen = await open_present(pilot)
        assert screen.panel_id == "sprint"
        assert app.theme == present.THEME
        assert "1/5 Sprint" in progress_text(screen)
        assert "Experiments in 20 s" in progress_text(screen)
        assert str(screen.query_one(PresentHeader).render()).startswith("S P R I N T")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.theme == theme  # the dashboard's own colours again


async def test_the_timer_cycles_through_the_five_panels_and_round(make_app: MakeApp) -> None:
    app = make_app(present_seconds=3)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_present(pilot)
        present.TICK_SECONDS = 1.0  # what each tick counts down (the timer itself is stopped)
        seen = [screen.panel_id]
        for _ in range(5):
            screen.tick()
            assert "in 2 s" in progress_text(screen) or "in 1 s" in progress_text(screen)
            screen.tick()
            screen.tick()
            seen.append(screen.panel_id)
        await settle(pilot)
        assert seen == [*PANELS, "sprint"]
        # The panel shown is the one the cycle is on.
        assert screen.query_one(f"#{screen.panel_id}", Panel).display


async def test_space_pauses_and_says_so_and_resumes(make_app: MakeApp) -> None:
    app = make_app(present_seconds=3)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_present(pilot)
        present.TICK_SECONDS = 1.0
        await pilot.press("space")
        await settle(pilot)
        assert screen.paused
        assert "PAUSED" in progress_text(screen)
        for _ in range(10):
            screen.tick()
        assert screen.panel_id == "sprint"  # nothing moves while paused
        await pilot.press("space")
        await settle(pilot)
        assert not screen.paused and "PAUSED" not in progress_text(screen)
        for _ in range(3):
            screen.tick()
        assert screen.panel_id == "experiments"


async def test_arrows_n_and_p_step_and_digits_jump(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_present(pilot)
        await pilot.press("right")
        assert screen.panel_id == "experiments"
        await pilot.press("n")
        assert screen.panel_id == "okrs"
        await pilot.press("left")
        assert screen.panel_id == "experiments"
        await pilot.press("p", "p")  # p steps back inside present mode, round to the end
        assert screen.panel_id == "team"
        await pilot.press("4")
        assert screen.panel_id == "cost"
        await settle(pilot)
        assert "4/5 Cost" in progress_text(screen)
        assert str(screen.query_one(PresentHeader).render()).startswith("C O S T")
        # A step gives the new panel a whole interval.
        screen.remaining = 2
        await pilot.press("1")
        assert screen.panel_id == "sprint" and screen.remaining == app.present_seconds


async def test_q_leaves_present_mode_opened_from_the_dashboard(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_present(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, DashboardScreen)


async def test_cockpit_present_opens_in_present_mode_and_q_quits(make_app: MakeApp) -> None:
    app = make_app(present=True, present_seconds=7)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PresentScreen)
        assert "Experiments in 7 s" in progress_text(screen)
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_escape_in_cockpit_present_goes_to_the_dashboard(make_app: MakeApp) -> None:
    app = make_app(present=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, DashboardScreen)


async def test_data_keeps_flowing_into_present_mode(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_present(pilot)
        assert app.dashboard is not None and app.dashboard.cost is not None
        later = msgspec.structs.replace(
            app.dashboard, cost=msgspec.structs.replace(app.dashboard.cost, alerts=())
        )
        app._show_build(10_000, later)
        await settle(pilot)
        assert screen.query_one(CostPanel).summary is later.cost


# --- the mask -------------------------------------------------------------------------------


def shown_cost(app: CockpitApp) -> str:
    cost = app.screen.query_one(CostPanel).summary
    assert cost is not None
    return cost.views[0].currency


async def test_m_masks_and_unmasks_at_once_without_a_sync(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    synced: list[str] = []
    monkeypatch.setattr(app, "sync_source", lambda job: synced.append(job.source.name))
    read = []
    real = app._build

    def build() -> tuple[int, Dashboard]:
        read.append(1)
        return real()

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app, "_build", build)
        bar = app.screen.query_one(SourceStatusBar)
        assert shown_cost(app) == "USD" and not bar.masked
        await pilot.press("m")
        await until(pilot, lambda: shown_cost(app) == "%")
        assert bar.masked and "MASKED" in str(bar.render())
        assert app.masked
        await pilot.press("m")
        await settle(pilot)
        assert shown_cost(app) == "USD"  # at once: no worker to wait for
        assert not bar.masked and "MASKED" not in str(bar.render())
    assert synced == [] and read == []  # neither a sync nor a read of the store


async def test_m_in_present_mode_masks_the_panel_and_shows_the_marker(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_present(pilot)
        await pilot.press("4")
        header = screen.query_one(PresentHeader)
        assert not header.masked
        await pilot.press("m")
        await until(pilot, lambda: shown_cost(app) == "%")
        assert header.masked and "MASKED" in str(header.render())
        await pilot.press("escape")
        await settle(pilot)
        # The dashboard underneath was fed the masked data when it came back.
        assert shown_cost(app) == "%"
        assert app.screen.query_one(SourceStatusBar).masked


async def test_masked_present_mode_and_dashboard_hold_no_money_and_no_full_name(
    make_app: MakeApp,
) -> None:
    plain_app = make_app()
    async with plain_app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert plain_app.dashboard is not None
        names = demo_full_names(plain_app.dashboard)
        plain = screen_text(plain_app)
        # Without these the assertions below would prove nothing.
        assert MONEY.search(plain)
        assert any(name in plain for name in names)
        screen = await open_present(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert MONEY.search(screen_text(plain_app))

    app = make_app(masked=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        texts = {"dashboard": screen_text(app)}
        screen = await open_present(pilot)
        for n, panel_id in enumerate(PANELS, start=1):
            await pilot.press(str(n))
            await settle(pilot)
            assert screen.panel_id == panel_id
            texts[panel_id] = screen_text(app)
    for where, text in texts.items():
        assert "MASKED" in text, where
        assert not MONEY.search(text), (where, MONEY.search(text))
        for name in names:
            assert name not in text, (where, name)
    assert "%" in texts["cost"]


async def test_mask_by_default_masks_the_first_frame(
    demo_workspace: Workspace, make_app: MakeApp
) -> None:
    demo_workspace.config = msgspec.structs.replace(
        demo_workspace.config, sharing=SharingSettings(mask_by_default=True, present_seconds=9)
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.masked and app.present_seconds == 9
        assert shown_cost(app) == "%"
        assert app.screen.query_one(SourceStatusBar).masked
    # --masked off on the command line is not a thing: masked=False is the explicit opposite.
    app = make_app(masked=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert shown_cost(app) == "USD"


@pytest.mark.parametrize("key", ["2", "4"])
async def test_screens_the_mask_does_not_cover_stay_shut_while_masked(
    make_app: MakeApp, key: str
) -> None:
    app = make_app(masked=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key, "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        notes = [n.message for n in app._notifications]
        assert any("stays shut while masking is on" in m for m in notes), notes


async def test_masking_closes_the_cost_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")
        await settle(pilot)
        assert app.screen.name == "cost"
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await until(pilot, lambda: shown_cost(app) == "%")


async def test_the_palette_offers_the_mask_and_present_mode(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Mask names and money" in titles and "Present mode" in titles
        app.set_masked(True)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Unmask" in titles and "Mask names and money" not in titles


async def test_the_mask_marker_stays_on_a_narrow_screen(make_app: MakeApp) -> None:
    app = make_app(masked=True)
    async with app.run_test(size=(50, 20)) as pilot:
        await open_present(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "MASKED" in screen_text(app)


async def test_nothing_unmasked_shows_while_the_mask_is_being_made(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 5,000 issues the masked form takes about a second: in that second a shared screen
    showed the very names and money the user had just asked to hide."""
    import threading

    app = make_app()
    release = threading.Event()
    real = app.mask

    def slow_mask(dashboard: Dashboard) -> Dashboard:
        release.wait(10)
        return real(dashboard)

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.dashboard is not None
        names = demo_full_names(app.dashboard)
        assert MONEY.search(screen_text(app))  # the check below would prove nothing otherwise
        monkeypatch.setattr(app, "mask", slow_mask)
        await pilot.press("m")
        await settle(pilot)
        waiting = screen_text(app)
        assert "MASKED" in waiting
        assert not MONEY.search(waiting)
        assert not [name for name in names if name in waiting]
        release.set()
        await until(pilot, lambda: app.screen.query_one(CostPanel).summary is not None)
        assert shown_cost(app) == "%"


async def test_masking_takes_the_unmasked_cost_alerts_off_the_screen(make_app: MakeApp) -> None:
    """A cost alert popped before the mask came on names dollars and services: a shared
    screen must not keep showing it under the MASKED marker."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.dashboard is not None and app.dashboard.cost is not None
        assert app.dashboard.cost.alerts  # the demo has some: else this proves nothing
        app.announce_cost_alerts(app.dashboard)
        await until(pilot, lambda: any(n.title == "Cost alert" for n in app._notifications))
        await settle(pilot)
        assert MONEY.search(screen_text(app))  # the alert's dollars are on screen
        await open_present(pilot)
        await pilot.press("4", "m")
        await until(pilot, lambda: shown_cost(app) == "%")
        assert not [n.message for n in app._notifications if MONEY.search(n.message)]
        text = screen_text(app)
        assert "MASKED" in text
        assert not MONEY.search(text), MONEY.search(text)
