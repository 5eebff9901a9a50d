"""Sending the weekly summary: render it into the outbox, then deliver what waits.

`queue_weekly` renders the summary in the destination's format and masking and commits it to
the outbox (`cockpit/outbox.py`) before anything is sent. `deliver_waiting` sends what waits
through the destinations of `integrations/delivery`, one message at a time, each request on a
daemon thread that a deadline or Ctrl-C can walk away from: a message is then left `waiting`
(nothing went out) or `unsure` (the request went out, no answer came), never lost.

Both block: the CLI calls them directly, the TUI from a worker thread. Neither imports Textual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from cockpit.outbox import Message, Outbox, OutboxError, this_process
from cockpit.redact import redact_url

if TYPE_CHECKING:
    from cockpit.export.weeks import Week
    from cockpit.models import Secret
    from cockpit.workspace import Workspace

# Kinds whose destination can say whether a message arrived (a Confluence page's version
# message holds the idempotency key; a folder holds the file): an interrupted delivery to one
# of them is checked and finished, never left to the user. Webhooks cannot be asked.
_CAN_TELL = frozenset({"confluence", "folder"})

# How often the waiting thread looks up from a request in flight (Ctrl-C is seen this soon).
_POLL = 0.05

DestinationFactory = Callable[[str, Any, "Secret | None"], Any]


class DeliveryConfigError(ValueError):
    """`--to NAME` names no configured destination, or the workspace cannot keep an outbox."""


class Queued(msgspec.Struct, frozen=True):
    """What `queue_weekly` did. `already` is "" when the message was queued now; otherwise
    it says what happened to the copy queued before (and nothing new was added)."""

    message: Message
    new: bool
    already: str = ""


class Outcome(msgspec.Struct, frozen=True):
    message: Message
    state: str  # sent | waiting | failed | unsure
    detail: str
    # For a waiting message: what sends it (the network back, or a setting fixed).
    hint: str = ""


class DeliveryReport(msgspec.Struct):
    outcomes: list[Outcome] = msgspec.field(default_factory=list)
    # Waiting messages not tried (the deadline ran out first, or not asked for this time).
    left_waiting: int = 0
    # Messages that may have been delivered and that only the user may send again.
    still_unsure: list[Message] = msgspec.field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(o.state == "sent" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.state == "failed" for o in self.outcomes)

    @property
    def waiting(self) -> int:
        return sum(o.state == "waiting" for o in self.outcomes) + self.left_waiting

    @property
    def unsure(self) -> int:
        return sum(o.state == "unsure" for o in self.outcomes) + len(self.still_unsure)

    def lines(self) -> list[str]:
        """One line per message, for people."""
        said = [outcome_line(o) for o in self.outcomes]
        said += [
            f"#{m.id} {m.week} → {m.destination}: unsure, {unsure_words(m)}"
            for m in self.still_unsure
        ]
        if self.left_waiting:
            said.append(
                f"{self.left_waiting} more waiting in the outbox; `cockpit outbox send` sends them"
            )
        return said


def clock_time(moment: datetime | None) -> str:
    """`14:05` in this machine's time zone: when something happened today, in the user's
    words."""
    if moment is None:
        return "?"
    return moment.astimezone().strftime("%H:%M")


def day_and_time(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def unsure_words(message: Message) -> str:
    return (
        f"may have been sent at {clock_time(message.claimed_at)}; "
        f"`cockpit outbox retry {message.id}` sends it again"
    )


NETWORK_HINT = (
    "it waits in the outbox{when} and goes out when the network is back: `cockpit outbox"
    " send`, or the dashboard's next successful sync"
)
FIX_HINT = "once that is fixed, `cockpit outbox send` sends it"


def outcome_line(outcome: Outcome) -> str:
    m = outcome.message
    what = f"#{m.id} {m.week} → {m.destination}"
    if outcome.state == "sent":
        return f"{what}: sent{': ' + outcome.detail if outcome.detail else ''}"
    if outcome.state == "waiting":
        hint = outcome.hint or NETWORK_HINT.format(when="")
        return f"{what}: waiting ({outcome.detail}); {hint}"
    if outcome.state == "unsure":
        return f"{what}: unsure, {unsure_words(m)} ({outcome.detail})"
    return f"{what}: failed ({outcome.detail}); fix it, then `cockpit outbox retry {m.id}`"


def outbox_lines(messages: Sequence[Message], now: datetime) -> list[str]:
    """`cockpit outbox`: one row per message (id, destination, week, state, attempts, age),
    and under it what the user should know (the last error, or what an unsure one means)."""
    if not messages:
        return ["the outbox is empty"]
    from cockpit.analytics.freshness import describe_age

    header = ("id", "destination", "week", "state", "tries", "age")
    rows = [
        (
            str(m.id),
            m.destination,
            m.week,
            m.state,
            str(m.attempts),
            describe_age((now - m.created_at).total_seconds()),
        )
        for m in messages
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for message, row in zip(messages, rows, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        note = _note(message)
        if note:
            lines.append(f"    {note}")
    return lines


def _note(m: Message) -> str:
    if m.state == "unsure":
        return f"{unsure_words(m)} ({m.last_error})" if m.last_error else unsure_words(m)
    if m.state == "sent":
        return f"sent {day_and_time(m.sent_at)}{' to ' + m.remote_ref if m.remote_ref else ''}"
    if m.state == "failed":
        return f"gave up: {m.last_error}; `cockpit outbox retry {m.id}` tries again"
    if m.state == "waiting" and m.last_error:
        when = f"; next try from {clock_time(m.next_try_at)}" if m.next_try_at else ""
        return f"last error: {m.last_error}{when}"
    if m.state == "sending":
        return f"being sent since {clock_time(m.claimed_at)}"
    return ""


# --- queueing -------------------------------------------------------------------------


def queue_weekly(
    workspace: Workspace, destination: str, week: Week, now: datetime, *, again: bool = False
) -> Queued:
    """Render the summary of `week` for `destination` and commit it to the outbox. A message
    for that week and destination queued before is returned as it is (`already` says what
    became of it) unless `again` asks for a new copy."""
    settings = destination_settings(workspace, destination)
    masked = (
        settings.masked if settings.masked is not None else workspace.config.sharing.mask_by_default
    )
    outbox = _outbox(workspace)
    if not again:
        # Looked up before rendering, which is the slow part: a repeat costs nothing.
        earlier = [
            m for m in outbox.list() if m.destination == destination and m.week == week.label
        ]
        if earlier:
            return Queued(earlier[-1], new=False, already=already_words(earlier[-1]))
    from cockpit.destination_settings import page_title

    body = render_weekly(workspace, week, settings.format, now, masked=masked)
    done = outbox.enqueue(
        destination=destination,
        week=week.label,
        fmt=settings.format,
        masked=masked,
        title=page_title(settings, week.label),
        body=body,
        now=now,
        again=again,
    )
    said = "" if done.new else already_words(done.message)
    return Queued(done.message, new=done.new, already=said)


def already_words(message: Message) -> str:
    """What became of the message queued before for the same week and destination."""
    again = "(use --again to send a new copy)"
    if message.state == "sent":
        return f"already sent on {day_and_time(message.sent_at)} {again}"
    if message.state == "unsure":
        return f"queued before as #{message.id}, which {unsure_words(message)} {again}"
    if message.state == "failed":
        return (
            f"queued before as #{message.id}, which failed ({message.last_error});"
            f" `cockpit outbox retry {message.id}` tries it again {again}"
        )
    if message.state == "sending":
        return f"#{message.id} is being sent right now {again}"
    return (
        f"already waiting in the outbox as #{message.id} since"
        f" {day_and_time(message.created_at)}; `cockpit outbox send` sends it {again}"
    )


def render_weekly(
    workspace: Workspace, week: Week, fmt: str, now: datetime, *, masked: bool
) -> str:
    """The summary exactly as `cockpit export --format fmt [--masked]` writes it. A summary
    with nothing in it (every source synced only after the week, or never) is not sent: a
    manager would get five empty sections."""
    from cockpit.export.weekly import FORMATS, ExportError, render
    from cockpit.export.weekly_report import holds_data, load_report
    from cockpit.text_safety import clean_text

    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    report = load_report(workspace, week, now, masked=masked)
    if not holds_data(report):
        why = "; ".join(dict.fromkeys(line for s in report.sections for line in s.lines))
        raise DeliveryConfigError(
            f"nothing in the cache for {week.label}, so nothing was queued: {why}"
        )
    return clean_text(render(report, fmt))


def destination_settings(workspace: Workspace, name: str) -> Any:
    if workspace.in_memory or workspace.demo:
        raise DeliveryConfigError(
            "the demo workspace has no destinations and keeps no outbox; send from your own"
            " config (see `cockpit init` and [destinations.NAME] in docs/sharing.md)"
        )
    configured = workspace.config.destinations
    if name not in configured:
        listed = ", ".join(sorted(configured)) or "none yet"
        where = workspace.config.path or "the config"
        raise DeliveryConfigError(
            f"--to {name}: {where} has no [destinations.{name}] (configured: {listed});"
            ' add one, e.g. [destinations.archive] with kind = "folder" and path = "~/reports"'
        )
    return configured[name]


def _outbox(workspace: Workspace) -> Outbox:
    return Outbox(workspace.store)


# --- delivering -----------------------------------------------------------------------


def deliver_waiting(
    workspace: Workspace,
    now: datetime,
    *,
    deadline: float = 30.0,
    only: Sequence[int] | None = None,
    due_only: bool = True,
    factory: DestinationFactory | None = None,
) -> DeliveryReport:
    """Send what waits in the outbox, within `deadline` seconds in all. Blocking.

    First, messages a crashed delivery left in `sending` become `unsure`, and unsure ones of a
    destination that can tell are checked there: marked sent, or sent. Then each waiting
    message (those whose pause after a failure is over, or all when not `due_only`; only the
    ids in `only` when given) is claimed, committed, and sent.
    """
    if workspace.in_memory:
        return DeliveryReport()
    started = time.monotonic()
    outbox = _outbox(workspace)
    make = factory or _make_destination
    built: dict[str, Any] = {}
    report = DeliveryReport()

    def left() -> float:
        return deadline - (time.monotonic() - started)

    def destination_for(message: Message) -> Any:
        if message.destination not in built:
            built[message.destination] = _build(workspace, message.destination, make)
        return built[message.destination]

    outbox.recover(now)
    for message in outbox.in_state("unsure"):
        if only is not None and message.id not in only:
            continue
        if not _check_unsure(outbox, message, destination_for, now, report, left):
            report.still_unsure.append(message)
    pending = outbox.waiting(now, due_only=due_only, only=only)
    for index, message in enumerate(pending):
        if left() <= 0:
            report.left_waiting += len(pending) - index
            break
        destination = destination_for(message)
        if isinstance(destination, str):  # why it cannot be built
            outbox.note(message.id, destination)
            report.outcomes.append(
                Outcome(outbox.get(message.id), "waiting", destination, FIX_HINT)
            )
            continue
        report.outcomes.append(_send_one(outbox, message, destination, now, left()))
    return report


def _make_destination(name: str, settings: Any, secret: Secret | None) -> Any:
    from integrations.delivery.base import make_destination

    return make_destination(name, settings, secret)


def _build(workspace: Workspace, name: str, make: DestinationFactory) -> Any:
    """The destination's client, or (a string) why it cannot be built."""
    settings = workspace.config.destinations.get(name)
    if settings is None:
        return (
            f"the config has no [destinations.{name}] any more; add it back, or"
            " `cockpit outbox drop` the message"
        )
    secret = None
    if settings.needs_secret:
        from cockpit.secrets import env_var_for, lookup_secret

        secret = lookup_secret(name)
        if secret is None:
            return (
                f"no {settings.secret_words} for {name}: run `cockpit auth set {name}`"
                f" or set {env_var_for(name)}"
            )
    try:
        return make(name, settings, secret)
    except Exception as exc:  # noqa: BLE001 - a destination that cannot be built waits
        return _error_words(exc)


