"""The Team panel: who is working now, in their time and in the lead's, and when the team overlaps.

With room, each person gets a ribbon of the lead's day (`TeamSummary.day_start`, 24 hours, or
23 or 25 on the lead's DST change days), so the overlap lines up down the page the way a lead
scheduling a meeting reads it. The axis is the lead's wall clock, named by the lead's zone.

How a ribbon cell is drawn. Every cell is the same length of real time (15, 30 or 60 minutes,
the finest that fits), so a DST day has 46 or 50 half-hour cells rather than 48 stretched ones,
and the axis shows the hours as the lead lives them (an hour skipped or repeated).
- A person's cell is shaded when they work at least half of it; otherwise it carries a day-off
  mark (holiday, time off, weekend) that covers at least half of it; otherwise it is a dot.
- The overlap band marks a cell only when the band covers the whole cell, so the panel never
  shows an overlap that is not there (a window of 10:15-11:00 marks the 10:30 cell only).
- The now-marker sits in the exact cell holding `now_minute`.

Everything drawn comes from the summary; the clock is not read here. Text from the roster is
assembled as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.team_views import LeadSpan, OverlapWindow, PersonNow, TeamSummary
from cockpit.formatting import (
    amount,
    day_word,
    plural,
    span_phrase,
    time_window,
    zone_abbreviation,
)
from widgets.panel import Panel, Part, line

STATE_STYLE = {
    "working": "$success",
    "before": "$foreground-muted",
    "after": "$foreground-muted",
    "between": "$foreground-muted",
    "weekend": "$foreground-muted",
    "holiday": "$warning",
    "time_off": "$warning",
}
STATE_MARK = {
    "working": "●",
    "before": "○",
    "after": "○",
    "between": "◐",
    "weekend": "○",
    "holiday": "◌",
    "time_off": "◌",
}
STATE_WORDS = {
    "working": "working",
    "before": "before hours",
    "after": "after hours",
    "between": "between shifts",
    "weekend": "weekend",
    "holiday": "holiday",
    "time_off": "time off",
}
MUTED = "$foreground-muted"

# Ribbon cells: (glyph, style). Glyphs differ as well as colours, so that the panel reads on a
# monochrome terminal and in a text screenshot.
WORK_CELL = ("█", "$success")
OFF_CELL = ("·", "$foreground-muted 40%")
MARK_CELL = {
    "holiday": ("░", "$warning"),
    "time_off": ("▒", "$warning"),
    "weekend": ("╌", "$foreground-muted 40%"),
}
MARK_WORDS = {"holiday": "holiday", "time_off": "time off", "weekend": "weekend"}
MARK_ORDER = ("holiday", "time_off", "weekend")  # on equal cover, the named reason wins
NOW_STYLE = "bold $primary"  # apart from the band (accent), work (green) and days off (amber)
NOW_RULER = "▼"
BAND_GLYPH = "━"
BAND_STYLE = "bold $accent"
BAND_TINT = " on $accent 15%"  # the band's columns, tinted down every ribbon

# Where a person's zone came from, when it is not the roster: a marker after their UTC offset.
ROSTER_SOURCES = frozenset({"", "roster", "demo"})
SOURCE_MARK = "*"
SOURCE_WORDS = {"jira": "zone from their Jira profile"}

LEFT = 20  # "● Mon 09:30 +05:30* ": state mark, local time, UTC offset, zone-source marker
TEXT_MIN = 28
STATE_MIN = 14  # name and state, at least, before a ribbon takes finer cells
CELL_MINUTES = (15, 30, 60)
STRIP_FROM = 90  # columns of panel content before the ribbons appear
HEADER_ROWS = 2
SHORT_LEFT = 8  # "● 09:30 ": the short form of a person's row, in the narrowest panels


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def fit(text: str, width: int) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells; wide characters count
    as two, so columns stay lined up under CJK names."""
    if width <= 0:
        return ""
    return Content(text).truncate(width, ellipsis=True, pad=True).plain


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


def short_names(people: Sequence[PersonNow]) -> dict[str, str]:
    """Person id → first name, or the whole name when two people share the first one."""
    first = {p.id: _first_name(p.name) for p in people}
    seen: dict[str, int] = {}
    for name in first.values():
        seen[name] = seen.get(name, 0) + 1
    return {p.id: first[p.id] if seen[first[p.id]] == 1 else p.name for p in people}


