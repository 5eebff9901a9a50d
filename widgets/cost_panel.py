"""The Cost panel: spend against each budget, where the month is heading, and what is alarming.

Fed a `CostSummary` (`cockpit.analytics.cost_views`). It draws, as room allows and in this
order of importance: month to date and the cost column it is read from; spend in other
currencies, flagged (never converted); a gauge per budget, its thresholds drawn as ticks and
coloured by the highest one crossed; the forecast with its range; the active alerts; the run
rate and GPU share; the daily spend with the forecast continuing it; spend per provider; and
the services. A list cut short ends in "+N more" with the true N. Names of services, accounts
and budgets come from outside and are drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from textual.content import Content
from textual.reactive import reactive

from cockpit import formatting
from cockpit.analytics.cost_views import (
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    SpendLine,
)
from widgets.panel import Panel, Part, clip, line

SPARK = "▁▂▃▄▅▆▇█"
TICK = "┃"
TICKS_FROM = 10  # cells: a shorter gauge draws no threshold ticks
MUTED = "$foreground-muted"
# Where a column is narrow, the usual short names of the providers FOCUS spells out.
PROVIDER_SHORT = {
    "Amazon Web Services": "AWS",
    "Google Cloud": "GCP",
    "Google Cloud Platform": "GCP",
    "Microsoft": "Azure",
    "Microsoft Azure": "Azure",
    "Oracle": "OCI",
    "Oracle Cloud Infrastructure": "OCI",
}
SEVERITY_STYLE = {"error": "$error", "warning": "$warning", "info": "$primary"}
SEVERITY_MARK = {"error": "▲ ", "warning": "▲ ", "info": "● "}


def money(value: float, currency: str) -> str:
    return formatting.money(value, currency, compact=True)


def sparkline(values: Sequence[float]) -> str:
    """One cell per value, from zero (or the lowest credit) to the highest value."""
    if not values:
        return ""
    low, high = min(0.0, min(values)), max(values)
    span = (high - low) or 1.0
    top = len(SPARK) - 1
    return "".join(SPARK[min(max(int((v - low) / span * top), 0), top)] for v in values)


def level_style(used: float, thresholds: Sequence[float]) -> str:
    """The gauge's colour: over the budget (or its last threshold at 100% or more) is an
    error; past the highest threshold below 100% a warning; otherwise all is well."""
    if used >= 1.0:
        return "$error"
    below = [t for t in thresholds if t < 1.0]
    if below and used >= max(below):
        return "$warning"
    return "$success"


def forecast_style(share: float, threshold: float | None) -> str:
    limit = threshold if threshold is not None else 1.0
    if share >= limit:
        return "$error"
    if share >= 0.9 * limit:
        return "$warning"
    return "$success"


def gauge(used: float, width: int, thresholds: Sequence[float], style: str) -> list[Part]:
    """A bar `width` cells wide filled to `used`, with a tick at each threshold.

    Past 100% the bar stretches (up to 150%) so that the 100% tick stays inside it and the
    overrun shows beyond it.
    """
    width = max(width, 1)
    top = min(max(1.0, used), 1.5)
    filled = round(min(max(used, 0.0), top) / top * width)
    # A threshold at the bar's end needs no tick: the end says it. A bar too short to tell
    # ticks from the fill has none.
    ticks = (
        {min(int(t / top * width), width - 1) for t in thresholds if 0 < t < top}
        if width >= TICKS_FROM
        else set()
    )
    parts: list[Part] = []
    run: list[str] = []
    run_style = ""

    def flush() -> None:
        if run:
            parts.append(("".join(run), run_style))
            run.clear()

    for cell in range(width):
        is_filled = cell < filled
        if cell in ticks:
            char, cell_style = TICK, (f"$foreground on {style}" if is_filled else MUTED)
        elif is_filled:
            char, cell_style = "█", style
        else:
            char, cell_style = "░", f"{MUTED} 50%"
        if cell_style != run_style:
            flush()
            run_style = cell_style
        run.append(char)
    flush()
    return parts


def budget_line(budget: BudgetView, width: int, name_width: int) -> Content:
    """`GPU training ███████┃██░░ 104% $31.2k/$30.0k →118%`: spent against the amount, and
    where the forecast ends the period. The figures go first when room is short (the
    forecast, then the amounts), the share spent last."""
    used = budget.used
    style = level_style(used, budget.thresholds)
    cur = budget.currency
    share = f" {formatting.share(used)}"
    amounts = (
        f" {formatting.money_short(budget.spent, cur)}/{formatting.money_short(budget.amount, cur)}"
    )
    ahead = f" →{formatting.share(budget.forecast_used)}"
    if budget.period != "month":
        amounts += f" {budget.period_label}"
    f_style = forecast_style(budget.forecast_used, budget.forecast_threshold)
    name_width = min(name_width, max(width // 3, 1))
    name = clip(budget.name, name_width).ljust(name_width) + " "
    least_bar = 6
    for tail in ((share, amounts, ahead), (share, amounts), (share,)):
        if len(name) + least_bar + sum(len(t) for t in tail) <= width:
            break
    room = width - len(name) - sum(len(t) for t in tail)
    if room < 3:  # not even a short bar: the name and the share
        return line(clip(budget.name, width - len(share)), (share, style))
    bar = gauge(used, room, budget.thresholds, style)
    parts: list[Part] = [name, *bar, (share, style)]
    if len(tail) > 1:
        parts.append((tail[1], MUTED))
    if len(tail) > 2:
        parts.append((tail[2], f_style))
    return line(*parts)


def alert_line(alert: CostAlert, width: int) -> Content:
    mark = SEVERITY_MARK.get(alert.severity, "▲ ")
    style = SEVERITY_STYLE.get(alert.severity, "$warning")
    return line((mark, style), clip(alert.message, width - len(mark)))


def more_line(hidden: int, noun: str) -> Content:
    return line((f"+{hidden} more {noun} · enter shows all", MUTED))


class Block:
    """A run of rows the panel may show: `least` rows when there is room for it at all, up
    to `most`; `draw(n)` gives the rows for `n`, cut with "+N more" when it hides any.

    `rank` orders who gets their least rows first (lower is more important); `more_rank`
    when they get the rest, so that a second budget can come before the services' title.
    """

    __slots__ = ("draw", "least", "more_rank", "most", "rank")

    def __init__(
        self,
        rank: float,
        least: int,
        most: int,
        draw: Callable[[int], list[Content]],
        *,
        more_rank: float | None = None,
    ) -> None:
        self.rank = rank
        self.least = least
        self.most = most
        self.draw = draw
        self.more_rank = rank if more_rank is None else more_rank


def list_block(
    rank: float,
    count: int,
    noun: str,
    item: Callable[[int, int], Content],
    width: int,
    *,
    title: Content | None = None,
    more_rank: float | None = None,
) -> Block:
    """A list of `count` items (`item(index, width)`), cut to the rows it is given."""
    head = 1 if title is not None else 0

    def draw(rows: int) -> list[Content]:
        room = rows - head
        out = [title] if title is not None else []
        if count <= room:
            return out + [item(n, width) for n in range(count)]
        if room <= 1:
            # One row: the first item, squeezed, and how many more there are.
            tail = f" +{count - 1} more"
            return [*out, Content.assemble(item(0, width - len(tail)), (tail, MUTED))]
        shown = room - 1
        return out + [item(n, width) for n in range(shown)] + [more_line(count - shown, noun)]

    return Block(rank, head + 1, head + count, draw, more_rank=more_rank)


def allot(blocks: list[Block], height: int) -> list[int]:
    """Rows per block: each block's least rows in the order of `rank`, when they fit; then
    the room left, up to each block's most, in the order of `more_rank`."""
    rows = [0] * len(blocks)
    left = height
    wants = sorted(
        [(block.rank, 0, n) for n, block in enumerate(blocks)]
        + [(block.more_rank, 1, n) for n, block in enumerate(blocks)]
    )
    for _rank, more, n in wants:
        block = blocks[n]
        if not more:
            if block.least <= left:
                rows[n] = block.least
                left -= block.least
        elif rows[n]:
            extra = min(block.most - rows[n], left)
            rows[n] += extra
            left -= extra
    return rows


