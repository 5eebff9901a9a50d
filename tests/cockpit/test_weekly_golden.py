"""The weekly export of a demo store with twelve weeks of history, under a frozen clock,
against golden files.

After an intended change of the export, regenerate the files and read the diff before
committing it:

    COCKPIT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/cockpit/test_weekly_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cockpit.export.weekly import WEEKLY_SCHEMA, last_full_week, weekly_text
from cockpit.workspace import Workspace
from tests.weekly_history import FROZEN_NOW, demo_history

GOLDEN = Path(__file__).parent.parent / "fixtures" / "weekly"
UPDATE = os.environ.get("COCKPIT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return demo_history(tmp_path_factory.mktemp("weekly-history"))


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with COCKPIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (see the module docstring)"


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_the_last_full_week_matches_the_golden_file(history: Workspace, fmt: str) -> None:
    week = last_full_week(FROZEN_NOW)
    _check(f"{week.label}.{fmt}", weekly_text(history, week, fmt, FROZEN_NOW))


def test_the_week_in_progress_matches_the_golden_file(history: Workspace) -> None:
    from cockpit.export.weeks import current_week

    _check("current-week.md", weekly_text(history, current_week(FROZEN_NOW), "md", FROZEN_NOW))


def test_the_golden_json_compares_with_the_week_before(history: Workspace) -> None:
    week = last_full_week(FROZEN_NOW)
    payload = json.loads(weekly_text(history, week, "json", FROZEN_NOW))
    assert payload["schema"] == WEEKLY_SCHEMA
    assert payload["compared"] is True
    assert payload["previous_week"]["label"] == "2026-W47"
    assert [s["key"] for s in payload["sections"]] == [
        "sprint",
        "experiments",
        "okrs",
        "cost",
        "team",
    ]
    assert all(s["changes"] for s in payload["sections"])
    assert 2 <= len(payload["highlights"]) <= 5
    changes = {c["text"] for s in payload["sections"] for c in s["changes"]}
    assert all(h.rstrip(".").lower() in {c.lower() for c in changes} for h in payload["highlights"])


def test_the_oldest_week_has_nothing_to_compare_with(history: Workspace) -> None:
    from cockpit.export.weeks import Week

    payload = json.loads(weekly_text(history, Week(2026, 37), "json", FROZEN_NOW))
    assert payload["compared"] is False
    assert all(
        "to compare with" in s["changes"][-1]["text"] for s in payload["sections"] if s["changes"]
    )
