"""The TUI under bad networks: the Pilot drives the app while a source fails, hangs and comes back.

The workspace holds three network sources, each on its fake behind a `FaultProxy`
(`tests/faults/sources.py`): Jira (Data Center), MLflow and OpenCost. Through every stage a task
on the app's own event loop measures how late it wakes from 20 ms sleeps: a blocked loop (a
request, a store read or a sleep on the UI's thread) shows up there as a stall, whatever the
screen looks like. At each stage the status bar, read as it renders, must say what is true:
syncing, failed (the notification saying why in words), fresh again once the network is back;
and a source that failed keeps its old data on screen, with that data's age.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.dom import minidom

import pytest
from textual.pilot import Pilot

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.workspace import Workspace, open_user_workspace
from tests.fakes.fault_server import Reply
from tests.faults.scripted import AnyPathServer
from tests.faults.sources import Rig, network_sources, now_utc
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar

SOURCES = ("jira-dc", "mlflow", "opencost")
SIZE = (120, 40)
DEADLINE = 8.0  # each source's deadline in the config: how long a hang lasts
TICK = 0.02  # the loop monitor's sleep
STALL = 1.0  # a wake-up later than this is a blocked event loop
WAIT = 30.0  # generous: the machine is shared; this only proves that the answer comes
# Seconds the clock moves on between the good sync and the faults: "10m ago" afterwards (a
# snapshot is stamped when its sync ends, so a slow first sync takes a few seconds off).
AWAY = 630.0


class LoopLag:
    """How late a task on the app's loop wakes from `TICK`-second sleeps: the worst seen since
    the last `take`. The app runs on the test's loop (`run_test`), so this is the UI's loop."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, loop.time() - asked - TICK)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


