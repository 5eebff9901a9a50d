"""`q` quits at once even while a source hangs: the real terminal, through tmux."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_terminal import Terminal
from tests.fakes.blackhole import Blackhole

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_q_quits_promptly_while_jira_hangs(tmp_path: Path) -> None:
    socket = f"cockpit-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket]
    with Blackhole() as hole:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
            f'[sources.jira]\nkind = "jira"\nurl = "{hole.url}"\nboard_id = 42\n'
            'deployment = "server"\ndeadline = 60\nread_timeout = 30\n'
        )
        env = {
            "TERM": "xterm-256color",
            "COCKPIT_CONFIG": str(config),
            "COCKPIT_JIRA_TOKEN": "a-personal-access-token",
            "COCKPIT_LOG_DIR": str(tmp_path / "logs"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        command = f"{assignments} {shlex.quote(sys.executable)} -m cockpit"
        subprocess.run([*tmux, "new-session", "-d", "-s", "keepalive", "sleep 600"], check=True)
        try:
            subprocess.run([*tmux, "set-option", "-g", "remain-on-exit", "on"], check=True)
            subprocess.run(
                [*tmux, "new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command],
                check=True,
            )
            term = Terminal(socket, "app")
            term.wait_for("─ Sprint ─")
            term.wait_for("↻ jira")  # the Jira sync has started and is stuck in its request
            time.sleep(1.0)
            term.press("q")
            pressed = time.monotonic()
            while term.alive() and time.monotonic() - pressed < 30:
                time.sleep(0.05)
            waited = time.monotonic() - pressed
            assert not term.alive(), "cockpit did not quit on q"
            assert waited < 3.0, f"cockpit took {waited:.1f}s to quit while Jira hung"
            assert "Traceback" not in term.screen()
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True)
