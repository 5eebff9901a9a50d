"""Key results bound to live figures: each `Binding` resolved against the synced data.

Pure: the records the caller has at hand and the moment are parameters. A binding that cannot
be resolved (an unknown experiment, metric or source, a JQL clause outside the subset, spend
in two currencies) gives a `BoundValue` with no value and the reason in words, never an
exception: one broken key result must not take the OKR panel down with it.

docs/okr-bindings.md describes every kind, with an example, for the people writing the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar

import msgspec

from cockpit.analytics.cost_periods import period_bounds
from cockpit.analytics.cost_scope import ScopeError, matcher
from cockpit.analytics.experiment_digest import week_of
from cockpit.analytics.run_values import (
    default_higher_is_better,
    is_finite,
    rank_key,
    ranking_value,
    the_champion,
)
from cockpit.formatting import money, plural, quantity, quoted
from cockpit.models import (
    Binding,
    BoundValue,
    Budget,
    CostRow,
    Experiment,
    ExperimentData,
    ExperimentDigest,
    KeyResult,
    ModelVersion,
    OkrData,
    Run,
    SprintData,
    StatusCategory,
)

__all__ = [
    "KINDS",
    "BindingInputs",
    "binding_areas",
    "bound_key_results",
    "needs_cost_rows",
    "resolve_binding",
    "resolve_bindings",
    "wants_runs",
]

KINDS = (
    "metric",
    "champion-metric",
    "jira-count",
    "jira-points",
    "cost-spend",
    "cost-per-run",
    "model-versions",
    "status",
)
WINDOWS = ("period", "month", "week", "quarter", "7d", "30d")
FINISHED = "FINISHED"
T = TypeVar("T")


class BindingInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller has at hand, all optional: a binding whose data is missing says so."""

    sprint: SprintData | None = None
    # Merged over the experiment sources: digests always; runs when the caller read them.
    experiments: ExperimentData | None = None
    cost_rows: tuple[CostRow, ...] = ()
    budgets: tuple[Budget, ...] = ()
    # `cockpit status --json` without its okrs section (docs/okr-bindings.md: the paths).
    status: Mapping[str, object] | None = None
    as_of: Mapping[str, datetime] = msgspec.field(default_factory=dict)  # area → synced at
    # Each Jira source's board and each cost source's roll-ups, for a binding whose `source`
    # names one (`sprint` is the first listed board, `cost_rows` every source's, merged).
    sprint_by_source: Mapping[str, SprintData] = msgspec.field(default_factory=dict)
    cost_rows_by_source: Mapping[str, tuple[CostRow, ...]] = msgspec.field(default_factory=dict)


def binding_areas(binding: Binding) -> tuple[str, ...]:
    """The areas a binding reads (besides the OKR file itself)."""
    kind = binding.kind
    if kind in ("metric", "champion-metric", "model-versions"):
        return ("experiments",)
    if kind in ("jira-count", "jira-points"):
        return ("sprint",)
    if kind == "cost-spend":
        return ("cost",)
    if kind == "cost-per-run":
        return ("cost", "experiments")
    return ("sprint", "experiments", "cost", "team")


def bound_key_results(okrs: OkrData) -> list[tuple[KeyResult, date, date]]:
    """Every key result and KPI with a binding, with the period its `window = "period"` means:
    the objective's own dates, else the file's (KPIs have no objective: the file's)."""
    found = []
    for objective in okrs.objectives:
        start = objective.start or okrs.period_start
        end = objective.end or okrs.period_end
        found.extend((kr, start, end) for kr in objective.key_results if kr.binding is not None)
    found.extend(
        (kpi, okrs.period_start, okrs.period_end) for kpi in okrs.kpis if kpi.binding is not None
    )
    return found


def resolve_bindings(okrs: OkrData, inputs: BindingInputs, now: datetime) -> dict[str, BoundValue]:
    """Each bound key result's value (or why there is none), by key result id."""
    return {
        kr.id: resolve_binding(kr, inputs, now, start, end)
        for kr, start, end in bound_key_results(okrs)
    }


