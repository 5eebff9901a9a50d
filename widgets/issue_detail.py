"""One issue with all its fields, in a modal over the sprint screen. `o` opens it in the browser."""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit import formatting
from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory
from widgets.footer import KeyFooter
from widgets.panel import Part, line, stack

CATEGORY_STYLE = {
    StatusCategory.TODO: "$foreground-muted",
    StatusCategory.IN_PROGRESS: "$primary",
    StatusCategory.DONE: "$success",
}
CATEGORY_NAME = {
    StatusCategory.TODO: "to do",
    StatusCategory.IN_PROGRESS: "in progress",
    StatusCategory.DONE: "done",
}
LABEL_WIDTH = 10


def issue_fields(issue: IssueRow, width: int = 70) -> Content:
    """Every field of the issue, one per line, labels muted."""

    def field(label: str, *value: Part) -> Content:
        return line((label.ljust(LABEL_WIDTH), "$foreground-muted"), *value)

    status_style = "$error" if issue.status.lower() == "blocked" else CATEGORY_STYLE[issue.category]
    if issue.points is None:
        points: Part = ("not estimated", "$foreground-muted")
    else:
        points = formatting.points(issue.points)
    category = CATEGORY_NAME[issue.category]
    category = "" if category == issue.status.casefold() else f"  {category}"
    rows = [
        line(
            ("⚑ ", "$error") if issue.flagged else "",
            (issue.key, "bold"),
            "  ",
            (issue.issue_type, "$foreground-muted"),
        ),
    ]
    rows += [line((text, "bold")) for text in textwrap.wrap(issue.summary, max(width, 20))]
    rows.append(line(""))
    rows += [
        field(
            "Status",
            (issue.status, status_style),
            (category, "$foreground-muted"),
        ),
        field("Column", issue.column or "–"),
        field(
            "Assignee",
            issue.assignee_name if issue.assignee else ("Unassigned", "$foreground-muted"),
        ),
        field("Points", points),
        field("Priority", issue.priority),
        field("Labels", ", ".join(issue.labels) if issue.labels else ("none", "$foreground-muted")),
        field("Epic", issue.epic if issue.epic else ("none", "$foreground-muted")),
        field(
            "Flagged",
            ("yes, impeded", "bold $error") if issue.flagged else ("no", "$foreground-muted"),
        ),
        field(
            "Updated",
            f"{issue.updated:%a %d %b %Y %H:%M} UTC"
            if issue.updated is not None
            else ("never", "$foreground-muted"),
        ),
        field("URL", (issue.url, "$text-primary") if issue.url else ("none", "$foreground-muted")),
    ]
    return stack(rows)


class IssueDetail(ModalScreen[None]):
    DEFAULT_CSS = """
    IssueDetail {
        align: center middle;
        background: $background 60%;
    }
    IssueDetail > #issue-detail {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 1 2;
    }
    IssueDetail #issue-fields {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS = [
        Binding("escape,q", "dismiss_detail", "Close", id="issue.close"),
        Binding("o", "open_issue", "Open in browser", id="issue.open"),
    ]

    def __init__(self, issue: IssueRow) -> None:
        super().__init__(name=f"issue-{issue.key}")
        self.issue = issue

    def compose(self) -> ComposeResult:
        with Vertical(id="issue-detail") as box:
            box.border_title = Content(self.issue.key)
            box.border_subtitle = "o open · esc close"
            yield Static(issue_fields(self.issue, 72), id="issue-fields")
        yield KeyFooter()

    def action_dismiss_detail(self) -> None:
        self.dismiss(None)

    def action_open_issue(self) -> None:
        if self.issue.url:
            self.app.open_url(self.issue.url)
        else:
            self.notify(f"{self.issue.key} has no link.", severity="warning")
