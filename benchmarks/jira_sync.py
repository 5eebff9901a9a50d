"""P5: Jira full sync and re-syncs, on boards of 700 and 5,000 issues, 150 ms per request.

Goals: a re-sync with nothing changed moves ≤ 1 % of a full sync's bytes; a re-sync after 10
issues changed moves ≤ 5 %.

Each board is served by the project's fake Jira (tests/fakes/jira_server.py) on 127.0.0.1, with
the latency added before every answer. Ten issues are touched two minutes before the first
sync (a team at work), so a re-sync one minute later has issues inside its safety margin. The
scenarios, in order, against one store:

* baseline: what a tool without a cache does on every refresh, python-jira's own
  `enhanced_search_issues(maxResults=0, expand="changelog")` (Server: `search_issues`);
* full sync (empty store);
* re-sync one minute later, nothing changed;
* re-sync 30 minutes later, after 10 issues changed.

Bytes and requests are the fake's own count of the response bodies it sent.

`--progress-runs N` also measures what reporting progress costs: N full syncs with a reader
polling the progress 4 times a second and formatting a line (as `cockpit sync` does on a
terminal), interleaved with N without one, at `--progress-latency` (0 by default, where the
sync is CPU-bound and any cost would show most), plus the cost of one progress call.

Run: python benchmarks/jira_sync.py [--sizes 700,5000] [--latency 0.15] [--deployment Cloud]
                                    [--progress-runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import record  # noqa: E402
from cockpit.clock import FrozenClock  # noqa: E402
from cockpit.models import Secret  # noqa: E402
from cockpit.store import Store  # noqa: E402
from cockpit.sync import SyncJob, sync_one  # noqa: E402
from integrations.jira import JiraSource  # noqa: E402
from integrations.retry import Timeouts  # noqa: E402
from tests.fakes.jira_data import JiraBoardData, make_board  # noqa: E402
from tests.fakes.jira_server import FakeJira  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CHANGES = 10


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:7.2f} MiB"


def busy_board(issues: int, deployment: str) -> JiraBoardData:
    board = make_board(now=NOW - timedelta(minutes=3), issues=issues, deployment=deployment)
    for key in list(board.issues)[200 : 200 + CHANGES]:
        board.touch(key, NOW - timedelta(minutes=2), labels=["touched"])
    board.set_now(NOW)
    return board


class Row:
    def __init__(self, label: str, wall: float, requests: int, bytes_: int) -> None:
        self.label, self.wall, self.requests, self.bytes = label, wall, requests, bytes_


def _job(fake: FakeJira) -> tuple[SyncJob, Secret]:
    source = JiraSource(
        "jira",
        url=fake.url,
        board_id=42,
        email=fake.email if fake.is_cloud else "",
        timeouts=Timeouts(5.0, 60.0, 1800.0),
    )
    job = SyncJob(source, connect_timeout=5.0, read_timeout=60.0, deadline=1800.0)
    return job, Secret(fake.token if fake.is_cloud else fake.pat)


def _sync(fake: FakeJira, store: Store, at: datetime, label: str, reader: bool = False) -> Row:
    job, token = _job(fake)
    fake.reset_log()
    started = time.perf_counter()
    outcome = asyncio.run(_run(job, store, at, token, reader))
    if outcome.status != "ok":
        raise SystemExit(f"{label}: sync failed: {outcome.error}")
    wall = time.perf_counter() - started
    return Row(label, wall, len(fake.requests), sum(r.response_bytes for r in fake.requests))


async def _run(job: SyncJob, store: Store, at: datetime, token: Secret, reader: bool):  # type: ignore[no-untyped-def]
    try:
        from cockpit.progress_lines import progress_line
        from integrations.base import Progress
    except ImportError:  # a cockpit from before progress reporting, for the "before" figures
        return await sync_one(job, store, FrozenClock(at), secret=lambda _: token)

    progress = Progress()
    task = asyncio.ensure_future(
        sync_one(job, store, FrozenClock(at), secret=lambda _: token, progress=progress)
    )
    if reader:  # what `cockpit sync` on a terminal does, without the terminal
        while not task.done():
            await asyncio.wait({task}, timeout=0.25)
            progress_line("jira", progress.read(), 4)
    return await task


def baseline(fake: FakeJira, issues: int) -> Row:
    from jira import JIRA

    fake.reset_log()
    started = time.perf_counter()
    if fake.is_cloud:
        client = JIRA(fake.url, basic_auth=(fake.email, fake.token), max_retries=0)
        fetched = client.enhanced_search_issues(
            "project = MLP", maxResults=0, expand="changelog", json_result=False
        )
    else:
        client = JIRA(fake.url, token_auth=fake.pat, max_retries=0)
        fetched = client.search_issues("project = MLP", maxResults=False, expand="changelog")
    wall = time.perf_counter() - started
    assert len(fetched) == issues
    return Row(
        "python-jira, no cache (baseline)",
        wall,
        len(fake.requests),
        sum(r.response_bytes for r in fake.requests),
    )


def run_size(issues: int, latency: float, deployment: str) -> list[Row]:
    board = busy_board(issues, deployment)
    rows: list[Row] = []
    with FakeJira(board, latency=latency) as fake:
        store = Store(Path(tempfile.mkdtemp(prefix="cockpit-p5-")) / "cache.sqlite")
        rows.append(baseline(fake, len(board.issues)))
        rows.append(_sync(fake, store, NOW, "cockpit full sync"))
        quiet = NOW + timedelta(minutes=1)
        board.set_now(quiet)
        rows.append(_sync(fake, store, quiet, "re-sync, nothing changed"))
        later = NOW + timedelta(minutes=30)
        board.set_now(later)
        changed = list(board.issues)[100 : 100 + CHANGES]
        for key in changed:
            board.touch(key, later, summary=f"{board.issues[key].summary} (updated)")
        rows.append(_sync(fake, store, later, f"re-sync, {CHANGES} issues changed"))
        issues_now = store.latest("jira").snapshot.sprint.issues  # type: ignore[union-attr]
        assert len(issues_now) == len(board.issues)
        assert sum(1 for i in issues_now if i.summary.endswith("(updated)")) == CHANGES
        assert fake.errors == []
    return rows


def report(issues: int, rows: list[Row], latency: float, deployment: str) -> bool:
    base, full, quiet, changed = rows
    print(f"P5  Jira {deployment} board of {issues:,} issues, {latency * 1000:.0f} ms a request")
    print(f"    {'':34} {'wall':>8} {'requests':>9} {'bytes':>12} {'of full':>8}")
    for row in rows:
        share = f"{row.bytes / full.bytes:8.2%}" if row is not base else ""
        print(f"    {row.label:34} {row.wall:7.2f}s {row.requests:9d} {mib(row.bytes)} {share}")
    ok_quiet = quiet.bytes <= full.bytes * 0.01
    ok_changed = changed.bytes <= full.bytes * 0.05
    print(f"    full sync vs baseline: wall {full.wall / base.wall:.2f}x, "
          f"bytes {full.bytes / base.bytes:.2f}x")  # fmt: skip
    print(f"    nothing changed: {quiet.bytes / full.bytes:.2%} of the bytes (goal ≤ 1%) "
          f"{'met' if ok_quiet else 'NOT MET'}")  # fmt: skip
    print(f"    {CHANGES} changed: {changed.bytes / full.bytes:.2%} of the bytes (goal ≤ 5%) "
          f"{'met' if ok_changed else 'NOT MET'}\n")  # fmt: skip
    against = f"a full sync: {mib(full.bytes).strip()}"
    record("P5", f"Jira {deployment} re-sync, nothing changed, of {issues:,} issues",
           quiet.bytes / full.bytes * 100, "%", 1, baseline=against)  # fmt: skip
    record("P5", f"Jira {deployment} re-sync, {CHANGES} changed, of {issues:,} issues",
           changed.bytes / full.bytes * 100, "%", 5, baseline=against)  # fmt: skip
    return ok_quiet and ok_changed


def progress_cost(issues: int, runs: int, latency: float, deployment: str) -> None:
    from integrations.base import Progress

    board = busy_board(issues, deployment)
    walls: dict[bool, list[float]] = {False: [], True: []}
    with FakeJira(board, latency=latency) as fake:
        for _ in range(runs):
            for reader in (False, True):
                store = Store(Path(tempfile.mkdtemp(prefix="cockpit-p5-")) / "cache.sqlite")
                walls[reader].append(_sync(fake, store, NOW, "full", reader).wall)
    without, with_ = statistics.median(walls[False]), statistics.median(walls[True])
    print(f"P5  progress reporting: {runs} full syncs of {issues:,} issues each way, "
          f"{latency * 1000:.0f} ms a request, interleaved")  # fmt: skip
    print(f"    without a reader: median {without:.3f}s (min {min(walls[False]):.3f}s)")
    print(f"    with a 4 Hz reader: median {with_:.3f}s (min {min(walls[True]):.3f}s), "
          f"{with_ / without:.3f}x")  # fmt: skip

    progress = Progress()
    progress.begin("", unit="issues")
    calls = 200_000
    for name, call in (
        ("advance()", lambda: progress.advance(100)),
        ("read()", progress.read),
        ("read().describe()", lambda: progress.read().describe()),
    ):
        print(f"    one {name}: {_per_call(call, calls) * 1e9:,.0f} ns")
    print()


def _per_call(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description="P5: Jira full and incremental sync")
    parser.add_argument("--sizes", default="700,5000", help="board sizes, comma-separated")
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--deployment", choices=("Cloud", "Server"), default="Cloud")
    parser.add_argument("--progress-runs", type=int, default=0)
    parser.add_argument("--progress-size", type=int, default=5000)
    parser.add_argument("--progress-latency", type=float, default=0.0)
    args = parser.parse_args()

    met = True
    for issues in (int(size) for size in args.sizes.split(",") if size):
        rows = run_size(issues, args.latency, args.deployment)
        met = report(issues, rows, args.latency, args.deployment) and met
    if args.progress_runs:
        progress_cost(
            args.progress_size, args.progress_runs, args.progress_latency, args.deployment
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
