"""The sprint board: the board's columns side by side, one card per issue, drawn as text.

A column is a line-API widget (`CardColumn`, a `ScrollView`): it keeps where each card starts
and draws only the lines on screen, so a column of 5,000 issues costs what a column of five
does. No widget exists per card. The board holds the focus and the selection: arrow keys (and
h/j/k/l) move the selection, which redraws the two cards involved and scrolls the column when
the card is out of view; Enter asks for the issue's details. A live update keeps the selected
issue selected, wherever it moved.
"""

from __future__ import annotations

import textwrap
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from cockpit import formatting
from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory
from widgets.panel import clip, line

CATEGORY_STYLE = {
    StatusCategory.TODO: "$foreground-muted",
    StatusCategory.IN_PROGRESS: "$primary",
    StatusCategory.DONE: "$success",
}
SUMMARY_LINES = 2
CARD_CACHE = 512  # drawn cards kept per column; a screenful is a few dozen


def summary_lines(summary: str, width: int) -> list[str]:
    """The summary wrapped to the card, at most two lines, the second ending in "…" if cut."""
    wrapped = textwrap.wrap(summary, max(width, 8)) or [""]
    if len(wrapped) > SUMMARY_LINES:
        wrapped = wrapped[:SUMMARY_LINES]
        wrapped[-1] = clip(wrapped[-1] + " …", width)
    return wrapped


def summary_height(summary: str, width: int) -> int:
    """How many lines `summary_lines` gives, without wrapping: a summary that fits is one line.

    Wrapping every summary of a 10,000-issue board to place the cards would cost more than
    drawing a screenful; the wrap itself is done only for the cards drawn.
    """
    text = summary.strip()
    return 1 if len(text) <= max(width, 8) and "\t" not in text else SUMMARY_LINES


def card_height(issue: IssueRow, inner: int) -> int:
    """Border, summary lines, the assignee line, border."""
    return summary_height(issue.summary, inner) + 3


