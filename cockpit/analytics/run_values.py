"""The value a run is ranked by, and which way is better: shared by the digest, the panel and
the leaderboard screen, so that every surface ranks a run the same way.

NaN and infinite values never rank: a diverged run logs `nan` loss, and it must not come
first on a "lower is better" board (NaN compares false with everything, so a plain sort would
leave it wherever it happened to be).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from cockpit.models import Experiment, MetricHistory, Run

T = TypeVar("T")

# Names whose smaller values are better, matched as words anywhere in the metric's name:
# val_loss, eval/wer, p95_latency_ms, rmse… Everything else defaults to "higher is better"
# (accuracy, auc, f1, ndcg, bleu, map, recall).
_LOWER_IS_BETTER = re.compile(
    r"(^|[^a-z])(loss|logloss|nll|perplexity|ppl|wer|cer|ter|error|err|mse|rmse|mae|mape|smape"
    r"|latency|duration|time|seconds|ms|cost|eer|fpr|fnr|brier|distance|divergence|kl)"
    r"([^a-z]|$)",
    re.IGNORECASE,
)


def default_higher_is_better(metric: str) -> bool:
    """Which way a metric is better when the config does not say."""
    return _LOWER_IS_BETTER.search(metric) is None


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def best_point(history: MetricHistory, higher_is_better: bool) -> tuple[int, float] | None:
    """The (step, value) of the best finite value; the earliest step wins a tie."""
    best: tuple[int, float] | None = None
    for step, value in history:
        if not math.isfinite(value):
            continue
        if (
            best is None
            or (higher_is_better and value > best[1])
            or (not higher_is_better and value < best[1])
        ):
            best = (step, value)
    return best


def value_at_step(history: MetricHistory, step: int) -> float | None:
    """The value logged at `step`, or the last one logged before it."""
    found: float | None = None
    for at, value in history:
        if at > step:
            break
        found = value
    return found


def ranking_value(run: Run, experiment: Experiment) -> tuple[float, int | None] | None:
    """The value `run` ranks by on `experiment`'s board, and the step it was logged at.

    `rank_by` "best" and "at-best-step" need the metric's history; a run whose history was not
    read ranks by its last value (the digest's note says for how many runs histories are read).
    None when the run has no finite value to rank by.
    """
    metric = experiment.primary_metric
    last = run.metrics.get(metric)
    history = run.histories.get(metric)
    if experiment.rank_by == "best" and history:
        point = best_point(history, experiment.higher_is_better)
        if point is not None:
            return point[1], point[0]
    elif experiment.rank_by == "at-best-step" and experiment.step_metric:
        steps = run.histories.get(experiment.step_metric)
        if steps and history:
            point = best_point(steps, experiment.step_metric_higher_is_better)
            if point is not None:
                value = value_at_step(history, point[0])
                if is_finite(value):
                    return value, point[0]  # type: ignore[return-value]
    if is_finite(last):
        return last, None  # type: ignore[return-value]
    return None


def rank_key(run: Run, value: float, higher_is_better: bool) -> tuple[float, float, str]:
    """The order runs take on a board: best value first; a tie goes to the run that got there
    first (ended earlier), then a stable id order. The panel, `status` and the leaderboard
    screen all number runs by it."""
    ended = run.ended.timestamp() if run.ended else math.inf
    return (-value if higher_is_better else value, ended, run.run_id)


def better(a: float, b: float, higher_is_better: bool) -> bool:
    """Whether `a` is strictly better than `b`."""
    return a > b if higher_is_better else a < b


def the_champion(
    crowned: Iterable[T], value_of: Callable[[T], float | None], higher_is_better: bool
) -> T | None:
    """Of the runs a `champion` alias points at (two registered models may each crown a run
    of one experiment), the one that sets the bar: the better value, and any value over none.
    The panel, `status` and the leaderboard screen all measure deltas against it."""
    chosen: T | None = None
    for item in crowned:
        value = value_of(item)
        if chosen is None:
            chosen = item
            continue
        best = value_of(chosen)
        if value is not None and (best is None or better(value, best, higher_is_better)):
            chosen = item
    return chosen
