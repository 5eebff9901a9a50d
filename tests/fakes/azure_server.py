"""A fake Azure Cost Management Query API on a real HTTP socket on 127.0.0.1.

It answers `POST /{scope}/providers/Microsoft.CostManagement/query?api-version=...` as the
recorded example does (`tests/fixtures/azure/SubscriptionQueryGrouping.example.json`, from
Azure's REST API specs): an ARM resource whose `properties` hold `columns`, positional `rows`
and `nextLink`. The recorded answer groups a month by resource group; this fake answers the
query the cockpit asks, daily, grouped by `ServiceName` and `MeterSubCategory` (or by a tag),
with the recorded amounts as each service's daily base, moved by weekday:

* `UsageDate` is a number `yyyyMMdd`, the currency is a column of its own; `column_order`
  shuffles the columns (nothing promises their order, and the reader must not assume one);
* `page_size` rows a page; `nextLink` is the same URL with `$skiptoken`, asked with the same
  body; `next_host` puts the next page on another host (which a client must not follow);
* a request without `Authorization: Bearer <token>` answers 401 with Azure's error body.

Faults: `fake.fail(429, headers={...})` answers the next request with 429 and those headers
(Cost Management's `x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after` and friends);
also 400, 403, 404, 500, `"malformed"` (a 200 cut short) and `"no-currency"` (a page without
its Currency column). `times=None` keeps the fault. `fake.requests` records path, query,
headers and body; `fake.errors` holds tracebacks of handler crashes.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "azure"
    / "SubscriptionQueryGrouping.example.json"
)
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TOKEN = "azure-test-token"


def recorded_amounts() -> list[float]:
    """The recorded answer's four amounts (PreTaxCost by resource group, one month)."""
    document = json.loads(SAMPLE.read_text())
    properties = document["response_200"]["properties"]
    names = [c["name"] for c in properties["columns"]]
    return [row[names.index("PreTaxCost")] for row in properties["rows"]]


@dataclass(frozen=True, slots=True)
class Charge:
    """One service's spend on one meter, per day, with its tag."""

    service: str
    meter: str
    base: float  # per day, before the weekday's factor
    team: str = ""


def services() -> list[Charge]:
    """The recorded amounts, each made a service's daily spend: the largest (218.69 a month)
    a GPU machine series."""
    tiny, largest, medium, small = recorded_amounts()
    return [
        Charge("Virtual Machines", "NCSv3 Series", round(largest, 6), team="fraud"),
        Charge("Virtual Machines", "Dv5 Series", round(medium, 6), team="search"),
        Charge("Storage", "General Block Blob v2", round(small, 6), team="fraud"),
        Charge("Bandwidth", "Rtn Preference: MGN", round(tiny, 6)),
    ]


def day_factor(day: date) -> float:
    return 1.0 + 0.1 * (day.toordinal() % 7)


def amount_on(charge: Charge, day: date) -> float:
    return round(charge.base * day_factor(day), 6)


@dataclass(slots=True)
class SeenRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float  # time.monotonic(): gaps between requests are wall-clock seconds


@dataclass(slots=True)
class _Fault:
    kind: int | str
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1


class _Handler(LoopbackHandler["FakeAzure"]):
    def do_POST(self) -> None:
        fake = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            status, headers, body = fake._answer(self.path, dict(self.headers), raw)
        except Exception:  # noqa: BLE001 - a broken fake answers 500 and says why
            fake.errors.append(traceback.format_exc())
            status, headers, body = 500, {}, b'{"error":{"code":"FakeCrashed"}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


