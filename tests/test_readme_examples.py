"""The file formats the README shows are files the cockpit reads: a newcomer copies them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from integrations.okr_file import parse_okr_file
from integrations.roster_file import parse_roster_file

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(first_line: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"```toml\n(" + re.escape(first_line) + r".*?)```", text, re.S)
    assert found, f"the README has no TOML block starting {first_line!r}"
    return found.group(1)


def test_the_readme_okr_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "okrs.toml"
    path.write_text(_block("# okrs.toml"), encoding="utf-8")
    okrs = parse_okr_file(path)
    first, second = okrs.objectives[0].key_results
    assert first.binding is not None and first.binding.kind == "metric"
    assert second.checkins and second.checkins[0].confidence == 7


def test_the_readme_roster_reads(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(_block("# team.toml"), encoding="utf-8")
    (priya,) = parse_roster_file(path, today=date(2026, 11, 30)).people
    assert priya.timezone == "Asia/Kolkata" and priya.travel and priya.time_off
