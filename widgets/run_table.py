"""The leaderboard's run table: a line-API widget that draws only the rows on screen.

`RunTable` is a `ScrollView`: it holds a `RunTableModel` and a view (a tuple of row positions
from `RunIndex`), and `render_line` turns the one row under each screen line into text. A
sort or a filter hands it a new view (`set_view`), which costs nothing per row; moving the
cursor redraws the two rows involved. Column widths are computed once per model (from the
longest texts the model measured while it was built) and again only when the width changes.

Text from the trackers is drawn as plain text, never parsed as markup. The header stays on the
top line while the rows scroll under it; clicking a header asks for that sort.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from cockpit import formatting
from cockpit.analytics.run_table import RunRow, RunTableModel
from widgets.line_table import Column, LineTable, Span
from widgets.panel import clip

ROW_CACHE = LineTable.ROW_CACHE
MARK = "●"
STATUS_NAME = {"RUNNING": "running", "FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}
STATUS_STYLE = {"RUNNING": "primary", "FAILED": "bad", "KILLED": "bad"}


def value_text(row: RunRow, metric: str) -> str:
    if row.value is not None:
        return formatting.metric(row.value)
    logged = row.run.metrics.get(metric)
    if logged is not None and not math.isfinite(logged):
        return formatting.quantity(logged)  # "n/a" for NaN, "∞": never ranked
    return "–"


def delta_text(row: RunRow, higher_is_better: bool) -> tuple[str, str]:
    """The gap to the champion and its style name: better, worse, or no champion to compare."""
    if row.delta is None or "champion" in row.aliases:
        return "–", "muted"
    text = formatting.signed_metric(row.delta)  # the panel's and status's own form
    if text.startswith("±"):
        return text, "muted"  # too small to show: neither better nor worse
    better = row.delta > 0 if higher_is_better else row.delta < 0
    return text, "good" if better else "bad"


def badge_text(row: RunRow) -> tuple[str, str]:
    if not row.aliases:
        return "", "muted"
    if "champion" in row.aliases:
        return "★ champion", "badge"
    return ", ".join(row.aliases), "accent"


def layout(model: RunTableModel | None, width: int) -> list[Column]:
    """The columns that fit `width`, the run's name and the params taking what is left."""
    longest = model.longest if model is not None else {}
    several_sources = model is not None and len({b.source for b in model.boards}) > 1

    def fit(key: str, least: int, most: int) -> int:
        return min(max(longest.get(key, 0), least), most)

    columns = [
        Column("mark", "", 1),
        Column("rank", "#", 4, right=True),
        Column("experiment", "Experiment", fit("experiment", 10, 18)),
        Column("name", "Run", fit("name", 8, 30), sort="name"),
        Column("status", "Status", 8, sort="status"),
        Column("user", "User", fit("user", 4, 12), sort="user"),
        Column("started", "Started", 12, sort="started"),
        Column("duration", "Duration", 8, right=True, sort="duration"),
        Column("metric", "Metric", 12),
        Column("value", "Value", 9, right=True, sort="value"),
        Column("delta", "Δ champion", 10, right=True),
        Column("badge", "", 10),
    ]
    if several_sources:
        columns.append(Column("source", "Source", fit("source", 6, 14)))
    columns.append(Column("params", "Params", 10))
    # Cut from the least useful until the rest fits; the run's name shrinks first.
    drop_order = ("params", "source", "metric", "duration", "user", "badge", "experiment")

    def used() -> int:
        return sum(c.width for c in columns) + len(columns) - 1

    name = next(c for c in columns if c.key == "name")
    while used() > width and name.width > 12:
        name.width -= 1
    for key in drop_order:
        if used() <= width:
            break
        columns = [c for c in columns if c.key != key]
    spare = width - used()
    params = next((c for c in columns if c.key == "params"), None)
    if params is not None and spare > 0:
        params.width += spare
    elif spare > 0:
        name.width += spare
    return columns


