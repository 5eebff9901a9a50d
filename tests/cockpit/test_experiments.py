"""The experiments digest and summary: champions and challengers, velocity, boards across
experiments and trackers, and what `status` and the weekly export say about them."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from cockpit.analytics.experiment_digest import median_of_buckets
from cockpit.analytics.experiments import (
    cross_boards,
    digest_experiments,
    summarize_experiments,
    velocity,
)
from cockpit.analytics.freshness import SourceFacts
from cockpit.dashboard import load_dashboard
from cockpit.export.weekly import Week
from cockpit.export.weekly import render_dashboard as render
from cockpit.formatting import signed_metric
from cockpit.models import Experiment, ExperimentData, ModelVersion, Run, Snapshot
from cockpit.report import STATUS_SCHEMA, status_json, status_lines
from cockpit.store import Store, StoredSnapshot
from tests.cockpit.test_experiments_sample import (
    ASR,
    RANKER,
    WB_RANKER,
    at,
    ranker_runs,
    run,
    sample_parts,
    sample_summary,
)
from tests.conftest import FROZEN_NOW

MONDAY = date(2026, 11, 23)  # FROZEN_NOW's ISO week
LAST_MONDAY = date(2026, 11, 16)


# --- the digest ------------------------------------------------------------------------


def test_the_digest_keeps_the_top_runs_whole_and_every_aliased_run() -> None:
    mlflow = digest_experiments(sample_parts()[0], FROZEN_NOW, keep=2)
    ranker = mlflow.digests[0]
    # The top 2 by the best over the history: r-best's 0.471 (its last value is 0.466).
    assert [r.run_id for r in ranker.candidates[: ranker.kept]] == ["r-best", "r-champ"]
    # The challenger is third, outside the top 2, and kept because an alias points at it.
    assert [r.run_id for r in ranker.candidates[ranker.kept :]] == ["r-chall"]
    assert ranker.candidates[0].histories["val_ndcg"]  # whole: its history is there
    assert ranker.total == len(ranker_runs())
    # NaN and inf never rank; the failed and the running runs are not ranked either.
    assert ranker.ranked == len(ranker_runs()) - 4
    assert ranker.source == "ml" and ranker.tracker == "mlflow" and ranker.definition == RANKER
    assert {m.run_id for m in ranker.models} == {"r-champ", "r-chall"}


def test_the_record_is_the_best_so_far_by_day() -> None:
    digest = digest_experiments(sample_parts()[0], FROZEN_NOW).digests[0]
    days = [day for day, _ in digest.record]
    values = [value for _, value in digest.record]
    assert days == sorted(days) and days[-1] == FROZEN_NOW.date()
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    assert values == sorted(values)  # higher is better: it never goes down
    # r-best's best step (0.471) ended yesterday; the day before, the champion held it.
    by_day = dict(digest.record)
    assert by_day[FROZEN_NOW.date() - timedelta(days=1)] == values[-1] == 0.471
    assert by_day[FROZEN_NOW.date() - timedelta(days=2)] == 0.462


def test_weeks_count_runs_by_the_week_they_started() -> None:
    digest = digest_experiments(sample_parts()[0], FROZEN_NOW).digests[0]
    weeks = {w.week: w for w in digest.weeks}
    assert list(weeks)[-1] == MONDAY
    assert all(w.week.weekday() == 0 for w in digest.weeks)
    this = weeks[MONDAY]
    assert (this.started, this.finished, this.failed) == (1, 0, 0)  # r-live, 08:00 today
    last = weeks[LAST_MONDAY]
    # r-best (Sunday), r-chall, r-nan, r-inf and r-fail.
    assert (last.started, last.finished, last.failed) == (5, 4, 1)
    assert last.by_user == {"diego": 3, "lena": 1, "priya": 1}
    assert last.median_minutes == 30  # 90, 180, 30, 30 and 5 minutes


def test_a_run_from_a_clock_ahead_of_ours_counts_this_week() -> None:
    data = ExperimentData(
        "mlflow", (RANKER,), (run("x", "1", 0.4, started=FROZEN_NOW + timedelta(days=9)),)
    )
    digest = digest_experiments(data, FROZEN_NOW).digests[0]
    assert [(w.week, w.started) for w in digest.weeks] == [(MONDAY, 1)]


@pytest.mark.parametrize(
    ("experiment", "runs", "note"),
    [
        (ASR, (), "last logged eval_wer"),
        (
            RANKER,
            (run("a", "1", 0.4, history=((0, 0.5),)), run("b", "1", 0.3)),
            "best val_ndcg over the run's history for 1 runs, last value for the other 1",
        ),
        (
            RANKER,
            (run("a", "1", 0.4, history=((0, 0.5),)),),
            "best val_ndcg over the run's history",
        ),
        (
            RANKER,
            (run("a", "1", 0.4),),
            "last logged val_ndcg (no metric histories read)",
        ),
        (
            Experiment("1", "r", "acc", rank_by="at-best-step", step_metric="loss"),
            (),
            "acc at the best loss step",
        ),
    ],
)
def test_the_note_says_how_values_were_read(experiment, runs, note) -> None:
    digest = digest_experiments(ExperimentData("t", (experiment,), runs), FROZEN_NOW).digests[0]
    assert digest.note == note


def test_key_params_configured_or_picked_where_the_top_runs_differ() -> None:
    data = sample_parts()[0]
    picked = digest_experiments(data, FROZEN_NOW).digests[0]
    # lr and ls differ among the top runs; depth too; a param every top run shares would not.
    assert picked.key_params_picked and set(picked.key_params) <= {"lr", "ls", "depth"}
    assert "lr" in picked.key_params
    configured = digest_experiments(data, FROZEN_NOW, key_params=["depth"]).digests[0]
    assert configured.key_params == ("depth",) and not configured.key_params_picked
    board = summarize_experiments(digest_experiments(data, FROZEN_NOW, key_params=["depth"]),
                                  FROZEN_NOW).boards[0]  # fmt: skip
    assert board.top[0].params == (("depth", "4"),)


# --- boards ----------------------------------------------------------------------------


def test_a_run_that_beats_the_champion_is_called_out() -> None:
    ranker = sample_summary().boards[0]
    assert ranker.champion is not None and ranker.champion.name == "dcn-prod"
    assert ranker.champion.value == 0.462 and ranker.champion.models == ("ranker@champion (v14)",)
    best = ranker.best
    assert best is not None and best.value == 0.471 and best.step == 8
    assert ranker.beats_champion
    assert best.delta == pytest.approx(0.009) and best.improves
    # The challenger is the run aliased so, not the best non-champion run.
    assert ranker.challenger is not None and ranker.challenger.name == "dcn-wide"
    assert ranker.challenger.delta == pytest.approx(-0.007) and ranker.challenger.improves is False


def test_a_leading_champion_and_the_best_other_run_as_challenger() -> None:
    asr = sample_summary().boards[1]
    assert asr.best is not None and asr.best.is_champion and not asr.beats_champion
    # No run is aliased challenger: the best run that is not the champion is.
    assert asr.challenger is not None and asr.challenger.name == "whisper-lr1e-5"
    # Lower is better: +0.003 of WER is worse.
    assert asr.challenger.delta == pytest.approx(0.003) and asr.challenger.improves is False
    assert signed_metric(asr.challenger.delta) == "+0.0030"


def test_a_champion_that_never_logged_the_metric_is_shown_without_a_value() -> None:
    runs = (
        run("good", "2", 0.2, metric="eval_wer"),
        run("crowned", "2", None, metric="eval_wer", status="FAILED"),
    )
    models = (ModelVersion("asr", "1", "crowned", "champion", experiment="2"),)
    board = summarize_experiments(
        ExperimentData("mlflow", (ASR,), runs, models), FROZEN_NOW
    ).boards[0]
    assert board.champion is not None and board.champion.name == "crowned"
    assert board.champion.value is None and board.champion.rank is None
    assert not board.beats_champion and board.best is not None and board.best.delta is None
    # status --json: a champion without a value is null.
    assert STATUS_SCHEMA == "cockpit.status/6"


def test_an_alias_whose_run_was_not_read_is_named() -> None:
    models = (ModelVersion("ranker", "9", "deleted-run", "champion", experiment="1"),)
    data = ExperimentData("mlflow", (RANKER,), ranker_runs(), models)
    board = summarize_experiments(data, FROZEN_NOW).boards[0]
    assert board.champion is None and board.missing == "ranker@champion (v9)"


def test_rows_say_what_is_new_and_how_long_runs_took() -> None:
    ranker = sample_summary().boards[0]
    by_id = {r.run_id: r for r in ranker.top}
    best = by_id["r-best"]  # started 20 hours ago
    assert best.new_today and best.new_this_week and best.duration_seconds == 90 * 60
    chall = by_id["r-chall"]  # five days ago
    assert not chall.new_today and chall.new_this_week
    assert not by_id["r-champ"].new_this_week
    assert best.url == "http://tracker.test/runs/r-best" and best.user == "diego"
    assert by_id["r-champ"].aliases == ("champion",)


def test_the_trend_is_the_record_over_the_last_eight_weeks() -> None:
    ranker = sample_summary().boards[0]
    assert len(ranker.trend) == 28  # the first run ended 27 days ago
    assert ranker.trend[-1] == 0.471 and list(ranker.trend) == sorted(ranker.trend)
    later = summarize_experiments(sample_parts(), FROZEN_NOW + timedelta(days=60)).boards[0]
    assert len(later.trend) == 56  # eight weeks, a value a day


def test_experiment_ids_that_collide_across_sources_stay_apart() -> None:
    boards = sample_summary().boards
    assert [(b.source, b.experiment_id, b.experiment) for b in boards] == [
        ("ml", "1", "ranker"),
        ("ml", "2", "asr"),
        ("wb", "1", "ranker-wandb"),
    ]
    # A W&B run with the same id as an MLflow one is its own row, without the MLflow alias.
    wb = boards[2]
    assert wb.best is not None and wb.best.run_id == "r-best" and wb.best.aliases == ()
    assert wb.champion is None and wb.tracker == "wandb"


# --- across experiments ----------------------------------------------------------------


def test_one_board_per_metric_shared_across_experiments_and_trackers() -> None:
    s = sample_summary()
    assert len(s.cross_boards) == 1 and s.cross_skipped == ()
    board = s.cross_boards[0]
    assert board.metric == "val_ndcg" and board.higher_is_better
    assert board.experiments == ("ml: ranker", "wb: ranker-wandb")
    assert [(r.source, r.name) for r in board.rows[:3]] == [
        ("ml", "dcn-ls0.1"),
        ("wb", "wb-sweep-7"),
        ("ml", "dcn-prod"),
    ]
    values = [r.value for r in board.rows]
    assert values == sorted(values, reverse=True)
    assert "ml: ranker by best, wb: ranker-wandb by last" in board.note


def test_conflicting_directions_get_no_board_and_say_why() -> None:
    lower = msgspec.structs.replace(WB_RANKER, higher_is_better=False)
    parts = sample_parts()
    parts[1] = msgspec.structs.replace(parts[1], experiments=(lower,))
    s = summarize_experiments(parts, FROZEN_NOW)
    assert s.cross_boards == ()
    assert len(s.cross_skipped) == 1
    assert "val_ndcg" in s.cross_skipped[0]
    assert "higher is better for ml: ranker but lower for wb: ranker-wandb" in s.cross_skipped[0]


def test_a_metric_of_one_experiment_gets_no_cross_board() -> None:
    boards, skipped = cross_boards(sample_summary().boards[1:2])
    assert boards == () and skipped == ()


# --- velocity --------------------------------------------------------------------------


def test_velocity_compares_this_iso_week_with_the_last() -> None:
    now = FROZEN_NOW + timedelta(days=2)  # Wednesday
    runs = (
        run("a", "1", 0.4, started=now - timedelta(hours=5), minutes=60, user="mei"),
        run("b", "1", 0.4, started=now - timedelta(days=1), minutes=30, user="mei"),
        run("c", "1", None, status="FAILED", started=now - timedelta(days=2), minutes=10,
            user="tom"),
        run("d", "1", 0.4, started=datetime(2026, 11, 20, tzinfo=UTC), minutes=90, user="tom"),
        run("e", "1", 0.4, started=datetime(2026, 11, 17, tzinfo=UTC), minutes=120, user="tom"),
        run("f", "1", 0.4, started=datetime(2026, 11, 9, tzinfo=UTC), minutes=120, user="ana"),
    )  # fmt: skip
    digest = digest_experiments(ExperimentData("mlflow", (RANKER,), runs), now).digests
    v = velocity(digest, now)
    assert (v.this_week.week, v.last_week.week) == (MONDAY, LAST_MONDAY)
    assert (v.this_week.started, v.last_week.started, v.change) == (3, 2, 1)
    assert v.this_week.failure_rate == pytest.approx(1 / 3) and v.last_week.failure_rate == 0
    assert v.failure_rate_change == pytest.approx(1 / 3)
    assert v.this_week.median_minutes == 30 and v.last_week.median_minutes == 105
    assert v.median_change == -75
    assert [(p.user, p.this_week, p.last_week, p.change) for p in v.people] == [
        ("mei", 2, 0, 2),
        ("tom", 1, 2, -1),
    ]
    assert "Monday 23 Nov" in v.note and "3 days so far" in v.note
    assert [w.week for w in v.weeks] == [date(2026, 11, 9), LAST_MONDAY, MONDAY]


def test_velocity_with_no_runs_this_week() -> None:
    runs = (run("f", "1", 0.4, started=datetime(2026, 11, 17, tzinfo=UTC)),)
    v = velocity(
        digest_experiments(ExperimentData("m", (RANKER,), runs), FROZEN_NOW).digests, FROZEN_NOW
    )
    assert v.this_week.started == 0 and v.this_week.failure_rate is None
    assert v.this_week.median_minutes is None and v.median_change is None and v.change == -1


def test_the_median_across_experiments_is_read_from_duration_buckets() -> None:
    now = FROZEN_NOW
    first = tuple(
        run(f"a{i}", "1", 0.4, started=at(0, 3), minutes=m) for i, m in enumerate((10, 20, 30))
    )
    second = tuple(run(f"b{i}", "2", 0.1, metric="eval_wer", started=at(0, 3), minutes=m)
                   for i, m in enumerate((40, 50)))  # fmt: skip
    data = ExperimentData("mlflow", (RANKER, ASR), first + second)
    v = velocity(digest_experiments(data, now).digests, now)
    assert v.this_week.median_minutes == pytest.approx(30, rel=0.02)  # of 10, 20, 30, 40, 50
    assert median_of_buckets([]) is None
    # An even count: the mean of the two middle values, as statistics.median.
    assert median_of_buckets([(0, 1), (100, 1)]) == pytest.approx((1 + 7.389056) / 2, rel=1e-4)


# --- totals ----------------------------------------------------------------------------


def test_finished_in_the_last_day_counts_from_the_digest_at_any_later_moment() -> None:
    runs = (
        run("a", "1", 0.4, started=at(0, 5), minutes=60),  # ended 4 h ago
        run("b", "1", 0.4, started=at(0, 20), minutes=60),  # ended 19 h ago
        run("c", "1", 0.4, started=at(2), minutes=60),  # ended two days ago
        run("d", "1", None, status="FAILED", started=at(0, 3), minutes=5),
    )
    digested = digest_experiments(ExperimentData("mlflow", (RANKER,), runs), FROZEN_NOW)
    store_like = msgspec.structs.replace(digested, runs=())  # as the dashboard reads it
    assert summarize_experiments(store_like, FROZEN_NOW).finished_last_day == 2
    assert summarize_experiments(store_like, FROZEN_NOW + timedelta(hours=6)).finished_last_day == 1
    assert summarize_experiments(store_like, FROZEN_NOW + timedelta(days=1)).finished_last_day == 0


def test_totals_over_every_source() -> None:
    s = sample_summary()
    every = [r for p in sample_parts() for r in p.runs]
    assert s.runs_total == len(every)
    assert s.running_total == sum(r.status == "RUNNING" for r in every) == 1
    assert s.tracker == "mlflow, wandb" and s.sources == ("ml", "wb")


# --- the dashboard ---------------------------------------------------------------------


def _stored(name: str, data: ExperimentData) -> StoredSnapshot:
    return StoredSnapshot(name, FROZEN_NOW, Snapshot(experiments=data))


def test_the_dashboard_digests_what_has_runs_only_and_keeps_sources_apart() -> None:
    mlflow, wandb = sample_parts()
    # One source as the store gives it (digests, no runs), the other as the demo does.
    mlflow_light = msgspec.structs.replace(
        digest_experiments(mlflow, FROZEN_NOW), runs=(), source=""
    )
    facts = [SourceFacts("ml", "mlflow", True, 3600.0), SourceFacts("wb", "wandb", True, 3600.0)]
    in_hand = {
        "ml": _stored("ml", mlflow_light),
        "wb": _stored("wb", msgspec.structs.replace(wandb, source="")),
    }
    d = load_dashboard(None, facts, FROZEN_NOW, in_hand=in_hand)
    assert d.experiments is not None
    assert [(b.source, b.experiment) for b in d.experiments.boards] == [
        ("ml", "ranker"),
        ("ml", "asr"),
        ("wb", "ranker-wandb"),
    ]
    assert d.experiments == sample_summary()


# --- status and the weekly export ------------------------------------------------------


def _dashboard(store: Store):
    mlflow, wandb = sample_parts()
    facts = [SourceFacts("ml", "mlflow", True, 3600.0), SourceFacts("wb", "wandb", True, 3600.0)]
    return load_dashboard(
        None, facts, FROZEN_NOW, in_hand={"ml": _stored("ml", mlflow), "wb": _stored("wb", wandb)}
    )


def test_status_names_each_experiments_best_run_champion_and_week(store: Store) -> None:
    text = "\n".join(status_lines(_dashboard(store)))
    assert "21 runs on mlflow, wandb · 1 running · 2 finished in 24h" in text
    assert "1 started this week vs 9 last week" in text
    assert (
        "ranker val_ndcg ↑: best 0.4710 (dcn-ls0.1) · champion 0.4620 (dcn-prod), beaten by "
        "+0.0090 · 1 run this week, none ended yet" in text
    )
    assert (
        "asr eval_wer ↓: best 0.1010 (whisper-prod), the champion; challenger +0.0030 · "
        "0 runs this week, none ended yet" in text
    )
    assert "ranker-wandb val_ndcg ↑: best 0.4680 (wb-sweep-7) · 0 runs this week" in text


def test_status_json_experiments(store: Store) -> None:
    out = status_json(_dashboard(store))
    assert out["schema"] == "cockpit.status/6"
    e = out["experiments"]
    assert (e["runs"], e["running"], e["finished_last_24h"]) == (21, 1, 2)
    assert e["this_week"] == {
        "week": "2026-11-23",
        "started": 1,
        "finished": 0,
        "failed": 0,
        "failure_rate": None,
        "median_minutes": None,
    }
    assert e["last_week"]["started"] == 9 and e["last_week"]["failure_rate"] == 0.222
    # 5, 20, 30, 30, 45, 90, 180, 500 and 540 minutes, read from 2%-wide buckets.
    assert e["last_week"]["median_minutes"] == pytest.approx(45, rel=0.02)
    ranker, asr, wb = e["experiments"]
    # The keys of /2 are all still there, with the same meaning.
    assert {"name", "metric", "higher_is_better", "runs", "best", "champion"} <= set(ranker)
    assert ranker["best"]["run"] == "dcn-ls0.1" and ranker["best"]["value"] == 0.471
    assert ranker["best"]["step"] == 8 and ranker["best"]["delta_vs_champion"] == 0.009
    assert ranker["champion"]["run"] == "dcn-prod" and ranker["champion"]["value"] == 0.462
    assert ranker["champion"]["models"] == ["ranker@champion (v14)"]
    assert ranker["challenger"]["run"] == "dcn-wide" and ranker["beats_champion"] is True
    assert ranker["this_week"]["started"] == 1 and ranker["last_week"]["failure_rate"] == 0.2
    assert (ranker["source"], ranker["tracker"], ranker["id"]) == ("ml", "mlflow", "1")
    assert ranker["values_read"].startswith("best val_ndcg over the run's history")
    assert asr["beats_champion"] is False and asr["champion"]["run"] == "whisper-prod"
    assert (wb["source"], wb["id"], wb["champion"]) == ("wb", "1", None)


def test_the_weekly_export_has_the_same_lines(store: Store) -> None:
    d = _dashboard(store)
    markdown = render(d, Week(2026, 48), "md", generated_at=FROZEN_NOW)
    assert (
        "Runs started this week: 1 (last week 9); none ended yet (last week 22% failed)" in markdown
    )
    assert "ranker val\\_ndcg ↑: best 0.4710 (dcn-ls0.1) · champion 0.4620" in markdown
    assert "beaten by +0.0090" in markdown


def test_signed_metric() -> None:
    assert signed_metric(0.0035) == "+0.0035"
    assert signed_metric(-0.0016) == "-0.0016"
    assert signed_metric(0.0) == "±0.0000"
    assert signed_metric(0.00001) == "±0.0000"  # too small to show a side
    assert signed_metric(-12.5) == "-12.50"


def test_the_sources_key_params_setting_reaches_the_digest() -> None:
    """`[sources.NAME.leaderboard] key_params` travels on the experiment record, so the sync
    engine's digest (which knows no settings) shows the params the lead chose."""
    from cockpit.kinds import LeaderboardSettings
    from integrations.leaderboard import Board

    data = sample_parts()[0]
    board = Board(LeaderboardSettings(key_params=["depth"]))
    first = data.experiments[0]
    runs = [r for r in data.runs if r.experiment == first.id]
    experiment = board.experiment(first.id, first.name, runs, url="", tracker="mlflow")
    assert experiment.key_params == ("depth",)
    chosen = msgspec.structs.replace(data, experiments=(experiment, *data.experiments[1:]))
    digest = digest_experiments(chosen, FROZEN_NOW).digests[0]
    assert digest.key_params == ("depth",) and not digest.key_params_picked


