"""How old each source's data is, and whether to trust it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    FAILED = "failed"
    OFFLINE = "offline"
    NEVER = "no data"


class SourceState(msgspec.Struct, frozen=True, gc=False):
    source: str
    kind: str
    state: Freshness
    taken_at: datetime | None
    age_seconds: float | None
    error: str = ""
    stale_after_seconds: float = float("inf")

    @property
    def age(self) -> str:
        return format_age(self.age_seconds)

    def at(self, now: datetime) -> SourceState:
        """The same state some time later: older, and stale once past its threshold. Cheap,
        so the screen's ages can tick without anything being read or rebuilt."""
        if self.taken_at is None:
            return self
        age = (now - self.taken_at).total_seconds()
        state = self.state
        if state is Freshness.FRESH and age > self.stale_after_seconds:
            state = Freshness.STALE
        return msgspec.structs.replace(self, age_seconds=age, state=state)


class SourceFacts(msgspec.Struct, frozen=True, gc=False):
    """What freshness needs to know about one configured source."""

    name: str
    kind: str
    uses_network: bool
    stale_after_seconds: float
    settings_key: str = ""  # the source's settings now; a snapshot made with others is stale


def format_age(seconds: float | None) -> str:
    """A short, honest age: 'now', '45s', '12m', '3h', '2d'. None means never synced."""
    if seconds is None:
        return "never"
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return "now"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def age_phrase(age: str) -> str:
    """A formatted age as a phrase: 'now' → 'just now', '5m' → '5m ago', 'never' stays."""
    if age == "now":
        return "just now"
    return age if age == "never" else f"{age} ago"


def describe_age(seconds: float | None) -> str:
    """How old something is, as every screen and report says it: 'just now', '5m ago'."""
    return age_phrase(format_age(seconds))


def source_state(
    facts: SourceFacts,
    taken_at: datetime | None,
    last_status: str | None,
    last_error: str,
    last_attempt_at: datetime | None,
    now: datetime,
    *,
    offline: bool,
    settings_changed: bool = False,
) -> SourceState:
    """`settings_changed`: the data was synced with other settings (another board, query or
    file) than the config now names, so it is shown as stale and says why."""
    age = (now - taken_at).total_seconds() if taken_at else None
    failed_since_data = last_status == "failed" and (
        taken_at is None or (last_attempt_at is not None and last_attempt_at > taken_at)
    )
    if offline and facts.uses_network:
        state = Freshness.OFFLINE if taken_at else Freshness.NEVER
    elif failed_since_data:
        state = Freshness.FAILED
    elif taken_at is None:
        state = Freshness.NEVER
    elif settings_changed or (age is not None and age > facts.stale_after_seconds):
        state = Freshness.STALE
    else:
        state = Freshness.FRESH
    # A paid API's calls for today were used up: not a failure, but the data is as old as it
    # says, and the reason goes with it.
    held_since_data = (
        last_status == "held"
        and taken_at is not None
        and last_attempt_at is not None
        and last_attempt_at > taken_at
    )
    error = last_error if failed_since_data or held_since_data else ""
    if settings_changed and taken_at is not None and not error:
        error = "synced with other settings than the config has now; run `cockpit sync`"
    return SourceState(
        facts.name, facts.kind, state, taken_at, age, error, facts.stale_after_seconds
    )


def oldest_age(states: list[SourceState]) -> float | None:
    """The age a panel fed by several sources must admit to: its oldest input's."""
    ages = [s.age_seconds for s in states if s.age_seconds is not None]
    return max(ages) if ages else None
