"""Every screen of `cockpit demo` in a real terminal: tmux runs it at 120×40, send-keys types what
a user would, and capture-pane reads what they would see after each step.

The walk: the dashboard; each panel (1-5) and its screen (Enter), every tab of every screen
(`cockpit.app.screen_tabs`); the filters of the sprint's issue table and of the leaderboard;
refresh; the weekly summary dialog; help; present mode (step, pause, the mask); quit.

The demo is live (its numbers move with the clock), so the checks read titles, tab names, column
headers and the demo's fixed names rather than amounts. Every wait is for text to appear, with a
generous timeout: the machine is shared, and a fixed sleep would be either flaky or slow.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.app import screen_tabs

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WAIT = 30.0  # seconds any one step may take to show on a loaded machine
MONEY = re.compile(r"\$\s?\d")
FILTER_FOCUSED = r"^ esc Back  / Filter\s"  # the footer while the filter box has the focus


class Terminal:
    """One tmux pane running the cockpit."""

    def __init__(self, tmux: list[str], session: str) -> None:
        self.tmux = tmux
        self.session = session

    def screen(self) -> str:
        """What the pane shows now (the visible rows only)."""
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.session],
            capture_output=True,
            text=True,
        ).stdout

    def until(
        self, done: Callable[[str], bool], what: str, timeout: float = WAIT, every: float = 0.1
    ) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if done(screen):
                return screen
            time.sleep(every)
        state = "running" if self.alive() else "ended"
        raise AssertionError(
            f"{what} within {timeout:g}s; the cockpit {state}; the screen:\n{screen}"
        )

    def wait_for(self, *texts: str, timeout: float = WAIT) -> str:
        """Wait until every one of `texts` is on the screen at once."""
        return self.until(lambda s: all(t in s for t in texts), f"{texts!r} did not show", timeout)

    def wait_gone(self, *texts: str) -> str:
        return self.until(lambda s: not any(t in s for t in texts), f"{texts!r} stayed")

    def wait_match(self, pattern: str) -> str:
        found = re.compile(pattern, re.MULTILINE)
        return self.until(lambda s: found.search(s) is not None, f"no match for {pattern!r}")

    def switch(self, key: str, *texts: str) -> str:
        """Press a tab key and wait for the tab's content. Once, under load, the first key
        after the cost screen opened was dropped while the screen settled its focus (an open
        issue): the key is pressed a second time if nothing came of the first."""
        self.press(key)
        try:
            return self.wait_for(*texts, timeout=10.0)
        except AssertionError:
            self.press(key)
            return self.wait_for(*texts)

    def press(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, "-l", text], check=True)

    def alive(self) -> bool:
        out = subprocess.run(
            [*self.tmux, "list-panes", "-t", self.session, "-F", "#{pane_dead}"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return out == "0"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Terminal]:
    """`cockpit demo` at 120×40 on a private tmux server, in a folder of its own (the export
    dialog offers a file there), with its store and log there too."""
    tmux = ["tmux", "-L", f"cockpit-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"]
    env = {
        "TERM": "xterm-256color",
        "TZ": "UTC",
        "COCKPIT_LOG_DIR": str(tmp_path / "logs"),
        # Started from inside pytest, the app measured 80×24 in this 120×40 pane (started from
        # a shell it measures 120×40): COLUMNS and LINES, which it reads first, pin the size.
        "COLUMNS": "120",
        "LINES": "40",
    }
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    store = shlex.quote(str(tmp_path / "demo.sqlite"))
    command = f"{assignments} {shlex.quote(sys.executable)} -m cockpit demo --store {store}"
    # An idle session keeps the server up, and a pane whose program ended stays readable.
    subprocess.run([*tmux, "new-session", "-d", "-s", "keepalive", "sleep 600"], check=True)
    try:
        subprocess.run([*tmux, "set-option", "-g", "remain-on-exit", "on"], check=True)
        subprocess.run(
            [*tmux, "new-session", "-d", "-s", "app", "-x", "120", "-y", "40",
             "-c", str(tmp_path), command],
            check=True,
        )  # fmt: skip
        yield Terminal(tmux, "app")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def tab_strip(*titles: str) -> str:
    """A screen's tabs as the tab bar draws them: two spaces apart."""
    return "  ".join(titles)


