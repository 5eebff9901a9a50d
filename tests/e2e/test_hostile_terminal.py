"""A roster name and an objective that try to retitle the terminal, in a real one (tmux).

Each arrives twice: from a cache written before the parsers cleaned text (the first paint),
and from the roster file itself (the sync that follows). Neither may reach the terminal as an
escape sequence: tmux's pane title is what an `ESC ]0;… BEL` would change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cockpit.models import KeyResult, Objective, OkrData, Person, Snapshot, TeamData
from cockpit.store import Store, SyncAttempt
from tests.e2e.test_terminal import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

RETITLE = "\x1b]0;pwned\x07"
HOSTILE_NAME = f"Ana{RETITLE} Silva\x1b]2;pwned\x1b\\"
HOSTILE_TITLE = f"Ship{RETITLE} the model"


class Panes:
    """A private tmux server whose panes stay readable after their program exits."""

    def __init__(self) -> None:
        self.tmux = ["tmux", "-L", f"cockpit-hostile-{os.getpid()}-{uuid.uuid4().hex[:8]}"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "keepalive", "sleep 600"], check=True
        )
        subprocess.run([*self.tmux, "set-option", "-g", "remain-on-exit", "on"], check=True)
        self.count = 0

    def run(self, command: str, size: tuple[int, int] = (120, 40)) -> Terminal:
        self.count += 1
        session = f"s{self.count}"
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
             f"TERM=xterm-256color {command}"],
            check=True,
        )  # fmt: skip
        return Terminal(self.tmux[2], session)

    def title(self, term: Terminal) -> str:
        return subprocess.run(
            [*self.tmux, "display-message", "-p", "-t", term.session, "#{pane_title}"],
            capture_output=True,
            text=True,
        ).stdout.strip()

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.fixture
def panes() -> Iterator[Panes]:
    server = Panes()
    yield server
    server.close()


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def hostile_config(folder: Path) -> Path:
    roster = folder / "team.toml"
    roster.write_text(
        f'[[people]]\nid = "ana"\nname = {json.dumps(HOSTILE_NAME)}\ntimezone = "Europe/Lisbon"\n'
        f"role = {json.dumps('ML eng' + RETITLE)}\n",
        encoding="utf-8",
    )
    okrs = folder / "okrs.toml"
    okrs.write_text(
        'period = "2026-Q4"\nstart = 2026-10-01\nend = 2026-12-31\n[[objectives]]\nid = "o1"\n'
        f'title = {json.dumps(HOSTILE_TITLE)}\n[[objectives.key_results]]\nid = "k1"\n'
        'title = "AUC"\ntarget = 0.95\ncurrent = 0.9\nstart = 0.8\n',
        encoding="utf-8",
    )
    store = folder / "cache.sqlite"
    config = folder / "cockpit.toml"
    config.write_text(
        f'[cockpit]\nstore = "{store}"\n\n[sources.team]\nkind = "roster-file"\n'
        f'path = "{roster}"\n\n[sources.okrs]\nkind = "okr-file"\npath = "{okrs}"\n',
        encoding="utf-8",
    )
    # The cache an older cockpit left: the same files, stored without any cleaning.
    now = datetime.now(UTC)
    person = Person("ana", HOSTILE_NAME, "Europe/Lisbon", role="ML eng" + RETITLE)
    kr = KeyResult("k1", "AUC", start=0.8, target=0.95, current=0.9)
    objective = Objective("o1", HOSTILE_TITLE, period="2026-Q4", key_results=(kr,))
    okr_data = OkrData("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), (objective,))
    cache = Store(store)
    cache.write_snapshot(Snapshot(team=TeamData((person,))), SyncAttempt("team", now, now, "ok"))
    cache.write_snapshot(Snapshot(okrs=okr_data), SyncAttempt("okrs", now, now, "ok"))
    return config


def test_tmux_takes_titles_from_programs(panes: Panes) -> None:
    """The check below means something only if a title sequence does change the pane title."""
    term = panes.run("printf '\\033]0;pwned\\007'")
    if not wait_until(lambda: panes.title(term) == "pwned", timeout=5):
        pytest.skip("this tmux ignores title sequences")


def test_a_hostile_roster_name_does_not_retitle_the_terminal(panes: Panes, tmp_path: Path) -> None:
    config = hostile_config(tmp_path)
    before = panes.run("sleep 30")
    untouched = panes.title(before)
    assert "pwned" not in untouched

    status = panes.run(f"{sys.executable} -m cockpit status --config {config}")
    screen = status.wait_for("Sources")
    assert panes.title(status) == untouched
    assert "Ship the model" in screen and "pwned" not in screen

    tui = panes.run(f"{sys.executable} -m cockpit --config {config}")
    tui.wait_for("working now")  # the first paint, from the cache
    synced = Store(tmp_path / "cache.sqlite")
    assert wait_until(lambda: len(synced.attempts("team")) >= 2)  # then the TUI reads the file
    time.sleep(0.5)  # and repaints from it
    assert panes.title(tui) == untouched
    screen = tui.screen()
    assert "Ana Silva" in screen and "Ship the model" in screen and "pwned" not in screen
    tui.press("5", "Enter")  # the Team panel's own screen
    tui.wait_for("esc Back")
    assert panes.title(tui) == untouched
    assert "pwned" not in tui.screen()
    tui.press("q")
