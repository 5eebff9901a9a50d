"""Sprint analytics: burndown replayed from history, velocity, health, blockers, load, rows."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.analytics.sprint import (
    Burndown,
    BurndownDay,
    assignee_load,
    burndown,
    find_blockers,
    issue_rows,
    predict_capacity,
    sprint_health,
    summarize_sprint,
    velocity,
)
from cockpit.analytics.sprint_history import Histories, History, Statuses, sprint_periods
from cockpit.models import (
    Board,
    BoardColumn,
    Issue,
    PointsChange,
    Sprint,
    SprintChange,
    SprintData,
    StatusCategory,
    StatusChange,
)

DAY = timedelta(days=1)
# Sprint 10 runs from Monday 2 November 08:00 to Monday 16 November 08:00: 14 days (2 to 15
# November), 10 of them working days.
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
END = START + timedelta(days=14)
SPRINT = Sprint(10, "Sprint 10", "active", goal="Ship it", start=START, end=END)
NEXT = Sprint(11, "Sprint 11", "future")
PREVIOUS = Sprint(
    9,
    "Sprint 9",
    "closed",
    start=START - timedelta(days=14),
    end=START,
    completed=START - timedelta(hours=2),
)
TODO, DOING, DONE = StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.DONE
CATEGORY = {"To Do": TODO, "In Progress": DOING, "In Review": DOING, "Blocked": DOING, "Done": DONE}
BOARD = Board(
    7,
    "Team board",
    columns=(
        BoardColumn("To Do", ("To Do",)),
        BoardColumn("Doing", ("In Progress", "Waiting")),
        BoardColumn("Review", ("In Review",)),
        BoardColumn("Done", ("Done",)),
    ),
    site_url="https://example.atlassian.net",
)


def at(day: int, hour: float = 12.0) -> datetime:
    """A moment in November 2026."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def issue(
    key: str,
    points: float | None = 3.0,
    status: str = "To Do",
    *,
    sprint_id: int | None = 10,
    created: datetime | None = None,
    **fields: object,
) -> Issue:
    return Issue(
        key=key,
        summary=f"Work item {key}",
        status=status,
        category=fields.pop("category", CATEGORY.get(status, DOING)),  # type: ignore[arg-type]
        points=points,
        sprint_id=sprint_id,
        sprint_ids=fields.pop("sprint_ids", (sprint_id,) if sprint_id else ()),  # type: ignore[arg-type]
        created=created or at(1),
        **fields,  # type: ignore[arg-type]
    )


def done_on(day: int, hour: float = 12.0, *, start: str = "To Do") -> tuple[StatusChange, ...]:
    return (
        StatusChange(at(day, hour - 3), start, "In Progress"),
        StatusChange(at(day, hour), "In Progress", "Done"),
    )


def data(
    *issues: Issue,
    sprints: Sequence[Sprint] = (PREVIOUS, SPRINT, NEXT),
    points: bool = True,
    **fields: object,
) -> SprintData:
    return SprintData(
        board=BOARD,
        sprints=tuple(sprints),
        issues=issues,
        points_field="customfield_10016" if points else None,
        **fields,  # type: ignore[arg-type]
    )


def by_day(chart: Burndown) -> dict[date, tuple[float | None, float, float, float]]:
    return {d.day: (d.remaining, d.scope, d.added, d.removed) for d in chart.days}


# --- Burndown: unit cases --------------------------------------------------------------------


def test_steady_sprint_burns_down_and_stops_at_today() -> None:
    d = data(
        issue("A-1", 3, "Done", status_changes=done_on(3), resolved=at(3)),
        issue("A-2", 5, "Done", status_changes=done_on(5), resolved=at(5)),
        issue(
            "A-3", 2, "In Progress", status_changes=(StatusChange(at(4), "To Do", "In Progress"),)
        ),
    )
    chart = burndown(d, SPRINT, at(6, 10))
    assert chart is not None
    assert (chart.sprint, chart.unit, chart.committed) == ("Sprint 10", "pts", 10.0)
    assert (chart.start, chart.end) == (date(2026, 11, 2), date(2026, 11, 16))
    days = by_day(chart)
    assert len(chart.days) == 14 and chart.days[0].day == date(2026, 11, 2)
    assert chart.days[-1].day == date(2026, 11, 15)
    assert days[date(2026, 11, 2)] == (10.0, 10.0, 0.0, 0.0)
    assert days[date(2026, 11, 3)][0] == 7.0  # A-1 done on the 3rd, noon
    assert days[date(2026, 11, 4)][0] == 7.0  # a plateau
    assert days[date(2026, 11, 5)][0] == 2.0
    # Days are counted from 08:00, so "today" (the 6th at 10:00) is the period labelled the 6th.
    assert days[date(2026, 11, 6)][0] == 2.0
    assert all(d.remaining is None for d in chart.days if d.day > date(2026, 11, 6))
    # The ideal line falls evenly to zero on the last day, read at the end of each day.
    assert [d.ideal for d in chart.days][:2] == [
        pytest.approx(10 * 13 / 14),
        pytest.approx(10 * 12 / 14),
    ]
    assert chart.days[-1].ideal == 0.0
    assert (chart.scope_added, chart.scope_removed) == (0.0, 0.0)


