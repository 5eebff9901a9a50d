"""A small, hand-built experiments workspace: two MLflow experiments and a W&B project whose id
collides with one of them, a champion that is beaten, one that leads, a diverged run, a
failed one and a running one, and runs this week and last.

The panel snapshots and the summary tests read it, not the demo, so they change only when
the analytics or the widget do. Moments are relative to FROZEN_NOW (Monday 23 Nov 2026,
09:30 UTC), the first day of an ISO week.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from cockpit.analytics.experiments import ExperimentsSummary, summarize_experiments
from cockpit.models import Experiment, ExperimentData, ModelVersion, Run
from tests.conftest import FROZEN_NOW


def at(days_ago: float, hours: float = 0.0) -> datetime:
    return FROZEN_NOW - timedelta(days=days_ago, hours=hours)


def run(
    run_id: str,
    experiment: str,
    value: float | None,
    *,
    metric: str = "val_ndcg",
    status: str = "FINISHED",
    started: datetime | None = None,
    minutes: float = 60.0,
    user: str = "mei",
    name: str = "",
    params: dict[str, str] | None = None,
    history: tuple[tuple[int, float], ...] = (),
) -> Run:
    started = started or at(10)
    ended = None if status == "RUNNING" else started + timedelta(minutes=minutes)
    return Run(
        run_id=run_id,
        experiment=experiment,
        name=name or run_id,
        status=status,
        user=user,
        started=started,
        ended=ended,
        metrics={} if value is None else {metric: value},
        params=params or {},
        url=f"http://tracker.test/runs/{run_id}",
        histories={metric: history} if history else {},
    )


RANKER = Experiment("1", "ranker", "val_ndcg", True, rank_by="best", tracker="mlflow")
ASR = Experiment("2", "asr", "eval_wer", False, rank_by="last", tracker="mlflow")
WB_RANKER = Experiment("1", "ranker-wandb", "val_ndcg", True, rank_by="last", tracker="wandb")


def ranker_runs() -> tuple[Run, ...]:
    lr = {"lr": "3e-4", "depth": "4"}
    return (
        # The best over its history (0.471 at step 8) is not its last value (0.466).
        run(
            "r-best",
            "1",
            0.466,
            started=at(0, 20),
            minutes=90,
            user="diego",
            name="dcn-ls0.1",
            params={**lr, "ls": "0.1"},
            history=((0, 0.40), (8, 0.471), (12, 0.466)),
        ),
        run("r-champ", "1", 0.462, started=at(12), minutes=240, user="priya", name="dcn-prod",
            params={**lr, "ls": "0.0"}),
        run("r-chall", "1", 0.455, started=at(5), minutes=180, user="priya", name="dcn-wide",
            params={"lr": "1e-3", "depth": "6", "ls": "0.05"}),
        run("r-nan", "1", math.nan, started=at(4), minutes=30, user="diego", name="diverged"),
        run("r-inf", "1", math.inf, started=at(4), minutes=30, user="diego", name="exploded"),
        run("r-fail", "1", None, status="FAILED", started=at(3), minutes=5, user="lena"),
        run("r-live", "1", 0.30, status="RUNNING", started=at(0, 1.5), user="lena"),
        *(
            run(f"r-old{i}", "1", 0.40 + i / 1000, started=at(20 + i), minutes=100 + i,
                user="mei", name=f"baseline-{i}", params={"lr": f"{i}e-4", "depth": "4"})
            for i in range(8)
        ),
    )  # fmt: skip


def asr_runs() -> tuple[Run, ...]:
    return (
        run("a-champ", "2", 0.101, metric="eval_wer", started=at(9), minutes=600, user="wei",
            name="whisper-prod"),
        run("a-2", "2", 0.104, metric="eval_wer", started=at(2), minutes=540, user="aroha",
            name="whisper-lr1e-5"),
        run("a-3", "2", 0.110, metric="eval_wer", started=at(6), minutes=500, user="aroha",
            name="whisper-lr3e-5"),
        run("a-kill", "2", None, metric="eval_wer", status="KILLED", started=at(1), minutes=20,
            user="wei"),
    )  # fmt: skip


def wandb_runs() -> tuple[Run, ...]:
    # Ids that collide with the MLflow ranker's: another tracker, another namespace.
    return (
        run("r-best", "1", 0.468, started=at(1), minutes=45, user="tom", name="wb-sweep-7"),
        run("w-2", "1", 0.450, started=at(8), minutes=45, user="tom", name="wb-sweep-2"),
    )


MODELS = (
    ModelVersion("ranker", "14", "r-champ", "champion", experiment="1"),
    ModelVersion("ranker", "15", "r-chall", "challenger", experiment="1"),
    ModelVersion("asr", "7", "a-champ", "champion", experiment="2"),
)


def sample_parts() -> list[ExperimentData]:
    mlflow = ExperimentData(
        tracker="mlflow",
        experiments=(RANKER, ASR),
        runs=ranker_runs() + asr_runs(),
        models=MODELS,
        source="ml",
    )
    wandb = ExperimentData(
        tracker="wandb", experiments=(WB_RANKER,), runs=wandb_runs(), source="wb"
    )
    return [mlflow, wandb]


def sample_summary(now: datetime = FROZEN_NOW) -> ExperimentsSummary:
    return summarize_experiments(sample_parts(), now)


def test_the_sample_is_what_its_docstring_says() -> None:
    s = sample_summary()
    ranker, asr, wb = s.boards
    assert (ranker.source, ranker.experiment_id, wb.source, wb.experiment_id) == (
        "ml",
        "1",
        "wb",
        "1",
    )
    assert ranker.beats_champion and not asr.beats_champion
    assert ranker.best is not None and ranker.best.name == "dcn-ls0.1"
    assert asr.best is not None and asr.best.is_champion
    assert s.runs_total == len(ranker_runs()) + len(asr_runs()) + len(wandb_runs())
