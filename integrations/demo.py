"""The built-in demo workspace: one believable week of a remote ML team, generated offline.

It is the first thing a new user sees and the source of the README screenshots, so the content
reads like a real team's Jira board, MLflow runs, OKRs and cloud bill rather than test data.

Everything is a pure function of `(now, seed, started_at)`: randomness comes from
`random.Random` instances seeded from `seed` alone, and every date is placed relative to `now`,
so the demo always looks current ("anchored to today") and two calls with the same inputs give
equal snapshots. Each area draws from its own generator so that, for instance, a change to the
cost model does not reshuffle the sprint board.

The sprint board has the depth of a real Jira board: twelve closed sprints of history (about
35 issues each), and changelogs (status, sprint and estimate changes) on every issue, so that
burndown and velocity are computed from the issues like for a real board.

Live mode (`started_at` given) layers a bounded script of small changes on top, one step per
15-second tick, so someone watching `cockpit demo` sees issues move (each move appended to the
issue's changelog), runs finish and today's spend grow.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

import msgspec
import msgspec.structs

from cockpit.models import (
    Board,
    BoardColumn,
    Budget,
    CostData,
    CostRow,
    Experiment,
    ExperimentData,
    Issue,
    KeyResult,
    ModelVersion,
    Objective,
    OkrData,
    Person,
    PointsChange,
    Run,
    Snapshot,
    Sprint,
    SprintChange,
    SprintData,
    StatusCategory,
    StatusChange,
    TeamData,
)
from integrations.base import FetchContext

_T = TypeVar("_T")

TICK_SECONDS = 15
# Live changes stop after an hour of watching: enough for anyone looking at the demo, and it
# keeps the base state at most an hour behind `now` however long the app stays open.
LIVE_TICK_CAP = 240

# --- Live script (tick numbers) -------------------------------------------------------------

FIRST_MOVE_TICK = 3
MOVE_EVERY_TICKS = 6
MAX_MOVES = 12
LAUNCH_TICK = 16
LAUNCH_FINISH_TICK = 64
LIVE_GPU_DOLLARS_PER_TICK = 0.85


def build_demo_snapshot(
    now: datetime, *, seed: int = 7, started_at: datetime | None = None
) -> Snapshot:
    """Build the demo workspace as it looks at `now` (timezone-aware).

    With `started_at`, the snapshot also carries the live changes of the 15-second ticks
    elapsed since then; the script runs out after LIVE_TICK_CAP ticks, so any tick count works.
    """
    now = _as_utc(now, "now")
    ticks = 0 if started_at is None else _live_ticks(now, _as_utc(started_at, "started_at"))
    # Base times hang off `ref`, the moment live mode started (quantised to whole ticks), so
    # that live events happen after the state they change. Without live mode `ref` is `now`.
    ref = now - timedelta(seconds=TICK_SECONDS * ticks)
    today = now.date()

    team = _build_team(today)
    sprint, moves = _build_sprint(today, ref, _rng(seed, "sprint"), _rng(seed, "sprint-history"))
    experiments, running = _build_experiments(ref, _rng(seed, "experiments"))
    okrs = _build_okrs(today, _rng(seed, "okrs"))
    cost = _build_cost(now, _rng(seed, "cost"))

    if ticks:
        sprint = _apply_moves(sprint, moves, ref, ticks)
        launched = _live_launch(ref, _rng(seed, "live"))
        experiments = _advance_runs(experiments, running, launched, ref, now, ticks)
        cost = _add_live_spend(cost, now, ticks)

    return Snapshot(sprint=sprint, experiments=experiments, okrs=okrs, cost=cost, team=team)


class DemoSource:
    """The demo workspace as a data source: no network, no credentials, always succeeds."""

    kind: str = "demo"
    uses_network: bool = False

    def __init__(
        self, name: str = "demo", seed: int = 7, live_since: datetime | None = None
    ) -> None:
        self.name: str = name
        self.seed = seed
        self.live_since = live_since

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        return build_demo_snapshot(ctx.now, seed=self.seed, started_at=self.live_since)


# --- Shared helpers -------------------------------------------------------------------------


def _as_utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _live_ticks(now: datetime, started_at: datetime) -> int:
    elapsed = (now - started_at).total_seconds()
    return max(0, min(LIVE_TICK_CAP, int(elapsed // TICK_SECONDS)))


def _rng(seed: int, area: str) -> random.Random:
    # String seeds are hashed with SHA-512, so this is stable across runs and Python processes.
    return random.Random(f"cockpit-demo:{seed}:{area}")


def _at_tick(ref: datetime, tick: int) -> datetime:
    return ref + timedelta(seconds=TICK_SECONDS * tick)


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


# --- Team -----------------------------------------------------------------------------------


def _build_team(today: date) -> TeamData:
    # Tom takes the Friday of the current week off, so the team panel always shows one absence.
    friday = today - timedelta(days=today.weekday()) + timedelta(days=4)
    people = (
        Person(
            id="maya",
            name="Maya Chen",
            timezone="America/Los_Angeles",
            role="ML lead",
            location="San Francisco",
            country="US",
        ),
        Person(
            id="diego",
            name="Diego Alvarez",
            timezone="America/Los_Angeles",
            role="Research engineer",
            location="San Francisco",
            work_start="10:00",
            work_end="18:30",
            country="US",
        ),
        Person(
            id="samira",
            name="Samira Okafor",
            timezone="America/New_York",
            role="MLOps engineer",
            location="New York",
            country="US",
        ),
        Person(
            id="tom",
            name="Tom Fletcher",
            timezone="Europe/London",
            role="Data engineer",
            location="London",
            country="GB",
            away=(friday,),
        ),
        Person(
            id="lena",
            name="Lena Hoffmann",
            timezone="Europe/Berlin",
            role="Applied scientist",
            location="Berlin",
            country="DE",
        ),
        Person(
            id="priya",
            name="Priya Raman",
            timezone="Asia/Kolkata",
            role="Research engineer",
            location="Bangalore",
            country="IN",
        ),
        Person(
            id="arjun",
            name="Arjun Mehta",
            timezone="Asia/Kolkata",
            role="ML engineer",
            location="Bangalore",
            country="IN",
        ),
        Person(
            id="wei",
            name="Wei Ling Tan",
            timezone="Asia/Singapore",
            role="ML platform engineer",
            location="Singapore",
            country="SG",
        ),
        Person(
            id="aroha",
            name="Aroha Ngata",
            timezone="Pacific/Auckland",
            role="Applied scientist, speech",
            location="Auckland",
            work_start="08:00",
            work_end="16:30",
            country="NZ",
        ),
    )
    return TeamData(people=people)


# --- Sprint ---------------------------------------------------------------------------------
#
# The board carries its history the way Jira's changelog does: every issue knows when it moved
# between statuses, sprints and estimates. The twelve closed sprints are generated one after
# the other, with planning, scope creep, descoping, re-estimates and carry-over into the next
# sprint, so that velocity computed from the issues alone gives a believable chart (sprints
# carry no reported figures). The active sprint is a plan for all of its days, played up to
# `now`: work lands along a daily curve (the planning day is slow, one day is lost, weekends
# are flat) at ACTIVE_PACE of the ideal pace, after a bump of scope on days two and three.

BOARD = Board(
    id=42,
    name="ML Platform board",
    columns=(
        BoardColumn("To Do", ("To Do",)),
        BoardColumn("In Progress", ("In Progress", "Blocked")),
        BoardColumn("In Review", ("In Review",)),
        BoardColumn("Done", ("Done",)),
    ),
    url="https://acme-ml.atlassian.net/jira/software/projects/MLP/boards/42",
    site_url="https://acme-ml.atlassian.net",
)
POINTS_FIELD = "customfield_10016"
ACTIVE_SPRINT_NUMBER = 43
SPRINT_LENGTH = timedelta(days=14)
SPRINT_START_TIME = time(8, 0)
FIRST_ISSUE_NUMBER = 104
# The active sprint's plan gets ACTIVE_PACE of its scope done by the end: a little behind, as
# most sprints are.
ACTIVE_PACE = 0.9
# Relative throughput of a closed sprint's working day: some days much more gets done.
DAY_WEIGHTS: tuple[float, ...] = (0.5, 1.0, 1.0, 1.4, 2.0)
FIRST_DAY_WEIGHT = 0.6  # planning day
LOST_DAY = 6  # the active sprint's working day (0-based) that delivers nothing

CATEGORIES: Mapping[str, StatusCategory] = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "In Review": StatusCategory.IN_PROGRESS,
    "Blocked": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
}
UNASSIGNED_TODO = 2

CLOSED_SPRINT_GOALS: tuple[str, ...] = (
    "Ranker v2 retrained on Q2 data; feature store read path in staging",
    "Ship ranker v2.3 to 100%; whisper-small baseline for call-centre ASR",
    "Feature store GA for ranking features",
    "Training image on CUDA 12; fraud GBDT v7 feature set",
    "Eval harness v1: NDCG, MRR and per-segment reports",
    "Ranker v3 architecture spike; ASR labelling pipeline",
    "Ranker v3 training pipeline end to end",
    "Fraud model refresh signed off by the risk team",
    "Cut training cost: spot instances for hyper-parameter sweeps",
    "Ranker v3 beats v2 offline by 2% NDCG@10",
    "whisper-medium fine-tune baseline; latency budget for ranker v3",
    "Ranker v3 in shadow mode; model registry for all three models",
)
# The areas each closed sprint's work mostly came from (indices into AREAS), goal by goal.
CLOSED_SPRINT_FOCUS: tuple[tuple[int, ...], ...] = (
    (0, 1),
    (0, 2),
    (1,),
    (5, 4),
    (6,),
    (0, 3),
    (0, 5),
    (4,),
    (5,),
    (0, 6),
    (2, 7),
    (0, 7),
)
ACTIVE_SPRINT_GOAL = (
    "Ranker v3 serving 10% of search traffic at p95 under 150 ms, "
    "and a whisper-medium fine-tune that beats the call-centre WER baseline"
)
# Sprint 38 ran over the holidays: a visibly weaker sprint makes the velocity chart honest.
SLOW_SPRINT_INDEX = 7
SLOW_SPRINT_SHARE = 0.7
POINT_SIZES: tuple[int, ...] = (1, 2, 3, 5, 8)
POINT_WEIGHTS: tuple[int, ...] = (48, 36, 11, 4, 1)


class _IssueSpec(msgspec.Struct, frozen=True):
    summary: str
    issue_type: str
    points: int | None
    owner: str
    labels: tuple[str, ...]
    # How the issue came to be where it is in the active sprint: "" (planned in), "carried"
    # (started in the previous sprint, carried over), "added" (filed during the sprint),
    # "pulled" (pulled in from the backlog during the sprint), "stale", "blocked", "reopened",
    # "untouched" (big, and still not started however late it gets).
    role: str = ""
    estimated_from: int | None = None  # re-estimated during the sprint, from this estimate


def _spec(
    summary: str, issue_type: str, points: int | None, owner: str, *labels: str
) -> _IssueSpec:
    return _IssueSpec(summary, issue_type, points, owner, labels)


_ISSUES: tuple[_IssueSpec, ...] = (
    _spec("Add label-smoothing ablation to ranker v3", "Story", 2, "diego", "ranker", "experiment"),
    _spec("Backfill feature store for Q3 cohort", "Task", 2, "tom", "data", "feature-store"),
    _spec("Pin CUDA 12.4 base image for training jobs", "Task", 1, "samira", "infra"),
    _spec("Eval harness: add calibration (ECE) metric", "Story", 2, "lena", "eval"),
    _spec("Ranker v3: shadow-traffic comparison against v2", "Story", 2, "maya", "ranker"),
    _spec("Distil ranker v3 into a 4-layer student for serving", "Spike", 8, "diego", "ranker"),
    _spec("Fix NaN loss when a batch contains only negatives", "Bug", 1, "priya", "ranker"),
    _spec("Serve ranker v3 behind a 10% traffic flag", "Story", 2, "wei", "serving", "rollout"),
    _spec("Cut p95 ranking latency: batch embedding lookups", "Story", 3, "wei", "latency"),
    _spec("ASR: fine-tune whisper-medium on call-centre set v2", "Story", 5, "aroha", "asr"),
    _spec(
        "ASR: accent-stratified WER breakdown in eval report", "Story", 2, "aroha", "asr", "eval"
    ),
    _spec("Label QA: audit 500 sampled call-centre utterances", "Task", 2, "lena", "labeling"),
    _spec("Fraud GBDT: merchant-velocity features (set v8)", "Story", 3, "arjun", "fraud"),
    _spec("Fraud: investigate AUC dip on weekend traffic", "Spike", None, "arjun", "fraud"),
    _spec(
        "Training jobs OOM on p4d after NVIDIA driver update", "Bug", 2, "samira", "infra", "gpu"
    ),
    _spec("Spot-instance checkpoint/resume for long training runs", "Story", 2, "samira", "cost"),
    _spec("Migrate nightly eval DAG to Airflow 2", "Task", 2, "tom", "data", "tech-debt"),
    _spec("Data contract for the clickstream events table", "Story", 2, "tom", "data"),
    _spec("Dedupe examples leaking between train and val splits", "Bug", 2, "priya", "data"),
    _spec("MLflow: auto-tag runs with git SHA and image digest", "Task", 1, "wei", "mlops"),
    _spec("Model card for ranker v3", "Task", 1, "maya", "docs", "ranker"),
    _spec("Grafana: GPU utilisation per team", "Task", 2, "wei", "infra", "cost"),
    _spec("Flaky CI: test_feature_pipeline_parallel times out", "Bug", None, "arjun", "ci"),
    _spec("Compare bf16 vs fp16 mixed precision for ASR fine-tune", "Spike", 2, "aroha", "asr"),
    _spec("Hard-negative mining for ranker v3 training data", "Story", 2, "priya", "ranker"),
    _spec("Bump PyTorch to 2.5 in the training image", "Task", 1, "samira", "infra"),
    _spec("Offline/online correlation study for NDCG@10", "Spike", None, "lena", "eval"),
    _spec("Feature store: TTL for stale user embeddings", "Story", 2, "tom", "feature-store"),
    _spec("Drift monitor for fraud model input features", "Story", 2, "arjun", "monitoring"),
    _spec("Rotate service-account keys for the training cluster", "Task", 1, "samira", "security"),
    _spec("BigQuery: partition eval results table by date", "Task", 1, "tom", "data", "cost"),
    _spec("Ranker v3: NDCG@10 by segment (new vs returning)", "Story", 2, "diego", "eval"),
    _spec("ASR server returns empty transcript for 8 kHz audio", "Bug", None, "wei", "asr"),
    _spec("RFC: online/offline consistency checks for features", "Task", None, "maya", "rfc"),
    _spec("Reproduce ranker v2 baseline on the new data snapshot", "Task", 1, "priya", "ranker"),
    _spec("Fraud GBDT: early-stopping patience sweep", "Task", 1, "arjun", "fraud", "experiment"),
    _spec("Canary alert on model-serving error rate", "Story", 2, "wei", "serving", "monitoring"),
    _spec("Delete orphaned S3 checkpoints older than 90 days", "Task", 1, "samira", "cost"),
    _spec("Fraud: agree decision threshold with the risk team", "Task", 1, "lena", "fraud"),
    _spec("ASR: stream partial transcripts from the inference server", "Story", 5, "priya", "asr"),
)
# How issues came to be where they stand in the active sprint (see `_IssueSpec.role`).
ACTIVE_ROLES: Mapping[str, str] = {
    "Backfill feature store for Q3 cohort": "carried",
    "Eval harness: add calibration (ECE) metric": "reopened",
    "Fix NaN loss when a batch contains only negatives": "added",
    "Serve ranker v3 behind a 10% traffic flag": "blocked",
    "Cut p95 ranking latency: batch embedding lookups": "carried",
    "ASR: fine-tune whisper-medium on call-centre set v2": "carried",
    "Training jobs OOM on p4d after NVIDIA driver update": "added",
    "Migrate nightly eval DAG to Airflow 2": "stale",
    "Data contract for the clickstream events table": "blocked",
    "Dedupe examples leaking between train and val splits": "added",
    "ASR server returns empty transcript for 8 kHz audio": "added",
    "Canary alert on model-serving error rate": "pulled",
    "Fraud: agree decision threshold with the risk team": "stale",
    "ASR: stream partial transcripts from the inference server": "untouched",
}
# Re-estimated during the active sprint: the estimate before.
ESTIMATED_FROM: Mapping[str, int] = {
    "Distil ranker v3 into a 4-layer student for serving": 5,
    "Feature store: TTL for stale user embeddings": 3,
}
ACTIVE_ISSUES: tuple[_IssueSpec, ...] = tuple(
    msgspec.structs.replace(
        spec,
        role=ACTIVE_ROLES.get(spec.summary, ""),
        estimated_from=ESTIMATED_FROM.get(spec.summary),
    )
    for spec in _ISSUES
)

# Planned into the active sprint, then taken out of it on its third day.
DESCOPED_ISSUES: tuple[tuple[_IssueSpec, bool], ...] = (  # (spec, moved to the next sprint)
    (_spec("Ranker v3: listwise loss variant (LambdaLoss)", "Story", 3, "diego", "ranker"), True),
    (_spec("Upgrade Ray to 2.x on the sweep cluster", "Task", 2, "samira", "infra"), False),
)

FUTURE_ISSUES: tuple[_IssueSpec, ...] = (
    _spec("Ranker v4: multi-task (click + dwell) objective prototype", "Spike", 13, "diego"),
    _spec("Move training jobs onto a Kueue-managed GPU queue", "Story", 13, "samira", "infra"),
    _spec("ASR: evaluate whisper-large-v3-turbo on call-centre set", "Spike", 5, "aroha", "asr"),
    _spec("Fraud: champion/challenger A/B with risk sign-off", "Story", 3, "arjun", "fraud"),
    _spec("Feature store: point-in-time join correctness tests", "Story", 3, "tom", "data"),
    _spec("Eval harness: bootstrap confidence intervals", "Story", 2, "lena", "eval"),
    _spec("Autoscale ranker serving on GPU utilisation", "Story", None, "wei", "serving"),
    _spec("Quarterly cost review: rightsize SageMaker endpoints", "Task", None, "maya", "cost"),
)

# Epics by the issue's first label.
LABEL_EPICS: Mapping[str, str] = {
    "ranker": "Ranker v3 launch",
    "serving": "Ranker v3 launch",
    "latency": "Ranker v3 launch",
    "rollout": "Ranker v3 launch",
    "docs": "Ranker v3 launch",
    "asr": "Call-centre speech recognition",
    "labeling": "Call-centre speech recognition",
    "fraud": "Fraud model v8",
    "monitoring": "Fraud model v8",
    "eval": "Eval harness",
    "data": "Feature store and data quality",
    "feature-store": "Feature store and data quality",
    "infra": "Training platform",
    "cost": "Training platform",
    "mlops": "Training platform",
    "security": "Training platform",
    "ci": "Training platform",
}

PRIORITIES: tuple[str, ...] = ("Highest", "High", "Medium", "Low")
PRIORITY_WEIGHTS: Mapping[str, tuple[int, ...]] = {
    "Bug": (15, 45, 35, 5),
    "Story": (3, 27, 55, 15),
    "Task": (2, 18, 55, 25),
    "Spike": (0, 20, 60, 20),
}


PRIORITY_CUM_WEIGHTS: Mapping[str, tuple[int, ...]] = {
    kind: tuple(itertools.accumulate(weights)) for kind, weights in PRIORITY_WEIGHTS.items()
}


class _Area(msgspec.Struct, frozen=True):
    """Where the closed sprints' work came from: each summary is a task with a filler."""

    epic: str
    labels: tuple[str, ...]
    owners: tuple[str, ...]
    types: tuple[str, ...]  # repeated names weigh the draw
    tasks: tuple[str, ...]
    fills: tuple[str, ...]

    def summaries(self) -> tuple[str, ...]:
        return tuple(task.format(fill) for fill in self.fills for task in self.tasks)


