"""What the crash tests share: the forking launcher, the workspaces of each source kind in two
variants, and how a store is looked at after a kill."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from cockpit.store import Store
from tests.conftest import FROZEN_NOW

ROOT = Path(__file__).resolve().parents[2]


def child_env(tmp: Path) -> dict[str, str]:
    """What every sync process gets: no keyring, logs in the test's folder, UTC."""
    return {
        "COCKPIT_LOG_DIR": str(tmp / "logs"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "TZ": "UTC",
    }


class Zygote:
    """`tests/crash/zygote.py` in a subprocess: forks one `cockpit sync` per request."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
        env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash.zygote"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def spawn(
        self, argv: list[str], env: dict[str, str], *, frozen: bool = True, **options: str
    ) -> tuple[int, float]:
        """Start a sync (at FROZEN_NOW unless not `frozen`); returns its pid and the monotonic
        moment it was asked for."""
        assert self.process.stdin is not None and self.process.stdout is not None
        began = time.monotonic()
        now = FROZEN_NOW.isoformat() if frozen else None
        request = {"argv": argv, "now": now, "env": env, **options}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["pid"], began

    def wait(self) -> int:
        """The exit status of the last child: its code, or minus the signal that ended it."""
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())["status"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@dataclass
class Rig:
    """One source kind, in two variants whose snapshots differ."""

    kind: str
    block: Callable[[int], str]  # the [sources.NAME] body of variant 0 or 1
    env: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.kind

    def write_config(self, folder: Path, store: Path, variant: int) -> Path:
        config = folder / f"{store.stem}.toml"
        text = f'[cockpit]\nstore = "{store}"\n\n[sources.{self.source}]\n{self.block(variant)}'
        # Written whole and renamed: a sync starting meanwhile reads one variant or the other.
        partial = config.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(config)
        return config


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return " ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def snapshot_count(path: Path, source: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM snapshots WHERE source = ?", (source,)
        ).fetchone()[0]


def latest_bytes(path: Path, source: str) -> bytes | None:
    """The whole latest snapshot (runs and cost roll-ups included), read by a new Store as the
    next cockpit would, in a canonical encoding to compare with."""
    stored = Store(path).latest(source, with_runs=True, with_cost_rows=True)
    if stored is None:
        return None
    return msgspec.msgpack.encode(stored.snapshot)
