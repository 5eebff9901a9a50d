"""What a failed sync says happened on the network: words, not a library's exception names.

Regression tests for what the fault matrix found: a refused connection read "cannot reach the
server (All connection attempts failed)" or "(ConnectionError)"; a connection reset or an
answer cut short ended in "(ReadError)", "(RemoteProtocolError)" or "(ChunkedEncodingError)";
a Retry-After longer than the deadline did not say the server was rate limiting; and AWS behind
a proxy that answered 500, 429, 401 or a cut body was "unexpected ResponseParserError: ...".
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import AwsCostSettings
from cockpit.models import Secret
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.base import Deadline, SourceRateLimited
from integrations.net_words import CLOSED, REFUSED, RESET, network_failure
from integrations.retry import RetryPolicy, fit_to_deadline
from tests.conftest import FROZEN_NOW
from tests.fakes.fault_server import Reply
from tests.faults.proxy import FaultProxy
from tests.faults.scripted import AnyPathServer

LIBRARY_WORDS = ("Error)", "All connection attempts", "Errno", "Exception", "urllib3", "httpx")
GARBLED = b'{"data": [1, 2'


@pytest.fixture
def refused_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield int(held.getsockname()[1])


def no_library_words(message: str) -> None:
    for words in LIBRARY_WORDS:
        assert words not in message, message


def sync(source: object, tmp_path: Path, token: str | None = None) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=3.0, deadline=3.0)  # type: ignore[arg-type]
    secret = Secret(token) if token else None
    return asyncio.run(
        sync_one(job, Store(tmp_path / "cache.sqlite"), FrozenClock(FROZEN_NOW),
                 secret=lambda _name: secret)
    )  # fmt: skip


# --- the words under each library's exceptions ------------------------------------------


def test_a_refused_connection_is_found_under_every_library(refused_port: int) -> None:
    import botocore.config
    import botocore.session
    import httpx
    import requests

    url = f"http://127.0.0.1:{refused_port}/"

    async def async_httpx() -> None:
        async with httpx.AsyncClient() as client:
            await client.get(url)

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(async_httpx())
    assert network_failure(caught.value) == REFUSED
    with pytest.raises(requests.ConnectionError) as caught_requests:
        requests.get(url, timeout=5)
    assert network_failure(caught_requests.value) == REFUSED
    client = botocore.session.get_session().create_client(
        "ce", region_name="us-east-1", endpoint_url=url, aws_access_key_id="a",
        aws_secret_access_key="b", config=botocore.config.Config(retries={"max_attempts": 0}),
    )  # fmt: skip
    with pytest.raises(Exception) as caught_boto:
        client.get_cost_and_usage(
            TimePeriod={"Start": "2026-11-01", "End": "2026-11-02"},
            Granularity="DAILY",
            Metrics=["UnblendedCost"],
        )
    assert network_failure(caught_boto.value) == REFUSED


def test_nothing_to_find_is_none() -> None:
    assert network_failure(ValueError("no socket here")) is None


# --- the messages a sync shows ------------------------------------------------------------


def test_a_refused_http_source_says_refused(refused_port: int, tmp_path: Path) -> None:
    from cockpit.kinds import OpenCostSettings
    from integrations.opencost import OpenCostSource

    source = OpenCostSource("k8s", OpenCostSettings(url=f"http://127.0.0.1:{refused_port}"))
    outcome = sync(source, tmp_path)
    assert outcome.status == "failed"
    assert "refused" in outcome.error, outcome.error
    no_library_words(outcome.error)


def test_a_refused_jira_says_refused(refused_port: int, tmp_path: Path) -> None:
    from integrations.jira import JiraSource

    fast = RetryPolicy(attempts=1, wait_initial=0.01, wait_max=0.01, wait_jitter=0.0)
    source = JiraSource("jira", url=f"http://127.0.0.1:{refused_port}", board_id=42, retry=fast)
    outcome = sync(source, tmp_path, token="t")
    assert outcome.status == "failed"
    assert "refused" in outcome.error, outcome.error
    no_library_words(outcome.error)


@pytest.mark.parametrize("how", ["reset", "cut"])
def test_an_answer_that_breaks_off_says_why_in_words(tmp_path: Path, how: str) -> None:
    from cockpit.kinds import OpenCostSettings
    from integrations.jira import JiraSource
    from integrations.opencost import OpenCostSource

    fast = RetryPolicy(attempts=1, wait_initial=0.01, wait_max=0.01, wait_jitter=0.0)
    with AnyPathServer(Reply.json({"ok": True})) as server, FaultProxy(server.address) as proxy:
        if how == "reset":
            proxy.set(reset=True)
        else:
            server.reply = Reply(200, GARBLED, {"Content-Length": "4096"})
        sources = [
            OpenCostSource("k8s", OpenCostSettings(url=proxy.url)),
            JiraSource("jira", url=proxy.url, board_id=42, retry=fast),
        ]
        for source in sources:
            outcome = sync(source, tmp_path, token="t")
            assert outcome.status == "failed"
            assert RESET in outcome.error if how == "reset" else CLOSED in outcome.error, (
                outcome.error
            )
            no_library_words(outcome.error)


def test_a_wait_past_the_deadline_says_rate_limited() -> None:
    asked = SourceRateLimited("k8s is rate limiting requests (429)", retry_after=60)
    error = fit_to_deadline(asked, Deadline.starting_now(3.0), "k8s", "the server")
    assert str(error).startswith("k8s is rate limited: the server asked to wait 60s")


# --- AWS behind a proxy that answers for it -----------------------------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply.json({"message": "internal error"}, 500), "the server failed (500)"),
        (Reply.json({"message": "slow down"}, 429, {"Retry-After": "1"}), "rate limiting"),
        (Reply.json({"message": "unauthorized"}, 401), "rejected the credentials (401)"),
        (Reply(200, GARBLED, {"Content-Length": "4096"}), "dropped in the middle of the answer"),
        (Reply(200, b"<html>a portal</html>", {"Content-Type": "text/html"}), "could not be read"),
    ],
    ids=["500", "429", "401", "cut", "html"],
)
def test_aws_answers_that_are_not_aws_own_are_told_in_words(
    aws_env: None, tmp_path: Path, reply: Reply, words: str
) -> None:
    from integrations.aws_cost import AwsCostSource

    with AnyPathServer(reply) as server:
        settings = AwsCostSettings(endpoint_url=f"http://127.0.0.1:{server.port}", days=3)
        outcome = sync(AwsCostSource("aws", settings), tmp_path)
    assert outcome.status == "failed"
    assert words in outcome.error, outcome.error
    assert "unexpected" not in outcome.error and "ResponseParserError" not in outcome.error
    no_library_words(outcome.error)
