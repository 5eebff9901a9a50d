"""Budget periods (a calendar month or quarter) and the words money is written in.

Alert sentences write money with `cockpit.formatting.money`, as every surface does.
"""

from __future__ import annotations

from datetime import date, timedelta

from cockpit.formatting import money, share

__all__ = ["money", "percent", "period_bounds", "period_key", "period_label"]


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """The first and the last day (inclusive) of the month or quarter holding `day`."""
    if period == "quarter":
        first_month = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first_month, 1)
        end_month = first_month + 3
    else:
        start = day.replace(day=1)
        end_month = day.month + 1
    year = start.year + (end_month - 1) // 12
    after = date(year, (end_month - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


def period_label(start: date, period: str) -> str:
    """'Nov 2026' or '2026-Q4', as the panel shows it."""
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%b %Y}"


def period_key(start: date, period: str) -> str:
    """'2026-11' or '2026-Q4': part of an alert's stable key."""
    return period_label(start, period) if period == "quarter" else f"{start:%Y-%m}"


def percent(fraction: float) -> str:
    return share(fraction)
