"""The Team panel: who is working now, their local time, and the best overlap window."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.team import TeamSummary
from widgets.panel import Panel, clip, line

STATE_STYLE = {
    "working": "$success",
    "off": "$text-muted",
    "weekend": "$text-muted",
    "away": "$warning",
}
STATE_MARK = {"working": "●", "off": "○", "weekend": "○", "away": "◌"}


class TeamPanel(Panel):
    PANEL_ID = "team"
    TITLE = "Team"

    summary: reactive[TeamSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        t = self.summary
        if t is None:
            return []
        rows = [
            line(
                (f"{t.working_now} of {len(t.people)} working now", "bold"),
                (f" · {t.zones} time zones", "$text-muted"),
            )
        ]
        if t.best_overlap:
            w = t.best_overlap
            rows.append(
                line(
                    ("Best overlap ", "$text-muted"),
                    (f"{w.start:%H:%M}–{w.end:%H:%M} UTC", "$accent"),
                    f" · {len(w.people)} people",
                )
            )
        people = list(t.people)
        room = height - len(rows)
        columns = 2 if width >= 70 and not self.detailed and len(people) > room else 1
        cell = width // columns
        cells = []
        for person in people:
            style = STATE_STYLE[person.state]
            local = f"{person.local_time:%a %H:%M}"
            where = person.location or person.timezone.split("/")[-1].replace("_", " ")
            text_room = cell - len(local) - len(person.utc_offset) - 6
            cells.append(
                [
                    (STATE_MARK[person.state] + " ", style),
                    (local, "bold" if person.state == "working" else "$text-muted"),
                    (f" {person.utc_offset} ", "$text-muted"),
                    clip(f"{person.name}, {where}", max(text_room, 4)).ljust(max(text_room, 4)),
                    "  ",
                ]
            )
        per_column = -(-len(cells) // columns)
        for index in range(per_column):
            parts = []
            for column in range(columns):
                position = column * per_column + index
                if position < len(cells):
                    parts += cells[position]
            rows.append(line(*parts))
        return rows