def test_issue_added_mid_sprint_is_scope_added_that_day() -> None:
    d = data(
        issue("A-1", 3),
        # Created straight into the sprint on Wednesday: no Sprint-field change in its changelog.
        issue("A-2", 2, created=at(4, 10)),
        # Pulled in from the backlog on Thursday.
        issue(
            "A-3",
            5,
            sprint_changes=(SprintChange(at(5, 9), (), (10,)),),
        ),
    )
    chart = burndown(d, SPRINT, at(9, 12))
    assert chart is not None and chart.committed == 3.0
    days = by_day(chart)
    assert days[date(2026, 11, 3)] == (3.0, 3.0, 0.0, 0.0)
    assert days[date(2026, 11, 4)] == (5.0, 5.0, 2.0, 0.0)
    assert days[date(2026, 11, 5)] == (10.0, 10.0, 5.0, 0.0)
    assert (chart.scope_added, chart.scope_removed) == (7.0, 0.0)


def test_issue_removed_mid_sprint_is_scope_removed() -> None:
    moved = issue(
        "A-2",
        5,
        sprint_id=11,
        sprint_ids=(10, 11),
        sprint_changes=(
            SprintChange(at(1), (), (10,)),
            SprintChange(at(4, 15), (10,), (11,)),
        ),
    )
    to_backlog = issue(
        "A-3",
        2,
        sprint_id=None,
        sprint_ids=(10,),
        sprint_changes=(SprintChange(at(1), (), (10,)), SprintChange(at(5, 9), (10,), ())),
    )
    d = data(issue("A-1", 3), moved, to_backlog)
    chart = burndown(d, SPRINT, at(9, 12))
    assert chart is not None and chart.committed == 10.0
    days = by_day(chart)
    assert days[date(2026, 11, 4)] == (5.0, 5.0, 0.0, 5.0)
    assert days[date(2026, 11, 5)] == (3.0, 3.0, 0.0, 2.0)
    assert chart.scope_removed == 7.0
    summary = summarize_sprint(d, at(9, 12))
    assert summary.total == 3.0 and summary.issue_count == 1


def test_re_estimates_change_scope_both_ways() -> None:
    raised = issue("A-1", 5, points_changes=(PointsChange(at(3, 10), 3, 5),))
    lowered = issue(
        "A-2",
        2,
        points_changes=(PointsChange(at(1), None, 8), PointsChange(at(4, 10), 8, 2)),
    )
    late_estimate = issue("A-3", 1, points_changes=(PointsChange(at(5, 10), None, 1),))
    chart = burndown(data(raised, lowered, late_estimate), SPRINT, at(9))
    assert chart is not None
    assert chart.committed == 11.0  # 3 + 8 + unestimated
    days = by_day(chart)
    assert days[date(2026, 11, 3)][1:] == (13.0, 2.0, 0.0)
    assert days[date(2026, 11, 4)][1:] == (7.0, 0.0, 6.0)
    assert days[date(2026, 11, 5)][1:] == (8.0, 1.0, 0.0)
    assert (chart.scope_added, chart.scope_removed) == (3.0, 6.0)


def test_reopened_issue_comes_back_into_remaining() -> None:
    history = (
        StatusChange(at(3, 9), "To Do", "In Progress"),
        StatusChange(at(4, 9), "In Progress", "Done"),
        StatusChange(at(6, 9), "Done", "In Progress"),
    )
    d = data(issue("A-1", 5, "In Progress", status_changes=history), issue("A-2", 3))
    chart = burndown(d, SPRINT, at(9, 12))
    assert chart is not None
    remaining = {day: r for day, (r, *_) in by_day(chart).items()}
    assert remaining[date(2026, 11, 3)] == 8.0
    assert remaining[date(2026, 11, 4)] == 3.0
    assert remaining[date(2026, 11, 5)] == 3.0
    assert remaining[date(2026, 11, 6)] == 8.0
    assert chart.scope_added == 0.0  # reopening is not new scope


def test_done_without_a_changelog_counts_from_resolved() -> None:
    d = data(issue("A-1", 5, "Done", resolved=at(4)), issue("A-2", 3))
    chart = burndown(d, SPRINT, at(9))
    assert chart is not None
    assert by_day(chart)[date(2026, 11, 3)][0] == 8.0
    assert by_day(chart)[date(2026, 11, 4)][0] == 3.0


def test_statuses_seen_only_in_changelogs_use_status_categories() -> None:
    history = (
        StatusChange(at(3), "Backlog", "Shipped"),
        StatusChange(at(5), "Shipped", "To Do"),
    )
    d = data(
        issue("A-1", 5, status_changes=history),
        status_categories={"Shipped": DONE},
    )
    chart = burndown(d, SPRINT, at(9))
    assert chart is not None
    remaining = [d.remaining for d in chart.days[:5]]
    assert remaining == [5.0, 0.0, 0.0, 5.0, 5.0]


def test_weekends_skipped_or_shaded() -> None:
    # A-2 is added on Saturday the 7th.
    d = data(issue("A-1", 3), issue("A-2", 2, created=at(7, 10)))
    shaded = burndown(d, SPRINT, at(12), skip_weekends=False)
    skipped = burndown(d, SPRINT, at(12), skip_weekends=True)
    assert shaded is not None and skipped is not None
    assert len(shaded.days) == 14
    assert {d.day.day for d in shaded.days if d.weekend} == {7, 8, 14, 15}
    assert by_day(shaded)[date(2026, 11, 7)][2] == 2.0
    assert len(skipped.days) == 10
    assert not any(d.weekend or d.day.weekday() >= 5 for d in skipped.days)
    # The weekend's change lands on the next working day shown; the ideal spans working days.
    assert by_day(skipped)[date(2026, 11, 9)][2] == 2.0
    assert [d.ideal for d in skipped.days] == pytest.approx([3 * (9 - i) / 10 for i in range(10)])
    assert shaded.days[6].ideal == pytest.approx(3 * 7 / 14)  # calendar days when shading


