"""Where library log lines go: a small rotating file, never the terminal.

Retries (stamina), HTTP clients (httpx, urllib3), python-jira and asyncio all log through the
standard `logging` module. Unconfigured, Python prints their warnings on stderr, which garbles
`cockpit sync`'s output and lands on the shell after the TUI exits. So the root logger gets one
handler that writes to `platformdirs.user_log_dir("cockpit")/cockpit.log`: WARNING and above by
default, everything with `--verbose`.

Headless commands must start fast: only `logging` is imported here; the file, its folder,
platformdirs and `logging.handlers` wait for the first line that is actually logged.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

LOG_DIR_ENV = "COCKPIT_LOG_DIR"  # overrides the platform's log folder (tests, odd setups)
LOG_FILENAME = "cockpit.log"
MAX_BYTES = 1_000_000  # per file; with 2 backups the logs never take more than ~3 MB
BACKUPS = 2
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


# Credentials a library prints at DEBUG: botocore logs every request's headers (the AWS session
# token among them) and may log an STS answer's keys. The value is replaced, the name kept.
_CREDENTIAL = re.compile(
    r"""(?i)(?P<name>['"]?(?:x-amz-security-token|authorization|proxy-authorization|cookie"""
    r"""|x-api-key|sessiontoken|secretaccesskey)['"]?\s*[:=]\s*(?:b(?=['"]))?)"""
    r"""(?:(?P<q>['"]).*?(?P=q)|[^\r\n,;}<]+)"""
    r"""|(?P<tag><(?:SessionToken|SecretAccessKey)>)[^<]*"""
)


def scrub_credentials(text: str) -> str:
    """`text` with the value of every credential header or field in it replaced by `***`."""

    def hide(match: re.Match[str]) -> str:
        if match.group("tag"):
            return match.group("tag") + "***"
        quote = match.group("q") or ""
        return f"{match.group('name')}{quote}***{quote}"

    return _CREDENTIAL.sub(hide, text)


def log_dir() -> Path:
    if explicit := os.environ.get(LOG_DIR_ENV):
        return Path(explicit).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir("cockpit"))


def log_path() -> Path:
    return log_dir() / LOG_FILENAME


def _private_rotating_file() -> type[RotatingFileHandler]:
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFile(RotatingFileHandler):
        """Log files only their owner can read: with --verbose they hold request URLs, and a
        JQL query or a board name is the team's business."""

        def _open(self):  # type: ignore[no-untyped-def]
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    return PrivateRotatingFile


class LazyRotatingFile(logging.Handler):
    """A rotating log file that is created only when the first record arrives.

    If the folder cannot be written (a read-only home), records are dropped: a log line is
    never worth a failed command or a message on the terminal.
    """

    def __init__(self) -> None:
        super().__init__()
        self._target: RotatingFileHandler | None = None
        self._broken = False

    def emit(self, record: logging.LogRecord) -> None:
        if self._broken:
            return
        try:
            if self._target is None:
                path = log_path()
                path.parent.mkdir(parents=True, exist_ok=True)
                target = _private_rotating_file()(
                    path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
                )
                target.setFormatter(self.formatter)
                self._target = target
            message = record.getMessage()
            scrubbed = scrub_credentials(message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, ()
            self._target.emit(record)
        except Exception:  # noqa: BLE001 - see the class docstring
            self._broken = True

    def flush(self) -> None:
        if self._target is not None:
            self._target.flush()

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
        super().close()


def setup_logging(*, verbose: bool = False) -> None:
    """Send every library's log lines to the log file.

    Safe to call again (tests call `main` many times): the previous cockpit handler is replaced.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, LazyRotatingFile):
            root.removeHandler(handler)
            handler.close()
    handler = LazyRotatingFile()
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    # Library loggers inherit the root's level. httpx logs every URL at INFO: only on request.
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    # botocore writes every answer's whole body at DEBUG: a server that quotes the credentials
    # back (or an STS answer) would put them in the file. Its other DEBUG lines stay.
    logging.getLogger("botocore.parsers").setLevel(logging.INFO)
    # Without a handler on the root, Python's "last resort" prints warnings on stderr; with
    # ours there, nothing reaches the terminal unasked. Also keep a failing handler quiet.
    logging.raiseExceptions = False
