"""Sprint analytics: progress, burndown, velocity, health, blockers, load and the issue list.

Everything here is a pure function of the records and of `now`, which is always a parameter.
The replay of each issue's history, and the sprint-day convention, are in `sprint_history`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import TypeVar

import msgspec

from cockpit.analytics.sprint_history import (
    DAY,
    Histories,
    History,
    Statuses,
    elapsed_working_days,
    sprint_periods,
    working_days,
    working_days_left,
)
from cockpit.models import Issue, Sprint, SprintData, StatusCategory

_T = TypeVar("_T")


# Blockers: an unstarted issue this large is at risk once this share of working days is left.
LARGE_UNSTARTED_POINTS = 5.0
LATE_SHARE = 0.4
# Sprint health: carry-over risk by the share of the scope projected to be left at the end.
RISK_MEDIUM_FROM = 0.10  # more than 10% projected left: medium
RISK_HIGH_FROM = 0.25  # more than 25%: high

_SEVERITY = {"flagged": 0, "blocked": 1, "unstarted": 2, "stale": 3}


class StatusCount(msgspec.Struct, frozen=True, gc=False):
    status: str
    category: StatusCategory
    issues: int
    points: float


class Blocker(msgspec.Struct, frozen=True, gc=False):
    key: str
    summary: str
    assignee: str  # Person.id, or "unassigned"
    reason: str  # "flagged", "blocked", "no update for 4d", "8 pts not started, 2d left"
    kind: str = "flagged"  # "flagged", "blocked", "stale", "unstarted"
    points: float | None = None
    assignee_name: str = ""  # display name from the roster, else the id; "Unassigned"


class BurndownDay(msgspec.Struct, frozen=True, gc=False):
    day: date
    ideal: float  # the straight line from committed scope to zero
    remaining: float | None  # None for days still ahead
    scope: float  # total scope at the end of the day
    added: float = 0.0  # scope added that day (issues added, estimates raised)
    removed: float = 0.0  # scope removed that day
    weekend: bool = False


class Burndown(msgspec.Struct, frozen=True, gc=False):
    sprint: str
    unit: str
    start: date
    end: date
    committed: float  # scope when the sprint started
    days: tuple[BurndownDay, ...]  # weekends left out when skip_weekends
    skip_weekends: bool
    scope_added: float = 0.0
    scope_removed: float = 0.0


class VelocityEntry(msgspec.Struct, frozen=True, gc=False):
    sprint_id: int
    sprint: str
    committed: float
    completed: float


class Velocity(msgspec.Struct, frozen=True, gc=False):
    unit: str
    sprints: tuple[VelocityEntry, ...]  # the last 12 closed sprints, oldest first
    rolling_average: float | None  # completed, mean of the last 3
    predicted_capacity: float | None  # what the next sprint can take


class SprintHealth(msgspec.Struct, frozen=True, gc=False):
    completion: float  # done / scope, 0..1
    elapsed: float  # working days gone / working days in the sprint, 0..1
    days_left: int | None
    projected_completion: float  # at the current daily pace, share done by the end, 0..1+
    carry_over: float  # scope projected to be left at the end
    carry_over_risk: str  # "low", "medium" or "high"
    working_days: int = 0  # working days in the sprint
    elapsed_days: float = 0.0  # working days gone, the current one counted by the hour


class AssigneeLoad(msgspec.Struct, frozen=True, gc=False):
    assignee: str  # Person.id, or "" for unassigned
    name: str  # display name, "Unassigned" for ""
    todo: float
    in_progress: float
    done: float
    issues: int


class IssueRow(msgspec.Struct, frozen=True, gc=False):
    """One issue as the sprint screen lists it."""

    key: str
    summary: str
    status: str
    category: StatusCategory
    column: str  # the board column its status maps to
    issue_type: str
    assignee: str  # Person.id or ""
    assignee_name: str
    points: float | None
    priority: str
    labels: tuple[str, ...]
    flagged: bool
    url: str
    updated: datetime | None
    epic: str = ""
    # From the changelog, for the weekly summary's "completed" and "added this week": when it
    # last moved into a done status (else when it was resolved), and when it joined the sprint
    # it is in (None: in it from the start, or the changelog does not say).
    done_at: datetime | None = None
    joined_at: datetime | None = None
    has_changelog: bool = False


class SprintSummary(msgspec.Struct, frozen=True, gc=False):
    board: str
    sprint: str
    goal: str
    state: str  # "active"; "none" when the board has no active sprint
    start: date | None
    end: date | None
    days_left: int | None  # working days, today included
    unit: str  # "pts", or "issues" when the board has no estimation field
    total: float
    done: float
    in_progress: float
    issue_count: int
    by_status: tuple[StatusCount, ...]
    blockers: tuple[Blocker, ...]  # every one, most severe first; panels cut what they draw
    velocity: float | None  # mean completed over the last 3 closed sprints
    next_sprint: str = ""
    points_note: str = ""  # why issues are counted instead of points
    last_closed: str = ""  # shown when there is no active sprint
    burndown: Burndown | None = None
    velocity_history: Velocity | None = None
    health: SprintHealth | None = None
    load: tuple[AssigneeLoad, ...] = ()
    issues: tuple[IssueRow, ...] = ()  # the active sprint's issues, board order
    columns: tuple[str, ...] = ()  # the board's column names, in order

    @property
    def percent_done(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0


def _unit(data: SprintData) -> tuple[bool, str]:
    by_points = data.points_field is not None
    return by_points, ("pts" if by_points else "issues")


def _round(value: float) -> float:
    return round(value, 6)


# --- Burndown -------------------------------------------------------------------------------


def burndown(
    data: SprintData, sprint: Sprint, now: datetime, *, skip_weekends: bool = False
) -> Burndown | None:
    """Remaining scope per day against the ideal line, replayed from the issues' histories.

    `committed` is the scope in the sprint at its start moment. The ideal line falls evenly from
    it to zero over the days shown (working days when `skip_weekends`, else calendar days with
    weekends flagged for shading), read like `remaining` at the end of each day: it reaches zero
    on the last day. Scope that comes and goes after the start (issues added or removed,
    estimates changed) is counted on the day it happened; with `skip_weekends`, weekend changes
    land on the next working day. Days not begun by `now` have `remaining = None` and carry the
    latest scope. Without a points field, every issue weighs 1. None when the sprint has no
    dates.
    """
    periods = sprint_periods(sprint)
    if not periods or sprint.start is None:
        return None
    by_points, unit = _unit(data)
    statuses = Statuses(data)
    histories = Histories(data, statuses).of(sprint.id)
    start = sprint.start
    horizon = now if sprint.completed is None else min(now, sprint.completed)

    shown = [p for p in periods if not (skip_weekends and p.weekend)] or periods
    committed = _round(sum(h.scope(sprint.id, start, by_points) for h in histories))

    # Each day begun by `now` is read at the end of it (or at the horizon).
    readings = [min(p.finish, horizon) for p in shown if p.begin <= now]
    changes, scope_at, done_at = _replay(histories, sprint.id, start, horizon, readings, by_points)

    days: list[BurndownDay] = []
    count = len(shown)
    cursor = 0
    scope = committed
    previous = start
    for index, period in enumerate(shown):
        ideal = _round(committed * (count - 1 - index) / count)
        if period.begin > now:
            days.append(BurndownDay(period.day, ideal, None, scope, weekend=period.weekend))
            continue
        moment = readings[index]
        added = removed = 0.0
        while cursor < len(changes) and previous < changes[cursor][0] <= moment:
            delta = changes[cursor][1]
            if delta > 0:
                added += delta
            else:
                removed -= delta
            cursor += 1
        previous = moment
        scope = _round(scope_at[index])
        days.append(
            BurndownDay(
                day=period.day,
                ideal=ideal,
                remaining=_round(max(0.0, scope - done_at[index])),
                scope=scope,
                added=_round(added),
                removed=_round(removed),
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
        scope_added=_round(sum(day.added for day in days)),
        scope_removed=_round(sum(day.removed for day in days)),
    )


def _replay(
    histories: Sequence[History],
    sprint_id: int,
    start: datetime,
    horizon: datetime,
    readings: Sequence[datetime],
    by_points: bool,
) -> tuple[list[tuple[datetime, float]], list[float], list[float]]:
    """Each issue's events read once, in time order: every change of scope after `start` up to
    `horizon` (oldest first), and the sprint's scope, and the part of it done, at each of
    `readings` (in time order).

    Scope and done are step functions of time for each issue: read once at the first reading,
    an issue changes them only at its own events, so each event adds its change to the first
    reading at or after it, and the totals are running sums of those changes. This is linear
    in issues, events and days (a board of 10,000 issues in the sprint, each replayed at the
    end of each of 14 days, was 140,000 replays).
    """
    changes: list[tuple[datetime, float]] = []
    scope_steps = [0.0] * len(readings)
    done_steps = [0.0] * len(readings)
    first, last = (readings[0], readings[-1]) if readings else (start, start)  # none read
    for history in histories:
        before = history.scope(sprint_id, start, by_points)  # what it added just before
        scope = done = 0.0
        if readings:
            scope = history.scope(sprint_id, first, by_points)
            done = scope if history.done(first) else 0.0
            scope_steps[0] += scope
            done_steps[0] += done
        for moment in sorted({*history.event_times(), *history.done_times}):
            changed = start < moment <= horizon
            read = first < moment <= last
            if not (changed or read):
                continue
            now_scope = history.scope(sprint_id, moment, by_points)
            if changed:
                if now_scope != before:
                    changes.append((moment, now_scope - before))
                before = now_scope
            if read:
                now_done = now_scope if history.done(moment) else 0.0
                if now_scope != scope or now_done != done:
                    index = bisect_left(readings, moment)
                    scope_steps[index] += now_scope - scope
                    done_steps[index] += now_done - done
                    scope, done = now_scope, now_done
    changes.sort(key=lambda change: change[0])
    return changes, list(accumulate(scope_steps)), list(accumulate(done_steps))


# --- Velocity -------------------------------------------------------------------------------


def _sprint_order(sprint: Sprint) -> tuple[float, int]:
    moment = sprint.completed or sprint.end or sprint.start
    return (moment.timestamp() if moment else 0.0, sprint.id)


def _closed_in_order(data: SprintData) -> list[Sprint]:
    return sorted((s for s in data.sprints if s.state == "closed"), key=_sprint_order)


def predict_capacity(completed: Sequence[float]) -> float | None:
    """What the next sprint can take, from the completed scope of past sprints (oldest first).

    The model is "yesterday's weather", made cautious: the mean of the last three sprints; but
    when the last six (at least four) trend downwards, the least-squares line's value for the
    next sprint replaces it, never going below the weakest of the last three. A rising trend is
    not extrapolated: one good sprint should not raise the commitment.
    """
    if not completed:
        return None
    recent = list(completed[-3:])
    forecast = sum(recent) / len(recent)
    window = list(completed[-6:])
    if len(window) >= 4:
        n = len(window)
        mean_x, mean_y = (n - 1) / 2, sum(window) / n
        spread = sum((x - mean_x) ** 2 for x in range(n))
        slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(window)) / spread
        if slope < 0:
            trend = mean_y + slope * (n - mean_x)
            forecast = min(forecast, max(trend, min(recent)))
    return round(forecast, 1)


def velocity(data: SprintData, *, limit: int = 12) -> Velocity:
    """Committed and completed scope of the last `limit` closed sprints, oldest first.

    Committed is the scope in the sprint at its start; completed is the scope done at its close
    (`completed`, else `end`) among the issues in it then, each at its estimate of that moment,
    so a re-estimate after the start changes completed but not committed. A figure the source
    reports (`Sprint.committed_points`, `completed_points`) wins when points are counted.
    Closed sprints about which nothing is known (no figure and no issue) are left out rather
    than shown as zero. `rolling_average` is the mean completed of the last three;
    `predicted_capacity` follows `predict_capacity`.
    """
    by_points, unit = _unit(data)
    statuses = Statuses(data)
    replayed = Histories(data, statuses)
    entries: list[VelocityEntry] = []
    for sprint in _closed_in_order(data):
        reported_committed = sprint.committed_points if by_points else None
        reported_completed = sprint.completed_points if by_points else None
        histories = replayed.of(sprint.id)
        if not histories and reported_committed is None and reported_completed is None:
            continue
        close = sprint.completed or sprint.end
        committed = reported_committed
        if committed is None:
            moment = sprint.start or close
            committed = (
                sum(h.scope(sprint.id, moment, by_points) for h in histories)
                if moment is not None
                else float(sum(1 for h in histories if h.issue.sprint_id == sprint.id))
            )
        completed = reported_completed
        if completed is None:
            if close is None:
                completed = sum(
                    _weight(h.issue, by_points)
                    for h in histories
                    if h.issue.category is StatusCategory.DONE
                )
            else:
                completed = sum(
                    h.scope(sprint.id, close, by_points) for h in histories if h.done(close)
                )
        entries.append(VelocityEntry(sprint.id, sprint.name, _round(committed), _round(completed)))
    entries = entries[-limit:] if limit > 0 else []
    done = [entry.completed for entry in entries]
    rolling = _round(sum(done[-3:]) / len(done[-3:])) if done else None
    return Velocity(unit, tuple(entries), rolling, predict_capacity(done))


# --- Health ---------------------------------------------------------------------------------


def _risk(carry_over: float, scope: float) -> str:
    share = carry_over / scope if scope else 0.0
    if share > RISK_HIGH_FROM:
        return "high"
    if share > RISK_MEDIUM_FROM:
        return "medium"
    return "low"


def sprint_health(
    data: SprintData, sprint: Sprint, now: datetime, *, capacity: float | None = None
) -> SprintHealth:
    """Where the sprint is heading at the current pace.

    Pace is the scope done so far per working day gone (the current day counted by the hour).
    Projected completion = pace × the sprint's working days / scope; carry-over is the scope
    that projection leaves undone. Before one working day has gone, the pace means nothing:
    the projection is then `capacity` (the predicted velocity) when known, else on track.
    Carry-over risk: "low" up to RISK_MEDIUM_FROM (10%) of the scope projected left,
    "medium" up to RISK_HIGH_FROM (25%), "high" beyond.
    """
    by_points, _ = _unit(data)
    issues = [issue for issue in data.issues if issue.sprint_id == sprint.id]
    scope = sum(_weight(issue, by_points) for issue in issues)
    done = sum(_weight(i, by_points) for i in issues if i.category is StatusCategory.DONE)
    periods = sprint_periods(sprint)
    total = sum(1 for p in periods if not p.weekend)
    gone = elapsed_working_days(periods, now)
    days_left = working_days_left(periods, now) if periods else None
    completion = done / scope if scope else 0.0
    if not periods or total == 0:
        projected = completion
    elif gone >= 1.0:
        projected = (done / gone) * total / scope if scope else 0.0
    elif capacity is not None and scope:
        projected = max(completion, capacity / scope)
    else:
        projected = 1.0 if scope else 0.0
    carry_over = max(0.0, scope * (1.0 - projected))
    return SprintHealth(
        completion=_round(completion),
        elapsed=_round(min(1.0, gone / total) if total else 0.0),
        days_left=days_left,
        projected_completion=_round(projected),
        carry_over=_round(carry_over),
        carry_over_risk=_risk(carry_over, scope),
        working_days=total,
        elapsed_days=_round(gone),
    )


# --- Blockers, load and issue rows ----------------------------------------------------------


def _weight(issue: Issue, by_points: bool) -> float:
    return (issue.points or 0.0) if by_points else 1.0


def _amount(value: float) -> str:
    return f"{value:g}"


def _display(person: str | None, people: Mapping[str, str]) -> str:
    if not person:
        return "Unassigned"
    return people.get(person, person)


def _idle(since: datetime, now: datetime, skip_weekends: bool) -> timedelta:
    """Time from `since` to `now`; with skip_weekends, whole weekend days between don't count."""
    idle = now - since
    if skip_weekends:
        first, last = since.date() + DAY, now.date() - DAY
        weekend = (last - first).days + 1 - working_days(first, last) if last >= first else 0
        idle -= DAY * weekend
    return idle


