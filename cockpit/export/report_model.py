"""The weekly status summary as data: what every format (Markdown, HTML, JSON, a Slack or Teams
message, a Confluence page) renders, so that each says the same thing in the same words.

`cockpit/export/weekly_report.py` builds it from two dashboards read from the store (the end of
the report week, and the end of the week before) and the store's history; the renderers only
lay it out. Every figure in it is already formatted by `cockpit.formatting`, masked when the
report is; charts carry raw numbers for drawing, never for reading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from cockpit.export.weeks import Week

ChartKind = Literal["line", "bars", "progress"]
SectionState = Literal[
    "ok", "stale", "failed", "never synced", "not configured", "no data this week"
]


class Series(msgspec.Struct, frozen=True):
    """One line or one set of bars. `None` is a gap (a day with no data), never 0."""

    name: str
    values: tuple[float | None, ...]


class Chart(msgspec.Struct, frozen=True, kw_only=True):
    """A small chart for the HTML summary, drawn as inline SVG.

    - line: `labels` on the x axis (days), one or more `series`, an optional `reference`
      (the budget or the ideal line's end) drawn as a dashed horizontal line;
    - bars: one bar per label per series (runs per week, failed beside started);
    - progress: one horizontal bar per label, `series[0]` holding fractions 0..1, and
      `series[1]` (optional) the expected pace as a marker.
    """

    kind: ChartKind
    title: str  # also the SVG's <title>, for screen readers and mail clients without SVG
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""  # "points", "runs", "USD", "%": axis caption
    reference: float | None = None
    reference_label: str = ""


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One week-over-week change, worded for a manager: "Sprint 42: 61% done (last week 38%)".

    `weight` ranks changes for the highlights (bigger first; 0 = never a highlight); `tone`
    says whether it is good news, bad news or neither, for the HTML's colour and the
    highlights' order.
    """

    text: str
    weight: float = 0.0
    tone: Literal["good", "bad", "neutral"] = "neutral"


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """One area of the summary. A section is never left out: an area with no data says why
    (`state`, and `lines` explaining it)."""

    key: Literal["sprint", "experiments", "okrs", "cost", "team"]
    title: str
    state: SectionState
    age: str  # "data as of 2h ago" / "data as of 2h before the week ended" / "never synced"
    changes: tuple[Change, ...] = ()  # since the week before, biggest first
    lines: tuple[str, ...] = ()  # where things stand; "  " at the start = a sub-item
    chart: Chart | None = None


class Freshness(msgspec.Struct, frozen=True, kw_only=True):
    """Each source's age when the report was made."""

    source: str
    areas: tuple[str, ...]
    state: str  # "fresh", "stale", "failed", "offline", "never synced"
    synced_at: datetime | None
    age: str  # "2h ago", "2h before the week ended", "at the week's end", "never"


class WeeklyReport(msgspec.Struct, frozen=True, kw_only=True):
    week: Week
    previous: Week
    title: str  # "Weekly status 2026-W48 (23 Nov – 29 Nov 2026)"
    provenance: str  # when it was made and from which moment of the cache
    generated_at: datetime
    as_of: datetime  # the moment of the cache the report shows
    highlights: tuple[str, ...]  # a short paragraph's sentences, by rules, biggest first
    sections: tuple[Section, ...]
    freshness: tuple[Freshness, ...]
    compared: bool  # False: the store holds nothing from the week before; said in each section
    masked: bool = False
    # The report week's figures as `cockpit.weekly/6` gave them (status --json's object, the
    # week's spend, next week's absences): the JSON export carries them beside the sections.
    figures: dict[str, Any] = msgspec.field(default_factory=dict)
