"""The OKR panel on hand-built summaries (no analytics involved): pixel snapshots at the sizes
the dashboard gives it, and what its rows say.

The samples are the quarter as the analytics would summarise it on the frozen clock (Monday
23 November 2026, 59% of 2026-Q4 gone, 38 days left): an objective in each status, key results
bound to MLflow, W&B, Jira, cost and the status figures, manual ones with check-ins, a broken
binding, stale key results, and KPIs in and out of their bands.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrSummary
from tests.conftest import FROZEN_NOW
from widgets.okr_panel import (
    NARROW_FROM,
    PACE_MARK,
    OkrPanel,
    allot,
    band_text,
    pace_bar,
    pick_krs,
)
from widgets.panel import PanelAge

Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)
ELAPSED = ((FROZEN_NOW.date() - Q4_START).days + 1) / ((Q4_END - Q4_START).days + 1)  # 0.59
DAYS_LEFT = (Q4_END - FROZEN_NOW.date()).days  # 38


def kr(
    kr_id: str,
    title: str,
    baseline: float,
    target: float,
    current: float | None,
    *,
    unit: str = "",
    status: str = "on track",
    origin: str = "manual",
    direction: str = "",
    band: tuple[float, float] | None = None,
    progress: float | None = None,
    trend: str = "",
    improving: bool | None = None,
    stale: bool = False,
    error: str = "",
    binding: str = "",
) -> KrView:
    if progress is None:
        span = target - baseline
        done = 0.0 if current is None or span == 0 else (current - baseline) / span
        progress = min(max(done, 0.0), 1.0)
    return KrView(
        id=kr_id,
        title=title,
        owner="",
        unit=unit,
        direction=direction or ("increase" if target >= baseline else "decrease"),
        baseline=baseline,
        target=target,
        band_low=band[0] if band else None,
        band_high=band[1] if band else None,
        weight=1.0,
        current=current,
        progress=progress,
        expected=ELAPSED,
        status=status,
        origin=origin,
        binding=binding,
        error=error,
        trend=trend,
        improving=improving,
        stale=stale,
    )


def objective(
    obj_id: str,
    title: str,
    status: str,
    krs: tuple[KrView, ...],
    *,
    owner: str = "",
    period: tuple[date, date] = (Q4_START, Q4_END),
) -> ObjectiveView:
    # As the analytics weigh it: key results without a value are left out and counted.
    measured = [k for k in krs if k.current is not None]
    progress = sum(k.progress for k in measured) / len(measured) if measured else 0.0
    start, end = period
    expected = ((FROZEN_NOW.date() - start).days + 1) / ((end - start).days + 1)
    return ObjectiveView(
        id=obj_id,
        title=title,
        owner=owner,
        period="2026-Q4" if period == (Q4_START, Q4_END) else f"{start} – {end}",
        start=start,
        end=end,
        progress=progress,
        expected=expected,
        status=status,
        key_results=krs,
        unmeasured=len(krs) - len(measured),
    )


def kpi(
    kpi_id: str,
    title: str,
    current: float | None,
    band: tuple[float, float],
    *,
    unit: str = "",
    origin: str = "status",
    trend: str = "",
    stale: bool = False,
    error: str = "",
) -> KpiView:
    in_band = None if current is None else band[0] <= current <= band[1]
    return KpiView(
        id=kpi_id,
        title=title,
        owner="",
        unit=unit,
        current=current,
        band_low=band[0],
        band_high=band[1],
        in_band=in_band,
        origin=origin,
        error=error,
        trend=trend,
        stale=stale,
    )


OWN_PERIOD = (date(2026, 11, 1), date(2026, 11, 30))  # 23 of 30 days gone: pace 77%
BROKEN_REASON = (
    "no experiment named 'fraud-gbt' in mlflow; the experiments it has are fraud-gbdt, "
    "ranker-v3 and asr-finetune"
)


def objectives() -> tuple[ObjectiveView, ...]:
    """One objective in each status, six in all."""
    return (
        objective(
            "O1",
            "Ship ranker v3 to all search traffic",
            "on track",
            (
                kr("KR1", "Online NDCG@10", 0.412, 0.46, 0.442, origin="mlflow", trend="up",
                   improving=True),
                kr("KR2", "p95 ranking latency", 180, 120, 147, unit="ms", origin="status",
                   trend="down", improving=True),
                kr("KR3", "Search traffic served by ranker v3", 0, 100, 57, unit="%",
                   stale=True, trend="flat"),
            ),
            owner="Priya",
        ),
        objective(
            "O2",
            "Make model training cheap and boring",
            "done",
            (
                kr("KR4", "GPU cost per training run", 304, 280, 276, unit="USD", origin="cost",
                   status="done", trend="down", improving=True),
                kr("KR5", "Training job success rate", 82, 97, 97.4, unit="%", origin="status",
                   status="done", trend="up", improving=True),
            ),
        ),
        objective(
            "O3",
            "Better speech and fraud models in production",
            "at risk",
            (
                kr("KR6", "Call-centre WER", 15.2, 10, 13.5, unit="%", origin="wandb",
                   status="at risk", trend="down", improving=True),
                kr("KR7", "Fraud model AUC", 0.928, 0.955, None, origin="mlflow",
                   status="broken", error=BROKEN_REASON),
                kr("KR8", "Newly labelled call-centre utterances", 0, 50_000, 17_325,
                   unit="utterances", status="at risk", stale=True, trend="flat"),
            ),
        ),
        objective(
            "O4",
            "Cut the P1 bug queue",
            "off track",
            (
                kr("KR9", "Open P1 bugs", 14, 0, 12, origin="jira", status="off track",
                   trend="up", improving=False),
            ),
            period=OWN_PERIOD,
        ),
        objective(
            "O5",
            "Adopt the feature store",
            "no data",
            (kr("KR10", "Teams reading features from the store", 0, 4, None,
                status="no data"),),
        ),
        objective(
            "O6",
            "Promote models through the registry",
            "broken",
            (
                kr("KR11", "Model versions promoted to champion", 0, 3, None, origin="model",
                   status="broken", error="model registry 'prod' is not configured"),
            ),
        ),
    )  # fmt: skip


def kpis() -> tuple[KpiView, ...]:
    return (
        kpi("K1", "p95 latency", 118, (100, 150), unit="ms", trend="flat"),
        kpi("K2", "Error rate", 0.4, (0, 0.25), unit="%", trend="up"),
        kpi("K3", "Labelling backlog", 1_200, (0, 5_000), unit="items", origin="jira",
            stale=True),
    )  # fmt: skip


def quarter(**changes: object) -> OkrSummary:
    fields = {
        "period": "2026-Q4",
        "elapsed": ELAPSED,
        "days_left": DAYS_LEFT,
        "objectives": objectives(),
        "kpis": kpis(),
        "at_risk": 3,
        "stale": 2,
        "broken": 2,
        "path": "okrs.toml",
    }
    fields.update(changes)
    return OkrSummary(**fields)  # type: ignore[arg-type]


def many_krs(count: int = 14) -> OkrSummary:
    """One objective with more key results than a panel holds; the 12th is broken."""
    krs = tuple(
        kr(f"KR{n}", f"Key result {n:02d}", 0, 10, n % 10, unit="h",
           status="broken" if n == 12 else "on track",
           error="no source named 'mlflow-eu' in the config" if n == 12 else "",
           origin="mlflow" if n == 12 else "manual")
        for n in range(1, count + 1)
    )  # fmt: skip
    return quarter(
        objectives=(objective("O1", "Ship many things", "on track", krs),),
        kpis=(),
        at_risk=0,
        stale=0,
        broken=1,
    )


class PanelHost(App[None]):
    """The panel alone, fed as the dashboard feeds it."""

    def __init__(self, summary: OkrSummary | None, *, detailed: bool = False) -> None:
        super().__init__()
        self.summary = summary
        self.detailed = detailed

    def compose(self) -> ComposeResult:
        panel = OkrPanel(detailed=self.detailed)
        panel.summary = self.summary
        panel.age = PanelAge("fresh", "1m", "okrs, mlflow, jira")
        yield panel


def _panel(summary: OkrSummary | None, *, detailed: bool = False) -> OkrPanel:
    panel = OkrPanel(detailed=detailed)
    panel.set_reactive(OkrPanel.summary, summary)
    return panel


def _rows(summary: OkrSummary | None, width: int, height: int) -> list[str]:
    return [row.plain for row in _panel(summary).render_body(width, height)]


# The dashboard gives the panel about 48×21 at 160×48 (three columns; add 4 columns and 2
# lines for the border and padding), 56×9 at 120×36, and 36×5 at 80×24.


def test_panel_wide(snap_compare) -> None:
    """Room for everything: six objectives with their pace markers, every key result with its
    figures, trend and source, the broken bindings' reasons, and a row per KPI."""
    assert snap_compare(PanelHost(quarter()), terminal_size=(72, 30))