AREAS: tuple[_Area, ...] = (
    _Area(
        "Search ranking",
        ("ranker",),
        ("diego", "maya", "priya", "diego"),
        ("Story", "Story", "Task", "Task", "Spike"),
        (
            "Ranker {}: retrain on the latest click logs",
            "Ranker {}: ablate query-length features",
            "Ranker {}: NDCG@10 drop on long-tail queries",
            "Ranker {}: export to ONNX for serving",
            "Ranker {}: tune learning-rate warm-up",
            "Ranker {}: add dwell-time labels",
            "Ranker {}: hard-negative sampling ratio sweep",
            "Ranker {}: per-segment offline report",
            "Ranker {}: feature importance review",
            "Ranker {}: fix position-bias correction",
            "Ranker {}: shrink embeddings to 128 dims",
            "Ranker {}: pairwise vs listwise loss",
            "Ranker {}: A/B analysis write-up",
            "Ranker {}: cache candidate embeddings",
            "Ranker {}: query-category features",
            "Ranker {}: freshness boost for new items",
            "Ranker {}: dedupe near-identical results",
            "Ranker {}: batch-size and LR scaling study",
            "Ranker {}: offline replay of last week's traffic",
            "Ranker {}: gradient clipping after loss spikes",
        ),
        ("v2", "v2.2", "v2.3", "v3", "v3-small"),
    ),
    _Area(
        "Feature store and data quality",
        ("feature-store", "data"),
        ("tom", "wei", "tom"),
        ("Story", "Task", "Task"),
        (
            "Feature store: backfill {} features",
            "Feature store: point-in-time reads for {} features",
            "Feature store: TTL policy for {} features",
            "Feature store: freshness alert on {} features",
            "Feature store: move {} features to the online store",
            "Feature store: schema docs for {} features",
            "Feature store: load-test the {} read path",
            "Feature store: dedupe {} feature writes",
            "Feature store: null-rate checks on {} features",
            "Feature store: retire unused {} features",
        ),
        ("ranking", "fraud", "user", "session", "merchant", "query", "device"),
    ),
    _Area(
        "Call-centre speech recognition",
        ("asr",),
        ("aroha", "priya", "aroha", "lena"),
        ("Story", "Story", "Task", "Spike"),
        (
            "ASR: {} baseline on the call-centre set",
            "ASR: fine-tune {} with SpecAugment",
            "ASR: {} latency on a T4",
            "ASR: number normalisation before scoring {}",
            "ASR: {} beam-size sweep",
            "ASR: export {} to CTranslate2",
            "ASR: LM rescoring for {}",
            "ASR: noise augmentation for {}",
            "ASR: {} on 8 kHz telephone audio",
            "ASR: error analysis of {} on accents",
        ),
        ("whisper-small", "whisper-medium", "whisper-base", "wav2vec2", "conformer"),
    ),
    _Area(
        "Call-centre speech recognition",
        ("labeling",),
        ("lena", "aroha"),
        ("Task", "Task", "Story"),
        (
            "Label QA: audit call-centre batch {}",
            "Labelling: export batch {} to the training bucket",
            "Labelling: inter-annotator agreement on batch {}",
            "Labelling: guideline fixes after batch {}",
            "Labelling: vendor invoice check for batch {}",
        ),
        ("3", "4", "5", "6", "7", "8", "9", "10"),
    ),
    _Area(
        "Fraud model",
        ("fraud",),
        ("arjun", "lena", "arjun"),
        ("Story", "Task", "Task", "Spike"),
        (
            "Fraud GBDT {}: feature review with the risk team",
            "Fraud GBDT {}: retrain on the last 90 days",
            "Fraud GBDT {}: score calibration",
            "Fraud GBDT {}: SHAP report for risk",
            "Fraud GBDT {}: threshold sweep on holdout",
            "Fraud GBDT {}: shadow scoring in production",
            "Fraud GBDT {}: monotonic constraints on amounts",
            "Fraud GBDT {}: drift check on inputs",
            "Fraud GBDT {}: chargeback label delay study",
            "Fraud GBDT {}: class-weight sweep",
        ),
        ("v5", "v6", "v6.1", "v7", "v7.1", "v8"),
    ),
    _Area(
        "Training platform",
        ("infra",),
        ("samira", "wei", "samira"),
        ("Task", "Task", "Story"),
        (
            "Training image: upgrade to {}",
            "Training image: smoke tests on {}",
            "Training image: pin NCCL for {}",
            "Benchmark a ranker epoch on {}",
            "Spot interruptions: checkpoint {} jobs",
            "GPU quota per namespace for {} jobs",
            "Alert on idle GPU nodes running {}",
            "Cache wheels for {} builds",
            "Cost report for {} jobs",
            "Retry policy for preempted {} jobs",
        ),
        ("CUDA 12.1", "CUDA 12.2", "PyTorch 2.3", "PyTorch 2.4", "sweep", "eval", "p4d", "A100"),
    ),
    _Area(
        "Eval harness",
        ("eval",),
        ("lena", "diego", "priya"),
        ("Story", "Story", "Task"),
        (
            "Eval harness: add {}",
            "Eval harness: regression test for {}",
            "Eval harness: dashboard panel for {}",
            "Eval harness: confidence intervals for {}",
            "Eval harness: nightly job for {}",
            "Eval harness: baseline snapshot of {}",
            "Eval harness: docs for {}",
        ),
        (
            "NDCG@10",
            "MRR",
            "recall@50",
            "per-segment reports",
            "latency percentiles",
            "WER",
            "AUC",
            "calibration",
            "coverage",
        ),
    ),
    _Area(
        "MLOps",
        ("mlops",),
        ("wei", "samira", "maya"),
        ("Task", "Story", "Task"),
        (
            "Model registry: register {}",
            "Serving: canary rollout for {}",
            "Serving: autoscaling policy for {}",
            "MLflow: backfill run tags for {}",
            "Monitoring: latency SLO for {}",
            "Serving: load test for {}",
            "Runbook: rollback of {}",
            "Serving: request logging for {}",
        ),
        ("ranker v2", "ranker v3", "fraud GBDT", "whisper-medium", "whisper-small", "embeddings"),
    ),
)
BUG_AREA = _Area(
    "",
    ("bug",),
    ("priya", "samira", "tom", "wei", "arjun"),
    ("Bug",),
    (
        "NaN loss in {} training after resume",
        "{} nightly job OOMs on large shards",
        "Wrong timezone in the {} daily report",
        "{} eval job fails on an empty shard",
        "Flaky test in the {} pipeline",
        "Stale scores served for {} after deploy",
        "{} dashboard double-counts retries",
    ),
    ("ranker", "fraud", "ASR", "feature store", "eval"),
)
# Every summary each area can give, built once.
AREA_SUMMARIES: tuple[tuple[str, ...], ...] = tuple(a.summaries() for a in (*AREAS, BUG_AREA))
POINT_CUM_WEIGHTS = tuple(itertools.accumulate(POINT_WEIGHTS))


