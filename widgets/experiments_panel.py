"""The Experiments panel: each experiment's best runs by its primary metric."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.experiments import ExperimentBoard, ExperimentsSummary
from widgets.panel import Panel, clip, line


def _metric(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 10 else f"{value:,.2f}"


class ExperimentsPanel(Panel):
    PANEL_ID = "experiments"
    TITLE = "Experiments"

    summary: reactive[ExperimentsSummary | None] = reactive(None)

    def _board_rows(self, board: ExperimentBoard, width: int, runs: int) -> list[Content]:
        arrow = "↑" if board.higher_is_better else "↓"
        header = [(board.experiment, "bold"), (f"  {board.metric} {arrow}", "$text-muted")]
        if board.running:
            header.append((f"  {board.running} running", "$primary"))
        rows = [line(*header)]
        for rank, run in enumerate(board.top[:runs], start=1):
            badge = (" ★ champion", "$warning") if run.is_champion else ("", "")
            name = clip(run.name, width - 14 - len(badge[0]))
            rows.append(
                line(
                    (f"{rank}. ", "$text-muted"),
                    (_metric(run.value).rjust(8), "$success" if rank == 1 else ""),
                    "  ",
                    name,
                    badge,
                )
            )
        if board.champion and board.champion not in board.top[:runs]:
            rows.append(
                line(
                    ("   ", ""),
                    (_metric(board.champion.value).rjust(8), "$warning"),
                    "  ",
                    clip(board.champion.name, width - 22),
                    (" ★ champion", "$warning"),
                )
            )
        return rows

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        rows = [
            line(
                (f"{s.runs_total} runs", "bold"),
                (f" on {s.tracker}", "$text-muted"),
                " · ",
                (f"{s.running_total} running", "$primary"),
                " · ",
                f"{s.finished_last_day} done in 24h",
            )
        ]
        boards = [b for b in s.boards if b.top] or list(s.boards)
        if not boards:
            return rows
        room = height - 1
        per_board = max(room // len(boards) - 1, 1)
        runs = 5 if self.detailed else min(per_board, 5)
        for board in boards:
            block = self._board_rows(board, width, runs)
            if len(rows) + len(block) > height and not self.detailed:
                block = block[: max(height - len(rows), 0)]
            rows += block
        return rows
