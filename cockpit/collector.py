"""When the cyclic garbage collector walks the whole heap: while the user is not typing.

A screen that is closed (the sprint screen, a detail screen) leaves tens of thousands of
Textual objects in reference cycles, and only a full collection frees them. Python starts
one whenever ten younger collections have run since the last, and opening a screen allocates
enough for that: two full collections of 45–140 ms landed inside every Enter on the Sprint
panel, on a 2-core machine, and so in the time a key takes to answer.

`IdleCollector` moves them between keys. While the app runs, a full collection starts on its
own only after ten times as many younger collections as Python's default (a backstop for long
bursts of typing), and once a second the app asks `tick()`: when no key or mouse event came
for `quiet` seconds and the younger collections have moved anything into the old generation
since the last full one, it collects then. The young generations are collected as before
(1–3 ms each). `stop()` gives Python its own thresholds back.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

QUIET_SECONDS = 1.0  # no input for this long: the user is reading, not typing
BACKSTOP = 10  # full collections start on their own after this × Python's count


class IdleCollector:
    def __init__(
        self,
        *,
        quiet: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self.quiet = quiet
        self.clock = clock
        self.collect = collect
        self.last_input = clock()
        self.saved: tuple[int, int, int] | None = None
        self.collections = 0  # full collections made while idle

    def start(self) -> None:
        if self.saved is None:
            self.saved = gc.get_threshold()
            young, middle, old = self.saved
            gc.set_threshold(young, middle, old * BACKSTOP)

    def stop(self) -> None:
        if self.saved is not None:
            gc.set_threshold(*self.saved)
            self.saved = None

    def input_seen(self) -> None:
        self.last_input = self.clock()

    def tick(self) -> bool:
        """Collect everything now if the user is idle and there is anything new to walk."""
        if self.saved is None or self.clock() - self.last_input < self.quiet:
            return False
        if not gc.isenabled():  # turned off on purpose (the command line, until the first frame)
            return False
        if gc.get_count()[2] == 0:  # no younger collection since the last full one
            return False
        self.collect()
        self.collections += 1
        return True
