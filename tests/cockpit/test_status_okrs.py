"""OKRs in `cockpit status` and `status --json`: each key result's value against its target,
its source, trend, week change and staleness, a broken binding's reason, the KPIs against
their bands, and the counts.

Built from hand-made view-models, so these tests say what the report does with any summary
the analytics give it; the last ones run the demo end to end."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from cockpit.analytics.freshness import Freshness, SourceState
from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrSummary
from cockpit.dashboard import AreaInputs, Dashboard
from cockpit.models import CheckIn, KrPoint
from cockpit.report import STATUS_SCHEMA, status_json, status_lines

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
LABEL = " " * 14


def kr(kr_id: str = "O1.KR1", **changes: object) -> KrView:
    base = KrView(
        id=kr_id,
        title="Ranker v3 launch epic: 30 points done",
        owner="maya",
        unit="pts",
        direction="increase",
        baseline=0.0,
        target=30.0,
        band_low=None,
        band_high=None,
        weight=1.0,
        current=14.0,
        progress=14 / 30,
        expected=0.57,
        status="at risk",
        origin="jira",
        binding='kind = "jira-points", epic = "Ranker v3 launch", done_only = true',
        detail="14 points in 4 issues done in epic Ranker v3 launch",
        trend="up",
        improving=True,
        week_change=11.0,
        last_change=TODAY - timedelta(days=2),
        updated=NOW - timedelta(minutes=5),
        history=(
            KrPoint(kr_id, NOW - timedelta(days=8), 3.0, "jira"),
            KrPoint(kr_id, NOW - timedelta(days=2), 14.0, "jira"),
        ),
    )
    return msgspec.structs.replace(base, **changes)


LATENCY = kr(
    "O1.KR2",
    title="p95 ranking latency from 180 ms to 120 ms",
    owner="wei",
    unit="ms",
    direction="decrease",
    baseline=180.0,
    target=120.0,
    current=149.0,
    progress=31 / 60,
    status="on track",
    origin="manual",
    binding="",
    detail="",
    trend="down",
    week_change=-5.0,
    last_change=TODAY - timedelta(days=7),
    confidence=7,
    confidence_trend="down",
    checkins=(CheckIn(TODAY - timedelta(days=7), 149.0, 7, "Quantised towers serving 10%"),),
)
BROKEN = kr(
    "O2.KR1",
    title="Cloud spend per ranker training run from $410 to $280",
    owner="samira",
    unit="USD",
    direction="decrease",
    baseline=410.0,
    target=280.0,
    current=None,
    progress=0.0,
    status="broken",
    origin="cost",
    binding='kind = "cost-per-run", scope = "tag:team=rankng"',
    detail="",
    error="no spend matches scope tag:team=rankng: check the scope's spelling",
    trend="",
    improving=None,
    week_change=None,
    last_change=None,
    updated=None,
    history=(),
)
STALE = kr(
    "O2.KR3",
    title="Training image build time from 38 min to 10 min",
    unit="min",
    direction="decrease",
    baseline=38.0,
    target=10.0,
    current=22.0,
    progress=16 / 28,
    status="on track",
    origin="manual",
    binding="",
    detail="",
    trend="down",
    week_change=0.0,
    last_change=TODAY - timedelta(days=22),
    stale=True,
    confidence=8,
    confidence_trend="flat",
)
OFF = kr(
    "O1.KR3",
    title="Search traffic served by ranker v3 from 0% to 100%",
    unit="%",
    target=100.0,
    current=10.0,
    progress=0.1,
    status="off track",
    origin="manual",
    binding="",
    detail="",
    week_change=None,
    trend="up",
    last_change=TODAY - timedelta(days=3),
    confidence=3,
    confidence_trend="",
)


def kpi(kpi_id: str = "K1", **changes: object) -> KpiView:
    base = KpiView(
        id=kpi_id,
        title="Weekly A100 spend on Google Cloud",
        owner="samira",
        unit="USD",
        current=5494.0,
        band_low=2500.0,
        band_high=4500.0,
        in_band=False,
        origin="status",
        binding='kind = "status", path = "cost.movers.Compute Engine.this_week"',
        detail="cost.movers.Compute Engine.this_week in cockpit status --json",
        trend="up",
        week_change=1876.04,
        last_change=TODAY,
        updated=NOW,
    )
    return msgspec.structs.replace(base, **changes)


KPIS = (
    kpi(),
    kpi(
        "K2",
        title="p95 fraud-scoring latency",
        owner="wei",
        unit="ms",
        current=52.0,
        band_low=0.0,
        band_high=80.0,
        in_band=True,
        origin="manual",
        binding="",
        detail="",
        trend="down",
        week_change=-4.0,
        last_change=TODAY - timedelta(days=4),
    ),
    kpi(
        "K3",
        title="Failed-run rate this week",
        owner="lena",
        unit="",
        current=None,
        band_low=0.0,
        band_high=0.1,
        in_band=None,
        binding='kind = "status", path = "experiments.this_wek.failure_rate"',
        detail="",
        error="status has no 'this_wek' (it has: tracker, runs, this_week, last_week)",
        trend="",
        week_change=None,
        last_change=None,
        updated=None,
    ),
)


def objective(oid: str, title: str, krs: tuple[KrView, ...], **changes: object) -> ObjectiveView:
    base = ObjectiveView(
        id=oid,
        title=title,
        owner="maya",
        period="2026-Q4",
        start=date(2026, 10, 1),
        end=date(2026, 12, 31),
        progress=0.36,
        expected=0.57,
        status="off track",
        key_results=krs,
    )
    return msgspec.structs.replace(base, **changes)


def summary(**changes: object) -> OkrSummary:
    base = OkrSummary(
        period="2026-Q4",
        elapsed=0.57,
        days_left=38,
        objectives=(
            objective("O1", "Ship ranker v3 to all search traffic", (kr(), LATENCY, OFF)),
            objective(
                "O2",
                "Make model training cheap and boring",
                (BROKEN, STALE),
                progress=16 / 28,
                status="on track",
                unmeasured=1,
            ),
        ),
        kpis=KPIS,
        at_risk=2,
        stale=1,
        broken=2,
        path="/home/maya/okrs.toml",
    )
    return msgspec.structs.replace(base, **changes)


def dashboard(okrs: OkrSummary | None) -> Dashboard:
    taken = NOW - timedelta(seconds=19)
    source = SourceState("okrs", "okr-file", Freshness.FRESH, taken, 19.0)
    return Dashboard(
        now=NOW,
        offline=False,
        sources=(source,),
        areas={"okrs": AreaInputs((source,))},
        sprint=None,
        experiments=None,
        okrs=okrs,
        cost=None,
        team=None,
    )


def okr_block(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("OKRs"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(LABEL))
    return lines[start:end]


def test_status_gives_each_key_result_its_value_source_trend_and_age() -> None:
    block = okr_block(status_lines(dashboard(summary())))
    assert block[0].startswith(
        "OKRs          2026-Q4 · 57% of the period gone, 38 days left · 2 key results at risk or"
        " off track, 1 stale, 2 broken bindings  [fresh"
    )
    under = [line.removeprefix(LABEL) for line in block[1:]]
    assert under == [
        " 36% off track Ship ranker v3 to all search traffic (57% expected by now)",
        "   47% at risk   Ranker v3 launch epic: 30 points done: 14 pts → 30 pts · Jira"
        " · ↑ +11 pts in a week · changed 2 days ago",
        "   52% on track  p95 ranking latency from 180 ms to 120 ms: 149 ms → 120 ms"
        " · checked in, confidence 7/10 ↓ · ↓ -5 ms in a week · changed 7 days ago",
        "   10% off track Search traffic served by ranker v3 from 0% to 100%: 10% → 100%"
        " · checked in, confidence 3/10 · ↑ · changed 3 days ago",
        " 57% on track  Make model training cheap and boring (57% expected by now; 1 key result"
        " without a value left out)",
        "     – broken    Cloud spend per ranker training run from $410 to $280: cost binding"
        " broken: no spend matches scope tag:team=rankng: check the scope's spelling",
        "   57% on track  Training image build time from 38 min to 10 min: 22 min → 10 min"
        " · checked in, confidence 8/10 → · no change in a week"
        " · stale: no change or check-in for 22 days",
        "KPIs: 1 of 3 out of band",
        "  above band Weekly A100 spend on Google Cloud: $5,494, band $2,500–$4,500"
        " · cockpit status · ↑ +$1,880 in a week · changed today",
        "  in band    p95 fraud-scoring latency: 52 ms, band 0–80 ms · checked in"
        " · ↓ -4 ms in a week · changed 4 days ago",
        "  broken     Failed-run rate this week: cockpit status binding broken: status has no"
        " 'this_wek' (it has: tracker, runs, this_week, last_week)",
    ]


def test_a_value_below_its_band_and_one_with_no_value_say_so() -> None:
    below = kpi(current=1900.0, in_band=False, week_change=None, trend="down")
    nothing = kpi("K9", current=None, in_band=None, trend="", week_change=None, last_change=None)
    block = okr_block(status_lines(dashboard(summary(kpis=(below, nothing), objectives=()))))
    under = [line.removeprefix(LABEL) for line in block[1:]]
    assert under == [
        "KPIs: 1 of 2 out of band",
        "  below band Weekly A100 spend on Google Cloud: $1,900, band $2,500–$4,500"
        " · cockpit status · ↓ · changed today",
        "  no data    Weekly A100 spend on Google Cloud: —, band $2,500–$4,500 · cockpit status",
    ]


def test_a_key_result_with_no_value_yet_reads_a_dash_not_zero() -> None:
    empty = kr(current=None, status="no data", progress=0.0, trend="", week_change=None,
               last_change=None, origin="manual", binding="", detail="")  # fmt: skip
    block = okr_block(
        status_lines(dashboard(summary(objectives=(objective("O1", "X", (empty,)),))))
    )
    line = block[2].removeprefix(LABEL)
    assert line == "     – no data   Ranker v3 launch epic: 30 points done: — → 30 pts · checked in"


def test_no_okrs_yet() -> None:
    lines = status_lines(dashboard(None))
    assert any(line.startswith("OKRs          no OKR data yet  [fresh") for line in lines)


def test_status_json_gives_sources_trends_staleness_errors_and_kpis() -> None:
    out = status_json(dashboard(summary()))
    assert out["schema"] == STATUS_SCHEMA == "cockpit.status/6"
    okrs = out["okrs"]
    assert {
        k: okrs[k] for k in ("period", "elapsed", "days_left", "at_risk", "stale", "broken")
    } == {
        "period": "2026-Q4",
        "elapsed": 0.57,
        "days_left": 38,
        "at_risk": 2,
        "stale": 1,
        "broken": 2,
    }
    assert okrs["kpis_out_of_band"] == 1 and okrs["age_seconds"] == 19.0
    o1, o2 = okrs["objectives"]
    assert (o1["expected"], o1["status"], o2["unmeasured"]) == (0.57, "off track", 1)
    assert o1["start"] == "2026-10-01" and o1["end"] == "2026-12-31"
    first = o1["key_results"][0]
    assert first == {
        "id": "O1.KR1",
        "title": "Ranker v3 launch epic: 30 points done",
        "owner": "maya",
        "unit": "pts",
        "direction": "increase",
        "baseline": 0.0,
        "target": 30.0,
        "band_low": None,
        "band_high": None,
        "weight": 1.0,
        "current": 14.0,
        "progress": 0.467,
        "expected": 0.57,
        "status": "at risk",
        "source": "jira",
        "binding": 'kind = "jira-points", epic = "Ranker v3 launch", done_only = true',
        "detail": "14 points in 4 issues done in epic Ranker v3 launch",
        "error": None,
        "trend": "up",
        "improving": True,
        "week_change": 11.0,
        "last_change": "2026-11-21",
        "days_since_change": 2,
        "stale": False,
        "confidence": None,
        "confidence_trend": None,
        "updated": "2026-11-23T09:25:00+00:00",
        "checkins": 0,
    }
    latency = o1["key_results"][1]
    assert (latency["source"], latency["confidence"], latency["confidence_trend"]) == (
        "manual",
        7,
        "down",
    )
    assert latency["binding"] is None and latency["checkins"] == 1
    broken, stale = o2["key_results"]
    assert broken["status"] == "broken" and broken["current"] is None
    assert broken["error"] == "no spend matches scope tag:team=rankng: check the scope's spelling"
    assert broken["last_change"] is None and broken["days_since_change"] is None
    assert stale["stale"] is True and stale["days_since_change"] == 22
    k1, k2, k3 = okrs["kpis"]
    assert (k1["state"], k1["in_band"], k1["current"], k1["week_change"]) == (
        "above band",
        False,
        5494.0,
        1876.04,
    )
    assert (k2["state"], k2["source"]) == ("in band", "manual")
    assert (k3["state"], k3["current"], k3["in_band"]) == ("broken", None, None)
    assert k3["error"].startswith("status has no 'this_wek'")
    json.dumps(out)  # every value is JSON


def test_json_rounds_a_ratio_but_keeps_a_metric() -> None:
    ratio = kr(current=423.34594232749757, week_change=-70.08714285714285)
    metric = kr("O3.KR1", current=0.9582, week_change=0.0)
    objectives = (objective("O1", "X", (ratio, metric)),)
    krs = status_json(dashboard(summary(objectives=objectives)))["okrs"]["objectives"][0]
    assert krs["key_results"][0]["current"] == 423.345942
    assert krs["key_results"][0]["week_change"] == -70.087143
    assert krs["key_results"][1]["current"] == 0.9582


def test_hostile_text_in_titles_errors_and_notes_is_plain_in_status() -> None:
    evil = "\x1b]0;pwned\x07[bold red]Fraud\u202e AUC\x1b[2J"
    bad = kr(title=evil, status="broken", current=None, error=f"no experiment named {evil}")
    objectives = (objective("O1", evil, (bad,)),)
    hostile = dashboard(summary(objectives=objectives, kpis=(kpi(title=evil),)))
    text = "\n".join(status_lines(hostile))
    payload = json.dumps(status_json(hostile), ensure_ascii=False)
    for out in (text, payload):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "[bold red]Fraud AUC" in out  # markup is shown as typed


# --- End to end: the demo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Dashboard:
    """The demo as `status --demo` shows it: built in memory, bindings resolved live."""
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_in_memory

    return open_demo_in_memory(FrozenClock(NOW)).dashboard(NOW)


def test_status_on_the_demo_shows_bound_and_manual_key_results_and_kpis(demo: Dashboard) -> None:
    block = okr_block(status_lines(demo, "demo workspace"))
    text = "\n".join(block)
    assert block[0].startswith("OKRs          2026-Q4 · 58% of the period gone, 38 days left · ")
    # Three objectives, nine key results, the KPI heading and three KPIs.
    assert len(block) == 1 + 3 + 9 + 1 + 3
    for origin in ("Jira", "MLflow", "model registry", "cost", "checked in, confidence"):
        assert f" · {origin}" in text, origin
    assert "Fraud model val_auc from 0.928 to 0.960: 0.9" in text
    assert "Ship 3 model versions to production: 3 versions → 3 versions" in text
    assert "above band Weekly A100 spend on Google Cloud" in text
    assert "stale: no change or check-in for" in text
    assert "binding broken" not in text and "0 broken bindings" in text  # all resolve


def test_status_json_on_the_demo_resolves_every_binding(demo: Dashboard) -> None:
    okrs = json.loads(json.dumps(status_json(demo)))["okrs"]
    krs = [kr for o in okrs["objectives"] for kr in o["key_results"]]
    assert len(okrs["objectives"]) == 3 and len(krs) == 9 and len(okrs["kpis"]) == 3
    assert okrs["broken"] == 0 and all(kr["error"] is None for kr in krs + okrs["kpis"])
    assert all(kr["current"] is not None for kr in krs + okrs["kpis"])
    sources = {kr["source"] for kr in krs + okrs["kpis"]}
    assert sources == {"manual", "mlflow", "jira", "cost", "model", "status"}
    assert sum(kr["binding"] is not None for kr in krs) == 5
    assert all(kr["trend"] for kr in krs), "the recorded line gives every one a trend"
    assert okrs["kpis_out_of_band"] == 1
    statuses = {o["status"] for o in okrs["objectives"]}
    assert len(statuses) >= 2, "the objectives are not all on one pace"


def test_the_demo_line_ends_where_the_bindings_read_today(demo: Dashboard) -> None:
    """The demo's recorded line is computed from its own data as each binding reads it: the last
    point is what the binding resolves to now from the whole store (every run, every cost
    roll-up), as a sync records it; `status --demo`, which has the digests only, is close."""
    from cockpit.analytics.okr_bindings import BindingInputs, resolve_bindings
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_in_memory

    workspace = open_demo_in_memory(FrozenClock(NOW))
    (held,) = workspace.in_hand.values()
    snapshot = held.snapshot
    assert snapshot.okrs is not None and snapshot.cost is not None
    status = status_json(demo)
    status.pop("okrs")
    inputs = BindingInputs(
        sprint=snapshot.sprint,
        experiments=snapshot.experiments,
        cost_rows=snapshot.cost.rows,
        budgets=snapshot.cost.budgets,
        status=status,
    )
    resolved = resolve_bindings(snapshot.okrs, inputs, NOW)
    recorded = {point.kr: point for point in snapshot.okrs.history}
    assert set(recorded) == set(resolved)
    assert demo.okrs is not None
    shown = {kr.id: kr.current for o in demo.okrs.objectives for kr in o.key_results}
    shown |= {k.id: k.current for k in demo.okrs.kpis}
    for kr_id, point in recorded.items():
        assert point.at == NOW
        assert resolved[kr_id].error == "", resolved[kr_id].error
        assert point.value == pytest.approx(resolved[kr_id].value, rel=1e-6), kr_id
        assert shown[kr_id] == pytest.approx(point.value, rel=0.03), kr_id
