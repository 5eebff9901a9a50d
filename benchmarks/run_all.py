"""Every benchmark, then one table of every figure: `python benchmarks/run_all.py`.

Each script prints its own detailed report as it runs and records its headline figures
(`benchmarks/figures.py`). At the end this prints the machine and one table: each figure, what
it measures, its value, its goal, pass or miss, and the baseline it was measured against in the
same run. `--only P3,P9` runs the scripts behind those figures; `--update-docs` writes the table
into docs/performance.md between its markers. The exit status is 1 when a figure misses its goal
or a script fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.figures import FIGURES_ENV, machine, met, read, table  # noqa: E402

# Each script and the figures it records, in the order they run (quick ones first).
SCRIPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("team_overlap.py", ("P8",)),
    ("team_slots.py", ("P8",)),
    ("weekly_export.py", ("P9",)),
    ("startup.py", ("P1", "P2")),
    ("sync_all.py", ("P4",)),
    ("nomad.py", ("P4", "P5")),
    ("jira_sync.py", ("P5",)),
    ("sprint_screen.py", ("P3", "P10")),
    ("leaderboard_screen.py", ("P3", "P10")),
    ("scale.py", ("P1", "P3", "P10")),
    ("experiments_cache.py", ("P1", "P2")),
    ("focus_rollup.py", ("P6", "P10")),
    ("mlflow_sync.py", ("P5", "P7")),
)
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def update_docs(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    doc = path.read_text(encoding="utf-8")
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        head, _, rest = doc.partition(START)
        _, _, tail = rest.partition(END)
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + "\n\n## Every figure, one run\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="figures to run, e.g. P3,P9 (default: all)")
    parser.add_argument("--skip", default="", help="scripts to leave out, e.g. mlflow_sync.py")
    parser.add_argument("--update-docs", action="store_true", help="write docs/performance.md")
    args = parser.parse_args()
    wanted = {f.strip().upper() for f in args.only.split(",") if f.strip()}
    scripts = [s for s, figs in SCRIPTS if not wanted or wanted & set(figs)]
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    scripts = [s for s in scripts if (HERE / s).exists() and s not in skipped]

    results = Path(tempfile.mkdtemp(prefix="cockpit-figures-")) / "figures.jsonl"
    env = {**os.environ, FIGURES_ENV: str(results)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as a normal install has it
    failed: list[str] = []
    started = time.perf_counter()
    for script in scripts:
        print(f"\n=== {script}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)], env=env, cwd=ROOT).returncode:
            failed.append(script)
    rows = [r for r in read(results) if not wanted or r["figure"] in wanted]
    minutes = (time.perf_counter() - started) / 60
    summary = "\n".join(
        [
            f"Machine: {machine()}. {len(rows)} figures from {len(scripts)} scripts in "
            f"{minutes:.0f} min, {time.strftime('%Y-%m-%d')}.",
            "",
            table(rows),
        ]
    )
    print("\n" + summary)
    if failed:
        print(f"\nscripts that failed: {', '.join(failed)}")
    if args.update_docs:
        update_docs(summary)
    return 1 if failed or not all(met(r) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
