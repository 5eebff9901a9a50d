"""A REAL `mlflow server` for the MLflow source's tests, filled with the official client.

Not a fake: `mlflow server` 3.17.2 (the `mlflow` package is in the `test` extra only; the
cockpit itself never imports it) with a sqlite backend in a temporary folder, on 127.0.0.1 and
a free port, one worker. It takes about 10 s to start, so `mlflow_world` is session-scoped.

What it holds (`fill`), made with `mlflow.MlflowClient` as a team would:

* `fraud-gbdt`: six runs by three people logging `val_auc` and `val_loss` over 5 steps, where
  the best value is not the last one (the runs overfit); one FAILED, one still RUNNING (started
  an hour ago), one deleted, one whose `val_auc` went NaN;
* `ranker-v3`: three runs logging only `ndcg` (no metric configured: it is picked);
* `asr-finetune`: two runs logging `eval/wer` (renamed to `wer` in the config);
* the `Default` experiment, empty;
* registered model `fraud-model`: version 1 from run `fraud-3` (alias `champion`), version 2
  from `fraud-1` (alias `challenger`); `asr-model`: one version and no alias at all.

Tests that change the server (the re-sync tests add and delete runs) work in experiments of
their own, so the others see the same world whatever the order.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.fault_server import Reply
from tests.fakes.loopback import LoopbackHandler, LoopbackServer

MLFLOW = Path(sys.executable).with_name("mlflow")
START_TIMEOUT = 90.0  # seconds; it starts in about 10 on this machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MlflowServer:
    """`mlflow server` in a folder of its own; `stop()` ends it (and only it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # A private home and no tracking URI from the environment: nothing outside the folder.
        env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}
        env["HOME"] = str(self.folder)
        command = [
            str(MLFLOW), "server",
            "--backend-store-uri", f"sqlite:///{self.folder / 'mlflow.db'}",
            "--default-artifact-root", str(self.folder / "artifacts"),
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.folder,
                start_new_session=True,  # its own process group, stopped as one
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        ends = time.monotonic() + START_TIMEOUT
        while time.monotonic() < ends:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer /health in {START_TIMEOUT:.0f}s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # The server runs uvicorn under the `mlflow` CLI: its process group goes together.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        # Its job-runner workers may outlive the CLI for a while: none is left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=10)


@dataclass
class MlflowWorld:
    """The running server and what `fill` put in it, by label."""

    url: str
    now: datetime  # when it was filled
    experiments: dict[str, str] = field(default_factory=dict)  # name -> id
    runs: dict[str, str] = field(default_factory=dict)  # label -> run id
    deleted: set[str] = field(default_factory=set)  # run ids


# (label, user, status, val_auc by step, val_loss by step, params)
FRAUD_RUNS = (
    ("fraud-1", "priya", "FINISHED", (0.80, 0.86, 0.91, 0.89, 0.88), (0.50, 0.40, 0.31, 0.33, 0.36),
     {"lr": "0.1", "max_depth": "6"}),
    ("fraud-2", "diego", "FINISHED", (0.78, 0.84, 0.87, 0.87, 0.86), (0.52, 0.44, 0.38, 0.37, 0.39),
     {"lr": "0.05", "max_depth": "8"}),
    ("fraud-3", "priya", "FINISHED", (0.82, 0.85, 0.86, 0.90, 0.84), (0.49, 0.42, 0.40, 0.30, 0.41),
     {"lr": "0.02", "max_depth": "6"}),
    ("fraud-failed", "lena", "FAILED", (0.70, 0.71), (0.60, 0.59),
     {"lr": "0.5", "max_depth": "12"}),
    ("fraud-nan", "diego", "FINISHED", (0.75, math.nan), (0.55, math.nan),
     {"lr": "3.0", "max_depth": "6"}),
    ("fraud-deleted", "lena", "FINISHED", (0.99,), (0.01,), {"lr": "0.01", "max_depth": "4"}),
)  # fmt: skip


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def fill(url: str) -> MlflowWorld:
    """Experiments, runs with histories, a deleted run, a running run, a failed run, registered
    models with aliases: everything through the official client."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    now = datetime.now(UTC).replace(microsecond=0)
    world = MlflowWorld(url=url, now=now)

    def run(
        experiment: str,
        label: str,
        user: str,
        started: datetime,
        histories: dict[str, tuple[float, ...]],
        params: dict[str, str],
        status: str | None = "FINISHED",
    ) -> str:
        created = client.create_run(
            world.experiments[experiment],
            start_time=ms(started),
            tags={"mlflow.user": user, "team": "risk"},
            run_name=label,
        )
        run_id = created.info.run_id
        metrics = [
            Metric(key, value, ms(started) + step * 60_000, step)
            for key, values in histories.items()
            for step, value in enumerate(values)
        ]
        client.log_batch(
            run_id,
            metrics=metrics,
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag("mlflow.note.content", f"notes for {label}")],
        )
        if status is not None:
            client.set_terminated(run_id, status, end_time=ms(started + timedelta(minutes=42)))
        world.runs[label] = run_id
        return run_id

    for name in ("fraud-gbdt", "ranker-v3", "asr-finetune"):
        world.experiments[name] = client.create_experiment(name, tags={"team": "risk"})
    world.experiments["Default"] = "0"

    for day, (label, user, status, auc, loss, params) in enumerate(FRAUD_RUNS):
        started = now - timedelta(days=6 - day)
        run("fraud-gbdt", label, user, started, {"val_auc": auc, "val_loss": loss}, params, status)
    client.delete_run(world.runs["fraud-deleted"])
    world.deleted.add(world.runs["fraud-deleted"])
    run(
        "fraud-gbdt", "fraud-running", "wei", now - timedelta(hours=1),
        {"val_auc": (0.60, 0.70), "val_loss": (0.70, 0.60)}, {"lr": "0.03", "max_depth": "7"},
        status=None,
    )  # fmt: skip

    for i, ndcg in enumerate(((0.40, 0.52), (0.45, 0.47), (0.30, 0.55))):
        run("ranker-v3", f"ranker-{i + 1}", "arjun", now - timedelta(days=3 - i), {"ndcg": ndcg},
            {"layers": str(i + 2)})  # fmt: skip
    for i, wer in enumerate(((0.30, 0.21, 0.24), (0.28, 0.25, 0.22))):
        run("asr-finetune", f"asr-{i + 1}", "maya", now - timedelta(days=2 - i),
            {"eval/wer": wer}, {"lr": "1e-4"})  # fmt: skip

    client.create_registered_model("fraud-model")
    for label in ("fraud-3", "fraud-1"):
        run_id = world.runs[label]
        client.create_model_version(
            "fraud-model", f"runs:/{run_id}/model", run_id=run_id, await_creation_for=0
        )
    client.set_registered_model_alias("fraud-model", "champion", "1")
    client.set_registered_model_alias("fraud-model", "challenger", "2")
    client.create_registered_model("asr-model")
    run_id = world.runs["asr-1"]
    client.create_model_version(
        "asr-model", f"runs:/{run_id}/model", run_id=run_id, await_creation_for=0
    )
    return world


@pytest.fixture(scope="session")
def mlflow_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowWorld]:
    """One real MLflow server for the session, filled once. Import this fixture into a test
    module to use it; a second module importing it gets a second server."""
    if not MLFLOW.exists() or shutil.which(str(MLFLOW)) is None:
        pytest.skip("the `mlflow` package (the `test` extra) is not installed")
    server = MlflowServer(tmp_path_factory.mktemp("mlflow"))
    server.start()
    try:
        yield fill(server.url)
    finally:
        server.stop()


# --- a scripted stand-in, for the faults a real server will not produce ------------------


class _ScriptedHandler(LoopbackHandler["ScriptedMlflow"]):
    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.owner._answer(self.command, self.path, dict(self.headers), body)
        if reply.hang:
            self.owner._sleep()  # until the server stops
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_GET


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    endpoint: str  # after /api/2.0/mlflow/, without the query
    query: str
    headers: dict[str, str]
    body: bytes


class ScriptedMlflow(LoopbackServer):
    """Answers each MLflow endpoint as scripted: a reply per endpoint (the last one repeats),
    404 for anything else; records every request. For 401, malformed JSON, 500 and a missing
    alias's 400, which the real server (without auth, and healthy) does not give on demand."""

    handler_class = _ScriptedHandler
    label = "the scripted MLflow"
    thread_name = "scripted-mlflow"

    def __init__(self, replies: dict[str, Reply | list[Reply]] | None = None) -> None:
        super().__init__()
        self.replies: dict[str, list[Reply]] = {
            endpoint: list(answer) if isinstance(answer, list) else [answer]
            for endpoint, answer in (replies or {}).items()
        }
        self.seen: list[SeenRequest] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, endpoint: str) -> int:
        return sum(1 for request in self.seen if request.endpoint == endpoint)

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        route, _, query = path.partition("?")
        endpoint = route.removeprefix("/api/2.0/mlflow/")
        with self._lock:
            self.seen.append(SeenRequest(method, endpoint, query, headers, body))
            queue = self.replies.get(endpoint)
            if not queue:
                return Reply.json({"error_code": "ENDPOINT_NOT_FOUND"}, 404)
            return queue.pop(0) if len(queue) > 1 else queue[0]
