"""Objectives, key results and KPIs judged at a moment: each key result's current value (a
bound live figure, the latest check-in, or the value typed into an older file), its progress
in its direction, the pace it should be at by now, its history, trend and staleness.

Pure: the clock, the bound values and the recorded history are parameters.

The rules, as the panel, the screen, `status` and the weekly export show them:

- Value: a bound key result's is its binding's (missing, failed or not a number: none, and the
  key result is "broken" with the reason); a manual one's is its latest check-in with a
  number, else the `current` typed into an older file, else none ("no data"). A check-in counts
  once its day has begun anywhere on Earth (UTC+14), so one written just after midnight east of
  UTC shows at once and one dated ahead waits for its day.
- Progress, 0..1. "increase"/"decrease": the share of the way from the baseline (`start`) to
  the target, clamped (a direction left empty is read from start and target). "band": 1 inside
  [band_low, band_high] (a side left out is open); outside, it falls linearly to 0 at one
  band-width beyond the nearer edge (for a band open on one side or of no width: the distance
  from baseline to target, else the size of the edge, else 1).
- Expected: the share of the objective's period gone at `now` (its own dates, else the
  file's), counted from the start of its first day to the end of its last. A band key result
  is expected inside its band all along: expected 1.
- Status: "done" at progress 1 (band key results are never done: they are "on track" inside
  the band), else "on track", "at risk" when behind the expected progress by more than
  `at_risk_margin`, "off track" when by more than `off_track_margin`. A key result with no
  value at all is "no data"; one whose binding failed (or was never resolved) is "broken".
- Objective progress: the mean of its key results' progress weighted by `weight`, over the key
  results that have a value. "No data" and "broken" ones count neither as 0 % nor as 100 %:
  they are left out and the objective says how many (`ObjectiveView.unmeasured`); with none
  left, its progress is 0 and its status is "broken" (any broken) or "no data". It is "done"
  only when every key result is; otherwise it is judged against its pace like a key result.
- History: the recorded points (the store's, and the file's or demo's `history`), plus a manual
  key result's check-ins at noon UTC on their day, within the objective's period (a KPI's: all)
  and up to today, oldest first; it ends at the current value when that is newer and its
  moment is known. A bound key result's check-ins are markers (`checkins`), not points.
- Trend: from the last two distinct values ("flat" when the line never moved, "" with fewer
  than two points); `improving` says whether that move went toward the target (or the band).
  Week change: the value now minus the one in force seven days before `now`. Last change: the
  day of the last new value on the line, or of the last check-in, whichever is later. Stale: no
  change and no check-in for `stale_days` (counted from the period's start when there never
  was one); a broken key result is counted as broken, not stale.
- Confidence: the latest check-in's that gives one; its trend against the one before.
- Counts: `at_risk` (at risk and off track) over the key results; `stale` and `broken` over the
  key results and the KPIs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrRules, OkrSummary
from cockpit.models import BoundValue, CheckIn, KeyResult, KrPoint, Objective, OkrData

__all__ = [
    "OkrSummary",
    "direction_of",
    "judge",
    "period_elapsed",
    "progress_of",
    "summarize_okrs",
]

_NO_RULES = OkrRules()
_NO_BOUND: Mapping[str, BoundValue] = {}

# Where a bound value comes from, by binding kind, before the binding has resolved once.
_ORIGIN_OF_KIND = {
    "metric": "mlflow",
    "champion-metric": "mlflow",
    "jira-count": "jira",
    "jira-points": "jira",
    "cost-spend": "cost",
    "cost-per-run": "cost",
    "model-versions": "model",
    "status": "status",
}


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def direction_of(kr: KeyResult) -> str:
    """The key result's direction as written, else read from its band or baseline and target."""
    if kr.direction in ("increase", "decrease", "band"):
        return kr.direction
    if kr.band_low is not None or kr.band_high is not None:
        return "band"
    return "decrease" if kr.target < kr.start else "increase"


