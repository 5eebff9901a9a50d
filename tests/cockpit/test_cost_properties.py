"""Properties of the cost summary over any roll-ups: every breakdown adds up to the month to
date, currencies never mix, budgets count exactly their scope, ranges hold their forecast."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.cost import summarize_cost
from cockpit.models import Budget, CostData, CostRow

NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
TODAY = NOW.date()

rows_strategy = st.lists(
    st.builds(
        CostRow,
        day=st.dates(min_value=date(2026, 8, 1), max_value=TODAY),
        provider=st.sampled_from(["AWS", "aws", "Google Cloud", "Microsoft"]),
        service=st.sampled_from(["Amazon EC2", "Compute Engine", "Storage", "Credits"]),
        amount=st.floats(min_value=-500, max_value=5000, allow_nan=False),
        currency=st.sampled_from(["USD", "EUR", "JPY"]),
        is_gpu=st.booleans(),
        account=st.sampled_from(["", "ml-prod", "ML-Prod", "dev"]),
        region=st.sampled_from(["", "us-east-1", "europe-west4"]),
        category=st.sampled_from(["", "Compute", "Storage"]),
        tags=st.sampled_from(
            [(), (("team", "fraud"),), (("team", "Fraud"),), (("experiment", "x"), ("team", "ads"))]
        ),
    ),
    max_size=80,
)
budgets_strategy = st.lists(
    st.builds(
        Budget,
        name=st.sampled_from(["A", "B", "C"]),
        amount=st.floats(min_value=1, max_value=1e5),
        currency=st.sampled_from(["USD", "EUR"]),
        period=st.sampled_from(["month", "quarter"]),
        scope=st.sampled_from(
            ["", "provider=AWS", "account=ml-prod", "tag:team=fraud", "region=US-EAST-1"]
        ),
    ),
    max_size=3,
    unique_by=lambda b: b.name,
)


def in_scope(row: CostRow, scope: str) -> bool:
    if not scope:
        return True
    name, _, value = scope.partition("=")
    held = dict(row.tags).get(name[4:], "") if name.startswith("tag:") else getattr(row, name)
    return held.casefold() == value.casefold()


@settings(max_examples=120, deadline=None)
@given(rows=rows_strategy, budgets=budgets_strategy)
def test_the_whole_adds_up_in_each_currency_apart(
    rows: list[CostRow], budgets: list[Budget]
) -> None:
    s = summarize_cost(CostData(rows=tuple(rows), budgets=tuple(budgets)), NOW)
    month = TODAY.replace(day=1)
    assert sorted(v.currency for v in s.views) == sorted({r.currency for r in rows})
    for view in s.views:
        mine = [r for r in rows if r.currency == view.currency and month <= r.day <= TODAY]
        assert view.month_to_date == pytest.approx(sum(r.amount for r in mine), abs=1e-6)
        assert view.gpu_month_to_date == pytest.approx(
            sum(r.amount for r in mine if r.is_gpu), abs=1e-6
        )
        assert view.credits_month_to_date == pytest.approx(
            sum(r.amount for r in mine if r.amount < 0), abs=1e-6
        )
        for dimension, lines in view.breakdowns.items():
            assert all(line.currency == view.currency for line in lines), dimension
            assert sum(line.period_to_date for line in lines) == pytest.approx(
                view.month_to_date, abs=1e-6
            ), dimension
            assert [line.period_to_date for line in lines] == sorted(
                (line.period_to_date for line in lines), reverse=True
            )
        assert view.forecast.low <= view.forecast.expected <= view.forecast.high
        assert all(a.currency == view.currency for a in view.anomalies)
    for budget, view in zip(budgets, s.budgets, strict=True):
        start = view.period_start
        expected = sum(
            r.amount
            for r in rows
            if r.currency == budget.currency
            and start <= r.day <= TODAY
            and in_scope(r, budget.scope)
        )
        assert view.spent == pytest.approx(expected, abs=1e-6)
        assert view.forecast.low <= view.forecast.expected <= view.forecast.high
    keys = [a.key for a in s.alerts]
    assert len(keys) == len(set(keys))


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, seed=st.integers())
def test_the_order_of_the_rows_does_not_matter(rows: list[CostRow], seed: int) -> None:
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    a = summarize_cost(CostData(rows=tuple(rows)), NOW)
    b = summarize_cost(CostData(rows=tuple(shuffled)), NOW)
    assert [v.currency for v in a.views] == [v.currency for v in b.views]
    for x, y in zip(a.views, b.views, strict=True):
        assert x.month_to_date == pytest.approx(y.month_to_date, abs=1e-6)
        assert x.forecast.expected == pytest.approx(y.forecast.expected, rel=1e-6, abs=1e-6)


def test_a_year_of_roll_ups_is_summed_up_promptly() -> None:
    """About 100,000 rows: a year × 20 services × 2 accounts × 7 teams. It takes about 0.2 s
    on a laptop; the bound only proves it is linear, not quadratic."""
    rng = random.Random(7)
    services = [("AWS", f"aws-{i}") for i in range(12)] + [
        ("Google Cloud", f"gcp-{i}") for i in range(8)
    ]
    rows = [
        CostRow(
            TODAY - timedelta(days=n), provider, service, rng.uniform(1, 100),
            "USD" if provider == "AWS" else "EUR", service.endswith("1"), account=account,
            tags=(("experiment", f"e{team % 3}"), ("team", f"t{team}")),
        )
        for n in range(365) for provider, service in services
        for account in ("prod", "dev") for team in range(7)
    ]  # fmt: skip
    budgets = (Budget("All", 1e6), Budget("Q", 3e6, period="quarter", scope="tag:team=t1"))
    data = CostData(rows=tuple(rows), budgets=budgets)
    started = time.perf_counter()
    s = summarize_cost(data, NOW)
    assert time.perf_counter() - started < 5
    assert len(rows) == 102_200
    assert len(s.views) == 2 and len(s.experiments) == 6
