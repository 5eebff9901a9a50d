"""The Cost panel: month-to-date spend against the budget, the forecast, and the daily trend."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit import formatting
from cockpit.analytics.cost import CostSummary
from widgets.panel import Panel, bar, clip, line

SPARK = "▁▂▃▄▅▆▇█"


def money(value: float, currency: str) -> str:
    return formatting.money(value, currency, compact=True)


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(
        SPARK[min(int((v - low) / span * (len(SPARK) - 1)), len(SPARK) - 1)] for v in values
    )


class CostPanel(Panel):
    PANEL_ID = "cost"
    TITLE = "Cost"

    summary: reactive[CostSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        c = self.summary
        if c is None:
            return []
        cur = c.currency
        rows = []
        if c.budget:
            used = c.budget_used or 0.0
            style = "$error" if used > 1 else "$warning" if used > 0.85 else "$success"
            rows.append(
                line(
                    (money(c.month_to_date, cur), "bold"),
                    f" of {money(c.budget, cur)} ",
                    (f"({used:.0%})", style),
                    (f" · {c.month}", "$foreground-muted"),
                )
            )
            forecast_share = c.forecast_vs_budget or 0.0
            f_style = (
                "$error"
                if forecast_share > 1
                else "$warning"
                if forecast_share > 0.9
                else "$success"
            )
            tail = f" {used:.0%}"
            rows.append(line(*bar(used, width - len(tail), style), tail))
            rows.append(
                line(
                    "Forecast ",
                    (money(c.forecast, cur), f"bold {f_style}"),
                    (f" ({forecast_share:.0%} of budget)", f_style),
                )
            )
        else:
            rows.append(line((money(c.month_to_date, cur), "bold"), f" month to date · {c.month}"))
            rows.append(line("Forecast ", (money(c.forecast, cur), "bold")))
        rows.append(
            line(
                ("Run rate ", "$foreground-muted"),
                f"{money(c.run_rate, cur)}/day",
                ("  GPU ", "$foreground-muted"),
                (f"{c.gpu_share:.0%}", "$accent"),
            )
        )
        spark_width = max(min(width - 8, len(c.daily)), 1)
        series = [amount for _, amount in c.daily][-spark_width:]
        rows.append(line(("30d ", "$foreground-muted"), (sparkline(series), "$primary")))
        if len(c.by_provider) > 0:
            parts: list[str | tuple[str, str]] = []
            for name, amount in c.by_provider:
                if parts:
                    parts.append(" · ")
                parts += [(name, "bold"), f" {money(amount, cur)}"]
            rows.append(line(*parts))
        if c.budget_name and (self.detailed or height > len(rows)):
            rows.append(line(("Budget: ", "$foreground-muted"), clip(c.budget_name, width - 8)))
        room = height - len(rows) - 1
        services = c.by_service
        if not self.detailed and len(services) > room:
            # Keep a row to say how many services are not drawn.
            services = services[: max(room - 1, 0)]
        hidden = len(c.by_service) - len(services)
        if services:
            rows.append(line(("Month to date by service", "bold")))
            for spend in services:
                amount = money(spend.amount, cur).rjust(9)
                tag = " GPU" if spend.is_gpu else ""
                rows.append(
                    line(
                        (amount, "bold"),
                        (f" {spend.provider:<4} ", "$foreground-muted"),
                        clip(spend.service, width - 19 - len(tag)),
                        (tag, "$accent"),
                    )
                )
            if hidden:
                rows.append(
                    line((f"+{hidden} more services · enter shows all", "$foreground-muted"))
                )
        return rows
