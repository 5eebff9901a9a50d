"""The contract every data source implements, and the errors it may raise.

A source turns one outside system into one `Snapshot`. It never touches the store: the sync
engine decides whether a result is complete enough to keep. Error messages are written for the
user who has to fix the problem, so they say what to do next.
"""

from __future__ import annotations

import threading
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
    """The source rejected the credentials (401) or the permission (403). Never retried.

    `status` is the HTTP status when there was one, so that a source can word the two apart
    without reading the message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


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


class SourceCallBudgetSpent(SourceError):
    """The source's paid calls for today are used up: it made no call and its data is kept.

    Not a failure: the sync engine records the attempt as "held", and the status says why."""


class PaidCalls:
    """Today's allowance of a paid API (AWS Cost Explorer bills each call), for one sync.

    The sync engine reads what was used today from the store, and adds what this sync
    `spent` afterwards, whether the sync succeeded or not: a call that failed was still paid.
    A source works out how many calls it needs before making any, and calls `spend` before
    each one, so a sync never goes over the limit half-way through.
    """

    __slots__ = ("_lock", "limit", "spent", "used")

    def __init__(self, limit: int, used: int) -> None:
        self.limit = limit
        self.used = used  # before this sync, today (UTC)
        self.spent = 0  # during this sync
        self._lock = threading.Lock()

    def left(self) -> int:
        return max(self.limit - self.used - self.spent, 0)

    def spend(self, n: int = 1, *, source: str = "", what: str = "paid calls") -> None:
        """Count `n` calls about to be made; raises `SourceCallBudgetSpent` instead when
        they would go over today's limit."""
        with self._lock:
            if self.used + self.spent + n > self.limit:
                head = f"{source}: " if source else ""
                raise SourceCallBudgetSpent(
                    f"{head}today's {self.limit} {what} are used ({self.used + self.spent} made);"
                    " no call was made and the data is kept; more calls are possible after"
                    " 00:00 UTC"
                )
            self.spent += n


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


class ProgressView(msgspec.Struct, frozen=True):
    """One reading of a sync's progress, for a progress line or a status bar."""

    phase: str  # what the source is doing ("connecting", "listing"); "" for its main download
    unit: str  # what it counts ("issues"); "" when the phase counts nothing
    done: int
    total: int | None  # None when the source cannot say
    bytes_in: int
    requests: int
    elapsed: float  # seconds since the sync started
    phase_elapsed: float  # seconds since this phase started
    outcome: str = ""  # "ok", "failed"… once the sync is over

    def describe(self) -> str:
        """`1,200 of 5,000 issues`, `listing 3,000 issues so far`, `connecting`."""
        if self.outcome:
            return self.outcome
        head = f"{self.phase} " if self.phase else ""
        if not self.unit:
            return self.phase
        if self.total is not None:
            return f"{head}{self.done:,} of {self.total:,} {self.unit}"
        return f"{head}{self.done:,} {self.unit} so far"

    def rate(self) -> float | None:
        """Items a second in this phase, once there is enough of it to say."""
        if not self.unit or self.done == 0 or self.phase_elapsed < 0.5:
            return None
        return self.done / self.phase_elapsed


class Progress:
    """How far one source's sync has got, for whoever wants to show it.

    The source's threads write it (a phase, items done, of how many when the source can say);
    the bytes come from the sync's `TrafficMeter`. Readers (`cockpit sync`'s progress line, the
    TUI's status bar) call `read()` at their own pace: polling, so no reader's code ever runs on
    a source's thread and a source never waits for a reader. A write is a few attribute stores
    under a lock: cheap enough to make once per page.
    """

    __slots__ = (
        "_done", "_generation", "_lock", "_outcome", "_phase", "_phase_started", "_total",
        "_unit", "meter", "started",
    )  # fmt: skip

    def __init__(self, meter: TrafficMeter | None = None) -> None:
        self.meter = meter if meter is not None else TrafficMeter()
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._phase = ""
        self._unit = ""
        self._done = 0
        self._total: int | None = None
        self._generation = 0
        self._phase_started = self.started
        self._outcome = ""

    def begin(self, phase: str, *, unit: str = "", total: int | None = None) -> int:
        """Start a phase, counting from zero. Returns its number, for `set_total`."""
        with self._lock:
            self._phase, self._unit, self._done, self._total = phase, unit, 0, total
            self._phase_started = time.monotonic()
            self._generation += 1
            return self._generation

    def advance(self, count: int = 1, *, total: int | None = None) -> None:
        with self._lock:
            self._done += count
            if total is not None:
                self._total = total

    def set_total(self, total: int | None, phase: int | None = None) -> None:
        """The size of the phase numbered `phase` (the current one by default): a count that
        arrives late, after its phase ended, is dropped."""
        with self._lock:
            if phase is None or phase == self._generation:
                self._total = total

    def finish(self, outcome: str) -> None:
        with self._lock:
            self._outcome = outcome

    def read(self) -> ProgressView:
        now = time.monotonic()
        with self._lock:
            return ProgressView(
                phase=self._phase,
                unit=self._unit,
                done=self._done,
                total=self._total,
                bytes_in=self.meter.bytes_in,
                requests=self.meter.requests,
                elapsed=now - self.started,
                phase_elapsed=now - self._phase_started,
                outcome=self._outcome,
            )


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
    `progress` is where the source says how far it has got (the engine gives it the same
    `meter`); a source that says nothing is shown as syncing, without counts.
    `paid_calls` is today's allowance of a paid API, for the kinds that have one.
    """

    now: datetime
    http: HttpClient | None
    previous: Snapshot | None
    secret: Callable[[str], Secret | None]
    meter: TrafficMeter = msgspec.field(default_factory=TrafficMeter)
    deadline: Deadline | None = None
    progress: Progress = msgspec.field(default_factory=Progress)
    paid_calls: PaidCalls | None = None


class Source(Protocol):
    """One configured data source."""

    name: str
    kind: str
    uses_network: bool

    async def fetch(self, ctx: FetchContext) -> Snapshot: ...
