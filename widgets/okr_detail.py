"""What the OKR screen says beside the chart about the key result (or KPI) under the cursor:
its figures, where its value comes from (the binding as written, what it was read from, when,
or why it could not be read) and its check-ins with their confidence and notes.

Pure functions from view-models to `Content`: every title, note, binding and error is from the
OKR file or a source, and is put in as plain text, never parsed as markup.
"""

from __future__ import annotations

from datetime import date, datetime

from textual.content import Content

from cockpit.analytics.okr_views import KpiView
from cockpit.formatting import day_word, plural, quantity, share, time_at, with_unit
from widgets.okr_table import (
    STATUS_CELL,
    TREND_ARROW,
    KrRow,
    badge,
    band_text,
    change_text,
    confidence_style,
    in_band_cell,
    target_text,
    value_text,
)
from widgets.panel import Part, line, stack

MUTED = "$text-muted"
STYLE = {
    "good": "$text-success",
    "warn": "$text-warning",
    "bad": "$text-error",
    "muted": MUTED,
    "text": "",
    "accent": "$text-accent",
}
DIRECTION = {"increase": "up is better", "decrease": "down is better", "band": "stay in band"}


def _source_lines(
    origin: str, binding: str, detail: str, error: str, updated: datetime | None,
    zone: str, today: date | None,
) -> list[Content]:  # fmt: skip
    rows: list[Content] = []
    if not binding:
        rows.append(line(("Manual", "bold"), (" · the value is the latest check-in", MUTED)))
    else:
        rows.append(line(("Bound ", "bold"), (f"[{badge(origin)}] ", "$text-accent"), binding))
        if detail:
            rows.append(line(("Read from ", MUTED), detail))
    if error:
        rows.append(line(("Broken: ", "bold $text-error"), (error, "$text-error")))
    if updated is not None:
        rows.append(line(("Updated ", MUTED), time_at(updated, zone, today)))
    return rows


def _change_line(
    trend: str, week_change: float | None, unit: str, last_change: date | None,
    stale: bool, today: date | None,
) -> Content:  # fmt: skip
    parts: list[Part] = [("Trend ", MUTED), TREND_ARROW.get(trend, "–")]
    parts += [("   this week ", MUTED), change_text(week_change, unit)]
    if last_change is not None:
        parts += [("   last change ", MUTED), day_word(last_change, today)]
    if stale:
        # The flag's threshold is the [okrs] stale_days setting; the day it counts from is
        # shown just before.
        parts += ["   ", ("stale: no change or check-in for too long", "$text-warning")]
    return line(*parts)


def kr_detail(row: KrRow | None, *, zone: str = "UTC", today: date | None = None) -> Content:
    if row is None:
        return Content.styled("No key result to show.", MUTED)
    kr, objective = row.kr, row.objective
    status_style = STYLE[STATUS_CELL.get(kr.status, "text")]
    rows = [
        line((kr.id, "bold $text-accent"), " ", (kr.title, "bold")),
        line(
            ("Objective ", MUTED),
            objective.title,
            *((("  owner ", MUTED), kr.owner) if kr.owner else ()),
            *((("  weight ", MUTED), quantity(kr.weight)) if kr.weight != 1 else ()),
        ),
        line(
            (value_text(kr.current, kr.unit), "bold"),
            (" of ", MUTED),
            target_text(kr),
            (f"  from {with_unit(kr.baseline, kr.unit)}" if kr.direction != "band" else "", MUTED),
            (f" · {DIRECTION.get(kr.direction, kr.direction)}", MUTED),
        ),
        line(
            ("Progress ", MUTED),
            (share(kr.progress), status_style),
            (" · due by now ", MUTED),
            share(kr.expected),
            " · ",
            (kr.status, status_style),
        ),
        _change_line(kr.trend, kr.week_change, kr.unit, kr.last_change, kr.stale, today),
        Content(""),
        *_source_lines(kr.origin, kr.binding, kr.detail, kr.error, kr.updated, zone, today),
        Content(""),
    ]
    if kr.checkins:
        rows.append(
            line(
                (f"{plural(len(kr.checkins), 'check-in')}", "bold"),
                (" · newest first", MUTED),
                *(
                    ((" · confidence ", MUTED), (f"{kr.confidence}/10", STYLE[
                        confidence_style(kr.confidence)]),
                     (f" {TREND_ARROW[kr.confidence_trend]}"
                      if kr.confidence_trend in TREND_ARROW else "", MUTED))
                    if kr.confidence is not None else ()
                ),
            )
        )  # fmt: skip
        for c in reversed(kr.checkins):
            parts: list[Part] = [
                (f"{c.day:%a %d %b}  ", MUTED),
                (value_text(c.value, kr.unit), "bold"),
            ]
            if c.confidence is not None:
                parts += [("  conf ", MUTED), (f"{c.confidence}/10",
                                               STYLE[confidence_style(c.confidence)])]  # fmt: skip
            if c.note:
                parts += ["  ", c.note]
            rows.append(line(*parts))
    else:
        rows.append(line(("No check-ins yet.", MUTED)))
    return stack(rows)


def kpi_detail(kpi: KpiView | None, *, zone: str = "UTC", today: date | None = None) -> Content:
    if kpi is None:
        return Content.styled("No KPI to show.", MUTED)
    state, style = in_band_cell(kpi)
    rows = [
        line((kpi.id, "bold $text-accent"), " ", (kpi.title, "bold")),
        line(
            (value_text(kpi.current, kpi.unit), "bold"),
            ("  band ", MUTED),
            band_text(kpi),
            "  ",
            (state, STYLE[style]),
            *((("  owner ", MUTED), kpi.owner) if kpi.owner else ()),
        ),
        _change_line(kpi.trend, kpi.week_change, kpi.unit, kpi.last_change, kpi.stale, today),
        *_source_lines(kpi.origin, kpi.binding, kpi.detail, kpi.error, kpi.updated, zone, today),
    ]
    return stack(rows)
