"""The contract every data source implements, and the errors it may raise.

A source turns one outside system into one `Snapshot`. It never touches the store: the sync
engine decides whether a result is complete enough to keep. Error messages are written for the
user who has to fix the problem, so they say what to do next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

import msgspec

from cockpit.models import Secret, Snapshot

if TYPE_CHECKING:
    from integrations.http import HttpClient


class SourceError(Exception):
    """A source could not deliver a complete snapshot. The message is shown to the user."""

    retryable: ClassVar[bool] = False


class SourceConfigError(SourceError):
    """The source's settings or input file are wrong."""


class SourceAuthError(SourceError):
    """The source rejected the credentials (401) or the permission (403). Never retried."""


class SourceUnreachable(SourceError):
    """The network or the server failed in a way that may pass."""

    retryable = True


class SourceRateLimited(SourceUnreachable):
    """The server asked us to slow down (429, or 503 with Retry-After)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceBadResponse(SourceError):
    """The server answered with something we cannot read."""


class SourceDeadlineExceeded(SourceError):
    """The source did not finish within its overall deadline."""


class TrafficMeter:
    """Requests made and bytes received during one sync, whichever HTTP library made them.

    `last_error` is what the latest failed attempt failed with ("" once an attempt succeeds),
    so that a sync cut by its deadline can say what it was struggling with.
    """

    __slots__ = ("bytes_in", "last_error", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.bytes_in = 0
        self.last_error = ""

    def count(self, received: int) -> None:
        self.requests += 1
        self.bytes_in += received

    def failed(self, error: Exception, source: str) -> None:
        message = str(error)
        self.last_error = message.removeprefix(f"{source}: ")

    def succeeded(self) -> None:
        self.last_error = ""


class Deadline(msgspec.Struct, frozen=True):
    """The moment a source's sync must be over: `at` on the `time.monotonic()` clock, and the
    configured `seconds` it came from (for messages)."""

    at: float
    seconds: float

    @classmethod
    def starting_now(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def cap(self, timeout: float) -> float:
        """A per-request timeout that cannot outlast the deadline (never 0: that means
        "no timeout" to some libraries)."""
        return max(min(timeout, self.left()), 0.01)


class FetchContext(msgspec.Struct, frozen=True):
    """What a source gets for one sync.

    `http` is None for sources that do not use the network, and always None offline.
    `previous` is the last stored snapshot, for incremental syncs.
    `secret` looks a source's credential up by the source's name (keyring, then environment).
    `deadline` is when the sync engine stops waiting; blocking work should not outlive it.
    """

    now: datetime
    http: HttpClient | None
    previous: Snapshot | None
    secret: Callable[[str], Secret | None]
    meter: TrafficMeter = msgspec.field(default_factory=TrafficMeter)
    deadline: Deadline | None = None


class Source(Protocol):
    """One configured data source."""

    name: str
    kind: str
    uses_network: bool

    async def fetch(self, ctx: FetchContext) -> Snapshot: ...