def _band_falloff(kr: KeyResult) -> float:
    """How far outside the band progress reaches 0: the band's width, else a size that fits."""
    low, high = kr.band_low, kr.band_high
    if _finite(low) and _finite(high) and high > low:  # type: ignore[operator]
        return high - low  # type: ignore[operator]
    span = abs(kr.target - kr.start)
    if math.isfinite(span) and span > 0:
        return span
    edge = abs(next((v for v in (low, high) if _finite(v)), 0.0))  # type: ignore[arg-type]
    return edge if edge > 0 else 1.0


def progress_of(kr: KeyResult, value: float | None, direction: str | None = None) -> float:
    """Progress 0..1 of `value` for `kr` (see the module's rules); 0 for no usable value."""
    if not _finite(value):
        return 0.0
    assert value is not None
    direction = direction or direction_of(kr)
    if direction == "band":
        low = kr.band_low if _finite(kr.band_low) else -math.inf
        high = kr.band_high if _finite(kr.band_high) else math.inf
        assert low is not None and high is not None
        if low <= value <= high:
            return 1.0
        distance = low - value if value < low else value - high
        return _clamp(1.0 - distance / _band_falloff(kr))
    if not (math.isfinite(kr.start) and math.isfinite(kr.target)):
        return 0.0
    span = kr.target - kr.start
    if span == 0:
        # Nothing to cover: reached when the value is at or beyond the target.
        reached = value <= kr.target if direction == "decrease" else value >= kr.target
        return 1.0 if reached else 0.0
    return _clamp((value - kr.start) / span)


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    if math.isnan(value):
        return low
    return min(max(value, low), high)


def judge(progress: float, expected: float, rules: OkrRules = _NO_RULES) -> str:
    """ "done", "on track", "at risk" or "off track": progress against where it should be."""
    if progress >= 1.0:
        return "done"
    behind = expected - progress
    if behind > rules.off_track_margin:
        return "off track"
    if behind > rules.at_risk_margin:
        return "at risk"
    return "on track"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def period_elapsed(start: date, end: date, now: datetime | date) -> float:
    """The share of the days start..end (both whole) gone at `now`, 0..1. A date counts as
    the end of that day, as the old day-counting did."""
    if not isinstance(now, datetime):
        now = datetime.combine(now, time(), tzinfo=UTC) + timedelta(days=1)
    now = _utc(now)
    begin = datetime.combine(start, time(), tzinfo=now.tzinfo)
    finish = datetime.combine(end, time(), tzinfo=now.tzinfo) + timedelta(days=1)
    length = (finish - begin).total_seconds()
    if length <= 0:
        return 1.0
    return _clamp((now - begin).total_seconds() / length)


class _Value:
    """A key result's (or KPI's) value now and where it came from."""

    __slots__ = ("current", "detail", "error", "origin", "status", "updated")

    def __init__(self, kr: KeyResult, bound: Mapping[str, BoundValue], now: datetime) -> None:
        self.current: float | None = None
        self.updated: datetime | None = None
        self.detail = ""
        self.error = ""
        self.status = ""  # "broken" or "no data" when there is no value; "" otherwise
        if kr.binding is not None:
            value = bound.get(kr.id)
            origin = _ORIGIN_OF_KIND.get(kr.binding.kind, "status")
            if origin == "mlflow" and "wandb" in kr.binding.source.lower():
                origin = "wandb"
            self.origin = value.origin if value is not None and value.origin else origin
            if value is None:
                self.status = "broken"
                self.error = "no value read for this binding yet; run `cockpit sync`"
            elif value.error or not _finite(value.value):
                self.status = "broken"
                self.error = value.error or "the binding gave no number"
                self.detail = value.detail
            else:
                self.current = value.value
                self.updated = _utc(value.as_of) if value.as_of else None
                self.detail = value.detail
            return
        self.origin = "manual"
        latest = _latest_checkin(_checkins_so_far(kr.checkins, now))
        if latest is not None:
            self.current = latest.value
            self.updated = _noon(latest.day)
        elif _finite(kr.current):
            self.current = kr.current
            self.updated = _noon(kr.updated) if kr.updated else None
        else:
            self.status = "no data"