def _any(rng: random.Random, options: Sequence[_T]) -> _T:
    """`rng.choice`, without its rejection sampling: the board draws a few thousand of these."""
    return options[int(rng.random() * len(options))]


def _weighted(rng: random.Random, options: Sequence[_T], cumulative: Sequence[int]) -> _T:
    """`rng.choices(options, cum_weights=cumulative)[0]`, cheaper."""
    return options[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


class _Move(msgspec.Struct, frozen=True):
    key: str
    status: str


# While the board is generated, moments are float seconds relative to the active sprint's start
# (a Monday at 08:00 UTC): a few thousand changelog entries are much cheaper to compute this way
# than with datetimes, and a week later every one of them is the same number. `_Track.freeze`
# turns them into datetimes, truncated to whole seconds like Jira's.
D = 86400.0
H = 3600.0
SECOND = timedelta(seconds=1)


class _Track:
    """An issue while its history is being written; frozen into an `Issue` at the end."""

    __slots__ = (
        "created",
        "epic",
        "flagged",
        "issue_type",
        "labels",
        "owner",
        "points",
        "points_changes",
        "priority",
        "resolved",
        "sprint_changes",
        "sprint_ids",
        "sprints",
        "status",
        "status_changes",
        "summary",
        "touched",
    )

    def __init__(
        self,
        summary: str,
        issue_type: str,
        owner: str | None,
        labels: tuple[str, ...],
        epic: str,
        priority: str,
        created: float,
        points: float | None,
    ) -> None:
        self.summary = summary
        self.issue_type = issue_type
        self.owner = owner
        self.labels = labels
        self.epic = epic
        self.priority = priority
        self.created = float(math.floor(created))
        self.points = points
        self.status = "To Do"
        self.flagged = False
        self.resolved: float | None = None
        self.sprints: tuple[int, ...] = ()  # the Sprint field now
        self.sprint_ids: list[int] = []
        self.status_changes: list[tuple[float, str, str]] = []
        self.sprint_changes: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
        self.points_changes: list[tuple[float, float | None, float | None]] = []
        self.touched = self.created  # the last edit: `updated`

    def _touch(self, at: float) -> float:
        at = float(math.floor(max(at, self.touched)))
        self.touched = at
        return at

    def move(self, at: float, status: str) -> None:
        at = self._touch(at)
        self.status_changes.append((at, self.status, status))
        self.resolved = at if status == "Done" else None
        self.status = status

    def file_into(self, sprint: int) -> None:
        """Created straight into a sprint: no changelog entry, like Jira."""
        self.sprints, self.sprint_ids = (sprint,), [sprint]

    def set_sprints(self, at: float, sprints: tuple[int, ...]) -> None:
        at = self._touch(at)
        self.sprint_changes.append((at, self.sprints, sprints))
        self.sprints = sprints
        self.sprint_ids += [s for s in sprints if s not in self.sprint_ids]

    def estimate(self, at: float, points: float | None) -> None:
        at = self._touch(at)
        self.points_changes.append((at, self.points, points))
        self.points = points

    def freeze(self, key: str, open_sprints: frozenset[int], origin: datetime) -> Issue:
        def when(moment: float) -> datetime:
            return origin + SECOND * int(moment)

        open_now = [s for s in self.sprints if s in open_sprints]
        return Issue(
            key=key,
            summary=self.summary,
            status=self.status,
            category=CATEGORIES[self.status],
            issue_type=self.issue_type,
            assignee=self.owner,
            points=self.points,
            priority=self.priority,
            labels=self.labels,
            flagged=self.flagged,
            sprint_id=open_now[-1] if open_now else None,
            created=when(self.created),
            updated=when(self.touched),
            resolved=None if self.resolved is None else when(self.resolved),
            sprint_ids=tuple(self.sprint_ids),
            epic=self.epic,
            status_changes=tuple(StatusChange(when(t), a, b) for t, a, b in self.status_changes),
            sprint_changes=tuple(SprintChange(when(t), a, b) for t, a, b in self.sprint_changes),
            points_changes=tuple(PointsChange(when(t), a, b) for t, a, b in self.points_changes),
        )


def _active_sprint_start(today: date) -> datetime:
    """Sprints start on Mondays; pick the one that puts today between working days 4 and 8."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() < 3:
        monday -= timedelta(days=7)
    return datetime.combine(monday, SPRINT_START_TIME, tzinfo=UTC)


def _working_periods(start: float) -> list[float]:
    """The starts of a sprint's working days: 24-hour periods from its (Monday) start."""
    return [start + D * offset for offset in range(SPRINT_LENGTH.days) if offset % 7 < 5]


def _completion_times(
    efforts: Sequence[float], periods: Sequence[float], weights: Sequence[float], until: float
) -> list[float]:
    """When each piece of work (in completion order) was finished, along a daily work curve.

    Each working day delivers in proportion to its weight (its elapsed part only, for the day
    `until` falls in), so zero-weight days and weekends are flat stretches of the burndown.
    """
    spans: list[tuple[float, float]] = []
    capacity: list[float] = []
    for begin, weight in zip(periods, weights, strict=False):
        if begin >= until:
            break
        span = min(D, until - begin)
        spans.append((begin, span))
        capacity.append(weight * span / D)
    if sum(capacity) <= 0:
        capacity = [span / D for _, span in spans]
    cumulative = list(itertools.accumulate(capacity))
    total, available = sum(efforts), cumulative[-1]
    times = []
    done = 0.0
    for effort in efforts:
        goal = (done + effort / 2) / total * available
        done += effort
        index = min(bisect.bisect_left(cumulative, goal), len(spans) - 1)
        share = capacity[index]
        within = (goal - (cumulative[index] - share)) / share if share else 0.5
        begin, span = spans[index]
        times.append(min(begin + span * within, until - 300.0))
    return times


def _finish(track: _Track, done_at: float, floor: float, rng: random.Random) -> None:
    """Walk the issue from wherever it stands to Done at `done_at`, through review mostly."""
    earliest = max(floor, track.touched) + 1200.0
    done_at = max(done_at, earliest + 1200.0)
    gap = done_at - earliest
    if track.status == "To Do":
        track.move(earliest + gap * 0.4 * rng.random(), "In Progress")
    if track.status != "In Review" and rng.random() < 0.75:
        track.move(done_at - gap * (0.05 + 0.25 * rng.random()), "In Review")
    track.move(done_at, "Done")


class _Namer:
    """Unique summaries for the closed sprints' issues, drawn without replacement per area."""

    def __init__(self, taken: Iterable[str], rng: random.Random) -> None:
        self.taken = set(taken)
        self.rng = rng
        self.queues: dict[int, list[int]] = {}
        self.rounds: dict[int, int] = {}

    def pick(self, area: int) -> str:
        pool = AREA_SUMMARIES[area]
        while True:
            queue = self.queues.get(area)
            if not queue:
                queue = self.queues[area] = self.rng.sample(range(len(pool)), len(pool))
                self.rounds[area] = self.rounds.get(area, 0) + 1
            summary = pool[queue.pop()]
            if self.rounds[area] > 1:  # the area ran dry: the same work again, a second time
                summary = f"{summary} (part {self.rounds[area]})"
            if summary not in self.taken:
                self.taken.add(summary)
                return summary


def _area(focus: Sequence[int], rng: random.Random) -> int:
    """Most of a sprint's work comes from its focus areas, the rest from anywhere."""
    return _any(rng, focus) if rng.random() < 0.6 else int(rng.random() * len(AREAS))


def _closed_issue(
    area: int,
    namer: _Namer,
    created: float,
    points: float | None,
    estimated_by: float,
    rng: random.Random,
) -> _Track:
    spec = BUG_AREA if area == len(AREAS) else AREAS[area]
    issue_type = _any(rng, spec.types)
    priority = _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[issue_type])
    track = _Track(
        namer.pick(area),
        issue_type,
        _any(rng, spec.owners),
        spec.labels,
        spec.epic,
        priority,
        created,
        None,
    )
    if points is not None:
        if rng.random() < 0.6:
            track.points = points  # estimated when it was filed
        else:  # estimated later, in refinement
            track.estimate(created + (estimated_by - created) * (0.1 + 0.8 * rng.random()), points)
    return track