class FakeAzure(LoopbackServer):
    handler_class = _Handler
    label = "the fake Azure"
    thread_name = "fake-azure"

    def __init__(
        self,
        charges: list[Charge] | None = None,
        *,
        currency: str = "USD",
        page_size: int = 50,
        column_order: tuple[str, ...] | None = None,
        token: str = TOKEN,
        scope: str = f"subscriptions/{SUBSCRIPTION}",
    ) -> None:
        super().__init__()
        self.charges = services() if charges is None else charges
        self.currency = currency
        self.page_size = page_size
        self.column_order = column_order
        self.token = token
        self.scope = scope
        self.next_host = ""
        self.requests: list[SeenRequest] = []
        self.errors: list[str] = []
        self._faults: list[_Fault] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(
        self, kind: int | str, *, headers: dict[str, str] | None = None, times: int | None = 1
    ) -> None:
        with self._lock:
            self._faults.append(_Fault(kind, dict(headers or {}), times))

    def queries(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.endswith("/query")]

    # --- called from handler threads ----------------------------------------------------

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.pop(0)
            return fault

    def _answer(
        self, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = json.loads(raw) if raw else None
        with self._lock:
            self.requests.append(SeenRequest(parts.path, query, headers, body, time.monotonic()))
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("authorization") != f"Bearer {self.token}":
            error = {"error": {"code": "AuthenticationFailed", "message": "token expired"}}
            return 401, {}, json.dumps(error).encode()
        expected = f"/{self.scope}/providers/Microsoft.CostManagement/query"
        if parts.path.lower() != expected.lower():
            error = {"error": {"code": "NotFound", "message": f"no scope {parts.path}"}}
            return 404, {}, json.dumps(error).encode()
        if "api-version" not in query:
            error = {"error": {"code": "MissingApiVersionParameter", "message": "api-version"}}
            return 400, {}, json.dumps(error).encode()
        fault = self._take_fault()
        if fault is not None:
            if fault.kind == "malformed":
                return 200, {}, b'{"properties": {"columns": [{"name": "Cost"'
            if isinstance(fault.kind, int):
                error = {"error": {"code": str(fault.kind), "message": "fault"}}
                return fault.kind, fault.headers, json.dumps(error).encode()
        assert body is not None
        columns, rows = self._result(body)
        if fault is not None and fault.kind == "no-currency":
            at = columns.index("Currency")
            columns = columns[:at] + columns[at + 1 :]
            rows = [row[:at] + row[at + 1 :] for row in rows]
        offset = int(query.get("$skiptoken", "0"))
        page = rows[offset : offset + self.page_size]
        next_link = None
        if offset + self.page_size < len(rows):
            host = self.next_host or self.url
            next_link = (
                f"{host}{parts.path}?api-version={query['api-version']}"
                f"&$skiptoken={offset + self.page_size}"
            )
        types = {"UsageDate": "Number", "PreTaxCost": "Number", "Cost": "Number"}
        answer = {
            "id": f"{self.scope}/providers/Microsoft.CostManagement/query/fake",
            "name": "fake",
            "type": "Microsoft.CostManagement/query",
            "properties": {
                "nextLink": next_link,
                "columns": [{"name": c, "type": types.get(c, "String")} for c in columns],
                "rows": page,
            },
        }
        return 200, {}, json.dumps(answer).encode()

    def _result(self, body: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        period = body["timePeriod"]
        first = datetime.fromisoformat(period["from"]).date()
        last = datetime.fromisoformat(period["to"]).date()
        dataset = body["dataset"]
        assert dataset["granularity"] == "Daily"
        cost_name = dataset["aggregation"]["totalCost"]["name"]
        grouping = dataset["grouping"]
        by_tag = next((g["name"] for g in grouping if g["type"] == "TagKey"), "")
        columns = [cost_name, "UsageDate", "ServiceName"]
        columns += ["TagKey", "TagValue"] if by_tag else ["MeterSubCategory"]
        columns.append("Currency")
        sums: dict[tuple[Any, ...], float] = {}
        day = first
        while day <= last:
            for charge in self.charges:
                second = (by_tag, charge.team) if by_tag else (charge.meter,)
                if by_tag and not charge.team:
                    second = ("", "")
                key = (int(f"{day:%Y%m%d}"), charge.service, *second)
                sums[key] = round(sums.get(key, 0.0) + amount_on(charge, day), 6)
            day += timedelta(days=1)
        rows = [[amount, *key, self.currency] for key, amount in sorted(sums.items())]
        if self.column_order:
            order = [columns.index(c) for c in self.column_order]
            columns = [columns[i] for i in order]
            rows = [[row[i] for i in order] for row in rows]
        return columns, rows
