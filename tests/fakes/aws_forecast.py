"""A loopback AWS front: answers GetCostForecast itself and passes every other call to moto.

moto does not implement Cost Explorer's GetCostForecast (its server answers 500
"NotImplementedError"). So the source's endpoint is this small server: it answers that one
call the way AWS does (JSON 1.1, `X-Amz-Target: AWSInsightsIndexService.GetCostForecast`,
amounts as strings) and forwards everything else, byte for byte, to moto's server. The
source's boto3 clients talk to one endpoint, as they would to AWS through `endpoint_url`.

Being in front, it also sees every request: `calls` counts them by operation (the paid ones
are Cost Explorer's), which is how the tests prove what the source spent, and `fail` makes an
operation answer with an AWS error (500, throttling, access denied) instead.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes.loopback import LoopbackHandler, LoopbackServer

CE_PREFIX = "AWSInsightsIndexService."
FORECAST_METRICS = frozenset(
    {
        "UNBLENDED_COST",
        "AMORTIZED_COST",
        "BLENDED_COST",
        "NET_UNBLENDED_COST",
        "NET_AMORTIZED_COST",
        "USAGE_QUANTITY",
        "NORMALIZED_USAGE_AMOUNT",
    }
)
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}
)


@dataclass(frozen=True)
class AwsFault:
    """An AWS error answer: JSON 1.1 services put the code in `__type`."""

    status: int
    code: str
    message: str = "injected by the test"
    hang: bool = False  # answer nothing until the server stops


SERVER_ERROR = AwsFault(500, "InternalServerError", "We encountered an internal error.")
THROTTLED = AwsFault(400, "LimitExceededException", "You have exceeded the rate limit.")


HANG = AwsFault(0, "", hang=True)


def denied(operation: str) -> AwsFault:
    return AwsFault(
        400,
        "AccessDeniedException",
        f"User: arn:aws:iam::123456789012:user/lead is not authorized to perform: {operation}",
    )


class AwsFront(LoopbackServer):
    label = "the AWS front"
    thread_name = "aws-front"

    def __init__(self, moto_url: str) -> None:
        super().__init__()
        self.moto_url = moto_url
        self.calls: Counter[str] = Counter()  # operation name → requests seen
        self.forecast_requests: list[dict[str, Any]] = []
        self.cost_requests: list[dict[str, Any]] = []  # GetCostAndUsage bodies, in order
        self.fail: dict[str, AwsFault] = {}  # operation name → the error it answers with
        # What GetCostForecast answers: the total's mean and its interval.
        self.forecast = (1234.5, 1100.25, 1390.75)
        self.forecast_unit = "USD"
        self._client = httpx.Client(timeout=30)
        self._client_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paid_calls(self) -> int:
        """Cost Explorer requests seen, retries included: what AWS would bill at most."""
        return sum(
            n for op, n in self.calls.items() if op in ("GetCostAndUsage", "GetCostForecast")
        )

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.forecast_requests.clear()
            self.cost_requests.clear()
            self.fail.clear()

    def stop(self) -> None:
        super().stop()
        self._client.close()

    # --- called from handler threads ----------------------------------------------------

    def answer_forecast(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        metric = body.get("Metric")
        if metric not in FORECAST_METRICS:  # AWS validates: CamelCase is refused here
            return 400, {
                "__type": "ValidationException",
                "message": f"Value '{metric}' at 'metric' failed to satisfy constraint",
            }
        period = body["TimePeriod"]
        mean, low, high = self.forecast
        unit = self.forecast_unit
        return 200, {
            "Total": {"Amount": f"{mean:.10f}", "Unit": unit},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": {"Start": period["Start"], "End": period["End"]},
                    "MeanValue": f"{mean:.10f}",
                    "PredictionIntervalLowerBound": f"{low:.10f}",
                    "PredictionIntervalUpperBound": f"{high:.10f}",
                }
            ],
        }

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        kept = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        with self._client_lock:
            return self._client.request(method, self.moto_url + path, headers=kept, content=body)


def operation_of(headers: Any, body: bytes) -> str:
    """The AWS operation a request calls: from `X-Amz-Target` (JSON services) or the query
    protocol's `Action` (STS)."""
    target = headers.get("X-Amz-Target") or ""
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else "?"


class _Handler(LoopbackHandler[AwsFront]):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        front = self.owner
        operation = operation_of(self.headers, body)
        with front._lock:
            front.calls[operation] += 1
            fault = front.fail.get(operation)
            if operation == "GetCostAndUsage":
                front.cost_requests.append(json.loads(body or b"{}"))
        if fault is not None and fault.hang:
            front._sleep()
            return
        if fault is not None:
            self._reply(fault.status, {"__type": fault.code, "message": fault.message})
            return
        if operation == "GetCostForecast":
            request = json.loads(body or b"{}")
            with front._lock:
                front.forecast_requests.append(request)
            self._reply(*front.answer_forecast(request))
            return
        answer = front.forward("POST", self.path, dict(self.headers.items()), body)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def _reply(self, status: int, document: dict[str, Any]) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


AwsFront.handler_class = _Handler
