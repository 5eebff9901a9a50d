"""The OKR screen, clock frozen (Monday 23 Nov 2026, 09:30 UTC).

Most tests use a bare host app that shows the screen fed a hand-built dashboard: the summary
below is written out by hand (values, progress, statuses, history, check-ins), so these
pictures change only when the screen does, never with the demo or the analytics. The last
tests open the screen from the app's OKRs panel, as a user does, and write a check-in into a
real OKR file in a temporary folder.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

import cockpit.screens.okrs as okr_screen
from cockpit.analytics.freshness import Freshness, SourceState
from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrSummary
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.dashboard import AreaInputs, Dashboard
from cockpit.models import CheckIn, KrPoint
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.okrs import OkrScreen
from cockpit.text_safety import clean_record
from cockpit.workspace import open_user_workspace
from tests.conftest import FROZEN_NOW
from tests.widgets.conftest import AppFactory
from widgets.okr_chart import OkrHistoryChart, kpi_chart, kr_chart, span_ticks, value_range
from widgets.okr_checkin import CheckInRequest, CheckInScreen, FormError, read_form
from widgets.okr_table import OkrTable, gauge, kr_rows, range_text, sparkline

Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)
HOSTILE = "[bold red]Ship[/] 3 model versions \x1b]0;pwned\x07to production"
RTL = "שיפור זמן תגובה"


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def weekly(kr: str, start: float, step: float, origin: str, weeks: int = 8) -> tuple[KrPoint, ...]:
    """A value recorded every Monday of the quarter so far, moving `step` a week."""
    first = date(2026, 10, 5)
    return tuple(
        KrPoint(kr, at(first + timedelta(weeks=n), 9), round(start + step * n, 4), origin)
        for n in range(weeks)
    )


F1 = KrView(
    id="KR-1", title="Fraud model F1 from 0.86 to 0.91", owner="Maya", unit="",
    direction="increase", baseline=0.86, target=0.91, band_low=None, band_high=None,
    weight=2.0, current=0.893, progress=0.66, expected=0.58, status="on track",
    origin="mlflow", binding="metric fraud-gbdt val_f1 best",
    detail="best val_f1 in fraud-gbdt (run 3f2a91)", trend="up", improving=True,
    week_change=0.004, last_change=date(2026, 11, 20), confidence=7, confidence_trend="up",
    updated=FROZEN_NOW - timedelta(minutes=26),
    history=weekly("KR-1", 0.861, 0.0045, "mlflow"),
    checkins=(CheckIn(date(2026, 10, 14), 0.87, 5, "baseline re-run on the new split"),
              CheckIn(date(2026, 11, 11), 0.889, 7, "feature store backfill landed")),
)  # fmt: skip
GPU = KrView(
    id="KR-2", title="GPU spend per training run down 20%", owner="Ilya", unit="USD",
    direction="decrease", baseline=41.0, target=32.8, band_low=None, band_high=None,
    weight=1.0, current=37.5, progress=0.43, expected=0.58, status="at risk", origin="cost",
    binding="cost-per-run scope=tag:team=fraud window=month",
    detail="$4,125 in tag:team=fraud this month over 110 runs", trend="down", improving=True,
    week_change=-0.6, last_change=date(2026, 11, 22), updated=FROZEN_NOW - timedelta(hours=3),
    history=weekly("KR-2", 41.0, -0.5, "cost"),
)  # fmt: skip
SHIP = KrView(
    id="KR-3", title=HOSTILE, owner="Maya", unit="models", direction="increase",
    baseline=0.0, target=3.0, band_low=None, band_high=None, weight=1.0, current=None,
    progress=0.0, expected=0.58, status="broken", origin="model",
    binding="model-versions alias=champion",
    error="no model registry is synced: add an mlflow source (sources.mlflow)",
)  # fmt: skip
CARRY = KrView(
    id="KR-4", title="Carry-over down to 10% of the sprint", owner="Sam", unit="%",
    direction="decrease", baseline=30.0, target=10.0, band_low=None, band_high=None,
    weight=1.0, current=18.0, progress=0.6, expected=0.58, status="on track",
    origin="manual", trend="down", improving=True, week_change=0.0,
    last_change=date(2026, 10, 30), stale=True, confidence=4, confidence_trend="down",
    history=(KrPoint("KR-4", at(date(2026, 10, 9)), 26.0, "manual"),
             KrPoint("KR-4", at(date(2026, 10, 30)), 18.0, "manual")),
    checkins=(CheckIn(date(2026, 10, 9), 26.0, 6, "[red]two stories[/red] slipped"),
              CheckIn(date(2026, 10, 30), 18.0, 4, f"{RTL} — " + "long note " * 12)),
)  # fmt: skip
LATENCY = KrView(
    id="KR-5", title=f"p95 latency within 80–120 ms ({RTL})", owner="", unit="ms",
    direction="band", baseline=140.0, target=100.0, band_low=80.0, band_high=120.0,
    weight=1.0, current=131.0, progress=0.72, expected=1.0, status="off track",
    origin="status", binding="status serving.p95_ms", detail="serving.p95_ms in status",
    trend="up", improving=False, week_change=6.0, last_change=date(2026, 11, 23),
    updated=FROZEN_NOW - timedelta(minutes=4),
    history=weekly("KR-5", 118.0, 2.0, "status"),
)  # fmt: skip

FRAUD = ObjectiveView(
    id="O-1", title="Ship a fraud model the bank trusts", owner="Maya", period="Q4 2026",
    start=Q4_START, end=Q4_END, progress=0.59, expected=0.58, status="on track",
    key_results=(F1, GPU, SHIP), unmeasured=1,
)  # fmt: skip
SPRINT = ObjectiveView(
    id="O-2", title="Keep the sprint honest", owner="Sam", period="Q4 2026", start=Q4_START,
    end=Q4_END, progress=0.66, expected=0.58, status="on track", key_results=(CARRY, LATENCY),
)  # fmt: skip

AUC = KpiView(
    id="KPI-1", title="Holdout AUC of the champion", owner="Maya", unit="", current=0.951,
    band_low=0.93, band_high=0.97, in_band=True, origin="mlflow",
    binding="champion-metric fraud auc alias=champion", detail="auc of run 3f2a91",
    trend="up", week_change=0.002, updated=FROZEN_NOW - timedelta(minutes=26),
    history=weekly("KPI-1", 0.94, 0.0015, "mlflow"),
)  # fmt: skip
PAGES = KpiView(
    id="KPI-2", title="Pager alerts a week", owner="Sam", unit="pages", current=8.0,
    band_low=0.0, band_high=5.0, in_band=False, origin="manual", trend="up", week_change=3.0,
    history=weekly("KPI-2", 2.0, 0.8, "manual"),
)  # fmt: skip
FRESH = KpiView(
    id="KPI-3", title="Feature freshness", owner="", unit="h", current=None, band_low=None,
    band_high=6.0, in_band=None, origin="status", binding="status features.age_hours",
    error="status has no number at features.age_hours", stale=True,
)  # fmt: skip


def sample_summary(path: str = "okrs.toml") -> OkrSummary:
    """Cleaned as `load_dashboard` cleans what it returns: the escape sequence goes, the
    markup and the right-to-left text stay, to be shown as typed."""
    return clean_record(
        OkrSummary(
            period="Q4 2026", elapsed=0.58, days_left=38, objectives=(FRAUD, SPRINT),
            kpis=(AUC, PAGES, FRESH), at_risk=2, stale=1, broken=1, path=path,
        )
    )  # fmt: skip


def dashboard_with(summary: OkrSummary | None, *, kind: str = "okr-file") -> Dashboard:
    """A dashboard holding only the OKRs, read four minutes ago."""
    state = SourceState("okrs", kind, Freshness.FRESH, FROZEN_NOW - timedelta(minutes=4), 240.0)
    return Dashboard(
        now=FROZEN_NOW, offline=False, sources=(state,), areas={"okrs": AreaInputs((state,))},
        sprint=None, experiments=None, okrs=summary, cost=None, team=None,
    )  # fmt: skip


class Host(App[None]):
    """The screen alone, fed as the app feeds it; check-ins the form sends are kept and
    answered with `answer` (the app's worker is tested further down)."""

    def __init__(
        self, summary: OkrSummary | None, *, tab: str = "krs", kind: str = "okr-file"
    ) -> None:
        super().__init__()
        self.dashboard = dashboard_with(summary, kind=kind)
        self.tab = tab
        self.sent: list[CheckInRequest] = []
        self.answer: str | None = None  # None: no answer yet

    def on_mount(self) -> None:
        self.push_screen(Screen())  # what Escape goes back to
        self.push_screen(OkrScreen(self.dashboard, tab=self.tab))

    def on_check_in_screen_submitted(self, message: CheckInScreen.Submitted) -> None:
        self.sent.append(message.request)
        if self.answer is not None:
            for screen in self.screen_stack:
                if isinstance(screen, CheckInScreen):
                    screen.checkin_done(message.request, self.answer)


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for a worker's answer: generous, it only proves the answer comes."""
    for _ in range(int(seconds / 0.05)):
        if done():
            break
        await pilot.pause(0.05)
    assert done()
    await settle(pilot)


def after(*keys: str) -> Callable[[Pilot], object]:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.2)  # a chart drawn after its tab
        await settle(pilot)

    return run


