"""The outbox's state machine and the delivery loop, with a stand-in destination.

The real destinations and their fake servers are exercised in test_send_cli.py and
test_outbox_crash.py; here a small stand-in scripts what a destination does (answers, fails,
hangs, says whether it has a message) so that every transition can be checked alone.
"""

from __future__ import annotations

import _thread
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.config import Config
from cockpit.delivery import DeliveryConfigError, deliver_waiting, queue_weekly
from cockpit.destination_settings import FolderSettings, SlackSettings
from cockpit.export.weeks import Week
from cockpit.outbox import (
    MAX_ATTEMPTS,
    STALE_CLAIM,
    Outbox,
    OutboxError,
    backoff,
    idempotency_key,
    this_process,
)
from cockpit.store import Store
from cockpit.workspace import Workspace
from integrations.delivery.base import DeliveryError, DeliveryResult, OutgoingMessage

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
WEEK = Week(2026, 47)


class StandIn:
    """A destination whose answers a test scripts: "ok", a DeliveryError, "hang" (never
    answers), or a callable run in the delivering thread."""

    def __init__(self, name: str, kind: str = "slack") -> None:
        self.name = name
        self.kind = kind
        self.script: list[Any] = []
        self.delivered: list[OutgoingMessage] = []
        self.asked: list[str] = []
        self.has: set[str] = set()  # idem keys it "already holds" (for find_delivered)
        self.release = threading.Event()

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        step = self.script.pop(0) if self.script else "ok"
        if callable(step):
            step()
        if step == "hang":
            self.release.wait(30)
            raise DeliveryError("gave up", retryable=True)
        if isinstance(step, BaseException):
            raise step
        self.delivered.append(message)
        self.has.add(message.idem_key)
        return DeliveryResult(remote_ref=f"{self.kind}:{message.idem_key[:8]}", detail="posted")

    def find_delivered(self, message: OutgoingMessage) -> DeliveryResult | None:
        self.asked.append(message.idem_key)
        if self.kind == "slack" or message.idem_key not in self.has:
            return None
        return DeliveryResult(remote_ref=f"{self.kind}:found", detail="already there")


def workspace(tmp_path: Path, **destinations: Any) -> Workspace:
    """A demo source synced the evening before NOW (inside WEEK): a summary with data in it.
    (One with nothing in it is refused; `test_an_empty_summary_is_not_queued` shows that.)"""
    from cockpit.kinds import DemoSettings
    from cockpit.store import SyncAttempt
    from integrations.demo import build_demo_snapshot

    config = Config(
        sources={"demo": DemoSettings()},
        destinations=destinations or {"team-slack": SlackSettings(), "archive": folder(tmp_path)},
    )
    config.path = tmp_path / "config.toml"
    ws = Workspace(config=config, store=Store(tmp_path / "cache.sqlite"))
    synced = NOW - timedelta(hours=12)
    ws.store.write_snapshot(build_demo_snapshot(synced), SyncAttempt("demo", synced, synced, "ok"))
    return ws


def test_an_empty_summary_is_not_queued(tmp_path: Path) -> None:
    """Synced only after the week ended: five empty sections would reach the managers."""
    ws = workspace(tmp_path)
    later = NOW + timedelta(days=7)
    with pytest.raises(DeliveryConfigError, match="nothing in the cache for 2026-W46"):
        queue_weekly(ws, "archive", Week(2026, 46), later)
    assert Outbox(ws.store).list() == []


def folder(tmp_path: Path) -> FolderSettings:
    return FolderSettings(path=str(tmp_path / "reports"))


def factory(*stand_ins: StandIn) -> Any:
    by_name = {s.name: s for s in stand_ins}
    return lambda name, settings, secret: by_name[name]


def enqueue(outbox: Outbox, destination: str = "team-slack", body: str = "# Week", **kw: Any):
    return outbox.enqueue(
        destination=destination,
        week=kw.pop("week", WEEK.label),
        fmt="md",
        masked=False,
        title="Weekly status",
        body=body,
        now=kw.pop("now", NOW),
        **kw,
    )


@pytest.fixture(autouse=True)
def webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    # The stand-ins need no URL, but delivery looks the secret up before building a client.
    monkeypatch.setenv("COCKPIT_TEAM_SLACK_TOKEN", "https://hooks.example/services/T/B/x")


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(Store(tmp_path / "cache.sqlite"))


@pytest.fixture
def dead_owner() -> str:
    # A process that has ended and been reaped: its id names nobody (or somebody else).
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                           capture_output=True, check=True)  # fmt: skip
    return this_process().rsplit(":", 1)[0] + ":" + child.stdout.strip()


