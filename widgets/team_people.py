"""The team screen's People tab: everyone, one line each, drawing only the lines on screen.

What the Team panel's "+N more · enter shows everyone" opens. It reads exactly as the panel
does with no limit on its rows (the same header, axis, band, ribbons and legend, cell for cell:
the rows come from `TeamPanel`'s own code), but as a line-API widget. A screen line is drawn
from the row under it; a person's row and ribbon are made the first time they are on screen
and kept until the summary, the width or the style changes (people in one zone with the same
hours share one ribbon). So 300 people cost the few dozen rows a screen shows, not 300 rows
and ribbons on every paint, and the frame, its age and its keys stay the panel's.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from cockpit.analytics.team_views import PersonNow, TeamSummary
from widgets.panel import NO_DATA, Part, line
from widgets.team_panel import HEADER_ROWS, RibbonFrame, TeamPanel


class PeopleRows:
    """The rows of the People tab for one summary at one width: the few that every person
    shares are made at once, each person's when it is first asked for."""

    def __init__(self, panel: TeamPanel, summary: TeamSummary | None, width: int) -> None:
        self.panel = panel
        self.summary = summary
        self.width = width
        self.frame: RibbonFrame | None = None
        self.head: list[Content] = []  # before the people
        self.tail: list[Content] = []  # after them
        self.who, self.state = 0, 0  # the names-only form's text widths
        self.ribbons: dict[tuple[object, ...], list[Part]] = {}  # made for this frame
        self.made = 0  # person rows made: tests look at it
        self.people: Sequence[PersonNow] = ()
        if summary is None:
            self.head = [line(*NO_DATA)]
            return
        t = summary
        self.people = t.people
        self.head = [
            panel._now_line(t).truncate(width, ellipsis=True),
            panel._overlap_line(t).truncate(width, ellipsis=True),
        ]
        # As `TeamPanel._ribbons` with no limit on the rows: ribbons when the width allows.
        self.frame = panel._ribbon_frame(t, width)
        if self.frame is not None:
            self.head += panel._ribbon_head(t, self.frame, width)
            legend = panel._legend(t, self.frame.grid, width)
        else:
            # As `TeamPanel._list` with room for everyone: one column, nobody hidden.
            self.who, self.state = panel._list_widths(t.people, width)
            legend = panel._legend(t, None, width)
        if legend is not None:
            self.tail = [legend]

    def __len__(self) -> int:
        return len(self.head) + len(self.people) + len(self.tail)

    def row(self, index: int) -> Content | None:
        """Row `index` (None past the last)."""
        if index < len(self.head):
            return self.head[index]
        index -= len(self.head)
        if index < len(self.people):
            self.made += 1
            person = self.people[index]
            if self.frame is not None:
                return self.panel._ribbon_row(person, self.frame, self.ribbons)
            parts = self.panel._person_parts(person, self.who, self.state)
            return line(*parts).truncate(self.width, ellipsis=True)
        index -= len(self.people)
        return self.tail[index] if index < len(self.tail) else None


class TeamPeople(TeamPanel, ScrollView):
    """The Team panel in full, as a scroll view that draws only the rows on screen."""

    DEFAULT_CSS = """
    TeamPeople {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    ROW_CACHE = 1024  # drawn lines kept; a screenful is a few dozen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(detailed=True, id=id)
        self.redraws = 0  # lines drawn (not taken from the cache): tests look at it
        self._rows: PeopleRows | None = None
        self._lines: dict[int, Strip] = {}

    # --- what is drawn ------------------------------------------------------------------

    def watch_summary(self, _summary: TeamSummary | None) -> None:
        self._forget()
        self._resize_virtual()

    def _forget(self) -> None:
        """Every drawn line and row goes: the summary or the width changed."""
        self._rows = None
        self._lines.clear()

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    def rows(self) -> PeopleRows:
        """The rows at the current width, made again when the summary or width changed."""
        width = self._width()
        rows = self._rows
        if rows is None or rows.width != width or rows.summary is not self.summary:
            rows = self._rows = PeopleRows(self, self.summary, width)
            self._lines.clear()
        return rows

    def _resize_virtual(self) -> None:
        if not self.size.width:
            # Not laid out yet: a count close enough for the first layout to know whether
            # a scroll bar is needed (the rows are made once, at the width they are drawn at).
            people = len(self.summary.people) if self.summary is not None else 0
            self.virtual_size = Size(1, people + HEADER_ROWS + 3)
            return
        self.virtual_size = Size(self._width(), len(self.rows()))

    def on_resize(self, _event: events.Resize) -> None:
        self._resize_virtual()

    def notify_style_update(self) -> None:
        # The theme, focus (the tint) or the frame's state classes changed: colours differ.
        super().notify_style_update()
        self._lines.clear()

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        rows = self.rows()
        if self.virtual_size.height != len(rows):
            # The scroll bar came or went and the ribbons with it: measured again.
            self.call_later(self._resize_virtual)
        index = self.scroll_offset.y + y
        strip = self._lines.get(index)
        if strip is None:
            row = rows.row(index)
            if row is None:
                return Strip.blank(rows.width, self.visual_style.rich_style)
            if len(self._lines) >= self.ROW_CACHE:
                self._lines.clear()
            strip = self._lines[index] = self._strip(row, rows.width, index)
            self.redraws += 1
        return strip

    def _strip(self, row: Content, width: int, index: int) -> Strip:
        """Row `index` as Textual draws a widget's rendered content: the same styles, wrap
        and overflow rules, so a line reads as it did when the panel drew the whole block, and
        it says which line of the whole it is (for selecting text with the mouse)."""
        strips = Visual.to_strips(self, row, width, 1, self.visual_style)
        if not strips:
            return Strip.blank(width, self.visual_style.rich_style)
        return strips[0].apply_offsets(0, index)
