"""moto's own server (`ThreadedMotoServer`) on 127.0.0.1, and what the AWS tests put in it.

Not a hand-written fake: moto 5 speaks AWS's wire protocols, so the source's real boto3
clients sign and send real requests to it. What it holds is seeded the way moto documents:

* Cost Explorer results are queued with `POST /moto-api/static/ce/cost-and-usage-results`.
  moto hands the next queued result to the next GetCostAndUsage request whose body differs
  from every body seen before, and repeats a result for a body it has seen. So results are
  queued in the order the source asks (usage, then tags; page 1, then page 2).
* Budgets are created with `create_budget`, passing `CalculatedSpend`: moto keeps the dict
  as given, so the actual and forecast spend are what the test says.
* `POST /moto-api/reset` empties everything between tests.

`ce_result` builds a GetCostAndUsage answer shaped as AWS's (amounts as strings, `Total`
empty when grouped, `Estimated` true for the open days).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import httpx

ACCOUNT = "123456789012"  # moto's account for any access key it does not know
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """moto's threaded server on a free loopback port; `stop()` ends it."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> MotoServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        httpx.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    # --- seeding ------------------------------------------------------------------------

    def queue_cost_and_usage(self, *results: Mapping[str, Any]) -> None:
        """Answers for the next GetCostAndUsage requests (with new bodies), in order."""
        reply = httpx.post(
            f"{self.url}/moto-api/static/ce/cost-and-usage-results",
            json={"results": list(results), "account_id": ACCOUNT},
            timeout=10,
        )
        assert reply.status_code == 201, reply.text

    def create_budget(
        self,
        name: str,
        amount: float,
        *,
        actual: float,
        forecast: float | None = None,
        time_unit: str = "MONTHLY",
        budget_type: str = "COST",
        currency: str = "USD",
        cost_filters: Mapping[str, list[str]] | None = None,
    ) -> None:
        import boto3

        client = boto3.client("budgets", endpoint_url=self.url, region_name=REGION)
        spend: dict[str, Any] = {"ActualSpend": {"Amount": str(actual), "Unit": currency}}
        if forecast is not None:
            spend["ForecastedSpend"] = {"Amount": str(forecast), "Unit": currency}
        budget: dict[str, Any] = {
            "BudgetName": name,
            "BudgetLimit": {"Amount": str(amount), "Unit": currency},
            "TimeUnit": time_unit,
            "BudgetType": budget_type,
            "CalculatedSpend": spend,
        }
        if cost_filters:
            budget["CostFilters"] = dict(cost_filters)
        client.create_budget(AccountId=ACCOUNT, Budget=budget)


# (first key, second key, amount) of one group on one day.
Group = tuple[str, str, float]


def ce_result(
    group_by: Sequence[tuple[str, str]],
    days: Mapping[date, Iterable[Group]],
    *,
    metric: str = "UnblendedCost",
    currency: str = "USD",
    open_from: date | None = None,
    next_page: str | None = None,
) -> dict[str, Any]:
    """One GetCostAndUsage answer: one daily result per day in `days` (in order), each with
    its groups. Days from `open_from` on are `Estimated`, as AWS marks the open period."""
    results = []
    for day in sorted(days):
        groups = [
            {
                "Keys": [first, second],
                "Metrics": {metric: {"Amount": _amount(amount), "Unit": currency}},
            }
            for first, second, amount in days[day]
        ]
        results.append(
            {
                "TimePeriod": {
                    "Start": day.isoformat(),
                    "End": (day + timedelta(days=1)).isoformat(),
                },
                "Total": {},
                "Groups": groups,
                "Estimated": open_from is not None and day >= open_from,
            }
        )
    answer: dict[str, Any] = {
        "GroupDefinitions": [{"Type": kind, "Key": key} for kind, key in group_by],
        "ResultsByTime": results,
        "DimensionValueAttributes": [],
    }
    if next_page:
        answer["NextPageToken"] = next_page
    return answer


def _amount(value: float) -> str:
    """Cost Explorer writes amounts as strings with many decimals ("12.3400000000")."""
    return f"{value:.10f}"


USAGE_GROUPS = (("DIMENSION", "SERVICE"), ("DIMENSION", "USAGE_TYPE"))


def tag_groups(key: str) -> tuple[tuple[str, str], ...]:
    return (("TAG", key), ("DIMENSION", "USAGE_TYPE"))
