"""A folder: the weekly summary written as `<folder>/<week>-<destination>.<ext>`.

Atomic: the summary goes to a temporary file in the same folder, is flushed to disk (fsync),
and replaces the target in one `os.replace`; the folder entry is synced too. A reader never
sees half a summary, and a crash leaves the old file or the new one.

Idempotent: beside the summary, a hidden sidecar `.<file>.cockpit` records the idempotency key
and the SHA-256 of what was written. `find_delivered` is true when the sidecar holds this
message's key and the file still holds those very bytes. A sidecar rather than a first-line
comment, because the file must stay exactly the summary: JSON has no comments, and a Markdown
or HTML summary is pasted or mailed as it is. The sidecar is written after the file, so a
crash between the two leaves a summary without a key, which the next delivery simply writes
again (same bytes; nothing is duplicated, a file has one copy).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from integrations.delivery.base import DeliveryError, DeliveryResult, OutgoingMessage

EXTENSIONS = {"md": "md", "html": "html", "json": "json"}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# Failures that may pass by themselves (a full disk, a network share away); others need a person.
_TRANSIENT = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.ETIMEDOUT}


class FolderDestination:
    kind = "folder"

    __slots__ = ("folder", "name")

    def __init__(self, name: str, path: str | os.PathLike[str]) -> None:
        self.name = name
        self.folder = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"FolderDestination({self.name!r}, {str(self.folder)!r})"

    def target(self, message: OutgoingMessage) -> Path:
        ext = EXTENSIONS.get(message.format, "txt")
        stem = _UNSAFE_NAME.sub("_", f"{message.week}-{message.destination}").strip("._")
        return self.folder / f"{stem}.{ext}"

    def sidecar(self, message: OutgoingMessage) -> Path:
        target = self.target(message)
        return target.with_name(f".{target.name}.cockpit")

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        found = self.find_delivered(message)
        if found is not None:
            return found
        target = self.target(message)
        data = message.body.encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
            record = {"key": message.idem_key, "sha256": hashlib.sha256(data).hexdigest()}
            _write_atomically(self.sidecar(message), json.dumps(record).encode())
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise DeliveryError(
                f"{self.name}: cannot write {target} ({reason}); check `path` in "
                f"[destinations.{self.name}] and the folder's permissions",
                retryable=exc.errno in _TRANSIENT,
            ) from None
        return DeliveryResult(remote_ref=str(target), detail=f"written to {target}")

    def find_delivered(self, message: OutgoingMessage) -> DeliveryResult | None:
        target = self.target(message)
        try:
            record = json.loads(self.sidecar(message).read_text(encoding="utf-8"))
            if not isinstance(record, dict) or record.get("key") != message.idem_key:
                return None
            if hashlib.sha256(target.read_bytes()).hexdigest() != record.get("sha256"):
                return None  # the file was edited or replaced since: write it again
        except (OSError, ValueError):
            return None
        return DeliveryResult(remote_ref=str(target), detail=f"already written to {target}")


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a folder for this."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
