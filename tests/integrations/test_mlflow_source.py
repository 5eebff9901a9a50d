"""The MLflow source end to end against a REAL `mlflow server` 3.17.2 (sqlite, 127.0.0.1),
filled with the official client: the sync engine, the store, the shared HTTP client."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import LeaderboardSettings, MlflowSettings
from cockpit.models import ExperimentData, Secret, Snapshot
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations import mlflow as mlflow_source
from integrations.base import (
    Deadline,
    FetchContext,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
    SourceUnreachable,
)
from integrations.http import HttpClient
from integrations.mlflow import RUNS_SEARCHES, MlflowSource
from integrations.retry import RetryPolicy
from tests.conftest import FROZEN_NOW
from tests.fakes.fault_server import Reply
from tests.fakes.mlflow_server import MlflowWorld, ScriptedMlflow, mlflow_world, ms

__all__ = ["mlflow_world"]  # the session fixture: one real server for this module's tests

BULK = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"
FAST_RETRY = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)
BOARD = LeaderboardSettings(
    per_experiment={"fraud-gbdt": "val_auc"}, rename={"eval/wer": "wer"}, history_runs=50
)


def settings(url: str, **overrides: Any) -> MlflowSettings:
    options: dict[str, Any] = {
        "url": url,
        "experiments": ["fraud-gbdt", "ranker-v3", "asr-finetune"],
        "leaderboard": BOARD,
    }
    options.update(overrides)
    return MlflowSettings(**options)


def sync(source: MlflowSource, store: Store, token: Secret | None = None) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=5.0, read_timeout=20.0, deadline=60.0)
    return asyncio.run(sync_one(job, store, FrozenClock(FROZEN_NOW), secret=lambda _: token))


class Recording(httpx.AsyncBaseTransport):
    """The real transport, keeping each answer's endpoint and JSON body."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.answers: list[tuple[str, Any]] = []
        self.histories: list[str] = []  # the run ids whose metric histories were asked for

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        endpoint = request.url.path.removeprefix("/api/2.0/mlflow/")
        if endpoint in ("metrics/get-history", BULK):
            self.histories += request.url.params.get_list("run_id")
        self.answers.append((endpoint, json.loads(body) if body[:1] == b"{" else None))
        # A stream, not `content`: the client counts the bytes as they are read.
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            request=request,
        )

    def runs_listed(self) -> list[str]:
        return [
            run["info"]["run_id"]
            for endpoint, body in self.answers
            if endpoint == "runs/search" and body
            for run in body.get("runs", ())
        ]

    def count(self, endpoint: str) -> int:
        return sum(1 for name, _ in self.answers if name == endpoint)

    async def aclose(self) -> None:
        await self.inner.aclose()


def fetch(
    source: MlflowSource,
    previous: Snapshot | None = None,
    *,
    token: Secret | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    seconds: float = 60.0,
) -> tuple[Snapshot, HttpClient]:
    """One sync of `source` through a `FetchContext`, as the engine makes it, returning the
    client so that its meter can be read."""

    async def run() -> tuple[Snapshot, HttpClient]:
        deadline = Deadline.starting_now(seconds)
        http = HttpClient(source.name, retry=FAST_RETRY, transport=transport, deadline=deadline)
        async with http:
            ctx = FetchContext(
                now=datetime.now(UTC),
                http=http,
                previous=previous,
                secret=lambda _name: token,
                meter=http.meter,
                deadline=deadline,
            )
            return await source.fetch(ctx), http

    return asyncio.run(run())


def data_of(snapshot: Snapshot) -> ExperimentData:
    assert snapshot.experiments is not None
    return snapshot.experiments


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


# --- a full sync through the engine --------------------------------------------------------


