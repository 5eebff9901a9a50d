"""Velocity: committed and completed for the last sprints, a rolling average, the next capacity.

Bars come from plotext (`multiple_bar`), with theme colours passed explicitly. The rolling
average drawn over the bars is the mean completed of the three sprints up to each one; the
dashed line is the predicted capacity of the next sprint.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.sprint import Velocity
from cockpit.formatting import amount
from widgets.burndown_chart import ThemedPlot, nice_ticks

ROLLING = 3
BAR_WIDTH = 0.36  # of one sprint's slot, per bar


def rolling_means(values: list[float], window: int = ROLLING) -> list[float]:
    """The mean of each value and up to `window - 1` before it."""
    means = []
    for index in range(len(values)):
        chunk = values[max(0, index - window + 1) : index + 1]
        means.append(sum(chunk) / len(chunk))
    return means


def short_name(name: str, room: int) -> str:
    """'MLP Sprint 41' → 'S41' when the label must be short."""
    if len(name) <= room:
        return name
    tail = name.split()[-1] if name.split() else name
    return ("S" + tail) if tail.isdigit() else tail[:room]


def velocity_legend(velocity: Velocity) -> Content:
    parts: list[str | tuple[str, str]] = [
        ("█ ", "$primary"),
        "committed   ",
        ("█ ", "$success"),
        "completed   ",
        ("⠒⠒ ", "$accent"),
        f"{ROLLING}-sprint average",
    ]
    if velocity.rolling_average is not None:
        parts += [f" (now {amount(round(velocity.rolling_average, 1))} {velocity.unit})"]
    if velocity.predicted_capacity is not None:
        parts += [
            "   ",
            ("── ", "$warning"),
            f"predicted capacity {amount(round(velocity.predicted_capacity, 1))} {velocity.unit}",
        ]
    return Content.assemble(*parts)


class VelocityChart(ThemedPlot):
    DEFAULT_CSS = """
    VelocityChart {
        height: 1fr;
        min-height: 8;
    }
    """

    velocity: reactive[Velocity | None] = reactive(None)

    def __init__(
        self, velocity: Velocity | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.set_reactive(VelocityChart.velocity, velocity)

    def watch_velocity(self) -> None:
        if self.is_mounted:
            self.replot()

    def draw(self) -> None:
        plt = self.plt
        velocity = self.velocity
        if velocity is None or not velocity.sprints:
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        sprints = velocity.sprints
        width = self.size.width or 60
        room = max((width - 8) // max(len(sprints), 1) - 1, 3)
        names = [short_name(entry.sprint, room) for entry in sprints]
        committed = [entry.committed for entry in sprints]
        completed = [entry.completed for entry in sprints]
        xs = list(range(1, len(sprints) + 1))
        # Lines first: the bars drawn after them cover them, so they read as behind the bars
        # instead of punching holes through them.
        if velocity.predicted_capacity is not None:
            plt.horizontal_line(velocity.predicted_capacity, color=self.color("warning"))
        plt.plot(xs, rolling_means(completed), color=self.color("accent"), marker="braille")
        # Two bars per sprint, side by side, with a gap between sprints. Each bar is its own
        # call: plotext widens the bars of one call to the spacing of its xs.
        half = BAR_WIDTH / 2
        for x, done, planned in zip(xs, completed, committed, strict=True):
            plt.bar([x - half], [planned], color=self.color("primary"), width=BAR_WIDTH)
            plt.bar([x + half], [done], color=self.color("success"), width=BAR_WIDTH)
        plt.xticks(xs, names)
        top = max(max(committed), max(completed), velocity.predicted_capacity or 0.0, 1.0)
        plt.ylim(0, top * 1.08)
        values = nice_ticks(top, 5)
        plt.yticks(values, [amount(v) for v in values])
        plt.xaxes(True, False)
        plt.yaxes(True, False)
        plt.ylabel(velocity.unit)