def _build_history(
    carried: Sequence[_Track], rng: random.Random
) -> tuple[list[tuple[int, float, float]], list[_Track], float]:
    """The closed sprints, oldest first, and every issue that passed through them.

    Each sprint is planned to a commitment, gets re-estimates, sometimes loses an item, takes
    in bugs and asks, then closes with part of its work done; what is left moves into the next
    sprint. `carried` are active-sprint issues started in the last closed sprint: they are in it
    from its start and are its only unfinished work. Returns (sprint id, start, close) per sprint,
    the issues (carried ones excluded) and the moment the last sprint closed.
    """
    count = len(CLOSED_SPRINT_GOALS)
    floor = -SPRINT_LENGTH.total_seconds() * count - 14 * D  # nothing older than this
    namer = _Namer(
        [s.summary for s in (*ACTIVE_ISSUES, *FUTURE_ISSUES)]
        + [s.summary for s, _ in DESCOPED_ISSUES],
        rng,
    )
    sprints: list[tuple[int, float, float]] = []
    tracks: list[_Track] = []
    carry_in: list[_Track] = []
    closed_at = 0.0
    for index in range(count):
        sprint_id = 300 + ACTIVE_SPRINT_NUMBER - count + index
        last = index == count - 1
        start = -14 * D * (count - index)
        # Closed on the Monday morning, just before the next planning meeting.
        closed_at = float(math.floor(start + 14 * D - H * (0.5 + 4.5 * rng.random())))
        planning = start - H * (2 + 18 * rng.random())
        filed_from = max(floor, planning - 25 * D)
        focus = CLOSED_SPRINT_FOCUS[index]
        working = _working_periods(start)

        target = rng.randint(60, 68) if index == SLOW_SPRINT_INDEX else rng.randint(54, 68)
        committed = sum(t.points or 0.0 for t in carry_in)
        if last:
            committed += sum(t.points or 0.0 for t in carried)
        planned: list[_Track] = []
        while committed < target:
            points = _weighted(rng, POINT_SIZES, POINT_CUM_WEIGHTS)
            points = float(min(points, max(p for p in POINT_SIZES if p <= target - committed)))
            created = filed_from + (planning - filed_from) * 0.95 * rng.random()
            area = _area(focus, rng)
            planned.append(_closed_issue(area, namer, created, points, planning, rng))
            committed += points
        for _ in range(rng.randint(0, 2)):  # spikes and chores nobody estimated
            created = filed_from + (planning - filed_from) * 0.95 * rng.random()
            area = _area(focus, rng)
            planned.append(_closed_issue(area, namer, created, None, planning, rng))
        for track in planned:
            track.set_sprints(planning, (sprint_id,))

        # During the sprint: re-estimates, a descoped item, bugs and asks that come in.
        for track in rng.sample(planned, min(len(planned), rng.randint(0, 2))):
            size = int(track.points or 0)
            if size < 2:
                continue
            bigger = not last and rng.random() < 0.5 and size < POINT_SIZES[-1]
            new = POINT_SIZES[POINT_SIZES.index(size) + 1] if bigger else 1
            track.estimate(_any(rng, working[1:6]) + H * (1 + 8 * rng.random()), float(new))
        removed: _Track | None = None
        if rng.random() < 0.5 and planned and not last:
            removed = planned[int(rng.random() * len(planned))]
            removed.set_sprints(_any(rng, working[2:7]) + H * (1 + 8 * rng.random()), ())
        added: list[_Track] = []
        for _ in range(1 if last else rng.randint(1, 3)):
            moment = _any(rng, working[1:8]) + H * (0.5 + 9.5 * rng.random())
            points = _any(rng, (1.0, 1.0, 2.0, 2.0, 3.0, None))
            kind = len(AREAS) if rng.random() < 0.6 else _area(focus, rng)
            track = _closed_issue(kind, namer, moment, points, moment + 8 * H, rng)
            track.file_into(sprint_id)
            added.append(track)

        # Closing: the work done, in the order it got done (carried-in work first).
        rng.shuffle(planned)
        members = carry_in + [t for t in planned if t is not removed] + added
        if last:
            goal = math.inf
        elif index == SLOW_SPRINT_INDEX:
            goal = math.ceil(committed * SLOW_SPRINT_SHARE)
        else:
            goal = round(committed * (0.78 + 0.19 * rng.random()))
        done: list[_Track] = []
        left: list[_Track] = []
        done_points = 0.0
        for track in members:
            size = track.points or 0.0
            skipped = track.points is None and not last and rng.random() < 0.3
            if not skipped and done_points + size <= goal:
                done.append(track)
                done_points += size
            else:
                left.append(track)
        weights = [FIRST_DAY_WEIGHT] + [_any(rng, DAY_WEIGHTS) for _ in working[1:]]
        times = _completion_times([t.points or 1.0 for t in done], working, weights, closed_at)
        for track, moment in zip(done, times, strict=True):
            _finish(track, moment, max(start, track.created), rng)
        for track in left:
            if track.status == "To Do" and rng.random() < 0.6:
                track.move(_any(rng, working[3:]) + H * (1 + 9 * rng.random()), "In Progress")
            track.set_sprints(closed_at, (*track.sprints, sprint_id + 1))
        carry_in = left
        tracks += planned
        tracks += added
        sprints.append((sprint_id, start, closed_at))
    return sprints, tracks, closed_at


