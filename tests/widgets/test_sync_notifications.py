"""A failed sync's notification shows the error as written: text from a path or a server is
never read as Rich markup."""

from __future__ import annotations

from pathlib import Path

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.workspace import open_user_workspace
from tests.conftest import FROZEN_NOW


async def test_a_sync_error_with_brackets_is_shown_literally(tmp_path: Path) -> None:
    folder = tmp_path / "[bold]team"
    folder.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.okrs]\nkind = "okr-file"\npath = "{folder / "okrs.toml"}"\n'
    )
    app = CockpitApp(open_user_workspace(str(config)), FrozenClock(FROZEN_NOW), poll=False)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if app._notifications:
                break
        (notice,) = list(app._notifications)
    assert "okrs sync failed" in notice.title
    assert "[bold]team" in notice.message
    assert notice.markup is False
