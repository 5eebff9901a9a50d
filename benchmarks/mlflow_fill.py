"""A real `mlflow server` holding many runs, for the P7 benchmark.

The server is the real one (`mlflow server`, sqlite backend, on 127.0.0.1), created and
migrated by itself. Experiments and the registered model with its aliases are made through its
REST API. The runs themselves (50,000 with their metrics, histories, params and tags) are
inserted into the server's own tables in one SQL transaction: logging them through the client
one by one would take most of an hour on this machine, and what is measured is reading them
back, which goes through the server's normal search path either way.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

EXPERIMENTS = ("fraud-gbdt", "ranker-v3", "asr-finetune", "churn-xgb", "forecast-tft")
USERS = ("priya", "diego", "lena", "aroha", "wei", "arjun", "tom", "maya")
METRICS = ("val_auc", "val_loss", "train_loss", "val_f1", "val_precision", "val_recall")
HISTORY_METRICS = ("val_auc", "val_loss")
PARAMS = (
    "lr", "batch_size", "max_depth", "n_estimators", "subsample", "feature_set", "dropout",
    "optimizer", "seed", "epochs",
)  # fmt: skip
STEPS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MlflowServer:
    """`mlflow server` in a folder of its own (4 workers, its default); stopped by `stop()`."""

    def __init__(self, folder: Path, *, workers: int = 4) -> None:
        self.folder = folder
        self.db = folder / "mlflow.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        mlflow = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
        self._log = open(folder / "server.log", "wb")  # noqa: SIM115 (kept open while it runs)
        self._process = subprocess.Popen(
            [
                mlflow, "server", "--backend-store-uri", f"sqlite:///{self.db}",
                "--default-artifact-root", str(folder / "artifacts"),
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
        )  # fmt: skip
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mlflow server did not start; see {self.folder / 'server.log'}")

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/2.0/mlflow/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"{}")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()


def fill(server: MlflowServer, runs: int, *, now_ms: int, seed: int = 7) -> dict[str, list[str]]:
    """Create the experiments, `runs` runs spread over them, and a champion and a challenger.

    Returns each experiment's id and its run ids (oldest first)."""
    rng = random.Random(seed)
    ids = {
        name: server.call("POST", "experiments/create", {"name": name})["experiment_id"]
        for name in EXPERIMENTS
    }
    made: dict[str, list[str]] = {eid: [] for eid in ids.values()}
    rows_runs, rows_latest, rows_metrics, rows_params, rows_tags = [], [], [], [], []
    span_ms = 120 * 86_400_000
    for index in range(runs):
        eid = list(ids.values())[index % len(ids)]
        run_id = uuid.UUID(int=rng.getrandbits(128)).hex
        start = now_ms - span_ms + index * span_ms // runs
        roll = rng.random()
        status = "FAILED" if roll < 0.06 else "KILLED" if roll < 0.08 else "FINISHED"
        running = index >= runs - 20
        end = None if running else start + rng.randint(600_000, 6 * 3_600_000)
        user = rng.choice(USERS)
        name = f"{rng.choice(('amber', 'brave', 'calm', 'keen'))}-{index}"
        rows_runs.append(
            (run_id, name, "LOCAL", "train.py", "", user, "RUNNING" if running else status,
             start, end, "", "active", f"/tmp/art/{run_id}", int(eid))
        )  # fmt: skip
        # An AUC-like score that improves over the months; never above 0.99.
        quality = min(0.80 + 0.15 * (index / runs) + rng.gauss(0, 0.02), 0.99)
        peak = rng.randint(3, STEPS - 1)
        for step in range(STEPS):
            t = start + step * 60_000
            shape = 1 - abs(step - peak) / STEPS
            rows_metrics.append(("val_auc", quality * (0.9 + 0.1 * shape), t, run_id, step, 0))
            rows_metrics.append(
                ("val_loss", (1 - quality) * (1.1 - 0.1 * shape), t, run_id, step, 0)
            )
        last_t = start + (STEPS - 1) * 60_000
        final = {
            "val_auc": quality * (0.9 + 0.1 * (1 - abs(STEPS - 1 - peak) / STEPS)),
            "val_loss": (1 - quality) * (1.1 - 0.1 * (1 - abs(STEPS - 1 - peak) / STEPS)),
            "train_loss": (1 - quality) * 0.8,
            "val_f1": quality - 0.05,
            "val_precision": quality - 0.03,
            "val_recall": quality - 0.07,
        }
        for key, value in final.items():
            rows_latest.append((key, value, last_t, STEPS - 1, 0, run_id))
            if key not in HISTORY_METRICS:
                rows_metrics.append((key, value, last_t, run_id, STEPS - 1, 0))
        for key in PARAMS:
            rows_params.append(
                (key, str(rng.choice((0.01, 0.03, 0.1, 64, 128, "v7", "v8"))), run_id)
            )
        rows_tags += [("mlflow.user", user, run_id), ("mlflow.runName", name, run_id),
                      ("team", "ml-platform", run_id)]  # fmt: skip
        made[eid].append(run_id)
    with sqlite3.connect(server.db, timeout=30) as db:
        db.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, "
                       "entry_point_name, user_id, status, start_time, end_time, source_version, "
                       "lifecycle_stage, artifact_uri, experiment_id) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows_runs)  # fmt: skip
        db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                       " VALUES (?,?,?,?,?,?)", rows_latest)  # fmt: skip
        db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                       " VALUES (?,?,?,?,?,?)", rows_metrics)  # fmt: skip
        db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)", rows_params)
        db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", rows_tags)
    first = next(iter(made))
    server.call("POST", "registered-models/create", {"name": "fraud-gbdt"})
    for version, run_id in enumerate(made[first][-400::200], start=1):
        server.call(
            "POST",
            "model-versions/create",
            {"name": "fraud-gbdt", "source": f"runs:/{run_id}/model", "run_id": run_id},
        )
        alias = "champion" if version == 1 else "challenger"
        server.call(
            "POST",
            "registered-models/alias",
            {"name": "fraud-gbdt", "alias": alias, "version": str(version)},
        )
    return made


def add_runs(server: MlflowServer, experiment: str, count: int, *, now_ms: int) -> None:
    """A few new finished runs, as a team at work adds between two syncs."""
    rng = random.Random(now_ms)
    with sqlite3.connect(server.db, timeout=30) as db:
        for index in range(count):
            run_id = uuid.uuid4().hex
            start = now_ms - (index + 1) * 60_000
            db.execute(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, f"new-{index}", "LOCAL", "train.py", "", "priya", "FINISHED", start,
                 start + 30_000, "", "active", f"/tmp/art/{run_id}", int(experiment)),
            )  # fmt: skip
            value = 0.9 + rng.random() * 0.05
            db.execute(
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                " VALUES ('val_auc', ?, ?, 0, 0, ?)",
                (value, start, run_id),
            )
            db.execute(
                "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                " VALUES ('val_auc', ?, ?, ?, 0, 0)",
                (value, start, run_id),
            )