def _build_sprint(
    today: date, ref: datetime, rng: random.Random, history_rng: random.Random
) -> tuple[SprintData, tuple[_Move, ...]]:
    origin = _active_sprint_start(today)
    now = (ref - origin).total_seconds()  # `ref`, on the sprint clock
    active_id = 300 + ACTIVE_SPRINT_NUMBER
    previous_id, future_id = active_id - 1, active_id + 1
    previous = -14 * D

    # Every draw happens whatever today's weekday, so the board only changes where it should.
    draws = [[rng.random() for _ in range(6)] for _ in ACTIVE_ISSUES]
    priorities = [
        _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[s.issue_type]) for s in ACTIVE_ISSUES
    ]
    order = list(range(len(ACTIVE_ISSUES)))
    rng.shuffle(order)
    working = _working_periods(0.0)
    # A steady team: every working day delivers about as much, give or take 40%, except the
    # planning day and the second Tuesday, lost to an incident review (a plateau).
    weights = [FIRST_DAY_WEIGHT] + [0.6 + 0.8 * rng.random() for _ in working[1:]]
    weights[LOST_DAY] = 0.0

    tracks: list[_Track] = []
    carried: list[_Track] = []
    for spec, u, priority in zip(ACTIVE_ISSUES, draws, priorities, strict=True):
        filed = -D * (2 + 40 * u[0])
        if spec.role == "carried":
            filed = previous - D * (2 + 20 * u[0])
        elif spec.role == "added":
            filed = D * (1 + (u[0] > 0.5)) + H * (1 + 7 * u[1])
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], "") if spec.labels else "",
            "High" if spec.role == "blocked" else priority,
            filed,
            None if spec.points is None else float(spec.estimated_from or spec.points),
        )
        tracks.append(track)
        if spec.role == "carried":  # planned into the previous sprint and started there
            carried.append(track)
            track.set_sprints(previous - H * (3 + 30 * u[1]), (previous_id,))
            track.move(previous + D * (4 + 6 * u[2]) + 3 * H, "In Progress")
    history, closed_tracks, last_close = _build_history(carried, history_rng)

    # Planning, then the first days' changes: scope comes in, scope goes out.
    planning = -16 * H
    for spec, track, u in zip(ACTIVE_ISSUES, tracks, draws, strict=True):
        if spec.role == "carried":
            track.set_sprints(last_close, (previous_id, active_id))
        elif spec.role == "stale":  # picked up early, then stuck
            started = -D * (2.2 + 0.8 * u[2])
            track.set_sprints(min(planning, started - D), (active_id,))
            track.move(started, "In Progress")
        elif spec.role == "pulled":
            track.set_sprints(2 * D + H * (1 + 3 * u[1]), (active_id,))
        elif spec.role == "added":
            track.file_into(active_id)
            if spec.points is not None:  # estimated in the next stand-up
                track.points = None
                track.estimate(track.created + H * (1 + 2 * u[3]), float(spec.points))
        else:
            track.set_sprints(planning - 30 * H * u[1], (active_id,))
        if spec.estimated_from is not None:
            # The spike grew on day two; the TTL story shrank on day three.
            grew = (spec.points or 0) > spec.estimated_from
            track.estimate(D * (1 if grew else 2) + 4 * H, float(spec.points or 0))
    descoped = []
    for number, (spec, to_next) in enumerate(DESCOPED_ISSUES):
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], ""),
            "Medium",
            -D * (9 + 5 * number),
            float(spec.points or 0),
        )
        track.set_sprints(planning - 2 * H, (active_id,))
        track.set_sprints(2 * D + H * (5 + number), (future_id,) if to_next else ())
        descoped.append(track)

    # The sprint's plan: what gets done when, at about ACTIVE_PACE of the ideal pace, carried-over
    # work first. The board is the plan played up to `now`, so as `now` moves on, work moves
    # forward and the past stays put.
    def effort(i: int) -> float:
        return float(ACTIVE_ISSUES[i].points or 1.5)

    rank = {"carried": 0, "": 1, "pulled": 2, "added": 2}
    finishing = [i for i in order if ACTIVE_ISSUES[i].role in rank]
    finishing.sort(key=lambda i: rank[ACTIVE_ISSUES[i].role])
    goal = ACTIVE_PACE * sum(effort(i) for i in order)
    planned: list[int] = []
    total = 0.0
    for i in finishing:
        if total + effort(i) <= goal:
            planned.append(i)
            total += effort(i)
    times = _completion_times([effort(i) for i in planned], working, weights, working[-1] + D)
    schedule: list[tuple[float, int, str]] = []
    for i, done_at in zip(planned, times, strict=True):
        u, track = draws[i], tracks[i]
        floor = max(0.0, track.touched) + 1800.0
        done_at = max(done_at, floor + 2 * H)
        started = track.touched
        if track.status == "To Do":
            started = max(floor, done_at - D * (1.0 + 3.5 * u[3]))
            schedule.append((started, i, "In Progress"))
        if u[4] < 0.8:  # reviews wait for the next time zone: they take a while
            schedule.append((done_at - (done_at - started) * (0.15 + 0.35 * u[5]), i, "In Review"))
        schedule.append((done_at, i, "Done"))
    # A few more get picked up late in the sprint; they will carry over.
    late = [i for i in finishing if i not in planned and tracks[i].status == "To Do"]
    for n, i in enumerate(late[:3]):
        schedule.append((working[7 + n] + H * (2 + 6 * draws[i][3]), i, "In Progress"))
    # Blocked early on; reopened after review, then done again the week after.
    for i, spec in enumerate(ACTIVE_ISSUES):
        u = draws[i]
        if spec.role == "blocked":
            schedule.append((H * (1 + 16 * u[4]), i, "In Progress"))
            schedule.append((D + H * (2 + 20 * u[3]), i, "Blocked"))
            tracks[i].flagged = True
        elif spec.role == "reopened":
            schedule.append((H * (2 + 4 * u[3]), i, "In Progress"))
            schedule.append((D + H, i, "In Review"))
            schedule.append((D + 6 * H, i, "Done"))
            schedule.append((2 * D + 10 * H, i, "In Progress"))
            schedule.append((4 * D + 3 * H, i, "In Review"))
            schedule.append((7 * D + 5 * H, i, "Done"))
        elif spec.role == "stale":
            tracks[i].flagged = spec.labels[0] == "fraud"  # waiting on the risk team
    schedule.sort()
    for moment, i, status in schedule:
        if moment <= now - 300.0:
            tracks[i].move(moment, status)

    future = []
    for spec in FUTURE_ISSUES:
        u_created, u_planned = rng.random(), rng.random()
        priority = _weighted(rng, PRIORITIES, PRIORITY_CUM_WEIGHTS[spec.issue_type])
        filed = now - D * (1 + 20 * u_created)
        track = _Track(
            spec.summary,
            spec.issue_type,
            spec.owner,
            spec.labels,
            LABEL_EPICS.get(spec.labels[0], "") if spec.labels else "",
            priority,
            filed,
            None if spec.points is None else float(spec.points),
        )
        track.set_sprints(min(now, filed + H * (0.2 + 30 * u_planned)), (future_id,))
        future.append(track)

    everything = closed_tracks + tracks + descoped + future
    keys = _issue_keys([track.created for track in everything], rng)
    open_sprints = frozenset({active_id, future_id})
    issues = [t.freeze(key, open_sprints, origin) for t, key in zip(everything, keys, strict=True)]
    issues = _unassign_newest_todo(issues, active_id)
    issues.sort(key=lambda issue: int(issue.key.removeprefix("MLP-")))

    closed = [
        Sprint(
            id=sprint_id,
            name=f"MLP Sprint {sprint_id - 300}",
            state="closed",
            goal=goal_text,
            start=origin + timedelta(seconds=start),
            end=origin + timedelta(seconds=start) + SPRINT_LENGTH,
            completed=origin + timedelta(seconds=close),
        )
        for (sprint_id, start, close), goal_text in zip(history, CLOSED_SPRINT_GOALS, strict=True)
    ]
    active = Sprint(
        id=active_id,
        name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER}",
        state="active",
        goal=ACTIVE_SPRINT_GOAL,
        start=origin,
        end=origin + SPRINT_LENGTH,
    )
    upcoming = Sprint(id=future_id, name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER + 1}", state="future")
    data = SprintData(
        board=BOARD,
        sprints=(*closed, active, upcoming),
        issues=tuple(issues),
        points_field=POINTS_FIELD,
        status_categories=dict(CATEGORIES),
    )
    stale = {id(t) for t, s in zip(tracks, ACTIVE_ISSUES, strict=True) if s.role == "stale"}
    stale_keys = {key for key, track in zip(keys, everything, strict=True) if id(track) in stale}
    return data, _plan_moves(issues, active_id, stale_keys)


