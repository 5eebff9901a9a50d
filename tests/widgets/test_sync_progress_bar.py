"""The status bar says how far a syncing source has got ("↻ jira 1,200 of 5,000 issues"),
a few times a second, without feeding or rebuilding anything else."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.app import PROGRESS_SECONDS, CockpitApp
from cockpit.clock import FrozenClock
from cockpit.dashboard import Dashboard
from cockpit.workspace import Workspace, open_user_workspace
from tests.conftest import FROZEN_NOW, MemoryKeyring
from tests.fakes.jira_data import make_board
from tests.fakes.jira_server import FakeJira
from widgets.status_bar import SourceStatusBar


@pytest.fixture
def slow_jira() -> Iterator[FakeJira]:
    # 1,000 issues at 100 ms a request: a full sync of a few seconds, ten pages of issues.
    with FakeJira(make_board(now=FROZEN_NOW, issues=1000), latency=0.1) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def workspace(tmp_path: Path, slow_jira: FakeJira, memory_keyring: MemoryKeyring) -> Workspace:
    memory_keyring.set_password("cockpit", "jira", slow_jira.token)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "{slow_jira.url}"\n'
        f'email = "{slow_jira.email}"\nboard_id = 42\n'
    )
    return open_user_workspace(str(config))


async def test_the_status_bar_shows_a_syncing_sources_progress(workspace: Workspace) -> None:
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    fed: list[Dashboard] = []
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        real_show = screen.show  # type: ignore[attr-defined]

        def counting_show(dashboard: Dashboard, syncing: frozenset[str]) -> None:
            fed.append(dashboard)
            real_show(dashboard, syncing)

        screen.show = counting_show  # type: ignore[attr-defined]
        bar = app.screen.query_one(SourceStatusBar)
        renders = 0
        real_render = bar.render

        def counting_render():  # type: ignore[no-untyped-def]
            nonlocal renders
            renders += 1
            return real_render()

        bar.render = counting_render  # type: ignore[method-assign]
        await pilot.press("r")
        seen: list[str] = []
        began = time.monotonic()
        while time.monotonic() - began < 30:
            await pilot.pause(0.05)
            text = str(real_render())  # what the bar shows; not counted as a render
            if not seen or seen[-1] != text:
                seen.append(text)
            if "jira" not in app.syncing and time.monotonic() - began > 0.5:
                break
        took = time.monotonic() - began
        await pilot.pause()
        final = str(real_render())

    counted = [t for t in seen if re.search(r"↻ jira [\d,]+ of 1,0\d\d issues", t)]
    assert len(counted) >= 2, seen  # it moved while the issues came
    assert any("↻ jira connecting" in t for t in seen), seen
    assert "● jira fresh" in final, final
    # The progress reached the bar alone: the screen was fed twice (the ↻, then the new data).
    assert len(fed) <= 2
    # Throttled: the bar rendered about as often as the progress timer fired, not per page.
    assert renders <= took / PROGRESS_SECONDS + 10, (renders, took)
