"""A key result's week is written the same on the OKR screen as in `status` and the export."""

from __future__ import annotations

import pytest

from cockpit.report_okrs import change_value
from widgets.okr_table import change_text


@pytest.mark.parametrize(
    ("change", "unit", "expected"),
    [
        (-0.036207, "", "-0.0362"),  # the screen wrote -0.036207 while status wrote -0.0362
        (1926.29, "USD", "+$1,930"),
        (0.0, "ms", "±0 ms"),
        (-4.0, "%", "-4%"),
    ],
)
def test_the_screen_and_status_write_a_week_alike(change: float, unit: str, expected: str) -> None:
    assert change_text(change, unit) == change_value(change, unit) == expected


def test_no_week_is_a_dash() -> None:
    assert change_text(None, "ms") == "–"
