"""The W&B parsers: GraphQL run nodes (with their JSON-string summary and config) to records."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.models import Run
from cockpit.text_safety import is_clean_line
from integrations.wandb_parse import (
    PARAM_LENGTH,
    STATES,
    WandbShapeError,
    filter_time,
    graphql_errors,
    number,
    parse_config,
    parse_run,
    parse_sampled_history,
    parse_summary,
    parse_tags,
    parse_time,
    ui_url_of,
)

NODE = {
    "id": "UnVuOnYxOnIwMDAx",
    "name": "3k9x2m1a",
    "displayName": "lr-sweep-7",
    "state": "finished",
    "tags": ["baseline", "champion"],
    "createdAt": "2026-11-20T08:00:00",
    "heartbeatAt": "2026-11-20T09:30:00",
    "user": {"username": "priya", "name": "Priya Raman"},
    "summaryMetrics": (
        '{"val_loss": 0.21, "val_acc": 0.93, "diverged": NaN, "worst": "NaN", "big": Infinity,'
        ' "_step": 29, "_runtime": 5400, "_wandb": {"runtime": 5400}, "optimizer": "adamw",'
        ' "cm": {"_type": "table-file"}, "done": true, "huge": 1' + "0" * 400 + "}"
    ),
    "config": json.dumps(
        {
            "lr": {"value": 0.001, "desc": None},
            "batch_size": {"value": 64, "desc": "per device"},
            "optimizer": {"value": {"name": "adamw", "betas": [0.9, 0.999]}, "desc": None},
            "use_amp": {"value": True, "desc": None},
            "note": {"value": None, "desc": None},
            "_wandb": {"value": {"cli_version": "0.19.0"}, "desc": None},
        }
    ),
}


def test_a_run_node_becomes_a_run() -> None:
    run = parse_run(NODE, "acme/fraud", "https://wandb.ai")
    assert run.run_id == "acme/fraud/3k9x2m1a"  # W&B's run path: ids repeat across projects
    assert run.experiment == "acme/fraud"
    assert run.name == "lr-sweep-7"
    assert run.status == "FINISHED"
    assert run.user == "priya"
    assert run.started == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert run.ended == run.heartbeat == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert run.url == "https://wandb.ai/acme/fraud/runs/3k9x2m1a"
    assert run.tags == {"baseline": "", "champion": ""}
    # Numbers only; W&B's own `_` keys, text, booleans and nested objects are no metrics.
    assert set(run.metrics) == {"val_loss", "val_acc", "diverged", "worst", "big", "huge"}
    assert run.metrics["val_loss"] == 0.21
    assert math.isnan(run.metrics["diverged"]) and math.isnan(run.metrics["worst"])
    assert run.metrics["big"] == math.inf and run.metrics["huge"] == math.inf
    assert all(type(value) is float for value in run.metrics.values())
    assert run.params == {
        "lr": "0.001",
        "batch_size": "64",
        "optimizer.name": "adamw",
        "optimizer.betas": "[0.9, 0.999]",
        "use_amp": "True",
        "note": "None",
    }


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("running", "RUNNING"),
        ("finished", "FINISHED"),
        ("crashed", "FAILED"),
        ("failed", "FAILED"),
        ("killed", "KILLED"),
        ("preempting", "RUNNING"),
        ("preempted", "KILLED"),
        ("pending", "RUNNING"),
        ("Finished", "FINISHED"),
        ("something-new", "RUNNING"),
        (None, "RUNNING"),
    ],
)
def test_states(state: str | None, status: str) -> None:
    run = parse_run({**NODE, "state": state}, "acme/fraud")
    assert run.status == status
    assert (run.ended is None) == (status == "RUNNING")


def test_every_documented_state_is_mapped() -> None:
    documented = {"running", "finished", "crashed", "failed", "killed", "preempting", "preempted"}
    assert documented <= STATES.keys()
    assert set(STATES.values()) == {"RUNNING", "FINISHED", "FAILED", "KILLED"}


def test_an_ended_run_without_heartbeat_ends_after_its_runtime() -> None:
    run = parse_run({**NODE, "heartbeatAt": None}, "acme/fraud")
    assert run.ended == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # 08:00 + 5,400 s
    assert run.heartbeat is None


def test_renamed_metrics_and_missing_fields() -> None:
    run = parse_run(NODE, "acme/fraud", rename={"val_acc": "accuracy"})
    assert "accuracy" in run.metrics and "val_acc" not in run.metrics
    bare = parse_run({"name": "abc"}, "acme/fraud")
    assert bare == Run(run_id="acme/fraud/abc", experiment="acme/fraud", name="abc",
                       status="RUNNING")  # fmt: skip
    with pytest.raises(WandbShapeError, match="without its id"):
        parse_run({"displayName": "x"}, "acme/fraud")
    with pytest.raises(WandbShapeError):
        parse_run({**NODE, "createdAt": "yesterday"}, "acme/fraud")
    with pytest.raises(WandbShapeError):
        parse_run({**NODE, "summaryMetrics": '{"val_loss": 0.2'}, "acme/fraud")


def test_hostile_text_is_cleaned() -> None:
    node = {
        **NODE,
        "displayName": "run\x1b]0;pwned\x07 \u202eeviL",
        "tags": ["ok", "\x1b[2Jwipe", 5, ""],
        "user": {"username": "ev\x07il"},
        "summaryMetrics": json.dumps({"lo\x1b[31mss": 0.5}),
        "config": json.dumps({"k\ney": {"value": "v\x1b]52;c;AAAA\x07al", "desc": None}}),
    }
    run = parse_run(node, "acme/fraud")
    texts = [run.name, run.user, *run.tags, *run.metrics, *run.params, *run.params.values()]
    assert all(is_clean_line(text) for text in texts)
    assert run.name == "run eviL" and run.tags == {"ok": "", "wipe": ""}
    assert run.params == {"k ey": "val"}


def test_config_values_are_cut_and_deep_dicts_kept_as_json() -> None:
    config = {
        "prompt": {"value": "x" * 5000},
        "deep": {"value": {"a": {"b": {"c": {"d": {"e": 1}}}}}},
    }
    params = parse_config(json.dumps(config))
    assert len(params["prompt"]) == PARAM_LENGTH
    assert params["deep.a.b.c.d"] == '{"e": 1}'
    assert parse_config("[1, 2]") == {} and parse_config(None) == {} and parse_config("") == {}
    assert parse_config({"lr": {"value": 0.1}}) == {"lr": "0.1"}  # already decoded


def test_tags() -> None:
    assert parse_tags(None) == {} and parse_tags("champion") == {}
    assert parse_tags(["a", "a", " b "]) == {"a": "", "b": ""}


def test_times_and_filters() -> None:
    moment = datetime(2026, 11, 23, 9, 30, 5, tzinfo=UTC)
    assert filter_time(moment) == "2026-11-23T09:30:05"
    assert parse_time(filter_time(moment)) == moment
    assert parse_time("2026-11-23T09:30:05Z") == moment
    assert parse_time("2026-11-23T10:30:05.123+01:00") == moment + timedelta(microseconds=123000)
    assert parse_time(None) is None and parse_time("") is None
    with pytest.raises(WandbShapeError):
        parse_time(17)


def test_ui_urls() -> None:
    assert ui_url_of("https://api.wandb.ai") == "https://wandb.ai"
    assert ui_url_of("https://api.wandb.ai/") == "https://wandb.ai"
    assert ui_url_of("https://wandb.acme.internal") == "https://wandb.acme.internal"
    assert ui_url_of("http://127.0.0.1:8080") == "http://127.0.0.1:8080"


def test_sampled_history() -> None:
    raw = [
        [
            {"_step": 0, "val_loss": 0.9},
            {"_step": 1, "val_loss": 0.5},
            {"_step": 2, "val_loss": "NaN"},
            {"val_loss": 0.7},  # no step: the one after the last
            {"_step": 5, "val_loss": "text"},
            "junk",
        ],
        [{"_step": 0, "val_acc": 0.5}],
        [{"_step": 0}],
    ]
    histories = parse_sampled_history(raw, ["val_loss", "val_acc", "f1"])
    loss = histories["val_loss"]
    assert [step for step, _ in loss] == [0, 1, 2, 3]
    assert loss[0] == (0, 0.9) and loss[1] == (1, 0.5) and math.isnan(loss[2][1])
    assert histories["val_acc"] == ((0, 0.5),)
    assert "f1" not in histories
    assert parse_sampled_history(None, ["a"]) == {}
    from_text = parse_sampled_history(json.dumps(raw), ["val_loss"])["val_loss"]
    assert [step for step, _ in from_text] == [0, 1, 2, 3]  # the list may come as a JSON string


def test_graphql_errors_are_cleaned_and_cut() -> None:
    answer = {"errors": [{"message": "bad \x1b]0;x\x07thing " + "y" * 500}, "plain", {}]}
    text = graphql_errors(answer)
    assert is_clean_line(text) and text.startswith("bad thing")
    assert len(text) < 450 and "plain" in text and "no message" in text
    assert graphql_errors({"data": {}}) == "" and graphql_errors([1]) == ""


def test_numbers() -> None:
    assert number(True) is None and number("0.5") is None and number(None) is None
    assert number(3) == 3.0 and type(number(3)) is float
    assert number("-Infinity") == -math.inf and math.isnan(number(" nan ") or 0.0)
    assert number(-(10**400)) == -math.inf


# --- properties -------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["NaN", "nan", "Infinity", "-Infinity", "inf", "adam", "0.5", ""])
    | st.text(max_size=20)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), _JSON, max_size=8))
def test_any_summary_gives_float_metrics(document: dict) -> None:
    raw = json.dumps(document)  # as Python writes it: bare NaN and Infinity tokens
    metrics, runtime = parse_summary(raw)
    assert all(type(value) is float for value in metrics.values())
    assert runtime is None or math.isfinite(runtime)
    for key, value in document.items():
        expected = number(value)
        if key.startswith("_") or expected is None or not is_clean_line(key) or not key:
            continue
        got = metrics[key]
        assert got == expected or (math.isnan(got) and math.isnan(expected))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_summary_text_never_crashes(raw: str) -> None:
    try:
        metrics, _runtime = parse_summary(raw)
    except WandbShapeError:
        return
    assert all(type(value) is float for value in metrics.values())


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_any_config_gives_clean_string_params(document: object) -> None:
    params = parse_config(json.dumps(document))
    for key, value in params.items():
        assert isinstance(value, str) and len(value) <= PARAM_LENGTH
        assert is_clean_line(key) and is_clean_line(value)


_NODE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=10) | _SCALARS,
        "displayName": st.text(max_size=10) | _SCALARS,
        "state": st.sampled_from([*STATES, "odd"]) | _SCALARS,
        "tags": st.lists(st.text(max_size=6) | _SCALARS, max_size=3) | _SCALARS,
        "createdAt": st.just("2026-11-20T08:00:00") | _SCALARS,
        "heartbeatAt": st.just("2026-11-20T09:00:00Z") | _SCALARS,
        "user": st.dictionaries(st.sampled_from(["username", "name"]), _SCALARS) | _SCALARS,
        "summaryMetrics": _JSON.map(json.dumps) | _SCALARS,
        "config": _JSON.map(json.dumps) | _SCALARS,
    },
)


@settings(max_examples=300, deadline=None)
@given(_NODE_FIELDS)
def test_any_node_gives_a_clean_run_or_a_shape_error(node: dict) -> None:
    try:
        run = parse_run(node, "acme/fraud", "https://wandb.ai")
    except WandbShapeError:
        return
    assert run.status in {"RUNNING", "FINISHED", "FAILED", "KILLED"}
    assert all(type(value) is float for value in run.metrics.values())
    for text in (run.name, run.user, run.run_id, *run.tags, *run.params.values()):
        assert is_clean_line(text)
    msgspec.json.encode(run)  # a record the store can write
