"""Properties of the team's hours and overlap windows, for any people, hours and zones:
windows do not depend on the order of people, lie within every listed person's working time,
never outlast the shortest person's day, and agree with a minute-by-minute count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.team import overlap_windows, summarize_team
from cockpit.analytics.team_hours import epoch_minute, wall_minute, working_intervals
from cockpit.analytics.team_views import TeamRules
from cockpit.models import Person, TeamData, TimeOff, Travel, WorkSpan

ZONES = [
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Asia/Jerusalem",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Singapore",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
]
BASE = epoch_minute(datetime(2026, 3, 2, tzinfo=UTC))

# --- wall clock to UTC ---------------------------------------------------------------------


@given(
    st.sampled_from(sorted(available_timezones())),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)),
    st.integers(0, 2879),
)
@settings(max_examples=500, deadline=None)
def test_wall_minute_resolves_like_zoneinfo_in_every_zone(name, day, minute) -> None:  # type: ignore[no-untyped-def]
    # The shortcut (one offset per zone and day unless it changes that day) gives what a
    # plain zoneinfo conversion of that wall-clock time gives, with fold=0.
    local = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    expected = epoch_minute(local.replace(tzinfo=ZoneInfo(name)))
    assert wall_minute(name, day.toordinal(), minute) == expected


# --- raw intervals ------------------------------------------------------------------------

interval = st.tuples(st.integers(0, 600), st.integers(1, 240)).map(
    lambda t: (BASE + t[0], BASE + t[0] + t[1])
)
people_intervals = st.dictionaries(
    st.sampled_from("abcdefgh"), st.lists(interval, max_size=4), min_size=1, max_size=8
)


def _covers(intervals: list[tuple[int, int]], lo: int, hi: int) -> bool:
    return any(i_lo <= lo and hi <= i_hi for i_lo, i_hi in _joined(intervals))


def _joined(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _minutes(window) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return epoch_minute(window.start), epoch_minute(window.end)


@given(people_intervals, st.integers(0, 4), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_windows_do_not_depend_on_the_order_of_people(intervals, need, rnd) -> None:  # type: ignore[no-untyped-def]
    order = sorted(intervals)
    shuffled_keys = list(intervals)
    rnd.shuffle(shuffled_keys)
    shuffled = {k: list(reversed(intervals[k])) for k in shuffled_keys}
    start, end = BASE, BASE + 900
    first = overlap_windows(intervals, start, end, min_people=need, order=order)
    again = overlap_windows(shuffled, start, end, min_people=need, order=order)
    assert first == again
    # Without an order the people follow the mapping, but the windows are the same.
    loose = overlap_windows(shuffled, start, end, min_people=need)
    assert [(w.start, w.end, set(w.people)) for w in loose] == [
        (w.start, w.end, set(w.people)) for w in first
    ]


@given(people_intervals, st.integers(0, 4), st.integers(0, 300), st.integers(1, 900))
@settings(max_examples=200, deadline=None)
def test_windows_agree_with_a_minute_by_minute_count(intervals, need, lo, length) -> None:  # type: ignore[no-untyped-def]
    start, end = BASE + lo, BASE + lo + length
    windows = overlap_windows(intervals, start, end, min_people=need, order=sorted(intervals))
    # Sorted, disjoint, non-empty and inside the range.
    spans = [_minutes(w) for w in windows]
    assert all(s_lo < s_hi for s_lo, s_hi in spans)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    assert all(start <= s_lo and s_hi <= end for s_lo, s_hi in spans)
    # Each minute: who works, by brute force.
    working = {
        minute: frozenset(
            person
            for person, rows in intervals.items()
            if any(r_lo <= minute < r_hi for r_lo, r_hi in rows)
        )
        for minute in range(start, end)
    }
    most = max((len(group) for group in working.values()), default=0)
    asked = need if need > 0 else max(2, most)
    inside = {m for s_lo, s_hi in spans for m in range(s_lo, s_hi)}
    assert inside == {m for m, group in working.items() if len(group) >= asked}
    for w, (s_lo, s_hi) in zip(windows, spans, strict=True):
        assert all(working[m] == frozenset(w.people) for m in range(s_lo, s_hi))
        assert list(w.people) == sorted(w.people)  # the order asked
        # Maximal: the people change (or the range ends) on both sides.
        assert s_lo == start or working[s_lo - 1] != working[s_lo]
        assert s_hi == end or working[s_hi] != working[s_hi - 1]
        for person in w.people:
            assert _covers(intervals[person], s_lo, s_hi)
            # Never longer than the shortest listed person's working time.
            total = sum(
                min(r_hi, end) - max(r_lo, start)
                for r_lo, r_hi in _joined(intervals[person])
                if r_hi > start and r_lo < end
            )
            assert s_hi - s_lo <= total


@given(people_intervals, st.data())
@settings(max_examples=100, deadline=None)
def test_a_subset_window_has_all_of_the_subset(intervals, data) -> None:  # type: ignore[no-untyped-def]
    subset = data.draw(st.lists(st.sampled_from(sorted(intervals)), min_size=1, unique=True))
    for w in overlap_windows(intervals, BASE, BASE + 900, min_people=0, subset=subset):
        assert set(w.people) == set(subset)
        for person in subset:
            assert _covers(intervals[person], *_minutes(w))


# --- real people --------------------------------------------------------------------------

span = st.tuples(st.integers(0, 1380), st.integers(15, 720)).map(
    lambda t: WorkSpan(t[0], t[0] + t[1])
)


@st.composite
def day_spans(draw: st.DrawFn) -> tuple[WorkSpan, ...]:
    """None, one, or two spans with a break (a split day); the second may pass midnight."""
    first = draw(st.one_of(st.none(), span))
    if first is None:
        return ()
    if first.end < 1200 and draw(st.booleans()):
        gap = draw(st.integers(1, 120))
        return (first, WorkSpan(first.end + gap, first.end + gap + draw(st.integers(15, 300))))
    return (first,)


@st.composite
def persons(draw: st.DrawFn, index: int) -> Person:
    week = tuple(draw(day_spans()) for _ in range(7))
    travel: tuple[Travel, ...] = ()
    if draw(st.booleans()):
        start = date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 12)))
        end = start + timedelta(days=draw(st.integers(0, 10)))
        travel = (Travel(start, end, draw(st.sampled_from(ZONES))),)
    time_off: tuple[TimeOff, ...] = ()
    if draw(st.booleans()):
        off = date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 14)))
        time_off = (TimeOff(off, off + timedelta(days=draw(st.integers(0, 3)))),)
    return Person(
        f"p{index}",
        f"P{index}",
        draw(st.sampled_from(ZONES)),
        hours=week,
        travel=travel,
        time_off=time_off,
    )


teams = st.integers(1, 6).flatmap(lambda n: st.tuples(*(persons(i) for i in range(n))))
# Around the US and EU spring changes (8 and 29 March 2026) and Lord Howe's half hour.
moments = st.datetimes(
    min_value=datetime(2026, 3, 1), max_value=datetime(2026, 4, 6), timezones=st.just(UTC)
)


@given(teams, moments, st.integers(1, 3000))
@settings(max_examples=100, deadline=None)
def test_working_intervals_are_sorted_disjoint_and_within_the_range(team, start, length) -> None:  # type: ignore[no-untyped-def]
    end = start + timedelta(minutes=length)
    lo, hi = epoch_minute(start), epoch_minute(end)
    for person in team:
        found = working_intervals(person, start, end)
        assert all(lo <= a < b <= hi for a, b in found)
        # Merged: a gap of at least a minute between two intervals.
        assert all(a[1] < b[0] for a, b in pairwise(found))


@given(teams, moments, st.sampled_from(ZONES), st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_summary_windows_lie_within_everyones_hours(team, now, lead, need) -> None:  # type: ignore[no-untyped-def]
    summary = summarize_team(TeamData(team), now, lead_zone=lead, rules=TeamRules(min_people=need))
    by_id = {p.id: p for p in team}
    for day in summary.week:
        for w in day.windows:
            assert len(w.people) >= (need if need > 0 else 2)
            for person_id in w.people:
                hours = working_intervals(by_id[person_id], w.start, w.end)
                assert hours == ((epoch_minute(w.start), epoch_minute(w.end)),)
        if day.best is not None:
            assert day.best in day.windows
    # The band is today's windows, in the lead's minutes, inside the lead's day.
    assert all(0 <= lo < hi <= summary.day_minutes for lo, hi in summary.band)
    for row in summary.people:
        assert all(0 <= lo < hi <= summary.day_minutes for lo, hi in row.ribbon)
    assert len(summary.heat) == len(summary.week) == 7
    assert len(summary.heat[0]) == -(-summary.day_minutes // 30)
    assert all(0 <= count <= len(team) for row in summary.heat for count in row)
    # The handover's legs follow one another, each inside its person's hours.
    for before, after in pairwise(summary.handover):
        gap = int((after.start - before.end).total_seconds() // 60)
        assert gap == after.gap_before >= 0
    for leg in summary.handover:
        hours = working_intervals(by_id[leg.person], leg.start, leg.end)
        assert hours == ((epoch_minute(leg.start), epoch_minute(leg.end)),)
