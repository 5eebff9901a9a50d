"""The built-in demo workspace: one believable week of a remote ML team, generated offline.

It is the first thing a new user sees and the source of the README screenshots, so the content
reads like a real team's Jira board, MLflow runs, OKRs and cloud bill rather than test data.

Everything is a pure function of `(now, seed, started_at)`: randomness comes from
`random.Random` instances seeded from `seed` alone, and every date is placed relative to `now`,
so the demo always looks current ("anchored to today") and two calls with the same inputs give
equal snapshots. Each area draws from its own generator so that, for instance, a change to the
cost model does not reshuffle the sprint board.

Live mode (`started_at` given) layers a bounded script of small changes on top, one step per
15-second tick, so someone watching `cockpit demo` sees issues move, runs finish and today's
spend grow.
"""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

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
    Run,
    Snapshot,
    Sprint,
    SprintData,
    StatusCategory,
    TeamData,
)
from integrations.base import FetchContext

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
    sprint, moves = _build_sprint(today, ref, _rng(seed, "sprint"))
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
FIRST_ISSUE_NUMBER = 318
DONE_SHARE = 0.45

CATEGORIES: Mapping[str, StatusCategory] = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "In Review": StatusCategory.IN_PROGRESS,
    "Blocked": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
}
# Besides the greedy "Done" share, how a mid-sprint board spreads the rest, in this order;
# whatever is left over has not been started.
IN_FLIGHT_QUOTAS: tuple[tuple[str, int], ...] = (
    ("Blocked", 2),
    ("In Review", 4),
    ("In Progress", 9),
)
STALE_IN_PROGRESS = 2
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
ACTIVE_SPRINT_GOAL = (
    "Ranker v3 serving 10% of search traffic at p95 under 150 ms, "
    "and a whisper-medium fine-tune that beats the call-centre WER baseline"
)
# Sprint 38 ran over the holidays: a visibly weaker sprint makes the velocity chart honest.
SLOW_SPRINT_INDEX = 7


class _IssueSpec(msgspec.Struct, frozen=True):
    summary: str
    issue_type: str
    points: int | None
    owner: str
    labels: tuple[str, ...]


def _spec(
    summary: str, issue_type: str, points: int | None, owner: str, *labels: str
) -> _IssueSpec:
    return _IssueSpec(summary, issue_type, points, owner, labels)


