"""The weekly status summary a lead sends upward, as Markdown, HTML or JSON.

Built from the store alone, so it works on a plane. A past week is reported as the store saw it
at the end of that week; the current week as it stands now. Every section says how old its data
was when the report was made.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import msgspec

from cockpit.analytics.freshness import describe_age
from cockpit.dashboard import Dashboard
from cockpit.export.weeks import ExportError, Week, current_week, parse_week  # noqa: F401
from cockpit.formatting import amount, working_days_left
from cockpit.report import experiment_lines, failure_rate, status_json
from cockpit.report_cost import export_cost_lines, week_json
from cockpit.report_okrs import export_okr_lines
from cockpit.report_team import away_json, export_team_lines
from cockpit.text_safety import clean_line, clean_text

FORMATS = ("md", "html", "json")
# Follows cockpit.status/N: the same object with the week's fields; /4 adds cost.week, /5
# team.next_week, /6 the OKRs of cockpit.status/6.
WEEKLY_SCHEMA = "cockpit.weekly/6"
EXPORT_BLOCKERS = 10  # listed one by one; the count above them is always the whole number


class Section(msgspec.Struct, frozen=True):
    title: str
    age: str
    lines: tuple[str, ...]


def _age(dashboard: Dashboard, area: str) -> str:
    seconds = dashboard.age_of(area)
    return "no data" if seconds is None else f"data as of {describe_age(seconds)}"


def build_sections(d: Dashboard, week: Week | None = None) -> list[Section]:
    week = week or current_week(d.now)
    sections: list[Section] = []
    if s := d.sprint:
        lines = []
        if s.state == "active":
            lines.append(
                f"{s.sprint}: {amount(s.done)} of {amount(s.total)} {s.unit} done "
                f"({s.percent_done:.0f}%), {working_days_left(s.days_left)}"
            )
            if s.goal:
                lines.append(f"Goal: {s.goal}")
            lines.append("By status: " + ", ".join(f"{c.status} {c.issues}" for c in s.by_status))
            if s.velocity is not None:
                lines.append(f"Velocity (last 3 sprints): {amount(round(s.velocity, 1))} {s.unit}")
            lines.append(f"Blockers: {len(s.blockers)}")
            for b in s.blockers[:EXPORT_BLOCKERS]:
                lines.append(
                    f"  {b.key} ({b.reason}, {b.assignee_name or b.assignee}): {b.summary}"
                )
            if len(s.blockers) > EXPORT_BLOCKERS:
                lines.append(f"  +{len(s.blockers) - EXPORT_BLOCKERS} more")
        else:
            lines.append(f"No active sprint on {s.board}; next: {s.next_sprint or 'none planned'}")
        sections.append(Section("Sprint", _age(d, "sprint"), tuple(lines)))
    if e := d.experiments:
        v = e.velocity
        lines = [
            f"{e.runs_total:,} runs, {e.running_total:,} running, {e.finished_last_day:,} finished "
            f"in 24h",
            f"Runs started this week: {v.this_week.started:,} (last week {v.last_week.started:,}); "
            f"{failure_rate(v.this_week)} (last week {failure_rate(v.last_week)})",
        ]
        lines += experiment_lines(e)
        sections.append(Section("Experiments", _age(d, "experiments"), tuple(lines)))
    if o := d.okrs:
        lines = export_okr_lines(o, d.now.date())
        sections.append(Section("OKRs", _age(d, "okrs"), tuple(lines)))
    if c := d.cost:
        lines = export_cost_lines(c, week.monday, week.sunday, d.now.date())
        sections.append(Section("Cost", _age(d, "cost"), tuple(lines)))
    if t := d.team:
        lines = export_team_lines(t, d.team_data, d.now, week.monday)
        sections.append(Section("Team", _age(d, "team"), tuple(lines)))
    return sections


def _title(week: Week) -> str:
    return f"Weekly status {week.label} ({week.monday:%d %b} – {week.sunday:%d %b %Y})"


def provenance(d: Dashboard, week: Week, generated_at: datetime) -> str:
    """When the report was made, and which moment of the cache it shows."""
    made = f"Generated {generated_at:%Y-%m-%d %H:%M} UTC from the local cache"
    if d.now < generated_at - timedelta(minutes=1):
        return f"{made}, as it stood at the end of {week.label} ({d.now:%a %d %b %H:%M} UTC)."
    return f"{made}; {week.label} so far."


# Titles and names come from sources. In Markdown they must stay one list item of plain text:
# HTML is escaped as in the HTML export, and so is every character that could start a heading,
# quote, list, link, image, emphasis, code span, strikethrough or table cell.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_BLOCK_START = re.compile(r"^([#>+=-])")
_MD_ORDERED_START = re.compile(r"^(\d+)([.)])")


def markdown_text(text: str) -> str:
    """One line of untrusted text as literal Markdown."""
    text = html.escape(clean_line(text), quote=False)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_BLOCK_START.sub(r"\\\1", text)
    return _MD_ORDERED_START.sub(r"\1\\\2", text)


def render_markdown(d: Dashboard, week: Week, generated_at: datetime) -> str:
    out = [f"# {_title(week)}", "", f"_{provenance(d, week, generated_at)}_"]
    for section in build_sections(d, week):
        out += ["", f"## {section.title}", "", f"_{section.age}_", ""]
        for line in section.lines:
            indent = "  " if line.startswith("  ") else ""
            out.append(f"{indent}- {markdown_text(line.strip())}")
    if not build_sections(d, week):
        out += ["", "No data in the cache for this week."]
    return "\n".join(out) + "\n"


def render_html(d: Dashboard, week: Week, generated_at: datetime) -> str:
    esc = html.escape
    body = [
        f"<h1>{esc(_title(week))}</h1>",
        f"<p><em>{esc(provenance(d, week, generated_at))}</em></p>",
    ]
    for section in build_sections(d, week):
        body.append(f"<h2>{esc(section.title)}</h2><p><em>{esc(section.age)}</em></p><ul>")
        for line in section.lines:
            cls = ' class="sub"' if line.startswith("  ") else ""
            body.append(f"<li{cls}>{esc(line.strip())}</li>")
        body.append("</ul>")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}"
        "li.sub{margin-left:1.5rem;list-style:circle}h2{border-bottom:1px solid #ccc}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(_title(week))}'
        f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )


def render_json(d: Dashboard, week: Week, generated_at: datetime) -> str:
    payload = status_json(d)
    payload["schema"] = WEEKLY_SCHEMA
    if d.cost is not None and payload["cost"] is not None:
        # The report week's spend beside the month's figures, in each currency.
        through = d.now.date()
        views = d.cost.views
        if views:
            payload["cost"]["week"] = week_json(views[0], week.monday, week.sunday, through)
        for entry, view in zip(payload["cost"]["other_currencies"], views[1:], strict=True):
            entry["week"] = week_json(view, week.monday, week.sunday, through)
    if payload["team"] is not None:
        # Who is off or travelling the week after the report's, from the people's records.
        payload["team"]["next_week"] = away_json(d.team_data, week.monday)
    payload["generated_at"] = generated_at.isoformat()
    payload["as_of"] = d.now.isoformat()
    payload["week"] = {
        "label": week.label,
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def render(d: Dashboard, week: Week, fmt: str, generated_at: datetime | None = None) -> str:
    """The report of `week`, built from `d`. `generated_at` is the real moment it is made
    (defaults to the dashboard's own moment, which for a past week is the week's end)."""
    generated_at = generated_at or d.now
    renderers = {"md": render_markdown, "html": render_html, "json": render_json}
    if fmt in renderers:
        # The dashboard is clean already; this holds for any text a renderer adds, too.
        return clean_text(renderers[fmt](d, week, generated_at))
    raise ExportError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