def _outgoing(message: Message) -> Any:
    from integrations.delivery.base import OutgoingMessage

    return OutgoingMessage(
        idem_key=message.idem_key,
        destination=message.destination,
        week=message.week,
        format=message.format,
        title=message.title,
        body=message.body,
    )


def _error_words(exc: BaseException) -> str:
    return redact_url(str(getattr(exc, "message", "") or exc) or type(exc).__name__)


def _can_tell(destination: Any) -> bool:
    return str(getattr(destination, "kind", "")) in _CAN_TELL


def _check_unsure(
    outbox: Outbox,
    message: Message,
    destination_for: Callable[[Message], Any],
    now: datetime,
    report: DeliveryReport,
    left: Callable[[], float],
) -> bool:
    """An unsure message to a destination that can tell: there already → sent; not there →
    waiting, and sent with the rest. A webhook's stays unsure: only the user may resend it."""
    """Returns whether the message was settled (sent, or back to waiting)."""
    destination = destination_for(message)
    if isinstance(destination, str) or not _can_tell(destination) or left() <= 0:
        return False
    found, error = _in_thread(lambda: _find(destination, _outgoing(message), left()), left())
    if error is not None or found is _NO_ANSWER:
        return False  # cannot ask now: it stays unsure, and is asked again next time
    if found is not None:
        outbox.mark_sent(message.id, now, str(getattr(found, "remote_ref", "") or ""))
        report.outcomes.append(
            Outcome(outbox.get(message.id), "sent", "it had arrived before the interruption")
        )
    else:
        outbox.unsure_to_waiting(message.id)
    return True


