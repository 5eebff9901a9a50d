"""The demo tracker's depth: metric histories whose best is not the last value, the ranking rule
of each experiment, champions and challengers, links and tags, a recent failure and a change
in the team's experiment velocity."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from cockpit.analytics.run_values import best_point, ranking_value
from cockpit.codec import decode_snapshot, encode_snapshot
from cockpit.models import Experiment, ExperimentData, ModelVersion, Run
from integrations.demo import TICK_SECONDS, build_demo_snapshot
from integrations.demo.experiments import HISTORY_RUNS

# A Thursday afternoon, like the other demo tests.
NOW = datetime(2026, 11, 19, 14, 37, 12, tzinfo=UTC)
DEMO_HOST = "http://mlflow.demo.internal/"


@pytest.fixture(scope="module")
def data() -> ExperimentData:
    experiments = build_demo_snapshot(NOW).experiments
    assert experiments is not None
    return experiments


def _experiment(data: ExperimentData, name: str) -> Experiment:
    return next(exp for exp in data.experiments if exp.name == name)


def _runs(data: ExperimentData, exp: Experiment) -> list[Run]:
    return [run for run in data.runs if run.experiment == exp.id]


def _score(run: Run, exp: Experiment) -> float:
    """Higher is better, whichever way the metric goes."""
    ranked = ranking_value(run, exp)
    assert ranked is not None, run.name
    return ranked[0] if exp.higher_is_better else -ranked[0]


def _leaderboard(data: ExperimentData, exp: Experiment) -> list[Run]:
    finished = [run for run in _runs(data, exp) if run.status == "FINISHED"]
    return sorted(finished, key=lambda run: _score(run, exp), reverse=True)


def _model(data: ExperimentData, exp: Experiment, alias: str) -> ModelVersion | None:
    return next((m for m in data.models if m.experiment == exp.id and m.alias == alias), None)


def _by_id(data: ExperimentData, run_id: str) -> Run:
    return next(run for run in data.runs if run.run_id == run_id)


# --- Histories -------------------------------------------------------------------------------


def test_histories_are_sorted_finite_and_end_on_the_last_value(data: ExperimentData) -> None:
    with_histories = [run for run in data.runs if run.histories]
    assert len(with_histories) >= 150
    for run in with_histories:
        for metric, history in run.histories.items():
            steps = [step for step, _ in history]
            assert steps == sorted(set(steps)), f"{run.name} {metric}: steps out of order"
            assert 1 <= len(history) <= 30
            # Even the diverged run stops before logging NaN: a NaN would not survive the
            # store's JSON (see test_histories_survive_the_store).
            assert all(math.isfinite(value) for _, value in history), (run.name, metric)
            # As in MLflow, the run's metric is the last value it logged.
            assert run.metrics[metric] == history[-1][1], (run.name, metric)


def test_histories_survive_the_store(data: ExperimentData) -> None:
    snapshot = build_demo_snapshot(NOW, started_at=NOW - timedelta(minutes=9))
    assert decode_snapshot(encode_snapshot(snapshot)) == snapshot


def test_the_runs_that_can_reach_the_top_have_histories(data: ExperimentData) -> None:
    for exp in data.experiments:
        runs = _runs(data, exp)
        sign = 1 if exp.higher_is_better else -1
        by_last = sorted(
            (run for run in runs if run.status == "FINISHED"),
            key=lambda run: sign * run.metrics[exp.primary_metric],
            reverse=True,
        )
        assert all(run.histories for run in by_last[:HISTORY_RUNS]), exp.name
        assert all(run.histories for run in runs if run.status == "RUNNING"), exp.name
        for model in data.models:
            if model.experiment == exp.id:
                assert _by_id(data, model.run_id).histories, (exp.name, model.alias)
        for run in runs:
            if run.histories:
                assert {exp.primary_metric, *([exp.step_metric] if exp.step_metric else [])} <= (
                    set(run.histories)
                )
    # Not every run: the demo stays quick to build.
    assert sum(not run.histories for run in data.runs) >= 50


def test_top_runs_overfit_so_their_best_is_not_their_last(data: ExperimentData) -> None:
    for exp in data.experiments:
        top = _leaderboard(data, exp)[:10]
        slipped = [
            run
            for run in top
            if best_point(run.histories[exp.primary_metric], exp.higher_is_better)
            != run.histories[exp.primary_metric][-1]
        ]
        assert slipped, f"{exp.name}: every top run's best is its last value"
        # The validation loss bottoms out and climbs back in some of them.
        loss = next(
            name for name in top[0].histories if name.endswith("loss") and "train" not in name
        )
        climbed = [
            run
            for run in top
            if (point := best_point(run.histories[loss], False)) is not None
            and point[0] < run.histories[loss][-1][0]
            and run.histories[loss][-1][1] > point[1]
        ]
        assert climbed, f"{exp.name}: no top run's {loss} climbs back"
        # The training loss only goes down (up to evaluation noise).
        for run in top:
            train = run.histories[
                "train_logloss" if "train_logloss" in run.histories else "train_loss"
            ]
            assert train[-1][1] < train[0][1]


def test_each_experiment_says_how_its_runs_are_ranked(data: ExperimentData) -> None:
    rules = {exp.name: (exp.rank_by, exp.step_metric) for exp in data.experiments}
    assert rules == {
        "ranker-v3": ("at-best-step", "val_loss"),
        "asr-finetune": ("best", ""),
        "fraud-gbdt": ("best", ""),
    }
    ranker = _experiment(data, "ranker-v3")
    assert ranker.step_metric_higher_is_better is False
    # The rule matters: the board's order is not the order of the last values.
    for exp in data.experiments:
        board = _leaderboard(data, exp)[:10]
        last = [run.metrics[exp.primary_metric] for run in board]
        ranked = [ranking_value(run, exp) for run in board]
        assert any(
            value is not None and value[0] != lv for value, lv in zip(ranked, last, strict=True)
        )
    # At the best validation loss, not at the last step: the step the value is read at differs.
    steps = [ranking_value(run, ranker) for run in _leaderboard(data, ranker)[:20]]
    last_steps = [run.histories["val_loss"][-1][0] for run in _leaderboard(data, ranker)[:20]]
    assert any(s is not None and s[1] != ls for s, ls in zip(steps, last_steps, strict=True))


def test_a_diverged_run_failed_in_the_last_days(data: ExperimentData) -> None:
    recent = [
        run
        for run in data.runs
        if run.status == "FAILED" and run.ended is not None and run.ended > NOW - timedelta(days=4)
    ]
    assert recent
    diverged = [run for run in recent if run.histories]
    assert diverged
    loss = diverged[0].histories["val_loss"]
    assert loss[-1][1] > 5 * min(value for _, value in loss)


# --- Champion and challenger -----------------------------------------------------------------


def test_champions_and_challengers(data: ExperimentData) -> None:
    ids = {run.run_id for run in data.runs}
    for model in data.models:
        assert model.run_id in ids, (model.model, model.alias)
        assert _by_id(data, model.run_id).experiment == model.experiment
        assert model.url == f"{DEMO_HOST}#/models/{model.model}/versions/{model.version}"
        assert "candidate" in _by_id(data, model.run_id).tags
    for exp in data.experiments:
        assert _model(data, exp, "champion") is not None, exp.name
    with_challenger = [exp for exp in data.experiments if _model(data, exp, "challenger")]
    assert {exp.name for exp in with_challenger} == {"ranker-v3", "asr-finetune"}
    for exp in with_challenger:
        champion, challenger = _model(data, exp, "champion"), _model(data, exp, "challenger")
        assert champion is not None and challenger is not None
        assert int(challenger.version) == int(champion.version) + 1
        assert champion.promoted is not None and challenger.promoted is not None
        assert champion.promoted < challenger.promoted <= NOW
        run = _by_id(data, challenger.run_id)
        assert run.status == "FINISHED" and run.ended is not None
        assert champion.promoted < run.ended <= challenger.promoted


def test_this_weeks_sweep_beats_the_champion(data: ExperimentData) -> None:
    ranker = _experiment(data, "ranker-v3")
    champion, challenger = _model(data, ranker, "champion"), _model(data, ranker, "challenger")
    assert champion is not None and challenger is not None
    board = _leaderboard(data, ranker)
    leader = board[0]
    assert leader.run_id == challenger.run_id
    assert "sweep:ls-grid" in leader.tags
    assert leader.ended is not None and leader.ended > NOW - timedelta(days=7)
    assert _score(leader, ranker) > _score(_by_id(data, champion.run_id), ranker)
    # Elsewhere the champion holds: the demo shows both.
    fraud = _experiment(data, "fraud-gbdt")
    fraud_champion = _model(data, fraud, "champion")
    assert fraud_champion is not None
    assert _leaderboard(data, fraud)[0].run_id == fraud_champion.run_id


# --- Links and tags --------------------------------------------------------------------------


def test_links_point_at_the_demo_tracker(data: ExperimentData) -> None:
    for exp in data.experiments:
        assert exp.url == f"{DEMO_HOST}#/experiments/{exp.id}"
    for run in data.runs:
        assert run.url == f"{DEMO_HOST}#/experiments/{run.experiment}/runs/{run.run_id}"


def test_tags(data: ExperimentData) -> None:
    for exp in data.experiments:
        finished = [run for run in _runs(data, exp) if run.status == "FINISHED"]
        finished.sort(key=lambda run: (run.started, run.run_id))  # type: ignore[arg-type, return-value]
        # The first runs of each experiment are its baselines.
        assert [run for run in finished if "baseline" in run.tags] == finished[:2], exp.name
    sweep = [run for run in data.runs if "sweep:ls-grid" in run.tags]
    assert len(sweep) == 20
    assert len({tuple(sorted(run.params.items())) for run in sweep}) == 20
    assert {run.status for run in sweep} == {"FINISHED", "FAILED"}


# --- Velocity --------------------------------------------------------------------------------


def _started_in(runs: list[Run], start: datetime, end: datetime) -> int:
    return sum(1 for run in runs if run.started is not None and start <= run.started < end)


@pytest.mark.parametrize(
    "now",
    [
        # Monday morning, the screenshots' clock: the sweep ran overnight into this week.
        datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 16, 16, 37, tzinfo=UTC),
        datetime(2026, 11, 17, 5, 1, tzinfo=UTC),
        datetime(2026, 11, 18, 23, 50, tzinfo=UTC),
        NOW,
        datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 21, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 23, 0, tzinfo=UTC),
    ],
)
def test_velocity_changes_week_over_week(now: datetime) -> None:
    data = build_demo_snapshot(now).experiments
    assert data is not None
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    week = timedelta(days=7)
    for name, more in (("ranker-v3", True), ("fraud-gbdt", False)):
        runs = _runs(data, _experiment(data, name))
        # The calendar week so far against the whole of last week, and the last seven days
        # against the seven before.
        this_week = _started_in(runs, monday, now + timedelta(seconds=1))
        last_week = _started_in(runs, monday - week, monday)
        last_7 = _started_in(runs, now - week, now + timedelta(seconds=1))
        before = _started_in(runs, now - 2 * week, now - week)
        if more:
            assert this_week > last_week and last_7 > before, (name, now)
        else:
            assert this_week < last_week and last_7 < before, (name, now)


# --- Determinism and live mode ---------------------------------------------------------------


def test_deterministic_for_the_seed() -> None:
    a, b = build_demo_snapshot(NOW, seed=11), build_demo_snapshot(NOW, seed=11)
    assert a.experiments == b.experiments
    other = build_demo_snapshot(NOW, seed=12).experiments
    assert a.experiments is not None and other is not None
    assert [r.histories for r in a.experiments.runs] != [r.histories for r in other.runs]


@pytest.mark.parametrize("seed", [3, 8, 21])
def test_other_seeds_keep_the_story(seed: int) -> None:
    data = build_demo_snapshot(NOW, seed=seed).experiments
    assert data is not None
    ranker = _experiment(data, "ranker-v3")
    champion, challenger = _model(data, ranker, "champion"), _model(data, ranker, "challenger")
    assert champion is not None and challenger is not None
    assert _score(_by_id(data, challenger.run_id), ranker) > _score(
        _by_id(data, champion.run_id), ranker
    )
    assert any(run.status == "FAILED" and run.histories for run in data.runs)
    fraud = _experiment(data, "fraud-gbdt")
    fraud_champion = _model(data, fraud, "champion")
    assert fraud_champion is not None
    assert _leaderboard(data, fraud)[0].run_id == fraud_champion.run_id


def test_running_runs_histories_grow_in_live_mode() -> None:
    started = NOW - timedelta(hours=1)

    def at(tick: int) -> dict[str, Run]:
        snapshot = build_demo_snapshot(
            started + timedelta(seconds=TICK_SECONDS * tick), started_at=started
        )
        assert snapshot.experiments is not None
        return {run.run_id: run for run in snapshot.experiments.runs}

    base, later = at(0), at(200)
    going = [run for run in base.values() if run.status == "RUNNING"]
    assert going
    grew = 0
    for run in going:
        after = later[run.run_id]
        for metric, history in run.histories.items():
            # What was logged stays logged; new evaluations are appended.
            assert after.histories[metric][: len(history)] == history
            grew += len(after.histories[metric]) > len(history)
            assert after.metrics[metric] == after.histories[metric][-1][1]
            assert run.metrics[metric] == history[-1][1]
    assert grew
    assert any(later[run.run_id].status == "FINISHED" for run in going)
    # The run launched while the demo is watched logs as it goes, and finishes.
    launched = [run for run in later.values() if run.run_id not in base]
    assert len(launched) == 1 and launched[0].status == "FINISHED"
    middle = at(40)[launched[0].run_id]
    assert middle.status == "RUNNING"
    assert 1 < len(middle.histories["val_auc"]) < len(launched[0].histories["val_auc"])
