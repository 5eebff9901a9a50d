"""The leaderboard's runs, cleaned, then built into the table's model.

Text from the trackers is untrusted, and the leaderboard reads runs straight from the store
(`Workspace.experiment_runs`): a cache written by an older cockpit may hold runs from before
the parsers cleaned them. So the model is built here from cleaned copies, as the dashboard's
view-models are cleaned in `cockpit.dashboard`: every text the screen draws, searches or
offers in a filter (run names, users, tags, params, metric names, experiments, sources, the
digests' people) is free of control characters, escape sequences and bidi overrides. Rich
markup stays as typed: the widgets never parse data as markup.

`clean_record` over 50,000 runs costs about a second. Here a run whose texts are all printable
is kept as it is, checked with one C scan (`str.isprintable`), and only the others go through
`clean_record`: about 50 ms over 50,000 clean runs, on the worker thread that builds the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from cockpit.analytics.run_table import RunTableModel, build_run_table
from cockpit.models import ExperimentData, ExperimentDigest, Run, WeekOfRuns
from cockpit.text_safety import clean_line, clean_record


def load_run_table(data: Sequence[ExperimentData], now: datetime) -> RunTableModel:
    """The leaderboard's model from cleaned data; slow on 50,000 runs: call it off the UI loop."""
    return build_run_table([clean_experiment_data(part) for part in data], now)


def clean_experiment_data(data: ExperimentData) -> ExperimentData:
    """Every text of a source's data cleaned: the runs (and the digests' candidates) through
    the fast check, the rest (experiments, model versions, weekly figures: a few records per
    experiment) through `clean_record`."""
    runs = clean_runs(data.runs)
    digests = tuple(_clean_digest(d) for d in data.digests)
    rest = clean_record(msgspec.structs.replace(data, runs=(), digests=()))
    return msgspec.structs.replace(rest, runs=runs, digests=digests)


def clean_runs(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    """The runs with every text cleaned (`text_safety.clean_line`); the same tuple when every
    run was clean already, and clean runs keep their identity."""
    dirty = [i for i, run in enumerate(runs) if not _printable(run)]
    if not dirty:
        return runs
    cleaned = list(runs)
    for i in dirty:
        cleaned[i] = _clean_run(runs[i])
    return tuple(cleaned)


def _printable(run: Run) -> bool:
    """True when `clean_record` would give the run back unchanged, in one C scan of its texts:
    `str.isprintable` is False for every control character, escape introducer, bidi control
    and line or paragraph separator that `clean_line` removes. It is False for a few harmless
    characters too (a no-break space, an emoji's zero-width joiner): those runs are cleaned the
    exact way, which gives them back unchanged."""
    return "".join(
        (run.run_id, run.experiment, run.name, run.status, run.user, run.url,
         *run.params, *run.params.values(), *run.tags, *run.tags.values(),
         *run.metrics, *run.histories)
    ).isprintable()  # fmt: skip


def _clean_run(run: Run) -> Run:
    # Histories are long tuples of numbers: only their metric names are text.
    histories = run.histories
    if not histories:
        return clean_record(run)
    cleaned = clean_record(msgspec.structs.replace(run, histories={}))
    return msgspec.structs.replace(
        cleaned, histories={clean_line(name): points for name, points in histories.items()}
    )


def _clean_week(week: WeekOfRuns) -> WeekOfRuns:
    cleaned = clean_record(msgspec.structs.replace(week, durations=()))
    return msgspec.structs.replace(cleaned, durations=week.durations)


def _clean_digest(digest: ExperimentDigest) -> ExperimentDigest:
    # The record line and the duration buckets are long runs of numbers and dates, with no
    # text to clean: set aside, so that `clean_record` walks only what may hold text.
    rest = msgspec.structs.replace(digest, candidates=(), weeks=(), record=(), ended_last_day=())
    return msgspec.structs.replace(
        clean_record(rest),
        candidates=clean_runs(digest.candidates),
        weeks=tuple(_clean_week(week) for week in digest.weeks),
        record=digest.record,
        ended_last_day=digest.ended_last_day,
    )
