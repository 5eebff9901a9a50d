"""A line-API table: only the rows on screen are drawn, under a header line that stays put.

`LineTable` is what the leaderboard's run table and the sprint screen's issue table share: a
`ScrollView` whose `render_line` draws the one row under each screen line, a cache of drawn
rows, a cursor that redraws only the row it leaves and the row it reaches, and columns laid out
once per model and width. A subclass says what the columns are and how a row is drawn; a sort
or a filter hands it a new order of rows, which costs nothing per row.

Cell text is drawn as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.panel import clip

Span = tuple[str, Style]


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


def _cut(text: str, width: int, ellipsis: bool) -> str:
    if ellipsis:
        return clip(text, width)
    return text if cell_len(text) <= width else set_cell_size(text, width)


def _cell(column: Column, spans: Sequence[Span], ellipsis: bool) -> list[Segment]:
    """One cell's text cut to the column's width and padded to it, aligned as it says."""
    if len(spans) == 1:
        text, style = spans[0]
        text = _cut(text, column.width, ellipsis)
        pad = " " * (column.width - cell_len(text))
        return [Segment(pad + text if column.align == "right" else text + pad, style)]
    room = column.width
    segments: list[Segment] = []
    for text, style in spans:
        if room <= 0:
            break
        text = _cut(text, room, ellipsis)
        room -= cell_len(text)
        if text:
            segments.append(Segment(text, style))
    if room > 0:
        pad = Segment(" " * room, spans[-1][1] if column.align == "left" else spans[0][1])
        segments = [*segments, pad] if column.align == "left" else [pad, *segments]
    return segments


class LineTable(ScrollView, can_focus=True):
    """Rows of cells, one line each, under a header line.

    Subclasses set `PREFIX` (their component classes' prefix) and implement `row_count`,
    `layout_columns`, `header_cells` and `draw_row`. `PAD` spaces go either side of every
    cell and `GAP` spaces between cells; `ELLIPSIS` says whether cut text ends with "…".
    """

    PREFIX = ""
    PAD = 0
    GAP = 1
    ELLIPSIS = True
    ROW_CACHE = 512  # drawn rows kept; a screenful is a few dozen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = 0  # position in the rows shown
        self.redraws = 0  # rows drawn (not taken from the cache): tests look at it
        self._columns: list[Column] = []
        self._laid_for: Hashable = None
        self._rows: dict[tuple[Hashable, bool], Strip] = {}
        self._styles: dict[str, Style] | None = None

    # --- what a subclass says ---------------------------------------------------------

    def row_count(self) -> int:
        raise NotImplementedError

    def layout_key(self, width: int) -> Hashable:
        """What the columns depend on: they are laid out again only when it changes."""
        return width

    def layout_columns(self, width: int) -> list[Column]:
        raise NotImplementedError

    def header_cells(self) -> list[Span]:
        header = self._style("header")
        return [(column.title, header) for column in self._columns]

    def row_key(self, position: int) -> Hashable:
        """What the drawn row at this position is cached under."""
        return position

    def draw_row(self, position: int, at_cursor: bool) -> Strip:
        raise NotImplementedError

    def empty_line(self, y: int) -> Strip | None:
        """What line `y` shows while there are no rows (None: blank)."""
        return None

    def cursor_moved(self) -> None:
        """The cursor is on another row."""

    def header_clicked(self, column: Column) -> None:
        """A click on a column's header."""

    def row_clicked(self, position: int) -> None:
        self.move_to(position)

    # --- geometry ---------------------------------------------------------------------

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    def _layout(self) -> None:
        width = self._width()
        key = self.layout_key(width)
        if key != self._laid_for:
            self._laid_for = key
            self._columns = self.layout_columns(width)
            self._rows.clear()

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self._width(), self.row_count() + 1)

    def on_resize(self, _event: events.Resize) -> None:
        self._layout()
        self._resize_virtual()
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
        """Put the cursor on a row: redraw the row left and the row reached."""
        count = self.row_count()
        if not count:
            return
        position = min(max(position, 0), count - 1)
        if position == self.cursor:
            return
        before = self.cursor
        self.cursor = position
        top = self.scroll_offset.y
        self.scroll_to_cursor()
        if self.scroll_offset.y == top:  # a scroll redraws everything anyway
            self.refresh_lines(before + 1)
            self.refresh_lines(position + 1)
        self.cursor_moved()

    # --- keys and mouse ---------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor + step * self._visible_rows())

    def action_jump(self, where: int) -> None:
        self.move_to(self.row_count() - 1 if where < 0 else where)

    def column_at(self, x: int) -> Column | None:
        """The column under screen column `x` (its padding and the gap after it count)."""
        left = 0
        for column in self._columns:
            right = left + column.width + 2 * self.PAD + self.GAP
            if left <= x < right:
                return column
            left = right
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self.column_at(event.x)
            if column is not None:
                self.header_clicked(column)
            return
        self.focus()
        self.row_clicked(self.scroll_offset.y + event.y - 1)

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
                component.removeprefix(self.PREFIX): self.get_component_rich_style(component)
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
            return self.join(self.header_cells(), self._style("header")).adjust_cell_length(
                width, base
            )
        position = self.scroll_offset.y + y - 1
        count = self.row_count()
        if not count:
            empty = self.empty_line(y)
            return (empty or Strip.blank(width, base)).adjust_cell_length(width, base)
        if position >= count:
            return Strip.blank(width, base)
        at_cursor = position == self.cursor
        key = (self.row_key(position), at_cursor)
        strip = self._rows.get(key)
        if strip is None:
            if len(self._rows) >= self.ROW_CACHE:
                self._rows.clear()
            strip = self._rows[key] = self.draw_row(position, at_cursor)
            self.redraws += 1
        return strip.adjust_cell_length(width, base)

    def join(self, cells: Sequence[Span | Sequence[Span]], gap: Style) -> Strip:
        """The cells side by side, each cut and padded to its column's width.

        A cell is a (text, style) pair, or a sequence of them for text in several styles.
        """
        pad = Segment(" " * self.PAD, gap) if self.PAD else None
        between = Segment(" " * self.GAP, gap) if self.GAP else None
        segments: list[Segment] = []
        for n, (column, cell) in enumerate(zip(self._columns, cells, strict=True)):
            if n and between is not None:
                segments.append(between)
            if pad is not None:
                segments.append(pad)
            spans: Sequence[Span] = (cell,) if isinstance(cell[0], str) else cell  # type: ignore[assignment]
            segments.extend(_cell(column, spans, self.ELLIPSIS))
            if pad is not None:
                segments.append(pad)
        return Strip(segments)
