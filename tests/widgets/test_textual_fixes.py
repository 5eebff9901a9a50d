"""Widgets that are gone do not stay in memory through Textual's style cache."""

from __future__ import annotations

import gc

from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.widgets import Static

import cockpit.app  # noqa: F401  (the app applies the fix when it is imported)
from widgets.textual_fixes import inner_outer


class Churn(App[None]):
    def compose(self) -> ComposeResult:
        yield Vertical(id="list")


def styles_caches() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, StylesCache))


async def test_removed_widgets_leave_no_styles_cache_behind() -> None:
    app = Churn()
    async with app.run_test(size=(60, 50)) as pilot:
        box = app.query_one("#list", Vertical)
        await pilot.pause()
        before = styles_caches()
        for _ in range(10):
            await box.remove_children()
            await box.mount_all(Static(f"card {n}") for n in range(40))
            await pilot.pause()  # drawn: each card's style cache is filled
        await box.remove_children()
        await pilot.pause()
        # Textual's cache kept all 400 cards' style caches (and every line they drew); what
        # is left is at most the last batch, until the screen draws again.
        assert styles_caches() - before <= 40


def test_the_styles_are_those_textual_makes() -> None:
    base, background = Color.parse("#102030"), Color.parse("#ff000080")
    inner, outer = inner_outer(base, background)
    assert inner.background == base + background
    assert outer.background == base
    assert StylesCache().get_inner_outer(base, background) == (inner, outer)
