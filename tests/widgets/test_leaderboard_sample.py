"""Hand-built experiment data for the leaderboard's tests, independent of the demo.

`sample_data()` is two sources: an MLflow server with a ranking experiment (NDCG, higher is
better, ranked by the best value over the history) and a speech one (WER, lower is better),
and a W&B project. There is a champion and a challenger, a failed run, a running run, a run
that diverged (NaN), a run without a synced history, tags, params and per-week digests.
`many_runs(n)` is `n` runs across five experiments for the scale tests and the benchmark.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from cockpit.analytics.run_table import build_run_table
from cockpit.models import (
    Experiment,
    ExperimentData,
    ExperimentDigest,
    ModelVersion,
    Run,
    WeekOfRuns,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the frozen clock of every widget test


def history(*values: float) -> tuple[tuple[int, float], ...]:
    return tuple((step * 100, value) for step, value in enumerate(values))


def run(
    run_id: str,
    experiment: str,
    name: str,
    status: str,
    user: str,
    *,
    days_ago: float,
    hours: float | None,
    metrics: dict[str, float],
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    histories: dict[str, tuple[tuple[int, float], ...]] | None = None,
    base: str = "http://mlflow.test:5000/#/experiments",
) -> Run:
    started = NOW - timedelta(days=days_ago)
    return Run(
        run_id=run_id,
        experiment=experiment,
        name=name,
        status=status,
        user=user,
        started=started,
        ended=started + timedelta(hours=hours) if hours is not None else None,
        metrics=metrics,
        params=params or {},
        tags=tags or {},
        url=f"{base}/{experiment}/runs/{run_id}",
        histories=histories or {},
    )


RANKER = Experiment(
    "1", "ranker-v4", "val_ndcg@10", True, rank_by="best", url="http://mlflow.test:5000/#/1"
)
ASR = Experiment("2", "asr-conformer", "eval_wer", False, rank_by="last")
VISION = Experiment("p/vision", "vision-vit", "val_acc", True, rank_by="best", tracker="wandb")


def weeks(*counts: tuple[int, int, int, float, dict[str, int]]) -> tuple[WeekOfRuns, ...]:
    """(started, finished, failed, median minutes, by user) for the weeks up to this one."""
    monday = date(2026, 11, 23)
    first = monday - timedelta(weeks=len(counts) - 1)
    # The durations' buckets (round(ln(minutes) * 50)), as the digest keeps them.
    return tuple(
        WeekOfRuns(
            first + timedelta(weeks=n),
            s,
            f,
            x,
            m,
            by_user=u,
            durations=((round(math.log(m) * 50), f + x),) if m else (),
        )
        for n, (s, f, x, m, u) in enumerate(counts)
    )


def sample_data() -> list[ExperimentData]:
    ranker_runs = (
        run("r1", "1", "lr-sweep-3e4", "FINISHED", "ana", days_ago=1, hours=5.5,
            metrics={"val_ndcg@10": 0.611, "val_loss": 0.41},
            params={"lr": "3e-4", "layers": "12", "dropout": "0.1"},
            tags={"sweep": "lr", "baseline": ""},
            histories={"val_ndcg@10": history(0.52, 0.598, 0.622, 0.611)}),
        run("r2", "1", "prod-2026-10", "FINISHED", "raj", days_ago=30, hours=7,
            metrics={"val_ndcg@10": 0.604},
            params={"lr": "1e-4", "layers": "12", "dropout": "0.2"},
            tags={"release": "2026-10"},
            histories={"val_ndcg@10": history(0.5, 0.604)}),
        run("r3", "1", "wide-24-layers", "FINISHED", "mei", days_ago=3, hours=9,
            metrics={"val_ndcg@10": 0.615},
            params={"lr": "3e-4", "layers": "24", "dropout": "0.1"},
            histories={"val_ndcg@10": history(0.55, 0.609, 0.615)}),
        run("r4", "1", "fp16-diverged", "FAILED", "mei", days_ago=2, hours=0.7,
            metrics={"val_ndcg@10": math.nan},
            params={"lr": "1e-3", "layers": "12", "dropout": "0.1"}),
        run("r5", "1", "distill-small", "RUNNING", "tom", days_ago=0.2, hours=None,
            metrics={"val_ndcg@10": 0.57},
            params={"lr": "3e-4", "layers": "6", "dropout": "0.1"}),
        run("r6", "1", "no-history", "FINISHED", "ana", days_ago=12, hours=4,
            metrics={"val_ndcg@10": 0.598},
            params={"lr": "2e-4", "layers": "12", "dropout": "0.1"}),
    )  # fmt: skip
    asr_runs = (
        run("a1", "2", "conformer-l", "FINISHED", "raj", days_ago=4, hours=20,
            metrics={"eval_wer": 0.081}, params={"spec_aug": "on"}, tags={"size": "large"}),
        run("a2", "2", "conformer-m", "FINISHED", "raj", days_ago=20, hours=11,
            metrics={"eval_wer": 0.094}, params={"spec_aug": "off"}),
        run("a3", "2", "conformer-m-ctc", "KILLED", "tom", days_ago=6, hours=2,
            metrics={}, params={"spec_aug": "on"}),
    )  # fmt: skip
    vision_runs = (
        run("w1", "p/vision", "vit-b16-mixup", "FINISHED", "sofia", days_ago=5, hours=3,
            metrics={"val_acc": 0.912}, params={"mixup": "0.2"}, tags={"aug": ""},
            histories={"val_acc": history(0.7, 0.85, 0.915, 0.912)},
            base="https://wandb.test/team/vision"),
        run("w2", "p/vision", "vit-b16", "FINISHED", "sofia", days_ago=9, hours=3,
            metrics={"val_acc": 0.897}, params={"mixup": "0"},
            histories={"val_acc": history(0.69, 0.84, 0.897)},
            base="https://wandb.test/team/vision"),
    )  # fmt: skip
    mlflow = ExperimentData(
        tracker="mlflow",
        source="mlflow-prod",
        experiments=(RANKER, ASR),
        runs=ranker_runs + asr_runs,
        models=(
            ModelVersion("ranker", "7", "r2", "champion", experiment="1"),
            ModelVersion("ranker", "9", "r3", "challenger", experiment="1"),
            ModelVersion("asr", "3", "a2", "champion", experiment="2"),
        ),
        digests=(
            ExperimentDigest(
                "1",
                total=6,
                weeks=weeks(
                    (3, 3, 0, 300.0, {"raj": 2, "ana": 1}),
                    (5, 4, 1, 320.0, {"ana": 3, "mei": 2}),
                    (2, 2, 0, 280.0, {"ana": 2}),
                    (6, 4, 1, 410.0, {"mei": 3, "ana": 2, "tom": 1}),
                ),
            ),
            ExperimentDigest(
                "2",
                total=3,
                weeks=weeks(
                    (1, 1, 0, 660.0, {"raj": 1}),
                    (0, 0, 0, None, {}),
                    (1, 1, 0, 1200.0, {"raj": 1}),
                    (1, 0, 1, None, {"tom": 1}),
                ),
            ),
        ),
    )
    wandb = ExperimentData(
        tracker="wandb",
        source="wandb-team",
        experiments=(VISION,),
        runs=vision_runs,
        models=(),
        digests=(
            ExperimentDigest(
                "p/vision",
                total=2,
                weeks=weeks((0, 0, 0, None, {}), (2, 2, 0, 180.0, {"sofia": 2})),
            ),
        ),
    )
    return [mlflow, wandb]


def sample_model():  # type: ignore[no-untyped-def]
    return build_run_table(sample_data(), NOW)


USERS = ("ana", "raj", "mei", "tom", "sofia", "kenji", "lena", "arjun", "wei", "olu")
STATUSES = ("FINISHED",) * 16 + ("FAILED", "KILLED", "RUNNING")


def many_runs(count: int, experiments: int = 5) -> list[ExperimentData]:
    """`count` runs across `experiments` experiments of one MLflow source, deterministic: half
    the experiments rank a loss (lower is better), some values are NaN or missing, a few runs
    carry a history, and each experiment has a champion."""
    exps = tuple(
        Experiment(
            str(n),
            f"experiment-{n}",
            "val_loss" if n % 2 else "val_auc",
            higher_is_better=not n % 2,
            rank_by="best" if n % 2 else "last",
        )
        for n in range(experiments)
    )
    runs = []
    for n in range(count):
        e = exps[n % experiments]
        wobble = ((n * 7919) % 1000) / 1000
        value = 0.3 + 0.5 * wobble if e.higher_is_better else 2.0 - 1.5 * wobble
        metrics = {e.primary_metric: value}
        if n % 97 == 0:
            metrics[e.primary_metric] = math.nan
        elif n % 89 == 0:
            metrics = {}
        started = NOW - timedelta(minutes=17 * n)
        status = STATUSES[n % len(STATUSES)]
        runs.append(
            Run(
                run_id=f"{n:08x}",
                experiment=e.id,
                name=f"run-{n}-{('lr', 'bs', 'arch', 'aug')[n % 4]}",
                status=status,
                user=USERS[(n * 3) % len(USERS)],
                started=started,
                ended=None if status == "RUNNING" else started + timedelta(minutes=30 + n % 300),
                metrics=metrics,
                params={"lr": f"{(n % 5 + 1)}e-4", "batch": str(32 << (n % 3))},
                tags={"sweep": f"s{n % 40}"} if n % 3 else {},
                url=f"http://mlflow.test/#/experiments/{e.id}/runs/{n:08x}",
                histories={e.primary_metric: history(value * 1.1, value)} if n % 50 == 0 else {},
            )
        )
    models = tuple(
        ModelVersion(f"model-{e.id}", "1", f"{k:08x}", "champion", experiment=e.id)
        for k, e in enumerate(exps)
    )
    return [
        ExperimentData(
            tracker="mlflow", source="mlflow", experiments=exps, runs=tuple(runs), models=models
        )
    ]


def test_the_sample_ranks_as_the_panel_would() -> None:
    model = sample_model()
    by_id = {row.run.run_id: row for row in model.rows}
    # Best over the history: 0.622 at step 200, not the last 0.611.
    assert by_id["r1"].value == 0.622 and by_id["r1"].step == 200
    assert by_id["r1"].rank == 1
    assert by_id["r4"].value is None and by_id["r4"].rank is None  # NaN never ranks
    assert by_id["r2"].aliases == ("champion",) and by_id["r3"].aliases == ("challenger",)
    assert by_id["r1"].delta is not None and math.isclose(by_id["r1"].delta, 0.622 - 0.604)
    assert by_id["a1"].rank == 1  # lower WER is better
    assert len(model.boards) == 3 and model.boards[0].champion == "r2"
