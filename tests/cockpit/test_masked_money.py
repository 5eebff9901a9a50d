"""Masked money is a share of the budget ("%" as its currency): written like any share, with
the digits a small share needs, on every surface."""

from __future__ import annotations

from cockpit.formatting import money, money_range, money_short


def test_a_share_reads_like_a_share() -> None:
    assert money(108.04, "%") == "108%"  # not "108 %"
    assert money(0.42, "%") == "0.4%"  # a cost per run is a small share, not "0 %"
    assert money_short(51.26, "%") == "51.3%"
    assert money_range(110.2, 108.9, 111.4, "%") == "110.2% (108.9–111.4%)"


def test_money_is_unchanged() -> None:
    assert money(53954, "USD") == "$53,954"
    assert money_short(41_200, "USD") == "$41.2k"
