"""A panel's detail screen: the same view, full-screen and with everything shown.

Later issues give each area its own richer screen (board, leaderboard, budgets…).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen

from cockpit.dashboard import Dashboard
from cockpit.screens.dashboard import PANEL_TYPES, feed_panel
from widgets.footer import KeyFooter
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar


class DetailScreen(Screen[None]):
    """The panel drawn in full, in a scroll view: a team of 300 or 40 services all fit."""

    BINDINGS = [
        Binding("escape,backspace", "app.pop_screen", "Back", id="detail.back"),
    ]

    def __init__(self, panel_id: str) -> None:
        super().__init__(name=f"detail-{panel_id}")
        self.panel_id = panel_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False):
            yield PANEL_TYPES[self.panel_id](detailed=True, id=f"detail-{self.panel_id}")
        yield SourceStatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Panel).focus()

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        for panel in self.query(Panel):
            feed_panel(panel, dashboard)
            # Its height follows its rows: measure again.
            panel.clear_cached_dimensions()
            panel.refresh(layout=True)
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
