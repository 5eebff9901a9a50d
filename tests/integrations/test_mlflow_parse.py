"""MLflow payload parsers and the leaderboard choices: recorded shapes from a real MLflow 3.17.2,
and anything else hypothesis finds."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.kinds import LeaderboardSettings
from cockpit.models import Run
from cockpit.text_safety import clean_record
from integrations.base import SourceBadResponse
from integrations.leaderboard import Board, pick_metric
from integrations.mlflow_parse import (
    AliasAnswer,
    ExperimentAnswer,
    ExperimentsPage,
    HistoryPage,
    MlflowGarbled,
    MlflowPayloadError,
    RegisteredModelAnswer,
    RegisteredModelsPage,
    RunsPage,
    build_run,
    decode,
    filter_literal,
    history,
    model_version,
    moment,
    normalise_status,
    parse_run,
    server_message,
)

# Recorded from a real `mlflow server` 3.17.2 (sqlite backend); see tests/fixtures/README.md.
SAMPLES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "mlflow" / "rest_samples.json").read_text()
)
BASE = "http://mlflow.internal:5000"


def response(name: str) -> bytes:
    return json.dumps(SAMPLES[name]["response"]).encode()


def test_recorded_runs_pages_parse_and_page() -> None:
    first = decode(response("runs_search_page1"), RunsPage, "runs/search")
    last = decode(response("runs_search_page2"), RunsPage, "runs/search")
    assert first.next_page_token == "eyJvZmZzZXQiOiAyfQ=="
    assert last.next_page_token == ""  # the last page has no token at all
    runs = [build_run(raw, BASE, {}) for raw in first.runs + last.runs]
    assert [r.name for r in runs] == ["lr-0.01", "lr-0.001", "lr-0.1"]
    run = runs[0]
    assert run.run_id == "3cd92c5091814ef58cfef4d29a2a213d"
    assert run.experiment == "1"
    assert run.status == "FINISHED"
    assert run.user == "alice"  # user_id is empty: the mlflow.user tag says who
    assert run.started == datetime(2026, 11, 23, 5, 44, 28, 443000, tzinfo=UTC)
    assert run.ended == moment(1795412728442)
    assert run.metrics == {"accuracy": 0.88, "loss": 0.12}
    assert run.params == {"lr": "0.01"}
    assert run.tags == {"stage": "train"}  # MLflow's own tags became fields
    assert run.url == f"{BASE}/#/experiments/1/runs/3cd92c5091814ef58cfef4d29a2a213d"


def test_a_running_run_has_no_end_and_metric_names_are_renamed() -> None:
    raw = SAMPLES["runs_create_0"]["response"]["run"]
    run = parse_run(raw, BASE, {"accuracy": "acc"})
    assert run.status == "RUNNING" and run.ended is None
    assert run.name == "lr-0.1"
    finished = parse_run(
        {
            "info": {"run_id": "r1", "experiment_id": "1", "status": "FINISHED"},
            "data": {"metrics": [{"key": "val/auc", "value": 0.9, "step": 3}]},
        },
        BASE,
        {"val/auc": "val_auc"},
    )
    assert finished.metrics == {"val_auc": 0.9}
    assert finished.name == "r1"  # no run name anywhere: the id's start


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("RUNNING", "RUNNING"),
        ("SCHEDULED", "RUNNING"),
        ("FINISHED", "FINISHED"),
        ("FAILED", "FAILED"),
        ("KILLED", "KILLED"),
        ("finished", "FINISHED"),
        ("EXPLODED", "KILLED"),
        ("", "KILLED"),
    ],
)
def test_statuses_are_normalised(status: str, expected: str) -> None:
    assert normalise_status(status) == expected


def test_nan_strings_and_the_stores_clamped_infinities() -> None:
    # As MLflow 3.17.2 answers: NaN as the string "NaN", ±inf clamped to ±max double.
    body = b"""{"metrics": [
        {"key": "loss", "value": 1.7976931348623157e+308, "timestamp": 2, "step": 1},
        {"key": "loss", "value": "NaN", "timestamp": 1, "step": 0},
        {"key": "loss", "value": -1.7976931348623157e+308, "timestamp": 3, "step": 2},
        {"key": "loss", "value": "0.5", "timestamp": "4", "step": "3"}]}"""
    page = decode(body, HistoryPage, "metrics/get-history")
    points = history(page.metrics)
    assert [step for step, _ in points] == [0, 1, 2, 3]  # oldest step first
    assert math.isnan(points[0][1])
    assert points[1][1] == math.inf and points[2][1] == -math.inf
    assert points[3] == (3, 0.5)


def test_recorded_history() -> None:
    page = decode(response("metrics_get_history"), HistoryPage, "metrics/get-history")
    assert history(page.metrics) == ((0, 0.88),)
    assert page.next_page_token == ""


def test_recorded_experiments() -> None:
    page = decode(response("experiments_search"), ExperimentsPage, "experiments/search")
    assert [(e.experiment_id, e.name) for e in page.experiments] == [
        ("1", "cockpit-demo"),
        ("0", "Default"),
    ]
    one = decode(response("experiments_get_by_name"), ExperimentAnswer, "get-by-name")
    assert one.experiment.name == "cockpit-demo" and one.experiment.lifecycle_stage == "active"


def test_recorded_registry() -> None:
    found = decode(response("registered_models_search"), RegisteredModelsPage, "search")
    assert [(m.name, [a.alias for a in m.aliases or ()]) for m in found.registered_models] == [
        ("churn-model", ["champion"])
    ]
    model = decode(response("registered_models_get"), RegisteredModelAnswer, "get")
    assert model.registered_model.aliases is not None
    answer = decode(response("registered_models_alias_get"), AliasAnswer, "alias")
    version = model_version(answer, "champion", {"3cd92c5091814ef58cfef4d29a2a213d": "1"}, BASE)
    assert version.model == "churn-model" and version.version == "2"
    assert version.run_id == "3cd92c5091814ef58cfef4d29a2a213d"
    assert version.experiment == "1" and version.alias == "champion"
    assert version.promoted == moment(1795412668995)
    assert version.url == f"{BASE}/#/models/churn-model/versions/2"


def test_server_error_messages() -> None:
    assert SAMPLES["registered_models_alias_get_missing"]["status"] == 400  # not 404
    assert server_message(response("registered_models_alias_get_missing")) == (
        "Registered model alias nope not found."
    )
    assert "max_results" in server_message(response("runs_search_too_many"))
    assert server_message(b"<html>bad gateway</html>") == ""


def test_malformed_answers_are_bad_responses() -> None:
    with pytest.raises(MlflowGarbled, match="runs/search is not valid JSON"):
        decode(b"<html>502</html>", RunsPage, "runs/search")
    with pytest.raises(MlflowPayloadError, match="unexpected shape") as caught:
        decode(b'{"runs": [{"info": "nope"}]}', RunsPage, "runs/search")
    assert not isinstance(caught.value, MlflowGarbled)  # asking again would not help
    with pytest.raises(MlflowPayloadError, match="without an id"):
        parse_run({"info": {"experiment_id": "1"}}, BASE)


def test_filter_literals() -> None:
    assert filter_literal("fraud-%") == "'fraud-%'"
    assert filter_literal("bob's") == '"bob\'s"'
    with pytest.raises(ValueError, match="cannot quote"):
        filter_literal("""a'b"c""")


