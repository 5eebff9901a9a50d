"""The weekly summary as the TUI makes and sends it: blocking work for the app's worker threads.

Nothing here imports Textual: the app calls these functions from a worker thread and turns
what they return (or the `WeeklyJobError` they raise, in words) into a notification. The text
is the one `cockpit export` writes (`cockpit.export.weekly.weekly_text`), so a file written from
the TUI and one written by the command line are the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from cockpit.export.weeks import ExportError, Week, current_week, last_full_week, previous_week
from cockpit.workspace import Workspace

if TYPE_CHECKING:
    from cockpit.delivery import DeliveryReport

FORMATS = ("md", "html", "json")
RECENT_WEEKS = 12  # the ended weeks the export dialog offers, besides this one so far


class WeeklyJobError(Exception):
    """What went wrong, in words a user can act on (the file, the cause, what to do)."""


def recent_weeks(now: datetime, count: int = RECENT_WEEKS) -> list[Week]:
    """This week (so far) first, then the `count` weeks that have ended, newest first."""
    weeks = [current_week(now)]
    for _ in range(count):
        weeks.append(previous_week(weeks[-1]))
    return weeks


def default_week(now: datetime) -> Week:
    """The issue's default: the last full week."""
    return last_full_week(now)


def default_output(week: Week, fmt: str, folder: Path | None = None) -> Path:
    """`weekly-2026-W48.md` in `folder` (the current directory, where the user started the
    cockpit, as `cockpit export -o` would write it)."""
    return (folder or Path.cwd()) / f"weekly-{week.label}.{fmt}"


def weekly_export_text(
    workspace: Workspace, week: Week, fmt: str, now: datetime, *, masked: bool
) -> str:
    """The summary of `week` exactly as `cockpit export` renders it (with the mask marker when
    masked)."""
    from cockpit.export.weekly import weekly_text

    if fmt not in FORMATS:
        raise WeeklyJobError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if week.monday > now.date():
        raise WeeklyJobError(f"{week.label} has not started yet: choose a week up to this one.")
    try:
        return weekly_text(workspace, week, fmt, now, masked=masked)
    except ExportError as exc:
        raise WeeklyJobError(str(exc)) from None


def output_path(text: str) -> Path:
    """The path typed in the dialog, as it will be written: `~` expanded, relative to the
    current directory."""
    typed = text.strip()
    if not typed:
        raise WeeklyJobError("Type the file to write the summary to, e.g. weekly-2026-W48.md.")
    return Path(typed).expanduser().absolute()


def write_weekly(
    workspace: Workspace, week: Week, fmt: str, now: datetime, *, masked: bool, path: Path
) -> Path:
    """Render the summary and write it to `path` (as `cockpit export -o` does); returns the
    path written."""
    from cockpit.store import StoreError
    from cockpit.text_safety import clean_text

    if path.is_dir():
        raise WeeklyJobError(f"{path} is a folder: type a file name, e.g. {path / 'weekly.md'}.")
    try:
        text = clean_text(weekly_export_text(workspace, week, fmt, now, masked=masked))
    except StoreError as exc:
        raise WeeklyJobError(str(exc)) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WeeklyJobError(
            f"Could not write {path}: {exc.strerror or exc}. Choose a folder you may write to."
        ) from None
    return path


# --- sending through the outbox ---------------------------------------------------------


class Notice(msgspec.Struct, frozen=True):
    """One notification for the user: what happened to a summary, in words."""

    title: str
    message: str
    severity: Literal["information", "warning", "error"] = "information"
    timeout: float = 8.0


def send_weekly(
    workspace: Workspace, destination: str, week: Week, now: datetime, *, offline: bool
) -> list[Notice]:
    """Queue the summary of `week` for `destination` (committed to the outbox first), then,
    online, deliver what waits. Blocking: the app calls it from a worker thread."""
    from cockpit.delivery import deliver_waiting, queue_weekly
    from cockpit.outbox import OutboxError
    from cockpit.store import StoreError

    title = f"Weekly summary {week.label} → {destination}"
    try:
        queued = queue_weekly(workspace, destination, week, now)
    except (StoreError, OutboxError, ExportError, ValueError, OSError) as exc:
        return [Notice(f"Not sent to {destination}", _words(exc), "error", 12)]
    if queued.already:  # queued or sent before: nothing new was added
        return [Notice(title, f"{week.label} {queued.already}", "warning", 12)]
    if offline:
        return [
            Notice(
                title,
                f"Waiting in the outbox as #{queued.message.id}: the cockpit is offline. It is "
                "sent after the next successful sync online, or by `cockpit outbox send`.",
                "warning",
                12,
            )
        ]
    try:
        report = deliver_waiting(workspace, now)
    except (StoreError, OutboxError) as exc:
        return [Notice(title, f"Waiting in the outbox: {_words(exc)}", "warning", 12)]
    return _delivery_notices(title, report, quiet=False)


def deliver_outbox(workspace: Workspace, now: datetime) -> list[Notice]:
    """Deliver what waits in the outbox (after a sync succeeded). Says what was sent, what may
    have been sent and what failed for good; a message that still waits stays quiet until the
    next try, so a destination that is down does not speak up after every sync."""
    from cockpit.delivery import deliver_waiting
    from cockpit.outbox import Outbox, OutboxError
    from cockpit.store import StoreError

    if workspace.in_memory:
        return []
    try:
        outbox = Outbox(workspace.store)
        # Read first: nothing to send (the usual case) writes nothing and asks no server.
        if not (outbox.waiting(now) or outbox.in_state("sending") or outbox.in_state("unsure")):
            return []
        report = deliver_waiting(workspace, now)
    except (StoreError, OutboxError) as exc:
        return [Notice("Outbox", f"Could not deliver the outbox: {_words(exc)}", "warning", 12)]
    return _delivery_notices("Outbox", report, quiet=True)


def _delivery_notices(title: str, report: DeliveryReport, *, quiet: bool) -> list[Notice]:
    if not report.outcomes and not report.left_waiting:
        return []
    if quiet and not (report.sent or report.failed or report.unsure):
        return []
    words = "\n".join(report.lines())
    if report.failed:
        severity: Literal["information", "warning", "error"] = "error"
    elif report.unsure or report.waiting:
        severity = "warning"
    else:
        severity = "information"
    return [Notice(title, words, severity, 8 if severity == "information" else 12)]


def _words(exc: BaseException) -> str:
    from cockpit.redact import redact_url

    return redact_url(str(exc) or type(exc).__name__)
