"""`cockpit status`: one screen of plain text, or a documented JSON object for scripts.

The JSON shape is versioned by its `schema` key; docs/status-json.md describes every field.
"""

from __future__ import annotations

from typing import Any

from cockpit.analytics.experiments import (
    ExperimentBoard,
    ExperimentsSummary,
    RunRow,
    WeekFigures,
)
from cockpit.analytics.freshness import age_phrase, describe_age
from cockpit.dashboard import Dashboard
from cockpit.formatting import (
    amount,
    metric,
    plural,
    share,
    signed_metric,
    working_days_left,
)
from cockpit.report_cost import cost_json, status_cost_lines
from cockpit.report_okrs import okrs_json, status_okr_lines
from cockpit.report_team import status_team_lines, team_json
from cockpit.text_safety import clean_record

# /6: okrs gives each key result's source, binding, trend, week change, last change and
# staleness, a broken binding's reason, the counts, and the KPIs; a key result behind its pace
# by more than the off-track margin is "off track" (it was "behind"), and `current` is null
# when nothing gives a value; /5: team gives times in the lead's zone too, the week's best
# window and each day's, who is online now and next, the nearest miss and every member's
# state; time_zones counts the zones in effect now (a traveller's, not their home's); /4: cost
# carries budgets, the forecast's range, alerts, movers and cost per experiment, and other
# currencies apart; /3: experiments[].best.value is the ranking value (best over the history
# by default), not the last value logged; /2: best_overlap.people are names (ids were /1).
STATUS_SCHEMA = "cockpit.status/6"


def failure_rate(week: WeekFigures) -> str:
    rate = week.failure_rate
    return "none ended yet" if rate is None else f"{share(rate)} failed"


def experiment_lines(e: ExperimentsSummary) -> list[str]:
    """Each experiment's best run and value, the champion and its value, and this week's
    runs and failure rate: one line each, shared by `status` and the weekly export."""
    lines = []
    for board in e.boards:
        arrow = "↑" if board.higher_is_better else "↓"
        text = f"{board.experiment} {board.metric} {arrow}: "
        best = board.best
        text += (
            f"best {metric(best.value)} ({best.name})"
            if best and best.value is not None
            else ("no finished runs with a value")
        )
        champion = board.champion
        if champion is not None and best is not None and champion.run_id == best.run_id:
            text += ", the champion"
            if board.challenger is not None and board.challenger.delta is not None:
                text += f"; challenger {signed_metric(board.challenger.delta)}"
        elif champion is not None and champion.value is not None:
            text += f" · champion {metric(champion.value)} ({champion.name})"
            if board.beats_champion and best is not None and best.delta is not None:
                text += f", beaten by {signed_metric(best.delta)}"
            elif board.challenger is not None and board.challenger.delta is not None:
                text += f", challenger {signed_metric(board.challenger.delta)}"
        elif champion is not None:
            text += f" · champion {champion.name} (no value)"
        week = board.this_week
        text += f" · {plural(week.started, 'run')} this week, {failure_rate(week)}"
        lines.append(text)
    return lines


def _age_tag(dashboard: Dashboard, area: str) -> str:
    inputs = dashboard.areas.get(area)
    if not inputs or not inputs.sources:
        return "[no data]"
    states = {s.state.value for s in inputs.sources}
    worst = next((s for s in ("failed", "offline", "stale") if s in states), "fresh")
    return f"[{worst}, {describe_age(inputs.age_seconds)}]"


def status_lines(dashboard: Dashboard, title: str = "") -> list[str]:
    d = dashboard
    label = 14
    lines = [f"cockpit status · {d.now:%Y-%m-%d %H:%M} UTC" + (f" · {title}" if title else "")]
    if d.offline:
        lines[0] += " · offline"
    lines.append("")

    def row(name: str, text: str, area: str) -> None:
        lines.append(f"{name:<{label}}{text}  {_age_tag(d, area)}")

    s = d.sprint
    if s is None:
        row("Sprint", "no sprint data yet", "sprint")
    elif s.state != "active":
        row("Sprint", f"{s.board}: no active sprint; next: {s.next_sprint or 'none'}", "sprint")
    else:
        left = working_days_left(s.days_left)
        row(
            "Sprint",
            f"{s.sprint} · {left} · {amount(s.done)}/{amount(s.total)} {s.unit} done "
            f"({s.percent_done:.0f}%) · {plural(len(s.blockers), 'blocker')}",
            "sprint",
        )
        by_category = {"to do": 0, "in progress": 0, "done": 0}
        names = {"todo": "to do", "in_progress": "in progress", "done": "done"}
        for count in s.by_status:
            by_category[names[count.category.value]] += count.issues
        lines.append(
            " " * label
            + " · ".join(f"{n} {name}" for name, n in by_category.items())
            + "  ("
            + ", ".join(f"{c.status} {c.issues}" for c in s.by_status)
            + ")"
        )
    e = d.experiments
    if e is None:
        row("Experiments", "no experiment data yet", "experiments")
    else:
        v = e.velocity
        row(
            "Experiments",
            f"{e.runs_total:,} runs on {e.tracker} · {e.running_total:,} running · "
            f"{e.finished_last_day:,} finished in 24h · {v.this_week.started:,} started this week "
            f"vs {v.last_week.started:,} last week",
            "experiments",
        )
        lines.extend(" " * label + text for text in experiment_lines(e))
    o = d.okrs
    if o is None:
        row("OKRs", "no OKR data yet", "okrs")
    else:
        head, under = status_okr_lines(o, d.now.date())
        row("OKRs", head, "okrs")
        lines.extend(" " * label + text for text in under)
    c = d.cost
    if c is None:
        row("Cost", "no cost data yet", "cost")
    else:
        head, under = status_cost_lines(c)
        row("Cost", head, "cost")
        lines.extend(" " * label + text for text in under)
    t = d.team
    if t is None:
        row("Team", "no roster yet", "team")
    else:
        head, under = status_team_lines(t, d.now)
        row("Team", head, "team")
        lines.extend(" " * label + text for text in under)
    lines.append("")
    lines.append(
        "Sources".ljust(label)
        + " · ".join(
            f"{s.source}: {s.state.value}, "
            + age_phrase(s.age)
            + (f" ({s.error})" if s.error else "")
            for s in d.sources
        )
    )
    return clean_record(lines)  # names and titles come from sources: no escape sequences


