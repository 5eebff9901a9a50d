"""P1 and P2: how fast the cockpit opens, measured against baselines in the same run.

P1  first paint of `cockpit demo` from a warm store, in a real terminal (tmux), against a bare
    Textual app with one static widget. Goal: ratio ≤ 1.3.
P2  wall time of `cockpit --help` and `cockpit status` (warm store), against `python -c pass`.
    Goal: ≤ 150 ms.

Run: python benchmarks/startup.py [--runs N]
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


def first_paint(command: str, marker: str, size: tuple[int, int] = (160, 48)) -> float:
    """Seconds from launching `command` in a fresh tmux window until `marker` is on screen."""
    session = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    env_prefix = "env -u PYTHONDONTWRITEBYTECODE TERM=xterm-256color "
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
    help_times = wall([*COCKPIT, "--help"], args.runs)
    status_times = wall([*COCKPIT, "--config", str(config), "status"], args.runs)
    print("P2  wall time (goal ≤ 150 ms)")
    print(f"    python -c pass (baseline)   {ms(baseline)}")
    print(f"    cockpit --help              {ms(help_times)}")
    print(f"    cockpit status (warm store) {ms(status_times)}")
    base = statistics.median(baseline)
    print(
        f"    ratio to baseline: --help {statistics.median(help_times) / base:.1f}x,"
        f" status {statistics.median(status_times) / base:.1f}x\n"
    )

    subprocess.run([*TMUX, "new-session", "-d", "-s", "keepalive", "sleep 3600"], check=True)
    bare_cmd = f"{PYTHON} {ROOT / 'benchmarks' / 'bare_app.py'}"
    demo_cmd = f"{PYTHON} -m cockpit demo --still --store {store}"
    first_paint(bare_cmd, "bare app ready")  # warm-up: bytecode and page cache
    first_paint(demo_cmd, "days left")
    bare, demo = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        bare.append(first_paint(bare_cmd, "bare app ready"))
        demo.append(first_paint(demo_cmd, "days left"))
    ratio = statistics.median(demo) / statistics.median(bare)
    print("P1  first paint in tmux, 160x48 (goal ratio ≤ 1.3)")
    print(f"    bare Textual app (baseline) {ms(bare)}")
    print(f"    cockpit demo, warm store    {ms(demo)}")
    print(f"    ratio {ratio:.2f}x")
    subprocess.run([*TMUX, "kill-server"], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