def resolve_binding(
    kr: KeyResult, inputs: BindingInputs, now: datetime, period_start: date, period_end: date
) -> BoundValue:
    binding = kr.binding
    assert binding is not None
    as_of = _as_of(binding, inputs)
    resolver = _RESOLVERS.get(binding.kind)
    if resolver is None:
        return BoundValue(
            kr.id,
            None,
            "status",
            error=(
                f"{quoted(binding.kind)} is not a binding kind; expected one of {', '.join(KINDS)}"
            ),
            as_of=as_of,
        )
    context = _Context(kr, binding, inputs, now, period_start, period_end)
    try:
        value, origin, detail, error = resolver(context)
    except Exception as exc:  # noqa: BLE001 - a bug here must not take the panel down
        value, origin, detail = None, _kind_origin(binding.kind, None), ""
        error = f"could not be resolved ({type(exc).__name__}: {exc})"
    if value is not None and not math.isfinite(value):
        value, error = None, f"the value read is {quantity(value)}, not a number to track"
    return BoundValue(kr.id, value, origin, detail, error, as_of)


def _as_of(binding: Binding, inputs: BindingInputs) -> datetime | None:
    """When the newest data the value was read from was synced: the dashboard takes a recorded
    value only when it is at least this new."""
    moments = [
        inputs.as_of[area] for area in (*binding_areas(binding), "okrs") if area in inputs.as_of
    ]
    return max(moments) if moments else None


def _kind_origin(kind: str, inputs: BindingInputs | None) -> str:
    if kind in ("metric", "champion-metric"):
        return _tracker_of(inputs.experiments if inputs is not None else None)
    return {
        "jira-count": "jira",
        "jira-points": "jira",
        "cost-spend": "cost",
        "cost-per-run": "cost",
        "model-versions": "model",
    }.get(kind, "status")


def _tracker_of(data: ExperimentData | None) -> str:
    trackers = {d.tracker for d in data.digests if d.tracker} if data else set()
    if len(trackers) == 1:
        return trackers.pop()
    return "mlflow"


# Every resolver gives (value, origin, detail, error).
Answer = tuple[float | None, str, str, str]


class _Context:
    def __init__(
        self,
        kr: KeyResult,
        binding: Binding,
        inputs: BindingInputs,
        now: datetime,
        period_start: date,
        period_end: date,
    ) -> None:
        self.kr = kr
        self.binding = binding
        self.inputs = inputs
        self.now = now
        self.period = (period_start, period_end)

    def window(self) -> tuple[date, date, str]:
        """The binding's window as (first day, last day, words)."""
        window = (self.binding.window or "period").strip().lower()
        today = self.now.date()
        if window == "period":
            start, end = self.period
            return start, end, f"{start:%b} {start.day}–{end:%b} {end.day} {end.year}"
        if window == "week":
            monday = week_of(today)
            return monday, monday + timedelta(days=6), f"the week of {monday:%b} {monday.day}"
        if window in ("7d", "30d"):
            # The last whole days, today left out: today's bill is still coming in, so a
            # weekly figure would dip every morning.
            days = int(window.removesuffix("d"))
            last = today - timedelta(days=1)
            return last - timedelta(days=days - 1), last, f"the {days} days to {last:%b} {last.day}"
        if window in ("month", "quarter"):
            start, end = period_bounds(today, window)
            label = (
                f"{start:%b %Y}" if window == "month" else f"{start.year}-Q{start.month // 3 + 1}"
            )
            return start, end, label
        raise _Broken(f"window {quoted(self.binding.window)} is not one of {', '.join(WINDOWS)}")


class _Broken(Exception):
    """A binding that cannot be resolved: the message is the key result's error."""


# --- Experiments ----------------------------------------------------------------------


class _Found(msgspec.Struct, frozen=True, gc=False):
    """One experiment of one source, as the digests (and the runs, when read) give it."""

    experiment: Experiment
    digest: ExperimentDigest | None
    source: str
    tracker: str


