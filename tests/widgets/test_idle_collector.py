"""The app keeps full garbage collections out of its keys, and gives Python its settings back."""

from __future__ import annotations

import gc

from cockpit.collector import BACKSTOP
from tests.widgets.conftest import AppFactory


async def test_keys_hold_back_full_collections_until_the_app_ends(make_app: AppFactory) -> None:
    before = gc.get_threshold()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (*before[:2], before[2] * BACKSTOP)
        app.collector.last_input = 0.0
        await pilot.press("2")
        assert app.collector.last_input > 0.0  # a key: not idle
    assert gc.get_threshold() == before


async def test_an_idle_app_collects(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        gc.collect(1)  # something moved to the old generation
        app.collector.last_input -= 5  # nobody typed for five seconds
        assert app.collector.tick()
        assert app.collector.collections == 1
