"""The cockpit in a real terminal: tmux runs it, send-keys types, capture-pane reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, socket: str, session: str) -> None:
        self.tmux = ["tmux", "-L", socket]
        self.session = session

    def screen(self) -> str:
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-S", "-", "-t", self.session],
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")

    def press(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, *keys], check=True)

    def alive(self) -> bool:
        out = subprocess.run(
            [*self.tmux, "list-panes", "-t", self.session, "-F", "#{pane_dead}"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return out == "0"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[callable]:
    # A private server per test, kept alive by an idle session and told to keep panes whose
    # program exited: a fast command (the first-run greeting) must still be readable.
    socket = f"cockpit-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-s", "keepalive", "sleep 600"], check=True)
    subprocess.run([*tmux, "set-option", "-g", "remain-on-exit", "on"], check=True)
    started: list[str] = []

    def start(*args: str, size: tuple[int, int] = (120, 40)) -> Terminal:
        session = f"s{len(started)}"
        command = " ".join([sys.executable, "-m", "cockpit", *args])
        subprocess.run(
            [*tmux, "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
             f"TERM=xterm-256color {command}"],
            check=True,
        )  # fmt: skip
        started.append(session)
        return Terminal(socket, session)

    yield start
    subprocess.run([*tmux, "kill-server"], capture_output=True)


def test_demo_opens_navigates_and_quits(terminal, tmp_path: Path) -> None:
    term = terminal("demo", "--store", str(tmp_path / "demo.sqlite"))
    term.wait_for("days left")
    # tmux may be caught half way through drawing the first frame (the top rows are in, the
    # rest not yet): each panel gets the wait's time to appear, and none may be missing.
    for title in ("Sprint", "Experiments", "OKRs", "Cost", "Team"):
        assert f"─ {title} ─" in term.wait_for(f"─ {title} ─")
    assert "demo fresh" in term.wait_for("demo fresh")
    term.press("4", "Enter")
    term.wait_for("Per experiment")  # the cost screen's tabs
    term.press("Escape")
    term.wait_for("days left")
    term.press("?")
    term.wait_for("Refresh")
    term.press("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not term.alive(), "cockpit did not quit on q"
    assert "Traceback" not in term.screen()


def test_first_run_without_config_greets(terminal, tmp_path: Path) -> None:
    term = terminal("--config", str(tmp_path / "config.toml"))
    screen = term.wait_for("Welcome to cockpit")
    assert "cockpit init" in screen and "cockpit demo" in screen
