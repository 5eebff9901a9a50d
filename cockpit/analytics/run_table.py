"""The leaderboard screen's model: every run of every experiment source, as one table.

`build_run_table(data, now)` turns the sources' `ExperimentData` (with all their runs, as
`Workspace.experiment_runs()` returns them) into `RunTableModel`: one `RunRow` per run with its
ranking value (through `run_values.ranking_value`, so the table ranks exactly as the panel
does), its rank in its experiment, its delta to the experiment's champion and its alias badges.
It is built on a worker thread: at 50,000 runs it costs a few hundred milliseconds.

`RunIndex` is what the screen sorts and filters, over and over: orders are tuples of row
positions, never copies of rows. Each sorted order is computed once and kept; the text each
run is searched by is built with the model; and the rows matching a filter are kept for the
last few filters, so a sort key pressed under a filter costs one pass over an index.

Sorting keeps runs without a value (no metric, NaN, infinite, never started) last in both
directions: "unknown" is neither the best nor the worst. The value sort follows each
experiment's own direction, so "best first" is right on a board mixing loss and accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from cockpit.analytics.experiment_digest import ensure_digests, varying_params
from cockpit.analytics.experiments import Velocity, velocity
from cockpit.analytics.run_values import rank_key, ranking_value, the_champion
from cockpit.models import Experiment, ExperimentData, ExperimentDigest, Run

# Sort keys, and whether each one's natural order ("s" lands on it) is largest first.
SORT_KEYS: tuple[str, ...] = ("value", "started", "duration", "name", "user", "status")
SORT_LABEL = {
    "value": "value",
    "started": "start",
    "duration": "duration",
    "name": "name",
    "user": "user",
    "status": "status",
}
# The order a status sort gives: what needs attention first.
STATUS_ORDER: tuple[str, ...] = ("RUNNING", "FAILED", "KILLED", "FINISHED")
# Time windows on the start of a run; None: all time.
WINDOWS: dict[str, timedelta | None] = {
    "all": None,
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
KEY_PARAMS = 3  # params shown beside each run: the ones that vary most between its best runs
KEY_PARAM_SAMPLE = 200  # best runs looked at to choose them
FILTER_CACHE = 8  # matching rows kept for this many recent filters


class Board(msgspec.Struct, frozen=True, gc=False):
    """One experiment as the table knows it, with its champion."""

    experiment: Experiment
    source: str
    tracker: str
    champion: str = ""  # the run id of the "champion" alias, if it points into this experiment
    champion_value: float | None = None
    key_params: tuple[str, ...] = ()
    digest: ExperimentDigest | None = None
    runs: int = 0

    @property
    def label(self) -> str:
        return self.experiment.name


class RunRow(msgspec.Struct, frozen=True, gc=False):
    run: Run
    board: int  # position in RunTableModel.boards
    value: float | None = None  # the ranking value; None when it has none (never ranks)
    step: int | None = None  # the step the value was logged at, when read from a history
    rank: int | None = None  # 1 is the best in its experiment
    delta: float | None = None  # value - champion's value, in the metric's units
    aliases: tuple[str, ...] = ()  # "champion", "challenger"… pointing at this run
    duration: float | None = None  # seconds; a running run's so far

    @property
    def key(self) -> str:
        return self.run.run_id


class RunFilter(msgspec.Struct, frozen=True, gc=False):
    """What the user narrowed the table to. None means "any".

    Free text matches (case-insensitively, every word) the run's name and id, user, status,
    experiment, source, tags and params. In the text, `user:NAME`, `tag:KEY` (or `KEY=VALUE`),
    `status:NAME` and `exp:NAME` narrow like the fields do.
    """

    text: str = ""
    board: int | None = None
    status: str | None = None
    user: str | None = None
    tag: str | None = None
    window: str = "all"

    @property
    def active(self) -> bool:
        return (
            bool(self.text.strip())
            or self.window != "all"
            or any(v is not None for v in (self.board, self.status, self.user, self.tag))
        )


class RunTableModel:
    """Every run, the boards they belong to, and what the screen needs to show them."""

    def __init__(
        self, boards: Sequence[Board], rows: Sequence[RunRow], now: datetime, sources: int = 0
    ) -> None:
        self.boards = tuple(boards)
        self.rows = tuple(rows)
        self.now = now
        self.sources = sources
        self.users: tuple[str, ...] = tuple(
            sorted({r.run.user for r in self.rows if r.run.user}, key=str.casefold)
        )
        present = {r.run.status for r in self.rows}
        self.statuses: tuple[str, ...] = tuple(
            [s for s in STATUS_ORDER if s in present] + sorted(present - set(STATUS_ORDER))
        )
        # The longest text of each column, for widths computed once per model.
        self.longest: dict[str, int] = {
            "experiment": max((len(b.label) for b in self.boards), default=0),
            "source": max((len(b.source) for b in self.boards), default=0),
            "name": max((len(r.run.name) for r in self.rows), default=0),
            "user": max((len(r.run.user) for r in self.rows), default=0),
        }
        self._positions: dict[str, int] | None = None
        self.index = RunIndex(self)

    def __len__(self) -> int:
        return len(self.rows)

    def board_of(self, row: RunRow) -> Board:
        return self.boards[row.board]

    def position(self, run_id: str) -> int | None:
        """The row of a run, by its id."""
        if self._positions is None:
            self._positions = {row.run.run_id: i for i, row in enumerate(self.rows)}
        return self._positions.get(run_id)


# --- building ---------------------------------------------------------------------------------


def _duration(run: Run, now: datetime) -> float | None:
    if run.started is None:
        return None
    end = run.ended or (now if run.status == "RUNNING" else None)
    if end is None:
        return None
    return max((end - run.started).total_seconds(), 0.0)


def _boards_of(data: ExperimentData) -> list[Board]:
    digests = {d.experiment: d for d in data.digests}
    return [
        Board(
            experiment=e,
            source=data.source or data.tracker,
            tracker=e.tracker or data.tracker,
            digest=digests.get(e.id),
        )
        for e in data.experiments
    ]


def build_run_table(data: Sequence[ExperimentData], now: datetime) -> RunTableModel:
    """The table of every run of every source; slow on 50,000 runs: call it off the UI loop.
    The texts are shown as they are: the app builds it from cleaned data
    (`cockpit.leaderboard_runs.load_run_table`)."""
    boards: list[Board] = []
    rows: list[RunRow] = []
    for part in data:
        part = ensure_digests(part, now)
        first = len(boards)
        boards += _boards_of(part)
        where = {boards[i].experiment.id: i for i in range(first, len(boards))}
        aliases: dict[str, list[str]] = {}
        for model in part.models:
            aliases.setdefault(model.run_id, []).append(model.alias)
        champions = {m.run_id for m in part.models if m.alias == "champion"}
        members: dict[int, list[RunRow]] = {i: [] for i in range(first, len(boards))}
        for run in part.runs:
            index = where.get(run.experiment)
            if index is None:
                # A run of an experiment the source did not list: its own board, not dropped.
                index = len(boards)
                boards.append(
                    Board(
                        experiment=Experiment(run.experiment, run.experiment, ""),
                        source=part.source or part.tracker,
                        tracker=part.tracker,
                    )
                )
                where[run.experiment] = index
                members[index] = []
            ranked = ranking_value(run, boards[index].experiment)
            row = RunRow(
                run=run,
                board=index,
                value=ranked[0] if ranked else None,
                step=ranked[1] if ranked else None,
                aliases=tuple(aliases.get(run.run_id, ())),
                duration=_duration(run, now),
            )
            members[index].append(row)
        for index, group in members.items():
            boards[index], group = _rank(boards[index], group, champions)
            rows += group
    return RunTableModel(boards, rows, now, sources=len(data))


def _rank(board: Board, rows: list[RunRow], champions: set[str]) -> tuple[Board, list[RunRow]]:
    """Rank, delta to the champion and key params of one experiment's rows (kept in order)."""
    higher = board.experiment.higher_is_better
    sign = -1.0 if higher else 1.0
    scores = [sign * row.value if row.value is not None else 0.0 for row in rows]
    valued = sorted(
        (i for i, row in enumerate(rows) if row.value is not None), key=scores.__getitem__
    )
    crowned = (row for row in rows if row.run.run_id in champions)
    champion = the_champion(crowned, lambda row: row.value, higher)
    champion_value = champion.value if champion is not None else None
    # Only finished runs are ranked, as on the panel: a running run's value is shown, but it
    # may still move, so it takes no rank from a finished one. Ties are broken as the panel
    # breaks them (`rank_key`), so a run has the same rank on both.
    finished = sorted(
        (i for i in valued if rows[i].run.status == "FINISHED"),
        key=lambda i: rank_key(rows[i].run, rows[i].value, higher),  # type: ignore[arg-type]
    )
    ranks = {i: rank for rank, i in enumerate(finished, start=1)}
    out = []
    for i, row in enumerate(rows):
        delta = (
            row.value - champion_value
            if row.value is not None and champion_value is not None
            else None
        )
        out.append(msgspec.structs.replace(row, rank=ranks.get(i), delta=delta))
    # The configured `key_params`, as on the panel; else the ones that vary most among the
    # best runs.
    key_params = board.experiment.key_params
    if not key_params:
        best = [rows[i].run for i in valued[:KEY_PARAM_SAMPLE]]
        key_params = varying_params(best or [r.run for r in rows[:KEY_PARAM_SAMPLE]], KEY_PARAMS)
    board = msgspec.structs.replace(
        board,
        champion=champion.run.run_id if champion is not None else "",
        champion_value=champion_value,
        key_params=tuple(key_params),
        runs=len(rows),
    )
    return board, out