def test_no_points_field_counts_issues() -> None:
    d = data(
        issue("A-1", None, "Done", status_changes=done_on(3)),
        issue("A-2", 8, points_changes=(PointsChange(at(4), 8, 13),)),
        issue("A-3", None, created=at(5)),
        points=False,
        points_note="This board has no estimation field: issues are counted.",
    )
    chart = burndown(d, SPRINT, at(9))
    assert chart is not None
    assert (chart.unit, chart.committed) == ("issues", 2.0)
    assert (chart.scope_added, chart.scope_removed) == (1.0, 0.0)  # the estimate change is ignored
    assert by_day(chart)[date(2026, 11, 5)] == (2.0, 3.0, 1.0, 0.0)
    summary = summarize_sprint(d, at(9))
    assert (summary.unit, summary.total, summary.done) == ("issues", 3.0, 1.0)
    assert summary.points_note.startswith("This board has no estimation field")


def test_a_sprint_without_dates_has_no_burndown() -> None:
    undated = Sprint(10, "Sprint 10", "active")
    assert burndown(data(issue("A-1")), undated, at(9)) is None
    summary = summarize_sprint(data(issue("A-1"), sprints=(undated,)), at(9))
    assert summary.burndown is None and summary.days_left is None and summary.total == 3.0


def test_before_the_start_every_day_is_ahead() -> None:
    chart = burndown(data(issue("A-1", 3)), SPRINT, START - timedelta(hours=3))
    assert chart is not None and chart.committed == 3.0
    assert all(d.remaining is None for d in chart.days)


# --- Burndown: properties --------------------------------------------------------------------

STATUSES = ("To Do", "In Progress", "Done", "Shipped", "Mystery")
SPRINT_SETS = st.frozensets(st.sampled_from((9, 10, 11)), max_size=3)
HOURS = st.integers(min_value=-24 * 10, max_value=24 * 17)


