"""The demo MLflow tracker: three experiments' runs over the last weeks, their champions and
challengers.

Finished runs improve over the window along a learning curve, with failed and killed runs among
them. The runs that can reach the top of a leaderboard (the top HISTORY_RUNS of each experiment
by their last value, the champion's and the challenger's) carry their metric histories, and many
of them overfit, so their best value is not their last (see `run_histories`). This week ranker-v3
ran a sweep whose best run beats the champion and is registered as the challenger, and one of
whose runs diverged; fraud-gbdt had a quiet week. A few runs are still going: in live mode their
metrics move and their histories grow, some finish, and a new fraud run is launched and
finishes while the demo is watched.

The experiments themselves (metrics, grids, curves, sweep) are in `experiment_specs`.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
import msgspec.structs

from cockpit.models import Experiment, ExperimentData, MetricHistory, ModelVersion, Run
from integrations.demo._shared import (
    LAUNCH_FINISH_TICK,
    LAUNCH_TICK,
    TICK_SECONDS,
    _at_tick,
    _hex_id,
    _whole_seconds,
)
from integrations.demo.experiment_specs import (
    EXPERIMENTS,
    FRAUD,
    TRACKER,
    ExperimentSpec,
    RunningSpec,
    SweepSpec,
    model_url,
    run_url,
)
from integrations.demo.run_histories import diverged_histories, planned_histories, prefix

RUN_ADJECTIVES: tuple[str, ...] = (
    "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "dapper", "eager", "fleet",
    "gentle", "glossy", "honest", "jolly", "keen", "lucky", "mellow", "nimble", "polite", "quiet",
    "rare", "silent", "smooth", "sunny", "tidy", "vivid", "wise", "zesty",
)  # fmt: skip
RUN_ANIMALS: tuple[str, ...] = (
    "ant", "auk", "bass", "bat", "bear", "carp", "colt", "crab", "crow", "deer", "doe", "eel",
    "finch", "fox", "gnu", "hare", "hawk", "heron", "lark", "lynx", "mink", "mole", "newt", "owl",
    "panda", "seal", "shrew", "snail", "squid", "stoat", "swan", "wren", "yak",
)  # fmt: skip
# As many runs per experiment as a tracker source reads histories for by default
# (`LeaderboardSettings.history_runs`).
HISTORY_RUNS = 50
CHAMPION_MIN_AGE = timedelta(days=9)
BASELINE_RUNS = 2  # the first runs of each experiment, tagged "baseline"
FINISHED = "FINISHED"


class _LiveRun(msgspec.Struct, frozen=True):
    """A run whose metrics move while it runs, and how it ends in live mode."""

    run: Run
    spec: ExperimentSpec
    final: dict[str, float]  # the metrics it ends on
    planned: dict[str, MetricHistory]  # its histories once it has finished
    jitter: float
    duration: timedelta
    finish_tick: int | None


def _build_experiments(
    ref: datetime, rng: random.Random
) -> tuple[ExperimentData, tuple[_LiveRun, ...]]:
    runs: list[Run] = []
    running: list[_LiveRun] = []
    models: list[ModelVersion] = []
    for spec in EXPERIMENTS:
        history = [_finished_run(spec, ref, rng) for _ in range(spec.finished_runs)]
        history = _with_histories(spec, history)
        champion, history = _champion(spec, history, ref, rng)
        models.append(champion)
        if spec.sweep is not None:
            beat = _rank_value(_by_id(history, champion.run_id), spec.experiment)
            history += _sweep_runs(spec, spec.sweep, beat, ref, rng)
        if spec.challenger:
            challenger = _challenger(spec, history, champion, ref, rng)
            if challenger is not None:
                models.append(challenger)
        live = [_running_run(spec, plan, ref, rng) for plan in spec.running]
        runs += _tagged(history, models)
        runs += [_run_at(item, ref, ref, 0) for item in live]
        running += live
    runs.sort(key=lambda run: (run.started, run.run_id), reverse=True)
    data = ExperimentData(
        tracker=TRACKER,
        experiments=tuple(spec.experiment for spec in EXPERIMENTS),
        runs=tuple(runs),
        models=tuple(models),
    )
    return data, tuple(running)


def _sample_params(spec: ExperimentSpec, rng: random.Random) -> tuple[dict[str, str], float]:
    params: dict[str, str] = {}
    effect = 0.0
    for name, choices in spec.grid.items():
        value = rng.choice(sorted(choices))
        params[name] = value
        effect += choices[value]
    return params, effect


def _learning_curve(t: float) -> float:
    """How far the team has got by fraction `t` of the window: fast gains, then a plateau."""
    return (1 - math.exp(-2.2 * t)) / (1 - math.exp(-2.2))


def _quality(t: float, effect: float, rng: random.Random) -> float:
    return min(1.08, max(-0.3, 0.08 + 0.85 * _learning_curve(t) + effect + rng.gauss(0, 0.07)))


def _partial(spec: ExperimentSpec, final: float, progress: float) -> float:
    """The primary metric part-way through training: most of the gain comes early."""
    return final + (spec.untrained - final) * (1 - progress) ** 2


def _metrics(spec: ExperimentSpec, primary: float, jitter: float) -> dict[str, float]:
    values = {spec.experiment.primary_metric: primary, **spec.extras(primary, jitter)}
    return {name: round(value, 4) for name, value in values.items()}


def _run_name(spec: ExperimentSpec, params: dict[str, str], rng: random.Random) -> str:
    # Most runs keep MLflow's generated name; about a quarter were named by hand.
    hand_named = rng.random() < 0.25
    generated = f"{rng.choice(RUN_ADJECTIVES)}-{rng.choice(RUN_ANIMALS)}-{rng.randint(100, 999)}"
    return spec.label(params) if hand_named else generated


def _finished_run(spec: ExperimentSpec, ref: datetime, rng: random.Random) -> Run:
    window = timedelta(days=spec.window_days)
    age = timedelta(hours=6) + (window - timedelta(hours=6)) * rng.random()
    started = ref - age
    # People launch fewer runs at weekends: most weekend launches happened on the Friday.
    to_friday = timedelta(days=max(0, started.weekday() - 4))
    if rng.random() < 0.6 and age + to_friday < window:
        age += to_friday
        started -= to_friday
    if spec.quiet_week and age < timedelta(days=7) and rng.random() < spec.quiet_week:
        age += timedelta(days=7)
        started -= timedelta(days=7)
    params, effect = _sample_params(spec, rng)
    final = spec.first + (spec.best - spec.first) * _quality(1 - age / window, effect, rng)
    jitter = rng.uniform(-1, 1)
    duration = timedelta(hours=rng.uniform(*spec.hours))
    roll, cut = rng.random(), rng.uniform(0.05, 0.7)
    name = _run_name(spec, params, rng)

    if roll < 0.06:
        # Crashed early (OOM, bad shard): at most the first training losses were logged.
        status = "FAILED"
        duration *= cut * 0.3
        partial = _metrics(spec, _partial(spec, final, cut * 0.3), jitter)
        metrics = {k: v for k, v in partial.items() if k.startswith("train") and cut > 0.2}
    elif roll < 0.10:
        status = "KILLED"  # stopped by hand once the curve looked hopeless
        duration *= cut
        metrics = _metrics(spec, _partial(spec, final, cut), jitter)
    else:
        status = FINISHED
        metrics = _metrics(spec, final, jitter)

    latest_end = ref - timedelta(minutes=5)
    if started + duration > latest_end:
        started = latest_end - duration
    run_id = _hex_id(rng)
    return Run(
        run_id=run_id,
        experiment=spec.experiment.id,
        name=name,
        status=status,
        user=rng.choice(spec.users),
        started=_whole_seconds(started),
        ended=_whole_seconds(started + duration),
        metrics=metrics,
        params=params,
        url=run_url(spec.experiment.id, run_id),
    )


def _planned(spec: ExperimentSpec, run: Run, last: dict[str, float]) -> dict[str, MetricHistory]:
    exp = spec.experiment
    return planned_histories(
        spec.curves,
        run.run_id,
        run.params,
        last,
        exp.primary_metric,
        exp.higher_is_better,
        spec.untrained,
    )


def _with_history(spec: ExperimentSpec, run: Run) -> Run:
    if run.histories:
        return run
    return msgspec.structs.replace(run, histories=_planned(spec, run, run.metrics))


def _with_histories(spec: ExperimentSpec, runs: list[Run]) -> list[Run]:
    """The runs, the top HISTORY_RUNS finished ones by their last value with their histories:
    what a tracker source reads histories for."""
    exp = spec.experiment
    sign = 1.0 if exp.higher_is_better else -1.0
    finished = [run for run in runs if run.status == FINISHED]
    finished.sort(key=lambda run: sign * run.metrics[exp.primary_metric], reverse=True)
    top = {run.run_id for run in finished[:HISTORY_RUNS]}
    return [_with_history(spec, run) if run.run_id in top else run for run in runs]


def _rank_value(run: Run, experiment: Experiment) -> float:
    """The value `run` is ranked by on the experiment's board (as the app ranks it: by the best
    value over its history, or at the step of the best `step_metric`, or else the last)."""
    metric = experiment.primary_metric
    history = run.histories.get(metric)
    if history and experiment.rank_by == "best":
        pick = max if experiment.higher_is_better else min
        return pick(value for _, value in history)
    steps = run.histories.get(experiment.step_metric)
    if history and steps and experiment.rank_by == "at-best-step":
        sign = 1.0 if experiment.step_metric_higher_is_better else -1.0
        best_step = max(steps, key=lambda point: sign * point[1])[0]  # the earliest on a tie
        return [value for step, value in history if step <= best_step][-1]
    return run.metrics[metric]


def _beats(a: float, b: float, experiment: Experiment) -> bool:
    return a > b if experiment.higher_is_better else a < b


def _best(runs: Sequence[Run], experiment: Experiment) -> Run:
    sign = 1.0 if experiment.higher_is_better else -1.0
    return max(runs, key=lambda run: sign * _rank_value(run, experiment))


def _by_id(runs: Sequence[Run], run_id: str) -> Run:
    return next(run for run in runs if run.run_id == run_id)


def _champion(
    spec: ExperimentSpec, history: list[Run], ref: datetime, rng: random.Random
) -> tuple[ModelVersion, list[Run]]:
    """The production model: the best run as of its promotion, beaten since by newer work
    unless the spec says it holds."""
    finished = [run for run in history if run.status == FINISHED and run.ended is not None]
    older = [run for run in finished if run.ended and run.ended <= ref - CHAMPION_MIN_AGE]
    # A champion that holds is the best run there is: nothing since has beaten it.
    pool = finished if spec.champion_holds else older or finished
    # Ranked by the experiment's own rule, among the runs whose histories are read.
    best = _best([run for run in pool if run.histories] or pool, spec.experiment)
    if not best.histories:
        best = _with_history(spec, best)
        history = [best if run.run_id == best.run_id else run for run in history]
    ended = best.ended or ref
    promoted = ended + min(timedelta(hours=rng.uniform(18, 72)), (ref - ended) / 2)
    model = ModelVersion(
        model=spec.model,
        version=spec.version,
        run_id=best.run_id,
        alias="champion",
        promoted=_whole_seconds(promoted),
        experiment=spec.experiment.id,
        url=model_url(spec.model, spec.version),
    )
    return model, history


def _challenger(
    spec: ExperimentSpec,
    history: Sequence[Run],
    champion: ModelVersion,
    ref: datetime,
    rng: random.Random,
) -> ModelVersion | None:
    """The next version under evaluation: the best run finished since the champion's promotion."""
    since = champion.promoted or ref
    newer = [
        run
        for run in history
        if run.status == FINISHED and run.histories and run.ended and run.ended > since
    ]
    if not newer:
        return None
    best = _best(newer, spec.experiment)
    ended = best.ended or ref
    wait = min(timedelta(hours=rng.uniform(1, 6)), (ref - ended) / 2)
    version = str(int(spec.version) + 1)
    return ModelVersion(
        model=spec.model,
        version=version,
        run_id=best.run_id,
        alias="challenger",
        promoted=_whole_seconds(ended + wait),
        experiment=spec.experiment.id,
        url=model_url(spec.model, version),
    )


