"""The sprint in full: header with health, then Board, Issues, Velocity and Burndown tabs.

Pushed when Enter is pressed on the Sprint panel. Like every screen, it is fed through
`show(dashboard, syncing)`, so it updates live and says how fresh its data is. Enter on an issue
(a board card or a table row) opens its details; `o` opens the focused issue in the browser.

A tab's widgets are built the first time it is shown, and a feed whose sprint did not change
(the app repaints right after pushing the screen, and every 10 s) touches only the header's age
and the status bar.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent, TabPane, Tabs

from cockpit.analytics.sprint import IssueRow, SprintSummary
from cockpit.dashboard import Dashboard
from cockpit.formatting import amount
from cockpit.screens.dashboard import panel_age
from widgets.footer import KeyFooter
from widgets.issue_detail import IssueDetail
from widgets.issue_table import IssueLineTable, IssueTable
from widgets.panel import line, stack
from widgets.sprint_board import SprintBoard
from widgets.sprint_panel import SprintHeader
from widgets.status_bar import SourceStatusBar

TABS = ("board", "issues", "velocity", "burndown")
TAB_TITLES = {"board": "Board", "issues": "Issues", "velocity": "Velocity", "burndown": "Burndown"}
_UNSET = object()  # no sprint fed yet (None is a sprint-less dashboard)


def velocity_text(summary: SprintSummary | None) -> Content:
    from widgets.velocity_chart import velocity_legend

    velocity = summary.velocity_history if summary else None
    if velocity is None or not velocity.sprints:
        return line(("No closed sprints yet: velocity needs history.", "$foreground-muted"))
    done = [entry.completed for entry in velocity.sprints]
    best = max(velocity.sprints, key=lambda entry: entry.completed)
    worst = min(velocity.sprints, key=lambda entry: entry.completed)
    committed = sum(entry.committed for entry in velocity.sprints)
    ratio = sum(done) / committed if committed else 0.0
    return stack(
        [
            velocity_legend(velocity),
            line(
                (f"Last {len(velocity.sprints)} sprints: ", "$foreground-muted"),
                f"{ratio * 100:.0f}% of committed work completed",
                ("   best ", "$foreground-muted"),
                f"{best.sprint} ({amount(best.completed)})",
                ("   lowest ", "$foreground-muted"),
                f"{worst.sprint} ({amount(worst.completed)})",
            ),
        ]
    )


def burndown_text(summary: SprintSummary | None) -> Content:
    from widgets.burndown_chart import burndown_legend

    burndown = summary.burndown if summary else None
    if burndown is None or not burndown.days:
        return line(
            ("No burndown: the sprint has no start and end dates yet.", "$foreground-muted")
        )
    known = [day for day in burndown.days if day.remaining is not None]
    parts: list[str | tuple[str, str]] = [
        ("Committed ", "$foreground-muted"),
        f"{amount(burndown.committed)} {burndown.unit}",
        ("   added ", "$foreground-muted"),
        (f"+{amount(burndown.scope_added)}", "$warning" if burndown.scope_added else ""),
        ("   removed ", "$foreground-muted"),
        (f"−{amount(burndown.scope_removed)}", "$success" if burndown.scope_removed else ""),
    ]
    if known:
        today = known[-1]
        gap = (today.remaining or 0.0) - today.ideal
        parts += [
            ("   remaining ", "$foreground-muted"),
            f"{amount(round(today.remaining or 0.0, 1))} {burndown.unit}",
            ("   vs ideal ", "$foreground-muted"),
            (f"{gap:+.1f}", "$error" if gap > 0 else "$success"),
        ]
    if burndown.skip_weekends:
        parts += [("   weekends left out", "$foreground-muted")]
    return stack([burndown_legend(burndown), line(*parts)])


class SprintScreen(Screen[None]):
    DEFAULT_CSS = """
    SprintScreen {
        layout: vertical;
    }
    SprintScreen > TabbedContent {
        height: 1fr;
    }
    SprintScreen TabPane {
        padding: 0 1;
    }
    SprintScreen .chart-notes {
        height: auto;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SprintScreen .tab-body {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="sprint.back"),
        Binding("o", "open_issue", "Open in browser", id="sprint.open_issue"),
        Binding("b", "show_tab('board')", "Board", show=False, id="sprint.tab_board"),
        Binding("i", "show_tab('issues')", "Issues", show=False, id="sprint.tab_issues"),
        Binding("v", "show_tab('velocity')", "Velocity", show=False, id="sprint.tab_velocity"),
        Binding("d", "show_tab('burndown')", "Burndown", show=False, id="sprint.tab_burndown"),
        Binding("slash", "search", "Filter", key_display="/", id="sprint.filter"),
    ]

    def __init__(self, initial: Dashboard | None = None, *, tab: str = "board") -> None:
        super().__init__(name="sprint")
        self.initial = initial
        self.initial_tab = tab if tab in TABS else "board"
        self.summary: SprintSummary | None = None
        self._fed: object = _UNSET  # the summary the tabs were last fed
        self.built: set[str] = set()  # the tabs whose widgets exist

    def compose(self) -> ComposeResult:
        yield SprintHeader()
        with TabbedContent(initial=self.initial_tab):
            for tab in TABS:
                with TabPane(TAB_TITLES[tab], id=tab):
                    if tab == self.initial_tab:
                        self.built.add(tab)
                        yield from self._tab_body(tab)
        yield SourceStatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.initial is not None:
            self.show(self.initial, frozenset())
        # Focus the tab's widget now, before the first paint: the footer is then built once,
        # for the board's keys, not first for the tab strip's. Again after the first refresh,
        # for a tab whose widget could not take the focus yet.
        self._focus_tab()
        self.call_after_refresh(self._focus_tab)

    # --- building tabs on first sight --------------------------------------------------

    def _active(self) -> SprintSummary | None:
        summary = self.summary
        return summary if summary is not None and summary.state == "active" else None

    def _tab_body(self, tab: str) -> list[Widget]:
        """A tab's widgets, already holding the current sprint."""
        summary, active = self.summary, self._active()
        if tab == "board":
            board = SprintBoard()
            self._feed_board(board)
            return [board]
        if tab == "issues":
            table = IssueTable()
            self._feed_table(table)
            return [table]
        if tab == "velocity":
            from widgets.velocity_chart import VelocityChart

            velocity = summary.velocity_history if summary else None
            return [
                Vertical(
                    VelocityChart(velocity, id="velocity-chart"),
                    Static(velocity_text(summary), classes="chart-notes", id="velocity-notes"),
                    classes="tab-body",
                )
            ]
        from widgets.burndown_chart import BurndownChart

        burndown = active.burndown if active else None
        return [
            Vertical(
                BurndownChart(burndown, id="burndown-chart", detailed=True),
                Static(burndown_text(active), classes="chart-notes", id="burndown-notes"),
                classes="tab-body",
            )
        ]

    async def build_tab(self, tab: str) -> None:
        """Mount a tab's widgets the first time it is shown; keys wait until they are ready."""
        if tab in self.built or tab not in TABS:
            return
        self.built.add(tab)
        await self.query_one(f"#{tab}", TabPane).mount_all(self._tab_body(tab))

    # --- feeding ----------------------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        summary = dashboard.sprint
        header = self.query_one(SprintHeader)
        header.age = panel_age(dashboard, "sprint")
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
        # The same sprint again (a repaint right after the screen opened, an age tick): the
        # tabs already show it, and comparing is far cheaper than feeding 10,000 issues.
        if summary is self._fed or (self._fed is not _UNSET and summary == self._fed):
            return
        self._fed = summary
        self.summary = summary
        header.summary = summary
        active = self._active()
        if "board" in self.built:
            self._feed_board(self.query_one(SprintBoard))
        if "issues" in self.built:
            self._feed_table(self.query_one(IssueTable))
        if "velocity" in self.built:
            from widgets.velocity_chart import VelocityChart

            self.query_one(VelocityChart).velocity = summary.velocity_history if summary else None
            self.query_one("#velocity-notes", Static).update(velocity_text(summary))
        if "burndown" in self.built:
            from widgets.burndown_chart import BurndownChart

            self.query_one(BurndownChart).burndown = active.burndown if active else None
            self.query_one("#burndown-notes", Static).update(burndown_text(active))

    def _feed_board(self, board: SprintBoard) -> None:
        summary, active = self.summary, self._active()
        board.unit = summary.unit if summary else "pts"
        board.columns = summary.columns if summary else ()
        board.issues = active.issues if active else ()

    def _feed_table(self, table: IssueTable) -> None:
        summary, active = self.summary, self._active()
        table.columns = summary.columns if summary else ()
        table.issues = active.issues if active else ()

    # --- actions ----------------------------------------------------------------------

    def action_back(self) -> None:
        # Escape in the filter box leaves the box, not the screen: the filter stays applied.
        if isinstance(self.focused, Input):
            self.query_one(IssueTable).flush_filter()
            self.query_one(IssueLineTable).focus()
            return
        self.app.pop_screen()

    async def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        await self.build_tab(tab)
        if tab not in ("board", "issues"):
            # A focused board in the pane being left would pull TabbedContent back to it.
            tabs.query_one(Tabs).focus()
        tabs.active = tab
        # Focus now, so that keys typed right after the tab key land in the new tab.
        self._focus_tab()

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # A tab clicked with the mouse is built here; the tab keys built it already.
        await self.build_tab(str(event.pane.id))
        self.call_after_refresh(self._focus_tab)

    def _focus_tab(self) -> None:
        """Put the focus where the active tab's keys work: the board, or the table."""
        active = self.query_one(TabbedContent).active
        focused = self.focused
        if active == "board":
            board = self.query_one(SprintBoard)
            if focused is not board and board.focusable:
                board.focus()
        elif active == "issues":
            table = self.query_one(IssueTable)
            if focused is None or focused not in table.query("*"):
                table.query_one(IssueLineTable).focus()

    async def action_search(self) -> None:
        await self.action_show_tab("issues")
        self.query_one("#filter-text").focus()

    def current_issue(self) -> IssueRow | None:
        """The issue the user is on: the board's selected card, or the table's cursor row."""
        focused = self.focused
        if isinstance(focused, SprintBoard):
            return focused.selected_issue()
        if self.query_one(TabbedContent).active == "issues":
            return self.query_one(IssueTable).selected_issue()
        return None

    def action_open_issue(self) -> None:
        issue = self.current_issue()
        if issue is None:
            self.notify("Select an issue on the Board or Issues tab first.", severity="warning")
        elif not issue.url:
            self.notify(f"{issue.key} has no link.", severity="warning")
        else:
            self.app.open_url(issue.url)

    def on_sprint_board_selected(self, event: SprintBoard.Selected) -> None:
        self.open_detail(event.issue)

    def on_issue_table_selected(self, event: IssueTable.Selected) -> None:
        self.open_detail(event.issue)

    def open_detail(self, issue: IssueRow) -> None:
        self.app.push_screen(IssueDetail(issue))
