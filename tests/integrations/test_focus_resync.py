"""Only the exports that changed are read again; the sync engine stores the roll-ups."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import load_config
from cockpit.sources import build_source
from cockpit.store import Store
from cockpit.sync import SyncJob, sync_one
from integrations.base import SourceConfigError
from integrations.focus import FILES_READ, expand_paths, rollup_files
from tests.focus_files import write_focus

TAGS = ("team",)


def roll(paths, previous=None):
    return rollup_files(paths, cost_column="EffectiveCost", tag_keys=TAGS, previous=previous)


def reads(paths) -> list[int]:
    return [FILES_READ[str(p)] for p in paths]


def test_a_resync_reads_only_the_changed_file_and_drops_a_removed_one(tmp_path: Path) -> None:
    paths = [write_focus(tmp_path / f"m{i}.parquet", 200, "1.2", seed=i) for i in range(3)]
    first = roll(paths)
    before = reads(paths)
    # Nothing changed: the very same data, and not one file opened.
    assert roll(paths, first) is first
    assert reads(paths) == before
    # One file re-exported: only it is read; the others keep their rows.
    write_focus(paths[1], 150, "1.2", seed=9)
    second = roll(paths, first)
    assert reads(paths) == [before[0], before[1] + 1, before[2]]
    # A file gone: its rows go with it, and nothing is read.
    third = roll([paths[0], paths[2]], second)
    assert reads(paths) == [before[0], before[1] + 1, before[2]]
    fresh = roll(paths)
    assert second.rows == fresh.rows and second.files == fresh.files
    assert [f.path for f in third.files] == [str(paths[0]), str(paths[2])]
    assert third.rows == roll([paths[0], paths[2]]).rows


def test_a_touched_file_is_read_again(tmp_path: Path) -> None:
    path = write_focus(tmp_path / "a.csv", 20, "1.0")
    first = roll([path])
    count = FILES_READ[str(path)]
    os.utime(path, ns=(1, first.files[0].mtime_ns + 1_000_000))
    roll([path], first)
    assert FILES_READ[str(path)] == count + 1


def test_another_cost_column_reads_everything_again(tmp_path: Path) -> None:
    path = write_focus(tmp_path / "a.parquet", 20, "1.2")
    first = roll([path])
    count = FILES_READ[str(path)]
    again = rollup_files([path], cost_column="BilledCost", tag_keys=TAGS, previous=first)
    assert FILES_READ[str(path)] == count + 1 and again.cost_column == "BilledCost"


def test_globs_and_folders_expand_to_cost_exports_only(tmp_path: Path) -> None:
    write_focus(tmp_path / "2026-05" / "part-1.parquet", 5, "1.2")
    write_focus(tmp_path / "2026-06" / "part-1.csv.gz", 5, "1.2")
    (tmp_path / "2026-05" / "manifest.json").write_text("{}")
    found = expand_paths(["**/*"], lambda raw: tmp_path / raw)
    assert [p.name for p in found] == ["part-1.parquet", "part-1.csv.gz"]
    assert expand_paths([str(tmp_path)], Path) == found
    with pytest.raises(SourceConfigError, match=r"no cost export .* matches '\*\.csv'"):
        expand_paths(["*.csv"], lambda raw: tmp_path / raw)


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cockpit.toml"
    path.write_text(body)
    return path


def test_a_focus_source_in_the_config_syncs_through_the_engine(tmp_path: Path) -> None:
    write_focus(tmp_path / "exports" / "aws.parquet", 300, "1.2", seed=1)
    write_focus(tmp_path / "exports" / "gcp.csv.gz", 200, "1.3", seed=2, messy=True)
    config = load_config(
        write_config(
            tmp_path,
            '[sources.cloud]\nkind = "focus"\npaths = ["exports/*"]\ncost_column = "BilledCost"\n',
        )
    )
    source = build_source("cloud", config.sources["cloud"], config)
    store = Store(tmp_path / "cockpit.sqlite")
    clock = FrozenClock(datetime(2026, 6, 2, 9, tzinfo=UTC))
    import asyncio

    outcome = asyncio.run(sync_one(SyncJob(source, deadline=60), store, clock))
    assert outcome.status == "ok", outcome.error
    stored = store.latest("cloud", with_cost_rows=True).snapshot.cost
    assert stored.cost_column == "BilledCost"
    assert [Path(f.path).name for f in stored.files] == ["aws.parquet", "gcp.csv.gz"]
    assert sum(f.lines for f in stored.files) == 500
    assert stored.rows and all(r.tags == () or r.tags[0][0] in ("project", "run_id", "team")
                               for r in stored.rows)  # fmt: skip
    # A second sync with nothing changed reads no file.
    before = dict(FILES_READ)
    outcome = asyncio.run(sync_one(SyncJob(source, deadline=60), store, clock))
    assert outcome.status == "ok" and dict(FILES_READ) == before


def test_a_wrong_cost_column_in_the_config_is_a_clear_error(tmp_path: Path) -> None:
    from cockpit.config import ConfigError

    path = write_config(
        tmp_path, '[sources.cloud]\nkind = "focus"\npaths = ["x.csv"]\ncost_column = "Cost"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "sources.cloud.cost_column" in message and "EffectiveCost" in message


def test_doctor_counts_the_files_a_glob_matches(tmp_path: Path) -> None:
    from cockpit.doctor import _file_check

    write_focus(tmp_path / "a.parquet", 5, "1.2")
    write_focus(tmp_path / "b.csv", 5, "1.2")
    (tmp_path / "manifest.json").write_text("{}")
    check = _file_check("cloud", tmp_path / "*")
    assert (
        check.level == "ok" and "2 files match" in check.detail and "1 other file" in check.detail
    )
    empty = _file_check("cloud", tmp_path / "*.csv.gz")
    assert empty.level == "fail" and "no cost export" in empty.detail
