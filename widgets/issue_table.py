"""The sprint's issues as a table: filter by text, assignee, status and label; sort by column.

Filtering and sorting are `cockpit.analytics.issue_filter`'s; this widget only holds the user's
choices and shows the result. `s` cycles the sort column, `S` reverses it, and clicking a header
sorts by that column (a second click reverses).

The table draws from a model, not from rows added one by one: `IssueLineTable` is a line-API
widget (`widgets.line_table`, as the leaderboard's) holding a tuple of issues, so a sort or a
filter hands it a new tuple (from `IssueIndex`, which keeps each sorted order), only the rows on
screen are ever turned into text, and moving the cursor redraws two lines. Typing in the
filter box is debounced: the table follows the text `FILTER_DELAY` after the last keystroke, so
typing never waits on it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import msgspec
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from cockpit import formatting
from cockpit.analytics.issue_filter import (
    SORT_KEYS,
    FilterOptions,
    IssueFilter,
    IssueIndex,
    filter_options,
)
from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory
from widgets.line_table import Column, LineTable
from widgets.panel import line
from widgets.select_options import refill

# Muted text in the table is "dim", which every terminal draws in the foreground's own hue
# (and which stays readable on the zebra stripes).
MUTED = "muted"
CATEGORY_STYLE = {
    StatusCategory.TODO: MUTED,
    StatusCategory.IN_PROGRESS: "primary",
    StatusCategory.DONE: "success",
}
# (column key, header, width); the sortable ones are the keys of SORT_KEYS.
TABLE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("key", "Key", 9),
    ("summary", "Summary", None),  # takes what the others leave
    ("status", "Status", 12),
    ("assignee", "Assignee", 16),
    ("points", "Pts", 4),
    ("priority", "Priority", 8),
    ("labels", "Labels", 14),
    ("updated", "Updated", 12),
)
SORT_LABEL = {
    "key": "key",
    "status": "status",
    "assignee": "assignee",
    "points": "points",
    "priority": "priority",
    "updated": "last update",
}


def points_text(points: float | None) -> tuple[str, str]:
    if points is None:
        return "   –", MUTED
    return formatting.points(points).rjust(4), "text"


def row_texts(issue: IssueRow) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Each cell's text in pieces of (text, style name), in the order of TABLE_COLUMNS."""
    status_style = "error" if issue.status.lower() == "blocked" else CATEGORY_STYLE[issue.category]
    key = ((("⚑ ", "error"),) if issue.flagged else ()) + ((issue.key, "key"),)
    who = (issue.assignee_name, "text") if issue.assignee else ("Unassigned", MUTED)
    updated = f"{issue.updated:%a %d %b}" if issue.updated is not None else "–"
    return (
        key,
        ((issue.summary, "text"),),
        ((issue.status, status_style),),
        (who,),
        (points_text(issue.points),),
        ((issue.priority, "text"),),
        ((", ".join(issue.labels), MUTED),),
        ((updated, MUTED),),
    )


FILTER_DELAY = 0.15  # seconds after the last keystroke before the table follows the filter


