"""The leaderboard at 50,000 runs: key → screen settled for sorts, filters and the cursor.

Builds 50,000 runs across 5 experiments in memory (`tests/widgets/test_leaderboard_sample.
many_runs`: half rank a loss, some values NaN or missing, each experiment with a champion),
builds the table's model as the app's worker does (timed, off the UI loop), hands it to the
real `LeaderboardScreen` in a host app, and drives it with the Pilot. Each key is timed from
the press until the screen is settled (the same method as `sprint_screen.py`: no message
pending, no layout or repaint outstanding, nothing waiting for the next refresh). Goal: p95 ≤
200 ms for every sort key and filter at 50,000 runs. The baseline, in the same process: a key
that updates one `Static` in a bare Textual app.

A sort key's first press computes its order (kept afterwards); both are reported. Typing in
the filter box is debounced (150 ms): the keystroke and the refill after the pause are timed
apart, as the user feels them apart.

Run: python benchmarks/leaderboard_screen.py [--runs N] [--size 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from sprint_screen import baseline, expect, p95, settled, timed  # noqa: E402


async def measure(size: int, runs: int) -> dict[str, list[float]]:
    from textual.app import App
    from textual.widgets import Input, Select

    from cockpit.analytics.run_table import SORT_KEYS
    from cockpit.leaderboard_runs import load_run_table
    from cockpit.screens.leaderboard import LeaderboardScreen
    from tests.widgets.test_leaderboard_sample import NOW, many_runs
    from widgets.run_table import RunTable

    results: dict[str, list[float]] = {"baseline: bare app key": await baseline(runs)}

    def add(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    data = many_runs(size)
    for _ in range(3):
        started = time.perf_counter()
        model = load_run_table(data, NOW)  # cleaned, then built: as the app's worker does
        model.index.prepare()
        add("  model built (worker thread, not the UI)", time.perf_counter() - started)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(LeaderboardScreen())

    app = Host()
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, LeaderboardScreen)
        started = time.perf_counter()
        screen.set_runs(model)
        await settled(pilot)
        add("runs handed to the screen (UI part)", time.perf_counter() - started)
        table = screen.query_one(RunTable)
        expect(len(table.view) == size, "the table shows every run")
        # First press of each sort key and direction: the order is computed.
        for _ in SORT_KEYS:
            add("sort s, first time for the key", await timed(pilot, "s"))
            add("sort S, first time for the key", await timed(pilot, "S"))
            await timed(pilot, "S")
        expect(screen.sort_key == "value", "s went round every key")
        for _ in range(runs):
            add("sort s (next key, order kept)", await timed(pilot, "s"))
            add("sort S (reverse, order kept)", await timed(pilot, "S"))
        for _ in range(runs):
            add("cursor down", await timed(pilot, "down"))
        add("cursor page down", await timed(pilot, "pagedown"))
        await timed(pilot, "slash")
        box = screen.query_one("#run-filter", Input)
        for n in range(runs):
            key = "backspace" if n % 2 else "7"
            add("filter keystroke", await timed(pilot, key))
            expect(box.value == ("" if n % 2 else "7"), "the keystroke reached the filter box")
            started = time.perf_counter()
            screen.flush_filter()  # what the 150 ms pause after typing does
            await settled(pilot)
            add("filter applied (the table refilled)", time.perf_counter() - started)
        for n in range(runs):
            # Fresh filters each time: nothing matched before (the last few are kept).
            text = f"run-{n + 1}{n % 10} user:{('ana', 'raj', 'mei')[n % 3]}"
            started = time.perf_counter()
            screen.set_filter(text=text)
            await settled(pilot)
            add("filter applied, new text with user: token", time.perf_counter() - started)
        screen.set_filter(text="")
        await timed(pilot, "escape")
        status = screen.query_one("#filter-status", Select)
        for n in range(runs):
            started = time.perf_counter()
            status.value = ("FAILED", "FINISHED", "RUNNING")[n % 3]
            await settled(pilot)
            add("status filter chosen", time.perf_counter() - started)
        for _ in range(runs):
            add("time window w", await timed(pilot, "w"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=50_000)
    args = parser.parse_args()
    results = asyncio.run(measure(args.size, args.runs))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Leaderboard screen, {args.size:,} runs across 5 experiments, wall time from key to")
    print(f"settled; goal p95 ≤ 200 ms for sorts and filters (peak RSS {peak_mb:.0f} MB)\n")
    for name, values in results.items():
        ms = [v * 1000 for v in values]
        print(f"    {name:<44} p50 {statistics.median(ms):8.1f} ms   p95 {p95(ms):8.1f} ms"
              f"   (n={len(ms)})")  # fmt: skip
    from benchmarks.figures import record

    timed_keys = {n: p95([v * 1000 for v in vs]) for n, vs in results.items()}
    base = next((t for n, t in timed_keys.items() if n.startswith("baseline")), 0.0)
    # The model is built on a worker thread (indented rows): not a key the user waits on.
    keys = {n: t for n, t in timed_keys.items() if not n.startswith(("baseline", " "))}
    if keys:
        worst = max(keys, key=keys.__getitem__)
        record("P3", f"leaderboard, {args.size:,} runs, worst key p95 ({worst})", keys[worst],
               "ms", 200, baseline=f"a key in a bare app, p95 {base:.1f} ms")  # fmt: skip
    record("P10", f"peak RSS, leaderboard at {args.size:,} runs", peak_mb, "MB", 400)
    print(json.dumps({"size": args.size, "peak_rss_mb": peak_mb}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
