"""Cost in `cockpit status`, `status --json` and the weekly export: budgets, the forecast with
its range, alerts, the top movers and cost per experiment, in every currency apart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
import pytest

from cockpit.analytics.cost_views import (
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    ExperimentCost,
    ForecastRange,
    SpendLine,
)
from cockpit.clock import FrozenClock
from cockpit.dashboard import Dashboard
from cockpit.export.weekly import Week, current_week
from cockpit.export.weekly import render_dashboard as render
from cockpit.formatting import money, money_range
from cockpit.report import status_json, status_lines
from cockpit.report_cost import NO_BUDGET
from cockpit.workspace import open_demo_in_memory

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
LABEL = " " * 14  # status's sub-lines sit under the area names


def _forecast(expected: float, low: float, high: float, actual: float) -> ForecastRange:
    return ForecastRange(expected=expected, low=low, high=high, actual_to_date=actual)


def _view(
    currency: str,
    mtd: float,
    *,
    movers: tuple[SpendLine, ...] = (),
    daily_amount: float = 100.0,
    today: date = TODAY,
) -> CurrencyView:
    return CurrencyView(
        currency=currency,
        month="2026-11",
        month_to_date=mtd,
        run_rate=daily_amount,
        forecast=_forecast(mtd * 1.3, mtd * 1.2, mtd * 1.4, mtd),
        gpu_share=0.625,
        gpu_month_to_date=mtd * 0.625,
        daily=tuple((today - timedelta(days=n), daily_amount) for n in range(29, -1, -1)),
        last_full_day=daily_amount,
        credits_month_to_date=0.0,
        movers=movers,
    )


def _mover(
    service: str, provider: str, this_week: float, last_week: float, currency: str = "USD"
) -> SpendLine:
    return SpendLine(
        key=service,
        currency=currency,
        period_to_date=this_week,
        this_week=this_week,
        last_week=last_week,
        share=0.1,
        is_gpu=True,
        provider=provider,
    )


def _budget(name: str = "ML platform", spent: float = 50_714.86) -> BudgetView:
    return BudgetView(
        name=name,
        scope="all",
        period="month",
        period_label="Nov 2026",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        currency="USD",
        amount=60_000.0,
        spent=spent,
        forecast=_forecast(66_390.2, 63_211.9, 69_568.5, spent),
        thresholds=(0.5, 0.8, 1.0),
        forecast_threshold=1.0,
    )


ALERT = CostAlert(
    key="ML platform|2026-11|forecast|1",
    kind="forecast",
    subject="ML platform",
    threshold=1.0,
    value=1.1063,
    currency="USD",
    day=date(2026, 11, 22),
    message="Budget ML platform (Nov 2026) is forecast to reach $66,390 ($63,212–$69,569), "
    "111% of $60,000.",
)
MOVERS = (
    _mover("Compute Engine", "Google Cloud", 5488.2, 3730.1),
    _mover("Amazon Elastic Compute Cloud", "AWS", 5131.0, 4858.0),
    _mover("BigQuery", "Google Cloud", 743.0, 793.4),
    _mover("Cloud Storage", "Google Cloud", 435.0, 425.0),
)
EXPERIMENTS = tuple(
    ExperimentCost(
        experiment=name,
        source="mlflow",
        currency="USD",
        spend=spend,
        runs=runs,
        runs_with_cost=runs,
        per_run=spend / runs,
        metric="val_auc",
        gain=0.02,
        per_point=spend / 2,
    )
    for name, spend, runs in (
        ("ranker-v3", 15_045.33, 140),
        ("asr-finetune", 3518.0, 90),
        ("fraud-gbdt", 168.0, 70),
        ("churn", 12.0, 3),
    )
)


def _summary(**changes: Any) -> CostSummary:
    fields: dict[str, Any] = {
        "views": (_view("USD", 50_714.86, movers=MOVERS),),
        "budgets": (_budget(),),
        "alerts": (ALERT,),
        "experiments": EXPERIMENTS,
        "cost_columns": ("EffectiveCost",),
        "anomaly_rule": "more than 3σ above the median of the previous 28 days",
    }
    return CostSummary(**(fields | changes))


def _dashboard(summary: CostSummary, now: datetime = NOW) -> Dashboard:
    return Dashboard(
        now=now,
        offline=False,
        sources=(),
        areas={},
        sprint=None,
        experiments=None,
        okrs=None,
        cost=summary,
        team=None,
    )


def _cost_block(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("Cost"))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(LABEL):
            break
        block.append(line[len(LABEL) :])
    return block


# --- status, text ----------------------------------------------------------------------------


def test_status_shows_budgets_the_forecast_range_the_top_mover_and_alerts() -> None:
    head, *under = _cost_block(status_lines(_dashboard(_summary())))
    assert head.startswith(
        "Cost          2026-11 · $50,715 month to date · forecast $65.9k (60.9k–71.0k)"
        " · run rate $100/day · GPU 62% · EffectiveCost"
    )
    assert under == [
        "Budget ML platform (Nov 2026, all): $50,715 of $60,000 (85%) · forecast $66.4k"
        " (63.2k–69.6k), 111% of budget",
        "Top mover: Compute Engine (Google Cloud) +$1,758 week over week ($5,488 vs $3,730)",
        "Alert: " + ALERT.message,
    ]


def test_every_amount_goes_through_the_shared_formatter() -> None:
    big = _budget(spent=1_234_567.891)
    summary = _summary(budgets=(big,), views=(_view("USD", 1_234_567.891),), alerts=())
    text = "\n".join(status_lines(_dashboard(summary)))
    f = big.forecast
    assert money(1_234_567.891, "USD") in text  # $1,234,568, as on the panel's screen
    assert money_range(f.expected, f.low, f.high, "USD") in text
    assert "1234567" not in text and "e+06" not in text


def test_no_budget_says_how_to_set_one() -> None:
    summary = _summary(budgets=(), alerts=())
    under = _cost_block(status_lines(_dashboard(summary)))[1:]
    assert under[0] == NO_BUDGET
    assert not any(line.startswith(("Budget ", "Alert")) for line in under)
    data = status_json(_dashboard(summary))["cost"]
    assert data["budgets"] == [] and data["alerts"] == []


def test_mixed_currencies_are_shown_apart_and_flagged() -> None:
    eur = _view(
        "EUR", 8_200.0, movers=(_mover("Virtual Machines", "Microsoft", 900.0, 700.0, "EUR"),)
    )
    summary = _summary(views=(_view("USD", 50_714.86, movers=MOVERS), eur))
    head, *under = _cost_block(status_lines(_dashboard(summary)))
    assert "$50,715 month to date" in head  # the dollars alone: no sum across currencies
    assert "58,915" not in head and "€" not in head
    assert head.endswith("also spent in EUR: shown apart, never converted  [no data]")
    (apart,) = [line for line in under if line.startswith("In EUR, apart: ")]
    assert "€8,200 month to date" in apart and "$" not in apart

    data = status_json(_dashboard(summary))["cost"]
    assert data["mixed_currencies"] is True
    assert (data["currency"], data["month_to_date"]) == ("USD", 50714.86)
    (other,) = data["other_currencies"]
    assert (other["currency"], other["month_to_date"]) == ("EUR", 8200.0)
    assert other["top_mover"]["service"] == "Virtual Machines"


def test_an_alert_reads_the_same_everywhere() -> None:
    d = _dashboard(_summary())
    assert f"Alert: {ALERT.message}" in "\n".join(status_lines(d))
    (alert,) = status_json(d)["cost"]["alerts"]
    assert alert == {
        "key": ALERT.key,
        "kind": "forecast",
        "severity": "warning",
        "subject": "ML platform",
        "threshold": 1.0,
        "value": 1.106,
        "currency": "USD",
        "day": "2026-11-22",
        "message": ALERT.message,
    }
    for fmt in ("md", "html"):
        assert "Alert: Budget ML platform (Nov 2026) is forecast to reach" in render(
            d, current_week(NOW), fmt
        )


# --- status --json -----------------------------------------------------------------------------


def test_status_json_cost_object() -> None:
    out = status_json(_dashboard(_summary()))
    assert out["schema"] == "cockpit.status/6"
    cost = out["cost"]
    json.dumps(out)  # plain JSON all the way down
    assert cost["currency"] == "USD" and cost["mixed_currencies"] is False
    assert cost["forecast"] == {
        "expected": 65929.32,
        "low": 60857.83,
        "high": 71000.8,
        "actual_to_date": 50714.86,
        "method": "",
        "provider_expected": None,
    }
    (budget,) = cost["budgets"]
    assert budget["spent"] == 50714.86 and budget["amount"] == 60000.0
    assert budget["used"] == 0.845 and budget["forecast_used"] == 1.107
    assert (budget["forecast"]["low"], budget["forecast"]["high"]) == (63211.9, 69568.5)
    assert (budget["period"], budget["start"], budget["end"]) == (
        "month",
        "2026-11-01",
        "2026-11-30",
    )
    assert cost["top_mover"] == {
        "service": "Compute Engine",
        "provider": "Google Cloud",
        "currency": "USD",
        "this_week": 5488.2,
        "last_week": 3730.1,
        "change": 1758.1,
        "is_gpu": True,
    }
    assert [m["service"] for m in cost["movers"]] == [m.key for m in MOVERS]
    assert [e["experiment"] for e in cost["experiments"]] == [e.experiment for e in EXPERIMENTS]
    assert cost["cost_columns"] == ["EffectiveCost"]


# --- the weekly export -------------------------------------------------------------------------


def _export_cost(text: str) -> list[str]:
    lines = text.splitlines()
    # Under the heading: the age, the week's changes, then where things stand.
    start = lines.index("Where things stand:", lines.index("## Cost")) + 2
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_the_export_has_the_weeks_spend_budgets_movers_experiments_and_alerts() -> None:
    wednesday = NOW + timedelta(days=2)
    views = (_view("USD", 50_714.86, movers=MOVERS, today=wednesday.date()),)
    d = _dashboard(_summary(views=views), now=wednesday)
    lines = _export_cost(render(d, current_week(d.now), "md"))
    assert lines == [
        "- Week spend: $300 (Mon 23 Nov – Sun 29 Nov, so far); the week before $700",
        "- 2026-11 · $50,715 month to date · forecast $65.9k (60.9k–71.0k) · run rate $100/day"
        " · GPU 62% (EffectiveCost)",
        "- Budget ML platform (Nov 2026, all): $50,715 of $60,000 (85%) · forecast $66.4k"
        " (63.2k–69.6k), 111% of budget",
        "- Top movers, week over week (3 of 4 services):",
        "  - Compute Engine (Google Cloud) +$1,758 ($5,488 vs $3,730)",
        "  - Amazon Elastic Compute Cloud (AWS) +$273 ($5,131 vs $4,858)",
        "  - BigQuery (Google Cloud) -$50 ($743 vs $793)",
        "- Cost per experiment (3 of 4, most spend first):",
        "  - ranker-v3: $15,045 over 140 runs, $107/run · $7,523 per point of val\\_auc gained",
        "  - asr-finetune: $3,518 over 90 runs, $39/run · $1,759 per point of val\\_auc gained",
        "  - fraud-gbdt: $168 over 70 runs, $2/run · $84 per point of val\\_auc gained",
        "- Alert: " + ALERT.message,
    ]


def test_the_export_json_carries_the_weeks_spend_in_each_currency() -> None:
    eur = _view("EUR", 8_200.0, daily_amount=40.0)
    d = _dashboard(_summary(views=(_view("USD", 50_714.86, movers=MOVERS), eur)))
    past = Week(2026, 47)  # 16–22 Nov, whole within the daily series
    data = json.loads(render(d, past, "json"))
    assert data["schema"] == "cockpit.weekly/7"
    assert data["cost"]["week"] == {
        "start": "2026-11-16",
        "end": "2026-11-22",
        "through": "2026-11-22",
        "spend": 700.0,
        "previous_week_spend": 700.0,
    }
    (other,) = data["cost"]["other_currencies"]
    assert other["currency"] == "EUR" and other["week"]["spend"] == 280.0
    text = render(d, past, "md")
    assert "In EUR, apart: 2026-11 · €8,200 month to date" in text
    assert "Mixed currencies: also spent in EUR: shown apart, never converted" in text


# --- hostile text from a bill -----------------------------------------------------------------

HOSTILE = "[bold]\x1b]0;pwned\x07<b>*x*</b>\u202e"


def test_hostile_service_names_and_tag_values_stay_literal() -> None:
    mover = _mover(f"svc {HOSTILE}", f"cloud {HOSTILE}", 10.0, 5.0)
    budget = msgspec.structs.replace(_budget(), name=f"team {HOSTILE}", scope=f"tag:team={HOSTILE}")
    experiment = ExperimentCost(
        experiment=f"exp {HOSTILE}",
        source="mlflow",
        currency="USD",
        spend=5.0,
        runs=0,
        runs_with_cost=1,
        per_run=None,
        matched=False,
    )
    summary = _summary(
        views=(_view("USD", 100.0, movers=(mover,)),), budgets=(budget,), experiments=(experiment,)
    )
    d = _dashboard(summary)
    text = "\n".join(status_lines(d))
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "svc [bold]" in text and "tag:team=[bold]" in text  # markup shown, not run
    data = status_json(d)
    assert data["cost"]["top_mover"]["service"].startswith("svc [bold]")
    assert "\x1b" not in json.dumps(data, ensure_ascii=False)
    markdown = render(d, current_week(NOW), "md")
    assert "\x1b" not in markdown
    assert "&lt;b&gt;\\*x\\*&lt;/b&gt;" in markdown  # Markdown and HTML both stay text
    assert "exp \\[bold\\]" in markdown
    html = render(d, current_week(NOW), "html")
    assert "<b>*x*</b>" not in html and "&lt;b&gt;*x*&lt;/b&gt;" in html


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Dashboard:
    return open_demo_in_memory(FrozenClock(NOW)).dashboard(NOW)


def test_status_on_the_demo(demo: Dashboard) -> None:
    head, *under = _cost_block(status_lines(demo))
    assert "month to date · forecast $" in head and "EffectiveCost" in head
    budgets = [line for line in under if line.startswith("Budget ")]
    assert [line.split(" (")[0] for line in budgets] == [
        "Budget ML platform",
        "Budget Cloud this quarter",
        "Budget Fraud team",
        "Budget AWS",
    ]
    assert "(2026-Q4, all)" in budgets[1] and "tag:team=fraud" in budgets[2]
    assert budgets[3].startswith("Budget AWS (Nov 2026, provider=AWS): $")  # one scope, said once
    assert "from AWS Budgets, which says $" in budgets[3]
    assert any(line.startswith("Top mover: Compute Engine (Google Cloud) +$") for line in under)
    alerts = [line for line in under if line.startswith("Alert: ")]
    # The one budget heading over, and yesterday's idle A100s.
    assert {a.split(" (")[0] for a in alerts if "Budget" in a} == {"Alert: Budget ML platform"}
    # (the sentence is the analytics'; status prints it as it is)
    assert any("Compute Engine" in a and "on Nov 22" in a for a in alerts)


def test_status_json_on_the_demo(demo: Dashboard) -> None:
    cost = status_json(demo)["cost"]
    assert cost["by_provider"].keys() == {"AWS", "Google Cloud"}
    assert cost["mixed_currencies"] is False and cost["other_currencies"] == []
    ml = cost["budgets"][0]
    assert ml["name"] == "ML platform" and ml["forecast_used"] > 1.0
    assert ml["forecast"]["low"] < ml["forecast"]["expected"] < ml["forecast"]["high"]
    assert all(b["forecast_used"] < 1.0 for b in cost["budgets"][1:])
    kinds = {(a["kind"], a["subject"]) for a in cost["alerts"]}
    assert ("forecast", "ML platform") in kinds
    assert ("anomaly", "service=Compute Engine") in kinds
    assert cost["top_mover"]["service"] == "Compute Engine" and cost["top_mover"]["is_gpu"]
    # Cost per experiment joins the demo tracker: every experiment, every run tagged.
    by_name = {e["experiment"]: e for e in cost["experiments"]}
    assert by_name.keys() == {"ranker-v3", "asr-finetune", "fraud-gbdt"}
    for e in by_name.values():
        assert e["matched"] and e["spend"] > 0 and e["runs_with_cost"] == e["runs"] > 0


def test_export_on_the_demo(demo: Dashboard) -> None:
    lines = _export_cost(render(demo, current_week(NOW), "md"))
    assert lines[0].startswith("- Week spend: $") and "so far" in lines[0]
    assert "- Top movers, week over week (3 of 7 services):" in lines
    assert "- Cost per experiment (3 of 3, most spend first):" in lines
    assert any(line.startswith("  - ranker-v3: $") for line in lines)
