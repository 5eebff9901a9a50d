"""A demo store with twelve weeks of history under a frozen clock, for the weekly export's
golden files and the P9 benchmark.

Each week's end (Sunday 22:00 UTC) holds the demo as it looked then, written as a sync would
write it (digests, run chunks, cost roll-ups, a log row), followed by the OKR values a sync
records; the last snapshot is taken at FROZEN_NOW. The demo is anchored to the moment it is
built for, so every week reads like a real week of the same team.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.store import SyncAttempt
from cockpit.workspace import Workspace, open_demo_workspace

# A Monday morning: the last full week is 2026-W48 (23–29 Nov), the one before 2026-W47.
FROZEN_NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WEEKS = 12
SYNCED_AT = timedelta(hours=-2)  # each week's last sync: Sunday 22:00 UTC


def week_ends(now: datetime = FROZEN_NOW, weeks: int = WEEKS) -> list[datetime]:
    """The moments of the history's syncs, oldest first: each week's last, then `now`."""
    monday = datetime.combine(now.date() - timedelta(days=now.weekday()), datetime.min.time(), UTC)
    ends = [monday - timedelta(weeks=n) + SYNCED_AT for n in range(weeks - 1, -1, -1)]
    return [*ends, now]


def write_history(workspace: Workspace, moments: list[datetime]) -> None:
    for moment in moments:
        held = workspace._demo_at(moment)
        attempt = SyncAttempt(held.source, moment, moment, "ok")
        workspace.store.write_snapshot(held.snapshot, attempt)
        workspace.record_okr_values(moment)


def demo_history(folder: Path, now: datetime = FROZEN_NOW, weeks: int = WEEKS) -> Workspace:
    """A demo workspace whose store in `folder` holds `weeks` weeks of history up to `now`."""
    workspace = open_demo_workspace(folder / "demo.sqlite")
    write_history(workspace, week_ends(now, weeks))
    return workspace
