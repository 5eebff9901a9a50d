"""An unexpected error on a worker thread becomes one notification, in words, with no secret."""

from __future__ import annotations

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.workspace import Workspace
from tests.conftest import FROZEN_NOW


async def test_a_worker_error_is_shown_without_the_webhook_path(demo_workspace: Workspace) -> None:
    app = CockpitApp(demo_workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)

    def fails() -> None:
        raise RuntimeError("no answer from https://hooks.slack.com/services/T0/B0/SeCrEt")

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.run_worker(fails, name="delivery", thread=True, exit_on_error=False)
        for _ in range(100):
            if app._notifications:
                break
            await pilot.pause(0.05)
        shown = [n.message for n in app._notifications]
    assert shown == ["RuntimeError: no answer from https://hooks.slack.com/…"]
