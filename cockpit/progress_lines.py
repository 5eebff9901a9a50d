"""`cockpit sync`'s live progress: one line per source on a terminal, redrawn in place.

The lines go to stderr and are wiped when the sync ends, so what stays on screen (and all
that stdout ever gets) is the per-source result lines. They are drawn only when stderr is a
terminal: piped or redirected, `cockpit sync` prints nothing but its results.

Each line is cut to the terminal's width, so none wraps and moving the cursor up by the
number of lines always lands on the first one. The sync never waits for the drawing: the
lines are redrawn from `Progress.read()` a few times a second, on the event loop, between
the sync's own steps.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Mapping
from typing import TextIO, TypeVar

from cockpit.formatting import byte_size
from integrations.base import Progress, ProgressView

T = TypeVar("T")

REDRAW_SECONDS = 0.25  # four redraws a second: live enough, and nothing for a quick sync
CLEAR_LINE = "\x1b[2K"
CLEAR_BELOW = "\x1b[J"


def wanted(stream: TextIO) -> bool:
    """Live lines only on a real terminal that understands cursor moves."""
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def progress_line(name: str, view: ProgressView, name_width: int = 0) -> str:
    """`jira  1,200 of 5,000 issues  240/s  5s  2.1 MiB`."""
    parts = [f"{name:<{name_width}}", view.describe() or "starting"]
    rate = view.rate()
    if rate is not None and not view.outcome:
        parts.append(f"{rate:,.0f}/s")
    parts.append(_seconds(view.elapsed))
    if view.bytes_in:
        parts.append(byte_size(view.bytes_in))
    return "  ".join(parts)


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


class ProgressLines:
    """One line per source, redrawn in place on `stream` (a terminal)."""

    def __init__(self, progress: Mapping[str, Progress], stream: TextIO) -> None:
        self.progress = progress
        self.stream = stream
        self.drawn = 0  # lines on screen now; the cursor is at the end of the last one
        self.name_width = max((len(name) for name in progress), default=0)

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        # A terminal that does not say its size (0) gets $COLUMNS, else 80.
        return columns or shutil.get_terminal_size((80, 24)).columns

    def _home(self) -> str:
        """Back to the start of the first line drawn."""
        return "\r" + (f"\x1b[{self.drawn - 1}A" if self.drawn > 1 else "")

    def draw(self) -> None:
        if not self.progress:
            return
        room = max(self._width() - 1, 10)  # never the last column: some terminals wrap there
        lines = [
            progress_line(name, progress.read(), self.name_width)[:room]
            for name, progress in self.progress.items()
        ]
        text = self._home() + "\n".join(CLEAR_LINE + line for line in lines)
        self.drawn = len(lines)
        self._write(text)

    def clear(self) -> None:
        if self.drawn:
            self._write(self._home() + CLEAR_BELOW)
            self.drawn = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the sync goes on
            pass


async def showing_progress(work: Awaitable[T], lines: ProgressLines | None) -> T:
    """Await `work`, redrawing `lines` meanwhile; they are wiped however it ends. Nothing is
    drawn for work that ends within the first redraw interval."""
    if lines is None:
        return await work
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _pending = await asyncio.wait({task}, timeout=REDRAW_SECONDS)
            if done:
                break
            lines.draw()
    except BaseException:  # Ctrl-C: the sync stops with the lines
        task.cancel()
        raise
    finally:
        lines.clear()
    return task.result()
