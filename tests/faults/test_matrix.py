"""The fault matrix: every network source × every way a network or a server lets a user down.

Each source syncs through `cockpit sync` itself (`cockpit.cli.main`, in this process: the
config, the logging setup, the engine, every source at once as the command runs them) with a
deadline of `DEADLINE` seconds set in the config. The sources reach their servers through a
`FaultProxy` each (`tests/faults/proxy.py`), so a fault is switched on for every source at once:
one sync per fault, and each source's cell is read from it. Per cell:

* no exception escapes the command, which exits 3 (some sources failed, data kept);
* the source's last good snapshot is the same row, byte for byte (payload, runs, cost rows);
* `cockpit status --json` gives the source an error in words (no traceback, no library or
  errno noise, no credential) that names what happened;
* nothing reaches stderr (library log lines go to the log file);
* the source ended within its deadline (+ a margin), and so did the whole command;
* the next sync, the fault cleared, succeeds.

With `COCKPIT_WRITE_RELIABILITY=1` the module writes the results to `docs/reliability.md`
(`scripts/reliability.sh`); a plain test run never touches the tree.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fakes.fault_server import Reply
from tests.faults.proxy import FaultProxy
from tests.faults.report import write_reliability
from tests.faults.scripted import AnyPathServer
from tests.faults.sources import Rig, network_sources, now_utc

DEADLINE = 3.0  # seconds, each source's `deadline` in the config
MARGIN = 2.0  # what a slow machine may add to a deadline before we call it a hang
ROOT = Path(__file__).resolve().parents[2]
WRITE_ENV = "COCKPIT_WRITE_RELIABILITY"

# What a user must not be shown: library and OS internals, tracebacks, object reprs.
NOISE = re.compile(
    r"Traceback|File \"|httpx|urllib3|requests\.|botocore|boto3|\bErrno\b|errno|"
    r"\w+(Error|Exception)\b|<[\w.]+ object|0x[0-9a-f]{6,}|HTTPConnectionPool|Max retries",
)


@dataclass(frozen=True)
class Fault:
    key: str
    label: str  # the fault, for the table
    means: str  # what the status must say happened, in the table's words
    expect: str  # a regex the status's error must match
    tcp: Callable[[FaultProxy], None] | None = None  # a fault of the connection
    reply: Reply | None = None  # or an HTTP answer every request gets instead


GARBLED = b'{"data": [{"id": 1, "name": "tr'
FAULTS = [
    Fault("connect-timeout", "connect timeout (SYN dropped)", "timeout",
          r"deadline|in time|timed out", tcp=FaultProxy.stall_connects),
    Fault("refused", "connection refused", "refused", r"refused",
          tcp=FaultProxy.refuse),
    Fault("reset", "connection reset mid-request", "connection dropped",
          r"reset|dropped|closed the connection", tcp=lambda p: p.set(reset=True)),
    Fault("http-500", "HTTP 500", "server error", r"server failed|server error|\(500\)",
          reply=Reply.json({"message": "internal error"}, 500)),
    Fault("http-429", "HTTP 429, Retry-After: 1", "rate limited", r"rate limit",
          reply=Reply.json({"message": "slow down"}, 429, {"Retry-After": "1"})),
    Fault("http-429-long", "HTTP 429, Retry-After: 60", "rate limited",
          r"rate limit",
          reply=Reply.json({"message": "slow down"}, 429, {"Retry-After": "60"})),
    Fault("http-401", "HTTP 401", "sign-in rejected", r"rejected|refused|asks for credentials",
          reply=Reply.json({"message": "unauthorized"}, 401)),
    Fault("malformed-json", "malformed JSON", "bad answer",
          r"not (valid )?JSON|could not be read",
          reply=Reply(200, GARBLED, {"Content-Type": "application/json"})),
    Fault("truncated", "body cut short", "connection dropped",
          r"dropped|cut short|incomplete",
          reply=Reply(200, GARBLED, {"Content-Type": "application/json",
                                     "Content-Length": "4096"})),
    Fault("trickle", "slow trickle (1 byte / 0.25 s)", "timeout", r"deadline|in time",
          tcp=lambda p: p.set(trickle=0.25)),
    Fault("blackhole", "blackhole (accepts, never answers)", "timeout",
          r"deadline|in time", tcp=lambda p: p.set(blackhole=True)),
]  # fmt: skip
SOURCE_NAMES = ["jira-cloud", "jira-dc", "mlflow", "wandb", "aws", "opencost", "azure", "okrs"]

# Sources that do not read JSON: a garbled answer is a mistake in their file, not bad JSON.
EXPECT_INSTEAD = {
    ("okrs", "malformed-json"): r"line \d+|not valid|cannot read",
}


@dataclass
class Cell:
    source: str
    fault: str
    status: str = ""  # the sync's word for the source: ok, failed, held
    seconds: float = 0.0
    sync_line: str = ""
    shown: str = ""  # the error `cockpit status` shows for the source
    state: str = ""
    kept: bool = False
    recovered: bool = False
    recovery: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one faulty sync did: the command's exit, output and wall time, and the cells."""

    code: int | str
    out: str
    err: str
    wall: float
    cells: dict[str, Cell]


