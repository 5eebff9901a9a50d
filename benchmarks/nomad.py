"""Nomad figures: the cockpit on a café's Wi-Fi (1 Mbit/s, 300 ms), and what AWS bills a day.

Every network source (as in `sync_all.py`) sits behind the tests' fault-injecting proxy set to
1 Mbit/s each way with 300 ms added to every round trip. Measured, in the running TUI (driven
by Textual's Pilot, headless) as a user meets it:

- a full sync (fresh store) and a re-sync with nothing changed: wall time, and the bytes that
  crossed the slow link (counted by the proxies, both ways);
- the UI's longest freeze meanwhile: a task on the app's event loop asks to wake every 20 ms
  and records how late it wakes. Goal: no stall over 100 ms (the eye sees a hitch);
- the re-sync's bytes against the full sync's (P5 on a slow link; goal ≤ 5 %).

And the paid AWS Cost Explorer calls a day under the default settings (each costs $0.01):
one sync of the default `aws-cost` source against moto counts its paid calls, times the syncs
a day its default refresh allows, capped by its default daily allowance.

Run: python benchmarks/nomad.py [--bandwidth BYTES_PER_S] [--rtt SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402
from tests.faults.sources import network_sources, now_utc  # noqa: E402

FREEZE_GOAL_MS = 100.0
VERBOSE = "-v" in sys.argv
RESYNC_GOAL_PERCENT = 5.0


def config_text(rigs: list[dict], store: Path) -> str:
    blocks = [f'[cockpit]\nstore = "{store}"\n']
    blocks += [f"[sources.{rig['name']}]\n{rig['block']}" for rig in rigs]
    return "\n".join(blocks)


async def sync_in_tui(config: Path) -> tuple[float, float]:
    """Open the TUI on `config`, sync every source, wait until every sync ended. Returns the
    wall time and the longest the event loop was late to wake."""
    from cockpit.app import CockpitApp
    from cockpit.clock import SystemClock
    from cockpit.workspace import open_user_workspace

    workspace = open_user_workspace(str(config))
    worst = 0.0
    done = False
    started = time.perf_counter()
    stalls: list[tuple[float, float, list[str]]] = []

    async def watch_the_loop() -> None:
        nonlocal worst
        while not done:
            asked = time.perf_counter()
            await asyncio.sleep(0.02)
            late = time.perf_counter() - asked - 0.02
            if late > 0.05:
                stalls.append((time.perf_counter() - started, late, sorted(app.syncing)))
            worst = max(worst, late)

    app = CockpitApp(workspace, SystemClock(), poll=False, sync_on_start=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await asyncio.sleep(0.5)  # the first frame and its charts: not what is measured
        watcher = asyncio.create_task(watch_the_loop())
        started = time.perf_counter()
        await pilot.press("r")  # sync every source now, as a user does
        while not app.syncing and time.perf_counter() - started < 5:
            await asyncio.sleep(0.01)
        while app.syncing and time.perf_counter() - started < 600:
            await pilot.press("right")  # a user moving between panels meanwhile
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - started
        done = True
        await watcher
    if VERBOSE:
        for at, late, syncing in stalls:
            print(f"      stall {late * 1000:.0f} ms at {at:.1f} s, syncing {syncing}")
    return wall, worst


def paid_calls_a_day(rigs: list[dict], folder: Path) -> tuple[int, int, str]:
    """(paid calls one sync made, calls a day, how) for the AWS source with its defaults."""

    from cockpit.cli import main as cockpit_main
    from cockpit.kinds import AwsCostSettings
    from cockpit.store import Store

    aws = next(rig for rig in rigs if rig["name"] == "aws")
    # The rig raises the allowance and skips Budgets for the fault matrix; put the defaults back.
    block = re.sub(r"(?m)^(daily_paid_calls|budgets) = .*\n", "", aws["block"])
    store = folder / "aws.sqlite"
    config = folder / "aws.toml"
    config.write_text(f'[cockpit]\nstore = "{store}"\n\n[sources.aws]\n{block}', "utf-8")
    cockpit_main(["--config", str(config), "sync"])
    one_sync = Store(store).paid_calls_used("aws", datetime.now(UTC).date())
    defaults = AwsCostSettings()
    syncs = int(24 * 60 // defaults.refresh_minutes)
    a_day = min(one_sync * syncs, defaults.daily_paid_calls)
    how = (
        f"{one_sync} a sync × {syncs} syncs (refresh every {defaults.refresh_minutes:g} min),"
        f" allowance {defaults.daily_paid_calls}"
    )
    return one_sync, a_day, how


def serve(bandwidth: int, rtt: float) -> int:
    """The child: every fake source and its proxy, in a process of their own (in the TUI's
    process their threads would take the GIL from the event loop and count as UI stalls).
    Prints the rigs as JSON, then answers each line on stdin with the bytes each proxy moved."""
    import json
    import os

    with network_sources(now_utc()) as rigs:
        for rig in rigs:
            rig.proxy.set(latency_up=rtt / 2, latency_down=rtt / 2, bandwidth=bandwidth)
        described = [{"name": r.name, "block": r.block, "env": r.env} for r in rigs]
        print(json.dumps(described), flush=True)
        for line in sys.stdin:
            if line.strip() == "clear":
                for rig in rigs:
                    rig.proxy.clear()
            counts = {r.name: r.proxy.bytes_up + r.proxy.bytes_down for r in rigs}
            print(json.dumps(counts), flush=True)
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bandwidth", type=int, default=125_000, help="bytes/s (1 Mbit/s)")
    parser.add_argument("--rtt", type=float, default=0.300, help="seconds added a round trip")
    parser.add_argument("-v", action="store_true", help="list every stall over 50 ms")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.bandwidth, args.rtt)
    import json
    import os
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="cockpit-nomad-"))
    store = folder / "cache.sqlite"
    config = folder / "config.toml"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--bandwidth", str(args.bandwidth),
         "--rtt", str(args.rtt)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    rigs = json.loads(child.stdout.readline())
    for rig in rigs:
        os.environ.update(rig["env"])
    config.write_text(config_text(rigs, store), encoding="utf-8")

    def crossed(command: str = "count") -> dict[str, int]:
        child.stdin.write(command + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    results = {}
    try:
        for label in ("full sync", "re-sync, nothing changed"):
            before = crossed()
            wall, freeze = asyncio.run(sync_in_tui(config))
            after = crossed()
            moved = {name: after[name] - before[name] for name in after}
            results[label] = (wall, moved, freeze)
        crossed("clear")
        _one_sync, a_day, how = paid_calls_a_day(rigs, folder)
    finally:
        child.kill()

    link = f"{args.bandwidth * 8 / 1e6:g} Mbit/s, {args.rtt * 1000:.0f} ms"
    print(f"Nomad: {len(rigs)} network sources through a {link} link, in the TUI")
    for label, (wall, moved, freeze) in results.items():
        print(f"    {label:<26}{wall:7.1f} s  {sum(moved.values()) / 1024:9.1f} KiB"
              f"  longest UI stall {freeze * 1000:6.1f} ms")  # fmt: skip
        print("        " + ", ".join(f"{n} {b / 1024:.1f}" for n, b in moved.items()) + " KiB")
    full = sum(results["full sync"][1].values())
    quiet = sum(results["re-sync, nothing changed"][1].values())
    share = 100 * quiet / full if full else 0.0
    print(f"    re-sync moved {share:.1f} % of a full sync's bytes")
    print(f"AWS Cost Explorer paid calls a day, default settings: {a_day} ({how}),"
          f" ${a_day * 0.01:.2f} a day")  # fmt: skip
    for label, (wall, _moved, freeze) in results.items():
        record("P4", f"{label} in the TUI over {link}: longest UI stall", freeze * 1000, "ms",
               FREEZE_GOAL_MS, baseline=f"the sync took {wall:.1f} s")  # fmt: skip
    record("P5", f"re-sync bytes over {link}, every source", share, "%", RESYNC_GOAL_PERCENT,
           baseline=f"a full sync: {full / 1024:.0f} KiB")  # fmt: skip
    record("P5", "AWS paid calls a day, default settings", a_day, "calls", 3, baseline=how)
    return 0


if __name__ == "__main__":
    sys.exit(main())
