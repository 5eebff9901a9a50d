"""Azure Cost Management query answers read into roll-ups: the recorded example, columns in any
order, and any well-formed page (hypothesis)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.azure_cost_parse import AzurePayloadError, RowShape, decode_page, rows_of_pages

# From Azure/azure-rest-api-specs (SubscriptionQueryGrouping.json); see tests/fixtures/README.md.
EXAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "fixtures"
        / "azure"
        / "SubscriptionQueryGrouping.example.json"
    ).read_text()
)
SHAPE = RowShape(cost_column="PreTaxCost", account="sub-1")
DAY = date(2026, 11, 1)


def page_bytes(columns: list[str], rows: list[list[Any]], next_link: str | None = None) -> bytes:
    properties = {"nextLink": next_link, "columns": [{"name": c} for c in columns], "rows": rows}
    return json.dumps({"id": "x", "name": "y", "properties": properties}).encode()


def test_the_recorded_example_decodes_and_its_missing_day_column_is_named() -> None:
    """The specs' example groups a month by resource group: no day, no service. Reading it
    as daily spend would be a guess, so the reader says which column is missing."""
    page = decode_page(json.dumps(EXAMPLE["response_200"]).encode())
    assert page.columns == ("PreTaxCost", "ResourceGroup", "Currency")
    assert len(page.rows) == 4 and page.next_link is None
    with pytest.raises(AzurePayloadError, match=r"no UsageDate column \(its columns: Pre"):
        rows_of_pages([page], SHAPE, DAY, DAY)


def test_no_content_is_an_empty_page() -> None:
    """Azure answers 204 with no body when there is nothing to say."""
    page = decode_page(b"")
    assert page.rows == [] and page.next_link is None
    assert rows_of_pages([page], SHAPE, DAY, DAY) == []


def test_the_recorded_rows_as_daily_rows_in_any_column_order() -> None:
    """The example's amounts and currency, given a day and a service; the columns shuffled."""
    recorded = EXAMPLE["response_200"]["properties"]["rows"]
    columns = ["PreTaxCost", "UsageDate", "ServiceName", "MeterSubCategory", "Currency"]
    rows = [
        [cost, 20261101, "Virtual Machines", meter, currency]
        for (cost, _group, currency), meter in zip(
            recorded, ["NCSv3 Series", "NCSv3 Series", "Dv5 Series", "Dv5 Series"], strict=True
        )
    ]
    straight = rows_of_pages([decode_page(page_bytes(columns, rows))], SHAPE, DAY, DAY)
    order = [4, 2, 0, 3, 1]
    shuffled = page_bytes([columns[i] for i in order], [[r[i] for i in order] for r in rows])
    assert rows_of_pages([decode_page(shuffled)], SHAPE, DAY, DAY) == straight
    assert [(r.is_gpu, round(r.amount, 6)) for r in straight] == [
        (False, round(2.10333307059661 + 0.14384913581657052, 6)),
        (True, round(0.009865586851323632 + 218.68795741935486, 6)),
    ]
    assert {(r.provider, r.account, r.currency, r.day) for r in straight} == {
        ("Microsoft", "sub-1", "USD", DAY)
    }


@pytest.mark.parametrize(
    ("columns", "row", "words"),
    [
        (["Cost", "UsageDate", "ServiceName", "Currency"], ["1.5", 20261101, "VM", "USD"],
         "Cost is not a number: '1.5'"),
        (["Cost", "UsageDate", "ServiceName", "Currency"], [1.5, "Monday", "VM", "USD"],
         "the day is not a date: 'Monday'"),
        (["Cost", "UsageDate", "ServiceName"], [1.5, 20261101, "VM"], "no Currency column"),
        (["Cost", "UsageDate", "ServiceName", "Currency"], [1.5, 20261101, "VM"],
         "row 1 of page 1 has 3 values for 4 columns"),
        (["UsageDate", "ServiceName", "Currency"], [20261101, "VM", "USD"], "no cost column"),
    ],
)  # fmt: skip
def test_a_malformed_page_names_what_is_wrong(
    columns: list[str], row: list[Any], words: str
) -> None:
    with pytest.raises(AzurePayloadError) as caught:
        rows_of_pages([decode_page(page_bytes(columns, [row]))], SHAPE, DAY, DAY)
    assert words in str(caught.value)