class World:
    def __init__(self, rigs: list[Rig], folder: Path) -> None:
        self.rigs = rigs
        self.folder = folder
        self.config = folder / "config.toml"
        self.store = folder / "cache.sqlite"
        self.config.write_text(
            f'[cockpit]\nstore = "{self.store}"\n\n'
            + "".join(f"[sources.{rig.name}]\n{rig.block}deadline = {DEADLINE}\n\n" for rig in rigs)
        )
        self.runs: dict[str, Run] = {}
        self.baseline: tuple[int | str, str, str] | None = None

    def cli(self, *args: str) -> tuple[int | str, str, str]:
        """`cockpit ARGS` in this process; (exit code or what escaped, stdout, stderr)."""
        from cockpit.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: int | str = main(["--config", str(self.config), *args])
            except BaseException as exc:  # noqa: BLE001 - exactly what the matrix looks for
                code = f"escaped: {type(exc).__name__}: {exc}"
        return code, out.getvalue(), err.getvalue()

    def ensure_baseline(self) -> None:
        if self.baseline is None:
            self.baseline = self.cli("sync")
        code, out, err = self.baseline
        assert code == 0, f"the first sync, with no fault, did not succeed:\n{out}\n{err}"

    def run(self, fault: Fault) -> Run:
        if fault.key not in self.runs:
            self.ensure_baseline()
            self.runs[fault.key] = self._run(fault)
        return self.runs[fault.key]

    def _run(self, fault: Fault) -> Run:
        before = fingerprints(self.store)
        with contextlib.ExitStack() as stack:
            if fault.reply is not None:
                scripted = stack.enter_context(AnyPathServer(fault.reply))
            for rig in self.rigs:
                if fault.tcp is not None:
                    fault.tcp(rig.proxy)
                else:
                    rig.proxy.upstream = scripted.address
            began = time.monotonic()
            code, out, err = self.cli("sync")
            wall = time.monotonic() - began
            _, status_out, status_err = self.cli("status", "--json")
            after = fingerprints(self.store)
            for rig in self.rigs:
                rig.proxy.clear()
                rig.proxy.upstream = rig.home
        recovered_code, recovered_out, _ = self.cli("sync")
        synced, recovered = sync_lines(out), sync_lines(recovered_out)
        shown = {s["name"]: s for s in json.loads(status_out)["sources"]} if status_out else {}
        cells = {}
        for rig in self.rigs:
            cell = Cell(rig.name, fault.key)
            line = synced.get(rig.name, {})
            cell.status, cell.sync_line = line.get("status", "?"), line.get("line", "")
            cell.seconds = float(line.get("seconds", "nan"))
            entry = shown.get(rig.name, {})
            cell.shown, cell.state = entry.get("error") or "", entry.get("state", "?")
            cell.kept = before.get(rig.name) is not None and before.get(rig.name) == after.get(
                rig.name
            )
            again = recovered.get(rig.name, {})
            cell.recovered = again.get("status") == "ok"
            cell.recovery = again.get("line", "")
            cell.problems = judge(cell, rig, fault, code, err + status_err, wall)
            cells[rig.name] = cell
        del recovered_code
        return Run(code, out, err, wall, cells)