@st.composite
def histories(draw: st.DrawFn, now: datetime) -> Issue:
    """An issue with a random history whose current fields are where the history ends."""
    created = START + timedelta(hours=draw(HOURS))
    created = min(created, now)

    def moments(count: int) -> list[datetime]:
        offsets = draw(st.lists(st.integers(0, 24 * 30), min_size=count, max_size=count))
        return sorted(min(now, created + timedelta(hours=h)) for h in offsets)

    sets = draw(st.lists(SPRINT_SETS, min_size=1, max_size=4))
    sprint_changes = tuple(
        SprintChange(moment, tuple(sorted(before)), tuple(sorted(after)))
        for moment, before, after in zip(moments(len(sets) - 1), sets[:-1], sets[1:], strict=True)
    )
    names = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=5))
    status_changes = tuple(
        StatusChange(moment, before, after)
        for moment, before, after in zip(
            moments(len(names) - 1), names[:-1], names[1:], strict=True
        )
    )
    estimates = draw(
        st.lists(st.sampled_from((None, 1.0, 2.0, 3.0, 5.0, 8.0)), min_size=1, max_size=4)
    )
    points_changes = tuple(
        PointsChange(moment, before, after)
        for moment, before, after in zip(
            moments(len(estimates) - 1), estimates[:-1], estimates[1:], strict=True
        )
    )
    final = sets[-1]
    open_sprint = 10 if 10 in final else (11 if 11 in final else None)
    category = {"To Do": TODO, "Done": DONE, "Shipped": DONE}.get(names[-1], DOING)
    return Issue(
        key=f"P-{draw(st.integers(1, 10**6))}",
        summary="x",
        status=names[-1],
        category=category,
        points=estimates[-1],
        sprint_id=open_sprint,
        sprint_ids=tuple(sorted(set().union(*sets))),
        created=created,
        sprint_changes=sprint_changes,
        status_changes=status_changes,
        points_changes=points_changes,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SprintData, datetime, bool]:
    now = START + timedelta(hours=draw(st.integers(-48, 24 * 18)), minutes=draw(st.integers(0, 59)))
    issues = draw(st.lists(histories(now), max_size=10))
    d = SprintData(
        board=BOARD,
        sprints=(PREVIOUS, SPRINT, NEXT),
        issues=tuple(issues),
        points_field=draw(st.sampled_from(("points", None))),
        status_categories={"Shipped": DONE},
    )
    return d, now, draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_burndown_invariants(scenario: tuple[SprintData, datetime, bool]) -> None:
    d, now, skip = scenario
    chart = burndown(d, SPRINT, now, skip_weekends=skip)
    assert chart is not None
    assert len(chart.days) == (10 if skip else 14)
    assert [x.day for x in chart.days] == sorted({x.day for x in chart.days})
    assert all(x.weekend == (x.day.weekday() >= 5) for x in chart.days)
    assert not (skip and any(x.weekend for x in chart.days))

    ideal = [x.ideal for x in chart.days]
    assert ideal[-1] == 0.0 and ideal[0] <= chart.committed
    assert all(a >= b >= 0 for a, b in itertools.pairwise(ideal))

    known = [x for x in chart.days if x.remaining is not None]
    # Remaining is known for a prefix of the days: those begun by now.
    assert chart.days[: len(known)] == tuple(known)
    assert all(x.day <= now.date() for x in known)
    for x in known:
        assert x.remaining is not None
        assert 0 <= x.remaining <= x.scope + 1e-9
        assert x.added >= 0 and x.removed >= 0
    assert chart.scope_added == pytest.approx(sum(x.added for x in chart.days))
    assert chart.scope_removed == pytest.approx(sum(x.removed for x in chart.days))
    if known:
        end = known[-1].scope
        assert end == pytest.approx(chart.committed + chart.scope_added - chart.scope_removed)
        # Replaying the history ends where the records are now (on the day that holds `now`,
        # unless that day is a hidden weekend day: its changes show on the next working day).
        current = (START + DAY * ((now - START) // DAY)).date()
        if now < END and not (skip and current.weekday() >= 5):
            assert known[-1].day == current
            by_points = d.points_field is not None
            present = sum(
                ((i.points or 0.0) if by_points else 1.0)
                for i in d.issues
                if (i.created is None or i.created <= now)
                and (10 in (i.sprint_changes[-1].to_sprints if i.sprint_changes else i.sprint_ids))
            )
            assert end == pytest.approx(present)
    if d.points_field is None:
        for x in chart.days:
            assert x.scope == int(x.scope) and x.scope <= len(d.issues)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_velocity_invariants(scenario: tuple[SprintData, datetime, bool]) -> None:
    d, _, _ = scenario
    closed = Sprint(10, "Sprint 10", "closed", start=START, end=END, completed=END)
    d = SprintData(
        board=d.board,
        sprints=(PREVIOUS, closed),
        issues=d.issues,
        points_field=d.points_field,
        status_categories=d.status_categories,
    )
    result = velocity(d)
    chart = burndown(d, closed, END + timedelta(days=3))
    assert chart is not None
    for entry in result.sprints:
        assert entry.committed >= 0 and entry.completed >= 0
        if entry.sprint_id == 10:
            assert entry.committed == chart.committed
            assert entry.completed <= chart.days[-1].scope + 1e-9
    assert [e.sprint_id for e in result.sprints] == sorted(e.sprint_id for e in result.sprints)


# --- Burndown: the linear replay against the day-by-day one ----------------------------------


def reference_burndown(
    data: SprintData, sprint: Sprint, now: datetime, *, skip_weekends: bool = False
) -> Burndown | None:
    """The burndown as it was first written: every issue replayed at the end of every day
    (issues × days). Kept as the reference that the linear `burndown` must match exactly."""
    periods = sprint_periods(sprint)
    if not periods or sprint.start is None:
        return None
    by_points = data.points_field is not None
    unit = "pts" if by_points else "issues"
    histories = Histories(data, Statuses(data)).of(sprint.id)
    start = sprint.start
    horizon = now if sprint.completed is None else min(now, sprint.completed)

    shown = [p for p in periods if not (skip_weekends and p.weekend)] or periods
    committed = round(sum(h.scope(sprint.id, start, by_points) for h in histories), 6)

    changes: list[tuple[datetime, float]] = []
    for history in histories:
        for moment in history.event_times():
            if start < moment <= horizon:
                delta = history.scope(sprint.id, moment, by_points) - history.scope(
                    sprint.id, moment, by_points, before=True
                )
                if delta:
                    changes.append((moment, delta))
    changes.sort(key=lambda change: change[0])

    days: list[BurndownDay] = []
    count = len(shown)
    cursor = 0
    scope = committed
    previous = start
    for index, period in enumerate(shown):
        ideal = round(committed * (count - 1 - index) / count, 6)
        if period.begin > now:
            days.append(BurndownDay(period.day, ideal, None, scope, weekend=period.weekend))
            continue
        moment = min(period.finish, horizon)
        added = removed = 0.0
        while cursor < len(changes) and previous < changes[cursor][0] <= moment:
            delta = changes[cursor][1]
            if delta > 0:
                added += delta
            else:
                removed -= delta
            cursor += 1
        previous = moment
        scope = round(sum(h.scope(sprint.id, moment, by_points) for h in histories), 6)
        done = sum(h.scope(sprint.id, moment, by_points) for h in histories if h.done(moment))
        days.append(
            BurndownDay(
                day=period.day,
                ideal=ideal,
                remaining=round(max(0.0, scope - done), 6),
                scope=scope,
                added=round(added, 6),
                removed=round(removed, 6),
                weekend=period.weekend,
            )
        )
    return Burndown(
        sprint=sprint.name,
        unit=unit,
        start=start.date(),
        end=(sprint.end or start).date(),
        committed=committed,
        days=tuple(days),
        skip_weekends=skip_weekends,
        scope_added=round(sum(day.added for day in days), 6),
        scope_removed=round(sum(day.removed for day in days), 6),
    )


# Estimates as boards write them: whole and half points (floats add these exactly, so any
# order of adding gives the same total), none, and zero.
ESTIMATES = st.sampled_from((None, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 40.0))


@st.composite
def changelog_issue(draw: st.DrawFn, begin: datetime, now: datetime) -> Issue:
    """An issue with a random changelog around a sprint that starts at `begin`: moved in and
    out of sprints (before, during and after it), re-estimated, done and reopened, created
    before or inside it; or with no changelog, done from `resolved` on."""
    span = st.integers(-24 * 60 * 5, 24 * 60 * 25)  # minutes from the sprint's start
    created = min(now, begin + timedelta(minutes=draw(span))) if draw(st.booleans()) else None
    since = created or begin - timedelta(days=5)

    def moments(count: int) -> list[datetime]:
        offsets = draw(st.lists(st.integers(0, 24 * 60 * 30), min_size=count, max_size=count))
        # Moments may tie: with one another, with the start, or with a day's end.
        snap = draw(st.booleans())
        found = [since + timedelta(minutes=m) for m in offsets]
        if snap:
            found = [begin + DAY * round((m - begin) / DAY) for m in found]
        return sorted(min(now, m) for m in found)

    sets = draw(st.lists(SPRINT_SETS, min_size=1, max_size=5))
    sprint_changes = tuple(
        SprintChange(moment, tuple(sorted(before)), tuple(sorted(after)))
        for moment, before, after in zip(moments(len(sets) - 1), sets[:-1], sets[1:], strict=True)
    )
    names = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=7))
    status_changes = tuple(
        StatusChange(moment, before, after)
        for moment, before, after in zip(
            moments(len(names) - 1), names[:-1], names[1:], strict=True
        )
    )
    estimates = draw(st.lists(ESTIMATES, min_size=1, max_size=5))
    points_changes = tuple(
        PointsChange(moment, before, after)
        for moment, before, after in zip(
            moments(len(estimates) - 1), estimates[:-1], estimates[1:], strict=True
        )
    )
    final = sets[-1]
    category = {"To Do": TODO, "Done": DONE, "Shipped": DONE}.get(names[-1], DOING)
    resolved = moments(1)[0] if category is DONE and draw(st.booleans()) else None
    return Issue(
        key=f"P-{draw(st.integers(1, 10**6))}",
        summary="x",
        status=names[-1],
        category=category,
        points=estimates[-1],
        # The open sprint it is in now may disagree with the changelog's last entry.
        sprint_id=draw(st.sampled_from((None, 10, 11)))
        if draw(st.booleans())
        else (10 if 10 in final else (11 if 11 in final else None)),
        sprint_ids=tuple(sorted(set().union(*sets))) if draw(st.booleans()) else (),
        created=created,
        resolved=resolved,
        sprint_changes=sprint_changes if draw(st.booleans()) else (),
        status_changes=status_changes if draw(st.booleans()) else (),
        points_changes=points_changes if draw(st.booleans()) else (),
    )


