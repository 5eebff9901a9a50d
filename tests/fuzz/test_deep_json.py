"""JSON nested deeper than Python's recursion limit, from a server: the JSON readers of the
network clients that are not fuzzed whole (Jira's python-jira responses, the shared httpx
client, the Teams answer) turn it into their own error instead of a RecursionError."""

from __future__ import annotations

import threading

import httpx
import pytest

from cockpit.models import Secret
from integrations.base import SourceError, TrafficMeter
from integrations.delivery.base import Answer
from integrations.delivery.teams import _error_code
from integrations.http import _json_of
from integrations.jira import JiraSource
from integrations.retry import RetryPolicy, Timeouts
from tests.fakes.fault_server import FaultServer, Reply

DEEP = b"[" * 5000 + b"]" * 5000
JSON = {"Content-Type": "application/json"}


def test_a_deep_answer_from_jira_is_a_source_error() -> None:
    with FaultServer(path="/rest/api/2/serverInfo") as server:
        server.always(Reply(200, DEEP, JSON))
        source = JiraSource(
            "jira",
            url=f"http://127.0.0.1:{server.port}",
            board_id=42,
            retry=RetryPolicy(attempts=1, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0),
            timeouts=Timeouts(2.0, 5.0, 10.0),
        )  # type: ignore[arg-type]
        with pytest.raises(SourceError, match="not JSON"):
            source._sync(Secret("t"), None, threading.Event(), TrafficMeter())


def test_a_deep_answer_through_the_shared_client_is_garbled_not_a_crash() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/api/v1/data")
    response = httpx.Response(200, content=DEEP, headers=JSON, request=request)
    with pytest.raises(SourceError, match="not valid JSON"):
        _json_of(response, "opencost")


def test_a_deep_teams_answer_has_no_error_code() -> None:
    assert _error_code(Answer(400, httpx.Headers(), b'{"error": ' + DEEP + b"}")) == ""
