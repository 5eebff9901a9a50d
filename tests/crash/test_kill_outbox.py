"""`kill -9` fifty times at random moments across queueing and delivering, to a webhook (a slow
fake Slack) and to a folder: after every kill the store is whole, no queued message is lost,
and none is sent twice.

Each `cockpit send` / `cockpit outbox send` is a fork of `tests/crash/zygote.py` (a process
that imported the cockpit once), so that fifty kills take seconds rather than a minute of
interpreter start-ups; each child runs `cockpit.cli.main`, exactly what `python -m cockpit`
runs, and dies by SIGKILL: no handler, no cleanup, no rollback but SQLite's own.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cockpit.store import Store, SyncAttempt
from integrations.demo import build_demo_snapshot
from tests.crash.harness import Zygote, child_env, integrity
from tests.fakes.delivery_common import Reply
from tests.fakes.slack_server import FakeSlack

pytestmark = [
    pytest.mark.crash_loop,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL"),
]

WEEKS = ("2026-W44", "2026-W45", "2026-W46", "2026-W47")
KILLS = 50
# What a queued message may be in after any kill: never lost, never given up while the network
# is fine (`failed`), never dropped (nobody asked).
ALIVE = {"waiting", "sending", "unsure", "sent"}
_WEEK_IN_SLACK = re.compile(r"Weekly status (\d{4}-W\d\d)")


class SlowSlack(FakeSlack):
    """Slack that takes up to `delay` seconds to answer: a kill lands mid-request often."""

    delay = 0.15

    def answer(self, *args: Any) -> Reply:
        self._sleep(random.uniform(0, self.delay))
        return super().answer(*args)

    def weeks_posted(self) -> Counter[str]:
        """How many times Slack accepted each week's summary."""
        posted: Counter[str] = Counter()
        for payload in self.messages:
            text = "\n".join(t for t, _ in self.texts(payload))
            found = _WEEK_IN_SLACK.search(text)
            assert found, text[:200]
            posted[found.group(1)] += 1
        return posted


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    with SlowSlack() as server:
        yield server


@pytest.fixture
def zygote() -> Iterator[Zygote]:
    launcher = Zygote()
    yield launcher
    launcher.close()


def outbox(store: Path) -> dict[int, tuple[str, str, str]]:
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT id, destination, week, state FROM outbox").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def fill_weeks(store: Path) -> None:
    """A demo sync in the middle of each week: every week has a summary to send (a week with
    nothing in the cache is not queued)."""
    cache = Store(store)
    for week in WEEKS:
        moment = datetime.fromisocalendar(int(week[:4]), int(week[-2:]), 3).replace(
            hour=12, tzinfo=UTC
        )
        cache.write_snapshot(build_demo_snapshot(moment), SyncAttempt("demo", moment, moment, "ok"))


def test_fifty_kills_across_queue_and_delivery_lose_nothing_and_send_nothing_twice(
    tmp_path: Path, slack: SlowSlack, zygote: Zygote
) -> None:
    store = tmp_path / "cache.sqlite"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{store}"\n\n[sources.demo]\nkind = "demo"\n\n'
        '[destinations.team-slack]\nkind = "slack"\n\n'
        f'[destinations.archive]\nkind = "folder"\npath = "{tmp_path / "reports"}"\n',
        encoding="utf-8",
    )
    fill_weeks(store)
    env = {
        **child_env(tmp_path),
        "COCKPIT_CONFIG": str(config),
        "COCKPIT_TEAM_SLACK_TOKEN": slack.url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    commands = [
        *(
            ["send", "--to", to, "--week", week]
            for to in ("team-slack", "archive")
            for week in WEEKS
        ),
        ["outbox", "send"],
        ["outbox", "send"],
    ]
    rng = random.Random(1313)
    known: dict[int, tuple[str, str]] = {}  # every message ever queued: id → (destination, week)
    kills = runs = 0
    started = time.monotonic()
    while kills < KILLS and runs < 400:  # a process that finished before its moment is no kill
        runs += 1
        pid, _ = zygote.spawn(rng.choice(commands), env, frozen=True)
        time.sleep(rng.uniform(0, 0.35))
        with contextlib.suppress(ProcessLookupError):  # already gone: the zygote reaps it
            os.kill(pid, signal.SIGKILL)
        if zygote.wait() == -signal.SIGKILL:
            kills += 1
        assert integrity(store) == "ok", f"after kill {kills}"
        rows = outbox(store)
        for message_id, (destination, week) in known.items():
            assert message_id in rows, f"#{message_id} ({week} → {destination}) was lost"
            assert rows[message_id][:2] == (destination, week)
        for message_id, (destination, week, state) in rows.items():
            assert state in ALIVE, f"#{message_id} ({week} → {destination}) is {state}"
            known[message_id] = (destination, week)
        assert max(slack.weeks_posted().values(), default=0) <= 1, slack.weeks_posted()
    assert kills == KILLS, f"only {kills} of {runs} runs were killed mid-way"
    assert time.monotonic() - started < 120, "the loop must stay quick"

    # Then the network and the process stay up: everything that can be sent is, once.
    said = tmp_path / "said.txt"
    for command in (["outbox", "send"], *commands[:-2]):
        zygote.spawn(command, env, frozen=True, output=str(said))
        assert zygote.wait() in (0, 3), said.read_text(encoding="utf-8")
    assert integrity(store) == "ok"
    rows = outbox(store)
    assert sorted((d, w) for d, w, _ in rows.values()) == sorted(
        (d, w) for d in ("archive", "team-slack") for w in WEEKS
    ), "one message per destination and week, whatever was killed when"
    posted = slack.weeks_posted()
    for destination, week, state in rows.values():
        if destination == "archive":
            assert state == "sent"  # a folder can be asked: never unsure
        else:
            # A webhook cannot be asked: one that was in flight at a kill stays unsure until
            # the user retries it; sent means Slack has it exactly once.
            assert state in ("sent", "unsure"), (week, state)
            assert posted[week] == 1 if state == "sent" else posted[week] <= 1
    # Only the user's word sends an unsure one again: then it is sent, at most once more.
    for message_id, (_destination, week, state) in rows.items():
        if state == "unsure":
            before = posted[week]
            zygote.spawn(["outbox", "retry", str(message_id)], env, frozen=True)
            assert zygote.wait() == 0
            assert slack.weeks_posted()[week] == before + 1
            assert outbox(store)[message_id][2] == "sent"
    files = sorted(p.name for p in (tmp_path / "reports").iterdir() if not p.name.startswith("."))
    assert files == [f"{week}-archive.md" for week in WEEKS]
