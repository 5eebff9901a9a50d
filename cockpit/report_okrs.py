"""OKRs and KPIs in words and in JSON, for `cockpit status` and the weekly export.

One wording for every surface outside the TUI: each key result's value against its target,
where the value comes from (a check-in, or the live figure it is bound to), which way it moved
and by how much in a week, and how long since it last changed. A broken binding is shown on
its key result with the reason, never hidden. Every number goes through `cockpit.formatting`,
as on the OKR panel.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from cockpit.analytics.okr_views import KpiView, KrView, OkrSummary
from cockpit.formatting import change_of, plural, quantity, share, with_unit

# Where a value comes from, as a lead reads it.
ORIGIN_WORDS = {
    "manual": "checked in",
    "mlflow": "MLflow",
    "wandb": "W&B",
    "jira": "Jira",
    "cost": "cost",
    "model": "model registry",
    "status": "cockpit status",
}
TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
NO_VALUE = "—"  # as the OKR panel writes a missing value
NO_PROGRESS = ("broken", "no data")  # statuses whose progress means nothing
ATTENTION = ("off track", "at risk")


def origin_words(origin: str) -> str:
    return ORIGIN_WORDS.get(origin, origin)


def value_text(value: float | None, unit: str) -> str:
    return NO_VALUE if value is None else with_unit(value, unit)


def band_text(low: float | None, high: float | None, unit: str) -> str:
    """`0–80 ms`, `$2,500–$4,500`, `95%–99%`, `≤ 0.1`: a band written once with its unit, or
    on both ends where the unit is glued to the number or is a currency symbol (as the OKR
    panel writes it)."""
    if low is None and high is None:
        return "no band"
    if low is None:
        return f"≤ {with_unit(high, unit)}"  # type: ignore[arg-type]
    if high is None:
        return f"≥ {with_unit(low, unit)}"
    if unit.strip() and with_unit(1, unit) == f"1 {unit.strip()}":
        return f"{quantity(low)}–{with_unit(high, unit)}"
    return f"{with_unit(low, unit)}–{with_unit(high, unit)}"


def figures_text(kr: KrView) -> str:
    """`14 pts → 30 pts`, or for a band `52 ms, band 0–80 ms`."""
    current = value_text(kr.current, kr.unit)
    if kr.direction == "band":
        return f"{current}, band {band_text(kr.band_low, kr.band_high, kr.unit)}"
    return f"{current} → {with_unit(kr.target, kr.unit)}"


def progress_text(progress: float, status: str) -> str:
    """`  47%`, or a dash where there is no value to measure."""
    return f"{'–' if status in NO_PROGRESS else share(progress):>4}"


def since_text(day: date | None, today: date) -> str:
    """`today`, `yesterday`, `9 days ago`."""
    if day is None:
        return "never"
    days = max((today - day).days, 0)
    return {0: "today", 1: "yesterday"}.get(days, f"{plural(days, 'day')} ago")


def days_since(day: date | None, today: date) -> int | None:
    return None if day is None else max((today - day).days, 0)


def trend_text(trend: str, week_change: float | None, unit: str) -> str:
    """`↑ +11 pts in a week`, `no change in a week`; with no value a week ago, the arrow of the
    last move alone; "" when there is no line at all."""
    if week_change is None:
        return TREND_ARROWS.get(trend, "")
    if quantity(abs(week_change)) == "0":
        return "no change in a week"
    arrow = TREND_ARROWS["up" if week_change > 0 else "down"]
    return f"{arrow} {change_value(week_change, unit)} in a week"


def change_value(change: float, unit: str) -> str:
    """A week's change, signed, to three significant digits: `+$1,930`, `-0.0362`."""
    return change_of(change, unit)


def source_text(kr: KrView) -> str:
    """`Jira`, or for a manual key result `checked in, confidence 6/10 ↓`."""
    words = origin_words(kr.origin)
    if kr.confidence is not None:
        arrow = TREND_ARROWS.get(kr.confidence_trend, "")
        words += f", confidence {kr.confidence}/10" + (f" {arrow}" if arrow else "")
    return words


def quiet_text(last_change: date | None, today: date) -> str:
    """`no change or check-in for 22 days`."""
    days = days_since(last_change, today)
    if days is None:
        return "no change or check-in yet"
    return f"no change or check-in for {plural(days, 'day')}"


def change_text(last_change: date | None, stale: bool, today: date) -> str:
    """`changed 3 days ago`, or `stale: no change or check-in for 22 days` when flagged."""
    if stale:
        return f"stale: {quiet_text(last_change, today)}"
    return f"changed {since_text(last_change, today)}" if last_change else ""


