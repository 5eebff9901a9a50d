"""Leaderboards: each experiment's best runs against the champion, boards across experiments
and trackers, and the team's experiment velocity.

Built from the per-experiment digests alone (`digest_experiments`, made when a snapshot is
taken): never from the runs, which the store keeps apart. Pure: `now` is a parameter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import msgspec

from cockpit.analytics.experiment_digest import (
    FAILED,
    FINISHED,
    RUNNING,
    digest_experiments,
    ensure_digests,
    median_of_buckets,
    week_of,
)
from cockpit.analytics.run_values import better, ranking_value, the_champion
from cockpit.models import Experiment, ExperimentData, ExperimentDigest, Run, WeekOfRuns

__all__ = [
    "FAILED",
    "FINISHED",
    "RUNNING",
    "CrossBoard",
    "ExperimentBoard",
    "ExperimentsSummary",
    "PersonVelocity",
    "RunRow",
    "Velocity",
    "WeekFigures",
    "digest_experiments",
    "summarize_experiments",
]

TREND_DAYS = 56  # the sparkline: the best-so-far over the last 8 weeks, one value a day
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class RunRow(msgspec.Struct, frozen=True, gc=False):
    """One run on a leaderboard."""

    run_id: str
    name: str
    experiment: str  # the experiment's name
    experiment_id: str
    source: str
    tracker: str
    metric: str
    value: float | None  # the value it ranks by (None: it has none, e.g. a champion that failed)
    step: int | None  # the step that value was logged at, when read from a history
    user: str
    status: str
    started: datetime | None
    ended: datetime | None
    duration_seconds: float | None  # ended - started; for a running run, so far
    new_today: bool  # started in the 24 hours before the summary was made
    new_this_week: bool  # started in the 7 days before
    params: tuple[tuple[str, str], ...]  # the key params it set, in the board's order
    url: str
    aliases: tuple[str, ...]  # "champion", "challenger", …: the model aliases pointing at it
    models: tuple[str, ...]  # "model@alias (vN)" for each of them, for the detail
    rank: int | None  # 1 = best; None when the run has no value to rank by
    age_seconds: float | None  # since it ended (since it started, while running)
    # value - champion's value, in the metric's units (None: no champion, or no value).
    delta: float | None = None
    # Whether that delta is an improvement, by the metric's direction.
    improves: bool | None = None
    # The run's tags, for `[sharing] mask_tags`: a masked screen shows a tagged run's id.
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def is_champion(self) -> bool:
        return "champion" in self.aliases


class WeekFigures(msgspec.Struct, frozen=True, gc=False):
    """The runs started in one ISO week (Monday `week`) and what became of them so far."""

    week: date
    started: int = 0
    finished: int = 0
    failed: int = 0
    median_minutes: float | None = None  # of the runs that ended

    @property
    def ended(self) -> int:
        return self.finished + self.failed

    @property
    def failure_rate(self) -> float | None:
        """Failed (or killed) of the runs that ended; None before any ended."""
        return self.failed / self.ended if self.ended else None


class ExperimentBoard(msgspec.Struct, frozen=True, gc=False):
    source: str
    tracker: str
    experiment_id: str
    experiment: str  # its name
    url: str
    metric: str
    higher_is_better: bool
    rank_by: str
    metric_picked: bool  # the metric was not configured: picked from what the runs log
    note: str  # how values were read
    total_runs: int
    running: int
    finished: int
    failed: int
    ranked: int  # runs with a value to rank by: `top` holds the best of them
    top: tuple[RunRow, ...]  # best first; its length is what the digest kept
    champion: RunRow | None
    # The run aliased "challenger" if there is one, else the best run that is not the champion.
    challenger: RunRow | None
    beats_champion: bool  # the best run is better than the champion's value
    key_params: tuple[str, ...]
    key_params_picked: bool
    trend: tuple[float, ...]  # best-so-far a day over the last 8 weeks (from the first record)
    this_week: WeekFigures
    last_week: WeekFigures
    missing: str = ""  # an alias whose run was not read, e.g. "fraud@champion (v3)"

    @property
    def best(self) -> RunRow | None:
        return self.top[0] if self.top else None

    @property
    def challenger_delta(self) -> float | None:
        return self.challenger.delta if self.challenger else None


class CrossBoard(msgspec.Struct, frozen=True, gc=False):
    """One metric ranked across every experiment (and source) that has it as primary metric."""

    metric: str
    higher_is_better: bool
    experiments: tuple[str, ...]  # "source: experiment" of each board it draws from
    rows: tuple[RunRow, ...]  # best first
    note: str = ""  # e.g. when the experiments read values differently


class PersonVelocity(msgspec.Struct, frozen=True, gc=False):
    user: str
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week


class Velocity(msgspec.Struct, frozen=True, gc=False):
    """Runs started this ISO week so far against the whole of last ISO week, all experiments."""

    this_week: WeekFigures
    last_week: WeekFigures
    people: tuple[PersonVelocity, ...]  # most runs this week first
    weeks: tuple[WeekFigures, ...]  # every week of every experiment, merged, oldest first
    note: str

    @property
    def change(self) -> int:
        return self.this_week.started - self.last_week.started

    @property
    def failure_rate_change(self) -> float | None:
        now, before = self.this_week.failure_rate, self.last_week.failure_rate
        return None if now is None or before is None else now - before

    @property
    def median_change(self) -> float | None:
        now, before = self.this_week.median_minutes, self.last_week.median_minutes
        return None if now is None or before is None else now - before


class ExperimentsSummary(msgspec.Struct, frozen=True, gc=False):
    tracker: str  # every tracker shown, "mlflow, wandb"
    boards: tuple[ExperimentBoard, ...]
    cross_boards: tuple[CrossBoard, ...]
    cross_skipped: tuple[str, ...]  # why a shared metric has no board across experiments
    velocity: Velocity
    runs_total: int
    running_total: int
    finished_last_day: int  # FINISHED runs that ended in the 24 hours before `now`
    sources: tuple[str, ...] = ()


# --- rows ------------------------------------------------------------------------------


def _row(
    run: Run,
    digest: ExperimentDigest,
    experiment: Experiment,
    now: datetime,
    rank: int | None,
) -> RunRow:
    found = ranking_value(run, experiment)
    end = run.ended if run.ended is not None else (now if run.status == RUNNING else None)
    duration = (end - run.started).total_seconds() if end and run.started else None
    mine = [m for m in digest.models if m.run_id == run.run_id]
    since = run.ended or (run.started if run.status == RUNNING else None)
    return RunRow(
        run_id=run.run_id,
        name=run.name or run.run_id,
        experiment=experiment.name,
        experiment_id=experiment.id,
        source=digest.source,
        tracker=digest.tracker,
        metric=experiment.primary_metric,
        value=found[0] if found else None,
        step=found[1] if found else None,
        user=run.user,
        status=run.status,
        started=run.started,
        ended=run.ended,
        duration_seconds=duration if duration is None or duration >= 0 else None,
        new_today=run.started is not None and now - DAY < run.started <= now,
        new_this_week=run.started is not None and now - WEEK < run.started <= now,
        params=tuple((p, run.params[p]) for p in digest.key_params if p in run.params),
        url=run.url,
        aliases=tuple(dict.fromkeys(m.alias for m in mine)),
        models=tuple(f"{m.model}@{m.alias} (v{m.version})" for m in mine),
        rank=rank,
        age_seconds=(now - since).total_seconds() if since else None,
        tags=tuple(sorted(run.tags.items())),
    )


def _against(row: RunRow, champion: RunRow | None, higher_is_better: bool) -> RunRow:
    if champion is None or champion.value is None or row.value is None:
        return row
    delta = row.value - champion.value
    return msgspec.structs.replace(
        row, delta=delta, improves=better(row.value, champion.value, higher_is_better)
    )


def _week(weeks: Sequence[WeekOfRuns], monday: date) -> WeekFigures:
    found = next((w for w in weeks if w.week == monday), None)
    if found is None:
        return WeekFigures(monday)
    return WeekFigures(monday, found.started, found.finished, found.failed, found.median_minutes)


def _trend(record: Sequence[tuple[date, float]], today: date) -> tuple[float, ...]:
    """The best-so-far of each of the last TREND_DAYS days, from the first day it has one."""
    if not record:
        return ()
    values: list[float] = []
    i, best = 0, None
    day = today - timedelta(days=TREND_DAYS - 1)
    while day <= today:
        while i < len(record) and record[i][0] <= day:
            best = record[i][1]
            i += 1
        if best is not None:
            values.append(best)
        day += DAY
    return tuple(values)


def _board(digest: ExperimentDigest, now: datetime) -> ExperimentBoard:
    experiment = digest.definition or Experiment(digest.experiment, digest.experiment, "")
    hib = experiment.higher_is_better
    rows: list[RunRow] = []
    extra: list[RunRow] = []
    for i, run in enumerate(digest.candidates):
        if i < digest.kept:
            rows.append(_row(run, digest, experiment, now, i + 1))
        else:
            extra.append(_row(run, digest, experiment, now, digest.extra_ranks.get(run.run_id)))
    everyone = rows + extra
    champions = [r for r in everyone if "champion" in r.aliases]
    champion = the_champion(champions, lambda row: row.value, hib)
    rows = [_against(r, champion, hib) for r in rows]
    extra = [_against(r, champion, hib) for r in extra]
    champion = _against(champion, champion, hib) if champion else None
    everyone = rows + extra
    champion_id = champion.run_id if champion else None
    named = [r for r in everyone if "challenger" in r.aliases and r.run_id != champion_id]
    challenger = next(iter(named), None) or next((r for r in rows if r.run_id != champion_id), None)
    best = rows[0] if rows else None
    beats = bool(
        best is not None
        and champion is not None
        and best.run_id != champion.run_id
        and best.improves
    )
    shown = {r.run_id for r in everyone}
    missing = ", ".join(
        f"{m.model}@{m.alias} (v{m.version})" for m in digest.models if m.run_id not in shown
    )
    this_monday = week_of(now.date())
    return ExperimentBoard(
        source=digest.source,
        tracker=digest.tracker,
        experiment_id=experiment.id,
        experiment=experiment.name,
        url=experiment.url,
        metric=experiment.primary_metric,
        higher_is_better=hib,
        rank_by=experiment.rank_by,
        metric_picked=experiment.metric_picked,
        note=digest.note,
        total_runs=digest.total,
        running=digest.running,
        finished=digest.finished,
        failed=digest.failed,
        ranked=digest.ranked,
        top=tuple(rows),
        champion=champion,
        challenger=challenger,
        beats_champion=beats,
        key_params=digest.key_params,
        key_params_picked=digest.key_params_picked,
        trend=_trend(digest.record, now.date()),
        this_week=_week(digest.weeks, this_monday),
        last_week=_week(digest.weeks, this_monday - WEEK),
        missing=missing,
    )


# --- across experiments ----------------------------------------------------------------


def _label(board: ExperimentBoard) -> str:
    return f"{board.source}: {board.experiment}" if board.source else board.experiment


def cross_boards(
    boards: Sequence[ExperimentBoard],
) -> tuple[tuple[CrossBoard, ...], tuple[str, ...]]:
    """A board per primary metric that more than one experiment ranks by, every source and
    tracker together (names are already mapped by each source's `rename`). A metric whose
    experiments disagree on its direction gets no board, and a line saying why."""
    by_metric: dict[str, list[ExperimentBoard]] = defaultdict(list)
    for board in boards:
        if board.metric:
            by_metric[board.metric].append(board)
    made: list[CrossBoard] = []
    skipped: list[str] = []
    for name, group in by_metric.items():
        if len(group) < 2:
            continue
        directions = {b.higher_is_better for b in group}
        if len(directions) > 1:
            higher = ", ".join(_label(b) for b in group if b.higher_is_better)
            lower = ", ".join(_label(b) for b in group if not b.higher_is_better)
            skipped.append(
                f"{name}: not ranked across experiments, higher is better for {higher} "
                f"but lower for {lower} (set `directions` in the leaderboard settings)"
            )
            continue
        hib = group[0].higher_is_better
        rows = [r for b in group for r in b.top if r.value is not None]
        rows.sort(key=lambda r: (-r.value if hib else r.value, r.source, r.run_id))  # type: ignore[operator]
        reads = {b.rank_by for b in group}
        note = (
            "values are read differently: "
            + ", ".join(f"{_label(b)} by {b.rank_by}" for b in group)
            if len(reads) > 1
            else ""
        )
        made.append(
            CrossBoard(
                metric=name,
                higher_is_better=hib,
                experiments=tuple(_label(b) for b in group),
                rows=tuple(rows),
                note=note,
            )
        )
    return tuple(made), tuple(skipped)


def _merge_weeks(digests: Sequence[ExperimentDigest]) -> tuple[WeekFigures, ...]:
    grouped: dict[date, list[WeekOfRuns]] = defaultdict(list)
    for digest in digests:
        for week in digest.weeks:
            grouped[week.week].append(week)
    merged = []
    for monday in sorted(grouped):
        group = grouped[monday]
        with_durations = [w for w in group if w.median_minutes is not None]
        if len(with_durations) == 1:
            median = with_durations[0].median_minutes  # one experiment: its exact median
        else:
            median = median_of_buckets(pair for w in group for pair in w.durations)
        merged.append(
            WeekFigures(
                week=monday,
                started=sum(w.started for w in group),
                finished=sum(w.finished for w in group),
                failed=sum(w.failed for w in group),
                median_minutes=median,
            )
        )
    return tuple(merged)


def velocity(digests: Sequence[ExperimentDigest], now: datetime) -> Velocity:
    """This ISO week so far against last ISO week, over every experiment. Weeks are calendar
    weeks (Monday to Sunday, UTC), the same ones the weekly export reports, so early in a week
    'this week' holds only a few days: the note says how many."""
    this_monday = week_of(now.date())
    last_monday = this_monday - WEEK
    weeks = _merge_weeks(digests)
    by_week = {w.week: w for w in weeks}
    people_now: Counter[str] = Counter()
    people_before: Counter[str] = Counter()
    for digest in digests:
        for week in digest.weeks:
            if week.week == this_monday:
                people_now.update(week.by_user)
            elif week.week == last_monday:
                people_before.update(week.by_user)
    people = sorted(
        (
            PersonVelocity(user, people_now.get(user, 0), people_before.get(user, 0))
            for user in set(people_now) | set(people_before)
        ),
        key=lambda p: (-p.this_week, -p.last_week, p.user),
    )
    days = (now.date() - this_monday).days + 1
    note = (
        f"this week is the ISO week from Monday {this_monday:%d %b}: "
        f"{days} day{'s' if days != 1 else ''} so far, against all 7 of last week"
    )
    return Velocity(
        this_week=by_week.get(this_monday, WeekFigures(this_monday)),
        last_week=by_week.get(last_monday, WeekFigures(last_monday)),
        people=tuple(people),
        weeks=weeks,
        note=note,
    )


# --- the summary -----------------------------------------------------------------------


def _digests_of(parts: Sequence[ExperimentData], now: datetime) -> list[ExperimentDigest]:
    digests: list[ExperimentDigest] = []
    for part in parts:
        part = ensure_digests(part, now)
        defined = {e.id: e for e in part.experiments}
        for digest in part.digests:
            if digest.definition is None and digest.experiment in defined:
                digest = msgspec.structs.replace(digest, definition=defined[digest.experiment])
            if not digest.source and part.source:
                digest = msgspec.structs.replace(digest, source=part.source)
            if not digest.tracker:
                digest = msgspec.structs.replace(digest, tracker=part.tracker)
            digests.append(digest)
    return digests


def summarize_experiments(
    data: ExperimentData | Sequence[ExperimentData], now: datetime
) -> ExperimentsSummary:
    """Every surface's view of the experiments, from the digests of one or more sources.

    Data with runs but no digests (the demo built in memory, a cache from before digests) is
    digested first; with digests, the runs are never looked at.
    """
    parts = [data] if isinstance(data, ExperimentData) else list(data)
    digests = _digests_of(parts, now)
    boards = tuple(_board(d, now) for d in digests)
    crossed, skipped = cross_boards(boards)
    since = now - DAY
    return ExperimentsSummary(
        tracker=", ".join(dict.fromkeys(d.tracker for d in digests if d.tracker))
        or ", ".join(dict.fromkeys(p.tracker for p in parts if p.tracker)),
        boards=boards,
        cross_boards=crossed,
        cross_skipped=skipped,
        velocity=velocity(digests, now),
        runs_total=sum(d.total for d in digests),
        running_total=sum(d.running for d in digests),
        finished_last_day=sum(
            count for d in digests for minute, count in d.ended_last_day if since <= minute <= now
        ),
        sources=tuple(dict.fromkeys(d.source for d in digests if d.source)),
    )
