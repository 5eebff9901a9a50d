"""Two cockpits on one store: a TUI (its workers sync one source at a time and read the
dashboard and every run in between) and `cockpit sync` from cron, at the same time, over
sources they share and sources only one of them syncs. The store is never corrupted, no
successful sync is lost, and a busy store is waited for, never reported as "database is
locked"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.crash.harness import ROOT, Zygote, child_env, integrity

# What the TUI's workers do, in a process of its own: sync a source (`Workspace.sync_job`,
# as the app's refresh does), then build the dashboard and read every run (the leaderboard).
TUI_LIKE = """
import asyncio, json, sys
from cockpit.clock import SystemClock
from cockpit.workspace import open_user_workspace

workspace = open_user_workspace(sys.argv[1])
clock = SystemClock()
for _ in range(int(sys.argv[2])):
    for job in workspace.jobs(["demo", "team"]):
        outcome = asyncio.run(workspace.sync_job(job, clock))
        print(json.dumps([outcome.source, outcome.status, outcome.error]), flush=True)
        workspace.dashboard(clock.now())
        workspace.experiment_runs()
"""

ROUNDS_TUI = 8
ROUNDS_CRON = 8


def write_config(folder: Path) -> Path:
    (folder / "team.toml").write_text(
        (ROOT / "tests" / "fixtures" / "roster" / "team.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (folder / "okrs.toml").write_text(
        (ROOT / "tests" / "fixtures" / "okrs" / "okrs.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    config = folder / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{folder / "cache.sqlite"}"\n\n'
        '[sources.demo]\nkind = "demo"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n',
        encoding="utf-8",
    )
    return config


def test_a_tui_and_cron_sync_share_one_store(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")},
        **child_env(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    tui = subprocess.Popen(
        [sys.executable, "-c", TUI_LIKE, str(config), str(ROUNDS_TUI)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Cron: one `cockpit sync` process after another (of the shared source and its own, then
    # of everything), while the TUI works.
    zygote = Zygote()
    cron_out = tmp_path / "cron.txt"
    codes = []
    try:
        for round_ in range(ROUNDS_CRON):
            only = [] if round_ % 2 else ["--source", "team", "--source", "okrs"]
            argv = ["sync", "--config", str(config), *only]
            zygote.spawn(argv, child_env(tmp_path), frozen=False, output=str(cron_out))
            codes.append(zygote.wait())
            if round_ == ROUNDS_CRON // 2:
                assert tui.poll() is None, "the TUI finished first: the two did not overlap"
    finally:
        zygote.close()
    out, err = tui.communicate(timeout=300)
    assert tui.returncode == 0, err
    assert codes == [0] * ROUNDS_CRON, cron_out.read_text()

    printed = out + err + cron_out.read_text()
    assert "locked" not in printed and "busy" not in printed and "Traceback" not in printed

    ok: dict[str, int] = {}
    for line in out.splitlines():
        source, status, error = json.loads(line)
        assert status == "ok", error
        ok[source] = ok.get(source, 0) + 1
    for line in cron_out.read_text().splitlines():
        words = line.split()
        assert words[1] == "ok", line
        ok[words[0]] = ok.get(words[0], 0) + 1
    assert ok["team"] == ROUNDS_TUI + ROUNDS_CRON  # the shared source, synced by both

    store = tmp_path / "cache.sqlite"
    assert integrity(store) == "ok"
    with sqlite3.connect(store) as conn:
        kept = dict(conn.execute("SELECT source, COUNT(*) FROM snapshots GROUP BY source"))
        logged = dict(
            conn.execute(
                "SELECT source, COUNT(*) FROM sync_log WHERE status = 'ok' GROUP BY source"
            )
        )
    # Every successful attempt of either cockpit left its snapshot and its log row.
    assert kept == ok and logged == ok
