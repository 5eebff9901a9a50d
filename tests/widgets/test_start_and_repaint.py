"""Start-up and repaints cost what they must and no more: the demo's first frame comes from
memory, ages tick without rebuilding view-models, rebuilds happen off the UI thread, and
records do not burden the garbage collector."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.analytics.sprint import summarize_sprint
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import parse_config
from cockpit.store import Store, SyncAttempt
from cockpit.workspace import Workspace, open_demo_workspace
from integrations.demo import build_demo_snapshot
from tests.conftest import FROZEN_NOW
from tests.widgets.conftest import AppFactory
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar


def _count_dashboards(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the thread of every view-model build."""
    threads: list[str] = []
    build = Workspace.dashboard

    def counted(self: Workspace, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self is workspace:
            threads.append(threading.current_thread().name)
        return build(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Workspace, "dashboard", counted)
    return threads


async def test_the_demo_paints_from_memory_then_keeps_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(FROZEN_NOW)
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    workspace.in_memory = True
    workspace.hold_demo(clock)
    reads: list[int] = []
    latest_all = Store.latest_all
    monkeypatch.setattr(Store, "latest_all", lambda *a, **k: reads.append(1) or latest_all(*a, **k))

    app = CockpitApp(workspace, clock, poll=False)  # syncs start after the first frame
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert all(panel.summary is not None for panel in app.screen.query(Panel))  # type: ignore[attr-defined]
        assert reads == []  # the first frame read nothing back from disk
        await app.workers.wait_for_complete()
        await pilot.pause()
    store = Store(tmp_path / "demo.sqlite")
    assert "demo" in store.latest_times()
    # Kept once, as the sync that built it; not built and written again right after painting.
    assert [a.status for a in store.attempts("demo")] == ["ok"]
    assert workspace.in_hand == {} and not workspace.in_memory


async def test_ages_tick_without_rebuilding_anything(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        builds = _count_dashboards(app.workspace, monkeypatch)
        before = app.dashboard
        assert before is not None
        app.clock.advance(150)  # type: ignore[attr-defined]
        app.tick_ages()
        await pilot.pause()
        assert builds == []
        assert app.dashboard is not None and app.dashboard.sprint is before.sprint
        bar = str(app.screen.query_one(SourceStatusBar).render())
        assert "2m ago" in bar
        assert "2m ago" in str(app.screen.query_one("#sprint", Panel).border_subtitle)


async def test_a_repaint_in_the_background_builds_off_the_ui_thread(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        builds = _count_dashboards(app.workspace, monkeypatch)
        app.clock.advance(120)  # type: ignore[attr-defined]
        await app.rebuild_in_background().wait()
        await pilot.pause()
        assert builds and threading.main_thread().name not in builds
        assert app.dashboard is not None and app.dashboard.now == app.clock.now()


async def test_opening_a_panel_rebuilds_nothing(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        builds = _count_dashboards(app.workspace, monkeypatch)
        for key in ("1", "4", "5"):
            await pilot.press(key, "enter")
            await pilot.pause()
            await pilot.press("escape")
        assert builds == []


def _workspace(tmp_path: Path, text: str) -> Workspace:
    config = parse_config(f'[cockpit]\nstore = "{tmp_path / "c.sqlite"}"\n{text}', tmp_path / "c")
    return Workspace(config, Store(tmp_path / "c.sqlite"))


def test_only_sources_that_are_due_sync_at_start(tmp_path: Path) -> None:
    (tmp_path / "okrs.toml").write_text("")
    workspace = _workspace(
        tmp_path,
        '[sources.jira]\nkind = "jira"\nurl = "https://jira.example.com"\nboard_id = 1\n'
        "refresh_minutes = 15\n"
        '[sources.other]\nkind = "jira"\nurl = "https://jira.example.com"\nboard_id = 2\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n',
    )
    snapshot = build_demo_snapshot(FROZEN_NOW)
    taken = FROZEN_NOW - timedelta(minutes=5)
    workspace.store.write_snapshot(snapshot, SyncAttempt("jira", taken, taken, "ok"))
    workspace.store.write_snapshot(snapshot, SyncAttempt("okrs", taken, taken, "ok"))
    due = workspace.due_in(FROZEN_NOW)
    assert due["jira"] == pytest.approx(600)  # fresh: its poll comes in 10 minutes
    assert due["other"] == 0  # never synced
    assert due["okrs"] == 0  # a local file: always read at start, edits show at once
    workspace.store.record_attempt(SyncAttempt("jira", FROZEN_NOW, FROZEN_NOW, "failed", "500"))
    assert workspace.due_in(FROZEN_NOW)["jira"] == 0  # its last attempt failed


def test_is_there_anything_is_a_query_not_a_decode(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_snapshot(
        build_demo_snapshot(FROZEN_NOW), SyncAttempt("demo", FROZEN_NOW, FROZEN_NOW, "ok")
    )

    def refuse(*_args: object) -> None:
        raise AssertionError("decoded a snapshot")

    monkeypatch.setattr("cockpit.store.decode_snapshot", refuse)
    monkeypatch.setattr("cockpit.store.decode_stored_snapshot", refuse)
    assert store.latest_times() == {"demo": FROZEN_NOW}


def test_records_and_view_models_are_not_tracked_by_the_collector() -> None:
    snapshot = build_demo_snapshot(FROZEN_NOW)
    assert snapshot.sprint is not None
    summary = summarize_sprint(snapshot.sprint, FROZEN_NOW)
    for value in (snapshot, snapshot.sprint, snapshot.sprint.issues[0], summary, summary.issues[0]):
        assert not gc.is_tracked(value), type(value).__name__


def test_headless_demo_commands_use_no_cache_and_no_sync_machinery(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from cockpit.cli import main\n"
        "code = main(['status', '--demo'])\n"
        "print('asyncio' in sys.modules, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**__import__("os").environ, "TMPDIR": str(tmp_path)},
    )
    assert "MLP Sprint" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False 0"
    assert list(tmp_path.iterdir()) == []  # no cache file, no private folder


async def test_a_chart_shown_again_is_not_plotted_again(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual_plotext import PlotextPlot

    builds: list[str] = []
    render = PlotextPlot.render

    def counted(self: PlotextPlot):  # type: ignore[no-untyped-def]
        builds.append(type(self).__name__)
        return render(self)

    monkeypatch.setattr(PlotextPlot, "render", counted)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("1", "enter")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause(0.1)
        shown = builds.count("VelocityChart")
        assert shown >= 1
        for key in ("d", "v", "b", "v"):
            await pilot.press(key)
            await pilot.pause(0.1)
        assert builds.count("VelocityChart") == shown  # same data, same size: drawn from cache


def test_a_build_during_the_first_write_still_sees_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start worker writes the demo out while a rebuild runs on another thread: the
    rebuild must find it in memory or in the store, never in neither."""
    clock = FrozenClock(FROZEN_NOW)
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    workspace.in_memory = True
    workspace.hold_demo(clock)
    entered, written = threading.Event(), threading.Event()
    budgets = Workspace.budgets

    def slow_budgets(self: Workspace):  # type: ignore[no-untyped-def]
        entered.set()
        written.wait(10)
        return budgets(self)

    monkeypatch.setattr(Workspace, "budgets", slow_budgets)
    result = {}
    reader = threading.Thread(
        target=lambda: result.setdefault("d", workspace.dashboard(FROZEN_NOW))
    )
    reader.start()
    assert entered.wait(10)
    workspace.write_in_hand()
    written.set()
    reader.join(10)
    assert result["d"].sprint is not None
    assert [s.state.value for s in result["d"].sources] == ["fresh"]


async def test_an_older_build_never_replaces_a_newer_one(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        first, older = app._build()
        app.clock.advance(300)  # type: ignore[attr-defined]
        second, newer = app._build()
        app._show_build(second, newer)
        app._show_build(first, older)  # finished last, started first
        assert app.dashboard is newer


async def test_a_sync_that_raises_is_polled_again(
    demo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.store import StoreError

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise StoreError("cannot write to the cache: read-only")

    monkeypatch.setattr(Workspace, "sync_job", broken)
    app = CockpitApp(demo_workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        (job,) = demo_workspace.jobs()
        worker = app.sync_source(job)
        for _ in range(50):
            await pilot.pause(0.02)
            if worker.is_finished:
                break
        await pilot.pause()
        assert "demo" in app._poll_timers  # it will be tried again at its next poll
        assert any("read-only" in n.message for n in app._notifications)
