"""The Team panel: who is working now, their local time, and when the team overlaps.

With room, each person gets a strip of today's UTC day in half hours, so the overlap windows
line up down the page the way a lead scheduling a meeting reads them.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.team import PersonNow, TeamSummary
from cockpit.formatting import plural
from widgets.panel import Panel, Part, clip, line

STATE_STYLE = {
    "working": "$success",
    "off": "$foreground-muted",
    "weekend": "$foreground-muted",
    "away": "$warning",
}
STATE_MARK = {"working": "●", "off": "○", "weekend": "○", "away": "◌"}
NAME_WIDTH = 30
STRIP_FROM = 90  # columns of panel content before the day strips appear


def _day_strip(person: PersonNow, now_slot: int, cells: int) -> list[Part]:
    per_cell = max(len(person.day_slots) // cells, 1)
    parts: list[Part] = []
    for cell in range(cells):
        chunk = person.day_slots[cell * per_cell : (cell + 1) * per_cell]
        working = any(chunk)
        is_now = cell * per_cell <= now_slot < (cell + 1) * per_cell
        glyph = "█" if working else "·"
        style = "$success" if working else "$foreground-muted 40%"
        if is_now:
            glyph, style = ("█" if working else "│"), "$accent"
        # One span per run of equal cells: a strip is 48 cells, and spans cost render time.
        last = parts[-1] if parts else None
        if isinstance(last, tuple) and last[1] == style:
            parts[-1] = (last[0] + glyph, style)
        else:
            parts.append((glyph, style))
    return parts


def _hour_ruler(cells: int) -> str:
    hours_per_cell = 24 / cells
    ruler = [" "] * cells
    for hour in range(0, 24, 3):
        position = int(hour / hours_per_cell)
        label = f"{hour:02d}"
        for offset, char in enumerate(label):
            if position + offset < cells:
                ruler[position + offset] = char
    return "".join(ruler)


class TeamPanel(Panel):
    PANEL_ID = "team"
    TITLE = "Team"

    summary: reactive[TeamSummary | None] = reactive(None)

    def _person_parts(self, person: PersonNow, name_width: int) -> list[Part]:
        style = STATE_STYLE[person.state]
        where = person.location or person.timezone.split("/")[-1].replace("_", " ")
        return [
            (STATE_MARK[person.state] + " ", style),
            (
                f"{person.local_time:%a %H:%M}",
                "bold" if person.state == "working" else "$foreground-muted",
            ),
            (f" {person.utc_offset} ", "$foreground-muted"),
            clip(f"{person.name}, {where}", name_width).ljust(name_width),
        ]

    def render_body(self, width: int, height: int) -> list[Content]:
        t = self.summary
        if t is None:
            return []
        rows = [
            line(
                (f"{t.working_now} of {len(t.people)} working now", "bold"),
                (f" · {plural(t.zones, 'time zone')}", "$foreground-muted"),
            )
        ]
        first_names = {p.id: p.name.split()[0] for p in t.people}
        if t.best_overlap:
            w = t.best_overlap
            rows.append(
                line(
                    ("Best overlap ", "$foreground-muted"),
                    (f"{w.start:%H:%M}–{w.end:%H:%M} UTC", "$accent"),
                    f" · {plural(len(w.people), 'person', 'people')}: ",
                    (
                        clip(", ".join(first_names[p] for p in w.people), max(width - 45, 8)),
                        "$foreground-muted",
                    ),
                )
            )
        people = list(t.people)
        room = height - len(rows)
        fixed = 2 + 9 + 8  # mark, "Mon 09:30", " +05:30 "
        if width >= STRIP_FROM and room >= len(people) + 1:
            strip = 48 if width - fixed - NAME_WIDTH - 2 >= 48 else 24
            name_width = max(width - fixed - strip - 6, 12)
            rows.append(
                line(
                    " " * (fixed + name_width + 2),
                    (_hour_ruler(strip), "$foreground-muted"),
                    (" UTC", "$foreground-muted"),
                )
            )
            for person in people:
                rows.append(
                    line(
                        *self._person_parts(person, name_width),
                        "  ",
                        *_day_strip(person, t.now_slot, strip),
                    )
                )
            return rows
        columns = 2 if width >= 70 and len(people) > room else 1
        cell = width // columns
        name_width = max(cell - fixed - 2, 4)
        hidden = 0
        if -(-len(people) // columns) > room:
            # Too many for the panel: keep a row to say how many are not drawn.
            fits = max(room - 1, 0) * columns
            hidden = len(people) - fits
            people = people[:fits]
        per_column = -(-len(people) // columns)
        for index in range(per_column):
            parts: list[Part] = []
            for column in range(columns):
                position = column * per_column + index
                if position < len(people):
                    parts += [*self._person_parts(people[position], name_width), "  "]
            rows.append(line(*parts))
        if hidden:
            rows.append(line((f"+{hidden} more · enter shows everyone", "$foreground-muted")))
        return rows
