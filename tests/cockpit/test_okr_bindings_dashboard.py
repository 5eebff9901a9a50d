"""What the dashboard shows for a bound key result: the value recorded at the last sync while it
is at least as new as its data, else the value resolved live from the dashboard's own inputs
(unless live would read less than the whole truth and a recorded value exists); the recorded
line as its history; and everything live when there is no store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cockpit.dashboard import load_dashboard
from cockpit.okr_record import record_okr_values
from cockpit.store import StoredSnapshot
from tests.cockpit.test_okr_record import (
    MLFLOW_RUNS,
    NOW,
    _run,
    fill,
    focus,
    jira,
    mlflow,
    okrs,
    wandb,
    workspace,
    write,
)


def _views(dashboard):  # type: ignore[no-untyped-def]
    assert dashboard.okrs is not None
    return {kr.id: kr for o in dashboard.okrs.objectives for kr in o.key_results}


def test_the_recorded_value_is_shown_while_it_is_as_new_as_its_data(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    fill(ws.store)
    record_okr_values(ws, NOW)
    views = _views(ws.dashboard(NOW + timedelta(minutes=1)))
    # Read from every run at the sync; live, the digests alone would give 0.25.
    assert views["best-loss"].current == 0.12
    assert "over 3 finished runs" in views["best-loss"].detail
    assert views["spend"].current == 2200.0
    assert views["no-experiment"].status == "broken"
    assert views["no-experiment"].error.startswith("no experiment named 'fraud-gbt'")
    assert views["runs-total"].current == 5.0
    # The recorded line is the key result's history.
    assert [p.value for p in views["best-f1"].history][-1:] == [0.89]


def test_newer_data_is_resolved_live_but_a_partial_read_keeps_the_recorded_value(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    fill(ws.store)
    record_okr_values(ws, NOW)
    # A sync of MLflow that has not been recorded (yet): a better run, a lower loss.
    later = NOW + timedelta(hours=1)
    runs = (*MLFLOW_RUNS, _run("m4", "7", 0.5, val_f1=0.93, val_loss=0.05))
    write(ws.store, "mlflow-prod", mlflow(runs, later), later)
    views = _views(ws.dashboard(later))
    assert views["best-f1"].current == 0.93  # exact from the digests: live
    assert views["runs-total"].current == 6.0  # status figures: live
    # Every run would be needed for the loss: the recorded value stays until the next record.
    assert views["best-loss"].current == 0.12
    assert views["spend"].current == 2200.0  # its data did not change: recorded
    # Recorded again: the loss moves too.
    record_okr_values(ws, later)
    assert _views(ws.dashboard(later))["best-loss"].current == 0.05


def test_with_nothing_recorded_the_cost_roll_ups_are_read(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    fill(ws.store)
    views = _views(ws.dashboard(NOW))
    assert views["spend"].current == 2200.0
    assert views["per-run"].current is not None
    assert views["best-loss"].current == 0.25  # the top run and the champion's only
    assert "the other runs were not read" in views["best-loss"].detail


def test_without_a_store_everything_is_resolved_live(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    stored = {
        name: StoredSnapshot(name, NOW, snapshot)
        for name, snapshot in [
            ("okrs", okrs()),
            ("jira", jira()),
            ("mlflow-prod", mlflow()),
            ("wandb", wandb()),
            ("focus", focus()),
        ]
    }
    dashboard = load_dashboard(None, ws.facts(), NOW, budgets=ws.budgets(), in_hand=stored)
    views = _views(dashboard)
    assert views["best-f1"].current == 0.89
    assert views["spend"].current == 2200.0  # the roll-ups are in the snapshot
    assert views["fraud-issues"].current == 2.0
    assert views["runs-total"].current == 5.0
    assert not ws.store.exists()