# --- searching --------------------------------------------------------------------------------


def _haystack(row: RunRow, board: Board) -> str:
    run = row.run
    parts = [run.name, run.run_id, run.user, run.status, board.label, board.source]
    parts += [f"{k}={v}" if v else k for k, v in run.tags.items()]
    parts += [f"{k}={v}" for k, v in run.params.items()]
    return " ".join(parts).casefold()


class Query(msgspec.Struct, frozen=True, gc=False):
    """The free text of a filter, split into words and `name:value` tokens."""

    words: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    experiments: tuple[str, ...] = ()


TOKENS = {"user": "users", "tag": "tags", "status": "statuses", "exp": "experiments"}


def parse_query(text: str) -> Query:
    found: dict[str, list[str]] = {field: [] for field in TOKENS.values()}
    words = []
    for word in text.casefold().split():
        name, colon, value = word.partition(":")
        if colon and name in TOKENS and value:
            found[TOKENS[name]].append(value)
        else:
            words.append(word)
    return Query(words=tuple(words), **{k: tuple(v) for k, v in found.items()})


def tag_matches(tags: dict[str, str], wanted: str) -> bool:
    """`wanted` is a tag key, or `key=value`; case-insensitive."""
    wanted = wanted.casefold()
    for key, value in tags.items():
        if key.casefold() == wanted or f"{key}={value}".casefold() == wanted:
            return True
    return False


