"""The footer shows the keys of what has the focus, and rebuilds only the keys that change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from widgets.footer import KeyFooter


class Pane(Widget, can_focus=True):
    BINDINGS = [Binding("enter", "pick", "Details")]
    DEFAULT_CSS = "Pane { height: 3; }"

    def action_pick(self) -> None:
        pass


class SortPane(Widget, can_focus=True):
    BINDINGS = [Binding("s", "sort", "Sort"), Binding("x", "export", "Export")]
    DEFAULT_CSS = "SortPane { height: 3; }"
    can_export = True

    def action_sort(self) -> None:
        pass

    def action_export(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "export" and not self.can_export else True


class Host(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Pane(id="one")
        yield Pane(id="two")
        yield SortPane(id="sort")
        yield KeyFooter()


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def shown(app: App[None]) -> list[tuple[str, str, bool]]:
    return [
        (key.key, key.description, key.has_class("-disabled"))
        for key in app.screen.query(FooterKey)
        if key.key != app.COMMAND_PALETTE_BINDING
    ]


async def test_the_footer_follows_the_focus() -> None:
    app = Host()
    async with app.run_test(size=(100, 12)) as pilot:
        app.set_focus(app.query_one("#one"))
        await settle(pilot)
        assert shown(app) == [("enter", "Details", False), ("q", "Quit", False)]
        kept = [key for key in app.screen.query(FooterKey) if key.key != "enter"]
        app.set_focus(app.query_one("#sort"))
        await settle(pilot)
        assert shown(app) == [("s", "Sort", False), ("x", "Export", False), ("q", "Quit", False)]
        # Only the keys that changed were swapped: Quit and the palette are the same widgets.
        assert [key for key in app.screen.query(FooterKey) if key.key not in "sx"] == kept
        # A key turned off where the focus is: the footer greys it out.
        app.query_one(SortPane).can_export = False
        app.screen.refresh_bindings()
        await settle(pilot)
        assert shown(app) == [("s", "Sort", False), ("x", "Export", True), ("q", "Quit", False)]


async def test_a_focus_move_that_keeps_the_keys_rebuilds_nothing() -> None:
    app = Host()
    async with app.run_test(size=(100, 12)) as pilot:
        app.set_focus(app.query_one("#one"))
        await settle(pilot)
        before = list(app.screen.query(FooterKey))
        assert before
        app.set_focus(app.query_one("#two"))  # another pane with the same keys
        await settle(pilot)
        app.screen.refresh_bindings()
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == before
        assert all(key.is_attached for key in before)