def _experiments(context: _Context) -> list[_Found]:
    data = context.inputs.experiments
    binding = context.binding
    if data is None or not (data.digests or data.experiments):
        raise _Broken("no experiment tracker is synced: add an mlflow or wandb source")
    found = [
        _Found(d.definition, d, d.source, d.tracker or data.tracker)
        for d in data.digests
        if d.definition is not None
    ]
    if not data.digests:  # caches from before digests: the experiments themselves
        found = [_Found(e, None, data.source, e.tracker or data.tracker) for e in data.experiments]
    if binding.source.strip():
        wanted = binding.source.strip().casefold()
        sources = sorted({f.source for f in found if f.source})
        found = [f for f in found if f.source.casefold() == wanted]
        if not found:
            raise _Broken(
                f"no experiment source named {quoted(binding.source)}"
                + (f" (the synced ones: {', '.join(sources)})" if sources else "")
            )
    return found


def _one_experiment(context: _Context) -> _Found:
    name = context.binding.experiment.strip()
    if not name:
        raise _Broken(f"a {context.binding.kind} binding needs `experiment`")
    found = _experiments(context)
    wanted = name.casefold()
    matches = [
        f
        for f in found
        if f.experiment.name.casefold() == wanted or f.experiment.id.casefold() == wanted
    ]
    where = f" in {context.binding.source}" if context.binding.source.strip() else ""
    if not matches:
        known = sorted({f.experiment.name for f in found})
        listed = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
        raise _Broken(
            f"no experiment named {quoted(name)}{where}"
            + (f" (there are: {listed})" if known else "")
        )
    if len({(f.source, f.experiment.id) for f in matches}) > 1:
        sources = ", ".join(sorted({f.source or f.tracker for f in matches}))
        raise _Broken(
            f"experiment {quoted(name)} is in more than one source ({sources}): set `source` to one"
        )
    return matches[0]


def _runs_of(context: _Context, found: _Found) -> list[Run] | None:
    """Every run of the experiment when the caller read runs, else None. Runs carry no source:
    when two sources hold an experiment of the same id, its runs cannot be told apart and
    the digest is used instead."""
    data = context.inputs.experiments
    if data is None or not data.runs:
        return None
    same_id = [d for d in data.digests if d.experiment == found.experiment.id]
    if len(same_id) > 1:
        return None
    return [run for run in data.runs if run.experiment == found.experiment.id]


def _metric_direction(context: _Context, found: _Found, metric: str) -> bool:
    """Higher is better? The experiment's own direction for its primary metric; else the key
    result's (increase: the largest value, decrease: the smallest)."""
    if metric == found.experiment.primary_metric:
        return found.experiment.higher_is_better
    direction = context.kr.direction
    if direction == "increase":
        return True
    if direction == "decrease":
        return False
    if direction == "" and context.kr.target != context.kr.start:
        return context.kr.target > context.kr.start
    return default_higher_is_better(metric)


def _known_metrics(runs: Iterable[Run]) -> list[str]:
    return sorted({name for run in runs for name in run.metrics})


def _run_name(run: Run) -> str:
    return run.name or run.run_id[:8]


def _resolve_metric(context: _Context) -> Answer:
    found = _one_experiment(context)
    metric = context.binding.metric.strip() or found.experiment.primary_metric
    name = found.experiment.name
    higher = _metric_direction(context, found, metric)
    runs = _runs_of(context, found)
    candidates = list(found.digest.candidates) if found.digest else []
    if metric == found.experiment.primary_metric and found.digest is not None:
        # The digest's candidates are the experiment's top runs by this very value: exact.
        top = candidates[: found.digest.kept]
        value_run = next(
            ((r, v[0]) for r in top if (v := ranking_value(r, found.experiment)) is not None),
            None,
        )
        if value_run is None:
            raise _Broken(_no_value(name, metric, runs if runs is not None else candidates))
        run, value = value_run
        detail = f"best {metric} in {name}: run {_run_name(run)}"
        return value, found.tracker, detail, ""
    pool = runs if runs is not None else candidates
    finished = [r for r in pool if r.status == FINISHED]
    scored: list[tuple[Run, float]] = []
    for run in finished:
        if metric == found.experiment.primary_metric:
            read = ranking_value(run, found.experiment)
            value = read[0] if read else None
        else:
            value = run.metrics.get(metric)
        if is_finite(value):
            scored.append((run, value))  # type: ignore[arg-type]
    if not scored:
        raise _Broken(_no_value(name, metric, pool))
    scored.sort(key=lambda item: rank_key(item[0], item[1], higher))
    run, value = scored[0]
    which = "highest" if higher else "lowest"
    detail = f"{which} {metric} in {name}: run {_run_name(run)}"
    if runs is None and found.digest is not None:
        kept, aliased = found.digest.kept, len(candidates) - found.digest.kept
        read = f"the top {plural(kept, 'run')} by {found.experiment.primary_metric}"
        if aliased:
            read += f" and {plural(aliased, 'run')} a model alias points at"
        detail += f" (over {read} only: the other runs were not read)"
    else:
        detail += f" (over {plural(len(finished), 'finished run')})"
    return value, found.tracker, detail, ""


