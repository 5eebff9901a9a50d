"""`cockpit sync` as the user runs it, in a subprocess: the deadline bounds the real wait.

In-process tests cannot see this: a blocking thread that outlives the deadline only costs time
when `asyncio.run` joins it at exit, or the interpreter waits for it. So these run the real
command against real loopback servers and time it with a wall clock, with bounds generous
enough for a slow machine ("returns within deadline + a few seconds" where a hung thread would
hold it for tens of seconds).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.blackhole import Blackhole
from tests.fakes.fault_server import FaultServer, Reply

ROOT = Path(__file__).resolve().parents[2]
SERVER_INFO = "/rest/api/2/serverInfo"  # the first request a Jira sync makes
STARTUP = 3.0  # seconds a cold interpreter may need on a slow machine, beyond the deadline


def write_config(tmp_path: Path, url: str, **jira: float) -> Path:
    settings = "".join(f"{key} = {value}\n" for key, value in jira.items())
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "{url}"\nboard_id = 42\n'
        f'deployment = "server"\n{settings}'
    )
    return config


def environment(tmp_path: Path, config: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COCKPIT_")}
    env.update(
        COCKPIT_CONFIG=str(config),
        COCKPIT_JIRA_TOKEN="a-personal-access-token",
        COCKPIT_LOG_DIR=str(tmp_path / "logs"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
    )
    return env


def start_sync(tmp_path: Path, config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit", *args, "sync"],
        cwd=ROOT,
        env=environment(tmp_path, config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_sync(tmp_path: Path, config: Path, *args: str) -> tuple[int, str, str, float]:
    began = time.monotonic()
    process = start_sync(tmp_path, config, *args)
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err, time.monotonic() - began


def printed_seconds(out: str) -> float:
    match = re.search(r"^jira\s+failed\s+([\d.]+)s", out, re.MULTILINE)
    assert match, out
    return float(match.group(1))


@pytest.fixture
def server_info() -> Iterator[FaultServer]:
    with FaultServer(path=SERVER_INFO) as running:
        yield running


def test_a_trickling_jira_is_left_at_the_deadline(tmp_path: Path, server_info: FaultServer) -> None:
    # One byte every 0.5 s of a 200-byte answer: each read is quick, the answer takes 100 s.
    # The sync thread is stuck inside that read; the user must not be.
    server_info.always(Reply(200, b"{" + b" " * 198 + b"}", trickle=0.5))
    config = write_config(
        tmp_path,
        f"http://127.0.0.1:{server_info.port}",
        deadline=3,
        read_timeout=3,
        connect_timeout=3,
    )

    code, out, err, waited = run_sync(tmp_path, config)

    assert code == 3, (out, err)
    assert "did not finish within its 3s deadline" in out
    assert waited < 3 + STARTUP, f"returned after {waited:.1f}s"
    # The time printed is the time the user waited for the source, not less.
    assert 2.9 <= printed_seconds(out) <= waited
    assert err == ""


def test_a_retry_after_past_the_deadline_fails_at_once_and_says_why(
    tmp_path: Path, server_info: FaultServer
) -> None:
    server_info.always(Reply(429, b"{}", {"Retry-After": "60"}))
    config = write_config(
        tmp_path, f"http://127.0.0.1:{server_info.port}", deadline=10, read_timeout=10
    )

    code, out, err, waited = run_sync(tmp_path, config)

    assert code == 3, (out, err)
    assert re.search(
        r"Jira asked to wait 60s, more than the (9|10)s left of its 10s deadline", out
    ), out
    assert waited < STARTUP + 2, f"returned after {waited:.1f}s"
    assert len(server_info.requests) == 1
    assert printed_seconds(out) <= waited


def test_ctrl_c_on_a_hung_sync_exits_at_once(tmp_path: Path) -> None:
    with Blackhole() as hole:
        config = write_config(tmp_path, hole.url, deadline=60, read_timeout=30)
        process = start_sync(tmp_path, config)
        try:
            time.sleep(2.0)  # started, and blocked in the first request
            assert process.poll() is None, process.communicate()
            pressed = time.monotonic()
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
            waited = time.monotonic() - pressed
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert process.returncode == 130, (out, err)
    assert waited < 3.0, f"exited {waited:.1f}s after Ctrl-C"
    assert "Traceback" not in err


def test_a_hung_request_does_not_outlive_a_short_deadline(tmp_path: Path) -> None:
    # The user wrote no timeouts: they follow the 2 s deadline instead of the 20 s default.
    with Blackhole() as hole:
        config = write_config(tmp_path, hole.url, deadline=2)
        code, out, err, waited = run_sync(tmp_path, config)

    assert code == 3, (out, err)
    assert "did not finish within its 2s deadline" in out
    assert waited < 2 + STARTUP, f"returned after {waited:.1f}s"


def test_library_log_lines_go_to_the_log_file_not_the_terminal(
    tmp_path: Path, server_info: FaultServer
) -> None:
    server_info.always(Reply(500, b"{}"))  # every attempt fails: stamina logs each retry
    config = write_config(tmp_path, f"http://127.0.0.1:{server_info.port}", deadline=30)

    code, out, err, _ = run_sync(tmp_path, config)

    assert code == 3, (out, err)
    assert "Jira failed (500)" in out
    assert len(server_info.requests) > 1  # it did retry, so there was something to log
    assert err == ""
    assert "stamina" not in out
    log = (tmp_path / "logs" / "cockpit.log").read_text(encoding="utf-8")
    assert "stamina.retry_scheduled" in log
    assert "DEBUG" not in log  # warnings only, unless asked


def test_verbose_logs_everything_to_the_file_and_still_nothing_to_the_terminal(
    tmp_path: Path, server_info: FaultServer
) -> None:
    server_info.always(Reply(500, b"{}"))
    config = write_config(tmp_path, f"http://127.0.0.1:{server_info.port}", deadline=30)

    code, out, err, _ = run_sync(tmp_path, config, "--verbose")

    assert code == 3, (out, err)
    assert err == ""
    log = (tmp_path / "logs" / "cockpit.log").read_text(encoding="utf-8")
    assert "stamina.retry_scheduled" in log
    assert "DEBUG urllib3" in log  # the connection-level detail only --verbose asks for
