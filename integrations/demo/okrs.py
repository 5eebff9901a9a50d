"""The demo OKRs: three objectives and nine key results for the current quarter, and three KPIs.

Five key results and two KPIs are bound to the demo's own data, the way a team binds them in
its OKR file: the best val_auc of fraud-gbdt, the WER of the ASR champion, the model versions
made champion this quarter, the Ranker v3 launch epic's points done, the ranking team's spend
per ranker training run, the weekly spend on the speech team's A100s, and the share of runs that
failed this week. The others are typed in by their owners every week or two, with a confidence
and a note; one of them has not been checked in for over two weeks.

A bound value is recorded at every sync, so a team that has used the cockpit all quarter has a
line per bound key result. `OkrData.history` holds that line for the demo: each value as the
binding would have read it from the demo's data at the end of each day of the quarter so far,
computed from the same runs, issues and cost rows, and ending at `ref` with today's value.
"""

from __future__ import annotations

import bisect
import calendar
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from cockpit.analytics.run_values import ranking_value
from cockpit.models import (
    Binding,
    CheckIn,
    CostData,
    CostRow,
    ExperimentData,
    KeyResult,
    KrPoint,
    Objective,
    OkrData,
    SprintData,
    StatusCategory,
)

# When the recorded line's daily points were taken: the last sync of each day.
RECORDED_AT = time(23, 0)
FRAUD_EXPERIMENT = "fraud-gbdt"
ASR_EXPERIMENT = "asr-finetune"
RANKER_EXPERIMENT = "ranker-v3"
LAUNCH_EPIC = "Ranker v3 launch"
COST_PER_RUN_SCOPE = "tag:team=ranking"
GPU_SERVICE = "Compute Engine"  # the speech team's A100s on Google Cloud
FAILED_STATUSES = frozenset({"FAILED", "KILLED"})
ENDED_STATUSES = frozenset({"FINISHED", "FAILED", "KILLED"})
# Before this many runs, spend per run says nothing yet: the line starts after them.
MIN_RUNS_PER_RUN_COST = 5


class _Manual(msgspec.Struct, frozen=True):
    """A key result its owner checks in by hand: how it moves, and what they write."""

    pace: float  # progress relative to the time elapsed in the quarter
    digits: int
    confidence: int  # where the owner's confidence starts
    notes: tuple[str, ...]  # one per check-in, in order; later ones say nothing
    every: tuple[int, int] = (7, 12)  # days between check-ins
    quiet_days: int = 0  # no check-in in the last this many days
    # A rollout moves in steps (its percentages), each with what the owner writes at it.
    steps: tuple[tuple[float, str], ...] = ()
    script: tuple[float, ...] = ()  # a KPI's values, in turn, instead of a pace


class _KrSpec(msgspec.Struct, frozen=True):
    title: str
    start: float
    target: float
    unit: str
    owner: str
    direction: str = ""
    binding: Binding | None = None
    manual: _Manual | None = None
    band: tuple[float, float] | None = None
    weight: float = 1.0


class _ObjectiveSpec(msgspec.Struct, frozen=True):
    title: str
    owner: str
    key_results: tuple[_KrSpec, ...]


def _bind(kind: str, **fields: str | bool) -> Binding:
    """A binding, with its text as the OKR file would write it."""
    parts = [f'kind = "{kind}"'] + [
        f"{name} = true" if value is True else f'{name} = "{value}"'
        for name, value in fields.items()
    ]
    return Binding(kind=kind, text=", ".join(parts), **fields)  # type: ignore[arg-type]


