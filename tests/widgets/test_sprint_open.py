"""Opening the sprint screen does its work once: the footer is built for the board's keys only,
and a column that scrolls has its scrollbar from the first layout."""

from __future__ import annotations

import msgspec
import pytest

from cockpit.analytics.sprint import SprintSummary
from tests.widgets.conftest import AppFactory
from tests.widgets.test_sprint_behaviour import open_sprint
from tests.widgets.test_sprint_sample import install_sample
from tests.widgets.test_sprint_scale import long_board
from widgets.footer import KeyFooter
from widgets.sprint_board import CardColumn, SprintBoard


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> dict[str, SprintSummary]:
    return install_sample(monkeypatch)


async def test_the_footer_is_built_once_for_the_board(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        built: list[list[str]] = []
        rebuild = KeyFooter.recompose

        async def counted(footer: KeyFooter) -> None:
            await rebuild(footer)
            if footer.screen.name == "sprint":
                built.append([str(key.key) for key in footer.children])

        monkeypatch.setattr(KeyFooter, "recompose", counted)
        screen = await open_sprint(pilot)
        assert isinstance(screen.focused, SprintBoard)
        # Once, with the board's keys (the tab strip had the focus for a moment before).
        assert len(built) == 1
        keys = [key.key for key in screen.query_one(KeyFooter).query("FooterKey")]
        assert keys[0] == "enter"


def test_a_column_takes_at_least_four_lines_a_card_at_any_width() -> None:
    column = CardColumn(SprintBoard(), 0)
    column.issues = long_board()
    for width in range(8, 80):
        assert column.lines_at_least() <= column._tops_for(width)[-1]


async def test_a_long_column_scrolls_from_its_first_layout(
    make_app: AppFactory, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample["summary"] = msgspec.structs.replace(sample["summary"], issues=long_board())
    placed: list[tuple[int, bool]] = []
    place = CardColumn._place_cards

    def watched(column: CardColumn) -> None:
        # The scrollbar as the column is first given its size.
        placed.append((column.index, column.show_vertical_scrollbar))
        place(column)

    monkeypatch.setattr(CardColumn, "_place_cards", watched)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sprint(pilot)
        board = screen.query_one(SprintBoard)
        todo = board.board_columns().index("To Do")
        first = next(shown for index, shown in placed if index == todo)
        assert first  # the long column had its scrollbar when its cards were first placed
