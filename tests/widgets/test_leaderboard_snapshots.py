"""Snapshots of the leaderboard screen on hand-built runs (`test_leaderboard_sample`), clock
frozen: a bare host app shows the screen, so these pictures change only when it does."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot

from cockpit.screens.leaderboard import LeaderboardScreen
from tests.widgets.test_leaderboard_sample import sample_model
from widgets.run_table import RunTable


class Host(App[None]):
    """The screen alone, fed the sample's model as the app's worker would."""

    def __init__(self, *, loaded: bool = True) -> None:
        super().__init__()
        self.loaded = loaded

    def on_mount(self) -> None:
        screen = LeaderboardScreen()
        self.push_screen(screen)
        if self.loaded:
            screen.set_runs(sample_model())


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def after(*keys: str):
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.3)  # a debounced filter, a chart drawn after its tab
        await settle(pilot)

    return run


def test_leaderboard_runs(snap_compare) -> None:
    """Best first by each experiment's direction; the cursor on the challenger."""
    assert snap_compare(Host(), terminal_size=(140, 40), run_before=after("down"))


def test_leaderboard_loading(snap_compare) -> None:
    assert snap_compare(Host(loaded=False), terminal_size=(120, 30), run_before=settle)


def test_leaderboard_filtered_and_sorted(snap_compare) -> None:
    """Runs with lr=3e-4, newest first."""

    async def filtered(pilot: Pilot) -> None:
        await after("slash", *"lr=3e-4", "enter", "s")(pilot)
        pilot.app.screen.query_one(RunTable).focus()

    assert snap_compare(Host(), terminal_size=(120, 36), run_before=filtered)


def test_leaderboard_history_chart(snap_compare) -> None:
    """Two marked runs with histories and one without."""
    keys = ("space", "down", "space", "down", "down", "space", "c")
    assert snap_compare(Host(), terminal_size=(120, 36), run_before=after(*keys))


def test_leaderboard_velocity(snap_compare) -> None:
    assert snap_compare(Host(), terminal_size=(120, 36), run_before=after("v"))
