"""The demo board's active sprint, as of `now`, on top of its history; and its live moves.

The active sprint is a plan for all of its days, played up to `now`: work lands along a daily
curve (the planning day is slow, one day is lost, weekends are flat) at ACTIVE_PACE of the ideal
pace, after a bump of scope on days two and three. `_build_sprint` puts the whole board together
(closed sprints from `sprint_history`, the active and future sprints' issues from
`sprint_issues`) and plans the live script of board moves that `_apply_moves` plays in live mode.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import msgspec
import msgspec.structs

from cockpit.models import Issue, Sprint, SprintData, StatusChange
from integrations.demo._shared import (
    FIRST_MOVE_TICK,
    MAX_MOVES,
    MOVE_EVERY_TICKS,
    _at_tick,
    _whole_seconds,
)
from integrations.demo.sprint_board import (
    ACTIVE_SPRINT_NUMBER,
    BOARD,
    CATEGORIES,
    FIRST_DAY_WEIGHT,
    POINTS_FIELD,
    PRIORITIES,
    PRIORITY_CUM_WEIGHTS,
    SPRINT_LENGTH,
    D,
    H,
    _active_sprint_start,
    _any,
    _completion_times,
    _Track,
    _weighted,
    _working_periods,
)
from integrations.demo.sprint_history import CLOSED_SPRINT_GOALS, _build_history
from integrations.demo.sprint_issues import (
    ACTIVE_ISSUES,
    DESCOPED_ISSUES,
    FUTURE_ISSUES,
    LABEL_EPICS,
)

FIRST_ISSUE_NUMBER = 104
# The active sprint's plan gets ACTIVE_PACE of its scope done by the end: a little behind, as
# most sprints are.
ACTIVE_PACE = 0.9
LOST_DAY = 6  # the active sprint's working day (0-based) that delivers nothing
UNASSIGNED_TODO = 2
ACTIVE_SPRINT_GOAL = (
    "Ranker v3 serving 10% of search traffic at p95 under 150 ms, "
    "and a whisper-medium fine-tune that beats the call-centre WER baseline"
)


class _Move(msgspec.Struct, frozen=True):
    key: str
    status: str


def _build_sprint(
    today: date, ref: datetime, rng: random.Random, history_rng: random.Random
) -> tuple[SprintData, tuple[_Move, ...]]:
    origin = _active_sprint_start(today)
    now = (ref - origin).total_seconds()  # `ref`, on the sprint clock
    active_id = 300 + ACTIVE_SPRINT_NUMBER
    previous_id, future_id = active_id - 1, active_id + 1
    previous = -14 * D

    # Every draw happens whatever today's weekday, so the board only changes where it should.
    draws = [[rng.random() for _ in range(6)] for _ in ACTIVE_ISSUES]
    priorities = [
        _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[s.issue_type]) for s in ACTIVE_ISSUES
    ]
    order = list(range(len(ACTIVE_ISSUES)))
    rng.shuffle(order)
    working = _working_periods(0.0)
    # A steady team: every working day delivers about as much, give or take 40%, except the
    # planning day and the second Tuesday, lost to an incident review (a plateau).
    weights = [FIRST_DAY_WEIGHT] + [0.6 + 0.8 * rng.random() for _ in working[1:]]
    weights[LOST_DAY] = 0.0

    tracks: list[_Track] = []
    carried: list[_Track] = []
    for spec, u, priority in zip(ACTIVE_ISSUES, draws, priorities, strict=True):
        filed = -D * (2 + 40 * u[0])
        if spec.role == "carried":
            filed = previous - D * (2 + 20 * u[0])
        elif spec.role == "added":
            filed = D * (1 + (u[0] > 0.5)) + H * (1 + 7 * u[1])
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], "") if spec.labels else "",
            "High" if spec.role == "blocked" else priority,
            filed,
            None if spec.points is None else float(spec.estimated_from or spec.points),
        )
        tracks.append(track)
        if spec.role == "carried":  # planned into the previous sprint and started there
            carried.append(track)
            track.set_sprints(previous - H * (3 + 30 * u[1]), (previous_id,))
            track.move(previous + D * (4 + 6 * u[2]) + 3 * H, "In Progress")
    history, closed_tracks, last_close = _build_history(carried, history_rng)

    # Planning, then the first days' changes: scope comes in, scope goes out.
    planning = -16 * H
    for spec, track, u in zip(ACTIVE_ISSUES, tracks, draws, strict=True):
        if spec.role == "carried":
            track.set_sprints(last_close, (previous_id, active_id))
        elif spec.role == "stale":  # picked up early, then stuck
            started = -D * (2.2 + 0.8 * u[2])
            track.set_sprints(min(planning, started - D), (active_id,))
            track.move(started, "In Progress")
        elif spec.role == "pulled":
            track.set_sprints(2 * D + H * (1 + 3 * u[1]), (active_id,))
        elif spec.role == "added":
            track.file_into(active_id)
            if spec.points is not None:  # estimated in the next stand-up
                track.points = None
                track.estimate(track.created + H * (1 + 2 * u[3]), float(spec.points))
        else:
            track.set_sprints(planning - 30 * H * u[1], (active_id,))
        if spec.estimated_from is not None:
            # The spike grew on day two; the TTL story shrank on day three.
            grew = (spec.points or 0) > spec.estimated_from
            track.estimate(D * (1 if grew else 2) + 4 * H, float(spec.points or 0))
    descoped = []
    for number, (spec, to_next) in enumerate(DESCOPED_ISSUES):
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], ""),
            "Medium",
            -D * (9 + 5 * number),
            float(spec.points or 0),
        )
        track.set_sprints(planning - 2 * H, (active_id,))
        track.set_sprints(2 * D + H * (5 + number), (future_id,) if to_next else ())
        descoped.append(track)

    # The sprint's plan: what gets done when, at about ACTIVE_PACE of the ideal pace, carried-over
    # work first. The board is the plan played up to `now`, so as `now` moves on, work moves
    # forward and the past stays put.
    def effort(i: int) -> float:
        return float(ACTIVE_ISSUES[i].points or 1.5)

    rank = {"carried": 0, "": 1, "pulled": 2, "added": 2}
    finishing = [i for i in order if ACTIVE_ISSUES[i].role in rank]
    finishing.sort(key=lambda i: rank[ACTIVE_ISSUES[i].role])
    goal = ACTIVE_PACE * sum(effort(i) for i in order)
    planned: list[int] = []
    total = 0.0
    for i in finishing:
        if total + effort(i) <= goal:
            planned.append(i)
            total += effort(i)
    times = _completion_times([effort(i) for i in planned], working, weights, working[-1] + D)
    schedule: list[tuple[float, int, str]] = []
    for i, done_at in zip(planned, times, strict=True):
        u, track = draws[i], tracks[i]
        floor = max(0.0, track.touched) + 1800.0
        done_at = max(done_at, floor + 2 * H)
        started = track.touched
        if track.status == "To Do":
            started = max(floor, done_at - D * (1.0 + 3.5 * u[3]))
            schedule.append((started, i, "In Progress"))
        if u[4] < 0.8:  # reviews wait for the next time zone: they take a while
            schedule.append((done_at - (done_at - started) * (0.15 + 0.35 * u[5]), i, "In Review"))
        schedule.append((done_at, i, "Done"))
    # A few more get picked up late in the sprint; they will carry over.
    late = [i for i in finishing if i not in planned and tracks[i].status == "To Do"]
    for n, i in enumerate(late[:3]):
        schedule.append((working[7 + n] + H * (2 + 6 * draws[i][3]), i, "In Progress"))
    # Blocked early on; reopened after review, then done again the week after.
    for i, spec in enumerate(ACTIVE_ISSUES):
        u = draws[i]
        if spec.role == "blocked":
            schedule.append((H * (1 + 16 * u[4]), i, "In Progress"))
            schedule.append((D + H * (2 + 20 * u[3]), i, "Blocked"))
            tracks[i].flagged = True
        elif spec.role == "reopened":
            schedule.append((H * (2 + 4 * u[3]), i, "In Progress"))
            schedule.append((D + H, i, "In Review"))
            schedule.append((D + 6 * H, i, "Done"))
            schedule.append((2 * D + 10 * H, i, "In Progress"))
            schedule.append((4 * D + 3 * H, i, "In Review"))
            schedule.append((7 * D + 5 * H, i, "Done"))
        elif spec.role == "stale":
            tracks[i].flagged = spec.labels[0] == "fraud"  # waiting on the risk team
    schedule.sort()
    for moment, i, status in schedule:
        if moment <= now - 300.0:
            tracks[i].move(moment, status)

    future = []
    for spec in FUTURE_ISSUES:
        u_created, u_planned = rng.random(), rng.random()
        priority = _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[spec.issue_type])
        filed = now - D * (1 + 20 * u_created)
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], "") if spec.labels else "",
            priority,
            filed,
            None if spec.points is None else float(spec.points),
        )
        track.set_sprints(min(now, filed + H * (0.2 + 30 * u_planned)), (future_id,))
        future.append(track)

    everything = closed_tracks + tracks + descoped + future
    keys = _issue_keys([track.created for track in everything], rng)
    open_sprints = frozenset({active_id, future_id})
    issues = [t.freeze(key, open_sprints, origin) for t, key in zip(everything, keys, strict=True)]
    issues = _unassign_newest_todo(issues, active_id)
    issues.sort(key=lambda issue: int(issue.key.removeprefix("MLP-")))

    closed = [
        Sprint(
            id=sprint_id,
            name=f"MLP Sprint {sprint_id - 300}",
            state="closed",
            goal=goal_text,
            start=origin + timedelta(seconds=start),
            end=origin + timedelta(seconds=start) + SPRINT_LENGTH,
            completed=origin + timedelta(seconds=close),
        )
        for (sprint_id, start, close), goal_text in zip(history, CLOSED_SPRINT_GOALS, strict=True)
    ]
    active = Sprint(
        id=active_id,
        name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER}",
        state="active",
        goal=ACTIVE_SPRINT_GOAL,
        start=origin,
        end=origin + SPRINT_LENGTH,
    )
    upcoming = Sprint(id=future_id, name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER + 1}", state="future")
    data = SprintData(
        board=BOARD,
        sprints=(*closed, active, upcoming),
        issues=tuple(issues),
        points_field=POINTS_FIELD,
        status_categories=dict(CATEGORIES),
    )
    stale = {id(t) for t, s in zip(tracks, ACTIVE_ISSUES, strict=True) if s.role == "stale"}
    stale_keys = {key for key, track in zip(keys, everything, strict=True) if id(track) in stale}
    return data, _plan_moves(issues, active_id, stale_keys)


def _issue_keys(created: Sequence[float], rng: random.Random) -> list[str]:
    """Number issues in creation order, with gaps where other projects' issues were filed."""
    gaps = [_any(rng, (1, 1, 1, 1, 1, 2, 3)) for _ in created]
    keys = [""] * len(created)
    number = FIRST_ISSUE_NUMBER
    in_creation_order = sorted(range(len(created)), key=lambda i: (created[i], i))
    for gap, index in zip(gaps, in_creation_order, strict=True):
        number += gap
        keys[index] = f"MLP-{number}"
    return keys


