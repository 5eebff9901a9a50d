"""The selected run of the leaderboard, every field: value and how it was read, the gap to the
champion, timing, metrics, params, tags and its link. Text from trackers is never markup."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from cockpit import formatting
from cockpit.analytics.run_table import Board, RunRow, RunTableModel
from widgets.panel import Part, line, stack
from widgets.run_table import STATUS_NAME, badge_text, delta_text, value_text

LABEL_WIDTH = 10
STYLE = {
    "muted": "$text-muted",
    "good": "$text-success",
    "bad": "$text-error",
    "badge": "bold $text-warning",
    "accent": "$text-accent",
}


def _when(moment: datetime | None) -> str:
    return f"{moment:%a %d %b %Y %H:%M} UTC" if moment is not None else "–"


def _pairs(values: dict[str, str], none: str) -> Part:
    if not values:
        return (none, "$text-muted")
    return "  ".join(f"{k}={v}" if v else k for k, v in sorted(values.items()))


def how_read(row: RunRow, board: Board) -> str:
    """Which value ranks the run: its last, its best (at step N), or at another metric's best."""
    experiment = board.experiment
    if row.value is None:
        return "not ranked: no finite value"
    if row.step is None:
        return "last value"
    if experiment.rank_by == "at-best-step":
        return f"at the best {experiment.step_metric} (step {row.step:,})"
    return f"best, at step {row.step:,}"


def run_fields(model: RunTableModel, row: RunRow) -> Content:
    """Every field of the run, one per line, labels muted."""
    board = model.boards[row.board]
    run = row.run
    experiment = board.experiment

    def field(label: str, *value: Part) -> Content:
        return line((label.ljust(LABEL_WIDTH), "$text-muted"), *value)

    badge, badge_style = badge_text(row)
    status = STATUS_NAME.get(run.status, run.status.lower())
    status_style = {"RUNNING": "$text-primary", "FAILED": "$text-error", "KILLED": "$text-error"}
    delta, delta_style = delta_text(row, experiment.higher_is_better)
    arrow = "↑" if experiment.higher_is_better else "↓"
    ranked = board.digest.ranked if board.digest is not None and board.digest.ranked else None
    rank: list[Part] = []
    if row.rank is not None:
        of = f" of {ranked:,}" if ranked else ""
        rank = [("   rank ", "$text-muted"), f"#{row.rank}{of}"]
    champion: list[Part] = []
    if board.champion and "champion" not in row.aliases and row.delta is not None:
        where = model.position(board.champion)
        name = model.rows[where].run.name if where is not None else board.champion
        champion = [
            ("   vs champion ", "$text-muted"),
            (delta, STYLE.get(delta_style, "")),
            (f" ({name}, {formatting.metric(board.champion_value or 0.0)})", "$text-muted"),
        ]
    metrics = "  ".join(
        f"{name} {formatting.metric(value) if value == value else 'n/a'}"
        for name, value in sorted(run.metrics.items())
    )
    histories = ", ".join(f"{name} ({len(points):,} points)" for name, points in
                          sorted(run.histories.items()))  # fmt: skip
    rows = [
        line(
            (run.name, "bold"),
            "  ",
            (badge, STYLE.get(badge_style, "")) if badge else "",
            ("  " if badge else "", ""),
            (f"{board.label} · {board.source} ({board.tracker}) · {run.run_id}", "$text-muted"),
        ),
        field(
            "Status",
            (status, status_style.get(run.status, "")),
            ("   by ", "$text-muted"),
            run.user or ("nobody named", "$text-muted"),
            ("   running for " if run.status == "RUNNING" else "   took ", "$text-muted"),
            formatting.duration(row.duration),
        ),
        field("Timing", f"started {_when(run.started)}", ("  ·  ", "$text-muted"),
              f"ended {_when(run.ended)}" if run.ended else ("not ended", "$text-muted")),
        field(
            "Value",
            f"{experiment.primary_metric} {arrow} ",
            (value_text(row, experiment.primary_metric), "bold"),
            (f"  {how_read(row, board)}", "$text-muted"),
            *rank,
            *champion,
        ),
        field("Metrics", metrics or ("none logged", "$text-muted")),
        field("Params", _pairs(run.params, "none")),
        field("Tags", _pairs(run.tags, "none")),
        field("History", histories or ("not synced: the chart has nothing to draw", "$text-muted")),
        field(
            "URL",
            (run.url, "$text-primary") if run.url else ("none", "$text-muted"),
            ("   o opens it" if run.url else "", "$text-muted"),
        ),
    ]  # fmt: skip
    return stack(rows)


class RunDetail(Static):
    """The run under the table's cursor."""

    DEFAULT_CSS = """
    RunDetail {
        height: auto;
        padding: 0 1;
    }
    """

    def show_row(self, model: RunTableModel | None, row: RunRow | None) -> None:
        if model is None:
            self.update("")
        elif row is None:
            self.update(line(("No run selected.", "$text-muted")))
        else:
            self.update(run_fields(model, row))
