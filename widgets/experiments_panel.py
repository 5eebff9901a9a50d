"""The Experiments panel: each experiment's best runs by its primary metric, the champion and
the challenger's distance to it, the record line, and this week's pace against last week's."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.experiments import (
    CrossBoard,
    ExperimentBoard,
    ExperimentsSummary,
    RunRow,
    Velocity,
    WeekFigures,
)
from cockpit.analytics.freshness import describe_age
from cockpit.formatting import duration, metric, plural, share, signed_metric
from widgets.panel import Panel, Part, clip, line

SPARK = "▁▂▃▄▅▆▇█"
MAX_RUNS = 5  # per experiment on the dashboard; the leaderboard screen shows them all
VALUE_WIDTH = 8


def sparkline(values: tuple[float, ...], width: int) -> str:
    """`values` squeezed into at most `width` cells (the last value always drawn)."""
    if not values or width <= 0:
        return ""
    if len(values) > width:
        step = (len(values) - 1) / max(width - 1, 1)
        values = tuple(values[round(i * step)] for i in range(width))
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    top = len(SPARK) - 1
    return "".join(SPARK[min(int((v - low) / span * top), top)] for v in values)


def _arrow(higher_is_better: bool) -> str:
    return "↑" if higher_is_better else "↓"


def _value(row: RunRow) -> str:
    return metric(row.value) if row.value is not None else "–"


def _delta_style(row: RunRow) -> str:
    if row.improves:
        return "$success"
    if row.delta is not None and signed_metric(row.delta).startswith("±"):
        return "$foreground-muted"
    return "$error"


def _minutes(value: float | None) -> str:
    return duration(value * 60 if value is not None else None)


def _rate(week: WeekFigures) -> str:
    return share(week.failure_rate)


def _length(*parts: Part) -> int:
    return sum(len(p[0]) if isinstance(p, tuple) else len(p) for p in parts)


def _fit(width: int, *variants: list[Part]) -> Content:
    """The first of `variants` (longest first) that fits in `width`; else the last, which the
    panel's frame cuts with an ellipsis."""
    for parts in variants:
        if _length(*parts) <= width:
            return line(*parts)
    return line(*variants[-1])


