"""The key results' week: each value against a week before (the store's recorded line, or
the previous week's dashboard), status moves, and those at risk or off track."""

from __future__ import annotations

from cockpit.analytics.okr_views import KrView, OkrSummary
from cockpit.export.report_model import Change, Chart, Series
from cockpit.formatting import plural, share
from cockpit.report_okrs import ATTENTION, change_value, value_text

# Worst first: a move down this list is good news.
STATUS_ORDER = ("off track", "at risk", "on track", "done")


def _rank(status: str) -> int | None:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else None


def _tone(kr: KrView, change: float) -> str:
    if kr.direction == "increase":
        return "good" if change > 0 else "bad"
    if kr.direction == "decrease":
        return "good" if change < 0 else "bad"
    return "good" if kr.improving else "bad" if kr.improving is False else "neutral"


def _kr_change(kr: KrView, before: KrView | None) -> Change | None:
    if kr.status == "broken":
        if before is not None and before.status != "broken":
            return Change(
                text=f"{kr.title}: binding broke this week: {kr.error}", weight=4.0, tone="bad"
            )
        return None
    parts: list[str] = []
    weight, tone = 0.0, "neutral"
    moved = kr.week_change
    if (
        moved is not None
        and kr.current is not None
        and not change_value(moved, kr.unit).startswith("±")
    ):
        then = value_text(kr.current - moved, kr.unit)
        parts.append(
            f"{value_text(kr.current, kr.unit)} (last week {then}, {change_value(moved, kr.unit)})"
        )
        span = abs(kr.target - kr.baseline) or 1.0
        weight = 2.0 + min(abs(moved) / span * 10, 3.0)
        tone = _tone(kr, moved)
    now_rank = _rank(kr.status)
    then_rank = _rank(before.status) if before is not None else None
    if before is not None and kr.status != before.status and now_rank is not None:
        parts.append(f"now {kr.status} (last week {before.status})")
        if then_rank is not None and now_rank < then_rank:
            weight, tone = max(weight, 6.0), "bad"
        elif then_rank is not None:
            weight, tone = max(weight, 4.0), "good"
    if not parts:
        return None
    return Change(text=f"{kr.title}: " + ", ".join(parts), weight=weight, tone=tone)  # type: ignore[arg-type]


def okr_changes(o: OkrSummary, before: OkrSummary | None) -> tuple[Change, ...]:
    earlier: dict[str, KrView] = {}
    if before is not None:
        earlier = {kr.id: kr for ob in before.objectives for kr in ob.key_results}
    changes: list[Change] = []
    krs = [kr for ob in o.objectives for kr in ob.key_results]
    for kr in krs:
        found = _kr_change(kr, earlier.get(kr.id))
        if found is not None:
            changes.append(found)
    if krs and not changes:
        changes.append(Change(text="No key result moved this week", weight=1.0))
    attention = [kr for kr in krs if kr.status in ATTENTION]
    # Named in the section's lines; a highlight stays one short sentence.
    text = f"{plural(len(attention), 'key result')} at risk or off track"
    tone = "bad" if attention else "good"
    weight = 3.0 if attention else 1.0
    if before is not None:
        was = sum(1 for ob in before.objectives for kr in ob.key_results if kr.status in ATTENTION)
        text = text.replace(" at risk or off track", f" at risk or off track (last week {was})", 1)
        if len(attention) > was:
            weight = 5.0
        elif len(attention) < was:
            tone, weight = "good", 4.0
    changes.append(Change(text=text, weight=weight, tone=tone))  # type: ignore[arg-type]
    if o.broken:
        changes.append(
            Change(text=f"{plural(o.broken, 'broken binding')} to fix", weight=2.0, tone="bad")
        )
    return tuple(sorted(changes, key=lambda c: -c.weight))


def progress_chart(o: OkrSummary) -> Chart | None:
    krs = [kr for ob in o.objectives for kr in ob.key_results if kr.status != "broken"]
    if not krs:
        return None
    return Chart(
        kind="progress",
        title=(
            f"Key results of {o.period}: progress against the expected pace "
            f"({share(o.elapsed)} of the period gone)"
        ),
        labels=tuple(f"{kr.id} {kr.title}" for kr in krs),
        series=(
            Series("Progress", tuple(round(kr.progress, 4) for kr in krs)),
            Series("Expected by now", tuple(round(kr.expected, 4) for kr in krs)),
        ),
        unit="%",
    )
