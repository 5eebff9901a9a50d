"""Cost per experiment: spend whose tags name an experiment or a run, joined to the
experiment trackers' digests ($ per run, $ per experiment, $ per point of metric gained).

A tag value is matched to an experiment by its name or id, ignoring case (a W&B project tag
may also carry the entity: "acme/fraud" matches "fraud"). A run tag without an experiment tag
is placed through the runs the digests keep. What matches nothing is still shown, with
`matched=False`, so that spend is never silently lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cockpit.analytics.cost_views import CostAnalysisSettings, ExperimentCost
from cockpit.models import CostRow, ExperimentData, ExperimentDigest


def experiment_costs(
    rows: Iterable[CostRow],
    experiments: ExperimentData | None,
    settings: CostAnalysisSettings,
) -> tuple[ExperimentCost, ...]:
    exp_keys = tuple(k.lower() for k in settings.experiment_tags)
    run_keys = tuple(k.lower() for k in settings.run_tags)
    wanted = set(exp_keys) | set(run_keys)
    # (experiment tag value or "", currency) -> [spend, run ids]
    spend: dict[tuple[str, str], float] = defaultdict(float)
    runs: dict[tuple[str, str], set[str]] = defaultdict(set)
    orphans: dict[tuple[str, str], float] = defaultdict(float)  # run tag only: (run, currency)
    # Few distinct tag sets carry most rows: sum by tag set first, then read each set once.
    by_tags: dict[tuple[tuple[tuple[str, str], ...], str], float] = defaultdict(float)
    for row in rows:
        if row.tags:
            by_tags[row.tags, row.currency] += row.amount
    for (tags, currency), amount in by_tags.items():
        exp = run = ""
        for key, value in tags:
            if key in wanted and value:
                if not exp and key in exp_keys:
                    exp = value
                elif not run and key in run_keys:
                    run = value
        if exp:
            spend[exp, currency] += amount
            if run:
                runs[exp, currency].add(run)
        elif run:
            orphans[run, currency] += amount
    digests = experiments.digests if experiments else ()
    by_name = _index(digests)
    run_home = {r.run_id: d for d in digests for r in d.candidates}
    # Runs whose experiment the digests know join it; the rest stay apart, unmatched.
    # (the digest's identity, name, currency) -> [digest, spend, run ids]
    found: dict[tuple[int, str, str], list] = {}
    for (value, currency), amount in spend.items():
        digest = _lookup(by_name, value)
        name = _name(digest) if digest else value
        entry = found.setdefault((id(digest), name, currency), [digest, 0.0, set()])
        entry[1] += amount
        entry[2] |= runs[value, currency]
    for (run, currency), amount in orphans.items():
        digest = run_home.get(run)
        name = _name(digest) if digest else f"run {run}"
        entry = found.setdefault((id(digest), name, currency), [digest, 0.0, set()])
        entry[1] += amount
        entry[2].add(run)
    result = [
        _cost(digest, name, currency, amount, len(run_ids))
        for (_, name, currency), (digest, amount, run_ids) in found.items()
    ]
    result.sort(key=lambda e: (-e.spend, e.experiment, e.currency))
    return tuple(result)


def _index(digests: Iterable[ExperimentDigest]) -> dict[str, ExperimentDigest]:
    index: dict[str, ExperimentDigest] = {}
    for d in digests:
        names = [d.experiment]
        if d.definition is not None:
            names.append(d.definition.name)
            names.append(d.definition.name.rsplit("/", 1)[-1])
        for n in names:
            index.setdefault(n.casefold(), d)
    return index


def _lookup(index: dict[str, ExperimentDigest], value: str) -> ExperimentDigest | None:
    key = value.casefold()
    return index.get(key) or index.get(key.rsplit("/", 1)[-1])


def _name(digest: ExperimentDigest) -> str:
    return digest.definition.name if digest.definition else digest.experiment


def _cost(
    digest: ExperimentDigest | None, name: str, currency: str, spend: float, with_cost: int
) -> ExperimentCost:
    if digest is None:
        return ExperimentCost(
            experiment=name,
            source="",
            currency=currency,
            spend=spend,
            runs=0,
            runs_with_cost=with_cost,
            per_run=spend / with_cost if with_cost else None,
            matched=False,
        )
    definition = digest.definition
    gain = point = None
    if definition is not None and len(digest.record) >= 1:
        first, best = digest.record[0][1], digest.record[-1][1]
        gain = (best - first) if definition.higher_is_better else (first - best)
        point = metric_point(first, best)
    return ExperimentCost(
        experiment=name,
        source=digest.source,
        currency=currency,
        spend=spend,
        runs=digest.total,
        runs_with_cost=with_cost,
        per_run=spend / digest.total if digest.total else None,
        metric=definition.primary_metric if definition else "",
        gain=gain,
        per_point=spend / (gain / point) if gain and gain > 0 and point else None,
        matched=True,
    )


def metric_point(first: float, best: float) -> float:
    """What one "point" of a metric is. For a metric that lives in 0..1 (accuracy, AUC, F1,
    a rate), a point is a percentage point, 0.01: "$4,000 per point of AUC" is how teams talk
    about them. Any other metric (a loss, a perplexity, a BLEU score on 0..100) gains in its
    own units, so a point is 1.0."""
    return 0.01 if 0.0 <= first <= 1.0 and 0.0 <= best <= 1.0 else 1.0
