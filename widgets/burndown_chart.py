"""The sprint burndown as a plotext chart: ideal, remaining and scope, weekends shaded.

Importing this module imports textual-plotext (about 30 ms), so the dashboard imports it only
after its first frame. Every colour is taken from the app's theme and passed to plotext
explicitly: plotext would otherwise cycle its own colours from one draw to the next.
"""

from __future__ import annotations

import math
from datetime import date

from textual.app import RenderResult
from textual.color import Color, ColorParseError
from textual.content import Content
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from cockpit.analytics.sprint import Burndown, BurndownDay
from cockpit.formatting import amount

RGB = tuple[int, int, int]


def theme_rgb(app_variables: dict[str, str], name: str) -> RGB:
    """A theme variable as the RGB triple plotext wants; translucent ones over the background."""
    background = Color.parse(app_variables.get("background", "#000000"))
    value = app_variables.get(name) or app_variables.get("foreground", "#ffffff")
    try:
        color = Color.parse(value)
    except ColorParseError:  # "auto 60%" and friends: plain foreground instead
        color = Color.parse(app_variables.get("foreground", "#ffffff"))
    return (background + color).rgb


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """0 and the smallest round step (1, 2 or 5 × 10ⁿ) that fits at most `most` ticks to `top`."""
    if top <= 0:
        return [0.0]
    magnitude = 10 ** math.floor(math.log10(top / max(most, 2)))
    for step in (m * magnitude * scale for scale in (1, 10, 100) for m in (1, 2, 5)):
        if math.floor(top / step + 1e-9) + 1 <= most:
            break
    count = math.floor(top / step + 1e-9)
    return [round(step * n, 6) for n in range(count + 1)]


def day_label(day: date, *, wide: bool) -> str:
    return f"{day:%a} {day.day}" if wide else f"{day.day}"


def tick_positions(count: int, room: int, *, today: int | None = None) -> list[int]:
    """Which day indices get a label on an x axis `room` cells wide (about 6 cells per label)."""
    if count <= 0:
        return []
    slots = max(room // 7, 2)
    if count <= slots:
        return list(range(count))
    step = max((count - 1) // (slots - 1), 1)
    picks = set(range(0, count, step)) | {count - 1}
    if today is not None:
        picks.add(today)
        # A label right next to today's would collide with it.
        picks -= {today - 1, today + 1} - {0, count - 1}
    return sorted(picks)


def burndown_legend(burndown: Burndown) -> Content:
    """The key to the chart's colours, in the same theme variables the chart draws with."""
    parts: list[str | tuple[str, str]] = [
        ("⠉⠒⠤ ", "$foreground-muted"),
        "ideal   ",
        ("⠉⠒⠤ ", "$primary"),
        f"remaining ({burndown.unit})   ",
        ("⠤⠤⠤ ", "$warning"),
        "scope",
    ]
    if burndown.scope_added:
        parts += ["   ", ("▲ ", "$warning"), f"added {amount(burndown.scope_added)}"]
    if burndown.scope_removed:
        parts += ["   ", ("▼ ", "$success"), f"removed {amount(burndown.scope_removed)}"]
    parts += ["   ", ("│ ", "$accent"), "today"]
    if not burndown.skip_weekends and any(day.weekend for day in burndown.days):
        parts += ["   ", ("█ ", "$panel"), "weekend"]
    return Content.assemble(*parts)


class ThemedPlot(PlotextPlot):
    """A PlotextPlot in the app's theme that redraws itself when the data or the theme changes.

    The canvas is transparent ("default"), so the chart sits on whatever is behind it (a
    panel's focus tint included) instead of the box of `$surface` textual-plotext paints.
    """

    _drawn: tuple[tuple[int, int, str], RenderResult] | None = None
    _plotted_for: tuple[int, int] = (0, 0)

    def on_mount(self) -> None:
        # Runs before PlotextPlot's own on_mount, which leaves a theme that is not "auto" alone.
        self._use_app_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._use_app_theme())

    def _use_app_theme(self) -> None:
        from plotext._dict import themes

        name = f"cockpit-{self.app.theme}"
        themes[name] = (
            "default",
            "default",
            self.color("foreground-muted"),
            "default",
            [self.color(n) for n in ("primary", "success", "warning", "error", "accent")],
        )
        self.theme = name  # type: ignore[assignment]
        self.replot()

    def on_resize(self) -> None:
        # Tick labels depend on the size. A hidden tab shrinks to nothing and comes back the
        # same: only a real change of size draws again.
        size = (self.size.width, self.size.height)
        if size[0] and size[1] and size != self._plotted_for:
            self.replot()

    def color(self, name: str) -> RGB:
        return theme_rgb(self.app.theme_variables, name)

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        self.draw()
        self._plotted_for = (self.size.width, self.size.height)
        self._drawn = None
        self.refresh()

    def render(self) -> RenderResult:
        # textual-plotext builds the whole chart on every render: a tab shown again, a focus
        # change or a repaint elsewhere on the screen would pay for it each time. The chart
        # changes only with its data (replot), its size or its theme.
        key = (self.size.width, self.size.height, str(self.theme))
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render())
        return self._drawn[1]

    def draw(self) -> None:
        raise NotImplementedError