def test_panel_dashboard_size(snap_compare) -> None:
    """The three-column dashboard's panel: counts on a line of their own, the key results that
    need a look first, each cut list saying how many it hides, the KPIs on one line."""
    assert snap_compare(PanelHost(quarter()), terminal_size=(52, 23))


def test_panel_narrow(snap_compare) -> None:
    """An 80×24 terminal: one row per objective with a short bar and its pace marker."""
    assert snap_compare(PanelHost(quarter()), terminal_size=(40, 9))


def test_panel_many_key_results(snap_compare) -> None:
    """Fourteen key results in eleven rows: the broken one is kept, "+N more" counts the rest."""
    assert snap_compare(PanelHost(many_krs()), terminal_size=(64, 13))


def test_panel_detailed(snap_compare) -> None:
    """The panel on its own screen: every key result, broken bindings' whole reasons wrapped
    under them, every KPI on its row."""
    assert snap_compare(PanelHost(quarter(), detailed=True), terminal_size=(64, 35))


# --- what the rows say ---------------------------------------------------------------------


def _row(rows: list[str], text: str) -> str:
    return next(r for r in rows if text in r)


def test_header_says_the_period_the_pace_and_what_needs_a_look() -> None:
    assert _rows(quarter(), 68, 36)[0] == (
        "2026-Q4 · 59% gone · 38 days left · 3 at risk · 2 stale · 2 broken"
    )
    # Narrower: the counts take a line of their own when there is a row for it ...
    assert _rows(quarter(), 48, 21)[:2] == [
        "2026-Q4 · 59% of the period gone · 38 days left",
        "3 at risk · 2 stale · 2 broken",
    ]
    # ... and go first when there is not: they are what a lead acts on.
    assert _rows(quarter(), 36, 7)[0] == "3 at risk · 2 stale · 2 broken"
    calm = quarter(at_risk=0, stale=0, broken=0)
    assert _rows(calm, 68, 36)[0] == "2026-Q4 · 59% of the period gone · 38 days left"
    assert _rows(quarter(days_left=0, elapsed=1.0), 68, 36)[0].startswith(
        "2026-Q4 · 100% gone · period over · 3 at risk"
    )