def screen_of(pilot: Pilot) -> OkrScreen:
    screen = pilot.app.screen
    assert isinstance(screen, OkrScreen)
    return screen


# --- pictures ----------------------------------------------------------------------------


def test_okr_screen_key_results(snap_compare) -> None:
    """Every key result; the first one's history, pace line, check-ins and binding."""
    assert snap_compare(Host(sample_summary()), terminal_size=(140, 36), run_before=after())


def test_okr_screen_narrow(snap_compare) -> None:
    assert snap_compare(Host(sample_summary()), terminal_size=(80, 24), run_before=after())


def test_okr_screen_broken_binding_and_hostile_title(snap_compare) -> None:
    """The third key result: its binding failed, which it says in place; its title holds
    markup and an escape sequence, shown as typed (the escape removed by the dashboard)."""
    assert snap_compare(
        Host(sample_summary()), terminal_size=(140, 36), run_before=after("down", "down")
    )


def test_okr_screen_manual_key_result_with_notes(snap_compare) -> None:
    assert snap_compare(
        Host(sample_summary()), terminal_size=(140, 36), run_before=after("down", "down", "down")
    )


def test_okr_screen_band_key_result(snap_compare) -> None:
    assert snap_compare(Host(sample_summary()), terminal_size=(140, 36), run_before=after("end"))