OBJECTIVES: tuple[_ObjectiveSpec, ...] = (
    _ObjectiveSpec(
        "Ship ranker v3 to all search traffic",
        owner="maya",
        key_results=(
            _KrSpec(
                "Ranker v3 launch epic: 30 points done",
                0,
                30,
                "pts",
                "maya",
                binding=_bind("jira-points", epic=LAUNCH_EPIC, done_only=True),
            ),
            _KrSpec(
                "p95 ranking latency from 180 ms to 120 ms",
                180,
                120,
                "ms",
                "wei",
                direction="decrease",
                manual=_Manual(
                    0.95,
                    0,
                    7,
                    (
                        "Baseline on the v2 serving stack",
                        "Candidate embeddings cached",
                        "ONNX export, no change in quality",
                        "Autoscaling on GPU utilisation still pending",
                        "Batching tuned; tail latency at peak still high",
                        "Quantised towers in shadow",
                        "Quantised towers serving 10%",
                        "Holding while the A/B runs",
                    ),
                ),
            ),
            _KrSpec(
                "Search traffic served by ranker v3 from 0% to 100%",
                0,
                100,
                "%",
                "maya",
                manual=_Manual(
                    0.32,
                    0,
                    6,
                    (),
                    every=(8, 12),
                    steps=(
                        (0, "Waiting on the serving capacity review"),
                        (1, "Internal traffic only"),
                        (5, "5% canary, no regressions"),
                        (10, "10% in the A/B; read-out in two weeks"),
                        (25, "25% after the A/B read-out"),
                        (50, "Half of search traffic"),
                        (100, "All traffic"),
                    ),
                ),
            ),
        ),
    ),
    _ObjectiveSpec(
        "Make model training cheap and boring",
        owner="samira",
        key_results=(
            _KrSpec(
                "Cloud spend per ranker training run from $410 to $280",
                410,
                280,
                "USD",
                "samira",
                direction="decrease",
                binding=_bind(
                    "cost-per-run", scope=COST_PER_RUN_SCOPE, experiment=RANKER_EXPERIMENT
                ),
            ),
            _KrSpec(
                "Training-job pages to on-call from 12 a week to 2",
                12,
                2,
                "pages",
                "wei",
                direction="decrease",
                manual=_Manual(
                    1.1,
                    0,
                    6,
                    (
                        "Most pages are spot preemptions",
                        "Checkpointing on preemption for ranker jobs",
                        "Retry policy for preempted jobs live",
                        "Two pages from one bad NCCL pin",
                        "Kueue migration will remove the quota pages",
                        "Half the queues on Kueue",
                        "Preemption pages silenced for retried jobs",
                    ),
                ),
            ),
            _KrSpec(
                "Training image build time from 38 min to 10 min",
                38,
                10,
                "min",
                "samira",
                direction="decrease",
                manual=_Manual(
                    1.4,
                    0,
                    8,
                    (
                        "Layer caching on the build farm",
                        "Wheels cached for the CUDA 12.2 builds",
                        "Base image slimmed",
                    ),
                    every=(9, 13),
                    quiet_days=17,
                ),
            ),
        ),
    ),
    _ObjectiveSpec(
        "Better speech and fraud models in production",
        owner="lena",
        key_results=(
            _KrSpec(
                "Fraud model val_auc from 0.928 to 0.960",
                0.928,
                0.960,
                "",
                "arjun",
                binding=_bind("metric", experiment=FRAUD_EXPERIMENT, metric="val_auc"),
            ),
            _KrSpec(
                "Call-centre WER of the production model from 0.152 to 0.090",
                0.152,
                0.090,
                "",
                "aroha",
                direction="decrease",
                binding=_bind(
                    "champion-metric",
                    experiment=ASR_EXPERIMENT,
                    metric="eval_wer",
                    alias="champion",
                ),
            ),
            _KrSpec(
                "Ship 3 model versions to production",
                0,
                3,
                "versions",
                "lena",
                binding=_bind("model-versions", alias="champion"),
            ),
        ),
    ),
)
# A KPI's baseline is its band's low end and its target the middle, as the OKR file reads one.
KPIS: tuple[_KrSpec, ...] = (
    _KrSpec(
        "p95 fraud-scoring latency",
        0,
        40,
        "ms",
        "wei",
        direction="band",
        band=(0, 80),
        manual=_Manual(
            1.0,
            0,
            7,
            (
                "",
                "",
                "Feature fetch p95 up after the v8 features",
                "Back down after the online-store move",
            ),
            every=(6, 8),
            script=(54, 61, 86, 63, 57, 59, 52, 56, 53, 55, 58, 51, 54),
        ),
    ),
    _KrSpec(
        "Weekly A100 spend on Google Cloud",
        2500,
        3500,
        "USD",
        "samira",
        direction="band",
        band=(2500, 4500),
        # The last seven complete days, as the cost panel's movers count them.
        binding=_bind("status", path=f"cost.movers.{GPU_SERVICE}.this_week"),
    ),
    _KrSpec(
        "Failed-run rate this week",
        0,
        0.05,
        "",
        "lena",
        direction="band",
        band=(0, 0.1),
        binding=_bind("status", path="experiments.this_week.failure_rate"),
    ),
)


