"""The slot finder: a Berlin, Kolkata and Auckland team at fixed clocks, every expected start and
pain worked out by hand from the zones' offsets that week (noted beside each), and properties
over random teams.

June 2026: Berlin is CEST (+2), Kolkata IST (+5:30), Auckland NZST (+12). With 09:00-17:30 days:
Lena works 07:00-15:30 UTC, Priya 03:30-12:00 UTC, Aroha 21:00-05:30 UTC (the next NZ date).
Lena and Aroha never overlap; Priya overlaps Aroha 03:30-05:30 and Lena 07:00-12:00 UTC.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.analytics.team_hours import epoch_minute, working_intervals
from cockpit.analytics.team_slots import UnknownPeople, cost_state, find_slots
from cockpit.analytics.team_views import PersonCost, Slot, TeamRules
from cockpit.models import Holiday, Person, TeamData, Travel, WorkSpan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


LENA = Person("lena", "Lena Hoffmann", "Europe/Berlin")
PRIYA = Person("priya", "Priya Raman", "Asia/Kolkata")
AROHA = Person("aroha", "Aroha Ngata", "Pacific/Auckland")
TEAM = TeamData((LENA, PRIYA, AROHA))
THREE = ["lena", "priya", "aroha"]
MONDAY = utc(2026, 6, 15, 6, 7)  # Monday 15 June 2026, 08:07 in Berlin


def every_slot(data: TeamData, ids: list[str], minutes: int, now: datetime, **kw) -> list[Slot]:
    return list(find_slots(data, ids, minutes, now, limit=100_000, **kw))


def at(slots: list[Slot], start: datetime) -> Slot:
    (found,) = [s for s in slots if s.start == start]
    return found


def cost(slot: Slot, pid: str) -> PersonCost:
    (found,) = [c for c in slot.costs if c.id == pid]
    return found


# --- the best slot, by hand ----------------------------------------------------------------


def test_the_best_45_minutes_for_berlin_kolkata_auckland() -> None:
    # No start has all three within. Two within: Priya+Aroha from 03:30 UTC (Lena early, x1.0)
    # or Lena+Priya from 07:00 UTC (Aroha late, x1.5). Cheapest: Tuesday 03:30 UTC, the first
    # Priya+Aroha start after now (Monday's was at 03:30, before 06:07): Lena 05:30-06:15 CEST,
    # 45 early minutes, pain 45.
    best = find_slots(TEAM, THREE, 45, MONDAY, limit=3)
    assert [s.start for s in best] == [
        utc(2026, 6, 16, 3, 30),
        utc(2026, 6, 16, 3, 45),
        utc(2026, 6, 16, 4, 0),
    ]
    first = best[0]
    assert (first.within, first.attendees, first.minutes) == (2, 3, 45)
    assert first.inconvenience == 45.0
    assert [c.id for c in first.costs] == THREE  # the order asked
    lena, priya, aroha = first.costs
    assert (lena.early, lena.late, lena.off_day, lena.pain) == (45, 0, 0, 45.0)
    assert priya.within and aroha.within and priya.pain == aroha.pain == 0.0
    # Each attendee's own clock that day.
    assert lena.local_start.isoformat() == "2026-06-16T05:30:00+02:00"
    assert priya.local_start.isoformat() == "2026-06-16T09:00:00+05:30"
    assert aroha.local_start.isoformat() == "2026-06-16T15:30:00+12:00"
    assert [cost_state(c) for c in first.costs] == ["early", "in", "in"]


def test_candidates_start_on_the_step_after_now() -> None:
    slots = every_slot(TEAM, THREE, 45, MONDAY)
    starts = sorted(s.start for s in slots)
    assert starts[0] == utc(2026, 6, 15, 6, 15)  # 06:07 rounded up to the quarter hour
    assert starts[-1] == utc(2026, 6, 22, 6, 0)  # the last quarter hour before now + 7 days
    assert len(starts) == 7 * 96
    on_ten = every_slot(TEAM, THREE, 45, MONDAY, rules=TeamRules(slot_step_minutes=10), days=1)
    assert min(s.start for s in on_ten) == utc(2026, 6, 15, 6, 10)
    assert len(on_ten) == 144


def test_late_minutes_weigh_more_than_early_ones_and_the_weights_are_settings() -> None:
    slots = every_slot(TEAM, THREE, 45, MONDAY)
    # Monday 07:00 UTC: Lena 09:00 CEST and Priya 12:30 IST within, Aroha 19:00-19:45 NZST late.
    evening = at(slots, utc(2026, 6, 15, 7, 0))
    assert (cost(evening, "aroha").late, cost(evening, "aroha").early) == (45, 0)
    assert evening.inconvenience == 45 * 1.5
    # Dearer early minutes make Aroha's evening the better slot.
    rules = TeamRules(early_weight=2.0, late_weight=1.0)
    best = find_slots(TEAM, THREE, 45, MONDAY, rules=rules, limit=1)[0]
    assert best.start == utc(2026, 6, 15, 7, 0)
    assert best.inconvenience == 45.0
    assert [cost_state(c) for c in best.costs] == ["in", "in", "late"]


def test_a_meeting_across_the_end_of_the_day_is_split_into_within_and_late() -> None:
    slots = every_slot(TEAM, ["lena", "priya"], 60, MONDAY)
    # Monday 11:30 UTC: Priya 17:00-18:00 IST, 30 within and 30 late; Lena 13:30 CEST within.
    straddle = at(slots, utc(2026, 6, 15, 11, 30))
    assert straddle.within == 1
    assert (cost(straddle, "priya").late, cost(straddle, "priya").early) == (30, 0)
    assert straddle.inconvenience == 30 * 1.5


def test_the_night_is_split_half_way_not_at_midnight() -> None:
    slots = every_slot(TEAM, ["lena", "priya"], 60, MONDAY)
    # Priya ends Monday at 17:30 IST (12:00 UTC) and starts Tuesday at 09:00 IST (03:30 UTC):
    # half way is 01:15 IST (19:45 UTC). 19:00 UTC is 00:30-01:30 IST: 45 late, then 15 early.
    night = cost(at(slots, utc(2026, 6, 15, 19, 0)), "priya")
    assert (night.late, night.early, night.off_day) == (45, 15, 0)
    assert cost_state(night) == "late"
    # Before a day off the evening runs to midnight: Friday 23:30-00:30 CEST for Lena is 30
    # late minutes, then 30 of Saturday.
    friday = cost(at(slots, utc(2026, 6, 19, 21, 30)), "lena")
    assert (friday.late, friday.off_day, friday.early) == (30, 30, 0)
    # After a day off the morning starts at midnight: Monday 00:30 CEST is early.
    monday = cost(at(slots, utc(2026, 6, 21, 22, 30)), "lena")
    assert (monday.early, monday.late, monday.off_day) == (60, 0, 0)


def test_a_split_days_break_counts_as_early() -> None:
    # Priya works 09-12 and 14-18 IST: 03:30-06:30 and 08:30-12:30 UTC.
    split = (WorkSpan(540, 720), WorkSpan(840, 1080))
    priya = Person("priya", "Priya Raman", "Asia/Kolkata", hours=(split,) * 5 + ((), ()))
    data = TeamData((LENA, priya))
    slots = every_slot(data, ["lena", "priya"], 45, MONDAY)
    # In the break: 07:00 UTC is 12:30-13:15 IST.
    lunch = at(slots, utc(2026, 6, 15, 7, 0))
    assert (cost(lunch, "priya").early, cost(lunch, "priya").late) == (45, 0)
    assert lunch.inconvenience == 45.0
    # The best: both within from 08:30 UTC (Priya back at 14:00 IST, Lena 10:30 CEST).
    assert find_slots(data, ["lena", "priya"], 45, MONDAY, limit=1)[0].start == utc(
        2026, 6, 15, 8, 30
    )
    # After the second span it is late: 12:30 UTC is 18:00 IST.
    evening = at(slots, utc(2026, 6, 15, 12, 30))
    assert (cost(evening, "priya").early, cost(evening, "priya").late) == (0, 45)


def test_flexible_people_feel_a_share_of_the_pain() -> None:
    aroha = Person("aroha", "Aroha Ngata", "Pacific/Auckland", flexible=True)
    data = TeamData((LENA, PRIYA, aroha))
    best = find_slots(data, THREE, 45, MONDAY, limit=1)[0]
    # Aroha's 45 late minutes now cost 45 x 1.5 x 0.5 = 33.75, less than Lena's 45 early.
    assert best.start == utc(2026, 6, 15, 7, 0)
    assert best.inconvenience == 33.75
    assert cost(best, "aroha").pain == 33.75
    halved = find_slots(data, THREE, 45, MONDAY, rules=TeamRules(flexible_factor=0.2), limit=1)
    assert halved[0].inconvenience == pytest.approx(45 * 1.5 * 0.2)


def test_a_holiday_makes_the_whole_day_off_for_that_person() -> None:
    lena = Person(
        "lena", "Lena Hoffmann", "Europe/Berlin", holidays=(Holiday(date(2026, 6, 16), "Fest"),)
    )
    data = TeamData((lena, PRIYA, AROHA))
    slots = every_slot(data, THREE, 45, MONDAY)
    tuesday = at(slots, utc(2026, 6, 16, 3, 30))  # 05:30 CEST on Lena's holiday
    assert (cost(tuesday, "lena").off_day, cost(tuesday, "lena").early) == (45, 0)
    assert tuesday.inconvenience == 45 * 3.0
    assert cost_state(cost(tuesday, "lena")) == "off"
    # So the best moves to Wednesday's Priya+Aroha start (Lena early again: 45).
    best = find_slots(data, THREE, 45, MONDAY, limit=1)[0]
    assert best.start == utc(2026, 6, 17, 3, 30)
    assert best.inconvenience == 45.0


def test_a_weekend_is_off_for_whoever_has_reached_it() -> None:
    slots = every_slot(TEAM, THREE, 45, MONDAY)
    # Friday 19 June 20:00 UTC: Lena 22:00 Friday CEST (late), Priya 01:30 Saturday IST (off),
    # Aroha 08:00 Saturday NZST (off).
    friday = at(slots, utc(2026, 6, 19, 20, 0))
    assert [(c.early, c.late, c.off_day) for c in friday.costs] == [
        (0, 45, 0),
        (0, 0, 45),
        (0, 0, 45),
    ]
    assert friday.inconvenience == 45 * 1.5 + 2 * 45 * 3.0
    assert [c.local_start.strftime("%a %H:%M") for c in friday.costs] == [
        "Fri 22:00",
        "Sat 01:30",
        "Sat 08:00",
    ]


def test_the_eu_dst_change_moves_berlins_hours_an_hour_earlier_in_utc() -> None:
    # Friday 27 March 2026 12:00 UTC. Berlin is CET (+1) until Sunday 29 March, then CEST (+2).
    # Priya works 03:30-12:00 UTC; Lena 08:00-16:30 UTC on Friday, 07:00-15:30 UTC from Monday.
    now = utc(2026, 3, 27, 12, 0)
    best = find_slots(TeamData((LENA, PRIYA)), ["lena", "priya"], 45, now, limit=2)
    assert [s.start for s in best] == [utc(2026, 3, 30, 7, 0), utc(2026, 3, 30, 7, 15)]
    assert best[0].within == 2 and best[0].inconvenience == 0.0
    assert cost(best[0], "lena").local_start.isoformat() == "2026-03-30T09:00:00+02:00"
    # The Friday before: 07:00 UTC was 08:00 CET, early for Lena (with a 45-min meeting).
    before = every_slot(TeamData((LENA, PRIYA)), ["lena", "priya"], 45, utc(2026, 3, 27, 6, 0))
    assert cost(at(before, utc(2026, 3, 27, 7, 0)), "lena").early == 45


def test_a_night_shift_into_saturday_is_within() -> None:
    # 22:00-06:00 in UTC, Monday to Friday: Friday's shift runs into Saturday morning.
    night = Person("noor", "Noor", "UTC", work_start="22:00", work_end="06:00")
    slots = every_slot(TeamData((night,)), ["noor"], 60, utc(2026, 6, 19, 12, 0), days=2)
    assert at(slots, utc(2026, 6, 20, 4, 0)).within == 1  # Saturday 04:00: Friday's shift
    saturday = cost(at(slots, utc(2026, 6, 20, 6, 0)), "noor")  # after it: a day off
    assert (saturday.off_day, saturday.early, saturday.late) == (60, 0, 0)
    # Friday 21:00: before the shift starts on a working day.
    assert cost(at(slots, utc(2026, 6, 19, 21, 0)), "noor").early == 60


def test_a_traveller_is_judged_and_shown_in_the_zone_they_are_in() -> None:
    # Lena works from Auckland (NZST, +12) from Wednesday 17 to Friday 19 June, her own hours.
    lena = Person(
        "lena",
        "Lena Hoffmann",
        "Europe/Berlin",
        travel=(Travel(date(2026, 6, 17), date(2026, 6, 19), "Pacific/Auckland"),),
    )
    slots = every_slot(TeamData((lena, AROHA)), ["lena", "aroha"], 45, MONDAY)
    # Tuesday 21:00 UTC is Wednesday 09:00 in Auckland: both at work there.
    wednesday = at(slots, utc(2026, 6, 16, 21, 0))
    assert wednesday.within == 2
    assert cost(wednesday, "lena").local_start.isoformat() == "2026-06-17T09:00:00+12:00"
    # The day she flies she works Tuesday in Berlin until 17:30 CEST (15:30 UTC), and starts
    # Wednesday at 09:00 NZST (21:00 UTC). Her evening, up to half way (18:15 UTC), is in
    # Berlin and late; after it she is in Auckland, where it is Wednesday morning: early.
    tuesday = cost(at(slots, utc(2026, 6, 16, 14, 0)), "lena")
    assert tuesday.local_start.isoformat() == "2026-06-16T16:00:00+02:00" and tuesday.within
    evening = cost(at(slots, utc(2026, 6, 16, 16, 0)), "lena")
    assert evening.local_start.isoformat() == "2026-06-16T18:00:00+02:00"
    assert (evening.early, evening.late, evening.off_day) == (0, 45, 0)
    morning = cost(at(slots, utc(2026, 6, 16, 19, 0)), "lena")
    assert morning.local_start.isoformat() == "2026-06-17T07:00:00+12:00"
    assert (morning.early, morning.late, morning.off_day) == (45, 0, 0)
    # Monday 21:00 UTC she was still in Berlin (23:00 CEST, late).
    monday = cost(at(slots, utc(2026, 6, 15, 21, 0)), "lena")
    assert monday.local_start.isoformat() == "2026-06-15T23:00:00+02:00"
    assert monday.late == 45
    assert find_slots(TeamData((lena, AROHA)), ["lena", "aroha"], 45, MONDAY, limit=1)[
        0
    ].start == utc(2026, 6, 16, 21, 0)


def test_unknown_people_are_named_with_the_teams_ids() -> None:
    with pytest.raises(UnknownPeople) as caught:
        find_slots(TEAM, ["lena", "bob", "zed"], 30, MONDAY)
    assert caught.value.unknown == ("bob", "zed")
    assert "bob, zed" in str(caught.value)
    assert "aroha, lena, priya" in str(caught.value)
    with pytest.raises(ValueError, match="at least a minute"):
        find_slots(TEAM, THREE, 0, MONDAY)


def test_an_attendee_asked_twice_counts_once_and_no_one_means_no_slots() -> None:
    slots = find_slots(TEAM, ["lena", "lena", "priya"], 30, MONDAY, limit=1)
    assert slots[0].attendees == 2
    assert find_slots(TEAM, [], 30, MONDAY) == ()
    assert find_slots(TEAM, THREE, 30, MONDAY, days=0) == ()


# --- properties --------------------------------------------------------------------------------

ZONES = [
    "UTC", "Europe/Berlin", "America/New_York", "America/St_Johns", "Asia/Kolkata",
    "Asia/Kathmandu", "Pacific/Chatham", "Pacific/Auckland", "Asia/Jerusalem",
    "America/Los_Angeles", "Australia/Lord_Howe",
]  # fmt: skip


@st.composite
def people(draw: st.DrawFn, near: date) -> Person:
    pid = draw(st.text("abcdefgh", min_size=1, max_size=4))
    start = draw(st.integers(0, 95)) * 15
    length = draw(st.integers(1, 48)) * 15
    second = draw(st.booleans())
    spans = (WorkSpan(start, start + length),)
    if second and start + length + 60 < 1440:
        spans += (WorkSpan(start + length + 60, start + length + 120),)
    days = draw(st.lists(st.booleans(), min_size=7, max_size=7))
    hours = tuple(spans if on else () for on in days)
    travel: tuple[Travel, ...] = ()
    if draw(st.booleans()):  # a stay elsewhere around the searched days, east or west
        first = near + timedelta(days=draw(st.integers(-3, 2)))
        last = first + timedelta(days=draw(st.integers(0, 4)))
        travel = (Travel(first, last, draw(st.sampled_from(ZONES))),)
    return Person(
        pid,
        pid.upper(),
        draw(st.sampled_from(ZONES)),
        hours=hours,
        flexible=draw(st.booleans()),
        travel=travel,
    )


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[datetime, list[Person]]:
    now = draw(moments)
    team = draw(st.lists(people(now.date()), min_size=1, max_size=5, unique_by=lambda p: p.id))
    return now, team


weights = st.floats(0.1, 5.0, allow_nan=False)
rules_st = st.builds(
    TeamRules,
    slot_step_minutes=st.sampled_from([15, 30, 45, 60]),
    early_weight=weights,
    late_weight=weights,
    off_day_weight=weights,
    flexible_factor=st.floats(0.05, 1.0),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), minutes=st.integers(5, 240), rules=rules_st, seed=st.integers())
def test_inconvenience_is_zero_exactly_when_everyone_is_within(
    scenario: tuple[datetime, list[Person]], minutes: int, rules: TeamRules, seed: int
) -> None:
    now, team = scenario
    data = TeamData(tuple(team))
    ids = [p.id for p in team]
    slots = find_slots(data, ids, minutes, now, rules=rules, days=2, limit=100_000)
    by_id = {p.id: p for p in team}
    for slot in slots:
        everyone = all(c.within for c in slot.costs)
        assert (slot.inconvenience == 0) == everyone
        assert slot.within == sum(c.within for c in slot.costs)
        # The minutes add up: outside + worked (from the hours themselves) = the meeting.
        for c in slot.costs:
            worked = sum(
                hi - lo
                for lo, hi in working_intervals(
                    by_id[c.id], slot.start, slot.start + timedelta(minutes=minutes)
                )
            )
            assert c.early + c.late + c.off_day + worked == minutes
    # Ranked: most within, then least inconvenience, then earliest.
    keys = [(-s.within, s.inconvenience, s.start) for s in slots]
    assert keys == sorted(keys)
    # The same ranking whatever order the attendees are asked in.
    shuffled = ids[:]
    random.Random(seed).shuffle(shuffled)
    again = find_slots(data, shuffled, minutes, now, rules=rules, days=2, limit=100_000)
    assert [(s.start, s.within, s.inconvenience) for s in again] == [
        (s.start, s.within, s.inconvenience) for s in slots
    ]
    for one, other in zip(slots, again, strict=True):
        assert [c.id for c in other.costs] == shuffled
        assert sorted(one.costs, key=lambda c: c.id) == sorted(other.costs, key=lambda c: c.id)
        assert math.isclose(one.inconvenience, math.fsum(c.pain for c in one.costs))


def test_slot_search_over_twenty_people_and_a_week_returns_promptly() -> None:
    # Not a benchmark (benchmarks/team_slots.py is): a guard against a per-minute loop
    # creeping back in, with a bound a loaded machine meets many times over.
    import time

    zones = ZONES * 2
    team = TeamData(
        tuple(Person(f"p{i}", f"P{i}", zones[i], flexible=i % 3 == 0) for i in range(20))
    )
    started = time.perf_counter()
    slots = find_slots(team, [p.id for p in team.people], 60, MONDAY, days=7)
    assert time.perf_counter() - started < 5.0
    assert len(slots) == 20
    assert epoch_minute(slots[0].start) % 15 == 0
