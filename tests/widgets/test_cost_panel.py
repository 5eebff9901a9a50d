"""The Cost panel on hand-built view-models (tests/widgets/test_cost_sample.py): pixel
snapshots of each budget state at the sizes the dashboard gives the panel, and what its rows
say at any size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from cockpit.analytics.cost_views import CostSummary
from tests.widgets.test_cost_sample import sample_summary
from widgets.cost_panel import CostPanel, allot, gauge, level_style, list_block, sparkline
from widgets.panel import PanelAge, line


class PanelHost(App[None]):
    """The panel alone, fed as the dashboard feeds it."""

    def __init__(self, summary: CostSummary | None) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        panel = CostPanel()
        panel.summary = self.summary
        panel.age = PanelAge("fresh", "4m", "focus, aws")
        yield panel


# The dashboard gives the panel 36×5 at 80×24, 56×9 at 120×36 and 48×21 at 160×48 (inside
# the border and padding: add 4 columns and 2 lines).


def test_panel_budget_ok(snap_compare) -> None:
    """62% spent: a green gauge, the forecast under the budget, one anomaly."""
    assert snap_compare(PanelHost(sample_summary("ok")), terminal_size=(60, 11))


def test_panel_budget_warning(snap_compare) -> None:
    """85% spent: past the 80% tick, a yellow gauge, and the forecast past the budget."""
    assert snap_compare(PanelHost(sample_summary("warning")), terminal_size=(60, 11))


def test_panel_budget_over(snap_compare) -> None:
    """Over: red gauges with the 100% tick inside them, AWS's own budget beside ours, a
    quarterly one, the alerts, and the services cut with "+N more"."""
    assert snap_compare(PanelHost(sample_summary("over")), terminal_size=(52, 23))


def test_panel_mixed_currencies(snap_compare) -> None:
    """Spend in euros is flagged beside the dollars, never added to them."""
    assert snap_compare(PanelHost(sample_summary("ok", mixed=True)), terminal_size=(60, 11))


def test_panel_without_budget(snap_compare) -> None:
    """No budget: month to date, the forecast's range, the chart and the services."""
    assert snap_compare(PanelHost(sample_summary("none")), terminal_size=(66, 29))


def test_panel_at_80x24(snap_compare) -> None:
    """The smallest dashboard: five lines, every list that is cut says by how many."""
    assert snap_compare(PanelHost(sample_summary("over", mixed=True)), terminal_size=(40, 7))


# --- what the rows say (text, any size) --------------------------------------------------


def _rows(summary: CostSummary, width: int, height: int) -> list[str]:
    panel = CostPanel()
    panel.set_reactive(CostPanel.summary, summary)
    return [row.plain for row in panel.render_body(width, height)]


def test_headline_says_month_to_date_and_the_cost_column() -> None:
    rows = _rows(sample_summary("ok"), 60, 10)
    assert rows[0] == "$38,456 month to date · Nov 2026 · EffectiveCost"


def test_forecast_shows_its_range_and_share_of_the_budget() -> None:
    rows = _rows(sample_summary("ok"), 60, 10)
    assert "Forecast $52.1k (50.5k–53.7k) 84% of budget" in rows
    # Without a budget, the range alone.
    assert "Forecast $52.1k (50.5k–53.7k)" in _rows(sample_summary("none"), 60, 10)


def test_gauges_show_spent_against_each_budget() -> None:
    rows = _rows(sample_summary("over"), 60, 30)
    cloud = next(r for r in rows if r.startswith("Cloud"))
    assert cloud.endswith(" 104% $38.5k/$37.0k →141%")
    aws = next(r for r in rows if r.startswith("aws-monthly"))
    assert " 93% $27.9k/$30.0k" in aws
    quarter = next(r for r in rows if r.startswith("Research Q4"))
    assert "2026-Q4" in quarter  # not a month: the period is named