def test_full_sync_reads_runs_histories_and_aliases(mlflow_world: MlflowWorld) -> None:
    world = mlflow_world
    snapshot, http = fetch(MlflowSource("mlflow", settings(world.url)))
    data = data_of(snapshot)
    assert data.tracker == "mlflow" and data.source == "mlflow"
    assert data.synced_at is not None and data.full_refresh_at == data.synced_at

    # Experiments in config order, with their boards.
    fraud, ranker, asr = data.experiments
    assert (fraud.name, fraud.id) == ("fraud-gbdt", world.experiments["fraud-gbdt"])
    assert fraud.primary_metric == "val_auc" and fraud.higher_is_better
    assert not fraud.metric_picked and fraud.rank_by == "best"
    assert fraud.url == f"{world.url}/#/experiments/{fraud.id}"
    assert ranker.primary_metric == "ndcg" and ranker.metric_picked
    assert asr.primary_metric == "wer" and not asr.higher_is_better  # renamed from eval/wer

    runs = {run.name: run for run in data.runs}
    # Active runs only: the deleted one is gone; the Default experiment was not asked for.
    assert "fraud-deleted" not in runs
    assert len(runs) == 6 + 3 + 2
    failed, running, best = runs["fraud-failed"], runs["fraud-running"], runs["fraud-1"]
    assert failed.status == "FAILED" and failed.user == "lena"
    assert running.status == "RUNNING" and running.ended is None and running.user == "wei"
    assert best.started == world.now - timedelta(days=6) and best.ended is not None
    assert best.ended - best.started == timedelta(minutes=42)
    assert best.params == {"lr": "0.1", "max_depth": "6"}
    assert best.tags == {"team": "risk", "mlflow.note.content": "notes for fraud-1"}
    assert best.url == f"{world.url}/#/experiments/{fraud.id}/runs/{best.run_id}"
    # The last value, and the history whose best is not the last.
    assert best.metrics["val_auc"] == 0.88
    auc = best.histories["val_auc"]
    assert auc == tuple(enumerate((0.80, 0.86, 0.91, 0.89, 0.88)))
    assert max(value for _, value in auc) > auc[-1][1]
    assert runs["asr-1"].histories["wer"] == ((0, 0.30), (1, 0.21), (2, 0.24))
    assert runs["fraud-nan"].metrics["val_auc"] != runs["fraud-nan"].metrics["val_auc"]  # NaN

    # The registry: the champion and the challenger, with their runs' experiment. asr-model
    # has no alias at all (a 400 from MLflow): no champion, not an error.
    models = {model.alias: model for model in data.models}
    assert set(models) == {"champion", "challenger"}
    assert models["champion"].run_id == world.runs["fraud-3"]
    assert models["champion"].model == "fraud-model" and models["champion"].version == "1"
    assert models["champion"].experiment == fraud.id
    assert models["challenger"].run_id == world.runs["fraud-1"]
    assert runs["fraud-3"].histories  # an aliased run always gets its history
    assert http.meter.requests > 0 and http.meter.bytes_in > 0


def test_the_sync_engine_stores_a_sync_and_builds_the_next_on_it(
    mlflow_world: MlflowWorld, store: Store
) -> None:
    source = MlflowSource(
        "mlflow", settings(mlflow_world.url, experiments=["ranker-v3", "asr-finetune"])
    )
    first = sync(source, store)
    assert first.status == "ok", first.error
    stored = store.latest("mlflow", with_runs=True)
    assert stored is not None
    data = data_of(stored.snapshot)
    assert sorted(run.name for run in data.runs) == [
        "asr-1", "asr-2", "ranker-1", "ranker-2", "ranker-3"
    ]  # fmt: skip
    assert all(run.histories for run in data.runs)
    assert data.digests  # the engine summed the runs up for the panels
    second = sync(source, store)
    assert second.status == "ok", second.error
    # Nothing started or ran since: the re-sync lists no run and reads no history.
    assert second.requests < first.requests and second.bytes_in < first.bytes_in
    again = data_of(store.latest("mlflow", with_runs=True).snapshot)  # type: ignore[union-attr]
    assert {run.run_id for run in again.runs} == {run.run_id for run in data.runs}
    assert again.full_refresh_at == data.full_refresh_at