@st.composite
def any_sprint(draw: st.DrawFn) -> tuple[SprintData, Sprint, datetime, bool]:
    """A sprint of any length from any moment of a day (a partial last day included), active
    or closed (early, late or on time), read at any moment from before it to after it."""
    begin = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 7 * 1440)))
    end = begin + timedelta(minutes=draw(st.integers(1, 24 * 60 * 22)))
    state = draw(st.sampled_from(("active", "closed")))
    completed = None
    if state == "closed":
        completed = end + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    sprint = Sprint(10, "Sprint 10", state, start=begin, end=end, completed=completed)
    now = begin + timedelta(minutes=draw(st.integers(-2 * 1440, 26 * 1440)))
    issues = draw(st.lists(changelog_issue(begin, now), max_size=25))
    d = SprintData(
        board=BOARD,
        sprints=(PREVIOUS, sprint, NEXT),
        issues=tuple(issues),
        points_field=draw(st.sampled_from(("points", None))),
        status_categories={"Shipped": DONE},
    )
    return d, sprint, now, draw(st.booleans())


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_sprint())
def test_burndown_matches_the_day_by_day_replay(
    scenario: tuple[SprintData, Sprint, datetime, bool],
) -> None:
    d, sprint, now, skip = scenario
    assert burndown(d, sprint, now, skip_weekends=skip) == reference_burndown(
        d, sprint, now, skip_weekends=skip
    )


def test_burndown_of_a_sprint_closed_before_it_began_read_before_it_began() -> None:
    """No day has begun and the horizon is before the start: nothing is read, nothing fails."""
    sprint = Sprint(10, "Sprint 10", "closed", start=START, end=START + timedelta(minutes=1),
                    completed=START - timedelta(minutes=2))  # fmt: skip
    d = data(issue("A-1", 3.0, created=START - timedelta(minutes=1)), sprints=(sprint,))
    now = START - timedelta(minutes=1)
    chart = burndown(d, sprint, now)
    assert chart == reference_burndown(d, sprint, now)
    assert chart is not None and [day.remaining for day in chart.days] == [None]


def test_burndown_is_linear_in_issues_and_days() -> None:
    """10,000 issues in a 14-day sprint, each with a changelog: the replay reads each issue
    once and then only its events, so this takes well under a second (it took 10,000 × 14
    replays, about 1 s on a fast machine and several on a loaded one)."""
    issues = tuple(
        issue(f"A-{n}", float(n % 8), "Done", status_changes=done_on(3 + n % 10), resolved=at(3))
        for n in range(10_000)
    )
    d = data(*issues)
    calls = 0
    real_scope = History.scope

    def counted(self: History, *args: object, **kwargs: object) -> float:
        nonlocal calls
        calls += 1
        return real_scope(self, *args, **kwargs)  # type: ignore[arg-type]

    History.scope = counted  # type: ignore[method-assign]
    try:
        chart = burndown(d, SPRINT, at(15, 20))
    finally:
        History.scope = real_scope  # type: ignore[method-assign]
    assert chart is not None and chart.days[-1].remaining == 0.0
    # Twice for the committed scope and each scope event, once per event after the first
    # reading: a small multiple of the issues, not issues × days (140,000 and more).
    assert calls <= 6 * len(issues)


# --- Velocity --------------------------------------------------------------------------------


