"""Sprint essentials for the dashboard: progress, issues by status, blockers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec

from cockpit.models import Issue, Sprint, SprintData, StatusCategory

STALE_AFTER = timedelta(days=3)


class StatusCount(msgspec.Struct, frozen=True):
    status: str
    category: StatusCategory
    issues: int
    points: float


class Blocker(msgspec.Struct, frozen=True):
    key: str
    summary: str
    assignee: str
    reason: str  # "flagged", "blocked", "no update for 4d", "8 pts not started, 2d left"
    kind: str = "flagged"  # "flagged", "blocked", "stale", "unstarted"
    points: float | None = None


class BurndownDay(msgspec.Struct, frozen=True):
    day: date
    ideal: float  # the straight line from committed scope to zero
    remaining: float | None  # None for days still ahead
    scope: float  # total scope at the end of the day
    added: float = 0.0  # scope added that day (issues added, estimates raised)
    removed: float = 0.0  # scope removed that day
    weekend: bool = False


class Burndown(msgspec.Struct, frozen=True):
    sprint: str
    unit: str
    start: date
    end: date
    committed: float  # scope when the sprint started
    days: tuple[BurndownDay, ...]  # weekends left out when skip_weekends
    skip_weekends: bool
    scope_added: float = 0.0
    scope_removed: float = 0.0


class VelocityEntry(msgspec.Struct, frozen=True):
    sprint_id: int
    sprint: str
    committed: float
    completed: float


class Velocity(msgspec.Struct, frozen=True):
    unit: str
    sprints: tuple[VelocityEntry, ...]  # the last 12 closed sprints, oldest first
    rolling_average: float | None  # completed, mean of the last 3
    predicted_capacity: float | None  # what the next sprint can take


class SprintHealth(msgspec.Struct, frozen=True):
    completion: float  # done / scope, 0..1
    elapsed: float  # working days gone / working days in the sprint, 0..1
    days_left: int | None
    projected_completion: float  # at the current daily pace, share done by the end, 0..1+
    carry_over: float  # scope projected to be left at the end
    carry_over_risk: str  # "low", "medium" or "high"


class AssigneeLoad(msgspec.Struct, frozen=True):
    assignee: str  # Person.id, or "" for unassigned
    name: str  # display name, "Unassigned" for ""
    todo: float
    in_progress: float
    done: float
    issues: int


class IssueRow(msgspec.Struct, frozen=True):
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


class SprintSummary(msgspec.Struct, frozen=True):
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
    blockers: tuple[Blocker, ...]
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


def working_days(start: date, end: date) -> int:
    """Weekdays from start to end, both included."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, extra = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(extra):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def _weight(issue: Issue, by_points: bool) -> float:
    return (issue.points or 0.0) if by_points else 1.0


def _blockers(issues: list[Issue], now: datetime, limit: int) -> tuple[Blocker, ...]:
    found: list[tuple[int, Blocker]] = []
    for issue in issues:
        if issue.category is StatusCategory.DONE:
            continue
        who = issue.assignee or "unassigned"
        if issue.flagged:
            found.append((0, Blocker(issue.key, issue.summary, who, "flagged")))
        elif issue.status.lower() == "blocked":
            found.append((1, Blocker(issue.key, issue.summary, who, "blocked")))
        elif (
            issue.category is StatusCategory.IN_PROGRESS
            and issue.updated is not None
            and now - issue.updated >= STALE_AFTER
        ):
            idle = (now - issue.updated).days
            found.append((2, Blocker(issue.key, issue.summary, who, f"no update for {idle}d")))
    found.sort(key=lambda pair: pair[0])
    return tuple(blocker for _, blocker in found[:limit])


def _velocity(sprints: tuple[Sprint, ...]) -> float | None:
    closed = [s for s in sprints if s.state == "closed" and s.completed_points is not None]
    closed.sort(key=lambda s: (s.end.timestamp() if s.end else 0.0, s.id))
    recent = [s.completed_points for s in closed[-3:] if s.completed_points is not None]
    return sum(recent) / len(recent) if recent else None


def summarize_sprint(data: SprintData, now: datetime, *, blocker_limit: int = 5) -> SprintSummary:
    by_points = data.points_field is not None
    unit = "pts" if by_points else "issues"
    active = next((s for s in data.sprints if s.state == "active"), None)
    future = next((s for s in data.sprints if s.state == "future"), None)
    velocity = _velocity(data.sprints)
    if active is None:
        return SprintSummary(
            data.board.name,
            "no active sprint",
            "",
            "none",
            None,
            None,
            None,
            unit,
            0.0,
            0.0,
            0.0,
            0,
            (),
            (),
            velocity,
            future.name if future else "",
        )
    issues = [i for i in data.issues if i.sprint_id == active.id]
    order = {c.name: index for index, c in enumerate(data.board.columns)}
    counts: dict[str, StatusCount] = {}
    for issue in issues:
        prior = counts.get(issue.status)
        weight = _weight(issue, by_points)
        counts[issue.status] = StatusCount(
            issue.status,
            issue.category,
            (prior.issues if prior else 0) + 1,
            (prior.points if prior else 0.0) + weight,
        )
    by_status = tuple(
        sorted(
            counts.values(),
            key=lambda c: (list(StatusCategory).index(c.category), order.get(c.status, len(order))),
        )
    )
    total = sum(_weight(i, by_points) for i in issues)
    done = sum(_weight(i, by_points) for i in issues if i.category is StatusCategory.DONE)
    doing = sum(_weight(i, by_points) for i in issues if i.category is StatusCategory.IN_PROGRESS)
    today = now.date()
    end = active.end.date() if active.end else None
    days_left = working_days(today, end) if end else None
    return SprintSummary(
        board=data.board.name,
        sprint=active.name,
        goal=active.goal,
        state="active",
        start=active.start.date() if active.start else None,
        end=end,
        days_left=days_left,
        unit=unit,
        total=total,
        done=done,
        in_progress=doing,
        issue_count=len(issues),
        by_status=by_status,
        blockers=_blockers(issues, now, blocker_limit),
        velocity=velocity,
        next_sprint=future.name if future else "",
    )
