"""Bound key results recorded after a sync, from the data each source stored: MLflow runs and
digests, W&B, a Jira board, FOCUS roll-ups (kept apart by the store), model aliases and the
status figures; broken bindings recorded with their reason; a line over two syncs with the
config changed in between; and a recording that fails never fails the sync."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.analytics.experiment_digest import digest_experiments
from cockpit.clock import FrozenClock
from cockpit.config import load_config
from cockpit.models import (
    Binding,
    Board,
    CostData,
    CostRow,
    Experiment,
    ExperimentData,
    Issue,
    KeyResult,
    KrPoint,
    ModelVersion,
    Objective,
    OkrData,
    Run,
    Snapshot,
    Sprint,
    SprintData,
    StatusCategory,
)
from cockpit.okr_record import record_okr_values
from cockpit.store import Store, SyncAttempt
from cockpit.workspace import Workspace, open_demo_workspace

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CONFIG = """
[cockpit]
store = "cache.sqlite"

[sources.okrs]
kind = "okr-file"
path = "okrs.toml"

[sources.jira]
kind = "jira"
url = "https://jira.example.test"
board_id = 1

[sources.mlflow-prod]
kind = "mlflow"
url = "http://127.0.0.1:9"

[sources.wandb]
kind = "wandb"
projects = ["acme/fraud"]

