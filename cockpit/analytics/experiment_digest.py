"""Each experiment's runs summed up once, when a snapshot is made: counts, the runs that can
reach the top of a leaderboard, weekly velocity and the record line.

The dashboard and `status` are built from these digests alone, so the store can keep tens of
thousands of runs apart and the first frame never decodes them. Pure: `now` is a parameter.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import msgspec

from cockpit.analytics.run_values import rank_key, ranking_value
from cockpit.models import (
    Experiment,
    ExperimentData,
    ExperimentDigest,
    ModelVersion,
    Run,
    WeekOfRuns,
)

FINISHED = "FINISHED"
RUNNING = "RUNNING"
FAILED = frozenset({"FAILED", "KILLED"})
ENDED = frozenset({FINISHED, *FAILED})
DURATION_BUCKETS_PER_E = 50  # bucket = round(ln(minutes) * 50): neighbours differ by ~2%
KEY_PARAMS_PICKED = 3  # params shown beside a run when none are configured


def week_of(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def duration_bucket(minutes: float) -> int:
    return round(math.log(max(minutes, 0.01)) * DURATION_BUCKETS_PER_E)


def bucket_minutes(bucket: int) -> float:
    return math.exp(bucket / DURATION_BUCKETS_PER_E)


def median_of_buckets(buckets: Iterable[tuple[int, int]]) -> float | None:
    """The median duration, in minutes, of durations counted in buckets (to about 1%)."""
    counts: Counter[int] = Counter()
    for bucket, count in buckets:
        counts[bucket] += count
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted(counts.items())
    # The two middle values (the same one when the count is odd), as statistics.median does.
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen = 0
    low = high = None
    for bucket, count in ordered:
        if low is None and seen + count > low_rank:
            low = bucket
        if seen + count > high_rank:
            high = bucket
            break
        seen += count
    assert low is not None and high is not None
    return (bucket_minutes(low) + bucket_minutes(high)) / 2


def _duration_minutes(run: Run) -> float | None:
    if run.status not in ENDED or run.started is None or run.ended is None:
        return None
    minutes = (run.ended - run.started).total_seconds() / 60
    return minutes if minutes >= 0 else None  # clocks disagree: no duration rather than a lie


def _weeks(runs: Sequence[Run], now: datetime) -> tuple[WeekOfRuns, ...]:
    this_week = week_of(now.date())
    started: dict[date, list[Run]] = defaultdict(list)
    for run in runs:
        if run.started is None:
            continue
        # A run stamped after `now` (a clock ahead of ours) counts in this week, not nowhere.
        started[min(week_of(run.started.date()), this_week)].append(run)
    if not started:
        return ()
    weeks = []
    monday = min(started)
    while monday <= this_week:
        group = started.get(monday, [])
        durations = [d for d in (_duration_minutes(r) for r in group) if d is not None]
        buckets = Counter(duration_bucket(d) for d in durations)
        users = Counter(r.user or "unknown" for r in group)
        weeks.append(
            WeekOfRuns(
                week=monday,
                started=len(group),
                finished=sum(1 for r in group if r.status == FINISHED),
                failed=sum(1 for r in group if r.status in FAILED),
                median_minutes=statistics.median(durations) if durations else None,
                by_user=dict(sorted(users.items())),
                durations=tuple(sorted(buckets.items())),
            )
        )
        monday += timedelta(days=7)
    return tuple(weeks)


def _record(
    ranked: Sequence[tuple[Run, float]], higher_is_better: bool, now: datetime
) -> tuple[tuple[date, float], ...]:
    """The best value of runs ended by each day, every day from the first such run's to now's."""
    best_by_day: dict[date, float] = {}
    for run, value in ranked:
        moment = run.ended or run.started
        if moment is None:
            continue
        day = min(moment.date(), now.date())
        held = best_by_day.get(day)
        if held is None or (value > held if higher_is_better else value < held):
            best_by_day[day] = value
    if not best_by_day:
        return ()
    record: list[tuple[date, float]] = []
    day, best = min(best_by_day), None
    while day <= now.date():
        value = best_by_day.get(day)
        if value is not None and (
            best is None or (value > best if higher_is_better else value < best)
        ):
            best = value
        if best is not None:
            record.append((day, best))
        day += timedelta(days=1)
    return tuple(record)


def _ended_last_day(runs: Sequence[Run], now: datetime) -> tuple[tuple[datetime, int], ...]:
    since = now - timedelta(days=1)
    minutes: Counter[datetime] = Counter()
    for run in runs:
        if run.status == FINISHED and run.ended is not None and since <= run.ended <= now:
            minutes[run.ended.replace(second=0, microsecond=0)] += 1
    return tuple(sorted(minutes.items()))


def varying_params(runs: Sequence[Run], limit: int) -> tuple[str, ...]:
    """The params whose values differ most among `runs` (most distinct values first): what
    tells the top runs apart. A param every run sets the same way says nothing."""
    values: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        for name, value in run.params.items():
            values[name].add(value)
    spread = [(len(seen), name) for name, seen in values.items() if len(seen) > 1]
    spread.sort(key=lambda item: (-item[0], item[1]))
    return tuple(name for _, name in spread[:limit])


def _note(experiment: Experiment, ranked: Sequence[Run]) -> str:
    """How the ranking values were read, in words: histories are read for the runs that can
    reach the top only, so the rest rank by their last value."""
    metric = experiment.primary_metric
    if experiment.rank_by == "last":
        return f"last logged {metric}"
    if experiment.rank_by == "at-best-step" and experiment.step_metric:
        step = experiment.step_metric
        read = sum(1 for r in ranked if metric in r.histories and step in r.histories)
        how = f"{metric} at the best {step} step"
    else:
        read = sum(1 for r in ranked if metric in r.histories)
        how = f"best {metric} over the run's history"
    rest = len(ranked) - read
    if rest == 0:
        return how
    if read == 0:
        return f"last logged {metric} (no metric histories read)"
    return f"{how} for {read} runs, last value for the other {rest}"


def digest_one(
    experiment: Experiment,
    runs: Sequence[Run],
    models: Sequence[ModelVersion],
    now: datetime,
    *,
    keep: int = 50,
    source: str = "",
    tracker: str = "",
    key_params: Sequence[str] = (),
) -> ExperimentDigest:
    scored: list[tuple[Run, float]] = []
    for run in runs:
        if run.status != FINISHED:
            continue
        found = ranking_value(run, experiment)
        if found is not None:
            scored.append((run, found[0]))
    scored.sort(key=lambda item: rank_key(*item, experiment.higher_is_better))
    top = [run for run, _ in scored[: max(keep, 0)]]
    run_ids = {r.run_id for r in runs} if models else set()
    aliased = [m for m in models if m.run_id in run_ids or m.experiment == experiment.id]
    chosen = {r.run_id for r in top}
    by_id = {r.run_id: r for r in runs} if aliased else {}
    extra = []
    for model in aliased:
        run = by_id.get(model.run_id)
        if run is not None and run.run_id not in chosen:
            extra.append(run)
            chosen.add(run.run_id)
    extra_ids = {run.run_id for run in extra}
    extra_ranks = {
        run.run_id: rank for rank, (run, _) in enumerate(scored, start=1) if run.run_id in extra_ids
    }
    key_params = experiment.key_params or key_params  # the source's setting wins
    picked = not key_params
    params = tuple(key_params) if key_params else varying_params(top[:10], KEY_PARAMS_PICKED)
    return ExperimentDigest(
        experiment=experiment.id,
        total=len(runs),
        running=sum(1 for r in runs if r.status == RUNNING),
        finished=sum(1 for r in runs if r.status == FINISHED),
        failed=sum(1 for r in runs if r.status in FAILED),
        candidates=(*top, *extra),
        kept=len(top),
        ranked=len(scored),
        extra_ranks=extra_ranks,
        weeks=_weeks(runs, now),
        record=_record(scored, experiment.higher_is_better, now),
        note=_note(experiment, [run for run, _ in scored]),
        source=source,
        tracker=experiment.tracker or tracker,
        definition=experiment,
        models=tuple(aliased),
        key_params=params,
        key_params_picked=picked and bool(params),
        as_of=now,
        ended_last_day=_ended_last_day(runs, now),
    )


def digest_experiments(
    data: ExperimentData, now: datetime, *, keep: int = 50, key_params: Sequence[str] = ()
) -> ExperimentData:
    """`data` with `digests` filled in from all its runs: what the dashboard needs, so that the
    store can keep the runs apart and the first frame never decodes them.

    `keep`: how many of each experiment's best finished runs are kept whole (with their
    histories) as leaderboard candidates; every run a model alias points at is kept too.
    `key_params`: the params to show beside each run (the source's `key_params` setting);
    empty: the ones that vary most among the top runs.
    """
    by_experiment: dict[str, list[Run]] = {e.id: [] for e in data.experiments}
    for run in data.runs:
        if run.experiment in by_experiment:
            by_experiment[run.experiment].append(run)
    digests = tuple(
        digest_one(
            experiment,
            by_experiment[experiment.id],
            data.models,
            now,
            keep=keep,
            source=data.source,
            tracker=data.tracker,
            key_params=key_params,
        )
        for experiment in data.experiments
    )
    return msgspec.structs.replace(data, digests=digests)


def ensure_digests(data: ExperimentData, now: datetime) -> ExperimentData:
    """`data` as every reader needs it: with digests. Synced data has them already; the demo
    built in memory and caches from before digests carry runs only, and are digested now."""
    if data.digests or not data.experiments:
        return data
    return digest_experiments(data, now)
