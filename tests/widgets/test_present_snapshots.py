"""Pixel-exact snapshots of screen-share mode on the demo workspace, clock frozen: present mode
unmasked and masked, and the dashboard with the mask marker. The countdown's timer is stopped
(`TICK_SECONDS` an hour long), so every picture says "in 20 s"."""

from __future__ import annotations

import pytest

import cockpit.screens.present as present
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.workspace import Workspace
from tests.conftest import FROZEN_NOW


@pytest.fixture(autouse=True)
def still_countdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(present, "TICK_SECONDS", 3600.0)


def app(workspace: Workspace, *, masked: bool = False) -> CockpitApp:
    clock = FrozenClock(FROZEN_NOW)
    return CockpitApp(workspace, clock, sync_on_start=False, poll=False, masked=masked)


def test_present_sprint(snap_compare, demo_workspace: Workspace) -> None:
    assert snap_compare(app(demo_workspace), press=["p"], terminal_size=(120, 40))


def test_present_cost(snap_compare, demo_workspace: Workspace) -> None:
    assert snap_compare(app(demo_workspace), press=["p", "4"], terminal_size=(120, 40))


def test_present_cost_masked(snap_compare, demo_workspace: Workspace) -> None:
    shown = app(demo_workspace, masked=True)
    assert snap_compare(shown, press=["p", "4"], terminal_size=(120, 40))


def test_present_team_masked(snap_compare, demo_workspace: Workspace) -> None:
    shown = app(demo_workspace, masked=True)
    assert snap_compare(shown, press=["p", "5"], terminal_size=(120, 40))


def test_present_paused_at_80x24(snap_compare, demo_workspace: Workspace) -> None:
    assert snap_compare(app(demo_workspace), press=["p", "2", "space"], terminal_size=(80, 24))


def test_dashboard_masked(snap_compare, demo_workspace: Workspace) -> None:
    assert snap_compare(app(demo_workspace, masked=True), terminal_size=(160, 48))