def _no_value(name: str, metric: str, runs: Sequence[Run]) -> str:
    known = _known_metrics(runs)
    if metric not in known:
        listed = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
        return f"no run of {name} logs a metric named {quoted(metric)}" + (
            f" (they log: {listed})" if known else ""
        )
    return f"no finished run of {name} has a finite {metric}"


def _models(context: _Context) -> list[ModelVersion]:
    data = context.inputs.experiments
    if data is None:
        return []
    seen: dict[tuple[str, str, str, str], ModelVersion] = {}
    for model in (*data.models, *(m for d in data.digests for m in d.models)):
        seen.setdefault((model.model, model.version, model.alias, model.run_id), model)
    return list(seen.values())


def _resolve_champion(context: _Context) -> Answer:
    binding = context.binding
    alias = binding.alias.strip() or "champion"
    if not binding.experiment.strip() and not binding.model.strip():
        raise _Broken("a champion-metric binding needs `experiment` or `model`")
    found = _one_experiment(context) if binding.experiment.strip() else None
    models = [m for m in _models(context) if m.alias.casefold() == alias.casefold()]
    if binding.model.strip():
        models = [m for m in models if m.model.casefold() == binding.model.strip().casefold()]
    pool: list[Run] = []
    if found is not None:
        runs = _runs_of(context, found)
        pool = list(runs if runs is not None else (found.digest.candidates if found.digest else ()))
        ids = {r.run_id for r in pool}
        models = [m for m in models if m.run_id in ids or m.experiment == found.experiment.id]
    else:
        data = context.inputs.experiments
        pool = [r for d in data.digests for r in d.candidates] if data else []
        pool += list(data.runs) if data else []
    whose = f"model {quoted(binding.model)}" if binding.model.strip() else ""
    if found is not None:
        whose = (whose + " of " if whose else "") + found.experiment.name
    if not models:
        raise _Broken(
            f"no model version has the alias {quoted(alias)}" + (f" in {whose}" if whose else "")
        )
    by_id = {r.run_id: r for r in pool}
    experiment = found.experiment if found is not None else None
    if experiment is None:
        experiment = _experiment_of_run(context, models, by_id)
    metric = binding.metric.strip() or (experiment.primary_metric if experiment else "")
    if not metric:
        raise _Broken("a champion-metric binding needs `metric` when it names only a model")

    def value_of(model: ModelVersion) -> float | None:
        run = by_id.get(model.run_id)
        if run is None:
            return None
        if experiment is not None and metric == experiment.primary_metric:
            read = ranking_value(run, experiment)
            return read[0] if read else None
        value = run.metrics.get(metric)
        return value if is_finite(value) else None

    higher = (
        experiment.higher_is_better
        if experiment is not None and metric == experiment.primary_metric
        else default_higher_is_better(metric)
    )
    chosen = the_champion(models, value_of, higher)
    assert chosen is not None
    run = by_id.get(chosen.run_id)
    if run is None:
        raise _Broken(
            f"{chosen.model}@{alias} (v{chosen.version}) points at run {chosen.run_id[:8]},"
            " which the synced data does not hold"
        )
    value = value_of(chosen)
    if value is None:
        raise _Broken(
            f"the run {chosen.model}@{alias} points at ({_run_name(run)}) has no finite {metric}"
        )
    detail = f"{metric} of {chosen.model}@{alias} (v{chosen.version}, run {_run_name(run)})"
    tracker = _tracker_of_experiment(context, experiment, found)
    return value, tracker, detail, ""