def test_the_pace_marker_sits_where_the_objective_should_be() -> None:
    parts = pace_bar(0.3, 0.6, 20, "$warning")
    text = "".join(p if isinstance(p, str) else p[0] for p in parts)
    assert text == "██████" + "░" * 6 + PACE_MARK + "░" * 7
    ahead = "".join(p[0] for p in pace_bar(0.9, 0.6, 20, "$success"))  # type: ignore[misc]
    assert ahead == "█" * 12 + PACE_MARK + "█" * 5 + "░░"
    assert "".join(p[0] for p in pace_bar(1.0, 1.0, 10, "$success")) == "█" * 9 + PACE_MARK  # type: ignore[misc]
    rows = _rows(quarter(), 68, 36)
    bar = _row(rows, "on track")
    assert bar.index(PACE_MARK) == int(ELAPSED * bar.index(" "))
    # Every bar of the panel is as long: the markers of one pace line up.
    bars = [r for r in rows if PACE_MARK in r]
    assert len({b.index(PACE_MARK) for b in bars if "(pace" not in b}) == 1


def test_an_objective_with_its_own_period_says_its_pace() -> None:
    rows = _rows(quarter(), 68, 36)
    assert _row(rows, "off track").endswith("14% (pace 77%) off track")
    assert sum("(pace" in r for r in rows) == 1  # the others keep the header's pace


def test_key_results_show_figures_trend_source_and_staleness() -> None:
    rows = _rows(quarter(), 68, 36)
    assert _row(rows, "Online NDCG@10").endswith(" 0.442 → 0.46 ▲ mlf ")
    assert _row(rows, "p95 ranking latency").endswith(" 147 ms → 120 ms ▼ stat")
    assert _row(rows, "Search traffic").endswith(" stale 57% → 100% ▶ ✎   ")
    assert _row(rows, "GPU cost").endswith(" $276 → $280 ▼ $   ")
    assert _row(rows, "Call-centre WER").endswith(" 13.5% → 10% ▼ W&B ")
    assert _row(rows, "Open P1 bugs").endswith(" 12 → 0 ▲ jira")
    assert _row(rows, "Teams reading").endswith(" — → 4   ✎   ")
    # A long unit is written once when the title would be squeezed.
    assert "stale 17,325 → 50,000 utterances ▶" in _row(rows, "Newly labelled")
    marks = {r.split()[0] for r in rows if r.startswith("  ") and "KPI" not in r}
    assert {"●", "✓", "◐", "○", "?", "✗"} <= marks


