"""The sprint's issues as a table: filter by text, assignee, status and label; sort by column.

Filtering and sorting are `cockpit.analytics.issue_filter`'s; this widget only holds the user's
choices and shows the result. `s` cycles the sort column, `S` reverses it, and clicking a header
sorts by that column (a second click reverses).

The table draws from a model, not from rows added one by one: `IssueDataTable` is Textual's
`DataTable` with its row storage replaced by views over a tuple of issues, so a sort or a filter
hands it a new tuple (from `IssueIndex`, which keeps each sorted order) and only the rows on
screen are ever turned into cells. Typing in the filter box is debounced: the table follows
the text `FILTER_DELAY` after the last keystroke, so typing never waits on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets.data_table import Row, RowKey

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


FILTER_DELAY = 0.15  # seconds after the last keystroke before the table follows the filter


def _key_text(key: object) -> object:
    return key.value if isinstance(key, RowKey) else key


class _RowPlaces:
    """`DataTable._row_locations` over a tuple of issues: row key ↔ position, built lazily."""

    def __init__(self, issues: tuple[IssueRow, ...]) -> None:
        self.issues = issues
        self._where: dict[str, int] | None = None

    def _positions(self) -> dict[str, int]:
        if self._where is None:
            self._where = {issue.key: index for index, issue in enumerate(self.issues)}
        return self._where

    def get(self, key: object, default: int | None = None) -> int | None:
        return self._positions().get(_key_text(key), default)  # type: ignore[arg-type]

    def get_key(self, index: int) -> RowKey | None:
        if 0 <= index < len(self.issues):
            return RowKey(self.issues[index].key)
        return None

    def __contains__(self, key: object) -> bool:
        return _key_text(key) in self._positions()

    def __iter__(self) -> Iterator[RowKey]:
        return (RowKey(issue.key) for issue in self.issues)

    def __len__(self) -> int:
        return len(self.issues)


class _RowMeta:
    """`DataTable.rows`: every row one line high, made when asked for."""

    def __init__(self, places: _RowPlaces) -> None:
        self.places = places

    def __getitem__(self, key: object) -> Row:
        if key not in self.places:
            raise KeyError(key)
        return Row(key if isinstance(key, RowKey) else RowKey(str(key)), 1)

    def get(self, key: object, default: Row | None = None) -> Row | None:
        return self[key] if key in self.places else default

    def __contains__(self, key: object) -> bool:
        return key in self.places

    def __iter__(self) -> Iterator[RowKey]:
        return iter(self.places)

    def keys(self) -> Iterator[RowKey]:
        return iter(self.places)

    def values(self) -> Iterator[Row]:
        return (Row(key, 1) for key in self.places)

    def __len__(self) -> int:
        return len(self.places)

    def clear(self) -> None:
        """The model is replaced, never emptied in place."""


class _RowCells(_RowMeta):
    """`DataTable._data`: a row's cells, made from its issue when the row is drawn."""

    def __getitem__(self, key: object) -> dict[str, Content]:  # type: ignore[override]
        index = self.places.get(key)
        if index is None:
            raise KeyError(key)
        issue = self.places.issues[index]
        return dict(zip((column for column, _, _ in TABLE_COLUMNS), row_cells(issue), strict=True))

    def get(self, key: object, default: Any = None) -> Any:
        return self[key] if key in self.places else default


class _LineRows(Sequence[tuple[RowKey, int]]):
    """`DataTable._y_offsets`: line y is row y, line 0 of it."""

    def __init__(self, places: _RowPlaces) -> None:
        self.places = places

    @overload
    def __getitem__(self, y: int) -> tuple[RowKey, int]: ...
    @overload
    def __getitem__(self, y: slice) -> list[tuple[RowKey, int]]: ...
    def __getitem__(self, y: int | slice) -> Any:
        if isinstance(y, slice):
            return [(RowKey(issue.key), 0) for issue in self.places.issues[y]]
        key = self.places.get_key(y)
        if key is None:
            raise IndexError(y)
        return (key, 0)

    def __len__(self) -> int:
        return len(self.places)

    def clear(self) -> None:
        """Nothing to clear: the lines are computed."""


