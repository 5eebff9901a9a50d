"""Leaderboards: the best runs of each experiment by its primary metric, against the champion."""

from __future__ import annotations

from datetime import datetime

import msgspec

from cockpit.models import Experiment, ExperimentData, Run

FINISHED = "FINISHED"
RUNNING = "RUNNING"


class RankedRun(msgspec.Struct, frozen=True, gc=False):
    experiment: str
    name: str
    run_id: str
    metric: str
    value: float
    user: str
    ended: datetime | None
    is_champion: bool
    age_seconds: float | None = None  # since the run ended


class ExperimentBoard(msgspec.Struct, frozen=True, gc=False):
    experiment: str
    metric: str
    higher_is_better: bool
    total_runs: int
    running: int
    failed: int
    top: tuple[RankedRun, ...]
    champion: RankedRun | None
    best_vs_champion: float | None  # best - champion, in the metric's own units

    @property
    def improves_on_champion(self) -> bool:
        if self.best_vs_champion is None:
            return False
        gain = self.best_vs_champion if self.higher_is_better else -self.best_vs_champion
        return gain > 0


class ExperimentsSummary(msgspec.Struct, frozen=True, gc=False):
    tracker: str
    boards: tuple[ExperimentBoard, ...]
    runs_total: int
    running_total: int
    finished_last_day: int


def _ranked(run: Run, experiment: Experiment, champion_ids: set[str], now: datetime) -> RankedRun:
    return RankedRun(
        experiment=experiment.name,
        name=run.name,
        run_id=run.run_id,
        metric=experiment.primary_metric,
        value=run.metrics[experiment.primary_metric],
        user=run.user,
        ended=run.ended,
        is_champion=run.run_id in champion_ids,
        age_seconds=(now - run.ended).total_seconds() if run.ended else None,
    )


def _board(
    experiment: Experiment, runs: list[Run], champion_ids: set[str], limit: int, now: datetime
) -> ExperimentBoard:
    metric = experiment.primary_metric
    scored = [
        r
        for r in runs
        if r.status == FINISHED and metric in r.metrics and r.metrics[metric] == r.metrics[metric]
    ]
    scored.sort(key=lambda r: r.metrics[metric], reverse=experiment.higher_is_better)
    top = tuple(_ranked(r, experiment, champion_ids, now) for r in scored[:limit])
    champion_run = next((r for r in scored if r.run_id in champion_ids), None)
    champion = _ranked(champion_run, experiment, champion_ids, now) if champion_run else None
    delta = top[0].value - champion.value if top and champion else None
    return ExperimentBoard(
        experiment=experiment.name,
        metric=metric,
        higher_is_better=experiment.higher_is_better,
        total_runs=len(runs),
        running=sum(1 for r in runs if r.status == RUNNING),
        failed=sum(1 for r in runs if r.status in ("FAILED", "KILLED")),
        top=top,
        champion=champion,
        best_vs_champion=delta,
    )


def summarize_experiments(
    data: ExperimentData, now: datetime, *, top_per_experiment: int = 5
) -> ExperimentsSummary:
    champion_ids = {m.run_id for m in data.models}
    by_experiment: dict[str, list[Run]] = {e.id: [] for e in data.experiments}
    for run in data.runs:
        by_experiment.setdefault(run.experiment, []).append(run)
    boards = tuple(
        _board(e, by_experiment.get(e.id, []), champion_ids, top_per_experiment, now)
        for e in data.experiments
    )
    day_ago = now.timestamp() - 86400
    return ExperimentsSummary(
        tracker=data.tracker,
        boards=boards,
        runs_total=len(data.runs),
        running_total=sum(1 for r in data.runs if r.status == RUNNING),
        finished_last_day=sum(
            1
            for r in data.runs
            if r.status == FINISHED and r.ended is not None and r.ended.timestamp() >= day_ago
        ),
    )


def digest_experiments(data: ExperimentData, now: datetime, *, keep: int = 50) -> ExperimentData:
    """`data` with `digests` filled in from all its runs: what the dashboard needs, so that the
    store can keep the runs apart and the first frame never decodes them.

    (Placeholder: returns `data` unchanged until the digest is built.)
    """
    return data
