"""Experiment velocity as text: runs started per week with a bar, failures, the failure rate
and the median run length, this week against the last, and who launched the runs."""

from __future__ import annotations

from textual.content import Content

from cockpit import formatting
from cockpit.analytics.run_table import Velocity
from widgets.panel import Part, bar, line, stack
from widgets.run_table import duration_text

BAR = 20


def velocity_content(velocity: Velocity, scope: str) -> Content:
    if not velocity.weeks:
        return line(("No velocity yet: the runs' weekly digest is empty.", "$text-muted"))
    top = max((week.started for week in velocity.weeks), default=0) or 1
    rows = [
        line(("Runs per week", "bold"), (f"  {scope}", "$text-muted")),
        line(
            (
                f"{'week of':<10} {'started':>7} {'finished':>8} {'failed':>6} "
                f"{'failure':>7} {'median run':>10}",
                "$text-muted",
            )
        ),
    ]
    for week in velocity.weeks:
        rate = week.failure_rate
        rate_text = formatting.with_unit(round(rate * 100), "%") if rate is not None else "–"
        median = duration_text(week.median_minutes * 60) if week.median_minutes is not None else "–"
        filled, empty = bar(week.started / top, BAR, "$primary")
        rows.append(
            line(
                f"{week.week:%d %b}".ljust(10),
                f" {week.started:>7,} {week.finished:>8,} ",
                (f"{week.failed:>6,}", "$text-error" if week.failed else ""),
                f" {rate_text:>7} {median:>10}  ",
                filled,
                empty,
            )
        )
    this, last = velocity.this_week, velocity.last_week
    if this is not None and last is not None:
        change = this.started - last.started
        trend: Part = (
            (f"{change:+,} runs vs last week", "$text-success" if change > 0 else "$text-error")
            if change
            else ("as many runs as last week", "$text-muted")
        )
        rows += [
            line(""),
            line(("This week ", "$text-muted"), f"{this.started:,} started, ", trend),
        ]
    if velocity.blended:
        rows.append(
            line(
                ("Medians of several experiments are weighted by their ended runs.", "$text-muted")
            )
        )
    if velocity.by_user:
        people: list[Part] = [(f"Per person, last {velocity.recent} weeks  ", "$text-muted")]
        for n, (user, count) in enumerate(velocity.by_user):
            people += [("  ·  " if n else "", "$text-muted"), f"{user} {count:,}"]
        rows += [line(""), line(*people)]
    return stack(rows)
