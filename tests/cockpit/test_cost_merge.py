"""Cost roll-ups from several sources merged for the dashboard: nothing counted twice."""

from __future__ import annotations

from datetime import date

from cockpit.dashboard import merge_cost
from cockpit.models import Budget, CostData, CostRow, ProviderForecast

DAY = date(2026, 11, 20)


def rows(provider: str, *amounts: float) -> tuple[CostRow, ...]:
    return tuple(CostRow(DAY, provider, f"svc{i}", amount) for i, amount in enumerate(amounts))


def test_a_provider_billed_by_two_sources_is_counted_once_from_the_first_listed() -> None:
    focus = CostData(rows=rows("AWS", 10, 20) + rows("Google Cloud", 5), source="focus")
    aws = CostData(
        rows=rows("aws", 11, 21),  # the same spend, as the AWS API names the provider
        source="aws-api",
        forecasts=(ProviderForecast("AWS", "USD", DAY, date(2026, 12, 1), 99.0),),
        budgets=(Budget("held", 100.0, origin="AWS Budgets"),),
    )
    merged = merge_cost([focus, aws], (Budget("ours", 500.0),))
    assert merged is not None
    assert sum(r.amount for r in merged.rows) == 35
    assert "AWS comes from both focus and aws-api: showing focus" in merged.overlap
    assert merged.forecasts == ()  # a forecast of spend that is not shown would mislead
    # Our budgets and the provider's are shown side by side.
    assert [b.name for b in merged.budgets] == ["ours", "held"]


def test_sources_of_different_providers_add_up() -> None:
    merged = merge_cost(
        [
            CostData(rows=rows("AWS", 1, 2), source="a", cost_column="UnblendedCost"),
            CostData(rows=rows("Microsoft", 3), source="b", cost_column="EffectiveCost"),
        ]
    )
    assert merged is not None
    assert sum(r.amount for r in merged.rows) == 6
    assert merged.overlap == ""
    assert merged.cost_column == "UnblendedCost, EffectiveCost"


def test_budgets_alone_still_make_cost_data_and_nothing_makes_none() -> None:
    assert merge_cost([]) is None
    only = merge_cost([], (Budget("ours", 1.0),))
    assert only is not None and only.rows == ()


def test_the_summary_says_which_source_a_provider_billed_twice_is_shown_from() -> None:
    from datetime import UTC, datetime

    from cockpit.analytics.cost import summarize_cost

    focus = CostData(rows=rows("AWS", 10, 20), source="focus")
    aws = CostData(rows=rows("AWS", 11, 21), source="aws-api")
    merged = merge_cost([focus, aws])
    assert merged is not None
    summary = summarize_cost(merged, datetime(2026, 11, 21, 12, tzinfo=UTC))
    assert summary.sources_overlap.startswith("AWS comes from both focus and aws-api")
    assert summary.views[0].month_to_date == 30
