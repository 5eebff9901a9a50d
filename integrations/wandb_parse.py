"""Weights & Biases GraphQL answers → experiment records. Pure functions, no I/O.

W&B sends a run's `summaryMetrics` and `config` as JSON strings inside the JSON answer. Those
strings come from whatever the user's training script logged: NaN and infinities (as the bare
`NaN`/`Infinity` tokens Python writes, or as strings), booleans, nested dicts, media objects,
numbers too large for a float. Nothing in them may crash a sync or reach a record uncleaned:
metrics keep the finite and non-finite numbers (as floats, never as strings) and drop the rest;
params become one-line strings. Every text a server sends goes through `clean_line`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from cockpit.models import MetricHistory, Run
from cockpit.text_safety import clean_line

RUNNING, FINISHED, FAILED, KILLED = "RUNNING", "FINISHED", "FAILED", "KILLED"

# W&B's run states onto the four the cockpit knows.
# - `crashed` (the process died without saying so: heartbeats stopped) and `failed` (it exited
#   non-zero) are failures of the run itself.
# - `preempting` is a run the scheduler is stopping right now: it is still alive and still
#   heartbeating, so it is RUNNING until W&B says how it ended.
# - `preempted` is a run the scheduler took its machine from: it did not finish and it was not
#   its code's fault. KILLED (like a run stopped by hand), not FAILED, so that preemptible
#   capacity does not show up as a team's failure rate going up. A preempted run that is
#   resumed comes back as `running`.
# - `pending` (queued by W&B Launch) has not started: RUNNING, as MLflow's SCHEDULED is.
# An unknown state counts as RUNNING: a running run is fetched again at the next sync, so the
# run is corrected as soon as W&B reports a state we know, and it never ranks meanwhile.
STATES = {
    "running": RUNNING,
    "pending": RUNNING,
    "preempting": RUNNING,
    "finished": FINISHED,
    "crashed": FAILED,
    "failed": FAILED,
    "killed": KILLED,
    "preempted": KILLED,
}

_NON_FINITE = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}
PARAM_LENGTH = 500  # a config value longer than this (a whole prompt, a file list) is cut
_NESTED_PARAMS = 4  # config dicts are flattened this deep ("optimizer.betas"); deeper: JSON
RUNTIME_KEY = "_runtime"  # seconds the run has run, in the summary


class WandbShapeError(ValueError):
    """An answer that is JSON but not the shape W&B sends (a run without its id, …)."""


# --- values ---------------------------------------------------------------------------


def number(value: object) -> float | None:
    """A metric value as a float: numbers, and NaN/inf however they were written; None for
    anything else (text, booleans, nested objects)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an integer past 1e308
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return _NON_FINITE.get(value.strip().lower())
    return None


def json_document(raw: object, what: str) -> Any:
    """A JSON string inside the answer (summaryMetrics, config), decoded. Python's decoder reads
    the bare NaN and Infinity tokens wandb writes. Already-decoded objects pass through (some
    W&B Server versions send JSON scalars as objects); null and "" are an empty object."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise WandbShapeError(f"W&B sent {what} that is not valid JSON") from None


def parse_time(value: object, what: str = "a time") -> datetime | None:
    """W&B's times: `2026-11-23T09:30:00` (UTC, without a zone), or with `Z` or an offset."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise WandbShapeError(f"W&B sent {what} as {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WandbShapeError(f"W&B sent {what} as {clean_line(value)[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def filter_time(moment: datetime) -> str:
    """A moment as W&B writes `createdAt` (UTC, no zone), for a `created_at` filter."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# --- summary, config, tags --------------------------------------------------------------


def parse_summary(
    raw: object, rename: Mapping[str, str] | None = None
) -> tuple[dict[str, float], float | None]:
    """The run's metrics (numeric top-level values) and its `_runtime` in seconds.

    W&B's own keys (`_step`, `_timestamp`, `_wandb`…) are not metrics. Nested values (media,
    histograms, a metric's min/max when `define_metric` asks for them) and text are left out.
    """
    document = json_document(raw, "a run's summaryMetrics")
    if not isinstance(document, dict):
        return {}, None
    rename = rename or {}
    metrics: dict[str, float] = {}
    runtime: float | None = None
    for key, value in document.items():
        if not isinstance(key, str):
            continue
        if key.startswith("_"):
            if key == RUNTIME_KEY:
                seconds = number(value)
                # Seconds; past a century it is garbage, and no date could hold it.
                runtime = seconds if seconds is not None and 0 <= seconds < 3.2e9 else None
            continue
        found = number(value)
        if found is None:
            continue
        name = clean_line(rename.get(key, key))
        if name:
            metrics[name] = found
    return metrics, runtime


def parse_config(raw: object) -> dict[str, str]:
    """The run's config as params: one string per value, nested dicts flattened with dots.

    W&B wraps each value as `{"value": ..., "desc": ...}`; `_wandb` and other `_` keys are
    its own bookkeeping.
    """
    document = json_document(raw, "a run's config")
    if not isinstance(document, dict):
        return {}
    params: dict[str, str] = {}
    for key, wrapped in document.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        _flatten(params, key, _unwrap(wrapped), 0)
    return params


def _unwrap(wrapped: object) -> object:
    if isinstance(wrapped, dict) and "value" in wrapped and set(wrapped) <= {"value", "desc"}:
        return wrapped["value"]
    return wrapped


def _flatten(out: dict[str, str], key: str, value: object, depth: int) -> None:
    if isinstance(value, dict) and value and depth < _NESTED_PARAMS:
        for inner, item in value.items():
            _flatten(out, f"{key}.{inner}", item, depth + 1)
        return
    name = clean_line(key)
    if name:
        out[name] = clean_line(_as_text(value))[:PARAM_LENGTH]


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return str(value)  # as MLflow's log_param writes them: "True", "0.001", "None"
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (ValueError, RecursionError):
        return str(type(value).__name__)


def parse_tags(raw: object) -> dict[str, str]:
    """W&B tags are bare labels: each becomes a tag with no value."""
    if not isinstance(raw, list):
        return {}
    tags: dict[str, str] = {}
    for tag in raw:
        if isinstance(tag, str) and (name := clean_line(tag).strip()):
            tags[name] = ""
    return tags


# --- runs -------------------------------------------------------------------------------


def run_path(experiment: str, name: str) -> str:
    """A run's id in the cockpit: W&B's run path `entity/project/run-id`, unique across
    projects (a run id is unique only within its project, and teams reuse ids like
    "baseline")."""
    return f"{experiment}/{name}"


def run_name_of(path: str) -> str:
    """W&B's own run id from a cockpit run id."""
    return path.rsplit("/", 1)[-1]


