"""The leaderboard's model: ranking values, sorted orders and filters over row positions."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.run_table import SORT_KEYS, RunFilter, build_run_table, parse_query
from cockpit.models import Experiment, ExperimentData, Run
from tests.widgets.test_leaderboard_sample import NOW, many_runs, sample_model


def names(model, view) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.rows[i].run.name for i in view]


def test_value_sort_is_best_first_by_each_experiments_direction_and_unranked_last() -> None:
    model = sample_model()
    view = model.index.view(RunFilter(), "value")
    assert names(model, view) == [
        "lr-sweep-3e4", "wide-24-layers", "prod-2026-10", "no-history", "distill-small",  # ndcg
        "conformer-l", "conformer-m",  # WER: lower first
        "vit-b16-mixup", "vit-b16",  # accuracy
        "fp16-diverged", "conformer-m-ctc",  # NaN, nothing logged: never ranked
    ]  # fmt: skip
    worst = model.index.view(RunFilter(), "value", reverse=True)
    assert names(model, worst)[:2] == ["distill-small", "no-history"]
    assert names(model, worst)[-2:] == ["fp16-diverged", "conformer-m-ctc"]


def test_every_sort_key_keeps_runs_without_a_value_last_both_ways() -> None:
    model = sample_model()
    killed = model.position("a3")  # no metric; started, ended
    for key in SORT_KEYS:
        for reverse in (False, True):
            view = model.index.view(RunFilter(), key, reverse)
            assert sorted(view) == list(range(len(model)))
    assert model.index.order("value")[-1] == killed
    assert model.index.order("value", True)[-1] == killed
    running = model.rows[model.position("r5")]  # not ended: its duration so far
    assert running.duration == 0.2 * 86400


def test_filters_narrow_by_text_tokens_fields_and_window() -> None:
    model = sample_model()
    index = model.index

    def count(**kw: object) -> int:
        return len(index.view(RunFilter(**kw)))  # type: ignore[arg-type]

    assert count(text="conformer") == 3
    assert count(text="user:raj") == 3
    assert count(text="lr=3e-4") == 3  # params are searched
    assert count(tag="sweep") == 1 and count(tag="release=2026-10") == 1
    assert count(text="tag:baseline") == 1
    assert count(status="FAILED") == 1 and count(text="status:killed") == 1
    assert count(board=2) == 2 and count(text="exp:asr") == 3
    assert count(window="7d") == 7  # started in the last 7 days
    assert count(window="24h") == 2  # the start of the window is in it
    assert count(text="exp:ranker user:mei") == 2
    assert count(text="nothing-like-this") == 0
    assert parse_query("Foo user:Ana tag:x").users == ("ana",)


def test_the_champion_delta_and_rank_follow_the_ranking_value() -> None:
    model = sample_model()
    row = model.rows[model.position("r3")]
    assert row.rank == 2 and row.aliases == ("challenger",)
    assert row.delta is not None and math.isclose(row.delta, 0.615 - 0.604)
    asr = model.rows[model.position("a1")]
    assert asr.delta is not None and asr.delta < 0  # lower WER than the champion: better


def test_fifty_thousand_runs_sort_and_filter_by_indices_only() -> None:
    """Sorting and filtering hand out tuples of row positions; the rows are never copied,
    each sorted order is computed once, and a filter seen again is not matched again."""
    model = build_run_table(many_runs(50_000), NOW)
    rows = model.rows
    first = rows[0]
    index = model.index
    for key in SORT_KEYS:
        for reverse in (False, True):
            view = index.view(RunFilter(), key, reverse)
            assert isinstance(view, tuple) and len(view) == 50_000
            assert index.order(key, reverse) is view  # cached, and no copy when unfiltered
    assert len(index._orders) == 2 * len(SORT_KEYS)
    flt = RunFilter(text="run-1", status="FINISHED", window="30d")
    narrowed = index.view(flt, "value")
    assert 0 < len(narrowed) < 50_000
    assert all(isinstance(i, int) for i in narrowed[:100])
    assert index.matching(flt) is index.matching(flt)  # matched once
    assert model.rows is rows and model.rows[0] is first
    # NaN and missing values are last, both ways.
    best = index.order("value")
    unranked = [i for i in best if rows[i].value is None]
    assert unranked and set(best[-len(unranked) :]) == set(unranked)
    worst = index.order("value", True)
    assert set(worst[-len(unranked) :]) == set(unranked)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
values = st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.none())


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=30), st.booleans(), st.booleans())
def test_no_worse_value_ever_ranks_above_a_better_one(
    logged: list[float | None], higher: bool, reverse: bool
) -> None:
    experiment = Experiment("e", "e", "score", higher)
    runs = tuple(
        Run(
            f"r{n}",
            "e",
            f"r{n}",
            "FINISHED",
            started=NOW - timedelta(hours=n),
            metrics={} if v is None else {"score": v},
        )
        for n, v in enumerate(logged)
    )
    model = build_run_table([ExperimentData("mlflow", (experiment,), runs)], NOW)
    order = model.index.order("value", reverse)
    shown = [model.rows[i].value for i in order]
    known = [v for v in shown if v is not None]
    assert all(math.isfinite(v) for v in known)
    assert shown[: len(known)] == known  # unranked (NaN, inf, missing) last
    best_first = sorted(known, reverse=higher)
    assert known == (best_first[::-1] if reverse else best_first)


def test_only_finished_runs_take_a_rank_as_on_the_panel() -> None:
    """A running run shows its value so far, but takes no rank from a finished run: the
    table's ranks match the panel's, which ranks finished runs only."""
    experiment = Experiment("1", "fraud", "val_auc")
    runs = (
        Run("done-a", "1", "done-a", "FINISHED", metrics={"val_auc": 0.90}),
        Run("live", "1", "live", "RUNNING", metrics={"val_auc": 0.95}),
        Run("done-b", "1", "done-b", "FINISHED", metrics={"val_auc": 0.80}),
    )
    model = build_run_table([ExperimentData("mlflow", (experiment,), runs)], NOW)
    ranks = {row.run.run_id: row.rank for row in model.rows}
    assert ranks == {"done-a": 1, "live": None, "done-b": 2}
    assert model.rows[model.position("live")].value == 0.95


def test_a_tie_is_ranked_as_on_the_panel_the_run_that_got_there_first_leads() -> None:
    from cockpit.analytics.experiments import summarize_experiments

    experiment = Experiment("1", "fraud", "val_auc")
    ended = NOW - timedelta(days=1)
    runs = (
        # Newest first, as a tracker lists them: the later run comes first in the model.
        Run("late", "1", "late", "FINISHED", started=ended - timedelta(hours=2),
            ended=ended, metrics={"val_auc": 0.9}),
        Run("early", "1", "early", "FINISHED", started=ended - timedelta(hours=5),
            ended=ended - timedelta(hours=3), metrics={"val_auc": 0.9}),
    )  # fmt: skip
    data = ExperimentData(tracker="mlflow", experiments=(experiment,), runs=runs, source="m")
    model = build_run_table([data], NOW)
    ranks = {row.run.run_id: row.rank for row in model.rows}
    panel = summarize_experiments(data, NOW).boards[0].top
    assert [row.run_id for row in panel] == ["early", "late"]
    assert ranks == {row.run_id: row.rank for row in panel} == {"early": 1, "late": 2}


def test_configured_key_params_are_the_ones_the_table_shows() -> None:
    experiment = Experiment("1", "fraud", "val_auc", key_params=("seed", "lr"))
    runs = tuple(
        Run(f"r{n}", "1", f"r{n}", "FINISHED", metrics={"val_auc": n / 10},
            params={"lr": "0.1", "seed": "1", "depth": str(n)})
        for n in range(5)
    )  # fmt: skip
    configured = build_run_table([ExperimentData("mlflow", (experiment,), runs)], NOW)
    assert configured.boards[0].key_params == ("seed", "lr")
    picked = Experiment("1", "fraud", "val_auc")
    model = build_run_table([ExperimentData("mlflow", (picked,), runs)], NOW)
    assert model.boards[0].key_params == ("depth",)  # the one that varies


def test_two_crowned_runs_the_table_measures_against_the_better_as_the_panel_does() -> None:
    """Two registered models each crown a run of one experiment: the screen's deltas are
    against the same champion as the panel's (the better one)."""
    from cockpit.analytics.experiments import summarize_experiments
    from cockpit.models import ModelVersion

    experiment = Experiment("1", "fraud", "val_auc")
    runs = (
        Run("weak", "1", "weak", "FINISHED", metrics={"val_auc": 0.80}),
        Run("strong", "1", "strong", "FINISHED", metrics={"val_auc": 0.90}),
        Run("other", "1", "other", "FINISHED", metrics={"val_auc": 0.85}),
    )
    models = (
        ModelVersion("fraud-a", "1", "weak", "champion", experiment="1"),
        ModelVersion("fraud-b", "4", "strong", "champion", experiment="1"),
    )
    data = ExperimentData("mlflow", (experiment,), runs, models)
    model = build_run_table([data], NOW)
    row = model.rows[model.position("other")]
    board = summarize_experiments(data, NOW).boards[0]
    panel = next(r for r in (*board.top,) if r.run_id == "other")
    assert row.delta is not None and math.isclose(row.delta, 0.85 - 0.90)
    assert panel.delta is not None and math.isclose(row.delta, panel.delta)
