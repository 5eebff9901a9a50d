"""The outbox: weekly summaries waiting to be delivered, kept in the store's `outbox` table.

Every step is its own committed transaction, so that whatever happens in between (no network,
a failing server, Ctrl-C, a crash, `kill -9`), the table says what may have happened:

    waiting ──claim──▶ sending ──▶ sent
       ▲                 │ ├─────▶ waiting (failed; tried again after a pause)
       │                 │ ├─────▶ failed  (gave up, or a person must fix something first)
       │                 │ └─────▶ unsure  (the request went out, the answer never came)
       └──── retry ──────┴──────── failed | unsure          drop: waiting | failed | unsure

- A message is committed (`enqueue`) before anything is sent: it cannot be lost.
- `claim` commits `sending` before the request goes out. A message found in `sending` whose
  process is gone was interrupted between the request and its answer: it is never sent again
  blindly. `recover` marks it `unsure`; the delivery then asks the destination (a Confluence
  page's version message, a folder's file) and marks it sent or sends it; a webhook cannot be
  asked, so it stays `unsure` until the user says `cockpit outbox retry ID`.
- A crash after `enqueue` and before `claim` leaves it `waiting`: it is sent once, later.

The idempotency key is a digest of what the message is (destination, week, format, masking,
text) and which copy it is (`--again` makes a new copy): the Confluence client writes it into
the page version's message, and the UNIQUE index keeps one row per key.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import msgspec

from cockpit.redact import redact_url
from cockpit.store import Store, _parse_stamp, _stamp

STATES = ("waiting", "sending", "sent", "failed", "dropped", "unsure")
# A message is given up (`failed`) after this many attempts; `cockpit outbox retry` resumes it.
MAX_ATTEMPTS = 8
# The pause before the next attempt after the Nth failure (then the last one, again and again).
BACKOFF_SECONDS = (60, 120, 300, 600, 1800, 3600)
# A `sending` claim this old is taken as interrupted even when its process seems alive (its
# id reused, or a claim made on another machine): a delivery's deadline is far shorter.
STALE_CLAIM = timedelta(hours=1)

_COLUMNS = (
    "id, idem_key, destination, week, format, masked, title, body, created_at, state,"
    " attempts, last_error, next_try_at, claimed_by, claimed_at, sent_at, remote_ref"
)


class OutboxError(Exception):
    """A request the outbox cannot follow (no such message, or not in a state that allows
    it). The message says what to do instead."""


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    idem_key: str
    destination: str
    week: str
    format: str
    masked: bool
    title: str
    body: str
    created_at: datetime
    state: str
    attempts: int = 0
    last_error: str = ""
    next_try_at: datetime | None = None
    claimed_by: str = ""
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    remote_ref: str = ""


class Enqueued(msgspec.Struct, frozen=True):
    """What `enqueue` did: `new` is False when a message for that week and destination was
    there already (returned as `message`) and nothing was added."""

    message: Message
    new: bool


def idempotency_key(
    destination: str, week: str, fmt: str, masked: bool, body: str, copy: int = 0
) -> str:
    digest = hashlib.sha256()
    for part in (destination, week, fmt, "masked" if masked else "plain", body, str(copy)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")  # no two different tuples make the same stream
    return digest.hexdigest()


def this_process() -> str:
    """Who claims a message: this machine and process, so that another process can tell
    whether the claim's owner is still at work."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether the process that claimed a message still runs. A claim made on another machine
    cannot be checked and counts as alive (until it is `STALE_CLAIM` old)."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process holds that id now: alive, not ours to judge
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    # A killed child its parent has not reaped yet still answers signal 0 (Linux only).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    pause = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    if retry_after is not None:
        pause = max(pause, min(retry_after, BACKOFF_SECONDS[-1]))
    return timedelta(seconds=pause)


def _row(row: Sequence[object]) -> Message:
    def moment(value: object) -> datetime | None:
        return _parse_stamp(value) if isinstance(value, str) else None

    created = moment(row[8])
    assert created is not None
    return Message(
        id=int(row[0]),  # type: ignore[call-overload]
        idem_key=str(row[1]),
        destination=str(row[2]),
        week=str(row[3]),
        format=str(row[4]),
        masked=bool(row[5]),
        title=str(row[6]),
        body=str(row[7]),
        created_at=created,
        state=str(row[9]),
        attempts=int(row[10]),  # type: ignore[call-overload]
        last_error=redact_url(str(row[11])),
        next_try_at=moment(row[12]),
        claimed_by=str(row[13]),
        claimed_at=moment(row[14]),
        sent_at=moment(row[15]),
        remote_ref=redact_url(str(row[16])),
    )


