"""What every area of the demo shares: the live-mode tick script and small helpers.

Live mode advances one step per TICK_SECONDS tick; the tick numbers below say when each area's
scripted change happens (board moves, the fraud run's launch and finish, GPU spend). The helpers
check and convert the caller's datetimes, seed each area's own `random.Random`, and place
moments on the tick clock.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

TICK_SECONDS = 15
# Live changes stop after an hour of watching: enough for anyone looking at the demo, and it
# keeps the base state at most an hour behind `now` however long the app stays open.
LIVE_TICK_CAP = 240

# --- Live script (tick numbers) -------------------------------------------------------------

FIRST_MOVE_TICK = 3
MOVE_EVERY_TICKS = 6
MAX_MOVES = 12
LAUNCH_TICK = 16
LAUNCH_FINISH_TICK = 64
LIVE_GPU_DOLLARS_PER_TICK = 0.85


def _as_utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _live_ticks(now: datetime, started_at: datetime) -> int:
    elapsed = (now - started_at).total_seconds()
    return max(0, min(LIVE_TICK_CAP, int(elapsed // TICK_SECONDS)))


def _rng(seed: int, area: str) -> random.Random:
    # String seeds are hashed with SHA-512, so this is stable across runs and Python processes.
    return random.Random(f"cockpit-demo:{seed}:{area}")


def _at_tick(ref: datetime, tick: int) -> datetime:
    return ref + timedelta(seconds=TICK_SECONDS * tick)


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"
