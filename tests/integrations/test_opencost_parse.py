"""OpenCost's allocation answers read into roll-ups: the recorded answer, nulls, and any
well-formed envelope (hypothesis)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.opencost_parse import (
    OpenCostPayloadError,
    RowShape,
    decode_sets,
    rows_of_sets,
)

# The answer in OpenCost's own API docs (docs/swagger.json); see tests/fixtures/README.md.
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "opencost"
RECORDED = (SAMPLE / "opencost_allocation_compute_2d_namespace.json").read_bytes()
SHAPE = RowShape(provider="Kubernetes", currency="USD", aggregate=("namespace",))
DAY = date(2023, 1, 18)


def one_day(document: dict[str, Any], day: date) -> bytes:
    start = datetime.combine(day, datetime.min.time(), UTC)
    window = {
        "start": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "end": f"{start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
    }
    for day_set in document["data"]:
        for allocation in day_set.values():
            allocation["window"] = window
            allocation["start"], allocation["end"] = window["start"], window["end"]
    return json.dumps(document).encode()


def test_the_recorded_two_day_answer_is_refused_as_not_split_by_day() -> None:
    """The docs' example asked `window=2d` without `step`: one set for two days. Putting it
    all on the first day would be a lie, so it is refused, saying why."""
    sets = decode_sets(RECORDED)
    with pytest.raises(OpenCostPayloadError, match=r"not one day.*step=1d"):
        rows_of_sets(sets, SHAPE, DAY, DAY + timedelta(days=1))


def test_the_recorded_answer_as_one_day_gives_one_row_per_namespace_that_cost_something() -> None:
    rows = rows_of_sets(decode_sets(one_day(json.loads(RECORDED), DAY)), SHAPE, DAY, DAY)
    assert [(r.service, r.amount, r.is_gpu, r.account, r.tags) for r in rows] == [
        ("kube-system", 0.425469, False, "cluster-one", (("namespace", "kube-system"),)),
        ("opencost", 0.030644, False, "cluster-one", (("namespace", "opencost"),)),
    ]
    assert {(r.provider, r.currency, r.category, r.day) for r in rows} == {
        ("Kubernetes", "USD", "Compute", DAY)
    }


def test_a_null_total_is_the_sum_of_its_parts_and_an_unpriced_allocation_is_left_out() -> None:
    """OpenCost writes NaN as null: a null is unknown, never a free day."""
    document = json.loads(RECORDED)
    day_set = document["data"][0]
    day_set["kube-system"]["totalCost"] = None
    day_set["opencost"] = {"name": "opencost", **dict.fromkeys(("cpuCost", "totalCost"))}
    rows = rows_of_sets(decode_sets(one_day(document, DAY)), SHAPE, DAY, DAY)
    # cpuCost 0.408822 + ramCost 0.016647, rounded to OpenCost's precision
    assert [(r.service, r.amount) for r in rows] == [("kube-system", 0.425469)]


def test_days_outside_the_asked_range_are_left_out() -> None:
    rows = rows_of_sets(
        decode_sets(one_day(json.loads(RECORDED), DAY)),
        SHAPE,
        DAY - timedelta(days=3),
        DAY - timedelta(days=1),
    )
    assert rows == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"code": 500, "status": "error", "message": "boom"}', "code 500): boom"),
        (b'{"status": "success", "data": []}', "missing required field `code`"),
        (b'{"code": 200, "status": "success"}', "has no `data`"),
        (b'{"code": 200, "data": {"a": 1}}', "cannot be read"),
        (b'{"code": 200, "data": [{"ns": {"totalCost": "1.5"}}]}', "totalCost"),
        (b"[1, 2]", "not OpenCost's envelope"),
    ],
)
def test_a_malformed_envelope_names_what_is_wrong(body: bytes, words: str) -> None:
    with pytest.raises(OpenCostPayloadError) as caught:
        decode_sets(body)
    assert words in str(caught.value)


def test_a_window_without_a_start_is_named() -> None:
    sets = decode_sets(b'{"code": 200, "data": [{"ns": {"name": "ns", "totalCost": 1.0}}]}')
    with pytest.raises(OpenCostPayloadError, match="start of allocation 'ns' of set 1 is missing"):
        rows_of_sets(sets, SHAPE, DAY, DAY)


# --- any well-formed envelope -----------------------------------------------------------

costs = st.one_of(
    st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 5))
)
names = st.text(min_size=1, max_size=12)
allocations = st.fixed_dictionaries(
    {"cpuCost": costs, "gpuCost": costs, "ramCost": costs, "totalCost": costs},
    optional={"gpuCostAdjustment": costs, "properties": st.fixed_dictionaries({"cluster": names})},
)


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[bytes, dict[date, list[dict[str, Any]]]]:
    day_count = draw(st.integers(min_value=0, max_value=4))
    sets, by_day = [], {}
    for offset in range(day_count):
        day = DAY + timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), UTC)
        window = {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
        members = draw(st.dictionaries(names, allocations, max_size=5))
        sets.append({k: {**v, "name": k, "window": window} for k, v in members.items()})
        by_day[day] = list(members.values())
    body = json.dumps({"code": 200, "status": "success", "data": sets}).encode()
    return body, by_day


def expected_total(allocation: dict[str, Any]) -> float | None:
    if allocation["totalCost"] is not None:
        return float(allocation["totalCost"])
    known = [allocation[k] for k in ("cpuCost", "gpuCost", "ramCost", "gpuCostAdjustment")
             if allocation.get(k) is not None]  # fmt: skip
    return sum(known) if known else None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(envelopes())
def test_any_well_formed_envelope_gives_rows_that_add_up_to_opencost_totals(
    drawn: tuple[bytes, dict[date, list[dict[str, Any]]]],
) -> None:
    body, by_day = drawn
    rows = rows_of_sets(decode_sets(body), SHAPE, DAY, DAY + timedelta(days=5))
    got: dict[date, float] = defaultdict(float)
    gpu: dict[date, float] = defaultdict(float)
    for row in rows:
        assert row.amount != 0 and math.isfinite(row.amount)
        assert "\x1b" not in row.service and row.category == "Compute"
        got[row.day] += row.amount
        if row.is_gpu:
            gpu[row.day] += row.amount
    for day, members in by_day.items():
        totals = [t for t in map(expected_total, members) if t is not None]
        assert got[day] == pytest.approx(sum(totals), abs=1e-4)
        gpu_sum = sum(
            (m["gpuCost"] or 0) + (m.get("gpuCostAdjustment") or 0)
            for m in members
            if expected_total(m) is not None
        )
        assert gpu[day] == pytest.approx(gpu_sum, abs=1e-4)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"code": st.one_of(st.just(200), st.integers(), st.text(max_size=3))},
        optional={"data": json_values, "message": json_values, "status": json_values},
    )
)
def test_any_envelope_gives_rows_or_the_sources_own_error(envelope: dict[str, Any]) -> None:
    body = json.dumps(envelope).encode()
    try:
        rows = rows_of_sets(decode_sets(body), SHAPE, DAY, DAY)
    except OpenCostPayloadError as exc:
        assert str(exc)
    else:
        assert all(row.day == DAY for row in rows)


def test_a_body_that_is_not_json_is_a_decode_error_the_source_may_ask_again_for() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_sets(b'{"code":200,"data":[{"kube-system":{"name":')
