"""P9: the weekly summary from a store holding twelve weeks of history (goal ≤ 300 ms).

A fresh store is filled as a team's cache would be after twelve weeks of use: the demo source
synced once a day for twelve weeks and every three hours over the last fourteen days (what the
retention rule keeps), each snapshot built for its own moment. Then, against that store:

- fresh process: `python -m cockpit --config C export --format md|html|json`, each run a new
  process (wall time of `subprocess.run`), compiled bytecode as an install has it; baselines in
  the same rounds: `python -c pass` and `cockpit status` on the same store;
- in-process: the same command through `cockpit.cli.main` (imports done, every read and render
  done again), with its parts: the two dashboards read from the store (`load_report` without
  rendering) and each renderer alone; baseline: `cockpit status` in-process.

Every side runs once per round, in turn, after a warm-up round, so that load hits all alike.
Medians and 95th percentiles of wall time, and the median CPU time (of the child process for
the fresh-process sides): on a shared machine the CPU time says what the work costs, the wall
time what a user would wait. Read the ratios.

Run: python benchmarks/weekly_export.py [--runs N] [--days 84]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402

PYTHON = sys.executable
GOAL_MS = 300.0
FORMATS = ("md", "html", "json")
# Users' installs keep compiled bytecode.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def fill_store(config: Path, now: datetime, days: int) -> int:
    """The demo synced daily for `days` days and every 3 h over the last 14: returns how many
    snapshots were written."""
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_user_workspace

    workspace = open_user_workspace(str(config))
    moments = {now - timedelta(days=d) for d in range(days, 0, -1)}
    moments |= {now - timedelta(hours=h) for h in range(14 * 24, -1, -3)}
    for moment in sorted(moments):
        workspace.hold_demo(FrozenClock(moment))  # as a sync at that moment builds it
        workspace.write_in_hand()
    return len(moments)


def process(command: list[str]) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(command, env=ENV, capture_output=True, check=True, cwd=ROOT)

    return run


def in_process(argv: list[str]) -> Callable[[], object]:
    from cockpit.cli import main

    def run() -> object:
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        if code != 0:
            raise RuntimeError(f"cockpit {' '.join(argv)} exited {code}")
        return code

    return run


def _cpu() -> float:
    """CPU seconds of this process and of its finished children: a child process's own cost,
    which load on a shared machine stretches far less than its wall time."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU milliseconds."""
    gc.collect()
    wall, cpu = time.perf_counter(), _cpu()
    work()
    return (time.perf_counter() - wall) * 1000, (_cpu() - cpu) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--days", type=int, default=84, help="days of history (84: 12 weeks)")
    args = parser.parse_args()

    from cockpit.export.weekly import render
    from cockpit.export.weekly_report import load_report
    from cockpit.export.weeks import last_full_week
    from cockpit.workspace import open_user_workspace

    work = Path(tempfile.mkdtemp(prefix="cockpit-p9-"))
    try:
        store, config = work / "history.sqlite", work / "config.toml"
        config.write_text(f'[cockpit]\nstore = "{store}"\n\n[sources.demo]\nkind = "demo"\n')
        now = datetime.now(UTC)
        started = time.perf_counter()
        written = fill_store(config, now, args.days)
        filled = time.perf_counter() - started
        size = store.stat().st_size / 2**20

        cockpit = [PYTHON, "-m", "cockpit", "--config", str(config)]
        sides: dict[str, Callable[[], object]] = {
            "baseline: python -c pass": process([PYTHON, "-c", "pass"]),
            "baseline: cockpit status": process([*cockpit, "status"]),
        }
        for fmt in FORMATS:
            sides[f"cockpit export --format {fmt}"] = process([*cockpit, "export", "--format", fmt])
        sides["in-process baseline: cockpit status"] = in_process(
            ["--config", str(config), "status"]
        )
        for fmt in FORMATS:
            sides[f"in-process: export --format {fmt}"] = in_process(
                ["--config", str(config), "export", "--format", fmt]
            )
        workspace = open_user_workspace(str(config))
        week = last_full_week(now)
        report = load_report(workspace, week, now)
        sides["  of which: load_report (two dashboards + build)"] = lambda: load_report(
            workspace, week, now
        )
        for fmt in FORMATS:
            sides[f"  of which: render {fmt}"] = lambda fmt=fmt: render(report, fmt)

        for side in sides.values():  # warm-up: bytecode, page cache, imports
            side()
        times: dict[str, list[float]] = {label: [] for label in sides}
        cpu: dict[str, list[float]] = {label: [] for label in sides}
        for _ in range(args.runs):
            for label, side in sides.items():
                wall_ms, cpu_ms = timed(side)
                times[label].append(wall_ms)
                cpu[label].append(cpu_ms)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"P9 weekly export: {written} demo snapshots over {args.days} days ({size:.1f} MiB,"
        f" filled in {filled:.0f} s), week {week.label}, {args.runs} rounds"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {os.cpu_count()} cores {platform.machine()}, {python},"
          f" load average {load:.1f} at the end")  # fmt: skip
    print()
    print(f"{'':<52}{'wall median':>14}{'p95':>10}{'CPU median':>14}")
    for label, values in times.items():
        print(
            f"{label:<52}{statistics.median(values):>11.1f} ms{p95(values):>7.1f} ms"
            f"{statistics.median(cpu[label]):>11.1f} ms"
        )
    print()
    met = True
    base = statistics.median(times["baseline: cockpit status"])
    for fmt in FORMATS:
        values = times[f"cockpit export --format {fmt}"]
        ok = statistics.median(values) <= GOAL_MS and p95(values) <= GOAL_MS
        met = met and ok
        print(f"goal: export --format {fmt} ≤ {GOAL_MS:.0f} ms (fresh process, median and p95):"
              f" {'met' if ok else 'NOT met'}; {statistics.median(values) / base:.2f}x"
              f" cockpit status")  # fmt: skip
        record("P9", f"cockpit export --format {fmt}, 12 weeks of history, fresh process, p95",
               p95(values), "ms", GOAL_MS, baseline=f"cockpit status {base:.0f} ms")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