def _now(t: TeamSummary) -> datetime | None:
    """The summary's moment: every person's local time is it; else the lead day's minute."""
    if t.people:
        return t.people[0].local_time
    if t.day_start is not None:
        return t.day_start + timedelta(minutes=t.now_minute)
    return None


def _today(t: TeamSummary) -> date | None:
    """The lead's date now."""
    now = _now(t)
    return now.astimezone(_zone(t.lead_zone)).date() if now is not None else None


def window_parts(w: OverlapWindow, t: TeamSummary) -> list[Part]:
    """`today 08:00–09:30 PST (16:00–17:30 UTC)`, written as status writes it: the lead's
    time stands out, UTC beside it is muted."""
    text = time_window(w.start, w.end, t.lead_zone, _today(t))
    local, paren, utc = text.partition(" (")
    return [(local, "$accent"), (paren + utc, MUTED)] if paren else [(text, "$accent")]


def state_text(person: PersonNow) -> str:
    """`working`, `before hours`, `holiday: Labour Day`, `time off: parental leave`."""
    words = STATE_WORDS.get(person.state, person.state.replace("_", " "))
    if person.state in ("holiday", "time_off") and person.detail:
        return f"{words}: {person.detail}"
    return words


def who_text(person: PersonNow) -> str:
    """`Aroha Ngata, Auckland`, or `Tom Fletcher ✈ Dubai` while travelling."""
    where = person.location or person.timezone.split("/")[-1].replace("_", " ")
    if person.travelling:
        return f"{person.name} ✈ {where}"
    return f"{person.name}, {where}"


def _zone_marked(person: PersonNow) -> bool:
    return person.zone_source not in ROSTER_SOURCES


# --- the ribbon grid ---------------------------------------------------------------------


class Grid(msgspec.Struct, frozen=True):
    """The lead's day cut into equal cells, and what is the same for every ribbon."""

    cell: int  # minutes per cell
    day: int  # minutes in the lead's day
    cells: int
    now: int  # the cell holding now_minute; -1 when now is outside the day
    band: tuple[bool, ...]  # the band covers the whole cell
    lengths: tuple[int, ...]  # minutes in each cell (the last may be short)

    def length(self, index: int) -> int:
        return self.lengths[index]


