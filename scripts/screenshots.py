"""Regenerate every picture in `screenshots/` from the demo workspace.

    .venv/bin/python scripts/screenshots.py [WORD ...]   # only the pictures named with WORD

Each picture is one `cockpit screenshot` run, in its own process (a fresh app each time). The
team pictures are taken in Europe/Berlin, so that the lead's zone is not UTC.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
TEAM_ZONE = "Europe/Berlin"

# (file name, size, extra arguments): the README's Screenshots section shows these.
SHOTS: list[tuple[str, str, list[str]]] = [
    ("dashboard-160x48.svg", "160x48", []),
    ("dashboard-80x24.svg", "80x24", []),
    ("dashboard-masked-160x48.svg", "160x48", ["--masked"]),
    ("sprint-140x42.svg", "140x42", ["--panel", "sprint"]),
    ("leaderboard-140x42.svg", "140x42", ["--panel", "experiments"]),
    ("cost-140x42.svg", "140x42", ["--panel", "cost"]),
    ("okrs-140x42.svg", "140x42", ["--panel", "okrs"]),
    ("team-140x42.svg", "140x42", ["--panel", "team"]),
    ("team-overlap-140x42.svg", "140x42", ["--screen", "team:overlap"]),
    ("present-sprint-120x36.svg", "120x36", ["--screen", "present:sprint"]),
    ("present-cost-masked-120x36.svg", "120x36", ["--screen", "present:cost", "--masked"]),
]


def main(argv: list[str]) -> int:
    """Every picture, or only those whose file names contain one of the arguments
    (`scripts/screenshots.py present` regenerates the present-mode pictures)."""
    OUT.mkdir(exist_ok=True)
    failed = 0
    for name, size, extra in SHOTS:
        if argv and not any(word in name for word in argv):
            continue
        env = dict(os.environ)
        if name.startswith("team"):
            env["TZ"] = TEAM_ZONE
        command = [sys.executable, "-m", "cockpit", "screenshot", "--demo", "--size", size]
        command += [*extra, "-o", str(OUT / name)]
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if done.returncode != 0:
            print(f"{name}: cockpit screenshot ended with {done.returncode}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