def parse_run(
    node: object,
    experiment: str,
    ui_url: str = "",
    rename: Mapping[str, str] | None = None,
) -> Run:
    """One `runs.edges[].node`. `experiment` is "entity/project"; `ui_url` is W&B's web app
    (https://wandb.ai), for the run's link."""
    if not isinstance(node, dict):
        raise WandbShapeError("W&B sent a run that is not an object")
    name = node.get("name")
    if not isinstance(name, str) or not clean_line(name).strip():
        raise WandbShapeError("W&B sent a run without its id (name)")
    name = clean_line(name).strip()
    state = node.get("state")
    status = STATES.get(state.lower() if isinstance(state, str) else "", RUNNING)
    metrics, runtime = parse_summary(node.get("summaryMetrics"), rename)
    started = parse_time(node.get("createdAt"), f"the start of run {name}")
    heartbeat = parse_time(node.get("heartbeatAt"), f"the heartbeat of run {name}")
    ended = None
    if status != RUNNING:
        # W&B keeps no end time: the last heartbeat is when the run was last alive. Without
        # one, the start plus the run's own runtime.
        ended = heartbeat
        if ended is None and started is not None and runtime is not None:
            ended = started + timedelta(seconds=runtime)
    display = node.get("displayName")
    shown = clean_line(display).strip() if isinstance(display, str) else ""
    user = node.get("user")
    who = ""
    if isinstance(user, dict):
        who = next((u for u in (user.get("username"), user.get("name")) if isinstance(u, str)), "")
    return Run(
        run_id=run_path(experiment, name),
        experiment=experiment,
        name=shown or name,
        status=status,
        user=clean_line(who),
        started=started,
        ended=ended,
        metrics=metrics,
        params=parse_config(node.get("config")),
        tags=parse_tags(node.get("tags")),
        url=f"{ui_url}/{_quoted_path(experiment)}/runs/{quote(name, safe='')}" if ui_url else "",
        heartbeat=heartbeat,
    )


def _quoted_path(experiment: str) -> str:
    return "/".join(quote(part, safe="") for part in experiment.split("/"))


def experiment_url(ui_url: str, experiment: str) -> str:
    return f"{ui_url}/{_quoted_path(experiment)}" if ui_url else ""


def ui_url_of(api_url: str) -> str:
    """W&B's web app for an API address: https://api.wandb.ai → https://wandb.ai (and the
    same for W&B's other `api.wandb.*` hosts). W&B Server serves the app and the API from one
    address, so anything else is its own app."""
    url = api_url.rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.startswith("api.wandb."):
        return url.replace("://api.", "://", 1)
    return url


# --- histories --------------------------------------------------------------------------


def history_spec(key: str, samples: int) -> str:
    """One `sampledHistory` spec: the steps and one metric, down-sampled by W&B."""
    return json.dumps({"keys": ["_step", key], "samples": samples})


def parse_sampled_history(raw: object, keys: Iterable[str]) -> dict[str, MetricHistory]:
    """`sampledHistory` for one spec per key (in `keys`' order): one list of rows per spec,
    keyed by the tracker's metric name. Rows without the key or without a number are skipped;
    NaN and inf stay (they never rank). A row without `_step` takes the step after the last."""
    histories: dict[str, MetricHistory] = {}
    if isinstance(raw, str):
        raw = json_document(raw, "a sampled history")
    if not isinstance(raw, list):
        return histories
    for key, rows in zip(keys, raw, strict=False):
        if not isinstance(rows, list):
            continue
        points: dict[int, float] = {}
        step = -1
        for row in rows:
            if not isinstance(row, dict):
                continue
            value = number(row.get(key))
            at = number(row.get("_step"))
            step = int(at) if at is not None and math.isfinite(at) else step + 1
            if value is not None:
                points[step] = value
        if points:
            histories[key] = tuple(sorted(points.items()))
    return histories


# --- errors -----------------------------------------------------------------------------


def graphql_errors(answer: object) -> str:
    """The messages of a GraphQL `errors` array, cleaned and cut, or "" when there is none."""
    if not isinstance(answer, dict):
        return ""
    errors = answer.get("errors")
    if not errors:
        return ""
    if not isinstance(errors, list):
        errors = [errors]
    messages = []
    for error in errors[:3]:
        text = error.get("message") if isinstance(error, dict) else error
        text = clean_line(str(text)).strip()[:200] if text is not None else ""
        messages.append(text or "no message")
    return "; ".join(messages)