def _checkin_day_began(now: datetime) -> date:
    """The latest day a check-in may carry and count at `now`: a day counts once it has begun
    anywhere (UTC+14), so a check-in written just after midnight in Auckland or Berlin shows at
    once, while one dated next week waits for its day."""
    return (now.astimezone(UTC) + timedelta(hours=14)).date()


def _checkins_so_far(checkins: Iterable[CheckIn], now: datetime) -> list[CheckIn]:
    last = _checkin_day_began(now)
    return [c for c in _sorted_checkins(checkins) if c.day <= last]


def _sorted_checkins(checkins: Iterable[CheckIn]) -> list[CheckIn]:
    return sorted(checkins, key=lambda c: c.day)  # stable: same-day ones keep file order


def _latest_checkin(checkins: Iterable[CheckIn]) -> CheckIn | None:
    with_value = [c for c in _sorted_checkins(checkins) if _finite(c.value)]
    return with_value[-1] if with_value else None


def _confidence(checkins: Iterable[CheckIn]) -> tuple[int | None, str]:
    """The latest check-in's confidence and its trend from the one before (check-ins that
    give a confidence)."""
    rated = [c.confidence for c in _sorted_checkins(checkins) if c.confidence is not None]
    if not rated:
        return None, ""
    if len(rated) < 2:
        return rated[-1], ""
    return rated[-1], _direction_word(rated[-1], rated[-2])


def _direction_word(new: float, old: float) -> str:
    return "up" if new > old else "down" if new < old else "flat"


def _history(
    kr: KeyResult,
    value: _Value,
    points: Sequence[KrPoint],
    period: tuple[date, date] | None,
    now: datetime,
) -> tuple[KrPoint, ...]:
    """The key result's line: recorded points, and a manual one's check-ins (at noon UTC on
    their day), in its period (a KPI's: all) up to today, oldest first; it ends at the current
    value. A bound key result's check-ins are not on the line: the binding gives its value."""
    start = period[0] if period else None
    today = _checkin_day_began(now)
    last_day = min(today, period[1]) if period else today
    seen: set[tuple[datetime, float]] = set()
    line: list[KrPoint] = []
    candidates = [KrPoint(p.kr, _utc(p.at), p.value, p.origin) for p in points if _finite(p.value)]
    if kr.binding is None:
        candidates += [
            KrPoint(kr.id, _noon(c.day), c.value, "manual")
            for c in _checkins_so_far(kr.checkins, now)
            if _finite(c.value)
        ]
    for point in sorted(candidates, key=lambda p: p.at):
        day = point.at.date()
        if (start is not None and day < start) or day > last_day:
            continue
        if (point.at, point.value) in seen:
            continue
        seen.add((point.at, point.value))
        line.append(point)
    # The value in hand may be newer than the last recorded one (a live resolution, or an
    # older file's typed value with its `updated` day): the line ends there. Without a known
    # moment it is left off, so that it cannot pass for a change made today.
    at = value.updated
    if (
        value.current is not None
        and at is not None
        and (not line or line[-1].value != value.current)
    ):
        if line and at < line[-1].at:
            at = line[-1].at
        if (start is None or at.date() >= start) and at.date() <= last_day:
            line.append(KrPoint(kr.id, at, value.current, value.origin))
    return tuple(line)


