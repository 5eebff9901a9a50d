"""Who is working now, when the team overlaps, and how the day passes round the world.

Pure: the clock is a parameter. Everything is worked in whole minutes since the epoch
(`cockpit.analytics.team_hours`), so +5:30, +5:45 and +12:45 come out exact, and the overlap is
an event sweep over interval ends (each person's working set as a bit in one integer), not a
per-minute array: a week of 500 people is a few thousand events.

Windows. An overlap window is a maximal stretch during which the same people are all working
and there are at least K of them: when someone joins or leaves, a new window starts. So every
window's `people` work through the whole of it, and a stretch where the team swaps members
shows as consecutive windows (the panel's band is their union).

K. `TeamRules.min_people` > 0 is K. 0 means "the most people that overlap at all": each lead
day has its own K, the most people working at once that day (at least 2), so every day shows
its best; `TeamSummary.min_people` is then today's K.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from cockpit.analytics.team_hours import (
    DAY_MINUTES,
    Interval,
    day_plan,
    epoch_minute,
    from_epoch_minute,
    merge_intervals,
    off_minutes,
    wall_minute,
    working_minutes,
    zone,
)
from cockpit.analytics.team_views import (
    DayMark,
    DayOverlap,
    Handover,
    LeadSpan,
    NearMiss,
    OverlapWindow,
    PersonNow,
    TeamRules,
    TeamSummary,
)
from cockpit.models import Person, TeamData

__all__ = [
    "OverlapWindow",
    "PersonNow",
    "TeamSummary",
    "best_overlap",
    "handover_chain",
    "lead_day",
    "nearest_miss",
    "overlap_windows",
    "summarize_team",
]

HEAT_STEP = 30  # minutes per heat-map cell
# How far ahead `next_start` looks for someone on a long leave before giving up.
NEXT_START_HORIZON_DAYS = 400

_DEFAULT_RULES = TeamRules()

# A constant stretch of the sweep: [start, end), the bit mask of who works, and how many.
Piece = tuple[int, int, int, int]


# --- the sweep ----------------------------------------------------------------------------


def _pieces(rows: Sequence[Sequence[Interval]]) -> list[Piece]:
    """Time cut wherever someone starts or stops, with who works in each piece (bit i is
    rows[i]), in time order. Pieces where nobody works are left out. Each row must be sorted
    and merged (`merge_intervals`): a start and an end at the same minute would cancel out."""
    toggles: dict[int, int] = {}
    for index, row in enumerate(rows):
        bit = 1 << index
        for lo, hi in row:
            toggles[lo] = toggles.get(lo, 0) ^ bit
            toggles[hi] = toggles.get(hi, 0) ^ bit
    times = sorted(toggles)
    pieces: list[Piece] = []
    mask = 0
    for position, moment in enumerate(times[:-1]):
        mask ^= toggles[moment]
        if not mask:
            continue
        following = times[position + 1]
        if pieces and pieces[-1][1] == moment and pieces[-1][2] == mask:
            pieces[-1] = (pieces[-1][0], following, mask, pieces[-1][3])
        else:
            pieces.append((moment, following, mask, mask.bit_count()))
    return pieces


# The set bits of each byte value: a mask is read a byte at a time, not a bit at a time.
_BYTE_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))


def _members(mask: int, ids: Sequence[str], memo: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
    """The ids of the set bits, in bit order (= roster order). `memo` keeps masks already read:
    the same people overlap at the same time most weekdays."""
    found = memo.get(mask)
    if found is not None:
        return found
    out: list[str] = []
    raw = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    for offset, value in enumerate(raw):
        if value:
            base = offset * 8
            for bit in _BYTE_BITS[value]:
                out.append(ids[base + bit])
    found = memo[mask] = tuple(out)
    return found


def _clip(pieces: list[Piece], starts: list[int], lo: int, hi: int) -> list[Piece]:
    """The pieces inside [lo, hi), cut at its ends. `starts` is each piece's start."""
    first = max(bisect_right(starts, lo) - 1, 0)
    out = []
    for index in range(first, len(pieces)):
        p_lo, p_hi, mask, count = pieces[index]
        if p_lo >= hi:
            break
        if p_hi <= lo:
            continue
        out.append((max(p_lo, lo), min(p_hi, hi), mask, count))
    return out