class RunIndex:
    """One model's rows, sorted and filtered over and over: tuples of row positions."""

    def __init__(self, model: RunTableModel) -> None:
        self.model = model
        rows = model.rows
        self._orders: dict[tuple[str, bool], tuple[int, ...]] = {}
        self._matches: dict[RunFilter, list[int] | None] = {}
        self._haystacks = [_haystack(row, model.boards[row.board]) for row in rows]
        self._started = [
            row.run.started.timestamp() if row.run.started is not None else None for row in rows
        ]

    # --- sorting ----------------------------------------------------------------------

    def _values(self, key: str) -> list[Any]:
        """Each row's sort value in the key's natural order (None: no value, sorted last)."""
        model = self.model
        rows = model.rows
        if key == "value":
            return self._value_keys(reverse=False)
        if key == "started":
            return [-ts if ts is not None else None for ts in self._started]
        if key == "duration":
            return [-row.duration if row.duration is not None else None for row in rows]
        if key == "name":
            return [row.run.name.casefold() or None for row in rows]
        if key == "user":
            return [row.run.user.casefold() or None for row in rows]
        if key == "status":
            place = {status: n for n, status in enumerate(STATUS_ORDER)}
            return [(place.get(row.run.status, len(place)), row.run.status) for row in rows]
        raise ValueError(f"cannot sort runs by {key!r}; use one of {', '.join(SORT_KEYS)}")

    def _value_keys(self, *, reverse: bool) -> list[Any]:
        """Best first (worst first with `reverse`) by each experiment's direction, grouped by
        metric: experiments sharing a metric (MLflow and W&B ones, once renamed alike) rank
        together; a loss never interleaves with an accuracy."""
        boards = self.model.boards
        metrics: dict[str, int] = {}
        for board in boards:
            metrics.setdefault(board.experiment.primary_metric, len(metrics))
        flip = 1.0 if reverse else -1.0
        group = [metrics[b.experiment.primary_metric] for b in boards]
        sign = [flip if b.experiment.higher_is_better else -flip for b in boards]
        return [
            (group[row.board], sign[row.board] * row.value)
            if row.value is not None and math.isfinite(row.value)
            else None
            for row in self.model.rows
        ]

    def order(self, key: str, reverse: bool = False) -> tuple[int, ...]:
        """Row positions by `key` (`reverse`: the other way); rows without a value come last
        either way, and ties keep the model's order."""
        found = self._orders.get((key, reverse))
        if found is None:
            if key == "value":
                # Reversed within each metric's group, the groups staying in place.
                values = self._value_keys(reverse=reverse)
                flip = False
            else:
                values, flip = self._values(key), reverse
            known = [i for i, v in enumerate(values) if v is not None]
            unknown = [i for i, v in enumerate(values) if v is None]
            # Stable both ways (sort(reverse=True) keeps ties in order too).
            known.sort(key=values.__getitem__, reverse=flip)
            found = self._orders[(key, reverse)] = tuple(known + unknown)
        return found

    def prepare(self, keys: Sequence[str] = ("value",)) -> None:
        """Sort ahead (on the worker building the model), so the first view is instant."""
        for key in keys:
            self.order(key)

    # --- filtering --------------------------------------------------------------------

    def matching(self, flt: RunFilter) -> list[int] | None:
        """The positions of the rows that pass `flt`, in row order; None: every row."""
        if not flt.active:
            return None
        if flt in self._matches:
            found = self._matches.pop(flt)
            self._matches[flt] = found  # most recently used last
            return found
        found = self._match(flt)
        self._matches[flt] = found
        while len(self._matches) > FILTER_CACHE:
            del self._matches[next(iter(self._matches))]
        return found

    def _match(self, flt: RunFilter) -> list[int]:
        model = self.model
        rows = model.rows
        query = parse_query(flt.text)
        keep: list[int] = list(range(len(rows)))

        def narrow(test: Callable[[int], bool]) -> None:
            nonlocal keep
            keep = [i for i in keep if test(i)]

        if flt.board is not None:
            board = flt.board
            narrow(lambda i: rows[i].board == board)
        if query.experiments:
            wanted = {
                n
                for n, b in enumerate(model.boards)
                if all(e in b.label.casefold() for e in query.experiments)
            }
            narrow(lambda i: rows[i].board in wanted)
        if flt.status is not None:
            status = flt.status
            narrow(lambda i: rows[i].run.status == status)
        for status in query.statuses:
            narrow(lambda i, s=status: rows[i].run.status.casefold() == s)
        if flt.user is not None:
            user = flt.user
            narrow(lambda i: rows[i].run.user == user)
        for user in query.users:
            narrow(lambda i, u=user: u in rows[i].run.user.casefold())
        for tag in (flt.tag, *query.tags):
            if tag is not None:
                narrow(lambda i, t=tag: tag_matches(rows[i].run.tags, t))
        span = WINDOWS.get(flt.window)
        if span is not None:
            since = (model.now - span).timestamp()
            started = self._started
            narrow(lambda i: (started[i] or -math.inf) >= since)
        haystacks = self._haystacks
        for word in query.words:
            keep = [i for i in keep if word in haystacks[i]]
        return keep

    def view(self, flt: RunFilter, key: str = "value", reverse: bool = False) -> tuple[int, ...]:
        """The rows that pass `flt`, sorted by `key`, as row positions."""
        order = self.order(key, reverse)
        found = self.matching(flt)
        if found is None:
            return order
        if len(found) == len(order):
            return order
        mask = bytearray(len(self.model.rows))
        for i in found:
            mask[i] = 1
        return tuple(i for i in order if mask[i])


# --- velocity ---------------------------------------------------------------------------------


def board_velocity(boards: Sequence[Board], now: datetime, only: int | None = None) -> Velocity:
    """The velocity of every board (or of the one at `only`), from their digests, as the
    dashboard computes it (`analytics.experiments.velocity`)."""
    chosen = [b for n, b in enumerate(boards) if only is None or n == only]
    return velocity([b.digest for b in chosen if b.digest is not None], now)
