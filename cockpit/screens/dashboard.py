"""The dashboard: five panels in a grid that reflows with the terminal's width."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen

from cockpit.dashboard import Dashboard
from widgets.cost_panel import CostPanel
from widgets.experiments_panel import ExperimentsPanel
from widgets.footer import KeyFooter
from widgets.okr_panel import OkrPanel
from widgets.panel import Panel, PanelAge
from widgets.sprint_panel import SprintPanel
from widgets.status_bar import SourceStatusBar
from widgets.team_panel import TeamPanel

PANEL_TYPES: dict[str, type[Panel]] = {
    "sprint": SprintPanel,
    "experiments": ExperimentsPanel,
    "okrs": OkrPanel,
    "cost": CostPanel,
    "team": TeamPanel,
}
WIDE_FROM = 140  # columns; below this the grid has two columns


def panel_age(dashboard: Dashboard, area: str) -> PanelAge | None:
    from cockpit.analytics.freshness import format_age

    inputs = dashboard.areas.get(area)
    if inputs is None or not inputs.sources:
        return None
    states = {s.state.value for s in inputs.sources}
    worst = next((s for s in ("failed", "offline", "stale") if s in states), "fresh")
    names = ", ".join(s.source for s in inputs.sources)
    return PanelAge(worst, format_age(inputs.age_seconds), names)


def feed_panel(panel: Panel, dashboard: Dashboard) -> None:
    """Hand a panel its view-model and its age; the panel re-renders itself."""
    panel.summary = getattr(dashboard, panel.PANEL_ID)  # type: ignore[attr-defined]
    panel.age = panel_age(dashboard, panel.PANEL_ID)


class DashboardScreen(Screen[None]):
    # Set before the first layout, so a wide terminal never lays out twice at start-up.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]

    BINDINGS = [
        Binding("1", "focus_panel('sprint')", "Sprint", show=False, id="dashboard.sprint"),
        Binding(
            "2", "focus_panel('experiments')", "Experiments", show=False, id="dashboard.experiments"
        ),
        Binding("3", "focus_panel('okrs')", "OKRs", show=False, id="dashboard.okrs"),
        Binding("4", "focus_panel('cost')", "Cost", show=False, id="dashboard.cost"),
        Binding("5", "focus_panel('team')", "Team", show=False, id="dashboard.team"),
        Binding("right,l", "app.focus_next", "Next panel", show=False, id="dashboard.next"),
        Binding(
            "left,h", "app.focus_previous", "Previous panel", show=False, id="dashboard.previous"
        ),
        Binding("e", "app.export_weekly", "Export", id="dashboard.export"),
    ]

    def __init__(self, initial: Dashboard | None = None) -> None:
        super().__init__()
        self.initial = initial
        self._shown_once = False

    def on_screen_resume(self) -> None:
        # Back from another screen (present mode, an area's screen): fed what the app shows
        # now, which a sync or the mask key may have changed meanwhile.
        if self._shown_once:
            show_current = getattr(self.app, "show_current", None)
            if callable(show_current):
                show_current()
        self._shown_once = True

    def compose(self) -> ComposeResult:
        with Grid(id="panels"):
            for panel_type in PANEL_TYPES.values():
                panel = panel_type()
                if self.initial is not None:
                    feed_panel(panel, self.initial)
                yield panel
        bar = SourceStatusBar()
        if self.initial is not None:
            bar.show(self.initial.sources, offline=self.initial.offline)
        yield bar
        yield KeyFooter()

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        for panel in self.query(Panel):
            feed_panel(panel, dashboard)
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)

    def action_focus_panel(self, panel_id: str) -> None:
        # Focus now, not on the next tick: "4" then Enter typed together must open Cost.
        self.set_focus(self.query_one(f"#{panel_id}", Panel))