def _windows(
    pieces: list[Piece],
    need: int,
    ids: Sequence[str],
    memo: dict[int, tuple[str, ...]] | None = None,
) -> tuple[OverlapWindow, ...]:
    """Pieces with at least `need` people, as windows (pieces are already cut wherever the
    working set changes)."""
    memo = {} if memo is None else memo
    return tuple(
        OverlapWindow(from_epoch_minute(lo), from_epoch_minute(hi), _members(mask, ids, memo))
        for lo, hi, mask, count in pieces
        if count >= need
    )


def _best(windows: Sequence[OverlapWindow]) -> OverlapWindow | None:
    """The longest window with the most people, the earliest on a tie."""
    best: OverlapWindow | None = None
    for window in windows:
        if best is None or (len(window.people), window.end - window.start) > (
            len(best.people),
            best.end - best.start,
        ):
            best = window
    return best


def _rows(
    intervals: Mapping[str, Sequence[Interval]],
    start: int,
    end: int,
    subset: Sequence[str] | None,
    order: Sequence[str] | None,
) -> tuple[list[str], list[list[Interval]]]:
    """The people to count, in roster order, with their normalized intervals."""
    ids = list(order) if order is not None else list(intervals)
    if subset is not None:
        wanted, known = set(subset), set(ids)
        ids = [i for i in ids if i in wanted] + [i for i in dict.fromkeys(subset) if i not in known]
    return ids, [merge_intervals(intervals.get(i, ()), start, end) for i in ids]


def _need(min_people: int, subset: Sequence[str] | None, pieces: list[Piece]) -> int:
    if min_people > 0:
        return min_people
    if subset is not None:
        return len(set(subset))
    return max(2, max((count for *_, count in pieces), default=0))


def overlap_windows(
    intervals: Mapping[str, Sequence[Interval]],
    start: int,
    end: int,
    *,
    min_people: int,
    subset: Sequence[str] | None = None,
    order: Sequence[str] | None = None,
) -> tuple[OverlapWindow, ...]:
    """The windows in [start, end) (epoch minutes) when at least `min_people` of the people
    work: each a maximal stretch with the same people working throughout, `people` in `order`
    (roster order; default: the mapping's). With `subset`, only those people count, and
    `min_people` 0 asks for all of them; without it, 0 asks for the most people who overlap at
    all in the range (at least 2). Intervals need not be sorted or merged."""
    ids, rows = _rows(intervals, start, end, subset, order)
    pieces = _pieces(rows)
    return _windows(pieces, _need(min_people, subset, pieces), ids)


def nearest_miss(
    intervals: Mapping[str, Sequence[Interval]],
    start: int,
    end: int,
    *,
    min_people: int,
    subset: Sequence[str] | None = None,
    order: Sequence[str] | None = None,
) -> NearMiss | None:
    """When no window in [start, end) has the people asked (as `overlap_windows`; 0 without a
    subset asks for 2), the closest the team comes: the longest stretch with the most people at
    once (earliest on a tie), who of the asked people is not in it, and how many short it is.
    None when a window does reach the ask, or when nobody works at all."""
    ids, rows = _rows(intervals, start, end, subset, order)
    pieces = _pieces(rows)
    need = min_people if min_people > 0 else (len(set(subset)) if subset is not None else 2)
    most = max((count for *_, count in pieces), default=0)
    if most == 0 or most >= need:
        return None
    window = _best(_windows(pieces, most, ids))
    assert window is not None  # `most` people work in some piece
    missing = tuple(i for i in ids if i not in window.people)
    return NearMiss(window, missing, need - len(window.people))


# --- follow the sun -----------------------------------------------------------------------


