"""The built-in demo workspace: one believable week of a remote ML team, generated offline.

It is the first thing a new user sees and the source of the README screenshots, so the content
reads like a real team's Jira board, MLflow runs, OKRs and cloud bill rather than test data.

Everything is a pure function of `(now, seed, started_at)`: randomness comes from
`random.Random` instances seeded from `seed` alone, and every date is placed relative to `now`,
so the demo always looks current ("anchored to today") and two calls with the same inputs give
equal snapshots. Each area draws from its own generator so that, for instance, a change to the
cost model does not reshuffle the sprint board.

The sprint board has the depth of a real Jira board: twelve closed sprints of history (about
35 issues each), and changelogs (status, sprint and estimate changes) on every issue, so that
burndown and velocity are computed from the issues like for a real board.

Live mode (`started_at` given) layers a bounded script of small changes on top, one step per
15-second tick, so someone watching `cockpit demo` sees issues move (each move appended to the
issue's changelog), runs finish and today's spend grow.

One module per area: `team` (the roster), `sprint` (the Jira board's active sprint and its
live moves, built on `sprint_board`, `sprint_issues`, `sprint_history` and `sprint_areas`),
`experiments` (MLflow runs and models), `okrs` (the quarter's objectives and KPIs, most bound
to the other areas' data, with their recorded line) and `cost` (fourteen
weeks of cloud spend, the runs billed to their experiments); `_shared` holds the live-mode tick
script and the helpers they all use. This module puts the areas together into a `Snapshot` and
offers it as a source, `DemoSource`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cockpit.models import Snapshot
from integrations.base import FetchContext
from integrations.demo._shared import LIVE_TICK_CAP, TICK_SECONDS, _as_utc, _live_ticks, _rng
from integrations.demo.cost import _add_live_spend, _build_cost
from integrations.demo.experiments import _advance_runs, _build_experiments, _live_launch
from integrations.demo.okrs import _build_okrs
from integrations.demo.sprint import _apply_moves, _build_sprint
from integrations.demo.team import _build_team

__all__ = ["LIVE_TICK_CAP", "TICK_SECONDS", "DemoSource", "build_demo_snapshot"]


def build_demo_snapshot(
    now: datetime, *, seed: int = 7, started_at: datetime | None = None
) -> Snapshot:
    """Build the demo workspace as it looks at `now` (timezone-aware).

    With `started_at`, the snapshot also carries the live changes of the 15-second ticks
    elapsed since then; the script runs out after LIVE_TICK_CAP ticks, so any tick count works.
    """
    now = _as_utc(now, "now")
    ticks = 0 if started_at is None else _live_ticks(now, _as_utc(started_at, "started_at"))
    # Base times hang off `ref`, the moment live mode started (quantised to whole ticks), so
    # that live events happen after the state they change. Without live mode `ref` is `now`.
    ref = now - timedelta(seconds=TICK_SECONDS * ticks)
    today = now.date()

    team = _build_team(today)
    sprint, moves = _build_sprint(today, ref, _rng(seed, "sprint"), _rng(seed, "sprint-history"))
    experiments, running = _build_experiments(ref, _rng(seed, "experiments"))
    # Runs are billed by the hour and tagged with their ids: cost per experiment joins them.
    cost = _build_cost(now, _rng(seed, "cost"), experiments)
    # Key results are bound to the runs, issues and spend above; their recorded line is read
    # from them, as the bindings would have read it at each day's last sync.
    okrs = _build_okrs(ref, _rng(seed, "okrs"), sprint=sprint, experiments=experiments, cost=cost)

    if ticks:
        sprint = _apply_moves(sprint, moves, ref, ticks)
        launched = _live_launch(ref, _rng(seed, "live"))
        experiments = _advance_runs(experiments, running, launched, ref, now, ticks)
        cost = _add_live_spend(cost, now, ticks)

    return Snapshot(sprint=sprint, experiments=experiments, okrs=okrs, cost=cost, team=team)


class DemoSource:
    """The demo workspace as a data source: no network, no credentials, always succeeds."""

    kind: str = "demo"
    uses_network: bool = False

    def __init__(
        self, name: str = "demo", seed: int = 7, live_since: datetime | None = None
    ) -> None:
        self.name: str = name
        self.seed = seed
        self.live_since = live_since

    def snapshot_at(self, now: datetime) -> Snapshot:
        return build_demo_snapshot(now, seed=self.seed, started_at=self.live_since)

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        import asyncio

        # Building takes 15 ms or so: off the event loop, which may be the UI's.
        return await asyncio.to_thread(self.snapshot_at, ctx.now)