def test_impossible_timestamps_are_absent() -> None:
    assert moment(None) is None and moment(0) is None and moment(-5) is None
    assert moment(10**20) is None
    assert moment(1795412668443) == datetime.fromtimestamp(1795412668.443, UTC)


# --- property tests ----------------------------------------------------------------------

HOSTILE = st.text(
    alphabet=st.sampled_from(["a", "Z", "1", " ", "\x1b", "]", "\x07", "\n", "\u202e", "é", "'"]),
    max_size=12,
)
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NaN", "Infinity", "-Infinity", 1.7976931348623157e308]),
)


@st.composite
def run_documents(draw: st.DrawFn) -> dict[str, Any]:
    info: dict[str, Any] = {
        "run_id": draw(st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)),
        "experiment_id": draw(st.text(alphabet="0123456789", min_size=1, max_size=4)),
    }
    for key, strategy in (
        ("run_name", HOSTILE),
        ("user_id", HOSTILE),
        ("status", st.sampled_from(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED", "?"])),
        ("start_time", st.integers(min_value=-(10**15), max_value=10**17)),
        ("end_time", st.integers(min_value=0, max_value=10**14) | st.text(max_size=3)),
    ):
        if draw(st.booleans()):
            info[key] = draw(strategy)
    entries = st.fixed_dictionaries({"key": HOSTILE, "value": HOSTILE})
    metrics = st.fixed_dictionaries(
        {"key": HOSTILE, "value": VALUES},
        optional={"step": st.integers(0, 10**6), "timestamp": st.integers(0, 10**13)},
    )
    data = {
        "metrics": draw(st.lists(metrics, max_size=4)),
        "params": draw(st.lists(entries, max_size=3)),
        "tags": draw(st.lists(entries, max_size=3)),
    }
    return {"info": info, "data": data}


@given(run_documents(), st.dictionaries(HOSTILE, HOSTILE, max_size=2))
@settings(max_examples=300, deadline=None)
def test_any_run_parses_to_a_clean_run_or_a_bad_response(
    document: dict[str, Any], rename: dict[str, str]
) -> None:
    try:
        run = parse_run(document, BASE, rename)
    except MlflowPayloadError:
        return  # a timestamp sent as text that is no number, and so on: said, not crashed
    assert run.status in {"RUNNING", "FINISHED", "FAILED", "KILLED"}
    assert clean_record(run) == run  # no escape sequence, control or bidi character survives
    assert run.name
    assert run.started is None or run.started.tzinfo is UTC
    assert all(isinstance(value, float) for value in run.metrics.values())
    assert all(not key.startswith("mlflow.") or key in run.tags for key in run.tags)
    msgspec.json.encode(run)  # whatever came in, the store can write it


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["info", "data", "run_id", "metrics",
                                                       "key", "value", "status", "tags"]),
                                      inner, max_size=4),
                    max_leaves=12))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_any_json_is_a_run_or_a_bad_response(document: object) -> None:
    with contextlib.suppress(SourceBadResponse):
        parse_run(document, BASE)


