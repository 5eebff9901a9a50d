"""Metric histories of the demo's runs: learning curves that overfit.

A run logs its primary metric, its validation loss and its training loss at every evaluation.
The training loss only falls. The validation loss bottoms out and climbs back once the model
starts to overfit, and the primary metric peaks a little later and then slips, so a run's best
value is often not its last one: the reason leaderboards rank by the best value, or by the value
at the best validation loss, rather than by the last.

As in MLflow, the last point of each history is the run's last logged value (`Run.metrics`).
Each run's curve is drawn from a generator seeded by its id, so a run's history does not depend
on which other runs got one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping

import msgspec

from cockpit.models import MetricHistory


class CurveSpec(msgspec.Struct, frozen=True):
    """How one experiment's runs learn: which metrics they log and how they overfit."""

    loss: str  # the validation loss, which bottoms out before the end when a run overfits
    train: str  # the training loss, which only falls
    steps: Callable[[Mapping[str, str]], tuple[int, ...]]  # the steps a config evaluates at
    overfit: Callable[[Mapping[str, str]], float]  # how prone a config is to overfit, 0 to 1
    gap: float  # how far the primary metric slips from its peak in a run that fully overfits
    loss_rise: float  # how far the validation loss climbs back from its minimum, fully overfit
    loss_start: float  # validation loss at the first evaluation, above its last value
    train_start: float  # the same for the training loss
    noise: float  # evaluation noise of the primary metric (the losses get a third of it)


def history_rng(run_id: str) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs and Python processes.
    return random.Random(f"cockpit-demo-history:{run_id}")


def _curve(
    steps: int,
    start: float,
    extreme: float,
    end: float,
    at: float,
    noise: float,
    rng: random.Random,
) -> list[float]:
    """`steps` values that move from `start` to `extreme` (a peak or a trough) by fraction `at`
    of the run, then drift to exactly `end`: most of the way is covered early, as in training.

    The demo is built before its first frame, so this loop is kept lean: uniform noise (with
    about `noise` as its standard deviation) costs a fifth of `gauss`."""
    rise, drift, spread = start - extreme, end - extreme, 3.46 * noise
    draw = rng.random
    values = []
    for k in range(1, steps):
        t = k / steps
        if t <= at:
            u = 1 - t / at
            value = extreme + rise * u * u
        else:
            u = (t - at) / (1 - at)
            value = extreme + drift * u * math.sqrt(u)
        values.append(round(value + (draw() - 0.5) * spread, 4))
    values.append(end)
    return values


def _history(steps: tuple[int, ...], values: list[float]) -> MetricHistory:
    return tuple(zip(steps, values, strict=True))


def planned_histories(
    curves: CurveSpec,
    run_id: str,
    params: Mapping[str, str],
    last: Mapping[str, float],
    primary: str,
    higher_is_better: bool,
    untrained: float,
) -> dict[str, MetricHistory]:
    """The histories of a run that ends on the `last` values, one point per evaluation."""
    rng = history_rng(run_id)
    steps = curves.steps(params)
    n = len(steps)
    strength = min(1.0, max(0.0, curves.overfit(params) + rng.uniform(-0.3, 0.3)))
    # Below a quarter of the way to overfitting the primary metric still creeps up at the end.
    slips = strength > 0.25
    peak_at = 1 - 0.45 * strength if slips else 1.0
    sign = 1.0 if higher_is_better else -1.0
    peak = last[primary] + sign * curves.gap * strength * rng.uniform(0.6, 1.0) if slips else 0.0
    primary_values = _curve(
        n, untrained, peak if slips else last[primary], last[primary], peak_at, curves.noise, rng
    )
    # The validation loss turns a little before the primary metric does.
    loss_end = last[curves.loss]
    trough_at = max(0.3, peak_at - 0.12 - 0.1 * rng.random()) if strength > 0.1 else 1.0
    trough = loss_end - curves.loss_rise * strength if trough_at < 1.0 else loss_end
    loss_values = _curve(
        n, loss_end + curves.loss_start, trough, loss_end, trough_at, curves.noise / 3, rng
    )
    train_end = last[curves.train]
    train_values = _curve(
        n, train_end + curves.train_start, train_end, train_end, 1.0, curves.noise / 3, rng
    )
    return {
        primary: _history(steps, primary_values),
        curves.loss: _history(steps, loss_values),
        curves.train: _history(steps, train_values),
    }


def diverged_histories(
    curves: CurveSpec,
    run_id: str,
    params: Mapping[str, str],
    primary: str,
    start: Mapping[str, float],
    healthy: Mapping[str, float],
) -> dict[str, MetricHistory]:
    """A run whose learning rate was too high: it learns for a while from the `start` values
    towards the `healthy` ones, then the losses blow up and the primary metric (higher is
    better) collapses, until the NaN guard stops it. The values logged are still finite: the
    guard fires before a NaN is written."""
    rng = history_rng(run_id)
    steps = curves.steps(params)
    n = max(5, len(steps) * 2 // 5)
    calm = n - 3  # the last three evaluations diverge
    values: dict[str, list[float]] = {primary: [], curves.loss: [], curves.train: []}
    for k in range(1, n + 1):
        if k <= calm:
            share = 1 - (1 - k / calm) ** 2
            for metric, logged in values.items():
                value = start[metric] + (healthy[metric] - start[metric]) * share
                logged.append(round(value + rng.gauss(0, curves.noise / 3), 4))
        else:
            blown = k - calm
            values[primary].append(round(start[primary] * 0.5**blown, 4))
            for metric in (curves.loss, curves.train):
                values[metric].append(round(values[metric][calm - 1] * 3.0**blown, 4))
    return {metric: _history(steps[:n], logged) for metric, logged in values.items()}


def last_values(histories: Mapping[str, MetricHistory]) -> dict[str, float]:
    return {metric: history[-1][1] for metric, history in histories.items() if history}


def prefix(histories: Mapping[str, MetricHistory], points: int) -> dict[str, MetricHistory]:
    """What a running run has logged after its first `points` evaluations."""
    return {metric: history[:points] for metric, history in histories.items()}