class _Motion:
    """Trend, week change, last change and staleness read from a history."""

    __slots__ = ("last_change", "previous", "stale", "trend", "week_change")

    def __init__(
        self,
        history: tuple[KrPoint, ...],
        checkins: Sequence[CheckIn],
        current: float | None,
        now: datetime,
        stale_since: date | None,
        rules: OkrRules,
    ) -> None:
        values = [p.value for p in history]
        self.trend = ""
        self.previous: float | None = None
        if len(values) >= 2:
            latest = values[-1]
            self.previous = next((v for v in reversed(values) if v != latest), None)
            self.trend = "flat" if self.previous is None else _direction_word(latest, self.previous)
        week_ago = now - timedelta(days=7)
        in_force = [p.value for p in history if p.at <= week_ago]
        self.week_change = current - in_force[-1] if current is not None and in_force else None
        changes = [
            p.at.date() for n, p in enumerate(history) if n == 0 or p.value != history[n - 1].value
        ]
        changes += [c.day for c in _checkins_so_far(checkins, now)]
        self.last_change = max(changes) if changes else None
        since = self.last_change or stale_since
        # A day counted from a check-in east of UTC may be "tomorrow": never a negative age.
        self.stale = since is not None and (now.date() - since).days >= rules.stale_days


def _improving(
    kr: KeyResult, direction: str, previous: float | None, current: float | None
) -> bool | None:
    """Whether the last change moved the value the way the key result wants; None: unknown."""
    if current is None or previous is None:
        return None
    if direction == "band":
        now_p, before = progress_of(kr, current, "band"), progress_of(kr, previous, "band")
        return None if now_p == before else now_p > before
    wants_up = kr.target > kr.start if kr.target != kr.start else direction != "decrease"
    return (current > previous) == wants_up


def _kr_view(
    kr: KeyResult,
    period: tuple[date, date],
    expected: float,
    now: datetime,
    bound: Mapping[str, BoundValue],
    points: Sequence[KrPoint],
    rules: OkrRules,
) -> KrView:
    value = _Value(kr, bound, now)
    direction = direction_of(kr)
    history = _history(kr, value, points, period, now)
    checkins = tuple(_sorted_checkins(kr.checkins))
    motion = _Motion(history, checkins, value.current, now, period[0], rules)
    progress = progress_of(kr, value.current, direction)
    kr_expected = 1.0 if direction == "band" else expected
    if value.status:
        status = value.status
    elif direction == "band":
        status = "on track" if progress >= 1.0 else judge(progress, 1.0, rules)
    else:
        status = judge(progress, kr_expected, rules)
    confidence, confidence_trend = _confidence(_checkins_so_far(checkins, now))
    return KrView(
        id=kr.id,
        title=kr.title,
        owner=kr.owner,
        unit=kr.unit,
        direction=direction,
        baseline=kr.start,
        target=kr.target,
        band_low=kr.band_low,
        band_high=kr.band_high,
        weight=kr.weight,
        current=value.current,
        progress=progress,
        expected=kr_expected,
        status=status,
        origin=value.origin,
        binding=(kr.binding.text or kr.binding.kind) if kr.binding else "",
        detail=value.detail,
        error=value.error,
        trend=motion.trend,
        improving=_improving(kr, direction, motion.previous, value.current),
        week_change=motion.week_change,
        last_change=motion.last_change,
        stale=motion.stale and status != "broken",
        confidence=confidence,
        confidence_trend=confidence_trend,
        updated=value.updated,
        history=history,
        checkins=checkins,
    )


def _weighted_mean(krs: Sequence[KrView]) -> float:
    weights = [w if _finite(w) and w > 0 else 0.0 for w in (k.weight for k in krs)]
    total = sum(weights)
    if total <= 0:
        mean = sum(k.progress for k in krs) / len(krs)
    else:
        mean = sum(w * k.progress for w, k in zip(weights, krs, strict=True)) / total
    # Rounding must not carry the mean outside its key results' range.
    return _clamp(mean, min(k.progress for k in krs), max(k.progress for k in krs))


