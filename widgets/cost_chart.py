"""The daily spend as a plotext chart: the days so far as bars, then the forecast for each day
left in the period as a line between its low and high.

Importing this module imports textual-plotext, so the cost screen imports it only when its
Daily tab is first shown. Colours come from the app's theme (`ThemedPlot`).
"""

from __future__ import annotations

from datetime import date

from textual.content import Content
from textual.reactive import reactive

from cockpit import formatting
from cockpit.analytics.cost_views import CurrencyView
from widgets.burndown_chart import ThemedPlot, nice_ticks, tick_positions


def daily_legend(view: CurrencyView) -> Content:
    """The key to the chart's colours, in the theme variables it draws with."""
    parts: list[str | tuple[str, str]] = [
        ("█ ", "$primary"),
        f"spent per day ({view.currency})   ",
        ("⠉⠒⠤ ", "$accent"),
        "forecast   ",
        ("⠉⠒⠤ ", "$foreground-muted"),
        "its low and high",
    ]
    if any(amount < 0 for _day, amount in view.daily):
        parts += ["   ", ("█ ", "$success"), "credits"]
    return Content.assemble(*parts)


class CostDailyChart(ThemedPlot):
    """One currency's daily spend and the forecast to the period's end."""

    DEFAULT_CSS = """
    CostDailyChart {
        height: 1fr;
        min-height: 8;
    }
    """

    view: reactive[CurrencyView | None] = reactive(None)

    def __init__(self, view: CurrencyView | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(CostDailyChart.view, view)

    def watch_view(self) -> None:
        if self.is_mounted:
            self.replot()

    def draw(self) -> None:
        plt = self.plt
        view = self.view
        if view is None or not view.daily:
            plt.frame(False)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        history = list(view.daily)
        last = history[-1][0]
        ahead = [d for d in view.forecast.days if d[0] > last]
        days: list[date] = [d for d, _ in history] + [d[0] for d in ahead]
        xs = list(range(len(history)))
        spend = [amount for _day, amount in history]
        spent_color = self.color("primary")
        plt.bar(xs, [max(v, 0.0) for v in spend], color=spent_color, width=0.6, marker="█")
        credits = [(x, v) for x, v in zip(xs, spend, strict=True) if v < 0]
        if credits:
            plt.bar([x for x, _ in credits], [v for _, v in credits],
                    color=self.color("success"), width=0.6, marker="█")  # fmt: skip
        top = max([*spend, *(high for *_rest, high in ahead), 1.0])
        bottom = min([0.0, *spend])
        if ahead:
            # From the first day left; today's bar is partial, so no line joins it.
            fx = list(range(len(history), len(history) + len(ahead)))
            muted = self.color("foreground-muted")
            plt.plot(fx, [low for _d, _e, low, _h in ahead], color=muted, marker="braille")
            plt.plot(fx, [high for _d, _e, _l, high in ahead], color=muted, marker="braille")
            plt.plot(fx, [exp for _d, exp, _l, _h in ahead], color=self.color("accent"),
                     marker="braille")  # fmt: skip
        width = self.size.width or 60
        today = len(history) - 1
        ticks = tick_positions(len(days), max(width - 8, 10), today=today)
        plt.xticks(ticks, [f"{days[x]:%d %b}" if width >= len(ticks) * 8 else f"{days[x].day}"
                           for x in ticks])  # fmt: skip
        plt.ylim(bottom, top * 1.05)
        height = self.size.height or 10
        values = nice_ticks(top, 5 if height >= 12 else 3)
        if bottom < 0:
            values = [bottom, *values]
        plt.yticks(values, [formatting.money_short(v, view.currency) for v in values])
        plt.xaxes(True, False)
        plt.yaxes(True, False)