def make_grid(t: TeamSummary, cell: int) -> Grid:
    day = max(t.day_minutes, 1)
    cells = -(-day // cell)
    now = t.now_minute // cell if 0 <= t.now_minute < day else -1
    lengths = tuple(min((index + 1) * cell, day) - index * cell for index in range(cells))
    band = coverage(merge_spans(t.band), cell, day, cells)
    full = tuple(covered >= length for covered, length in zip(band, lengths, strict=True))
    return Grid(cell, day, cells, now, full, lengths)


def merge_spans(spans: Sequence[LeadSpan]) -> list[LeadSpan]:
    merged: list[LeadSpan] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def coverage(spans: Sequence[LeadSpan], cell: int, day: int, cells: int) -> list[int]:
    """Minutes of each cell that the spans cover (spans must not overlap one another)."""
    cover = [0] * cells
    for span_start, span_end in spans:
        start, end = max(span_start, 0), min(span_end, day)
        while start < end:
            index = start // cell
            stop = min((index + 1) * cell, end)
            cover[index] += stop - start
            start = stop
    return cover


def ribbon_cells(person: PersonNow, grid: Grid) -> list[tuple[str, str]]:
    """(glyph, style) per cell: working, a day-off mark, or a dot; the now-marker; the band."""
    work = coverage(merge_spans(person.ribbon), grid.cell, grid.day, grid.cells)
    marks = {
        kind: coverage(
            merge_spans([(m.start, m.end) for m in person.marks if m.kind == kind]),
            grid.cell,
            grid.day,
            grid.cells,
        )
        for kind in MARK_ORDER
        if any(m.kind == kind for m in person.marks)
    }
    out: list[tuple[str, str]] = []
    for index in range(grid.cells):
        length = grid.lengths[index]
        working = 2 * work[index] >= length and work[index] > 0
        glyph, style = WORK_CELL if working else OFF_CELL
        if not working and marks:
            # The reason covering most of the cell, if it covers at least half of it.
            kind = max(marks, key=lambda k: marks[k][index])
            if 2 * marks[kind][index] >= length and marks[kind][index] > 0:
                glyph, style = MARK_CELL[kind]
        if index == grid.now:
            glyph, style = ("█" if working else "│"), NOW_STYLE
        if grid.band[index]:
            style += BAND_TINT
        out.append((glyph, style))
    return out


def runs(cells: Sequence[tuple[str, str]]) -> list[Part]:
    """One span per run of equal styles: a ribbon is up to 100 cells, spans cost render time."""
    parts: list[Part] = []
    for glyph, style in cells:
        last = parts[-1] if parts else None
        if isinstance(last, tuple) and last[1] == style:
            parts[-1] = (last[0] + glyph, style)
        else:
            parts.append((glyph, style))
    return parts


def ruler(t: TeamSummary, grid: Grid) -> str:
    """Hour labels on the lead's wall clock, and ▼ over the now cell."""
    chars = [" "] * grid.cells
    per_hour = max(60 // grid.cell, 1)
    step = next(s for s in (1, 2, 3, 4, 6, 12) if s * per_hour >= 3)
    if grid.now >= 0:
        chars[grid.now] = NOW_RULER
    zone = _zone(t.lead_zone)
    free_from = 0
    for index in range(grid.cells):
        if t.day_start is not None:
            local = (t.day_start + timedelta(minutes=index * grid.cell)).astimezone(zone)
            hour, minute = local.hour, local.minute
        else:
            hour, minute = divmod(index * grid.cell % 1440, 60)
        if minute or hour % step or index < free_from or index + 2 > grid.cells:
            continue
        if grid.now in (index, index + 1):
            continue  # the now-marker wins over a label
        chars[index : index + 2] = f"{hour:02d}"
        free_from = index + 3
    return "".join(chars)


def zone_label(t: TeamSummary) -> str:
    """`America/Los_Angeles PST`, or `PDT→PST` on the day the clocks change."""
    name = t.lead_zone or "UTC"
    if t.day_start is None:
        return name
    zone = _zone(t.lead_zone)
    first = zone_abbreviation(t.day_start.astimezone(zone))
    last = zone_abbreviation((t.day_start + timedelta(minutes=t.day_minutes - 1)).astimezone(zone))
    if not first or first == name:
        return name
    return f"{name} {first}" if first == last or not last else f"{name} {first}→{last}"


class RibbonFrame(msgspec.Struct, frozen=True):
    """What every ribbon row shares at one width: the grid and the text columns' widths."""

    grid: Grid
    who: int
    state: int


class TeamPanel(Panel):
    PANEL_ID = "team"
    TITLE = "Team"

    summary: reactive[TeamSummary | None] = reactive(None)

    # --- header --------------------------------------------------------------------------

    def _now_line(self, t: TeamSummary) -> Content:
        parts: list[Part] = [
            (f"{amount(t.working_now)} of {amount(len(t.people))} working now", "bold"),
            (f" · {plural(t.zones, 'time zone')}", MUTED),
        ]
        now = _now(t)
        if t.next_online is not None and now is not None:
            person, moment = t.next_online
            local = moment.astimezone(_zone(t.lead_zone))
            today = _today(t)
            day = "" if local.date() == today else f" {day_word(local.date(), today)}"
            wait = round((moment - now).total_seconds() / 60)
            parts += [
                (" · next online: ", MUTED),
                short_names(t.people).get(person, person),
                f"{day} at {local:%H:%M}",
                (f" (in {span_phrase(wait)})", MUTED),
            ]
        return line(*parts)

    def _overlap_line(self, t: TeamSummary) -> Content:
        names = short_names(t.people)

        def who(ids: Sequence[str]) -> str:
            return ", ".join(names.get(i, i) for i in ids)

        if t.best_overlap is not None:
            w = t.best_overlap
            return line(
                ("Best overlap ", MUTED),
                *window_parts(w, t),
                f" · {plural(len(w.people), 'person', 'people')}: ",
                (who(w.people), MUTED),
            )
        now = _now(t)
        later = next(
            (d.best for d in t.week if d.best is not None and (now is None or d.best.end > now)),
            None,
        )
        if later is not None:
            return line(
                ("No overlap in the next 24 h; next ", MUTED),
                *window_parts(later, t),
                f" · {plural(len(later.people), 'person', 'people')}: ",
                (who(later.people), MUTED),
            )
        miss = t.nearest_miss
        if miss is not None:
            w = miss.window
            together = plural(len(w.people), "person", "people")
            return line(
                ("No overlap this week; closest: ", "$warning"),
                *window_parts(w, t),
                f" · {together}",
                (f", without {who(miss.missing)}", MUTED)
                if miss.missing
                else (f", {amount(miss.short_by)} short", MUTED),
            )
        quiet = "No overlap this week" if t.week else "No overlap in the next 24 h"
        return line((quiet, MUTED))

    # --- people ---------------------------------------------------------------------------

    def _person_parts(self, person: PersonNow, who_width: int, state_width: int) -> list[Part]:
        style = STATE_STYLE.get(person.state, MUTED)
        if who_width < 0:
            # The narrowest panels: the mark, the local time and the name.
            return [
                (STATE_MARK.get(person.state, "○") + " ", style),
                (f"{person.local_time:%H:%M} ", "bold" if person.state == "working" else MUTED),
                fit(who_text(person), -who_width),
            ]
        parts: list[Part] = [
            (STATE_MARK.get(person.state, "○") + " ", style),
            (
                f"{person.local_time:%a %H:%M}",
                "bold" if person.state == "working" else MUTED,
            ),
            (f" {person.utc_offset:>6}", MUTED),
            (SOURCE_MARK if _zone_marked(person) else " ", "$warning"),
            " ",
            fit(who_text(person), who_width),
        ]
        if state_width > 0:
            parts += [" ", (fit(state_text(person), state_width), style)]
        return parts

    @staticmethod
    def _text_needs(people: Sequence[PersonNow]) -> tuple[int, int]:
        """Columns the longest name and the longest state take."""
        names = max((Content(who_text(p)).cell_length for p in people), default=0)
        states = max((Content(state_text(p)).cell_length for p in people), default=0)
        return names, states

    def _text_widths(self, people: Sequence[PersonNow], room: int) -> tuple[int, int]:
        """Split `room` columns between name and state. Names come first; the state gets
        what is left of its longest text's needs, and at least STATE_MIN columns (enough for
        "between shifts"); none when the room is too small for both."""
        if room < 24:
            return max(room, 1), 0
        names, states = self._text_needs(people)
        if names + 1 + states <= room:
            return names, room - 1 - names  # both whole; the state sits right after the names
        state = min(max(min(states, STATE_MIN), room - 1 - names), states, room // 2)
        return room - state - 1, state

    def _legend(self, t: TeamSummary, grid: Grid | None, width: int) -> Content | None:
        parts: list[Part] = []
        if grid is not None:
            parts += [WORK_CELL, (" working", MUTED)]
            kinds = {m.kind for p in t.people for m in p.marks}
            for kind in MARK_ORDER:
                if kind in kinds:
                    parts += ["  ", MARK_CELL[kind], (f" {MARK_WORDS[kind]}", MUTED)]
            if any(grid.band):
                parts += ["  ", (BAND_GLYPH, BAND_STYLE), (" overlap", MUTED)]
            if grid.now >= 0:
                now = _now(t)
                at = f" {now.astimezone(_zone(t.lead_zone)):%H:%M}" if now is not None else ""
                parts += ["  ", (NOW_RULER, NOW_STYLE), (f" now{at}", MUTED)]
        sources = sorted({p.zone_source for p in t.people if _zone_marked(p)})
        if sources:
            words = ", ".join(SOURCE_WORDS.get(s, f"zone from {s}") for s in sources)
            parts += [("  " if parts else ""), (SOURCE_MARK, "$warning"), (f" {words}", MUTED)]
        if not parts:
            return None
        return line(*parts).truncate(width, ellipsis=True)

    def _ribbons(self, t: TeamSummary, width: int, height: int) -> list[Content] | None:
        """Every person with a ribbon, or None when they do not all fit."""
        people = t.people
        if height - HEADER_ROWS < len(people) + 2:
            return None
        frame = self._ribbon_frame(t, width)
        if frame is None:
            return None
        rows = self._ribbon_head(t, frame, width)
        drawn: dict[tuple[object, ...], list[Part]] = {}
        rows += [self._ribbon_row(person, frame, drawn) for person in people]
        if height - HEADER_ROWS > len(rows):
            legend = self._legend(t, frame.grid, width)
            if legend is not None:
                rows.append(legend)
        return rows

    def _ribbon_frame(self, t: TeamSummary, width: int) -> RibbonFrame | None:
        """What every ribbon row shares at this width, or None when ribbons do not fit."""
        if width < STRIP_FROM:
            return None
        cell = next(
            (
                c
                for c in CELL_MINUTES
                if LEFT + TEXT_MIN + 1 + -(-max(t.day_minutes, 1) // c) <= width
            ),
            None,
        )
        if cell is None:
            return None
        grid = make_grid(t, cell)
        room = width - LEFT - 1 - grid.cells
        who_width, state_width = self._text_widths(t.people, room)
        return RibbonFrame(grid, who_width, state_width)

    def _ribbon_head(self, t: TeamSummary, frame: RibbonFrame, width: int) -> list[Content]:
        """The axis (the lead's zone and hours) and the overlap band, above the ribbons."""
        grid = frame.grid
        label_width = width - grid.cells - 1
        rows = [
            line(
                (fit(zone_label(t), label_width - 1).rstrip().rjust(label_width - 1), MUTED),
                "  ",
                (ruler(t, grid), MUTED),
            ),
        ]
        together = plural(t.min_people, "person", "people")
        band_label = f"overlap, at least {together}" if t.min_people >= 2 else "overlap"
        rows.append(
            line(
                (fit(band_label, label_width - 1).rstrip().rjust(label_width - 1), MUTED),
                "  ",
                *runs(
                    [(BAND_GLYPH, BAND_STYLE) if covered else (" ", MUTED) for covered in grid.band]
                ),
            )
        )
        return rows

    def _ribbon_row(
        self, person: PersonNow, frame: RibbonFrame, drawn: dict[tuple[object, ...], list[Part]]
    ) -> Content:
        """A person's row: their state and local time, then their ribbon. `drawn` keeps the
        ribbons made for this frame: people in one zone with the same hours share one."""
        key = (person.ribbon, person.marks)
        ribbon = drawn.get(key)
        if ribbon is None:
            ribbon = drawn[key] = runs(ribbon_cells(person, frame.grid))
        return line(*self._person_parts(person, frame.who, frame.state), " ", *ribbon)

    def _list(self, t: TeamSummary, width: int, height: int) -> list[Content]:
        """Names only, in one or two columns, cut to the rows there are ("+N more")."""
        people = list(t.people)
        room = max(height - HEADER_ROWS, 0)
        columns = 2 if width >= 70 and len(people) > room else 1
        cell = (width - 2 * (columns - 1)) // columns
        rows: list[Content] = []
        hidden = 0
        if -(-len(people) // columns) > room:
            # Too many for the panel: keep a row to say how many are not drawn.
            fits = max(room - 1, 0) * columns
            hidden = len(people) - fits
            people = people[:fits]
        who_width, state_width = self._list_widths(people, cell)
        per_column = -(-len(people) // columns) if people else 0
        for index in range(per_column):
            parts: list[Part] = []
            for column in range(columns):
                position = column * per_column + index
                if position < len(people):
                    if column:
                        parts.append("  ")
                    parts += self._person_parts(people[position], who_width, state_width)
            rows.append(line(*parts).truncate(width, ellipsis=True))
        if hidden:
            more = f"+{amount(hidden)} more · enter shows everyone"
            rows.append(line((more, MUTED)).truncate(width, ellipsis=True))
        elif len(rows) < room:
            legend = self._legend(t, None, width)
            if legend is not None:
                rows.append(legend)
        return rows

    def _list_widths(self, people: Sequence[PersonNow], cell: int) -> tuple[int, int]:
        """Name and state widths of the names-only list in columns of `cell` cells."""
        if cell - LEFT >= 10:
            return self._text_widths(people, cell - LEFT)
        return -max(cell - SHORT_LEFT, 1), 0  # the short form

    def render_body(self, width: int, height: int) -> list[Content]:
        t = self.summary
        if t is None:
            return []
        rows = [
            self._now_line(t).truncate(width, ellipsis=True),
            self._overlap_line(t).truncate(width, ellipsis=True),
        ]
        if height <= HEADER_ROWS:
            return rows[:height]  # the first line counts everyone; no room to list them
        body = self._ribbons(t, width, height)
        return rows + (body if body is not None else self._list(t, width, height))