def test_every_surface_writes_durations_rates_and_deltas_one_way() -> None:
    """The leaderboard, the panel, the velocity view and status share these formatters."""
    from cockpit.analytics.experiments import WeekFigures
    from cockpit.formatting import duration, share
    from cockpit.report import failure_rate

    assert [duration(s) for s in (None, 45 * 60, 90 * 60, 3 * 86400)] == [
        "–", "45 min", "1.5 h", "3 d"
    ]  # fmt: skip
    assert [share(x) for x in (None, 0.0714, 1.0)] == ["–", "7%", "100%"]
    week = WeekFigures(date(2026, 11, 23), started=14, finished=13, failed=1)
    assert failure_rate(week) == "7% failed"


def test_a_champion_far_below_the_top_keeps_its_rank() -> None:
    """The champion is kept in the digest whatever its place: the panel shows it under the
    top runs with its true rank (#8 of 10 here, with 3 kept), not without one."""
    experiment = Experiment("1", "fraud", "val_auc")
    runs = tuple(
        Run(f"r{n}", "1", f"run-{n}", "FINISHED", metrics={"val_auc": 0.90 - n / 100},
            ended=FROZEN_NOW - timedelta(hours=n + 1))
        for n in range(10)
    )  # fmt: skip
    models = (ModelVersion("fraud", "2", "r7", "champion", experiment="1"),)
    data = digest_experiments(ExperimentData("mlflow", (experiment,), runs, models), FROZEN_NOW,
                              keep=3)  # fmt: skip
    board = summarize_experiments(data, FROZEN_NOW).boards[0]
    assert [r.rank for r in board.top] == [1, 2, 3]
    assert board.champion is not None and board.champion.rank == 8
