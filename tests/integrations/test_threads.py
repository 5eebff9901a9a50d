"""Blocking work on daemon threads that a deadline, `q` or Ctrl-C can walk away from."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from integrations.threads import map_abandonable, run_abandonable


async def test_the_result_and_the_error_come_back_to_the_caller() -> None:
    assert await run_abandonable("adder", lambda a, b: a + b, 2, 3) == 5

    def broken() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await run_abandonable("broken", broken)


async def test_cancelling_the_wait_leaves_the_thread_behind_at_once() -> None:
    release = threading.Event()
    task = asyncio.create_task(run_abandonable("stuck", release.wait, 30))
    await asyncio.sleep(0.05)
    began = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - began < 0.5
    (stuck,) = [t for t in threading.enumerate() if t.name == "stuck"]
    assert stuck.daemon  # an exiting process does not wait for it
    release.set()  # the thread finishes later; its result goes nowhere, without an error
    stuck.join(timeout=5)
    assert not stuck.is_alive()


def test_map_keeps_the_order_and_runs_at_once() -> None:
    def slow_square(n: int) -> int:
        time.sleep(0.2)
        return n * n

    began = time.monotonic()
    assert list(map_abandonable("squares", slow_square, range(6), workers=6)) == [
        0, 1, 4, 9, 16, 25,
    ]  # fmt: skip
    assert time.monotonic() - began < 1.0


def test_map_raises_the_first_failure_and_stops_starting_new_items() -> None:
    started: list[int] = []

    def fail_on_two(n: int) -> int:
        started.append(n)
        if n == 2:
            raise RuntimeError("item 2 failed")
        return n

    with pytest.raises(RuntimeError, match="item 2 failed"):
        list(map_abandonable("failing", fail_on_two, range(50), workers=1))
    assert len(started) < 50
