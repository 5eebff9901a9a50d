"""The follow-the-sun chain as a table: who carries the work, leg by leg, over the next 24
hours, with a line of its own for each gap when nobody is working.

Times are in the lead's zone, with each person's own local time beside them. A model for the
shared line-API table (`widgets.cost_table.CostTable`). Names are plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from cockpit.analytics.team_views import Handover
from widgets.cost_table import Cells, CostTableModel, TableColumn


class ChainLine(msgspec.Struct, frozen=True, gc=False):
    """One line of the chain: a leg (`person` set) or a gap before it (`person` empty)."""

    start: datetime  # UTC
    end: datetime
    person: str = ""
    zone: str = ""  # the person's zone now (their local times)
    hands_to: str = ""  # the next leg's person: who the work passes to


def chain_lines(handover: Sequence[Handover], zones: Mapping[str, str]) -> tuple[ChainLine, ...]:
    lines: list[ChainLine] = []
    for n, leg in enumerate(handover):
        if leg.gap_before > 0:
            lines.append(ChainLine(leg.start - timedelta(minutes=leg.gap_before), leg.start))
        after = handover[n + 1].person if n + 1 < len(handover) else ""
        lines.append(ChainLine(leg.start, leg.end, leg.person, zones.get(leg.person, "UTC"), after))
    return tuple(lines)


def span_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def handover_model(
    lines: Sequence[ChainLine], names: Mapping[str, str], lead_zone: str
) -> CostTableModel:
    zone = ZoneInfo(lead_zone)
    place = lead_zone.split("/")[-1].replace("_", " ")

    def when(c: ChainLine) -> Cells:
        start, end = c.start.astimezone(zone), c.end.astimezone(zone)
        return f"{start:%a %H:%M}–{end:%H:%M}", "muted" if not c.person else "text"

    def who(c: ChainLine) -> Cells:
        if not c.person:
            return "nobody working", "bad"
        return names.get(c.person, c.person), "strong"

    def local(c: ChainLine) -> Cells:
        if not c.person:
            return "", "muted"
        there = ZoneInfo(c.zone)
        start, end = c.start.astimezone(there), c.end.astimezone(there)
        return f"{start:%a %H:%M}–{end:%H:%M}", "text"

    def length(c: ChainLine) -> Cells:
        minutes = int((c.end - c.start).total_seconds() // 60)
        return (
            (f"gap {span_text(minutes)}", "bad") if not c.person else (span_text(minutes), "muted")
        )

    def who_text(c: ChainLine) -> str:
        return names.get(c.person, c.person) if c.person else "nobody working"

    def hands_to(c: ChainLine) -> str:
        return f"→ {names.get(c.hands_to, c.hands_to)}" if c.hands_to else ""

    columns = [
        TableColumn("when", f"When ({place})", when, width=19),
        TableColumn("who", "Who", who, width=14, most=28, fit=who_text),
        TableColumn("to", "Hands to", lambda c: (hands_to(c), "muted"), width=10, most=30,
                    fit=hands_to, drop=3),
        TableColumn("local", "Their time", local, width=19, drop=2),
        TableColumn("zone", "Zone", lambda c: (c.zone, "muted"), width=8, most=24,
                    fit=lambda c: c.zone, drop=1),
        TableColumn("length", "For", length, width=12, right=True),
    ]  # fmt: skip
    return CostTableModel(
        columns, lines, natural="when",
        empty="Nobody works in the next 24 hours: no chain to show.",
    )  # fmt: skip
