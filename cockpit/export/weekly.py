"""The weekly status summary a lead sends upward, as Markdown, HTML or JSON.

Built from the store alone, so it works on a plane. A past week is reported as the store saw it
at the end of that week; the current week as it stands now; each section says what changed
since the end of the week before. Every format renders one `WeeklyReport`
(`cockpit/export/weekly_report.py`), so all say the same thing in the same words.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from cockpit.dashboard import Dashboard
from cockpit.export.report_model import Section, WeeklyReport
from cockpit.export.weekly_report import build_report, load_report
from cockpit.export.weeks import (  # noqa: F401  (the export's names, in one place)
    ExportError,
    Week,
    current_week,
    last_full_week,
    parse_week,
)
from cockpit.text_safety import clean_line, clean_text

if TYPE_CHECKING:
    from cockpit.workspace import Workspace

FORMATS = ("md", "html", "json")
# Follows cockpit.status/N: the same object with the week's fields; /4 adds cost.week, /5
# team.next_week, /6 the OKRs of cockpit.status/6, /7 the highlights, each section's changes
# since the week before, each source's freshness and whether a comparison was possible.
# docs/weekly-json.md describes every field.
WEEKLY_SCHEMA = "cockpit.weekly/7"


# Titles and names come from sources. In Markdown they must stay one list item of plain text:
# HTML is escaped as in the HTML export, and so is every character that could start a heading,
# quote, list, link, image, emphasis, code span, strikethrough or table cell.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_BLOCK_START = re.compile(r"^([#>+=-])")
_MD_ORDERED_START = re.compile(r"^(\d+)([.)])")


def _escape_tags(text: str) -> str:
    """`html.escape(text, quote=False)`, without loading the html module for it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_text(text: str) -> str:
    """One line of untrusted text as literal Markdown."""
    text = _escape_tags(clean_line(text))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_BLOCK_START.sub(r"\\\1", text)
    return _MD_ORDERED_START.sub(r"\1\\\2", text)


def _items(lines: tuple[str, ...]) -> list[str]:
    out = []
    for line in lines:
        indent = "  " if line.startswith("  ") else ""
        out.append(f"{indent}- {markdown_text(line.strip())}")
    return out


def _section_markdown(section: Section) -> list[str]:
    out = ["", f"## {section.title}", "", f"_{markdown_text(section.age)}_"]
    if section.changes:
        out += ["", "Since last week:", ""]
        out += _items(tuple(change.text for change in section.changes))
    if section.lines:
        out += ["", "Where things stand:" if section.changes else "", ""]
        if not section.changes:
            out.pop(-2)  # no "where things stand" heading for a section that only explains itself
        out += _items(section.lines)
    return out


def render_markdown(report: WeeklyReport) -> str:
    """Plain CommonMark that pastes into Slack, Confluence and GitHub: headings, paragraphs,
    lists and underscores for emphasis; no tables, no HTML."""
    out = [f"# {markdown_text(report.title)}", "", f"_{markdown_text(report.provenance)}_"]
    if report.masked:
        out[:0] = [f"**{_mask_marker()}**", ""]
    if report.highlights:
        out += ["", "## Highlights", "", " ".join(markdown_text(s) for s in report.highlights)]
    for section in report.sections:
        out += _section_markdown(section)
    if report.freshness:
        out += ["", "## Freshness", ""]
        out += _items(tuple(_freshness_line(row) for row in report.freshness))
    return "\n".join(out) + "\n"


def _freshness_line(row: Any) -> str:
    """`demo (sprint, experiments): fresh, synced Sun 22 Nov 23:00 UTC, 59m before the report`"""
    feeds = f" ({', '.join(row.areas)})" if row.areas else ""
    if row.synced_at is None:
        return f"{row.source}{feeds}: {row.state}"
    return (
        f"{row.source}{feeds}: {row.state}, synced {row.synced_at:%a %d %b %H:%M} UTC ({row.age})"
    )


def _mask_marker() -> str:
    from cockpit.masking import MASK_MARKER  # only masked reports need the masking module

    return MASK_MARKER


def render_json(report: WeeklyReport) -> str:
    # A masked report says so in its first key, as `status --json --masked` does.
    payload: dict[str, Any] = {"masked": _mask_marker()} if report.masked else {}
    payload.update(report.figures)
    payload["schema"] = WEEKLY_SCHEMA
    payload["compared"] = report.compared
    payload["previous_week"] = {
        "label": report.previous.label,
        "start": report.previous.monday.isoformat(),
        "end": report.previous.sunday.isoformat(),
    }
    payload["title"] = report.title
    payload["provenance"] = report.provenance
    payload["highlights"] = list(report.highlights)
    payload["sections"] = [msgspec.to_builtins(section) for section in report.sections]
    payload["freshness"] = [msgspec.to_builtins(row) for row in report.freshness]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def render_html(report: WeeklyReport) -> str:
    # Imported here: the page and its charts are only loaded when HTML is asked for.
    from cockpit.export.weekly_html import render_html as page

    return page(report)


def render(report: WeeklyReport, fmt: str) -> str:
    """The report in one of FORMATS."""
    renderers = {"md": render_markdown, "html": render_html, "json": render_json}
    if fmt in renderers:
        # The dashboards are clean already; this holds for any text a renderer adds, too.
        return clean_text(renderers[fmt](report))
    raise ExportError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")


def render_dashboard(
    d: Dashboard,
    week: Week,
    fmt: str,
    generated_at: datetime | None = None,
    *,
    previous: Dashboard | None = None,
) -> str:
    """The report of `week` from one dashboard in hand (and the week before's, if given).
    `generated_at` is the real moment it is made (defaults to the dashboard's own moment,
    which for a past week is the week's end)."""
    report = build_report(d, previous, week, generated_at or d.now)
    return render(report, fmt)


def build_sections(d: Dashboard, week: Week | None = None) -> list[Section]:
    """The sections of the report of `week` made from `d` alone (no comparison)."""
    report = build_report(d, None, week or current_week(d.now), d.now)
    return list(report.sections)


def weekly_text(
    workspace: Workspace, week: Week, fmt: str, now: datetime, *, masked: bool = False
) -> str:
    """The report of `week` from the workspace's store, rendered: what `cockpit export` prints
    and the outbox sends. A masked report carries the mask marker once, at its top: every
    renderer shows it from `report.masked`, so nothing is added here."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return render(load_report(workspace, week, now, masked=masked), fmt)