def _issue_keys(created: Sequence[float], rng: random.Random) -> list[str]:
    """Number issues in creation order, with gaps where other projects' issues were filed."""
    gaps = [_any(rng, (1, 1, 1, 1, 1, 2, 3)) for _ in created]
    keys = [""] * len(created)
    number = FIRST_ISSUE_NUMBER
    in_creation_order = sorted(range(len(created)), key=lambda i: (created[i], i))
    for gap, index in zip(gaps, in_creation_order, strict=True):
        number += gap
        keys[index] = f"MLP-{number}"
    return keys


def _unassign_newest_todo(issues: list[Issue], sprint_id: int) -> list[Issue]:
    # The most recently filed work has not been picked up yet.
    todo = [
        i
        for i, issue in enumerate(issues)
        if issue.sprint_id == sprint_id and issue.status == "To Do"
    ]
    newest = sorted(todo, key=lambda i: issues[i].created or datetime.min.replace(tzinfo=UTC))
    result = list(issues)
    for index in newest[-UNASSIGNED_TODO:]:
        result[index] = msgspec.structs.replace(result[index], assignee=None)
    return result


def _plan_moves(issues: Sequence[Issue], sprint_id: int, stale_keys: set[str]) -> tuple[_Move, ...]:
    """The live script for the board: work flows one column right, review queue first."""

    def movable(status: str) -> list[Issue]:
        return [
            issue
            for issue in issues
            if issue.sprint_id == sprint_id
            and issue.status == status
            and issue.assignee is not None
            and issue.key not in stale_keys
        ]

    lanes = (
        [_Move(issue.key, "Done") for issue in movable("In Review")],
        [_Move(issue.key, "In Review") for issue in movable("In Progress")],
        [_Move(issue.key, "In Progress") for issue in movable("To Do")],
    )
    moves: list[_Move] = []
    for round_index in range(max(len(lane) for lane in lanes)):
        moves += [lane[round_index] for lane in lanes if round_index < len(lane)]
    return tuple(moves[:MAX_MOVES])