def test_okr_screen_kpis(snap_compare) -> None:
    assert snap_compare(Host(sample_summary()), terminal_size=(140, 30), run_before=after("2"))


def test_okr_screen_without_data(snap_compare) -> None:
    assert snap_compare(Host(None), terminal_size=(100, 20), run_before=after())


def test_okr_screen_check_in_form(snap_compare) -> None:
    assert snap_compare(Host(sample_summary()), terminal_size=(120, 30), run_before=after("c"))


def test_okr_screen_check_in_refused_for_the_demo(snap_compare) -> None:
    assert snap_compare(
        Host(sample_summary(path=""), kind="demo"), terminal_size=(120, 30), run_before=after("c")
    )


# --- what is drawn -----------------------------------------------------------------------


def test_the_chart_spans_the_objective_s_period_with_its_pace() -> None:
    row = kr_rows(sample_summary())[0]
    chart = kr_chart(row.kr, row.objective, FROZEN_NOW)
    assert (chart.start, chart.days) == (Q4_START, 92)  # 1 Oct to 31 Dec, both whole
    assert chart.pace == (0.86, 0.91) and chart.band is None
    # Today: 23 Nov 09:30 is 53 days and 9.5 hours into the quarter.
    assert chart.today == pytest.approx(53 + 9.5 / 24)
    # Check-ins at noon of their day; values where they were recorded.
    assert chart.checkins == ((13.5, 0.87), (41.5, 0.889))
    assert chart.values[0] == (pytest.approx(4 + 9 / 24), 0.861)
    low, high = value_range(chart)
    assert low < 0.86 and high > 0.91


def test_a_band_key_result_draws_its_band_not_a_pace() -> None:
    row = kr_rows(sample_summary())[4]
    chart = kr_chart(row.kr, row.objective, FROZEN_NOW)
    assert chart.band == (80.0, 120.0) and chart.pace is None


def test_a_kpi_chart_reaches_back_ninety_days_or_to_its_first_value() -> None:
    chart = kpi_chart(AUC, FROZEN_NOW)
    assert chart.start == date(2026, 8, 25) and chart.band == (0.93, 0.97)
    assert chart.today == pytest.approx(90 + 9.5 / 24)
    old = msgspec.structs.replace(
        AUC, history=(KrPoint("KPI-1", at(date(2026, 5, 1)), 0.9, "mlflow"),)
    )
    assert kpi_chart(old, FROZEN_NOW).start == date(2026, 5, 1)


