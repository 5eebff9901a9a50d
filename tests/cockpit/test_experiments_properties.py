"""Properties of the leaderboard ranking, whatever the runs: the better value always ranks
higher, NaN and infinities never rank, the champion's delta reads the metric's way, and the
counts are the whole truth whatever number of runs the digest keeps."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.experiments import digest_experiments, summarize_experiments
from cockpit.analytics.run_values import ranking_value
from cockpit.models import Experiment, ExperimentData, ModelVersion, Run
from tests.conftest import FROZEN_NOW

STATUSES = ("FINISHED", "FINISHED", "FINISHED", "RUNNING", "FAILED", "KILLED")
logged = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
values = st.one_of(logged, st.none())  # None: the run never logged the metric


@st.composite
def workspaces(draw: st.DrawFn) -> tuple[ExperimentData, int]:
    higher = draw(st.booleans())
    rank_by = draw(st.sampled_from(["last", "best"]))
    experiment = Experiment("e", "exp", "m", higher, rank_by=rank_by)
    n = draw(st.integers(min_value=0, max_value=40))
    runs = []
    for i in range(n):
        value = draw(values)
        history = draw(st.lists(logged, max_size=4))
        started = FROZEN_NOW - timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 60)))
        runs.append(
            Run(
                run_id=f"r{i:03d}",
                experiment="e",
                name=f"run {i}",
                status=draw(st.sampled_from(STATUSES)),
                started=started,
                ended=started + timedelta(minutes=draw(st.integers(0, 600))),
                metrics={} if value is None else {"m": value},
                histories={"m": tuple(enumerate(history))} if history else {},  # type: ignore[dict-item]
            )
        )
    models = ()
    if runs and draw(st.booleans()):
        champion = draw(st.sampled_from(runs))
        models = (ModelVersion("model", "1", champion.run_id, "champion", experiment="e"),)
    keep = draw(st.integers(min_value=0, max_value=45))
    return ExperimentData("mlflow", (experiment,), tuple(runs), models, source="s"), keep


def _good(value: float, other: float, higher: bool) -> bool:
    """`value` is at least as good as `other`."""
    return value >= other if higher else value <= other


@settings(max_examples=150, deadline=None)
@given(workspaces())
def test_a_better_value_never_ranks_below_a_worse_one(case: tuple[ExperimentData, int]) -> None:
    data, keep = case
    experiment = data.experiments[0]
    digest = digest_experiments(data, FROZEN_NOW, keep=keep).digests[0]
    top = digest.candidates[: digest.kept]
    top_values = [ranking_value(r, experiment) for r in top]
    assert all(v is not None and math.isfinite(v[0]) for v in top_values)
    flat = [v[0] for v in top_values if v is not None]
    for a, b in itertools.pairwise(flat):
        assert _good(a, b, experiment.higher_is_better)
    # Nothing left out of the top is better than anything in it.
    kept = {r.run_id for r in top}
    for run in data.runs:
        found = ranking_value(run, experiment)
        if run.run_id in kept or run.status != "FINISHED" or found is None:
            continue
        assert all(_good(v, found[0], experiment.higher_is_better) for v in flat)
    assert digest.kept == min(keep, digest.ranked)


@settings(max_examples=150, deadline=None)
@given(workspaces())
def test_nan_and_infinity_never_rank_first(case: tuple[ExperimentData, int]) -> None:
    data, keep = case
    summary = summarize_experiments(digest_experiments(data, FROZEN_NOW, keep=keep), FROZEN_NOW)
    board = summary.boards[0]
    for row in board.top:
        assert row.value is not None and math.isfinite(row.value)
        assert row.status == "FINISHED"
    assert [r.rank for r in board.top] == list(range(1, len(board.top) + 1))


@settings(max_examples=150, deadline=None)
@given(workspaces())
def test_the_champion_delta_reads_the_metric_way(case: tuple[ExperimentData, int]) -> None:
    data, keep = case
    board = summarize_experiments(digest_experiments(data, FROZEN_NOW, keep=keep), FROZEN_NOW)
    b = board.boards[0]
    for row in (*b.top, b.champion, b.challenger):
        if row is None or row.delta is None:
            continue
        assert row.improves == (row.delta > 0 if b.higher_is_better else row.delta < 0)
    if b.beats_champion:
        assert b.best is not None and b.best.improves and not b.best.is_champion
    if b.champion is not None and b.champion.value is not None and b.best is not None:
        # The best run beats the champion exactly when it is strictly better.
        best, champ = b.best.value, b.champion.value
        assert best is not None
        strictly = best > champ if b.higher_is_better else best < champ
        assert b.beats_champion == strictly


@settings(max_examples=150, deadline=None)
@given(workspaces())
def test_totals_are_the_whole_truth_whatever_is_kept(case: tuple[ExperimentData, int]) -> None:
    data, keep = case
    digested = digest_experiments(data, FROZEN_NOW, keep=keep)
    digest = digested.digests[0]
    runs = data.runs
    assert digest.total == len(runs)
    assert digest.running == sum(r.status == "RUNNING" for r in runs)
    assert digest.finished == sum(r.status == "FINISHED" for r in runs)
    assert digest.failed == sum(r.status in ("FAILED", "KILLED") for r in runs)
    assert sum(w.started for w in digest.weeks) == len(runs)
    # Read from the digests alone, as from the store: the runs are not needed.
    summary = summarize_experiments(
        ExperimentData(
            "mlflow", digested.experiments, (), digested.models, "s", digests=digested.digests
        ),
        FROZEN_NOW,
    )
    assert summary.runs_total == len(runs)
    assert summary.running_total == digest.running
    assert summary.boards[0].ranked == digest.ranked
    assert summary == summarize_experiments(digested, FROZEN_NOW)