def closed_sprint(number: int, **fields: object) -> Sprint:
    start = START - timedelta(days=14 * (10 - number))
    return Sprint(
        number,
        f"Sprint {number}",
        "closed",
        start=start,
        end=start + timedelta(days=14),
        completed=start + timedelta(days=14, hours=-1),
        **fields,  # type: ignore[arg-type]
    )


def test_velocity_replays_a_re_estimate_after_the_start() -> None:
    sprint = closed_sprint(9)
    s0 = sprint.start
    assert s0 is not None
    issues = (
        # Committed at 3, re-estimated to 5 on day 2, done on day 4: committed 3, completed 5.
        issue(
            "V-1",
            5,
            "Done",
            sprint_id=None,
            sprint_ids=(9,),
            created=s0 - timedelta(days=3),
            points_changes=(PointsChange(s0 + timedelta(days=1), 3, 5),),
            status_changes=(StatusChange(s0 + timedelta(days=4), "To Do", "Done"),),
        ),
        # Committed and done.
        issue(
            "V-2",
            2,
            "Done",
            sprint_id=None,
            sprint_ids=(9,),
            created=s0 - timedelta(days=3),
            status_changes=(StatusChange(s0 + timedelta(days=5), "To Do", "Done"),),
        ),
        # Committed, not finished, carried into sprint 10 at the close.
        issue(
            "V-3",
            8,
            "In Progress",
            sprint_ids=(9, 10),
            created=s0 - timedelta(days=3),
            sprint_changes=(
                SprintChange(s0 - timedelta(days=1), (), (9,)),
                SprintChange(s0 + timedelta(days=14), (9,), (9, 10)),
            ),
        ),
        # Added on day 3 and done: counts in completed, not in committed.
        issue(
            "V-4",
            1,
            "Done",
            sprint_id=None,
            sprint_ids=(9,),
            created=s0 + timedelta(days=3),
            status_changes=(StatusChange(s0 + timedelta(days=6), "To Do", "Done"),),
        ),
        # Done after the close: not completed in sprint 9.
        issue(
            "V-5",
            3,
            "Done",
            sprint_ids=(9, 10),
            created=s0 - timedelta(days=3),
            status_changes=(StatusChange(s0 + timedelta(days=15), "To Do", "Done"),),
            sprint_changes=(SprintChange(s0 + timedelta(days=14), (9,), (9, 10)),),
        ),
    )
    result = velocity(data(*issues, sprints=(sprint, SPRINT)))
    (entry,) = result.sprints
    assert (entry.sprint_id, entry.sprint, result.unit) == (9, "Sprint 9", "pts")
    assert (entry.committed, entry.completed) == (16.0, 8.0)
    assert result.rolling_average == 8.0 and result.predicted_capacity == 8.0


def test_velocity_prefers_reported_figures_and_skips_sprints_with_no_data() -> None:
    sprints = [
        closed_sprint(n, committed_points=40.0 + n, completed_points=30.0 + n) for n in range(1, 9)
    ]
    sprints.insert(0, closed_sprint(0))  # nothing known about sprint 0
    result = velocity(data(sprints=(*sprints, SPRINT)))
    assert [e.sprint_id for e in result.sprints] == list(range(1, 9))
    assert [e.completed for e in result.sprints] == [31.0 + n for n in range(8)]
    assert result.rolling_average == pytest.approx((36 + 37 + 38) / 3)
    limited = velocity(data(sprints=(*sprints, SPRINT)), limit=3)
    assert [e.sprint_id for e in limited.sprints] == [6, 7, 8]
    # Counting issues, points reported by the source do not apply.
    counted = velocity(data(sprints=(*sprints, SPRINT), points=False))
    assert counted.sprints == () and counted.rolling_average is None
    assert counted.predicted_capacity is None


def test_predicted_capacity_model() -> None:
    assert predict_capacity([]) is None
    assert predict_capacity([30.0]) == 30.0
    assert predict_capacity([30.0, 40.0, 50.0]) == 40.0
    # Rising: the mean of the last three, not an extrapolation.
    assert predict_capacity([30.0, 35.0, 40.0, 45.0, 50.0, 55.0]) == 50.0
    # Falling: the trend line's next value, here below the mean of the last three.
    falling = predict_capacity([60.0, 58.0, 56.0, 54.0, 52.0, 50.0])
    assert falling == 50.0  # floor: the weakest of the last three
    assert predict_capacity([60.0, 60.0, 60.0, 58.0, 57.0, 56.0]) == pytest.approx(56.0, abs=0.1)
    dipping = predict_capacity([50.0, 52.0, 51.0, 40.0, 50.0, 49.0])
    assert dipping is not None and 40.0 <= dipping <= (40 + 50 + 49) / 3


# --- Health ----------------------------------------------------------------------------------


def test_health_projects_from_the_pace_so_far() -> None:
    # Thursday 5th at 20:00: 3.5 working days gone (08:00 boundaries), 5 of 20 pts done.
    d = data(
        issue("H-1", 5, "Done", status_changes=done_on(3)),
        issue("H-2", 10),
        issue("H-3", 5, "In Progress"),
    )
    health = sprint_health(d, SPRINT, at(5, 20))
    assert health.working_days == 10
    assert health.elapsed_days == pytest.approx(3.5)
    assert health.elapsed == pytest.approx(0.35)
    assert health.days_left == 7  # Thursday (current), Friday, and next week's five
    assert health.completion == 0.25
    assert health.projected_completion == pytest.approx(5 / 3.5 * 10 / 20)
    assert health.carry_over == pytest.approx(20 - 5 / 3.5 * 10)  # 29% of the scope
    assert health.carry_over_risk == "high"