def _sweep_start(ref: datetime) -> tuple[datetime, timedelta]:
    """When this week's sweep started, and how long ago: early this (ISO, UTC) week, so that the
    week's velocity shows it, and at least 8 hours ago so that every wave has finished."""
    monday = (ref - timedelta(days=ref.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    lookback = min(timedelta(hours=80), max(timedelta(hours=8), ref - monday - timedelta(hours=1)))
    return ref - lookback, lookback


def _sweep_runs(
    spec: ExperimentSpec, sweep: SweepSpec, beat: float, ref: datetime, rng: random.Random
) -> list[Run]:
    """One run per combination of the sweep's grid, in waves of a few GPUs: one diverges, and
    the winner beats the champion's value `beat` by about `sweep.margin`."""
    exp = spec.experiment
    combos = [dict(zip(sweep.varied, values, strict=True)) for values in
              itertools.product(*sweep.varied.values())]  # fmt: skip
    rng.shuffle(combos)
    first, lookback = _sweep_start(ref)
    per_wave = -(-len(combos) // sweep.waves)
    spacing = (lookback - timedelta(hours=5)) / sweep.waves
    runs = []
    for index, combo in enumerate(combos):
        merged = {**sweep.base, **combo}
        params = {name: merged[name] for name in spec.grid}
        effect = sum(spec.grid[name][value] for name, value in params.items())
        started = first + spacing * (index // per_wave) + timedelta(minutes=rng.uniform(0, 15))
        duration = timedelta(hours=rng.uniform(*spec.hours))
        jitter = rng.uniform(-1, 1)
        diverges = combo == dict(sweep.diverges)
        if diverges:
            duration *= 0.35  # stopped a third of the way in
        run_id = _hex_id(rng)
        run = Run(
            run_id=run_id,
            experiment=exp.id,
            name=sweep.label(params),
            status=FINISHED,
            user=rng.choice(sweep.users),
            started=_whole_seconds(started),
            ended=_whole_seconds(started + duration),
            params=params,
            tags={sweep.tag: ""},
            url=run_url(exp.id, run_id),
        )
        if diverges:
            run = _diverged(spec, run, jitter)
        elif combo == dict(sweep.winner):
            run = _winner(spec, run, jitter, beat, sweep.margin)
        else:
            final = spec.first + (spec.best - spec.first) * _quality(1.0, effect, rng)
            run = msgspec.structs.replace(run, metrics=_metrics(spec, final, jitter))
            run = _with_history(spec, run)
        runs.append(run)
    return runs


def _diverged(spec: ExperimentSpec, run: Run, jitter: float) -> Run:
    """The sweep's run whose loss blew up, stopped by the NaN guard: FAILED."""
    exp = spec.experiment
    healthy = spec.first + (spec.best - spec.first) * 0.9
    histories = diverged_histories(
        spec.curves,
        run.run_id,
        run.params,
        exp.primary_metric,
        _metrics(spec, spec.untrained, jitter),
        _metrics(spec, healthy, jitter),
    )
    last = {metric: history[-1][1] for metric, history in histories.items()}
    metrics = {**_metrics(spec, last[exp.primary_metric], jitter), **last}
    return msgspec.structs.replace(run, status="FAILED", metrics=metrics, histories=histories)


def _winner(spec: ExperimentSpec, run: Run, jitter: float, beat: float, margin: float) -> Run:
    """The sweep's best run: its ranking value beats `beat` by about `margin`. Its curve's shape
    comes from its id, so the last value is moved until the ranked one lands there."""
    exp = spec.experiment
    sign = 1.0 if exp.higher_is_better else -1.0
    target = beat + sign * margin
    last = target
    for _ in range(4):
        metrics = _metrics(spec, last, jitter)
        run = msgspec.structs.replace(run, metrics=metrics, histories=_planned(spec, run, metrics))
        ranked = _rank_value(run, exp)
        if _beats(ranked, beat + sign * margin / 2, exp):
            break
        last += target - ranked
    return run


def _tagged(runs: list[Run], models: Sequence[ModelVersion]) -> list[Run]:
    """Runs with the team's tags: the first runs are baselines, registered ones candidates."""
    registered = {model.run_id for model in models}
    started = sorted((run for run in runs if run.status == FINISHED),
                     key=lambda run: (run.started, run.run_id))  # fmt: skip
    baselines = {run.run_id for run in started[:BASELINE_RUNS]}
    tagged = []
    for run in runs:
        tags = dict(run.tags)
        if run.run_id in baselines:
            tags["baseline"] = ""
        if run.run_id in registered:
            tags["candidate"] = ""
        tagged.append(msgspec.structs.replace(run, tags=tags) if tags != run.tags else run)
    return tagged


def _running_run(
    spec: ExperimentSpec, plan: RunningSpec, ref: datetime, rng: random.Random
) -> _LiveRun:
    params, effect = _sample_params(spec, rng)
    final = spec.first + (spec.best - spec.first) * _quality(1.0, max(effect, 0.0), rng)
    age = timedelta(hours=plan.age_hours)
    if plan.finish_tick is None:
        duration = timedelta(hours=plan.hours)
    else:
        duration = age + timedelta(seconds=TICK_SECONDS * plan.finish_tick)
    run_id = _hex_id(rng)
    run = Run(
        run_id=run_id,
        experiment=spec.experiment.id,
        name=_run_name(spec, params, rng),
        status="RUNNING",
        user=plan.user,
        started=_whole_seconds(ref - age),
        params=params,
        url=run_url(spec.experiment.id, run_id),
    )
    return _live_run(spec, run, final, rng.uniform(-1, 1), duration, plan.finish_tick)


def _live_run(
    spec: ExperimentSpec,
    run: Run,
    final: float,
    jitter: float,
    duration: timedelta,
    finish_tick: int | None,
) -> _LiveRun:
    metrics = _metrics(spec, final, jitter)
    planned = _planned(spec, run, metrics)
    return _LiveRun(run, spec, metrics, planned, jitter, duration, finish_tick)


def _run_at(item: _LiveRun, ref: datetime, now: datetime, ticks: int) -> Run:
    """The run as seen at `now`, `ticks` into live mode: the evaluations logged so far."""
    if item.finish_tick is not None and ticks >= item.finish_tick:
        return msgspec.structs.replace(
            item.run,
            status=FINISHED,
            ended=_whole_seconds(_at_tick(ref, item.finish_tick)),
            metrics=item.final,
            histories=item.planned,
        )
    started = item.run.started or ref
    progress = min(0.99, max(0.01, (now - started) / item.duration))
    exp, curves = item.spec.experiment, item.spec.curves
    evaluations = len(item.planned[exp.primary_metric])
    logged = prefix(item.planned, max(1, int(progress * evaluations)))
    metrics = _metrics(item.spec, logged[exp.primary_metric][-1][1], item.jitter)
    metrics[curves.loss] = logged[curves.loss][-1][1]
    metrics[curves.train] = logged[curves.train][-1][1]
    return msgspec.structs.replace(item.run, metrics=metrics, histories=logged)


def _live_launch(ref: datetime, rng: random.Random) -> _LiveRun:
    """The fraud run someone kicks off while the demo is being watched."""
    params, effect = _sample_params(FRAUD, rng)
    final = FRAUD.first + (FRAUD.best - FRAUD.first) * _quality(1.0, max(effect, 0.0), rng)
    run_id = _hex_id(rng)
    run = Run(
        run_id=run_id,
        experiment=FRAUD.experiment.id,
        name=_run_name(FRAUD, params, rng),
        status="RUNNING",
        user="arjun",
        started=_whole_seconds(_at_tick(ref, LAUNCH_TICK)),
        params=params,
        url=run_url(FRAUD.experiment.id, run_id),
    )
    duration = timedelta(seconds=TICK_SECONDS * (LAUNCH_FINISH_TICK - LAUNCH_TICK))
    return _live_run(FRAUD, run, final, rng.uniform(-1, 1), duration, LAUNCH_FINISH_TICK)


def _advance_runs(
    data: ExperimentData,
    running: Sequence[_LiveRun],
    launched: _LiveRun,
    ref: datetime,
    now: datetime,
    ticks: int,
) -> ExperimentData:
    current = {item.run.run_id: _run_at(item, ref, now, ticks) for item in running}
    runs = [current.get(run.run_id, run) for run in data.runs]
    if ticks >= LAUNCH_TICK:
        runs.insert(0, _run_at(launched, ref, now, ticks))
    return msgspec.structs.replace(data, runs=tuple(runs))