def _run_json(row: RunRow | None) -> dict[str, Any] | None:
    if row is None or row.value is None:
        return None
    return {
        "run": row.name,
        "run_id": row.run_id,
        "value": row.value,
        "step": row.step,
        "user": row.user or None,
        "url": row.url or None,
        # A difference of two floats: rounded so that 0.004 does not read 0.0040000000000000036.
        "delta_vs_champion": round(row.delta, 10) if row.delta is not None else None,
    }


def _week_json(week: WeekFigures) -> dict[str, Any]:
    rate = week.failure_rate
    return {
        "week": week.week.isoformat(),
        "started": week.started,
        "finished": week.finished,
        "failed": week.failed,
        "failure_rate": round(rate, 3) if rate is not None else None,
        "median_minutes": round(week.median_minutes, 1)
        if week.median_minutes is not None
        else None,
    }


def _board_json(b: ExperimentBoard) -> dict[str, Any]:
    champion = _run_json(b.champion)
    if champion is not None and b.champion is not None:
        champion["models"] = list(b.champion.models)
    return {
        "name": b.experiment,
        "id": b.experiment_id,
        "source": b.source,
        "tracker": b.tracker,
        "metric": b.metric,
        "higher_is_better": b.higher_is_better,
        "rank_by": b.rank_by,
        "values_read": b.note,
        "runs": b.total_runs,
        "running": b.running,
        "failed": b.failed,
        "ranked": b.ranked,
        "best": _run_json(b.best),
        "champion": champion,
        "challenger": _run_json(b.challenger),
        "beats_champion": b.beats_champion,
        "this_week": _week_json(b.this_week),
        "last_week": _week_json(b.last_week),
    }


def status_json(dashboard: Dashboard) -> dict[str, Any]:
    d = dashboard

    def age(area: str) -> float | None:
        value = d.age_of(area)
        return round(value, 1) if value is not None else None

    out: dict[str, Any] = {
        "schema": STATUS_SCHEMA,
        "generated_at": d.now.isoformat(),
        "offline": d.offline,
        "sources": [
            {
                "name": s.source,
                "kind": s.kind,
                "state": s.state.value,
                "taken_at": s.taken_at.isoformat() if s.taken_at else None,
                "age_seconds": round(s.age_seconds, 1) if s.age_seconds is not None else None,
                "error": s.error or None,
            }
            for s in d.sources
        ],
        "sprint": None,
        "experiments": None,
        "okrs": None,
        "cost": None,
        "team": None,
    }
    if s := d.sprint:
        categories = {"todo": 0, "in_progress": 0, "done": 0}
        for count in s.by_status:
            categories[count.category.value] += count.issues
        out["sprint"] = {
            "age_seconds": age("sprint"),
            "board": s.board,
            "name": s.sprint if s.state == "active" else None,
            "goal": s.goal,
            "end": s.end.isoformat() if s.end else None,
            "days_left": s.days_left,
            "unit": s.unit,
            "done": s.done,
            "total": s.total,
            "percent_done": round(s.percent_done, 1),
            "issues": s.issue_count,
            "issues_by_status": {c.status: c.issues for c in s.by_status},
            "issues_by_category": categories,
            "blockers": len(s.blockers),
            "velocity": s.velocity,
        }
    if e := d.experiments:
        out["experiments"] = {
            "age_seconds": age("experiments"),
            "tracker": e.tracker,
            "runs": e.runs_total,
            "running": e.running_total,
            "finished_last_24h": e.finished_last_day,
            "this_week": _week_json(e.velocity.this_week),
            "last_week": _week_json(e.velocity.last_week),
            "experiments": [_board_json(b) for b in e.boards],
        }
    if o := d.okrs:
        out["okrs"] = okrs_json(o, d.now.date(), age("okrs"))
    if c := d.cost:
        out["cost"] = cost_json(c, age("cost"))
    if t := d.team:
        out["team"] = team_json(t, d.now, age("team"))
    return clean_record(out)