# --- the table and its transitions ------------------------------------------------------


def test_enqueue_commits_a_waiting_message_before_anything_is_sent(tmp_path: Path) -> None:
    outbox = Outbox(Store(tmp_path / "cache.sqlite"))
    done = enqueue(outbox)
    assert done.new and done.message.state == "waiting" and done.message.attempts == 0
    # Another connection (another process) sees it: it is committed.
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        assert conn.execute("SELECT state, body FROM outbox").fetchall() == [("waiting", "# Week")]


def test_the_same_week_and_destination_is_queued_once_unless_again(outbox: Outbox) -> None:
    first = enqueue(outbox).message
    repeat = enqueue(outbox, body="# Week, rendered a minute later")
    assert not repeat.new and repeat.message.id == first.id
    assert len(outbox.list()) == 1
    copy = enqueue(outbox, again=True)
    assert copy.new and copy.message.idem_key != first.idem_key
    # Another destination or another week is another message.
    assert enqueue(outbox, destination="archive").new
    assert enqueue(outbox, week="2026-W46").new
    assert len({m.idem_key for m in outbox.list()}) == 4


def test_again_with_the_very_same_text_still_makes_a_distinct_key(outbox: Outbox) -> None:
    keys = {enqueue(outbox, again=True).message.idem_key for _ in range(3)}
    assert len(keys) == 3


def test_the_idempotency_key_is_a_digest_of_what_the_message_is() -> None:
    base = ("team-slack", "2026-W47", "md", False, "# Week")
    key = idempotency_key(*base)
    assert key == idempotency_key(*base) and len(key) == 64
    variants = [
        ("archive", "2026-W47", "md", False, "# Week"),
        ("team-slack", "2026-W46", "md", False, "# Week"),
        ("team-slack", "2026-W47", "html", False, "# Week"),
        ("team-slack", "2026-W47", "md", True, "# Week"),
        ("team-slack", "2026-W47", "md", False, "# Week!"),
    ]
    assert key not in {idempotency_key(*v) for v in variants}
    assert idempotency_key(*base, copy=1) != key
    # Parts are separated: moving a character between two parts changes the key.
    assert idempotency_key("ab", "c", "md", False, "x") != idempotency_key(
        "a", "bc", "md", False, "x"
    )


def test_claim_commits_sending_and_only_one_claimer_wins(outbox: Outbox, tmp_path: Path) -> None:
    message = enqueue(outbox).message
    other = Outbox(Store(tmp_path / "cache.sqlite"))  # another process's view
    claimed = outbox.claim(message.id, NOW)
    assert claimed is not None and claimed.state == "sending" and claimed.attempts == 1
    assert claimed.claimed_by == this_process() and claimed.claimed_at == NOW
    assert other.claim(message.id, NOW) is None
    assert other.get(message.id).state == "sending"


def test_a_failure_goes_back_to_waiting_after_a_pause_then_fails_for_good(outbox: Outbox) -> None:
    message = enqueue(outbox).message
    for attempt in range(1, MAX_ATTEMPTS + 1):
        outbox.claim(message.id, NOW)
        state = outbox.mark_failed(message.id, NOW, f"HTTP 500 (try {attempt})")
        after = outbox.get(message.id)
        if attempt < MAX_ATTEMPTS:
            assert state == after.state == "waiting"
            assert after.next_try_at == NOW + backoff(attempt)
            assert outbox.waiting(NOW) == []  # not due yet
            assert [m.id for m in outbox.waiting(NOW, due_only=False)] == [message.id]
    final = outbox.get(message.id)
    assert final.state == "failed" and final.last_error == f"HTTP 500 (try {MAX_ATTEMPTS})"
    assert outbox.waiting(NOW + timedelta(days=30), due_only=False) == []
    # A retry starts the count again, and is due at once.
    again = outbox.retry(message.id, NOW)
    assert (again.state, again.attempts, again.next_try_at) == ("waiting", 0, None)
    outbox.claim(message.id, NOW)
    assert outbox.mark_failed(message.id, NOW, "HTTP 502") == "waiting"


def test_a_failure_a_person_must_fix_fails_at_once(outbox: Outbox) -> None:
    message = enqueue(outbox).message
    outbox.claim(message.id, NOW)
    assert outbox.mark_failed(message.id, NOW, "invalid_token", final=True) == "failed"


def test_backoff_grows_and_honours_retry_after() -> None:
    pauses = [backoff(n) for n in range(1, 10)]
    assert pauses == sorted(pauses) and pauses[0] == timedelta(minutes=1)
    assert pauses[-1] == timedelta(hours=1)
    assert backoff(1, retry_after=600) == timedelta(minutes=10)
    assert backoff(1, retry_after=10**9) == timedelta(hours=1)


