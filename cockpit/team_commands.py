"""`cockpit team slots` and `cockpit team fairness`: the slot finder and the fairness ledger as
text and JSON, in the lead's zone and UTC, with each attendee's own clock beside them.

Pure formatting over the analytics' view-models: the command in `cockpit/cli.py` loads the team
and the settings, this module says it in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cockpit.analytics.team_slots import cost_state, outside_text
from cockpit.analytics.team_views import FairnessView, PersonCost, Slot
from cockpit.formatting import plural, quantity
from cockpit.models import TeamData


def parse_people(text: str) -> list[str]:
    """`priya, lena,aroha` → ["priya", "lena", "aroha"] (blanks and repeats dropped)."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def _names(team: TeamData) -> dict[str, str]:
    return {p.id: p.name or p.id for p in team.people}


def _zone_of(moment: datetime) -> str:
    return getattr(moment.tzinfo, "key", "") or moment.tzname() or ""


def _outside(cost: PersonCost) -> str:
    """ "in hours", or the minutes outside them by kind and how many are at night: "early 45
    min", "late 45 min, 30 at night"."""
    return outside_text(cost)


def _when(start: datetime, minutes: int, zone: ZoneInfo) -> str:
    """ "Tue 16 Jun 05:30-06:15" in `zone` (the end's date too when it is another day)."""
    local = start.astimezone(zone)
    end = local + timedelta(minutes=minutes)
    until = f"{end:%H:%M}" if end.date() == local.date() else f"{end:%a %d %b %H:%M}"
    return f"{local:%a %d %b %H:%M}-{until}"


def _utc(start: datetime, lead_start: datetime) -> str:
    utc = start.astimezone(ZoneInfo("UTC"))
    same_day = utc.date() == lead_start.date()
    return f"{utc:%H:%M} UTC" if same_day else f"{utc:%a %d %b %H:%M} UTC"


def _attendee_lines(slot: Slot, names: dict[str, str]) -> list[str]:
    width = max((len(names.get(c.id, c.id)) for c in slot.costs), default=0)
    zones = max((len(_zone_of(c.local_start)) for c in slot.costs), default=0)
    lines = []
    for cost in slot.costs:
        local = cost.local_start
        lines.append(
            f"      {names.get(cost.id, cost.id):<{width}}  {local:%a %H:%M} {local.tzname():<6}"
            f" {_zone_of(local):<{zones}}  {_outside(cost)}"
        )
    return lines


def _slot_head(slot: Slot, lead: ZoneInfo, lead_name: str) -> str:
    lead_start = slot.start.astimezone(lead)
    pain = f"pain {quantity(slot.inconvenience)}" if slot.inconvenience else "no one outside hours"
    return (
        f"{_when(slot.start, slot.minutes, lead)} {lead_name} · {_utc(slot.start, lead_start)}"
        f" · {slot.within} of {slot.attendees} within · {pain}"
    )


def slots_text(
    slots: Sequence[Slot],
    team: TeamData,
    ids: Sequence[str],
    minutes: int,
    days: int,
    lead_zone: str,
) -> str:
    names = _names(team)
    lead = ZoneInfo(lead_zone)
    who = ", ".join(names.get(i, i) for i in ids)
    lines = [
        f"{minutes}-minute slots for {who}, over the next {plural(days, 'day')}",
        f"Times in {lead_zone} (the lead's zone) and UTC; each attendee's own clock beside them.",
        "",
    ]
    if not slots:
        lines.append("No slot found.")
    for rank, slot in enumerate(slots, start=1):
        lines.append(f"{rank:>2}. {_slot_head(slot, lead, lead_zone)}")
        lines.extend(_attendee_lines(slot, names))
    return "\n".join(lines) + "\n"


def _cost_json(cost: PersonCost, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": cost.id,
        "name": names.get(cost.id, cost.id),
        "local_start": cost.local_start.isoformat(),
        "timezone": _zone_of(cost.local_start),
        "state": cost_state(cost),
        "early_minutes": cost.early,
        "late_minutes": cost.late,
        "off_day_minutes": cost.off_day,
        "night_minutes": cost.night,  # of the three above, those in their local night
        "pain": cost.pain,
    }


def slot_json(slot: Slot, names: dict[str, str], lead: ZoneInfo) -> dict[str, Any]:
    return {
        "start": slot.start.isoformat(),
        "start_lead": slot.start.astimezone(lead).isoformat(),
        "minutes": slot.minutes,
        "within": slot.within,
        "attendees": slot.attendees,
        "inconvenience": slot.inconvenience,
        "costs": [_cost_json(c, names) for c in slot.costs],
    }


def slots_json(
    slots: Sequence[Slot], team: TeamData, minutes: int, days: int, lead_zone: str
) -> dict[str, Any]:
    names = _names(team)
    lead = ZoneInfo(lead_zone)
    return {
        "lead_zone": lead_zone,
        "minutes": minutes,
        "days": days,
        "slots": [slot_json(s, names, lead) for s in slots],
    }


def fairness_text(view: FairnessView, team: TeamData, lead_zone: str) -> str:
    names = _names(team)
    lead = ZoneInfo(lead_zone)
    lines = [f"Fairness: the meetings recorded in the last {plural(view.weeks, 'week')}", ""]
    if not view.rows:
        lines.append(
            "No meeting recorded in these weeks. Record meetings in the meetings file beside"
            " the roster to see who takes the inconvenient ones."
        )
    else:
        width = max(len("person"), *(len(r.name) for r in view.rows))
        lines.append(f"{'person':<{width}}  meetings  outside hours  minutes outside       pain")
        for row in view.rows:
            lines.append(
                f"{row.name:<{width}}  {row.meetings:>8}  {row.inconvenient:>13}"
                f"  {row.minutes_outside:>15,}  {quantity(row.pain):>9}"
            )
    if view.rotation:
        first = view.rotation[0].slot
        who = ", ".join(names.get(c.id, c.id) for c in first.costs)
        lines += [
            "",
            f'Proposed rotation for "{view.series}" ({first.minutes} min; {who}),'
            f" times in {lead_zone} and UTC:",
        ]
        for week in view.rotation:
            slot = week.slot
            takers = ", ".join(
                f"{names.get(c.id, c.id)} ({_outside(c)})" for c in slot.costs if not c.within
            )
            lines.append(
                f"  week of {week.week_start:%a %d %b}: {_slot_head(slot, lead, lead_zone)}"
            )
            lines.append(f"      outside hours: {takers or 'no one'}")
    elif view.series:
        lines += ["", f'No rotation proposed for "{view.series}".']
    return "\n".join(lines) + "\n"


def fairness_json(view: FairnessView, team: TeamData, lead_zone: str) -> dict[str, Any]:
    names = _names(team)
    lead = ZoneInfo(lead_zone)
    return {
        "lead_zone": lead_zone,
        "weeks": view.weeks,
        "rows": [
            {
                "id": r.id,
                "name": r.name,
                "meetings": r.meetings,
                "inconvenient": r.inconvenient,
                "minutes_outside": r.minutes_outside,
                "pain": r.pain,
            }
            for r in view.rows
        ],
        "series": view.series,
        "rotation": [
            {
                "week_start": w.week_start.isoformat(),
                "slot": slot_json(w.slot, names, lead),
                "pain_taken_by": list(w.pain_taken_by),
            }
            for w in view.rotation
        ],
    }
