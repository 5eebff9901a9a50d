"""Refilling a filter's drop-down when the data behind it changes: shared by the sprint
screen's issue table and the leaderboard."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.text import Text
from textual.widgets import Select


def refill(select: Select[Hashable], options: Sequence[tuple[str | Text, Hashable]]) -> None:
    """Give `select` new options, keeping the chosen value while it is still offered, without
    posting `Select.Changed` (nothing the user did changed). Labels are plain text: Textual
    reads a string label as markup, and a name from a source is never markup."""
    values = [(Text(label) if isinstance(label, str) else label, value) for label, value in options]
    keep = select.value
    with select.prevent(Select.Changed):
        select.set_options(values)
        if keep != Select.NULL and any(value == keep for _, value in values):
            select.value = keep
