"""Long syncs show their progress: the `Progress` object, the Jira source's reports, and
`cockpit sync`'s live lines on a terminal (none when piped)."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.progress_lines import ProgressLines, progress_line, showing_progress, wanted
from cockpit.store import Store
from cockpit.sync import SyncJob, sync_one
from integrations.base import Progress, TrafficMeter
from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import make_board
from tests.fakes.jira_server import FakeJira
from tests.integrations.test_jira_source import source_for, token_for

ROOT = Path(__file__).resolve().parents[2]


# --- the Progress object -----------------------------------------------------------------


def test_progress_counts_items_of_a_total_and_bytes_from_the_meter() -> None:
    meter = TrafficMeter()
    progress = Progress(meter)
    assert progress.read().describe() == ""
    progress.begin("connecting")
    assert progress.read().describe() == "connecting"
    progress.begin("", unit="issues")
    progress.advance(100)
    assert progress.read().describe() == "100 issues so far"
    progress.advance(1100, total=5000)
    meter.count(2048)
    view = progress.read()
    assert view.describe() == "1,200 of 5,000 issues"
    assert (view.done, view.total, view.bytes_in, view.requests) == (1200, 5000, 2048, 1)
    progress.begin("listing", unit="issues")
    progress.advance(3000)
    assert progress.read().describe() == "listing 3,000 issues so far"
    progress.finish("ok")
    assert progress.read().describe() == "ok"


def test_a_total_that_arrives_after_its_phase_is_dropped() -> None:
    progress = Progress()
    download = progress.begin("", unit="issues")
    progress.set_total(5000, download)
    assert progress.read().total == 5000
    progress.begin("", unit="long histories", total=12)
    progress.set_total(4000, download)  # the approximate count came late
    assert progress.read().total == 12


def test_the_rate_waits_for_enough_of_a_phase() -> None:
    progress = Progress()
    progress.begin("", unit="issues")
    progress.advance(10)
    assert progress.read().rate() is None  # a few ms of a phase say nothing yet
    progress._phase_started -= 2.0  # as if the phase began two seconds ago
    rate = progress.read().rate()
    assert rate is not None and 4.9 < rate <= 5.0


def test_progress_is_exact_under_concurrent_writers() -> None:
    progress = Progress()
    progress.begin("", unit="long histories")

    def work() -> None:
        for _ in range(10_000):
            progress.advance()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert progress.read().done == 60_000


# --- the lines -----------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_are_redrawn_in_place_and_wiped(monkeypatch: pytest.MonkeyPatch) -> None:
    jira, demo = Progress(), Progress()
    jira.begin("", unit="issues", total=5000)
    jira.advance(1200)
    demo.finish("ok")
    screen = _Terminal()
    lines = ProgressLines({"jira": jira, "demo": demo}, screen)
    lines.draw()
    first = screen.getvalue()
    assert first.startswith("\r\x1b[2Kjira  1,200 of 5,000 issues  ")
    assert "\n\x1b[2Kdemo  ok  " in first and not first.endswith("\n")
    lines.draw()
    assert screen.getvalue()[len(first) :].startswith("\r\x1b[1A\x1b[2Kjira")  # up one line
    lines.clear()
    assert screen.getvalue().endswith("\r\x1b[1A\x1b[J")


def test_a_line_never_wraps_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # what a terminal that does not say its size gets
    progress = Progress()
    progress.begin("listing", unit="issues", total=1_234_567)
    progress.advance(1_000_000)
    progress.meter.count(987_654_321)
    progress._phase_started -= 100.0
    progress.started -= 3600.0
    name = "a-source-with-a-long-name"
    full = progress_line(name, progress.read(), len(name))
    assert len(full) > 79  # cut when drawn
    screen = _Terminal()
    ProgressLines({name: progress}, screen).draw()
    (drawn,) = screen.getvalue().removeprefix("\r").split("\n")
    assert len(drawn.removeprefix("\x1b[2K")) == 79
    assert re.search(r"1,000,000 of 1,234,567 issues  [\d,]+/s  60m00s  941.9 MiB$", full)


def test_lines_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not wanted(io.StringIO())
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wanted(_Terminal())
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(_Terminal())


def test_quick_work_draws_nothing() -> None:
    async def quick() -> int:
        return 7

    screen = _Terminal()
    assert asyncio.run(showing_progress(quick(), ProgressLines({"a": Progress()}, screen))) == 7
    assert screen.getvalue() == ""


# --- the sync engine and the Jira source -------------------------------------------------------


@pytest.fixture
def slow_cloud() -> Iterator[FakeJira]:
    with FakeJira(make_board(now=FROZEN_NOW, issues=300), latency=0.05) as fake:
        yield fake
        assert fake.errors == []


def _watch_sync(fake: FakeJira, store: Store, at: float = 0.0) -> tuple[list[str], Progress]:
    """Sync while reading the progress every 10 ms, as a status bar would."""
    progress = Progress()
    seen: list[str] = []

    async def run() -> None:
        job = SyncJob(source_for(fake), connect_timeout=2.0, read_timeout=5.0, deadline=30.0)
        clock = FrozenClock(FROZEN_NOW + timedelta(minutes=at))
        task = asyncio.ensure_future(
            sync_one(job, store, clock, secret=lambda _n: token_for(fake), progress=progress)
        )
        while not task.done():
            text = progress.read().describe()
            if not seen or seen[-1] != text:
                seen.append(text)
            await asyncio.sleep(0.01)
        assert task.result().status == "ok", task.result().error

    asyncio.run(run())
    return seen, progress


def test_a_full_jira_sync_reports_issues_of_the_total(slow_cloud: FakeJira, tmp_path: Path) -> None:
    total = len(slow_cloud.data.board_issues())
    seen, progress = _watch_sync(slow_cloud, Store(tmp_path / "cache.sqlite"))
    assert seen[0] in ("", "connecting")
    # Cloud's approximate count gives the total; the issues come page by page.
    counted = [t for t in seen if t.endswith(f" of {total:,} issues")]
    assert counted, seen
    assert any(re.fullmatch(r"[\d,]+ of [\d,]+ long histories", t) for t in seen), seen
    view = progress.read()
    assert view.outcome == "ok" and view.describe() == "ok"
    # The bytes are the sync's own count, as the fake sent them.
    assert view.bytes_in >= sum(r.response_bytes for r in slow_cloud.requests) * 0.99
    assert slow_cloud.count("/rest/api/3/search/approximate-count", method="POST") == 1


def test_a_resync_reports_the_listing(slow_cloud: FakeJira, tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite")
    _watch_sync(slow_cloud, store)
    slow_cloud.data.set_now(FROZEN_NOW + timedelta(minutes=5))
    seen, _ = _watch_sync(slow_cloud, store, at=5)
    assert any(t.startswith("listing ") for t in seen), seen
    assert "checking for changes" in seen


def test_a_source_that_says_nothing_still_finishes_its_progress(tmp_path: Path) -> None:
    from cockpit.sources import build_jobs, demo_config

    (job,) = build_jobs(demo_config(store=tmp_path / "demo.sqlite"))
    progress = Progress()
    outcome = asyncio.run(
        sync_one(job, Store(tmp_path / "demo.sqlite"), FrozenClock(FROZEN_NOW), progress=progress)
    )
    assert outcome.status == "ok" and progress.read().outcome == "ok"


# --- `cockpit sync` as a user runs it ----------------------------------------------------------


def _environment(tmp_path: Path, fake: FakeJira) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "{fake.url}"\nemail = "{fake.email}"\n'
        "board_id = 42\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("COCKPIT_")}
    env.update(
        COCKPIT_CONFIG=str(config),
        COCKPIT_JIRA_TOKEN=fake.token,
        COCKPIT_LOG_DIR=str(tmp_path / "logs"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
        TERM="xterm-256color",
        COLUMNS="80",
        LINES="24",
    )
    return env


@pytest.fixture
def slower_cloud() -> Iterator[FakeJira]:
    # 100 ms a request: the issues arrive over several redraws of the progress line.
    with FakeJira(make_board(now=FROZEN_NOW, issues=600), latency=0.1) as fake:
        yield fake
        assert fake.errors == []


def test_cockpit_sync_on_a_terminal_shows_a_live_line(
    slower_cloud: FakeJira, tmp_path: Path
) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "sync"],
        cwd=ROOT,
        env=_environment(tmp_path, slower_cloud),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []
    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=10) == 0
    screen = b"".join(chunks).decode()
    # Redrawn in place: a cleared line with the count, then wiped, then the result.
    assert re.search(r"\x1b\[2Kjira  [1-9][\d,]* of [\d,]+ issues  ", screen), screen
    assert "\x1b[J" in screen
    assert re.search(r"(?m)^jira  ok +[\d.]+s, \d+ requests", screen.split("\x1b[J")[-1])


def test_cockpit_sync_piped_prints_only_the_results(slow_cloud: FakeJira, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "sync"],
        cwd=ROOT,
        env=_environment(tmp_path, slow_cloud),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert re.fullmatch(r"jira  ok +[\d.]+s, \d+ requests?, [\d.]+ (B|KiB|MiB)\n", done.stdout), (
        done.stdout
    )
