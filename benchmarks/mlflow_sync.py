"""P7: our MLflow sync plus ranking against the official client, on a real server of 50,000 runs.

Goal: the cockpit's full sync of 5 experiments (runs, the top runs' metric histories, the model
registry's aliases) written to its store, plus the ranking of the top 50 and the totals, takes
≤ 0.5× the time `mlflow.search_runs` (the official client) takes to return the same runs from
the same server, measured interleaved in the same run. Also reported: the re-sync's bytes
against the full sync's, after a few new runs.

The server is a real `mlflow server` (sqlite backend, on 127.0.0.1, its default 4 workers)
filled by benchmarks/mlflow_fill.py. Bytes are the cockpit's own count of the response bodies.

Run: python benchmarks/mlflow_sync.py [--runs 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402
from benchmarks.mlflow_fill import EXPERIMENTS, MlflowServer, add_runs, fill  # noqa: E402
from cockpit.analytics.experiments import summarize_experiments  # noqa: E402
from cockpit.clock import FrozenClock  # noqa: E402
from cockpit.config import MlflowSettings  # noqa: E402
from cockpit.kinds import LeaderboardSettings  # noqa: E402
from cockpit.sources import settings_key  # noqa: E402
from cockpit.store import Store  # noqa: E402
from cockpit.sync import SyncJob, sync_one  # noqa: E402
from integrations.mlflow import MlflowSource  # noqa: E402


def _settings(url: str) -> MlflowSettings:
    return MlflowSettings(
        url=url,
        experiments=list(EXPERIMENTS),
        models=["fraud-gbdt"],
        leaderboard=LeaderboardSettings(metric="val_auc", rank_by="best"),
        deadline=1800.0,
        read_timeout=600.0,
    )


def ours(url: str, store: Store, at: datetime) -> tuple[float, int, int, int]:
    """A sync into `store` and the dashboard's ranking: wall seconds, bytes, requests, runs."""
    settings = _settings(url)
    job = SyncJob(
        MlflowSource("mlflow", settings),
        connect_timeout=5.0,
        read_timeout=600.0,
        deadline=1800.0,
        settings_key=settings_key(settings),
    )
    started = time.perf_counter()
    outcome = asyncio.run(sync_one(job, store, FrozenClock(at)))
    if outcome.status != "ok":
        raise SystemExit(f"sync failed: {outcome.error}")
    stored = store.latest("mlflow")
    assert stored is not None and stored.snapshot.experiments is not None
    summary = summarize_experiments(stored.snapshot.experiments, at)
    wall = time.perf_counter() - started
    return wall, outcome.bytes_in, outcome.requests, summary.runs_total


def official(url: str, experiment_ids: list[str]) -> tuple[float, int]:
    import mlflow

    mlflow.set_tracking_uri(url)
    started = time.perf_counter()
    runs = mlflow.search_runs(experiment_ids=experiment_ids, max_results=100_000)
    return time.perf_counter() - started, len(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = MlflowServer(folder)
        try:
            now = datetime.now(UTC).replace(microsecond=0)
            made = fill(server, args.runs, now_ms=int(now.timestamp() * 1000))
            ids = list(made)
            print(f"mlflow server at {server.url}: {args.runs:,} runs in {len(ids)} experiments")
            base, mine = [], []
            full_bytes = 0
            for index in range(args.rounds):
                wall, count = official(server.url, ids)
                base.append(wall)
                print(f"  round {index + 1}: mlflow.search_runs {wall:6.1f} s ({count:,} runs)")
                store = Store(folder / f"cache-{index}.sqlite")
                wall, bytes_in, requests, total = ours(server.url, store, now)
                mine.append(wall)
                full_bytes = bytes_in
                print(
                    f"  round {index + 1}: cockpit sync + ranking {wall:6.1f} s "
                    f"({total:,} runs, {requests} requests, {bytes_in / 2**20:.1f} MiB)"
                )
            ratio = statistics.median(mine) / statistics.median(base)
            print(
                f"P7 medians: official {statistics.median(base):.1f} s, cockpit "
                f"{statistics.median(mine):.1f} s: {ratio:.2f}× (goal ≤ 0.5×)"
            )
            record("P7", f"MLflow sync + ranking of {args.runs:,} runs", ratio, "x", 0.5,
                   baseline=f"mlflow.search_runs {statistics.median(base):.1f} s")  # fmt: skip
            later = now + timedelta(minutes=20)
            add_runs(server, ids[0], 5, now_ms=int(later.timestamp() * 1000))
            store = Store(folder / f"cache-{args.rounds - 1}.sqlite")
            wall, bytes_in, requests, total = ours(server.url, store, later)
            print(
                f"re-sync after 5 new runs: {wall:.1f} s, {requests} requests, "
                f"{bytes_in / 2**10:.0f} KiB = {100 * bytes_in / full_bytes:.2f} % of a full "
                f"sync ({total:,} runs)"
            )
            record("P5", "MLflow re-sync after 5 new runs", 100 * bytes_in / full_bytes, "%", 5,
                   baseline=f"a full sync: {full_bytes / 2**20:.1f} MiB")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main()
