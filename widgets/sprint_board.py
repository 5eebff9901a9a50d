"""The sprint board: the board's columns side by side, one card per issue.

Cards are focusable. Arrow keys move between cards (up and down in a column, left and right
across columns), Enter asks for the issue's details. The board is rebuilt only when the issues
or the columns change, and keeps the focused issue focused when it is.
"""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
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


class IssueCard(Widget, can_focus=True):
    """One issue: key and flag in the border, summary, assignee and points."""

    DEFAULT_CSS = """
    IssueCard {
        height: auto;
        border: round $foreground 25%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    IssueCard.-flagged {
        border: round $error 70%;
        border-title-color: $error;
    }
    IssueCard.-done {
        color: $text-muted;
    }
    IssueCard:focus {
        border: round $accent;
        background-tint: $accent 8%;
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

    def __init__(self, issue: IssueRow) -> None:
        super().__init__(classes="-flagged" if issue.flagged else None)
        self.issue = issue
        self.set_class(issue.category is StatusCategory.DONE, "-done")
        flag = ("⚑ ", "$error") if issue.flagged else ""
        self.border_title = Content.assemble(flag, issue.key)
        unit = "pt" if issue.points == 1 else "pts"
        self.border_subtitle = Content(f"{formatting.points(issue.points)} {unit}")

    def _summary_lines(self, width: int) -> list[str]:
        wrapped = textwrap.wrap(self.issue.summary, max(width, 8)) or [""]
        if len(wrapped) > SUMMARY_LINES:
            wrapped = wrapped[:SUMMARY_LINES]
            wrapped[-1] = clip(wrapped[-1] + " …", width)
        return wrapped

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._summary_lines(width)) + 1

    def render(self) -> Content:
        width = self.content_size.width or 24
        issue = self.issue
        rows = [line(text) for text in self._summary_lines(width)]
        who = issue.assignee_name if issue.assignee else "Unassigned"
        rows.append(
            line(
                (
                    clip(who, width - len(issue.priority) - 3),
                    "$foreground-muted" if not issue.assignee else "",
                ),
                (" · ", "$foreground-muted"),
                (issue.priority, "$foreground-muted"),
            )
        )
        return Content("\n").join(rows)

    def action_details(self) -> None:
        self.post_message(self.Selected(self.issue))

    def action_move(self, dx: int, dy: int) -> None:
        board = next((a for a in self.ancestors if isinstance(a, SprintBoard)), None)
        if board is not None:
            board.move_focus(self, dx, dy)


class ColumnCards(VerticalScroll, can_focus=False):
    """A column's cards; they scroll under the column's title, which stays put."""

    DEFAULT_CSS = """
    ColumnCards {
        height: 1fr;
        padding: 0 1 0 0;
        scrollbar-size-vertical: 1;
    }
    ColumnCards > .column-empty {
        color: $text-muted;
        padding: 0 1;
    }
    """


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


class SprintBoard(Widget):
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

    issues: reactive[tuple[IssueRow, ...]] = reactive((), init=False)
    columns: reactive[tuple[str, ...]] = reactive((), init=False)
    unit: reactive[str] = reactive("pts", init=False)

    def compose(self) -> ComposeResult:
        yield Static("No issues in this sprint.", id="board-empty")

    def on_mount(self) -> None:
        self._rebuild()

    def watch_issues(self) -> None:
        self._rebuild()

    def watch_columns(self) -> None:
        self._rebuild()

    def board_columns(self) -> list[str]:
        """The board's columns, plus any column an issue names that the board did not list."""
        names = list(self.columns)
        for issue in self.issues:
            if issue.column not in names:
                names.append(issue.column)
        return names

    def cards(self) -> list[IssueCard]:
        return list(self.query(IssueCard))

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        focused = self.screen.focused if self.is_attached else None
        keep = (
            focused.issue.key
            if isinstance(focused, IssueCard) and focused in self.cards()
            else None
        )
        self.query(BoardColumn).remove()
        empty = self.query_one("#board-empty", Static)
        empty.display = not self.issues
        if not self.issues:
            return
        columns = []
        for name in self.board_columns():
            members = [issue for issue in self.issues if issue.column == name]
            total = sum(issue.points or 0 for issue in members)
            style = "$text"
            if members:
                category = members[0].category
                style = "$error" if name.lower() == "blocked" else CATEGORY_STYLE[category]
            title = Static(
                line(
                    (name, style),
                    (
                        f"  {len(members)} · {formatting.points(total)} {self.unit}",
                        "$foreground-muted",
                    ),
                ),
                classes="column-title",
            )
            cards: list[Widget] = [IssueCard(issue) for issue in members]
            if not cards:
                cards = [Static("—", classes="column-empty")]
            columns.append(BoardColumn(title, ColumnCards(*cards)))
        self.mount_all(columns)
        if keep is not None:
            self.call_after_refresh(self.focus_issue, keep)

    def focus_issue(self, key: str) -> bool:
        for card in self.cards():
            if card.issue.key == key:
                card.focus()
                return True
        return False

    def focus_first(self) -> None:
        cards = self.cards()
        if cards:
            cards[0].focus()

    def move_focus(self, card: IssueCard, dx: int, dy: int) -> None:
        grid = [list(column.query(IssueCard)) for column in self.query(BoardColumn)]
        where = [(x, column.index(card)) for x, column in enumerate(grid) if card in column]
        if not where:
            return
        x, y = where[0]
        if dy:
            target = y + dy
            if 0 <= target < len(grid[x]):
                grid[x][target].focus()
            return
        step = x + dx
        while 0 <= step < len(grid):
            if grid[step]:
                grid[step][min(y, len(grid[step]) - 1)].focus()
                return
            step += dx
