"""Properties of the OKR analytics on generated files, bound values and histories: progress stays
within 0..1, moving toward the target never lowers it, an objective sits between its key
results, and nothing a file or a sync can hold makes the summary raise."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cockpit.analytics.okr_views import OkrRules
from cockpit.analytics.okrs import progress_of, summarize_okrs
from cockpit.models import Binding, BoundValue, CheckIn, KeyResult, KrPoint, Objective, OkrData

Q_START = date(2026, 10, 1)

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
# What a parser should never let through, and the analytics must take anyway.
anything = st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf))
days = st.dates(min_value=date(2026, 8, 1), max_value=date(2027, 3, 1))
moments = st.datetimes(
    min_value=datetime(2026, 8, 1), max_value=datetime(2027, 3, 1), timezones=st.just(UTC)
)
ids = st.sampled_from(["KR1", "KR2", "KR3", "K1", "K2"])


def key_results(id: st.SearchStrategy[str] = ids, value: st.SearchStrategy[float] = anything):
    return st.builds(
        KeyResult,
        id=id,
        title=st.text(max_size=20),
        start=value,
        target=value,
        current=value,
        direction=st.sampled_from(["", "increase", "decrease", "band"]),
        band_low=st.none() | value,
        band_high=st.none() | value,
        weight=st.one_of(st.floats(min_value=0, max_value=100), anything),
        checkins=st.lists(
            st.builds(CheckIn, day=days, value=value, confidence=st.none() | st.integers(0, 10)),
            max_size=4,
        ).map(tuple),
        binding=st.none()
        | st.builds(
            Binding,
            kind=st.sampled_from(["metric", "jira-count", "cost-spend", "status", "odd"]),
            source=st.sampled_from(["", "wandb", "mlflow"]),
        ),
    )


bound_values = st.builds(
    BoundValue,
    kr=ids,
    value=st.none() | anything,
    origin=st.sampled_from(["", "mlflow", "jira", "cost"]),
    error=st.sampled_from(["", "no experiment named 'x'"]),
    as_of=st.none() | moments,
)
points = st.builds(KrPoint, kr=ids, at=moments, value=anything, origin=st.just("status"))


@st.composite
def okr_files(draw: st.DrawFn) -> OkrData:
    start = draw(st.dates(min_value=date(2026, 8, 1), max_value=date(2026, 12, 1)))
    end = start + timedelta(days=draw(st.integers(-3, 120)))  # even a period ending first
    objectives = draw(
        st.lists(
            st.builds(
                Objective,
                id=st.text(max_size=3),
                title=st.text(max_size=10),
                key_results=st.lists(key_results(), max_size=4).map(tuple),
                start=st.none() | days,
                end=st.none() | days,
            ),
            max_size=3,
        )
    )
    return OkrData(
        "P",
        start,
        end,
        tuple(objectives),
        kpis=tuple(draw(st.lists(key_results(), max_size=2))),
        history=tuple(draw(st.lists(points, max_size=5))),
    )


@settings(max_examples=300, deadline=None)
@given(
    data=okr_files(),
    now=st.one_of(moments, st.datetimes(min_value=datetime(2026, 8, 1))),  # naive too
    bound=st.lists(bound_values, max_size=5),
    history=st.lists(points, max_size=8),
    margins=st.tuples(st.floats(0, 1), st.floats(0, 1)).map(sorted),
    stale_days=st.integers(1, 365),
)
def test_summarize_never_raises_and_stays_in_range(
    data: OkrData,
    now: datetime,
    bound: list[BoundValue],
    history: list[KrPoint],
    margins: list[float],
    stale_days: int,
) -> None:
    rules = OkrRules(at_risk_margin=margins[0], off_track_margin=margins[1], stale_days=stale_days)
    summary = summarize_okrs(
        data, now, bound={b.kr: b for b in bound}, history=history, rules=rules
    )
    assert 0.0 <= summary.elapsed <= 1.0 and summary.days_left >= 0
    statuses = {"done", "on track", "at risk", "off track", "no data", "broken"}
    for objective in summary.objectives:
        assert 0.0 <= objective.progress <= 1.0 and 0.0 <= objective.expected <= 1.0
        assert objective.status in statuses
        measured = [k.progress for k in objective.key_results if k.current is not None]
        assert objective.unmeasured == len(objective.key_results) - len(measured)
        if measured:
            # A weighted mean lies between its key results.
            assert min(measured) <= objective.progress <= max(measured)
        for kr in objective.key_results:
            assert 0.0 <= kr.progress <= 1.0 and 0.0 <= kr.expected <= 1.0
            assert kr.status in statuses
            assert kr.current is None or math.isfinite(kr.current)
            assert (kr.status == "broken") == bool(kr.error)
            assert all(math.isfinite(p.value) for p in kr.history)
            assert [p.at for p in kr.history] == sorted(p.at for p in kr.history)
            assert kr.week_change is None or math.isfinite(kr.week_change)
    assert summary.at_risk == sum(
        k.status in ("at risk", "off track") for o in summary.objectives for k in o.key_results
    )
    for kpi in summary.kpis:
        assert kpi.current is None or math.isfinite(kpi.current)
        assert (kpi.in_band is None) == (
            kpi.current is None
            or not any(math.isfinite(x) for x in (kpi.band_low, kpi.band_high) if x is not None)
        )


@settings(max_examples=300, deadline=None)
@given(kr=key_results(value=finite), value=anything)
def test_progress_is_always_between_zero_and_one(kr: KeyResult, value: float) -> None:
    assert 0.0 <= progress_of(kr, value) <= 1.0


@settings(max_examples=400, deadline=None)
@given(
    start=finite,
    target=finite,
    direction=st.sampled_from(["", "increase", "decrease"]),
    value=finite,
    step=st.floats(min_value=0, max_value=1),
)
def test_moving_toward_the_target_never_lowers_progress(
    start: float, target: float, direction: str, value: float, step: float
) -> None:
    kr = KeyResult("KR1", "t", start, target, math.nan, direction=direction)
    closer = value + (target - value) * step  # anywhere between the value and the target
    # Rounding can carry `closer` past either end (1 + (1e-53 - 1) is 0): not a move toward.
    assume(min(value, target) <= closer <= max(value, target))
    assert progress_of(kr, closer) >= progress_of(kr, value)
    assert progress_of(kr, target) == 1.0


@settings(max_examples=300, deadline=None)
@given(
    low=finite,
    width=st.floats(min_value=0, max_value=1e6),
    value=finite,
    step=st.floats(min_value=0, max_value=1),
)
def test_moving_toward_the_band_never_lowers_progress(
    low: float, width: float, value: float, step: float
) -> None:
    high = low + width
    kr = KeyResult("K1", "t", 0, 0, math.nan, direction="band", band_low=low, band_high=high)
    nearest = min(max(value, low), high)
    closer = value + (nearest - value) * step
    assume(min(value, nearest) <= closer <= max(value, nearest))
    assert progress_of(kr, closer) >= progress_of(kr, value)
    assert progress_of(kr, nearest) == 1.0
