"""The log file is private to its owner, rotated files included: with --verbose it holds
request URLs, JQL queries and board names."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from cockpit.logs import LOG_DIR_ENV, LazyRotatingFile, log_path


def test_the_log_file_and_its_rotations_are_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path))
    monkeypatch.setattr("cockpit.logs.MAX_BYTES", 200)
    handler = LazyRotatingFile()
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "GET " + "x" * 120, None, None)
    try:
        for _ in range(5):  # past the size limit: the file rotates
            handler.emit(record)
    finally:
        handler.close()
    files = sorted(tmp_path.iterdir())
    assert log_path() in files and len(files) >= 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
