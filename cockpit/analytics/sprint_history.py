"""How a sprint looked at past moments: each issue's history replayed, and the sprint's days.

Pure functions and small classes, shared by the burndown, the velocity and the health.

Replaying an issue's history
----------------------------
The burndown and the velocity need each issue's state at past moments: was it in the sprint,
was it done, what was its estimate. `History` replays the changelog. Before the first change
of a field, the field held the first change's `from_*` value; after a change, its `to_*` value;
after the last change, the issue's current value (so a truncated changelog still ends at the
truth, and the burndown's last point agrees with the board). Without a changelog the current
value holds throughout, except that a done issue with a `resolved` date counts as done only
from then on. An issue counts nowhere before its `created` moment: one created inside the sprint
is scope added that day.

Sprint days
-----------
A sprint's days are the 24-hour periods counted from its start moment, labelled by the date they
begin on; the last one ends at the sprint's end. A sprint from Monday 08:00 to the Monday two
weeks later therefore has 14 days, Monday to Sunday, 10 of them working days, and no stray
"Monday morning" day at the end. Working days are Monday to Friday. The burndown reads every line
at the end of each day (today: at `now`).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar

import msgspec

from cockpit.models import Issue, Sprint, SprintData, StatusCategory

_T = TypeVar("_T")

DAY = timedelta(days=1)
# Status or column names that mean "blocked", compared case-insensitively.
BLOCKED_NAMES = frozenset({"blocked", "impeded", "on hold"})
# When nothing else says which category a status belongs to (no record of it, not on the board).
_DONE_NAMES = frozenset(
    {"done", "closed", "resolved", "released", "complete", "completed", "cancelled", "won't do"}
)
_TODO_NAMES = frozenset(
    {"to do", "todo", "open", "backlog", "new", "selected for development", "ready"}
)


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


# --- Statuses and categories ----------------------------------------------------------------


class Statuses:
    """Status name → category, from the records first and the board and the name last."""

    def __init__(self, data: SprintData) -> None:
        self._known: dict[str, StatusCategory] = dict(data.status_categories)
        for issue in data.issues:
            self._known.setdefault(issue.status, issue.category)
        self._folded = {name.casefold(): cat for name, cat in self._known.items()}
        columns = data.board.columns
        self._place: dict[str, tuple[int, int]] = {}  # (column, position in the column)
        for index, column in enumerate(columns):
            for position, status in enumerate(column.statuses):
                self._place.setdefault(status.casefold(), (index, position))
        self._column_of = {status: place[0] for status, place in self._place.items()}
        self._column_count = len(columns)
        self._blocked_columns = {
            index for index, c in enumerate(columns) if c.name.casefold() in BLOCKED_NAMES
        }

    def category(self, status: str) -> StatusCategory:
        known = self._known.get(status)
        if known is not None:
            return known
        folded = status.casefold()
        if folded in self._folded:
            return self._folded[folded]
        index = self._column_of.get(folded)
        if index is not None:
            if index == 0:
                return StatusCategory.TODO
            if index == self._column_count - 1:
                return StatusCategory.DONE
            return StatusCategory.IN_PROGRESS
        if folded in _DONE_NAMES:
            return StatusCategory.DONE
        if folded in _TODO_NAMES:
            return StatusCategory.TODO
        return StatusCategory.IN_PROGRESS

    def column_index(self, status: str) -> int | None:
        return self._column_of.get(status.casefold())

    def board_place(self, status: str) -> tuple[int, int]:
        """Where the board shows a status: its column, then its place in that column."""
        return self._place.get(status.casefold(), (10**6, 0))

    def is_blocked(self, status: str) -> bool:
        folded = status.casefold()
        return folded in BLOCKED_NAMES or self._column_of.get(folded) in self._blocked_columns


# --- Replaying history ----------------------------------------------------------------------


def _pick(times: Sequence[datetime], values: Sequence[_T], at: datetime, before: bool) -> _T:
    """The value in force at `at` (changes at `at` included unless `before`)."""
    return values[bisect_left(times, at) if before else bisect_right(times, at)]


class History:
    """One issue's sprint membership, done-ness and estimate over time."""

    __slots__ = (
        "created",
        "done_times",
        "done_values",
        "issue",
        "points_times",
        "points_values",
        "sprint_times",
        "sprint_values",
    )

    def __init__(self, issue: Issue, statuses: Statuses) -> None:
        self.issue = issue
        self.created = issue.created

        moves = sorted(issue.sprint_changes, key=lambda change: change.at)
        current = frozenset(issue.sprint_ids) | (
            {issue.sprint_id} if issue.sprint_id is not None else frozenset()
        )
        if moves:
            self.sprint_times = [change.at for change in moves]
            self.sprint_values = [frozenset(moves[0].from_sprints)]
            self.sprint_values += [frozenset(change.to_sprints) for change in moves]
            if issue.sprint_id is not None:
                self.sprint_values[-1] |= {issue.sprint_id}
        else:
            self.sprint_times, self.sprint_values = [], [current]

        done_now = issue.category is StatusCategory.DONE
        steps = sorted(issue.status_changes, key=lambda change: change.at)
        if steps:
            self.done_times = [change.at for change in steps]
            first = statuses.category(steps[0].from_status) is StatusCategory.DONE
            self.done_values = [first]
            self.done_values += [
                statuses.category(change.to_status) is StatusCategory.DONE for change in steps
            ]
            self.done_values[-1] = done_now
        elif done_now and issue.resolved is not None:
            self.done_times, self.done_values = [issue.resolved], [False, True]
        else:
            self.done_times, self.done_values = [], [done_now]

        estimates = sorted(issue.points_changes, key=lambda change: change.at)
        if estimates:
            self.points_times = [change.at for change in estimates]
            self.points_values = [estimates[0].from_points]
            self.points_values += [change.to_points for change in estimates]
            self.points_values[-1] = issue.points
        else:
            self.points_times, self.points_values = [], [issue.points]

    def member(self, sprint_id: int, at: datetime, before: bool = False) -> bool:
        if self.created is not None and (self.created >= at if before else self.created > at):
            return False
        return sprint_id in _pick(self.sprint_times, self.sprint_values, at, before)

    def done(self, at: datetime) -> bool:
        return _pick(self.done_times, self.done_values, at, False)

    def weight(self, at: datetime, by_points: bool, before: bool = False) -> float:
        if not by_points:
            return 1.0
        return _pick(self.points_times, self.points_values, at, before) or 0.0

    def scope(self, sprint_id: int, at: datetime, by_points: bool, before: bool = False) -> float:
        """What the issue adds to the sprint's scope at `at`."""
        if not self.member(sprint_id, at, before):
            return 0.0
        return self.weight(at, by_points, before)

    def event_times(self) -> set[datetime]:
        """The moments its contribution to a sprint's scope can change."""
        moments = {*self.sprint_times, *self.points_times}
        if self.created is not None:
            moments.add(self.created)
        return moments


