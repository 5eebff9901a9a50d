"""The demo Jira board and the machinery its closed and active sprints are both written with.

The board carries its history the way Jira's changelog does: every issue knows when it moved
between statuses, sprints and estimates. `_Track` is an issue while that history is being
written, on a float-seconds clock relative to the active sprint's start; `_completion_times`
spreads finished work along a sprint's daily work curve and `_finish` walks an issue to Done.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from cockpit.models import (
    Board,
    BoardColumn,
    Issue,
    PointsChange,
    SprintChange,
    StatusCategory,
    StatusChange,
)

_T = TypeVar("_T")

BOARD = Board(
    id=42,
    name="ML Platform board",
    columns=(
        BoardColumn("To Do", ("To Do",)),
        BoardColumn("In Progress", ("In Progress", "Blocked")),
        BoardColumn("In Review", ("In Review",)),
        BoardColumn("Done", ("Done",)),
    ),
    url="https://acme-ml.atlassian.net/jira/software/projects/MLP/boards/42",
    site_url="https://acme-ml.atlassian.net",
)
POINTS_FIELD = "customfield_10016"
ACTIVE_SPRINT_NUMBER = 43
SPRINT_LENGTH = timedelta(days=14)
SPRINT_START_TIME = time(8, 0)
FIRST_DAY_WEIGHT = 0.6  # planning day

CATEGORIES: Mapping[str, StatusCategory] = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "In Review": StatusCategory.IN_PROGRESS,
    "Blocked": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
}

PRIORITIES: tuple[str, ...] = ("Highest", "High", "Medium", "Low")
PRIORITY_WEIGHTS: Mapping[str, tuple[int, ...]] = {
    "Bug": (15, 45, 35, 5),
    "Story": (3, 27, 55, 15),
    "Task": (2, 18, 55, 25),
    "Spike": (0, 20, 60, 20),
}


PRIORITY_CUM_WEIGHTS: Mapping[str, tuple[int, ...]] = {
    kind: tuple(itertools.accumulate(weights)) for kind, weights in PRIORITY_WEIGHTS.items()
}


def _any(rng: random.Random, options: Sequence[_T]) -> _T:
    """`rng.choice`, without its rejection sampling: the board draws a few thousand of these."""
    return options[int(rng.random() * len(options))]


def _weighted(rng: random.Random, options: Sequence[_T], cumulative: Sequence[int]) -> _T:
    """`rng.choices(options, cum_weights=cumulative)[0]`, cheaper."""
    return options[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


# While the board is generated, moments are float seconds relative to the active sprint's start
# (a Monday at 08:00 UTC): a few thousand changelog entries are much cheaper to compute this way
# than with datetimes, and a week later every one of them is the same number. `_Track.freeze`
# turns them into datetimes, truncated to whole seconds like Jira's.
D = 86400.0
H = 3600.0
SECOND = timedelta(seconds=1)


class _Track:
    """An issue while its history is being written; frozen into an `Issue` at the end."""

    __slots__ = (
        "created",
        "epic",
        "flagged",
        "issue_type",
        "labels",
        "owner",
        "points",
        "points_changes",
        "priority",
        "resolved",
        "sprint_changes",
        "sprint_ids",
        "sprints",
        "status",
        "status_changes",
        "summary",
        "touched",
    )

    def __init__(
        self,
        summary: str,
        issue_type: str,
        owner: str | None,
        labels: tuple[str, ...],
        epic: str,
        priority: str,
        created: float,
        points: float | None,
    ) -> None:
        self.summary = summary
        self.issue_type = issue_type
        self.owner = owner
        self.labels = labels
        self.epic = epic
        self.priority = priority
        self.created = float(math.floor(created))
        self.points = points
        self.status = "To Do"
        self.flagged = False
        self.resolved: float | None = None
        self.sprints: tuple[int, ...] = ()  # the Sprint field now
        self.sprint_ids: list[int] = []
        self.status_changes: list[tuple[float, str, str]] = []
        self.sprint_changes: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
        self.points_changes: list[tuple[float, float | None, float | None]] = []
        self.touched = self.created  # the last edit: `updated`

    def _touch(self, at: float) -> float:
        at = float(math.floor(max(at, self.touched)))
        self.touched = at
        return at

    def move(self, at: float, status: str) -> None:
        at = self._touch(at)
        self.status_changes.append((at, self.status, status))
        self.resolved = at if status == "Done" else None
        self.status = status

    def file_into(self, sprint: int) -> None:
        """Created straight into a sprint: no changelog entry, like Jira."""
        self.sprints, self.sprint_ids = (sprint,), [sprint]

    def set_sprints(self, at: float, sprints: tuple[int, ...]) -> None:
        at = self._touch(at)
        self.sprint_changes.append((at, self.sprints, sprints))
        self.sprints = sprints
        self.sprint_ids += [s for s in sprints if s not in self.sprint_ids]

    def estimate(self, at: float, points: float | None) -> None:
        at = self._touch(at)
        self.points_changes.append((at, self.points, points))
        self.points = points

    def freeze(self, key: str, open_sprints: frozenset[int], origin: datetime) -> Issue:
        def when(moment: float) -> datetime:
            return origin + SECOND * int(moment)

        open_now = [s for s in self.sprints if s in open_sprints]
        return Issue(
            key=key,
            summary=self.summary,
            status=self.status,
            category=CATEGORIES[self.status],
            issue_type=self.issue_type,
            assignee=self.owner,
            points=self.points,
            priority=self.priority,
            labels=self.labels,
            flagged=self.flagged,
            sprint_id=open_now[-1] if open_now else None,
            created=when(self.created),
            updated=when(self.touched),
            resolved=None if self.resolved is None else when(self.resolved),
            sprint_ids=tuple(self.sprint_ids),
            epic=self.epic,
            status_changes=tuple(StatusChange(when(t), a, b) for t, a, b in self.status_changes),
            sprint_changes=tuple(SprintChange(when(t), a, b) for t, a, b in self.sprint_changes),
            points_changes=tuple(PointsChange(when(t), a, b) for t, a, b in self.points_changes),
        )


def _active_sprint_start(today: date) -> datetime:
    """Sprints start on Mondays; pick the one that puts today between working days 4 and 8."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() < 3:
        monday -= timedelta(days=7)
    return datetime.combine(monday, SPRINT_START_TIME, tzinfo=UTC)


