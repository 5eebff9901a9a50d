"""From a tracker's `[sources.NAME.leaderboard]` block to `Experiment` records, the same way for
every tracker: which metric ranks an experiment (configured, or picked from the names its runs
log), which way is better, how a run's value is read, and which runs can reach the top of the
board and so deserve their metric histories.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from cockpit.analytics.run_values import default_higher_is_better
from cockpit.models import Experiment, Run

# Metrics a team means when it says "the metric", in the order a lead would pick them: held-out
# validation first, then test, then the bare names. Compared ignoring case and separators, so
# "val/auc", "val-auc" and "Val_AUC" all match "val_auc".
WELL_KNOWN_METRICS = (
    "val_auc", "val_roc_auc", "val_accuracy", "val_acc", "val_f1", "val_map", "val_ndcg",
    "val_wer", "val_rmse", "val_loss",
    "eval_auc", "eval_accuracy", "eval_f1", "eval_wer", "eval_loss",
    "test_auc", "test_accuracy", "test_f1", "test_wer", "test_rmse", "test_loss",
    "auc", "roc_auc", "accuracy", "acc", "f1", "f1_score", "map", "ndcg", "bleu", "rouge_l",
    "wer", "cer", "rmse", "mae", "mse", "r2", "loss",
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s/.\-:]+")


class LeaderboardOptions(Protocol):
    """What the ranking reads of `cockpit.kinds.LeaderboardSettings`."""

    @property
    def metric(self) -> str: ...
    @property
    def per_experiment(self) -> Mapping[str, str]: ...
    @property
    def rank_by(self) -> str: ...
    @property
    def step_metric(self) -> str: ...
    @property
    def directions(self) -> Mapping[str, str]: ...
    @property
    def rename(self) -> Mapping[str, str]: ...
    @property
    def history_runs(self) -> int: ...
    @property
    def key_params(self) -> Sequence[str]: ...


def _normalised(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower())


_RANK_OF_WELL_KNOWN = {name: rank for rank, name in enumerate(WELL_KNOWN_METRICS)}


def pick_metric(runs: Iterable[Run]) -> str:
    """The metric to rank by when none is configured: the most telling well-known name the runs
    log, else the name most runs log (alphabetical on a tie), else ""."""
    counts: Counter[str] = Counter()
    for run in runs:
        counts.update(run.metrics.keys())
    if not counts:
        return ""
    known = [
        (_RANK_OF_WELL_KNOWN[_normalised(name)], name)
        for name in counts
        if _normalised(name) in _RANK_OF_WELL_KNOWN
    ]
    if known:
        return min(known)[1]
    return min(counts, key=lambda name: (-counts[name], name))


class Board:
    """One tracker source's leaderboard settings, with its renames applied both ways."""

    def __init__(self, options: LeaderboardOptions) -> None:
        self.options = options
        self.rename = dict(options.rename)
        self._raw_names: dict[str, list[str]] = {}
        for raw, renamed in self.rename.items():
            self._raw_names.setdefault(renamed, []).append(raw)

    def renamed(self, name: str) -> str:
        return self.rename.get(name, name)

    def raw_names(self, name: str) -> tuple[str, ...]:
        """The names the tracker may know a (renamed) metric by, most likely first: a run's
        history is asked for under each until one answers."""
        raws = self._raw_names.get(name, [])
        return (*raws, name) if name not in raws else tuple(raws)

    def higher_is_better(self, metric: str) -> bool:
        # The config may name a metric by either name.
        for key in (metric, *self._raw_names.get(metric, ())):
            direction = self.options.directions.get(key)
            if direction is not None:
                return direction == "higher"
        return default_higher_is_better(metric)

    def experiment(
        self, experiment_id: str, name: str, runs: Sequence[Run], *, url: str, tracker: str
    ) -> Experiment:
        configured = (
            self.options.per_experiment.get(name)
            or self.options.per_experiment.get(experiment_id)
            or self.options.metric
        )
        metric = self.renamed(configured) if configured else pick_metric(runs)
        at_best_step = self.options.rank_by == "at-best-step"
        step_metric = self.renamed(self.options.step_metric) if at_best_step else ""
        return Experiment(
            id=experiment_id,
            name=name,
            primary_metric=metric,
            higher_is_better=self.higher_is_better(metric),
            rank_by=self.options.rank_by,
            step_metric=step_metric,
            step_metric_higher_is_better=self.higher_is_better(step_metric)
            if step_metric
            else False,
            metric_picked=not configured,
            url=url,
            tracker=tracker,
            key_params=tuple(self.options.key_params),
        )

    def history_metrics(self, experiment: Experiment) -> tuple[str, ...]:
        """The (renamed) metrics whose histories rank a run on this experiment's board."""
        names = [experiment.primary_metric] if experiment.primary_metric else []
        if experiment.step_metric and experiment.step_metric not in names:
            names.append(experiment.step_metric)
        return tuple(names)

    def contenders(
        self, experiment: Experiment, runs: Iterable[Run], pinned: Collection[str] = ()
    ) -> list[Run]:
        """The runs that can reach the top of the board: the best `history_runs` by the last
        value of the primary metric (and of the step metric when a run is read at its best
        step), and every run in `pinned` (the runs a model alias points at)."""
        runs = list(runs)
        limit = self.options.history_runs
        chosen: dict[str, Run] = {run.run_id: run for run in runs if run.run_id in pinned}
        ranks = [(experiment.primary_metric, experiment.higher_is_better)]
        if experiment.step_metric:
            ranks.append((experiment.step_metric, experiment.step_metric_higher_is_better))
        for metric, higher in ranks:
            if not metric or limit == 0:
                continue
            valued = [run for run in runs if math.isfinite(run.metrics.get(metric, math.nan))]
            valued.sort(key=lambda run: run.metrics[metric], reverse=higher)
            for run in valued[:limit]:
                chosen.setdefault(run.run_id, run)
        return list(chosen.values())
