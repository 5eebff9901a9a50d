"""Hostile text on the leaderboard: runs read straight from the store are cleaned where the
table's model is built, so no escape sequence, control byte or bidi override reaches the
table, the detail pane, the chart's legend, the filters' options or the velocity names, and
Rich markup in a run's texts is shown as typed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Select, Static

from cockpit.analytics.experiments import digest_experiments
from cockpit.analytics.run_table import RunFilter, board_velocity, build_run_table
from cockpit.leaderboard_runs import clean_experiment_data, clean_runs, load_run_table
from cockpit.models import ExperimentData, Run
from cockpit.screens.leaderboard import LeaderboardScreen
from cockpit.text_safety import clean_record, is_clean_line
from tests.test_hostile_text import (
    FORBIDDEN,
    MARKER,
    TUI_PREFIX,
    TUI_SUFFIX,
    _walk_strings,
    hostile,
    poison,
)
from tests.widgets.conftest import AppFactory
from tests.widgets.test_leaderboard_sample import NOW, many_runs, sample_data
from widgets.run_chart import chart_notes, chart_series
from widgets.run_detail import RunDetail, run_fields
from widgets.run_table import RunTable
from widgets.run_velocity import velocity_content


def taint(text: str) -> str:
    return TUI_PREFIX + text + TUI_SUFFIX


def hostile_data() -> list[ExperimentData]:
    """The sample with every text tainted but the ranking rules and the aliases: those are
    read as data (an unknown one is refused or ignored), so the ranks can be compared."""
    clean = sample_data()
    tainted: list[ExperimentData] = poison(clean, taint)
    return [
        msgspec.structs.replace(
            part,
            experiments=tuple(
                msgspec.structs.replace(e, rank_by=c.rank_by)
                for e, c in zip(part.experiments, was.experiments, strict=True)
            ),
            models=tuple(
                msgspec.structs.replace(m, alias=c.alias)
                for m, c in zip(part.models, was.models, strict=True)
            ),
        )
        for part, was in zip(tainted, clean, strict=True)
    ]


def assert_clean(value: Any, where: str) -> None:
    strings = _walk_strings(value)
    assert strings, where
    for text in strings:
        assert is_clean_line(text), f"{where}: {text!r}"


def test_the_model_holds_only_clean_text_and_ranks_as_before() -> None:
    model = load_run_table(hostile_data(), NOW)
    clean = build_run_table(sample_data(), NOW)
    assert_clean([row.run for row in model.rows], "runs")
    assert_clean(list(model.boards), "boards, their experiments and digests")
    assert_clean([model.users, model.statuses], "filter options")
    assert all(MARKER in row.run.name for row in model.rows)  # markup kept as text
    # Ids are cleaned alike wherever they appear: runs still find their experiments.
    assert [b.runs for b in model.boards] == [b.runs for b in clean.boards]
    assert [(r.rank, r.value) for r in model.rows] == [(r.rank, r.value) for r in clean.rows]
    assert [(r.aliases, r.delta) for r in model.rows] == [(r.aliases, r.delta) for r in clean.rows]
    # The search text is built from the cleaned runs: the sequences' payloads are gone.
    assert model.index.view(RunFilter(text="pwned")) == ()
    assert len(model.index.view(RunFilter(text=MARKER))) == len(model)


def test_everything_the_screen_draws_from_a_hostile_model_is_clean() -> None:
    model = load_run_table(hostile_data(), NOW)
    for row in model.rows:
        assert not FORBIDDEN.search(str(run_fields(model, row))), row.run.run_id
    series, missing = chart_series(model, model.rows)
    notes = str(chart_notes(model, series, missing, len(model.rows)))
    assert not FORBIDDEN.search(notes) and MARKER in notes
    assert_clean([(s.label, s.metric) for s in series], "chart series")
    velocity = str(velocity_content(board_velocity(model.boards, NOW), "all experiments"))
    assert not FORBIDDEN.search(velocity) and MARKER in velocity  # the people's names


def test_hostile_digests_are_cleaned_and_their_figures_kept() -> None:
    [data] = many_runs(600)
    digested = digest_experiments(data, NOW)
    cleaned = clean_experiment_data(poison(digested, taint))
    assert_clean(cleaned, "the data with its digests")
    for before, after in zip(digested.digests, cleaned.digests, strict=True):
        assert after.candidates and all(MARKER in run.name for run in after.candidates)
        assert after.record == before.record
        assert after.ended_last_day == before.ended_last_day
        assert [w.durations for w in after.weeks] == [w.durations for w in before.weeks]
        assert [sum(w.by_user.values()) for w in after.weeks] == [
            sum(w.by_user.values()) for w in before.weeks
        ]
        assert all(MARKER in user for w in after.weeks for user in w.by_user)


def test_clean_runs_keeps_clean_runs_as_they_are() -> None:
    [data] = many_runs(2_000)
    assert clean_runs(data.runs) is data.runs
    assert clean_experiment_data(data).runs is data.runs
    # Not printable to `str.isprintable`, but harmless: the exact way gives them back equal.
    run = data.runs[0]
    joined = Run(**{**{f: getattr(run, f) for f in run.__struct_fields__},
                    "name": "👩🏽\u200d💻 a\u00a0b", "user": "\u200bana"})  # fmt: skip
    assert clean_runs((joined,)) == (joined,)


def test_every_text_field_of_a_run_is_checked() -> None:
    """A text field the fast check forgot would let its text through unseen."""
    [data] = many_runs(51)
    run = data.runs[50]  # one with a history, params and tags
    for field in run.__struct_fields__:
        if field == "status":
            continue  # normalised by the parsers; cleaned all the same below
        one = msgspec.structs.replace(run, **{field: poison(getattr(run, field), taint)})
        if one == run:
            continue  # not text
        [cleaned] = clean_runs((one,))
        assert cleaned is not one, field
        assert_clean(cleaned, field)
    [cleaned] = clean_runs((msgspec.structs.replace(run, status=taint("FAILED")),))
    assert cleaned.status == clean_record(taint("FAILED"))


text_or_hostile = st.one_of(hostile, st.text(max_size=8))


@settings(max_examples=200, deadline=None)
@given(
    name=text_or_hostile,
    user=text_or_hostile,
    key=text_or_hostile,
    value=text_or_hostile,
    metric=text_or_hostile,
    url=text_or_hostile,
)
def test_the_fast_check_cleans_exactly_as_clean_record(
    name: str, user: str, key: str, value: str, metric: str, url: str
) -> None:
    run = Run(
        run_id=f"id{key}",
        experiment=f"e{value}",
        name=name,
        status="FINISHED",
        user=user,
        started=NOW - timedelta(hours=1),
        metrics={metric: 0.5},
        params={key: value},
        tags={value: key},
        url=url,
        histories={metric: ((0, 0.4), (1, 0.5))},
    )
    [cleaned] = clean_runs((run,))
    assert cleaned == clean_record(run)
    assert_clean(cleaned, "run")


# --- on screen ------------------------------------------------------------------------------


@pytest.fixture
def hostile_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    data = hostile_data()
    monkeypatch.setattr("cockpit.workspace.Workspace.experiment_runs", lambda self: data)


async def open_leaderboard(pilot: Pilot) -> LeaderboardScreen:
    for _ in range(3):
        await pilot.pause()
    await pilot.press("2", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, LeaderboardScreen)
    for _ in range(250):  # the model is built on a worker thread
        if screen.model is not None:
            break
        await asyncio.sleep(0.02)
    assert screen.model is not None
    for _ in range(3):
        await pilot.pause()
    return screen


async def test_the_screen_shows_hostile_runs_as_plain_text(
    make_app: AppFactory, hostile_runs: None
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_leaderboard(pilot)
        table = screen.query_one(RunTable)
        lines = [table.render_line(y).text for y in range(12)]
        assert any(MARKER in text for text in lines)
        for text in lines:
            assert not FORBIDDEN.search(text), text
        detail = str(screen.query_one(RunDetail).render())
        assert MARKER in detail and not FORBIDDEN.search(detail)
        # A Select reads a str label as markup: the options are plain Text, shown as typed.
        users = screen.query_one("#filter-user", Select)
        user = screen.model.users[0]  # type: ignore[union-attr]
        assert MARKER in user
        users.value = user
        await pilot.pause()
        label = str(users.query_one("#label", Static).render())
        assert label == user
        for select_id in ("filter-experiment", "filter-status", "filter-user"):
            select = screen.query_one(f"#{select_id}", Select)
            for prompt, _value in select._options[1:]:  # the first is the blank prompt
                assert isinstance(prompt, Text)
        await pilot.press("space", "c")  # mark the run, then the chart
        await pilot.pause()
        notes = str(screen.query_one("#history-notes", Static).render())
        assert MARKER in notes and not FORBIDDEN.search(notes)
        await pilot.press("v")
        for _ in range(3):
            await pilot.pause()
        velocity = str(screen.query_one("#velocity-text", Static).render())
        assert MARKER in velocity and not FORBIDDEN.search(velocity)
