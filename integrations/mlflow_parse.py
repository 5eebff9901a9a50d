"""MLflow REST JSON → records. Pure functions, no network.

MLflow answers in protobuf-JSON style: empty fields are left out (`end_time` while a run is
running, `tags` when there are none, `next_page_token` on the last page), timestamps are epoch
milliseconds, a NaN metric arrives as the string "NaN", and the SQL store keeps ±infinity as
±1.7976931348623157e308. Pages are decoded straight into typed structs (msgspec, lenient about
numbers sent as strings): a page of 50,000 runs decodes several times faster, and in a fraction
of the memory, than as Python dicts.

Anything without the expected shape raises `MlflowPayloadError` naming the endpoint, never a bare
KeyError. Every text in a record is cleaned of control characters and escape sequences here
(`cockpit.text_safety`): whoever can name a run must not reach the lead's terminal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from cockpit.models import MetricHistory, ModelVersion, Run
from cockpit.text_safety import clean_line, clean_record
from integrations.base import SourceBadResponse

# MLflow's statuses onto the four every surface knows: a scheduled run has started as far as a
# lead is concerned (it holds a slot, it is not done).
STATUSES = {
    "RUNNING": "RUNNING",
    "SCHEDULED": "RUNNING",
    "FINISHED": "FINISHED",
    "FAILED": "FAILED",
    "KILLED": "KILLED",
}
# MLflow's own tags worth keeping; the other `mlflow.*` tags (source file, log-model history,
# git diff…) are bulky and shown nowhere. `mlflow.user` and `mlflow.runName` become fields.
KEPT_SYSTEM_TAGS = frozenset(
    {"mlflow.note.content", "mlflow.parentRunId", "mlflow.source.git.commit"}
)
# The SQL store clamps ±inf to the largest double; read back, that is infinity again, and so it
# never wins a "higher is better" board.
_CLAMPED_INFINITY = 1.7976931348623157e308
_NO_USER = frozenset({"", "unknown"})  # what the client writes when it cannot tell


class MlflowPayloadError(SourceBadResponse):
    """MLflow answered with JSON of an unexpected shape."""


class MlflowGarbled(MlflowPayloadError):
    """The answer is not JSON at all: worth asking for once more."""


# --- wire shapes (only the fields the cockpit reads; the rest are skipped while decoding) ---


class RawTag(msgspec.Struct, frozen=True):
    key: str
    value: str = ""


class RawMetric(msgspec.Struct, frozen=True):
    key: str
    value: float = math.nan
    timestamp: int = 0
    step: int = 0


class RawRunInfo(msgspec.Struct, frozen=True):
    run_id: str = ""
    run_uuid: str = ""  # the old name of run_id, still sent beside it
    experiment_id: str = ""
    run_name: str = ""
    user_id: str = ""
    status: str = ""
    start_time: int | None = None
    end_time: int | None = None
    lifecycle_stage: str = "active"


class RawRunData(msgspec.Struct, frozen=True):
    metrics: list[RawMetric] = msgspec.field(default_factory=list)
    params: list[RawTag] = msgspec.field(default_factory=list)
    tags: list[RawTag] = msgspec.field(default_factory=list)


class RawRun(msgspec.Struct, frozen=True):
    info: RawRunInfo
    data: RawRunData = msgspec.field(default_factory=RawRunData)


class RunsPage(msgspec.Struct, frozen=True):
    runs: list[RawRun] = msgspec.field(default_factory=list)
    next_page_token: str = ""


class RawExperiment(msgspec.Struct, frozen=True):
    experiment_id: str
    name: str = ""
    lifecycle_stage: str = "active"


class ExperimentsPage(msgspec.Struct, frozen=True):
    experiments: list[RawExperiment] = msgspec.field(default_factory=list)
    next_page_token: str = ""


class ExperimentAnswer(msgspec.Struct, frozen=True):
    experiment: RawExperiment


class HistoryPage(msgspec.Struct, frozen=True):
    metrics: list[RawMetric] = msgspec.field(default_factory=list)
    next_page_token: str = ""


class RawRunMetric(RawMetric, frozen=True):
    run_id: str = ""


class BulkHistoryPage(msgspec.Struct, frozen=True):
    """metrics/get-history-bulk: the points of one metric for several runs, each with its run."""

    metrics: list[RawRunMetric] = msgspec.field(default_factory=list)


class RawAlias(msgspec.Struct, frozen=True):
    alias: str
    version: str = ""


class RawRegisteredModel(msgspec.Struct, frozen=True):
    name: str
    # Left out when the model has none (protobuf JSON drops empty lists), and by servers from
    # before aliases (MLflow < 2.3): then every configured alias is asked for.
    aliases: list[RawAlias] | None = None


class RegisteredModelsPage(msgspec.Struct, frozen=True):
    registered_models: list[RawRegisteredModel] = msgspec.field(default_factory=list)
    next_page_token: str = ""


class RegisteredModelAnswer(msgspec.Struct, frozen=True):
    registered_model: RawRegisteredModel


class RawModelVersion(msgspec.Struct, frozen=True):
    name: str
    version: str
    run_id: str = ""
    last_updated_timestamp: int | None = None
    creation_timestamp: int | None = None


class AliasAnswer(msgspec.Struct, frozen=True):
    model_version: RawModelVersion


class ServerError(msgspec.Struct, frozen=True):
    error_code: str = ""
    message: str = ""


T = TypeVar("T")


def decode(body: bytes, shape: type[T], where: str) -> T:
    """One answer, decoded into `shape`; `where` (the endpoint) names it in the error."""
    try:
        return msgspec.json.decode(body, type=shape, strict=False)
    except msgspec.ValidationError as exc:
        raise MlflowPayloadError(
            f"MLflow's answer from {where} has an unexpected shape: {exc}"
        ) from None
    except msgspec.DecodeError as exc:
        raise MlflowGarbled(f"MLflow's answer from {where} is not valid JSON") from exc
    except RecursionError:  # msgspec recurses once per level of nesting
        raise MlflowPayloadError(
            f"MLflow's answer from {where} has an unexpected shape: nested too deeply"
        ) from None


def convert(document: object, shape: type[T], where: str) -> T:
    """Like `decode`, from already-parsed JSON (tests, recorded samples)."""
    try:
        return msgspec.convert(document, type=shape, strict=False)
    except msgspec.ValidationError as exc:
        raise MlflowPayloadError(
            f"MLflow's answer from {where} has an unexpected shape: {exc}"
        ) from None


# --- small values ---------------------------------------------------------------------


def moment(milliseconds: int | None) -> datetime | None:
    """An epoch-milliseconds timestamp as UTC; None for absent, zero or impossible values."""
    if not milliseconds or milliseconds < 0:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def milliseconds(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def metric_value(value: float) -> float:
    if value >= _CLAMPED_INFINITY:
        return math.inf
    if value <= -_CLAMPED_INFINITY:
        return -math.inf
    return value


def normalise_status(status: str) -> str:
    # An unknown state is not a success: it never ranks as a finished run.
    return STATUSES.get(status.upper(), "KILLED")


def filter_literal(value: str) -> str:
    """A value quoted for an MLflow search filter. MLflow's filter grammar has no escapes, so a
    value holding both kinds of quote cannot be written at all."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError(f"{value!r} holds both ' and \", which an MLflow filter cannot quote")