def _handover(
    rows: Sequence[Sequence[Interval]], ids: Sequence[str], now: int, end: int
) -> tuple[Handover, ...]:
    """The chain over [now, end); rows hold intervals from before `now` too (for who has been
    working longest)."""
    # Only the intervals that reach into [now, end) matter; a long team has thousands more.
    spans = [
        (lo, hi, index) for index, row in enumerate(rows) for lo, hi in row if hi > now and lo < end
    ]
    legs: list[Handover] = []
    moment = now
    # The first carrier is whoever has been working longest now: they hold the day's work.
    current = [(lo, -hi, index) for lo, hi, index in spans if lo <= now]
    if current:
        _, neg_hi, carrier = min(current)
        legs.append(
            Handover(ids[carrier], from_epoch_minute(now), from_epoch_minute(min(-neg_hi, end)))
        )
        moment = -neg_hi
    while moment < end:
        # Whoever is working at `moment` and stays longest takes over (fewest hand-offs);
        # a tie goes to who has been working longest, then roster order.
        working = [(-hi, lo, index) for lo, hi, index in spans if lo <= moment < hi]
        gap = 0
        if not working:
            upcoming = [lo for lo, _, _ in spans if moment < lo]
            if not upcoming:
                break
            starts = min(upcoming)
            gap = starts - moment
            moment = starts
            working = [(-hi, lo, index) for lo, hi, index in spans if lo == moment]
        neg_hi, _, carrier = min(working)
        stop = min(-neg_hi, end)
        legs.append(Handover(ids[carrier], from_epoch_minute(moment), from_epoch_minute(stop), gap))
        moment = stop
    return tuple(legs)


def handover_chain(
    data: TeamData,
    now: datetime,
    *,
    hours: int = 24,
    intervals: Mapping[str, Sequence[Interval]] | None = None,
) -> tuple[Handover, ...]:
    """Follow the sun over the next `hours` from `now`, legs in time order.

    The rule: the first leg is whoever has been working longest now (they hold the day's work;
    on a tie, whoever stays longer, then roster order). When a carrier stops, the work passes to
    whoever is working then and stays longest (so the day changes hands as few times as it
    can; a tie goes to who has been working longest, then roster order). When nobody is
    working, the next leg starts with the first person to start, and its `gap_before` is the
    minutes nobody worked (also when the chain starts with nobody working now). Legs are
    clipped to the next `hours`.
    """
    start = epoch_minute(now)
    end = start + hours * 60
    ids = [p.id for p in data.people]
    if intervals is None:
        intervals = {p.id: working_minutes(p, start - DAY_MINUTES, end) for p in data.people}
    rows = [merge_intervals(intervals.get(i, ()), start - 2 * DAY_MINUTES, end) for i in ids]
    return _handover(rows, ids, start, end)


