"""The cost screen: where the money goes, by every dimension, and where it is heading.

Pushed when Enter is pressed on the Cost panel. Tabs: Breakdown (month to date, share, this
week against last and GPU, pivoted by provider, service, account, region, category or any
tag key the roll-ups carry), Daily (the last 30 days and the forecast to the period's end with
its range), Anomalies (with the rule that found them), Per experiment (what each experiment
cost, per run and per point of metric gained), and Budgets (ours and the providers' own, side
by side), with the paid API calls used today.

Like every screen it is fed `show(dashboard, syncing)` and draws what the dashboard's worker
built (`CostSummary`): nothing is computed here but the order of rows, which a sort gives as
an index (`widgets.cost_table`). Tabs are built when first shown; every table draws only
the rows on screen. With several currencies, `c` switches between them: nothing is converted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, Tabs

from cockpit import formatting
from cockpit.analytics.cost_views import (
    DIMENSIONS,
    Anomaly,
    BudgetView,
    CostSummary,
    CurrencyView,
    ExperimentCost,
    SpendLine,
)
from cockpit.dashboard import Dashboard
from cockpit.formatting import money, money_range, money_short, plural
from cockpit.screens.area import AreaScreen
from cockpit.screens.dashboard import panel_age
from widgets.cost_panel import forecast_style, level_style, month_label
from widgets.cost_table import Cells, CostTable, CostTableModel, TableColumn
from widgets.panel import PanelAge, Part, line, stack
from widgets.status_bar import SourceStatusBar

TABS = ("breakdown", "daily", "anomalies", "experiments", "budgets")
TAB_TITLES = {
    "breakdown": "Breakdown",
    "daily": "Daily",
    "anomalies": "Anomalies",
    "experiments": "Per experiment",
    "budgets": "Budgets",
}
DIMENSION_TITLE = {
    "provider": "Provider",
    "service": "Service",
    "account": "Account",
    "region": "Region",
    "category": "Category",
}
LEVEL = {"$error": "bad", "$warning": "warn", "$success": "good"}
MUTED = "$text-muted"
_UNSET = object()  # nothing fed yet (None is a dashboard without cost data)


class PaidCallsToday(msgspec.Struct, frozen=True, gc=False):
    """A paid API's calls today (UTC) as the store counts them, and its daily limit."""

    source: str
    used: int
    limit: int


def dimension_title(dimension: str) -> str:
    if dimension.startswith("tag:"):
        return f"{dimension[4:]} (tag)"
    return DIMENSION_TITLE.get(dimension, dimension)


def dimensions_of(summary: CostSummary | None) -> tuple[str, ...]:
    """The pivots: every dimension, then each tag key the roll-ups carry."""
    tags = tuple(f"tag:{key}" for key in summary.tag_keys) if summary is not None else ()
    return (*DIMENSIONS, *tags)


def signed_money(value: float, currency: str) -> str:
    text = money(value, currency)
    return f"+{text}" if value > 0 and text.strip("$€£0,") else text


def share_text(share: float) -> str:
    """Shares below 10% keep one decimal: among 2,000 services most are below 1%."""
    percent = share * 100
    return formatting.with_unit(round(percent, 1) if percent < 10 else round(percent), "%")


def nones_last(get: Callable[[Any], float | None], descending: bool = True) -> Callable[[Any], Any]:
    """A sort key that puts rows without a value after the others, whichever the direction."""
    if descending:
        return lambda row: (get(row) is not None, get(row) or 0.0)
    return lambda row: (get(row) is None, get(row) or 0.0)


def bar_cells(fraction: float, width: int, style: str) -> tuple[tuple[str, str], ...]:
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return (("█" * filled, style), ("░" * (width - filled), "muted"))


# --- the tables' columns -------------------------------------------------------------------


