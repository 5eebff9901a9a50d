"""The cost screen's tables: a line-API widget that draws only the rows on screen.

One table serves every tab (breakdowns, anomalies, experiments, budgets): a `CostTableModel`
holds the rows the analytics built (already whole, largest first) and the columns that say how
each cell reads and how the rows sort. A sort reorders an index of row positions (kept per sort,
so going back to one costs nothing); only the rows on screen are turned into text, and moving
the cursor redraws two lines. `s` cycles the sort column, `S` reverses it, and clicking a header
sorts by it (a second click reverses).

Cells are plain text: service names, accounts and tag values come from the cost exports and are
never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from widgets.line_table import Column, LineTable, Span
from widgets.panel import clip

Cell = tuple[str, str]  # text, style name ("text", "muted", "good", "warn", "bad", "accent")
# A cell in several styles: a small gauge and its figure.
Cells = Cell | tuple[Cell, ...]


class TableColumn:
    """How one column reads: its header, its width (from `least` to `most`, fitted to the
    longest text when `fit` says how to measure it), and how the rows sort by it."""

    __slots__ = (
        "descending", "drop", "fit", "key", "least", "most", "right", "sort", "text", "title",
    )  # fmt: skip

    def __init__(
        self,
        key: str,
        title: str,
        text: Callable[[Any], Cells],
        *,
        width: int = 10,
        most: int | None = None,
        fit: Callable[[Any], str] | None = None,
        right: bool = False,
        sort: Callable[[Any], Any] | None = None,
        descending: bool = True,
        drop: int = 0,
    ) -> None:
        self.key = key
        self.title = title
        self.text = text
        # Room for the title and, on a sortable column, the arrow that says it is sorted.
        self.least = max(width, len(title) + (2 if sort is not None else 0))
        self.most = most if most is not None else self.least
        self.fit = fit
        self.right = right
        self.sort = sort
        self.descending = descending  # the natural order: largest first
        # 0: never dropped; otherwise columns go in this order (1 first) when room is short.
        self.drop = drop


class CostTableModel:
    """Rows and their columns; the sorted orders are computed once each and kept.

    `natural` names the sort the rows already come in (the analytics give largest first), so
    that order is the identity and costs nothing.
    """

    def __init__(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Any],
        *,
        natural: str | None = None,
        flex: str | None = None,
        empty: str = "Nothing to show.",
    ) -> None:
        self.columns = tuple(columns)
        self._by_key = {c.key: c for c in self.columns}
        self.rows = rows
        self.natural = natural
        self.flex = flex  # the column that takes the width the others leave
        self.empty = empty
        self._orders: dict[tuple[str, bool], Sequence[int]] = {}
        self._longest: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def sort_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.sort is not None)

    def column(self, key: str) -> TableColumn | None:
        return self._by_key.get(key)

    def order(self, key: str, reverse: bool = False) -> Sequence[int]:
        """Row positions sorted by `key` (its natural direction, or the other with `reverse`)."""
        cached = self._orders.get((key, reverse))
        if cached is not None:
            return cached
        count = len(self.rows)
        column = self.column(key)
        if key == self.natural or column is None or column.sort is None:
            order: Sequence[int] = range(count - 1, -1, -1) if reverse else range(count)
        else:
            sort, rows = column.sort, self.rows
            # Stable: rows that tie keep the analytics' order (largest first).
            order = sorted(range(count), key=lambda n: sort(rows[n]),
                           reverse=column.descending != reverse)  # fmt: skip
        self._orders[key, reverse] = order
        return order

    def longest(self, key: str) -> int:
        """The widest text in a fitted column, measured once."""
        found = self._longest.get(key)
        if found is None:
            column = self.column(key)
            fit = column.fit if column is not None else None
            found = max((len(fit(row)) for row in self.rows), default=0) if fit else 0
            self._longest[key] = found
        return found


def layout(model: CostTableModel | None, width: int) -> list[Column]:
    """Every column at its width, the flexible one taking what is left; when the width is
    short, columns go in their `drop` order."""
    if model is None:
        return []
    widths: dict[str, int] = {}
    for c in model.columns:
        w = c.least
        if c.fit is not None:
            w = min(max(model.longest(c.key), c.least), c.most)
        widths[c.key] = w
    kept = list(model.columns)

    def used() -> int:
        return sum(widths[c.key] for c in kept) + len(kept) - 1

    flex = model.flex
    while used() > width:
        if flex is not None and flex in widths and widths[flex] > 12:
            widths[flex] = max(12, widths[flex] - (used() - width))
            continue
        droppable = [c for c in kept if c.drop]
        if not droppable:
            break
        kept.remove(min(droppable, key=lambda c: c.drop))
    spare = width - used()
    if spare > 0 and flex is not None and flex in widths and any(c.key == flex for c in kept):
        widths[flex] += spare
    return [Column(c.key, c.title, widths[c.key], right=c.right, sort=c.key if c.sort else None)
            for c in kept]  # fmt: skip


class CostTable(LineTable):
    """Rows of one `CostTableModel`, under a header line."""

    PREFIX = "cost-table--"

    COMPONENT_CLASSES = {
        "cost-table--header",
        "cost-table--header-sorted",
        "cost-table--cursor",
        "cost-table--text",
        "cost-table--strong",
        "cost-table--muted",
        "cost-table--good",
        "cost-table--warn",
        "cost-table--bad",
        "cost-table--accent",
        "cost-table--primary",
    }

    DEFAULT_CSS = """
    CostTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .cost-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .cost-table--header-sorted { text-style: bold; background: $panel; color: $accent; }
        & > .cost-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .cost-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .cost-table--text { color: $foreground; }
        & > .cost-table--strong { color: $text; text-style: bold; }
        & > .cost-table--muted { color: $text-muted; }
        & > .cost-table--good { color: $text-success; }
        & > .cost-table--warn { color: $text-warning; }
        & > .cost-table--bad { color: $text-error; }
        & > .cost-table--accent { color: $text-accent; }
        & > .cost-table--primary { color: $text-primary; }
    }
    """

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False, id="cost_table.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="cost_table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="cost_table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="cost_table.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="cost_table.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="cost_table.last"),
        Binding("s", "cycle_sort", "Sort", id="cost_table.sort"),
        Binding("S", "reverse_sort", "Reverse", id="cost_table.reverse"),
    ]

    class Sorted(Message):
        """The table's sort changed (a key or a header click)."""

        def __init__(self, table: CostTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model: CostTableModel | None = None
        self.view: Sequence[int] = ()
        self.sort_key = ""
        self.reverse = False
        self.placeholder = "Loading…"

    # --- the model --------------------------------------------------------------------

    def set_model(self, model: CostTableModel, *, sort_key: str | None = None) -> None:
        """New rows: sorted as they were when the column is still there, else naturally."""
        self.model = model
        keys = model.sort_keys
        if sort_key is not None and sort_key in keys:
            self.sort_key = sort_key
        elif self.sort_key not in keys:
            self.sort_key, self.reverse = (model.natural or (keys[0] if keys else "")), False
        self._laid_for = None
        self._apply(keep_cursor=False)

    def sort_by(self, key: str, *, reverse: bool = False) -> None:
        if self.model is None or key not in self.model.sort_keys:
            return
        self.sort_key, self.reverse = key, reverse
        self._apply(keep_cursor=True)
        self.post_message(self.Sorted(self))

    def _apply(self, *, keep_cursor: bool) -> None:
        model = self.model
        current = self.current_position() if keep_cursor else None
        self.view = model.order(self.sort_key, self.reverse) if model is not None else ()
        self._rows.clear()
        self._layout()
        self.virtual_size = Size(self._width(), len(self.view) + 1)
        cursor = 0
        if current is not None:
            # The cursor stays on its row: a sort moves the row, not the user's place.
            try:
                cursor = self.view.index(current)
            except ValueError:
                cursor = 0
        self.cursor = cursor
        if keep_cursor:
            self.scroll_to_cursor()
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def current_position(self) -> int | None:
        if self.model is None or not self.view:
            return None
        return self.view[min(self.cursor, len(self.view) - 1)]

    def current(self) -> Any | None:
        position = self.current_position()
        return None if position is None or self.model is None else self.model.rows[position]

    # --- keys and mouse ---------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        keys = self.model.sort_keys if self.model is not None else ()
        if not keys:
            return
        index = keys.index(self.sort_key) if self.sort_key in keys else -1
        self.sort_by(keys[(index + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_key, reverse=not self.reverse)

    def header_clicked(self, column: Column) -> None:
        if column.sort is not None:
            reverse = (not self.reverse) if column.sort == self.sort_key else False
            self.sort_by(column.sort, reverse=reverse)

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
        text = self.placeholder if self.model is None else self.model.empty
        return Strip([Segment(" " + clip(text, self._width() - 1), self._style("muted"))])

    def header_cells(self) -> list[Span]:
        header = self._style("header")
        sorted_style = self._style("header-sorted")
        model = self.model
        parts: list[Span] = []
        for column in self._columns:
            title, style = column.title, header
            if column.sort is not None and column.sort == self.sort_key and model is not None:
                spec = model.column(column.key)
                descending = spec.descending if spec is not None else True
                arrow = "↓" if descending != self.reverse else "↑"
                title, style = f"{title} {arrow}", sorted_style
            parts.append((title, style))
        return parts

    def draw_row(self, position: int, at_cursor: bool) -> Strip:
        model = self.model
        assert model is not None
        row = model.rows[self.view[position]]
        cells: list[Span | list[Span]] = []
        cursor = self._style("cursor") if at_cursor else None
        for column in self._columns:
            spec = model.column(column.key)
            assert spec is not None
            value = spec.text(row)
            pairs: tuple[Cell, ...] = (value,) if isinstance(value[0], str) else value  # type: ignore[assignment]
            spans = [(text, cursor or self._style(style)) for text, style in pairs]
            cells.append(spans[0] if len(spans) == 1 else spans)
        if cursor is not None:
            return self.join(cells, cursor).adjust_cell_length(self._width(), cursor)
        return self.join(cells, self._style("base"))