def _experiment_of_run(
    context: _Context, models: Sequence[ModelVersion], by_id: Mapping[str, Run]
) -> Experiment | None:
    data = context.inputs.experiments
    if data is None:
        return None
    ids = {m.experiment for m in models} | {
        by_id[m.run_id].experiment for m in models if m.run_id in by_id
    }
    for digest in data.digests:
        if digest.experiment in ids and digest.definition is not None:
            return digest.definition
    return next((e for e in data.experiments if e.id in ids), None)


def _tracker_of_experiment(
    context: _Context, experiment: Experiment | None, found: _Found | None
) -> str:
    if found is not None:
        return found.tracker
    if experiment is not None and experiment.tracker:
        return experiment.tracker
    return _tracker_of(context.inputs.experiments)


def _resolve_model_versions(context: _Context) -> Answer:
    binding = context.binding
    if context.inputs.experiments is None:
        raise _Broken("no experiment tracker is synced: add an mlflow or wandb source")
    start, end, words = context.window()
    models = _models(context)
    if binding.model.strip():
        wanted = binding.model.strip().casefold()
        known = sorted({m.model for m in models})
        models = [m for m in models if m.model.casefold() == wanted]
        if not models:
            raise _Broken(
                f"no registered model named {quoted(binding.model)} has an alias"
                + (f" (there are: {', '.join(known)})" if known else "")
            )
    alias = binding.alias.strip()
    if alias:
        models = [m for m in models if m.alias.casefold() == alias.casefold()]
    if binding.experiment.strip():
        found = _one_experiment(context)
        models = [m for m in models if m.experiment in ("", found.experiment.id)]
    dated = [m for m in models if m.promoted is not None]
    promoted = {
        (m.model, m.version)
        for m in dated
        if start <= m.promoted.date() <= end  # type: ignore[union-attr]
    }
    what = f"given the alias {quoted(alias)}" if alias else "given an alias"
    detail = f"{plural(len(promoted), 'model version')} {what} in {words}"
    if undated := len(models) - len(dated):
        detail += f" ({plural(undated, 'version')} without a date not counted)"
    return float(len(promoted)), "model", detail, ""


# --- Jira -----------------------------------------------------------------------------


def _matching_issues(context: _Context) -> tuple[list, str]:
    binding = context.binding
    sprint = context.inputs.sprint
    if binding.source.strip():
        sprint = _by_source(context.inputs.sprint_by_source, binding.source, "Jira source")
    if sprint is None:
        raise _Broken("no Jira board is synced: add a jira source")
    issues = list(sprint.issues)
    said: list[str] = []
    if binding.jql.strip():
        # Imported here: most files bind no JQL, and `cockpit status` starts without it.
        from cockpit.analytics.jql_subset import JqlError, compile_jql

        try:
            test = compile_jql(binding.jql, now=context.now, sprints=sprint.sprints)
        except JqlError as exc:
            raise _Broken(str(exc)) from None
        issues = [issue for issue in issues if test(issue)]
        said.append(f"matching {binding.jql.strip()}")
    if binding.label.strip():
        label = binding.label.strip().casefold()
        issues = [i for i in issues if any(x.casefold() == label for x in i.labels)]
        said.append(f"labelled {binding.label.strip()}")
    if binding.epic.strip():
        epic = binding.epic.strip().casefold()
        issues = [i for i in issues if i.epic.casefold() == epic]
        said.append(f"in epic {binding.epic.strip()}")
    if not said:
        raise _Broken(f"a {binding.kind} binding needs `jql`, `label` or `epic`")
    if binding.done_only:
        issues = [i for i in issues if i.category == StatusCategory.DONE]
        said.insert(0, "done")
    return issues, " ".join(said)


def _resolve_jira_count(context: _Context) -> Answer:
    issues, said = _matching_issues(context)
    return float(len(issues)), "jira", f"{plural(len(issues), 'issue')} {said}", ""


def _resolve_jira_points(context: _Context) -> Answer:
    issues, said = _matching_issues(context)
    total = sum(i.points or 0.0 for i in issues)
    detail = f"{quantity(total)} points in {plural(len(issues), 'issue')} {said}"
    if unestimated := sum(1 for i in issues if i.points is None):
        detail += f" ({plural(unestimated, 'issue')} without an estimate counted as 0)"
    return total, "jira", detail, ""


