"""OKR analytics, computed by hand on a fixed clock: each key result's value (binding, check-in,
typed), progress by direction, pace, status, history and trend, staleness, confidence, KPIs,
and the summary's counts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from cockpit.analytics.okr_views import OkrRules
from cockpit.analytics.okrs import period_elapsed, progress_of, summarize_okrs
from cockpit.models import Binding, BoundValue, CheckIn, KeyResult, KrPoint, Objective, OkrData

Q_START, Q_END = date(2026, 10, 1), date(2026, 12, 31)  # 92 days
HALF_WAY = datetime(2026, 11, 16, tzinfo=UTC)  # 46 of 92 days gone: exactly half
NAN = math.nan


def kr(
    id: str = "KR1",
    start: float = 0.0,
    target: float = 100.0,
    current: float = NAN,
    **fields: object,
) -> KeyResult:
    return KeyResult(id, f"key result {id}", start, target, current, **fields)  # type: ignore[arg-type]


def okrs(*key_results: KeyResult, **fields: object) -> OkrData:
    objective = Objective("O1", "Ship it", key_results=key_results)
    return OkrData("2026-Q4", Q_START, Q_END, (objective,), **fields)  # type: ignore[arg-type]


def one(data: OkrData, now: datetime = HALF_WAY, **kwargs: object):  # type: ignore[no-untyped-def]
    return summarize_okrs(data, now, **kwargs).objectives[0].key_results[0]  # type: ignore[arg-type]


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# --- progress ------------------------------------------------------------------------------


def test_increase_is_the_share_of_the_way_from_baseline_to_target_clamped() -> None:
    k = kr(start=20, target=60)
    assert progress_of(k, 40) == 0.5
    assert progress_of(k, 20) == 0.0
    assert progress_of(k, 10) == 0.0  # below the baseline: clamped, never negative
    assert progress_of(k, 80) == 1.0  # past the target: clamped


def test_decrease_counts_the_way_down() -> None:
    # GPU cost per run from $410 to $280: $345 is half way.
    k = kr(start=410, target=280, direction="decrease")
    assert progress_of(k, 345) == 0.5
    assert progress_of(k, 250) == 1.0
    assert progress_of(k, 450) == 0.0


def test_an_empty_direction_is_read_from_baseline_and_target() -> None:
    data = okrs(kr(start=410, target=280, current=345))
    view = one(data)
    assert (view.direction, view.progress) == ("decrease", 0.5)
    assert one(okrs(kr(start=20, target=60, current=30))).direction == "increase"


def test_a_target_equal_to_the_baseline_is_reached_or_not() -> None:
    up = kr(start=5, target=5, direction="increase")
    assert (progress_of(up, 5), progress_of(up, 6), progress_of(up, 4)) == (1.0, 1.0, 0.0)
    down = kr(start=5, target=5, direction="decrease")
    assert (progress_of(down, 4), progress_of(down, 6)) == (1.0, 0.0)


def test_a_band_is_full_inside_and_falls_to_zero_one_band_width_outside() -> None:
    k = kr(start=80, target=92, direction="band", band_low=90, band_high=95)  # width 5
    assert progress_of(k, 90) == progress_of(k, 92) == progress_of(k, 95) == 1.0
    assert progress_of(k, 87.5) == 0.5  # half a width below
    assert progress_of(k, 97.5) == 0.5  # half a width above
    assert progress_of(k, 85) == 0.0 == progress_of(k, 60)


def test_a_band_open_on_one_side_falls_off_over_baseline_to_target() -> None:
    # "Stay above 90": no upper edge; outside, the width is |95 - 80| = 15.
    k = kr(start=80, target=95, direction="band", band_low=90)
    assert progress_of(k, 1e9) == 1.0
    assert progress_of(k, 85) == pytest.approx(2 / 3)
    # A band is read from the band keys when the direction is left empty.
    assert one(okrs(kr(start=80, target=95, current=85, band_low=90))).direction == "band"


def test_no_value_or_no_number_gives_no_progress() -> None:
    k = kr()
    assert progress_of(k, None) == progress_of(k, NAN) == progress_of(k, math.inf) == 0.0
    assert progress_of(kr(start=NAN, target=1), 0.5) == 0.0


# --- pace and status -----------------------------------------------------------------------


def test_elapsed_runs_from_the_first_day_s_start_to_the_last_day_s_end() -> None:
    assert period_elapsed(Q_START, Q_END, HALF_WAY) == 0.5
    assert period_elapsed(Q_START, Q_END, datetime(2026, 10, 1, tzinfo=UTC)) == 0.0
    assert period_elapsed(Q_START, Q_END, datetime(2027, 1, 1, tzinfo=UTC)) == 1.0
    assert period_elapsed(Q_START, Q_END, datetime(2026, 9, 1, tzinfo=UTC)) == 0.0
    # A day counts as its end (how a plain date was read before).
    assert period_elapsed(Q_START, Q_END, date(2026, 11, 15)) == 0.5


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (100, "done"),
        (45, "on track"),  # 5 points behind half way
        (40, "on track"),  # exactly at_risk_margin behind: still on track
        (35, "at risk"),  # 15 behind
        (25, "at risk"),  # exactly off_track_margin behind
        (20, "off track"),  # 30 behind
    ],
)
def test_status_is_judged_against_the_pace(current: float, status: str) -> None:
    view = one(okrs(kr(current=current)))
    assert (view.expected, view.status) == (0.5, status)


def test_the_thresholds_come_from_the_rules() -> None:
    data = okrs(kr(current=45))
    strict = OkrRules(at_risk_margin=0.02, off_track_margin=0.04)
    assert one(data, rules=strict).status == "off track"
    assert one(data, rules=OkrRules(at_risk_margin=0.02, off_track_margin=0.2)).status == "at risk"


def test_an_objective_s_own_period_sets_its_pace() -> None:
    objective = Objective(
        "O1",
        "November push",
        key_results=(kr(current=40),),
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
    )
    data = OkrData("2026-Q4", Q_START, Q_END, (objective,))
    now = datetime(2026, 11, 11, tzinfo=UTC)  # 10 of its 30 days; 41 of the quarter's 92
    summary = summarize_okrs(data, now)
    view = summary.objectives[0]
    assert view.expected == pytest.approx(1 / 3)
    assert (view.start, view.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert view.key_results[0].expected == pytest.approx(1 / 3)
    assert view.key_results[0].status == "on track"
    assert summary.elapsed == pytest.approx(41 / 92)
    assert summary.days_left == 50


def test_a_band_key_result_is_expected_inside_its_band_and_never_done() -> None:
    k = kr(start=80, target=92, direction="band", band_low=90, band_high=95, current=92)
    view = one(okrs(k))
    assert (view.progress, view.expected, view.status) == (1.0, 1.0, "on track")
    # Outside, it is judged against being inside: 0.5 is off track at any point of the period.
    outside = one(okrs(msgspec_replace(k, current=87.5)))
    assert (outside.progress, outside.status) == (0.5, "off track")
    # An objective of band key results inside their bands is on track, not achieved.
    assert summarize_okrs(okrs(k), HALF_WAY).objectives[0].status == "on track"


def msgspec_replace(k: KeyResult, **fields: object) -> KeyResult:
    import msgspec

    return msgspec.structs.replace(k, **fields)


# --- where the value comes from ------------------------------------------------------------


def test_the_latest_check_in_gives_a_manual_key_result_its_value() -> None:
    checkins = (
        CheckIn(date(2026, 10, 20), 30, 6),
        CheckIn(date(2026, 11, 10), 45, 7, "new features"),
        CheckIn(date(2026, 11, 3), 40, 5),  # out of order in the file: the day decides
    )
    view = one(okrs(kr(checkins=checkins)))
    assert (view.current, view.origin, view.status) == (45, "manual", "on track")
    assert view.updated == noon(date(2026, 11, 10))
    assert view.confidence == 7
    assert view.confidence_trend == "up"  # 5 on Nov 3, 7 on Nov 10
    assert [c.day for c in view.checkins] == sorted(c.day for c in checkins)


def test_a_check_in_without_a_number_carries_only_its_confidence() -> None:
    checkins = (CheckIn(date(2026, 11, 2), 40, 8), CheckIn(date(2026, 11, 9), NAN, 4))
    view = one(okrs(kr(checkins=checkins)))
    assert view.current == 40
    assert (view.confidence, view.confidence_trend) == (4, "down")


def test_an_older_file_s_typed_value_still_counts() -> None:
    view = one(okrs(kr(current=50, updated=date(2026, 11, 12))))
    assert (view.current, view.progress, view.origin) == (50, 0.5, "manual")
    assert view.last_change == date(2026, 11, 12)
    assert view.updated == noon(date(2026, 11, 12))


def test_nothing_known_is_no_data_and_counts_neither_way() -> None:
    view = one(okrs(kr()))
    assert (view.current, view.progress, view.status) == (None, 0.0, "no data")


FRAUD = Binding("metric", experiment="fraud-gbdt", metric="val_f1", text="metric fraud-gbdt val_f1")


def test_a_bound_value_wins_over_check_ins() -> None:
    k = kr(start=0.86, target=0.91, binding=FRAUD, checkins=(CheckIn(date(2026, 11, 9), 0.99, 6),))
    synced = datetime(2026, 11, 15, 8, tzinfo=UTC)
    bound = {"KR1": BoundValue("KR1", 0.885, "mlflow", "best val_f1 in fraud-gbdt", as_of=synced)}
    view = one(okrs(k), bound=bound)
    assert view.current == 0.885
    assert view.progress == pytest.approx(0.5)
    assert (view.origin, view.detail, view.binding) == (
        "mlflow",
        "best val_f1 in fraud-gbdt",
        "metric fraud-gbdt val_f1",
    )
    assert view.updated == synced
    assert view.confidence == 6  # a bound key result's check-ins still say how sure we are


def test_a_failed_binding_is_broken_with_its_reason() -> None:
    k = kr(binding=FRAUD, checkins=(CheckIn(date(2026, 11, 9), 50),))
    bound = {"KR1": BoundValue("KR1", None, "mlflow", error="no experiment named 'fraud-gbt'")}
    view = one(okrs(k), bound=bound)
    assert (view.current, view.status, view.progress) == (None, "broken", 0.0)
    assert view.error == "no experiment named 'fraud-gbt'"
    assert not view.stale  # its trouble is the binding, said once


def test_a_binding_never_resolved_is_broken_and_says_what_to_do() -> None:
    view = one(okrs(kr(binding=Binding("jira-count", label="launch"))))
    assert (view.status, view.origin) == ("broken", "jira")
    assert "cockpit sync" in view.error


# --- objectives ----------------------------------------------------------------------------


def test_objective_progress_is_weighted_over_the_key_results_with_a_value() -> None:
    data = okrs(
        kr("KR1", current=100, weight=3),
        kr("KR2", current=20, weight=1),
        kr("KR3", binding=FRAUD),  # broken: left out, not a 0 %
        kr("KR4"),  # no data: left out, not a 0 %
    )
    objective = summarize_okrs(data, HALF_WAY).objectives[0]
    assert objective.progress == pytest.approx((3 * 1.0 + 1 * 0.2) / 4)
    assert objective.unmeasured == 2
    assert objective.status == "on track"


def test_an_objective_with_nothing_measured_says_why() -> None:
    broken = summarize_okrs(okrs(kr("KR1", binding=FRAUD), kr("KR2")), HALF_WAY).objectives[0]
    assert (broken.progress, broken.status, broken.unmeasured) == (0.0, "broken", 2)
    empty = summarize_okrs(okrs(kr("KR1")), HALF_WAY).objectives[0]
    assert (empty.status, empty.unmeasured) == ("no data", 1)
    assert summarize_okrs(okrs(), HALF_WAY).objectives[0].status == "no data"


def test_an_objective_is_done_only_when_every_key_result_is() -> None:
    done = summarize_okrs(okrs(kr("KR1", current=100), kr("KR2", current=120)), HALF_WAY)
    assert done.objectives[0].status == "done"
    partly = summarize_okrs(okrs(kr("KR1", current=100), kr("KR2")), HALF_WAY)
    assert (partly.objectives[0].progress, partly.objectives[0].status) == (1.0, "on track")


def test_weights_of_zero_everywhere_fall_back_to_the_plain_mean() -> None:
    data = okrs(kr("KR1", current=100, weight=0), kr("KR2", current=0, weight=0))
    assert summarize_okrs(data, HALF_WAY).objectives[0].progress == 0.5


# --- history, trend, staleness -------------------------------------------------------------


def test_a_manual_key_result_s_line_is_its_check_ins() -> None:
    checkins = (
        CheckIn(date(2026, 9, 28), 5),  # before the period: not on its line
        CheckIn(date(2026, 10, 20), 30),
        CheckIn(date(2026, 11, 2), 40),
        CheckIn(date(2026, 11, 12), 40),
        CheckIn(date(2026, 11, 20), 60),  # after today: not yet
    )
    view = one(okrs(kr(checkins=checkins)))
    assert view.history == (
        KrPoint("KR1", noon(date(2026, 10, 20)), 30, "manual"),
        KrPoint("KR1", noon(date(2026, 11, 2)), 40, "manual"),
        KrPoint("KR1", noon(date(2026, 11, 12)), 40, "manual"),
    )
    assert view.current == 40  # the Nov 20 check-in counts once its day has begun
    assert view.trend == "up"  # the last two distinct values: 30, then 40
    assert view.improving is True
    assert view.last_change == date(2026, 11, 12)  # a check-in, even of the same value
    # A week before Nov 16 00:00 the Nov 2 value (40) was in force.
    assert view.week_change == 0


def test_a_bound_key_result_s_line_is_what_was_recorded() -> None:
    k = kr(
        start=410,
        target=280,
        binding=Binding("cost-per-run", scope="tag:team=ranker"),
        checkins=(CheckIn(date(2026, 11, 13), NAN, 6, "the cache lands next week"),),
    )
    recorded = (
        KrPoint("KR1", datetime(2026, 10, 1, tzinfo=UTC), 410, "cost"),
        KrPoint("KR1", datetime(2026, 11, 3, 9, tzinfo=UTC), 380, "cost"),
        KrPoint("OTHER", datetime(2026, 11, 4, 9, tzinfo=UTC), 1, "cost"),
    )
    demo = (KrPoint("KR1", datetime(2026, 11, 12, 9, tzinfo=UTC), 350, "cost"),)
    synced = datetime(2026, 11, 15, 22, tzinfo=UTC)
    bound = {"KR1": BoundValue("KR1", 345, "cost", "spend / runs", as_of=synced)}
    view = one(okrs(k, history=demo), bound=bound, history=recorded)
    # Recorded, then the demo's seeded point, then the live value newer than both.
    assert [(p.at, p.value) for p in view.history] == [
        (datetime(2026, 10, 1, tzinfo=UTC), 410),
        (datetime(2026, 11, 3, 9, tzinfo=UTC), 380),
        (datetime(2026, 11, 12, 9, tzinfo=UTC), 350),
        (synced, 345),
    ]
    assert view.progress == 0.5
    assert (view.trend, view.improving) == ("down", True)  # down is the way it should go
    assert view.week_change == 345 - 380  # in force on Nov 9: the Nov 3 value
    assert view.last_change == date(2026, 11, 15)
    assert len(view.checkins) == 1 and view.confidence == 6


def test_the_same_point_from_the_store_and_the_file_is_drawn_once() -> None:
    point = KrPoint("KR1", datetime(2026, 11, 3, 9, tzinfo=UTC), 380, "cost")
    bound = {"KR1": BoundValue("KR1", 380, "cost", as_of=datetime(2026, 11, 3, 9, tzinfo=UTC))}
    view = one(okrs(kr(binding=FRAUD), history=(point,)), bound=bound, history=(point,))
    assert view.history == (point,)
    assert view.trend == ""  # one value: no trend yet


def test_a_value_that_has_not_moved_is_flat() -> None:
    points = tuple(
        KrPoint("KR1", datetime(2026, 11, d, tzinfo=UTC), 0.9, "mlflow") for d in (1, 8, 15)
    )
    bound = {"KR1": BoundValue("KR1", 0.9, "mlflow")}
    view = one(okrs(kr(binding=FRAUD)), bound=bound, history=points)
    assert (view.trend, view.improving, view.week_change) == ("flat", None, 0.0)
    assert view.last_change == date(2026, 11, 1)  # the value was first seen then


@pytest.mark.parametrize(("days_ago", "stale"), [(13, False), (14, True), (30, True)])
def test_a_key_result_with_no_change_and_no_check_in_is_stale(days_ago: int, stale: bool) -> None:
    day = HALF_WAY.date() - timedelta(days=days_ago)
    view = one(okrs(kr(checkins=(CheckIn(day, 40),))))
    assert view.stale is stale
    assert summarize_okrs(okrs(kr(checkins=(CheckIn(day, 40),))), HALF_WAY).stale == int(stale)


def test_stale_days_come_from_the_rules() -> None:
    data = okrs(kr(checkins=(CheckIn(date(2026, 11, 9), 40),)))  # 7 days ago
    assert not one(data).stale
    assert one(data, rules=OkrRules(stale_days=7)).stale


def test_a_check_in_keeps_a_bound_key_result_fresh() -> None:
    old = (KrPoint("KR1", datetime(2026, 10, 1, tzinfo=UTC), 0.9, "mlflow"),)
    bound = {"KR1": BoundValue("KR1", 0.9, "mlflow")}
    quiet = one(okrs(kr(binding=FRAUD)), bound=bound, history=old)
    assert (quiet.last_change, quiet.stale) == (date(2026, 10, 1), True)
    touched = kr(binding=FRAUD, checkins=(CheckIn(date(2026, 11, 12), NAN, 7),))
    view = one(okrs(touched), bound=bound, history=old)
    assert (view.last_change, view.stale) == (date(2026, 11, 12), False)


def test_a_key_result_never_touched_is_stale_two_weeks_into_its_period() -> None:
    assert one(okrs(kr()), now=datetime(2026, 10, 14, tzinfo=UTC)).stale is False
    assert one(okrs(kr()), now=datetime(2026, 10, 15, tzinfo=UTC)).stale is True


def test_a_check_in_counts_once_its_day_has_begun_somewhere() -> None:
    # Written just after midnight in Berlin (Nov 17), read at 23:30 UTC on Nov 16.
    data = okrs(kr(checkins=(CheckIn(date(2026, 11, 2), 30), CheckIn(date(2026, 11, 17), 45, 8))))
    view = one(data, now=datetime(2026, 11, 16, 23, 30, tzinfo=UTC))
    assert (view.current, view.confidence, view.last_change) == (45, 8, date(2026, 11, 17))
    assert view.history[-1] == KrPoint("KR1", noon(date(2026, 11, 17)), 45, "manual")
    assert not view.stale
    # Dated a week ahead, it waits for its day: the value is still the Nov 2 one.
    early = one(data, now=datetime(2026, 11, 10, tzinfo=UTC))
    assert (early.current, early.confidence, early.last_change) == (30, None, date(2026, 11, 2))
    assert len(early.checkins) == 2  # the screen still lists what the file holds


def test_a_naive_clock_is_read_as_utc() -> None:
    view = one(okrs(kr(current=40)), now=datetime(2026, 11, 16))
    assert (view.expected, view.status) == (0.5, "on track")


# --- KPIs and the summary ------------------------------------------------------------------


def test_kpis_say_whether_they_are_in_their_band() -> None:
    latency = kr("K1", start=0, target=0, band_low=None, band_high=150, unit="ms")
    recorded = (
        KrPoint("K1", datetime(2026, 8, 1, tzinfo=UTC), 120, "status"),  # a KPI has no period
        KrPoint("K1", datetime(2026, 11, 14, tzinfo=UTC), 170, "status"),
    )
    uptime = kr("K2", band_low=99.5, band_high=100, checkins=(CheckIn(date(2026, 11, 15), 99.9),))
    silent = kr("K3", band_low=1, band_high=2)
    data = OkrData(
        "2026-Q4",
        Q_START,
        Q_END,
        kpis=(
            msgspec_replace(latency, binding=Binding("status", path="serving.p95_ms")),
            uptime,
            silent,
        ),
    )
    bound = {"K1": BoundValue("K1", 170, "status", as_of=datetime(2026, 11, 14, tzinfo=UTC))}
    summary = summarize_okrs(data, HALF_WAY, bound=bound, history=recorded)
    k1, k2, k3 = summary.kpis
    assert (k1.current, k1.in_band, k1.trend, k1.week_change) == (170, False, "up", 50)
    assert k1.history == recorded
    assert (k1.last_change, k1.stale) == (date(2026, 11, 14), False)
    assert (k2.current, k2.in_band, k2.origin) == (99.9, True, "manual")
    assert (k3.current, k3.in_band, k3.error) == (None, None, "")
    assert summary.broken == 0


def test_the_summary_counts_every_key_result_and_kpi() -> None:
    first = Objective(
        "O1",
        "One",
        key_results=(kr("A", current=35), kr("B", current=20), kr("C", current=60)),
    )
    second = Objective(
        "O2",
        "Two",
        key_results=(
            kr("D", binding=FRAUD),
            kr("E", checkins=(CheckIn(date(2026, 10, 2), 50),)),
        ),
    )
    kpi = kr("K", band_low=1, band_high=2, binding=Binding("status", path="x.y"))
    data = OkrData("2026-Q4", Q_START, Q_END, (first, second), kpis=(kpi,), path="/t/okrs.toml")
    summary = summarize_okrs(data, HALF_WAY)
    assert [k.status for o in summary.objectives for k in o.key_results] == [
        "at risk",
        "off track",
        "on track",
        "broken",
        "on track",
    ]
    assert summary.at_risk == 2  # at risk and off track together
    assert summary.broken == 2  # D and the KPI
    # A, B, C: typed values without an `updated` day show no change since the period began
    # (46 days); E's check-in is 45 days old; the broken one is counted as broken, not stale.
    assert [k.stale for o in summary.objectives for k in o.key_results] == [
        True,
        True,
        True,
        False,
        True,
    ]
    assert summary.stale == 4
    assert summary.path == "/t/okrs.toml"
    assert (summary.period, summary.elapsed, summary.days_left) == ("2026-Q4", 0.5, 45)
