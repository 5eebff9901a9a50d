"""Caches written by older cockpits migrate forward and read; a newer cockpit's cache is refused
and never changed; a damaged one is set aside (renamed, kept byte for byte) and rebuilt by the
next sync, while the commands that only read say so and leave it alone.

Older caches are built here, not kept as fixture files: the schema of version k is
`_MIGRATIONS[:k]`, and its snapshot is written as that version wrote it (everything inside the
payload at 1, runs apart from 2 on, cost roll-ups apart from 4 on), by hand-written SQL that
follows the migrations' comments and `docs/architecture.md`.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from cockpit.cli import EXIT_OK, main
from cockpit.codec import compress_chunk, encode_cost_rows, encode_runs, encode_snapshot
from cockpit.models import Snapshot
from cockpit.store import (
    _MIGRATIONS,
    RECORD_SCHEMA_VERSION,
    STORE_SCHEMA_VERSION,
    Store,
    StoreError,
    _stamp,
    split_runs,
    without_cost_rows,
    without_runs,
)
from integrations.demo import DemoSource
from tests.conftest import FROZEN_NOW

# --- older schema versions ----------------------------------------------------------------


def demo_snapshot() -> Snapshot:
    """A snapshot with every kind of record: runs, cost roll-ups, issues, people, objectives."""
    from cockpit.analytics.experiments import digest_experiments

    snapshot = DemoSource("demo", seed=7).snapshot_at(FROZEN_NOW)
    assert snapshot.experiments is not None and snapshot.experiments.runs
    assert snapshot.cost is not None and snapshot.cost.rows
    experiments = digest_experiments(snapshot.experiments, FROZEN_NOW)
    return msgspec.structs.replace(snapshot, experiments=experiments)


def build_old_cache(path: Path, version: int, snapshot: Snapshot) -> None:
    """A cache at schema `version` holding `snapshot` for source "demo", as that version wrote
    it, and one sync_log row."""
    runs = snapshot.experiments.runs if snapshot.experiments else ()
    rows = snapshot.cost.rows if snapshot.cost else ()
    kept = snapshot
    if version >= 2:
        kept = without_runs(kept)
    if version >= 4:
        kept = without_cost_rows(kept)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for script in _MIGRATIONS[:version]:
            conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {version}")
        stamp = _stamp(FROZEN_NOW)
        cursor = conn.execute(
            "INSERT INTO snapshots (source, taken_at, schema_version, payload) VALUES (?, ?, ?, ?)",
            ("demo", stamp, RECORD_SCHEMA_VERSION, encode_snapshot(kept)),
        )
        snapshot_id = cursor.lastrowid
        if version >= 2:
            chunks, order = split_runs(runs)
            assert order is None or version >= 2
            for position, chunk in enumerate(chunks):
                raw = encode_runs(chunk)
                digest = hashlib.blake2b(raw, digest_size=20).digest()
                conn.execute(
                    "INSERT OR IGNORE INTO run_chunks (digest, runs, raw_size, payload)"
                    " VALUES (?, ?, ?, ?)",
                    (digest, len(chunk), len(raw), compress_chunk(raw)),
                )
                conn.execute(
                    "INSERT INTO snapshot_runs (snapshot_id, position, digest) VALUES (?, ?, ?)",
                    (snapshot_id, position, digest),
                )
            if order is not None:
                from cockpit.codec import encode_run_order

                conn.execute(
                    "UPDATE snapshots SET runs_order = ? WHERE id = ?",
                    (encode_run_order(order), snapshot_id),
                )
        if version >= 4:
            raw = encode_cost_rows(rows)
            digest = hashlib.blake2b(raw, digest_size=20).digest()
            conn.execute(
                "INSERT INTO cost_rows (digest, rows, raw_size, payload) VALUES (?, ?, ?, ?)",
                (digest, len(rows), len(raw), compress_chunk(raw)),
            )
            conn.execute(
                "INSERT INTO snapshot_cost (snapshot_id, digest) VALUES (?, ?)",
                (snapshot_id, digest),
            )
        conn.execute(
            "INSERT INTO sync_log (source, started_at, finished_at, status) VALUES (?, ?, ?, 'ok')",
            ("demo", stamp, stamp),
        )


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.parametrize("version", range(1, STORE_SCHEMA_VERSION))
def test_an_older_cache_migrates_forward_and_its_data_reads(tmp_path: Path, version: int) -> None:
    path = tmp_path / "cache.sqlite"
    snapshot = demo_snapshot()
    build_old_cache(path, version, snapshot)

    store = Store(path)
    stored = store.latest("demo", with_runs=True, with_cost_rows=True)
    assert stored is not None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == STORE_SCHEMA_VERSION
    assert integrity(path) == "ok"
    got = stored.snapshot
    assert got.experiments is not None and snapshot.experiments is not None
    assert got.experiments.runs == snapshot.experiments.runs
    assert got.cost is not None and snapshot.cost is not None
    assert got.cost.rows == snapshot.cost.rows
    assert (got.sprint, got.team, got.okrs) == (snapshot.sprint, snapshot.team, snapshot.okrs)
    assert store.last_attempts()["demo"].status == "ok"

    # The migrated cache takes new syncs, and the old snapshot stays in the history.
    from cockpit.store import SyncAttempt

    later = FROZEN_NOW + timedelta(minutes=15)
    store.write_snapshot(snapshot, SyncAttempt("demo", later, later, "ok"))
    history = Store(path).history("demo", FROZEN_NOW - timedelta(days=1), with_runs=True)
    assert [h.taken_at for h in history] == [FROZEN_NOW, later]
    assert all(h.snapshot.experiments.runs == snapshot.experiments.runs for h in history)  # type: ignore[union-attr]


def test_a_json_payload_of_the_first_versions_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    team = demo_snapshot().team
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.executescript(_MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO snapshots (source, taken_at, schema_version, payload) VALUES (?, ?, ?, ?)",
            (
                "team",
                _stamp(FROZEN_NOW),
                RECORD_SCHEMA_VERSION,
                b"J" + msgspec.json.encode(Snapshot(team=team)),
            ),
        )
    stored = Store(path).latest("team")
    assert stored is not None and stored.snapshot.team == team


# --- a newer cockpit's cache --------------------------------------------------------------


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ROSTER = '[[people]]\nid = "ana"\nname = "Ana"\ntimezone = "Europe/Lisbon"\n'


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n\n'
        '[sources.demo]\nkind = "demo"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(path))
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(tmp_path / "logs"))
    return path


def synced_cache(tmp_path: Path, times: int = 1) -> Path:
    for _ in range(times):
        assert main(["sync"]) == EXIT_OK
    path = tmp_path / "cache.sqlite"
    with sqlite3.connect(path) as conn:  # everything into the main file, as after a quiet spell
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_a_newer_cache_is_refused_by_every_command_and_never_changed(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = synced_cache(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 1}")
    before = digest_of(path)
    capsys.readouterr()
    for argv in (["sync"], ["status"], ["export", "-o", str(tmp_path / "w.md")], ["doctor"]):
        assert main(argv) != EXIT_OK, argv
        printed = capsys.readouterr()
        assert "was written by a newer cockpit" in printed.out + printed.err, argv
        assert "upgrade cockpit" in printed.out + printed.err, argv
        assert digest_of(path) == before, argv
    assert not list(tmp_path.glob("cache.sqlite.damaged-*"))
    with pytest.raises(StoreError) as caught:
        Store(path).check(thorough=True)
    assert caught.value.cause == "newer"
    assert digest_of(path) == before


# --- a damaged cache ----------------------------------------------------------------------


def garbage(path: Path) -> None:
    path.write_bytes(random.Random(13).randbytes(path.stat().st_size))


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def page_overwritten(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4
    data = bytearray(path.read_bytes())
    page = 2  # the third page: the schema's first table's root, always read
    data[page * page_size : (page + 1) * page_size] = random.Random(5).randbytes(page_size)
    path.write_bytes(bytes(data))


BREAKAGES = [garbage, truncated, page_overwritten]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_sync_sets_a_damaged_cache_aside_and_rebuilds_it(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage
) -> None:
    path = synced_cache(tmp_path, times=2)
    breakage(path)
    damaged_bytes = path.read_bytes()
    capsys.readouterr()

    assert main(["sync"]) == EXIT_OK
    printed = capsys.readouterr()
    (kept,) = tmp_path.glob("cache.sqlite.damaged-*")
    assert kept.read_bytes() == damaged_bytes  # kept, byte for byte
    assert kept.name.startswith("cache.sqlite.damaged-2")
    (notice,) = [line for line in printed.err.splitlines() if "set aside" in line]
    assert notice.startswith(f"cockpit: the cache {path} is damaged")
    assert f"it was set aside as {kept} (kept, not deleted)" in notice
    assert "Traceback" not in printed.out + printed.err
    assert "team  " in printed.out and "demo  " in printed.out

    assert integrity(path) == "ok"
    store = Store(path)
    assert set(store.latest_all()) == {"team", "demo"}

    # Rebuilt: the next sync has nothing to say about damage, and nothing more is set aside.
    assert main(["sync"]) == EXIT_OK
    assert "set aside" not in capsys.readouterr().err
    assert len(list(tmp_path.glob("cache.sqlite.damaged-*"))) == 1


@pytest.mark.parametrize("breakage", BREAKAGES)
@pytest.mark.parametrize("command", ["status", "export"])
def test_read_only_commands_say_the_cache_is_damaged_and_leave_it(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage, command: str
) -> None:
    path = synced_cache(tmp_path, times=2)
    breakage(path)
    before = digest_of(path)
    capsys.readouterr()
    argv = [command] + (["-o", str(tmp_path / "week.md")] if command == "export" else [])
    assert main(argv) != EXIT_OK
    err = capsys.readouterr().err
    assert err.startswith(f"cockpit: the cache {path} is damaged")
    assert "the next `cockpit sync` sets it aside" in err and "rebuilds it" in err
    assert len(err.splitlines()) == 1
    assert digest_of(path) == before
    assert not list(tmp_path.glob("cache.sqlite.damaged-*"))
    assert not (tmp_path / "week.md").exists()


@pytest.mark.parametrize("breakage", [garbage, truncated])
def test_the_tui_start_sets_a_damaged_cache_aside(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    breakage,
) -> None:
    path = synced_cache(tmp_path)
    breakage(path)
    damaged_bytes = path.read_bytes()
    started = []

    def run_app(workspace, clock, **options) -> int:
        started.append(options["initial"])
        return 0

    monkeypatch.setattr("cockpit.app.run_app", run_app)
    capsys.readouterr()
    assert main([]) == EXIT_OK
    err = capsys.readouterr().err
    (kept,) = tmp_path.glob("cache.sqlite.damaged-*")
    assert kept.read_bytes() == damaged_bytes
    assert f"it was set aside as {kept}" in err
    assert len(started) == 1  # the app starts, on the new cache, and its first sync fills it
    assert integrity(path) == "ok"


def test_the_demo_with_a_kept_store_sets_a_damaged_one_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.sqlite"
    path.write_bytes(random.Random(3).randbytes(8192))
    monkeypatch.setattr("cockpit.app.run_app", lambda *a, **k: 0)
    assert main(["demo", "--still", "--store", str(path)]) == EXIT_OK
    (kept,) = tmp_path.glob("demo.sqlite.damaged-*")
    assert kept.read_bytes() == random.Random(3).randbytes(8192)
    assert f"set aside as {kept}" in capsys.readouterr().err


def test_a_newer_cache_is_not_set_aside_by_the_tui(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = synced_cache(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 1}")
    before = digest_of(path)
    monkeypatch.setattr("cockpit.app.run_app", lambda *a, **k: pytest.fail("app started"))
    assert main([]) != EXIT_OK
    assert "newer cockpit" in capsys.readouterr().err
    assert digest_of(path) == before
    assert not list(tmp_path.glob("cache.sqlite.damaged-*"))


def test_set_aside_takes_the_wal_with_it_and_never_overwrites_an_earlier_one(
    tmp_path: Path,
) -> None:
    """Left beside a new file, a damaged cache's WAL would be replayed into it."""
    path = tmp_path / "cache.sqlite"
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (tmp_path / name).write_bytes(name.encode())
    store = Store(path)
    first = store.set_aside(FROZEN_NOW)
    assert first.name == "cache.sqlite.damaged-20261123T093000Z"
    assert (tmp_path / f"{first.name}-wal").read_bytes() == b"cache.sqlite-wal"
    assert not (tmp_path / "cache.sqlite-wal").exists() and not path.exists()
    path.write_bytes(b"again")
    second = store.set_aside(FROZEN_NOW)
    assert second != first and first.read_bytes() == b"cache.sqlite"
    assert second.read_bytes() == b"again"