def judge(cell: Cell, rig: Rig, fault: Fault, code: int | str, err: str, wall: float) -> list[str]:
    """Everything wrong with one cell, in words."""
    problems = []
    if not isinstance(code, int):
        problems.append(f"the command did not return: {code}")
    elif code != 3:
        problems.append(f"`cockpit sync` exited {code}, not 3 (some sources failed)")
    if cell.status != "failed":
        problems.append(f"the sync says {cell.status!r} for the source: {cell.sync_line!r}")
    if not cell.kept:
        problems.append("the last good snapshot changed or is gone")
    if not cell.shown:
        problems.append(f"`cockpit status` shows no error for the source (state {cell.state})")
    expect = EXPECT_INSTEAD.get((rig.name, fault.key), fault.expect)
    if not re.search(expect, cell.shown, re.IGNORECASE):
        problems.append(f"the status does not say {fault.means!r}: {cell.shown!r}")
    if noise := NOISE.search(cell.shown):
        problems.append(f"the status shows {noise.group(0)!r}: {cell.shown!r}")
    for secret in rig.secrets:
        if secret in cell.shown or secret in cell.sync_line:
            problems.append("a credential is shown")
    if err.strip():
        problems.append(f"stderr is not empty: {err.strip()[:300]!r}")
    if not cell.seconds <= DEADLINE + MARGIN:
        problems.append(f"the source took {cell.seconds:.1f}s, past its {DEADLINE:g}s deadline")
    if wall > DEADLINE + MARGIN + 3.0:
        problems.append(f"`cockpit sync` took {wall:.1f}s in all")
    if not cell.recovered:
        problems.append(f"the next sync, without the fault, did not succeed: {cell.recovery!r}")
    return problems


_LINE = re.compile(
    r"^(?P<name>\S+)\s+(?P<status>ok|failed|held|offline)\s+(?P<seconds>[\d.]+)s(?P<rest>.*)$"
)


def sync_lines(out: str) -> dict[str, dict[str, str]]:
    """`cockpit sync`'s result lines by source."""
    found = {}
    for line in out.splitlines():
        if match := _LINE.match(line):
            found[match["name"]] = {**match.groupdict(), "line": line}
    return found


def fingerprints(store: Path) -> dict[str, str]:
    """Each source's newest snapshot, as bytes: its row, and the runs and cost rows it links."""
    found: dict[str, str] = {}
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT s.id, s.source, s.taken_at, s.schema_version, s.payload, s.runs_order"
            " FROM snapshots s WHERE s.id = (SELECT MAX(id) FROM snapshots t"
            " WHERE t.source = s.source)"
        ).fetchall()
        for snap_id, source, *columns in rows:
            digest = hashlib.sha256(repr((snap_id, *columns)).encode())
            for (chunk,) in db.execute(
                "SELECT c.payload FROM snapshot_runs r JOIN run_chunks c ON c.digest = r.digest"
                " WHERE r.snapshot_id = ? ORDER BY r.position",
                (snap_id,),
            ):
                digest.update(chunk)
            for (rows_blob,) in db.execute(
                "SELECT c.payload FROM snapshot_cost s JOIN cost_rows c ON c.digest = s.digest"
                " WHERE s.snapshot_id = ?",
                (snap_id,),
            ):
                digest.update(rows_blob)
            found[source] = digest.hexdigest()
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("faults")
    with pytest.MonkeyPatch.context() as env, network_sources(now_utc()) as rigs:
        for name in list(os.environ):
            if name.startswith(("COCKPIT_", "AWS_")):
                env.delenv(name)
        env.setenv("COCKPIT_LOG_DIR", str(folder / "logs"))
        env.setenv("AWS_CONFIG_FILE", str(folder / "aws-config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "aws-credentials"))
        for rig in rigs:
            for name, value in rig.env.items():
                env.setenv(name, value)
        assert [rig.name for rig in rigs] == SOURCE_NAMES
        world = World(rigs, folder)
        yield world
    if os.environ.get(WRITE_ENV) == "1" and len(world.runs) == len(FAULTS):
        write_reliability(
            ROOT / "docs" / "reliability.md",
            rigs=[(rig.name, rig.label) for rig in rigs],
            faults=[(f.key, f.label, f.means) for f in FAULTS],
            runs=world.runs,
            deadline=DEADLINE,
            margin=MARGIN,
        )


@pytest.mark.parametrize("source", SOURCE_NAMES)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.key for f in FAULTS])
def test_a_source_survives_a_fault_and_recovers(world: World, fault: Fault, source: str) -> None:
    run = world.run(fault)
    cell = run.cells[source]
    assert not cell.problems, (
        f"{source} × {fault.label}:\n- " + "\n- ".join(cell.problems) + f"\n\nsync:\n{run.out}"
    )
