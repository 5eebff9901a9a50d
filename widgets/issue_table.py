"""The sprint's issues as a table: filter by text, assignee, status and label; sort by column.

Filtering and sorting are the pure functions of `cockpit.analytics.issue_filter`; this widget
only holds the user's choices and shows the result. `s` cycles the sort column, `S` reverses it,
and clicking a header sorts by that column (a second click reverses).
"""

from __future__ import annotations

from typing import Any

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from cockpit import formatting
from cockpit.analytics.issue_filter import (
    SORT_KEYS,
    FilterOptions,
    IssueFilter,
    filter_issues,
    filter_options,
    sort_issues,
)
from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory
from widgets.panel import line

# DataTable cells resolve "$text-muted" (an "auto" colour) to black and ignore alpha: muted
# text in the table is "dim" instead, which every terminal draws in the foreground's own hue.
MUTED = "dim"
CATEGORY_STYLE = {
    StatusCategory.TODO: MUTED,
    StatusCategory.IN_PROGRESS: "$primary",
    StatusCategory.DONE: "$success",
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


def points_cell(points: float | None) -> Content:
    if points is None:
        return Content.styled("   –", MUTED)
    return Content(formatting.points(points).rjust(4))


def row_cells(issue: IssueRow) -> tuple[Content, ...]:
    status_style = "$error" if issue.status.lower() == "blocked" else CATEGORY_STYLE[issue.category]
    key = Content.assemble(("⚑ ", "$error") if issue.flagged else "", (issue.key, "bold"))
    who = Content(issue.assignee_name) if issue.assignee else Content.styled("Unassigned", MUTED)
    updated = f"{issue.updated:%a %d %b}" if issue.updated is not None else "–"
    return (
        key,
        Content(issue.summary),
        Content.styled(issue.status, status_style),
        who,
        points_cell(issue.points),
        Content(issue.priority),
        Content.styled(", ".join(issue.labels), MUTED),
        Content.styled(updated, MUTED),
    )


class IssueDataTable(DataTable[Any]):
    """The table itself; its sort keys act on the IssueTable around it."""

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="issues.sort"),
        Binding("S", "reverse_sort", "Reverse", id="issues.reverse"),
    ]

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
    IssueTable > IssueDataTable {
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[IssueRow, ...] = ()
        self._options: FilterOptions | None = None
        self._summary_width = 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="issue-filters"):
            yield Input(placeholder="Filter: key, summary, epic, label…", id="filter-text")
            yield Select[str]([], prompt="Assignee", id="filter-assignee")
            yield Select[str]([], prompt="Status", id="filter-status")
            yield Select[str]([], prompt="Label", id="filter-label")
        yield IssueDataTable(id="issue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="issue-count")

    def on_mount(self) -> None:
        self._layout_columns()
        self._refresh_options()
        self._refill()

    def on_resize(self) -> None:
        if self._layout_columns():
            self._refill()

    def _layout_columns(self) -> bool:
        """Give the summary the width the other columns leave; True when the columns changed."""
        table = self.query_one(IssueDataTable)
        fixed = sum(width or 0 for _, _, width in TABLE_COLUMNS)
        padding = 2 * table.cell_padding * len(TABLE_COLUMNS)
        summary = max((self.size.width or 120) - fixed - padding - 2, 16)
        if summary == self._summary_width:
            return False
        self._summary_width = summary
        table.clear(columns=True)
        for key, header, width in TABLE_COLUMNS:
            table.add_column(header, key=key, width=width or summary)
        return True

    # --- inputs -----------------------------------------------------------------------

    def watch_issues(self) -> None:
        if self.is_mounted:
            self._refresh_options()
            self._refill()

    def watch_columns(self) -> None:
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
        if event.input.id == "filter-text":
            event.stop()
            self.set_filter(text=event.value)

    def on_select_changed(self, event: Select.Changed) -> None:
        field = {"filter-assignee": "assignee", "filter-status": "status", "filter-label": "label"}
        name = field.get(event.select.id or "")
        if name is None:
            return
        event.stop()
        value = None if event.value == Select.NULL else event.value
        if getattr(self.issue_filter, name) != value:
            self.set_filter(**{name: value})

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key not in SORT_KEYS:
            return
        descending = (not self.descending) if key == self.sort_key else key in ("points", "updated")
        self.sort_by(key, descending=descending)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        issue = self.issue_for_row(str(event.row_key.value))
        if issue is not None:
            self.post_message(self.Selected(issue))

    # --- output -----------------------------------------------------------------------

    def issue_for_row(self, key: str) -> IssueRow | None:
        return next((issue for issue in self.shown if issue.key == key), None)

    def selected_issue(self) -> IssueRow | None:
        table = self.query_one(IssueDataTable)
        if not self.shown or table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), len(self.shown) - 1)
        return self.shown[row]

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
            select = self.query_one(f"#{select_id}", Select)
            keep = select.value
            with select.prevent(Select.Changed):
                select.set_options(values)
                if keep != Select.NULL and any(value == keep for _, value in values):
                    select.value = keep
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

    def _refill(self) -> None:
        table = self.query_one(IssueDataTable)
        current = self.selected_issue()
        keep = current.key if current is not None else None
        rows = sort_issues(
            filter_issues(self.issues, self.issue_filter),
            self.sort_key,
            descending=self.descending,
            columns=self.columns,
        )
        self.shown = rows
        table.clear()
        for issue in rows:
            table.add_row(*row_cells(issue), key=issue.key)
        if keep is not None:
            index = next((i for i, issue in enumerate(rows) if issue.key == keep), 0)
            table.move_cursor(row=index, animate=False)
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