def find_blockers(
    data: SprintData,
    issues: Iterable[Issue],
    now: datetime,
    *,
    days_left: int | None = None,
    total_days: int = 0,
    stale_after_days: int = 3,
    skip_weekends: bool = False,
    people: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> tuple[Blocker, ...]:
    """What stands in the sprint's way, most severe first.

    Severity: flagged, then blocked (a status, or a board column, named like BLOCKED_NAMES),
    then large work not started late in the sprint (≥ LARGE_UNSTARTED_POINTS points, or any
    issue when counting issues, still to do when at most LATE_SHARE of the working days are
    left), then work in progress with no update for `stale_after_days` days. Within a kind,
    larger issues and longer silences come first. Each issue appears once, under its most
    severe kind; done issues never appear. All of them by default: counts in `status` and
    the export come from this list, so only the panel that draws it may cut it.
    """
    statuses = Statuses(data)
    by_points, _ = _unit(data)
    names = people or {}
    late = days_left is not None and total_days > 0 and days_left <= LATE_SHARE * total_days
    found: list[tuple[int, float, float, Blocker]] = []
    for issue in issues:
        if issue.category is StatusCategory.DONE:
            continue
        weight = issue.points if by_points else 1.0
        idle = timedelta(0)
        if issue.flagged:
            kind, reason = "flagged", "flagged"
        elif statuses.is_blocked(issue.status):
            kind, reason = "blocked", "blocked"
        elif (
            late
            and issue.category is StatusCategory.TODO
            and weight is not None
            and (weight >= LARGE_UNSTARTED_POINTS or not by_points)
        ):
            size = f"{_amount(weight)} pts " if by_points else ""
            kind, reason = "unstarted", f"{size}not started, {days_left}d left"
        else:
            last = issue.updated or (issue.status_changes[-1].at if issue.status_changes else None)
            if issue.category is not StatusCategory.IN_PROGRESS or last is None:
                continue
            idle = _idle(last, now, skip_weekends)
            if idle < timedelta(days=stale_after_days):
                continue
            kind, reason = "stale", f"no update for {idle.days}d"
        found.append(
            (
                _SEVERITY[kind],
                -(issue.points or 0.0),
                -idle.total_seconds(),
                Blocker(
                    key=issue.key,
                    summary=issue.summary,
                    assignee=issue.assignee or "unassigned",
                    reason=reason,
                    kind=kind,
                    points=issue.points,
                    assignee_name=_display(issue.assignee, names),
                ),
            )
        )
    found.sort(key=lambda entry: entry[:3])
    kept = found if limit is None else found[: max(0, limit)]
    return tuple(entry[3] for entry in kept)


def assignee_load(
    data: SprintData, issues: Iterable[Issue], *, people: Mapping[str, str] | None = None
) -> tuple[AssigneeLoad, ...]:
    """Scope per assignee by category. Most open work (to do + in progress) first, then by
    name; "Unassigned" always last."""
    by_points, _ = _unit(data)
    names = people or {}
    totals: dict[str, list[float]] = {}
    for issue in issues:
        row = totals.setdefault(issue.assignee or "", [0.0, 0.0, 0.0, 0.0])
        slot = {StatusCategory.TODO: 0, StatusCategory.IN_PROGRESS: 1}.get(issue.category, 2)
        row[slot] += _weight(issue, by_points)
        row[3] += 1
    loads = [
        AssigneeLoad(who, _display(who, names), t[0], t[1], t[2], int(t[3]))
        for who, t in totals.items()
    ]
    loads.sort(key=lambda load: (load.assignee == "", -(load.todo + load.in_progress), load.name))
    return tuple(loads)


def _column_names(data: SprintData) -> tuple[str, ...]:
    if data.board.columns:
        return tuple(column.name for column in data.board.columns)
    return ("To Do", "In Progress", "Done")


def _column_for(category: StatusCategory, data: SprintData, statuses: Statuses) -> int:
    """The column an unmapped status falls into: the first holding that category's statuses,
    else the first (to do), the last (done) or the second column (in progress)."""
    columns = data.board.columns
    for index, column in enumerate(columns):
        if any(statuses.category(status) is category for status in column.statuses):
            return index
    count = len(columns) if columns else 3
    if category is StatusCategory.TODO:
        return 0
    if category is StatusCategory.DONE:
        return count - 1
    return min(1, count - 1)


def _done_at(issue: Issue, statuses: Statuses) -> datetime | None:
    """When a done issue last moved into a done status; its resolution date without one."""
    if issue.category is not StatusCategory.DONE:
        return None
    for change in reversed(issue.status_changes):
        if statuses.category(change.to_status) is StatusCategory.DONE:
            return change.at
    return issue.resolved


def _joined_at(issue: Issue) -> datetime | None:
    """When the issue last joined the open sprint it is in, from the Sprint field's changes."""
    if issue.sprint_id is None:
        return None
    for change in reversed(issue.sprint_changes):
        if issue.sprint_id in change.to_sprints and issue.sprint_id not in change.from_sprints:
            return change.at
    return None


def issue_rows(
    data: SprintData, issues: Iterable[Issue], *, people: Mapping[str, str] | None = None
) -> tuple[IssueRow, ...]:
    """Issues in board order: by the column their status maps to, then in the order given
    (Jira's rank order)."""
    statuses = Statuses(data)
    names = people or {}
    columns = _column_names(data)
    fallback: dict[StatusCategory, int] = {}
    placed: list[tuple[int, int, IssueRow]] = []
    site = data.board.site_url.rstrip("/")
    for order, issue in enumerate(issues):
        index = statuses.column_index(issue.status)
        if index is None:
            if issue.category not in fallback:
                fallback[issue.category] = _column_for(issue.category, data, statuses)
            index = fallback[issue.category]
        row = IssueRow(
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            category=issue.category,
            column=columns[index],
            issue_type=issue.issue_type,
            assignee=issue.assignee or "",
            assignee_name=_display(issue.assignee, names),
            points=issue.points,
            priority=issue.priority,
            labels=issue.labels,
            flagged=issue.flagged,
            url=f"{site}/browse/{issue.key}" if site else "",
            updated=issue.updated,
            epic=issue.epic,
            done_at=_done_at(issue, statuses),
            joined_at=_joined_at(issue),
            has_changelog=bool(issue.status_changes or issue.sprint_changes),
        )
        placed.append((index, order, row))
    placed.sort(key=lambda entry: entry[:2])
    return tuple(entry[2] for entry in placed)


# --- The summary ----------------------------------------------------------------------------


def _by_status(
    issues: Sequence[Issue], by_points: bool, statuses: Statuses
) -> tuple[StatusCount, ...]:
    counts: dict[str, StatusCount] = {}
    for issue in issues:
        prior = counts.get(issue.status)
        counts[issue.status] = StatusCount(
            issue.status,
            issue.category,
            (prior.issues if prior else 0) + 1,
            (prior.points if prior else 0.0) + _weight(issue, by_points),
        )
    categories = list(StatusCategory)

    def order(count: StatusCount) -> tuple[int, tuple[int, int], str]:
        return (categories.index(count.category), statuses.board_place(count.status), count.status)

    return tuple(sorted(counts.values(), key=order))


def _first(sprints: Iterable[Sprint], keep: Callable[[Sprint], bool]) -> Sprint | None:
    return next((sprint for sprint in sprints if keep(sprint)), None)


def summarize_sprint(
    data: SprintData,
    now: datetime,
    *,
    people: Mapping[str, str] | None = None,
    skip_weekends: bool = False,
    blocker_limit: int | None = None,
    stale_after_days: int = 3,
) -> SprintSummary:
    """Everything the sprint panel and screen show. `people` maps Person.id to a display name."""
    by_points, unit = _unit(data)
    statuses = Statuses(data)
    history = velocity(data)
    closed = _closed_in_order(data)
    future = sorted(
        (s for s in data.sprints if s.state == "future"),
        key=lambda s: (s.start is None, s.start.timestamp() if s.start else 0.0, s.id),
    )
    next_name = future[0].name if future else ""
    last_closed = closed[-1].name if closed else ""
    active = _first(data.sprints, lambda s: s.state == "active")
    if active is None:
        return SprintSummary(
            board=data.board.name,
            sprint="no active sprint",
            goal="",
            state="none",
            start=None,
            end=None,
            days_left=None,
            unit=unit,
            total=0.0,
            done=0.0,
            in_progress=0.0,
            issue_count=0,
            by_status=(),
            blockers=(),
            velocity=history.rolling_average,
            next_sprint=next_name,
            points_note=data.points_note,
            last_closed=last_closed,
            velocity_history=history,
            columns=_column_names(data),
        )
    issues = [i for i in data.issues if i.sprint_id == active.id]
    health = sprint_health(data, active, now, capacity=history.predicted_capacity)
    blockers = find_blockers(
        data,
        issues,
        now,
        days_left=health.days_left,
        total_days=health.working_days,
        stale_after_days=stale_after_days,
        skip_weekends=skip_weekends,
        people=people,
        limit=blocker_limit,
    )
    return SprintSummary(
        board=data.board.name,
        sprint=active.name,
        goal=active.goal,
        state="active",
        start=active.start.date() if active.start else None,
        end=active.end.date() if active.end else None,
        days_left=health.days_left,
        unit=unit,
        total=sum(_weight(i, by_points) for i in issues),
        done=sum(_weight(i, by_points) for i in issues if i.category is StatusCategory.DONE),
        in_progress=sum(
            _weight(i, by_points) for i in issues if i.category is StatusCategory.IN_PROGRESS
        ),
        issue_count=len(issues),
        by_status=_by_status(issues, by_points, statuses),
        blockers=blockers,
        velocity=history.rolling_average,
        next_sprint=next_name,
        points_note=data.points_note,
        last_closed=last_closed,
        burndown=burndown(data, active, now, skip_weekends=skip_weekends),
        velocity_history=history,
        health=health,
        load=assignee_load(data, issues, people=people),
        issues=issue_rows(data, issues, people=people),
        columns=_column_names(data),
    )