def _apply_moves(data: SprintData, moves: Sequence[_Move], ref: datetime, ticks: int) -> SprintData:
    if ticks < FIRST_MOVE_TICK:
        return data
    count = min(len(moves), (ticks - FIRST_MOVE_TICK) // MOVE_EVERY_TICKS + 1)
    changes: dict[str, tuple[str, datetime]] = {}
    for index, move in enumerate(moves[:count]):
        moved_at = _whole_seconds(_at_tick(ref, FIRST_MOVE_TICK + index * MOVE_EVERY_TICKS))
        changes[move.key] = (move.status, moved_at)
    issues = []
    for issue in data.issues:
        if issue.key in changes:
            status, moved_at = changes[issue.key]
            issue = msgspec.structs.replace(
                issue,
                status=status,
                category=CATEGORIES[status],
                updated=moved_at,
                resolved=moved_at if status == "Done" else None,
                status_changes=(
                    *issue.status_changes,
                    StatusChange(moved_at, issue.status, status),
                ),
            )
        issues.append(issue)
    return msgspec.structs.replace(data, issues=tuple(issues))


# --- Experiments ----------------------------------------------------------------------------

TRACKER = "mlflow"
RUN_ADJECTIVES: tuple[str, ...] = (
    "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "dapper", "eager", "fleet",
    "gentle", "glossy", "honest", "jolly", "keen", "lucky", "mellow", "nimble", "polite", "quiet",
    "rare", "silent", "smooth", "sunny", "tidy", "vivid", "wise", "zesty",
)  # fmt: skip
RUN_ANIMALS: tuple[str, ...] = (
    "ant", "auk", "bass", "bat", "bear", "carp", "colt", "crab", "crow", "deer", "doe", "eel",
    "finch", "fox", "gnu", "hare", "hawk", "heron", "lark", "lynx", "mink", "mole", "newt", "owl",
    "panda", "seal", "shrew", "snail", "squid", "stoat", "swan", "wren", "yak",
)  # fmt: skip


class _RunningSpec(msgspec.Struct, frozen=True):
    """A run that is still going in the base state."""

    user: str
    age_hours: float
    finish_tick: int | None  # when live mode finishes it; None: keeps going
    hours: float = 0.0  # planned length, only used when it does not finish live


class _ExperimentSpec(msgspec.Struct, frozen=True):
    experiment: Experiment
    finished_runs: int
    window_days: float
    first: float  # primary metric of a typical run at the start of the window
    best: float  # what a well-configured run reaches today
    untrained: float  # primary metric right after start, for the partial curves
    hours: tuple[float, float]
    users: tuple[str, ...]  # repeated names weigh who launches most runs
    grid: Mapping[str, Mapping[str, float]]  # param -> value -> effect on run quality
    extras: Callable[[float, float], dict[str, float]]  # (primary, jitter) -> other metrics
    label: Callable[[Mapping[str, str]], str]  # a hand-typed run name
    model: str
    version: str
    running: tuple[_RunningSpec, ...] = ()


def _ranker_extras(ndcg: float, jitter: float) -> dict[str, float]:
    val_loss = 0.585 - 1.7 * (ndcg - 0.42) + 0.004 * jitter
    return {
        "val_mrr@10": ndcg * 0.87 + 0.002 * jitter,
        "val_loss": val_loss,
        "train_loss": val_loss - 0.035 - 0.01 * jitter,
    }


def _asr_extras(wer: float, jitter: float) -> dict[str, float]:
    eval_loss = 0.31 + 2.4 * (wer - 0.10) + 0.01 * jitter
    return {
        "eval_cer": wer * 0.41 + 0.003 * jitter,
        "eval_loss": eval_loss,
        "train_loss": eval_loss - 0.06 + 0.01 * jitter,
    }


def _fraud_extras(auc: float, jitter: float) -> dict[str, float]:
    logloss = 0.092 - 0.85 * (auc - 0.93) + 0.002 * jitter
    return {
        "val_pr_auc": min(0.99, max(0.05, 0.64 + 3.2 * (auc - 0.93) + 0.01 * jitter)),
        "val_logloss": logloss,
        "train_logloss": logloss - 0.012 - 0.003 * jitter,
        "train_auc": min(0.999, auc + 0.018 + 0.004 * jitter),
    }


EXPERIMENTS: tuple[_ExperimentSpec, ...] = (
    _ExperimentSpec(
        experiment=Experiment("412", "ranker-v3", "val_ndcg@10", higher_is_better=True),
        finished_runs=118,
        window_days=60,
        first=0.418,
        best=0.462,
        untrained=0.30,
        hours=(1.2, 4.5),
        users=("diego", "diego", "diego", "priya", "priya", "lena", "maya"),
        grid={
            "model": {"transformer-4l": 0.06, "dcn-v2": 0.0, "dlrm": -0.08},
            "lr": {"1e-4": -0.04, "3e-4": 0.03, "5e-4": 0.02, "1e-3": -0.07},
            "batch_size": {"512": 0.0, "1024": 0.01, "2048": -0.02},
            "label_smoothing": {"0.0": 0.0, "0.05": 0.02, "0.1": 0.03},
            "dropout": {"0.1": 0.01, "0.2": 0.0},
            "embedding_dim": {"64": -0.01, "128": 0.01},
            "epochs": {"8": -0.02, "12": 0.01, "16": 0.01},
        },
        extras=_ranker_extras,
        label=lambda p: f"v3-{p['model']}-ls{p['label_smoothing']}-lr{p['lr']}",
        model="ranker-v3",
        version="14",
        running=(_RunningSpec("diego", 3.1, 6), _RunningSpec("priya", 1.4, 40)),
    ),
    _ExperimentSpec(
        experiment=Experiment("418", "asr-finetune", "eval_wer", higher_is_better=False),
        finished_runs=89,
        window_days=48,
        first=0.152,
        best=0.104,
        untrained=0.31,
        hours=(6.0, 18.0),
        users=("aroha", "aroha", "aroha", "lena", "wei"),
        grid={
            "base_model": {"whisper-small": -0.1, "whisper-medium": 0.06},
            "lr": {"1e-5": 0.0, "3e-5": 0.03, "5e-5": -0.03},
            "batch_size": {"16": 0.0, "32": 0.01},
            "warmup_steps": {"500": -0.01, "1000": 0.01},
            "spec_augment": {"true": 0.03, "false": -0.02},
            "precision": {"bf16": 0.0, "fp16": -0.01},
        },
        extras=_asr_extras,
        label=lambda p: f"{p['base_model']}-lr{p['lr']}-bs{p['batch_size']}-{p['precision']}",
        model="asr-whisper-callcentre",
        version="7",
        running=(_RunningSpec("aroha", 2.6, None, hours=13.5),),
    ),
    _ExperimentSpec(
        experiment=Experiment("433", "fraud-gbdt", "val_auc", higher_is_better=True),
        finished_runs=70,
        window_days=60,
        first=0.928,
        best=0.957,
        untrained=0.80,
        hours=(0.15, 0.7),
        users=("arjun", "arjun", "arjun", "tom", "lena"),
        grid={
            "max_depth": {"6": -0.03, "8": 0.02, "10": 0.0},
            "learning_rate": {"0.03": 0.01, "0.05": 0.02, "0.1": -0.03},
            "n_estimators": {"500": -0.04, "1000": 0.01, "2000": 0.02},
            "subsample": {"0.8": 0.01, "0.9": 0.0},
            "feature_set": {"v7": -0.04, "v8": 0.05},
        },
        extras=_fraud_extras,
        label=lambda p: f"gbdt-{p['feature_set']}-d{p['max_depth']}-n{p['n_estimators']}",
        model="fraud-gbdt",
        version="23",
    ),
)
FRAUD = EXPERIMENTS[2]
CHAMPION_MIN_AGE = timedelta(days=9)


class _LiveRun(msgspec.Struct, frozen=True):
    """A run whose metrics move while it runs, and how it ends in live mode."""

    run: Run
    spec: _ExperimentSpec
    final: float
    jitter: float
    duration: timedelta
    finish_tick: int | None


def _build_experiments(
    ref: datetime, rng: random.Random
) -> tuple[ExperimentData, tuple[_LiveRun, ...]]:
    runs: list[Run] = []
    running: list[_LiveRun] = []
    models: list[ModelVersion] = []
    for spec in EXPERIMENTS:
        history = [_finished_run(spec, ref, rng) for _ in range(spec.finished_runs)]
        live = [_running_run(spec, plan, ref, rng) for plan in spec.running]
        models.append(_champion(spec, history, ref, rng))
        runs += history
        runs += [_run_at(item, ref, ref, 0) for item in live]
        running += live
    runs.sort(key=lambda run: (run.started, run.run_id), reverse=True)
    data = ExperimentData(
        tracker=TRACKER,
        experiments=tuple(spec.experiment for spec in EXPERIMENTS),
        runs=tuple(runs),
        models=tuple(models),
    )
    return data, tuple(running)


def _sample_params(spec: _ExperimentSpec, rng: random.Random) -> tuple[dict[str, str], float]:
    params: dict[str, str] = {}
    effect = 0.0
    for name, choices in spec.grid.items():
        value = rng.choice(sorted(choices))
        params[name] = value
        effect += choices[value]
    return params, effect


def _learning_curve(t: float) -> float:
    """How far the team has got by fraction `t` of the window: fast gains, then a plateau."""
    return (1 - math.exp(-2.2 * t)) / (1 - math.exp(-2.2))


def _quality(t: float, effect: float, rng: random.Random) -> float:
    return min(1.08, max(-0.3, 0.08 + 0.85 * _learning_curve(t) + effect + rng.gauss(0, 0.07)))


def _partial(spec: _ExperimentSpec, final: float, progress: float) -> float:
    """The primary metric part-way through training: most of the gain comes early."""
    return final + (spec.untrained - final) * (1 - progress) ** 2


def _metrics(spec: _ExperimentSpec, primary: float, jitter: float) -> dict[str, float]:
    values = {spec.experiment.primary_metric: primary, **spec.extras(primary, jitter)}
    return {name: round(value, 4) for name, value in values.items()}


def _run_name(spec: _ExperimentSpec, params: Mapping[str, str], rng: random.Random) -> str:
    # Most runs keep MLflow's generated name; about a quarter were named by hand.
    hand_named = rng.random() < 0.25
    generated = f"{rng.choice(RUN_ADJECTIVES)}-{rng.choice(RUN_ANIMALS)}-{rng.randint(100, 999)}"
    return spec.label(params) if hand_named else generated


def _finished_run(spec: _ExperimentSpec, ref: datetime, rng: random.Random) -> Run:
    window = timedelta(days=spec.window_days)
    age = timedelta(hours=6) + (window - timedelta(hours=6)) * rng.random()
    started = ref - age
    # People launch fewer runs at weekends: most weekend launches happened on the Friday.
    to_friday = timedelta(days=max(0, started.weekday() - 4))
    if rng.random() < 0.6 and age + to_friday < window:
        age += to_friday
        started -= to_friday
    params, effect = _sample_params(spec, rng)
    final = spec.first + (spec.best - spec.first) * _quality(1 - age / window, effect, rng)
    jitter = rng.uniform(-1, 1)
    duration = timedelta(hours=rng.uniform(*spec.hours))
    roll, cut = rng.random(), rng.uniform(0.05, 0.7)
    name = _run_name(spec, params, rng)

    if roll < 0.06:
        # Crashed early (OOM, bad shard): at most the first training losses were logged.
        status = "FAILED"
        duration *= cut * 0.3
        partial = _metrics(spec, _partial(spec, final, cut * 0.3), jitter)
        metrics = {k: v for k, v in partial.items() if k.startswith("train") and cut > 0.2}
    elif roll < 0.10:
        status = "KILLED"  # stopped by hand once the curve looked hopeless
        duration *= cut
        metrics = _metrics(spec, _partial(spec, final, cut), jitter)
    else:
        status = "FINISHED"
        metrics = _metrics(spec, final, jitter)

    latest_end = ref - timedelta(minutes=5)
    if started + duration > latest_end:
        started = latest_end - duration
    return Run(
        run_id=_hex_id(rng),
        experiment=spec.experiment.id,
        name=name,
        status=status,
        user=rng.choice(spec.users),
        started=_whole_seconds(started),
        ended=_whole_seconds(started + duration),
        metrics=metrics,
        params=params,
    )


def _running_run(
    spec: _ExperimentSpec, plan: _RunningSpec, ref: datetime, rng: random.Random
) -> _LiveRun:
    params, effect = _sample_params(spec, rng)
    final = spec.first + (spec.best - spec.first) * _quality(1.0, max(effect, 0.0), rng)
    age = timedelta(hours=plan.age_hours)
    if plan.finish_tick is None:
        duration = timedelta(hours=plan.hours)
    else:
        duration = age + timedelta(seconds=TICK_SECONDS * plan.finish_tick)
    run = Run(
        run_id=_hex_id(rng),
        experiment=spec.experiment.id,
        name=_run_name(spec, params, rng),
        status="RUNNING",
        user=plan.user,
        started=_whole_seconds(ref - age),
        params=params,
    )
    return _LiveRun(run, spec, final, rng.uniform(-1, 1), duration, plan.finish_tick)


def _run_at(item: _LiveRun, ref: datetime, now: datetime, ticks: int) -> Run:
    """The run as seen at `now`, `ticks` into live mode."""
    if item.finish_tick is not None and ticks >= item.finish_tick:
        return msgspec.structs.replace(
            item.run,
            status="FINISHED",
            ended=_whole_seconds(_at_tick(ref, item.finish_tick)),
            metrics=_metrics(item.spec, item.final, item.jitter),
        )
    started = item.run.started or ref
    progress = min(0.99, max(0.01, (now - started) / item.duration))
    return msgspec.structs.replace(
        item.run,
        metrics=_metrics(item.spec, _partial(item.spec, item.final, progress), item.jitter),
    )


def _champion(
    spec: _ExperimentSpec, history: Sequence[Run], ref: datetime, rng: random.Random
) -> ModelVersion:
    """The production model: the best run as of its promotion, beaten since by newer work."""
    metric = spec.experiment.primary_metric
    sign = 1.0 if spec.experiment.higher_is_better else -1.0
    finished = [run for run in history if run.status == "FINISHED" and run.ended is not None]
    older = [run for run in finished if run.ended and run.ended <= ref - CHAMPION_MIN_AGE]
    best = max(older or finished, key=lambda run: sign * run.metrics[metric])
    ended = best.ended or ref
    promoted = min(ref - timedelta(hours=1), ended + timedelta(hours=rng.uniform(18, 72)))
    return ModelVersion(
        model=spec.model,
        version=spec.version,
        run_id=best.run_id,
        alias="champion",
        promoted=_whole_seconds(promoted),
    )


def _live_launch(ref: datetime, rng: random.Random) -> _LiveRun:
    """The fraud run someone kicks off while the demo is being watched."""
    params, effect = _sample_params(FRAUD, rng)
    final = FRAUD.first + (FRAUD.best - FRAUD.first) * _quality(1.0, max(effect, 0.0), rng)
    run = Run(
        run_id=_hex_id(rng),
        experiment=FRAUD.experiment.id,
        name=_run_name(FRAUD, params, rng),
        status="RUNNING",
        user="arjun",
        started=_whole_seconds(_at_tick(ref, LAUNCH_TICK)),
        params=params,
    )
    duration = timedelta(seconds=TICK_SECONDS * (LAUNCH_FINISH_TICK - LAUNCH_TICK))
    return _LiveRun(run, FRAUD, final, rng.uniform(-1, 1), duration, LAUNCH_FINISH_TICK)


def _advance_runs(
    data: ExperimentData,
    running: Sequence[_LiveRun],
    launched: _LiveRun,
    ref: datetime,
    now: datetime,
    ticks: int,
) -> ExperimentData:
    current = {item.run.run_id: _run_at(item, ref, now, ticks) for item in running}
    runs = [current.get(run.run_id, run) for run in data.runs]
    if ticks >= LAUNCH_TICK:
        runs.insert(0, _run_at(launched, ref, now, ticks))
    return msgspec.structs.replace(data, runs=tuple(runs))


# --- OKRs -----------------------------------------------------------------------------------


class _KeyResultSpec(msgspec.Struct, frozen=True):
    title: str
    start: float
    target: float
    unit: str
    owner: str
    digits: int


class _ObjectiveSpec(msgspec.Struct, frozen=True):
    title: str
    owner: str
    pace: float  # progress relative to the time elapsed in the quarter
    head_start: float
    key_results: tuple[_KeyResultSpec, ...]


OBJECTIVES: tuple[_ObjectiveSpec, ...] = (
    _ObjectiveSpec(
        "Ship ranker v3 to all search traffic",
        owner="maya",
        pace=1.0,
        head_start=0.02,
        key_results=(
            _KeyResultSpec("Online NDCG@10 from 0.412 to 0.460", 0.412, 0.460, "", "diego", 3),
            _KeyResultSpec("p95 ranking latency from 180 ms to 120 ms", 180, 120, "ms", "wei", 0),
            _KeyResultSpec("Search traffic served by ranker v3", 0, 100, "%", "maya", 0),
        ),
    ),
    _ObjectiveSpec(
        "Make model training cheap and boring",
        owner="samira",
        pace=1.3,
        head_start=0.06,
        key_results=(
            _KeyResultSpec("GPU cost per ranker training run", 410, 280, "USD", "samira", 0),
            _KeyResultSpec("Training job success rate from 82% to 97%", 82, 97, "%", "wei", 1),
            _KeyResultSpec("Training image build time", 38, 10, "min", "samira", 0),
        ),
    ),
    _ObjectiveSpec(
        "Better speech and fraud models in production",
        owner="lena",
        pace=0.55,
        head_start=0.0,
        key_results=(
            _KeyResultSpec("Call-centre WER from 15.2% to 10.0%", 15.2, 10.0, "%", "aroha", 1),
            _KeyResultSpec("Fraud model AUC from 0.928 to 0.955", 0.928, 0.955, "", "arjun", 3),
            _KeyResultSpec(
                "Newly labelled call-centre utterances", 0, 50000, "utterances", "lena", 0
            ),
        ),
    ),
)


def _quarter(today: date) -> tuple[str, date, date]:
    quarter = (today.month - 1) // 3 + 1
    first_month = 3 * quarter - 2
    last_month = first_month + 2
    start = date(today.year, first_month, 1)
    end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    return f"{today.year}-Q{quarter}", start, end


def _build_okrs(today: date, rng: random.Random) -> OkrData:
    period, start, end = _quarter(today)
    elapsed = ((today - start).days + 0.5) / ((end - start).days + 1)
    objectives = []
    for number, objective in enumerate(OBJECTIVES, start=1):
        key_results = []
        for kr_number, kr in enumerate(objective.key_results, start=1):
            pace = objective.pace + rng.uniform(-0.12, 0.12)
            progress = min(1.0, max(0.0, elapsed * pace + objective.head_start))
            days_ago = rng.randint(0, 13)
            key_results.append(
                KeyResult(
                    id=f"O{number}.KR{kr_number}",
                    title=kr.title,
                    start=float(kr.start),
                    target=float(kr.target),
                    current=round(kr.start + (kr.target - kr.start) * progress, kr.digits),
                    unit=kr.unit,
                    owner=kr.owner,
                    # Check-ins happen every week or two, never before the quarter began.
                    updated=max(start, today - timedelta(days=days_ago)),
                )
            )
        objectives.append(
            Objective(
                id=f"O{number}",
                title=objective.title,
                owner=objective.owner,
                period=period,
                key_results=tuple(key_results),
            )
        )
    return OkrData(period=period, period_start=start, period_end=end, objectives=tuple(objectives))


# --- Cost -----------------------------------------------------------------------------------

COST_DAYS = 90
CURRENCY = "USD"


class _CostLine(msgspec.Struct, frozen=True):
    provider: str
    service: str
    daily: float  # a weekday at the start of the 90 days
    is_gpu: bool
    team: str
    weekend: float  # weekend spend relative to a weekday
    growth: float  # relative growth over the 90 days: the team keeps training more
    noise: float


COST_LINES: tuple[_CostLine, ...] = (
    _CostLine("aws", "Amazon EC2 (GPU p4d)", 680.0, True, "ml-training", 0.8, 0.18, 0.12),
    _CostLine("aws", "Amazon EC2", 210.0, False, "platform", 0.7, 0.08, 0.05),
    _CostLine("aws", "Amazon S3", 84.0, False, "data", 1.0, 0.22, 0.02),
    _CostLine("aws", "Amazon SageMaker", 185.0, False, "serving", 0.9, 0.10, 0.04),
    _CostLine("gcp", "Compute Engine (A100)", 480.0, True, "ml-training", 0.75, 0.15, 0.14),
    _CostLine("gcp", "Cloud Storage", 52.0, False, "data", 1.0, 0.20, 0.02),
    _CostLine("gcp", "BigQuery", 130.0, False, "data", 0.35, 0.10, 0.18),
)
SPIKE_SERVICE = "Amazon EC2 (GPU p4d)"
CHECKPOINT_SERVICE = "Amazon S3"
# The big pre-training run of ranker v3, three weeks ago: extra dollars per day, by days ago.
SPIKE_EXTRA: Mapping[int, float] = {22: 2900.0, 21: 4200.0, 20: 3100.0}
CHECKPOINT_EXTRA_PER_DAY = 14.0  # its checkpoints have sat in S3 ever since
# Budgets are sized from the month's forecast so the demo always shows realistic tension:
# the team overall and GCP heading slightly over, AWS just under.
BUDGET_PRESSURE: tuple[tuple[str, str, float, int], ...] = (
    ("ML platform", "", 1.05, 1000),
    ("AWS", "aws", 0.96, 500),
    ("GCP", "gcp", 1.12, 500),
)


def _build_cost(now: datetime, rng: random.Random) -> CostData:
    today = now.date()
    # Full-day amounts, keyed by (days ago, line index); today is scaled down afterwards.
    full: dict[tuple[int, int], float] = {}
    for days_ago in range(COST_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        trend = (COST_DAYS - 1 - days_ago) / (COST_DAYS - 1)
        for index, line in enumerate(COST_LINES):
            full[days_ago, index] = _daily_amount(line, day, days_ago, trend, rng)

    elapsed = (now - datetime.combine(today, time(), tzinfo=UTC)).total_seconds() / 86400
    rows = []
    for days_ago in range(COST_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        for index, line in enumerate(COST_LINES):
            amount = full[days_ago, index] * (elapsed if days_ago == 0 else 1.0)
            rows.append(
                CostRow(
                    day=day,
                    provider=line.provider,
                    service=line.service,
                    amount=round(amount, 2),
                    currency=CURRENCY,
                    is_gpu=line.is_gpu,
                    team=line.team,
                )
            )
    return CostData(rows=tuple(rows), budgets=_budgets(today, full))


def _daily_amount(
    line: _CostLine, day: date, days_ago: int, trend: float, rng: random.Random
) -> float:
    amount = line.daily * (1 + line.growth * trend) * (1 + rng.gauss(0, line.noise))
    if day.weekday() >= 5:
        amount *= line.weekend
    amount = max(amount, 0.1 * line.daily)
    if line.service == SPIKE_SERVICE:
        amount += SPIKE_EXTRA.get(days_ago, 0.0)
    if line.service == CHECKPOINT_SERVICE and days_ago <= max(SPIKE_EXTRA):
        amount += CHECKPOINT_EXTRA_PER_DAY
    return amount


def _budgets(today: date, full: Mapping[tuple[int, int], float]) -> tuple[Budget, ...]:
    budgets = []
    for name, provider, pressure, step in BUDGET_PRESSURE:
        lines = [i for i, line in enumerate(COST_LINES) if provider in ("", line.provider)]
        forecast = _month_forecast(today, full, lines)
        amount = max(step, round(forecast / pressure / step) * step)
        budgets.append(Budget(name, float(amount), CURRENCY, provider))
    return tuple(budgets)


def _month_forecast(
    today: date, full: Mapping[tuple[int, int], float], lines: Sequence[int]
) -> float:
    """Month-to-date spend plus the last week's daily run rate for the rest of the month."""
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    spent = sum(full[days_ago, i] for days_ago in range(1, today.day) for i in lines)
    run_rate = sum(full[days_ago, i] for days_ago in range(1, 8) for i in lines) / 7
    return spent + run_rate * (days_in_month - today.day + 1)


def _add_live_spend(data: CostData, now: datetime, ticks: int) -> CostData:
    # The sweep running on p4d keeps billing while the demo is watched (only since midnight).
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    billed_ticks = min(ticks, int((now - midnight).total_seconds() // TICK_SECONDS))
    extra = LIVE_GPU_DOLLARS_PER_TICK * billed_ticks
    if extra <= 0:
        return data
    rows = [
        msgspec.structs.replace(row, amount=round(row.amount + extra, 2))
        if row.day == now.date() and row.service == SPIKE_SERVICE
        else row
        for row in data.rows
    ]
    return msgspec.structs.replace(data, rows=tuple(rows))