_NO_ANSWER = object()


def _find(destination: Any, outgoing: Any, seconds: float) -> Any:
    """`find_delivered`, within the time left when the destination takes a deadline."""
    import inspect

    try:
        takes_deadline = "deadline" in inspect.signature(destination.find_delivered).parameters
    except (TypeError, ValueError):
        takes_deadline = False
    if takes_deadline:
        return destination.find_delivered(outgoing, deadline=max(seconds, 0.1))
    return destination.find_delivered(outgoing)


def _in_thread(call: Callable[[], Any], timeout: float) -> tuple[Any, BaseException | None]:
    """`call()` on a daemon thread, waited for at most `timeout` seconds: (result, None),
    (None, error), or (_NO_ANSWER, None) when it did not finish in time."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the waiting thread
            box["error"] = exc
        done.set()

    threading.Thread(target=run, name="cockpit-delivery", daemon=True).start()
    end = time.monotonic() + max(timeout, 0.0)
    while not done.wait(_POLL):
        if time.monotonic() >= end:
            return _NO_ANSWER, None
    if "error" in box:
        return None, box["error"]
    return box.get("result"), None


def _send_one(
    outbox: Outbox, message: Message, destination: Any, now: datetime, seconds: float
) -> Outcome:
    claimed = outbox.claim(message.id, now, this_process())
    if claimed is None:
        return Outcome(outbox.get(message.id), "waiting", "another cockpit is sending it")
    try:
        outgoing = _outgoing(claimed)
        result, error = _in_thread(lambda: destination.deliver(outgoing, deadline=seconds), seconds)
    except BaseException:
        # Ctrl-C (or the process told to stop) while the request may be on the wire.
        outbox.mark_unsure(claimed.id, "stopped while sending (Ctrl-C)")
        raise
    if result is _NO_ANSWER:
        outbox.mark_unsure(claimed.id, f"no answer within {seconds:.0f}s")
        return Outcome(outbox.get(claimed.id), "unsure", f"no answer within {seconds:.0f}s")
    if error is None:
        outbox.mark_sent(claimed.id, now, str(getattr(result, "remote_ref", "") or ""))
        return Outcome(outbox.get(claimed.id), "sent", str(getattr(result, "detail", "") or ""))
    words = _error_words(error)
    if getattr(error, "maybe_sent", False):
        outbox.mark_unsure(claimed.id, words)
        return Outcome(outbox.get(claimed.id), "unsure", words)
    if not hasattr(error, "retryable"):
        words = f"unexpected {type(error).__name__}: {words}"
    final = not getattr(error, "retryable", True)
    state = outbox.mark_failed(
        claimed.id, now, words, final=final, retry_after=getattr(error, "retry_after", None)
    )
    after = outbox.get(claimed.id)
    hint = NETWORK_HINT.format(when=f" (next try from {clock_time(after.next_try_at)})")
    return Outcome(after, state, words, hint if state == "waiting" else "")


__all__ = [
    "DeliveryConfigError",
    "DeliveryReport",
    "OutboxError",
    "Queued",
    "deliver_waiting",
    "queue_weekly",
]