class BurndownChart(ThemedPlot):
    """`detailed=True` (the sprint screen) names the days and the unit on the axes."""

    DEFAULT_CSS = """
    BurndownChart {
        height: 1fr;
        min-height: 6;
    }
    """

    burndown: reactive[Burndown | None] = reactive(None)

    def __init__(
        self,
        burndown: Burndown | None = None,
        *,
        detailed: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.detailed = detailed
        self.set_reactive(BurndownChart.burndown, burndown)

    def watch_burndown(self) -> None:
        if self.is_mounted:
            self.replot()

    def draw(self) -> None:
        plt = self.plt
        burndown = self.burndown
        if burndown is None or not burndown.days:
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        days = burndown.days
        xs = list(range(len(days)))
        top = max(max(d.scope for d in days), max(d.ideal for d in days), 1.0)
        muted = self.color("foreground-muted")
        primary = self.color("primary")
        warning = self.color("warning")
        success = self.color("success")

        known: list[tuple[int, BurndownDay]] = [
            (x, d) for x, d in zip(xs, days, strict=True) if d.remaining is not None
        ]
        # The current day: the last with a remaining figure, unless the sprint is over.
        today = known[-1][0] if known and known[-1][0] < len(days) - 1 else None

        # Drawn in order, each over the last: weekend shading, today, then the lines on top.
        if not burndown.skip_weekends:
            shade = self.color("panel")
            for x, day in zip(xs, days, strict=True):
                if day.weekend:
                    # One bar per call: plotext widens bars to the spacing of the xs it is given.
                    plt.bar([x], [top * 1.04], color=shade, width=1.0, marker="█")
        if today is not None:
            # A series, not plotext's vertical_line: that one is drawn before everything else,
            # so weekend shading would hide it.
            plt.plot([today, today], [0, top * 1.04], color=self.color("accent"), marker="│")
        plt.plot(xs, [d.ideal for d in days], color=muted, marker="braille")
        plt.plot(xs, [d.scope for d in days], color=warning, marker="braille")
        if known:
            remaining = [d.remaining or 0.0 for _, d in known]
            plt.plot([x for x, _ in known], remaining, color=primary, marker="braille")
        for marker, color, changed in (
            ("▲", warning, [(x, d) for x, d in zip(xs, days, strict=True) if d.added > 0]),
            ("▼", success, [(x, d) for x, d in zip(xs, days, strict=True) if d.removed > 0]),
        ):
            if changed:
                ys = [d.scope for _, d in changed]
                plt.scatter([x for x, _ in changed], ys, color=color, marker=marker)

        width = self.size.width or 40
        ticks = tick_positions(len(days), max(width - 6, 10), today=today)
        wide = self.detailed and width >= len(ticks) * 8
        plt.xticks(ticks, [day_label(days[x].day, wide=wide) for x in ticks])
        # No xlim: plotext 5.3 misplaces braille lines when the x limits are set by hand.
        plt.ylim(0, top * 1.04)
        height = self.size.height or 10
        values = nice_ticks(top, 5 if height >= 12 else 3)
        plt.yticks(values, [amount(v) for v in values])
        plt.xaxes(True, False)
        plt.yaxes(True, False)
        if self.detailed:
            plt.ylabel(burndown.unit)
