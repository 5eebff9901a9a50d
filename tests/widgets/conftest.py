from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.workspace import Workspace, open_demo_workspace, warm_demo
from tests.conftest import FROZEN_NOW

AppFactory = Callable[..., CockpitApp]


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Workspace:
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    warm_demo(workspace, FrozenClock(FROZEN_NOW))
    return workspace


@pytest.fixture
def make_app(demo_workspace: Workspace) -> AppFactory:
    """A dashboard on a warm demo store, its clock frozen, nothing syncing on its own."""

    def make(*, minutes_later: float = 0, offline: bool = False) -> CockpitApp:
        clock = FrozenClock(FROZEN_NOW + timedelta(minutes=minutes_later))
        return CockpitApp(demo_workspace, clock, offline=offline, sync_on_start=False, poll=False)

    return make
