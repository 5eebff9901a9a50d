"""A damaged, newer or read-only cache, as every entry point meets it.

Each command is run as the user runs it (a subprocess), because the TUI's failure was a
traceback printed from inside the app, with exit code 0.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from cockpit.cli import EXIT_ERROR, EXIT_OK, main
from cockpit.store import STORE_SCHEMA_VERSION
from tests.cockpit.test_cli import ROSTER, run


def damaged(path: Path) -> str:
    path.write_bytes(random.Random(6).randbytes(4096))
    return "is damaged or is not a cockpit cache"


def newer(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION + 1}")
    return "was written by a newer cockpit"


def write_config(tmp_path: Path, store: Path) -> Path:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{store}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n',
        encoding="utf-8",
    )
    return config


ENTRY_POINTS = {
    "tui": [],
    "demo": ["demo", "--still"],
    "status": ["status"],
    "sync": ["sync"],
    "export": ["export"],
    "screenshot": ["screenshot"],
    "doctor": ["doctor"],
}


# The entry points that write (sync, and the TUI's start) set a damaged cache aside and rebuild
# it instead (tests/crash/test_store_versions.py); every other one only looks and says so.
SETS_ASIDE = {"tui", "demo", "sync"}


@pytest.mark.parametrize(
    ("entry", "breakage"),
    [(entry, newer) for entry in ENTRY_POINTS]
    + [(entry, damaged) for entry in ENTRY_POINTS if entry not in SETS_ASIDE],
    ids=[f"{entry}-newer" for entry in ENTRY_POINTS]
    + [f"{entry}-damaged" for entry in ENTRY_POINTS if entry not in SETS_ASIDE],
)
def test_every_entry_point_says_the_same_clear_line(tmp_path: Path, entry: str, breakage) -> None:
    store = tmp_path / "cache.sqlite"
    problem = breakage(store)
    before = store.read_bytes()
    argv = list(ENTRY_POINTS[entry])
    if entry == "demo":
        argv += ["--store", str(store)]
    else:
        argv += ["--config", str(write_config(tmp_path, store))]
    if entry == "screenshot":
        argv += ["-o", str(tmp_path / "shot.svg")]
    result = run(*argv)
    output = result.stdout + result.stderr
    assert result.returncode != EXIT_OK, output
    assert "Traceback" not in output and "│" not in output
    assert problem in output and str(store) in output
    if breakage is damaged:
        assert "the next `cockpit sync` sets it aside" in output
    if entry == "doctor":
        assert "FAIL  cache" in result.stdout
    else:
        assert result.stderr.startswith("cockpit: the cache ")
        assert len(result.stderr.splitlines()) == 1
    assert store.read_bytes() == before  # never "repaired" behind the user's back
    assert not (tmp_path / "shot.svg").exists()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = write_config(tmp_path, tmp_path / "cache" / "cache.sqlite")
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    return config


def test_doctor_does_not_create_the_cache(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == EXIT_OK
    assert "does not exist yet; `cockpit sync` creates it" in capsys.readouterr().out
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("breakage", "advice"),
    [(damaged, "the next `cockpit sync` sets it aside"), (newer, "upgrade cockpit")],
    ids=["damaged", "newer"],
)
def test_doctor_advice_fits_the_cause(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage, advice: str
) -> None:
    store = tmp_path / "cache" / "cache.sqlite"
    store.parent.mkdir()
    breakage(store)
    assert main(["doctor"]) == EXIT_ERROR
    out = capsys.readouterr().out
    fix = next(line for line in out.splitlines() if "fix:" in line and "cache" not in line[:10])
    assert advice in fix
    assert "chmod" not in out


# Root ignores file permissions, and the tests run as root: a `chmod 444` cache would still
# be writable here. So the store is made to *see* a read-only file (its writability check is
# patched), and the real read-only path runs: SQLite's `mode=ro`, which refuses every write
# whoever asks. See tests/cockpit/test_store.py for the store-level proofs.


@pytest.fixture
def read_only_cache(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assert main(["sync"]) == EXIT_OK
    store = tmp_path / "cache" / "cache.sqlite"
    monkeypatch.setattr("cockpit.store._writable", lambda path: path != store)
    return store


def test_a_read_only_cache_is_shown(
    read_only_cache: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capsys.readouterr()
    assert main(["status"]) == EXIT_OK
    assert "across 1 time zone" in capsys.readouterr().out
    assert main(["export", "-o", str(tmp_path / "week.md")]) == EXIT_OK
    assert "Traceback" not in capsys.readouterr().err


def test_syncing_into_a_read_only_cache_names_the_file_and_the_cause(
    read_only_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["sync"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"cockpit: cannot write to the cache {read_only_cache}")
    assert "read-only" in err and "(permissions)" in err and f"chmod u+w {read_only_cache}" in err


def test_doctor_on_a_read_only_cache_advises_permissions_not_deleting(
    read_only_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["doctor"])
    out = capsys.readouterr().out
    assert "warn  cache" in out and "read-only for this user" in out
    assert "fix its permissions" in out
    assert "delete" not in out and "move it aside" not in out and "sets it aside" not in out
