"""A fix for a Textual bug that keeps every widget's drawn lines alive after the widget is gone.

Textual's `StylesCache.get_inner_outer` is an instance method under `functools.lru_cache(1024)`,
so the cache's keys hold the `StylesCache` of up to 1,024 widgets, and with it every line each
widget drew (strips, and the strips cut and filtered from them). Opening and leaving the sprint
screen once left about 50,000 such objects behind; the collector walks them all on every full
collection, which grew to about 100 ms, twice per screen opened (Textualize/textual#6665).

The same two styles are cached here by the two colours alone, which is all they depend on.
`apply()` does nothing once Textual no longer caches the method that way.
"""

from __future__ import annotations

import functools

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@functools.lru_cache(1024)
def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    """Inner and outer background styles, as `StylesCache.get_inner_outer` makes them."""
    return (Style(background=base_background + background), Style(background=base_background))


def _get_inner_outer(
    _self: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return inner_outer(base_background, background)


def apply() -> bool:
    """Replace the leaking cache; True if it was there to replace."""
    current = StylesCache.__dict__.get("get_inner_outer")
    if not hasattr(current, "cache_clear"):
        return False  # fixed upstream, or already replaced
    current.cache_clear()  # let go of the widgets it holds now
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign]
    return True