def as_mlflow_sends(value: float | str) -> float | str:
    """NaN as the string "NaN", infinities clamped by the SQL store to the largest double."""
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return math.copysign(1.7976931348623157e308, value)
    return value


@given(st.lists(st.tuples(st.integers(-5, 50), st.integers(0, 10**6), VALUES), max_size=20))
def test_history_is_sorted_by_step_and_keeps_every_point(points: list[Any]) -> None:
    body = json.dumps(
        {
            "metrics": [
                {"key": "m", "step": s, "timestamp": t, "value": as_mlflow_sends(v)}
                for s, t, v in points
            ]
        }
    ).encode()
    parsed = history(decode(body, HistoryPage, "metrics/get-history").metrics)
    assert len(parsed) == len(points)
    steps = [step for step, _ in parsed]
    assert steps == sorted(steps)
    assert all(abs(value) != 1.7976931348623157e308 for _, value in parsed)


# --- the leaderboard's choices ---------------------------------------------------------------


def make_run(run_id: str, **metrics: float) -> Run:
    return Run(run_id=run_id, experiment="1", name=run_id, status="FINISHED", metrics=metrics)


def test_picks_the_most_telling_well_known_metric() -> None:
    runs = [make_run("a", train_loss=0.1, **{"val/auc": 0.8}), make_run("b", loss=0.3)]
    assert pick_metric(runs) == "val/auc"  # matched ignoring separators
    assert pick_metric([make_run("a", zeta=1.0), make_run("b", zeta=2.0, alpha=1.0)]) == "zeta"
    assert pick_metric([make_run("a")]) == ""


def test_experiment_from_the_leaderboard_block() -> None:
    board = Board(
        LeaderboardSettings(
            metric="val/loss",
            per_experiment={"ranker": "ndcg"},
            rank_by="at-best-step",
            step_metric="val/loss",
            directions={"ndcg@10": "lower"},
            rename={"val/loss": "val_loss"},
        )
    )
    fraud = board.experiment("1", "fraud", [], url="u", tracker="mlflow")
    assert fraud.primary_metric == "val_loss" and not fraud.higher_is_better
    assert fraud.step_metric == "val_loss" and not fraud.step_metric_higher_is_better
    assert not fraud.metric_picked and fraud.rank_by == "at-best-step"
    ranker = board.experiment("2", "ranker", [], url="u", tracker="mlflow")
    assert ranker.primary_metric == "ndcg" and ranker.higher_is_better
    assert board.raw_names("val_loss") == ("val/loss", "val_loss")
    picked = Board(LeaderboardSettings(directions={"ndcg": "lower"})).experiment(
        "3", "x", [make_run("a", ndcg=0.5)], url="u", tracker="mlflow"
    )
    assert picked.metric_picked and picked.primary_metric == "ndcg"
    assert not picked.higher_is_better  # the configured direction beats the default


@given(
    st.lists(st.one_of(st.floats(allow_nan=True), st.none()), max_size=30),
    st.integers(0, 5),
    st.booleans(),
)
def test_contenders_hold_the_best_runs_and_every_pinned_one(
    values: list[float | None], limit: int, higher: bool
) -> None:
    runs = [
        make_run(f"r{i}", **({} if value is None else {"m": value}))
        for i, value in enumerate(values)
    ]
    board = Board(LeaderboardSettings(metric="m", history_runs=limit))
    experiment = msgspec.structs.replace(
        board.experiment("1", "e", runs, url="", tracker="mlflow"), higher_is_better=higher
    )
    pinned = {run.run_id for run in runs[::7]}
    chosen = board.contenders(experiment, runs, pinned)
    ids = {run.run_id for run in chosen}
    assert pinned <= ids
    unpinned = ids - pinned
    assert len(unpinned) <= limit
    finite = sorted((v for v in values if v is not None and math.isfinite(v)), reverse=higher)
    if limit and finite:
        # The best finite value is always among the contenders; NaN never displaces it.
        best = finite[0]
        assert any(run.metrics.get("m") == best for run in chosen)
    assert all(
        run.run_id in pinned or math.isfinite(run.metrics.get("m", math.nan)) for run in chosen
    )
