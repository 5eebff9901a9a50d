"""The shared HttpClient against a real local server: retries, Retry-After, auth, counting."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from integrations.base import (
    Deadline,
    SourceAuthError,
    SourceBadResponse,
    SourceDeadlineExceeded,
    SourceRateLimited,
    SourceUnreachable,
)
from integrations.http import HttpClient, RetryPolicy, Timeouts, parse_retry_after
from tests.fakes.fault_server import FaultServer, Reply

DOCUMENT = {"people": [{"id": "ana", "name": "Ana Lima", "timezone": "America/Sao_Paulo"}]}
BODY = json.dumps(DOCUMENT).encode()
# Tiny waits keep retry tests fast, and make any ~1 s pause attributable to Retry-After alone.
FAST = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.0)
TIMEOUTS = Timeouts(connect=2.0, read=2.0, deadline=10.0)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(DOCUMENT) as running:
        yield running


def _client(retry: RetryPolicy = FAST, timeouts: Timeouts = TIMEOUTS) -> HttpClient:
    return HttpClient("tracker", timeouts=timeouts, retry=retry)


async def test_json_is_parsed_and_counted(server: FaultServer) -> None:
    async with _client() as http:
        assert await http.get_json(server.url) == DOCUMENT
    assert http.requests == 1
    assert http.bytes_in == len(BODY)
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/data.json")]


async def test_server_error_is_retried_then_succeeds(server: FaultServer) -> None:
    server.script(Reply(503, b"busy"))
    async with _client() as http:
        assert await http.get_json(server.url) == DOCUMENT
    assert http.requests == 2
    assert len(server.requests) == 2
    # Every answer's body counts, the failed one's too: it crossed the wire.
    assert http.bytes_in == len(b"busy") + len(BODY)


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(server: FaultServer, status: int) -> None:
    server.script(Reply(status, headers={"Retry-After": "1"}))
    async with _client() as http:
        assert await http.get_json(server.url) == DOCUMENT
    assert http.requests == 2
    (gap,) = server.gaps()
    # FAST's own backoff is 10 ms; only the server's Retry-After explains a ~1 s pause.
    assert 0.9 <= gap < 5.0


async def test_rate_limit_without_retry_after_uses_the_backoff(server: FaultServer) -> None:
    server.script(Reply(429))
    async with _client() as http:
        assert await http.get_json(server.url) == DOCUMENT
    (gap,) = server.gaps()
    assert gap < 0.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Mon, 23 Nov 2026 09:01:00 -0000", 60.0),  # a date without a zone is taken as UTC
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # already past
        ("-5", 0.0),
        ("86400", 120.0),  # capped: past that the overall deadline decides anyway
        ("inf", 120.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_date_defaults_to_the_current_time() -> None:
    soon = datetime.now(UTC) + timedelta(seconds=40)
    seconds = parse_retry_after(format_datetime(soon, usegmt=True))
    assert seconds is not None
    assert 35.0 <= seconds <= 40.0


async def test_unauthorised_is_never_retried(server: FaultServer) -> None:
    server.always(Reply(401, b"{}"))
    async with _client() as http:
        with pytest.raises(SourceAuthError, match=r"cockpit auth set tracker") as caught:
            await http.get_json(server.url)
    assert caught.value.status == 401  # a source words 401 and 403 apart by this
    assert http.requests == 1
    assert len(server.requests) == 1


async def test_forbidden_is_never_retried(server: FaultServer) -> None:
    server.always(Reply(403))
    async with _client() as http:
        with pytest.raises(SourceAuthError, match=r"403") as caught:
            await http.get_json(server.url)
    assert "/data.json" in str(caught.value) and caught.value.status == 403
    assert http.requests == 1
    assert len(server.requests) == 1


async def test_persistent_server_error_gives_up_after_the_policy_attempts(
    server: FaultServer,
) -> None:
    server.always(Reply(500, b"oops"))
    policy = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.02, wait_jitter=0.0)
    async with _client(policy) as http:
        with pytest.raises(SourceUnreachable, match=r"failed \(500\)"):
            await http.get_json(server.url)
    assert http.requests == policy.attempts
    assert len(server.requests) == policy.attempts


async def test_persistent_rate_limit_surfaces_as_rate_limited(server: FaultServer) -> None:
    server.always(Reply(429, headers={"Retry-After": "0"}))
    async with _client() as http:
        with pytest.raises(SourceRateLimited) as caught:
            await http.get_json(server.url)
    assert caught.value.retry_after == 0.0
    assert len(server.requests) == FAST.attempts


async def test_post_is_not_retried_unless_declared_idempotent(server: FaultServer) -> None:
    server.always(Reply(500))
    async with _client() as http:
        with pytest.raises(SourceUnreachable):
            await http.post_json(server.url, json={"q": 1})
    assert [r.method for r in server.requests] == ["POST"]

    async with _client() as http:
        with pytest.raises(SourceUnreachable):
            await http.post_json(server.url, json={"q": 1}, idempotent=True)
    assert len(server.requests) == 1 + FAST.attempts


async def test_malformed_json_is_a_bad_response(server: FaultServer) -> None:
    server.always(Reply(200, b'{"people": [', {"Content-Type": "application/json"}))
    async with _client() as http:
        with pytest.raises(SourceBadResponse, match=r"not valid JSON"):
            await http.get_json(server.url)
    assert http.requests == 2  # asked once more, then the garbled answer is taken as final


async def test_one_malformed_answer_is_asked_for_again(server: FaultServer) -> None:
    server.script(Reply(200, b'{"people": [', {"Content-Type": "application/json"}))
    async with _client() as http:
        assert await http.get_json(server.url) == DOCUMENT
    assert http.requests == 2


async def test_a_malformed_post_answer_is_not_asked_for_again(server: FaultServer) -> None:
    server.script(Reply(200, b'{"people": [', {"Content-Type": "application/json"}))
    async with _client() as http:
        with pytest.raises(SourceBadResponse, match=r"not valid JSON"):
            await http.post_json(server.url, json={"q": 1})
    assert [r.method for r in server.requests] == ["POST"]


async def test_a_body_cut_short_says_the_connection_dropped_not_unreachable(
    server: FaultServer,
) -> None:
    # The server promises 200 bytes, sends 12 and closes: it was reached, the answer broke off.
    cut = Reply(200, b'{"people": [', {"Content-Length": "200", "Connection": "close"})
    server.always(cut)
    async with _client() as http:
        with pytest.raises(SourceUnreachable) as caught:
            await http.get_json(server.url)
    message = str(caught.value)
    assert "connection dropped in the middle of the answer from /data.json" in message
    assert "cannot reach" not in message
    assert len(server.requests) == FAST.attempts  # worth retrying, like any broken connection


async def test_a_retry_after_longer_than_the_deadline_leaves_fails_at_once(
    server: FaultServer,
) -> None:
    server.always(Reply(429, headers={"Retry-After": "60"}))
    began = time.monotonic()
    async with HttpClient(
        "tracker", timeouts=TIMEOUTS, retry=FAST, deadline=Deadline.starting_now(10.0)
    ) as http:
        with pytest.raises(SourceDeadlineExceeded) as caught:
            await http.get_json(server.url)
    assert time.monotonic() - began < 2.0
    assert len(server.requests) == 1
    assert str(caught.value) == (
        "tracker is rate limited: the server asked to wait 60s, more than the 10s left of its 10s"
        " deadline"
    )


async def test_no_read_timeout_reaches_past_the_deadline(server: FaultServer) -> None:
    # A 20 s read timeout, but only 0.5 s of deadline left: the request gives up with it.
    server.always(Reply.hanging())
    policy = RetryPolicy(attempts=1)
    began = time.monotonic()
    async with HttpClient(
        "tracker",
        timeouts=Timeouts(connect=5.0, read=20.0),
        retry=policy,
        deadline=Deadline.starting_now(0.5),
    ) as http:
        with pytest.raises(SourceUnreachable, match=r"did not answer in time"):
            await http.get_json(server.url)
    assert time.monotonic() - began < 2.0


async def test_client_error_is_a_bad_response(server: FaultServer) -> None:
    async with _client() as http:
        with pytest.raises(SourceBadResponse, match=r"404"):
            await http.get_json(server.url.replace("/data.json", "/nope"))
    assert len(server.requests) == 1


async def test_connection_refused_is_unreachable() -> None:
    # A bound socket that never listens: connecting to it is refused, and no other test or
    # process can take the port while we hold it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        async with _client() as http:
            with pytest.raises(SourceUnreachable, match=r"cannot reach"):
                await http.get_json(f"http://127.0.0.1:{port}/data.json")
    assert http.requests == FAST.attempts  # connection errors are worth retrying


async def test_a_silent_server_hits_the_read_timeout(server: FaultServer) -> None:
    server.always(Reply.hanging())
    policy = RetryPolicy(attempts=2, wait_initial=0.01, wait_max=0.01, wait_jitter=0.0)
    began = time.monotonic()
    async with _client(policy, Timeouts(connect=1.0, read=0.3)) as http:
        with pytest.raises(SourceUnreachable, match=r"did not answer in time"):
            await http.get_json(server.url)
    assert time.monotonic() - began < 2.0
    assert len(server.requests) == 2


async def test_a_trickling_server_outlives_the_read_timeout(server: FaultServer) -> None:
    # Why the sync engine needs its own deadline: httpx's read timeout measures inactivity, so
    # a body arriving one byte every 0.1 s is never cut by a 0.5 s read timeout.
    body = b'{"ok": true}'
    server.always(Reply(200, body, {"Content-Type": "application/json"}, trickle=0.1))
    began = time.monotonic()
    async with _client(timeouts=Timeouts(connect=1.0, read=0.5)) as http:
        assert await http.get_json(server.url) == {"ok": True}
    assert time.monotonic() - began >= 0.1 * len(body) * 0.9
    assert http.requests == 1