class Outbox:
    """The outbox table of one store. Every method is one short transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -------------------------------------------------------------------------

    def get(self, message_id: int) -> Message:
        with self.store._connect() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (message_id,)
            ).fetchone()
        if row is None:
            raise OutboxError(
                f"the outbox has no message {message_id}; `cockpit outbox` lists them"
            )
        return _row(row)

    def list(self, *, include_dropped: bool = False) -> list[Message]:
        """Every message, oldest first (dropped ones only when asked)."""
        where = "" if include_dropped else "WHERE state != 'dropped'"
        with self.store._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def waiting(
        self, now: datetime, *, due_only: bool = True, only: Sequence[int] | None = None
    ) -> list[Message]:
        """Messages to send, oldest first: those whose pause after a failure is over (or every
        waiting one, when the user asked to send now), or only the ones named."""
        query = f"SELECT {_COLUMNS} FROM outbox WHERE state = 'waiting'"
        params: list[object] = []
        if due_only:
            query += " AND (next_try_at IS NULL OR next_try_at <= ?)"
            params.append(_stamp(now))
        with self.store._connect() as conn:
            rows = conn.execute(query + " ORDER BY id", params).fetchall()
        found = [_row(r) for r in rows]
        if only is not None:
            found = [m for m in found if m.id in only]
        return found

    def in_state(self, state: str) -> list[Message]:
        with self.store._connect() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = ? ORDER BY id", (state,)
            ).fetchall()
        return [_row(r) for r in rows]

    # --- writing -------------------------------------------------------------------------

    def enqueue(
        self,
        *,
        destination: str,
        week: str,
        fmt: str,
        masked: bool,
        title: str,
        body: str,
        now: datetime,
        again: bool = False,
    ) -> Enqueued:
        """Commit a message for `destination` and `week`, before anything is sent.

        When one for the same destination and week is there already (in any state but
        dropped), it is returned and nothing is added, unless `again` asks for a new copy."""
        with self.store._connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE destination = ? AND week = ? ORDER BY id",
                    (destination, week),
                ).fetchall()
                kept = [_row(r) for r in rows if r[9] != "dropped"]
                if kept and not again:
                    conn.execute("COMMIT")
                    return Enqueued(kept[-1], new=False)
                copy = len(rows)
                key = idempotency_key(destination, week, fmt, masked, body, copy)
                while conn.execute("SELECT 1 FROM outbox WHERE idem_key = ?", (key,)).fetchone():
                    copy += 1  # only after a copy was deleted by hand: keys stay unique
                    key = idempotency_key(destination, week, fmt, masked, body, copy)
                cursor = conn.execute(
                    "INSERT INTO outbox (idem_key, destination, week, format, masked, title,"
                    " body, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting')",
                    (key, destination, week, fmt, int(masked), title, body, _stamp(now)),
                )
                message_id = cursor.lastrowid
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        assert message_id is not None
        return Enqueued(self.get(message_id), new=True)

    def claim(self, message_id: int, now: datetime, owner: str | None = None) -> Message | None:
        """waiting → sending, committed before the request goes out. None when another
        process claimed it first (or it is no longer waiting)."""
        changed = self._update(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ?,"
            " claimed_at = ? WHERE id = ? AND state = 'waiting'",
            (owner or this_process(), _stamp(now), message_id),
        )
        return self.get(message_id) if changed else None

    def release(self, message_id: int, error: str = "") -> None:
        """sending → waiting when nothing went out (stopped before the request): the attempt
        does not count."""
        self._update(
            "UPDATE outbox SET state = 'waiting', attempts = MAX(attempts - 1, 0),"
            " last_error = ?, claimed_by = '' WHERE id = ? AND state = 'sending'",
            (redact_url(error), message_id),
        )

    def mark_sent(self, message_id: int, now: datetime, remote_ref: str = "") -> None:
        self._update(
            "UPDATE outbox SET state = 'sent', sent_at = ?, remote_ref = ?, last_error = '',"
            " next_try_at = NULL, claimed_by = '' WHERE id = ? AND state IN ('sending', 'unsure')",
            (_stamp(now), redact_url(remote_ref), message_id),
        )

    def mark_failed(
        self,
        message_id: int,
        now: datetime,
        error: str,
        *,
        final: bool = False,
        retry_after: float | None = None,
    ) -> str:
        """The attempt failed and nothing was delivered. Back to `waiting` after a pause, or
        `failed` when `final` (a person must fix something) or after `MAX_ATTEMPTS` tries.
        Returns the new state."""
        message = self.get(message_id)
        if message.state != "sending":
            return message.state
        give_up = final or message.attempts >= MAX_ATTEMPTS
        state = "failed" if give_up else "waiting"
        next_try = None if give_up else _stamp(now + backoff(message.attempts, retry_after))
        self._update(
            "UPDATE outbox SET state = ?, last_error = ?, next_try_at = ?, claimed_by = ''"
            " WHERE id = ? AND state = 'sending'",
            (state, redact_url(error), next_try, message_id),
        )
        return state

    def mark_unsure(self, message_id: int, error: str) -> None:
        """The request went out and its answer never came: it may have been delivered."""
        self._update(
            "UPDATE outbox SET state = 'unsure', last_error = ?, claimed_by = ''"
            " WHERE id = ? AND state = 'sending'",
            (redact_url(error), message_id),
        )

    def unsure_to_waiting(self, message_id: int) -> None:
        """The destination says an unsure message is not there: it may be sent."""
        self._update(
            "UPDATE outbox SET state = 'waiting', next_try_at = NULL WHERE id = ?"
            " AND state = 'unsure'",
            (message_id,),
        )

    def note(self, message_id: int, error: str) -> None:
        """Why a waiting message could not even be tried (no secret, no such destination)."""
        self._update(
            "UPDATE outbox SET last_error = ? WHERE id = ?", (redact_url(error), message_id)
        )

    def recover(self, now: datetime, alive: Callable[[str], bool] = owner_alive) -> list[Message]:
        """Messages left in `sending` by a process that is gone (a crash, `kill -9`, a power
        cut between the request and its answer) become `unsure`: they may have been sent."""
        stale_before = _stamp(now - STALE_CLAIM)
        recovered = []
        for message in self.in_state("sending"):
            old = message.claimed_at is None or _stamp(message.claimed_at) < stale_before
            if not old and alive(message.claimed_by):
                continue  # another delivery is at work on it right now
            changed = self._update(
                "UPDATE outbox SET state = 'unsure', last_error = ?, claimed_by = ''"
                " WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                (
                    "interrupted while sending (the cockpit stopped before the answer came)",
                    message.id,
                    message.claimed_by,
                ),
            )
            if changed:
                recovered.append(self.get(message.id))
        return recovered

    def retry(self, message_id: int, now: datetime) -> Message:
        """failed | unsure → waiting, due now, with a fresh count of attempts; a waiting
        message is made due now. An unsure one may then be delivered a second time: the user
        asked for that."""
        message = self.get(message_id)
        if message.state == "sent":
            raise OutboxError(
                f"message {message_id} was sent already; `cockpit send --again` sends a new copy"
            )
        if message.state == "sending":
            raise OutboxError(f"message {message_id} is being sent right now; wait a moment")
        if message.state == "dropped":
            raise OutboxError(
                f"message {message_id} was dropped; `cockpit send --again` queues a new copy"
            )
        self._update(
            "UPDATE outbox SET state = 'waiting', attempts = 0, next_try_at = NULL"
            " WHERE id = ? AND state IN ('waiting', 'failed', 'unsure')",
            (message_id,),
        )
        return self.get(message_id)

    def retry_all(self) -> int:
        """Every failed and waiting message → due now. Unsure ones are left: each may have
        been delivered, so only `retry ID` sends one again."""
        with self.store._connect(write=True) as conn:
            cursor = conn.execute(
                "UPDATE outbox SET state = 'waiting', attempts = 0, next_try_at = NULL"
                " WHERE state IN ('waiting', 'failed')"
            )
            return cursor.rowcount

    def drop(self, message_id: int) -> Message:
        """waiting | failed | unsure → dropped: it will not be sent. The row stays, so that
        the history says what happened to it."""
        message = self.get(message_id)
        if message.state == "sent":
            raise OutboxError(f"message {message_id} was sent already; there is nothing to drop")
        if message.state == "sending":
            raise OutboxError(
                f"message {message_id} is being sent right now; drop it once it has finished"
            )
        self._update(
            "UPDATE outbox SET state = 'dropped', next_try_at = NULL WHERE id = ?"
            " AND state IN ('waiting', 'failed', 'unsure', 'dropped')",
            (message_id,),
        )
        return self.get(message_id)

    def _update(self, sql: str, params: Sequence[object]) -> bool:
        # One statement is its own transaction in autocommit mode: committed on return.
        with self.store._connect(write=True) as conn:
            try:
                return conn.execute(sql, params).rowcount > 0
            except sqlite3.IntegrityError as exc:  # pragma: no cover - a bug, said plainly
                raise OutboxError(f"the outbox refused a change: {exc}") from exc
