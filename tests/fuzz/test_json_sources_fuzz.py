"""Fuzzing each network source's reading of its JSON: MLflow, W&B, AWS Cost Explorer and
Budgets, Azure Cost Management, OpenCost, and the answers the Confluence client reads back.

Recorded answers (tests/fixtures/, tests/fakes/) are mutated by structure and written as JSON
text (NaN and Infinity tokens, repeated keys, nests thousands deep, invalid UTF-8), or fed as
objects to the parsers that take objects. The outcome is records or the source's own error
(SourceError and its family, or the parse module's shape error that the source turns into
one); nothing else escapes. The per-source property tests in tests/integrations/ generate
answers from schemas; these start from real answers and break them."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from integrations.aws_cost_parse import AwsShapeError, build_rows, parse_budgets, parse_forecast
from integrations.azure_cost_parse import RowShape as AzureShape
from integrations.azure_cost_parse import decode_page, rows_of_pages
from integrations.base import SourceError
from integrations.delivery.base import Answer
from integrations.delivery.confluence import _message_of, _version
from integrations.mlflow_parse import (
    AliasAnswer,
    ExperimentAnswer,
    ExperimentsPage,
    HistoryPage,
    RegisteredModelAnswer,
    RegisteredModelsPage,
    RunsPage,
    build_run,
    decode,
    experiment_name,
    history,
    model_version,
    server_message,
)
from integrations.opencost_parse import RowShape as OpenCostShape
from integrations.opencost_parse import decode_sets, rows_of_sets
from integrations.wandb_parse import (
    WandbShapeError,
    graphql_errors,
    parse_run,
    parse_sampled_history,
)
from tests.fakes.moto_server import USAGE_GROUPS, ce_result, tag_groups
from tests.fuzz.mutations import hostile_values, mutated, plain, to_json

FIXTURES = Path(__file__).parents[1] / "fixtures"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEEP = 3000  # deeper than Python's recursion limit: a recursive decoder must not crash


def deep_json(inner: str = "1") -> bytes:
    return ("[" * DEEP + inner + "]" * DEEP).encode()


def in_key(key: str, body: bytes) -> bytes:
    return b'{"' + key.encode() + b'": ' + body + b"}"


def json_bytes(document: Any) -> st.SearchStrategy[bytes]:
    """A recorded answer, mutated and written as JSON; sometimes cut short or with a bad byte."""
    text = mutated(document, deep=DEEP).map(to_json)
    cut = st.tuples(text, st.integers(0, 10_000)).map(lambda t: t[0][: t[1] % (len(t[0]) + 1)])
    return st.one_of(text, text, cut, st.binary(max_size=80))


# --- MLflow -------------------------------------------------------------------------------

MLFLOW = json.loads((FIXTURES / "mlflow" / "rest_samples.json").read_text(encoding="utf-8"))
MLFLOW_SHAPES: dict[str, type] = {
    "runs_search_page1": RunsPage,
    "runs_search_page2": RunsPage,
    "experiments_search": ExperimentsPage,
    "experiments_get_by_name": ExperimentAnswer,
    "metrics_get_history": HistoryPage,
    "registered_models_alias_get": AliasAnswer,
    "registered_models_get": RegisteredModelAnswer,
    "registered_models_search": RegisteredModelsPage,
}
URL = "http://mlflow.internal:5000"


def read_mlflow(body: bytes, shape: type) -> None:
    """What the MLflow source does with one answer of this shape."""
    answer = decode(body, shape, "/api/2.0/mlflow/endpoint")
    if isinstance(answer, RunsPage):
        for raw in answer.runs:
            build_run(raw, URL, {"f1": "val_f1"})
    elif isinstance(answer, ExperimentsPage):
        for raw in answer.experiments:
            experiment_name(raw)
    elif isinstance(answer, ExperimentAnswer):
        experiment_name(answer.experiment)
    elif isinstance(answer, HistoryPage):
        history(answer.metrics)
    elif isinstance(answer, AliasAnswer):
        model_version(answer, "champion", {}, URL)


@FUZZ
@given(
    st.sampled_from(sorted(MLFLOW_SHAPES)).flatmap(
        lambda name: st.tuples(st.just(name), json_bytes(MLFLOW[name]["response"]))
    )
)
@example(("runs_search_page1", in_key("runs", deep_json())))
@example(("runs_search_page1", in_key("next_page_token", deep_json())))
@example(("metrics_get_history", deep_json("{}")))
def test_any_mlflow_answer_gives_records_or_a_bad_response(sample: tuple[str, bytes]) -> None:
    name, body = sample
    try:
        read_mlflow(body, MLFLOW_SHAPES[name])
    except SourceError as exc:
        assert str(exc).startswith("MLflow")


@FUZZ
@given(json_bytes(MLFLOW["runs_get_missing"]["response"]))
@example(in_key("message", deep_json()))
@example(deep_json())
def test_any_mlflow_error_body_gives_its_message_or_nothing(body: bytes) -> None:
    message = server_message(body)
    assert isinstance(message, str) and "\n" not in message


# --- W&B ----------------------------------------------------------------------------------

WANDB_NODE = {
    "name": "abc123",
    "displayName": "lr-0.1",
    "state": "finished",
    "createdAt": "2026-11-20T10:00:00",
    "heartbeatAt": "2026-11-20T11:00:00",
    "tags": ["baseline"],
    "user": {"username": "maya"},
    "config": json.dumps({"lr": {"value": 0.1}, "layers": {"value": [64, 64]}}),
    "summaryMetrics": '{"val_f1": 0.91, "loss": NaN, "_step": 120}',
    "historyKeys": {"keys": {"val_f1": {}}},
}
HISTORY = [[{"_step": 0, "val_f1": 0.5}, {"_step": 10, "val_f1": 0.7}]]


@FUZZ
@given(mutated(WANDB_NODE))
def test_any_wandb_run_node_gives_a_run_or_a_shape_error(node: Any) -> None:
    try:
        run = parse_run(plain(node), "acme/fraud", "https://wandb.ai", {"f1": "val_f1"})
    except WandbShapeError as exc:
        assert str(exc)
    else:
        assert all(isinstance(v, float) for v in run.metrics.values())


@FUZZ
@given(mutated(HISTORY) | hostile_values())
def test_any_wandb_sampled_history_gives_histories_or_a_shape_error(raw: Any) -> None:
    try:
        parse_sampled_history(plain(raw), ["val_f1"])
    except WandbShapeError as exc:
        assert str(exc)


@FUZZ
@given(
    mutated({"errors": [{"message": "project not found", "path": ["project"]}]}) | hostile_values()
)
def test_any_graphql_answer_gives_its_errors_as_text(answer: Any) -> None:
    assert isinstance(graphql_errors(plain(answer)), str)


# --- AWS Cost Explorer and Budgets ---------------------------------------------------------

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
USAGE = ce_result(USAGE_GROUPS, {TODAY: [("EC2", "BoxUsage:p5.48xlarge", 5.0)],
                                 TODAY - timedelta(days=1): [("S3", "Storage", 1.5)]})  # fmt: skip
TAGS = ce_result(tag_groups("team"), {TODAY: [("team$ml", "BoxUsage:p5.48xlarge", 5.0)]})
FORECAST = {
    "Total": {"Amount": "812.5", "Unit": "USD"},
    "ForecastResultsByTime": [
        {"TimePeriod": {"Start": "2026-11-23", "End": "2026-12-01"},
         "MeanValue": "812.5", "PredictionIntervalLowerBound": "700",
         "PredictionIntervalUpperBound": "900"},
    ],
}  # fmt: skip
BUDGETS = [
    {"BudgetName": "ML", "TimeUnit": "MONTHLY", "BudgetType": "COST",
     "BudgetLimit": {"Amount": "500", "Unit": "USD"},
     "CalculatedSpend": {"ActualSpend": {"Amount": "120", "Unit": "USD"}},
     "CostFilters": {"Service": ["Amazon Elastic Compute Cloud - Compute"]}},
    {"BudgetName": "ramp", "TimeUnit": "MONTHLY", "BudgetType": "COST",
     "PlannedBudgetLimits": {
         str(int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())): {"Amount": "500", "Unit": "USD"}
     }},
]  # fmt: skip
AWS = {"usage": [USAGE], "tags": [TAGS], "forecast": FORECAST, "budgets": BUDGETS}


@FUZZ
@given(mutated(AWS))
@example({**AWS, "usage": [{"ResultsByTime": [None]}]})
@example(
    {
        **AWS,
        "usage": [{"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-23"}, "Groups": [None]}]}],
    }
)
@example({**AWS, "usage": [ce_result(USAGE_GROUPS, {TODAY: [("EC2", "Box", math.nan)]})]})
@example({**AWS, "budgets": [[]]})
@example({**AWS, "budgets": [{**BUDGETS[0], "CalculatedSpend": ["x"]}]})
def test_any_aws_answers_give_cost_records_or_a_shape_error(answers: Any) -> None:
    answers = plain(answers)
    if not isinstance(answers, dict):
        answers = {}

    def listed(key: str) -> list[Any]:
        # boto3 gathers the pages (and the budgets) into a list itself.
        found = answers.get(key)
        return found if isinstance(found, list) else []

    try:
        rows = build_rows(listed("usage"), listed("tags"), metric="UnblendedCost",
                          tag_key="team", account="123456789012")  # fmt: skip
        parse_forecast(answers.get("forecast", {}), TODAY, date(2026, 12, 1))
        parse_budgets(listed("budgets"), NOW)
    except AwsShapeError as exc:
        assert str(exc)
    else:
        assert all(math.isfinite(row.amount) for row in rows)


# --- Azure Cost Management ----------------------------------------------------------------

AZURE = json.loads(
    (FIXTURES / "azure" / "SubscriptionQueryGrouping.example.json").read_text(encoding="utf-8")
)["response_200"]
AZURE_SHAPE = AzureShape("PreTaxCost", "sub-1", tag_key="team")


@FUZZ
@given(json_bytes(AZURE))
@example(in_key("properties", deep_json()))
@example(deep_json())
def test_any_azure_answer_gives_rows_or_the_sources_own_error(body: bytes) -> None:
    try:
        rows_of_pages([decode_page(body)], AZURE_SHAPE, date(2000, 1, 1), date(2100, 1, 1))
    except SourceError as exc:
        assert str(exc)
    except msgspec.DecodeError:
        pass  # not JSON at all: the source asks once more, then says so (tests/faults/)


# --- OpenCost -----------------------------------------------------------------------------

OPENCOST = json.loads(
    (FIXTURES / "opencost" / "opencost_allocation_compute_2d_namespace.json").read_text(
        encoding="utf-8"
    )
)
OPENCOST_SHAPE = OpenCostShape("Kubernetes", "USD", ("namespace",))


@FUZZ
@given(json_bytes(OPENCOST))
@example(in_key("data", deep_json()))
@example(b'{"code": 200, "data": [{"a": ' + deep_json() + b"}]}")
@example(deep_json())
def test_any_opencost_answer_gives_rows_or_the_sources_own_error(body: bytes) -> None:
    try:
        rows_of_sets(decode_sets(body), OPENCOST_SHAPE, date(2000, 1, 1), date(2100, 1, 1))
    except SourceError as exc:
        assert str(exc)
    except msgspec.DecodeError:
        pass  # not JSON at all: the source asks once more, then says so (tests/faults/)


# --- what the Confluence client reads back -------------------------------------------------

CONFLUENCE_PAGE = {
    "id": "98765",
    "title": "Weekly status 2026-W48",
    "version": {"number": 3, "message": "cockpit"},
    "_links": {"webui": "/spaces/ML/pages/98765", "base": "https://acme.atlassian.net/wiki"},
}


@FUZZ
@given(json_bytes({"statusCode": 400, "message": "A page with this title already exists"}))
@example(in_key("message", deep_json()))
@example(deep_json())
def test_any_confluence_error_body_gives_its_message_or_nothing(body: bytes) -> None:
    answer = Answer(status=400, headers=httpx.Headers(), body=body)
    assert isinstance(_message_of(answer), str)


@FUZZ
@given(mutated(CONFLUENCE_PAGE))
def test_any_confluence_page_gives_a_version_table(page: Any) -> None:
    page = plain(page)
    if isinstance(page, dict):
        assert isinstance(_version(page), dict)
