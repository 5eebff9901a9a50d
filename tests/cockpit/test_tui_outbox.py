"""Sending the weekly summary from the TUI, and the outbox a running TUI delivers after a
successful sync: against the fake Slack incoming webhook on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Select

from cockpit import weekly_jobs
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.outbox import Outbox
from cockpit.screens.export_dialog import ExportDialog
from cockpit.workspace import Workspace, open_user_workspace
from tests.conftest import FROZEN_NOW, MemoryKeyring
from tests.fakes.slack_server import FakeSlack
from tests.synced import synced

SIZE = (140, 44)
OKRS = """\
period = "2026-Q4"

[[objectives]]
id = "O1"
title = "Ship the ranking model"

  [[objectives.key_results]]
  id = "KR1"
  title = "Offline AUC from 0.80 to 0.90"
  baseline = 0.80
  target = 0.90
  current = 0.85
"""


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def workspace(tmp_path: Path, slack: FakeSlack, memory_keyring: MemoryKeyring) -> Workspace:
    """A local OKR file (it syncs without a network) and a Slack destination whose webhook
    URL is in the keyring."""
    memory_keyring.set_password("cockpit", "team-slack", slack.url)
    (tmp_path / "okrs.toml").write_text(OKRS, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n\n'
        '[destinations.team-slack]\nkind = "slack"\n'
    )
    workspace = open_user_workspace(str(config))
    # Synced inside the weeks the tests send (W46, and W47 the last full week): an empty
    # summary is refused.
    sundays = (datetime(2026, 11, 15, 20, tzinfo=UTC), datetime(2026, 11, 22, 20, tzinfo=UTC))
    synced(workspace.store, "okrs", *sundays, only="okrs")
    return workspace


def make_app(workspace: Workspace, clock: FrozenClock, *, offline: bool = False) -> CockpitApp:
    return CockpitApp(workspace, clock, offline=offline, sync_on_start=False, poll=False)


async def until(pilot: object, condition: object, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the app did not get there in time")


def said(app: CockpitApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def sync_all(app: CockpitApp, pilot: object) -> None:
    """Sync every source and wait until the syncs and whatever followed them are done."""
    workers = [app.sync_source(job) for job in app.workspace.jobs()]
    await until(pilot, lambda: all(w.is_finished for w in workers))
    assert not [n for n in said(app) if "sync failed" in n]
    await until(pilot, lambda: not [w for w in app.workers if w.group == "outbox"])


def states(workspace: Workspace) -> list[str]:
    return [m.state for m in Outbox(workspace.store).list()]


async def test_a_waiting_message_is_sent_once_after_the_next_successful_sync(
    workspace: Workspace, slack: FakeSlack
) -> None:
    clock = FrozenClock(FROZEN_NOW)
    app = make_app(workspace, clock)
    slack.fail(503, "service unavailable", times=None)  # Slack is down
    async with app.run_test(size=SIZE) as pilot:
        app.send_weekly("team-slack")
        await until(pilot, lambda: any("waiting" in n for n in said(app)))
        assert states(workspace) == ["waiting"]
        assert slack.messages == []
        (notice,) = app._notifications
        assert notice.severity == "warning"
        assert "2026-W47 → team-slack: waiting (" in notice.message  # and why
        assert "Slack failed on its side (503)" in notice.message
        assert slack.url not in notice.message  # the webhook URL is a secret

        slack.clear_faults()  # Slack is back
        clock.advance(3600)  # past the pause the outbox keeps after a failure
        app.clear_notifications()
        await sync_all(app, pilot)
        assert states(workspace) == ["sent"]
        assert len(slack.messages) == 1
        assert any("2026-W47 → team-slack: sent" in n for n in said(app))

        app.clear_notifications()
        clock.advance(3600)
        await sync_all(app, pilot)  # a second sync sends nothing again
        assert len(slack.messages) == 1 and states(workspace) == ["sent"]
        assert not any("Outbox" in n for n in said(app))


async def test_sent_from_the_palette_it_says_sent(workspace: Workspace, slack: FakeSlack) -> None:
    app = make_app(workspace, FrozenClock(FROZEN_NOW))
    async with app.run_test(size=SIZE) as pilot:
        (send,) = [
            c
            for c in app.get_system_commands(app.screen)
            if c.title == "Send weekly summary to team-slack"
        ]
        app.call_later(send.callback)
        await until(pilot, lambda: bool(app._notifications))
        (notice,) = app._notifications
    assert notice.severity == "information"
    assert notice.title == "Weekly summary 2026-W47 → team-slack"
    assert "#1 2026-W47 → team-slack: sent" in notice.message
    assert len(slack.messages) == 1 and states(workspace) == ["sent"]
    body = str(slack.messages[0])
    assert "Weekly status 2026-W47" in body


async def test_sending_the_same_week_again_says_it_was_sent(
    workspace: Workspace, slack: FakeSlack
) -> None:
    app = make_app(workspace, FrozenClock(FROZEN_NOW))
    async with app.run_test(size=SIZE) as pilot:
        first = app.send_weekly("team-slack")
        # The worker ends before its notification reaches the app: wait for the notice too,
        # or it lands after the clearing below and is counted as the second send's.
        await until(pilot, lambda: first.is_finished and bool(app._notifications))
        app.clear_notifications()
        second = app.send_weekly("team-slack")
        await until(pilot, lambda: second.is_finished and bool(app._notifications))
        (notice,) = app._notifications
    assert "already sent on" in notice.message and notice.severity == "warning"
    assert len(slack.messages) == 1


async def test_the_dialog_sends_to_a_chosen_destination(
    workspace: Workspace, slack: FakeSlack
) -> None:
    app = make_app(workspace, FrozenClock(FROZEN_NOW))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#export-to", Select).value = "team-slack"
        dialog.query_one("#export-week", Select).value = "2026-W46"
        await pilot.pause()
        assert dialog.query_one("#export-path").disabled  # the destination decides
        assert str(dialog.query_one("#export-submit").label) == "Send to team-slack"
        await pilot.click("#export-submit")
        await until(pilot, lambda: bool(app._notifications))
    assert [m.week for m in Outbox(workspace.store).list()] == ["2026-W46"]
    assert len(slack.messages) == 1


async def test_offline_a_send_waits_and_a_sync_delivers_nothing(
    workspace: Workspace, slack: FakeSlack
) -> None:
    clock = FrozenClock(FROZEN_NOW)
    app = make_app(workspace, clock, offline=True)
    async with app.run_test(size=SIZE) as pilot:
        worker = app.send_weekly("team-slack")
        await until(pilot, lambda: worker.is_finished and bool(app._notifications))
        (notice,) = app._notifications
        assert "the cockpit is offline" in notice.message
        clock.advance(3600)
        await sync_all(app, pilot)  # the OKR file syncs offline; the outbox stays put
        assert app.deliver_outbox() is None
    assert states(workspace) == ["waiting"]
    assert slack.requests == []


async def test_delivery_after_syncs_runs_on_a_worker_one_at_a_time(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    calls: list[str] = []
    running = threading.Semaphore(1)

    def slow_delivery(*_args: object) -> list[weekly_jobs.Notice]:
        assert running.acquire(blocking=False), "two deliveries ran at once"
        try:
            calls.append(threading.current_thread().name)
            release.wait(30)  # a destination that takes its time
            return [weekly_jobs.Notice("Outbox", "#1 2026-W47 → team-slack: sent")]
        finally:
            running.release()

    monkeypatch.setattr(weekly_jobs, "deliver_outbox", slow_delivery)
    app = make_app(workspace, FrozenClock(FROZEN_NOW))
    try:
        async with app.run_test(size=SIZE) as pilot:
            workers = [app.sync_source(job) for job in app.workspace.jobs()]
            await until(pilot, lambda: all(w.is_finished for w in workers) and bool(calls))
            # The UI answers keys while the delivery runs.
            await pilot.press("3")
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "okrs"
            # More syncs succeed meanwhile: no second delivery piles up behind the first.
            for _ in range(3):
                more = [app.sync_source(job) for job in app.workspace.jobs()]
                await until(pilot, lambda more=more: all(w.is_finished for w in more))
            assert len(calls) == 1
            release.set()
            await until(pilot, lambda: any("sent" in n for n in said(app)))
    finally:
        release.set()
    assert calls and calls[0] != "MainThread"
