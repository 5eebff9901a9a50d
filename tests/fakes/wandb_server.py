"""A fake Weights & Biases GraphQL API on a real HTTP socket on 127.0.0.1.

Shapes follow W&B's public API as its Python client (`wandb/apis/public/runs.py`) queries it:
`POST /graphql` with `{"query", "variables", "operationName"}`, HTTP basic auth with the user
"api" and the API key as password. Answers are `{"data": ...}`; a run's `summaryMetrics` and
`config` are JSON strings inside the JSON (config values wrapped as `{"value": ..., "desc":
...}`; the summary written as Python writes JSON, so NaN and Infinity are bare tokens), times
are UTC without a zone (`2026-11-23T09:30:00`). A project that does not exist (or that the key
cannot see) is `"project": null`, not an error.

Usage::

    with FakeWandb({"acme/fraud": make_runs("acme/fraud", 120, now=FROZEN_NOW)}) as fake:
        ...  # point a WandbSource at fake.url with the key fake.api_key
        assert fake.count("Runs") == 2

Operations are told apart by `operationName` (or the name after `query`), as W&B's own tests
fake them:

* `Runs`, `RunsSampledHistory`: `project(name, entityName) { runCount(filters) runs(filters,
  after, first, order) { edges { node {...} cursor } pageInfo { endCursor hasNextPage } } }`.
  Filters (a JSON string, MongoDB-like as W&B's): `created_at` with `$gt/$gte/$lt/$lte`, `name`
  and `state` (a value or `$in`), `$and`, `$or`; any other key is a GraphQL error (fake's
  choice: strict, so that a typo in the client shows). `order` is `+created_at` or
  `-created_at` (the default). Cursors are opaque. A node carries only the fields the query
  names (GraphQL answers what was asked); `runCount` honours `@include(if: $withCount)`.
  `sampledHistory(specs)` answers one list of rows per spec, each row `{"_step": n, key: v}`,
  down-sampled evenly to the spec's `samples`; a non-finite value is the string "NaN",
  "Infinity" or "-Infinity".
* `Viewer` (`viewer { id username entity }`), `Project` (`project { id name runCount }`),
  `Projects` (`models(entityName, first) { edges { node { name } } }`).
* Anything else: a GraphQL error, and the operation is recorded in `fake.unexpected`.

Faults: `fake.fail("Runs", 429, times=1, retry_after=1)` answers the next matching request
(operation name, or None for any) with 429 and `Retry-After`; also 401, 500, 503, `"malformed"`
(a 200 whose JSON is cut short) and `"graphql-error"` (a 200 with an `errors` array, the
message in `error_message`). `times=None` keeps the fault until `clear_faults()`.

Record: `fake.requests` (operation, variables, status, bytes sent, time, whether the
credentials were right), `count(operation)`, `bytes_sent()`, `reset_log()`. `fake.errors`
holds tracebacks of handler crashes (answered as 500), so a test can assert the fake never
broke.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.loopback import LoopbackHandler, LoopbackServer

_JSON = {"Content-Type": "application/json"}
RUN_FIELDS = (
    "id", "name", "displayName", "state", "tags", "createdAt", "heartbeatAt", "user",
    "summaryMetrics", "config", "sweepName", "group", "jobType", "historyLineCount",
)  # fmt: skip
USERS = (("priya", "Priya Raman"), ("diego", "Diego Alves"), ("lena", "Lena Vogel"),
         ("wei", "Wei Zhang"))  # fmt: skip


# --- records ----------------------------------------------------------------------------


@dataclass(slots=True)
class FakeRun:
    """One W&B run as the server stores it."""

    name: str  # the run id (8 characters in W&B; any string here)
    display_name: str
    state: str  # running, finished, crashed, failed, killed, preempting, preempted
    created_at: datetime
    heartbeat_at: datetime | None = None
    username: str = "priya"
    full_name: str = "Priya Raman"
    tags: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    summary_raw: str | None = None  # sent as is instead of `summary` (malformed, odd shapes)
    storage_id: str = ""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    operation: str
    variables: dict[str, Any]
    status: int
    response_bytes: int
    received_at: float  # time.monotonic()
    authorized: bool  # the right key came, as basic auth with the user "api"
    path: str = "/graphql"

    def filters(self) -> dict[str, Any] | None:
        raw = self.variables.get("filters")
        return json.loads(raw) if isinstance(raw, str) and raw else None


@dataclass(slots=True)
class Fault:
    operation: str | None
    status: int | str
    remaining: int | None
    retry_after: int | None = None


@dataclass(slots=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: dict(_JSON))


class _GraphQLError(Exception):
    pass


def wandb_time(moment: datetime) -> str:
    """W&B's `createdAt` form: UTC, no zone, whole seconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# --- sample data ------------------------------------------------------------------------