def test_trend_arrows_are_coloured_by_whether_the_value_moves_the_right_way() -> None:
    rows = {r.plain: r for r in _panel(quarter()).render_body(68, 36)}

    def arrow_style(title: str) -> str:
        row = rows[_row(list(rows), title)]
        start = row.plain.rindex(next(a for a in "▲▼▶" if a in row.plain))
        return next(str(s.style) for s in row.spans if s.start <= start < s.end)

    assert arrow_style("p95 ranking latency") == "$success"  # down, and down is good
    assert arrow_style("Open P1 bugs") == "$error"  # more open bugs
    assert arrow_style("Search traffic") == "$foreground-muted"  # flat


def test_a_broken_binding_shows_its_reason_on_the_key_result() -> None:
    rows = _rows(quarter(), 68, 36)
    broken = _row(rows, "Fraud model AUC")
    assert broken.startswith("  ✗ Fraud model AUC: no experiment named 'fraud-gbt' in mlflow")
    assert broken.endswith("… mlf ")  # clipped to the row, its source kept
    detailed = [r.plain for r in _panel(quarter(), detailed=True).render_body(64, 10)]
    under = detailed[detailed.index(_row(detailed, "Fraud model AUC")) + 1 :]
    whole = " ".join(r.strip() for r in under[:3])
    assert BROKEN_REASON in whole


def test_cut_lists_say_how_many_they_hide() -> None:
    summary = many_krs(14)
    for height in range(5, 18):
        rows = _rows(summary, 64, height)
        assert len(rows) <= height
        listed = sum(r.startswith("  ●") or r.startswith("  ✗") for r in rows)
        more = [r for r in rows if " more key result" in r]
        hidden = int(more[0].split("+")[1].split()[0]) if more else 0
        assert listed + hidden == 14, (height, rows)
        assert any("Key result 12" in r for r in rows), height  # the broken one stays
    assert not any(" more" in r for r in _rows(summary, 64, 40))


def test_no_key_result_disappears_without_a_word() -> None:
    summary = quarter()
    total = sum(len(o.key_results) for o in summary.objectives)
    for width in (NARROW_FROM, 48, 56, 68):
        for height in range(14, 40):
            rows = _rows(summary, width, height)
            if not any("█" * 11 in r or "░" * 11 in r for r in rows):
                continue  # one row per objective: the key results are behind Enter
            kpis = next((i for i, r in enumerate(rows) if r.startswith("KPIs")), len(rows))
            listed = sum(r.startswith("  ") and r[2] in "●✓◐○?✗" for r in rows[:kpis])
            hidden = sum(int(r.split("+")[1].split()[0]) for r in rows if " more key result" in r)
            assert listed + hidden == total, (width, height)


def test_every_row_fits_the_panel() -> None:
    for summary in (quarter(), many_krs(), quarter(kpis=()), quarter(objectives=())):
        for width in (12, 20, 36, 40, 48, 56, 64, 90):
            for height in (1, 2, 5, 7, 9, 12, 21, 30, 50):
                rows = _panel(summary).render_body(width, height)
                assert len(rows) <= height, (width, height)
                assert all(r.cell_length <= width for r in rows), (width, height)


def test_narrow_panels_give_each_objective_a_row_and_count_the_rest() -> None:
    rows = _rows(quarter(), 36, 5)
    assert rows[1].startswith("█████┃░░░░  58% Ship ranker")
    assert rows[-1] == "+3 more objectives, 3 KPIs · enter …"  # the KPIs are not left out
    assert _rows(quarter(kpis=()), 36, 5)[-1] == "+3 more objectives · enter shows all"
    # Every objective fits but the KPI line does not: one objective makes room to say so.
    assert _rows(quarter(), 36, 7)[-1] == "+1 more objective, 3 KPIs · enter s…"
    assert len(_rows(quarter(kpis=()), 36, 7)) == 7  # no KPIs: every objective has a row
    assert _rows(quarter(), 56, 9)[-1] == "KPIs: p95 latency 118 ms ✓ · Error rate 0.4% ✗ · +1 more"


