"""A filter's drop-down refilled from source data: labels stay literal, the choice is kept
while it is still offered, and no Changed message is posted."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Select

from widgets.select_options import refill


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[object] = []

    def compose(self) -> ComposeResult:
        yield Select([("ana", "ana")], id="who")

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changes.append(event.value)


async def test_refill_keeps_the_choice_and_shows_markup_as_text() -> None:
    app = Host()
    async with app.run_test() as pilot:
        select = app.query_one("#who", Select)
        select.value = "ana"
        await pilot.pause()
        app.changes.clear()
        refill(select, [("[b]mallory[/b]", "mallory"), ("ana", "ana")])
        await pilot.pause()
        assert select.value == "ana" and app.changes == []
        labels = [str(prompt) for prompt, _ in select._options]
        assert "[b]mallory[/b]" in labels  # literal, not bold "mallory"
        refill(select, [("ben", "ben")])
        await pilot.pause()
        assert select.value == Select.NULL and app.changes == []