def _working_periods(start: float) -> list[float]:
    """The starts of a sprint's working days: 24-hour periods from its (Monday) start."""
    return [start + D * offset for offset in range(SPRINT_LENGTH.days) if offset % 7 < 5]


def _completion_times(
    efforts: Sequence[float], periods: Sequence[float], weights: Sequence[float], until: float
) -> list[float]:
    """When each piece of work (in completion order) was finished, along a daily work curve.

    Each working day delivers in proportion to its weight (its elapsed part only, for the day
    `until` falls in), so zero-weight days and weekends are flat stretches of the burndown.
    """
    spans: list[tuple[float, float]] = []
    capacity: list[float] = []
    for begin, weight in zip(periods, weights, strict=False):
        if begin >= until:
            break
        span = min(D, until - begin)
        spans.append((begin, span))
        capacity.append(weight * span / D)
    if sum(capacity) <= 0:
        capacity = [span / D for _, span in spans]
    cumulative = list(itertools.accumulate(capacity))
    total, available = sum(efforts), cumulative[-1]
    times = []
    done = 0.0
    for effort in efforts:
        goal = (done + effort / 2) / total * available
        done += effort
        index = min(bisect.bisect_left(cumulative, goal), len(spans) - 1)
        share = capacity[index]
        within = (goal - (cumulative[index] - share)) / share if share else 0.5
        begin, span = spans[index]
        times.append(min(begin + span * within, until - 300.0))
    return times


def _finish(track: _Track, done_at: float, floor: float, rng: random.Random) -> None:
    """Walk the issue from wherever it stands to Done at `done_at`, through review mostly."""
    earliest = max(floor, track.touched) + 1200.0
    done_at = max(done_at, earliest + 1200.0)
    gap = done_at - earliest
    if track.status == "To Do":
        track.move(earliest + gap * 0.4 * rng.random(), "In Progress")
    if track.status != "In Review" and rng.random() < 0.75:
        track.move(done_at - gap * (0.05 + 0.25 * rng.random()), "In Review")
    track.move(done_at, "Done")
