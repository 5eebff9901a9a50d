"""The experiments' week: new best runs, champion changes, and runs and failures against the
week before.

A new best is read from each experiment's best-so-far line (one value a day, in the current
data): better at the week's end than on the Sunday before. A champion change compares the two
dashboards, since the model registry keeps no history of its aliases.
"""

from __future__ import annotations

from cockpit.analytics.experiments import ExperimentBoard, ExperimentsSummary, WeekFigures
from cockpit.analytics.run_values import better
from cockpit.export.report_model import Change, Chart, Series
from cockpit.formatting import metric, plural, share

CHART_WEEKS = 10  # runs per week: the report week and the nine before


def _key(board: ExperimentBoard) -> tuple[str, str]:
    return board.source, board.experiment_id


def _new_best(board: ExperimentBoard) -> Change | None:
    trend, best = board.trend, board.best
    if not trend or best is None or best.value is None:
        return None
    name = f"{board.experiment} {board.metric}"
    if len(trend) < 8:  # the first values came this week
        return Change(
            text=f"{name}: first results this week, best {metric(best.value)} ({best.name})",
            weight=5.0,
            tone="good",
        )
    now, then = trend[-1], trend[-8]
    if not better(now, then, board.higher_is_better):
        return None
    return Change(
        text=(
            f"{name}: new best {metric(now)} ({best.name}), better than {metric(then)} "
            f"before the week"
        ),
        weight=6.0,
        tone="good",
    )


def _champion(board: ExperimentBoard, before: ExperimentBoard | None) -> Change | None:
    if before is None:
        return None
    now, then = board.champion, before.champion
    if (now.run_id if now else None) == (then.run_id if then else None):
        return None
    name = f"{board.experiment} {board.metric}"

    def run(row: object) -> str:
        value = getattr(row, "value", None)
        label = getattr(row, "name", "")
        return f"{label} ({metric(value)})" if value is not None else str(label)

    if now is None:
        assert then is not None
        return Change(
            text=f"{name}: no champion any more (was {run(then)})", weight=6.0, tone="bad"
        )
    if then is None:
        return Change(text=f"{name}: {run(now)} became the champion", weight=7.0, tone="good")
    return Change(
        text=f"{name}: new champion {run(now)}, replacing {run(then)}", weight=7.0, tone="good"
    )


def _rate(week: WeekFigures) -> str:
    rate = week.failure_rate
    return "none ended" if rate is None else share(rate)


def _runs(e: ExperimentsSummary) -> list[Change]:
    this, last = e.velocity.this_week, e.velocity.last_week
    change = this.started - last.started
    runs = Change(
        text=f"Runs started this week: {this.started:,} (last week {last.started:,})",
        weight=2.0 + min(abs(change) / max(last.started, 1) * 4, 2.0),
        tone="neutral",
    )
    out = [runs]
    if this.failure_rate is not None or last.failure_rate is not None:
        now = this.failure_rate or 0.0
        then = last.failure_rate or 0.0
        worse = now - then
        tone = "bad" if worse > 0.05 else "good" if worse < -0.05 else "neutral"
        out.append(
            Change(
                text=(
                    f"Failure rate: {_rate(this)} of runs that ended this week "
                    f"({plural(this.failed, 'failure')}), {_rate(last)} the week before"
                ),
                weight=2.0 + min(abs(worse) * 20, 3.0),
                tone=tone,  # type: ignore[arg-type]
            )
        )
    return out


def experiment_changes(
    e: ExperimentsSummary, before: ExperimentsSummary | None
) -> tuple[Change, ...]:
    earlier = {_key(b): b for b in before.boards} if before is not None else {}
    changes: list[Change] = []
    for board in e.boards:
        for found in (_champion(board, earlier.get(_key(board))), _new_best(board)):
            if found is not None:
                changes.append(found)
    if not any(c.tone == "good" for c in changes):
        changes.append(Change(text="No new best run and no champion change this week", weight=1.0))
    changes += _runs(e)
    return tuple(changes)


def runs_chart(e: ExperimentsSummary) -> Chart | None:
    weeks = e.velocity.weeks
    upto = [w for w in weeks if w.week <= e.velocity.this_week.week][-CHART_WEEKS:]
    if not upto:
        return None
    return Chart(
        kind="bars",
        title=f"Runs started and failed per week, the last {plural(len(upto), 'week')}",
        labels=tuple(f"W{w.week.isocalendar().week:02d}" for w in upto),
        series=(
            Series("Started", tuple(float(w.started) for w in upto)),
            Series("Failed", tuple(float(w.failed) for w in upto)),
        ),
        unit="runs",
    )
