"""The leaderboard: every run of every experiment source, sortable and filterable, with the
selected run's detail, the metric history of marked runs, and the team's experiment velocity.

Pushed when Enter is pressed on the Experiments panel. The runs come from the app: a worker
thread reads them and builds the table's model (`cockpit.analytics.run_table`), then hands it
over with `set_runs`; until then the table says how many runs are loading. A sync that brings
new runs hands a new model the same way, and the cursor stays on its run. Like every screen it
is also fed `show(dashboard, syncing)`, for its age and the status bar.

Sorting and filtering reorder an index of row positions (`RunIndex`), never widgets; typing in
the filter box is debounced. The History and Velocity tabs are built when first shown.
"""

from __future__ import annotations

from typing import Any

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TabbedContent, TabPane, Tabs

from cockpit.analytics.run_table import (
    SORT_KEYS,
    SORT_LABEL,
    WINDOWS,
    RunFilter,
    RunRow,
    RunTableModel,
    board_velocity,
)
from cockpit.dashboard import Dashboard
from cockpit.formatting import plural
from cockpit.screens.dashboard import panel_age
from widgets.footer import KeyFooter
from widgets.panel import PanelAge, line
from widgets.run_detail import RunDetail
from widgets.run_table import RunTable
from widgets.select_options import refill
from widgets.status_bar import SourceStatusBar

TABS = ("runs", "history", "velocity")
TAB_TITLES = {"runs": "Runs", "history": "History", "velocity": "Velocity"}
FILTER_DELAY = 0.15  # seconds after the last keystroke before the table follows the filter
# How each sort reads, in its natural order and reversed.
DIRECTION = {
    "value": ("best first", "worst first"),
    "started": ("newest first", "oldest first"),
    "duration": ("longest first", "shortest first"),
    "name": ("A→Z", "Z→A"),
    "user": ("A→Z", "Z→A"),
    "status": ("running first", "finished first"),
}
WINDOW_LABEL = {"all": "All time", "24h": "24 hours", "7d": "7 days", "30d": "30 days",
                "90d": "90 days"}  # fmt: skip