def breakdown_model(view: CurrencyView, dimension: str) -> CostTableModel:
    rows: tuple[SpendLine, ...] = view.breakdowns.get(dimension, ())
    cur = view.currency

    def change(row: SpendLine) -> Cells:
        delta = row.change
        style = "bad" if delta > 0.5 else "good" if delta < -0.5 else "muted"
        return signed_money(delta, cur), style

    # Spend with no value for the dimension (an untagged line, a charge with no region) is a
    # row of its own, and says so rather than showing a blank.
    missing = "(untagged)" if dimension.startswith("tag:") else f"(no {dimension})"

    def key_cell(row: SpendLine) -> Cells:
        return (row.key, "strong") if row.key else (missing, "muted")

    columns = [
        TableColumn("key", dimension_title(dimension), key_cell,
                    width=12, most=48, fit=lambda r: r.key or missing,
                    sort=lambda r: r.key.casefold(), descending=False),
    ]  # fmt: skip
    if dimension == "service":
        columns.append(
            TableColumn("provider", "Provider", lambda r: (r.provider, "muted"), width=8,
                        most=14, fit=lambda r: r.provider,
                        sort=lambda r: r.provider.casefold(), descending=False, drop=3)
        )  # fmt: skip
    columns += [
        TableColumn("mtd", "Month to date", lambda r: (money(r.period_to_date, cur), "text"),
                    width=13, right=True, sort=lambda r: r.period_to_date),
        # The share sorts as the month to date does: not a sort of its own.
        TableColumn("share", "Share", lambda r: (share_text(r.share), "muted"),
                    width=6, right=True, drop=4),
        TableColumn("this_week", "This week", lambda r: (money(r.this_week, cur), "text"),
                    width=11, right=True, sort=lambda r: r.this_week),
        TableColumn("last_week", "Last week", lambda r: (money(r.last_week, cur), "muted"),
                    width=11, right=True, sort=lambda r: r.last_week, drop=2),
        TableColumn("change", "Change", change, width=11, right=True, sort=lambda r: r.change),
        TableColumn("gpu", "GPU", lambda r: ("GPU" if r.is_gpu else "", "accent"),
                    width=3, sort=lambda r: r.is_gpu, drop=1),
    ]  # fmt: skip
    label = dimension_title(dimension).lower()
    return CostTableModel(
        columns, rows, natural="mtd", flex="key",
        empty=f"No spend in {cur} by {label} this month.",
    )  # fmt: skip


def anomaly_model(summary: CostSummary) -> CostTableModel:
    rows = sorted(
        (a for view in summary.views for a in view.anomalies), key=lambda a: a.day, reverse=True
    )

    def what(a: Anomaly) -> str:
        return "all spend" if a.dimension == "total" else f"{a.dimension} {a.key}"

    columns = [
        TableColumn("day", "Day", lambda a: (f"{a.day:%a %d %b}", "text"), width=10,
                    sort=lambda a: a.day),
        TableColumn("what", "What", lambda a: (what(a), "strong"), width=10, most=40,
                    fit=what, sort=lambda a: what(a).casefold(), descending=False),
        TableColumn("amount", "Spent", lambda a: (money(a.amount, a.currency), "bad"),
                    width=10, right=True, sort=lambda a: a.amount),
        TableColumn("expected", "Usual", lambda a: (money(a.expected, a.currency), "muted"),
                    width=10, right=True, sort=lambda a: a.expected, drop=2),
        TableColumn("sigma", "σ", lambda a: (f"{a.sigma:.1f}σ", "warn"), width=6, right=True,
                    sort=lambda a: a.sigma),
        TableColumn("why", "Why", lambda a: (a.explanation, "muted"), width=20, drop=1),
    ]  # fmt: skip
    return CostTableModel(
        columns, rows, natural="day", flex="why", empty="No day stood out in the last 28 days."
    )


