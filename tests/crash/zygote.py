"""A forking launcher for `cockpit sync`, so that a test can kill -9 hundreds of syncs quickly.

A fresh interpreter costs about half a second to import the cockpit and its integrations; a
fork of this process, which has imported them once, starts a sync in a few milliseconds. Each
child is a separate process running `cockpit.cli.main(argv)`, exactly what
`python -m cockpit sync` runs, except that its clock is frozen (so that two syncs of the same
inputs write the same snapshot, which the test compares with). This process starts no thread
before it forks.

Protocol (one JSON object a line): the test writes {"argv", "now", "env", "timing", "die",
"output"} ("now": null for the real clock; "output": a file for what the child prints);
this answers {"pid"} at once and {"pid", "status"} when the child ends (status: the exit code,
or minus the signal that ended it). `timing`: a file the child appends the monotonic times of
its write (start, end) to. `die`: "before-commit" or "after-commit" makes the child kill itself
with SIGKILL inside its snapshot write, just before its COMMIT, or right after.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

# Imported by a sync's worker thread, lazily: once here instead of in every child.
import holidays  # noqa: F401

# Everything a sync of these kinds imports, loaded once before any fork.
import cockpit.cli
import cockpit.sources
import cockpit.store
import cockpit.sync
import cockpit.workspace
from cockpit.clock import FrozenClock


def _instrument(request: dict) -> None:
    """In the child: record the write window, or die at a chosen point of the write."""
    store_cls = cockpit.store.Store
    original_write = store_cls.write_snapshot
    original_insert = store_cls._insert_attempt
    timing = request.get("timing")
    die = request.get("die")

    def write_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.monotonic()
        original_write(self, *args, **kwargs)
        if timing:
            with open(timing, "a") as out:
                out.write(f"{began} {time.monotonic()}\n")
        if die == "after-commit":
            os.kill(os.getpid(), signal.SIGKILL)

    def insert_attempt(conn, attempt):  # type: ignore[no-untyped-def]
        original_insert(conn, attempt)
        if die == "before-commit" and conn.in_transaction:
            os.kill(os.getpid(), signal.SIGKILL)  # every row inserted, COMMIT not yet run

    store_cls.write_snapshot = write_snapshot  # type: ignore[method-assign]
    store_cls._insert_attempt = staticmethod(insert_attempt)  # type: ignore[method-assign]


def _child(request: dict) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    output = request.get("output")
    printed = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND) if output else devnull
    for fd in (1, 2):
        os.dup2(printed, fd)
    os.environ.update(request.get("env", {}))
    if request.get("now"):  # None: the real clock
        moment = cockpit.cli.datetime.fromisoformat(request["now"])
        cockpit.cli._clock = lambda at=None: FrozenClock(moment)  # type: ignore[assignment]
    _instrument(request)
    code = 1
    try:
        code = cockpit.cli.main(request["argv"])
    finally:
        os._exit(code)


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"pid": pid, "status": code}), flush=True)


if __name__ == "__main__":
    main()