def _unassign_newest_todo(issues: list[Issue], sprint_id: int) -> list[Issue]:
    # The most recently filed work has not been picked up yet.
    todo = [
        i
        for i, issue in enumerate(issues)
        if issue.sprint_id == sprint_id and issue.status == "To Do"
    ]
    newest = sorted(todo, key=lambda i: issues[i].created or datetime.min.replace(tzinfo=UTC))
    result = list(issues)
    for index in newest[-UNASSIGNED_TODO:]:
        result[index] = msgspec.structs.replace(result[index], assignee=None)
    return result


def _plan_moves(issues: Sequence[Issue], sprint_id: int, stale_keys: set[str]) -> tuple[_Move, ...]:
    """The live script for the board: work flows one column right, review queue first."""

    def movable(status: str) -> list[Issue]:
        return [
            issue
            for issue in issues
            if issue.sprint_id == sprint_id
            and issue.status == status
            and issue.assignee is not None
            and issue.key not in stale_keys
        ]

    lanes = (
        [_Move(issue.key, "Done") for issue in movable("In Review")],
        [_Move(issue.key, "In Review") for issue in movable("In Progress")],
        [_Move(issue.key, "In Progress") for issue in movable("To Do")],
    )
    moves: list[_Move] = []
    for round_index in range(max(len(lane) for lane in lanes)):
        moves += [lane[round_index] for lane in lanes if round_index < len(lane)]
    return tuple(moves[:MAX_MOVES])


def _apply_moves(data: SprintData, moves: Sequence[_Move], ref: datetime, ticks: int) -> SprintData:
    if ticks < FIRST_MOVE_TICK:
        return data
    count = min(len(moves), (ticks - FIRST_MOVE_TICK) // MOVE_EVERY_TICKS + 1)
    changes: dict[str, tuple[str, datetime]] = {}
    for index, move in enumerate(moves[:count]):
        moved_at = _whole_seconds(_at_tick(ref, FIRST_MOVE_TICK + index * MOVE_EVERY_TICKS))
        changes[move.key] = (move.status, moved_at)
    issues = []
    for issue in data.issues:
        if issue.key in changes:
            status, moved_at = changes[issue.key]
            issue = msgspec.structs.replace(
                issue,
                status=status,
                category=CATEGORIES[status],
                updated=moved_at,
                resolved=moved_at if status == "Done" else None,
                status_changes=(
                    *issue.status_changes,
                    StatusChange(moved_at, issue.status, status),
                ),
            )
        issues.append(issue)
    return msgspec.structs.replace(data, issues=tuple(issues))
