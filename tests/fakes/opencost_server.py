"""A fake OpenCost allocation API on a real HTTP socket on 127.0.0.1.

It serves the recorded answer (`tests/fixtures/opencost/`, from OpenCost's own API docs: three
namespaces of a small EKS cluster over two days) re-stamped one set per day, as OpenCost
answers `GET /allocation/compute?window=<start>,<end>&step=1d&accumulate=false`:

* `{"code": 200, "status": "success", "data": [set, ...]}`, one set per step, stepping forward
  from the window's start while the step starts before the window's end (OpenCost's
  `QueryAllocation`); a day without data is an empty set. Without `step`, one set covers
  the whole window (OpenCost's default step is the window).
* Each set maps the aggregate's value to an allocation whose `window`, `start` and `end` are
  the day's; `aggregate=namespace` or `label:<name>` (summed; a pod without the label is
  `__unallocated__`, as OpenCost names it). `includeIdle=true` adds `__idle__`.
* Other paths answer 404 with Go's plain-text body; with `token` set, a request without
  `Authorization: Bearer <token>` answers 401.

Faults: `fake.fail(500)` (or 400, 401, 404, 503), `fake.fail("malformed")` (a 200 cut short),
`fake.fail("error-envelope")` (a 200 whose envelope says `code: 500`), for the next request, or
every one with `times=None`. `fake.requests` records each request's path, parameters and
headers; `fake.errors` holds tracebacks of handler crashes.
"""

from __future__ import annotations

import copy
import json
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "opencost"
    / "opencost_allocation_compute_2d_namespace.json"
)
COST_FIELDS = (
    "cpuCost", "gpuCost", "ramCost", "pvCost", "networkCost", "loadBalancerCost",
    "sharedCost", "externalCost", "totalCost",
)  # fmt: skip
GPU_NAMESPACE = "ml-training"
GPU_HOURLY = 2.5  # one A10G, on-demand, per hour
IDLE = "__idle__"


def recorded_allocations() -> dict[str, dict[str, Any]]:
    """The recorded set: kube-system, opencost, prometheus."""
    document = json.loads(SAMPLE.read_text())
    allocations: dict[str, dict[str, Any]] = document["data"][0]
    return allocations


def day_factor(day: date) -> float:
    """Spend moves with the weekday, so that days differ (and a test can tell them apart)."""
    return 1.0 + 0.1 * (day.toordinal() % 7)


def cluster_day(day: date) -> dict[str, dict[str, Any]]:
    """One day of the cluster: the recorded namespaces scaled by the day's factor, a GPU
    training namespace labelled `team=fraud` (the recorded `opencost` allocation running one
    GPU all day), and the nodes' idle capacity."""
    factor = day_factor(day)
    allocations = recorded_allocations()
    day_set: dict[str, dict[str, Any]] = {}
    for name, allocation in allocations.items():
        scaled = copy.deepcopy(allocation)
        for field in COST_FIELDS:
            if isinstance(scaled.get(field), float | int):
                scaled[field] = round(scaled[field] * factor, 5)
        day_set[name] = scaled
    gpu = copy.deepcopy(allocations["opencost"])
    gpu["name"] = GPU_NAMESPACE
    gpu["properties"] = {
        "cluster": "cluster-one",
        "namespace": GPU_NAMESPACE,
        "labels": {"team": "fraud"},
    }
    gpu["gpuCount"], gpu["gpuHours"] = 1.0, 24.0
    gpu["gpuCost"] = round(GPU_HOURLY * 24 * factor, 5)
    gpu["cpuCost"] = round(1.5 * factor, 5)
    gpu["ramCost"] = round(0.5 * factor, 5)
    gpu["totalCost"] = round(gpu["gpuCost"] + gpu["cpuCost"] + gpu["ramCost"], 5)
    day_set[GPU_NAMESPACE] = gpu
    day_set[IDLE] = {
        "name": IDLE,
        "properties": {"cluster": "cluster-one"},
        "cpuCost": 1.2,
        "gpuCost": 12.0,
        "ramCost": 0.3,
        "totalCost": 13.5,
    }
    return day_set


