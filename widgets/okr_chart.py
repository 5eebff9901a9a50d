"""A key result's (or a KPI's) value over its period, as a plotext chart.

The value line as it was recorded at each sync or check-in, the check-ins as markers, the
expected pace (a straight line from the baseline at the period's start to the target at its
end) and, for a key result kept within a band, the band's edges; a mark where today is.

What to draw is worked out by pure functions (`kr_chart`, `kpi_chart`) into a `KrChart`, so the
screen hands the widget one value and the picture is tested without a terminal. Importing this
module imports textual-plotext: the OKR screen imports it only when it opens.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import msgspec
from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView
from cockpit.formatting import quantity
from widgets.burndown_chart import ThemedPlot, tick_positions

# A KPI has no period: its chart shows this many days up to today, or its whole history when
# that is longer.
KPI_DAYS = 90


class KrChart(msgspec.Struct, frozen=True, gc=False):
    """Everything one chart draws; x is in days since `start` (midnight UTC)."""

    start: date
    days: int  # the x axis runs from 0 to `days`
    unit: str = ""
    values: tuple[tuple[float, float], ...] = ()  # (x, value), oldest first
    checkins: tuple[tuple[float, float], ...] = ()
    pace: tuple[float, float] | None = None  # the expected value at x=0 and at x=days
    band: tuple[float, float] | None = None  # low, high
    today: float | None = None  # x of now, when inside the axis


def _x(moment: datetime, start: date) -> float:
    origin = datetime.combine(start, time(0), tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - origin).total_seconds() / 86400


def _noon(day: date) -> datetime:
    # Where the analytics place a check-in on its day.
    return datetime.combine(day, time(12), tzinfo=UTC)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def kr_chart(kr: KrView, objective: ObjectiveView, now: datetime) -> KrChart:
    """A key result over its objective's period."""
    start, end = objective.start, objective.end
    days = max((end - start).days + 1, 1)  # the period's last day is drawn whole
    values = tuple((_x(p.at, start), p.value) for p in kr.history if math.isfinite(p.value))
    checkins = tuple(
        (_x(_noon(c.day), start), c.value) for c in kr.checkins if start <= c.day <= end
        and math.isfinite(c.value)
    )  # fmt: skip
    band = None
    if kr.direction == "band" and _finite(kr.band_low) and _finite(kr.band_high):
        band = (float(kr.band_low), float(kr.band_high))  # type: ignore[arg-type]
    pace = None
    if kr.direction != "band" and math.isfinite(kr.baseline) and math.isfinite(kr.target):
        pace = (kr.baseline, kr.target)
    today = _x(now, start)
    return KrChart(
        start, days, kr.unit, values, checkins, pace, band,
        today if 0 <= today <= days else None,
    )  # fmt: skip


def kpi_chart(kpi: KpiView, now: datetime) -> KrChart:
    """A KPI over the last `KPI_DAYS` days (or since its first recorded value)."""
    first = min((p.at for p in kpi.history), default=now)
    start = min(first.astimezone(UTC).date(), (now - timedelta(days=KPI_DAYS)).date())
    days = max((now.astimezone(UTC).date() - start).days + 1, 1)
    values = tuple((_x(p.at, start), p.value) for p in kpi.history if math.isfinite(p.value))
    band = None
    if _finite(kpi.band_low) and _finite(kpi.band_high):
        band = (float(kpi.band_low), float(kpi.band_high))  # type: ignore[arg-type]
    return KrChart(start, days, kpi.unit, values, (), None, band, _x(now, start))


def value_range(chart: KrChart) -> tuple[float, float]:
    """The lowest and highest value the chart must show, with a little room around."""
    ys = [v for _, v in chart.values] + [v for _, v in chart.checkins]
    if chart.pace is not None:
        ys += list(chart.pace)
    if chart.band is not None:
        ys += list(chart.band)
    if not ys:
        return 0.0, 1.0
    low, high = min(ys), max(ys)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def span_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values (1, 2 or 5 × 10ⁿ apart) between `low` and `high`, at most `most` of them."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    span = high - low
    magnitude = 10 ** math.floor(math.log10(span / max(most, 2)))
    step = magnitude
    for scale in (1, 10, 100, 1000):
        found = False
        for m in (1, 2, 5):
            step = m * magnitude * scale
            if math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9) + 1 <= most:
                found = True
                break
        if found:
            break
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(n * step, 10) for n in range(first, last + 1)]