class _OrderedRows(Sequence[Row]):
    """`DataTable.ordered_rows`, made row by row as they are read (slices stay lazy)."""

    def __init__(self, issues: Sequence[IssueRow]) -> None:
        self.issues = issues

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> _OrderedRows: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return _OrderedRows(self.issues[index])
        return Row(RowKey(self.issues[index].key), 1)

    def __len__(self) -> int:
        return len(self.issues)


class IssueDataTable(DataTable[Any]):
    """The table itself, drawing rows from a tuple of issues; its sort keys act on the
    IssueTable around it.

    Everything `DataTable` draws (cells, header, cursor, zebra stripes, hover) is its own; only
    where the rows come from is replaced. `add_row` is not used: `set_issues` hands over the rows.
    """

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="issues.sort"),
        Binding("S", "reverse_sort", "Reverse", id="issues.reverse"),
    ]

    _issues: tuple[IssueRow, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._install(())

    def _install(self, issues: tuple[IssueRow, ...]) -> None:
        places = _RowPlaces(issues)
        self._issues = issues
        self._row_locations = places  # type: ignore[assignment]
        self.rows = _RowMeta(places)  # type: ignore[assignment]
        self._data = _RowCells(places)  # type: ignore[assignment]

    def set_issues(self, issues: tuple[IssueRow, ...]) -> None:
        """Show these rows, in this order: nothing is built for rows off screen."""
        self._install(issues)
        self._update_count += 1
        self._clear_caches()
        header = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width + self._row_label_column_width, len(issues) + header)
        self.cursor_coordinate = self.cursor_coordinate  # clamped to the new rows
        self.refresh()

    def clear(self, columns: bool = False) -> IssueDataTable:
        super().clear(columns)
        self._install(())
        return self

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        raise NotImplementedError("IssueDataTable draws from set_issues(); rows are not added")

    @property
    def _y_offsets(self) -> _LineRows:  # type: ignore[override]
        return _LineRows(self._row_locations)  # type: ignore[arg-type]

    @property
    def ordered_rows(self) -> _OrderedRows:  # type: ignore[override]
        return _OrderedRows(self._issues)

    def _get_row_region(self, row_index: int) -> Region:
        # Every row is one line: no sum over the rows above.
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        width = sum(column.get_render_width(self) for column in self.columns.values())
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width + self._row_label_column_width), 1)

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row_index, column_index = coordinate
        columns = self.ordered_columns
        x = sum(column.get_render_width(self) for column in columns[:column_index])
        y = row_index + (self.header_height if self.show_header else 0)
        width = columns[column_index].get_render_width(self)
        return Region(x + self._row_label_column_width, y, width, 1)

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

    FILTER_DELAY = FILTER_DELAY

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[IssueRow, ...] = ()
        self.refills = 0  # how many times the rows were handed to the table
        self._options: FilterOptions | None = None
        self._summary_width = 0
        self._index = IssueIndex()
        self._typed: str | None = None  # filter text typed but not applied yet
        self._typing: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="issue-filters"):
            yield Input(placeholder="Filter: key, summary, epic, label…", id="filter-text")
            yield Select[str]([], prompt="Assignee", id="filter-assignee")
            yield Select[str]([], prompt="Status", id="filter-status")
            yield Select[str]([], prompt="Label", id="filter-label")
        yield IssueDataTable(id="issue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="issue-count")

    def on_mount(self) -> None:
        self._index = IssueIndex(self.issues, self.columns)
        self._layout_columns()
        self._refresh_options()
        self._refill()

    def on_resize(self) -> None:
        current = self.selected_issue()
        if self._layout_columns():
            self._refill(keep=current.key if current is not None else None)

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

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key not in SORT_KEYS:
            return
        descending = (not self.descending) if key == self.sort_key else key in ("points", "updated")
        self.sort_by(key, descending=descending)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        shown = self.shown
        row = event.cursor_row
        issue = shown[row] if 0 <= row < len(shown) else None
        if issue is None or issue.key != event.row_key.value:
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
        table = self.query_one(IssueDataTable)
        if keep is None:
            current = self.selected_issue()
            keep = current.key if current is not None else None
        rows = self._index.view(self.issue_filter, self.sort_key, self.descending)
        self.shown = rows
        self.refills += 1
        table.set_issues(rows)
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