# --- Cost -----------------------------------------------------------------------------


def _scope_test(context: _Context) -> tuple[Callable[[CostRow], bool], str]:
    """The rows the binding's scope covers: a budget's name, or the budget scope grammar."""
    scope = context.binding.scope.strip()
    for budget in context.inputs.budgets:
        if scope and budget.name.casefold() == scope.casefold():
            return matcher(budget), f"budget {budget.name}"
    try:
        test = matcher(Budget("", 0.0, scope=scope))
    except ScopeError as exc:
        raise _Broken(f"scope: {exc}") from None
    return test, (f"scope {scope}" if scope and scope.lower() != "all" else "all spend")


def _spend(context: _Context) -> tuple[float, str, str, str]:
    """(amount, currency, words for the scope, words for the window)."""
    rows = context.inputs.cost_rows
    if context.binding.source.strip():
        rows = _by_source(context.inputs.cost_rows_by_source, context.binding.source, "cost source")
    if not rows:
        raise _Broken("no cost data is synced: add a cost source (FOCUS export, AWS, Azure…)")
    test, scope_words = _scope_test(context)
    start, end, words = context.window()
    last = min(end, context.now.date())
    in_scope = [row for row in rows if test(row)]
    if not in_scope:
        raise _Broken(f"no spend matches {scope_words}: check the scope's spelling")
    in_window = [row for row in in_scope if start <= row.day <= last]
    currencies = sorted({row.currency for row in (in_window or in_scope)})
    if len(currencies) > 1:
        raise _Broken(
            f"spend in {scope_words} is in {' and '.join(currencies)}: money is never"
            " converted; narrow the scope to one currency (e.g. provider=AWS)"
        )
    return sum(row.amount for row in in_window), currencies[0], scope_words, words


def _by_source(found: Mapping[str, T], source: str, what: str) -> T:
    wanted = source.strip().casefold()
    for name, value in found.items():
        if name.casefold() == wanted:
            return value
    names = ", ".join(sorted(found))
    raise _Broken(
        f"no {what} named {quoted(source)}" + (f" (the synced ones: {names})" if names else "")
    )


def _resolve_cost_spend(context: _Context) -> Answer:
    amount, currency, scope_words, words = _spend(context)
    return amount, "cost", f"{money(amount, currency)} spent in {scope_words}, {words}", ""


def _runs_started(context: _Context, start: date, end: date) -> tuple[float, str]:
    """Runs started in the window, in the binding's experiment (or all of the binding's
    source, or all), and what was read."""
    data = context.inputs.experiments
    if data is None:
        raise _Broken("no experiment tracker is synced: cost per run needs the runs")
    found = _one_experiment(context) if context.binding.experiment.strip() else None
    if found is not None:
        where = found.experiment.name
        digests = [found.digest] if found.digest else []
        runs = _runs_of(context, found)
    else:
        source = context.binding.source.strip().casefold()
        where = (
            f"all experiments of {context.binding.source.strip()}" if source else "all experiments"
        )
        digests = [d for d in data.digests if not source or d.source.casefold() == source]
        if source and not digests:
            raise _Broken(f"no experiment source named {quoted(context.binding.source)}")
        ids = {d.experiment for d in digests}
        runs = [r for r in data.runs if not source or r.experiment in ids] if data.runs else None
    if runs is not None:
        count = sum(1 for r in runs if r.started is not None and start <= r.started.date() <= end)
        return float(count), where
    # Without the runs, the digests' weeks: a week partly in the window counts for the share
    # of its days so far inside it (this week's runs all started by today).
    today = context.now.date()
    count = 0.0
    for digest in digests:
        for week in digest.weeks:
            known = min(week.week + timedelta(days=6), today)
            first, last = max(week.week, start), min(known, end)
            if first <= last:
                count += week.started * ((last - first).days + 1) / ((known - week.week).days + 1)
    return count, f"{where}, estimated from weekly counts"