@pytest.mark.parametrize(
    ("done", "risk"), [(10.0, "low"), (9.0, "low"), (8.5, "medium"), (7.6, "medium"), (7.0, "high")]
)
def test_carry_over_risk_thresholds(done: float, risk: str) -> None:
    # Monday 9th at 08:00: the first week's five working days are gone, half the sprint.
    d = data(issue("H-1", done, "Done"), issue("H-2", 20.0 - done))
    health = sprint_health(d, SPRINT, at(9, 8))
    assert health.elapsed == 0.5
    assert health.projected_completion == pytest.approx(done / 10)
    assert health.carry_over_risk == risk


def test_health_before_a_full_working_day_uses_capacity() -> None:
    d = data(issue("H-1", 30.0))
    early = at(2, 12)
    assert sprint_health(d, SPRINT, early).projected_completion == 1.0
    with_capacity = sprint_health(d, SPRINT, early, capacity=24.0)
    assert with_capacity.projected_completion == pytest.approx(0.8)
    assert (
        with_capacity.carry_over == pytest.approx(6.0) and with_capacity.carry_over_risk == "medium"
    )
    after = sprint_health(d, SPRINT, END + timedelta(days=1))
    assert after.days_left == 0 and after.elapsed == 1.0


# --- Blockers --------------------------------------------------------------------------------


def test_blockers_by_severity() -> None:
    now = at(12, 14)  # Thursday of week two: Thu, Fri left of 10 working days
    d = data(
        issue("B-1", 2, "In Progress", updated=at(5)),  # stale 7 days
        issue("B-2", 8),  # large, not started
        issue("B-3", 3, "Blocked", updated=now),
        issue("B-4", 1, "In Progress", flagged=True, updated=now),
        issue("B-5", 3, "Waiting", category=DOING, updated=now),  # in no "blocked" column
        issue("B-6", 5, "In Progress", updated=at(10)),  # stale 2 days: fine
        issue("B-7", 13, "Done", flagged=True),  # done: never a blocker
        issue("B-8", 5, "In Progress", updated=at(8)),  # stale 4 days
        issue("B-9", 2),  # small, not started: fine
    )
    summary = summarize_sprint(d, now, people={"": "nobody"})
    kinds = [(b.key, b.kind, b.reason) for b in summary.blockers]
    assert kinds == [
        ("B-4", "flagged", "flagged"),
        ("B-3", "blocked", "blocked"),
        ("B-2", "unstarted", "8 pts not started, 2d left"),
        ("B-8", "stale", "no update for 4d"),
        ("B-1", "stale", "no update for 7d"),
    ]
    assert summary.blockers[2].points == 8.0
    assert summary.blockers[0].assignee == "unassigned"
    assert summary.blockers[0].assignee_name == "Unassigned"
    assert len(summarize_sprint(d, now, blocker_limit=2).blockers) == 2
    # Skipping weekends, the stale clocks stop over the weekend of the 7th-8th.
    skipping = summarize_sprint(d, now, skip_weekends=True)
    assert [(b.key, b.reason) for b in skipping.blockers if b.kind == "stale"] == [
        ("B-8", "no update for 4d"),
        ("B-1", "no update for 5d"),
    ]
    # A higher threshold silences the shorter silence.
    assert [b.key for b in summarize_sprint(d, now, stale_after_days=5).blockers][3:] == ["B-1"]


def test_a_weekend_is_not_a_silence_when_skipping_weekends() -> None:
    # Friday 16:00 to Tuesday 10:00: 3 days 18 hours, of which two are the weekend.
    d = data(issue("W-1", 2, "In Progress", updated=at(6, 16)))
    assert [b.reason for b in summarize_sprint(d, at(10, 10)).blockers] == ["no update for 3d"]
    assert summarize_sprint(d, at(10, 10), skip_weekends=True).blockers == ()


def test_unstarted_work_is_fine_early_and_any_issue_counts_without_points() -> None:
    d = data(issue("B-2", 8), issue("B-3", 1))
    assert summarize_sprint(d, at(5, 14)).blockers == ()  # 7 of 10 days left
    late = data(issue("B-2", 8), issue("B-3", 1), points=False)
    reasons = [b.reason for b in summarize_sprint(late, at(12, 14)).blockers]
    assert reasons == ["not started, 2d left", "not started, 2d left"]


def test_a_column_named_blocked_marks_its_statuses_blocked() -> None:
    board = Board(
        7,
        "b",
        columns=(BoardColumn("Todo", ("Open",)), BoardColumn("BLOCKED", ("Waiting on vendor",))),
    )
    d = SprintData(
        board=board,
        sprints=(SPRINT,),
        issues=(issue("B-1", 2, "Waiting on vendor", category=DOING, updated=at(5)),),
        points_field="p",
    )
    (blocker,) = summarize_sprint(d, at(5, 14)).blockers
    assert (blocker.kind, blocker.reason) == ("blocked", "blocked")


# --- Load and issue rows ---------------------------------------------------------------------