def experiment_model(summary: CostSummary) -> CostTableModel:
    def name(e: ExperimentCost) -> Cells:
        return e.experiment, "strong" if e.matched else "warn"

    def maybe(value: float | None, currency: str) -> str:
        return "–" if value is None else money(value, currency)

    def note(e: ExperimentCost) -> Cells:
        if not e.matched:
            return "not in any experiment tracker: check the tag's spelling", "warn"
        if e.runs and e.runs_with_cost < e.runs:
            return f"{plural(e.runs - e.runs_with_cost, 'run')} without tagged spend", "muted"
        return "", "muted"

    def gain(e: ExperimentCost) -> str:
        return "–" if e.gain is None else formatting.signed_metric(e.gain)

    columns = [
        TableColumn("experiment", "Experiment", name, width=12, most=32,
                    fit=lambda e: e.experiment, sort=lambda e: e.experiment.casefold(),
                    descending=False),
        TableColumn("source", "Source", lambda e: (e.source or "–", "muted"), width=6,
                    most=12, fit=lambda e: e.source, drop=4),
        TableColumn("spend", "Spend", lambda e: (money(e.spend, e.currency), "text"),
                    width=11, right=True, sort=lambda e: e.spend),
        TableColumn("runs", "Runs", lambda e: (f"{e.runs:,}" if e.runs else "–", "text"),
                    width=5, right=True, sort=lambda e: e.runs),
        TableColumn("costed", "Tagged", lambda e: (f"{e.runs_with_cost:,}", "muted"),
                    width=6, right=True, sort=lambda e: e.runs_with_cost, drop=3),
        TableColumn("per_run", "$/run", lambda e: (maybe(e.per_run, e.currency), "text"),
                    width=9, right=True, sort=nones_last(lambda e: e.per_run)),
        TableColumn("metric", "Metric", lambda e: (e.metric or "–", "muted"), width=8,
                    most=16, fit=lambda e: e.metric, drop=2),
        TableColumn("gain", "Gain", lambda e: (gain(e), "good" if e.gain else "muted"),
                    width=8, right=True, sort=nones_last(lambda e: e.gain)),
        TableColumn("per_point", "$/point", lambda e: (maybe(e.per_point, e.currency), "text"),
                    width=9, right=True, sort=nones_last(lambda e: e.per_point, False),
                    descending=False),
        TableColumn("note", "", note, width=12, drop=1),
    ]  # fmt: skip
    return CostTableModel(
        columns, summary.experiments, natural="spend", flex="note",
        empty="No spend is tagged with an experiment or a run (see [cost] experiment_tags).",
    )  # fmt: skip


def budget_model(summary: CostSummary) -> CostTableModel:
    def used(b: BudgetView) -> Cells:
        style = LEVEL[level_style(b.used, b.thresholds)]
        return (*bar_cells(b.used, 8, style), (f" {formatting.share(b.used):>5}", style))

    def ahead(b: BudgetView) -> Cells:
        style = LEVEL[forecast_style(b.forecast_used, b.forecast_threshold)]
        return formatting.share(b.forecast_used), style

    def maybe(value: float | None, currency: str) -> str:
        return "–" if value is None else money(value, currency)

    def forecast(b: BudgetView) -> str:
        f = b.forecast
        return money_range(f.expected, f.low, f.high, b.currency)

    columns = [
        TableColumn("name", "Budget", lambda b: (b.name, "strong"), width=8, most=24,
                    fit=lambda b: b.name, sort=lambda b: b.name.casefold(), descending=False),
        TableColumn("origin", "From", lambda b: (b.origin, "muted"), width=6, most=12,
                    fit=lambda b: b.origin, sort=lambda b: b.origin, descending=False, drop=7),
        TableColumn("scope", "Scope", lambda b: (b.scope or "all", "text"), width=5, most=24,
                    fit=lambda b: b.scope or "all", drop=4),
        TableColumn("period", "Period", lambda b: (b.period_label, "muted"), width=8,
                    fit=lambda b: b.period_label, most=10, drop=2),
        TableColumn("spent", "Spent", lambda b: (money(b.spent, b.currency), "text"),
                    width=10, right=True, sort=lambda b: b.spent),
        TableColumn("amount", "Budget", lambda b: (money(b.amount, b.currency), "muted"),
                    width=10, right=True, sort=lambda b: b.amount),
        TableColumn("used", "Used", used, width=14, sort=lambda b: b.used),
        TableColumn("forecast", "Forecast", lambda b: (forecast(b), "text"), width=22,
                    fit=forecast, most=30, drop=3),
        TableColumn("ahead", "Fcst", ahead, width=5, right=True,
                    sort=lambda b: b.forecast_used),
        TableColumn("provider_actual", "Prov. spent",
                    lambda b: (maybe(b.provider_actual, b.currency), "muted"), width=10,
                    right=True, drop=6),
        TableColumn("provider_forecast", "Prov. fcst",
                    lambda b: (maybe(b.provider_forecast, b.currency), "muted"), width=10,
                    right=True, drop=5),
        TableColumn("note", "Note", lambda b: (b.note, "muted"), width=6, drop=1),
    ]  # fmt: skip
    return CostTableModel(
        columns, summary.budgets, flex="note",
        empty="No budget yet: add a [[budgets]] block to the config.",
    )  # fmt: skip


