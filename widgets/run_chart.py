"""The metric history of the runs marked on the leaderboard (or of the run under the cursor).

Each run's primary metric over its steps, one line per run in the theme's colours. Runs whose
history was not synced (only the runs that can reach the top get theirs read) are named below
the chart with the value they rank by. Plotted only when the runs, the size or the theme change.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from textual.content import Content
from textual.reactive import reactive

from cockpit import formatting
from cockpit.analytics.run_table import RunRow, RunTableModel
from cockpit.models import MetricHistory
from widgets.burndown_chart import ThemedPlot
from widgets.panel import Part

COLORS = ("primary", "success", "warning", "error", "accent")
MAX_LINES = 8  # more lines than this are unreadable in a terminal


class Series(msgspec.Struct, frozen=True, gc=False):
    label: str
    metric: str
    points: MetricHistory


def chart_series(
    model: RunTableModel, rows: Sequence[RunRow]
) -> tuple[tuple[Series, ...], tuple[RunRow, ...]]:
    """The lines to draw, and the runs that have no synced history to draw."""
    drawn: list[Series] = []
    missing: list[RunRow] = []
    for row in rows:
        metric = model.boards[row.board].experiment.primary_metric
        points = tuple((s, v) for s, v in row.run.histories.get(metric, ()) if v == v)
        if points and len(drawn) < MAX_LINES:
            drawn.append(Series(row.run.name, metric, points))
        elif not points:
            missing.append(row)
    return tuple(drawn), tuple(missing)


def chart_notes(
    model: RunTableModel, series: Sequence[Series], missing: Sequence[RunRow], chosen: int
) -> Content:
    """The legend in the chart's colours, then what could not be drawn and why."""
    parts: list[Part] = []
    if not chosen:
        return Content.styled(
            "Mark runs with space on the Runs tab to compare them.", "$text-muted"
        )
    for n, item in enumerate(series):
        parts += [("⠉⠒⠤ ", f"${COLORS[n % len(COLORS)]}"), f"{item.label} ({item.metric})   "]
    if len(series) + len(missing) < chosen:
        parts += [(f"only the first {MAX_LINES} are drawn   ", "$text-muted")]
    for row in missing:
        logged = row.run.metrics.get(model.boards[row.board].experiment.primary_metric)
        last = (
            f", last value {formatting.metric(logged)}"
            if logged is not None and logged == logged
            else ""
        )
        parts += [("\n", ""), (f"{row.run.name}: no synced history{last}", "$text-muted")]
    metrics = {item.metric for item in series}
    if len(metrics) > 1:
        parts += [("\n", ""), ("Different metrics share one axis here.", "$text-warning")]
    return Content.assemble(*parts)


class RunHistoryChart(ThemedPlot):
    DEFAULT_CSS = """
    RunHistoryChart {
        height: 1fr;
        min-height: 6;
    }
    """

    series: reactive[tuple[Series, ...]] = reactive((), init=False)

    def watch_series(self) -> None:
        if self.is_mounted:
            self.replot()

    def draw(self) -> None:
        plt = self.plt
        if not self.series:
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        for n, item in enumerate(self.series):
            steps = [step for step, _ in item.points]
            values = [value for _, value in item.points]
            plt.plot(steps, values, color=self.color(COLORS[n % len(COLORS)]), marker="braille")
        plt.xaxes(True, False)
        plt.yaxes(True, False)
        plt.xlabel("step")
        metrics = {item.metric for item in self.series}
        if len(metrics) == 1:
            plt.ylabel(next(iter(metrics)))