# --- runs -------------------------------------------------------------------------------


def run_url(base_url: str, experiment_id: str, run_id: str) -> str:
    return f"{base_url}/#/experiments/{experiment_id}/runs/{run_id}"


def experiment_url(base_url: str, experiment_id: str) -> str:
    return f"{base_url}/#/experiments/{experiment_id}"


def model_url(base_url: str, model: str, version: str) -> str:
    return f"{base_url}/#/models/{model}/versions/{version}"


def build_run(raw: RawRun, base_url: str, rename: Mapping[str, str]) -> Run:
    """One run as the cockpit keeps it: the last value of each metric (renamed to the names
    used across trackers), params, the tags worth showing, a link to its page."""
    info = raw.info
    run_id = info.run_id or info.run_uuid
    if not run_id:
        raise MlflowPayloadError("MLflow sent a run without an id (runs/search)")
    tags: dict[str, str] = {}
    name = info.run_name
    user = "" if info.user_id in _NO_USER else info.user_id
    for tag in raw.data.tags:
        key = tag.key
        if not key.startswith("mlflow."):
            tags[key] = tag.value
        elif key == "mlflow.runName":
            name = name or tag.value
        elif key == "mlflow.user":
            user = user or ("" if tag.value in _NO_USER else tag.value)
        elif key in KEPT_SYSTEM_TAGS:
            tags[key] = tag.value
    metrics: dict[str, float] = {}
    for metric in raw.data.metrics:
        metrics[rename.get(metric.key, metric.key)] = metric_value(metric.value)
    run = Run(
        run_id=run_id,
        experiment=info.experiment_id,
        name=clean_line(name) or clean_line(run_id[:8]),
        status=normalise_status(info.status),
        user=user,
        started=moment(info.start_time),
        ended=moment(info.end_time),
        metrics=metrics,
        params={param.key: param.value for param in raw.data.params},
        tags=tags,
        url=run_url(base_url, info.experiment_id, run_id),
    )
    return clean_record(run)


def parse_run(document: Any, base_url: str, rename: Mapping[str, str] | None = None) -> Run:
    """One run from its JSON (an element of runs/search's `runs`)."""
    return build_run(convert(document, RawRun, "runs/search"), base_url, rename or {})


def history(metrics: Sequence[RawMetric]) -> MetricHistory:
    """A metric's history oldest step first; values logged at one step keep their order in
    time. NaN stays (it never ranks); the store's clamped infinities are infinite again."""
    ordered = sorted(metrics, key=lambda m: (m.step, m.timestamp))
    return tuple((m.step, metric_value(m.value)) for m in ordered)


# --- experiments and the registry -------------------------------------------------------


def experiment_name(raw: RawExperiment) -> str:
    return clean_line(raw.name) or raw.experiment_id


def model_version(
    answer: AliasAnswer, alias: str, experiment_of: Mapping[str, str], base_url: str
) -> ModelVersion:
    """The version an alias points at. `experiment_of` maps run ids to their experiment ids,
    for the runs this sync knows."""
    raw = answer.model_version
    return clean_record(
        ModelVersion(
            model=raw.name,
            version=raw.version,
            run_id=raw.run_id,
            alias=alias,
            promoted=moment(raw.last_updated_timestamp or raw.creation_timestamp),
            experiment=experiment_of.get(raw.run_id, ""),
            url=model_url(base_url, raw.name, raw.version),
        )
    )


def server_message(body: bytes) -> str:
    """The `message` of MLflow's error JSON, cleaned, or "" when the body is something else."""
    try:
        error = msgspec.json.decode(body, type=ServerError, strict=False)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return ""
    return clean_line(error.message)[:300]
