"""The guard that keeps the suite self-contained catches a read beside the repository."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import OUTSIDE_READS
from tests.outside_reads import OutsideReadGuard


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "checkout"
    shared = tmp_path / "shared"
    (repo / "tests").mkdir(parents=True)
    (shared / "samples").mkdir(parents=True)
    (shared / "samples" / "search.json").write_text("{}")
    (repo / "tests" / "own.json").write_text("{}")
    return repo, shared


def test_a_read_beside_the_repository_is_caught(tmp_path: Path) -> None:
    repo, shared = _layout(tmp_path)
    guard = OutsideReadGuard.beside(repo)
    assert guard.watched == (str(shared.resolve()),)
    guard.hook("open", (str(repo / ".." / "shared" / "samples" / "search.json"), "r", 0))
    guard.hook("open", (repo / "tests" / "own.json", "r", 0))
    guard.hook("open", (7, "r", 0))  # a file descriptor: nothing to judge
    assert guard.take() == [str((shared / "samples" / "search.json").resolve())]


def test_the_installed_guard_sees_real_opens(tmp_path: Path) -> None:
    repo, shared = _layout(tmp_path)
    guard = OutsideReadGuard.beside(repo).install()
    try:
        (shared / "samples" / "search.json").read_text()
        (repo / "tests" / "own.json").read_text()
        assert guard.take() == [str((shared / "samples" / "search.json").resolve())]
    finally:
        guard.active = False


def test_the_suite_runs_under_the_guard() -> None:
    assert OUTSIDE_READS.active
    repo = Path(__file__).resolve().parents[1]
    assert OUTSIDE_READS.repo == str(repo)