def _quarter(today: date) -> tuple[str, date, date]:
    quarter = (today.month - 1) // 3 + 1
    first_month = 3 * quarter - 2
    last_month = first_month + 2
    start = date(today.year, first_month, 1)
    end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    return f"{today.year}-Q{quarter}", start, end


# --- The recorded line of a bound key result ---------------------------------------------------

Reader = Callable[[datetime], float | None]


def _moments(start: date, ref: datetime) -> list[datetime]:
    """The end of each day of the quarter so far, then `ref` itself."""
    moments = []
    day = start
    while (moment := datetime.combine(day, RECORDED_AT, UTC)) < ref:
        moments.append(moment)
        day += timedelta(days=1)
    return [*moments, ref]


def _line(kr: str, origin: str, moments: Iterable[datetime], read: Reader) -> list[KrPoint]:
    points = []
    for moment in moments:
        value = read(moment)
        if value is not None and math.isfinite(value):
            points.append(KrPoint(kr, moment, round(value, 6), origin))
    return points


def _best_metric(experiments: ExperimentData, name: str) -> Reader:
    """The best ranking value of the experiment's finished runs ended by each moment."""
    experiment = next(e for e in experiments.experiments if e.name == name)
    sign = 1.0 if experiment.higher_is_better else -1.0
    ended: list[tuple[datetime, float]] = []
    for run in experiments.runs:
        if run.experiment != experiment.id or run.status != "FINISHED" or run.ended is None:
            continue
        ranked = ranking_value(run, experiment)
        if ranked is not None:
            ended.append((run.ended, ranked[0]))
    ended.sort()
    best: list[float] = []
    for _, value in ended:
        best.append(value if not best else sign * max(sign * best[-1], sign * value))
    stamps = [moment for moment, _ in ended]

    def read(moment: datetime) -> float | None:
        count = bisect.bisect_right(stamps, moment)
        return best[count - 1] if count else None

    return read


def _champion_metric(
    experiments: ExperimentData, name: str, start: date, spec: _KrSpec, rng: random.Random
) -> Reader:
    """The champion's value since its promotion; before it, the version it replaced (the
    registry keeps only today's aliases, so the earlier one's value is made up) and before
    that the quarter's baseline."""
    experiment = next(e for e in experiments.experiments if e.name == name)
    champion = next(
        m for m in experiments.models if m.experiment == experiment.id and m.alias == "champion"
    )
    run = next(r for r in experiments.runs if r.run_id == champion.run_id)
    ranked = ranking_value(run, experiment)
    value = ranked[0] if ranked else spec.start
    promoted = champion.promoted or datetime.combine(start, time(), UTC)
    quarter_start = datetime.combine(start, time(), UTC)
    earlier_at = quarter_start + (promoted - quarter_start) * rng.uniform(0.3, 0.5)
    earlier = round(spec.start + (value - spec.start) * rng.uniform(0.35, 0.55), 4)

    def read(moment: datetime) -> float:
        if moment >= promoted:
            return value
        return earlier if moment >= earlier_at else spec.start

    return read


def _versions(experiments: ExperimentData, alias: str, start: date) -> Reader:
    promoted = sorted(
        m.promoted
        for m in experiments.models
        if m.alias == alias and m.promoted is not None and m.promoted.date() >= start
    )
    return lambda moment: float(bisect.bisect_right(promoted, moment))


def _epic_points(sprint: SprintData, epic: str) -> Reader:
    """The points of the epic's issues done by each moment (the binding counts every done
    issue of the epic, whenever it was resolved)."""
    resolved = sorted(
        (issue.resolved, issue.points or 0.0)
        for issue in sprint.issues
        if issue.epic == epic and issue.category == StatusCategory.DONE and issue.resolved
    )
    stamps = [moment for moment, _ in resolved]
    totals = [0.0]
    for _, points in resolved:
        totals.append(totals[-1] + points)
    return lambda moment: totals[bisect.bisect_right(stamps, moment)]


