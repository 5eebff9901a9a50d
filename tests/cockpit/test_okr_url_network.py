"""An OKR file kept at a URL is a network source: synced by age like one, shown offline when
the cockpit is, and checked by `doctor`; at a path it stays a local file read at every sync."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cockpit.doctor import run_doctor
from cockpit.workspace import open_user_workspace

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _workspace(folder: Path, where: str):
    config = folder / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{folder / "cache.sqlite"}"\n\n'
        f'[sources.okrs]\nkind = "okr-file"\n{where}\n',
        encoding="utf-8",
    )
    return open_user_workspace(str(config))


def test_a_url_is_a_network_source(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, 'url = "https://example.com/team/okrs.toml"')
    (fact,) = workspace.facts()
    assert fact.uses_network
    rows = run_doctor(workspace, NOW, offline=True)
    okr_rows = [row for row in rows if row.check == "okrs"]
    assert okr_rows and "offline" in okr_rows[0].detail


def test_a_path_is_a_local_file(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, 'path = "okrs.toml"')
    (fact,) = workspace.facts()
    assert not fact.uses_network
    assert workspace.due_in(NOW) == {"okrs": 0.0}
    rows = [row for row in run_doctor(workspace, NOW, offline=True) if row.check == "okrs"]
    assert rows and "okrs.toml" in rows[0].detail
