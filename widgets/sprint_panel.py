"""The Sprint panel: progress, issues by status, and what is blocking the sprint."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.sprint import SprintSummary
from cockpit.models import StatusCategory
from widgets.panel import Panel, bar, clip, line

CATEGORY_STYLE = {
    StatusCategory.TODO: "$text-muted",
    StatusCategory.IN_PROGRESS: "$primary",
    StatusCategory.DONE: "$success",
}


def _amount(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


class SprintPanel(Panel):
    PANEL_ID = "sprint"
    TITLE = "Sprint"

    summary: reactive[SprintSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        if s.state != "active":
            return [
                line((s.board, "bold")),
                line(("No active sprint.", "$warning")),
                line(f"Next: {s.next_sprint or 'none planned'}"),
            ]
        left = f"{s.days_left} days left" if s.days_left is not None else "no end date"
        rows = [line((clip(s.sprint, width - len(left) - 3), "bold"), " · ", (left, "$accent"))]
        if s.goal and (height >= 8 or self.detailed):
            rows.append(line((clip(s.goal, width), "italic $text-muted")))
        figures = f" {_amount(s.done)}/{_amount(s.total)} {s.unit} {s.percent_done:.0f}%"
        rows.append(line(*bar(s.done / s.total if s.total else 0, width - len(figures)), figures))
        if height - len(rows) >= len(s.by_status) + 3 or self.detailed:
            label = max(len(c.status) for c in s.by_status) if s.by_status else 6
            most = max((c.issues for c in s.by_status), default=1)
            for count in s.by_status:
                style = CATEGORY_STYLE[count.category]
                if count.status.lower() == "blocked":
                    style = "$error"
                gauge = max(width - label - 14, 4)
                rows.append(
                    line(
                        (count.status.ljust(label), style),
                        f" {count.issues:>3} ",
                        *bar(count.issues / most, gauge, style),
                        f" {_amount(count.points):>4}",
                    )
                )
        else:
            parts: list[str | tuple[str, str]] = []
            for count in s.by_status:
                if parts:
                    parts.append(" · ")
                style = (
                    "$error"
                    if count.status.lower() == "blocked"
                    else CATEGORY_STYLE[count.category]
                )
                parts += [(count.status, style), f" {count.issues}"]
            rows.append(line(*parts))
        if s.blockers:
            rows.append(line((f"Blockers ({len(s.blockers)})", "bold $error")))
            for blocker in s.blockers:
                tail = f" {blocker.assignee} · {blocker.reason}"
                rows.append(
                    line(
                        ("⚑ " if blocker.reason == "flagged" else "• ", "$error"),
                        (blocker.key, "bold"),
                        " ",
                        clip(blocker.summary, width - len(blocker.key) - len(tail) - 3),
                        (tail, "$text-muted"),
                    )
                )
        if s.velocity is not None and (self.detailed or height - len(rows) >= 1):
            upcoming = f" · next: {s.next_sprint}" if s.next_sprint else ""
            velocity = f"{_amount(round(s.velocity, 1))} {s.unit}/sprint{upcoming}"
            rows.append(line(("Velocity ", "$text-muted"), velocity))
        return rows