def test_a_diverged_run_survives_the_store(mlflow_world: MlflowWorld, store: Store) -> None:
    source = MlflowSource("mlflow", settings(mlflow_world.url, experiments=["fraud-gbdt"]))
    assert sync(source, store).status == "ok"
    stored = store.latest("mlflow", with_runs=True)
    assert stored is not None
    runs = {run.name: run for run in data_of(stored.snapshot).runs}
    assert runs["fraud-nan"].metrics["val_auc"] != runs["fraud-nan"].metrics["val_auc"]


def test_pattern_ids_and_rank_at_best_step(mlflow_world: MlflowWorld) -> None:
    world = mlflow_world
    source = MlflowSource(
        "mlflow",
        settings(
            world.url,
            experiments=[world.experiments["ranker-v3"]],  # an id
            experiment_pattern="fraud-%",
            leaderboard=LeaderboardSettings(
                metric="val_auc", rank_by="at-best-step", step_metric="val_loss", history_runs=2
            ),
        ),
    )
    snapshot, _ = fetch(source)
    data = data_of(snapshot)
    assert [e.name for e in data.experiments] == ["ranker-v3", "fraud-gbdt"]
    fraud = data.experiments[1]
    assert fraud.step_metric == "val_loss" and not fraud.step_metric_higher_is_better
    with_history = {run.name for run in data.runs if run.histories}
    # The best two by last val_auc, the best two by last val_loss, and the aliased runs.
    assert {"fraud-1", "fraud-2", "fraud-3"} <= with_history
    assert "fraud-failed" not in with_history
    assert set(data.runs[0].histories) <= {"val_auc", "val_loss"}
    fraud_1 = next(run for run in data.runs if run.name == "fraud-1")
    assert set(fraud_1.histories) == {"val_auc", "val_loss"}


def test_an_unknown_experiment_names_the_ones_the_server_has(
    mlflow_world: MlflowWorld, store: Store
) -> None:
    source = MlflowSource("mlflow", settings(mlflow_world.url, experiments=["fraud-gbtd"]))
    outcome = sync(source, store)
    assert outcome.status == "failed"
    assert "no experiment 'fraud-gbtd'" in outcome.error
    assert "[sources.mlflow]" in outcome.error
    assert "'asr-finetune', 'Default', 'fraud-gbdt', 'ranker-v3'" in outcome.error


def test_a_model_without_the_alias_has_no_champion(mlflow_world: MlflowWorld) -> None:
    # The real server answers 400 INVALID_PARAMETER_VALUE for a missing alias.
    recording = Recording()
    source = MlflowSource("mlflow", settings(mlflow_world.url, models=["asr-model"]))
    snapshot, _ = fetch(source, transport=recording)
    assert data_of(snapshot).models == ()
    assert recording.count("registered-models/alias") == 2  # champion and challenger asked


def test_an_unknown_model_names_the_ones_the_registry_has(mlflow_world: MlflowWorld) -> None:
    source = MlflowSource("mlflow", settings(mlflow_world.url, models=["fraud-modle"]))
    with pytest.raises(SourceConfigError, match=r"no model 'fraud-modle'.*'asr-model', 'fraud"):
        fetch(source)


def test_doctor_probe(mlflow_world: MlflowWorld) -> None:
    found = MlflowSource("mlflow", settings(mlflow_world.url)).probe(None)
    assert found.startswith(f"MLflow 3.17.2 at {mlflow_world.url}, 3 experiments: fraud-gbdt")
    missing = MlflowSource("mlflow", settings(mlflow_world.url, experiments=["nope", "fraud-gbdt"]))
    with pytest.raises(SourceConfigError, match=r"no experiment 'nope'.*'fraud-gbdt'"):
        missing.probe(None)