def test_load_per_assignee() -> None:
    d = data(
        issue("L-1", 3, "Done", assignee="maya"),
        issue("L-2", 5, "In Progress", assignee="maya"),
        issue("L-3", 2, assignee="tom"),
        issue("L-4", 8, assignee="tom"),
        issue("L-5", 1),
        issue("L-6", 2, assignee="ghost"),
    )
    summary = summarize_sprint(d, at(5), people={"maya": "Maya Chen", "tom": "Tom Fletcher"})
    rows = [(x.assignee, x.name, x.todo, x.in_progress, x.done, x.issues) for x in summary.load]
    assert rows == [
        ("tom", "Tom Fletcher", 10.0, 0.0, 0.0, 2),
        ("maya", "Maya Chen", 0.0, 5.0, 3.0, 2),
        ("ghost", "ghost", 2.0, 0.0, 0.0, 1),
        ("", "Unassigned", 1.0, 0.0, 0.0, 1),
    ]


def test_issue_rows_in_board_order() -> None:
    d = data(
        issue("R-1", 1, "Done", epic="Ranker v3"),
        issue("R-2", 2, "In Review"),
        issue("R-3", 3, "Waiting", category=DOING),
        issue("R-4", 5, "To Do", assignee="maya"),
        issue("R-5", 8, "Triage", category=TODO),  # on no column: by category
        issue("R-6", 1, "Shipped", category=DONE),
        issue("R-7", 2, "In Progress"),
        issue("R-8", 3, sprint_id=11),  # another sprint
    )
    summary = summarize_sprint(d, at(5), people={"maya": "Maya Chen"})
    assert summary.columns == ("To Do", "Doing", "Review", "Done")
    assert [(r.key, r.column) for r in summary.issues] == [
        ("R-4", "To Do"),
        ("R-5", "To Do"),
        ("R-3", "Doing"),
        ("R-7", "Doing"),
        ("R-2", "Review"),
        ("R-1", "Done"),
        ("R-6", "Done"),
    ]
    first = summary.issues[0]
    assert first.url == "https://example.atlassian.net/browse/R-4"
    assert (first.assignee, first.assignee_name) == ("maya", "Maya Chen")
    assert summary.issues[1].assignee_name == "Unassigned"
    assert summary.issues[5].epic == "Ranker v3"


def test_by_status_follows_the_board() -> None:
    d = data(
        issue("S-1", 1, "Done"),
        issue("S-2", 2, "In Review"),
        issue("S-5", 2, "Waiting", category=DOING),
        issue("S-3", 3, "In Progress"),
        issue("S-4", 1),
    )
    summary = summarize_sprint(d, at(5))
    assert [c.status for c in summary.by_status] == [
        "To Do",
        "In Progress",
        "Waiting",  # after "In Progress" in the same column
        "In Review",
        "Done",
    ]
    assert [c.issues for c in summary.by_status] == [1, 1, 1, 1, 1]
    assert (summary.total, summary.done, summary.in_progress) == (9.0, 1.0, 7.0)


# --- The summary -----------------------------------------------------------------------------


def test_summary_of_an_active_sprint() -> None:
    d = data(
        issue("A-1", 3, "Done", status_changes=done_on(3)),
        issue("A-2", 5, "In Progress"),
        issue("A-3", 2, created=at(4)),
    )
    summary = summarize_sprint(d, at(5, 14))
    assert (summary.state, summary.sprint, summary.goal) == ("active", "Sprint 10", "Ship it")
    assert (summary.start, summary.end) == (date(2026, 11, 2), date(2026, 11, 16))
    assert summary.days_left == 7
    assert summary.next_sprint == "Sprint 11" and summary.last_closed == "Sprint 9"
    assert summary.burndown is not None and summary.burndown.committed == 8.0
    assert summary.health is not None and summary.health.completion == 0.3
    assert summary.velocity_history is not None and summary.velocity is None
    assert summary.percent_done == pytest.approx(30.0)


def test_no_active_sprint() -> None:
    previous = closed_sprint(9, committed_points=40.0, completed_points=35.0)
    older = closed_sprint(8, committed_points=42.0, completed_points=39.0)
    d = data(issue("N-1", 3, sprint_id=11), sprints=(previous, older, NEXT))
    summary = summarize_sprint(d, at(5))
    assert (summary.state, summary.sprint) == ("none", "no active sprint")
    assert summary.last_closed == "Sprint 9" and summary.next_sprint == "Sprint 11"
    assert summary.velocity == 37.0
    assert summary.velocity_history is not None
    assert [e.sprint for e in summary.velocity_history.sprints] == ["Sprint 8", "Sprint 9"]
    assert summary.burndown is None and summary.health is None and summary.issues == ()
    assert summary.columns == ("To Do", "Doing", "Review", "Done")


def test_the_parts_work_on_their_own() -> None:
    d = data(
        issue("P-1", 8, assignee="maya"),
        issue("P-2", 2, "In Progress", updated=at(2), assignee="tom"),
        issue("P-3", 1, "Done", assignee="maya"),
    )
    blockers = find_blockers(d, d.issues, at(12, 14), days_left=2, total_days=10, limit=1)
    assert [(b.key, b.kind) for b in blockers] == [("P-1", "unstarted")]
    assert find_blockers(d, d.issues, at(12, 14)) == (
        find_blockers(d, d.issues, at(12, 14), stale_after_days=3)
    )
    assert [b.key for b in find_blockers(d, d.issues, at(12, 14))] == ["P-2"]
    loads = assignee_load(d, d.issues, people={"maya": "Maya"})
    assert [(x.name, x.todo, x.done) for x in loads] == [("Maya", 8.0, 1.0), ("tom", 0.0, 0.0)]
    assert [r.key for r in issue_rows(d, reversed(d.issues))] == ["P-1", "P-2", "P-3"]
