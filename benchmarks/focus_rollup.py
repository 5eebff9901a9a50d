"""P6: FOCUS roll-ups from a 5-million-row Parquet file and a 1-million-row gzipped CSV, against
a plain pandas read and group-by in the same run.

Goals: the cockpit's reader (`integrations.focus.rollup_files`) builds the roll-ups at least 5×
faster than pandas, with a peak RSS of at most 1.5 GB, and a re-sync when no file changed
(`previous` = the first result) takes at most 0.2 s.

The files are made by the tests' own FOCUS generator (`tests/focus_files.py: write_focus`), in a
temporary folder or `--dir`, once: a file already there is reused, and generating is not part of
any figure (its time is printed). Then, for each file, `--runs` rounds, each side in a fresh
Python process of its own (so that its peak RSS, `ru_maxrss`, is its own), in alternating order
so that the machine's load hits both alike:

* pandas, as a user does it: `pd.read_parquet(path)` / `pd.read_csv(path)` of the whole file,
  then the same roll-up (day × provider × service × account × region × category × currency ×
  the tag keys, summing the cost column) with `groupby`;
* the cockpit: `rollup_files([path], ...)`, then re-syncs with nothing changed, in the same
  process (a re-sync runs in the app that did the first one).

The work is timed inside each process, after its imports (printed apart). Both sides must give
the same total per currency (within 1e-6 relative), or the script fails: a benchmark that
compares different work is worthless.

pandas' plain read of 5 million Parquet lines peaks near 15 GB: each child asks the kernel to
end it first if memory runs short, and a round waits until the memory its side peaked at is
free. `--pandas-arrow` adds pandas with `dtype_backend="pyarrow"` as a third side (a faster
read, a slower group-by). The exit status is 1 when a goal is not met.

Run: python benchmarks/focus_rollup.py [--rows 5000000] [--csv-rows 1000000] [--runs 3]
                                       [--dir DIR] [--quick] [--pandas-arrow]
Numbers are medians; this machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Compiled bytecode as an install has it.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
COST_COLUMN = "EffectiveCost"
# FocusSettings' default tag keys (the contract of issue 9).
TAG_KEYS = (
    "team",
    "project",
    "experiment",
    "mlflow_experiment",
    "mlflow_run_id",
    "run_id",
    "wandb_project",
    "wandb_run_id",
)
RESYNCS = 5
GOAL_RATIO = 5.0
GOAL_RSS_MB = 1500.0
GOAL_RESYNC_S = 0.2
TOLERANCE = 1e-6


# --- the files ---------------------------------------------------------------------------------


def make_file(path: Path, rows: int) -> float:
    """Writes `path` with the tests' generator unless it is there; returns the seconds it took
    (0 when reused)."""
    if path.exists():
        return 0.0
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    code = (
        "import sys; from pathlib import Path; from tests.focus_files import write_focus;"
        " write_focus(Path(sys.argv[1]), rows=int(sys.argv[2]), fmt=sys.argv[3])"
    )
    fmt = "parquet" if path.suffix == ".parquet" else "csv.gz"
    made = subprocess.run(
        [PYTHON, "-c", code, str(partial), str(rows), fmt], env=ENV, capture_output=True, text=True
    )
    if made.returncode:
        sys.stderr.write(made.stderr)
        raise SystemExit(f"could not generate {path} (exit {made.returncode})")
    partial.rename(path)  # a half-written file is never reused
    return time.perf_counter() - started


# --- the two sides, each run in a child process ------------------------------------------------


def coalesce(df: Any, *names: str) -> Any:
    """The first of `names` that holds a value, row by row ("" when none does): FOCUS 1.3
    renames ProviderName, and conditional columns may be missing altogether."""
    import pandas as pd

    present = [df[n] for n in names if n in df.columns]
    if not present:
        return pd.Series("", index=df.index, dtype="str")
    out = present[0]
    for other in present[1:]:
        out = out.fillna(other)
    return out.fillna("").astype("str")


def parse_tags(value: Any) -> dict[str, str]:
    """Tags as a JSON string (CSV, most Parquet exports) or a map (Parquet's list of pairs)."""
    if isinstance(value, str):
        pairs = json.loads(value).items() if value else ()
    elif isinstance(value, list):
        pairs = value
    else:  # None, NaN or NA: no tags
        return {}
    return {str(k).lower(): str(v) for k, v in pairs}


def pandas_side(path: Path, *, arrow: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (pandas' engine, imported on first use)

    imported = time.perf_counter()
    # `arrow`: pyarrow-backed columns, a tuned read (decimals and maps stay Arrow arrays
    # instead of one Python object a cell); the plain read is the figure.
    options: dict[str, Any] = {"dtype_backend": "pyarrow"} if arrow else {}
    if path.suffix == ".parquet":
        df = pd.read_parquet(path, **options)
    else:
        df = pd.read_csv(path, **options)
    read = time.perf_counter()
    tags = df["Tags"].map(parse_tags) if "Tags" in df.columns else None
    keys = pd.DataFrame(
        {
            "day": pd.to_datetime(df["ChargePeriodStart"], utc=True, format="ISO8601").dt.floor(
                "D"
            ),
            "provider": coalesce(df, "ServiceProviderName", "ProviderName"),
            "service": coalesce(df, "ServiceName"),
            "account": coalesce(df, "SubAccountName", "SubAccountId"),
            "region": coalesce(df, "RegionId", "RegionName"),
            "category": coalesce(df, "ServiceCategory"),
            "currency": coalesce(df, "BillingCurrency").str.upper(),
        }
    )
    for key in TAG_KEYS:
        keys[f"tag:{key}"] = "" if tags is None else tags.map(lambda d, k=key: d.get(k, ""))
    keys["amount"] = df[COST_COLUMN].astype("float64")  # Parquet decimals arrive as objects
    rollup = keys.groupby(list(keys.columns[:-1]), sort=False, dropna=False)["amount"].sum()
    done = time.perf_counter()
    totals = rollup.groupby(level="currency").sum()
    return {
        "import_s": imported - started,
        "work_s": done - imported,
        "read_s": read - imported,
        "lines": len(df),
        "groups": len(rollup),
        "totals": {str(c): float(v) for c, v in totals.items()},
    }


def cockpit_side(path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    import duckdb  # noqa: F401  (the reader's engine, which it may import on first use)

    from integrations.focus import rollup_files

    imported = time.perf_counter()
    first = rollup_files([path], cost_column=COST_COLUMN, tag_keys=TAG_KEYS, previous=None)
    done = time.perf_counter()
    resyncs = []
    for _ in range(RESYNCS):
        before = time.perf_counter()
        again = rollup_files([path], cost_column=COST_COLUMN, tag_keys=TAG_KEYS, previous=first)
        resyncs.append(time.perf_counter() - before)
        if again.rows != first.rows:
            raise SystemExit("a re-sync with nothing changed gave other roll-ups")
    totals: dict[str, float] = {}
    for row in first.rows:
        totals[row.currency] = totals.get(row.currency, 0.0) + row.amount
    # Not part of the goal: what the store does with these roll-ups on every sync (encode
    # the snapshot to write it, decode the previous one to hand it to the source).
    from cockpit.codec import decode_snapshot, encode_snapshot
    from cockpit.models import Snapshot

    before = time.perf_counter()
    payload = encode_snapshot(Snapshot(cost=first))
    encoded = time.perf_counter()
    decode_snapshot(payload)
    decoded = time.perf_counter()
    return {
        "import_s": imported - started,
        "work_s": done - imported,
        "lines": sum(f.lines for f in first.files),
        "groups": len(first.rows),
        "totals": totals,
        "resync_s": resyncs,
        "snapshot_mb": len(payload) / 2**20,
        "encode_s": encoded - before,
        "decode_s": decoded - encoded,
    }


def child(side: str, path: Path) -> None:
    # pandas' plain read of 5 million lines peaks near 15 GB: on a shared machine running
    # short of memory, the kernel should end this process rather than someone else's.
    with contextlib.suppress(OSError):  # not Linux
        Path("/proc/self/oom_score_adj").write_text("1000")
    if side == "cockpit":
        result = cockpit_side(path)
    else:
        result = pandas_side(path, arrow=side == "pandas-arrow")
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def available_mb() -> float | None:
    """MemAvailable (Linux), or None where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def wait_for_memory(needed_mb: float, patience_s: float = 600) -> None:
    """Waits until `needed_mb` (what this side peaked at last round, plus a margin) is free,
    so that a round does not push other programs on the machine out of memory."""
    deadline = time.monotonic() + patience_s
    told = False
    while (free := available_mb()) is not None and free < needed_mb:
        if time.monotonic() > deadline:
            raise SystemExit(f"waited {patience_s:.0f} s for {needed_mb:,.0f} MB of free memory")
        if not told:
            print(f"    waiting for {needed_mb:,.0f} MB of free memory ({free:,.0f} now)")
            told = True
        time.sleep(5)


def run_side(side: str, path: Path, last: dict[str, Any] | None = None) -> dict[str, Any]:
    if last is not None:
        wait_for_memory(last["rss_mb"] * 1.1 + 1024)
    done = subprocess.run(
        [PYTHON, __file__, "--child", side, str(path)],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        why = " (killed: out of memory?)" if done.returncode == -9 else ""
        raise SystemExit(f"the {side} side failed on {path.name} (exit {done.returncode}){why}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- measuring and reporting -------------------------------------------------------------------


def same_totals(a: dict[str, float], b: dict[str, float]) -> bool:
    if set(a) != set(b):
        return False
    return all(math.isclose(a[c], b[c], rel_tol=TOLERANCE, abs_tol=1e-6) for c in a)


def med(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} s (min {min(values):.2f})"


def bench(path: Path, runs: int, sides: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """`runs` rounds of every side, the order turning each round so no side always goes first
    (or always runs after a page cache warmed by another)."""
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    for n in range(runs):
        for side in sides[n % len(sides) :] + sides[: n % len(sides)]:
            last = results[side][-1] if results[side] else None
            results[side].append(run_side(side, path, last))
            print(f"    round {n + 1} {side:<13}{results[side][-1]['work_s']:7.2f} s", flush=True)
    reference = results["cockpit"]
    for side in sides:
        for mine, theirs in zip(results[side], reference, strict=True):
            if not same_totals(mine["totals"], theirs["totals"]):
                raise SystemExit(
                    f"{path.name}: the totals differ, {side} {mine['totals']} against the"
                    f" cockpit {theirs['totals']}: the sides did not do the same work"
                )
    return results


LABELS = {
    "pandas": "pandas read + group-by",
    "pandas-arrow": "pandas, pyarrow dtypes",
    "cockpit": "cockpit rollup_files",
}


def report(label: str, path: Path, results: dict[str, list[dict[str, Any]]]) -> bool:
    cockpit = results["cockpit"]
    base = med(results["pandas"], "work_s")
    totals = ", ".join(f"{c} {v:,.2f}" for c, v in sorted(cockpit[0]["totals"].items()))
    print(f"  {label}: {path.name}, {path.stat().st_size / 2**20:.1f} MiB,"
          f" {cockpit[0]['lines']:,} lines; totals {totals} (every side agrees)")  # fmt: skip
    print("    roll-up rows: " + ", ".join(f"{s} {r[0]['groups']:,}" for s, r in results.items()))
    for side, rounds in results.items():
        read = f"read alone {med(rounds, 'read_s'):.2f} s; " if "read_s" in rounds[0] else ""
        print(f"    {LABELS[side]:<24}{seconds([r['work_s'] for r in rounds])}"
              f"  ({read}imports {med(rounds, 'import_s'):.2f} s)"
              f"  peak RSS {max(r['rss_mb'] for r in rounds):6.0f} MB"
              f"  {base / med(rounds, 'work_s'):5.1f}x")  # fmt: skip
    ratio = base / med(cockpit, "work_s")
    rss = max(r["rss_mb"] for r in cockpit)
    resyncs = [s for r in cockpit for s in r["resync_s"]]
    resync = statistics.median(resyncs)
    print(f"    re-sync, nothing changed {statistics.median(resyncs) * 1000:.2f} ms"
          f" (max {max(resyncs) * 1000:.2f})"
          f" ({RESYNCS} a round)")  # fmt: skip
    print(f"    the roll-ups as a stored snapshot: {cockpit[0]['snapshot_mb']:.1f} MiB,"
          f" encode {med(cockpit, 'encode_s') * 1000:.0f} ms,"
          f" decode {med(cockpit, 'decode_s') * 1000:.0f} ms (the store's part)")  # fmt: skip
    checks = (
        (f"{ratio:.1f}x faster than pandas (goal >= {GOAL_RATIO:g}x)", ratio >= GOAL_RATIO),
        (f"peak RSS {rss:.0f} MB (goal <= {GOAL_RSS_MB:g})", rss <= GOAL_RSS_MB),
        (f"re-sync {resync * 1000:.1f} ms (goal <= {GOAL_RESYNC_S * 1000:g})",
         resync <= GOAL_RESYNC_S),
    )  # fmt: skip
    print("    " + "; ".join(f"{text}: {'met' if ok else 'NOT MET'}" for text, ok in checks))
    _record(label, ratio, rss, resync, base)
    print()
    return all(ok for _text, ok in checks)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="Parquet billing lines")
    parser.add_argument("--csv-rows", type=int, default=None, help="gzipped CSV lines (rows / 5)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of each side (medians)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files are kept")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200,000 rows, 1 run")
    parser.add_argument(
        "--pandas-arrow",
        action="store_true",
        help="also pandas with dtype_backend='pyarrow' (a tuned read, for comparison)",
    )
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if args.quick:
        args.rows, args.runs = 200_000, 1
    csv_rows = args.csv_rows or args.rows // 5
    folder = args.dir or Path(tempfile.gettempdir()) / "cockpit-focus-bench"
    folder.mkdir(parents=True, exist_ok=True)
    # A file is reused only if the generator that made it has not changed since.
    tag = hashlib.sha256((ROOT / "tests" / "focus_files.py").read_bytes()).hexdigest()[:8]
    files = (
        ("Parquet", folder / f"focus-{args.rows}-{tag}.parquet", args.rows),
        ("gzipped CSV", folder / f"focus-{csv_rows}-{tag}.csv.gz", csv_rows),
    )
    for label, path, rows in files:
        took = make_file(path, rows)
        state = f"generated in {took:.1f} s" if took else "reused"
        print(f"{label}: {rows:,} lines, {path} ({state})")
    print(f"\nP6  FOCUS roll-ups, {args.runs} round(s) of each side; {load()}\n")
    sides = ("pandas", "cockpit") + (("pandas-arrow",) if args.pandas_arrow else ())
    met = True
    for label, path, _rows in files:
        print(f"  {label} ...", flush=True)
        met &= report(label, path, bench(path, args.runs, sides))
    print(f"after: {load()}")
    return 0 if met else 1


def _record(label: str, ratio: float, rss: float, resync: float, base: float) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.figures import record

    against = f"pandas read + group-by {base:.1f} s"
    record("P6", f"FOCUS roll-ups, {label}, speed-up", ratio, "x", GOAL_RATIO,
           better="higher", baseline=against)  # fmt: skip
    record("P6", f"FOCUS re-sync, nothing changed, {label}", resync * 1000, "ms",
           GOAL_RESYNC_S * 1000)  # fmt: skip
    record("P10", f"peak RSS, FOCUS roll-ups, {label}", rss, "MB", GOAL_RSS_MB)


if __name__ == "__main__":
    sys.exit(main())