class HeldSearches(Recording):
    """The real transport, holding each runs/search until `wanted` of them are in flight (or a
    few seconds have passed), and noting how many ever were at once."""

    def __init__(self, wanted: int) -> None:
        super().__init__()
        self.wanted = wanted
        self.in_flight = 0
        self.peak = 0
        self.bodies: list[dict[str, Any]] = []
        self._enough: asyncio.Event | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/runs/search"):
            return await super().handle_async_request(request)
        if self._enough is None:
            self._enough = asyncio.Event()
        self.bodies.append(json.loads(request.content))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.in_flight >= self.wanted:
                self._enough.set()
            # Searches made one after the other never get here together: they go on after a
            # while, and the peak says so.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._enough.wait(), timeout=5.0)
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


def test_experiments_are_searched_a_few_at_a_time_and_each_run_arrives_once(
    mlflow_world: MlflowWorld,
) -> None:
    world = mlflow_world
    names = ["fraud-gbdt", "ranker-v3", "asr-finetune", "Default"]
    assert len(names) > RUNS_SEARCHES  # so that the cap shows
    transport = HeldSearches(wanted=RUNS_SEARCHES)
    source = MlflowSource("mlflow", settings(world.url, experiments=names))
    snapshot, _ = fetch(source, transport=transport)
    data = data_of(snapshot)

    # One search per experiment, the first few at the same time, never more than the cap.
    assert transport.peak == RUNS_SEARCHES
    searched = [body["experiment_ids"] for body in transport.bodies]
    assert all(len(ids) == 1 for ids in searched)
    assert sorted(ids[0] for ids in searched) == sorted(world.experiments[n] for n in names)
    # Every run of every experiment, each once, newest first as a single search lists them.
    listed = transport.runs_listed()
    assert len(listed) == len(set(listed)) == 6 + 3 + 2
    assert sorted(run.run_id for run in data.runs) == sorted(listed)
    started = [run.started for run in data.runs]
    assert None not in started and started == sorted(started, reverse=True)  # type: ignore[type-var]
    assert {run.experiment for run in data.runs} == {
        world.experiments[n] for n in ("fraud-gbdt", "ranker-v3", "asr-finetune")
    }


# --- re-syncs ----------------------------------------------------------------------------


class Team:
    """An experiment of the test's own on the shared server, filled through the client."""

    def __init__(self, world: MlflowWorld) -> None:
        from mlflow import MlflowClient

        self.client = MlflowClient(tracking_uri=world.url)
        self.name = f"resync-{uuid.uuid4().hex[:8]}"
        self.id = self.client.create_experiment(self.name)
        self.now = datetime.now(UTC)
        self.running = ""

    def run(self, label: str, started: datetime, auc: tuple[float, ...], *, done: bool) -> str:
        from mlflow.entities import Metric

        run_id: str = self.client.create_run(
            self.id, start_time=ms(started), run_name=label
        ).info.run_id
        self.client.log_batch(
            run_id, metrics=[Metric("val_auc", v, ms(started), i) for i, v in enumerate(auc)]
        )
        if done:
            self.finish(run_id)
        return run_id

    def finish(self, run_id: str) -> None:
        self.client.set_terminated(run_id, "FINISHED")


@pytest.fixture
def team(mlflow_world: MlflowWorld) -> Team:
    team = Team(mlflow_world)
    for i in range(5):
        team.run(f"old-{i}", team.now - timedelta(days=3, hours=i), (0.5, 0.6 + i / 100), done=True)
    team.running = team.run("running", team.now - timedelta(hours=2), (0.4,), done=False)
    return team