class CostPanel(Panel):
    PANEL_ID = "cost"
    TITLE = "Cost"

    summary: reactive[CostSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        summary = self.summary
        if summary is None:
            return []
        blocks = self.blocks(summary, width)
        rows: list[Content] = []
        for block, count in zip(blocks, allot(blocks, height), strict=True):
            if count:
                rows += block.draw(count)
        # Each row is laid out for the width already; this only guards the narrowest panels.
        return [row.truncate(width, ellipsis=True) if len(row) > width else row for row in rows]

    def blocks(self, summary: CostSummary, width: int) -> list[Block]:
        view = summary.primary
        blocks: list[Block] = [Block(0, 1, 1, lambda _n: [headline(summary, view, width)])]
        if summary.mixed_currencies:
            blocks.append(Block(1, 1, 1, lambda _n: [others_line(summary, width)]))
        budgets = summary.budgets
        if budgets:
            name_width = min(max(len(b.name) for b in budgets), max(width // 4, 4))
            blocks.append(
                list_block(
                    2, len(budgets), "budgets",
                    lambda n, w: budget_line(budgets[n], w, name_width), width,
                    more_rank=5.5,
                )
            )  # fmt: skip
        if view is not None:
            blocks.append(Block(3, 1, 1, lambda _n: [forecast_line(summary, view, width)]))
        alerts = summary.alerts
        if alerts:
            blocks.append(
                list_block(
                    4, len(alerts), "alerts", lambda n, w: alert_line(alerts[n], w), width,
                    more_rank=6.5,
                )
            )  # fmt: skip
        if view is not None:
            blocks.append(Block(5, 1, 1, lambda _n: [daily_line(view, width)]))
            blocks.append(Block(6, 1, 1, lambda _n: [rate_line(view, width)]))
            providers = view.breakdowns.get("provider", ())
            if len(providers) > 1:
                blocks.append(Block(7, 1, 1, lambda _n: [provider_line(view, width)]))
            services = view.breakdowns.get("service", ())
            if services:
                title = line(("Month to date by service", "bold"))
                blocks.append(
                    list_block(
                        9, len(services), "services",
                        lambda n, w: service_line(services[n], view.currency, w), width,
                        title=title,
                    )
                )  # fmt: skip
        if summary.sources_overlap:
            note = summary.sources_overlap
            blocks.append(Block(8, 1, 1, lambda _n: [line((clip(note, width), MUTED))]))
        return blocks


def headline(summary: CostSummary, view: CurrencyView | None, width: int) -> Content:
    """`$38,456 month to date · Nov 2026 · EffectiveCost`, shortened to what fits."""
    columns = " · " + "/".join(summary.cost_columns) if summary.cost_columns else ""
    if view is None:
        text = "No spend recorded yet"
        return line((clip(text, width), MUTED), (clip(columns, width - len(text)), MUTED))
    head = money(view.month_to_date, view.currency)
    month = f" · {month_label(view.month)}"
    words = " month to date" if width >= len(head) + 14 + len(month) + 10 else " MTD"
    if len(head) + len(words) + len(month) > width:
        month = ""
    used = len(head) + len(words) + len(month)
    return line(
        (clip(head, width), "bold"),
        clip(words, width - len(head)),
        (month, MUTED),
        (clip(columns, width - used) if width - used > 4 else "", MUTED),
    )


def month_label(month: str) -> str:
    """ "2026-11" as "Nov 2026"; anything else as it is."""
    try:
        return f"{date(int(month[:4]), int(month[5:7]), 1):%b %Y}"
    except ValueError:
        return month


def others_line(summary: CostSummary, width: int) -> Content:
    """Spend in every other currency, apart and flagged: nothing is converted."""
    others = " · ".join(
        f"{formatting.money_short(v.month_to_date, v.currency)} in {v.currency}"
        for v in summary.views[1:]
    )
    return line(("≠ ", "$warning"), ("also ", MUTED), clip(others, width - 7))


def forecast_line(summary: CostSummary, view: CurrencyView, width: int) -> Content:
    """Where the month ends, with its range; against the month's budget for all spend in
    this currency when there is one (its own forecast: the gauge's "→" says the same)."""
    budget = next(
        (
            b
            for b in summary.budgets
            if b.currency == view.currency and b.period == "month" and b.scope in ("", "all")
        ),
        None,
    )
    forecast = budget.forecast if budget is not None else view.forecast
    text = formatting.money_range(forecast.expected, forecast.low, forecast.high, view.currency)
    parts: list[Part] = [("Forecast ", MUTED)]
    if budget is None or not budget.amount:
        return line(*parts, (clip(text, width - 9), "bold"))
    share = budget.forecast_used
    style = forecast_style(share, budget.forecast_threshold)
    tail = f" {formatting.share(share)} of budget"
    if 9 + len(text) + len(tail) > width:
        tail = f" {formatting.share(share)}"
    return line(*parts, (clip(text, width - 9 - len(tail)), f"bold {style}"), (tail, style))


def daily_line(view: CurrencyView, width: int) -> Content:
    """The last days' spend, then the forecast for the days left (dimmer, after a ┊)."""
    label = f"{len(view.daily)}d "
    room = max(width - len(label), 1)
    last = view.daily[-1][0] if view.daily else None
    ahead = [expected for day, expected, _low, _high in view.forecast.days
             if last is None or day > last]  # fmt: skip
    ahead = ahead[: max(room // 3, 0)]
    history = [amount for _day, amount in view.daily][-(room - len(ahead) - (1 if ahead else 0)) :]
    cells = sparkline([*history, *ahead])
    parts: list[Part] = [(label, MUTED), (cells[: len(history)], "$primary")]
    if ahead:
        parts += [("┊", MUTED), (cells[len(history) :], f"{MUTED}")]
    return line(*parts)


def rate_line(view: CurrencyView, width: int) -> Content:
    cur = view.currency
    parts: list[Part] = [
        ("Run rate ", MUTED),
        f"{formatting.money_short(view.run_rate, cur)}/day",
        ("  GPU ", MUTED),
        (formatting.share(view.gpu_share), "$accent"),
    ]
    if view.credits_month_to_date and width >= 46:
        parts += [("  credits ", MUTED), formatting.money_short(view.credits_month_to_date, cur)]
    return line(*parts).truncate(width, ellipsis=True)


def provider_line(view: CurrencyView, width: int) -> Content:
    """`AWS $30.1k · Google Cloud $8.2k +1 more`: as many providers as fit, and the count of
    the others."""
    providers = view.breakdowns.get("provider", ())
    parts: list[Part] = []
    used = 0
    for n, spend in enumerate(providers):
        figure = f" {formatting.money_short(spend.period_to_date, view.currency)}"
        sep = " · " if n else ""
        rest = len(providers) - n - 1
        tail = len(f" +{rest} more") if rest else 0
        if n and used + len(sep) + len(spend.key) + len(figure) + tail > width:
            parts.append((f" +{len(providers) - n} more", MUTED))
            break
        parts += [sep, (clip(spend.key, width - len(figure)), "bold"), figure]
        used += len(sep) + len(spend.key) + len(figure)
    return line(*parts)


def service_line(spend: SpendLine, currency: str, width: int) -> Content:
    amount = money(spend.period_to_date, currency).rjust(9)
    tag = " GPU" if spend.is_gpu else ""
    short = PROVIDER_SHORT.get(spend.provider, spend.provider)
    provider = f" {clip(short, 5):<5} " if spend.provider else " "
    return line(
        (amount, "bold"),
        (provider, MUTED),
        clip(spend.key, width - len(amount) - len(provider) - len(tag)),
        (tag, "$accent"),
    )