class LeaderboardScreen(Screen[None]):
    DEFAULT_CSS = """
    LeaderboardScreen {
        layout: vertical;
    }
    LeaderboardScreen > #leaderboard-header {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    LeaderboardScreen > #run-filters {
        height: auto;
    }
    LeaderboardScreen #run-filter {
        width: 2fr;
    }
    LeaderboardScreen #run-filters Select {
        width: 1fr;
    }
    LeaderboardScreen > #run-count {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    LeaderboardScreen > TabbedContent {
        height: 1fr;
    }
    LeaderboardScreen #run-detail-box {
        height: 11;
        border-top: solid $foreground 20%;
    }
    LeaderboardScreen .tab-body {
        height: 1fr;
    }
    LeaderboardScreen .chart-notes {
        height: auto;
        max-height: 8;
        padding: 0 1;
    }
    LeaderboardScreen #velocity-text {
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="leaderboard.back"),
        Binding("o", "open_run", "Open in browser", id="leaderboard.open_run"),
        Binding("s", "cycle_sort", "Sort", id="leaderboard.sort"),
        Binding("S", "reverse_sort", "Reverse", id="leaderboard.reverse"),
        Binding("w", "cycle_window", "Time window", show=False, id="leaderboard.window"),
        Binding("slash", "search", "Filter", key_display="/", id="leaderboard.filter"),
        Binding("b", "show_tab('runs')", "Runs", show=False, id="leaderboard.tab_runs"),
        Binding("c", "show_tab('history')", "Chart", show=False, id="leaderboard.tab_history"),
        Binding("v", "show_tab('velocity')", "Velocity", show=False, id="leaderboard.tab_velocity"),
    ]

    FILTER_DELAY = FILTER_DELAY
    AUTO_FOCUS = "RunTable"

    def __init__(self, initial: Dashboard | None = None, *, tab: str = "runs") -> None:
        super().__init__(name="leaderboard")
        self.initial = initial
        self.initial_tab = tab if tab in TABS else "runs"
        self.model: RunTableModel | None = None
        self.run_filter = RunFilter()
        self.sort_key = "value"
        self.reverse = False
        self.shown: tuple[int, ...] = ()  # the row positions the table shows
        self.refills = 0
        self.built: set[str] = set()
        self._age: PanelAge | None = None
        self._typed: str | None = None
        self._typing: Timer | None = None
        self._options: tuple[Any, ...] | None = None
        summary = getattr(initial, "experiments", None) if initial is not None else None
        self.expected = getattr(summary, "runs_total", None)  # runs the dashboard counted

    # --- composing --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="leaderboard-header")
        with Horizontal(id="run-filters"):
            yield Input(
                placeholder="Filter: name, param=value, user:NAME, tag:KEY, status:failed…",
                id="run-filter",
            )
            yield Select[int]([], prompt="Experiment", id="filter-experiment")
            yield Select[str]([], prompt="Status", id="filter-status")
            yield Select[str]([], prompt="User", id="filter-user")
            yield Select[str](
                [(WINDOW_LABEL[w], w) for w in WINDOWS if w != "all"],
                prompt="All time",
                id="filter-window",
            )
        yield Static(id="run-count")
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
        if self.model is not None:
            self._refresh_options()
            self.shown = self.model.index.view(self.run_filter, self.sort_key, self.reverse)
            if "runs" in self.built:
                self.query_one(RunTable).set_model(self.model, self.shown)
        self._show_header()
        self._show_count()
        self.call_after_refresh(self._focus_tab)

    def _tab_body(self, tab: str) -> list[Widget]:
        if tab == "runs":
            table = RunTable(id="run-table")
            table.sort_key, table.reverse = self.sort_key, self.reverse
            table.placeholder = self._loading_text()
            detail = RunDetail(id="run-detail")
            return [
                Vertical(
                    table,
                    VerticalScroll(detail, id="run-detail-box", can_focus=False),
                    classes="tab-body",
                )
            ]
        if tab == "history":
            from widgets.run_chart import RunHistoryChart

            return [
                Vertical(
                    RunHistoryChart(id="history-chart"),
                    Static(classes="chart-notes", id="history-notes"),
                    classes="tab-body",
                )
            ]
        return [VerticalScroll(Static(id="velocity-text"), classes="tab-body")]

    async def build_tab(self, tab: str) -> None:
        if tab in self.built or tab not in TABS:
            return
        self.built.add(tab)
        await self.query_one(f"#{tab}", TabPane).mount_all(self._tab_body(tab))
        if tab == "runs" and self.model is not None:
            self.query_one(RunTable).set_model(self.model, self.shown)
        elif tab == "history":
            self._feed_chart()
        elif tab == "velocity":
            self._feed_velocity()

    # --- feeding ----------------------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        """The dashboard's age and sources: the runs themselves come through `set_runs`."""
        self._age = panel_age(dashboard, "experiments")
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
        self._show_header()

    def set_runs(self, model: RunTableModel) -> None:
        """A model built off the UI loop: the table, the filters and the tabs follow it."""
        if model is self.model:
            return
        self.model = model
        if self.is_mounted:
            self._refresh_options()  # may drop a filter value no run has any more
        self.shown = model.index.view(self.run_filter, self.sort_key, self.reverse)
        self.refills += 1
        if not self.is_mounted:
            return  # on_mount shows it
        if "runs" in self.built:
            self.query_one(RunTable).set_model(model, self.shown)
        if "history" in self.built:
            self._feed_chart()
        if "velocity" in self.built:
            self._feed_velocity()
        self._show_header()
        self._show_count()

    def _loading_text(self) -> str:
        if self.expected:
            return f"Loading {plural(self.expected, 'run')}…"
        return "Loading runs…"

    def _show_header(self) -> None:
        parts: list[Any] = [("Leaderboard", "bold")]
        model = self.model
        if model is not None:
            sources = len({b.source for b in model.boards})
            parts.append(
                (
                    f"  {plural(len(model), 'run')} in {plural(len(model.boards), 'experiment')}"
                    f" from {plural(sources, 'source')}",
                    "$text-muted",
                )
            )
        age = self._age
        if age is not None:
            style = {"fresh": "$text-success", "failed": "$text-error"}.get(
                age.state, "$text-warning"
            )
            parts += [("   ", ""), (age.label, style)]
        self.query_one("#leaderboard-header", Static).update(line(*parts))

    def _refresh_options(self) -> None:
        model = self.model
        if model is None:
            return
        several = len({b.source for b in model.boards}) > 1
        experiments = [
            (f"{b.label} ({b.source})" if several else b.label, n)
            for n, b in enumerate(model.boards)
        ]
        options = (tuple(experiments), model.statuses, model.users)
        if options == self._options:
            return
        self._options = options
        # `refill` shows the labels as plain text: they come from the trackers.
        choices: dict[str, list[tuple[str, Any]]] = {
            "filter-experiment": list(experiments),
            "filter-status": [(s.lower(), s) for s in model.statuses],
            "filter-user": [(u, u) for u in model.users],
        }
        for select_id, values in choices.items():
            refill(self.query_one(f"#{select_id}", Select), values)
        flt = self.run_filter
        changes: dict[str, Any] = {}
        if flt.board is not None and flt.board >= len(model.boards):
            changes["board"] = None
        if flt.status is not None and flt.status not in model.statuses:
            changes["status"] = None
        if flt.user is not None and flt.user not in model.users:
            changes["user"] = None
        if changes:
            self.run_filter = msgspec.structs.replace(flt, **changes)

    # --- sorting and filtering --------------------------------------------------------

    def _refill(self) -> None:
        """Hand the table the rows the filter and the sort give (text typed but not applied
        yet is applied now: one refill)."""
        if self._typed is not None:
            self._stop_typing()
            text, self._typed = self._typed, None
            self.run_filter = msgspec.structs.replace(self.run_filter, text=text)
        if "runs" in self.built:
            table = self.query_one(RunTable)
            table.sort_key, table.reverse = self.sort_key, self.reverse
        if self.model is not None:
            self.shown = self.model.index.view(self.run_filter, self.sort_key, self.reverse)
            self.refills += 1
            if "runs" in self.built:
                self.query_one(RunTable).set_view(self.shown)
        self._show_count()

    def sort_by(self, key: str, *, reverse: bool = False) -> None:
        if key not in SORT_KEYS:
            return
        self.sort_key, self.reverse = key, reverse
        self._refill()

    def set_filter(self, **changes: Any) -> None:
        new = msgspec.structs.replace(self.run_filter, **changes)
        if new != self.run_filter:
            self.run_filter = new
            self._refill()
            if "velocity" in self.built and "board" in changes:
                self._feed_velocity()

    def _stop_typing(self) -> None:
        if self._typing is not None:
            self._typing.stop()
            self._typing = None

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "run-filter":
            return
        event.stop()
        # The table follows FILTER_DELAY after the last keystroke: typing never waits on it.
        self._typed = event.value
        self._stop_typing()
        self._typing = self.set_timer(self.FILTER_DELAY, self.flush_filter, name="run-filter")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "run-filter":
            event.stop()
            self.flush_filter()
            self._focus_table()

    def flush_filter(self) -> None:
        """Apply the text typed so far now (Enter, Escape, or the pause after typing)."""
        self._stop_typing()
        if self._typed is not None:
            text, self._typed = self._typed, None
            self.set_filter(text=text)

    def on_select_changed(self, event: Select.Changed) -> None:
        field = {
            "filter-experiment": "board",
            "filter-status": "status",
            "filter-user": "user",
            "filter-window": "window",
        }.get(event.select.id or "")
        if field is None:
            return
        event.stop()
        value = None if event.value == Select.NULL else event.value
        if field == "window" and value is None:
            value = "all"
        self.set_filter(**{field: value})

    def _show_count(self) -> None:
        model = self.model
        if model is None:
            text = Content.styled(self._loading_text(), "$text-muted")
        else:
            total = len(model)
            count = (
                f"{len(self.shown):,} of {plural(total, 'run')}"
                if self.run_filter.active
                else plural(total, "run")
            )
            direction = DIRECTION[self.sort_key][1 if self.reverse else 0]
            marked = 0
            if "runs" in self.built:
                marked = len(self.query_one(RunTable).marked)
            parts: list[Any] = [
                count,
                f" · sorted by {SORT_LABEL[self.sort_key]}, {direction}",
            ]
            if marked:
                parts.append(f" · {marked} marked")
            parts.append(("   s sort · S reverse · space mark · c chart · o open", "$text-muted"))
            text = line(*parts)
        self.query_one("#run-count", Static).update(text)

    # --- the selection ----------------------------------------------------------------

    def current_run(self) -> RunRow | None:
        if "runs" not in self.built:
            return None
        return self.query_one(RunTable).current()

    def chosen_runs(self) -> list[RunRow]:
        """What the chart shows: the marked runs, or the run under the cursor."""
        if "runs" not in self.built:
            return []
        table = self.query_one(RunTable)
        marked = table.marked_rows()
        if marked:
            return marked
        current = table.current()
        return [current] if current is not None else []

    def on_run_table_cursor_moved(self, event: RunTable.CursorMoved) -> None:
        event.stop()
        self.query_one(RunDetail).show_row(self.model, event.row)

    def on_run_table_marks_changed(self, event: RunTable.MarksChanged) -> None:
        event.stop()
        self._show_count()

    def on_run_table_sort_requested(self, event: RunTable.SortRequested) -> None:
        event.stop()
        reverse = (not self.reverse) if event.key == self.sort_key else False
        self.sort_by(event.key, reverse=reverse)

    async def on_run_table_selected(self, event: RunTable.Selected) -> None:
        event.stop()
        await self.action_show_tab("history")

    def _feed_chart(self) -> None:
        from widgets.run_chart import RunHistoryChart, chart_notes, chart_series

        chart = self.query_one(RunHistoryChart)
        notes = self.query_one("#history-notes", Static)
        if self.model is None:
            chart.series = ()
            notes.update(Content.styled(self._loading_text(), "$text-muted"))
            return
        rows = self.chosen_runs()
        series, missing = chart_series(self.model, rows)
        chart.series = series
        notes.update(chart_notes(self.model, series, missing, len(rows)))

    def _feed_velocity(self) -> None:
        from widgets.run_velocity import velocity_content

        text = self.query_one("#velocity-text", Static)
        model = self.model
        if model is None:
            text.update(Content.styled(self._loading_text(), "$text-muted"))
            return
        board = self.run_filter.board
        scope = "all experiments" if board is None else model.boards[board].label
        text.update(velocity_content(board_velocity(model.boards, model.now, board), scope))

    # --- actions ----------------------------------------------------------------------

    def action_back(self) -> None:
        # Escape in the filter box leaves the box, not the screen: the filter stays applied.
        if isinstance(self.focused, Input):
            self.flush_filter()
            self._focus_table()
            return
        self.app.pop_screen()

    def action_cycle_sort(self) -> None:
        index = SORT_KEYS.index(self.sort_key)
        self.sort_by(SORT_KEYS[(index + 1) % len(SORT_KEYS)])

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_key, reverse=not self.reverse)

    def action_cycle_window(self) -> None:
        windows = list(WINDOWS)
        window = windows[(windows.index(self.run_filter.window) + 1) % len(windows)]
        select = self.query_one("#filter-window", Select)
        with select.prevent(Select.Changed):
            select.value = Select.NULL if window == "all" else window
        self.set_filter(window=window)

    async def action_search(self) -> None:
        await self.action_show_tab("runs")
        self.query_one("#run-filter", Input).focus()

    async def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        await self.build_tab(tab)
        if tab != "runs":
            tabs.query_one(Tabs).focus()
        tabs.active = tab
        if tab == "history":
            self._feed_chart()
        self._focus_tab()

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = str(event.pane.id)
        await self.build_tab(tab)
        if tab == "history":
            self._feed_chart()
        self.call_after_refresh(self._focus_tab)

    def _focus_tab(self) -> None:
        if self.query_one(TabbedContent).active == "runs" and not isinstance(self.focused, Input):
            self._focus_table()

    def _focus_table(self) -> None:
        if "runs" in self.built:
            table = self.query_one(RunTable)
            if self.focused is not table:
                table.focus()

    def action_open_run(self) -> None:
        row = self.current_run()
        if row is None:
            self.notify("Select a run on the Runs tab first.", severity="warning")
        elif not row.run.url:
            self.notify(f"{row.run.name} has no link.", severity="warning", markup=False)
        else:
            self.app.open_url(row.run.url)
