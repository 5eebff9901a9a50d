"""The HTTP client every network source shares.

It owns the retry policy so that each integration does not invent its own: exponential backoff
with jitter on idempotent requests, `Retry-After` honoured on 429 and 503, and 401/403 never
retried. It also counts requests and bytes for the sync log and the benchmarks.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import stamina

from integrations.base import (
    SourceAuthError,
    SourceBadResponse,
    SourceRateLimited,
    SourceUnreachable,
    TrafficMeter,
)
from integrations.retry import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    parse_retry_after,
    retry_backoff,
)

# httpx logs every request URL at INFO; URLs may carry identifiers users consider private.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


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
    ) -> None:
        self.source = source
        self.meter = meter if meter is not None else TrafficMeter()
        self._retry = retry
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            headers=headers,
            auth=auth,
            transport=transport,
            follow_redirects=True,
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
        return _json_of(await self.request("GET", url, **kwargs), self.source)

    async def post_json(self, url: str, *, idempotent: bool = False, **kwargs: Any) -> Any:
        """POST that is retried only when the caller says the call is a pure read."""
        response = await self.request("POST", url, idempotent=idempotent, **kwargs)
        return _json_of(response, self.source)

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
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            self.meter.count(0)
            raise SourceUnreachable(f"{self.source}: the server did not answer in time") from exc
        except httpx.TransportError as exc:
            self.meter.count(0)
            raise SourceUnreachable(f"{self.source}: cannot reach the server ({exc})") from exc
        # Bytes on the wire (compressed), which is what a slow link pays for.
        self.meter.count(response.num_bytes_downloaded)
        _raise_for_status(response, self.source)
        return response


def _raise_for_status(response: httpx.Response, source: str) -> None:
    status = response.status_code
    if status < 400:
        return
    path = response.request.url.path
    if status == 401:
        raise SourceAuthError(
            f"{source} rejected the credentials (401): run `cockpit auth set {source}`"
        )
    if status == 403:
        raise SourceAuthError(
            f"{source} refused access to {path} (403): check the account's permissions"
        )
    if status in (429, 503) and (status == 429 or "retry-after" in response.headers):
        wait = parse_retry_after(response.headers.get("retry-after"))
        raise SourceRateLimited(
            f"{source} is rate limiting requests ({status})"
            + (f"; it asked to wait {wait:.0f}s" if wait is not None else ""),
            retry_after=wait,
        )
    if status >= 500:
        raise SourceUnreachable(f"{source}: the server failed ({status}) on {path}")
    raise SourceBadResponse(f"{source}: the server answered {status} on {path}")


def _json_of(response: httpx.Response, source: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        path = response.request.url.path
        raise SourceBadResponse(f"{source}: the answer from {path} is not valid JSON") from exc