class Histories:
    """Each issue's replayed history, built once, found by the sprints it has been in."""

    def __init__(self, data: SprintData, statuses: Statuses) -> None:
        self._statuses = statuses
        self._by_sprint: dict[int, list[Issue]] = {}
        self._built: dict[int, History] = {}
        for issue in data.issues:
            sprints = set(issue.sprint_ids)
            if issue.sprint_id is not None:
                sprints.add(issue.sprint_id)
            for change in issue.sprint_changes:
                sprints.update(change.from_sprints)
                sprints.update(change.to_sprints)
            for sprint_id in sprints:
                self._by_sprint.setdefault(sprint_id, []).append(issue)

    def of(self, sprint_id: int) -> list[History]:
        """Every issue that has been in the sprint at some point."""
        found = []
        for issue in self._by_sprint.get(sprint_id, ()):
            history = self._built.get(id(issue))
            if history is None:
                history = self._built[id(issue)] = History(issue, self._statuses)
            found.append(history)
        return found


# --- Sprint days ----------------------------------------------------------------------------


class Period(msgspec.Struct, frozen=True, gc=False):
    day: date
    begin: datetime
    finish: datetime

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5


def sprint_periods(sprint: Sprint) -> list[Period]:
    """The sprint's days: 24-hour periods from its start, the last one cut at its end."""
    if sprint.start is None or sprint.end is None:
        return []
    count = max(1, math.ceil((sprint.end - sprint.start) / DAY))
    periods = []
    for index in range(count):
        begin = sprint.start + DAY * index
        periods.append(Period(begin.date(), begin, min(begin + DAY, max(sprint.end, begin))))
    return periods


def elapsed_working_days(periods: Sequence[Period], now: datetime) -> float:
    """Working days gone by `now`; the current one counts by the share of it elapsed."""
    gone = 0.0
    for period in periods:
        if period.weekend or now <= period.begin:
            continue
        if now >= period.finish:
            gone += 1.0
        else:
            gone += (now - period.begin) / (period.finish - period.begin)
    return gone


def working_days_left(periods: Sequence[Period], now: datetime) -> int:
    """Working days not yet over at `now`, the current one included."""
    return sum(1 for p in periods if not p.weekend and now < p.finish)
