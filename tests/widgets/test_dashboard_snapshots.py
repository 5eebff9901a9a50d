"""Pixel-exact snapshots of the dashboard on the demo workspace, with the clock frozen."""

from __future__ import annotations

from tests.widgets.conftest import AppFactory


def test_dashboard_80x24(snap_compare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24))


def test_dashboard_160x48(snap_compare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48))


def test_dashboard_200x60(snap_compare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(200, 60))


def test_stale_data_says_so(snap_compare, make_app: AppFactory) -> None:
    """Two hours after the last sync, every panel and the status bar admit the data is stale."""
    assert snap_compare(make_app(minutes_later=120), terminal_size=(120, 36))


def test_sprint_detail_screen(snap_compare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), press=["1", "enter"], terminal_size=(120, 40))


def test_team_detail_screen(snap_compare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), press=["5", "enter"], terminal_size=(120, 30))
