"""Day-over-day anomalies: a day's spend far above the days before it, per service and in
total, by a robust z-score (median and median absolute deviation), so that one earlier spike
does not hide the next one the way a mean and standard deviation would."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import date, timedelta

from cockpit.analytics.cost_periods import money
from cockpit.analytics.cost_views import Anomaly, CostAlert

BASELINE_DAYS = 28
CHECKED_DAYS = 14  # the complete days looked at, yesterday first
ANOMALY_WINDOW = BASELINE_DAYS + CHECKED_DAYS  # days of per-service history needed
MIN_BASELINE_DAYS = 14  # fewer known days before it: too little to call a day unusual
MAD_TO_SIGMA = 1.4826  # the MAD of normal data times this is its standard deviation
SCALE_FLOOR = 0.10  # the spread is taken as at least 10% of the median (steady services)
MATERIAL_SHARE = 0.01  # and a jump must be at least 1% of a typical day's total spend
ALERT_DAYS = 2  # anomalies of the last two complete days are alerts too


def anomaly_rule(sigma: float) -> str:
    return (
        f"A day is an anomaly when its spend is more than {sigma:g}σ above the median of the"
        f" previous {BASELINE_DAYS} days, σ being 1.4826 × their median absolute deviation"
        f" (at least {SCALE_FLOOR:.0%} of the median), and the jump is at least"
        f" {MATERIAL_SHARE:.0%} of a typical day's total. Checked per service and in total"
        f" for the last {CHECKED_DAYS} complete days."
    )


def find_anomalies(
    currency: str,
    total: Mapping[date, float],
    services: Mapping[tuple[str, str], Mapping[date, float]],
    first: date | None,
    today: date,
    sigma: float,
) -> tuple[Anomaly, ...]:
    if first is None:
        return ()
    typical = _typical_total(total, first, today)
    floor = max(abs(typical) * MATERIAL_SHARE, 1.0)
    found: list[Anomaly] = []
    series: list[tuple[str, str, Mapping[date, float]]] = [("total", "", total)]
    series += [("service", service, days) for (_, service), days in sorted(services.items())]
    for dimension, key, days in series:
        for back in range(1, CHECKED_DAYS + 1):
            day = today - timedelta(days=back)
            if day < first:
                break
            anomaly = _check(day, days, first, sigma, floor, dimension, key, currency)
            if anomaly is not None:
                found.append(anomaly)
    found.sort(key=lambda a: (-a.day.toordinal(), a.dimension != "total", -a.sigma, a.key))
    return tuple(found)


def _typical_total(total: Mapping[date, float], first: date, today: date) -> float:
    days = [today - timedelta(days=n) for n in range(1, BASELINE_DAYS + 1)]
    values = [total.get(d, 0.0) for d in days if d >= first]
    return statistics.median(values) if values else 0.0


def _check(
    day: date,
    days: Mapping[date, float],
    first: date,
    sigma: float,
    floor: float,
    dimension: str,
    key: str,
    currency: str,
) -> Anomaly | None:
    amount = days.get(day, 0.0)
    baseline = [
        days.get(d, 0.0)
        for d in (day - timedelta(days=n) for n in range(1, BASELINE_DAYS + 1))
        if d >= first
    ]
    if len(baseline) < MIN_BASELINE_DAYS:
        return None
    median = statistics.median(baseline)
    if amount - median < floor:
        return None
    mad = statistics.median(abs(v - median) for v in baseline)
    scale = max(MAD_TO_SIGMA * mad, SCALE_FLOOR * abs(median), 1e-9)
    z = (amount - median) / scale
    if z <= sigma:
        return None
    return Anomaly(
        day=day,
        dimension=dimension,
        key=key,
        currency=currency,
        amount=amount,
        expected=median,
        sigma=z,
        explanation=(
            f"{z:.1f}σ above the median of the previous {len(baseline)} days"
            f" ({money(median, currency)}/day)"
        ),
    )


def anomaly_alerts(anomalies: tuple[Anomaly, ...], today: date) -> list[CostAlert]:
    since = today - timedelta(days=ALERT_DAYS)
    alerts = []
    for a in anomalies:
        if a.day < since:
            continue
        subject = "total" if a.dimension == "total" else f"service={a.key}"
        what = "All spend" if a.dimension == "total" else a.key
        alerts.append(
            CostAlert(
                key=f"anomaly|{a.currency}|{subject}|{a.day.isoformat()}",
                kind="anomaly",
                subject=subject,
                threshold=a.sigma,
                value=a.amount,
                currency=a.currency,
                day=a.day,
                message=(
                    f"{what}: {money(a.amount, a.currency)} on {a.day:%b} {a.day.day},"
                    f" {a.explanation}."
                ),
                severity="warning",
            )
        )
    return alerts
