"""Every screen and tab of the TUI, and present mode on every panel, drawn from a cache whose
every text attacks: escape sequences (OSC title, OSC 8 link, OSC 52 clipboard, CSI, DCS), bell,
backspace, bidi overrides, Rich markup, and 10,000-character texts in a right-to-left script.

tests/test_hostile_text.py draws the dashboard and each screen's first tab; this draws the
rest, and checks the layout: a hostile row never pushes the others off the screen.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from textual.geometry import Region, Size
from textual.widget import Widget

import cockpit.app
from cockpit.app import CockpitApp, screen_tabs
from cockpit.clock import FrozenClock
from cockpit.workspace import Workspace
from tests.conftest import FROZEN_NOW
from tests.hostile.data import (
    assert_harmless,
    escapes_workspace,
    hostile_workspace,
    long_workspace,
    no_markup_interpreted,
)
from tests.test_hostile_text import demo_at

FIRST_TABS_DRAWN_ELSEWHERE = {(area, tabs[0]) for area, tabs in screen_tabs().items()}
EVERY_TAB = [
    (area, tab)
    for area, tabs in screen_tabs().items()
    for tab in tabs
    if area == "present" or (area, tab) not in FIRST_TABS_DRAWN_ELSEWHERE
]


def _strict_clean_text(text: str) -> str:
    """Stands in for the screenshot's last cleaning: Textual's own output must be clean."""
    assert_harmless(text, "Textual's SVG output")
    return text


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cockpit.app, "clean_text", _strict_clean_text)


def shoot(workspace: Workspace, area: str | None, tab: str | None, size=(120, 36)) -> str:
    svg = cockpit.app.render_screenshot(
        workspace, FrozenClock(FROZEN_NOW), size=size, panel=area, tab=tab
    )
    ET.fromstring(svg)  # valid XML
    return svg


@pytest.mark.parametrize(("area", "tab"), EVERY_TAB)
def test_every_tab_shows_escapes_and_markup_as_plain_text(
    tmp_path: Path, strict: None, area: str, tab: str
) -> None:
    svg = shoot(escapes_workspace(tmp_path, FROZEN_NOW), area, tab)
    assert_harmless(svg, f"{area} · {tab}")
    assert "\x1b" not in svg and "\x9b" not in svg


@pytest.mark.parametrize("area", ["present", "team"])
def test_markup_in_data_is_shown_as_typed(tmp_path: Path, strict: None, area: str) -> None:
    tab = screen_tabs()[area][0] if area != "present" else "okrs"
    svg = shoot(escapes_workspace(tmp_path, FROZEN_NOW), area, tab)
    # The SVG escapes nothing in square brackets: the markup shows as typed.
    no_markup_interpreted(svg, f"{area} · {tab}")


Layout = dict[str, tuple[Region, Region]]


async def _layout(
    workspace: Workspace, area: str | None, tab: str | None, size: Size
) -> tuple[Layout, str]:
    """Every widget with an id on the screen: its region and the part of it on the screen;
    and the screenshot."""
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if area == "present":
            app.open_present(tab)
        elif area is not None:
            app.open_panel(area, tab)
        await pilot.pause()
        await asyncio.sleep(0.3)  # charts mount after the first frame
        await pilot.pause()
        screen = Region(0, 0, *size)
        found: Layout = {}
        for widget in app.screen.walk_children(Widget):
            if widget.id and widget.display:
                found[widget.id] = (widget.region, widget.region.intersection(screen))
        return found, app.export_screenshot()


LAYOUT_CASES = [
    (None, None, (120, 36)),
    (None, None, (80, 24)),
    *[(area, tabs[0], (120, 36)) for area, tabs in screen_tabs().items() if area != "experiments"],
    ("sprint", "issues", (120, 36)),
    ("present", "okrs", (120, 36)),
]


@pytest.mark.parametrize(("area", "tab", "size"), LAYOUT_CASES)
def test_ten_thousand_characters_of_right_to_left_text_push_nothing_off_the_screen(
    tmp_path: Path, area: str | None, tab: str | None, size: tuple[int, int]
) -> None:
    """The same screen from the demo as it is and from the demo with long texts: every part
    keeps its place on the screen (a header may grow by up to two lines, where it is allowed
    three), and nothing shown before is pushed off."""
    (tmp_path / "plain").mkdir()
    plain = hostile_workspace(tmp_path / "plain", demo_at(FROZEN_NOW), "", FROZEN_NOW)
    (tmp_path / "long").mkdir()
    long = long_workspace(tmp_path / "long", FROZEN_NOW)
    before, _ = asyncio.run(_layout(plain, area, tab, Size(*size)))
    after, svg = asyncio.run(_layout(long, area, tab, Size(*size)))
    ET.fromstring(svg)
    assert "\u202e" not in svg
    if size[0] >= 120:
        assert "WWWWWWWWWW" in svg, "the long texts are on this screen"
    for name, (_, shown) in before.items():
        if not shown.area:
            continue
        assert name in after, f"{name} is gone"
        region, now_shown = after[name]
        assert now_shown.height >= shown.height - 2, f"{name} pushed off: {shown} → {region}"
        assert abs(now_shown.width - shown.width) <= 2, f"{name} resized: {shown} → {region}"