def kr_line(kr: KrView, today: date) -> str:
    """`47% at risk    Ranker v3 launch epic: 30 points done: 14 pts → 30 pts · Jira · ↑ +11
    pts in a week · changed today`; a broken one gives its reason instead of figures."""
    head = f"{progress_text(kr.progress, kr.status)} {kr.status:<9} {kr.title}"
    if kr.status == "broken":
        return f"{head}: {origin_words(kr.origin)} binding broken: {kr.error}"
    parts = [
        figures_text(kr),
        source_text(kr),
        trend_text(kr.trend, kr.week_change, kr.unit),
        change_text(kr.last_change, kr.stale, today),
    ]
    return f"{head}: " + " · ".join(part for part in parts if part)


def kpi_state(k: KpiView) -> str:
    """`in band`, `above band`, `below band`, `no data`, `broken`."""
    if k.error:
        return "broken"
    if k.current is None or k.in_band is None:
        return "no data"
    if k.in_band:
        return "in band"
    return "above band" if k.band_high is not None and k.current > k.band_high else "below band"


def kpi_line(k: KpiView, today: date) -> str:
    """`above band  Weekly A100 spend: $5,494, band $2,500–$4,500 · cockpit status · ↑ +$1,876
    in a week · changed today`."""
    state = kpi_state(k)
    head = f"{state:<10} {k.title}"
    if state == "broken":
        return f"{head}: {origin_words(k.origin)} binding broken: {k.error}"
    parts = [
        f"{value_text(k.current, k.unit)}, band {band_text(k.band_low, k.band_high, k.unit)}",
        origin_words(k.origin),
        trend_text(k.trend, k.week_change, k.unit),
        change_text(k.last_change, k.stale, today),
    ]
    return f"{head}: " + " · ".join(part for part in parts if part)


def counts_text(s: OkrSummary) -> str:
    """`4 key results at risk or off track, 1 stale, 1 broken binding`."""
    return (
        f"{plural(s.at_risk, 'key result')} at risk or off track, {s.stale} stale, "
        f"{plural(s.broken, 'broken binding')}"
    )


def kpis_out(s: OkrSummary) -> list[KpiView]:
    return [k for k in s.kpis if k.in_band is False]


def status_okr_lines(s: OkrSummary, today: date) -> tuple[str, list[str]]:
    """The OKRs row of `cockpit status` and the lines under it: each objective with its key
    results, then the KPIs."""
    head = (
        f"{s.period} · {share(s.elapsed)} of the period gone, {plural(s.days_left, 'day')} left"
        f" · {counts_text(s)}"
    )
    lines = []
    for o in s.objectives:
        text = f"{progress_text(o.progress, o.status)} {o.status:<9} {o.title}"
        pace = f"{share(o.expected)} expected by now"
        if o.unmeasured:
            pace += f"; {plural(o.unmeasured, 'key result')} without a value left out"
        lines.append(f"{text} ({pace})")
        lines.extend("  " + kr_line(kr, today) for kr in o.key_results)
    if s.kpis:
        lines.append(f"KPIs: {len(kpis_out(s))} of {len(s.kpis)} out of band")
        lines.extend("  " + kpi_line(k, today) for k in s.kpis)
    return head, lines


# --- JSON -------------------------------------------------------------------------------


def _number(value: float | None) -> float | None:
    # Six decimals: a ratio such as spend per run reads 423.345942, not 423.34594232749757.
    return None if value is None else round(value, 6)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def kr_json(kr: KrView, today: date) -> dict[str, Any]:
    return {
        "id": kr.id,
        "title": kr.title,
        "owner": kr.owner or None,
        "unit": kr.unit,
        "direction": kr.direction,
        "baseline": kr.baseline,
        "target": kr.target,
        "band_low": kr.band_low,
        "band_high": kr.band_high,
        "weight": kr.weight,
        "current": _number(kr.current),
        "progress": round(kr.progress, 3),
        "expected": round(kr.expected, 3),
        "status": kr.status,
        "source": kr.origin,
        "binding": kr.binding or None,
        "detail": kr.detail or None,
        "error": kr.error or None,
        "trend": kr.trend or None,
        "improving": kr.improving,
        "week_change": _number(kr.week_change),
        "last_change": _day(kr.last_change),
        "days_since_change": days_since(kr.last_change, today),
        "stale": kr.stale,
        "confidence": kr.confidence,
        "confidence_trend": kr.confidence_trend or None,
        "updated": kr.updated.isoformat() if kr.updated else None,
        "checkins": len(kr.checkins),
    }


