"""Experiment velocity as text: runs started per week with a bar, failures, the failure rate
and the median run length; this week against the last, and who launched the runs."""

from __future__ import annotations

from textual.content import Content

from cockpit import formatting
from cockpit.analytics.experiments import Velocity
from widgets.panel import Part, bar, line, stack

BAR = 20
WEEKS = 12  # the most recent weeks listed


def velocity_content(velocity: Velocity, scope: str) -> Content:
    weeks = velocity.weeks[-WEEKS:]
    if not weeks:
        return line(("No velocity yet: no runs were started.", "$text-muted"))
    top = max(week.started for week in weeks) or 1
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
    for week in weeks:
        rate = week.failure_rate
        rate_text = formatting.share(rate)
        median = formatting.duration(
            week.median_minutes * 60 if week.median_minutes is not None else None
        )
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
    if len(velocity.weeks) > WEEKS:
        earlier = len(velocity.weeks) - WEEKS
        rows.append(line((f"+{formatting.plural(earlier, 'earlier week')}", "$text-muted")))
    change = velocity.change
    trend: Part = (
        (f"{change:+,} runs vs last week", "$text-success" if change > 0 else "$text-error")
        if change
        else ("as many runs as last week", "$text-muted")
    )
    rows += [
        line(""),
        line(("This week ", "$text-muted"), f"{velocity.this_week.started:,} started, ", trend),
        line((velocity.note, "$text-muted")),
    ]
    if velocity.people:
        people: list[Part] = [("Per person, this week (last week)  ", "$text-muted")]
        for n, person in enumerate(velocity.people):
            people += [
                ("  ·  " if n else "", "$text-muted"),
                f"{person.user} {person.this_week:,}",
                (f" ({person.last_week:,})", "$text-muted"),
            ]
        rows += [line(""), line(*people)]
    return stack(rows)
