"""The HTTP client every network source shares.

It owns the retry policy so that each integration does not invent its own: exponential backoff
with jitter on idempotent requests, `Retry-After` honoured on 429 and 503 (or a failure at once
when the wait would outlast the deadline), one more try after a garbled JSON answer, and 401/403
never retried. No request's timeouts reach past the sync's deadline. It also counts requests
and bytes for the sync log and the benchmarks.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import stamina

from integrations.base import (
    Deadline,
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
    TrafficMeter,
)
from integrations.net_words import dropped_answer, network_failure
from integrations.retry import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    fit_to_deadline,
    parse_retry_after,
    retry_backoff,
)


class _Garbled(SourceBadResponse):
    """A body that is not the JSON it should be: asked for once more before giving up."""


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once for every client of the process. Loading it costs
    40–60 ms of CPU, GIL held: a client per source made eight of those at the start of a
    sync, which froze the TUI for half a second. An SSLContext is safe to share."""
    return httpx.create_ssl_context()


class HttpClient:
    """A thin, counting, retrying wrapper around one `httpx.AsyncClient`."""

    def __init__(
        self,
        source: str,
        base_url: str = "",
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        meter: TrafficMeter | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.source = source
        self.meter = meter if meter is not None else TrafficMeter()
        self._retry = retry
        self._timeouts = timeouts
        self._deadline = deadline
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            headers=headers,
            auth=auth,
            transport=transport,
            follow_redirects=True,
            verify=tls_context(),
        )

    @property
    def requests(self) -> int:
        return self.meter.requests

    @property
    def bytes_in(self) -> int:
        return self.meter.bytes_in

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        return await self._json(lambda: self.request("GET", url, **kwargs), again=True)

    async def post_json(self, url: str, *, idempotent: bool = False, **kwargs: Any) -> Any:
        """POST that is retried only when the caller says the call is a pure read."""
        return await self._json(
            lambda: self.request("POST", url, idempotent=idempotent, **kwargs), again=idempotent
        )

    async def _json(self, send: Callable[[], Awaitable[httpx.Response]], *, again: bool) -> Any:
        # One garbled answer (a proxy hiccup, a body cut at a gateway) is asked for once more;
        # a second one is the server's real answer.
        if again:
            try:
                return _json_of(await send(), self.source)
            except _Garbled as exc:
                self.meter.failed(exc, self.source)
        return _json_of(await send(), self.source)

    async def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        retryable = method.upper() in _IDEMPOTENT if idempotent is None else idempotent
        if not retryable:
            return await self._send_once(method, url, **kwargs)
        retrying = stamina.AsyncRetryingCaller(
            attempts=self._retry.attempts,
            timeout=None,  # the sync engine's overall deadline bounds the whole source
            wait_initial=self._retry.wait_initial,
            wait_max=self._retry.wait_max,
            wait_jitter=self._retry.wait_jitter,
        )
        return await retrying(retry_backoff, self._send_once, method, url, **kwargs)

    async def _send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("timeout", self._request_timeout())
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            self.meter.count(0)
            raise self._failed(
                SourceUnreachable(f"{self.source}: the server did not answer in time")
            ) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            # The connection was open: the server was reached, then the answer broke off.
            self.meter.count(0)
            raise self._failed(
                SourceUnreachable(
                    f"{self.source}: the connection dropped in the middle of the answer from "
                    f"{httpx.URL(url).path} ({dropped_answer(exc)})"
                )
            ) from exc
        except httpx.TransportError as exc:
            self.meter.count(0)
            raise self._failed(
                SourceUnreachable(
                    f"{self.source}: cannot reach the server: "
                    # httpx's own words ("All connection attempts failed") say nothing useful.
                    + (network_failure(exc) or str(exc) or "the connection failed")
                )
            ) from exc
        # Bytes on the wire (compressed), which is what a slow link pays for.
        self.meter.count(response.num_bytes_downloaded)
        try:
            _raise_for_status(response, self.source)
        except SourceError as exc:
            error = fit_to_deadline(exc, self._deadline, self.source, "the server")
            raise self._failed(error) from None
        self.meter.succeeded()
        return response

    def _request_timeout(self) -> httpx.Timeout:
        connect, read = self._timeouts.connect, self._timeouts.read
        if self._deadline is not None:
            connect, read = self._deadline.cap(connect), self._deadline.cap(read)
        return httpx.Timeout(read, connect=connect)

    def _failed(self, error: SourceError) -> SourceError:
        self.meter.failed(error, self.source)
        return error


def _raise_for_status(response: httpx.Response, source: str) -> None:
    status = response.status_code
    if status < 400:
        return
    path = response.request.url.path
    if status == 401:
        raise SourceAuthError(
            f"{source} rejected the credentials (401): run `cockpit auth set {source}`",
            status=401,
        )
    if status == 403:
        raise SourceAuthError(
            f"{source} refused access to {path} (403): check the account's permissions",
            status=403,
        )
    if status in (429, 503) and (status == 429 or "retry-after" in response.headers):
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:
            wait = _azure_retry_after(response.headers)
        raise SourceRateLimited(
            f"{source} is rate limiting requests ({status})"
            + (f"; it asked to wait {wait:.0f}s" if wait is not None else ""),
            retry_after=wait,
        )
    if status >= 500:
        raise SourceUnreachable(f"{source}: the server failed ({status}) on {path}")
    raise SourceBadResponse(f"{source}: the server answered {status} on {path}")


def _azure_retry_after(headers: httpx.Headers) -> float | None:
    """Azure's throttled APIs say how long to wait in headers of their own instead of
    `Retry-After` (Cost Management: `x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after`,
    `-entity-`, `-tenant-`; `x-ms-ratelimit-microsoft.consumption-retry-after`): the longest."""
    waits = [
        parse_retry_after(value)
        for name, value in headers.items()
        if name.lower().startswith("x-ms-ratelimit-") and name.lower().endswith("retry-after")
    ]
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None


def _json_of(response: httpx.Response, source: str) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        path = response.request.url.path
        raise _Garbled(f"{source}: the answer from {path} is not valid JSON") from exc
