"""The Sprint panel: progress, issues by status, what is blocking the sprint, and a burndown.

The text is drawn by a child (`SprintText`) so that a burndown chart can sit under it. The chart
costs an import of textual-plotext (about 30 ms), so it is imported and mounted only after the
first frame, and only when the panel is tall enough to show a useful chart under its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from cockpit.analytics.sprint import Blocker, SprintHealth, SprintSummary
from cockpit.formatting import amount, working_days_left
from cockpit.models import StatusCategory
from widgets.panel import (
    NO_DATA,
    STATE_STYLE,
    Panel,
    PanelAge,
    Part,
    bar,
    clip,
    fit_rows,
    line,
    stack,
)

if TYPE_CHECKING:
    from widgets.burndown_chart import BurndownChart

CATEGORY_STYLE = {
    StatusCategory.TODO: "$foreground-muted",
    StatusCategory.IN_PROGRESS: "$primary",
    StatusCategory.DONE: "$success",
}
RISK_STYLE = {"low": "$success", "medium": "$warning", "high": "$error"}
BLOCKER_MARK = {"flagged": "⚑ ", "blocked": "✖ "}

CHART_MIN_ROWS = 8  # a burndown shorter than this says nothing
CHART_TEXT_ROWS = 8  # what the text keeps above the chart: title, goal, progress, blockers
CHART_MIN_WIDTH = 30


def days_left_phrase(s: SprintSummary) -> str:
    return working_days_left(s.days_left)


def status_style(status: str, category: StatusCategory) -> str:
    return "$error" if status.lower() == "blocked" else CATEGORY_STYLE[category]


def health_parts(health: SprintHealth, unit: str) -> list[Part]:
    """'Projected 81% · carry-over 8 pts · risk medium', the risk in its colour."""
    risk = health.carry_over_risk
    return [
        ("Projected ", "$foreground-muted"),
        (f"{health.projected_completion * 100:.0f}%", "bold"),
        ("  carry-over ", "$foreground-muted"),
        f"{amount(round(health.carry_over, 1))} {unit}",
        ("  risk ", "$foreground-muted"),
        (risk, f"bold {RISK_STYLE.get(risk, '$foreground-muted')}"),
    ]


def blocker_row(blocker: Blocker, width: int) -> Content:
    who = (blocker.assignee_name or blocker.assignee).split(" ")[0]
    tail = f" {who} · {blocker.reason}"
    mark = BLOCKER_MARK.get(blocker.kind, BLOCKER_MARK.get(blocker.reason, "• "))
    return line(
        (mark, "$error" if blocker.kind in ("flagged", "blocked") else "$warning"),
        (blocker.key, "bold"),
        " ",
        clip(blocker.summary, width - len(blocker.key) - len(tail) - 3),
        (tail, "$foreground-muted"),
    )


class SprintText(Widget):
    """The panel's text; the panel decides what goes in it for the room it has."""

    DEFAULT_CSS = """
    SprintText {
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def render(self) -> Content:
        panel = self.parent
        if not isinstance(panel, SprintPanel):
            return Content("")
        width = self.content_size.width or 40
        height = self.content_size.height or 10
        body = panel.render_body(width, height)
        return stack(fit_rows(body, height)) if body else line(*NO_DATA)


class SprintPanel(Panel):
    PANEL_ID = "sprint"
    TITLE = "Sprint"

    DEFAULT_CSS = """
    SprintPanel {
        layout: vertical;
    }
    SprintPanel > BurndownChart {
        height: 1fr;
        min-height: 6;
    }
    """

    summary: reactive[SprintSummary | None] = reactive(None)

    def __init__(self, *, detailed: bool = False, id: str | None = None) -> None:
        super().__init__(detailed=detailed, id=id)
        self.chart: BurndownChart | None = None
        self._first_frame_done = False
        self._compact = False  # the text shares the panel with the chart

    def compose(self) -> ComposeResult:
        yield SprintText()

    def render(self) -> Content:
        return Content("")  # the children draw everything

    def on_mount(self) -> None:
        # The chart waits for the first frame: start-up paints text only.
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        self._first_frame_done = True
        self.arrange_chart()

    def on_resize(self) -> None:
        if self._first_frame_done:
            self.arrange_chart()

    def watch_summary(self) -> None:
        for text in self.query(SprintText):
            text.refresh()
        if self._first_frame_done:
            self.arrange_chart()

    def wants_chart(self) -> bool:
        s = self.summary
        if s is None or s.state != "active" or s.burndown is None or len(s.burndown.days) < 2:
            return False
        room = self.content_size
        return room.width >= CHART_MIN_WIDTH and (
            room.height >= CHART_TEXT_ROWS + CHART_MIN_ROWS or self.detailed
        )

    def arrange_chart(self) -> None:
        """Mount, feed or remove the burndown for the room the panel has now."""
        if not self.is_attached:
            return  # the app closed before the first frame came back (q during start-up)
        want = self.wants_chart()
        text = self.query_one(SprintText)
        if want and self.summary is not None:
            if self.chart is None:
                from widgets.burndown_chart import BurndownChart

                self.chart = BurndownChart(self.summary.burndown, id="sprint-burndown")
                self.mount(self.chart)
            else:
                self.chart.burndown = self.summary.burndown
            self._compact = True
            rows = self.render_body(self.content_size.width, CHART_TEXT_ROWS)
            text.styles.height = max(len(rows), 1)
        else:
            if self.chart is not None:
                self.chart.remove()
                self.chart = None
            self._compact = False
            text.styles.height = "1fr"
        text.refresh()

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        if s.state != "active":
            rows = [line((s.board, "bold")), line(("No active sprint.", "$warning"))]
            if s.last_closed:
                rows.append(line(("Last: ", "$foreground-muted"), s.last_closed))
            rows.append(line(("Next: ", "$foreground-muted"), s.next_sprint or "none planned"))
            return rows
        left = days_left_phrase(s)
        rows = [line((clip(s.sprint, width - len(left) - 3), "bold"), " · ", (left, "$accent"))]
        if s.goal and (height >= 8 or self.detailed):
            rows.append(line((clip(s.goal, width), "italic $foreground-muted")))
        figures = f" {amount(s.done)}/{amount(s.total)} {s.unit} {s.percent_done:.0f}%"
        rows.append(line(*bar(s.done / s.total if s.total else 0, width - len(figures)), figures))
        if s.health is not None and (height >= 12 or self.detailed):
            rows.append(line(*health_parts(s.health, s.unit)))
        expanded = not self._compact and (
            height - len(rows) >= len(s.by_status) + 3 or self.detailed
        )
        if expanded:
            label = max(len(c.status) for c in s.by_status) if s.by_status else 6
            most = max((c.issues for c in s.by_status), default=1)
            for count in s.by_status:
                style = status_style(count.status, count.category)
                gauge = max(width - label - 14, 4)
                rows.append(
                    line(
                        (count.status.ljust(label), style),
                        f" {count.issues:>3} ",
                        *bar(count.issues / most, gauge, style),
                        f" {amount(count.points):>4}",
                    )
                )
        elif s.by_status:
            parts: list[Part] = []
            for count in s.by_status:
                if parts:
                    parts.append(" · ")
                parts += [
                    (count.status, status_style(count.status, count.category)),
                    f" {count.issues}",
                ]
            rows.append(line(*parts))
        if s.points_note and s.unit != "pts" and height - len(rows) >= 3:
            rows.append(line((clip(s.points_note, width), "$foreground-muted")))
        if s.blockers and height - len(rows) >= 2:
            room = height - len(rows) - 1
            if not self._compact and s.velocity is not None and room > 1:
                room -= 1  # keep a row for the velocity
            shown = s.blockers[: max(room, 1)]
            more = len(s.blockers) - len(shown)
            heading = f"Blockers ({len(s.blockers)})"
            rows.append(
                line(
                    (heading, "bold $error"),
                    (f"  +{more} more" if more else "", "$foreground-muted"),
                )
            )
            rows += [blocker_row(blocker, width) for blocker in shown]
        elif s.blockers:
            rows.append(line((f"Blockers ({len(s.blockers)})", "bold $error")))
        if not self._compact and s.velocity is not None and (self.detailed or height > len(rows)):
            upcoming = f" · next: {s.next_sprint}" if s.next_sprint else ""
            velocity = f"{amount(round(s.velocity, 1))} {s.unit}/sprint{upcoming}"
            rows.append(line(("Velocity ", "$foreground-muted"), velocity))
        return rows


class SprintHeader(Widget):
    """The sprint screen's header: sprint, goal, days left, health and the data's age."""

    DEFAULT_CSS = """
    SprintHeader {
        height: auto;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    summary: reactive[SprintSummary | None] = reactive(None, layout=True)
    age: reactive[PanelAge | None] = reactive(None)

    def _age_part(self) -> Part:
        age = self.age
        if age is None:
            return ("no data", "$foreground-muted")
        prefix = f"{age.sources} · " if age.sources else ""
        style = "$foreground-muted" if age.state == "fresh" else STATE_STYLE.get(age.state, "")
        return (f"{prefix}{age.label}", style)

    def render(self) -> Content:
        s = self.summary
        age = self._age_part()
        if s is None:
            return stack(
                [
                    line(("Sprint", "bold"), "  ", age),
                    line(*NO_DATA),
                ]
            )
        width = self.content_size.width or 80
        if s.state != "active":
            return stack(
                [
                    line((s.board, "bold"), "  ", ("no active sprint", "$warning"), "  ", age),
                    line(
                        ("Last: ", "$foreground-muted"),
                        s.last_closed or "none",
                        ("   Next: ", "$foreground-muted"),
                        s.next_sprint or "none planned",
                    ),
                ]
            )
        dates = f"{s.start:%a %d %b} → {s.end:%a %d %b}" if s.start and s.end else ""
        rows = [
            line(
                (s.sprint, "bold"),
                (f"  {s.board}", "$foreground-muted"),
                "  ",
                (days_left_phrase(s), "bold $accent"),
                (f"  {dates}", "$foreground-muted"),
                "  ",
                age,
            ),
            line(
                ("Goal ", "$foreground-muted"), (clip(s.goal or "no goal set", width - 5), "italic")
            ),
        ]
        figures = f" {amount(s.done)}/{amount(s.total)} {s.unit} done · {s.percent_done:.0f}%"
        gauge = min(max(width // 3, 10), 40)
        progress: list[Part] = [*bar(s.done / s.total if s.total else 0, gauge), figures]
        if s.health is not None:
            progress += ["   ", *health_parts(s.health, s.unit)]
        rows.append(line(*progress))
        if s.points_note:
            rows.append(line((clip(s.points_note, width), "$foreground-muted")))
        return stack(rows)
