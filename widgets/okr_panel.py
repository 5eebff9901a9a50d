"""The OKRs panel: each objective's progress against how much of the period has gone."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.okrs import OkrSummary
from cockpit.formatting import plural, with_unit
from widgets.panel import Panel, bar, clip, line

STATUS_STYLE = {
    "done": "$success",
    "on track": "$success",
    "at risk": "$warning",
    "behind": "$error",
}


class OkrPanel(Panel):
    PANEL_ID = "okrs"
    TITLE = "OKRs"

    summary: reactive[OkrSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        rows = [
            line(
                (s.period, "bold"),
                (
                    f" · {s.elapsed:.0%} of the period gone · {plural(s.days_left, 'day')} left",
                    "$foreground-muted",
                ),
            )
        ]
        if not self.detailed and height - 1 < len(s.objectives) * 2:
            for objective in s.objectives:
                style = STATUS_STYLE[objective.status]
                rows.append(
                    line(
                        *bar(objective.progress, 10, style),
                        (f" {objective.progress:>4.0%} ", style),
                        clip(objective.title, width - 16),
                    )
                )
            return rows
        show_krs = self.detailed or height - 1 >= len(s.objectives) * 2 + sum(
            len(o.key_results) for o in s.objectives
        )
        for objective in s.objectives:
            style = STATUS_STYLE[objective.status]
            tail = f" {objective.progress:>4.0%} {objective.status}"
            rows.append(line((clip(objective.title, width), "bold")))
            rows.append(line(*bar(objective.progress, width - len(tail), style), (tail, style)))
            if not show_krs:
                continue
            for kr in objective.key_results:
                kr_style = STATUS_STYLE[kr.status]
                figures = f" {with_unit(kr.current, kr.unit)} → {with_unit(kr.target, kr.unit)}"
                rows.append(
                    line(
                        ("  ● ", kr_style),
                        clip(kr.title, width - len(figures) - 4),
                        (figures, "$foreground-muted"),
                    )
                )
        return rows
