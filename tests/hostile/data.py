"""What the hostile-content tests feed every surface: the demo with every text of every record
tainted, in a cache as an older cockpit may have left it (records stored without the parsers'
cleaning). tests/test_hostile_text.py holds the poisoning helpers; this adds the tainted
texts the surfaces below must survive."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from pathlib import Path

from cockpit.workspace import Workspace
from tests.test_hostile_text import (
    FORBIDDEN,
    assert_harmless,
    demo_at,
    hostile_workspace,
    poison,
)

__all__ = [
    "ESCAPES",
    "FORBIDDEN",
    "LONG",
    "MARKUP",
    "assert_harmless",
    "escapes_workspace",
    "long_workspace",
    "no_markup_interpreted",
]

# Every kind of terminal attack, with Rich markup that would colour, link or close tags.
ESCAPES = (
    "[bold red]\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\\x1b]52;c;cm0gLXJmIH4=\x07"
    "\x1b[2J\x1bP+q544e\x1b\\\x07\x08\x08\u202e[link=https://evil.example]"
)
ESCAPES_END = "[/link][/]\x9b1m\x9d0;x\x9c\x00\x7f\u2066\r\n\t[/]\x1b"
MARKUP = "[bold red]"  # must come out as literal text
# 10,000 characters without a space (nothing to wrap on), a right-to-left run and an override.
LONG = "W" * 10_000 + " עברית العربية \u202etxt.exe"


def escapes_workspace(folder: Path, at: datetime) -> Workspace:
    snapshot = poison(demo_at(at), lambda text: ESCAPES + text + ESCAPES_END)
    return hostile_workspace(folder, snapshot, f"demo: said {ESCAPES}", at)


def _lengthen(text: str) -> str:
    # One text in eight (the same each time, so ids still match): the demo holds thousands of
    # texts, and 10,000 characters on every one would be hundreds of megabytes.
    # Empty texts stay empty: a note that appears would be new content, not a longer one.
    return text + LONG if text and zlib.crc32(text.encode()) % 8 == 0 else text


def long_workspace(folder: Path, at: datetime) -> Workspace:
    snapshot = poison(demo_at(at), _lengthen)
    return hostile_workspace(folder, snapshot, f"demo: said {LONG}", at)


def no_markup_interpreted(text: str, where: str) -> None:
    """Rich markup from data shows as typed; none of it became a link."""
    assert MARKUP in text.replace("&#160;", " "), (
        f"{where}: the markup in the data was not shown as typed"
    )
    assert_harmless(text, where)
    assert not re.search(r"<a\b[^>]*evil\.example", text), f"{where}: a link from the data"
