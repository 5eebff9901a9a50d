"""The fairness tables: who took the inconvenient slots of the recorded meetings, and a
rotation that spreads that pain over the coming weeks.

Both are models for the shared line-API table (`widgets.cost_table.CostTable`): only the rows
on screen are drawn. Names come from the roster and are plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from cockpit.analytics.team_views import FairnessRow, FairnessView, RotationWeek
from widgets.cost_table import Cells, CostTableModel, TableColumn
from widgets.team_slots import pain_text


def ledger_model(view: FairnessView) -> CostTableModel:
    """One row per person, most pain first (the analytics' order)."""

    def share(r: FairnessRow) -> Cells:
        if not r.meetings:
            return "–", "muted"
        ratio = r.inconvenient / r.meetings
        return (
            f"{r.inconvenient} of {r.meetings}",
            "bad" if ratio > 0.5 else "warn" if ratio else "good",
        )

    def pain(r: FairnessRow) -> Cells:
        return pain_text(r.pain), "bad" if r.pain > 0 else "good"

    columns = [
        TableColumn("name", "Person", lambda r: (r.name, "strong"), width=12, most=28,
                    fit=lambda r: r.name, sort=lambda r: r.name.casefold(), descending=False),
        TableColumn("meetings", "Meetings", lambda r: (str(r.meetings), "text"), width=8,
                    right=True, sort=lambda r: r.meetings),
        TableColumn("inconvenient", "Inconvenient", share, width=12, right=True,
                    sort=lambda r: r.inconvenient),
        TableColumn("outside", "Min. outside", lambda r: (f"{r.minutes_outside:,}", "text"),
                    width=12, right=True, sort=lambda r: r.minutes_outside),
        TableColumn("pain", "Pain", pain, width=7, right=True, sort=lambda r: r.pain),
    ]  # fmt: skip
    return CostTableModel(
        columns, view.rows, natural="pain",
        empty=f"No meetings recorded in the last {view.weeks} weeks: the meetings file beside "
        "the roster feeds this ledger.",
    )  # fmt: skip


def rotation_model(view: FairnessView, names: Mapping[str, str], lead_zone: str) -> CostTableModel:
    """The proposed weeks of the recurring meeting, each with who takes the pain."""
    zone = ZoneInfo(lead_zone)
    place = lead_zone.split("/")[-1].replace("_", " ")

    def slot(w: RotationWeek) -> Cells:
        start = w.slot.start.astimezone(zone)
        end = (w.slot.start + timedelta(minutes=w.slot.minutes)).astimezone(zone)
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}", "strong"

    def who(w: RotationWeek) -> str:
        return ", ".join(names.get(p, p) for p in w.pain_taken_by) or "nobody"

    def who_cell(w: RotationWeek) -> Cells:
        return who(w), "warn" if w.pain_taken_by else "good"

    def within(w: RotationWeek) -> Cells:
        s = w.slot
        return f"{s.within} of {s.attendees}", "good" if s.within == s.attendees else "warn"

    columns = [
        TableColumn("week", "Week of", lambda w: (f"{w.week_start:%d %b}", "text"), width=8),
        TableColumn("slot", f"Slot ({place})", slot, width=22, most=28,
                    fit=lambda w: "Mon 23 Nov 09:00–10:00"),
        TableColumn("utc", "UTC", lambda w: (f"{w.slot.start:%a %H:%M}", "muted"), width=9,
                    drop=2),
        TableColumn("within", "Within", within, width=8, right=True, drop=1),
        TableColumn("pain", "Inconv.", lambda w: (pain_text(w.slot.inconvenience), "text"),
                    width=8, right=True),
        TableColumn("who", "Who takes the pain", who_cell, width=18, fit=who, most=60),
    ]  # fmt: skip
    empty = (
        f"No rotation: {view.series} has no slot in the coming weeks."
        if view.series
        else "No recurring meeting recorded: give meetings a series to get a rotation."
    )
    return CostTableModel(columns, view.rotation, natural="week", flex="who", empty=empty)
