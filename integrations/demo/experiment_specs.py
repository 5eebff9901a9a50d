"""The demo tracker's three experiments: what they train, how their runs learn and overfit, who
launches them, and the links into the (demo) MLflow UI.

ranker-v3 is ranked by its NDCG at the best validation loss, and ran a label-smoothing sweep
this week; asr-finetune and fraud-gbdt are ranked by the best value over each run's history.
fraud-gbdt had a quiet week, and its champion is still its best run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from cockpit.models import Experiment
from integrations.demo.run_histories import CurveSpec

TRACKER = "mlflow"
# The demo's tracking server. `.internal` is reserved for private networks and never resolves
# on the internet, and the name says "demo": a link opened from the demo goes nowhere real.
MLFLOW_UI = "http://mlflow.demo.internal"


def experiment_url(experiment_id: str) -> str:
    return f"{MLFLOW_UI}/#/experiments/{experiment_id}"


def run_url(experiment_id: str, run_id: str) -> str:
    return f"{MLFLOW_UI}/#/experiments/{experiment_id}/runs/{run_id}"


def model_url(model: str, version: str) -> str:
    return f"{MLFLOW_UI}/#/models/{model}/versions/{version}"


class RunningSpec(msgspec.Struct, frozen=True):
    """A run that is still going in the base state."""

    user: str
    age_hours: float
    finish_tick: int | None  # when live mode finishes it; None: keeps going
    hours: float = 0.0  # planned length, only used when it does not finish live


class SweepSpec(msgspec.Struct, frozen=True):
    """A grid launched this week on a few GPUs, one wave after another."""

    tag: str
    label: Callable[[Mapping[str, str]], str]  # the names the sweep gives its runs
    users: tuple[str, ...]
    base: Mapping[str, str]  # the config every run of the sweep shares
    varied: Mapping[str, tuple[str, ...]]  # the grid: every combination is one run
    winner: Mapping[str, str]  # the combination that beats the champion
    diverges: Mapping[str, str]  # the combination whose loss blows up (a FAILED run)
    margin: float  # how far the winner beats the champion, in the metric's units
    waves: int = 4


class ExperimentSpec(msgspec.Struct, frozen=True):
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
    curves: CurveSpec
    model: str
    version: str
    running: tuple[RunningSpec, ...] = ()
    challenger: bool = False  # a newer model version is registered as "challenger"
    sweep: SweepSpec | None = None
    champion_holds: bool = False  # no run has beaten the champion since its promotion
    # The share of the last seven days' launches that in fact happened the week before: a
    # quiet week, so the velocity view shows a drop.
    quiet_week: float = 0.0


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


# How prone a config is to overfit: long training without regularisation, high learning rates,
# deep trees. Each run adds its own luck on top (see run_histories.planned_histories).
def _ranker_overfit(p: Mapping[str, str]) -> float:
    return (
        0.35 * (p["epochs"] == "20")
        + 0.3 * (p["label_smoothing"] == "0.0")
        + 0.15 * (p["dropout"] == "0.1")
        + 0.15 * (p["lr"] in ("5e-4", "1e-3"))
    )


def _asr_overfit(p: Mapping[str, str]) -> float:
    return 0.1 + 0.35 * (p["spec_augment"] == "false") + 0.3 * (p["lr"] == "5e-5")


def _fraud_overfit(p: Mapping[str, str]) -> float:
    return (
        0.35 * (p["learning_rate"] == "0.1")
        + 0.3 * (p["n_estimators"] == "2000")
        + 0.2 * (p["max_depth"] == "10")
    )


def _fraud_steps(p: Mapping[str, str]) -> tuple[int, ...]:
    # Boosting rounds, evaluated twenty times over the run.
    every = int(p["n_estimators"]) // 20
    return tuple(range(every, 21 * every, every))


RANKER = ExperimentSpec(
    experiment=Experiment(
        "412",
        "ranker-v3",
        "val_ndcg@10",
        higher_is_better=True,
        rank_by="at-best-step",
        step_metric="val_loss",
        step_metric_higher_is_better=False,
        url=experiment_url("412"),
    ),
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
        "label_smoothing": {"0.0": 0.0, "0.05": 0.02, "0.1": 0.03, "0.15": 0.02, "0.2": 0.0},
        "dropout": {"0.1": 0.01, "0.2": 0.0},
        "embedding_dim": {"64": -0.01, "128": 0.01},
        "epochs": {"10": -0.02, "15": 0.01, "20": 0.01},
    },
    extras=_ranker_extras,
    label=lambda p: f"v3-{p['model']}-ls{p['label_smoothing']}-lr{p['lr']}",
    curves=CurveSpec(
        loss="val_loss",
        train="train_loss",
        steps=lambda p: tuple(range(1, int(p["epochs"]) + 1)),  # one evaluation per epoch
        overfit=_ranker_overfit,
        gap=0.007,
        loss_rise=0.03,
        loss_start=0.22,
        train_start=0.3,
        noise=0.0008,
    ),
    model="ranker-v3",
    version="14",
    running=(RunningSpec("diego", 3.1, 6), RunningSpec("priya", 1.4, 40)),
    challenger=True,
    sweep=SweepSpec(
        tag="sweep:ls-grid",
        label=lambda p: f"ls-grid-{p['label_smoothing']}-lr{p['lr']}",
        users=("diego", "priya"),
        base={
            "model": "transformer-4l",
            "batch_size": "1024",
            "dropout": "0.1",
            "embedding_dim": "128",
            "epochs": "15",
        },
        varied={
            "label_smoothing": ("0.0", "0.05", "0.1", "0.15", "0.2"),
            "lr": ("1e-4", "3e-4", "5e-4", "1e-3"),
        },
        winner={"label_smoothing": "0.1", "lr": "3e-4"},
        diverges={"label_smoothing": "0.0", "lr": "1e-3"},
        margin=0.004,
    ),
)
ASR = ExperimentSpec(
    experiment=Experiment(
        "418",
        "asr-finetune",
        "eval_wer",
        higher_is_better=False,
        rank_by="best",
        url=experiment_url("418"),
    ),
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
    curves=CurveSpec(
        loss="eval_loss",
        train="train_loss",
        steps=lambda p: tuple(range(500, 10_001, 500)),  # evaluated every 500 optimiser steps
        overfit=_asr_overfit,
        gap=0.006,
        loss_rise=0.05,
        loss_start=0.5,
        train_start=0.7,
        noise=0.0012,
    ),
    model="asr-whisper-callcentre",
    version="7",
    running=(RunningSpec("aroha", 2.6, None, hours=13.5),),
    challenger=True,
)
FRAUD = ExperimentSpec(
    experiment=Experiment(
        "433",
        "fraud-gbdt",
        "val_auc",
        higher_is_better=True,
        rank_by="best",
        url=experiment_url("433"),
    ),
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
    curves=CurveSpec(
        loss="val_logloss",
        train="train_logloss",
        steps=_fraud_steps,
        overfit=_fraud_overfit,
        gap=0.004,
        loss_rise=0.008,
        loss_start=0.12,
        train_start=0.15,
        noise=0.0005,
    ),
    model="fraud-gbdt",
    version="23",
    champion_holds=True,
    quiet_week=0.7,
)
EXPERIMENTS: tuple[ExperimentSpec, ...] = (RANKER, ASR, FRAUD)