def test_round_ticks_between_any_two_values() -> None:
    assert span_ticks(0.855, 0.915, 6) == [0.86, 0.87, 0.88, 0.89, 0.9, 0.91]
    assert span_ticks(0.855, 0.915, 5) == [0.86, 0.88, 0.9]
    assert span_ticks(0.855, 0.915, 3) == [0.86, 0.88, 0.9]
    assert span_ticks(-3, 12, 4) == [0, 5, 10]
    assert span_ticks(1.0, 1.0) == [1.0]


def test_sparkline_and_gauge() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5], 8) == "▄▄▄"
    assert sparkline([float("nan")], 8) == ""
    assert sparkline(list(range(40)), 4) == "▁▃▆█"  # the last four
    cells = gauge(0.5, 0.75, 8)
    assert "".join(t for t, _ in cells) == "████░░│░"


def test_a_band_names_its_unit_once_unless_it_is_a_currency() -> None:
    assert range_text(80, 120, "ms") == "80–120 ms"
    assert range_text(2, 5, "%") == "2–5%"
    assert range_text(2500, 4500, "USD") == "$2,500–$4,500"
    assert range_text(0.93, 0.97, "") == "0.93–0.97"


def test_the_form_reads_what_was_typed() -> None:
    assert read_form("f.toml", "KR-1", " 0.91 ", "7", " note [b]x[/b] ") == CheckInRequest(
        "f.toml", "KR-1", 0.91, 7, "note [b]x[/b]"
    )
    assert read_form("f.toml", "KR-1", "1_200", "", "").confidence is None
    # A bound key result's check-in may leave the value to the binding: its value now.
    assert read_form("f.toml", "KR-1", " ", "6", "", default=0.893).value == 0.893
    assert read_form("f.toml", "KR-1", "0.9", "6", "", default=0.893).value == 0.9
    for value, confidence, field, words in (
        ("", "", "checkin-value", "Type the key result's value"),
        ("abc", "", "checkin-value", "'abc' is not a number"),
        ("inf", "", "checkin-value", "finite"),
        ("1", "x", "checkin-confidence", "'x' is not a whole number"),
        ("1", "11", "checkin-confidence", "from 0 to 10, not 11"),
    ):
        with pytest.raises(FormError, match=words) as caught:
            read_form("f.toml", "KR-1", value, confidence, "")
        assert caught.value.field == field
    # A pasted escape sequence does not reach the file.
    assert read_form("f.toml", "KR-1", "1", "", "ok\x1b[2Jdone").note == "okdone"


# --- keys --------------------------------------------------------------------------------


async def test_the_chart_and_the_binding_follow_the_cursor() -> None:
    async with Host(sample_summary()).run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        chart = screen.query_one("#kr-chart", OkrHistoryChart)
        detail = screen.query_one("#kr-detail")
        assert chart.chart is not None and chart.chart.pace == (0.86, 0.91)
        assert "best val_f1 in fraud-gbdt" in str(detail.render())
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.chosen_row().kr.id == "KR-3"  # type: ignore[union-attr]
        # The words follow at once; the chart once the cursor rests on the row.
        await until(pilot, lambda: chart.chart is not None and chart.chart.pace == (0.0, 3.0))
        assert chart.chart.values == ()
        text = str(detail.render())
        assert "Broken: no model registry is synced" in text
        assert "[bold red]Ship[/]" in text  # markup shown as typed
        await pilot.press("end")
        await until(pilot, lambda: chart.chart is not None and chart.chart.band is not None)
        assert chart.chart.band == (80.0, 120.0)
        assert "serving.p95_ms" in str(detail.render())


async def test_a_held_key_draws_one_chart_not_one_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Host(sample_summary()).run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        chart = screen.query_one("#kr-chart", OkrHistoryChart)
        drawn: list[object] = []
        real = chart.replot
        monkeypatch.setattr(chart, "replot", lambda: (drawn.append(chart.chart), real()))
        # The rest it waits for, long here so that a slow machine cannot make it lapse
        # between two key repeats.
        monkeypatch.setattr(okr_screen, "CHART_DELAY", 1.0)
        table = screen.query_one("#kr-table")
        for _ in range(4):  # a held key: each repeat handled before the next comes
            table.action_move(1)  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)
        assert screen.chosen_row().kr.id == "KR-5"  # type: ignore[union-attr]
        assert "serving.p95_ms" in str(screen.query_one("#kr-detail").render())  # at once
        await until(pilot, lambda: bool(drawn))
        await pilot.pause(0.2)
        assert len(drawn) == 1
        assert drawn[0] == kr_chart(LATENCY, SPRINT, FROZEN_NOW)  # the row it rests on