def test_a_message_left_sending_by_a_dead_process_becomes_unsure(
    outbox: Outbox, dead_owner: str
) -> None:
    crashed = enqueue(outbox).message
    busy = enqueue(outbox, destination="archive").message
    outbox.claim(crashed.id, NOW, dead_owner)
    outbox.claim(busy.id, NOW)  # this process: at work on it right now
    recovered = outbox.recover(NOW)
    assert [m.id for m in recovered] == [crashed.id]
    assert outbox.get(crashed.id).state == "unsure"
    assert "interrupted" in outbox.get(crashed.id).last_error
    assert outbox.get(busy.id).state == "sending"
    # A claim far older than any deadline is taken as interrupted whoever holds it.
    assert [m.id for m in outbox.recover(NOW + STALE_CLAIM + timedelta(seconds=1))] == [busy.id]


def test_retry_and_drop_follow_the_states(outbox: Outbox, dead_owner: str) -> None:
    sent = enqueue(outbox).message
    outbox.claim(sent.id, NOW)
    outbox.mark_sent(sent.id, NOW, "hooks.slack.com")
    with pytest.raises(OutboxError, match="sent already"):
        outbox.retry(sent.id, NOW)
    with pytest.raises(OutboxError, match="sent already"):
        outbox.drop(sent.id)
    with pytest.raises(OutboxError, match="no message 99"):
        outbox.retry(99, NOW)

    unsure = enqueue(outbox, week="2026-W46").message
    outbox.claim(unsure.id, NOW, dead_owner)
    outbox.recover(NOW)
    failed = enqueue(outbox, week="2026-W45").message
    outbox.claim(failed.id, NOW)
    outbox.mark_failed(failed.id, NOW, "no_service", final=True)
    # --all retries failed ones, never unsure ones (each may have arrived).
    assert outbox.retry_all() == 1
    assert outbox.get(failed.id).state == "waiting"
    assert outbox.get(unsure.id).state == "unsure"
    assert outbox.retry(unsure.id, NOW).state == "waiting"

    dropped = outbox.drop(failed.id)
    assert dropped.state == "dropped"
    assert failed.id not in [m.id for m in outbox.list()]
    assert failed.id in [m.id for m in outbox.list(include_dropped=True)]
    # A dropped week may be queued again.
    assert enqueue(outbox, week="2026-W45").new


# --- delivering -----------------------------------------------------------------------


