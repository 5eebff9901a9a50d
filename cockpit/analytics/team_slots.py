"""The slot finder and the fairness ledger: when can these people meet, and who has been paying
for the team's meetings with their mornings and evenings.

Every minute of a person's time is one of four kinds, in their own local calendar:

* within: inside their working hours;
* early: before the day's first span, or in a split day's break (9-12 and 14-18: 13:00 is
  early);
* late: after the day's last span;
* off day: any minute of a local day they do not work (weekend, public holiday, time off).

A local day runs from local midnight to the next, in the zone in effect that day (the travel's
while travelling); a span crossing midnight belongs to the day it starts on, so a night shift's
small hours are within. The night between two working days is split half way between the
evening's end and the next morning's start, not at midnight: after a day that ends at 17:30,
00:30 is a late call, and 07:00 before a 09:00 start is an early one. Before a day off the
evening runs to midnight, and after a weekend the morning starts at midnight. A public holiday
or time off is not a weekend: the night after it is split where the weekday's regular hours
would split it, so 00:30 after a holiday Monday is as late as after any Monday.

How far outside hours a minute is counts too: the minutes outside hours whose wall-clock time
(in the zone of the local day they belong to) lies in the night, `TeamRules.night`
("22:00-07:00"), are night minutes as well, and cost `night_weight` more. A 01:00 call costs
more than an 08:00 one of the same length, and a night shift's hours, being within, cost
nothing.

A meeting's pain for one person is early x `early_weight` + late x `late_weight` + off x
`off_day_weight` + night x `night_weight` (in minutes), times `flexible_factor` for people
whose hours are flexible. Every weight of a kind is above zero, so the pain is zero exactly
when the person is within hours for the whole meeting.
The work is interval arithmetic: each person's time is a short sorted list of pieces with running
totals per kind, and a candidate's minutes of each kind are two binary searches away, whatever
its length. The clock is a parameter, as everywhere in the analytics.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cockpit.analytics.team_hours import (
    day_plan,
    epoch_minute,
    from_epoch_minute,
    wall_minute,
    week_hours,
    working_minutes,
    zone,
)
from cockpit.analytics.team_views import (
    FairnessRow,
    FairnessView,
    PersonCost,
    RotationWeek,
    Slot,
    TeamRules,
    parse_night,
)
from cockpit.models import Meeting, Person, TeamData

WITHIN, EARLY, LATE, OFF_DAY = 0, 1, 2, 3
NIGHT = 4  # added to EARLY, LATE or OFF_DAY: the minutes are also in the person's night
# Per kind (0 to 7): whether its minutes count as early, late, off day, night.
_IS_EARLY = tuple(int(k & 3 == EARLY) for k in range(8))
_IS_LATE = tuple(int(k & 3 == LATE) for k in range(8))
_IS_OFF = tuple(int(k & 3 == OFF_DAY) for k in range(8))
_IS_NIGHT = tuple(int(k & NIGHT != 0) for k in range(8))
Counts = tuple[int, int, int, int]  # (early, late, off day, night) minutes
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
# Local days reach up to 14 hours either side of the UTC date, and a span may end the next day:
# two days of margin either side cover every zone.
_MARGIN = timedelta(days=2)


class UnknownPeople(ValueError):
    """Person ids that are not in the team: the message lists the ids that are."""

    def __init__(self, unknown: Sequence[str], known: Iterable[str]) -> None:
        self.unknown = tuple(unknown)
        self.known = tuple(sorted(known))
        listed = ", ".join(self.known) or "none"
        super().__init__(
            f"no one in the team has the id {', '.join(self.unknown)}; the team's ids are: {listed}"
        )


# --- one person's minutes, classified ---------------------------------------------------------


class Profile:
    """One person's minutes over a stretch of time, as sorted pieces of one kind each (the
    kind's NIGHT bit set when the piece is outside hours in the local night), with the running
    minutes of each kind before every piece. `counts(a, b)` is then two binary searches.
    """

    __slots__ = ("bounds", "day_starts", "day_zones", "early", "kinds", "late", "night", "off")

    def __init__(
        self, person: Person, start: int, end: int, night: tuple[int, int] | None = None
    ) -> None:
        first = from_epoch_minute(start).date() - _MARGIN
        last = from_epoch_minute(end).date() + _MARGIN
        regular = week_hours(person)
        # (zone name, local midnight, next local midnight, first span's start, last span's
        # end); the first span's start is None on a day off. The last span's end is also None
        # on a weekend, but a holiday or time off keeps the weekday's regular end: the night
        # after it is split where it would be after a working day.
        days: list[tuple[str, int, int, int | None, int | None]] = []
        day = first
        while day <= last:
            plan = day_plan(person, day)
            # The same wall-clock placement (and cache) as the working intervals.
            ordinal = day.toordinal()
            lo = wall_minute(plan.zone, ordinal, 0)
            hi = wall_minute(plan.zone, ordinal, 1440)
            if plan.spans and not plan.off:
                opens = wall_minute(plan.zone, ordinal, min(s.start for s in plan.spans))
                closes = wall_minute(plan.zone, ordinal, max(s.end for s in plan.spans))
                days.append((plan.zone, lo, hi, opens, closes))
            elif plan.off in ("holiday", "time_off"):
                week = plan.travel.hours if plan.travel and plan.travel.hours else regular
                usual = week[day.weekday()] if len(week) == 7 else ()
                ends = wall_minute(plan.zone, ordinal, max(s.end for s in usual)) if usual else None
                days.append((plan.zone, lo, hi, None, ends))
            else:
                days.append((plan.zone, lo, hi, None, None))
            day += DAY
        # The night between two working days is split half way between the evening's end and
        # the next morning's start, not at midnight: 00:30 after a day that ended at 17:30 is a
        # late call, not an early one. Before a day off the evening runs to the day's end.
        halfway: list[int | None] = []
        for index, (_zone, _lo, _hi, _opens, closes) in enumerate(days):
            following = days[index + 1] if index + 1 < len(days) else None
            if closes is None or following is None or following[3] is None:
                halfway.append(None)
            else:
                halfway.append((closes + max(following[3], closes)) // 2)
        # Local days tile time. A travel day's zone change can leave a gap (flying west: the
        # earlier day runs on until the next begins) or make two days overlap (flying east:
        # the earlier day keeps the overlap through its evening, then the new zone's day takes
        # over, so a traveller's evening is in the old zone and the next morning in the new).
        # Every minute belongs to exactly one local day, and is shown in that day's zone.
        ranges: list[tuple[int, int, bool, str, int]] = []  # (start, end, working, zone, day)
        cursor = days[0][1]
        for index, (name, _lo, hi, opens, _closes) in enumerate(days):
            stop = hi
            if index + 1 < len(days):
                following = days[index + 1][1]
                if following >= hi:
                    stop = following
                else:
                    keep = halfway[index]
                    if keep is None:
                        keep = hi if opens is not None else following
                    stop = max(following, min(hi, keep))
            stop = max(stop, cursor)
            ranges.append((cursor, stop, opens is not None, name, first.toordinal() + index))
            cursor = stop
        # Evenings: from a day's last span (its regular one on a holiday) to half way to the
        # next morning, or to the end of the day when the next one is off.
        evenings: list[tuple[int, int]] = []
        for index, (_zone, _lo, _hi, _opens, closes) in enumerate(days):
            if closes is None:
                continue
            cut = halfway[index]
            if cut is None:
                cut = ranges[index][1]
            if cut > closes:
                evenings.append((closes, cut))
        nights = _nights(ranges, night)
        begin, finish = ranges[0][0], ranges[-1][1]
        work = working_minutes(person, begin, finish)

        bounds: list[int] = []
        kinds: list[int] = []
        n = 0

        def add(at: int, until: int, kind: int) -> None:
            # Pieces come in time order and are never empty; a kind that goes on is one piece.
            # Minutes outside hours are cut where the night begins and ends.
            nonlocal n
            while at < until:
                piece = kind
                stop = until
                if kind != WITHIN:
                    while n < len(nights) and nights[n][1] <= at:
                        n += 1
                    if n < len(nights) and nights[n][0] <= at:
                        piece = kind | NIGHT
                        stop = min(until, nights[n][1])
                    elif n < len(nights):
                        stop = min(until, nights[n][0])
                if not kinds or kinds[-1] != piece:
                    bounds.append(at)
                    kinds.append(piece)
                at = stop

        w = e = 0
        for lo, hi, working, _zone, _day in ranges:
            t = lo
            while t < hi:
                while w < len(work) and work[w][1] <= t:
                    w += 1
                if w < len(work) and work[w][0] <= t:
                    stop = min(work[w][1], hi)
                    add(t, stop, WITHIN)
                    t = stop
                    continue
                stop = min(work[w][0], hi) if w < len(work) else hi
                if not working:
                    add(t, stop, OFF_DAY)
                    t = stop
                    continue
                while e < len(evenings) and evenings[e][1] <= t:
                    e += 1
                if e < len(evenings) and evenings[e][0] <= t:
                    stop = min(stop, evenings[e][1])
                    add(t, stop, LATE)
                else:
                    if e < len(evenings):
                        stop = min(stop, evenings[e][0])
                    add(t, stop, EARLY)  # before the day's hours, or in a split day's break
                t = stop
        # Running totals of each kind at the start of each piece.
        early, late, off, dark = [0], [0], [0], [0]
        for index in range(1, len(bounds)):
            length = bounds[index] - bounds[index - 1]
            kind = kinds[index - 1]
            early.append(early[-1] + length * _IS_EARLY[kind])
            late.append(late[-1] + length * _IS_LATE[kind])
            off.append(off[-1] + length * _IS_OFF[kind])
            dark.append(dark[-1] + length * _IS_NIGHT[kind])
        self.bounds, self.kinds = bounds, kinds
        self.early, self.late, self.off, self.night = early, late, off, dark
        self.day_starts = [r[0] for r in ranges]
        self.day_zones = [zone(r[3]) for r in ranges]

    def counts(self, start: int, end: int) -> Counts:
        """(early, late, off-day, night) minutes in [start, end)."""
        e0, l0, o0, n0 = self._before(start)
        e1, l1, o1, n1 = self._before(end)
        return e1 - e0, l1 - l0, o1 - o0, n1 - n0

    def _before(self, t: int) -> Counts:
        i = bisect_right(self.bounds, t) - 1
        extra = t - self.bounds[i]
        kind = self.kinds[i]
        return (
            self.early[i] + extra * _IS_EARLY[kind],
            self.late[i] + extra * _IS_LATE[kind],
            self.off[i] + extra * _IS_OFF[kind],
            self.night[i] + extra * _IS_NIGHT[kind],
        )

    def grid(self, starts: Sequence[int], minutes: int) -> list[Counts]:
        """`counts(s, s + minutes)` for every s of `starts`: the hot loop of the slot search,
        written out. Most candidates lie inside one piece; they cost one binary search and
        share one tuple per kind."""
        bounds, kinds = self.bounds, self.kinds
        early, late, off, dark = self.early, self.late, self.off, self.night
        whole = [
            (minutes * _IS_EARLY[k], minutes * _IS_LATE[k], minutes * _IS_OFF[k],
             minutes * _IS_NIGHT[k])
            for k in range(8)
        ]  # fmt: skip
        is_early, is_late, is_off, is_night = _IS_EARLY, _IS_LATE, _IS_OFF, _IS_NIGHT
        last = len(bounds) - 1
        out = []
        append = out.append
        for s in starts:
            i = bisect_right(bounds, s) - 1
            e = s + minutes
            if i == last or e <= bounds[i + 1]:
                append(whole[kinds[i]])
                continue
            j = bisect_right(bounds, e, i) - 1
            a, b = s - bounds[i], e - bounds[j]
            ki, kj = kinds[i], kinds[j]
            append(
                (
                    early[j] - early[i] + b * is_early[kj] - a * is_early[ki],
                    late[j] - late[i] + b * is_late[kj] - a * is_late[ki],
                    off[j] - off[i] + b * is_off[kj] - a * is_off[ki],
                    dark[j] - dark[i] + b * is_night[kj] - a * is_night[ki],
                )
            )
        return out

    def zone_at(self, minute: int) -> ZoneInfo:
        """The zone in effect on the local day holding `minute`."""
        return self.day_zones[max(bisect_right(self.day_starts, minute) - 1, 0)]


def _nights(
    ranges: Sequence[tuple[int, int, bool, str, int]], night: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """The night's stretches over the local days, by wall clock in each day's zone (so a
    traveller's night is where they are), sorted and merged. `night` is (start, end) minutes
    after local midnight, the end past 1440 when it crosses midnight."""
    if night is None:
        return []
    begin, finish = night
    found: list[tuple[int, int]] = []
    for lo, hi, _working, name, ordinal in ranges:
        # A local day can run past its midnight (a traveller's long day): yesterday's night
        # reaches into it, and tomorrow's may too.
        for day in (ordinal - 1, ordinal, ordinal + 1):
            a = max(wall_minute(name, day, begin), lo)
            b = min(wall_minute(name, day, finish), hi)
            if a >= b:
                continue
            if found and a <= found[-1][1]:
                found[-1] = (found[-1][0], max(found[-1][1], b))
            else:
                found.append((a, b))
    return found


def pain_of(person: Person, early: int, late: int, off: int, night: int, rules: TeamRules) -> float:
    """The weighted minutes outside hours one meeting costs one person: each minute by its
    kind, and the night's weight on top for the minutes in their night."""
    pain = early * rules.early_weight + late * rules.late_weight + off * rules.off_day_weight
    pain += night * rules.night_weight
    return pain * rules.flexible_factor if person.flexible else pain


def cost_state(cost: PersonCost) -> str:
    """One word for a person's part in a slot: "in" (within hours), else the kind most of the
    outside minutes are ("off" before "late" before "early" on a tie)."""
    if cost.within:
        return "in"
    ranked = sorted(((cost.off_day, 2, "off"), (cost.late, 1, "late"), (cost.early, 0, "early")))
    return ranked[-1][2]


def outside_text(cost: PersonCost) -> str:
    """ "in hours", or the minutes outside them by kind, and how many of them are at night:
    "late 45 min, 30 at night"."""
    if cost.within:
        return "in hours"
    parts = [
        f"{word} {minutes} min"
        for word, minutes in (("early", cost.early), ("late", cost.late), ("day off", cost.off_day))
        if minutes
    ]
    if cost.night:
        parts.append(f"{cost.night} at night")
    return ", ".join(parts)


# --- the slot finder --------------------------------------------------------------------------


def _people(data: TeamData, ids: Sequence[str]) -> list[Person]:
    by_id = {p.id: p for p in data.people}
    unknown = [i for i in dict.fromkeys(ids) if i not in by_id]
    if unknown:
        raise UnknownPeople(unknown, by_id)
    return [by_id[i] for i in dict.fromkeys(ids)]


def _first_start(moment: datetime, step: int) -> int:
    """The first epoch minute at or after `moment` on the step grid (steps counted from the
    epoch, so a 15-minute grid falls on every quarter hour of UTC)."""
    micro = (moment - from_epoch_minute(0)) // timedelta(microseconds=1)
    unit = step * 60_000_000
    return -(-micro // unit) * step


class _Scored:
    """Every candidate start of a stretch, scored for a fixed set of attendees."""

    def __init__(
        self,
        people: Sequence[Person],
        profiles: Sequence[Profile],
        starts: Sequence[int],
        minutes: int,
        rules: TeamRules,
    ) -> None:
        self.people, self.profiles, self.starts, self.minutes = people, profiles, starts, minutes
        self.counts = [profile.grid(starts, minutes) for profile in profiles]
        # A person's candidates repeat a handful of count tuples: each is weighed once.
        self.pains = []
        for person, counts in zip(people, self.counts, strict=True):
            weighed = {c: pain_of(person, *c, rules) for c in set(counts)}
            self.pains.append(list(map(weighed.__getitem__, counts)))
        within_hours = (0, 0, 0, 0).__eq__
        flags = [map(within_hours, counts) for counts in self.counts]
        self.within = [sum(col) for col in zip(*flags, strict=True)]
        # fsum: exactly rounded, so the total does not depend on the attendees' order.
        self.inconvenience = [math.fsum(col) for col in zip(*self.pains, strict=True)]

    def slot(self, index: int) -> Slot:
        start = self.starts[index]
        moment = from_epoch_minute(start)
        costs = tuple(
            PersonCost(
                id=person.id,
                local_start=moment.astimezone(profile.zone_at(start)),
                early=counts[index][0],
                late=counts[index][1],
                off_day=counts[index][2],
                night=counts[index][3],
                pain=pains[index],
            )
            for person, profile, counts, pains in zip(
                self.people, self.profiles, self.counts, self.pains, strict=True
            )
        )
        return Slot(
            start=moment,
            minutes=self.minutes,
            within=self.within[index],
            attendees=len(self.people),
            inconvenience=self.inconvenience[index],
            costs=costs,
        )

    def rank_key(self, index: int) -> tuple[int, float, int]:
        return (-self.within[index], self.inconvenience[index], self.starts[index])


def find_slots(
    data: TeamData,
    attendees: Sequence[str],
    minutes: int,
    now: datetime,
    *,
    rules: TeamRules = TeamRules(),  # noqa: B008  (frozen: shared safely)
    days: int | None = None,
    limit: int = 20,
) -> tuple[Slot, ...]:
    """The best `limit` starts for a meeting of `minutes` with `attendees` (Person ids, the
    order kept in each slot's `costs`).

    Candidates start every `rules.slot_step_minutes` from `now` (rounded up to the step) for
    `days` days (default `rules.overlap_days`). They are ranked by how many attendees are within
    their hours for the whole meeting (most first), then by inconvenience (the sum of the
    attendees' pain, least first), then by start. With positive weights the inconvenience is 0
    exactly when everyone is within. Raises `UnknownPeople` for an id the team does not have,
    ValueError for a length that is not positive.
    """
    if minutes <= 0:
        raise ValueError(f"a meeting must last at least a minute (asked: {minutes})")
    people = _people(data, attendees)
    horizon = rules.overlap_days if days is None else days
    if not people or horizon <= 0 or limit <= 0:
        return ()
    step = rules.slot_step_minutes
    first = _first_start(now, step)
    stop = epoch_minute(now) + horizon * 1440
    starts = range(first, stop, step)
    if not starts:
        return ()
    night = parse_night(rules.night)
    profiles = [Profile(p, first, starts[-1] + minutes, night) for p in people]
    scored = _Scored(people, profiles, starts, minutes, rules)
    best = sorted(range(len(starts)), key=scored.rank_key)[:limit]
    return tuple(scored.slot(index) for index in best)


# --- fairness ---------------------------------------------------------------------------------


def _lead_midnight(day: date, lead: ZoneInfo) -> int:
    return epoch_minute(datetime.combine(day, time(), tzinfo=lead))


def _monday(moment: datetime, lead: ZoneInfo) -> date:
    local = moment.astimezone(lead).date()
    return local - timedelta(days=local.weekday())


def _pick_series(meetings: Sequence[Meeting], series: str | None) -> str:
    named = [m for m in meetings if m.series]
    if series is not None:
        if not any(m.series == series for m in named):
            recorded = ", ".join(sorted({m.series for m in named})) or "none"
            raise ValueError(
                f"no recorded meeting belongs to the series {series!r}; recorded series: {recorded}"
            )
        return series
    if not named:
        return ""
    counts = Counter(m.series for m in named)
    latest = {m.series: m.start for m in sorted(named, key=lambda m: m.start)}
    # Most meetings; then the one held most recently; then by name, for a stable answer.
    return min(counts, key=lambda s: (-counts[s], -latest[s].timestamp(), s))


def fairness(
    data: TeamData,
    now: datetime,
    *,
    rules: TeamRules = TeamRules(),  # noqa: B008  (frozen: shared safely)
    lead_zone: str = "UTC",
    series: str | None = None,
    weeks_ahead: int = 4,
) -> FairnessView:
    """Who has taken the inconvenient meetings, and who should take the next ones.

    The ledger covers the recorded meetings that started in the last `rules.fairness_weeks`
    weeks before `now`: for each person who attended one, how many, how many fell outside their
    hours (any minute early, late or on a day off), those minutes and their pain; most pain
    first. Attendees the team does not list are left out (their hours are unknown).

    The rotation is for `series` (by default the series with the most recorded meetings; the
    latest held, then the name, break a tie), with the attendees and length of its last
    meeting, over the `weeks_ahead` weeks (Monday to Monday in `lead_zone`) from the week after
    its last meeting, and never before the current week (only what is left of it). Each week,
    greedily:

    1. only the week's good candidates count: those that put the fewest attendees in their
       night (`rules.night`, unless `night_weight` is 0: a standing call at 01:00 is not a
       pain to take turns at while a slot exists that keeps everyone out of bed, even with
       fewer people within hours), and of those, the ones with the most attendees within
       hours;
    2. of these, the one whose attendees' running pain (ledger pain + pain planned in earlier
       weeks + this slot's), sorted from the highest down, is smallest (compared person by
       person: first the worst-off, then the next, so the pain goes to whoever has had least);
    3. then the least inconvenience, then the earliest start.

    So when several people could take an inconvenient slot, it moves on to someone else each
    week instead of landing on the same person twice.
    """
    people = {p.id: p for p in data.people}
    lead = ZoneInfo(lead_zone)
    since = now - rules.fairness_weeks * WEEK
    recorded = [m for m in data.meetings if since <= m.start < now]
    chosen = _pick_series(data.meetings, series)
    held = sorted((m for m in data.meetings if m.series == chosen), key=lambda m: m.start)
    last = held[-1] if chosen else None

    # One profile per person over everything asked: the ledger's weeks and the rotation's.
    step = rules.slot_step_minutes
    first_week = _monday(now, lead)
    if last is not None:
        first_week = max(first_week, _monday(last.start, lead) + WEEK)
    rotation_end = _lead_midnight(first_week + weeks_ahead * WEEK, lead) if chosen else 0
    begin = min([epoch_minute(m.start) for m in recorded] or [epoch_minute(now)])
    end = max(
        [epoch_minute(m.start) + m.minutes for m in recorded]
        + [rotation_end + (last.minutes if last else 0), epoch_minute(now) + 1]
    )
    wanted = {a for m in recorded for a in m.attendees if a in people}
    if last is not None:
        wanted.update(a for a in last.attendees if a in people)
    night = parse_night(rules.night)
    profiles = {pid: Profile(people[pid], begin, end, night) for pid in sorted(wanted)}

    rows = _ledger(recorded, people, profiles, rules)
    view = FairnessView(weeks=rules.fairness_weeks, rows=rows, series=chosen)
    if last is None or weeks_ahead <= 0:
        return view
    attendees = [people[a] for a in dict.fromkeys(last.attendees) if a in people]
    if not attendees:
        return view
    ledger_pain = {row.id: row.pain for row in rows}
    rotation = _rotation(
        attendees,
        [profiles[p.id] for p in attendees],
        last.minutes,
        now,
        first_week,
        weeks_ahead,
        lead,
        step,
        ledger_pain,
        rules,
    )
    return FairnessView(weeks=rules.fairness_weeks, rows=rows, series=chosen, rotation=rotation)


def _ledger(
    recorded: Sequence[Meeting],
    people: Mapping[str, Person],
    profiles: Mapping[str, Profile],
    rules: TeamRules,
) -> tuple[FairnessRow, ...]:
    meetings: Counter[str] = Counter()
    inconvenient: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    pains: dict[str, list[float]] = {}
    for meeting in recorded:
        start = epoch_minute(meeting.start)
        for pid in dict.fromkeys(meeting.attendees):
            if pid not in people:
                continue
            counts = profiles[pid].counts(start, start + meeting.minutes)
            meetings[pid] += 1
            minutes = counts[0] + counts[1] + counts[2]  # night minutes are some of these
            if minutes:
                inconvenient[pid] += 1
                outside[pid] += minutes
            pains.setdefault(pid, []).append(pain_of(people[pid], *counts, rules))
    rows = [
        FairnessRow(
            id=pid,
            name=people[pid].name,
            meetings=meetings[pid],
            inconvenient=inconvenient[pid],
            minutes_outside=outside[pid],
            pain=math.fsum(pains[pid]),
        )
        for pid in meetings
    ]
    rows.sort(key=lambda r: (-r.pain, -r.inconvenient, r.name, r.id))
    return tuple(rows)


def _rotation(
    attendees: Sequence[Person],
    profiles: Sequence[Profile],
    minutes: int,
    now: datetime,
    first_week: date,
    weeks_ahead: int,
    lead: ZoneInfo,
    step: int,
    ledger_pain: Mapping[str, float],
    rules: TeamRules,
) -> tuple[RotationWeek, ...]:
    running = {p.id: ledger_pain.get(p.id, 0.0) for p in attendees}
    now_minute = _first_start(now, step)
    weeks: list[RotationWeek] = []
    for k in range(weeks_ahead):
        monday = first_week + k * WEEK
        lo = max(_lead_midnight(monday, lead), now_minute)
        lo = -(-lo // step) * step
        hi = _lead_midnight(monday + WEEK, lead)
        starts = range(lo, hi, step)
        if not starts:
            continue
        scored = _Scored(attendees, profiles, starts, minutes, rules)
        # `night_weight = 0` says the night is no worse than any other hour outside.
        sleepers = [
            sum(1 for counts in scored.counts if counts[i][3]) if rules.night_weight else 0
            for i in range(len(starts))
        ]
        fewest = min(sleepers)
        most = max(w for w, n in zip(scored.within, sleepers, strict=True) if n == fewest)

        def key(index: int, scored: _Scored = scored) -> tuple[tuple[float, ...], float, int]:
            totals = sorted(
                (running[p.id] + scored.pains[n][index] for n, p in enumerate(attendees)),
                reverse=True,
            )
            return (tuple(totals), scored.inconvenience[index], scored.starts[index])

        good = (i for i in range(len(starts)) if sleepers[i] == fewest and scored.within[i] == most)
        best = min(good, key=key)
        slot = scored.slot(best)
        for cost in slot.costs:
            running[cost.id] += cost.pain
        weeks.append(
            RotationWeek(
                week_start=monday,
                slot=slot,
                pain_taken_by=tuple(c.id for c in slot.costs if not c.within),
            )
        )
    return tuple(weeks)