def date_ticks(chart: KrChart, room: int) -> list[int]:
    """Which days get a label ("01 Nov": 6 cells and a gap) on an axis `room` cells wide:
    today, the first of each month and the first day, each where it does not run into a
    label already placed; when fewer than three fit that way, days spread evenly."""
    today = int(chart.today) if chart.today is not None else None
    gap = 8 * chart.days / max(room, 1)  # days between two labels that just do not touch
    firsts = [x for x in range(1, chart.days) if (chart.start + timedelta(days=x)).day == 1]
    picks: list[int] = []
    for x in [*([today] if today is not None else []), *firsts, 0]:
        if all(abs(x - kept) >= gap for kept in picks):
            picks.append(x)
    if len(picks) >= 3:
        return sorted(picks)
    return tick_positions(chart.days, max(room // 9, 2) * 7, today=today)


def chart_legend(chart: KrChart | None) -> Content:
    """The key to the chart's colours, in the theme variables it draws with."""
    if chart is None:
        return Content("")
    unit = f" ({chart.unit})" if chart.unit.strip() else ""
    parts: list[str | tuple[str, str]] = [("⠉⠒⠤ ", "$primary"), f"value{unit}"]
    if chart.checkins:
        parts += ["   ", ("◆ ", "$warning"), "check-in"]
    if chart.pace is not None:
        parts += ["   ", ("⠉⠒⠤ ", "$foreground-muted"), "expected pace"]
    if chart.band is not None:
        parts += ["   ", ("⠤⠤⠤ ", "$success"), "band"]
    if chart.today is not None:
        parts += ["   ", ("│ ", "$accent"), "today"]
    if not chart.values and not chart.checkins:
        parts += ["   ", ("no value recorded in this period yet", "$text-muted")]
    return Content.assemble(*parts)


class OkrHistoryChart(ThemedPlot):
    """One key result's or KPI's chart; `chart` None draws nothing."""

    DEFAULT_CSS = """
    OkrHistoryChart {
        height: 1fr;
        min-height: 6;
    }
    """

    chart: reactive[KrChart | None] = reactive(None)

    def __init__(self, chart: KrChart | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(OkrHistoryChart.chart, chart)

    def watch_chart(self) -> None:
        if self.is_mounted:
            self.replot()

    def draw(self) -> None:
        plt = self.plt
        chart = self.chart
        if chart is None:
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        low, high = value_range(chart)
        end = float(chart.days)
        # Drawn in order, each over the last: the band, the pace, today, then the values.
        if chart.band is not None:
            green = self.color("success")
            for edge in chart.band:
                plt.plot([0.0, end], [edge, edge], color=green, marker="braille")
        if chart.pace is not None:
            plt.plot([0.0, end], list(chart.pace), color=self.color("foreground-muted"),
                     marker="braille")  # fmt: skip
        elif chart.band is None:
            # Something must span the period (plotext 5.3 misplaces braille lines when the x
            # limits are set by hand): an invisible pair of points at its ends.
            plt.scatter([0.0, end], [low, low], color="default", marker=" ")
        if chart.today is not None:
            plt.plot([chart.today, chart.today], [low, high], color=self.color("accent"),
                     marker="│")  # fmt: skip
        primary = self.color("primary")
        if len(chart.values) > 1:
            plt.plot([x for x, _ in chart.values], [v for _, v in chart.values],
                     color=primary, marker="braille")  # fmt: skip
        elif chart.values:
            plt.scatter([x for x, _ in chart.values], [v for _, v in chart.values],
                        color=primary, marker="●")  # fmt: skip
        if chart.checkins:
            plt.scatter([x for x, _ in chart.checkins], [v for _, v in chart.checkins],
                        color=self.color("warning"), marker="◆")  # fmt: skip
        width = self.size.width or 60
        ticks = date_ticks(chart, max(width - 8, 10))
        plt.xticks(ticks, [f"{chart.start + timedelta(days=x):%d %b}" for x in ticks])
        plt.ylim(low, high)
        height = self.size.height or 10
        values = span_ticks(low, high, 5 if height >= 12 else 3)
        plt.yticks(values, [quantity(v) for v in values])
        plt.xaxes(True, False)
        plt.yaxes(True, False)