def test_a_usd_cost_column_needs_no_currency_column() -> None:
    page = decode_page(
        page_bytes(["CostUSD", "UsageDate", "ServiceName"], [[2.0, "20261101", "VM"]])
    )
    rows = rows_of_pages([page], RowShape("CostUSD", "sub-1"), DAY, DAY)
    assert [(r.amount, r.currency) for r in rows] == [(2.0, "USD")]


# --- any well-formed page ---------------------------------------------------------------

services = st.sampled_from(["Virtual Machines", "Storage", "Bandwidth", "Azure Machine Learning"])
meters = st.sampled_from(["NCSv3 Series", "Dv5 Series", "", "ND A100 v4 Series"])
amounts = st.one_of(
    st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 4))
)


@st.composite
def pages(draw: st.DrawFn) -> tuple[list[bytes], list[tuple[float | None, int, str, str, str]]]:
    facts = draw(
        st.lists(
            st.tuples(
                amounts,
                st.integers(min_value=0, max_value=3).map(
                    lambda d: int(f"{DAY + timedelta(days=d):%Y%m%d}")
                ),
                services,
                meters,
                st.sampled_from(["USD", "eur", "GBP"]),
            ),
            max_size=30,
        )
    )
    columns = ["PreTaxCost", "UsageDate", "ServiceName", "MeterSubCategory", "Currency"]
    order = draw(st.permutations(range(len(columns))))
    size = draw(st.integers(min_value=1, max_value=8))
    rows = [[list(fact)[i] for i in order] for fact in facts]
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    bodies = [
        page_bytes([columns[i] for i in order], chunk, None if n == len(chunks) - 1 else "next")
        for n, chunk in enumerate(chunks)
    ]
    return bodies, facts


@settings(max_examples=200, deadline=None)
@given(pages())
def test_any_well_formed_answer_gives_rows_that_add_up_per_day_and_currency(
    drawn: tuple[list[bytes], list[tuple[float | None, int, str, str, str]]],
) -> None:
    bodies, facts = drawn
    rows = rows_of_pages([decode_page(b) for b in bodies], SHAPE, DAY, DAY + timedelta(days=3))
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for amount, day, _service, _meter, currency in facts:
        if amount:
            expected[str(day), currency.upper()] += amount
    got: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        assert math.isfinite(row.amount) and row.currency == row.currency.upper()
        got[f"{row.day:%Y%m%d}", row.currency] += row.amount
    assert got.keys() <= expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=16,
)


column_names = st.sampled_from(["Cost", "UsageDate", "ServiceName", "Currency", "TagValue", "x"])
answers = st.fixed_dictionaries(
    {},
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "columns": st.lists(st.fixed_dictionaries({"name": column_names}), max_size=6),
                "rows": st.lists(st.lists(json_values, max_size=6), max_size=4),
                "nextLink": json_values,
            },
        ),
        "id": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(answers)
def test_any_answer_gives_rows_or_the_sources_own_error(answer: dict[str, Any]) -> None:
    try:
        page = decode_page(json.dumps(answer).encode())
        rows = rows_of_pages([page], RowShape("Cost", "sub-1", tag_key="team"), DAY, DAY)
    except AzurePayloadError as exc:
        assert str(exc)
    else:
        assert all(row.day == DAY for row in rows)


def test_a_body_that_is_not_json_is_a_decode_error_the_source_may_ask_again_for() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_page(b'{"properties": {"columns": [{"name": "Cost"')
