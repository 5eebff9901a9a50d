"""The demo MLflow tracker: three experiments' runs over the last weeks and their champions.

Finished runs improve over the window along a learning curve, with failed and killed runs among
them; a few runs are still going, and in live mode their metrics move, some finish, and a new
fraud run is launched and finishes while the demo is watched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import msgspec
import msgspec.structs

from cockpit.models import Experiment, ExperimentData, ModelVersion, Run
from integrations.demo._shared import (
    LAUNCH_FINISH_TICK,
    LAUNCH_TICK,
    TICK_SECONDS,
    _at_tick,
    _hex_id,
    _whole_seconds,
)

TRACKER = "mlflow"
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


class _RunningSpec(msgspec.Struct, frozen=True):
    """A run that is still going in the base state."""

    user: str
    age_hours: float
    finish_tick: int | None  # when live mode finishes it; None: keeps going
    hours: float = 0.0  # planned length, only used when it does not finish live


class _ExperimentSpec(msgspec.Struct, frozen=True):
    experiment: Experiment
    finished_runs: int
    window_days: float
    first: float  # primary metric of a typical run at the start of the window
    best: float  # what a well-configured run reaches today
    untrained: float  # primary metric right after start, for the partial curves
    hours: tuple[float, float]
    users: tuple[str, ...]  # repeated names weigh who launches most runs
    grid: Mapping[str, Mapping[str, float]]  # param -> value -> effect on run quality
    extras: Callable[[float, float], dict[str, float]]  # (primary, jitter) -> other metrics
    label: Callable[[Mapping[str, str]], str]  # a hand-typed run name
    model: str
    version: str
    running: tuple[_RunningSpec, ...] = ()


def _ranker_extras(ndcg: float, jitter: float) -> dict[str, float]:
    val_loss = 0.585 - 1.7 * (ndcg - 0.42) + 0.004 * jitter
    return {
        "val_mrr@10": ndcg * 0.87 + 0.002 * jitter,
        "val_loss": val_loss,
        "train_loss": val_loss - 0.035 - 0.01 * jitter,
    }


def _asr_extras(wer: float, jitter: float) -> dict[str, float]:
    eval_loss = 0.31 + 2.4 * (wer - 0.10) + 0.01 * jitter
    return {
        "eval_cer": wer * 0.41 + 0.003 * jitter,
        "eval_loss": eval_loss,
        "train_loss": eval_loss - 0.06 + 0.01 * jitter,
    }


def _fraud_extras(auc: float, jitter: float) -> dict[str, float]:
    logloss = 0.092 - 0.85 * (auc - 0.93) + 0.002 * jitter
    return {
        "val_pr_auc": min(0.99, max(0.05, 0.64 + 3.2 * (auc - 0.93) + 0.01 * jitter)),
        "val_logloss": logloss,
        "train_logloss": logloss - 0.012 - 0.003 * jitter,
        "train_auc": min(0.999, auc + 0.018 + 0.004 * jitter),
    }


EXPERIMENTS: tuple[_ExperimentSpec, ...] = (
    _ExperimentSpec(
        experiment=Experiment("412", "ranker-v3", "val_ndcg@10", higher_is_better=True),
        finished_runs=118,
        window_days=60,
        first=0.418,
        best=0.462,
        untrained=0.30,
        hours=(1.2, 4.5),
        users=("diego", "diego", "diego", "priya", "priya", "lena", "maya"),
        grid={
            "model": {"transformer-4l": 0.06, "dcn-v2": 0.0, "dlrm": -0.08},
            "lr": {"1e-4": -0.04, "3e-4": 0.03, "5e-4": 0.02, "1e-3": -0.07},
            "batch_size": {"512": 0.0, "1024": 0.01, "2048": -0.02},
            "label_smoothing": {"0.0": 0.0, "0.05": 0.02, "0.1": 0.03},
            "dropout": {"0.1": 0.01, "0.2": 0.0},
            "embedding_dim": {"64": -0.01, "128": 0.01},
            "epochs": {"8": -0.02, "12": 0.01, "16": 0.01},
        },
        extras=_ranker_extras,
        label=lambda p: f"v3-{p['model']}-ls{p['label_smoothing']}-lr{p['lr']}",
        model="ranker-v3",
        version="14",
        running=(_RunningSpec("diego", 3.1, 6), _RunningSpec("priya", 1.4, 40)),
    ),
    _ExperimentSpec(
        experiment=Experiment("418", "asr-finetune", "eval_wer", higher_is_better=False),
        finished_runs=89,
        window_days=48,
        first=0.152,
        best=0.104,
        untrained=0.31,
        hours=(6.0, 18.0),
        users=("aroha", "aroha", "aroha", "lena", "wei"),
        grid={
            "base_model": {"whisper-small": -0.1, "whisper-medium": 0.06},
            "lr": {"1e-5": 0.0, "3e-5": 0.03, "5e-5": -0.03},
            "batch_size": {"16": 0.0, "32": 0.01},
            "warmup_steps": {"500": -0.01, "1000": 0.01},
            "spec_augment": {"true": 0.03, "false": -0.02},
            "precision": {"bf16": 0.0, "fp16": -0.01},
        },
        extras=_asr_extras,
        label=lambda p: f"{p['base_model']}-lr{p['lr']}-bs{p['batch_size']}-{p['precision']}",
        model="asr-whisper-callcentre",
        version="7",
        running=(_RunningSpec("aroha", 2.6, None, hours=13.5),),
    ),
    _ExperimentSpec(
        experiment=Experiment("433", "fraud-gbdt", "val_auc", higher_is_better=True),
        finished_runs=70,
        window_days=60,
        first=0.928,
        best=0.957,
        untrained=0.80,
        hours=(0.15, 0.7),
        users=("arjun", "arjun", "arjun", "tom", "lena"),
        grid={
            "max_depth": {"6": -0.03, "8": 0.02, "10": 0.0},
            "learning_rate": {"0.03": 0.01, "0.05": 0.02, "0.1": -0.03},
            "n_estimators": {"500": -0.04, "1000": 0.01, "2000": 0.02},
            "subsample": {"0.8": 0.01, "0.9": 0.0},
            "feature_set": {"v7": -0.04, "v8": 0.05},
        },
        extras=_fraud_extras,
        label=lambda p: f"gbdt-{p['feature_set']}-d{p['max_depth']}-n{p['n_estimators']}",
        model="fraud-gbdt",
        version="23",
    ),
)
FRAUD = EXPERIMENTS[2]
CHAMPION_MIN_AGE = timedelta(days=9)


class _LiveRun(msgspec.Struct, frozen=True):
    """A run whose metrics move while it runs, and how it ends in live mode."""

    run: Run
    spec: _ExperimentSpec
    final: float
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
        live = [_running_run(spec, plan, ref, rng) for plan in spec.running]
        models.append(_champion(spec, history, ref, rng))
        runs += history
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


def _sample_params(spec: _ExperimentSpec, rng: random.Random) -> tuple[dict[str, str], float]:
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


def _partial(spec: _ExperimentSpec, final: float, progress: float) -> float:
    """The primary metric part-way through training: most of the gain comes early."""
    return final + (spec.untrained - final) * (1 - progress) ** 2


def _metrics(spec: _ExperimentSpec, primary: float, jitter: float) -> dict[str, float]:
    values = {spec.experiment.primary_metric: primary, **spec.extras(primary, jitter)}
    return {name: round(value, 4) for name, value in values.items()}


def _run_name(spec: _ExperimentSpec, params: Mapping[str, str], rng: random.Random) -> str:
    # Most runs keep MLflow's generated name; about a quarter were named by hand.
    hand_named = rng.random() < 0.25
    generated = f"{rng.choice(RUN_ADJECTIVES)}-{rng.choice(RUN_ANIMALS)}-{rng.randint(100, 999)}"
    return spec.label(params) if hand_named else generated


def _finished_run(spec: _ExperimentSpec, ref: datetime, rng: random.Random) -> Run:
    window = timedelta(days=spec.window_days)
    age = timedelta(hours=6) + (window - timedelta(hours=6)) * rng.random()
    started = ref - age
    # People launch fewer runs at weekends: most weekend launches happened on the Friday.
    to_friday = timedelta(days=max(0, started.weekday() - 4))
    if rng.random() < 0.6 and age + to_friday < window:
        age += to_friday
        started -= to_friday
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
        status = "FINISHED"
        metrics = _metrics(spec, final, jitter)

    latest_end = ref - timedelta(minutes=5)
    if started + duration > latest_end:
        started = latest_end - duration
    return Run(
        run_id=_hex_id(rng),
        experiment=spec.experiment.id,
        name=name,
        status=status,
        user=rng.choice(spec.users),
        started=_whole_seconds(started),
        ended=_whole_seconds(started + duration),
        metrics=metrics,
        params=params,
    )


def _running_run(
    spec: _ExperimentSpec, plan: _RunningSpec, ref: datetime, rng: random.Random
) -> _LiveRun:
    params, effect = _sample_params(spec, rng)
    final = spec.first + (spec.best - spec.first) * _quality(1.0, max(effect, 0.0), rng)
    age = timedelta(hours=plan.age_hours)
    if plan.finish_tick is None:
        duration = timedelta(hours=plan.hours)
    else:
        duration = age + timedelta(seconds=TICK_SECONDS * plan.finish_tick)
    run = Run(
        run_id=_hex_id(rng),
        experiment=spec.experiment.id,
        name=_run_name(spec, params, rng),
        status="RUNNING",
        user=plan.user,
        started=_whole_seconds(ref - age),
        params=params,
    )
    return _LiveRun(run, spec, final, rng.uniform(-1, 1), duration, plan.finish_tick)


def _run_at(item: _LiveRun, ref: datetime, now: datetime, ticks: int) -> Run:
    """The run as seen at `now`, `ticks` into live mode."""
    if item.finish_tick is not None and ticks >= item.finish_tick:
        return msgspec.structs.replace(
            item.run,
            status="FINISHED",
            ended=_whole_seconds(_at_tick(ref, item.finish_tick)),
            metrics=_metrics(item.spec, item.final, item.jitter),
        )
    started = item.run.started or ref
    progress = min(0.99, max(0.01, (now - started) / item.duration))
    return msgspec.structs.replace(
        item.run,
        metrics=_metrics(item.spec, _partial(item.spec, item.final, progress), item.jitter),
    )


def _champion(
    spec: _ExperimentSpec, history: Sequence[Run], ref: datetime, rng: random.Random
) -> ModelVersion:
    """The production model: the best run as of its promotion, beaten since by newer work."""
    metric = spec.experiment.primary_metric
    sign = 1.0 if spec.experiment.higher_is_better else -1.0
    finished = [run for run in history if run.status == "FINISHED" and run.ended is not None]
    older = [run for run in finished if run.ended and run.ended <= ref - CHAMPION_MIN_AGE]
    best = max(older or finished, key=lambda run: sign * run.metrics[metric])
    ended = best.ended or ref
    promoted = min(ref - timedelta(hours=1), ended + timedelta(hours=rng.uniform(18, 72)))
    return ModelVersion(
        model=spec.model,
        version=spec.version,
        run_id=best.run_id,
        alias="champion",
        promoted=_whole_seconds(promoted),
    )


def _live_launch(ref: datetime, rng: random.Random) -> _LiveRun:
    """The fraud run someone kicks off while the demo is being watched."""
    params, effect = _sample_params(FRAUD, rng)
    final = FRAUD.first + (FRAUD.best - FRAUD.first) * _quality(1.0, max(effect, 0.0), rng)
    run = Run(
        run_id=_hex_id(rng),
        experiment=FRAUD.experiment.id,
        name=_run_name(FRAUD, params, rng),
        status="RUNNING",
        user="arjun",
        started=_whole_seconds(_at_tick(ref, LAUNCH_TICK)),
        params=params,
    )
    duration = timedelta(seconds=TICK_SECONDS * (LAUNCH_FINISH_TICK - LAUNCH_TICK))
    return _LiveRun(run, FRAUD, final, rng.uniform(-1, 1), duration, LAUNCH_FINISH_TICK)


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
