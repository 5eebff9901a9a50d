"""Blocking work that the user can walk away from.

A blocking HTTP call (python-jira, a keyring) cannot be interrupted from outside its thread.
`asyncio.to_thread` would put it in the event loop's small shared pool, which `asyncio.run`
joins at exit, and where a few hung calls starve every other source's store reads. So each
blocking fetch gets a daemon thread of its own: when the deadline fires, or the user quits or
presses Ctrl-C, the awaiting coroutine is cancelled at once and the thread is left to finish
(or die with the process) on its own, bounded by its own capped timeouts and cancel flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def run_abandonable(name: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on a new daemon thread; cancelling the await abandons the thread."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting side was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            result, error = None, exc
        # RuntimeError: the loop has closed, so nobody is waiting for this any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, result, error)

    threading.Thread(target=work, name=name, daemon=True).start()
    return await future


def map_abandonable(
    name: str, fn: Callable[[T], R], items: Iterable[T], workers: int
) -> Iterator[R]:
    """Like `ThreadPoolExecutor.map`, in order, but on daemon threads that an exiting process
    does not wait for (the executor's threads are joined at exit, hung or not)."""
    pending = list(items)
    results: list[tuple[R | None, BaseException | None]] = [(None, None)] * len(pending)
    done = [threading.Event() for _ in pending]
    next_index = iter(range(len(pending)))
    claim = threading.Lock()
    failed = threading.Event()  # one failure fails the whole map: stop starting new items

    def worker() -> None:
        while not failed.is_set():
            with claim:
                index = next(next_index, None)
            if index is None:
                return
            try:
                results[index] = (fn(pending[index]), None)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                results[index] = (None, exc)
                failed.set()
            done[index].set()

    for number in range(min(workers, len(pending))):
        threading.Thread(target=worker, name=f"{name}-{number}", daemon=True).start()
    for index, finished in enumerate(done):
        while not finished.wait(0.1):
            if failed.is_set():
                break
        result, error = results[index]
        if error is None and not finished.is_set():
            error = next(e for _, e in results if e is not None)
        if error is not None:
            raise error
        yield result  # type: ignore[misc]