def test_mixed_currencies_are_flagged_not_added() -> None:
    rows = _rows(sample_summary("ok", mixed=True), 60, 10)
    assert rows[0].startswith("$38,456 month to date")
    assert rows[1] == "≠ also €1.2k in EUR"
    # Even in the smallest panel the other currency is said.
    assert "≠ also €1.2k in EUR" in _rows(sample_summary("over", mixed=True), 36, 5)


def test_cut_lists_say_how_many_more() -> None:
    summary = sample_summary("over")  # 4 budgets, 4 alerts, 10 services
    rows = _rows(summary, 48, 21)
    more = next(r for r in rows if r.endswith(" more services · enter shows all"))
    hidden = int(more.split()[0].lstrip("+"))
    shown = [r for r in rows if r.startswith("  ")]
    assert 0 < len(shown) < 10 and len(shown) + hidden == 10
    tiny = _rows(summary, 36, 5)
    budget_row = next(r for r in tiny if r.startswith("Cloud"))
    assert budget_row.endswith("+3 more")  # one of four budgets drawn
    alert_row = next(r for r in tiny if r.startswith("▲"))
    assert alert_row.endswith("+3 more")  # one of four alerts drawn
    # One more row goes to the budgets first: one drawn, and the rest counted.
    assert "+3 more budgets · enter shows all" in _rows(summary, 48, 6)


def test_service_names_are_plain_text() -> None:
    rows = _rows(sample_summary("none"), 62, 27)
    assert any(r.endswith("[bold]Support[/] (Business)") for r in rows)


def test_no_summary_draws_nothing() -> None:
    assert _rows(None, 60, 10) == []  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    state=st.sampled_from(["ok", "warning", "over", "none"]),
    mixed=st.booleans(),
    width=st.integers(min_value=20, max_value=120),
    height=st.integers(min_value=1, max_value=40),
)
def test_every_row_fits_the_panel(state: str, mixed: bool, width: int, height: int) -> None:
    rows = _rows(sample_summary(state, mixed=mixed), width, height)
    assert len(rows) <= height
    assert all(len(r) <= width for r in rows), [r for r in rows if len(r) > width]
    assert rows[0].startswith("$38,456")


# --- the pieces -------------------------------------------------------------------------


def test_gauge_colour_follows_the_highest_threshold_crossed() -> None:
    thresholds = (0.5, 0.8, 1.0)
    assert level_style(0.62, thresholds) == "$success"
    assert level_style(0.85, thresholds) == "$warning"
    assert level_style(1.04, thresholds) == "$error"
    assert level_style(0.95, (0.5, 0.9)) == "$warning"


def test_gauge_draws_thresholds_as_ticks() -> None:
    cells = "".join(text for text, _style in gauge(0.62, 20, (0.5, 0.8, 1.0), "$success"))
    assert len(cells) == 20
    assert cells.index("┃") == 10 and cells.rindex("┃") == 16  # 50% and 80%; 100% is the end
    # Over budget the bar stretches, so the 100% tick sits inside it.
    over = "".join(text for text, _style in gauge(1.25, 20, (0.5, 0.8, 1.0), "$error"))
    assert over.count("┃") == 3 and over[16] == "┃" and "░" not in over


def test_sparkline_starts_at_zero() -> None:
    assert sparkline([1.0, 2.0, 4.0]) == "▂▄█"
    assert sparkline([]) == ""


def test_allot_gives_the_important_blocks_their_rows_first() -> None:
    blocks = [
        list_block(2, 4, "budgets", lambda n, w: line(f"b{n}"), 30, more_rank=5.5),
        list_block(0, 1, "x", lambda n, w: line("head"), 30),
    ]
    assert allot(blocks, 1) == [0, 1]
    assert allot(blocks, 2) == [1, 1]
    assert allot(blocks, 9) == [4, 1]
    assert [c.plain for c in blocks[0].draw(2)] == ["b0", "+3 more budgets · enter shows all"]
    # One row for four: the first, and the count of the others.
    assert [c.plain for c in blocks[0].draw(1)] == ["b0 +3 more"]
