"""Where a period's spend is heading: a forecast to its last day, with a range.

The method, for daily spend y over the last (up to) eight weeks of complete days:

1. Weekday shape: each day's share of its week's mean (weeks counted back from the last
   complete day), the median per weekday, scaled to average 1. Training jobs are launched on
   working days, so Saturdays and Sundays are often far cheaper, and a run rate that mixes them
   up is wrong on both.
2. Level and trend: a straight line through the weekday-adjusted days, fitted by least squares
   weighting recent days more (a day's weight halves every two weeks), after clipping one-off
   spikes to 4 robust sigmas so that one big training run does not become the trend.
3. Each day left = its weekday's factor × the line there; the period = actual so far + those.
4. The range is an 80% prediction interval: the residual spread of the fit (per day, summed
   over the days left) plus the uncertainty of the line's level and slope. The backtest in
   `tests/cockpit/test_cost_forecast.py` checks it on days the fit did not see.

With fewer than two weeks of history the weekday shape is left out, with less than one the
trend too: the forecast is then the run rate, and the method says so.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from datetime import date, timedelta

from cockpit.analytics.cost_views import ForecastRange

HISTORY_DAYS = 56  # eight weeks: enough weeks for a robust weekday shape, recent enough to matter
HALF_LIFE_DAYS = 14.0
Z_80 = 1.2816  # the two-sided 80% interval of a normal distribution
SPIKE_SIGMAS = 4.0


class Fit:
    """A weekday-adjusted weighted line through recent daily spend."""

    def __init__(
        self,
        level: float,
        slope: float,
        factors: tuple[float, ...],
        sigma: float,
        var_level: float,
        var_slope: float,
        cov: float,
        origin: date,
        method: str,
        nonnegative: bool,
    ) -> None:
        self.level, self.slope, self.factors = level, slope, factors
        self.sigma, self.var_level, self.var_slope, self.cov = sigma, var_level, var_slope, cov
        self.origin = origin  # the first day to forecast (k = 0)
        self.method = method
        self.nonnegative = nonnegative

    def day(self, day: date) -> tuple[float, float]:
        """(expected, standard deviation) of one future day's spend."""
        k = (day - self.origin).days
        factor = self.factors[day.weekday()]
        level = self.level + self.slope * k
        if self.nonnegative:
            level = max(level, 0.0)
        var = self.sigma**2 + self.var_level + k * k * self.var_slope + 2 * k * self.cov
        return factor * level, factor * math.sqrt(max(var, 0.0))


def fit(history: Mapping[date, float], first: date | None, last: date) -> Fit:
    """Fit on the complete days from max(first, last - 55) to `last`; missing days are 0."""
    origin = last + timedelta(days=1)
    start = last - timedelta(days=HISTORY_DAYS - 1)
    if first is not None and first > start:
        start = first
    n = (last - start).days + 1
    if n <= 0:
        return Fit(0.0, 0.0, (1.0,) * 7, 0.0, 0.0, 0.0, 0.0, origin, "no history yet", True)
    days = [start + timedelta(days=i) for i in range(n)]
    y = [history.get(d, 0.0) for d in days]
    nonnegative = min(y) >= 0
    if n < 7:
        mean = sum(y) / n
        spread = statistics.pstdev(y) if n > 1 else abs(mean) * 0.5
        return Fit(
            mean, 0.0, (1.0,) * 7, spread, spread**2 / n, 0.0, 0.0, origin,
            f"run rate of the {n} day{'s' if n > 1 else ''} so far; range from their spread",
            nonnegative,
        )  # fmt: skip
    factors = _weekday_factors(days, y) if n >= 14 else (1.0,) * 7
    # Weekday-adjusted values; a weekday with (almost) no spend says nothing about the level.
    points = [
        ((d - origin).days, v / factors[d.weekday()])
        for d, v in zip(days, y, strict=True)
        if factors[d.weekday()] >= 0.1
    ]
    values = [v for _, v in points]
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values) * 1.4826
    raw = points
    if mad > 0:
        lo, hi = median - SPIKE_SIGMAS * mad, median + SPIKE_SIGMAS * mad
        points = [(t, min(max(v, lo), hi)) for t, v in points]
    weights = [0.5 ** (-t / HALF_LIFE_DAYS) for t, _ in points]
    level, slope, sigma, var_level, var_slope, cov = _weighted_line(points, weights)
    # The line is fitted without the spikes, but the days to come may have spikes too: the
    # day-to-day spread in the range is measured on the days as they were.
    total_weight = sum(weights)
    spread = (
        sum(w * (v - level - slope * t) ** 2 for w, (t, v) in zip(weights, raw, strict=True))
        / total_weight
    )
    sigma = max(sigma, math.sqrt(spread * len(raw) / max(len(raw) - 2, 1)))
    # A slope that its own uncertainty could explain is shrunk towards flat (by the share
    # of its square that is noise): extrapolating noise over weeks costs more than it gains.
    if slope * slope > 0:  # (a slope of 1e-160 squares to 0)
        slope *= max(0.0, 1.0 - var_slope / (slope * slope))
    weeks = n // 7
    method = (
        f"weekday levels from the last {weeks} weeks × a trend weighted to recent days"
        if n >= 14
        else f"a trend through the last {n} days, weighted to recent days (too few weeks for"
        " a weekday shape)"
    )
    return Fit(
        level, slope, factors, sigma, var_level, var_slope, cov, origin,
        method + "; range: 80% interval from the fit's residual spread",
        nonnegative,
    )  # fmt: skip


