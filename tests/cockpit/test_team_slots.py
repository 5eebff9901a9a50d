"""The slot finder: a Berlin, Kolkata and Auckland team at fixed clocks, every expected start and
pain worked out by hand from the zones' offsets that week (noted beside each), and properties
over random teams.

June 2026: Berlin is CEST (+2), Kolkata IST (+5:30), Auckland NZST (+12). With 09:00-17:30 days:
Lena works 07:00-15:30 UTC, Priya 03:30-12:00 UTC, Aroha 21:00-05:30 UTC (the next NZ date).
Lena and Aroha never overlap; Priya overlaps Aroha 03:30-05:30 and Lena 07:00-12:00 UTC.
The default night is 22:00-07:00 on each person's clock: Lena's is 20:00-05:00 UTC, Priya's
16:30-01:30 UTC, Aroha's 10:00-19:00 UTC. A minute outside hours costs early 1.0, late 1.5 or
day off 3.0, and 2.0 more when it is in the night.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cockpit.analytics.team_hours import epoch_minute, working_intervals
from cockpit.analytics.team_slots import UnknownPeople, cost_state, find_slots
from cockpit.analytics.team_views import PersonCost, Slot, TeamRules, parse_night
from cockpit.models import Holiday, Person, TeamData, TimeOff, Travel, WorkSpan


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
    # No start has all three within. Two within: Priya+Aroha from 03:30 to 04:45 UTC (Lena
    # early, x1.0) or Lena+Priya from 07:00 UTC (Aroha late, x1.5). Lena's morning before
    # 07:00 CEST (05:00 UTC) is her night (+2.0 a minute); Aroha's evening before 22:00 NZST
    # (10:00 UTC) is not. Priya+Aroha's cheapest is 04:45 UTC (Lena 06:45-07:30 CEST: 45 early,
    # 15 of them at night: 45 + 30 = 75); Lena+Priya's is any start from 07:00 to 09:15 UTC
    # (Aroha 19:00 NZST on, 45 late: 67.5). So Monday 07:00 UTC, the first such start after now
    # (06:07), and the quarter hours after it. (Before the night was counted, Tuesday 03:30
    # UTC won with 45: Lena's 05:30 call, which now costs 135, below.)
    best = find_slots(TEAM, THREE, 45, MONDAY, limit=3)
    assert [s.start for s in best] == [
        utc(2026, 6, 15, 7, 0),
        utc(2026, 6, 15, 7, 15),
        utc(2026, 6, 15, 7, 30),
    ]
    first = best[0]
    assert (first.within, first.attendees, first.minutes) == (2, 3, 45)
    assert first.inconvenience == 67.5
    assert [c.id for c in first.costs] == THREE  # the order asked
    lena, priya, aroha = first.costs
    assert (aroha.early, aroha.late, aroha.off_day, aroha.night, aroha.pain) == (0, 45, 0, 0, 67.5)
    assert lena.within and priya.within and lena.pain == priya.pain == 0.0
    # Each attendee's own clock that day.
    assert lena.local_start.isoformat() == "2026-06-15T09:00:00+02:00"
    assert priya.local_start.isoformat() == "2026-06-15T12:30:00+05:30"
    assert aroha.local_start.isoformat() == "2026-06-15T19:00:00+12:00"
    assert [cost_state(c) for c in first.costs] == ["in", "in", "late"]
    # The Priya+Aroha starts: Lena 05:30 CEST (45 early, all at night: 45 + 90), 06:30 (30 of
    # them at night: 45 + 60), 06:45 (45 + 30).
    slots = every_slot(TEAM, THREE, 45, MONDAY)
    tuesday = at(slots, utc(2026, 6, 16, 3, 30))
    lena = cost(tuesday, "lena")
    assert (lena.early, lena.late, lena.off_day, lena.night, lena.pain) == (45, 0, 0, 45, 135.0)
    assert lena.local_start.isoformat() == "2026-06-16T05:30:00+02:00"
    assert cost(tuesday, "priya").local_start.isoformat() == "2026-06-16T09:00:00+05:30"
    assert cost(tuesday, "aroha").local_start.isoformat() == "2026-06-16T15:30:00+12:00"
    assert [cost_state(c) for c in tuesday.costs] == ["early", "in", "in"]
    assert at(slots, utc(2026, 6, 16, 4, 30)).inconvenience == 105.0
    assert at(slots, utc(2026, 6, 16, 4, 45)).inconvenience == 75.0


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
    # Dearer late minutes make Lena's morning the better one: Aroha's evening costs 45 x 3.0,
    # Lena's 06:45 CEST (Tuesday 04:45 UTC) 45 x 1.0 + 15 x 2.0 at night.
    best = find_slots(TEAM, THREE, 45, MONDAY, rules=TeamRules(late_weight=3.0), limit=1)[0]
    assert (best.start, best.inconvenience) == (utc(2026, 6, 16, 4, 45), 75.0)
    # Without the night's extra, Lena's 05:30 is the cheapest again (45 early: 45).
    best = find_slots(TEAM, THREE, 45, MONDAY, rules=TeamRules(night_weight=0), limit=1)[0]
    assert (best.start, best.inconvenience) == (utc(2026, 6, 16, 3, 30), 45.0)
    assert cost(best, "lena").night == 45  # still counted, at no extra cost


def test_a_meeting_across_the_end_of_the_day_is_split_into_within_and_late() -> None:
    slots = every_slot(TEAM, ["lena", "priya"], 60, MONDAY)
    # Monday 11:30 UTC: Priya 17:00-18:00 IST, 30 within and 30 late; Lena 13:30 CEST within.
    straddle = at(slots, utc(2026, 6, 15, 11, 30))
    assert straddle.within == 1
    assert (cost(straddle, "priya").late, cost(straddle, "priya").early) == (30, 0)
    assert cost(straddle, "priya").night == 0  # 17:30-18:00 IST: before her night
    assert straddle.inconvenience == 30 * 1.5


def test_the_night_is_split_half_way_not_at_midnight() -> None:
    slots = every_slot(TEAM, ["lena", "priya"], 60, MONDAY)
    # Priya ends Monday at 17:30 IST (12:00 UTC) and starts Tuesday at 09:00 IST (03:30 UTC):
    # half way is 01:15 IST (19:45 UTC). 19:00 UTC is 00:30-01:30 IST: 45 late, then 15 early.
    night = cost(at(slots, utc(2026, 6, 15, 19, 0)), "priya")
    assert (night.late, night.early, night.off_day, night.night) == (45, 15, 0, 60)
    assert night.pain == 45 * 1.5 + 15 * 1.0 + 60 * 2.0  # every minute in her night
    assert cost_state(night) == "late"
    # Before a day off the evening runs to midnight: Friday 23:30-00:30 CEST for Lena is 30
    # late minutes, then 30 of Saturday; all of it at night.
    friday = cost(at(slots, utc(2026, 6, 19, 21, 30)), "lena")
    assert (friday.late, friday.off_day, friday.early, friday.night) == (30, 30, 0, 60)
    # After a weekend the morning starts at midnight: Monday 00:30 CEST is early.
    monday = cost(at(slots, utc(2026, 6, 21, 22, 30)), "lena")
    assert (monday.early, monday.late, monday.off_day, monday.night) == (60, 0, 0, 60)


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


# --- the night, and the night after a day off -----------------------------------------------


def test_a_call_at_one_in_the_morning_costs_more_than_one_at_eight() -> None:
    # Lena alone: two 60-minute calls, each an hour outside her hours.
    slots = every_slot(TeamData((LENA,)), ["lena"], 60, MONDAY)
    # Tuesday 08:00 CEST (06:00 UTC): 60 early minutes, after her night: 60.
    eight = cost(at(slots, utc(2026, 6, 16, 6, 0)), "lena")
    assert (eight.early, eight.late, eight.night, eight.pain) == (60, 0, 0, 60.0)
    # Tuesday 01:00 CEST (Monday 23:00 UTC): Monday ended at 17:30 and Tuesday starts at 09:00,
    # so the night splits at 01:15: 15 late and 45 early minutes, all 60 in her night:
    # 15 x 1.5 + 45 x 1.0 + 60 x 2.0 = 187.5 (without the night: 67.5, about as much as 08:00).
    one = cost(at(slots, utc(2026, 6, 15, 23, 0)), "lena")
    assert (one.early, one.late, one.night, one.pain) == (45, 15, 60, 187.5)
    assert one.early + one.late == eight.early + eight.late  # as many minutes outside


def test_the_night_and_its_weight_are_settings() -> None:
    rules = TeamRules(night="00:00-06:00", night_weight=4.0)
    slots = every_slot(TeamData((LENA,)), ["lena"], 60, MONDAY, rules=rules)
    # Monday 23:00 CEST (21:00 UTC): late, before this night: 60 x 1.5.
    late = cost(at(slots, utc(2026, 6, 15, 21, 0)), "lena")
    assert (late.late, late.night, late.pain) == (60, 0, 90.0)
    # Tuesday 05:30-06:30 CEST (03:30 UTC): 60 early, 30 of them in this night: 60 + 30 x 4.0.
    dawn = cost(at(slots, utc(2026, 6, 16, 3, 30)), "lena")
    assert (dawn.early, dawn.night, dawn.pain) == (60, 30, 180.0)


def test_the_night_is_on_the_wall_clock_across_a_dst_change() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST becomes 02:00 CET). On
    # Monday 26 October, 06:00-07:00 CET is 05:00-06:00 UTC: early, and all of it before 07:00
    # on her clock (with the summer offset it would be 07:00-08:00, outside the night).
    slots = every_slot(TeamData((LENA,)), ["lena"], 60, utc(2026, 10, 23, 12, 0), days=4)
    monday = cost(at(slots, utc(2026, 10, 26, 5, 0)), "lena")
    assert monday.local_start.isoformat() == "2026-10-26T06:00:00+01:00"
    assert (monday.early, monday.night) == (60, 60)
    # The night of the change lasts ten hours, 22:00 CEST to 07:00 CET: on Sunday 06:00 CET
    # (05:00 UTC) is in it, 07:00 CET (06:00 UTC) is not.
    assert cost(at(slots, utc(2026, 10, 25, 5, 0)), "lena").night == 60
    assert cost(at(slots, utc(2026, 10, 25, 6, 0)), "lena").night == 0
    assert cost(at(slots, utc(2026, 10, 24, 19, 30)), "lena").night == 30  # from 22:00 CEST


def test_the_night_after_a_holiday_is_split_as_after_a_working_day() -> None:
    # Priya's Monday 15 June is a public holiday. Her regular Monday ends at 17:30 IST (12:00
    # UTC) and Tuesday starts at 09:00 IST (03:30 UTC), so the night splits half way, at 01:15
    # IST (19:45 UTC), as after any Monday: 00:30 IST is a late call, not a mild early one.
    holiday = (Holiday(date(2026, 6, 15), "Regional holiday"),)
    priya = Person("priya", "Priya Raman", "Asia/Kolkata", holidays=holiday)
    off = every_slot(TeamData((priya,)), ["priya"], 45, MONDAY)
    plain = every_slot(TeamData((PRIYA,)), ["priya"], 45, MONDAY)
    # 00:30-01:15 IST (19:00 UTC): 45 late minutes in her night: 45 x 1.5 + 45 x 2.0.
    after = cost(at(off, utc(2026, 6, 15, 19, 0)), "priya")
    assert (after.early, after.late, after.off_day, after.night) == (0, 45, 0, 45)
    assert (after.pain, cost_state(after)) == (157.5, "late")
    # 01:15 IST (19:45 UTC): 45 early minutes in her night: 45 + 90.
    assert cost(at(off, utc(2026, 6, 15, 19, 45)), "priya").pain == 135.0
    # Every start of that night, Tuesday 00:00 to 09:00 IST, costs what it would after a
    # working Monday.
    tuesday = utc(2026, 6, 15, 18, 30)
    for n in range(9 * 4):
        when = tuesday + timedelta(minutes=15 * n)
        assert cost(at(off, when), "priya") == cost(at(plain, when), "priya"), when
    # The holiday itself is a day off to its midnight: 23:00 IST (17:30 UTC) on Monday.
    evening = cost(at(off, utc(2026, 6, 15, 17, 30)), "priya")
    assert (evening.off_day, evening.late, evening.night) == (45, 0, 45)


def test_time_off_and_a_sunday_to_thursday_week_split_their_nights_the_same_way() -> None:
    # Noa works Sunday to Thursday, 09:00-18:00 in Tel Aviv (IDT, +3 in June: 06:00-15:00 UTC),
    # and takes Sunday 14 June off. Her regular Sunday ends at 18:00 and Monday starts at
    # 09:00: the split is at 01:30 IDT. Monday 00:30 IDT (Sunday 21:30 UTC) is 45 late
    # minutes, in her night.
    week = tuple((WorkSpan(540, 1080),) if day in (6, 0, 1, 2, 3) else () for day in range(7))
    leave = (TimeOff(date(2026, 6, 14), date(2026, 6, 14), "leave"),)
    noa = Person("noa", "Noa Levi", "Asia/Jerusalem", hours=week, time_off=leave)
    slots = every_slot(TeamData((noa,)), ["noa"], 45, utc(2026, 6, 13, 12, 0), days=9)
    monday = cost(at(slots, utc(2026, 6, 14, 21, 30)), "noa")
    assert (monday.early, monday.late, monday.off_day, monday.night) == (0, 45, 0, 45)
    # Her weekend keeps the weekend's rule: the evening before runs to midnight (Thursday
    # 23:30 IDT: 30 late, then 15 of Friday), and the morning after starts at midnight
    # (Sunday 21 June 00:30 IDT: 45 early).
    thursday = cost(at(slots, utc(2026, 6, 18, 20, 30)), "noa")
    assert (thursday.late, thursday.off_day, thursday.night) == (30, 15, 45)
    sunday = cost(at(slots, utc(2026, 6, 20, 21, 30)), "noa")
    assert (sunday.early, sunday.late, sunday.off_day, sunday.night) == (45, 0, 0, 45)


def test_after_priyas_holiday_the_best_slots_leave_her_the_start_of_the_night() -> None:
    # Like the demo on Monday 30 November 2026: Priya's Monday is a public holiday; Lena works
    # from New York 08:00-16:30 EST (13:00-21:30 UTC), Aroha from Auckland 08:00-16:30 NZDT
    # (19:00-03:30 UTC). Only Lena and Aroha ever overlap, 19:00-21:30 UTC, which is 00:30-
    # 03:00 IST, all in Priya's night, split at 01:15 IST (19:45 UTC), Monday's night too:
    # 19:00 UTC is 45 late (157.5), 19:15 30 late + 15 early (150), 19:30 15 late + 30 early
    # (142.5), 19:45 to 20:45 45 early (45 + 90 = 135). So the best five are Monday's 19:45
    # to 20:45 UTC (01:15 to 02:15 IST). Before, her night after the holiday was all early
    # and not weighed: the best five were 00:30 to 01:30 IST at 45 each.
    now = utc(2026, 11, 30, 8, 41)
    holiday = (Holiday(date(2026, 11, 30), "Regional holiday"),)
    priya = Person("priya", "Priya Raman", "Asia/Kolkata", holidays=holiday)
    lena = Person("lena", "Lena", "America/New_York", work_start="08:00", work_end="16:30")
    aroha = Person("aroha", "Aroha", "Pacific/Auckland", work_start="08:00", work_end="16:30")
    data = TeamData((priya, lena, aroha))
    best = find_slots(data, ["priya", "lena", "aroha"], 45, now, limit=5)
    assert [s.start for s in best] == [utc(2026, 11, 30, 20, 0) + timedelta(minutes=m)
                                       for m in (-15, 0, 15, 30, 45)]  # fmt: skip
    for slot in best:
        (mine, _, _) = slot.costs
        assert (slot.within, slot.inconvenience) == (2, 135.0)
        assert (mine.early, mine.late, mine.night) == (45, 0, 45)
    assert best[0].costs[0].local_start.isoformat() == "2026-12-01T01:15:00+05:30"
    monday = every_slot(data, ["priya", "lena", "aroha"], 45, now)
    pains = [at(monday, utc(2026, 11, 30, 19, m)).inconvenience for m in (0, 15, 30)]
    assert pains == [157.5, 150.0, 142.5]


def test_a_holiday_makes_the_whole_day_off_for_that_person() -> None:
    lena = Person(
        "lena", "Lena Hoffmann", "Europe/Berlin", holidays=(Holiday(date(2026, 6, 16), "Fest"),)
    )
    data = TeamData((lena, PRIYA, AROHA))
    slots = every_slot(data, THREE, 45, MONDAY)
    tuesday = at(slots, utc(2026, 6, 16, 3, 30))  # 05:30 CEST on Lena's holiday
    assert (cost(tuesday, "lena").off_day, cost(tuesday, "lena").early) == (45, 0)
    # All 45 minutes are in her night too (before 07:00 CEST): 45 x 3.0 + 45 x 2.0.
    assert cost(tuesday, "lena").night == 45
    assert tuesday.inconvenience == 45 * 3.0 + 45 * 2.0
    assert cost_state(cost(tuesday, "lena")) == "off"
    # So the best Priya+Aroha start moves from Tuesday 04:45 UTC (06:45-07:30 CEST: now 45
    # off, 15 at night: 165) to Wednesday's (45 early, 15 at night: 75). (Before the night was
    # counted: from Tuesday to Wednesday 03:30 UTC, at 45.)
    assert at(slots, utc(2026, 6, 16, 4, 45)).inconvenience == 45 * 3.0 + 15 * 2.0
    priya_and_aroha = [s for s in slots if [c.within for c in s.costs] == [False, True, True]]
    best = min(priya_and_aroha, key=lambda s: (s.inconvenience, s.start))
    assert (best.start, best.inconvenience) == (utc(2026, 6, 17, 4, 45), 75.0)


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
    # Lena's 22:00 and Priya's 01:30 are in their nights (2.0 more a minute); Aroha's 08:00
    # is not. (Before the night was counted: 45 x 1.5 + 2 x 45 x 3.0.)
    assert [c.night for c in friday.costs] == [45, 45, 0]
    assert friday.inconvenience == 45 * (1.5 + 2.0) + 45 * (3.0 + 2.0) + 45 * 3.0
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
    assert (saturday.off_day, saturday.early, saturday.late, saturday.night) == (60, 0, 0, 60)
    # Friday 21:00: before the shift starts on a working day (and before the night).
    friday = cost(at(slots, utc(2026, 6, 19, 21, 0)), "noor")
    assert (friday.early, friday.night, friday.pain) == (60, 0, 60.0)
    # Her shift lies in the night, and costs nothing: a night minute costs more only outside
    # hours.
    shift = at(slots, utc(2026, 6, 19, 23, 0))
    assert (shift.within, shift.inconvenience, shift.costs[0].night) == (1, 0.0, 0)


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
    assert (monday.late, monday.night) == (45, 45)
    # Her night is on the clock of where she is: Tuesday 19:00 UTC is 07:00 NZST (not night),
    # 16:00 UTC is 18:00 CEST (not yet). A call at 18:00 UTC starts in Berlin at 20:00 CEST (15
    # late minutes, not at night) and goes on in Auckland from 18:15 UTC, 06:15 NZST (30 early
    # minutes, in her night there).
    assert (morning.night, evening.night) == (0, 0)
    crossing = cost(at(slots, utc(2026, 6, 16, 18, 0)), "lena")
    assert crossing.local_start.isoformat() == "2026-06-16T20:00:00+02:00"
    assert (crossing.late, crossing.early, crossing.night) == (15, 30, 30)
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
# Any night of two different clock times: most cross midnight, some do not.
nights = st.tuples(st.integers(0, 1439), st.integers(0, 1439)).filter(lambda t: t[0] != t[1])
rules_st = st.builds(
    TeamRules,
    slot_step_minutes=st.sampled_from([15, 30, 45, 60]),
    early_weight=weights,
    late_weight=weights,
    off_day_weight=weights,
    night=nights.map(
        lambda t: f"{t[0] // 60:02d}:{t[0] % 60:02d}-{t[1] // 60:02d}:{t[1] % 60:02d}"
    ),
    night_weight=st.floats(0.0, 5.0, allow_nan=False),
    flexible_factor=st.floats(0.05, 1.0),
)


def night_minutes(person: Person, start: datetime, minutes: int, night: str) -> int | None:
    """The meeting's minutes outside the person's hours whose wall clock lies in the night,
    minute by minute; None when the zone changes its offset near the meeting (a night's end
    in a DST gap is placed as working hours are, by zoneinfo's fold=0, not minute by minute)."""
    tz = ZoneInfo(person.timezone)
    margin = timedelta(hours=26)
    if (start - margin).astimezone(tz).utcoffset() != (start + margin).astimezone(tz).utcoffset():
        return None
    lo, hi = parse_night(night)
    end = start + timedelta(minutes=minutes)
    worked = working_intervals(person, start, end)
    count = 0
    for n in range(minutes):
        minute = epoch_minute(start) + n
        if any(a <= minute < b for a, b in worked):
            continue
        local = (start + timedelta(minutes=n)).astimezone(tz)
        clock = local.hour * 60 + local.minute
        count += lo <= clock < hi or lo <= clock + 1440 < hi
    return count


NIGHT_SHIFT = Person(
    "noor", "NOOR", "Europe/Berlin", hours=((WorkSpan(1320, 1800),),) * 5 + ((), ())
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), minutes=st.integers(5, 240), rules=rules_st, seed=st.integers())
@example(  # a night shift worker, whose hours lie in the night, with an office worker
    scenario=(utc(2026, 3, 27, 12, 0), [NIGHT_SHIFT, LENA]),
    minutes=90,
    rules=TeamRules(night="22:00-07:00", night_weight=5.0),
    seed=1,
)
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
            # Night minutes are some of the minutes outside hours, on the person's own clock.
            assert 0 <= c.night <= c.early + c.late + c.off_day
            weighed = (
                c.early * rules.early_weight
                + c.late * rules.late_weight
                + c.off_day * rules.off_day_weight
                + c.night * rules.night_weight
            )
            factor = rules.flexible_factor if by_id[c.id].flexible else 1.0
            assert math.isclose(c.pain, weighed * factor, abs_tol=1e-9)
    # Minute by minute, in eight slots spread over the days (the rest by the same pieces).
    for slot in slots[:: max(1, len(slots) // 8)]:
        for c in slot.costs:
            if not by_id[c.id].travel:
                expected = night_minutes(by_id[c.id], slot.start, minutes, rules.night)
                assert expected is None or c.night == expected, (slot.start, c, expected)
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
