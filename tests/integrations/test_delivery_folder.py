"""The folder destination: atomic, idempotent writes of the weekly summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from integrations.delivery.base import (
    DeliveryError,
    FolderSettings,
    OutgoingMessage,
    make_destination,
)
from integrations.delivery.folder import FolderDestination


def message(body: str = "# Weekly\n\n- one\n", key: str = "k1", fmt: str = "md") -> OutgoingMessage:
    return OutgoingMessage(key, "archive", "2026-W48", fmt, "Weekly", body)


def folder(path: Path) -> FolderDestination:
    return make_destination("archive", FolderSettings(path=str(path)), None)  # type: ignore[return-value]


def test_the_summary_is_written_with_its_week_and_destination_in_the_name(
    tmp_path: Path,
) -> None:
    destination = folder(tmp_path / "reports")
    result = destination.deliver(message(), deadline=5)
    target = tmp_path / "reports" / "2026-W48-archive.md"
    assert target.read_text() == "# Weekly\n\n- one\n"  # exactly the summary, no marker
    assert result.remote_ref == str(target)
    assert [p.name for p in (tmp_path / "reports").iterdir() if p.name.endswith(".tmp")] == []


def test_json_and_html_get_their_extensions_and_stay_valid(tmp_path: Path) -> None:
    destination = folder(tmp_path)
    destination.deliver(message('{"week": "2026-W48"}', fmt="json"), deadline=5)
    assert json.loads((tmp_path / "2026-W48-archive.json").read_text()) == {"week": "2026-W48"}
    destination.deliver(message("<html></html>", fmt="html"), deadline=5)
    assert (tmp_path / "2026-W48-archive.html").exists()


def test_a_repeat_is_found_and_not_written_again(tmp_path: Path) -> None:
    destination = folder(tmp_path)
    assert destination.find_delivered(message()) is None
    destination.deliver(message(), deadline=5)
    target = tmp_path / "2026-W48-archive.md"
    before = target.stat().st_mtime_ns
    os.utime(target, ns=(before - 10**9, before - 10**9))
    found = destination.find_delivered(message())
    assert found is not None and found.remote_ref == str(target)
    destination.deliver(message(), deadline=5)
    assert target.stat().st_mtime_ns == before - 10**9  # untouched


def test_a_new_key_or_an_edited_file_is_written_again(tmp_path: Path) -> None:
    destination = folder(tmp_path)
    destination.deliver(message(), deadline=5)
    assert destination.find_delivered(message("# new\n", key="k2")) is None
    target = tmp_path / "2026-W48-archive.md"
    target.write_text("someone edited this")
    assert destination.find_delivered(message()) is None
    destination.deliver(message(), deadline=5)
    assert target.read_text() == "# Weekly\n\n- one\n"


def test_a_crash_before_the_sidecar_rewrites_the_same_file(tmp_path: Path) -> None:
    destination = folder(tmp_path)
    destination.deliver(message(), deadline=5)
    destination.sidecar(message()).unlink()  # as if the process died between the two writes
    assert destination.find_delivered(message()) is None
    destination.deliver(message(), deadline=5)
    assert (tmp_path / "2026-W48-archive.md").read_text() == "# Weekly\n\n- one\n"
    assert destination.find_delivered(message()) is not None


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = folder(tmp_path)
    destination.deliver(message(), deadline=5)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(DeliveryError) as caught:
        destination.deliver(message("# new\n", key="k2"), deadline=5)
    assert caught.value.retryable  # a full disk may pass
    assert "No space left on device" in str(caught.value) and "archive" in str(caught.value)
    assert (tmp_path / "2026-W48-archive.md").read_text() == "# Weekly\n\n- one\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_path_that_is_a_file_is_named_in_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("not a folder")
    with pytest.raises(DeliveryError) as caught:
        folder(blocker).deliver(message(), deadline=5)
    assert str(blocker) in str(caught.value) and not caught.value.retryable
    assert "[destinations.archive]" in str(caught.value)


def test_a_hostile_destination_name_cannot_leave_the_folder(tmp_path: Path) -> None:
    destination = FolderDestination("x", tmp_path)
    hostile = OutgoingMessage("k", "../../etc/passwd", "2026-W48", "md", "t", "b")
    assert destination.target(hostile).parent == tmp_path


def test_the_home_folder_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert folder(Path("~/status")).folder == tmp_path / "status"