class _Spend:
    """Daily spend of the rows `keep` picks, summed over any run of days in O(log n)."""

    def __init__(self, cost: CostData, keep: Callable[[CostRow], bool]) -> None:
        daily: dict[date, float] = defaultdict(float)
        for row in cost.rows:
            if keep(row):
                daily[row.day] += row.amount
        self.days = sorted(daily)
        self.totals = [0.0]
        for day in self.days:
            self.totals.append(self.totals[-1] + daily[day])

    def between(self, first: date, last: date) -> float:
        """Spend from `first` to `last`, both included."""
        low = bisect.bisect_left(self.days, first)
        high = bisect.bisect_right(self.days, last)
        return self.totals[high] - self.totals[low] if high > low else 0.0


def _cost_per_run(
    cost: CostData, experiments: ExperimentData, scope_team: str, name: str, start: date
) -> Reader:
    """The scope's spend in the quarter so far over the experiment's runs started in it."""
    spend = _Spend(cost, lambda row: row.team == scope_team)  # the demo's rows carry it
    experiment = next(e for e in experiments.experiments if e.name == name)
    quarter_start = datetime.combine(start, time(), UTC)
    started = sorted(
        r.started
        for r in experiments.runs
        if r.experiment == experiment.id and r.started is not None and r.started >= quarter_start
    )

    def read(moment: datetime) -> float | None:
        runs = bisect.bisect_right(started, moment)
        if runs < MIN_RUNS_PER_RUN_COST:
            return None
        return spend.between(start, moment.date()) / runs

    return read


def _week_spend(cost: CostData, service: str) -> Reader:
    """The service's spend over the seven complete days before each moment's day."""
    spend = _Spend(cost, lambda row: row.service == service)
    return lambda moment: spend.between(
        moment.date() - timedelta(days=7), moment.date() - timedelta(days=1)
    )


def _failure_rate(experiments: ExperimentData) -> Reader:
    """Of the runs started in the moment's ISO week that had ended by then, the share that
    failed or were killed."""
    ended = sorted(
        (r.started, r.ended, r.status in FAILED_STATUSES)
        for r in experiments.runs
        if r.started is not None and r.ended is not None and r.status in ENDED_STATUSES
    )
    starts = [started for started, _, _ in ended]

    def read(moment: datetime) -> float | None:
        monday = datetime.combine(moment.date() - timedelta(days=moment.weekday()), time(), UTC)
        week = ended[bisect.bisect_left(starts, monday) : bisect.bisect_right(starts, moment)]
        done = [failed for _, end, failed in week if end <= moment]
        return sum(done) / len(done) if done else None

    return read


# --- Check-ins ----------------------------------------------------------------------------------