class RunTable(LineTable):
    """The runs of a view, one line each, under a header line."""

    PREFIX = "run-table--"

    COMPONENT_CLASSES = {
        "run-table--header",
        "run-table--header-sorted",
        "run-table--cursor",
        "run-table--text",
        "run-table--muted",
        "run-table--good",
        "run-table--bad",
        "run-table--primary",
        "run-table--accent",
        "run-table--badge",
        "run-table--name",
    }

    DEFAULT_CSS = """
    RunTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .run-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .run-table--header-sorted { text-style: bold; background: $panel; color: $accent; }
        & > .run-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .run-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .run-table--text { color: $foreground; }
        & > .run-table--name { color: $text; }
        & > .run-table--muted { color: $text-muted; }
        & > .run-table--good { color: $text-success; }
        & > .run-table--bad { color: $text-error; }
        & > .run-table--primary { color: $text-primary; }
        & > .run-table--accent { color: $text-accent; }
        & > .run-table--badge { color: $text-warning; text-style: bold; }
    }
    """

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False, id="runs.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="runs.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="runs.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="runs.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="runs.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="runs.last"),
        Binding("space", "mark", "Mark for chart", id="runs.mark"),
        Binding("enter", "chart", "Chart", id="runs.chart"),
    ]

    class CursorMoved(Message):
        """The cursor is on another run (or on none)."""

        def __init__(self, row: RunRow | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        """Enter on a run."""

        def __init__(self, row: RunRow) -> None:
            super().__init__()
            self.row = row

    class SortRequested(Message):
        """A header was clicked."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class MarksChanged(Message):
        def __init__(self, marked: frozenset[str]) -> None:
            super().__init__()
            self.marked = marked

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model: RunTableModel | None = None
        self.view: tuple[int, ...] = ()
        self.marked: set[str] = set()  # run ids marked for the chart
        self.sort_key = "value"
        self.reverse = False
        self.placeholder = "Loading runs…"  # shown while there is no model

    # --- the model --------------------------------------------------------------------

    def set_model(self, model: RunTableModel, view: tuple[int, ...]) -> None:
        """A new model (a sync brought runs): the cursor stays on its run when it is still
        there, and marks on runs that left are dropped."""
        current = self.current()
        self.model = model
        self.marked = {run_id for run_id in self.marked if model.position(run_id) is not None}
        self._laid_for = None
        self.set_view(view, keep=current.key if current is not None else None)

    def set_view(self, view: tuple[int, ...], *, keep: str | None = None) -> None:
        """Show these rows in this order; the cursor follows its run (or stays in place)."""
        if keep is None:
            current = self.current()
            keep = current.key if current is not None else None
        self.view = view
        self._rows.clear()
        self._layout()
        self.virtual_size = Size(self._width(), len(view) + 1)
        cursor = 0
        if keep is not None and self.model is not None:
            where = self.model.position(keep)
            if where is not None:
                try:
                    cursor = view.index(where)
                except ValueError:
                    cursor = min(self.cursor, max(len(view) - 1, 0))
        self.cursor = cursor
        self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self.current()))

    def current(self) -> RunRow | None:
        if self.model is None or not self.view:
            return None
        return self.model.rows[self.view[min(self.cursor, len(self.view) - 1)]]

    def marked_rows(self) -> list[RunRow]:
        model = self.model
        if model is None:
            return []
        found = (model.position(run_id) for run_id in sorted(self.marked))
        return [model.rows[i] for i in found if i is not None]

    def show_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.refresh()

    # --- the table ------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self.view) if self.model is not None else 0

    def layout_key(self, width: int) -> Hashable:
        return (id(self.model), width)

    def layout_columns(self, width: int) -> list[Column]:
        return layout(self.model, width)

    def row_key(self, position: int) -> Hashable:
        return self.view[position]

    def empty_line(self, y: int) -> Strip | None:
        if y != 1:
            return None
        text = self.placeholder if self.model is None else "No runs match the filter."
        return Strip([Segment(" " + clip(text, self._width() - 1), self._style("muted"))])

    def cursor_moved(self) -> None:
        self.post_message(self.CursorMoved(self.current()))

    def header_clicked(self, column: Column) -> None:
        if column.sort is not None:
            self.post_message(self.SortRequested(column.sort))

    # --- keys and mouse ---------------------------------------------------------------

    def action_mark(self) -> None:
        row = self.current()
        if row is None:
            return
        self.marked ^= {row.key}
        self.refresh_lines(self.cursor + 1)
        self.post_message(self.MarksChanged(frozenset(self.marked)))

    def action_chart(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(self.Selected(row))

    # --- drawing ----------------------------------------------------------------------

    def header_cells(self) -> list[Span]:
        header = self._style("header")
        sorted_style = self._style("header-sorted")
        arrow = "↑" if self.reverse else "↓"
        parts: list[Span] = []
        for column in self._columns:
            title = column.title
            style = header
            if column.sort is not None and column.sort == self.sort_key:
                title = f"{title} {arrow}"
                style = sorted_style
            parts.append((title, style))
        return parts

    def draw_row(self, position: int, at_cursor: bool) -> Strip:
        model = self.model
        assert model is not None
        return self._draw_row(model.rows[self.view[position]], at_cursor)

    def _draw_row(self, row: RunRow, at_cursor: bool) -> Strip:
        model = self.model
        assert model is not None
        board = model.boards[row.board]
        run = row.run
        experiment = board.experiment
        texts: dict[str, tuple[str, str]] = {
            "mark": (MARK if row.key in self.marked else "", "accent"),
            "rank": (str(row.rank) if row.rank is not None else "–", "muted"),
            "experiment": (board.label, "muted"),
            "name": (run.name, "name"),
            "status": (STATUS_NAME.get(run.status, run.status.lower()),
                       STATUS_STYLE.get(run.status, "text")),
            "user": (run.user or "–", "text" if run.user else "muted"),
            "started": (f"{run.started:%d %b %H:%M}" if run.started else "–", "muted"),
            "duration": (formatting.duration(row.duration),
                         "primary" if run.status == "RUNNING" else "text"),
            "metric": (experiment.primary_metric, "muted"),
            "value": (value_text(row, experiment.primary_metric),
                      "good" if row.rank == 1 else ("text" if row.value is not None else "muted")),
            "delta": delta_text(row, experiment.higher_is_better),
            "badge": badge_text(row),
            "source": (board.source, "muted"),
            "params": (
                "  ".join(f"{k}={run.params[k]}" for k in board.key_params if k in run.params),
                "muted",
            ),
        }  # fmt: skip
        if at_cursor:
            cursor = self._style("cursor")
            parts = [(texts[c.key][0], cursor) for c in self._columns]
            return self.join(parts, cursor).adjust_cell_length(self._width(), cursor)
        parts = [(texts[c.key][0], self._style(texts[c.key][1])) for c in self._columns]
        return self.join(parts, self._style("base"))
