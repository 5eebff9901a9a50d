"""Every number is the whole truth, and every surface says it the same way.

Counts come from the whole data, never from the slice a panel draws; values keep the digits
they need; the TUI, `status`, `status --json` and every export format agree.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.analytics.freshness import SourceFacts
from cockpit.dashboard import Dashboard, load_dashboard
from cockpit.export.weekly import Week
from cockpit.export.weekly import render_dashboard as render
from cockpit.formatting import quantity, with_unit, working_days_left
from cockpit.models import (
    KeyResult,
    Objective,
    OkrData,
    Person,
    Snapshot,
    StatusCategory,
    TeamData,
)
from cockpit.report import status_json, status_lines
from cockpit.store import Store, SyncAttempt
from integrations.demo import build_demo_snapshot
from tests.cockpit.weekly_page import visible_text
from tests.conftest import FROZEN_NOW

FACTS = [SourceFacts("demo", "demo", False, 3600.0)]


def _dashboard(store: Store, snapshot: Snapshot, now: datetime = FROZEN_NOW) -> Dashboard:
    store.write_snapshot(snapshot, SyncAttempt("demo", now, now, "ok"))
    return load_dashboard(store, FACTS, now + timedelta(seconds=5))


def _all_flagged(snapshot: Snapshot) -> tuple[Snapshot, int]:
    """The demo with every open issue of the active sprint flagged, and how many that is."""
    sprint = snapshot.sprint
    assert sprint is not None
    active = next(s for s in sprint.sprints if s.state == "active")
    issues = tuple(
        msgspec.structs.replace(issue, flagged=True)
        if issue.sprint_id == active.id and issue.category is not StatusCategory.DONE
        else issue
        for issue in sprint.issues
    )
    count = sum(1 for i in issues if i.flagged and i.sprint_id == active.id)
    flagged = msgspec.structs.replace(sprint, issues=issues)
    return msgspec.structs.replace(snapshot, sprint=flagged), count


# --- counts are never capped by the display --------------------------------------------


def test_blocker_counts_come_from_the_whole_list(store: Store) -> None:
    snapshot, flagged = _all_flagged(build_demo_snapshot(FROZEN_NOW))
    assert flagged > 5
    d = _dashboard(store, snapshot)
    assert d.sprint is not None and len(d.sprint.blockers) == flagged

    assert f"{flagged} blockers" in "\n".join(status_lines(d))
    assert status_json(d)["sprint"]["blockers"] == flagged
    week = Week(2026, 48)
    markdown = render(d, week, "md", generated_at=FROZEN_NOW)
    assert f"Blockers: {flagged}" in markdown
    assert f"+{flagged - 10} more" in markdown
    assert json.loads(render(d, week, "json", generated_at=FROZEN_NOW))["sprint"]["blockers"] == (
        flagged
    )


async def test_the_sprint_panel_says_how_many_blockers_it_does_not_draw(
    tmp_path: Path,
) -> None:
    from cockpit.app import CockpitApp
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_workspace
    from widgets.sprint_panel import SprintPanel

    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    snapshot, flagged = _all_flagged(build_demo_snapshot(FROZEN_NOW))
    workspace.store.write_snapshot(snapshot, SyncAttempt("demo", FROZEN_NOW, FROZEN_NOW, "ok"))
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(SprintPanel).query_one("SprintText").render())
    assert f"Blockers ({flagged})" in text
    drawn = text.count("⚑ ")
    assert 0 < drawn < flagged
    assert f"+{flagged - drawn} more" in text


# --- one formatter, enough digits -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.446, "", "0.446"),
        (0.46, "", "0.46"),
        (0.955, "", "0.955"),
        (0.03, "%", "0.03%"),
        (2_500_000, "", "2,500,000"),
        (291, "USD", "$291"),
        (280.5, "USD", "$280.5"),
        (14, "min", "14 min"),
        (96.9, "%", "96.9%"),
        (3, "models", "3 models"),
        (-12.5, "EUR", "-€12.5"),
        (1200, "CHF", "1,200 CHF"),
        (411.298, "USD", "$411.3"),  # no digits below a cent
        (0.0449, "USD", "$0.04"),
        (1234.5678, "CHF", "1,234.57 CHF"),
    ],
)
def test_values_keep_their_digits_and_units_their_space(
    value: float, unit: str, expected: str
) -> None:
    assert with_unit(value, unit) == expected


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False))
def test_a_quantity_reads_back_as_the_value(value: float) -> None:
    text = quantity(value)
    assert "e" not in text.lower()
    back = float(text.replace(",", ""))
    assert math.isclose(back, value, rel_tol=5e-6, abs_tol=1e-10)


@given(
    st.floats(min_value=1e-6, max_value=1e12),
    st.floats(min_value=1.0001, max_value=10.0),
)
def test_values_that_differ_read_differently(value: float, ratio: float) -> None:
    assert quantity(value) != quantity(value * ratio)


def _okrs() -> OkrData:
    def kr(kr_id: str, title: str, start: float, target: float, current: float, unit: str = ""):
        return KeyResult(kr_id, title, start, target, current, unit)

    return OkrData(
        period="2026-Q4",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        objectives=(
            Objective(
                "O1",
                "Better models",
                key_results=(
                    kr("KR1", "Online NDCG@10", 0.412, 0.46, 0.446),
                    kr("KR2", "Fraud AUC", 0.94, 0.955, 0.948),
                    kr("KR3", "Error rate", 0.5, 0.01, 0.03, "%"),
                    kr("KR4", "Requests served", 0, 2_500_000, 1_250_000),
                    kr("KR5", "GPU cost per run", 320, 280, 291, "USD"),
                    kr("KR6", "Image build time", 20, 10, 14, "min"),
                ),
            ),
        ),
    )


EXPECTED_KR_TEXT = (
    "0.446 → 0.46",
    "0.948 → 0.955",
    "0.03% → 0.01%",
    "1,250,000 → 2,500,000",
    "$291 → $280",
    "14 min → 10 min",
)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_exports_show_key_results_as_the_screen_does(store: Store, fmt: str) -> None:
    d = _dashboard(store, Snapshot(okrs=_okrs()))
    text = render(d, Week(2026, 48), fmt, generated_at=FROZEN_NOW)
    # The page's text, not its markup: the stylesheet's `1.05rem` is no value shown to anyone.
    shown = visible_text(text) if fmt == "html" else text
    for expected in EXPECTED_KR_TEXT:
        assert expected in shown, expected
    for wrong in ("(0.4 → 0.5)", "1.0", "0.0%", "e+06", "291USD", "14min"):
        assert wrong not in shown


async def test_the_okr_panel_formats_values_like_the_exports(tmp_path: Path) -> None:
    from cockpit.app import CockpitApp
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_workspace
    from widgets.okr_panel import OkrPanel

    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    workspace.store.write_snapshot(
        Snapshot(okrs=_okrs()), SyncAttempt("demo", FROZEN_NOW, FROZEN_NOW, "ok")
    )
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(OkrPanel).render())
    for expected in EXPECTED_KR_TEXT:
        assert expected in text, expected


# --- names, dates and phrases -----------------------------------------------------------


def test_status_json_names_the_people_in_the_best_overlap(store: Store) -> None:
    people = (
        Person("5b10a2844c20165700ede21g", "Priya Raman", "Asia/Kolkata"),
        Person("5b10ac8d82e05b22cc7d4ef5", "Wei Ling Tan", "Asia/Singapore"),
        Person("712020:0e1f", "Lena Hoffmann", "Europe/Berlin"),
    )
    d = _dashboard(store, Snapshot(team=TeamData(people)))
    overlap = status_json(d)["team"]["best_overlap"]
    assert overlap is not None
    by_id = {p.id: p.name for p in people}
    assert overlap["people"] == [by_id[i] for i in overlap["people_ids"]]
    assert set(overlap["people"]) <= set(by_id.values())
    assert not any(name in by_id for name in overlap["people"])


def test_a_past_week_export_says_when_it_was_made_and_what_it_covers(tmp_path: Path) -> None:
    from cockpit.workspace import open_demo_workspace

    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    taken = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)  # Thursday of 2026-W46
    workspace.store.write_snapshot(
        build_demo_snapshot(taken), SyncAttempt("demo", taken, taken, "ok")
    )
    week = Week(2026, 46)
    d = workspace.dashboard(week.end, as_of_past=True)
    for fmt in ("md", "html"):
        text = render(d, week, fmt, generated_at=FROZEN_NOW)
        assert "Generated 2026-11-23 09:30 UTC" in text
        assert "as it stood at the end of 2026-W46 (Sun 15 Nov 23:59 UTC)" in text
        assert "1900" not in text
    payload = json.loads(render(d, week, "json", generated_at=FROZEN_NOW))
    assert payload["generated_at"] == FROZEN_NOW.isoformat()
    assert payload["as_of"].startswith("2026-11-15T23:59:59")


def test_a_past_week_export_from_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    store = tmp_path / "demo.sqlite"
    taken = datetime.now(UTC) - timedelta(days=14)
    Store(store).write_snapshot(build_demo_snapshot(taken), SyncAttempt("demo", taken, taken, "ok"))
    iso = taken.isocalendar()
    config = tmp_path / "config.toml"
    config.write_text(f'[cockpit]\nstore = "{store}"\n\n[sources.demo]\nkind = "demo"\n')
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", "--config", str(config),
         "--week", f"{iso.year}-W{iso.week:02d}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    today = datetime.now(UTC)
    made = [line for line in done.stdout.splitlines() if line.startswith("_Generated")]
    # Made today (or yesterday, should the test run across midnight), not at the week's end.
    assert made and any(
        f"Generated {today - timedelta(days=k):%Y-%m-%d}" in made[0] for k in (0, 1)
    )
    assert f"as it stood at the end of {iso.year}-W{iso.week:02d}" in made[0]


def test_days_left_reads_the_same_in_the_tui_status_and_export(store: Store) -> None:
    d = _dashboard(store, build_demo_snapshot(FROZEN_NOW))
    assert d.sprint is not None and d.sprint.days_left is not None
    phrase = working_days_left(d.sprint.days_left)
    assert phrase.endswith("working days left")
    assert phrase in "\n".join(status_lines(d))
    assert phrase in render(d, Week(2026, 48), "md", generated_at=FROZEN_NOW)

    from widgets.sprint_panel import days_left_phrase

    assert days_left_phrase(d.sprint) == phrase
    assert working_days_left(1) == "1 working day left"


def test_counts_of_one_are_singular(store: Store) -> None:
    people = (
        Person("a", "Ana", "Europe/Lisbon"),
        Person("b", "Bo", "Europe/Lisbon"),
    )
    d = _dashboard(store, Snapshot(team=TeamData(people)))
    text = "\n".join(status_lines(d))
    assert "1 time zone" in text and "1 time zones" not in text


def test_doctor_says_ages_and_counts_in_plain_words(tmp_path: Path) -> None:
    import asyncio

    from cockpit.clock import FrozenClock
    from cockpit.doctor import run_doctor
    from cockpit.workspace import open_user_workspace

    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.okrs]\nkind = "okr-file"\npath = "{tmp_path / "missing.toml"}"\n'
    )
    workspace = open_user_workspace(str(config))
    asyncio.run(workspace.sync(FrozenClock(FROZEN_NOW)))
    rows = {row.check: row for row in run_doctor(workspace, FROZEN_NOW + timedelta(seconds=3))}
    assert rows["config"].detail.endswith(": 1 source, valid")
    assert rows["okrs sync"].detail.startswith("last sync failed just now: ")
    assert "1 source synced before" in rows["cache"].detail


@pytest.mark.parametrize(
    ("value", "expected"),
    [(53_954.2, "$53,954"), (-1_200, "-$1,200"), (-0.4, "$0"), (0.4, "$0")],
)
def test_money_puts_the_sign_before_the_symbol(value: float, expected: str) -> None:
    from cockpit.formatting import money

    assert money(value, "USD") == expected
    assert money(-250_000, "EUR", compact=True) == "-€250k"
