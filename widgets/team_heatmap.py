"""The team screen's heat map: the week's overlap, one line per day of the lead's week.

Rows are the lead's days (`TeamSummary.week`), columns their half hours (`TeamSummary.heat`:
how many people work the whole half hour), shaded by that count, under an hour axis in the
lead's own zone. Each day's best window is written beside its row, in the lead's time. A
line-API widget: only the lines on screen are drawn, and a drawn line is kept until the
summary, the width or the theme changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit.analytics.team_views import OverlapWindow, TeamSummary
from cockpit.formatting import plural
from widgets.panel import clip

LABEL_WIDTH = 10  # "Mon 23 Nov"
LEVELS = 4  # shades of a working count, from a few people to the most in the week
BEST_WIDTH = 40  # room the best window's words want beside the cells
HEADER = 2  # lines that stay put: the legend and the hour axis


def lead_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The lead's local midnight of `day`, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def level_of(count: int, most: int) -> int:
    """0 for nobody; otherwise 1 to LEVELS, by the share of the week's busiest half hour."""
    if count <= 0 or most <= 0:
        return 0
    return max(1, min(LEVELS, -(-count * LEVELS // most)))


def window_text(window: OverlapWindow, zone: ZoneInfo) -> str:
    start = window.start.astimezone(zone)
    end = window.end.astimezone(zone)
    return f"{start:%H:%M}–{end:%H:%M}"


class HeatRow:
    """One day of the map, ready to draw: the counts, which cells are its best window, and
    the words beside it."""

    __slots__ = ("best", "counts", "label", "note", "now")

    def __init__(
        self,
        label: str,
        counts: tuple[int, ...],
        best: range,
        note: str,
        now: int | None,
    ) -> None:
        self.label = label
        self.counts = counts
        self.best = best  # half-hour positions inside the day's best window
        self.note = note
        self.now = now  # today's current half hour


def heat_rows(summary: TeamSummary) -> list[HeatRow]:
    """The map's days from the summary: pure, so a test can read what each line will say."""
    zone = ZoneInfo(summary.lead_zone)
    # First names, as the panel writes them; the count before them is the whole truth when
    # a narrow screen cuts the list.
    first_names = {p.id: p.name.split(" ")[0] or p.name for p in summary.people}
    rows: list[HeatRow] = []
    for n, day in enumerate(summary.week):
        counts = summary.heat[n] if n < len(summary.heat) else ()
        midnight = lead_midnight(day.day, zone)
        best = range(0)
        if day.best is not None:
            first = int((day.best.start - midnight).total_seconds() // 60) // 30
            last = -(-int((day.best.end - midnight).total_seconds() // 60) // 30)
            best = range(max(first, 0), min(last, len(counts)))
            who = ", ".join(first_names.get(p, p) for p in day.best.people)
            note = (
                f"{window_text(day.best, zone)} · "
                f"{plural(len(day.best.people), 'person', 'people')}: {who}"
            )
        else:
            note = "no window"
        hours = len(counts) / 2
        if counts and hours != 24:
            # The lead's clocks change that day: its cells after the change sit an hour off
            # the axis, and the words beside it say so.
            note += f" · {hours:g} h day"
        now = summary.now_minute // 30 if n == 0 else None
        rows.append(HeatRow(f"{day.day:%a %d %b}", counts, best, note, now))
    return rows


class TeamHeatMap(ScrollView, can_focus=True):
    """The week's overlap as shaded half hours, one line per day."""

    COMPONENT_CLASSES = {
        "team-heatmap--header",
        "team-heatmap--label",
        "team-heatmap--muted",
        "team-heatmap--level-0",
        "team-heatmap--level-1",
        "team-heatmap--level-2",
        "team-heatmap--level-3",
        "team-heatmap--level-4",
        "team-heatmap--best",
        "team-heatmap--now",
        "team-heatmap--note",
    }

    DEFAULT_CSS = """
    TeamHeatMap {
        height: auto;
        max-height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .team-heatmap--header { color: $text-muted; }
        & > .team-heatmap--label { color: $text; text-style: bold; }
        & > .team-heatmap--muted { color: $text-muted; }
        & > .team-heatmap--level-0 { color: $text-muted 50%; }
        & > .team-heatmap--level-1 { background: $success 20%; color: $text; }
        & > .team-heatmap--level-2 { background: $success 40%; color: $text; }
        & > .team-heatmap--level-3 { background: $success 65%; color: $text; }
        & > .team-heatmap--level-4 { background: $success 90%; color: $background; }
        & > .team-heatmap--best { text-style: bold underline; }
        & > .team-heatmap--now { background: $accent; color: $background; }
        & > .team-heatmap--note { color: $text-accent; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summary: TeamSummary | None = None
        self.rows: list[HeatRow] = []
        self.most = 0  # the week's busiest half hour: the darkest shade
        self.zone_label = "UTC"
        self.placeholder = "No team data yet."
        self.redraws = 0  # lines drawn (not taken from the cache): tests look at it
        self._lines: dict[int, Strip] = {}
        self._styles: dict[str, Style] | None = None

    def set_summary(self, summary: TeamSummary | None) -> None:
        self.summary = summary
        self.rows = heat_rows(summary) if summary is not None else []
        self.most = max((max(r.counts, default=0) for r in self.rows), default=0)
        self.zone_label = summary.lead_zone if summary is not None else "UTC"
        self._lines.clear()
        self._resize_virtual()
        self.refresh()

    # --- geometry ---------------------------------------------------------------------

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self._width(), len(self.rows) + HEADER)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.rows), 1) + HEADER

    def on_resize(self, _event: events.Resize) -> None:
        self._lines.clear()
        self._resize_virtual()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines.clear()

    def cell_width(self) -> int:
        """Two columns a half hour when the day and its best window fit, else one."""
        cells = max((len(r.counts) for r in self.rows), default=48)
        return 2 if LABEL_WIDTH + 1 + 2 * cells + 2 + BEST_WIDTH <= self._width() else 1

    # --- drawing ----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                component.removeprefix("team-heatmap--"): self.get_component_rich_style(component)
                for component in self.COMPONENT_CLASSES
            }
            self._styles["base"] = Style(bgcolor=self.rich_style.bgcolor)
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self._width()
        base = self._style("base")
        if y == 0:
            return self._legend().adjust_cell_length(width, base)
        if y == 1:
            return self._axis().adjust_cell_length(width, base)
        index = self.scroll_offset.y + y - HEADER
        if not self.rows:
            if y != HEADER:
                return Strip.blank(width, base)
            text = " " + clip(self.placeholder, width - 1)
            return Strip([Segment(text, self._style("muted"))]).adjust_cell_length(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        strip = self._lines.get(index)
        if strip is None:
            strip = self._lines[index] = self._draw(self.rows[index], width)
            self.redraws += 1
        return strip

    def _axis(self) -> Strip:
        """Hours of the lead's day over the cells, every three hours (every two when wide)."""
        cw = self.cell_width()
        step = 2 if cw == 2 else 3
        cells = 48
        ruler = [" "] * (cells * cw)
        for hour in range(0, 24, step):
            label = f"{hour:02d}"
            at = hour * 2 * cw
            for offset, char in enumerate(label):
                if at + offset < len(ruler):
                    ruler[at + offset] = char
        zone = clip(self.zone_label.split("/")[-1].replace("_", " "), LABEL_WIDTH)
        header = self._style("header")
        return Strip(
            [
                Segment(zone.ljust(LABEL_WIDTH) + " ", self._style("muted")),
                Segment("".join(ruler), header),
            ]
        )

    def _draw(self, row: HeatRow, width: int) -> Strip:
        cw = self.cell_width()
        segments = [Segment(row.label.ljust(LABEL_WIDTH) + " ", self._style("label"))]
        digits = len(str(self.most)) <= cw  # counts are written in the cells when they fit
        best = self._style("best")
        for n, count in enumerate(row.counts):
            level = level_of(count, self.most)
            style = self._style(f"level-{level}")
            if n in row.best:
                style = style + best
            if n == row.now:
                style = style + self._style("now")
            if count == 0:
                text = "·".rjust(cw)
            elif digits:
                text = str(count).rjust(cw)
            else:
                text = " " * cw
            segments.append(Segment(text, style))
        used = LABEL_WIDTH + 1 + cw * len(row.counts)
        room = width - used - 2
        if room > 0:
            segments.append(Segment("  " + clip(row.note, room), self._style("note")))
        return Strip(segments).adjust_cell_length(width, self._style("base"))

    def _legend(self) -> Strip:
        """What the shades mean, drawn in the shades themselves."""
        most = self.most
        muted = self._style("muted")
        segments = [Segment(" " * (LABEL_WIDTH + 1), muted)]
        segments.append(Segment("people working the whole half hour: ", muted))
        segments.append(Segment(" · none ", self._style("level-0")))
        for low, high, level in legend_levels(most):
            label = str(low) if low == high else f"{low}–{high}"
            segments.append(Segment(f" {label} ", self._style(f"level-{level}")))
        best = "  best window underlined"
        if Strip(segments).cell_length + len(best) <= self._width():
            segments.append(Segment(best, muted))  # left out rather than cut when narrow
        return Strip(segments)


def legend_levels(most: int) -> list[tuple[int, int, int]]:
    """(lowest count, highest count, level) of each shade in use, lightest first."""
    found: list[tuple[int, int, int]] = []
    for count in range(1, most + 1):
        level = level_of(count, most)
        if found and found[-1][2] == level:
            found[-1] = (found[-1][0], count, level)
        else:
            found.append((count, count, level))
    return found
