"""Budget periods (a calendar month or quarter) and the words money is written in.

Analytics may not import `cockpit.formatting` (the layer rule), so alert sentences write money
here, the same way: `$53,954`, `-$1,200`, `1,200 CHF`.
"""

from __future__ import annotations

from datetime import date, timedelta

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


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


def money(value: float, currency: str) -> str:
    text = f"{abs(value):,.0f}"
    sign = "-" if value < 0 and text.strip("0,") else ""
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"
