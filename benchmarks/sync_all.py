"""P4: a full sync of every network source at once, each 150 ms away, against the slowest alone.

Every network source the cockpit has (Jira Cloud and Data Center, MLflow, W&B, AWS Cost
Explorer on moto, OpenCost, Azure, an OKR file by URL) runs on its local fake behind the
fault-injecting proxy of the tests (`tests/faults/`), which adds 150 ms to every answer. The
figure is `cockpit sync` of all of them against the slowest one synced alone, in the same
rounds, interleaved: sources sync side by side, so all of them together should cost about as
much as the slowest. Goal (ours; the issue names none): ≤ 1.25×.

Each sync is the real command (`python -m cockpit --config … sync`) in a fresh process on a
fresh store, with bytecode as an install has it.

Run: python benchmarks/sync_all.py [--rounds N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402
from tests.faults.sources import Rig, network_sources, now_utc  # noqa: E402

GOAL_RATIO = 1.25


def write_config(folder: Path, rigs: list[Rig], name: str) -> Path:
    store = folder / f"{name}.sqlite"
    blocks = [f'[cockpit]\nstore = "{store}"\n']
    for rig in rigs:
        blocks.append(f"[sources.{rig.name}]\n{rig.block}")
    path = folder / f"{name}.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def timed_sync(config: Path, env: dict[str, str], only: str | None = None) -> float:
    command = [sys.executable, "-m", "cockpit", "--config", str(config), "sync"]
    if only:
        command += ["--source", only]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[3:])} failed ({done.returncode}):\n{done.stdout}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.150)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cockpit-p4-"))
    with network_sources(now_utc()) as rigs:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for rig in rigs:
            env.update(rig.env)
            rig.proxy.set(latency_down=args.latency)
        together: list[float] = []
        alone: dict[str, list[float]] = {rig.name: [] for rig in rigs}
        timed_sync(write_config(folder, rigs, "warm-up"), env)  # bytecode, page cache
        for n in range(args.rounds):
            together.append(timed_sync(write_config(folder, rigs, f"all-{n}"), env))
            for rig in rigs:
                config = write_config(folder, [rig], f"{rig.name}-{n}")
                alone[rig.name].append(timed_sync(config, env, rig.name))
    medians = {name: statistics.median(times) for name, times in alone.items()}
    slowest = max(medians, key=medians.__getitem__)
    ratio = statistics.median(together) / medians[slowest]
    print(f"P4  full sync of {len(rigs)} network sources, {args.latency * 1000:.0f} ms added to"
          f" every answer, {args.rounds} rounds, medians (fresh process, fresh store)")  # fmt: skip
    for name, value in sorted(medians.items(), key=lambda kv: -kv[1]):
        print(f"    {name + ' alone':<28}{value:6.2f} s")
    print(f"    {'all together':<28}{statistics.median(together):6.2f} s"
          f"  = {ratio:.2f}x the slowest ({slowest}); goal ≤ {GOAL_RATIO}x:"
          f" {'met' if ratio <= GOAL_RATIO else 'NOT met'}")  # fmt: skip
    against = f"the slowest alone ({slowest}) {medians[slowest]:.2f} s"
    what = f"full sync of {len(rigs)} sources, {args.latency * 1000:.0f} ms each"
    record("P4", what, ratio, "x", GOAL_RATIO, baseline=against)
    return 0 if ratio <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
