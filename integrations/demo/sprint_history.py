"""The demo board's twelve closed sprints, oldest first, and every issue that passed through.

The closed sprints are generated one after the other, with planning, scope creep, descoping,
re-estimates and carry-over into the next sprint, so that velocity computed from the issues
alone gives a believable chart (sprints carry no reported figures).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Sequence

from integrations.demo.sprint_areas import AREA_SUMMARIES, AREAS, BUG_AREA
from integrations.demo.sprint_board import (
    ACTIVE_SPRINT_NUMBER,
    FIRST_DAY_WEIGHT,
    PRIORITIES,
    PRIORITY_CUM_WEIGHTS,
    SPRINT_LENGTH,
    D,
    H,
    _any,
    _completion_times,
    _finish,
    _Track,
    _weighted,
    _working_periods,
)
from integrations.demo.sprint_issues import ACTIVE_ISSUES, DESCOPED_ISSUES, FUTURE_ISSUES

# Relative throughput of a closed sprint's working day: some days much more gets done.
DAY_WEIGHTS: tuple[float, ...] = (0.5, 1.0, 1.0, 1.4, 2.0)

CLOSED_SPRINT_GOALS: tuple[str, ...] = (
    "Ranker v2 retrained on Q2 data; feature store read path in staging",
    "Ship ranker v2.3 to 100%; whisper-small baseline for call-centre ASR",
    "Feature store GA for ranking features",
    "Training image on CUDA 12; fraud GBDT v7 feature set",
    "Eval harness v1: NDCG, MRR and per-segment reports",
    "Ranker v3 architecture spike; ASR labelling pipeline",
    "Ranker v3 training pipeline end to end",
    "Fraud model refresh signed off by the risk team",
    "Cut training cost: spot instances for hyper-parameter sweeps",
    "Ranker v3 beats v2 offline by 2% NDCG@10",
    "whisper-medium fine-tune baseline; latency budget for ranker v3",
    "Ranker v3 in shadow mode; model registry for all three models",
)
# The areas each closed sprint's work mostly came from (indices into AREAS), goal by goal.
CLOSED_SPRINT_FOCUS: tuple[tuple[int, ...], ...] = (
    (0, 1),
    (0, 2),
    (1,),
    (5, 4),
    (6,),
    (0, 3),
    (0, 5),
    (4,),
    (5,),
    (0, 6),
    (2, 7),
    (0, 7),
)
# Sprint 38 ran over the holidays: a visibly weaker sprint makes the velocity chart honest.
SLOW_SPRINT_INDEX = 7
SLOW_SPRINT_SHARE = 0.7
POINT_SIZES: tuple[int, ...] = (1, 2, 3, 5, 8)
POINT_WEIGHTS: tuple[int, ...] = (48, 36, 11, 4, 1)
POINT_CUM_WEIGHTS = tuple(itertools.accumulate(POINT_WEIGHTS))


class _Namer:
    """Unique summaries for the closed sprints' issues, drawn without replacement per area."""

    def __init__(self, taken: Iterable[str], rng: random.Random) -> None:
        self.taken = set(taken)
        self.rng = rng
        self.queues: dict[int, list[int]] = {}
        self.rounds: dict[int, int] = {}

    def pick(self, area: int) -> str:
        pool = AREA_SUMMARIES[area]
        while True:
            queue = self.queues.get(area)
            if not queue:
                queue = self.queues[area] = self.rng.sample(range(len(pool)), len(pool))
                self.rounds[area] = self.rounds.get(area, 0) + 1
            summary = pool[queue.pop()]
            if self.rounds[area] > 1:  # the area ran dry: the same work again, a second time
                summary = f"{summary} (part {self.rounds[area]})"
            if summary not in self.taken:
                self.taken.add(summary)
                return summary


def _area(focus: Sequence[int], rng: random.Random) -> int:
    """Most of a sprint's work comes from its focus areas, the rest from anywhere."""
    return _any(rng, focus) if rng.random() < 0.6 else int(rng.random() * len(AREAS))


def _closed_issue(
    area: int,
    namer: _Namer,
    created: float,
    points: float | None,
    estimated_by: float,
    rng: random.Random,
) -> _Track:
    spec = BUG_AREA if area == len(AREAS) else AREAS[area]
    issue_type = _any(rng, spec.types)
    priority = _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[issue_type])
    track = _Track(
        namer.pick(area),
        issue_type,
        _any(rng, spec.owners),
        spec.labels,
        spec.epic,
        priority,
        created,
        None,
    )
    if points is not None:
        if rng.random() < 0.6:
            track.points = points  # estimated when it was filed
        else:  # estimated later, in refinement
            track.estimate(created + (estimated_by - created) * (0.1 + 0.8 * rng.random()), points)
    return track