class ExperimentsPanel(Panel):
    PANEL_ID = "experiments"
    TITLE = "Experiments"

    summary: reactive[ExperimentsSummary | None] = reactive(None)

    # --- rows ----------------------------------------------------------------------------

    def _header(self, s: ExperimentsSummary, width: int) -> Content:
        v = s.velocity
        runs: Part = (f"{s.runs_total:,} runs", "bold")
        tracker: Part = (f" on {s.tracker}", "$foreground-muted") if s.tracker else ""
        running: Part = (f"{s.running_total:,} running", "$primary")
        week: list[Part] = [
            (f"{v.this_week.started:,} this week", "bold"),
            (f" vs {v.last_week.started:,} last", "$foreground-muted"),
        ]
        # Narrow panels keep this week's count in words rather than a cryptic "23/27".
        short_week: list[Part] = [(f"{v.this_week.started:,} this wk", "bold")]
        done = f"{s.finished_last_day:,} done in 24h"
        return _fit(
            width,
            [runs, tracker, " · ", running, " · ", done, " · ", *week],
            [runs, " · ", running, " · ", done, " · ", *week],
            [runs, " · ", running, " · ", f"{s.finished_last_day:,} done 24h", " · ", *short_week],
            [runs, " · ", running, " · ", *short_week],
            [runs, " · ", running],
        )

    def _run_row(self, board: ExperimentBoard, row: RunRow, width: int) -> Content:
        best = row.rank == 1
        rank = f"{row.rank}." if row.rank is not None else ""
        badges: list[Part] = []
        if row.is_champion:
            badges.append((" ★ champion", "$warning"))
        elif "challenger" in row.aliases:
            badges.append((" ◆ challenger", "$accent"))
        if row.new_today:
            badges.append((" new", "bold $primary"))
        badge_len = _length(*badges)
        tail = f"  {row.user} · {describe_age(row.age_seconds)}" if width >= 56 else ""
        name = clip(row.name, max(width - 5 - VALUE_WIDTH - badge_len - len(tail), 6))
        return line(
            (rank.rjust(3), "$foreground-muted"),
            (_value(row).rjust(VALUE_WIDTH), "bold $success" if best else ""),
            "  ",
            name,
            *badges,
            (tail, "$foreground-muted"),
        )

    def _verdict(self, board: ExperimentBoard, width: int) -> Content | None:
        """The call-out when a run beats the champion, else the challenger's distance to it."""
        champion, best = board.champion, board.best
        if champion is None or champion.value is None:
            return None
        if board.beats_champion and best is not None and best.delta is not None:
            lead = f" beats the champion by {signed_metric(best.delta)}"
            return line(
                ("  ▲ ", "bold $success"),
                (clip(best.name, max(width - 4 - len(lead), 6)), "bold"),
                (lead, "$success"),
            )
        challenger = board.challenger
        if challenger is None or challenger.delta is None:
            return line(("  champion leads, no challenger yet", "$foreground-muted"))
        tail = " vs champion"
        label = "  challenger "
        return line(
            (label, "$foreground-muted"),
            clip(challenger.name, max(width - len(label) - 12 - len(tail), 6)),
            " ",
            (signed_metric(challenger.delta), _delta_style(challenger)),
            (tail, "$foreground-muted"),
        )

    def _board_header(self, board: ExperimentBoard, width: int, shown: int) -> Content:
        head: list[Part] = [
            (clip(board.experiment, max(width // 2, 12)), "bold"),
            (f"  {board.metric} {_arrow(board.higher_is_better)}", "$foreground-muted"),
        ]
        more = board.ranked - shown
        more_part: Part = (f"  +{more:,} more", "$foreground-muted") if more > 0 else ""
        running: Part = (f"  {board.running} running", "$primary") if board.running else ""
        # The record line comes first; what is left of the width says how much else fits.
        for tail in ([more_part, running], [more_part], []):
            room = min(width - _length(*head, *tail) - 2, 16)
            if not board.trend or room >= 6:
                spark: Part = ("  " + sparkline(board.trend, room), "$primary") if room >= 6 else ""
                return line(*head, spark, *tail)
        return _fit(width, [*head, more_part, running], [*head, more_part], head)

    def _board_rows(self, board: ExperimentBoard, width: int, runs: int) -> list[Content]:
        shown = list(board.top[:runs])
        champion = board.champion
        below = champion is not None and all(r.run_id != champion.run_id for r in shown)
        if below and champion is not None:
            shown.append(champion)  # under the top runs, with its own rank
        ranked_shown = sum(1 for r in shown if r.rank is not None)
        rows = [self._board_header(board, width, ranked_shown)]
        if not board.top:
            rows.append(line(("   no finished runs with a value yet", "$foreground-muted")))
        rows += [self._run_row(board, row, width) for row in shown]
        verdict = self._verdict(board, width)
        if verdict is not None:
            rows.append(verdict)
        return rows

    def _compact_row(self, board: ExperimentBoard, width: int) -> Content:
        arrow = _arrow(board.higher_is_better)
        name: Part = (clip(board.experiment, 16), "bold")
        head: Part = (f" {board.metric} {arrow} ", "$foreground-muted")
        short_head: Part = (f" {arrow} ", "$foreground-muted")
        best = board.best
        if best is None or best.value is None:
            return _fit(
                width,
                [name, head, ("no finished runs", "$foreground-muted")],
                [name, short_head, ("none yet", "$foreground-muted")],
            )
        value: Part = (metric(best.value), "bold $success")
        champion, challenger = board.champion, board.challenger
        verdicts: list[list[Part]] = [[]]
        if board.beats_champion and best.delta is not None:
            delta = signed_metric(best.delta)
            verdicts = [[(f" ▲ beats champion {delta}", "$success")], [(f" ▲ {delta}", "$success")]]
        elif best.is_champion and challenger is not None and challenger.delta is not None:
            delta = signed_metric(challenger.delta)
            verdicts = [
                [(f" ★ leads; challenger {delta}", "$foreground-muted")],
                [(" ★", "$warning"), (" leads", "$foreground-muted")],
            ]
        elif best.is_champion and champion is not None:
            verdicts = [[(" ★ champion leads", "$foreground-muted")], [(" ★", "$warning")]]
        variants = [[name, h, value, *v] for h in (head, short_head) for v in verdicts]
        return _fit(width, *variants, [name, short_head, value])

    def _velocity_rows(self, v: Velocity, width: int) -> list[Content]:
        now, before = v.this_week, v.last_week
        change = v.change
        rows = [
            line(("Velocity", "bold"), (f"  {v.note}", "$foreground-muted")),
            line(
                f"  {plural(now.started, 'run')} started this week",
                (f" vs {before.started:,} last week ", "$foreground-muted"),
                (f"({change:+d})", "$success" if change >= 0 else "$warning"),
            ),
            line(
                f"  failed {_rate(now)}",
                (f" vs {_rate(before)}", "$foreground-muted"),
                " · median run ",
                _minutes(now.median_minutes),
                (f" vs {_minutes(before.median_minutes)}", "$foreground-muted"),
            ),
        ]
        for person in v.people:
            rows.append(
                line(
                    f"  {clip(person.user, 20):<20}",
                    f"{person.this_week:>4} this week",
                    (f"  {person.last_week:>4} last", "$foreground-muted"),
                )
            )
        return rows

    def _cross_rows(self, board: CrossBoard, width: int) -> list[Content]:
        rows = [
            line(
                ("All experiments", "bold"),
                (f"  {board.metric} {_arrow(board.higher_is_better)}", "$foreground-muted"),
                (f"  {board.note}" if board.note else "", "$foreground-muted"),
            )
        ]
        for rank, row in enumerate(board.rows, start=1):
            where = f"  {row.source}: {row.experiment}" if row.source else f"  {row.experiment}"
            rows.append(
                line(
                    (f"{rank}.".rjust(3), "$foreground-muted"),
                    (_value(row).rjust(VALUE_WIDTH), "bold $success" if rank == 1 else ""),
                    "  ",
                    clip(row.name, max(width - 13 - len(where), 6)),
                    (where, "$foreground-muted"),
                )
            )
        return rows

    # --- the panel -----------------------------------------------------------------------

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        rows = [self._header(s, width)]
        boards = list(s.boards)
        if not boards:
            return rows
        if self.detailed:
            for board in boards:
                rows += self._board_rows(board, width, len(board.top))
            for cross in s.cross_boards:
                rows += self._cross_rows(cross, width)
            rows += [line((text, "$foreground-muted")) for text in s.cross_skipped]
            return rows + self._velocity_rows(s.velocity, width)
        room = height - 1
        allotted = self._allot(boards, width, room)
        if allotted is None:
            return rows + [self._compact_row(b, width) for b in boards]
        for board, runs in zip(boards, allotted, strict=True):
            rows += self._board_rows(board, width, runs)
        return rows

    def _allot(self, boards: list[ExperimentBoard], width: int, room: int) -> list[int] | None:
        """How many top runs each board shows so that all fit in `room` rows: one each first,
        then one more at a time in board order, up to MAX_RUNS. None: not even one each fits."""

        def cost(board: ExperimentBoard, runs: int) -> int:
            shown = board.top[:runs]
            champion = board.champion
            below = champion is not None and all(r.run_id != champion.run_id for r in shown)
            verdict = self._verdict(board, width) is not None
            return 1 + max(len(shown), 1) + int(below) + int(verdict)

        allotted = [1] * len(boards)
        costs = [cost(b, 1) for b in boards]
        if sum(costs) > room:
            return None
        grown = True
        while grown:
            grown = False
            for i, board in enumerate(boards):
                if allotted[i] >= min(MAX_RUNS, len(board.top)):
                    continue
                more = cost(board, allotted[i] + 1)
                if sum(costs) - costs[i] + more <= room:
                    allotted[i] += 1
                    costs[i] = more
                    grown = True
        return allotted