def cluster(first: date, last: date) -> dict[date, dict[str, dict[str, Any]]]:
    days = {}
    day = first
    while day <= last:
        days[day] = cluster_day(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class SeenRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


def _stamp(allocation: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    stamped = dict(allocation)
    start_text, end_text = f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}"
    stamped["window"] = {"start": start_text, "end": end_text}
    stamped["start"], stamped["end"] = start_text, end_text
    stamped["minutes"] = (end - start).total_seconds() / 60
    return stamped


def _aggregate(day_set: dict[str, dict[str, Any]], by: str) -> dict[str, dict[str, Any]]:
    if by == "namespace":
        return day_set
    label = by.removeprefix("label:")
    grouped: dict[str, dict[str, Any]] = {}
    for name, allocation in day_set.items():
        labels = allocation.get("properties", {}).get("labels") or {}
        key = name if name == IDLE else labels.get(label, "__unallocated__")
        into = grouped.setdefault(
            key,
            {"name": key, "properties": {"cluster": "cluster-one"}}
            | dict.fromkeys(COST_FIELDS, 0.0),
        )
        for field in COST_FIELDS:
            value = allocation.get(field)
            if isinstance(value, float | int):
                into[field] = round(into[field] + value, 5)
    return grouped


class _Handler(LoopbackHandler["FakeOpenCost"]):
    def do_GET(self) -> None:
        fake = self.owner
        try:
            status, body = fake._answer(self.path, dict(self.headers))
        except Exception:  # noqa: BLE001 - a broken fake answers 500 and says why
            fake.errors.append(traceback.format_exc())
            status, body = 500, b'{"code":500,"status":"error","message":"fake crashed"}'
        kind = "application/json" if body[:1] == b"{" else "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeOpenCost(LoopbackServer):
    handler_class = _Handler
    label = "the fake OpenCost"
    thread_name = "fake-opencost"

    def __init__(
        self, days: dict[date, dict[str, dict[str, Any]]], *, token: str | None = None
    ) -> None:
        super().__init__()
        self.days = days
        self.token = token
        self.requests: list[SeenRequest] = []
        self.errors: list[str] = []
        self._faults: list[tuple[int | str, int | None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, fault: int | str, times: int | None = 1) -> None:
        with self._lock:
            self._faults.append((fault, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def windows(self) -> list[str]:
        return [r.params.get("window", "") for r in self.requests]

    # --- called from handler threads ----------------------------------------------------

    def _take_fault(self) -> int | str | None:
        with self._lock:
            if not self._faults:
                return None
            fault, times = self._faults[0]
            if times is not None:
                if times <= 1:
                    self._faults.pop(0)
                else:
                    self._faults[0] = (fault, times - 1)
            return fault

    def _answer(self, raw_path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        parts = urlsplit(raw_path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(SeenRequest(parts.path, params, headers))
        if parts.path not in ("/allocation/compute", "/allocation"):
            return 404, b"404 page not found\n"
        if self.token is not None:
            sent = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            if sent != f"Bearer {self.token}":
                return 401, b"Unauthorized\n"
        fault = self._take_fault()
        if fault == "malformed":
            return 200, b'{"code":200,"status":"success","data":[{"kube-system":{"name":'
        if fault == "error-envelope":
            message = "error computing allocations: Prometheus is not reachable"
            return 200, json.dumps({"code": 500, "status": "error", "message": message}).encode()
        if isinstance(fault, int):
            return fault, json.dumps(
                {"code": fault, "status": "error", "message": "fault"}
            ).encode()
        return 200, json.dumps(self._envelope(params)).encode()

    def _envelope(self, params: dict[str, str]) -> dict[str, Any]:
        start_text, end_text = params["window"].split(",")
        start = datetime.fromisoformat(start_text).astimezone(UTC)
        end = datetime.fromisoformat(end_text).astimezone(UTC)
        step = timedelta(days=1) if params.get("step") == "1d" else end - start
        idle = params.get("includeIdle") == "true"
        sets = []
        step_start = start
        while end > step_start:
            step_end = step_start + step
            day_set = self.days.get(step_start.date(), {})
            if not idle:
                day_set = {k: v for k, v in day_set.items() if k != IDLE}
            day_set = _aggregate(day_set, params.get("aggregate", "namespace"))
            sets.append({k: _stamp(v, step_start, step_end) for k, v in day_set.items()})
            step_start = step_end
        return {"code": 200, "status": "success", "data": sets}