def _build_history(
    carried: Sequence[_Track], rng: random.Random
) -> tuple[list[tuple[int, float, float]], list[_Track], float]:
    """The closed sprints, oldest first, and every issue that passed through them.

    Each sprint is planned to a commitment, gets re-estimates, sometimes loses an item, takes
    in bugs and asks, then closes with part of its work done; what is left moves into the next
    sprint. `carried` are active-sprint issues started in the last closed sprint: they are in it
    from its start and are its only unfinished work. Returns (sprint id, start, close) per sprint,
    the issues (carried ones excluded) and the moment the last sprint closed.
    """
    count = len(CLOSED_SPRINT_GOALS)
    floor = -SPRINT_LENGTH.total_seconds() * count - 14 * D  # nothing older than this
    namer = _Namer(
        [s.summary for s in (*ACTIVE_ISSUES, *FUTURE_ISSUES)]
        + [s.summary for s, _ in DESCOPED_ISSUES],
        rng,
    )
    sprints: list[tuple[int, float, float]] = []
    tracks: list[_Track] = []
    carry_in: list[_Track] = []
    closed_at = 0.0
    for index in range(count):
        sprint_id = 300 + ACTIVE_SPRINT_NUMBER - count + index
        last = index == count - 1
        start = -14 * D * (count - index)
        # Closed on the Monday morning, just before the next planning meeting.
        closed_at = float(math.floor(start + 14 * D - H * (0.5 + 4.5 * rng.random())))
        planning = start - H * (2 + 18 * rng.random())
        filed_from = max(floor, planning - 25 * D)
        focus = CLOSED_SPRINT_FOCUS[index]
        working = _working_periods(start)

        target = rng.randint(60, 68) if index == SLOW_SPRINT_INDEX else rng.randint(54, 68)
        committed = sum(t.points or 0.0 for t in carry_in)
        if last:
            committed += sum(t.points or 0.0 for t in carried)
        planned: list[_Track] = []
        while committed < target:
            points = _weighted(rng, POINT_SIZES, POINT_CUM_WEIGHTS)
            points = float(min(points, max(p for p in POINT_SIZES if p <= target - committed)))
            created = filed_from + (planning - filed_from) * 0.95 * rng.random()
            area = _area(focus, rng)
            planned.append(_closed_issue(area, namer, created, points, planning, rng))
            committed += points
        for _ in range(rng.randint(0, 2)):  # spikes and chores nobody estimated
            created = filed_from + (planning - filed_from) * 0.95 * rng.random()
            area = _area(focus, rng)
            planned.append(_closed_issue(area, namer, created, None, planning, rng))
        for track in planned:
            track.set_sprints(planning, (sprint_id,))

        # During the sprint: re-estimates, a descoped item, bugs and asks that come in.
        for track in rng.sample(planned, min(len(planned), rng.randint(0, 2))):
            size = int(track.points or 0)
            if size < 2:
                continue
            bigger = not last and rng.random() < 0.5 and size < POINT_SIZES[-1]
            new = POINT_SIZES[POINT_SIZES.index(size) + 1] if bigger else 1
            track.estimate(_any(rng, working[1:6]) + H * (1 + 8 * rng.random()), float(new))
        removed: _Track | None = None
        if rng.random() < 0.5 and planned and not last:
            removed = planned[int(rng.random() * len(planned))]
            removed.set_sprints(_any(rng, working[2:7]) + H * (1 + 8 * rng.random()), ())
        added: list[_Track] = []
        for _ in range(1 if last else rng.randint(1, 3)):
            moment = _any(rng, working[1:8]) + H * (0.5 + 9.5 * rng.random())
            points = _any(rng, (1.0, 1.0, 2.0, 2.0, 3.0, None))
            kind = len(AREAS) if rng.random() < 0.6 else _area(focus, rng)
            track = _closed_issue(kind, namer, moment, points, moment + 8 * H, rng)
            track.file_into(sprint_id)
            added.append(track)

        # Closing: the work done, in the order it got done (carried-in work first).
        rng.shuffle(planned)
        members = carry_in + [t for t in planned if t is not removed] + added
        if last:
            goal = math.inf
        elif index == SLOW_SPRINT_INDEX:
            goal = math.ceil(committed * SLOW_SPRINT_SHARE)
        else:
            goal = round(committed * (0.78 + 0.19 * rng.random()))
        done: list[_Track] = []
        left: list[_Track] = []
        done_points = 0.0
        for track in members:
            size = track.points or 0.0
            skipped = track.points is None and not last and rng.random() < 0.3
            if not skipped and done_points + size <= goal:
                done.append(track)
                done_points += size
            else:
                left.append(track)
        weights = [FIRST_DAY_WEIGHT] + [_any(rng, DAY_WEIGHTS) for _ in working[1:]]
        times = _completion_times([t.points or 1.0 for t in done], working, weights, closed_at)
        for track, moment in zip(done, times, strict=True):
            _finish(track, moment, max(start, track.created), rng)
        for track in left:
            if track.status == "To Do" and rng.random() < 0.6:
                track.move(_any(rng, working[3:]) + H * (1 + 9 * rng.random()), "In Progress")
            track.set_sprints(closed_at, (*track.sprints, sprint_id + 1))
        carry_in = left
        tracks += planned
        tracks += added
        sprints.append((sprint_id, start, closed_at))
    return sprints, tracks, closed_at