async def test_sorting_comes_back_to_the_file_s_order() -> None:
    async with Host(sample_summary()).run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        table = screen_of(pilot).query_one("#kr-table", OkrTable)
        assert table.sort_key == "kr" and list(table.view) == [0, 1, 2, 3, 4]
        await pilot.press("s")  # by progress, most first
        assert table.sort_key == "progress" and list(table.view) == [4, 0, 3, 1, 2]
        await pilot.press("s")  # by status, the worst first
        assert [table.model.rows[n].kr.status for n in table.view][:2] == [  # type: ignore[union-attr]
            "broken",
            "off track",
        ]
        await pilot.press("s", "s", "s")  # source, confidence, then the file's order again
        assert table.sort_key == "kr" and list(table.view) == [0, 1, 2, 3, 4]


async def test_the_kpis_tab_charts_the_kpi_under_the_cursor() -> None:
    async with Host(sample_summary()).run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.built == {"krs", "kpis"}
        chart = screen.query_one("#kpi-chart", OkrHistoryChart)
        assert chart.chart is not None and chart.chart.band == (0.93, 0.97)
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.chosen_kpi() is FRESH or screen.chosen_kpi() == clean_record(FRESH)
        assert "status has no number at features.age_hours" in str(
            screen.query_one("#kpi-detail").render()
        )
        # A KPI takes check-ins too: the form is for the one under the cursor.
        await pilot.press("up", "c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, CheckInScreen)
        assert (form.target.id, form.target.target) == ("KPI-2", "band 0–5 pages")


async def test_the_cursor_stays_on_its_key_result_when_a_sync_brings_new_values() -> None:
    async with Host(sample_summary()).run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert screen.chosen_row().kr.id == "KR-4"  # type: ignore[union-attr]
        changed = msgspec.structs.replace(CARRY, current=16.0)
        sprint = msgspec.structs.replace(SPRINT, key_results=(changed, LATENCY))
        summary = msgspec.structs.replace(sample_summary(), objectives=(FRAUD, sprint))
        screen.show(dashboard_with(summary), frozenset())
        await settle(pilot)
        row = screen.chosen_row()
        assert row is not None and row.kr.id == "KR-4" and row.kr.current == 16.0
        assert screen.feeds == 2


async def test_the_form_sends_a_check_in_and_shows_a_writer_error_in_place() -> None:
    host = Host(sample_summary(path="/team/okrs.toml"))
    host.answer = "/team/okrs.toml: no key result or KPI 'KR-1'; the ids are: KR-9"
    async with host.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, CheckInScreen)
        await pilot.press(*"abc", "enter")
        await settle(pilot)
        message = form.query_one("#checkin-message")
        assert "'abc' is not a number" in str(message.render())
        assert host.sent == []
        form.query_one("#checkin-value", Input).value = ""
        await pilot.press(*"0.9", "tab", "8", "tab", *"[b]feature store[/b]", "enter")
        await settle(pilot)
        assert host.sent == [
            CheckInRequest("/team/okrs.toml", "KR-1", 0.9, 8, "[b]feature store[/b]")
        ]
        # The writer's answer stays in the form with what was typed, ready to try again.
        assert pilot.app.screen is form
        assert "Not written: /team/okrs.toml: no key result" in str(message.render())
        assert form.query_one("#checkin-value", Input).value == "0.9"
        assert not form.query_one("#checkin-value", Input).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OkrScreen)


async def test_a_url_source_refuses_a_check_in_and_says_why() -> None:
    async with Host(sample_summary(path="")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, CheckInScreen)
        assert not form.query(Input)
        text = str(form.query_one("#checkin-message").render())
        assert "cannot be written here" in text and "read from a URL" in text
        await pilot.press("enter")  # Close
        await settle(pilot)
        assert isinstance(pilot.app.screen, OkrScreen)


async def test_escape_goes_back() -> None:
    async with Host(sample_summary()).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, OkrScreen)


# --- from the app ------------------------------------------------------------------------

OKR_FILE = """\
# Our quarter. Comments and layout stay as they are.
period = "2026-Q4"

[[objectives]]
id = "O1"
title = "Keep the sprint honest"
owner = "sam"

  [[objectives.key_results]]
  id = "KR1"
  title = "Carry-over down to 10%"
  baseline = 30
  target = 10
  unit = "%"
  direction = "decrease"

    [[objectives.key_results.checkins]]
    date = 2026-11-02
    value = 22
    confidence = 6
    note = "two stories slipped"
"""