class CardColumn(ScrollView, can_focus=False):
    """One column's cards, drawn line by line; they scroll under the column's title."""

    COMPONENT_CLASSES = {
        "card--border",
        "card--border-flagged",
        "card--border-focus",
        "card--title",
        "card--title-flagged",
        "card--subtitle",
        "card--text",
        "card--done",
        "card--muted",
        "card--empty",
    }

    DEFAULT_CSS = """
    CardColumn {
        height: 1fr;
        padding: 0 1 0 0;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        & > .card--border { color: $foreground 25%; }
        & > .card--border-flagged { color: $error 70%; }
        & > .card--border-focus { color: $accent; }
        & > .card--title { color: $text; text-style: bold; }
        & > .card--title-flagged { color: $error; text-style: bold; }
        & > .card--subtitle { color: $text-muted; }
        & > .card--text { color: $foreground; }
        & > .card--done { color: $text-muted; }
        & > .card--muted { color: $foreground-muted; }
        & > .card--empty { color: $text-muted; }
    }
    """

    def __init__(self, board: SprintBoard, index: int) -> None:
        super().__init__()
        self.board = board
        self.index = index
        self.issues: tuple[IssueRow, ...] = ()
        self._tops: list[int] = [0]  # where each card starts; the last entry is the total
        self._card_width = 0
        self._cards: dict[tuple[int, bool], list[Strip]] = {}
        self._styles: dict[str, Style] | None = None

    # --- the model --------------------------------------------------------------------

    def set_issues(self, issues: tuple[IssueRow, ...]) -> None:
        if issues == self.issues:
            return
        self.issues = issues
        self._place_cards()
        self.refresh()

    def _place_cards(self) -> None:
        """Card heights and positions for the current width; decides the scrollbar too."""
        self._cards.clear()
        # The room without a scrollbar: the region holds the scrollbar if there is one.
        width = self.region.width - self.styles.gutter.width
        rows = self.region.height - self.styles.gutter.height
        if width <= 0:
            self._tops = [0]
            self._card_width = 0
            return
        tops = self._tops_for(width)
        if tops[-1] > rows:  # it will scroll: the scrollbar takes a column from the cards
            width -= self.styles.scrollbar_size_vertical
            tops = self._tops_for(width)
        self._tops = tops
        self._card_width = width
        self.virtual_size = Size(0, tops[-1] if self.issues else 1)
        selected = self.board.selected_row(self.index)
        if selected is not None:
            self.scroll_to_card(selected)

    def lines_at_least(self) -> int:
        """The lines the cards take at any width: each has at least one summary line."""
        return (1 + 3) * len(self.issues) or 1  # as in `card_height`, with one summary line

    def _tops_for(self, width: int) -> list[int]:
        inner = width - 4
        return [0, *accumulate(card_height(issue, inner) for issue in self.issues)]

    def on_resize(self, _event: events.Resize) -> None:
        self._place_cards()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cards.clear()

    # --- geometry ---------------------------------------------------------------------

    def card_at(self, y: int) -> int | None:
        """The card on line `y` of the whole column (not of the screen)."""
        if not self.issues or not 0 <= y < self._tops[-1]:
            return None
        return bisect_right(self._tops, y) - 1

    def card_span(self, index: int) -> tuple[int, int]:
        return self._tops[index], self._tops[index + 1] - self._tops[index]

    def refresh_card(self, index: int) -> None:
        if 0 <= index < len(self.issues) and len(self._tops) > index + 1:
            top, height = self.card_span(index)
            self.refresh_lines(top, height)

    def scroll_to_card(self, index: int) -> None:
        """Scroll as little as needed for the whole card to be in view."""
        if not 0 <= index < len(self.issues) or len(self._tops) <= index + 1:
            return
        top, height = self.card_span(index)
        view = self.scrollable_content_region.height
        y = self.scroll_offset.y
        if top < y:
            self.scroll_to(y=top, animate=False)
        elif top + height > y + view:
            self.scroll_to(y=min(top, top + height - view), animate=False)

    # --- drawing ----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                component: self.get_component_rich_style(component)
                for component in self.COMPONENT_CLASSES
            }
            # Blank cells carry only the background, as Textual pads a widget.
            self._styles["base"] = Style(bgcolor=self.rich_style.bgcolor)
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._style("base")
        line_y = y + self.scroll_offset.y
        if not self.issues:
            if line_y == 0:
                text = clip("—", max(width - 2, 0))
                return Strip([Segment(" ", base), Segment(text, self._style("card--empty"))])
            return Strip.blank(width, base)
        index = self.card_at(line_y)
        if index is None or self._card_width <= 0:
            return Strip.blank(width, base)
        focused = index == self.board.selected_row(self.index) and self.board.has_focus
        key = (index, focused)
        strips = self._cards.get(key)
        if strips is None:
            if len(self._cards) >= CARD_CACHE:
                self._cards.clear()
            strips = self._cards[key] = self._draw_card(self.issues[index], focused)
        strip = strips[line_y - self._tops[index]]
        return strip.adjust_cell_length(width, base)

    def _draw_card(self, issue: IssueRow, focused: bool) -> list[Strip]:
        """The card as a bordered box: key and flag on top, points below, as Textual draws a
        widget's `border_title` and `border_subtitle` (round border, one space of padding)."""
        width = self._card_width
        inner = max(width - 4, 0)
        style = self._style
        if focused:
            border = style("card--border-focus")
        elif issue.flagged:
            border = style("card--border-flagged")
        else:
            border = style("card--border")
        title = style("card--title-flagged" if issue.flagged else "card--title")
        body = style("card--done" if issue.category is StatusCategory.DONE else "card--text")
        muted = style("card--muted")
        base = style("base")

        label = f"⚑ {issue.key}" if issue.flagged else issue.key
        unit = "pt" if issue.points == 1 else "pts"
        points = f"{formatting.points(issue.points)} {unit}"
        strips = [self._edge("╭", "╮", label, title, border, width, left=True)]
        height = summary_height(issue.summary, inner)
        texts = summary_lines(issue.summary, inner)[:height]
        texts += [""] * (height - len(texts))
        for text in texts:
            strips.append(self._row([(text, body)], inner, border, base))
        who = issue.assignee_name if issue.assignee else "Unassigned"
        strips.append(
            self._row(
                [
                    (clip(who, inner - len(issue.priority) - 3), body if issue.assignee else muted),
                    (" · ", muted),
                    (issue.priority, muted),
                ],
                inner,
                border,
                base,
            )
        )
        strips.append(self._edge("╰", "╯", points, style("card--subtitle"), border, width))
        return strips

    @staticmethod
    def _edge(
        first: str,
        last: str,
        label: str,
        label_style: Style,
        border: Style,
        width: int,
        *,
        left: bool = False,
    ) -> Strip:
        """A top or bottom border with its label, left-aligned on top, right-aligned below."""
        if width < 2:
            return Strip([Segment(first[:width], border)])
        room = width - 4
        if room <= 0:
            return Strip([Segment(first + "─" * (width - 2) + last, border)])
        if cell_len(label) > room:
            label = label[: max(room - 1, 0)] + "…"
        label = f" {label} "
        space = width - 2 - cell_len(label)
        if space <= 0:
            middle = [Segment(label, label_style)]
        elif left:
            middle = [
                Segment("─", border),
                Segment(label, label_style),
                Segment("─" * (space - 1), border),
            ]
        else:
            middle = [
                Segment("─" * (space - 1), border),
                Segment(label, label_style),
                Segment("─", border),
            ]
        return Strip([Segment(first, border), *middle, Segment(last, border)], width)

    @staticmethod
    def _row(parts: Sequence[tuple[str, Style]], inner: int, border: Style, base: Style) -> Strip:
        segments = [Segment("│", border), Segment(" ", base)]
        used = 0
        for text, part_style in parts:
            room = inner - used
            if room <= 0:
                break
            text = text[:room]
            segments.append(Segment(text, part_style))
            used += cell_len(text)
        segments += [Segment(" " * (inner - used + 1), base), Segment("│", border)]
        return Strip(segments, inner + 4)

    # --- mouse ------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        index = self.card_at(event.y + self.scroll_offset.y)
        if index is not None:
            self.board.select(self.index, index)
            self.board.focus()