# --- the screen --------------------------------------------------------------------------


class CostScreen(AreaScreen):
    TABS = TABS
    TAB_TITLES = TAB_TITLES

    DEFAULT_CSS = """
    CostScreen {
        layout: vertical;
    }
    CostScreen > .cost-line {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    CostScreen > TabbedContent {
        height: 1fr;
    }
    CostScreen .tab-body {
        height: 1fr;
    }
    CostScreen .tab-note {
        height: auto;
        max-height: 6;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="cost.back"),
        Binding("p", "pivot(1)", "Pivot", id="cost.pivot"),
        Binding("P", "pivot(-1)", "Pivot back", show=False, id="cost.pivot_back"),
        Binding("c", "cycle_currency", "Currency", show=False, id="cost.currency"),
        Binding("1", "show_tab('breakdown')", "Breakdown", show=False, id="cost.tab_breakdown"),
        Binding("2,d", "show_tab('daily')", "Daily", show=False, id="cost.tab_daily"),
        Binding("3,a", "show_tab('anomalies')", "Anomalies", show=False, id="cost.tab_anomalies"),
        Binding(
            "4,e",
            "show_tab('experiments')",
            "Per experiment",
            show=False,
            id="cost.tab_experiments",
        ),
        Binding("5,u", "show_tab('budgets')", "Budgets", show=False, id="cost.tab_budgets"),
    ]

    def __init__(self, initial: Dashboard | None = None, *, tab: str = "breakdown") -> None:
        super().__init__("cost", initial, tab)
        self.summary: CostSummary | None = None
        self._fed: object = _UNSET
        self.dimension = "service"
        self.currency_index = 0  # which of the summary's currencies the tabs show
        self.paid_calls: tuple[PaidCallsToday, ...] | None = None
        self._age: PanelAge | None = None
        # Models per (currency, dimension) and per tab, built when first needed and kept
        # until the summary changes: a pivot back to a dimension costs nothing.
        self._models: dict[tuple[str, str], CostTableModel] = {}

    # --- composing --------------------------------------------------------------------

    def compose_header(self) -> ComposeResult:
        yield Static(id="cost-header", classes="cost-line")
        yield Static(id="cost-notes", classes="cost-line")

    def _tab_body(self, tab: str) -> list[Widget]:
        if tab == "daily":
            from widgets.cost_chart import CostDailyChart

            return [
                Vertical(
                    CostDailyChart(id="daily-chart"),
                    Static(classes="tab-note", id="daily-notes"),
                    classes="tab-body",
                )
            ]
        note = Static(classes="tab-note", id=f"{tab}-notes")
        return [Vertical(note, CostTable(id=f"{tab}-table"), classes="tab-body")]

    # --- feeding ----------------------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        self._age = panel_age(dashboard, "cost")
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
        summary = dashboard.cost
        # The same summary again (the repaint after opening, an age tick): only the age moves.
        if summary is self._fed or (self._fed is not _UNSET and summary == self._fed):
            self._show_header()
            return
        self.set_summary(summary)

    def set_summary(self, summary: CostSummary | None) -> None:
        self._fed = summary
        self.summary = summary
        self._models.clear()
        self.feeds += 1
        views = summary.views if summary is not None else ()
        if self.currency_index >= len(views):
            self.currency_index = 0
        if self.dimension not in dimensions_of(summary):
            self.dimension = "service"
        if not self._ready:
            return  # on_mount feeds it
        self._show_header()
        for tab in self.built:
            self._feed(tab)

    def set_paid_calls(self, calls: tuple[PaidCallsToday, ...]) -> None:
        """What the app's worker read from the store."""
        self.paid_calls = calls
        if self._ready:
            self._show_header()
            if "budgets" in self.built:
                self._feed("budgets")

    def current_view(self) -> CurrencyView | None:
        summary = self.summary
        if summary is None or not summary.views:
            return None
        return summary.views[min(self.currency_index, len(summary.views) - 1)]

    def _model(self, tab: str) -> CostTableModel | None:
        summary = self.summary
        if summary is None:
            return None
        view = self.current_view()
        what = self.dimension if tab == "breakdown" else tab
        key = (view.currency if view is not None else "", what)
        model = self._models.get(key)
        if model is None:
            if tab == "breakdown":
                if view is None:
                    return None
                model = breakdown_model(view, self.dimension)
            elif tab == "anomalies":
                model = anomaly_model(summary)
            elif tab == "experiments":
                model = experiment_model(summary)
            else:
                model = budget_model(summary)
            self._models[key] = model
        return model

    def _feed(self, tab: str) -> None:
        if tab == "daily":
            self._feed_daily()
            return
        table = self.query_one(f"#{tab}-table", CostTable)
        model = self._model(tab)
        if model is None:
            table.model = None
            table.placeholder = "No cost data yet. cockpit doctor shows which sources feed it."
            table.view = ()
            table.refresh()
        else:
            table.set_model(model, sort_key="used" if tab == "budgets" else None)
        self.query_one(f"#{tab}-notes", Static).update(self._notes(tab))

    def _feed_daily(self) -> None:
        from widgets.cost_chart import CostDailyChart, daily_legend

        view = self.current_view()
        self.query_one(CostDailyChart).view = view
        notes = self.query_one("#daily-notes", Static)
        if view is None:
            notes.update(Content.styled("No spend recorded yet.", MUTED))
            return
        f = view.forecast
        cur = view.currency
        end = f.days[-1][0] if f.days else None
        rows = [
            daily_legend(view),
            line(
                (f"Forecast to {end:%d %b}: " if end else "Forecast: ", MUTED),
                (money_range(f.expected, f.low, f.high, cur), "bold"),
                (f" · {f.method}" if f.method else "", MUTED),
            ),
        ]
        if f.provider_expected is not None:
            rows.append(
                line(("The provider's own forecast: ", MUTED), money(f.provider_expected, cur))
            )
        rows.append(
            line(
                ("Run rate ", MUTED),
                f"{money(view.run_rate, cur)}/day",
                ("   last full day ", MUTED),
                money(view.last_full_day, cur),
                ("   GPU ", MUTED),
                (formatting.share(view.gpu_share), "$accent"),
                f" ({money(view.gpu_month_to_date, cur)})",
                ("   credits ", MUTED),
                money(view.credits_month_to_date, cur),
            )
        )
        notes.update(stack(rows))

    # --- words above the tables -------------------------------------------------------

    def _show_header(self) -> None:
        parts: list[Part] = [("Cost", "bold")]
        view = self.current_view()
        summary = self.summary
        if view is not None and summary is not None:
            f = view.forecast
            parts += [
                "  ",
                (money(view.month_to_date, view.currency), "bold"),
                f" month to date · {month_label(view.month)}",
                (" · forecast ", MUTED),
                money_range(f.expected, f.low, f.high, view.currency),
            ]
            if summary.cost_columns:
                parts.append((" · " + "/".join(summary.cost_columns), MUTED))
        elif summary is None:
            parts.append(("  no cost data yet", MUTED))
        age = self._age
        if age is not None:
            style = {"fresh": "$text-success", "failed": "$text-error"}.get(
                age.state, "$text-warning"
            )
            parts += [("   ", ""), (age.label, style)]
        self.query_one("#cost-header", Static).update(line(*parts))
        notes = self._screen_notes()
        box = self.query_one("#cost-notes", Static)
        box.display = bool(notes)  # no empty line when there is nothing to add
        box.update(notes)

    def _screen_notes(self) -> Content:
        rows: list[Content] = []
        summary = self.summary
        if summary is not None and summary.mixed_currencies:
            view = self.current_view()
            others = " · ".join(
                f"{money_short(v.month_to_date, v.currency)} in {v.currency}"
                for v in summary.views
                if v is not view
            )
            rows.append(
                line(
                    ("≠ ", "$warning"),
                    f"Showing {view.currency if view else ''}; also {others}",
                    (" (apart, never converted) · c switches currency", MUTED),
                )
            )
        if summary is not None and summary.sources_overlap:
            rows.append(line((summary.sources_overlap, MUTED)))
        if self.paid_calls:
            calls: list[Part] = [("Paid API calls today: ", MUTED)]
            for n, c in enumerate(self.paid_calls):
                style = "$error" if c.used >= c.limit else "$warning" if c.used else ""
                calls += [", " if n else "", (c.source, "bold"), (f" {c.used} of {c.limit}", style)]
            calls.append((" (the count starts again at 00:00 UTC)", MUTED))
            rows.append(line(*calls))
        return stack(rows) if rows else Content("")

    def _notes(self, tab: str) -> Content:
        summary = self.summary
        if tab == "breakdown":
            return self._pivot_bar()
        if tab == "anomalies":
            rule = summary.anomaly_rule if summary is not None else ""
            return line(("Rule: ", "bold"), (rule or "–", MUTED))
        if tab == "experiments":
            if summary is None:
                return Content("")
            unmatched = sum(1 for e in summary.experiments if not e.matched)
            parts: list[Part] = [
                ("Spend whose tags name an experiment or a run, joined to the trackers' runs. ",
                 MUTED),
                ("$/point: spend per 0.01 of metric gained by the best run.", MUTED),
            ]  # fmt: skip
            if unmatched:
                parts = [
                    (f"{plural(unmatched, 'tag value')} name no experiment the trackers have. ",
                     "$warning"),
                    *parts,
                ]  # fmt: skip
            return line(*parts)
        if tab == "budgets":
            return line(
                ("Ours and the providers' own side by side; ", MUTED),
                ("Prov. spent/fcst", "bold"),
                (" is what the provider says (AWS Budgets).", MUTED),
            )
        return Content("")

    def _pivot_bar(self) -> Content:
        parts: list[Part] = [("By ", MUTED)]
        for n, dimension in enumerate(dimensions_of(self.summary)):
            title = dimension_title(dimension).lower()
            if n:
                parts.append((" · ", MUTED))
            parts.append((f"[{title}]", "bold $accent") if dimension == self.dimension else title)
        view = self.current_view()
        if view is not None:
            count = len(view.breakdowns.get(self.dimension, ()))
            parts.append((f"   {plural(count, 'value')}", MUTED))
        parts.append(("   p/P pivot · s/S sort", MUTED))
        return line(*parts)

    # --- actions ----------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    async def action_pivot(self, step: int) -> None:
        """The breakdown by the next (or previous) dimension; the sort column stays."""
        dimensions = dimensions_of(self.summary)
        index = dimensions.index(self.dimension) if self.dimension in dimensions else 0
        self.dimension = dimensions[(index + step) % len(dimensions)]
        if self.query_one(TabbedContent).active != "breakdown":
            await self.action_show_tab("breakdown")
        if "breakdown" in self.built:
            self._feed("breakdown")

    def action_cycle_currency(self) -> None:
        summary = self.summary
        if summary is None or len(summary.views) < 2:
            self.notify("All spend is in one currency.", timeout=3)
            return
        self.currency_index = (self.currency_index + 1) % len(summary.views)
        self._show_header()
        for tab in self.built:
            self._feed(tab)

    async def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        await self.build_tab(tab)
        if tab == "daily":
            tabs.query_one(Tabs).focus()
        tabs.active = tab
        self._focus_tab()

    def _focus_tab(self) -> None:
        active = self.query_one(TabbedContent).active
        if active in self.built and active != "daily":
            table = self.query_one(f"#{active}-table", CostTable)
            if self.focused is not table:
                table.focus()

    def on_cost_table_sorted(self, event: CostTable.Sorted) -> None:
        event.stop()
