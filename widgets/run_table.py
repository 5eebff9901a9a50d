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
from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit import formatting
from cockpit.analytics.run_table import RunRow, RunTableModel
from widgets.panel import clip

ROW_CACHE = 512  # drawn rows kept; a screenful is a few dozen
MARK = "●"
STATUS_NAME = {"RUNNING": "running", "FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}
STATUS_STYLE = {"RUNNING": "primary", "FAILED": "bad", "KILLED": "bad"}


class Column:
    """One column: its key, header, width, and how it is aligned and sorted."""

    __slots__ = ("align", "key", "sort", "title", "width")

    def __init__(
        self, key: str, title: str, width: int, *, right: bool = False, sort: str | None = None
    ) -> None:
        self.key = key
        self.title = title
        self.width = width
        self.align = "right" if right else "left"
        self.sort = sort


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


class RunTable(ScrollView, can_focus=True):
    """The runs of a view, one line each, under a header line."""

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
        self.cursor = 0  # position in the view
        self.marked: set[str] = set()  # run ids marked for the chart
        self.sort_key = "value"
        self.reverse = False
        self.placeholder = "Loading runs…"  # shown while there is no model
        self.redraws = 0  # rows drawn (not taken from the cache): tests look at it
        self._columns: list[Column] = []
        self._laid_for: tuple[int, int] = (-1, -1)  # (model id, width)
        self._rows: dict[tuple[int, bool], Strip] = {}
        self._styles: dict[str, Style] | None = None

    # --- the model --------------------------------------------------------------------

    def set_model(self, model: RunTableModel, view: tuple[int, ...]) -> None:
        """A new model (a sync brought runs): the cursor stays on its run when it is still
        there, and marks on runs that left are dropped."""
        current = self.current()
        self.model = model
        self.marked = {run_id for run_id in self.marked if model.position(run_id) is not None}
        self._laid_for = (-1, -1)
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

    # --- geometry ---------------------------------------------------------------------

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    def _layout(self) -> None:
        width = self._width()
        key = (id(self.model), width)
        if key != self._laid_for:
            self._laid_for = key
            self._columns = layout(self.model, width)
            self._rows.clear()

    def on_resize(self, _event: events.Resize) -> None:
        self._layout()
        self.virtual_size = Size(self._width(), len(self.view) + 1)
        self.scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._rows.clear()

    def _visible_rows(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def scroll_to_cursor(self) -> None:
        """Scroll as little as needed for the cursor's row to be on screen."""
        top = self.scroll_offset.y
        rows = self._visible_rows()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def move_to(self, position: int) -> None:
        """Put the cursor on a row of the view: redraw the row left and the row reached."""
        if not self.view:
            return
        position = min(max(position, 0), len(self.view) - 1)
        if position == self.cursor:
            return
        before = self.cursor
        self.cursor = position
        top = self.scroll_offset.y
        self.scroll_to_cursor()
        if self.scroll_offset.y == top:  # a scroll redraws everything anyway
            self.refresh_lines(before + 1)
            self.refresh_lines(position + 1)
        self.post_message(self.CursorMoved(self.current()))

    # --- keys and mouse ---------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor + step * self._visible_rows())

    def action_jump(self, where: int) -> None:
        self.move_to(len(self.view) - 1 if where < 0 else where)

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

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for column in self._columns:
                if x <= event.x < x + column.width + 1:
                    if column.sort is not None:
                        self.post_message(self.SortRequested(column.sort))
                    return
                x += column.width + 1
            return
        self.focus()
        self.move_to(self.scroll_offset.y + event.y - 1)

    def on_focus(self, _event: events.Focus) -> None:
        self._restyle_cursor()

    def on_blur(self, _event: events.Blur) -> None:
        self._restyle_cursor()

    def _restyle_cursor(self) -> None:
        self._styles = None
        self._rows = {key: strip for key, strip in self._rows.items() if not key[1]}
        self.refresh_lines(self.cursor + 1)

    # --- drawing ----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                component.removeprefix("run-table--"): self.get_component_rich_style(component)
                for component in self.COMPONENT_CLASSES
            }
            self._styles["base"] = Style(bgcolor=self.rich_style.bgcolor)
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self._width()
        base = self._style("base")
        if not self._columns:
            self._layout()
        if y == 0:
            return self._header().adjust_cell_length(width, base)
        position = self.scroll_offset.y + y - 1
        model = self.model
        if model is None or not self.view:
            if y == 1:
                text = self.placeholder if model is None else "No runs match the filter."
                return Strip(
                    [Segment(" " + clip(text, width - 1), self._style("muted"))]
                ).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        if position >= len(self.view):
            return Strip.blank(width, base)
        index = self.view[position]
        at_cursor = position == self.cursor
        key = (index, at_cursor)
        strip = self._rows.get(key)
        if strip is None:
            if len(self._rows) >= ROW_CACHE:
                self._rows.clear()
            strip = self._rows[key] = self._draw_row(model.rows[index], at_cursor)
            self.redraws += 1
        return strip.adjust_cell_length(width, base)

    def _header(self) -> Strip:
        header = self._style("header")
        sorted_style = self._style("header-sorted")
        arrow = "↑" if self.reverse else "↓"
        parts: list[tuple[str, Style]] = []
        for column in self._columns:
            title = column.title
            style = header
            if column.sort is not None and column.sort == self.sort_key:
                title = f"{title} {arrow}"
                style = sorted_style
            parts.append((title, style))
        return self._join(parts, header)

    def _join(self, parts: Sequence[tuple[str, Style]], gap: Style) -> Strip:
        segments: list[Segment] = []
        for n, (column, (text, style)) in enumerate(zip(self._columns, parts, strict=True)):
            if n:
                segments.append(Segment(" ", gap))
            text = clip(text, column.width)
            pad = " " * (column.width - cell_len(text))
            segments.append(Segment(pad + text if column.align == "right" else text + pad, style))
        return Strip(segments)

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
            return self._join(parts, cursor).adjust_cell_length(self._width(), cursor)
        parts = [(texts[c.key][0], self._style(texts[c.key][1])) for c in self._columns]
        return self._join(parts, self._style("base"))
