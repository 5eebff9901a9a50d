"""The Experiments panel: each experiment's best runs by its primary metric."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.experiments import ExperimentBoard, ExperimentsSummary, RankedRun
from cockpit.analytics.freshness import describe_age
from cockpit.formatting import metric
from widgets.panel import Panel, Part, clip, line


def _delta(board: ExperimentBoard) -> Part:
    """Best run against the champion, coloured by whether it is an improvement."""
    if board.best_vs_champion is None or board.champion is None:
        return ""
    if board.top and board.top[0].is_champion:
        return (" champion leads", "$foreground-muted")
    sign = "+" if board.best_vs_champion >= 0 else "−"
    style = "$success" if board.improves_on_champion else "$error"
    return (f" {sign}{abs(board.best_vs_champion):.4f} vs champion", style)


class ExperimentsPanel(Panel):
    PANEL_ID = "experiments"
    TITLE = "Experiments"

    summary: reactive[ExperimentsSummary | None] = reactive(None)

    def _run_row(self, rank: str, run: RankedRun, width: int, best: bool) -> Content:
        badge: Part = (" ★ champion", "$warning") if run.is_champion else ""
        badge_len = len(badge[0]) if isinstance(badge, tuple) else 0
        tail = f"  {run.user} · {describe_age(run.age_seconds)}" if width >= 56 else ""
        name = clip(run.name, max(width - 13 - badge_len - len(tail), 6))
        return line(
            (rank.rjust(3), "$foreground-muted"),
            (metric(run.value).rjust(8), "bold $success" if best else ""),
            "  ",
            name,
            badge,
            (tail, "$foreground-muted"),
        )

    def _board_rows(self, board: ExperimentBoard, width: int, runs: int) -> list[Content]:
        arrow = "↑" if board.higher_is_better else "↓"
        header: list[Part] = [
            (board.experiment, "bold"),
            (f"  {board.metric} {arrow}", "$foreground-muted"),
        ]
        if board.running:
            header.append((f"  {board.running} running", "$primary"))
        rows = [line(*header)]
        for rank, run in enumerate(board.top[:runs], start=1):
            rows.append(self._run_row(f"{rank}.", run, width, rank == 1))
        if board.champion and board.champion not in board.top[:runs]:
            rows.append(self._run_row("", board.champion, width, False))
        return rows

    def _compact_row(self, board: ExperimentBoard, width: int) -> Content:
        arrow = "↑" if board.higher_is_better else "↓"
        if not board.top:
            return line((board.experiment, "bold"), ("  no finished runs", "$foreground-muted"))
        best = board.top[0]
        return line(
            (clip(board.experiment, 16), "bold"),
            (f" {board.metric} {arrow} ", "$foreground-muted"),
            (metric(best.value), "bold $success"),
            _delta(board),
        )

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        rows = [
            line(
                (f"{s.runs_total} runs", "bold"),
                (f" on {s.tracker}", "$foreground-muted"),
                " · ",
                (f"{s.running_total} running", "$primary"),
                " · ",
                f"{s.finished_last_day} done in 24h",
            )
        ]
        boards = list(s.boards)
        if not boards:
            return rows
        room = height - 1
        if not self.detailed and room < len(boards) * 3:
            return rows + [self._compact_row(b, width) for b in boards]
        runs = 5 if self.detailed else min(max(room // len(boards) - 2, 1), 5)
        for board in boards:
            rows += self._board_rows(board, width, runs)
        return rows
