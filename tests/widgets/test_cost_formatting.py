"""The short money forms the Cost panel and screen share with `status` (cockpit.formatting)."""

from __future__ import annotations

import pytest

from cockpit.formatting import money_range, money_short


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (950, "USD", "$950"),
        (41_234, "USD", "$41.2k"),
        (1_234_567, "EUR", "€1.23M"),
        (-1_200, "USD", "-$1.2k"),  # a credit: the sign before the symbol
        (1_200, "CHF", "1.2k CHF"),  # no symbol: the code after the number
        (-0.3, "USD", "$0"),  # no "-$0" for a cent of credit
    ],
)
def test_money_short(value: float, currency: str, expected: str) -> None:
    assert money_short(value, currency) == expected


def test_money_range_writes_the_range_in_the_unit_of_its_largest_figure() -> None:
    assert money_range(41_234, 38_912, 44_012, "USD") == "$41.2k (38.9k–44.0k)"
    assert money_range(41_234, 38_912, 44_012, "CHF") == "41.2k CHF (38.9k–44.0k)"
    # A high end past a thousand puts the whole range in thousands, so it reads as one.
    assert money_range(800, 700, 1_200, "USD") == "$0.8k (0.7k–1.2k)"
    assert money_range(1_020_000, 990_000, 1_100_000, "USD") == "$1.02M (0.99M–1.10M)"