ACTIVE_ISSUES: tuple[_IssueSpec, ...] = (
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
    _spec("ASR: stream partial transcripts from the inference server", "Story", 3, "priya", "asr"),
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

PRIORITIES: tuple[str, ...] = ("Highest", "High", "Medium", "Low")
PRIORITY_WEIGHTS: Mapping[str, tuple[int, ...]] = {
    "Bug": (15, 45, 35, 5),
    "Story": (3, 27, 55, 15),
    "Task": (2, 18, 55, 25),
    "Spike": (0, 20, 60, 20),
}


class _Move(msgspec.Struct, frozen=True):
    key: str
    status: str


def _active_sprint_start(today: date) -> datetime:
    """Sprints start on Mondays; pick the one that puts today between working days 4 and 8."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() < 3:
        monday -= timedelta(days=7)
    return datetime.combine(monday, SPRINT_START_TIME, tzinfo=UTC)


def _build_sprint(
    today: date, ref: datetime, rng: random.Random
) -> tuple[SprintData, tuple[_Move, ...]]:
    start = _active_sprint_start(today)
    closed = _closed_sprints(start, rng)
    active_id = 300 + ACTIVE_SPRINT_NUMBER
    future_id = active_id + 1

    statuses = _allocate_statuses(ACTIVE_ISSUES, rng)
    stale = _pick_stale(statuses)
    # Jira's flag marks an impediment: the blocked work, and one stale item someone raised.
    flagged = {i for i, status in enumerate(statuses) if status == "Blocked"} | set(stale[:1])
    drafts = [
        _draft_active_issue(spec, status, i in stale, i in flagged, start, ref, rng)
        for i, (spec, status) in enumerate(zip(ACTIVE_ISSUES, statuses, strict=True))
    ]
    drafts += [_draft_future_issue(spec, ref, rng) for spec in FUTURE_ISSUES]
    keys = _issue_keys([draft.created for draft in drafts], rng)

    issues: list[Issue] = []
    for index, (draft, key) in enumerate(zip(drafts, keys, strict=True)):
        sprint_id = active_id if index < len(ACTIVE_ISSUES) else future_id
        issues.append(_issue_from_draft(draft, key, sprint_id))
    issues = _unassign_newest_todo(issues, active_id)
    issues.sort(key=lambda issue: int(issue.key.removeprefix("MLP-")))

    committed = sum(
        issue.points or 0.0
        for issue in issues
        if issue.sprint_id == active_id and issue.created is not None and issue.created < start
    )
    active = Sprint(
        id=active_id,
        name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER}",
        state="active",
        goal=ACTIVE_SPRINT_GOAL,
        start=start,
        end=start + SPRINT_LENGTH,
        committed_points=committed,
    )
    future = Sprint(id=future_id, name=f"MLP Sprint {ACTIVE_SPRINT_NUMBER + 1}", state="future")
    data = SprintData(
        board=BOARD,
        sprints=(*closed, active, future),
        issues=tuple(issues),
        points_field=POINTS_FIELD,
    )
    return data, _plan_moves(issues, active_id, stale_keys={keys[i] for i in stale})


def _closed_sprints(active_start: datetime, rng: random.Random) -> list[Sprint]:
    sprints = []
    count = len(CLOSED_SPRINT_GOALS)
    for index, goal in enumerate(CLOSED_SPRINT_GOALS):
        number = ACTIVE_SPRINT_NUMBER - count + index
        start = active_start - SPRINT_LENGTH * (count - index)
        end = start + SPRINT_LENGTH
        committed = float(rng.randint(54, 68))
        share = rng.uniform(0.74, 1.0)
        if index == SLOW_SPRINT_INDEX:
            share = 0.7
        sprints.append(
            Sprint(
                id=300 + number,
                name=f"MLP Sprint {number}",
                state="closed",
                goal=goal,
                start=start,
                end=end,
                # Closed on the Monday morning, just before the next planning meeting.
                completed=_whole_seconds(end - timedelta(hours=rng.uniform(0.5, 5.0))),
                committed_points=committed,
                completed_points=float(round(committed * share)),
            )
        )
    return sprints


def _allocate_statuses(specs: Sequence[_IssueSpec], rng: random.Random) -> list[str]:
    """Mid-sprint mix: about DONE_SHARE of the points done, then a realistic in-flight spread."""
    order = list(range(len(specs)))
    rng.shuffle(order)
    target = DONE_SHARE * sum(spec.points or 0 for spec in specs)
    statuses = ["To Do"] * len(specs)
    done = 0
    rest = []
    for index in order:
        points = specs[index].points
        if points and done + points <= target + 1:
            statuses[index] = "Done"
            done += points
        else:
            rest.append(index)
    quotas = [status for status, count in IN_FLIGHT_QUOTAS for _ in range(count)]
    for index, status in zip(rest, quotas, strict=False):
        statuses[index] = status
    return statuses


def _pick_stale(statuses: Sequence[str]) -> list[int]:
    in_progress = [i for i, status in enumerate(statuses) if status == "In Progress"]
    return in_progress[-STALE_IN_PROGRESS:]


class _IssueDraft(msgspec.Struct, frozen=True):
    spec: _IssueSpec
    status: str
    created: datetime
    updated: datetime
    resolved: datetime | None
    priority: str
    flagged: bool


def _draft_active_issue(
    spec: _IssueSpec,
    status: str,
    stale: bool,
    flagged: bool,
    start: datetime,
    ref: datetime,
    rng: random.Random,
) -> _IssueDraft:
    # Always draw the same numbers, so the board's content does not depend on today's weekday.
    u_created, u_updated, u_resolved, u_scope = (rng.random() for _ in range(4))
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS[spec.issue_type])[0]

    in_sprint = ref - start
    if stale:
        updated = ref - timedelta(days=4.2 + 2.3 * u_updated)
        created = updated - timedelta(days=3 + 20 * u_created)
    elif spec.issue_type == "Bug" and u_scope < 0.5:
        # Bugs found during the sprint are added to it: scope creep the burndown should show.
        created = start + timedelta(hours=1) + (in_sprint - timedelta(hours=14)) * u_created
    else:
        created = start - timedelta(days=2 + 40 * u_created)

    resolved = None
    if stale:
        pass
    elif status == "Done":
        earliest = max(created, start) + timedelta(hours=2)
        resolved = earliest + (ref - timedelta(minutes=30) - earliest) * u_resolved
        updated = resolved
    elif status == "In Review":
        updated = ref - timedelta(hours=0.5 + 30 * u_updated)
    elif status == "In Progress":
        updated = ref - timedelta(hours=1 + 40 * u_updated)
    elif status == "Blocked":
        updated = ref - timedelta(hours=10 + 40 * u_updated)
    else:
        updated = start + timedelta(hours=0.2 + 1.5 * u_updated)  # touched in sprint planning
    updated = min(ref, max(updated, created + timedelta(minutes=10)))

    if status == "Blocked":
        priority = "High"
    return _IssueDraft(
        spec=spec,
        status=status,
        created=_whole_seconds(created),
        updated=_whole_seconds(updated),
        resolved=None if resolved is None else _whole_seconds(resolved),
        priority=priority,
        flagged=flagged,
    )


def _draft_future_issue(spec: _IssueSpec, ref: datetime, rng: random.Random) -> _IssueDraft:
    u_created, u_updated = rng.random(), rng.random()
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS[spec.issue_type])[0]
    created = ref - timedelta(days=1 + 20 * u_created)
    updated = min(ref, created + timedelta(hours=0.2 + 30 * u_updated))
    return _IssueDraft(
        spec=spec,
        status="To Do",
        created=_whole_seconds(created),
        updated=_whole_seconds(updated),
        resolved=None,
        priority=priority,
        flagged=False,
    )


def _issue_keys(created: Sequence[datetime], rng: random.Random) -> list[str]:
    """Number issues in creation order, with gaps where other projects' issues were filed."""
    gaps = [rng.choice((1, 1, 1, 1, 2, 3)) for _ in created]
    keys = [""] * len(created)
    number = FIRST_ISSUE_NUMBER
    in_creation_order = sorted(range(len(created)), key=lambda i: (created[i], i))
    for gap, index in zip(gaps, in_creation_order, strict=True):
        number += gap
        keys[index] = f"MLP-{number}"
    return keys


def _issue_from_draft(draft: _IssueDraft, key: str, sprint_id: int) -> Issue:
    spec = draft.spec
    return Issue(
        key=key,
        summary=spec.summary,
        status=draft.status,
        category=CATEGORIES[draft.status],
        issue_type=spec.issue_type,
        assignee=spec.owner,
        points=None if spec.points is None else float(spec.points),
        priority=draft.priority,
        labels=spec.labels,
        flagged=draft.flagged,
        sprint_id=sprint_id,
        created=draft.created,
        updated=draft.updated,
        resolved=draft.resolved,
    )


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