def test_kpis_say_whether_they_are_in_their_band() -> None:
    rows = _rows(quarter(), 68, 36)
    assert _row(rows, "KPIs") == "KPIs · 1 out of band"
    assert _row(rows, "p95 latency").endswith(" 118 ms band 100–150 ms ▶ stat")
    assert _row(rows, "Error rate").startswith("  ✗ Error rate")
    assert "stale 1,200 items band 0–5,000 items" in _row(rows, "Labelling backlog")
    assert _rows(quarter(objectives=()), 90, 3)[-1] == (
        "KPIs: p95 latency 118 ms ✓ · Error rate 0.4% ✗ · Labelling backlog 1,200 items ✓ stale"
    )
    assert _rows(quarter(objectives=()), 120, 3)[-1] == (
        "KPIs: p95 latency 118 ms ✓ in band · Error rate 0.4% ✗ above band · "
        "Labelling backlog 1,200 items ✓ in band stale"
    )
    assert _rows(quarter(objectives=()), 20, 3)[-1] == "KPIs: 1 of 3 KPIs o…"


@pytest.mark.parametrize(
    ("low", "high", "unit", "expected"),
    [
        (100, 150, "ms", "100–150 ms"),
        (95, 99, "%", "95%–99%"),
        (250, 300, "USD", "$250–$300"),
        (0.9, 0.95, "", "0.9–0.95"),
        (None, 0.25, "%", "≤ 0.25%"),
        (10, None, "runs", "≥ 10 runs"),
    ],
)
def test_bands_are_written_with_their_units(
    low: float | None, high: float | None, unit: str, expected: str
) -> None:
    assert band_text(low, high, unit) == expected


def test_cut_lists_keep_the_key_results_that_need_a_look() -> None:
    krs = objectives()[2].key_results + objectives()[0].key_results  # at risk, broken, ...
    assert [k.id for k in pick_krs(krs, 2)] == ["KR6", "KR7"]  # broken, then at risk (in order)
    assert [k.id for k in pick_krs(krs, 3)] == ["KR6", "KR7", "KR8"]
    assert pick_krs(krs, 10) == list(krs)


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8),
    budget=st.integers(min_value=0, max_value=60),
)
def test_allot_never_takes_more_rows_than_it_has(sizes: list[int], budget: int) -> None:
    shown = allot(sizes, budget)
    assert all(0 <= s <= n for s, n in zip(shown, sizes, strict=True))
    rows = sum(s + (1 if 0 < s < n else 0) for s, n in zip(shown, sizes, strict=True))
    rows += 1 if any(s == 0 < n for s, n in zip(shown, sizes, strict=True)) else 0
    assert rows <= budget or shown == [0] * len(sizes)
    if sum(sizes) <= budget:
        assert shown == sizes


def test_titles_and_reasons_are_plain_text() -> None:
    hostile = "[bold red]Ship[/] \\[x] \x1b[2J\x1b]0;pwned\x07 it"
    rtl = "שיפור מודל ההונאה"
    long = "Reduce " + "very " * 40 + "long titles"
    summary = quarter(
        period="[blink]Q4[/]",
        objectives=(
            objective(
                "O1",
                hostile,
                "at risk",
                (
                    kr("KR1", rtl, 0, 1, 0.2, status="at risk"),
                    kr("KR2", long, 0, 1, 0.5),
                    kr("KR3", "[link=http://x]AUC[/]", 0, 1, None, status="broken",
                       error="no run named '[red]x[/]' \x1b[31m"),
                ),
            ),
        ),
        kpis=(kpi("K1", "[i]p95[/]", 118, (100, 150), unit="[ms]"),),
    )  # fmt: skip
    for width, height in ((68, 12), (40, 12), (36, 4)):
        panel = _panel(summary)
        rows = panel.render_body(width, height)
        text = "\n".join(r.plain for r in rows)
        assert "\x1b" not in text and "\x07" not in text
        assert "[blink]Q4[/]" in text or width < 40
        assert all(r.cell_length <= width for r in rows)
        styles = {str(span.style) for row in rows for span in row.spans}
        assert all(s.startswith(("$", "bold")) for s in styles), styles
    text = "\n".join(_rows(summary, 68, 12))
    assert "[bold red]Ship[/] \\[x]  it" in text
    assert rtl in text
    assert "[link=http://x]AUC[/]: no run named '[red]x[/]'" in text
    assert "[i]p95[/] " in text and " 118 [ms] band 100–150 [ms]" in text
    assert "Reduce very very" in text and "long titles" not in text  # clipped, not wrapped


def test_no_summary_draws_nothing() -> None:
    assert _rows(None, 60, 10) == []
