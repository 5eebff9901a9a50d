"""How numbers read on screen and in reports: one place, so a panel and an export agree.

Stdlib only, so every layer that shows numbers may import it.
"""

from __future__ import annotations

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def amount(value: float) -> str:
    """Points and counts: `8`, `2.5`; never `8.0`."""
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def points(value: float | None) -> str:
    """An estimate, with a dash for an issue nobody estimated."""
    return "–" if value is None else amount(value)


def metric(value: float) -> str:
    """A model metric: four decimals for scores like AUC, two for large values like loss sums."""
    return f"{value:.4f}" if abs(value) < 10 else f"{value:,.2f}"


def money(value: float, currency: str, *, compact: bool = False) -> str:
    """`$53,954`; with `compact`, six figures and up shrink to `$127k` for narrow panels."""
    text = f"{value / 1000:,.0f}k" if compact and abs(value) >= 100_000 else f"{value:,.0f}"
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
