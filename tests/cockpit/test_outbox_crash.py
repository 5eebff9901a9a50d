"""`kill -9` at the worst moments: the outbox loses nothing and sends nothing twice.

Each `cockpit send` runs as a real process (`python -m cockpit`) against a fake Slack on
127.0.0.1 and a folder, and is killed with SIGKILL: no handler, no cleanup, no rollback but
SQLite's own.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cockpit.store import Store
from tests.fakes.delivery_common import Reply
from tests.fakes.slack_server import FakeSlack
from tests.synced import synced

ROOT = Path(__file__).resolve().parents[2]
WEEK = "2026-W47"

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


class SlowSlack(FakeSlack):
    """Slack that takes up to `delay` seconds to answer: a kill lands mid-request often."""

    delay = 0.3

    def answer(self, *args: Any) -> Reply:
        self._sleep(random.uniform(0, self.delay))
        return super().answer(*args)


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    with SlowSlack() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, slack: FakeSlack) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.demo]\nkind = "demo"\n\n'
        '[destinations.team-slack]\nkind = "slack"\n\n'
        '[destinations.archive]\nkind = "folder"\npath = "reports"\n',
        encoding="utf-8",
    )
    # Synced inside WEEK: an empty summary is refused.
    synced(Store(tmp_path / "cache.sqlite"), "demo", datetime(2026, 11, 22, 20, tzinfo=UTC))
    return {
        **os.environ,
        "COCKPIT_CONFIG": str(config),
        "COCKPIT_TEAM_SLACK_TOKEN": slack.url,
        # No keyring daemon in a test's child process: the variable is the secret's home.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def start(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)  # reaped: its process id names nobody now


def outbox(tmp_path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        return conn.execute("SELECT id, destination, state FROM outbox ORDER BY id").fetchall()


def test_kill_9_between_the_request_and_its_answer(
    env: dict[str, str], slack: FakeSlack, tmp_path: Path
) -> None:
    slack.hang()  # takes the request, never answers
    process = start(env, "send", "--to", "team-slack", "--week", WEEK)
    assert slack.hung.wait(30), "the request never reached the fake Slack"
    kill(process)
    assert outbox(tmp_path) == [(1, "team-slack", "sending")]

    # The next delivery does not send it again: a webhook cannot be asked, so it is unsure.
    result = run(env, "outbox", "send")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "may have been sent at" in result.stdout
    assert "`cockpit outbox retry 1` sends it again" in result.stdout
    assert slack.count("POST") == 1
    assert outbox(tmp_path) == [(1, "team-slack", "unsure")]
    listed = run(env, "outbox").stdout
    assert "unsure" in listed and "may have been sent at" in listed
    # A second `send` of the week does not send it either; it says what is known.
    again = run(env, "send", "--to", "team-slack", "--week", WEEK)
    assert "may have been sent" in again.stdout and slack.count("POST") == 1

    # Only the user's word sends it again.
    retried = run(env, "outbox", "retry", "1")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert slack.count("POST") == 2 and len(slack.messages) == 1
    assert outbox(tmp_path) == [(1, "team-slack", "sent")]


def test_kill_9_before_the_claim_leaves_it_waiting_and_it_is_sent_once(
    env: dict[str, str], slack: FakeSlack, tmp_path: Path
) -> None:
    queued = run(env, "send", "--to", "team-slack", "--week", WEEK, "--offline")
    assert queued.returncode == 0 and slack.requests == []
    # `--offline` stands for a crash right after the commit: nothing was claimed.
    assert outbox(tmp_path) == [(1, "team-slack", "waiting")]
    sent = run(env, "outbox", "send")
    assert sent.returncode == 0, sent.stdout
    assert len(slack.messages) == 1 and outbox(tmp_path) == [(1, "team-slack", "sent")]


def test_twenty_kills_at_random_moments(
    env: dict[str, str], slack: FakeSlack, tmp_path: Path
) -> None:
    rng = random.Random(12)
    commands = [
        ("send", "--to", "team-slack", "--week", WEEK),
        ("send", "--to", "archive", "--week", WEEK),
        ("outbox", "send"),
    ]
    kills = runs = 0
    while kills < 20 and runs < 100:  # a process that finished before its moment is no kill
        runs += 1
        process = start(env, *rng.choice(commands))
        time.sleep(rng.uniform(0, 0.5))
        if process.poll() is None:
            kills += 1
        kill(process)
    assert kills == 20

    # Then the network and the process stay up: everything that can be sent is.
    final = run(env, "outbox", "send")
    assert final.returncode in (0, 3), final.stdout + final.stderr
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = outbox(tmp_path)
    # One message per destination and week, whatever was killed when.
    assert sorted(r[1] for r in rows) == ["archive", "team-slack"], rows
    states = {destination: state for _id, destination, state in rows}
    # Slack saw the message at most once; if it never answered, the outbox says unsure.
    assert len(slack.messages) <= 1
    assert states["team-slack"] in ("sent", "unsure")
    if states["team-slack"] == "sent":
        assert len(slack.messages) == 1
    # A folder can tell: its message is sent, exactly one file.
    assert states["archive"] == "sent"
    files = [p.name for p in (tmp_path / "reports").iterdir() if not p.name.startswith(".")]
    assert files == [f"{WEEK}-archive.md"]