def test_every_panel_screen_tab_filter_dialog_and_present_mode(
    demo: Terminal, tmp_path: Path
) -> None:
    term = demo
    tabs = screen_tabs()

    # The dashboard: five panels, the status bar, the footer's keys.
    for title in ("Sprint", "Experiments", "OKRs", "Cost", "Team"):
        term.wait_for(f"─ {title} ─")
    term.wait_for("MLP Sprint 43", "demo fresh", "r Refresh", "q Quit")

    # 1: the sprint, its four tabs, and the issue table's filter.
    assert tabs["sprint"] == ("board", "issues", "velocity", "burndown")
    term.press("1", "Enter")
    term.wait_for("MLP Sprint 43  ML Platform board", tab_strip("Board", "Issues", "Velocity",
                  "Burndown"), "─ MLP-")  # fmt: skip
    term.switch("i", "Key        Summary", "Assignee")
    term.wait_match(r"^\s+\d+ issues · sorted by key")
    term.press("/")
    term.wait_match(FILTER_FOCUSED)  # keys typed before the box has the focus go to the table
    term.type("fraud")
    screen = term.wait_match(r"^\s+\d+ of \d+ issues · sorted by key")
    rows = [line for line in screen.splitlines() if re.match(r"^\s+(⚑ )?MLP-\d+ ", line)]
    assert rows and all(re.search("fraud", row, re.IGNORECASE) for row in rows), rows
    term.press("Escape")  # the filter keeps its text; the table takes the keys again
    term.wait_match(r"^ s Sort  S Reverse  esc Back")  # the table's keys in the footer
    term.switch("v", "of committed work completed")
    term.switch("d", "ideal", "Committed")
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # 2: the leaderboard, its three tabs, and its filter.
    assert tabs["experiments"] == ("runs", "history", "velocity")
    term.press("2", "Enter")
    term.wait_for("Leaderboard", tab_strip("Runs", "History", "Velocity"), "Experiment   Run")
    term.wait_match(r"\d+ runs in 3 experiments")
    term.wait_match(r"^\s+1 ranker-v3 ")  # best first: the ranker's best run leads
    term.press("/")
    term.wait_match(FILTER_FOCUSED)
    term.type("asr-finetune")
    screen = term.wait_match(r"^ \d+ of \d+ runs · sorted by value")
    rows = [line for line in screen.splitlines() if re.match(r"^\s{3,}(\d+|–) \S", line)]
    assert rows and all(" asr-finetune " in row for row in rows), rows
    term.press("Escape")
    term.wait_match(r"^ space Mark for chart")  # the run table's keys in the footer
    term.switch("c", "(eval_wer)", "step")  # the history chart of the filtered runs' best
    term.switch("v", "Runs per week", "week of")
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # 3: the OKRs and their two tabs.
    assert tabs["okrs"] == ("krs", "kpis")
    term.press("3", "Enter")
    term.wait_for(tab_strip("Key results", "KPIs"), "Objective", "O1.KR1")
    term.switch("2", "KPI ↑", "K1 p95 fraud-scoring latency")
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # 4: the cost screen and its five tabs.
    assert tabs["cost"] == ("breakdown", "daily", "anomalies", "experiments", "budgets")
    term.press("4", "Enter")
    term.wait_for(tab_strip("Breakdown", "Daily", "Anomalies", "Per experiment", "Budgets"),
                  "month to date", "Month to date ↓")  # fmt: skip
    for key, shown in (("2", "spent per day"), ("3", "Rule: A day is an anomaly"),
                       ("4", "$/point"), ("5", "Prov. spent")):  # fmt: skip
        term.switch(key, shown)
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # 5: the team screen and its five tabs.
    assert tabs["team"] == ("people", "overlap", "slots", "fairness", "handover")
    term.press("5", "Enter")
    term.wait_for(tab_strip("People", "Overlap", "Slot finder", "Fairness", "Handover"),
                  "Diego Alvarez")  # fmt: skip
    for key, shown in (("2", "a window needs the most people"), ("3", "Pick two people or more"),
                       ("4", "recorded meetings"), ("5", "Who carries the work")):  # fmt: skip
        term.switch(key, shown)
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # r: the demo syncs (the status bar shows it for a moment), then says fresh again.
    term.press("r")
    term.until(lambda s: "↻ demo" in s, "the status bar did not show the sync", every=0.01)
    term.wait_for("● demo fresh")

    # e: the weekly summary dialog, offering a file in the current folder; escape writes nothing.
    term.press("e")
    term.wait_for("Weekly summary", "Format", "Markdown (.md)", str(tmp_path / "weekly-"))
    term.press("Escape")
    term.wait_gone("Weekly summary")
    assert not list(tmp_path.glob("weekly-*")), "escape wrote the summary"

    # ?: the help panel lists the keys, the hidden ones too; ? again closes it.
    term.press("?")
    term.wait_for("Mask names and money", "Present mode", "Quit the app")
    term.press("?")
    term.wait_gone("Mask names and money")

    # p: present mode, one panel large; step, pause, jump to cost, mask and unmask.
    term.press("p")
    term.wait_for("S P R I N T", "1/5 Sprint", "MLP Sprint 43")
    term.press("Right")
    term.wait_for("E X P E R I M E N T S", "2/5 Experiments")
    term.press("Space")
    term.wait_for("PAUSED", "next: OKRs")
    term.press("4")
    screen = term.wait_for("C O S T", "4/5 Cost", "month to date")
    assert MONEY.search(screen), "the demo's cost panel shows no dollar amount to mask"
    term.press("m")
    screen = term.until(
        lambda s: "MASKED" in s and "% month to date" in s and not MONEY.search(s),
        "the masked cost panel still showed money, or no MASKED marker",
    )
    assert "PAUSED" in screen
    term.press("m")
    term.until(
        lambda s: MONEY.search(s) is not None and "MASKED" not in s and "month to date" in s,
        "unmasking did not bring the money back",
    )
    term.press("Escape")
    term.wait_for("─ Sprint ─", "─ Team ─")

    # q: quits, and leaves no traceback behind.
    term.press("q")
    term.until(lambda _: not term.alive(), "cockpit did not quit on q", timeout=15)
    assert "Traceback" not in term.screen()
