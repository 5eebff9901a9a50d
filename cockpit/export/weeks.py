"""ISO weeks, as the weekly summary and `--week` name them: `2026-W48`, Monday to Sunday."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import msgspec


class ExportError(Exception):
    pass


class Week(msgspec.Struct, frozen=True):
    year: int
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.sunday, time.max, UTC)


def parse_week(text: str) -> Week:
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
    if not match:
        raise ExportError(f"--week {text!r}: expected an ISO week such as 2026-W48")
    year, week = int(match[1]), int(match[2])
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ExportError(f"--week {text!r}: {year} has no week {week}") from None
    return Week(year, week)


def current_week(now: datetime) -> Week:
    iso = now.date().isocalendar()
    return Week(iso.year, iso.week)


def previous_week(week: Week) -> Week:
    iso = (week.monday - timedelta(days=7)).isocalendar()
    return Week(iso.year, iso.week)


def last_full_week(now: datetime) -> Week:
    """The default report: the last week that has ended (on a Monday, the one before)."""
    return previous_week(current_week(now))