class IssueLineTable(LineTable):
    """The table itself: one line per issue of a tuple, under a header line, drawn only where
    it is on screen. Its sort keys act on the IssueTable around it.

    It looks as Textual's `DataTable` does (a cell's padding on both sides, zebra stripes, the
    block cursor over the whole row); only the rows on screen are ever turned into text.
    """

    PREFIX = "issue-table--"
    PAD = 1
    GAP = 0
    ELLIPSIS = False  # cut as DataTable cuts

    COMPONENT_CLASSES = {
        "issue-table--header",
        "issue-table--cursor",
        "issue-table--even-row",
        "issue-table--odd-row",
        "issue-table--text",
        "issue-table--key",
        "issue-table--muted",
        "issue-table--error",
        "issue-table--primary",
        "issue-table--success",
    }

    DEFAULT_CSS = """
    IssueLineTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .issue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .issue-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .issue-table--even-row { background: $surface-darken-1 40%; }
        & > .issue-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .issue-table--even-row { background: $surface-lighten-1 50%; }
        & > .issue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .issue-table--text { color: $foreground; }
        & > .issue-table--key { color: $foreground; text-style: bold; }
        & > .issue-table--muted { color: $foreground; text-style: dim; }
        & > .issue-table--error { color: $error; }
        & > .issue-table--primary { color: $primary; }
        & > .issue-table--success { color: $success; }
    }
    """

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="issues.sort"),
        Binding("S", "reverse_sort", "Reverse", id="issues.reverse"),
        Binding("up", "move(-1)", "Up", show=False, id="issues.up"),
        Binding("down", "move(1)", "Down", show=False, id="issues.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="issues.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="issues.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="issues.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="issues.last"),
        Binding("enter", "select", "Details", show=False, id="issues.details"),
    ]

    class Chosen(Message):
        """Enter on a row, or a click on the row under the cursor."""

        def __init__(self, issue: IssueRow) -> None:
            super().__init__()
            self.issue = issue

    class SortRequested(Message):
        """A header was clicked."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.issues: tuple[IssueRow, ...] = ()
        self._cells: dict[str, Style] = {}

    def set_issues(self, issues: tuple[IssueRow, ...], cursor: int | None = None) -> None:
        """Show these rows, in this order (the cursor on row `cursor`, else kept in range):
        nothing is built for rows off screen."""
        self.issues = issues
        self._rows.clear()
        self._layout()
        self._resize_virtual()
        row = self.cursor if cursor is None else cursor
        self.cursor = min(max(row, 0), max(len(issues) - 1, 0))
        self.scroll_to_cursor()
        self.refresh()

    def current(self) -> IssueRow | None:
        if not self.issues:
            return None
        return self.issues[min(self.cursor, len(self.issues) - 1)]

    # --- the table --------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self.issues)

    def row_key(self, position: int) -> Hashable:
        # The zebra stripe depends on the position: rows are cached per position and the
        # cache is emptied when the rows change.
        return position

    def layout_columns(self, width: int) -> list[Column]:
        # The summary takes what the others leave, as wide as it was in a DataTable whose
        # width keeps room for the scrollbar.
        fixed = sum(w or 0 for _, _, w in TABLE_COLUMNS)
        padding = 2 * self.PAD * len(TABLE_COLUMNS)
        summary = max((self.size.width or 120) - fixed - padding - 2, 16)
        return [Column(key, title, w or summary, sort=key if key in SORT_KEYS else None)
                for key, title, w in TABLE_COLUMNS]  # fmt: skip

    def layout_key(self, width: int) -> Hashable:
        return self.size.width

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cells = {}

    def _cell_style(self, row: Style, name: str) -> Style:
        """A piece's style on a row: its colour and weight over the row's stripe."""
        cached = self._cells.get(name)
        if cached is None:
            component = self._style(name)
            cached = self._cells[name] = Style(
                color=component.color, bold=component.bold, dim=component.dim
            )
        return row + cached

    def draw_row(self, position: int, at_cursor: bool) -> Strip:
        texts = row_texts(self.issues[position])
        if at_cursor:
            cursor = self._style("cursor")
            flat = [("".join(text for text, _ in pieces), cursor) for pieces in texts]
            return self.join(flat, cursor).adjust_cell_length(self._width(), cursor)
        stripe = self._style("even-row" if position % 2 == 0 else "odd-row")
        row = self._style("base") + Style(bgcolor=stripe.bgcolor)
        cells = [[(text, self._cell_style(row, name)) for text, name in pieces] for pieces in texts]
        return self.join(cells, row).adjust_cell_length(self._width(), row)

    # --- keys and mouse ---------------------------------------------------------------

    def header_clicked(self, column: Column) -> None:
        if column.sort is not None:
            self.post_message(self.SortRequested(column.sort))

    def row_clicked(self, position: int) -> None:
        # As in a DataTable: a click moves the cursor, a click on the cursor's row chooses it.
        if position == self.cursor:
            self.action_select()
        elif 0 <= position < len(self.issues):
            self.move_to(position)

    def action_select(self) -> None:
        issue = self.current()
        if issue is not None:
            self.post_message(self.Chosen(issue))

    def action_cycle_sort(self) -> None:
        owner = self._owner()
        if owner is not None:
            index = SORT_KEYS.index(owner.sort_key) if owner.sort_key in SORT_KEYS else -1
            owner.sort_by(SORT_KEYS[(index + 1) % len(SORT_KEYS)], descending=False)

    def action_reverse_sort(self) -> None:
        owner = self._owner()
        if owner is not None:
            owner.sort_by(owner.sort_key, descending=not owner.descending)

    def _owner(self) -> IssueTable | None:
        return next((a for a in self.ancestors if isinstance(a, IssueTable)), None)


class IssueTable(Widget):
    DEFAULT_CSS = """
    IssueTable {
        height: 1fr;
        layout: vertical;
    }
    IssueTable > #issue-filters {
        height: auto;
    }
    IssueTable #filter-text {
        width: 2fr;
    }
    IssueTable Select {
        width: 1fr;
    }
    IssueTable > IssueLineTable {
        height: 1fr;
    }
    IssueTable > #issue-count {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    issues: reactive[tuple[IssueRow, ...]] = reactive((), init=False)
    columns: reactive[tuple[str, ...]] = reactive((), init=False)
    issue_filter: reactive[IssueFilter] = reactive(IssueFilter(), init=False)
    sort_key: reactive[str] = reactive("key", init=False)
    descending: reactive[bool] = reactive(False, init=False)

    class Selected(Message):
        """Enter on a row: the user wants this issue's details."""

        def __init__(self, issue: IssueRow) -> None:
            super().__init__()
            self.issue = issue

    FILTER_DELAY = FILTER_DELAY

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[IssueRow, ...] = ()
        self.refills = 0  # how many times the rows were handed to the table
        self._options: FilterOptions | None = None
        self._index = IssueIndex()
        self._typed: str | None = None  # filter text typed but not applied yet
        self._typing: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="issue-filters"):
            yield Input(placeholder="Filter: key, summary, epic, label…", id="filter-text")
            yield Select[str]([], prompt="Assignee", id="filter-assignee")
            yield Select[str]([], prompt="Status", id="filter-status")
            yield Select[str]([], prompt="Label", id="filter-label")
        yield IssueLineTable(id="issue-table")
        yield Static(id="issue-count")

    def on_mount(self) -> None:
        self._index = IssueIndex(self.issues, self.columns)
        self._refresh_options()
        self._refill()

    # --- inputs -----------------------------------------------------------------------

    def watch_issues(self) -> None:
        self._index = IssueIndex(self.issues, self.columns)
        if self.is_mounted:
            self._refresh_options()
            self._refill()

    def watch_columns(self) -> None:
        self._index = IssueIndex(self.issues, self.columns)
        if self.is_mounted:
            self._refill()

    def watch_issue_filter(self) -> None:
        if self.is_mounted:
            self._refill()

    def watch_sort_key(self) -> None:
        if self.is_mounted:
            self._refill()

    def watch_descending(self) -> None:
        if self.is_mounted:
            self._refill()

    def sort_by(self, key: str, *, descending: bool = False) -> None:
        if key not in SORT_KEYS:
            return
        # Both change at once, and the table is refilled once.
        self.set_reactive(IssueTable.descending, descending)
        self.set_reactive(IssueTable.sort_key, key)
        if self.is_mounted:
            self._refill()

    def set_filter(self, **changes: Any) -> None:
        self.issue_filter = msgspec.structs.replace(self.issue_filter, **changes)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter-text":
            return
        event.stop()
        # The table follows FILTER_DELAY after the last keystroke: typing never waits on it.
        self._typed = event.value
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(self.FILTER_DELAY, self.flush_filter, name="issue-filter")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter-text":
            event.stop()
            self.flush_filter()

    def flush_filter(self) -> None:
        """Apply the text typed so far now (Enter, Escape, or the pause after typing)."""
        if self._typing is not None:
            self._typing.stop()
            self._typing = None
        if self._typed is not None:
            text, self._typed = self._typed, None
            if text != self.issue_filter.text:
                self.set_filter(text=text)

    def on_select_changed(self, event: Select.Changed) -> None:
        field = {"filter-assignee": "assignee", "filter-status": "status", "filter-label": "label"}
        name = field.get(event.select.id or "")
        if name is None:
            return
        event.stop()
        value = None if event.value == Select.NULL else event.value
        if getattr(self.issue_filter, name) != value:
            self.set_filter(**{name: value})

    def on_issue_line_table_sort_requested(self, event: IssueLineTable.SortRequested) -> None:
        event.stop()
        key = event.key
        descending = (not self.descending) if key == self.sort_key else key in ("points", "updated")
        self.sort_by(key, descending=descending)

    def on_issue_line_table_chosen(self, event: IssueLineTable.Chosen) -> None:
        event.stop()
        self.post_message(self.Selected(event.issue))

    # --- output -----------------------------------------------------------------------

    def issue_for_row(self, key: str) -> IssueRow | None:
        return next((issue for issue in self.shown if issue.key == key), None)

    def selected_issue(self) -> IssueRow | None:
        return self.query_one(IssueLineTable).current()

    def _refresh_options(self) -> None:
        options = filter_options(self.issues, self.columns)
        if options == self._options:
            return
        self._options = options
        choices = {
            "filter-assignee": [(name, person) for name, person in options.assignees],
            "filter-status": [(status, status) for status in options.statuses],
            "filter-label": [(label, label) for label in options.labels],
        }
        for select_id, values in choices.items():
            refill(self.query_one(f"#{select_id}", Select), values)
        # A filter value that no issue has any more would hide everything: drop it.
        flt = self.issue_filter
        changes: dict[str, Any] = {}
        if flt.assignee is not None and flt.assignee not in {p for _, p in options.assignees}:
            changes["assignee"] = None
        if flt.status is not None and flt.status not in options.statuses:
            changes["status"] = None
        if flt.label is not None and flt.label not in options.labels:
            changes["label"] = None
        if changes:
            self.set_filter(**changes)

    def _refill(self, keep: str | None = None) -> None:
        """Hand the table the issues the filter and the sort give; the cursor stays on its
        issue. Text typed but not applied yet is applied now, so there is one refill."""
        if self._typed is not None:
            text, self._typed = self._typed, None
            if self._typing is not None:
                self._typing.stop()
                self._typing = None
            if text != self.issue_filter.text:
                # The watcher of issue_filter would refill a second time.
                self.set_reactive(
                    IssueTable.issue_filter, msgspec.structs.replace(self.issue_filter, text=text)
                )
        table = self.query_one(IssueLineTable)
        if keep is None:
            current = self.selected_issue()
            keep = current.key if current is not None else None
        rows = self._index.view(self.issue_filter, self.sort_key, self.descending)
        self.shown = rows
        self.refills += 1
        index = None
        if keep is not None:
            index = next((i for i, issue in enumerate(rows) if issue.key == keep), 0)
        table.set_issues(rows, cursor=index)
        arrow = "↓" if self.descending else "↑"
        total = len(self.issues)
        count = f"{len(rows)} of {total} issues" if self.issue_filter.active else f"{total} issues"
        self.query_one("#issue-count", Static).update(
            line(
                count,
                f" · sorted by {SORT_LABEL.get(self.sort_key, self.sort_key)} {arrow}",
                ("   s sort · S reverse · click a header to sort", "$foreground-muted"),
            )
        )
