"""The OKR screen's tables: every key result, and every KPI.

Both are models for the shared line-API table (`widgets.cost_table.CostTable`): only the rows
on screen are drawn, a sort reorders an index. Titles, owners and units come from the OKR file
and are plain text, never markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
from textual.message import Message

from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrSummary
from cockpit.formatting import change_of, quantity, share, with_unit
from widgets.cost_table import Cells, CostTable, CostTableModel, TableColumn

# Where a value comes from, as the table's badge names it.
ORIGIN_BADGE = {
    "manual": "manual",
    "mlflow": "MLflow",
    "wandb": "W&B",
    "jira": "Jira",
    "cost": "cost",
    "model": "model",
    "status": "status",
}
STATUS_CELL = {
    "done": "good",
    "on track": "good",
    "at risk": "warn",
    "off track": "bad",
    "broken": "bad",
    "no data": "muted",
}
# The worst first: a sort by status puts what needs a look at the top.
STATUS_RANK = {"broken": 0, "off track": 1, "at risk": 2, "no data": 3, "on track": 4, "done": 5}
TREND_ARROW = {"up": "↑", "down": "↓", "flat": "→"}
GAUGE = 8


class KrRow(msgspec.Struct, frozen=True, gc=False):
    """One key result with the objective it belongs to (its period, its title)."""

    objective: ObjectiveView
    kr: KrView


def kr_rows(summary: OkrSummary | None) -> tuple[KrRow, ...]:
    if summary is None:
        return ()
    return tuple(KrRow(o, kr) for o in summary.objectives for kr in o.key_results)


def badge(origin: str) -> str:
    return ORIGIN_BADGE.get(origin, origin or "–")


def value_text(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return with_unit(value, unit)


def range_text(low: float, high: float, unit: str) -> str:
    """`80–120 ms`, `2–5%`, but `$2,500–$4,500`: a unit written before the number (a currency
    symbol) goes on both ends, one written after it only once."""
    first = with_unit(low, unit)
    if first.startswith(quantity(low)):
        first = quantity(low)
    return f"{first}–{with_unit(high, unit)}"


def target_text(kr: KrView) -> str:
    """What the key result aims at: its target, or its band."""
    if kr.direction == "band" and kr.band_low is not None and kr.band_high is not None:
        return range_text(kr.band_low, kr.band_high, kr.unit)
    return with_unit(kr.target, kr.unit)


def change_text(change: float | None, unit: str) -> str:
    """A week's change, signed, in the value's unit."""
    if change is None or not math.isfinite(change):
        return "–"
    return change_of(change, unit)


def trend_cell(trend: str, improving: bool | None) -> Cells:
    arrow = TREND_ARROW.get(trend, "·")
    style = "muted" if improving is None or trend == "flat" else "good" if improving else "bad"
    return arrow, style


def gauge(progress: float, expected: float, width: int = GAUGE) -> tuple[tuple[str, str], ...]:
    """A small progress bar with a mark where the key result should be by now."""
    filled = round(min(max(progress, 0.0), 1.0) * width)
    mark = min(int(min(max(expected, 0.0), 1.0) * width), width - 1)
    cells: list[tuple[str, str]] = []
    for n in range(width):
        if n == mark:
            cells.append(("┃" if n < filled else "│", "accent"))
        else:
            cells.append(("█" if n < filled else "░", "primary" if n < filled else "muted"))
    return tuple(cells)


def confidence_text(kr: KrView) -> str:
    if kr.confidence is None:
        return "–"
    arrow = TREND_ARROW.get(kr.confidence_trend, "")
    return f"{kr.confidence}/10{' ' + arrow if arrow else ''}"


def confidence_style(confidence: int | None) -> str:
    if confidence is None:
        return "muted"
    return "bad" if confidence <= 3 else "warn" if confidence <= 6 else "good"


def kr_model(rows: Sequence[KrRow]) -> CostTableModel:
    """One row per key result, in the file's order (objective by objective)."""

    def progress(r: KrRow) -> Cells:
        kr = r.kr
        style = STATUS_CELL.get(kr.status, "text")
        return (*gauge(kr.progress, kr.expected), (f" {share(kr.progress):>4}", style))

    def figures(r: KrRow) -> str:
        return f"{value_text(r.kr.current, r.kr.unit)} / {target_text(r.kr)}"

    def status(r: KrRow) -> Cells:
        return r.kr.status, STATUS_CELL.get(r.kr.status, "text")

    def stale(r: KrRow) -> Cells:
        return ("stale", "warn") if r.kr.stale else ("", "muted")

    def title(r: KrRow) -> str:
        return f"{r.kr.id} {r.kr.title}"

    columns = [
        TableColumn("objective", "Objective", lambda r: (r.objective.title, "muted"), width=10,
                    most=22, fit=lambda r: r.objective.title, drop=4),
        # Sorted by this column is the file's order (objective by objective).
        TableColumn("kr", "Key result", lambda r: (title(r), "strong"), width=16, most=60,
                    fit=title, sort=lambda r: 0, descending=False),
        TableColumn("figures", "Current / target", lambda r: (figures(r), "text"), width=16,
                    most=26, fit=figures),
        TableColumn("progress", "Progress", progress, width=GAUGE + 5,
                    sort=lambda r: r.kr.progress),
        TableColumn("expected", "Due", lambda r: (share(r.kr.expected), "muted"), width=4,
                    right=True, drop=3),
        TableColumn("status", "Status", status, width=9,
                    sort=lambda r: STATUS_RANK.get(r.kr.status, 9), descending=False),
        TableColumn("trend", "Trend", lambda r: trend_cell(r.kr.trend, r.kr.improving),
                    width=5),
        TableColumn("origin", "From", lambda r: (badge(r.kr.origin), "accent"), width=6,
                    sort=lambda r: badge(r.kr.origin).casefold(), descending=False, drop=2),
        TableColumn("stale", "", stale, width=5, drop=5),
        TableColumn("confidence", "Conf.", lambda r: (confidence_text(r.kr),
                                                       confidence_style(r.kr.confidence)),
                    width=7, sort=lambda r: -1 if r.kr.confidence is None else r.kr.confidence,
                    descending=False, drop=1),
    ]  # fmt: skip
    return CostTableModel(
        columns, rows, natural="kr", flex="kr",
        empty="No key results in the OKR file.",
    )  # fmt: skip


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` values as block heights, lowest to highest."""
    shown = [v for v in values if math.isfinite(v)][-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    if high == low:
        return SPARKS[3] * len(shown)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - low) / (high - low) * top)] for v in shown)


def band_text(kpi: KpiView) -> str:
    low, high = kpi.band_low, kpi.band_high
    if low is not None and high is not None:
        return range_text(low, high, kpi.unit)
    if low is not None:
        return f"≥ {with_unit(low, kpi.unit)}"
    if high is not None:
        return f"≤ {with_unit(high, kpi.unit)}"
    return "–"


def in_band_cell(kpi: KpiView) -> Cells:
    if kpi.error:
        return "broken", "bad"
    if kpi.in_band is None:
        return "no data", "muted"
    return ("in band", "good") if kpi.in_band else ("out of band", "bad")


SPARK_WIDTH = 16


def kpi_model(kpis: Sequence[KpiView]) -> CostTableModel:
    def title(k: KpiView) -> str:
        return f"{k.id} {k.title}"

    def week(k: KpiView) -> Cells:
        return change_text(k.week_change, k.unit), "muted"

    def spark(k: KpiView) -> Cells:
        style = "muted" if k.in_band is None else "primary" if k.in_band else "bad"
        return sparkline([p.value for p in k.history], SPARK_WIDTH), style

    columns = [
        TableColumn("kpi", "KPI", lambda k: (title(k), "strong"), width=12, most=48,
                    fit=title, sort=lambda k: 0, descending=False),  # the file's order
        TableColumn("value", "Value", lambda k: (value_text(k.current, k.unit), "text"),
                    width=10, most=16, fit=lambda k: value_text(k.current, k.unit),
                    right=True),
        TableColumn("band", "Band", lambda k: (band_text(k), "muted"), width=10, most=20,
                    fit=band_text),
        TableColumn("in_band", "State", in_band_cell, width=11,
                    sort=lambda k: {None: 1, True: 2, False: 0}[k.in_band], descending=False),
        TableColumn("trend", "Trend", lambda k: (TREND_ARROW.get(k.trend, "·"), "muted"),
                    width=5),
        TableColumn("week", "Week", week, width=8, most=14,
                    fit=lambda k: change_text(k.week_change, k.unit), right=True, drop=2),
        TableColumn("history", "History", spark, width=SPARK_WIDTH, drop=3),
        TableColumn("origin", "From", lambda k: (badge(k.origin), "accent"), width=6,
                    drop=1),
        TableColumn("stale", "", lambda k: ("stale", "warn") if k.stale else ("", "muted"),
                    width=5, drop=4),
    ]  # fmt: skip
    return CostTableModel(
        columns, kpis, natural="kpi", flex="kpi",
        empty="No KPIs in the OKR file: a key result with a band and no end date is one.",
    )  # fmt: skip


class OkrTable(CostTable):
    """A `CostTable` that says when its cursor reaches another row, so that the chart and
    the words beside it follow the row under the cursor."""

    class Moved(Message):
        def __init__(self, table: OkrTable) -> None:
            super().__init__()
            self.table = table

    def cursor_moved(self) -> None:
        self.post_message(self.Moved(self))