def _objective_view(
    objective: Objective,
    data: OkrData,
    now: datetime,
    bound: Mapping[str, BoundValue],
    points: Mapping[str, Sequence[KrPoint]],
    rules: OkrRules,
) -> ObjectiveView:
    start = objective.start or data.period_start
    end = objective.end or data.period_end
    expected = period_elapsed(start, end, now)
    krs = tuple(
        _kr_view(kr, (start, end), expected, now, bound, points.get(kr.id, ()), rules)
        for kr in objective.key_results
    )
    measured = [k for k in krs if k.current is not None]
    if measured:
        progress = _weighted_mean(measured)
        status = judge(progress, expected, rules)
        if status == "done" and any(k.status != "done" for k in krs):
            # Full marks from band key results (inside their band) or with some key results
            # unmeasured: nothing says the objective is achieved.
            status = "on track"
    else:
        progress = 0.0
        status = "broken" if any(k.status == "broken" for k in krs) else "no data"
    return ObjectiveView(
        id=objective.id,
        title=objective.title,
        owner=objective.owner,
        period=objective.period or data.period,
        start=start,
        end=end,
        progress=progress,
        expected=expected,
        status=status,
        key_results=krs,
        unmeasured=len(krs) - len(measured),
    )


def _kpi_view(
    kr: KeyResult,
    now: datetime,
    bound: Mapping[str, BoundValue],
    points: Sequence[KrPoint],
    rules: OkrRules,
) -> KpiView:
    value = _Value(kr, bound, now)
    history = _history(kr, value, points, None, now)
    checkins = tuple(_sorted_checkins(kr.checkins))
    motion = _Motion(history, checkins, value.current, now, None, rules)
    in_band: bool | None = None
    if value.current is not None and (_finite(kr.band_low) or _finite(kr.band_high)):
        low_ok = not _finite(kr.band_low) or value.current >= kr.band_low  # type: ignore[operator]
        high_ok = not _finite(kr.band_high) or value.current <= kr.band_high  # type: ignore[operator]
        in_band = low_ok and high_ok
    return KpiView(
        id=kr.id,
        title=kr.title,
        owner=kr.owner,
        unit=kr.unit,
        current=value.current,
        band_low=kr.band_low,
        band_high=kr.band_high,
        in_band=in_band,
        origin=value.origin,
        binding=(kr.binding.text or kr.binding.kind) if kr.binding else "",
        detail=value.detail,
        error=value.error,
        trend=motion.trend,
        week_change=motion.week_change,
        last_change=motion.last_change,
        stale=motion.stale and value.status != "broken",
        updated=value.updated,
        history=history,
    )


def _points_by_kr(*sources: Iterable[KrPoint]) -> dict[str, list[KrPoint]]:
    by_kr: dict[str, list[KrPoint]] = {}
    for source in sources:
        for point in source:
            by_kr.setdefault(point.kr, []).append(point)
    return by_kr


def summarize_okrs(
    data: OkrData,
    now: datetime,
    *,
    bound: Mapping[str, BoundValue] = _NO_BOUND,
    history: Sequence[KrPoint] = (),
    rules: OkrRules = _NO_RULES,
) -> OkrSummary:
    """Every objective, key result and KPI of `data` as of `now` (see the module's rules).
    `bound`: each bound key result's value resolved at the last sync (or live), by id;
    `history`: the recorded values since the period's start (the store's)."""
    now = _utc(now)
    points = _points_by_kr(history, data.history)
    objectives = tuple(_objective_view(o, data, now, bound, points, rules) for o in data.objectives)
    kpis = tuple(_kpi_view(k, now, bound, points.get(k.id, ()), rules) for k in data.kpis)
    krs = [kr for o in objectives for kr in o.key_results]
    return OkrSummary(
        period=data.period,
        elapsed=period_elapsed(data.period_start, data.period_end, now),
        days_left=max((data.period_end - now.date()).days, 0),
        objectives=objectives,
        kpis=kpis,
        at_risk=sum(kr.status in ("at risk", "off track") for kr in krs),
        stale=sum(kr.stale for kr in krs) + sum(k.stale for k in kpis),
        broken=sum(kr.status == "broken" for kr in krs) + sum(bool(k.error) for k in kpis),
        path=data.path,
    )
