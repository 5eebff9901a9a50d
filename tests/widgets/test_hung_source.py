"""The TUI with a network source that never answers: refreshing neither piles up blocked work
nor starves the other sources."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.app import CockpitApp
from cockpit.clock import SystemClock
from cockpit.workspace import Workspace, open_user_workspace
from tests.conftest import MemoryKeyring
from tests.fakes.blackhole import Blackhole
from tests.integrations.test_local_files import OKRS  # the same small OKR file


@pytest.fixture
def hung_workspace(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[Workspace]:
    """A Jira that accepts connections and never answers, beside a local OKR file."""
    memory_keyring.set_password("cockpit", "jira", "a-personal-access-token")
    (tmp_path / "okrs.toml").write_text(OKRS, encoding="utf-8")
    with Blackhole() as hole:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
            f'[sources.jira]\nkind = "jira"\nurl = "{hole.url}"\nboard_id = 42\n'
            'deployment = "server"\ndeadline = 60\nread_timeout = 30\n\n'
            '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n'
        )
        yield open_user_workspace(str(config))


def jira_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("jira-sync")]


async def test_refresh_during_a_hang_restarts_only_the_sources_that_are_idle(
    hung_workspace: Workspace, tmp_path: Path
) -> None:
    before = len(jira_threads())
    app = CockpitApp(hung_workspace, SystemClock(), sync_on_start=False, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(8):
            await pilot.press("r")
            await pilot.pause(0.1)
        assert "jira" in app.syncing

        (tmp_path / "okrs.toml").write_text(OKRS.replace("v3", "v4"), encoding="utf-8")
        pressed = time.monotonic()
        await pilot.press("r")
        while "Ship ranker v4" not in repr(app.dashboard) and time.monotonic() - pressed < 10:
            await pilot.pause(0.1)
        shown_after = time.monotonic() - pressed

        assert "Ship ranker v4" in repr(app.dashboard), "the edited OKR file never showed"
        assert shown_after < 5.0, f"the edited OKR file took {shown_after:.1f}s to show"
        # One Jira sync, still waiting; the eight other presses did not start another.
        assert len(jira_threads()) - before == 1
        messages = [n.message for n in app._notifications]
        assert "jira is still syncing" in messages
