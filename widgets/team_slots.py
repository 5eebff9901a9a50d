"""The slot finder's table: ranked meeting slots for the people picked, one line each.

Each slot reads: its start in the lead's zone and in UTC, how many attendees are within their
hours ("4 of 5"), its inconvenience, and each attendee's local time with a marker (in, early,
late, off). The rows are the ranking the analytics gave (`find_slots`), drawn by the shared
line-API table, so only the rows on screen are turned into text. The line under the table
spells out the slot under the cursor for every attendee, whatever the width.

Names come from the roster: they are drawn as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.message import Message

from cockpit.analytics.team_slots import cost_state, outside_text
from cockpit.analytics.team_views import PersonCost, Slot
from cockpit.formatting import plural
from widgets.cost_table import Cells, CostTable, CostTableModel, TableColumn
from widgets.panel import Part, line

LENGTHS = (30, 45, 60, 90)  # meeting lengths the finder offers, in minutes
MARK_STYLE = {"in": "good", "early": "warn", "late": "bad", "off": "bad"}
MARK_THEME = {"in": "$text-success", "early": "$text-warning", "late": "$text-error",
              "off": "$text-error"}  # fmt: skip


def mark(cost: PersonCost) -> str:
    """One word for where the slot falls for this attendee ("in", "early", "late", "off"),
    the word `cockpit team slots` prints too."""
    return cost_state(cost)


def pain_text(value: float) -> str:
    return "0" if value <= 0 else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def slot_model(
    slots: Sequence[Slot], attendees: Sequence[str], names: Mapping[str, str], lead_zone: str
) -> CostTableModel:
    """The ranked slots as a table: the analytics' order is the natural one."""
    zone = ZoneInfo(lead_zone)
    place = lead_zone.split("/")[-1].replace("_", " ")
    ranks = {id(s): n + 1 for n, s in enumerate(slots)}

    def lead_start(s: Slot) -> Cells:
        start = s.start.astimezone(zone)
        end = (s.start + timedelta(minutes=s.minutes)).astimezone(zone)
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}", "strong"

    def within(s: Slot) -> Cells:
        style = "good" if s.within == s.attendees else "warn" if s.within else "bad"
        return f"{s.within} of {s.attendees}", style

    def pain(s: Slot) -> Cells:
        return pain_text(s.inconvenience), "good" if s.inconvenience <= 0 else "text"

    columns = [
        TableColumn("rank", "#", lambda s: (str(ranks.get(id(s), "")), "muted"), width=4,
                    right=True, sort=lambda s: ranks.get(id(s), 0), descending=False),
        TableColumn("lead", f"Start ({place})", lead_start, width=22, most=28,
                    fit=lambda s: "Mon 23 Nov 09:00–10:00", sort=lambda s: s.start,
                    descending=False),
        TableColumn("utc", "UTC", lambda s: (f"{s.start:%a %H:%M}", "muted"), width=9,
                    drop=len(attendees) + 1),
        TableColumn("within", "Within", within, width=8, right=True),
        TableColumn("pain", "Inconv.", pain, width=8, right=True,
                    sort=lambda s: s.inconvenience, descending=False),
    ]  # fmt: skip
    for n, person in enumerate(attendees):
        first = names.get(person, person).split(" ")[0] or person
        columns.append(
            TableColumn(f"at:{person}", first, _attendee_cell(n), width=15,
                        drop=len(attendees) - n)
        )  # fmt: skip
    # The ranking's own order is "natural": rows are never re-sorted to reach it.
    model = CostTableModel(
        columns, slots, natural="rank",
        empty="No slot in the days searched: try a shorter meeting or fewer people.",
    )  # fmt: skip
    return model


def _attendee_cell(n: int) -> Callable[[Slot], Cells]:
    def cell(s: Slot) -> Cells:
        if n >= len(s.costs):
            return "–", "muted"
        cost = s.costs[n]
        word = mark(cost)
        return ((f"{cost.local_start:%a %H:%M} ", "text"), (word, MARK_STYLE[word]))

    return cell


def slot_detail(slot: Slot | None, names: Mapping[str, str]) -> Content:
    """The slot under the cursor, for every attendee: local time, and minutes outside hours."""
    if slot is None:
        return Content("")
    parts: list[Part] = []
    for n, cost in enumerate(slot.costs):
        word = mark(cost)
        # Elapsed time, not wall-clock time: a meeting across a DST change ends an hour off.
        end = (slot.start + timedelta(minutes=slot.minutes)).astimezone(cost.local_start.tzinfo)
        if n:
            parts.append(("  ·  ", "$text-muted"))
        parts += [
            (names.get(cost.id, cost.id), "bold"),
            f" {cost.local_start:%a %H:%M}–{end:%H:%M} ",
            # "in", or the minutes outside by kind, as `cockpit team slots` says them:
            # "late 45 min, 30 at night".
            (word if cost.within else outside_text(cost), MARK_THEME[word]),
        ]
    return line(*parts)


def slots_note(count: int, attendees: int, minutes: int, days: int) -> Content:
    return line(
        (f"{plural(count, 'slot')}", "bold"),
        (f" for {plural(attendees, 'person', 'people')}, {minutes} min, over the next "
         f"{plural(days, 'day')}: ", "$text-muted"),
        ("most people within their hours first, then the least inconvenience", "$text-muted"),
    )  # fmt: skip


class SlotTable(CostTable):
    """The ranked slots; says when its cursor moves, so the screen can spell the slot out."""

    class Chosen(Message):
        def __init__(self, table: SlotTable) -> None:
            super().__init__()
            self.table = table

    def cursor_moved(self) -> None:
        self.post_message(self.Chosen(self))

    def current_slot(self) -> Slot | None:
        row = self.current()
        return row if isinstance(row, Slot) else None

    def choose_start(self, start: object) -> None:
        """Put the cursor back on the slot that starts at `start` (after a new ranking)."""
        model = self.model
        if model is None:
            return
        for position, index in enumerate(self.view):
            if model.rows[index].start == start:
                self.move_to(position)
                return