def test_a_resync_reads_only_new_and_running_runs(mlflow_world: MlflowWorld, team: Team) -> None:
    source = MlflowSource(
        "mlflow",
        settings(mlflow_world.url, experiments=[team.name], models=["fraud-model"],
                 leaderboard=LeaderboardSettings(metric="val_auc")),
    )  # fmt: skip
    full_recording = Recording()
    first, full = fetch(source, transport=full_recording)
    assert len(full_recording.runs_listed()) == 6
    # Every run's history, in one request to the bulk endpoint of the server's web UI.
    assert sorted(full_recording.histories) == sorted(full_recording.runs_listed())
    assert full_recording.count(BULK) == 1
    assert full_recording.count("metrics/get-history") == 0

    new = [team.run(f"new-{i}", datetime.now(UTC), (0.7, 0.9), done=True) for i in range(2)]
    team.client.log_metric(team.running, "val_auc", 0.95, step=1)
    recording = Recording()
    second, resync = fetch(source, first, transport=recording)

    # Only the two new runs and the one that was running came over the wire.
    assert sorted(recording.runs_listed()) == sorted([*new, team.running])
    assert recording.count("runs/search") == 2  # started since, and running by id
    # Histories: the new runs and the running one; the finished runs' are kept.
    assert sorted(recording.histories) == sorted([*new, team.running])
    # The full sync's requests (its histories came in one) and the search by id for the run
    # that was running, for fewer bytes.
    assert resync.meter.requests == full.meter.requests + 1
    assert resync.meter.bytes_in < full.meter.bytes_in
    data = data_of(second)
    runs = {run.name: run for run in data.runs}
    assert len(runs) == 8
    assert runs["running"].metrics["val_auc"] == 0.95
    assert runs["running"].histories["val_auc"] == ((0, 0.4), (1, 0.95))
    assert runs["old-4"].histories == {r.name: r for r in data_of(first).runs}["old-4"].histories
    assert data.full_refresh_at == data_of(first).full_refresh_at
    assert data.synced_at is not None and data.synced_at >= data_of(first).synced_at  # type: ignore[operator]


def test_a_deleted_run_goes_at_the_full_refresh(mlflow_world: MlflowWorld, team: Team) -> None:
    source = MlflowSource("mlflow", settings(mlflow_world.url, experiments=[team.name]))
    first, _ = fetch(source)
    victim = next(run for run in data_of(first).runs if run.name == "old-2")
    team.client.delete_run(victim.run_id)
    team.finish(team.running)

    second, _ = fetch(source, first)
    runs = {run.name: run for run in data_of(second).runs}
    assert "old-2" in runs  # a re-sync cannot see a deletion of an old run...
    assert runs["running"].status == "FINISHED"  # ...but reads the runs that were running

    # A day later (the last full refresh 25 hours ago), everything is read again.
    data = data_of(second)
    aged = msgspec.structs.replace(
        second,
        experiments=msgspec.structs.replace(
            data,
            full_refresh_at=data.full_refresh_at - timedelta(hours=25),  # type: ignore[operator]
        ),
    )
    recording = Recording()
    third, _ = fetch(source, aged, transport=recording)
    assert len(recording.runs_listed()) == 5
    assert "old-2" not in {run.name for run in data_of(third).runs}
    assert data_of(third).full_refresh_at == data_of(third).synced_at


def test_a_running_run_deleted_since_disappears_at_once(
    mlflow_world: MlflowWorld, team: Team
) -> None:
    source = MlflowSource("mlflow", settings(mlflow_world.url, experiments=[team.name]))
    first, _ = fetch(source)
    team.client.delete_run(team.running)
    second, _ = fetch(source, first)
    assert "running" not in {run.name for run in data_of(second).runs}


# --- faults, on a scripted stand-in ---------------------------------------------------------

