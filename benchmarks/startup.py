"""P1 and P2: how fast the cockpit opens, measured against baselines in the same run.

P1  first paint of `cockpit demo` in a real terminal (tmux), against a bare Textual app with one
    static widget: as a user runs it (a new private store), and from a warm `--store`; with
    compiled bytecode as an install has it, and once more with none (every module compiled at
    start, for both apps). Goal: ratio ≤ 1.3.
P2  wall time of every headless command (`--help`, `status`, `status --json`, `export`, and the
    `--demo` forms of `status`, `export` and `doctor`), against `python -c pass`.
    Goal: ≤ 150 ms.

Run: python benchmarks/startup.py [--runs N] [--no-bytecode-runs N]
Numbers are medians; this machine is shared, so read the ratios, not single figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402

PYTHON = sys.executable
COCKPIT = [PYTHON, "-m", "cockpit"]
# Users' installs keep compiled bytecode; a machine that forbids writing it would measure the
# compiler instead of the cockpit.
# A private tmux server, kept alive by an idle session, so killing one measured session never
# takes the server down under the next one.
TMUX = ["tmux", "-L", f"cockpit-bench-{os.getpid()}"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, env=ENV, capture_output=True, check=True, cwd=ROOT)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=ENV, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times


def first_paint(
    command: str, marker: str, size: tuple[int, int] = (160, 48), *, env_prefix: str = ""
) -> float:
    """Seconds from launching `command` in a fresh tmux window until `marker` is on screen."""
    session = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    env_prefix = env_prefix or "env -u PYTHONDONTWRITEBYTECODE TERM=xterm-256color "
    started = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
         env_prefix + command],
        check=True,
    )  # fmt: skip
    try:
        deadline = started + 30
        while time.perf_counter() < deadline:
            screen = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if marker in screen:
                return time.perf_counter() - started
            time.sleep(0.005)
        raise RuntimeError(f"{marker!r} never appeared for {command}")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms (min {min(values) * 1000:.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-bytecode-runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed for P1 (apt-get install tmux)", file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix="cockpit-bench-"))
    store = work / "demo.sqlite"
    config = work / "config.toml"
    config.write_text(f'[cockpit]\nstore = "{store}"\n\n[sources.demo]\nkind = "demo"\n')
    subprocess.run([*COCKPIT, "--config", str(config), "sync"], env=ENV, check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip

    print(f"cockpit start-up benchmarks, {args.runs} runs each, medians\n")
    baseline = wall([PYTHON, "-c", "pass"], args.runs)
    base = statistics.median(baseline)
    headless = {
        "cockpit --help": [*COCKPIT, "--help"],
        "cockpit status (warm store)": [*COCKPIT, "--config", str(config), "status"],
        "cockpit status --json": [*COCKPIT, "--config", str(config), "status", "--json"],
        "cockpit export": [*COCKPIT, "--config", str(config), "export"],
        "cockpit status --demo": [*COCKPIT, "status", "--demo"],
        "cockpit export --demo": [*COCKPIT, "export", "--demo"],
        "cockpit doctor --demo": [*COCKPIT, "doctor", "--demo"],
    }
    print("P2  wall time (goal ≤ 150 ms)")
    print(f"    {'python -c pass (baseline)':<30}{ms(baseline)}")
    for label, command in headless.items():
        times = wall(command, args.runs)
        ratio = statistics.median(times) / base
        print(f"    {label:<30}{ms(times)}  {ratio:.1f}x")
        record("P2", f"{label}, wall time", statistics.median(times) * 1000, "ms", 150,
               baseline=f"python -c pass {base * 1000:.0f} ms")  # fmt: skip
    print()

    subprocess.run([*TMUX, "new-session", "-d", "-s", "keepalive", "sleep 3600"], check=True)
    bare_cmd = f"{PYTHON} {ROOT / 'benchmarks' / 'bare_app.py'}"
    cold_cmd = f"{PYTHON} -m cockpit demo --still"  # as a user runs it: a new private store
    warm_cmd = f"{PYTHON} -m cockpit demo --still --store {store}"
    marker = "days left"
    first_paint(bare_cmd, "bare app ready")  # warm-up: bytecode and page cache
    first_paint(cold_cmd, marker)
    first_paint(warm_cmd, marker)
    bare, cold, warm = [], [], []
    for _ in range(args.runs):  # interleaved, so all see the same machine load
        bare.append(first_paint(bare_cmd, "bare app ready"))
        cold.append(first_paint(cold_cmd, marker))
        warm.append(first_paint(warm_cmd, marker))
    print("P1  first paint in tmux, 160x48 (goal ratio ≤ 1.3)")
    print(f"    {'bare Textual app (baseline)':<30}{ms(bare)}")
    for label, times in (("cockpit demo (new store)", cold), ("cockpit demo --store (warm)", warm)):
        ratio = statistics.median(times) / statistics.median(bare)
        print(f"    {label:<30}{ms(times)}  {ratio:.2f}x")
        record("P1", f"first paint, {label}", ratio, "x", 1.3,
               baseline=f"bare Textual app {statistics.median(bare) * 1000:.0f} ms")  # fmt: skip

    if args.no_bytecode_runs:
        # No bytecode anywhere: an empty pycache prefix, and nothing written to it.
        empty = work / "no-pycache"
        prefix = f"env PYTHONDONTWRITEBYTECODE=1 PYTHONPYCACHEPREFIX={empty} TERM=xterm-256color "
        bare_nb, cold_nb = [], []
        for _ in range(args.no_bytecode_runs):
            bare_nb.append(first_paint(bare_cmd, "bare app ready", env_prefix=prefix))
            cold_nb.append(first_paint(cold_cmd, marker, env_prefix=prefix))
        ratio = statistics.median(cold_nb) / statistics.median(bare_nb)
        print(f"    without bytecode ({args.no_bytecode_runs} runs): bare {ms(bare_nb)},"
              f" cockpit demo {ms(cold_nb)}  {ratio:.2f}x")  # fmt: skip
    subprocess.run([*TMUX, "kill-server"], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
