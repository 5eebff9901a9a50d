"""The leaderboard screen driven through the Pilot: opened from the Experiments panel, its runs
built on a worker from hand-built data (not the demo), sorted, filtered, browsed and opened."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TabbedContent

from cockpit.models import ExperimentData
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.leaderboard import LeaderboardScreen
from tests.widgets.conftest import AppFactory
from tests.widgets.test_leaderboard_sample import run, sample_data
from widgets.run_detail import RunDetail
from widgets.run_table import RunTable


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[ExperimentData]]:
    """`Workspace.experiment_runs` answers `holder["data"]` (the sample) instead of the demo."""
    holder = {"data": sample_data()}
    monkeypatch.setattr("cockpit.workspace.Workspace.experiment_runs", lambda self: holder["data"])
    return holder


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def open_leaderboard(pilot: Pilot) -> LeaderboardScreen:
    await settle(pilot)
    await pilot.press("2", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, LeaderboardScreen)
    for _ in range(250):  # the model is built on a worker thread
        if screen.model is not None:
            break
        await asyncio.sleep(0.02)
    assert screen.model is not None, "the runs never reached the screen"
    await settle(pilot)
    return screen


def shown(screen: LeaderboardScreen) -> list[str]:
    table = screen.query_one(RunTable)
    assert table.model is not None
    return [table.model.rows[i].run.name for i in table.view]


def count_text(screen: LeaderboardScreen) -> str:
    return str(screen.query_one("#run-count", Static).render())


def detail_text(screen: LeaderboardScreen) -> str:
    return str(screen.query_one(RunDetail).render())


async def test_enter_on_the_experiments_panel_opens_the_leaderboard_with_every_run(
    make_app: AppFactory, runs
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        assert len(shown(screen)) == 11
        assert shown(screen)[0] == "lr-sweep-3e4"  # the best NDCG over its history
        assert count_text(screen).startswith("11 runs · sorted by value, best first")
        assert isinstance(screen.focused, RunTable)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_screen_says_it_is_loading_until_the_runs_arrive(make_app: AppFactory) -> None:
    from cockpit.screens.leaderboard import LeaderboardScreen

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.load_runs = lambda: None  # type: ignore[method-assign]  # the worker never comes
        await pilot.press("2", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaderboardScreen)
        assert count_text(screen).startswith("Loading ")
        assert "runs…" in count_text(screen)
        assert screen.query_one(RunTable).current() is None
        await pilot.press("s", "down", "o")  # nothing to sort, move or open: no crash


async def test_sort_keys_reorder_and_reverse(make_app: AppFactory, runs) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        await pilot.press("s")  # value → started, newest first
        assert screen.sort_key == "started"
        assert shown(screen)[0] == "distill-small"
        assert "sorted by start, newest first" in count_text(screen)
        await pilot.press("S")
        assert shown(screen)[0] == "prod-2026-10"  # the oldest
        assert "oldest first" in count_text(screen)
        await pilot.press("s", "s")  # duration, then name
        assert screen.sort_key == "name"
        assert shown(screen)[:2] == ["conformer-l", "conformer-m"]
        for _ in range(3):
            await pilot.press("s")
        assert screen.sort_key == "value"  # round the keys
        await pilot.press("S")
        assert shown(screen)[-2:] == ["fp16-diverged", "conformer-m-ctc"]  # unranked stay last


async def test_typing_a_filter_narrows_the_table_after_a_pause(make_app: AppFactory, runs) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        # A pause longer than a loaded machine takes between two of the Pilot's keys, so that
        # "one refill for the whole word" tests the debounce, not the machine's speed.
        screen.FILTER_DELAY = 2.0
        refills = screen.refills
        await pilot.press("slash", *"conformer")
        assert isinstance(screen.focused, Input)
        assert screen.refills == refills  # debounced: nothing yet
        # After the pause the refill comes; on a loaded machine the timer and the repaint may
        # take longer than the pause itself, so wait for it (each key restarted the timer:
        # there is at most one refill to wait for).
        await pilot.pause(screen.FILTER_DELAY)
        for _ in range(100):
            if screen.refills != refills:
                break
            await pilot.pause(0.1)
        await settle(pilot)
        assert screen.refills == refills + 1  # one refill for the whole word
        assert shown(screen) == ["conformer-l", "conformer-m", "conformer-m-ctc"]
        assert count_text(screen).startswith("3 of 11 runs")
        await pilot.press("escape")  # leaves the box, keeps the filter
        assert isinstance(screen.focused, RunTable)
        assert len(shown(screen)) == 3
        screen.query_one("#filter-status", Select).value = "FINISHED"
        await settle(pilot)
        assert count_text(screen).startswith("2 of 11 runs")
        await pilot.press("w")  # the time window: 24 hours
        assert count_text(screen).startswith("0 of 11 runs")


async def test_the_cursor_moves_redraws_two_rows_and_the_detail_follows(
    make_app: AppFactory, runs
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        table = screen.query_one(RunTable)
        assert "lr-sweep-3e4" in detail_text(screen)
        drawn = table.redraws
        await pilot.press("down")
        await settle(pilot)
        assert table.current() is not None and table.current().run.name == "wide-24-layers"
        assert table.redraws - drawn == 2  # the row left and the row reached
        detail = detail_text(screen)
        assert "wide-24-layers" in detail and "challenger" in detail
        assert "lr=3e-4" in detail and "layers=24" in detail  # params
        assert "+0.0110" in detail  # against the champion
        await pilot.press("end")
        assert table.current().run.name == "conformer-m-ctc"
        assert "not ranked" in detail_text(screen)


async def test_o_opens_the_selected_run_in_the_browser(make_app: AppFactory, runs) -> None:
    app = make_app()
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await open_leaderboard(pilot)
        await pilot.press("down", "o")
        assert opened == ["http://mlflow.test:5000/#/experiments/1/runs/r3"]


async def test_marked_runs_are_charted_and_runs_without_history_say_so(
    make_app: AppFactory, runs
) -> None:
    from widgets.run_chart import RunHistoryChart

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        assert "history" not in screen.built  # built when first shown
        # lr-sweep-3e4 (history), then no-history (4th by value).
        await pilot.press("space", "down", "down", "down", "space")
        assert "2 marked" in count_text(screen)
        await pilot.press("c")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "history"
        chart = screen.query_one(RunHistoryChart)
        assert [s.label for s in chart.series] == ["lr-sweep-3e4"]
        notes = str(screen.query_one("#history-notes", Static).render())
        assert "no-history: no synced history" in notes


async def test_velocity_follows_the_experiment_filter(make_app: AppFactory, runs) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        await pilot.press("v")
        await settle(pilot)
        text = str(screen.query_one("#velocity-text", Static).render())
        assert "all experiments" in text and "This week 9 started" in text
        screen.query_one("#filter-experiment", Select).value = 2  # vision-vit
        await settle(pilot)
        text = str(screen.query_one("#velocity-text", Static).render())
        assert "vision-vit" in text and "This week 2 started" in text


async def test_a_sync_with_new_runs_hands_the_screen_a_new_model(
    make_app: AppFactory, runs
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        await pilot.press("down")  # on wide-24-layers
        before = screen.model
        mlflow, wandb = runs["data"]
        newer = run("r9", "1", "record-breaker", "FINISHED", "ana", days_ago=0.1, hours=1,
                    metrics={"val_ndcg@10": 0.7})  # fmt: skip
        runs["data"] = [msgspec.structs.replace(mlflow, runs=(*mlflow.runs, newer)), wandb]
        app.runs_changed()
        for _ in range(250):
            if screen.model is not before:
                break
            await asyncio.sleep(0.02)
        await settle(pilot)
        assert shown(screen)[0] == "record-breaker"
        assert screen.query_one(RunTable).current().run.name == "wide-24-layers"  # kept
        assert count_text(screen).startswith("12 runs")


async def test_a_second_visit_reuses_the_runs_until_a_sync_changes_them(
    make_app: AppFactory, runs
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_leaderboard(pilot)
        model = screen.model
        await pilot.press("escape")
        calls: list[int] = []
        app.load_runs = lambda: calls.append(1)  # type: ignore[method-assign]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeaderboardScreen)
        assert app.screen.model is model and calls == []
        app.runs_changed()
        assert calls == [1]


async def test_the_runs_model_follows_the_clock_while_the_screen_is_open(
    make_app: AppFactory, runs
) -> None:
    """Time windows and "new today" are relative to when the model was built: an open
    leaderboard gets a new model once the old one is out of date, and a visit after that
    rebuilds it behind the kept one; within the quarter hour, nothing is rebuilt."""
    from cockpit.app import RUNS_MODEL_FRESH_SECONDS

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_leaderboard(pilot)
        calls: list[int] = []
        app.load_runs = lambda: calls.append(1)  # type: ignore[method-assign]
        app._minute()
        assert calls == []
        app.clock.advance(RUNS_MODEL_FRESH_SECONDS)  # type: ignore[attr-defined]
        app._minute()
        assert calls == [1]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeaderboardScreen) and app.screen.model is app.runs
        assert calls == [1, 1]


def test_the_app_module_does_not_import_the_leaderboard_at_start() -> None:
    """The screen, its table and charts load when Enter is pressed, not with the app."""
    import subprocess
    import sys

    code = (
        "import sys, cockpit.app; "
        "print(any(m in sys.modules for m in ('cockpit.screens.leaderboard', 'widgets.run_table')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