def _resolve_cost_per_run(context: _Context) -> Answer:
    amount, currency, scope_words, words = _spend(context)
    start, end, _words = context.window()
    count, where = _runs_started(context, start, min(end, context.now.date()))
    if count <= 0:
        raise _Broken(f"no run started in {where} in {words}: cost per run needs at least one run")
    runs = (
        plural(int(count), "run") if count == int(count) else f"about {quantity(round(count))} runs"
    )
    detail = f"{money(amount, currency)} in {scope_words} / {runs} started ({where}), {words}"
    return amount / count, "cost", detail, ""


# --- Status ---------------------------------------------------------------------------


def _resolve_status(context: _Context) -> Answer:
    path = context.binding.path.strip()
    if not path:
        raise _Broken("a status binding needs `path` (e.g. experiments.this_week.started)")
    status = context.inputs.status
    if status is None:
        raise _Broken("the status figures are not available yet: sync once")
    node: object = status
    walked: list[str] = []
    for part in path.split("."):
        node = _step(node, part, ".".join(walked) or "status")
        walked.append(part)
    if isinstance(node, bool) or not isinstance(node, int | float):
        shown = (
            "nothing (null)" if node is None else f"{type(node).__name__} {quoted(str(node), 40)}"
        )
        raise _Broken(f"status path {quoted(path)} holds {shown}, not a number")
    return float(node), "status", f"{path} in cockpit status --json", ""


def _step(node: object, part: str, where: str) -> object:
    if isinstance(node, Mapping):
        if part in node:
            return node[part]
        keys = ", ".join(str(k) for k in list(node)[:12])
        raise _Broken(f"{where} has no {quoted(part)}" + (f" (it has: {keys})" if keys else ""))
    if isinstance(node, list | tuple):
        if part.lstrip("-").isdigit():
            index = int(part)
            if -len(node) <= index < len(node):
                return node[index]
            raise _Broken(f"{where} has {plural(len(node), 'entry', 'entries')}, no [{index}]")
        for item in node:  # a list of objects: pick the one with this name or id
            if isinstance(item, Mapping) and any(
                str(item.get(key, "")).casefold() == part.casefold()
                for key in ("name", "id", "key", "experiment", "service")
            ):
                return item
        raise _Broken(f"{where} has no entry named {quoted(part)}")
    raise _Broken(f"{where} is not an object: it has no {quoted(part)}")


_RESOLVERS: dict[str, Callable[[_Context], Answer]] = {
    "metric": _resolve_metric,
    "champion-metric": _resolve_champion,
    "jira-count": _resolve_jira_count,
    "jira-points": _resolve_jira_points,
    "cost-spend": _resolve_cost_spend,
    "cost-per-run": _resolve_cost_per_run,
    "model-versions": _resolve_model_versions,
    "status": _resolve_status,
}


def _guarded(resolver: Callable[[_Context], Answer]) -> Callable[[_Context], Answer]:
    def run(context: _Context) -> Answer:
        try:
            return resolver(context)
        except _Broken as broken:
            return None, _kind_origin(context.binding.kind, context.inputs), "", str(broken)

    return run


_RESOLVERS = {kind: _guarded(resolver) for kind, resolver in _RESOLVERS.items()}


# --- What a caller must read -----------------------------------------------------------


def wants_runs(okrs: OkrData, experiments: ExperimentData | None) -> bool:
    """Whether a binding needs every run, not the digests alone: a metric that is not its
    experiment's primary metric (the digests keep the top runs by that one only), and cost
    per run (runs started in a window that is not made of whole weeks)."""
    if experiments is None:
        return False
    primary = {
        (d.definition.name.casefold(), d.definition.id.casefold()): d.definition.primary_metric
        for d in experiments.digests
        if d.definition is not None
    }
    for kr, _start, _end in bound_key_results(okrs):
        binding = kr.binding
        assert binding is not None
        if binding.kind == "cost-per-run":
            return True
        if binding.kind != "metric" or not binding.metric.strip():
            continue
        wanted = binding.experiment.strip().casefold()
        metrics = [m for (name, eid), m in primary.items() if wanted in (name, eid)]
        if not metrics or any(m != binding.metric.strip() for m in metrics):
            return True
    return False


def needs_cost_rows(okrs: OkrData) -> bool:
    return any(
        kr.binding is not None and kr.binding.kind in ("cost-spend", "cost-per-run")
        for kr, _start, _end in bound_key_results(okrs)
    )