[sources.focus]
kind = "focus"
paths = ["exports/*.csv"]
"""
BUDGET = """
[[budgets]]
name = "Fraud team"
amount = 5000
scope = "tag:team=fraud"
"""
FRAUD = Experiment("7", "fraud-gbdt", "val_f1", True, tracker="mlflow")
WB = Experiment("acme/fraud", "fraud-wandb", "val_auc", True, tracker="wandb")


def _run(run_id: str, experiment: str, days_ago: float, **metrics: float) -> Run:
    started = NOW - timedelta(days=days_ago)
    return Run(run_id, experiment, f"run-{run_id}", "FINISHED", started=started,
               ended=started + timedelta(hours=2), metrics=metrics)  # fmt: skip


MLFLOW_RUNS = (
    _run("m1", "7", 40, val_f1=0.86, val_loss=0.30),
    _run("m2", "7", 20, val_f1=0.88, val_loss=0.12),  # lowest loss, outside the digest's top 1
    _run("m3", "7", 5, val_f1=0.89, val_loss=0.25),
)


def mlflow(runs: tuple[Run, ...] = MLFLOW_RUNS, at: datetime = NOW) -> Snapshot:
    models = (ModelVersion("fraud", "3", "m1", "champion", NOW - timedelta(days=30), "7"),)
    data = ExperimentData("mlflow", (FRAUD,), runs, models, source="mlflow-prod")
    return Snapshot(experiments=digest_experiments(data, at, keep=1))


def wandb() -> Snapshot:
    runs = (_run("w1", "acme/fraud", 3, val_auc=0.95), _run("w2", "acme/fraud", 2, val_auc=0.97))
    models = (ModelVersion("fraud-wandb", "w1", "w1", "champion", NOW - timedelta(days=1)),)
    data = ExperimentData("wandb", (WB,), runs, models, source="wandb")
    return Snapshot(experiments=digest_experiments(data, NOW))


def jira() -> Snapshot:
    issues = (
        Issue("ML-1", "a", "Done", StatusCategory.DONE, labels=("fraud",), points=3.0,
              epic="ML-100", resolved=NOW - timedelta(days=2)),
        Issue("ML-2", "b", "In Progress", StatusCategory.IN_PROGRESS, labels=("fraud",),
              points=5.0, epic="ML-100", sprint_id=42, sprint_ids=(42,)),
        Issue("ML-3", "c", "To Do", StatusCategory.TODO, epic="ML-200", points=1.0),
    )  # fmt: skip
    return Snapshot(sprint=SprintData(Board(1, "ML"), (Sprint(42, "S42", "active"),), issues))


def focus() -> Snapshot:
    fraud = (("team", "fraud"),)
    rows = [
        CostRow(date(2026, 11, day), "AWS", "Amazon EC2", 100.0, tags=fraud) for day in range(1, 23)
    ]
    rows.append(CostRow(date(2026, 11, 3), "AWS", "Amazon S3", 50.0))
    return Snapshot(cost=CostData(rows=tuple(rows)))


def _kr(kr_id: str, binding: Binding) -> KeyResult:
    # A loss is to go down: its best value is the lowest.
    direction = "decrease" if "loss" in kr_id else "increase"
    return KeyResult(kr_id, kr_id, 0.0, 1.0, float("nan"), direction=direction, binding=binding)


BINDINGS = {
    "best-f1": Binding("metric", experiment="fraud-gbdt", metric="val_f1"),
    "best-loss": Binding("metric", experiment="FRAUD-GBDT", metric="val_loss"),
    "wandb-auc": Binding("metric", experiment="fraud-wandb", source="wandb"),
    "champion": Binding("champion-metric", experiment="fraud-wandb"),
    "fraud-issues": Binding("jira-count", label="fraud"),
    "epic-points": Binding("jira-points", epic="ML-100", done_only=True),
    "jql-count": Binding("jira-count", jql="statusCategory != Done AND labels = fraud"),
    "spend": Binding("cost-spend", scope="Fraud team", window="month"),
    "per-run": Binding("cost-per-run", scope="tag:team=fraud", window="month"),
    "versions": Binding("model-versions", alias="champion"),
    "from-jira": Binding("jira-count", label="fraud", source="jira"),
    "from-focus": Binding("cost-spend", scope="provider=AWS", source="focus", window="month"),
    "runs-total": Binding("status", path="experiments.runs"),
    "no-experiment": Binding("metric", experiment="fraud-gbt", metric="val_f1"),
    "no-metric": Binding("metric", experiment="fraud-gbdt", metric="val_f2"),
    "no-source": Binding("metric", experiment="fraud-gbdt", source="mlflow-staging"),
    "bad-jql": Binding("jira-count", jql="labels = fraud ORDER BY Rank AND worklogDate > -1d"),
}


def okrs() -> Snapshot:
    krs = tuple(_kr(kr_id, binding) for kr_id, binding in BINDINGS.items())
    objective = Objective("O1", "Fraud", key_results=krs)
    return Snapshot(okrs=OkrData("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), (objective,)))


def workspace(tmp_path: Path, *, budget: bool = True) -> Workspace:
    path = tmp_path / "cockpit.toml"
    path.write_text(CONFIG + (BUDGET if budget else ""), encoding="utf-8")
    config = load_config(path)
    return Workspace(config, Store(tmp_path / "cache.sqlite"))


def write(store: Store, source: str, snapshot: Snapshot, at: datetime) -> None:
    store.write_snapshot(snapshot, SyncAttempt(source, at, at, "ok"))


def fill(store: Store, at: datetime = NOW) -> None:
    for source, snapshot in [
        ("okrs", okrs()),
        ("jira", jira()),
        ("mlflow-prod", mlflow()),
        ("wandb", wandb()),
        ("focus", focus()),
    ]:
        write(store, source, snapshot, at - timedelta(minutes=5))


def test_every_kind_is_recorded_from_the_stored_data(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    fill(ws.store)
    recorded = record_okr_values(ws, NOW)["okrs"]
    stored = ws.store.bound_values("okrs")
    assert stored == recorded
    values = {kr: bound.value for kr, bound in stored.items()}
    assert values == {
        "best-f1": 0.89,
        "best-loss": 0.12,  # from every run: the digest kept only the top one by val_f1
        "wandb-auc": 0.97,
        "champion": 0.95,
        "fraud-issues": 2.0,
        "epic-points": 3.0,
        "jql-count": 1.0,
        "spend": 2200.0,  # the roll-ups the store keeps apart were read back
        "per-run": 2200.0 / 4,  # m2, m3, w1, w2 started in November
        "versions": 2.0,
        "from-jira": 2.0,
        "from-focus": 2250.0,
        "runs-total": 5.0,
        "no-experiment": None,
        "no-metric": None,
        "no-source": None,
        "bad-jql": None,
    }
    origins = {kr: bound.origin for kr, bound in stored.items()}
    assert origins["best-f1"] == "mlflow"
    assert origins["wandb-auc"] == origins["champion"] == "wandb"
    assert origins["fraud-issues"] == "jira"
    assert origins["per-run"] == "cost"
    assert origins["versions"] == "model"
    assert origins["runs-total"] == "status"
    assert "over 3 finished runs" in stored["best-loss"].detail
    assert stored["spend"].detail == "$2,200 spent in budget Fraud team, Nov 2026"
    errors = {kr: bound.error for kr, bound in stored.items() if bound.error}
    assert errors == {
        "no-experiment": "no experiment named 'fraud-gbt' (there are: fraud-gbdt, fraud-wandb)",
        "no-metric": "no run of fraud-gbdt logs a metric named 'val_f2' (they log: val_f1,"
        " val_loss)",
        "no-source": "no experiment source named 'mlflow-staging' (the synced ones: mlflow-prod,"
        " wandb)",
        "bad-jql": errors["bad-jql"],
    }
    assert errors["bad-jql"].startswith("JQL: expected ',' or the end of the query after ORDER BY")
    # Each value says when the newest data it was read from was synced.
    assert {bound.as_of for bound in stored.values()} == {NOW - timedelta(minutes=5)}


def test_an_unsupported_clause_is_named(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    fill(ws.store)
    binding = Binding("jira-count", jql="project = ML AND worklogDate > -7d")
    objective = Objective("O1", "o", key_results=(_kr("KR1", binding),))
    snapshot = Snapshot(
        okrs=OkrData("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), (objective,))
    )
    write(ws.store, "okrs", snapshot, NOW)
    error = record_okr_values(ws, NOW)["okrs"]["KR1"].error
    assert error.startswith(
        "`worklogDate` is not supported offline (in `worklogDate > -7d`): use label or epic"
    )


def test_a_line_over_two_syncs_with_the_config_changed_between(tmp_path: Path) -> None:
    # First sync: no budget named "Fraud team" yet, so that binding is broken.
    first = workspace(tmp_path, budget=False)
    fill(first.store)
    record_okr_values(first, NOW)
    assert first.store.bound_values("okrs")["spend"].error.startswith(
        "scope: 'Fraud team' is not a scope"
    )
    # Two days later: the budget is in the config, and a better run was synced.
    later = NOW + timedelta(days=2)
    second = workspace(tmp_path, budget=True)
    better = (*MLFLOW_RUNS, _run("m4", "7", -1.5, val_f1=0.93, val_loss=0.2))
    write(second.store, "mlflow-prod", mlflow(better, later), later - timedelta(minutes=1))
    record_okr_values(second, later)
    history = second.store.kr_history("okrs", datetime(2026, 10, 1, tzinfo=UTC))
    line = [p for p in history if p.kr in ("best-f1", "spend", "per-run")]
    assert line == [
        KrPoint("best-f1", NOW, 0.89, "mlflow"),
        KrPoint("per-run", NOW, 2200.0 / 4, "cost"),
        KrPoint("best-f1", later, 0.93, "mlflow"),
        KrPoint("spend", later, 2200.0, "cost"),  # the budget it names is in the config now
        KrPoint("per-run", later, 2200.0 / 5, "cost"),
    ]
    # Unchanged values are one point, not one per sync.
    assert [p.kr for p in history].count("fraud-issues") == 1


def test_nothing_is_read_or_recorded_without_bindings(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    objective = Objective("O1", "o", key_results=(KeyResult("K", "k", 0, 1, 0.5),))
    manual = OkrData("q", date(2026, 10, 1), date(2026, 12, 31), (objective,))
    write(ws.store, "okrs", Snapshot(okrs=manual), NOW)
    assert record_okr_values(ws, NOW) == {}
    assert ws.store.bound_values("okrs") == {}
    # No store file at all: nothing is created.
    (tmp_path / "none").mkdir()
    empty = workspace(tmp_path / "none")
    assert record_okr_values(empty, NOW) == {}
    assert not (tmp_path / "none" / "cache.sqlite").exists()


def test_a_sync_records_the_demos_bound_values(tmp_path: Path) -> None:
    ws = open_demo_workspace(tmp_path / "demo.sqlite")
    asyncio.run(ws.sync(FrozenClock(NOW)))
    bound = ws.store.bound_values("demo")
    demo = ws.store.latest("demo")
    assert demo is not None and demo.snapshot.okrs is not None
    expected = {
        kr.id
        for o in demo.snapshot.okrs.objectives
        for kr in o.key_results
        if kr.binding is not None
    } | {k.id for k in demo.snapshot.okrs.kpis if k.binding is not None}
    assert expected and set(bound) == expected
    assert all(b.value is not None for b in bound.values()), bound


def test_the_tuis_one_source_sync_records_too(tmp_path: Path) -> None:
    ws = open_demo_workspace(tmp_path / "demo.sqlite")
    (job,) = ws.jobs()
    outcome = asyncio.run(ws.sync_job(job, FrozenClock(NOW)))
    assert outcome.status == "ok"
    assert ws.store.bound_values("demo")


def test_a_recording_that_fails_never_fails_the_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(workspace: Workspace, now: datetime) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("cockpit.okr_record.record_okr_values", broken)
    ws = open_demo_workspace(tmp_path / "demo.sqlite")
    outcomes = asyncio.run(ws.sync(FrozenClock(NOW)))
    assert [o.status for o in outcomes] == ["ok"]
    (job,) = ws.jobs()
    assert asyncio.run(ws.sync_job(job, FrozenClock(NOW))).status == "ok"
    assert ws.store.bound_values("demo") == {}