def _weekday_factors(days: list[date], y: list[float]) -> tuple[float, ...]:
    """Each weekday's median share of its week's mean, scaled to average 1."""
    ratios: list[list[float]] = [[] for _ in range(7)]
    # Whole weeks counted back from the last day, so every week has each weekday once.
    for end in range(len(y), 6, -7):
        block = y[end - 7 : end]
        mean = sum(block) / 7
        if mean <= 0:
            continue
        for d, v in zip(days[end - 7 : end], block, strict=True):
            ratios[d.weekday()].append(v / mean)
    raw = [statistics.median(r) if r else 1.0 for r in ratios]
    scale = sum(raw) / 7
    if scale <= 0:
        return (1.0,) * 7
    return tuple(max(r / scale, 0.0) for r in raw)


def _weighted_line(
    points: list[tuple[int, float]], weights: list[float]
) -> tuple[float, float, float, float, float, float]:
    """Level at t = 0 and slope of a weighted least-squares line, the residual sigma, and
    the variances and covariance of level and slope."""
    total = sum(weights)
    norm = [w * len(weights) / total for w in weights]  # mean weight 1
    sw = sum(norm)
    st = sum(w * t for w, (t, _) in zip(norm, points, strict=True))
    sv = sum(w * v for w, (_, v) in zip(norm, points, strict=True))
    stt = sum(w * t * t for w, (t, _) in zip(norm, points, strict=True))
    stv = sum(w * t * v for w, (t, v) in zip(norm, points, strict=True))
    det = sw * stt - st * st
    if len(points) < 3 or det <= 1e-9:
        level, slope = sv / sw, 0.0
    else:
        slope = (sw * stv - st * sv) / det
        level = (sv - slope * st) / sw
    residual = sum(w * (v - level - slope * t) ** 2 for w, (t, v) in zip(norm, points, strict=True))
    dof = max(len(points) - 2, 1)
    sigma2 = residual / dof
    if len(points) < 3 or det <= 1e-9:
        return level, 0.0, math.sqrt(sigma2), sigma2 / sw, 0.0, 0.0
    # Weights that favour recent days leave fewer days' worth of evidence: the covariance of
    # a weighted fit is sigma² A⁻¹ B A⁻¹ (A = XᵀWX, B = XᵀW²X), not sigma² A⁻¹.
    b00 = sum(w * w for w in norm)
    b01 = sum(w * w * t for w, (t, _) in zip(norm, points, strict=True))
    b11 = sum(w * w * t * t for w, (t, _) in zip(norm, points, strict=True))
    i00, i01, i11 = stt / det, -st / det, sw / det  # A⁻¹
    var_level = i00 * (b00 * i00 + b01 * i01) + i01 * (b01 * i00 + b11 * i01)
    cov = i00 * (b00 * i01 + b01 * i11) + i01 * (b01 * i01 + b11 * i11)
    var_slope = i01 * (b00 * i01 + b01 * i11) + i11 * (b01 * i01 + b11 * i11)
    return (
        level, slope, math.sqrt(sigma2), sigma2 * var_level, sigma2 * var_slope, sigma2 * cov,
    )  # fmt: skip


def forecast_period(
    history: Mapping[date, float],
    *,
    period_start: date,
    period_end: date,
    data_first: date | None,
    data_through: date | None,
    today: date,
    today_elapsed: float,
) -> ForecastRange:
    """Actual spend from `period_start` to `today` plus the forecast to `period_end`.

    `history` is daily spend (any days before too). `data_through` is the last day the
    source has billed (exports lag a day or two): later days count as still to come, and when
    it is today, only the part of today not yet billed (1 - `today_elapsed`) is.
    """
    actual = sum(v for d, v in history.items() if period_start <= d <= today)
    if data_through is None:
        data_through = today - timedelta(days=1)
    last_complete = min(data_through, today - timedelta(days=1))
    model = fit(history, data_first, last_complete)
    first_future = last_complete + timedelta(days=1)
    expected_future = 0.0
    f_total = 0.0  # sum of the days' factors
    noise_var = 0.0
    days = []
    weighted: list[tuple[int, float]] = []  # (k, factor × share of the day still to come)
    for i in range(max((period_end - first_future).days + 1, 0)):
        day = first_future + timedelta(days=i)
        if day < period_start:
            continue
        mean, sd = model.day(day)
        # The billed part of the day is in `actual` already.
        remaining = (1.0 - today_elapsed) if day == today and data_through >= today else 1.0
        expected_future += mean * remaining
        days.append((day, mean, *_bounds(mean, Z_80 * sd, model.nonnegative)))
        f_total += remaining
        factor = model.factors[day.weekday()] * remaining
        noise_var += (factor * model.sigma) ** 2
        weighted.append(((day - model.origin).days, factor))
    spread = Z_80 * math.sqrt(noise_var + _parameter_var(model, weighted))
    low, high = _bounds(expected_future, spread, model.nonnegative)
    return ForecastRange(
        expected=actual + expected_future,
        low=actual + low,
        high=actual + high,
        actual_to_date=actual,
        days=tuple(days),
        method=model.method if f_total else "the period's days are all billed",
    )


def _parameter_var(model: Fit, weighted: list[tuple[int, float]]) -> float:
    """Variance of the summed forecast from the uncertain level and slope."""
    f_sum = sum(weight for _, weight in weighted)
    fk_sum = sum(weight * k for k, weight in weighted)
    return (
        f_sum * f_sum * model.var_level
        + fk_sum * fk_sum * model.var_slope
        + 2 * f_sum * fk_sum * model.cov
    )


def _bounds(mean: float, spread: float, nonnegative: bool) -> tuple[float, float]:
    low, high = mean - spread, mean + spread
    if nonnegative:
        low = max(low, 0.0) if mean >= 0 else mean
    return min(low, mean), max(high, mean)