def make_runs(
    path: str,
    count: int,
    *,
    now: datetime,
    seed: int = 3,
    running: int = 2,
    odd_values: bool = True,
) -> list[FakeRun]:
    """`count` runs, one an hour up to `now`, oldest first. The newest `running` still run;
    some crashed, failed, were killed or preempted. Each logs `val_loss` (whose best is in the
    middle of its history, not at the end), `val_acc` and `train_loss`; with `odd_values`, a
    diverged run's loss is NaN (a bare token), another's the string "NaN", another's Infinity.
    One run is tagged `champion`, a later one `challenger`."""
    rng = random.Random(f"{seed}:{path}")
    project = path.split("/", 1)[1]
    runs = []
    for i in range(count):
        created = now - timedelta(hours=count - i, minutes=rng.randint(0, 50))
        if i >= count - running:
            state = "running"
        elif i % 11 == 5:
            state = "crashed"
        elif i % 13 == 7:
            state = "killed"
        elif i % 17 == 9:
            state = "preempted"
        elif i % 19 == 3:
            state = "failed"
        else:
            state = "finished"
        steps = 30 if state != "running" else 12
        floor = rng.uniform(0.18, 0.6)
        turn = rng.randint(8, 22)
        losses = [
            (step, round(floor + 0.04 * abs(step - turn) + rng.uniform(0, 0.01), 5))
            for step in range(steps)
        ]
        accs = [(step, round(1 - value / 2, 5)) for step, value in losses]
        summary: dict[str, Any] = {
            "val_loss": losses[-1][1],
            "val_acc": accs[-1][1],
            "train_loss": round(losses[-1][1] * 0.7, 5),
            "epoch": steps - 1,
            "_step": steps - 1,
            "_runtime": 600 + 60 * i,
            "_timestamp": created.timestamp() + 600,
            "_wandb": {"runtime": 600},
            "optimizer_name": "adamw",
            "confusion": {"_type": "table-file", "path": "media/table.json"},
        }
        if odd_values and i == 4:
            summary["val_loss"] = math.nan  # json.dumps writes a bare NaN
        elif odd_values and i == 6:
            summary["val_loss"] = "NaN"
        elif odd_values and i == 8:
            summary["val_loss"] = math.inf
        user, full = USERS[i % len(USERS)]
        tags = ["baseline"] if i % 5 == 0 else []
        if i == max(count // 3, 0):
            tags.append("champion")
        if i == max(count // 2, 0) and count > 2:
            tags.append("challenger")
        runs.append(
            FakeRun(
                name=f"r{i:04d}{rng.randrange(16**3):03x}",
                display_name=f"{project}-{i}",
                state=state,
                created_at=created,
                heartbeat_at=created + timedelta(seconds=600 + 60 * i)
                if state != "running"
                else now - timedelta(minutes=1),
                username=user,
                full_name=full,
                tags=tags,
                summary=summary,
                config={
                    "lr": round(10 ** rng.uniform(-4, -2), 6),
                    "batch_size": rng.choice((32, 64, 128)),
                    "optimizer": {"name": "adamw", "betas": [0.9, 0.999]},
                    "use_amp": True,
                    "_wandb": {"cli_version": "0.19.0"},
                },
                history={"val_loss": losses, "val_acc": accs},
                storage_id=base64.b64encode(f"Run:v1:{i}:{project}".encode()).decode(),
            )
        )
    return runs


# --- the server -------------------------------------------------------------------------


class _Handler(LoopbackHandler["FakeWandb"]):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.owner._answer(self.command, self.path, self.headers, body)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST


class FakeWandb(LoopbackServer):
    """Serves projects of `FakeRun`s as W&B's GraphQL API does; see the module docstring."""

    handler_class = _Handler
    label = "the fake W&B"
    thread_name = "fake-wandb"

    def __init__(
        self,
        projects: Mapping[str, Iterable[FakeRun]],
        *,
        api_key: str = "wandb-test-key-0123456789abcdef0123456789abcdef",
        username: str = "priya",
        latency: float = 0.0,
        max_page: int = 1000,
    ) -> None:
        super().__init__()
        self.projects: dict[str, list[FakeRun]] = {p: list(runs) for p, runs in projects.items()}
        self.api_key = api_key
        self.username = username
        self.latency = latency
        self.max_page = max_page
        self.error_message = "Internal error: resolver for runs failed"
        self.errors: list[str] = []
        self.unexpected: list[str] = []
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- changing the data between syncs ------------------------------------------------

    def add_run(self, path: str, run: FakeRun) -> None:
        with self._lock:
            self.projects.setdefault(path, []).append(run)

    def update_run(self, path: str, name: str, **changes: Any) -> FakeRun:
        with self._lock:
            runs = self.projects[path]
            index = next(i for i, run in enumerate(runs) if run.name == name)
            runs[index] = replace(runs[index], **changes)
            return runs[index]

    def delete_run(self, path: str, name: str) -> None:
        with self._lock:
            self.projects[path] = [run for run in self.projects[path] if run.name != name]

    # --- faults -------------------------------------------------------------------------

    def fail(
        self,
        operation: str | None,
        status: int | str,
        *,
        times: int | None = 1,
        retry_after: int | None = None,
    ) -> Fault:
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(operation, status, times, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- the request log ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()

    def matching(self, operation: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if operation is None or r.operation == operation]

    def count(self, operation: str | None = None) -> int:
        return len(self.matching(operation))

    def bytes_sent(self, operation: str | None = None) -> int:
        return sum(r.response_bytes for r in self.matching(operation))

    # --- called from handler threads ------------------------------------------------------

    def _answer(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        received = time.monotonic()
        if self.latency > 0:
            self._sleep(self.latency)
        operation, variables = "", {}
        authorized = self._authorized(headers)
        try:
            request = json.loads(body) if body else {}
            if isinstance(request, dict):
                variables = request.get("variables") or {}
                query = str(request.get("query") or "")
                operation = str(request.get("operationName") or _operation_in(query))
            reply = self._dispatch(method, target, authorized, operation, request)
        except Exception:  # noqa: BLE001 - a crash in the fake must reach the test, not hang it
            self.errors.append(traceback.format_exc())
            reply = _errors(["Internal server error (the fake W&B crashed; see fake.errors)"], 500)
        record = RecordedRequest(
            operation=operation,
            variables=variables if isinstance(variables, dict) else {},
            status=reply.status,
            response_bytes=len(reply.body),
            received_at=received,
            authorized=authorized,
            path=target.split("?", 1)[0],
        )
        with self._lock:
            self._requests.append(record)
        return reply

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return user == "api" and password == self.api_key

    def _take_fault(self, operation: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.operation is not None and fault.operation != operation:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _dispatch(
        self, method: str, target: str, authorized: bool, operation: str, request: Any
    ) -> _Reply:
        if target.split("?", 1)[0] != "/graphql":
            return _Reply(404, b'{"error":"not found"}')
        if method != "POST":
            return _Reply(405, b'{"error":"method not allowed"}')
        fault = self._take_fault(operation)
        if fault is not None:
            return self._fault_reply(fault)
        if not authorized:
            # W&B's answer to a missing or wrong key.
            return _errors(["user is not logged in"], 401)
        if not isinstance(request, dict) or not isinstance(request.get("variables", {}), dict):
            return _errors(["Must provide query string."], 400)
        query = str(request.get("query") or "")
        variables = request.get("variables") or {}
        handler = {
            "Runs": self._runs,
            "RunsSampledHistory": self._runs,
            "Viewer": self._viewer,
            "Project": self._project,
            "Projects": self._projects,
        }.get(operation)
        if handler is None:
            self.unexpected.append(operation or query[:80])
            return _errors([f'Unknown operation named "{operation}".'], 400)
        try:
            return _data(handler(query, variables))
        except _GraphQLError as exc:
            return _errors([str(exc)], 200)

    def _fault_reply(self, fault: Fault) -> _Reply:
        if fault.status == "malformed":
            return _Reply(200, b'{"data": {"project": {"runCount": 12, "runs": {"edg')
        if fault.status == "graphql-error":
            return _errors([self.error_message], 200, data=None)
        assert isinstance(fault.status, int)
        headers = dict(_JSON)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        messages = {
            401: "user is not logged in",
            429: "rate limit exceeded",
            500: "internal server error",
            503: "service unavailable",
        }
        reply = _errors([messages.get(fault.status, "error")], fault.status)
        reply.headers = headers
        return reply

    # --- operations -----------------------------------------------------------------------

    def _viewer(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "viewer": {
                "id": base64.b64encode(f"User:{self.username}".encode()).decode(),
                "username": self.username,
                "entity": self.username,
            }
        }

    def _find(self, variables: Mapping[str, Any]) -> tuple[str, list[FakeRun]] | None:
        path = f"{variables.get('entity')}/{variables.get('project')}"
        with self._lock:
            runs = self.projects.get(path)
            return (path, list(runs)) if runs is not None else None

    def _project(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        found = self._find(variables)
        if found is None:
            return {"project": None}
        path, runs = found
        return {"project": {"id": _id("Project", path), "name": path.split("/")[1],
                            "runCount": len(runs)}}  # fmt: skip

    def _projects(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        entity = variables.get("entity")
        with self._lock:
            names = sorted(p.split("/", 1)[1] for p in self.projects if p.split("/")[0] == entity)
        first = int(variables.get("perPage") or 50)
        return {
            "models": {
                "edges": [{"node": {"name": name}, "cursor": _cursor(i)}
                          for i, name in enumerate(names[:first])],
                "pageInfo": {"endCursor": None, "hasNextPage": len(names) > first},
            }
        }  # fmt: skip

    def _runs(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        found = self._find(variables)
        if found is None:
            return {"project": None}
        path, runs = found
        filters = _decode_filters(variables.get("filters"))
        matched = [run for run in runs if _matches(run, filters)]
        order = variables.get("order") or "-created_at"
        if order not in ("+created_at", "-created_at"):
            raise _GraphQLError(f"order {order!r} is not supported by the fake")
        matched.sort(key=lambda run: (run.created_at, run.name), reverse=order.startswith("-"))
        offset = _offset(variables.get("cursor"))
        first = min(int(variables.get("perPage") or 50), self.max_page)
        page = matched[offset : offset + first]
        fields = {f for f in RUN_FIELDS if re.search(rf"\b{f}\b", query)}
        specs = variables.get("specs") if "sampledHistory" in query else None
        edges = [
            {"node": self._node(run, path, fields, specs), "cursor": _cursor(offset + i + 1)}
            for i, run in enumerate(page)
        ]
        end = offset + len(page)
        project: dict[str, Any] = {
            "runs": {
                "edges": edges,
                "pageInfo": {
                    "endCursor": _cursor(end) if page else None,
                    "hasNextPage": end < len(matched),
                },
            }
        }
        if re.search(r"\brunCount\b", query):
            conditional = re.search(r"runCount\([^)]*\)\s*@include\(if:\s*\$(\w+)\)", query)
            if conditional is None or variables.get(conditional.group(1)):
                project["runCount"] = len(matched)
        return {"project": project}

    def _node(self, run: FakeRun, path: str, fields: set[str], specs: Any) -> dict[str, Any]:
        full = {
            "id": run.storage_id or _id("Run", f"{path}/{run.name}"),
            "name": run.name,
            "displayName": run.display_name,
            "state": run.state,
            "tags": list(run.tags),
            "createdAt": wandb_time(run.created_at),
            "heartbeatAt": wandb_time(run.heartbeat_at) if run.heartbeat_at else None,
            "user": {"username": run.username, "name": run.full_name},
            # Python's json writes NaN and Infinity as bare tokens, as wandb's client does.
            "summaryMetrics": run.summary_raw
            if run.summary_raw is not None
            else json.dumps(run.summary),
            "config": json.dumps(
                {key: {"value": value, "desc": None} for key, value in run.config.items()}
            ),
            "sweepName": None,
            "group": None,
            "jobType": None,
            "historyLineCount": max((len(p) for p in run.history.values()), default=0),
        }
        node = {key: value for key, value in full.items() if key in fields}
        if specs is not None:
            node["sampledHistory"] = [_sampled(run, spec) for spec in specs]
        return node


# --- helpers ------------------------------------------------------------------------------


def _operation_in(query: str) -> str:
    match = re.search(r"\b(?:query|mutation)\s+(\w+)", query)
    return match.group(1) if match else ""


def _data(document: Any) -> _Reply:
    return _Reply(200, json.dumps({"data": document}, separators=(",", ":")).encode())


def _errors(messages: list[str], status: int, *, data: Any = None) -> _Reply:
    document: dict[str, Any] = {
        "errors": [{"message": m, "locations": [{"line": 2, "column": 3}], "path": ["project"]}
                   for m in messages]
    }  # fmt: skip
    if status == 200:
        document["data"] = data
    return _Reply(status, json.dumps(document).encode())


def _id(kind: str, key: str) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(str(cursor)).decode().removeprefix("cursor:"))
    except ValueError as exc:
        raise _GraphQLError(f"invalid cursor {cursor!r}") from exc


def _decode_filters(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, str):
        raise _GraphQLError("filters must be a JSON string")
    try:
        filters = json.loads(raw)
    except ValueError as exc:
        raise _GraphQLError(f"filters are not JSON: {exc}") from exc
    if not isinstance(filters, dict):
        raise _GraphQLError("filters must be an object")
    return filters


def _matches(run: FakeRun, filters: Mapping[str, Any]) -> bool:
    for key, condition in filters.items():
        if key == "$and":
            if not all(_matches(run, part) for part in condition):
                return False
        elif key == "$or":
            if not any(_matches(run, part) for part in condition):
                return False
        elif key == "created_at":
            if not _compare(wandb_time(run.created_at), condition):
                return False
        elif key in ("name", "state"):
            if not _compare(getattr(run, key), condition):
                return False
        else:
            raise _GraphQLError(f"unsupported filter key {key!r}")
    return True


def _compare(value: str, condition: Any) -> bool:
    if not isinstance(condition, dict):
        return value == condition
    for op, operand in condition.items():
        if op == "$in":
            ok = value in operand
        elif op == "$gt":
            ok = value > operand
        elif op == "$gte":
            ok = value >= operand
        elif op == "$lt":
            ok = value < operand
        elif op == "$lte":
            ok = value <= operand
        else:
            raise _GraphQLError(f"unsupported filter operator {op!r}")
        if not ok:
            return False
    return True


def _sampled(run: FakeRun, spec: Any) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(spec)
        keys = [k for k in parsed["keys"] if k != "_step"]
        samples = int(parsed.get("samples", 500))
    except (ValueError, KeyError, TypeError) as exc:
        raise _GraphQLError(f"invalid spec {spec!r}") from exc
    rows: dict[int, dict[str, Any]] = {}
    for key in keys:
        for step, value in run.history.get(key, []):
            rows.setdefault(step, {"_step": step})[key] = _wire_number(value)
    # W&B returns only rows holding the spec's keys.
    ordered = [rows[step] for step in sorted(rows) if all(k in rows[step] for k in keys)]
    if len(ordered) > samples > 0:
        stride = len(ordered) / samples
        ordered = [ordered[int(i * stride)] for i in range(samples)]
    return ordered


def _wire_number(value: float) -> Any:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value
