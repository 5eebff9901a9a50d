"""The OKR screen: every key result, the one under the cursor in depth, and the KPIs.

Pushed when Enter is pressed on the OKRs panel. Tabs:
- Key results: a table of every key result (objective, current against target, progress
  against the expected pace, status, trend, where the value comes from, staleness,
  confidence); below it, for the row under the cursor, its history chart over the
  objective's period (check-ins as markers, the expected-pace line, the band of a band key
  result) and beside it its binding (as written, what it was read from, when, or why it could
  not be read) and its check-ins with their notes.
- KPIs: each KPI's value, band, in or out of band, trend and recent history as a sparkline;
  the chart of the one under the cursor, its band drawn in.

On either tab `c` opens the check-in form for the row under the cursor.

Like every screen it is fed `show(dashboard, syncing)` and draws what the dashboard's worker
built (`OkrSummary`): nothing is read or computed here but the chart's points of one row.
Tabs are built when first shown; the tables draw only the rows on screen; the chart module
(textual-plotext) is imported when the screen opens, never on the start-up path. The form
writes nothing itself: the app's worker thread appends the check-in and syncs the file's
source. Every title, note and binding is from the OKR file: plain text, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static, TabbedContent

from cockpit.analytics.okr_views import KpiView, OkrSummary
from cockpit.dashboard import Dashboard
from cockpit.formatting import plural
from cockpit.screens.area import AreaScreen
from cockpit.screens.dashboard import panel_age
from widgets.okr_table import KrRow, OkrTable, kpi_model, kr_model, kr_rows
from widgets.panel import PanelAge, Part, line
from widgets.status_bar import SourceStatusBar

if TYPE_CHECKING:
    from textual.timer import Timer

TABS = ("krs", "kpis")
TAB_TITLES = {"krs": "Key results", "kpis": "KPIs"}
MUTED = "$text-muted"
CHART_DELAY = 0.08  # seconds the cursor rests on a row before its chart is drawn
_UNSET = object()  # nothing fed yet (None is a dashboard without OKR data)


def why_not_writable(dashboard: Dashboard | None) -> str:
    """Why a check-in cannot be written from here, in words, from the kinds of the sources
    that feed the OKRs (the summary's path is empty for a URL and for the demo)."""
    inputs = dashboard.areas.get("okrs") if dashboard is not None else None
    kinds = {s.kind for s in inputs.sources} if inputs is not None else set()
    if not kinds:
        return (
            "No OKR file is configured. Add an okr-file source with the path of your team's "
            "OKR file to the config (docs/okrs.md)."
        )
    if kinds == {"demo"}:
        return (
            "The demo's OKRs are made up in memory: there is no file to write to. Point an "
            "okr-file source at your team's OKR file (docs/okrs.md) to check in from here."
        )
    return (
        "The OKR file is read from a URL, which the cockpit never writes to. Add the check-in "
        "to the file where the team keeps it, or point the source's path at a local checkout: "
        "then c here and `cockpit okr check-in` write to it."
    )


class OkrScreen(AreaScreen):
    TABS = TABS
    TAB_TITLES = TAB_TITLES

    DEFAULT_CSS = """
    OkrScreen {
        layout: vertical;
    }
    OkrScreen > .okr-line {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    OkrScreen > TabbedContent {
        height: 1fr;
    }
    OkrScreen .tab-body {
        height: 1fr;
    }
    OkrScreen OkrTable {
        height: 45%;
        min-height: 4;
    }
    OkrScreen .okr-below {
        height: 1fr;
    }
    OkrScreen .okr-chart-box {
        width: 1fr;
        height: 1fr;
    }
    OkrScreen .okr-legend {
        height: auto;
        max-height: 2;
        padding: 0 1;
    }
    OkrScreen .okr-detail-box {
        width: 46%;
        height: 1fr;
        padding: 0 1;
        border-left: vkey $foreground 20%;
    }
    OkrScreen .okr-detail {
        height: auto;
    }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="okrs.back"),
        Binding("c", "check_in", "Check in", id="okrs.check_in"),
        Binding("1", "show_tab('krs')", "Key results", id="okrs.tab_krs"),
        Binding("2", "show_tab('kpis')", "KPIs", id="okrs.tab_kpis"),
    ]

    def __init__(self, initial: Dashboard | None = None, *, tab: str = "krs") -> None:
        super().__init__("okrs", initial, tab)
        self.dashboard: Dashboard | None = None
        self.summary: OkrSummary | None = None
        self.rows: tuple[KrRow, ...] = ()
        self._fed: object = _UNSET
        self._age: PanelAge | None = None
        self._chart_timers: dict[str, Timer] = {}  # a chart waiting for the cursor to rest

    # --- composing --------------------------------------------------------------------

    def compose_header(self) -> ComposeResult:
        yield Static(id="okr-header", classes="okr-line")

    def _tab_body(self, tab: str) -> list[Widget]:
        from widgets.okr_chart import OkrHistoryChart

        kind = "kr" if tab == "krs" else "kpi"
        return [
            Vertical(
                OkrTable(id=f"{kind}-table"),
                Horizontal(
                    Vertical(
                        OkrHistoryChart(id=f"{kind}-chart"),
                        Static(id=f"{kind}-legend", classes="okr-legend"),
                        classes="okr-chart-box",
                    ),
                    VerticalScroll(
                        Static(id=f"{kind}-detail", classes="okr-detail"),
                        can_focus=False,
                        classes="okr-detail-box",
                    ),
                    classes="okr-below",
                ),
                classes="tab-body",
            )
        ]

    # --- feeding ----------------------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        self.dashboard = dashboard
        self._age = panel_age(dashboard, "okrs")
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
        summary = dashboard.okrs
        # The same summary again (the repaint after opening, an age tick): only the age moves.
        if summary is self._fed or (self._fed is not _UNSET and summary == self._fed):
            if self._ready:
                self._show_header()
            return
        self._fed = summary
        self.summary = summary
        self.rows = kr_rows(summary)
        self.feeds += 1
        if not self._ready:
            return
        self._show_header()
        for tab in self.built:
            self._feed(tab)

    def kpis(self) -> tuple[KpiView, ...]:
        return self.summary.kpis if self.summary is not None else ()

    def _feed(self, tab: str) -> None:
        kind = "kr" if tab == "krs" else "kpi"
        table = self.query_one(f"#{kind}-table", OkrTable)
        chosen = table.current() if table.model is not None else None
        if self.summary is None:
            table.model, table.view = None, ()
            table.placeholder = "No OKR data yet. cockpit doctor shows which sources feed it."
            table.refresh()
        else:
            model = kr_model(self.rows) if tab == "krs" else kpi_model(self.kpis())
            table.set_model(model)
            # A new summary (a sync, a check-in): the cursor stays on its key result.
            if chosen is not None:
                wanted = chosen.kr.id if isinstance(chosen, KrRow) else chosen.id
                for position, row in enumerate(table.view):
                    item = model.rows[row]
                    if (item.kr.id if isinstance(item, KrRow) else item.id) == wanted:
                        table.move_to(position)
                        break
        self._show_chosen(tab)

    def chosen_row(self) -> KrRow | None:
        if "krs" not in self.built:
            return None
        row = self.query_one("#kr-table", OkrTable).current()
        return row if isinstance(row, KrRow) else None

    def chosen_kpi(self) -> KpiView | None:
        if "kpis" not in self.built:
            return None
        kpi = self.query_one("#kpi-table", OkrTable).current()
        return kpi if isinstance(kpi, KpiView) else None

    def _show_chosen(self, tab: str, *, chart_later: bool = False) -> None:
        """The chart and the words beside it follow the row under the cursor. Moving the
        cursor (`chart_later`) draws the words at once and the chart once the cursor rests:
        drawing a chart costs tens of milliseconds, and a held key must not pay it per row."""
        from widgets.okr_chart import OkrHistoryChart, chart_legend, kpi_chart, kr_chart
        from widgets.okr_detail import kpi_detail, kr_detail

        timer = self._chart_timers.pop(tab, None)
        if timer is not None:
            timer.stop()

        dashboard = self.dashboard
        now = dashboard.now if dashboard is not None else None
        zone = dashboard.lead_zone if dashboard is not None else "UTC"
        today = now.date() if now is not None else None
        if tab == "krs":
            row = self.chosen_row()
            chart = kr_chart(row.kr, row.objective, now) if row and now else None
            detail = kr_detail(row, zone=zone, today=today)
            kind = "kr"
        else:
            kpi = self.chosen_kpi()
            chart = kpi_chart(kpi, now) if kpi and now else None
            detail = kpi_detail(kpi, zone=zone, today=today)
            kind = "kpi"
        if self.summary is None:
            detail = line(("Nothing to show yet.", MUTED))
        self.query_one(f"#{kind}-detail", Static).update(detail)

        def draw() -> None:
            self._chart_timers.pop(tab, None)
            self.query_one(f"#{kind}-chart", OkrHistoryChart).chart = chart
            self.query_one(f"#{kind}-legend", Static).update(chart_legend(chart))

        if chart_later:
            self._chart_timers[tab] = self.set_timer(CHART_DELAY, draw, name=f"{kind}-chart")
        else:
            draw()

    def on_okr_table_moved(self, event: OkrTable.Moved) -> None:
        event.stop()
        tab = "krs" if event.table.id == "kr-table" else "kpis"
        self._show_chosen(tab, chart_later=True)

    def on_cost_table_sorted(self, event: OkrTable.Sorted) -> None:
        event.stop()

    # --- header -----------------------------------------------------------------------

    def _show_header(self) -> None:
        parts: list[Part] = [("OKRs", "bold")]
        s = self.summary
        if s is not None:
            krs = len(self.rows)
            parts += [
                "  ",
                (s.period, "bold"),
                (f" · {s.elapsed:.0%} of the period gone · {plural(s.days_left, 'day')} left",
                 MUTED),
                (f" · {plural(krs, 'key result')}", MUTED),
            ]  # fmt: skip
            if s.at_risk:
                parts += [(" · ", MUTED), (f"{s.at_risk} at risk or off track", "$text-warning")]
            if s.stale:
                parts += [(" · ", MUTED), (f"{s.stale} stale", "$text-warning")]
            if s.broken:
                parts += [(" · ", MUTED), (f"{s.broken} broken", "$text-error")]
        else:
            parts.append(("  no OKR data yet", MUTED))
        age = self._age
        if age is not None:
            style = {"fresh": "$text-success", "failed": "$text-error"}.get(
                age.state, "$text-warning"
            )
            parts += [("   ", ""), (age.label, style)]
        self.query_one("#okr-header", Static).update(line(*parts))

    # --- actions ----------------------------------------------------------------------

    def _active_tab(self) -> str:
        tabs = self.query(TabbedContent)
        return tabs.first().active if tabs else self.initial_tab

    def action_check_in(self) -> None:
        """The form for the key result (or KPI) under the cursor."""
        from widgets.okr_checkin import CheckInScreen, kpi_target, kr_target

        if self._active_tab() == "kpis":
            kpi = self.chosen_kpi()
            target = kpi_target(kpi) if kpi is not None else None
        else:
            row = self.chosen_row()
            target = kr_target(row) if row is not None else None
        if target is None:
            self.notify("Nothing to check in here.", timeout=4)
            return
        path = self.summary.path if self.summary is not None else ""
        self.app.push_screen(CheckInScreen(target, path, why_not_writable(self.dashboard)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def _focus_tab(self) -> None:
        active = self.query_one(TabbedContent).active
        if active not in self.built:
            return
        table = self.query_one(f"#{'kr' if active == 'krs' else 'kpi'}-table", OkrTable)
        if self.focused is not table:
            table.focus()
