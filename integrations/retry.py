"""The retry policy every network source shares, whatever HTTP library it speaks.

Exponential backoff with jitter (stamina) on requests that are safe to repeat; a server's
`Retry-After` replaces the backoff; authentication failures are never retried.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import msgspec

from integrations.base import (
    Deadline,
    SourceDeadlineExceeded,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
)

# Longest server-requested pause we accept; past it the overall deadline decides anyway.
_MAX_RETRY_AFTER = 120.0


class Timeouts(msgspec.Struct, frozen=True):
    connect: float = 5.0
    read: float = 20.0
    deadline: float = 60.0


class RetryPolicy(msgspec.Struct, frozen=True):
    attempts: int = 4
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 0.5


DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_RETRY = RetryPolicy()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def retry_backoff(exc: Exception) -> bool | float:
    """stamina's hook: whether to retry, and for rate limits, how long the server asked for."""
    if isinstance(exc, SourceRateLimited) and exc.retry_after is not None:
        return exc.retry_after
    return isinstance(exc, SourceUnreachable)


def fit_to_deadline(
    error: SourceError, deadline: Deadline | None, source: str, asker: str
) -> SourceError:
    """A rate limit that asks for a longer pause than the deadline leaves fails now, with that
    reason, instead of sleeping through the deadline and failing with a vaguer one."""
    wait = error.retry_after if isinstance(error, SourceRateLimited) else None
    if wait is None or deadline is None:
        return error
    left = deadline.left()
    if wait <= left:
        return error
    return SourceDeadlineExceeded(
        f"{source} is rate limited: {asker} asked to wait {wait:.0f}s, more than the {left:.0f}s"
        " left of its "
        f"{deadline.seconds:g}s deadline"
    )
