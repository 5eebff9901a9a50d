"""`--offline` opens no socket: not `status`, `export`, `sync` nor the TUI, with a network
source configured whose server is listening (so any attempt would succeed if not guarded).

In-process, `socket.socket.connect`/`connect_ex`, `socket.create_connection` and
`socket.getaddrinfo` are replaced with functions that record the attempt and raise; the
commands run as users run them (subprocesses) get the same guard from a `sitecustomize` on
PYTHONPATH. `export` has no reason to touch the network even online (it reads the cache), so
it is checked both with and without `--offline`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.cli import EXIT_OK, main
from tests.fakes.fault_server import FaultServer

ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).parent / "guard"
ROSTER = '[[people]]\nid = "ana"\nname = "Ana"\ntimezone = "Europe/Lisbon"\n'


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer({"ok": True}) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n\n'
        '[sources.demo]\nkind = "demo"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "{server.url}"\nboard_id = 42\n'
        'deployment = "server"\n\n'
        f'[sources.runs]\nkind = "mlflow"\nurl = "{server.url}"\nexperiments = ["x"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(path))
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", "a-token")
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return path


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every socket this process tries to open or resolve, refused."""
    seen: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(f"{what} {args!r}")
            raise OSError(f"socket guard: {what} refused")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return seen


def test_the_guard_sees_an_online_sync(
    config: Path, attempts: list[str], server: FaultServer
) -> None:
    """Control: without --offline the same config does reach for the network."""
    main(["sync", "--source", "jira"])
    assert attempts
    assert server.requests == []  # and the guard stopped it


def test_offline_commands_open_no_socket(
    config: Path,
    attempts: list[str],
    server: FaultServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sync", "--offline"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "jira" in out and "offline" in out
    assert main(["status", "--offline"]) == EXIT_OK
    assert main(["status", "--offline", "--json"]) == EXIT_OK
    for fmt in ("md", "html", "json"):
        argv = ["export", "--format", fmt, "-o", str(tmp_path / f"week.{fmt}")]
        assert main([*argv, "--offline"]) == EXIT_OK
        assert main(argv) == EXIT_OK  # export reads the cache only, online or not
    assert attempts == []
    assert server.requests == []


async def test_the_tui_offline_opens_no_socket(
    config: Path, attempts: list[str], server: FaultServer
) -> None:
    from cockpit.app import CockpitApp
    from cockpit.clock import SystemClock
    from cockpit.workspace import open_user_workspace

    app = CockpitApp(open_user_workspace(None), SystemClock(), offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in ("r", "2", "enter", "escape", "1", "r", "tab"):
            await pilot.press(key)
            await pilot.pause()
        await app.workers.wait_for_complete()
    assert attempts == []
    assert server.requests == []


@pytest.mark.parametrize(
    "argv",
    [["sync", "--offline"], ["status", "--offline"], ["export", "--offline", "-o", "-"]],
    ids=["sync", "status", "export"],
)
def test_offline_commands_in_their_own_process_open_no_socket(
    config: Path, server: FaultServer, tmp_path: Path, argv: list[str]
) -> None:
    trap = tmp_path / "sockets.txt"
    env = {
        **os.environ,
        "PYTHONPATH": f"{GUARD}{os.pathsep}{ROOT}",
        "COCKPIT_SOCKET_TRAP": str(trap),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert not trap.exists(), trap.read_text()
    assert server.requests == []
    # Control: the guard is loaded in that process and does see a connection.
    control = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "socket guard" in control.stderr and trap.exists()
