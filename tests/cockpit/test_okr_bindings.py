"""Each binding kind resolved against hand-built records: the value, where it came from and
what it was read from, and a reason in words (never an exception) when it cannot be read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cockpit.analytics.experiment_digest import digest_experiments
from cockpit.analytics.okr_bindings import (
    BindingInputs,
    binding_areas,
    resolve_bindings,
    wants_runs,
)
from cockpit.models import (
    Binding,
    Board,
    BoundValue,
    Budget,
    CostRow,
    Experiment,
    ExperimentData,
    Issue,
    KeyResult,
    ModelVersion,
    Objective,
    OkrData,
    Run,
    Sprint,
    SprintData,
    StatusCategory,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday
Q_START, Q_END = date(2026, 10, 1), date(2026, 12, 31)
FRAUD = Experiment("7", "fraud-gbdt", "val_f1", True, tracker="mlflow")
ASR = Experiment("9", "asr-finetune", "eval_wer", False, tracker="mlflow")
WB_FRAUD = Experiment("acme/fraud", "fraud-wandb", "val_auc", True, tracker="wandb")


def _run(
    run_id: str,
    experiment: str,
    days_ago: float,
    status: str = "FINISHED",
    **metrics: float,
) -> Run:
    started = NOW - timedelta(days=days_ago)
    return Run(
        run_id,
        experiment,
        f"run-{run_id}",
        status,
        started=started,
        ended=None if status == "RUNNING" else started + timedelta(hours=1),
        metrics=metrics,
    )


FRAUD_RUNS = (
    _run("f1", "7", 60, val_f1=0.86, val_loss=0.40),
    _run("f2", "7", 30, val_f1=0.88, val_loss=0.35),
    _run("f3", "7", 10, val_f1=0.87, val_loss=0.21),  # the lowest loss is not a top-2 run
    _run("f4", "7", 5, val_f1=0.90, val_loss=0.33),
    _run("f5", "7", 1, "RUNNING", val_f1=0.99, val_loss=0.01),  # running: not counted
    _run("f6", "7", 2, "FAILED", val_f1=0.95),
)
ASR_RUNS = (
    _run("a1", "9", 20, eval_wer=0.12, cer=0.05),
    _run("a2", "9", 3, eval_wer=0.10, cer=0.06),
)
MODELS = (
    ModelVersion("asr-callcentre", "6", "a1", "champion", NOW - timedelta(days=60), "9"),
    ModelVersion("asr-callcentre", "7", "a2", "challenger", NOW - timedelta(days=2), "9"),
    ModelVersion("fraud", "3", "f2", "champion", NOW - timedelta(days=20), "7"),
    ModelVersion("fraud", "4", "f4", "production", NOW - timedelta(days=3), "7"),
    ModelVersion("fraud", "1", "f1", "archived", None, "7"),
)


def mlflow_data(*, runs: bool = True, keep: int = 2) -> ExperimentData:
    data = ExperimentData(
        "mlflow", (FRAUD, ASR), FRAUD_RUNS + ASR_RUNS, MODELS, source="mlflow-prod"
    )
    digested = digest_experiments(data, NOW, keep=keep)
    return digested if runs else ExperimentData(**{**_fields(digested), "runs": ()})


def _fields(data: ExperimentData) -> dict[str, object]:
    return {name: getattr(data, name) for name in data.__struct_fields__}


SPRINT = SprintData(
    Board(1, "ML"),
    (Sprint(41, "S41", "closed"), Sprint(42, "S42", "active")),
    (
        Issue("ML-1", "a", "Done", StatusCategory.DONE, labels=("fraud",), points=3.0,
              epic="ML-100", sprint_ids=(41,), resolved=NOW - timedelta(days=5)),
        Issue("ML-2", "b", "In Progress", StatusCategory.IN_PROGRESS, labels=("fraud",),
              points=5.0, epic="ML-100", sprint_id=42, sprint_ids=(42,)),
        Issue("ML-3", "c", "To Do", StatusCategory.TODO, labels=("Infra",), epic="ML-100",
              sprint_id=42, sprint_ids=(42,)),
        Issue("ML-4", "d", "Done", StatusCategory.DONE, points=2.0, sprint_ids=(41,),
              resolved=NOW - timedelta(days=40)),
    ),
)  # fmt: skip


def _cost(
    day: date, amount: float, service: str = "Amazon EC2", provider: str = "AWS", **extra: object
) -> CostRow:
    return CostRow(day, provider, service, amount, **extra)  # type: ignore[arg-type]


COST = (
    _cost(date(2026, 9, 30), 500.0),  # before the quarter
    _cost(date(2026, 10, 15), 100.0, tags=(("team", "fraud"),)),
    _cost(date(2026, 11, 2), 40.0, tags=(("team", "fraud"),)),
    _cost(date(2026, 11, 23), 10.0, tags=(("team", "fraud"),)),
    _cost(date(2026, 11, 24), 999.0, tags=(("team", "fraud"),)),  # after now: not spent yet
    _cost(date(2026, 11, 10), 7.0, "Vertex AI", currency="EUR", provider="Google Cloud"),
)
STATUS = {
    "sprint": {"blockers": 4, "done": 32.0, "name": "S42"},
    "experiments": {
        "runs": 300,
        "this_week": {"started": 44, "failure_rate": 0.023},
        "experiments": [{"name": "ranker-v3", "best": {"value": 0.4653}}],
    },
    "cost": None,
}


def inputs(**changes: object) -> BindingInputs:
    base: dict[str, object] = {
        "sprint": SPRINT,
        "experiments": mlflow_data(),
        "cost_rows": COST,
        "budgets": (Budget("Fraud team", 1000.0, scope="tag:team=fraud"),),
        "status": STATUS,
        "as_of": {"experiments": NOW - timedelta(hours=1), "okrs": NOW - timedelta(hours=2)},
    }
    base.update(changes)
    return BindingInputs(**base)  # type: ignore[arg-type]


def kr(binding: Binding, kr_id: str = "KR1", **fields: object) -> KeyResult:
    values: dict[str, object] = {"start": 0.0, "target": 1.0, "current": float("nan")}
    values.update(fields)
    return KeyResult(kr_id, "a key result", binding=binding, **values)  # type: ignore[arg-type]


def resolve(binding: Binding, data: BindingInputs | None = None, **fields: object) -> BoundValue:
    okrs = OkrData(
        "2026-Q4", Q_START, Q_END, (Objective("O1", "o", key_results=(kr(binding, **fields),)),)
    )
    return resolve_bindings(okrs, data or inputs(), NOW)["KR1"]


# --- metric -------------------------------------------------------------------------------


def test_the_best_primary_metric_is_the_leaderboards_top_run() -> None:
    bound = resolve(Binding("metric", experiment="FRAUD-GBDT", metric="val_f1"))
    assert (bound.value, bound.origin, bound.error) == (0.90, "mlflow", "")
    assert bound.detail == "best val_f1 in fraud-gbdt: run run-f4"
    # Matched by id too; the digests alone give the same answer (they keep the top runs).
    by_id = resolve(Binding("metric", experiment="7"), inputs(experiments=mlflow_data(runs=False)))
    assert by_id.value == 0.90
    # A lower-is-better primary metric takes the smallest.
    assert resolve(Binding("metric", experiment="asr-finetune")).value == 0.10


def test_another_metric_follows_the_key_results_direction_over_every_run() -> None:
    binding = Binding("metric", experiment="fraud-gbdt", metric="val_loss")
    lowest = resolve(binding, start=0.4, target=0.2)  # decrease: the smallest
    assert lowest.value == 0.21
    assert "over 4 finished runs" in lowest.detail
    assert resolve(binding, direction="increase").value == 0.40


def test_another_metric_without_the_runs_says_it_read_the_top_runs_only() -> None:
    data = inputs(experiments=mlflow_data(runs=False, keep=2))
    bound = resolve(Binding("metric", experiment="fraud-gbdt", metric="val_loss"), data,
                    direction="decrease")  # fmt: skip
    assert bound.value == 0.33  # of the top two by val_f1 (f4 and f2)
    assert bound.detail == (
        "lowest val_loss in fraud-gbdt: run run-f4 (over the top 2 runs by val_f1 and 1 run a"
        " model alias points at only: the other runs were not read)"
    )


@pytest.mark.parametrize(
    ("binding", "error"),
    [
        (Binding("metric", experiment="fraud-gbt", metric="val_f1"),
         "no experiment named 'fraud-gbt' (there are: asr-finetune, fraud-gbdt)"),
        (Binding("metric", experiment="fraud-gbdt", metric="val_f2"),
         "no run of fraud-gbdt logs a metric named 'val_f2' (they log: val_f1, val_loss)"),
        (Binding("metric", experiment="fraud-gbdt", source="wandb"),
         "no experiment source named 'wandb' (the synced ones: mlflow-prod)"),
        (Binding("metric", metric="val_f1"), "a metric binding needs `experiment`"),
    ],
)  # fmt: skip
def test_an_unknown_experiment_metric_or_source_is_a_reason(binding: Binding, error: str) -> None:
    bound = resolve(binding)
    assert bound.value is None
    assert bound.error == error
    assert bound.origin == "mlflow"


def test_one_name_in_two_sources_asks_for_the_source() -> None:
    wandb = ExperimentData("wandb", (Experiment("w1", "fraud-gbdt", "val_f1"),),
                           (_run("w", "w1", 3, val_f1=0.97),), source="wandb")  # fmt: skip
    merged = _merge(mlflow_data(), digest_experiments(wandb, NOW))
    bound = resolve(Binding("metric", experiment="fraud-gbdt"), inputs(experiments=merged))
    assert bound.error == (
        "experiment 'fraud-gbdt' is in more than one source (mlflow-prod, wandb):"
        " set `source` to one"
    )
    narrowed = resolve(
        Binding("metric", experiment="fraud-gbdt", source="WANDB"), inputs(experiments=merged)
    )
    assert (narrowed.value, narrowed.origin) == (0.97, "wandb")


def _merge(*parts: ExperimentData) -> ExperimentData:
    return ExperimentData(
        ", ".join(p.tracker for p in parts),
        tuple(e for p in parts for e in p.experiments),
        tuple(r for p in parts for r in p.runs),
        tuple(m for p in parts for m in p.models),
        digests=tuple(d for p in parts for d in p.digests),
    )


def test_no_tracker_synced_says_so() -> None:
    bound = resolve(Binding("metric", experiment="x"), inputs(experiments=None))
    assert bound.error == "no experiment tracker is synced: add an mlflow or wandb source"


# --- champion-metric ---------------------------------------------------------------------


def test_the_champions_metric() -> None:
    bound = resolve(Binding("champion-metric", experiment="asr-finetune", metric="cer"))
    assert (bound.value, bound.origin) == (0.05, "mlflow")
    assert bound.detail == "cer of asr-callcentre@champion (v6, run run-a1)"
    # The primary metric by default; another alias; a model alone.
    assert resolve(Binding("champion-metric", experiment="asr-finetune")).value == 0.12
    challenger = Binding("champion-metric", experiment="asr-finetune", alias="challenger")
    assert resolve(challenger).value == 0.10
    by_model = Binding("champion-metric", model="fraud", metric="val_f1", alias="production")
    assert resolve(by_model).value == 0.90


def test_a_missing_alias_is_a_reason() -> None:
    bound = resolve(Binding("champion-metric", experiment="fraud-gbdt", alias="staging"))
    assert bound.error == "no model version has the alias 'staging' in fraud-gbdt"


# --- model-versions ----------------------------------------------------------------------


def test_model_versions_given_an_alias_in_the_window() -> None:
    any_alias = resolve(Binding("model-versions"))
    # v6 was made champion before the quarter; v1 has no date.
    assert any_alias.value == 3.0
    assert any_alias.origin == "model"
    assert "(1 version without a date not counted)" in any_alias.detail
    assert resolve(Binding("model-versions", alias="champion")).value == 1.0
    assert resolve(Binding("model-versions", model="fraud", window="week")).value == 0.0
    assert resolve(Binding("model-versions", model="fraud", window="month")).value == 2.0
    assert resolve(Binding("model-versions", model="nope")).error == (
        "no registered model named 'nope' has an alias (there are: asr-callcentre, fraud)"
    )


# --- Jira ----------------------------------------------------------------------------------


def test_jira_counts_and_points_by_label_epic_or_jql() -> None:
    assert resolve(Binding("jira-count", label="FRAUD")).value == 2.0
    done = resolve(Binding("jira-count", label="fraud", done_only=True))
    assert (done.value, done.origin, done.detail) == (1.0, "jira", "1 issue done labelled fraud")
    points = resolve(Binding("jira-points", epic="ml-100"))
    assert points.value == 8.0
    assert points.detail == (
        "8 points in 3 issues in epic ml-100 (1 issue without an estimate counted as 0)"
    )
    jql = resolve(Binding("jira-count", jql="statusCategory = Done AND resolved >= -14d"))
    assert jql.value == 1.0
    assert resolve(Binding("jira-points", jql="sprint in openSprints()")).value == 5.0


def test_a_jql_clause_outside_the_subset_is_the_key_results_error() -> None:
    bound = resolve(Binding("jira-count", jql="project = ML AND worklogDate > -7d"))
    assert bound.value is None
    assert bound.origin == "jira"
    assert bound.error.startswith(
        "`worklogDate` is not supported offline (in `worklogDate > -7d`): use label or epic"
    )


def test_jira_without_a_board_or_a_filter() -> None:
    assert resolve(Binding("jira-count", label="x"), inputs(sprint=None)).error == (
        "no Jira board is synced: add a jira source"
    )
    assert resolve(Binding("jira-count")).error == (
        "a jira-count binding needs `jql`, `label` or `epic`"
    )


# --- cost ----------------------------------------------------------------------------------


def test_spend_in_a_scope_over_a_window() -> None:
    quarter = resolve(Binding("cost-spend", scope="tag:team=fraud"))
    assert (quarter.value, quarter.origin) == (150.0, "cost")  # the row after now is left out
    assert quarter.detail == "$150 spent in scope tag:team=fraud, Oct 1–Dec 31 2026"
    assert resolve(Binding("cost-spend", scope="team=fraud", window="month")).value == 50.0
    assert resolve(Binding("cost-spend", scope="tag:team=fraud", window="week")).value == 10.0
    # A budget's name stands for its scope.
    by_budget = resolve(Binding("cost-spend", scope="fraud team", window="quarter"))
    assert by_budget.value == 150.0
    assert "budget Fraud team" in by_budget.detail


def test_spend_over_the_last_whole_days() -> None:
    # Now is Monday 23 Nov: "7d" is 16-22 Nov (today's partial bill left out), "30d" is
    # 24 Oct-22 Nov, which holds the 2 Nov spend only.
    week = resolve(Binding("cost-spend", scope="tag:team=fraud", window="7d"))
    assert week.value == 0.0
    assert week.detail == "$0 spent in scope tag:team=fraud, the 7 days to Nov 22"
    assert resolve(Binding("cost-spend", scope="tag:team=fraud", window="30d")).value == 40.0


def test_spend_in_two_currencies_or_a_wrong_scope_is_a_reason() -> None:
    assert resolve(Binding("cost-spend")).error == (
        "spend in all spend is in EUR and USD: money is never converted; narrow the scope"
        " to one currency (e.g. provider=AWS)"
    )
    assert resolve(Binding("cost-spend", scope="tag:team=frod")).error == (
        "no spend matches scope tag:team=frod: check the scope's spelling"
    )
    assert resolve(Binding("cost-spend", scope="team")).error.startswith(
        "scope: 'team' is not a scope; expected"
    )
    assert resolve(Binding("cost-spend", scope="provider=AWS"), inputs(cost_rows=())).error == (
        "no cost data is synced: add a cost source (FOCUS export, AWS, Azure…)"
    )


def test_cost_per_run_divides_by_the_runs_started_in_the_window() -> None:
    binding = Binding("cost-per-run", scope="tag:team=fraud", experiment="fraud-gbdt")
    bound = resolve(binding)
    assert bound.value == pytest.approx(150.0 / 5)  # f2…f6 started this quarter
    assert bound.detail == (
        "$150 in scope tag:team=fraud / 5 runs started (fraud-gbdt), Oct 1–Dec 31 2026"
    )
    month = resolve(Binding("cost-per-run", scope="tag:team=fraud", experiment="fraud-gbdt",
                            window="month"))  # fmt: skip
    assert month.value == pytest.approx(50.0 / 4)
    every = resolve(Binding("cost-per-run", scope="tag:team=fraud"))
    assert every.value == pytest.approx(150.0 / 7)  # and a1, a2 of asr-finetune
    # Without the runs, estimated from the digests' weekly counts, and said so.
    estimated = resolve(binding, inputs(experiments=mlflow_data(runs=False)))
    assert estimated.value is not None
    assert "estimated from weekly counts" in estimated.detail


def test_cost_per_run_with_no_runs_says_so() -> None:
    binding = Binding("cost-per-run", scope="tag:team=fraud", experiment="fraud-gbdt",
                      window="week")  # fmt: skip
    assert resolve(binding).error == (
        "no run started in fraud-gbdt in the week of Nov 23: cost per run needs at least one run"
    )


# --- status ------------------------------------------------------------------------------


def test_a_number_at_a_status_path() -> None:
    assert resolve(Binding("status", path="experiments.this_week.started")).value == 44.0
    bound = resolve(Binding("status", path="experiments.experiments.ranker-v3.best.value"))
    assert (bound.value, bound.origin) == (0.4653, "status")
    assert resolve(Binding("status", path="experiments.experiments.0.best.value")).value == 0.4653


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("experiments.runs_week",
         "experiments has no 'runs_week' (it has: runs, this_week, experiments)"),
        ("sprint.name", "status path 'sprint.name' holds str 'S42', not a number"),
        ("cost.month_to_date", "cost is not an object: it has no 'month_to_date'"),
        ("experiments.experiments.5", "experiments.experiments has 1 entry, no [5]"),
        ("", "a status binding needs `path` (e.g. experiments.this_week.started)"),
    ],
)  # fmt: skip
def test_a_status_path_that_is_not_a_number_says_why(path: str, error: str) -> None:
    assert resolve(Binding("status", path=path)).error == error


def test_status_not_available() -> None:
    bound = resolve(Binding("status", path="sprint.blockers"), inputs(status=None))
    assert bound.error == "the status figures are not available yet: sync once"


# --- the whole file ----------------------------------------------------------------------


def test_every_bound_key_result_and_kpi_gets_a_value_or_a_reason() -> None:
    okrs = OkrData(
        "2026-Q4",
        Q_START,
        Q_END,
        (
            Objective(
                "O1",
                "o",
                key_results=(
                    kr(Binding("metric", experiment="fraud-gbdt"), "KR1"),
                    KeyResult("KR2", "manual", 0, 1, 0.5),
                    kr(Binding("cost-spend", scope="team=fraud"), "KR3"),
                ),
                start=date(2026, 11, 1),
                end=date(2026, 11, 30),
            ),
        ),
        kpis=(kr(Binding("nonsense"), "K1"), kr(Binding("cost-spend", scope="team=fraud"), "K2")),
    )
    values = resolve_bindings(okrs, inputs(), NOW)
    assert sorted(values) == ["K1", "K2", "KR1", "KR3"]
    assert values["KR3"].value == 50.0  # the objective's own period: November
    assert values["K2"].value == 150.0  # KPIs: the file's period
    assert values["K1"].error.startswith("'nonsense' is not a binding kind; expected one of metric")
    # When the newest data each value was read from was synced.
    assert values["KR1"].as_of == NOW - timedelta(hours=1)
    assert values["KR3"].as_of == NOW - timedelta(hours=2)  # no cost time given: the file's


def test_a_bug_in_a_resolver_is_a_reason_not_a_crash() -> None:
    broken = ExperimentData("mlflow", (FRAUD,), digests=(None,))  # type: ignore[arg-type]
    bound = resolve(Binding("metric", experiment="fraud-gbdt"), inputs(experiments=broken))
    assert bound.value is None
    assert bound.error.startswith("could not be resolved (AttributeError")


def test_which_bindings_need_every_run() -> None:
    data = mlflow_data(runs=False)

    def wants(binding: Binding) -> bool:
        okrs = OkrData("q", Q_START, Q_END, (Objective("O", "o", key_results=(kr(binding),)),))
        return wants_runs(okrs, data)

    assert not wants(Binding("metric", experiment="fraud-gbdt", metric="val_f1"))
    assert not wants(Binding("metric", experiment="fraud-gbdt"))
    assert wants(Binding("metric", experiment="fraud-gbdt", metric="val_loss"))
    assert wants(Binding("cost-per-run", scope=""))
    assert not wants(Binding("jira-count", label="x"))
    assert binding_areas(Binding("cost-per-run")) == ("cost", "experiments")


def test_source_narrows_jira_and_cost_to_one_configured_source() -> None:
    other = SprintData(Board(2, "Ops"), (), (Issue("OPS-1", "x", "Done", StatusCategory.DONE,
                                                   labels=("fraud",)),))  # fmt: skip
    data = inputs(
        sprint_by_source={"jira-ml": SPRINT, "jira-ops": other},
        cost_rows_by_source={"focus": COST[:2], "aws": COST[2:4]},
    )
    assert resolve(Binding("jira-count", label="fraud"), data).value == 2.0  # the first board
    assert resolve(Binding("jira-count", label="fraud", source="JIRA-OPS"), data).value == 1.0
    assert resolve(Binding("jira-count", label="fraud", source="jira"), data).error == (
        "no Jira source named 'jira' (the synced ones: jira-ml, jira-ops)"
    )
    spend = Binding("cost-spend", scope="provider=AWS", source="aws")
    assert resolve(spend, data).value == 50.0
    assert resolve(Binding("cost-spend", source="gcp"), data).error == (
        "no cost source named 'gcp' (the synced ones: aws, focus)"
    )