EXPERIMENT = {"experiment": {"experiment_id": "7", "name": "fraud", "lifecycle_stage": "active"}}
RUNS = {
    "runs": [
        {
            "info": {"run_id": "r1", "experiment_id": "7", "status": "FINISHED",
                     "start_time": 1795412668442, "end_time": 1795412728442},
            "data": {"metrics": [{"key": "val_auc", "value": 0.9, "step": 1}]},
        }
    ]
}  # fmt: skip
HISTORY = {
    "metrics": [
        {"key": "val_auc", "value": 0.93, "step": 0},
        {"key": "val_auc", "value": 0.9, "step": 1},
    ]
}
HISTORY_POINTS = ((0, 0.93), (1, 0.9))


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedMlflow]]:
    servers: list[ScriptedMlflow] = []

    def start(**replies: Reply | list[Reply]) -> ScriptedMlflow:
        answers = {
            "experiments/get-by-name": Reply.json(EXPERIMENT),
            "runs/search": Reply.json(RUNS),
            "registered-models/get": Reply.json({"registered_model": {"name": "fraud-model"}}),
            "metrics/get-history": Reply.json(HISTORY),
        }
        answers.update({key.replace("__", "/").replace("_", "-"): v for key, v in replies.items()})
        server = ScriptedMlflow(answers)  # type: ignore[arg-type]
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def scripted_source(server: ScriptedMlflow, **overrides: Any) -> MlflowSource:
    options: dict[str, Any] = {"experiments": ["fraud"], "models": ["fraud-model"]}
    options.update(overrides)
    return MlflowSource("mlflow", settings(server.url, **options))