class BoardColumn(Vertical):
    DEFAULT_CSS = """
    BoardColumn {
        width: 1fr;
        height: 1fr;
    }
    BoardColumn > .column-title {
        height: 1;
        text-style: bold;
    }
    """


class SprintBoard(Widget, can_focus=True):
    """The columns of the board; it holds the focus and the selected card."""

    DEFAULT_CSS = """
    SprintBoard {
        height: 1fr;
        layout: horizontal;
    }
    SprintBoard > #board-empty {
        color: $text-muted;
        padding: 1 2;
    }
    """

    BINDINGS = [
        Binding("enter", "details", "Details", id="board.details"),
        Binding("up,k", "move(0, -1)", "Up", show=False, id="board.up"),
        Binding("down,j", "move(0, 1)", "Down", show=False, id="board.down"),
        Binding("left,h", "move(-1, 0)", "Left", show=False, id="board.left"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="board.right"),
    ]

    class Selected(Message):
        """The user asked for this issue's details."""

        def __init__(self, issue: IssueRow) -> None:
            super().__init__()
            self.issue = issue

    issues: reactive[tuple[IssueRow, ...]] = reactive((), init=False)
    columns: reactive[tuple[str, ...]] = reactive((), init=False)
    unit: reactive[str] = reactive("pts", init=False)

    def __init__(self) -> None:
        super().__init__()
        self._names: list[str] = []
        self._groups: list[tuple[IssueRow, ...]] = []
        self._cursor: tuple[int, int] | None = None  # (column, row) of the selected card
        self.selected_key: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("No issues in this sprint.", id="board-empty")

    def on_mount(self) -> None:
        self._rebuild()

    def watch_issues(self) -> None:
        self._rebuild()

    def watch_columns(self) -> None:
        self._rebuild()

    def watch_unit(self) -> None:
        self._rebuild()

    # --- the model --------------------------------------------------------------------

    def board_columns(self) -> list[str]:
        """The board's columns, plus any column an issue names that the board did not list."""
        names = list(self.columns)
        known = set(names)
        for issue in self.issues:
            if issue.column not in known:
                names.append(issue.column)
                known.add(issue.column)
        return names

    def column_issues(self, name: str) -> tuple[IssueRow, ...]:
        """The issues of a column, in the order the board draws them."""
        if name in self._names:
            return self._groups[self._names.index(name)]
        return ()

    def card_count(self) -> int:
        """How many cards the board has (drawn or scrolled away)."""
        return sum(len(members) for members in self._groups)

    def selected_issue(self) -> IssueRow | None:
        if self._cursor is None:
            return None
        x, y = self._cursor
        return self._groups[x][y]

    def selected_row(self, column: int) -> int | None:
        if self._cursor is None or self._cursor[0] != column:
            return None
        return self._cursor[1]

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        names = self.board_columns()
        members: dict[str, list[IssueRow]] = {name: [] for name in names}
        for issue in self.issues:
            members[issue.column].append(issue)
        groups = [tuple(members[name]) for name in names]
        self.query_one("#board-empty", Static).display = not self.issues
        self.can_focus = bool(self.issues)
        if not self.issues:
            names, groups = [], []
        rebuild = names != self._names
        self._names, self._groups = names, groups
        self._restore_selection()
        if rebuild:
            # Other columns: new column widgets (rare: the board's configuration changed).
            self.query(BoardColumn).remove()
            self.mount_all(self._column(x, name) for x, name in enumerate(names))
            return
        for x, column in enumerate(self.query(BoardColumn)):
            column.query_one(".column-title", Static).update(self._title(x))
            column.query_one(CardColumn).set_issues(groups[x])

    def _column(self, x: int, name: str) -> BoardColumn:
        cards = CardColumn(self, x)
        cards.issues = self._groups[x]
        # The fewest lines its cards take, before its width is known: a column that will
        # scroll has its scrollbar in the first layout, not in a second one after it.
        cards.virtual_size = Size(0, cards.lines_at_least())
        return BoardColumn(Static(self._title(x), classes="column-title"), cards)

    def _title(self, x: int) -> object:
        name, members = self._names[x], self._groups[x]
        total = sum(issue.points or 0 for issue in members)
        style = "$text"
        if members:
            category = members[0].category
            style = "$error" if name.lower() == "blocked" else CATEGORY_STYLE[category]
        return line(
            (name, style),
            (f"  {len(members)} · {formatting.points(total)} {self.unit}", "$foreground-muted"),
        )

    def _restore_selection(self) -> None:
        """Keep the selected issue selected; if it left the board, stay where it was."""
        groups = self._groups
        if not any(groups):
            self._cursor, self.selected_key = None, None
            return
        if self.selected_key is not None:
            for x, members in enumerate(groups):
                for y, issue in enumerate(members):
                    if issue.key == self.selected_key:
                        self._cursor = (x, y)
                        return
        x, y = self._cursor or (0, 0)
        x = min(x, len(groups) - 1)
        order = [*range(x, len(groups)), *range(x - 1, -1, -1)]
        x = next(column for column in order if groups[column])
        self._cursor = (x, min(y, len(groups[x]) - 1))
        self.selected_key = groups[x][self._cursor[1]].key

    # --- the selection ----------------------------------------------------------------

    def _card_columns(self) -> list[CardColumn]:
        return list(self.query(CardColumn))

    def select(self, column: int, row: int) -> None:
        """Select a card: redraw the card left and the card chosen, and bring it into view."""
        if not (0 <= column < len(self._groups) and 0 <= row < len(self._groups[column])):
            return
        columns = self._card_columns()
        before = self._cursor
        self._cursor = (column, row)
        self.selected_key = self._groups[column][row].key
        if before is not None and before[0] < len(columns):
            columns[before[0]].refresh_card(before[1])
        if column < len(columns):
            columns[column].refresh_card(row)
            columns[column].scroll_to_card(row)

    def select_issue(self, key: str) -> bool:
        for x, members in enumerate(self._groups):
            for y, issue in enumerate(members):
                if issue.key == key:
                    self.select(x, y)
                    return True
        return False

    def action_move(self, dx: int, dy: int) -> None:
        if self._cursor is None:
            return
        x, y = self._cursor
        groups = self._groups
        if dy:
            if 0 <= y + dy < len(groups[x]):
                self.select(x, y + dy)
            return
        step = x + dx
        while 0 <= step < len(groups):
            if groups[step]:
                self.select(step, min(y, len(groups[step]) - 1))
                return
            step += dx

    def action_details(self) -> None:
        issue = self.selected_issue()
        if issue is not None:
            self.post_message(self.Selected(issue))

    def _refresh_selected(self) -> None:
        if self._cursor is not None:
            columns = self._card_columns()
            if self._cursor[0] < len(columns):
                columns[self._cursor[0]].refresh_card(self._cursor[1])

    def on_focus(self, _event: events.Focus) -> None:
        self._refresh_selected()

    def on_blur(self, _event: events.Blur) -> None:
        self._refresh_selected()
