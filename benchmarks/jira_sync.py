"""P5: a full Jira sync of a 5,000-issue board with 150 ms of latency per request, then a
re-sync after 10 issues changed. Goal: the re-sync moves ≤ 5 % of the full sync's bytes.

The board is served by the project's fake Jira (tests/fakes/jira_server.py) on 127.0.0.1, with
the latency added before every answer. The baseline, measured in the same run against the same
server, is what a tool without a cache does on every refresh: python-jira's own
`enhanced_search_issues(maxResults=0, expand="changelog")` over the board.

Run: python benchmarks/jira_sync.py [--issues 5000] [--latency 0.15]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit.clock import FrozenClock  # noqa: E402
from cockpit.models import Secret  # noqa: E402
from cockpit.store import Store  # noqa: E402
from cockpit.sync import SyncJob, sync_one  # noqa: E402
from integrations.jira import JiraSource  # noqa: E402
from integrations.retry import Timeouts  # noqa: E402
from tests.fakes.jira_data import make_board  # noqa: E402
from tests.fakes.jira_server import FakeJira  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:7.2f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description="P5: Jira full and incremental sync")
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.15)
    args = parser.parse_args()

    board = make_board(now=NOW, issues=args.issues)
    print(f"P5  Jira sync of a {len(board.issues):,}-issue board, {args.latency * 1000:.0f} ms "
          "latency per request\n")  # fmt: skip
    with FakeJira(board, latency=args.latency) as fake:
        store = Store(Path(tempfile.mkdtemp(prefix="cockpit-p5-")) / "cache.sqlite")
        source = JiraSource(
            "jira", url=fake.url, board_id=42, email=fake.email,
            timeouts=Timeouts(5.0, 60.0, 1800.0),
        )  # fmt: skip
        job = SyncJob(source, connect_timeout=5.0, read_timeout=60.0, deadline=1800.0)
        token = Secret(fake.token)

        def sync(at: datetime) -> tuple[float, int, int]:
            fake.reset_log()
            started = time.perf_counter()
            outcome = asyncio.run(sync_one(job, store, FrozenClock(at), secret=lambda _: token))
            if outcome.status != "ok":
                raise SystemExit(f"sync failed: {outcome.error}")
            wall = time.perf_counter() - started
            return wall, len(fake.requests), sum(r.response_bytes for r in fake.requests)

        # Baseline: a cache-less client fetching the whole board with history, as python-jira
        # does it by itself.
        from jira import JIRA

        fake.reset_log()
        started = time.perf_counter()
        client = JIRA(fake.url, basic_auth=(fake.email, fake.token), max_retries=0)
        fetched = client.enhanced_search_issues(
            "project = MLP", maxResults=0, expand="changelog", json_result=False
        )
        base_wall = time.perf_counter() - started
        base_requests = len(fake.requests)
        base_bytes = sum(r.response_bytes for r in fake.requests)
        assert len(fetched) == len(board.issues)

        full_wall, full_requests, full_bytes = sync(NOW)
        later = NOW + timedelta(minutes=30)
        board.set_now(later)
        keys = list(board.issues)
        for key in keys[100:110]:
            board.touch(key, later, summary=f"{board.issues[key].summary} (updated)")
        re_wall, re_requests, re_bytes = sync(later)
        issues = store.latest("jira").snapshot.sprint.issues  # type: ignore[union-attr]
        assert len(issues) == len(board.issues)
        assert sum(1 for i in issues if i.summary.endswith("(updated)")) == 10

    print(f"    {'':34} {'wall':>8} {'requests':>9} {'bytes':>12}")
    print(f"    {'python-jira, no cache (baseline)':34} {base_wall:7.2f}s {base_requests:9d} "
          f"{mib(base_bytes)}")  # fmt: skip
    print(f"    {'cockpit full sync':34} {full_wall:7.2f}s {full_requests:9d} {mib(full_bytes)}")
    print(f"    {'cockpit re-sync, 10 issues changed':34} {re_wall:7.2f}s {re_requests:9d} "
          f"{mib(re_bytes)}")  # fmt: skip
    print()
    print(f"    full sync vs baseline: wall {full_wall / base_wall:.2f}x, bytes "
          f"{full_bytes / base_bytes:.2f}x")  # fmt: skip
    print(f"    re-sync vs full sync:  wall {re_wall / full_wall:.1%}, bytes "
          f"{re_bytes / full_bytes:.2%} (goal ≤ 5%)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