def test_deliver_sends_each_waiting_message_once(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    first = enqueue(outbox).message
    second = enqueue(outbox, week="2026-W46").message
    report = deliver_waiting(ws, NOW, factory=factory(slack))
    assert (report.sent, report.failed, report.waiting) == (2, 0, 0)
    assert [m.idem_key for m in slack.delivered] == [first.idem_key, second.idem_key]
    assert outbox.get(first.id).remote_ref == f"slack:{first.idem_key[:8]}"
    # Nothing waits any more: a second delivery sends nothing.
    assert deliver_waiting(ws, NOW, factory=factory(slack)).lines() == []
    assert len(slack.delivered) == 2


def test_offline_then_online(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = [DeliveryError("cannot reach the service (connection refused)", retryable=True)]
    message = enqueue(outbox).message
    report = deliver_waiting(ws, NOW, factory=factory(slack))
    assert (report.sent, report.waiting) == (0, 1)
    (line,) = report.lines()
    assert "next try from 09:31" in line and "when the network is back" in line
    assert outbox.get(message.id).state == "waiting"
    # The pause after a failure holds the next automatic try back; a user's "send now" not.
    assert deliver_waiting(ws, NOW, factory=factory(slack)).outcomes == []
    later = NOW + backoff(1)
    assert deliver_waiting(ws, later, factory=factory(slack)).sent == 1
    assert len(slack.delivered) == 1 and outbox.get(message.id).state == "sent"


def test_an_answer_that_never_came_is_unsure_not_resent(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = [
        DeliveryError("no answer within 20s; may or may not have arrived", retryable=True,
                      maybe_sent=True),
    ]  # fmt: skip
    message = enqueue(outbox).message
    report = deliver_waiting(ws, NOW, factory=factory(slack))
    assert report.unsure == 1 and outbox.get(message.id).state == "unsure"
    assert f"cockpit outbox retry {message.id}" in report.lines()[0]
    # A webhook cannot be asked: it stays unsure, and is never sent again on its own.
    again = deliver_waiting(ws, NOW + timedelta(hours=2), factory=factory(slack))
    assert again.sent == 0 and again.unsure == 1 and slack.delivered == []
    # Until the user says so.
    outbox.retry(message.id, NOW)
    assert deliver_waiting(ws, NOW, factory=factory(slack)).sent == 1


def test_a_failure_a_person_must_fix_is_failed_with_the_reason(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = [DeliveryError("the webhook was revoked (403 invalid_token)", retryable=False)]
    message = enqueue(outbox).message
    report = deliver_waiting(ws, NOW, factory=factory(slack))
    assert report.failed == 1
    assert "invalid_token" in report.lines()[0] and "retry" in report.lines()[0]
    assert outbox.get(message.id).state == "failed"


def test_a_hung_destination_is_walked_away_from_at_the_deadline(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = ["hang"]
    message = enqueue(outbox).message
    enqueue(outbox, week="2026-W46")
    started = time.monotonic()
    report = deliver_waiting(ws, NOW, deadline=0.5, factory=factory(slack))
    assert time.monotonic() - started < 5  # it would hang 30 s
    slack.release.set()
    assert outbox.get(message.id).state == "unsure"  # the request may have gone out
    assert report.unsure == 1 and report.waiting == 1  # the second was not tried: still waiting
    assert len(outbox.waiting(NOW)) == 1


def test_ctrl_c_while_sending_leaves_the_message_unsure(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = [lambda: _thread.interrupt_main(), "hang"]
    message = enqueue(outbox).message
    with pytest.raises(KeyboardInterrupt):
        deliver_waiting(ws, NOW, deadline=10, factory=factory(slack))
    slack.release.set()
    assert outbox.get(message.id).state == "unsure"


def test_an_interrupted_delivery_to_a_destination_that_can_tell_is_finished(
    tmp_path: Path, dead_owner: str
) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    archive = StandIn("archive", kind="folder")
    arrived = enqueue(outbox, destination="archive").message
    lost = enqueue(outbox, destination="archive", week="2026-W46").message
    # Both were claimed by a process that died; the first had reached the folder.
    for message in (arrived, lost):
        outbox.claim(message.id, NOW, dead_owner)
    archive.has.add(arrived.idem_key)
    report = deliver_waiting(ws, NOW, factory=factory(archive))
    assert outbox.get(arrived.id).state == "sent"
    assert outbox.get(arrived.id).remote_ref == "folder:found"
    assert outbox.get(lost.id).state == "sent"
    assert [m.idem_key for m in archive.delivered] == [lost.idem_key]  # only the lost one
    assert report.sent == 2


def test_an_interrupted_webhook_message_is_unsure_and_says_when(
    tmp_path: Path, dead_owner: str
) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    message = enqueue(outbox).message
    outbox.claim(message.id, NOW, dead_owner)
    report = deliver_waiting(ws, NOW, factory=factory(slack))
    assert slack.delivered == [] and outbox.get(message.id).state == "unsure"
    (line,) = report.lines()
    assert "may have been sent at 09:30" in line
    assert f"`cockpit outbox retry {message.id}` sends it again" in line


def test_a_missing_secret_or_destination_leaves_the_message_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COCKPIT_TEAM_SLACK_TOKEN")
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    message = enqueue(outbox).message  # team-slack: no webhook URL stored
    gone = enqueue(outbox, destination="old-wiki").message
    report = deliver_waiting(ws, NOW)
    assert outbox.get(message.id).state == "waiting"
    assert outbox.get(message.id).attempts == 0
    assert "cockpit auth set team-slack" in outbox.get(message.id).last_error
    assert "COCKPIT_TEAM_SLACK_TOKEN" in report.lines()[0]
    assert "[destinations.old-wiki]" in outbox.get(gone.id).last_error


def test_errors_are_stored_without_credentials(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    slack = StandIn("team-slack")
    slack.script = [DeliveryError("cannot reach https://me:hunter2@hooks.example", retryable=True)]
    message = enqueue(outbox).message
    deliver_waiting(ws, NOW, factory=factory(slack))
    assert "hunter2" not in outbox.get(message.id).last_error
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        assert "hunter2" not in str(conn.execute("SELECT * FROM outbox").fetchall())


# --- queueing the weekly summary ------------------------------------------------------


def test_queue_weekly_renders_and_refuses_a_repeat(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    first = queue_weekly(ws, "archive", WEEK, NOW)
    assert first.new and first.already == ""
    assert first.message.week == "2026-W47" and first.message.format == "md"
    assert first.message.body.strip() and first.message.title == "Weekly status 2026-W47"
    repeat = queue_weekly(ws, "archive", WEEK, NOW + timedelta(minutes=5))
    assert not repeat.new and repeat.message.id == first.message.id
    assert "already waiting in the outbox" in repeat.already and "--again" in repeat.already
    Outbox(ws.store).claim(first.message.id, NOW)
    Outbox(ws.store).mark_sent(first.message.id, NOW)
    sent = queue_weekly(ws, "archive", WEEK, NOW)
    assert sent.already.startswith("already sent on 2026-11-23 09:30")
    assert "use --again to send a new copy" in sent.already
    assert queue_weekly(ws, "archive", WEEK, NOW, again=True).new


def test_queue_weekly_follows_the_destination_s_masking(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        plain=FolderSettings(path=str(tmp_path / "a"), format="json", masked=False),
        shared=FolderSettings(path=str(tmp_path / "b"), format="json", masked=True),
        default=FolderSettings(path=str(tmp_path / "c"), format="json"),
    )
    ws.config.sharing.mask_by_default = True
    assert not queue_weekly(ws, "plain", WEEK, NOW).message.masked
    assert queue_weekly(ws, "shared", WEEK, NOW).message.masked
    assert queue_weekly(ws, "default", WEEK, NOW).message.masked
    assert queue_weekly(ws, "plain", WEEK, NOW).message.format == "json"


def test_queue_weekly_names_the_configured_destinations(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    with pytest.raises(DeliveryConfigError, match=r"no \[destinations.wiki\].*archive, team-slack"):
        queue_weekly(ws, "wiki", WEEK, NOW)


# --- a property: whatever fails when, nothing is lost and nothing arrives twice ----------

STEPS = st.lists(
    st.sampled_from(
        ["down", "maybe", "refused", "crash-arrived", "crash-lost", "deliver", "user-retry"]
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_no_message_is_lost_or_delivered_twice_without_being_asked(
    tmp_path_factory: pytest.TempPathFactory, steps: list[str]
) -> None:
    """A folder-like destination (it can tell) and a webhook (it cannot), through any run of
    answers, failures, crashes between claim and answer, and deliveries: each message arrives
    at most once unless the user retried an unsure one, and every message is in a state that
    says what happened to it."""
    tmp_path = tmp_path_factory.mktemp("prop")
    ws = workspace(tmp_path)
    outbox = Outbox(ws.store)
    dests = {"team-slack": StandIn("team-slack"), "archive": StandIn("archive", kind="folder")}
    ids = [enqueue(outbox, destination=name).message.id for name in dests]
    retried: set[str] = set()
    clock = NOW
    dead = "gone-host:1"  # another machine's claim: taken as interrupted once it is stale

    def script(step: str) -> None:
        for d in dests.values():
            if step == "down":
                d.script.append(DeliveryError("connection refused", retryable=True))
            elif step == "maybe":
                d.script.append(DeliveryError("read timeout", retryable=True, maybe_sent=True))
            elif step == "refused":
                d.script.append(DeliveryError("403", retryable=False))

    for step in steps:
        clock += timedelta(hours=2)
        if step in ("down", "maybe", "refused"):
            script(step)
        elif step.startswith("crash"):
            # A process claimed what waits, and died before the answer came; the request had
            # reached the destination ("arrived") or not ("lost").
            for message in outbox.waiting(clock, due_only=False):
                outbox.claim(message.id, clock, dead)
                if step == "crash-arrived":
                    dests[message.destination].delivered.append(_outgoing(message))
                    dests[message.destination].has.add(message.idem_key)
            clock += STALE_CLAIM
        elif step == "user-retry":
            for message in outbox.in_state("unsure") + outbox.in_state("failed"):
                retried.add(message.idem_key)
                outbox.retry(message.id, clock)
        else:
            deliver_waiting(ws, clock, factory=factory(*dests.values()))
        for d in dests.values():
            d.script.clear()
    deliver_waiting(ws, clock + timedelta(days=1), factory=factory(*dests.values()))
    for dest in dests.values():
        keys = [m.idem_key for m in dest.delivered]
        for key in set(keys):
            assert keys.count(key) == 1 or key in retried, (dest.name, steps)
    for message_id in ids:
        state = outbox.get(message_id).state
        assert state in ("sent", "waiting", "failed", "unsure"), (state, steps)
        if outbox.get(message_id).destination == "archive" and state == "unsure":
            pytest.fail(f"a destination that can tell left a message unsure: {steps}")


def _outgoing(message: Any) -> OutgoingMessage:
    return OutgoingMessage(
        idem_key=message.idem_key,
        destination=message.destination,
        week=message.week,
        format=message.format,
        title=message.title,
        body=message.body,
    )