def test_a_missing_alias_answering_400_is_no_champion(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    missing = Reply.json(
        {"error_code": "INVALID_PARAMETER_VALUE", "message": "Registered model alias champion"
         " not found.", "error_class": "INVALID_PARAMETER_VALUE"}, 400,
    )  # fmt: skip
    server = scripted(registered_models__alias=missing)
    snapshot, _ = fetch(scripted_source(server))
    data = data_of(snapshot)
    assert data.models == ()
    assert server.count("registered-models/alias") == 2
    assert data.runs[0].histories["val_auc"] == ((0, 0.93), (1, 0.9))


TWO_RUNS = {
    "runs": [
        RUNS["runs"][0],
        {
            "info": {"run_id": "r2", "experiment_id": "7", "status": "FINISHED",
                     "start_time": 1795412668000, "end_time": 1795412728000},
            "data": {"metrics": [{"key": "val_auc", "value": 0.8, "step": 1}]},
        },
    ]
}  # fmt: skip
BULK_HISTORY = {
    "metrics": [
        {"key": "val_auc", "value": 0.93, "step": 0, "run_id": "r1"},
        {"key": "val_auc", "value": 0.9, "step": 1, "run_id": "r1"},
        {"key": "val_auc", "value": 0.85, "step": 0, "run_id": "r2"},
        {"key": "val_auc", "value": 0.8, "step": 1, "run_id": "r2"},
    ]
}


def test_histories_come_in_bulk_and_one_run_a_request_without_the_bulk_endpoint(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    bulk = scripted(runs__search=Reply.json(TWO_RUNS), **{BULK: Reply.json(BULK_HISTORY)})
    snapshot, _ = fetch(scripted_source(bulk))
    histories = {run.run_id: run.histories["val_auc"] for run in data_of(snapshot).runs}
    assert histories == {"r1": ((0, 0.93), (1, 0.9)), "r2": ((0, 0.85), (1, 0.8))}
    assert (bulk.count(BULK), bulk.count("metrics/get-history")) == (1, 0)
    asked = next(r for r in bulk.seen if r.endpoint == BULK)
    assert sorted(httpx.QueryParams(asked.query).get_list("run_id")) == ["r1", "r2"]

    # A server without it (older, Databricks, a proxy that passes only /api/): one by one.
    for reply in (Reply.json({"error_code": "ENDPOINT_NOT_FOUND"}, 404), Reply(403, b"no"),
                  Reply(200, b"<html>the web UI</html>")):  # fmt: skip
        single = scripted(runs__search=Reply.json(TWO_RUNS), **{BULK: reply})
        snapshot, _ = fetch(scripted_source(single))
        assert all(run.histories["val_auc"] for run in data_of(snapshot).runs)
        assert single.count("metrics/get-history") == 2


def test_histories_read_one_by_one_before_the_deadline_are_kept(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    # No bulk endpoint; one run's history comes, the other's never does.
    server = scripted(
        runs__search=Reply.json(TWO_RUNS),
        metrics__get_history=[Reply.json(HISTORY), Reply(hang=True)],
    )
    snapshot, _ = fetch(scripted_source(server), seconds=5.0)
    with_history = [run.run_id for run in data_of(snapshot).runs if run.histories]
    assert len(with_history) == 1
    assert len(data_of(snapshot).runs) == 2  # the other ranks by its last value


def test_a_bulk_answer_cut_short_is_asked_again_in_halves(
    scripted: Callable[..., ScriptedMlflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As many points as the server sends at most: there may have been more.
    monkeypatch.setattr(mlflow_source, "HISTORY_BULK_POINTS", 4)
    cut = {"metrics": [{**point, "run_id": "r1"} for point in BULK_HISTORY["metrics"]]}
    server = scripted(runs__search=Reply.json(TWO_RUNS), **{BULK: Reply.json(cut)})
    snapshot, _ = fetch(scripted_source(server))
    # One run alone is read page by page: nothing of the cut answer is kept.
    assert server.count("metrics/get-history") == 2
    assert {run.histories["val_auc"] for run in data_of(snapshot).runs} == {HISTORY_POINTS}


def test_basic_auth_sends_the_token_as_password_and_401_says_what_to_do(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    server = scripted(experiments__get_by_name=Reply.json({"error_code": "UNAUTHENTICATED"}, 401))
    source = scripted_source(server, auth="basic", username="ana")
    with pytest.raises(SourceAuthError) as caught:
        fetch(source, token=Secret("s3cr3t-token"))
    assert "rejected the credentials (401)" in str(caught.value)
    assert "cockpit auth set mlflow" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    assert len(server.seen) == 1  # never retried
    sent = server.seen[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"ana:s3cr3t-token").decode()
    assert "s3cr3t" not in server.seen[0].query


def test_bearer_auth_and_a_missing_token(scripted: Callable[..., ScriptedMlflow]) -> None:
    server = scripted()
    fetch(scripted_source(server, auth="bearer"), token=Secret("dapi-123"))
    assert {r.headers.get("Authorization") for r in server.seen} == {"Bearer dapi-123"}
    with pytest.raises(SourceAuthError, match=r"no MLflow token.*cockpit auth set mlflow"):
        fetch(scripted_source(server, auth="bearer"), token=None)


def test_a_server_that_wants_credentials_the_config_does_not_send(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    server = scripted(experiments__get_by_name=Reply.json({}, 401))
    with pytest.raises(SourceAuthError, match='auth = "none": set auth = "basic"'):
        fetch(scripted_source(server))


def test_malformed_json_is_a_bad_response_after_one_more_try(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    server = scripted(runs__search=Reply(200, b"<html>proxy error</html>"))
    with pytest.raises(SourceBadResponse, match=r"mlflow: .*runs/search is not valid JSON"):
        fetch(scripted_source(server))
    assert server.count("runs/search") == 2


def test_a_failing_server_is_unreachable_after_retries(
    scripted: Callable[..., ScriptedMlflow],
) -> None:
    server = scripted(runs__search=Reply(500, b"boom"))
    with pytest.raises(SourceUnreachable, match=r"the server failed \(500\) on .*runs/search"):
        fetch(scripted_source(server))
    assert server.count("runs/search") == FAST_RETRY.attempts


def test_a_wrong_url_is_unreachable(tmp_path: Path, store: Store) -> None:
    source = MlflowSource("mlflow", settings("http://127.0.0.1:9"))
    outcome = sync(source, store)
    assert outcome.status == "failed" and "cannot reach the server" in outcome.error


def test_a_url_that_is_not_mlflow(scripted: Callable[..., ScriptedMlflow]) -> None:
    server = scripted(experiments__get_by_name=Reply(404, b"no"))
    with pytest.raises(SourceConfigError, match="does not answer like an MLflow tracking server"):
        fetch(scripted_source(server))


def test_pages_are_followed_until_no_token(scripted: Callable[..., ScriptedMlflow]) -> None:
    run = RUNS["runs"][0]
    pages = [
        Reply.json({"runs": [run], "next_page_token": "eyJvZmZzZXQiOiAxfQ=="}),
        Reply.json({"runs": [{**run, "info": {**run["info"], "run_id": "r2"}}]}),
    ]
    server = scripted(runs__search=pages)
    snapshot, _ = fetch(scripted_source(server))
    assert [r.run_id for r in data_of(snapshot).runs] == ["r1", "r2"]
    bodies = [json.loads(r.body) for r in server.seen if r.endpoint == "runs/search"]
    assert "page_token" not in bodies[0]
    assert bodies[1]["page_token"] == "eyJvZmZzZXQiOiAxfQ=="
    assert all(b["run_view_type"] == "ACTIVE_ONLY" for b in bodies)
    assert all(0 < b["max_results"] <= 50_000 for b in bodies)


def test_hostile_text_from_the_server_is_cleaned(scripted: Callable[..., ScriptedMlflow]) -> None:
    run = RUNS["runs"][0]
    hostile = {**run, "info": {**run["info"], "run_name": "best\x1b]0;pwned\x07 run\u202e"}}
    server = scripted(runs__search=Reply.json({"runs": [hostile]}))
    snapshot, _ = fetch(scripted_source(server))
    assert data_of(snapshot).runs[0].name == "best run"


def test_cli_sync_status_and_doctor_with_an_mlflow_server_without_auth(
    mlflow_world: MlflowWorld,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The path a user takes with a tracking server that has no auth: no token is asked for,
    doctor reaches the server, and status shows the leaderboards."""
    from cockpit.cli import main

    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.tracking]\nkind = "mlflow"\nurl = "{mlflow_world.url}"\n'
        'experiments = ["fraud-gbdt"]\n\n[sources.tracking.leaderboard]\nmetric = "val_auc"\n'
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.delenv("COCKPIT_TRACKING_TOKEN", raising=False)
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith("tracking  ok")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "MLflow 3.17.2" in out and "no token needed" in out and "no token found" not in out
    assert main(["status"]) == 0
    assert "fraud-gbdt" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fault",
    [
        Reply(500, b'{"error_code": "INTERNAL_ERROR"}', {"Content-Type": "application/json"}),
        Reply(200, b'{"runs": [{"info": ', {"Content-Type": "application/json"}),
        Reply(401, b"", {}),
        Reply.hanging(),
    ],
    ids=["500", "malformed", "401", "hang"],
)
def test_a_failed_sync_keeps_the_last_good_leaderboard_byte_for_byte(
    mlflow_world: MlflowWorld, store: Store, fault: Reply
) -> None:
    """The tracker breaks after a good sync: the leaderboard the lead sees stays the last good
    one, untouched, the failure is said in words, and the sync ends within its deadline."""
    import sqlite3
    import time

    from tests.fakes.fault_server import FaultServer

    good = MlflowSource("mlflow", settings(mlflow_world.url, experiments=["fraud-gbdt"]))
    assert sync(good, store).status == "ok"

    def stored() -> list[tuple[object, ...]]:
        with sqlite3.connect(store.path) as conn:
            return conn.execute("SELECT id, taken_at, payload FROM snapshots").fetchall()

    before = stored()
    with FaultServer() as server:
        server.always(fault)
        broken = MlflowSource("mlflow", settings(server.url, experiments=["fraud-gbdt"]))
        job = SyncJob(broken, connect_timeout=1.0, read_timeout=2.0, deadline=3.0)
        started = time.monotonic()
        outcome = asyncio.run(sync_one(job, store, FrozenClock(FROZEN_NOW)))
        took = time.monotonic() - started
    assert outcome.status == "failed" and outcome.error
    assert "Traceback" not in outcome.error
    assert took < 10  # the 3 s deadline, and never a hang
    assert stored() == before
    kept = store.latest("mlflow", with_runs=True)
    assert kept is not None and data_of(kept.snapshot).runs