@pytest.fixture
def rigs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Rig]]:
    with network_sources(now_utc()) as every:
        chosen = {rig.name: rig for rig in every if rig.name in SOURCES}
        for name in list(os.environ):
            if name.startswith(("COCKPIT_", "AWS_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
        for rig in chosen.values():
            for name, value in rig.env.items():
                monkeypatch.setenv(name, value)
        yield chosen


def open_workspace(folder: Path, rigs: dict[str, Rig], deadline: float = DEADLINE) -> Workspace:
    config = folder / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{folder / "cache.sqlite"}"\n\n'
        + "".join(
            f"[sources.{r.name}]\n{r.block}deadline = {deadline:g}\n\n" for r in rigs.values()
        )
    )
    return open_user_workspace(str(config))


def bar_text(app: CockpitApp) -> str:
    """The status bar of the screen on top, as it renders."""
    screen = next((s for s in reversed(app.screen_stack) if not s.is_modal), app.screen)
    return screen.query_one(SourceStatusBar).render().plain


def screen_text(app: CockpitApp) -> str:
    """What the screen shows, as a reader of the picture sees it."""
    svg = minidom.parseString(app.export_screenshot())
    texts = (node.firstChild.data for node in svg.getElementsByTagName("text") if node.firstChild)
    return "".join(texts).replace("\xa0", " ")


def subtitle(app: CockpitApp, panel_id: str) -> str:
    return str(app.screen.query_one(f"#{panel_id}", Panel).border_subtitle)


def notices(app: CockpitApp) -> dict[str, str]:
    """The latest notification's message by title."""
    return {str(n.title): n.message for n in app._notifications}


async def until(pilot: Pilot, done: Callable[[], bool], what: str, seconds: float = WAIT) -> None:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if done():
            return
        await pilot.pause(0.05)
    assert done(), f"{what} within {seconds:g}s; the status bar says {bar_text(pilot.app)!r}"


async def test_keys_are_answered_and_the_status_bar_tells_the_truth_through_fail_hang_recover(
    rigs: dict[str, Rig], tmp_path: Path
) -> None:
    jira, opencost = rigs["jira-dc"], rigs["opencost"]
    clock = FrozenClock(now_utc())
    app = CockpitApp(open_workspace(tmp_path, rigs), clock, sync_on_start=False, poll=False)
    lags: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot, contextlib.AsyncExitStack() as stack:
        lag = stack.enter_context(LoopLag())

        # 1. All is well: a first sync of every source.
        await pilot.press("r")
        await until(pilot, lambda: bar_text(app).count("fresh") == 3, "every source fresh")
        sprint = app.dashboard.sprint.sprint
        assert sprint and sprint in screen_text(app)
        assert "month to date" in screen_text(app)  # the cost panel's figures
        lags["first sync"] = lag.take()

        # 2. Ten minutes later Jira answers 500 and OpenCost's port refuses connections.
        clock.advance(AWAY)
        scripted = stack.enter_context(AnyPathServer(Reply.json({"message": "boom"}, 500)))
        jira.proxy.upstream = scripted.address
        opencost.proxy.refuse()
        await pilot.press("r")
        await until(pilot, lambda: "↻ jira-dc" in bar_text(app), "the bar shows Jira syncing")
        await until(pilot, lambda: not app.syncing, "the failing syncs end")
        await pilot.pause()
        bar = bar_text(app)
        assert "✖ jira-dc failed 10m ago" in bar
        assert "✖ opencost failed 10m ago" in bar
        assert "● mlflow fresh just now" in bar
        said = notices(app)
        assert re.search(r"server failed|\(500\)", said["jira-dc sync failed"]), said
        assert re.search(r"refused|cannot reach OpenCost", said["opencost sync failed"]), said
        # The failed sources' panels keep their data and say how old it is.
        shown = screen_text(app)
        assert sprint in shown and "month to date" in shown
        assert subtitle(app, "sprint") == "jira-dc · failed · 10m ago"
        assert subtitle(app, "cost") == "opencost · failed · 10m ago"
        lags["500 and refused"] = lag.take()

        # 3. OpenCost is back; Jira's network turns into a black hole: the sync hangs until its
        # deadline, and the keyboard keeps working meanwhile.
        jira.proxy.upstream = jira.home
        jira.proxy.set(blackhole=True)
        opencost.proxy.clear()
        app.clear_notifications()
        await pilot.press("r")
        hung = time.monotonic()
        await until(pilot, lambda: "↻ jira-dc" in bar_text(app), "the bar shows Jira syncing")
        await pilot.press("2")
        assert app.focused is not None and app.focused.id == "experiments"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.name == "leaderboard", "Enter opens the leaderboard")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "escape goes back")
        await pilot.press("4")
        assert app.focused is not None and app.focused.id == "cost"
        await until(
            pilot, lambda: "● opencost fresh just now" in bar_text(app), "OpenCost fresh again"
        )
        assert "jira-dc" in app.syncing, (
            f"the keys were answered only after the hang ended ({time.monotonic() - hung:.1f}s)"
        )
        assert "↻ jira-dc" in bar_text(app)
        assert subtitle(app, "sprint") == "jira-dc · failed · 10m ago"  # the hang changes nothing
        await pilot.press("r")  # Jira is still syncing: not started again, and the user is told
        await until(pilot, lambda: "jira-dc" in notices(app).get("", ""), "r says who still syncs")
        assert notices(app)[""] == "jira-dc is still syncing"
        await until(pilot, lambda: "jira-dc" not in app.syncing, "the hang ends", DEADLINE + WAIT)
        await pilot.pause()
        assert "✖ jira-dc failed 10m ago" in bar_text(app)
        assert re.search(r"deadline|in time", notices(app)["jira-dc sync failed"])
        assert sprint in screen_text(app)
        lags["blackhole"] = lag.take()

        # 4. Jira's network is back: the next refresh makes everything fresh again.
        jira.proxy.clear()
        await pilot.press("r")
        await until(pilot, lambda: bar_text(app).count("fresh just now") == 3, "all fresh again")
        assert "✖" not in bar_text(app)
        assert subtitle(app, "sprint") == "jira-dc · fresh · just now"
        assert subtitle(app, "cost") == "opencost · fresh · just now"
        lags["recovery"] = lag.take()

    stalls = {stage: round(worst, 2) for stage, worst in lags.items() if worst > STALL}
    assert not stalls, f"the event loop stalled (seconds late, by stage): {stalls}"


async def test_q_quits_at_once_while_a_source_hangs(rigs: dict[str, Rig], tmp_path: Path) -> None:
    rigs["jira-dc"].proxy.set(blackhole=True)
    app = CockpitApp(open_workspace(tmp_path, rigs, deadline=60), FrozenClock(now_utc()))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "↻ jira-dc" in bar_text(app), "the bar shows Jira syncing")
        await until(pilot, lambda: bar_text(app).count("fresh") == 2, "the other sources sync")
        assert "jira-dc" in app.syncing
        pressed = time.monotonic()
        await pilot.press("q")
    waited = time.monotonic() - pressed
    assert waited < 5.0, f"q took {waited:.1f}s to quit while Jira hung (its deadline: 60s)"
