"""`cockpit serve`: the cockpit in a browser, on loopback unless told otherwise.

The end-to-end tests start the real command on a free 127.0.0.1 port and stop it the way a user
does (Ctrl-C, i.e. SIGINT) or a service manager does (SIGTERM).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cockpit.cli import main
from cockpit.serve import ServeOptions, app_command, exposure_warning, is_loopback, public_url

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 30  # generous: a cold start on a loaded 2-core machine
STOP_SECONDS = 10  # "stops promptly", against a server that waited a minute for open tabs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COCKPIT_")}
    env.update(
        COCKPIT_CONFIG=str(tmp_path / "no-config.toml"),
        COCKPIT_LOG_DIR=str(tmp_path / "logs"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
    )
    return env


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit", "serve", *args],
        cwd=ROOT,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_page(process: subprocess.Popen[str], url: str) -> httpx.Response:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"cockpit serve exited with {process.returncode}:\n{out}\n{err}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {READY_SECONDS} s")


def stop(process: subprocess.Popen[str], signum: int | None) -> tuple[str, str]:
    """Send `signum` (None: it was sent already) and wait, boundedly, for the exit."""
    if signum is not None:
        process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"cockpit serve did not stop within {STOP_SECONDS} s:\n{out}\n{err}")
    return out, err


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = start(tmp_path, "--demo", "--port", str(port))
    yield process, port
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_serves_the_demo_page_on_loopback_only_and_ctrl_c_stops_it(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = served
    page = wait_for_page(process, f"http://127.0.0.1:{port}/")
    assert page.status_code == 200
    assert "<div>cockpit</div>" in page.text  # the app's title on the page
    # The browser's websocket goes back to the loopback address it was served on.
    assert f"ws://127.0.0.1:{port}/ws" in page.text
    if sys.platform.startswith("linux"):
        # All of 127.0.0.0/8 reaches this machine on Linux: a server bound to every address
        # would answer on 127.0.0.2 too; one bound to 127.0.0.1 alone refuses it.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.2:{port}/", timeout=2)
    out, err = stop(process, signal.SIGINT)
    assert process.returncode == 0
    assert f"http://127.0.0.1:{port}/" in out
    # No warning (it is loopback), no library log line, no traceback.
    assert err == ""


def test_a_browser_session_runs_the_cockpit_and_ctrl_c_ends_it_promptly(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    process, port = served
    wait_for_page(process, f"http://127.0.0.1:{port}/")

    async def session() -> tuple[bytes, int | None]:
        screen = b""
        async with aiohttp.ClientSession() as client:
            url = f"http://127.0.0.1:{port}/ws?width=120&height=40"
            async with client.ws_connect(url) as ws:
                async with asyncio.timeout(READY_SECONDS):
                    async for message in ws:
                        if message.type == aiohttp.WSMsgType.BINARY:
                            screen += message.data
                        if b"Sprint" in screen:
                            break
                # A tab left open: Ctrl-C on the server must end it, not wait for it.
                process.send_signal(signal.SIGINT)
                async with asyncio.timeout(STOP_SECONDS):
                    async for _ in ws:
                        pass
                return screen, ws.close_code

    screen, close_code = asyncio.run(session())
    assert b"Sprint" in screen  # the demo dashboard, drawn for the browser
    assert close_code is not None
    out, err = stop(process, None)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    assert err == ""


def test_listening_beyond_loopback_warns_and_says_how_to_share_safely(tmp_path: Path) -> None:
    port = free_port()
    process = start(tmp_path, "--demo", "--host", "0.0.0.0", "--port", str(port))
    try:
        wait_for_page(process, f"http://127.0.0.1:{port}/")
    finally:
        _, err = stop(process, signal.SIGTERM)
    assert process.returncode == 0
    assert "warning: listening on 0.0.0.0" in err
    assert "anyone who can reach this machine" in err
    assert f"ssh -L {port}:127.0.0.1:{port}" in err
    assert "reverse proxy with authentication" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "cockpit", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_config_it_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "missing.toml"))
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
    assert main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "missing.toml" in err and "cockpit init" in err and "--demo" in err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("cockpit.example.com", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_each_tab_runs_this_cockpit_with_the_options_quoted(tmp_path: Path) -> None:
    config = tmp_path / "my team" / "cockpit; rm -rf ~.toml"
    command = app_command(ServeOptions(config=config, offline=True))
    assert shlex.split(command) == [
        sys.executable, "-m", "cockpit", "--config", str(config), "--offline",
    ]  # fmt: skip
    demo = shlex.split(app_command(ServeOptions(demo=True)))
    assert demo == [sys.executable, "-m", "cockpit", "demo", "--still"]


def test_the_page_points_browsers_at_an_address_they_can_reach() -> None:
    assert public_url(ServeOptions(host="127.0.0.1", port=8000)) == "http://127.0.0.1:8000"
    assert public_url(ServeOptions(host="::1", port=8000)) == "http://[::1]:8000"
    assert public_url(ServeOptions(host="0.0.0.0", port=9000)) == (
        f"http://{socket.gethostname()}:9000"
    )
    behind_proxy = ServeOptions(public_url="https://cockpit.example.com/")
    assert public_url(behind_proxy) == "https://cockpit.example.com"
    assert "ssh -L 9000:127.0.0.1:9000" in exposure_warning(ServeOptions("0.0.0.0", 9000))