# --- now ----------------------------------------------------------------------------------


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _place(zone_name: str) -> str:
    """A zone's city, as people say it: "America/Sao_Paulo" → "Sao Paulo"."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def _person_now(
    person: Person,
    now: datetime,
    now_minute: int,
    intervals: tuple[Interval, ...],
    lead_start: int,
    lead_end: int,
) -> PersonNow:
    home_local = now.astimezone(zone(person.timezone))
    plan = day_plan(person, home_local.date())
    local = now.astimezone(zone(plan.zone)) if plan.zone != person.timezone else home_local
    if local.date() != plan.day:  # in the travel's zone it is already another date
        plan = day_plan(person, local.date())
        local = now.astimezone(zone(plan.zone))
    stay = plan.travel
    working = any(lo <= now_minute < hi for lo, hi in intervals)
    if working:
        state = "working"
    elif plan.off:
        state = plan.off
    else:
        ordinal = plan.day.toordinal()
        starts = [wall_minute(plan.zone, ordinal, s.start) for s in plan.spans]
        ends = [wall_minute(plan.zone, ordinal, s.end) for s in plan.spans]
        if now_minute < min(starts):
            state = "before"
        elif now_minute >= max(ends):
            state = "after"
        else:
            state = "between"
    details = [plan.label] if plan.label and state != "working" else []
    if stay is not None:
        where = stay.location or _place(stay.timezone)
        details.append(f"in {where} until {stay.end.day} {stay.end:%b}")
    next_start = None
    if not working:
        next_start = next((lo for lo, _ in intervals if lo > now_minute), None)
        if next_start is None:
            later = working_minutes(
                person, now_minute, now_minute + NEXT_START_HORIZON_DAYS * DAY_MINUTES
            )
            next_start = later[0][0] if later else None
    ribbon = tuple(
        (max(lo, lead_start) - lead_start, min(hi, lead_end) - lead_start)
        for lo, hi in intervals
        if lo < lead_end and hi > lead_start
    )
    marks = tuple(
        DayMark(lo - lead_start, hi - lead_start, kind, label)
        for lo, hi, kind, label in off_minutes(person, lead_start, lead_end, intervals)
    )
    return PersonNow(
        id=person.id,
        name=person.name,
        role=person.role,
        location=(stay.location or _place(stay.timezone)) if stay else person.location,
        timezone=plan.zone,
        local_time=local,
        utc_offset=_offset_text(local),
        state=state,
        detail=" · ".join(details),
        travelling=stay is not None,
        flexible=person.flexible,
        home_timezone=person.timezone,
        zone_source=person.zone_source,
        next_start=from_epoch_minute(next_start) if next_start is not None else None,
        ribbon=ribbon,
        marks=marks,
    )


# --- the summary --------------------------------------------------------------------------


def _heat(rows: Sequence[Sequence[Interval]], bounds: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Per lead day (bounds[i] to bounds[i + 1]), per half hour of it: how many people work the
    whole of it (a short last cell, on a day whose length is not a multiple of 30 minutes,
    counts to the day's end). One pass over the intervals, whatever the number of days."""
    days = len(bounds) - 1
    cells = [-(-(bounds[d + 1] - bounds[d]) // HEAT_STEP) for d in range(days)]
    diffs = [[0] * (n + 1) for n in cells]
    for row in rows:
        for i_lo, i_hi in row:
            if i_hi <= bounds[0] or i_lo >= bounds[-1]:
                continue
            first_day = max(bisect_right(bounds, i_lo) - 1, 0)
            for d in range(first_day, days):
                lo, hi = bounds[d], bounds[d + 1]
                if lo >= i_hi:
                    break
                first = max(-(-(i_lo - lo) // HEAT_STEP), 0)  # the first cell it starts before
                last = cells[d] if i_hi >= hi else (i_hi - lo) // HEAT_STEP  # [first, last)
                if first < last:
                    diffs[d][first] += 1
                    diffs[d][last] -= 1
    out = []
    for d in range(days):
        counts = []
        running = 0
        for step in diffs[d][: cells[d]]:
            running += step
            counts.append(running)
        out.append(tuple(counts))
    return tuple(out)


def _merged_spans(windows: Sequence[OverlapWindow], origin: int) -> tuple[LeadSpan, ...]:
    spans: list[list[int]] = []
    for window in windows:
        lo, hi = epoch_minute(window.start) - origin, epoch_minute(window.end) - origin
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return tuple((lo, hi) for lo, hi in spans)


def _next_best(
    pieces: list[Piece],
    now: int,
    min_people: int,
    ids: Sequence[str],
    memo: dict[int, tuple[str, ...]] | None = None,
) -> OverlapWindow | None:
    """The best window under way or starting in the 24 hours from `now`: from now on, and
    whole to its end (the pieces must reach past the 24 hours). K = 0: the most people at
    once in those 24 hours."""
    horizon = now + DAY_MINUTES
    ahead = _clip(pieces, [p[0] for p in pieces], now, pieces[-1][1] if pieces else now)
    need = _need(min_people, None, [p for p in ahead if p[0] < horizon])
    cut = from_epoch_minute(horizon)
    return _best([w for w in _windows(ahead, need, ids, memo) if w.start < cut])


def summarize_team(
    data: TeamData, now: datetime, *, lead_zone: str = "UTC", rules: TeamRules = _DEFAULT_RULES
) -> TeamSummary:
    """Everything the Team panel, the team screen, `status` and the export show.

    The lead's days run from the lead's local midnight to the next (1,380 or 1,500 minutes on a
    DST change day); `week` is `rules.overlap_days` of them from today, `heat` the same days.
    `best_overlap` is the best window under way or starting in the next 24 hours from `now`
    (from now on, and whole to its end even past the 24 hours); `handover` covers the next 24
    hours.
    """
    now = now.astimezone(UTC)
    now_minute = epoch_minute(now)
    days = max(rules.overlap_days, 1)
    today = now.astimezone(zone(lead_zone)).date()
    bounds = [wall_minute(lead_zone, today.toordinal() + i, 0) for i in range(days + 1)]
    lead_start, lead_end = bounds[0], bounds[1]
    horizon = now_minute + DAY_MINUTES
    # A day back from now: who has been working longest, and a night shift begun yesterday.
    first = min(lead_start, now_minute) - DAY_MINUTES
    # A day past the end, so a window under way at the end is not cut short.
    last = max(bounds[-1], horizon) + DAY_MINUTES

    people = data.people
    ids = [p.id for p in people]
    intervals = {p.id: working_minutes(p, first, last) for p in people}
    rows = [list(intervals[i]) for i in ids]

    rows_now = [
        _person_now(p, now, now_minute, intervals[p.id], lead_start, lead_end) for p in people
    ]
    rows_now.sort(key=lambda p: (p.local_time.utcoffset() or timedelta(0), p.name))

    waiting = [(p.next_start, index) for index, p in enumerate(rows_now) if p.next_start]
    next_online = None
    if waiting:
        moment, index = min(waiting)
        next_online = (rows_now[index].id, moment)

    # The week's pieces once; each day (and the next 24 hours) is a clip of them.
    pieces = _pieces(rows)
    starts = [p[0] for p in pieces]
    memo: dict[int, tuple[str, ...]] = {}
    week: list[DayOverlap] = []
    today_need = rules.min_people
    for index in range(days):
        day_pieces = _clip(pieces, starts, bounds[index], bounds[index + 1])
        need = _need(rules.min_people, None, day_pieces)
        if index == 0:
            today_need = need
        windows = _windows(day_pieces, need, ids, memo)
        week.append(DayOverlap(today + timedelta(days=index), windows, _best(windows)))

    best = _next_best(pieces, now_minute, rules.min_people, ids, memo)

    miss = None
    if not any(day.windows for day in week):
        miss = nearest_miss(
            intervals, bounds[0], bounds[-1], min_people=rules.min_people, order=ids
        )

    return TeamSummary(
        people=tuple(rows_now),
        working_now=sum(1 for p in rows_now if p.state == "working"),
        zones=len({p.timezone for p in rows_now}),
        lead_zone=lead_zone,
        min_people=today_need,
        best_overlap=best,
        next_online=next_online,
        day_start=from_epoch_minute(lead_start),
        day_minutes=lead_end - lead_start,
        now_minute=now_minute - lead_start,
        band=_merged_spans(week[0].windows, lead_start),
        week=tuple(week),
        nearest_miss=miss,
        heat=_heat(rows, bounds),
        handover=_handover(rows, ids, now_minute, horizon),
    )


def best_overlap(people: Sequence[Person], now: datetime) -> OverlapWindow | None:
    """The longest stretch under way or starting in the next 24 hours when the most people
    (at least 2) are working at once; the earliest on a tie. `summarize_team` gives the same
    as `TeamSummary.best_overlap` with the default rules."""
    start = epoch_minute(now)
    ids = [p.id for p in people]
    rows = [list(working_minutes(p, start, start + 2 * DAY_MINUTES)) for p in people]
    return _next_best(_pieces(rows), start, 0, ids)


def lead_day(lead_zone: str, day: date) -> tuple[datetime, int]:
    """The lead's local midnight of `day` (UTC) and how many minutes that day has."""
    lo = wall_minute(lead_zone, day.toordinal(), 0)
    hi = wall_minute(lead_zone, day.toordinal() + 1, 0)
    return from_epoch_minute(lo), hi - lo