async def file_app(tmp_path: Path) -> tuple[CockpitApp, Path]:
    """The app on a workspace whose only source is an OKR file in `tmp_path`, synced once."""
    okrs = tmp_path / "okrs.toml"
    okrs.write_text(OKR_FILE, encoding="utf-8")
    config = tmp_path / "cockpit.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\ntimezone = "Europe/Berlin"\n\n'
        f'[sources.okrs]\nkind = "okr-file"\npath = "{okrs}"\n',
        encoding="utf-8",
    )
    workspace = open_user_workspace(str(config))
    clock = FrozenClock(FROZEN_NOW)
    (outcome,) = await workspace.sync(clock)
    assert outcome.status == "ok", outcome.error
    return CockpitApp(workspace, clock, sync_on_start=False, poll=False), okrs


async def open_okrs(pilot: Pilot) -> OkrScreen:
    await settle(pilot)
    await pilot.press("3", "enter")
    await settle(pilot)
    return screen_of(pilot)


def current_of(screen: OkrScreen) -> float | None:
    row = screen.chosen_row()
    return row.kr.current if row is not None else None


async def test_a_check_in_from_the_form_lands_in_the_file_and_on_screen(tmp_path: Path) -> None:
    app, okrs = await file_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_okrs(pilot)
        assert screen.summary is not None and screen.summary.path
        assert current_of(screen) == 22
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CheckInScreen)
        await pilot.press(*"18.5", "tab", "7", "tab", *"[bold]review[/] moved", "enter")
        await until(pilot, lambda: app.screen is screen)
        # Synced again: the screen shows the new value, the cursor still on its key result.
        await until(pilot, lambda: current_of(screen) == 18.5)
        row = screen.chosen_row()
        assert row is not None and row.kr.confidence == 7
        assert row.kr.checkins[-1].note == "[bold]review[/] moved"
    text = okrs.read_text(encoding="utf-8")
    assert text.startswith(OKR_FILE)  # every byte before the new lines kept
    (kr,) = tomllib.loads(text)["objectives"][0]["key_results"]
    assert kr["checkins"][-1] == {
        "date": date(2026, 11, 23),  # the lead's today (Berlin)
        "value": 18.5,
        "confidence": 7,
        "note": "[bold]review[/] moved",
    }


async def test_the_check_in_is_written_off_the_ui_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import cockpit.okr_checkin as okr_checkin

    threads: list[str] = []
    real = okr_checkin.append_checkin

    def spy(*args: object, **kwargs: object) -> None:
        threads.append(threading.current_thread().name)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(okr_checkin, "append_checkin", spy)
    app, okrs = await file_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_okrs(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("2", "0", "enter")
        await until(pilot, lambda: current_of(screen) == 20)
    assert threads and threading.main_thread().name not in threads
    assert "value = 20" in okrs.read_text(encoding="utf-8")


async def test_a_file_that_changed_under_the_form_is_an_error_in_the_form(
    tmp_path: Path,
) -> None:
    app, okrs = await file_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_okrs(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CheckInScreen)
        # Someone renamed the key result in the file meanwhile.
        okrs.write_text(OKR_FILE.replace('"KR1"', '"KR-one"'), encoding="utf-8")
        await pilot.press("9", "enter")
        await until(pilot, lambda: form.pending is None)
        assert app.screen is form
        message = str(form.query_one("#checkin-message").render())
        assert "Not written" in message and "no key result or KPI 'KR1'" in message
        assert "KR-one" in message
        assert not app._notifications  # said in the form, not as a trace
    assert "value = 9" not in okrs.read_text(encoding="utf-8")


async def test_the_demo_refuses_a_check_in_and_q_quits(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_okrs(pilot)
        assert screen.summary is not None and screen.summary.path == ""
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CheckInScreen) and not form.query(Input)
        assert "The demo's OKRs are made up in memory" in str(
            form.query_one("#checkin-message").render()
        )
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("down", "2")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_enter_on_the_panel_opens_the_screen_and_escape_returns(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_okrs(pilot)
        assert screen.rows and screen.query_one("#kr-chart", OkrHistoryChart).chart is not None
        first = screen.chosen_row()
        await pilot.press("down")
        await settle(pilot)
        assert screen.chosen_row() != first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