def _working_day(day: date) -> date:
    """People check in on working days: a weekend's check-in was the Friday's."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _checkins(
    spec: _KrSpec, manual: _Manual, start: date, end: date, today: date, rng: random.Random
) -> tuple[CheckIn, ...]:
    """Check-ins every week or two since the quarter began: the value moving at the key
    result's pace, with the owner's confidence following how it goes."""
    length = (end - start).days + 1
    last_day = today - timedelta(days=manual.quiet_days)
    day = _working_day(start + timedelta(days=rng.randint(2, 6)))
    checkins: list[CheckIn] = []
    while day <= last_day:
        elapsed = ((day - start).days + 1) / length
        progress = min(1.0, max(0.0, elapsed * manual.pace + rng.gauss(0, 0.04)))
        value = spec.start + (spec.target - spec.start) * progress
        note = manual.notes[len(checkins)] if len(checkins) < len(manual.notes) else ""
        if manual.steps:
            # A rollout never steps back in the demo: each check-in holds or moves it on.
            held = checkins[-1].value if checkins else None
            value, note = max(s for s in manual.steps if s[0] <= max(value, held or 0.0))
            note = "" if value == held else note  # nothing new to say while it holds
        if manual.script:
            value = manual.script[len(checkins) % len(manual.script)] + rng.uniform(-2, 2)
        # Sure of it while it keeps pace; less so the further it falls behind.
        share = (value - spec.start) / (spec.target - spec.start)
        behind = max(0.0, elapsed - share) if not manual.script else 0.0
        drift = rng.choice((-1, 0, 0, 1))
        confidence = min(10, max(1, round(manual.confidence - 6 * behind) + drift))
        checkins.append(CheckIn(day, float(round(value, manual.digits)), confidence, note))
        day = _working_day(day + timedelta(days=rng.randint(*manual.every)))
    return tuple(checkins)


# --- The whole area -------------------------------------------------------------------------------


def _reader(
    spec: _KrSpec,
    start: date,
    sprint: SprintData | None,
    experiments: ExperimentData | None,
    cost: CostData | None,
    rng: random.Random,
) -> tuple[str, Reader] | None:
    """Where the bound key result's value comes from, and how to read it at a moment."""
    binding = spec.binding
    if binding is None:
        return None
    if binding.kind == "metric" and experiments is not None:
        return "mlflow", _best_metric(experiments, binding.experiment)
    if binding.kind == "champion-metric" and experiments is not None:
        return "mlflow", _champion_metric(experiments, binding.experiment, start, spec, rng)
    if binding.kind == "model-versions" and experiments is not None:
        return "model", _versions(experiments, binding.alias, start)
    if binding.kind == "jira-points" and sprint is not None:
        return "jira", _epic_points(sprint, binding.epic)
    if binding.kind == "cost-per-run" and cost is not None and experiments is not None:
        team = binding.scope.partition("=")[2]
        return "cost", _cost_per_run(cost, experiments, team, binding.experiment, start)
    if binding.kind == "status" and binding.path.startswith("cost.movers.") and cost is not None:
        return "status", _week_spend(cost, GPU_SERVICE)
    if binding.kind == "status" and binding.path.startswith("experiments.") and experiments:
        return "status", _failure_rate(experiments)
    return None


def _key_result(
    kr_id: str,
    spec: _KrSpec,
    start: date,
    end: date,
    today: date,
    rng: random.Random,
) -> KeyResult:
    checkins = (
        _checkins(spec, spec.manual, start, end, today, rng) if spec.manual is not None else ()
    )
    return KeyResult(
        id=kr_id,
        title=spec.title,
        start=float(spec.start),
        target=float(spec.target),
        current=None,  # check-ins or the binding say
        unit=spec.unit,
        owner=spec.owner,
        updated=checkins[-1].day if checkins else None,
        direction=spec.direction,
        band_low=float(spec.band[0]) if spec.band else None,
        band_high=float(spec.band[1]) if spec.band else None,
        weight=spec.weight,
        checkins=checkins,
        binding=spec.binding,
    )


def _build_okrs(
    ref: datetime,
    rng: random.Random,
    *,
    sprint: SprintData | None = None,
    experiments: ExperimentData | None = None,
    cost: CostData | None = None,
) -> OkrData:
    """The quarter holding `ref`'s day, with the bound key results' line recorded up to `ref`
    from the demo's own sprint, runs and cost (as they stand at `ref`)."""
    today = ref.date()
    period, start, end = _quarter(today)
    moments = _moments(start, ref)
    history: list[KrPoint] = []

    def build(kr_id: str, spec: _KrSpec) -> KeyResult:
        read = _reader(spec, start, sprint, experiments, cost, rng)
        if read is not None:
            history.extend(_line(kr_id, read[0], moments, read[1]))
        return _key_result(kr_id, spec, start, end, today, rng)

    objectives = tuple(
        Objective(
            id=f"O{number}",
            title=objective.title,
            owner=objective.owner,
            period=period,
            key_results=tuple(
                build(f"O{number}.KR{kr_number}", kr)
                for kr_number, kr in enumerate(objective.key_results, start=1)
            ),
        )
        for number, objective in enumerate(OBJECTIVES, start=1)
    )
    kpis = tuple(build(f"K{number}", kpi) for number, kpi in enumerate(KPIS, start=1))
    history.sort(key=lambda point: (point.at, point.kr))
    return OkrData(
        period=period,
        period_start=start,
        period_end=end,
        objectives=objectives,
        kpis=kpis,
        history=tuple(history),
    )