def kpi_json(k: KpiView, today: date) -> dict[str, Any]:
    return {
        "id": k.id,
        "title": k.title,
        "owner": k.owner or None,
        "unit": k.unit,
        "current": _number(k.current),
        "band_low": k.band_low,
        "band_high": k.band_high,
        "in_band": k.in_band,
        "state": kpi_state(k),
        "source": k.origin,
        "binding": k.binding or None,
        "detail": k.detail or None,
        "error": k.error or None,
        "trend": k.trend or None,
        "week_change": _number(k.week_change),
        "last_change": _day(k.last_change),
        "days_since_change": days_since(k.last_change, today),
        "stale": k.stale,
        "updated": k.updated.isoformat() if k.updated else None,
    }


def okrs_json(s: OkrSummary, today: date, age_seconds: float | None) -> dict[str, Any]:
    return {
        "age_seconds": age_seconds,
        "period": s.period,
        "elapsed": round(s.elapsed, 3),
        "days_left": s.days_left,
        "at_risk": s.at_risk,
        "stale": s.stale,
        "broken": s.broken,
        "kpis_out_of_band": len(kpis_out(s)),
        "objectives": [
            {
                "id": o.id,
                "title": o.title,
                "owner": o.owner or None,
                "period": o.period,
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "progress": round(o.progress, 3),
                "expected": round(o.expected, 3),
                "status": o.status,
                "unmeasured": o.unmeasured,
                "key_results": [kr_json(kr, today) for kr in o.key_results],
            }
            for o in s.objectives
        ],
        "kpis": [kpi_json(k, today) for k in s.kpis],
    }


# --- The weekly export ------------------------------------------------------------------


def week_text(current: float | None, week_change: float | None, unit: str) -> str:
    """This week against the last: `a week before 3 pts (+11 pts)`, `unchanged in a week`."""
    if current is None:
        return ""
    if week_change is None:
        return "no value a week before"
    if quantity(abs(week_change)) == "0":
        return "unchanged in a week"
    before = with_unit(current - week_change, unit)
    return f"a week before {before} ({change_value(week_change, unit)})"


def _kr_ref(kr: KrView) -> str:
    return f"{kr.id} {kr.title}"


def export_okr_lines(s: OkrSummary, today: date) -> list[str]:
    """The weekly report's OKR section: the period, each objective (its line ends with its
    title) and key result this week against the last, then what needs the lead: key results
    off track or at risk, broken bindings, stale key results, KPIs out of band."""
    lines = [
        f"{s.period}: {share(s.elapsed)} of the period gone, {plural(s.days_left, 'day')} left; "
        + counts_text(s)
    ]
    krs: list[KrView] = []
    for o in s.objectives:
        done = progress_text(o.progress, o.status).strip()
        lines.append(f"{done} {o.status} ({share(o.expected)} expected): {o.title}")
        for kr in o.key_results:
            krs.append(kr)
            head = f"  {progress_text(kr.progress, kr.status).strip()} {kr.status}: {kr.title}"
            if kr.status == "broken":
                lines.append(f"{head}: binding broken: {kr.error}")
                continue
            week = week_text(kr.current, kr.week_change, kr.unit)
            lines.append(
                f"{head}: {figures_text(kr)}"
                + (f"; {week}" if week else "")
                + f" · {source_text(kr)}"
            )
    attention = sorted(
        (kr for kr in krs if kr.status in ATTENTION), key=lambda kr: ATTENTION.index(kr.status)
    )
    lines += _block(
        f"Off track or at risk: {len(attention)}",
        (
            f"  {kr.status}: {_kr_ref(kr)}, {share(kr.progress)} done, "
            f"{share(kr.expected)} expected by now"
            for kr in attention
        ),
    )
    broken = [kr for kr in krs if kr.status == "broken"] + [k for k in s.kpis if k.error]
    lines += _block(
        f"Broken bindings: {len(broken)}",
        (f"  {item.id} {item.title}: {item.error}" for item in broken),
    )
    stale = [kr for kr in krs if kr.stale] + [k for k in s.kpis if k.stale]
    lines += _block(
        f"Stale: {len(stale)}",
        (f"  {item.id} {item.title}: {quiet_text(item.last_change, today)}" for item in stale),
    )
    if s.kpis:
        out = kpis_out(s)
        lines.append(f"KPIs: {len(out)} of {len(s.kpis)} out of band")
        for k in s.kpis:
            state = kpi_state(k)
            if state == "broken":
                lines.append(f"  {state}: {k.title}: binding broken: {k.error}")
                continue
            week = week_text(k.current, k.week_change, k.unit)
            lines.append(
                f"  {state}: {k.title}: {value_text(k.current, k.unit)}"
                f" (band {band_text(k.band_low, k.band_high, k.unit)})"
                + (f"; {week}" if week else "")
                + f" · {origin_words(k.origin)}"
            )
    return lines


def _block(head: str, items: Iterable[str]) -> list[str]:
    """A heading line with its items under it; nothing at all when there are none."""
    listed = list(items)
    return [head, *listed] if listed else []
