"""The team screen, clock frozen (Monday 23 Nov 2026, 09:30 UTC; the lead in Berlin, 10:30).

Most tests use a bare host app that shows the screen fed a hand-built dashboard: the summary's
heat map, windows and handover chain are written out below, so those pictures change only
when the screen does. The slot finder and the fairness ledger run the real analytics on the
hand-built team (on the screen's worker threads). The last tests open the screen from the demo
app's Team panel, as a user does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import SelectionList

from cockpit.analytics.freshness import Freshness, SourceState
from cockpit.analytics.team_views import (
    DayMark,
    DayOverlap,
    Handover,
    OverlapWindow,
    PersonNow,
    TeamRules,
    TeamSummary,
)
from cockpit.dashboard import AreaInputs, Dashboard
from cockpit.models import Meeting, Person, TeamData, TimeOff, WorkSpan
from cockpit.screens.team import TeamScreen
from tests.conftest import FROZEN_NOW
from tests.widgets.test_team_panel import crowd
from widgets.cost_table import CostTable
from widgets.panel import ALL_ROWS, Part, stack
from widgets.team_heatmap import TeamHeatMap, heat_rows
from widgets.team_panel import TeamPanel
from widgets.team_people import TeamPeople
from widgets.team_slots import SlotTable

LEAD = "Europe/Berlin"
BERLIN = ZoneInfo(LEAD)
MONDAY = date(2026, 11, 23)


def _span(start: str, end: str) -> tuple[WorkSpan, ...]:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return (WorkSpan(h1 * 60 + m1, h2 * 60 + m2),)


MON_FRI = lambda start, end: (*(_span(start, end),) * 5, (), ())  # noqa: E731
SUN_THU = lambda start, end: (*(_span(start, end),) * 4, (), (), _span(start, end))  # noqa: E731

# Six people over five zones; one name holds markup, which must be shown as typed.
PEOPLE = (
    Person("maya", "Maya Chen", "America/Los_Angeles", location="San Francisco",
           hours=MON_FRI("09:00", "17:30"), email="maya@example.com"),
    Person("tomas", "Tomás [bold]Ruiz[/]", "Europe/London", location="London",
           hours=MON_FRI("09:00", "17:30"), time_off=(TimeOff(date(2026, 11, 27),
                                                             date(2026, 11, 27), "dentist"),)),
    Person("lena", "Lena Hoffmann", "Europe/Berlin", location="Berlin",
           hours=MON_FRI("09:00", "17:30"), email="lena@example.com"),
    Person("noa", "Noa Levi", "Asia/Jerusalem", location="Tel Aviv",
           hours=SUN_THU("09:00", "18:00")),
    Person("priya", "Priya Raman", "Asia/Kolkata", location="Bangalore",
           hours=MON_FRI("09:00", "17:30"), flexible=True),
    Person("sita", "Sita Gurung", "Asia/Kathmandu", location="Kathmandu",
           hours=SUN_THU("10:00", "18:00")),
)  # fmt: skip

# A weekly sync the lead recorded: 17:00 Berlin on Tuesdays, late for Bangalore and Kathmandu.
MEETINGS = tuple(
    Meeting(
        "Weekly sync",
        datetime(2026, 11, 17, 16, 0, tzinfo=UTC) - timedelta(weeks=n),
        60,
        ("lena", "priya", "sita", "noa"),
        series="weekly-sync",
    )
    for n in range(4)
)
TEAM = TeamData(PEOPLE, MEETINGS)

# Each person's working hours in the lead's time (Berlin, UTC+1 in November), per weekday,
# as (start, end) minutes after Berlin midnight; Maya's evening runs past midnight.
LEAD_HOURS = {
    "maya": {d: [(18 * 60, 24 * 60)] for d in range(5)} | {d: [(0, 150)] for d in range(1, 6)},
    "tomas": {d: [(600, 1110)] for d in range(5) if d != 4},  # Friday off
    "lena": {d: [(540, 1050)] for d in range(5)},
    "noa": {d: [(480, 1020)] for d in (0, 1, 2, 3, 6)},
    "priya": {d: [(270, 780)] for d in range(5)},
    "sita": {d: [(315, 795)] for d in (0, 1, 2, 3, 6)},
}
ORDER = ("maya", "tomas", "lena", "noa", "priya", "sita")


def lead_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)


def working(person: str, weekday: int, half: int) -> bool:
    start, end = half * 30, half * 30 + 30
    return any(a <= start and end <= b for a, b in LEAD_HOURS[person].get(weekday, []))


def day_overlap(day: date) -> tuple[tuple[int, ...], DayOverlap]:
    """The day's counts per half hour and its best window (the longest stretch with the most
    people), by the definitions the screen draws."""
    weekday = day.weekday()
    counts = tuple(sum(working(p, weekday, h) for p in ORDER) for h in range(48))
    most = max(counts)
    best = None
    if most >= 2:
        runs: list[tuple[int, int]] = []
        h = 0
        while h < 48:
            if counts[h] == most:
                first = h
                who = [p for p in ORDER if working(p, weekday, h)]
                while (
                    h < 48
                    and counts[h] == most
                    and [p for p in ORDER if working(p, weekday, h)] == who
                ):
                    h += 1
                runs.append((first, h))
            else:
                h += 1
        first, last = max(runs, key=lambda r: r[1] - r[0])
        midnight = lead_midnight(day)
        people = tuple(p for p in ORDER if working(p, weekday, first))
        best = OverlapWindow(
            midnight + timedelta(minutes=first * 30),
            midnight + timedelta(minutes=last * 30),
            people,
        )
    return counts, DayOverlap(day, (best,) if best else (), best)


def person_now(p: Person, state: str, detail: str = "") -> PersonNow:
    local = FROZEN_NOW.astimezone(ZoneInfo(p.timezone))
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return PersonNow(
        p.id, p.name, "", p.location, p.timezone, local,
        f"{sign}{minutes // 60:02d}:{minutes % 60:02d}", state, detail,
        ribbon=tuple(LEAD_HOURS[p.id].get(0, [])), zone_source="roster",
        marks=(DayMark(0, 0, "weekend"),) if state == "weekend" else (),
    )  # fmt: skip


def sample_summary() -> TeamSummary:
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    heat, week = zip(*(day_overlap(d) for d in days), strict=True)
    states = {"maya": "after", "tomas": "working", "lena": "working", "noa": "working",
              "priya": "working", "sita": "working"}  # fmt: skip
    at = lambda h, m=0: lead_midnight(MONDAY) + timedelta(hours=h, minutes=m)  # noqa: E731
    handover = (
        Handover("sita", at(10, 30), at(13, 15)),
        Handover("noa", at(13, 15), at(17, 0)),
        Handover("tomas", at(17, 0), at(18, 30)),
        Handover("maya", at(18, 30), at(26, 30)),
        Handover("priya", at(28, 30), at(34, 30), gap_before=120),
    )
    best_today = week[0].best
    return TeamSummary(
        people=tuple(person_now(p, states[p.id]) for p in PEOPLE),
        working_now=5,
        zones=6,
        lead_zone=LEAD,
        min_people=5,  # [team] min_people = 0: today's most
        best_overlap=best_today,
        next_online=None,
        day_start=lead_midnight(MONDAY),
        day_minutes=1440,
        now_minute=10 * 60 + 30,
        band=(),
        week=tuple(week),
        heat=tuple(heat),
        handover=handover,
    )


def dashboard_with(
    summary: TeamSummary | None, data: TeamData | None, *, minutes_later: int = 0
) -> Dashboard:
    """A dashboard holding only the team, read from the roster four minutes ago."""
    taken = FROZEN_NOW - timedelta(minutes=4)
    state = SourceState("roster", "roster-file", Freshness.FRESH, taken, 240.0)
    return Dashboard(
        now=FROZEN_NOW + timedelta(minutes=minutes_later),
        offline=False,
        sources=(state,),
        areas={"team": AreaInputs((state,))},
        sprint=None,
        experiments=None,
        okrs=None,
        cost=None,
        team=summary,
        team_data=data,
        team_rules=TeamRules(),
        lead_zone=LEAD,
    )


class Host(App[None]):
    """The screen alone, fed as the app feeds it."""

    def __init__(self, summary: TeamSummary | None, data: TeamData | None, *,
                 tab: str = "overlap") -> None:  # fmt: skip
        super().__init__()
        self.dashboard = dashboard_with(summary, data)
        self.tab = tab

    def on_mount(self) -> None:
        self.push_screen(Screen())  # what Escape goes back to
        self.push_screen(TeamScreen(self.dashboard, tab=self.tab))


def sample_host(tab: str = "overlap") -> Host:
    return Host(sample_summary(), TEAM, tab=tab)


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for a worker's answer: generous, it only proves the answer comes."""
    for _ in range(int(seconds / 0.05)):
        if done():
            break
        await pilot.pause(0.05)
    assert done()
    await settle(pilot)


def screen_of(pilot: Pilot) -> TeamScreen:
    screen = pilot.app.screen
    assert isinstance(screen, TeamScreen)
    return screen


async def pick(pilot: Pilot, *ids: str) -> None:
    """Tick people in the slot finder's list, as space on each does."""
    people = pilot.app.screen.query_one("#slot-people", SelectionList)
    people.focus()
    for person in ids:
        index = next(n for n in range(people.option_count)
                     if people.get_option_at_index(n).value == person)  # fmt: skip
        people.highlighted = index
        await pilot.press("space")


def ranked(screen: TeamScreen, count: int = 2) -> Callable[[], bool]:
    return lambda: screen.ranked_for is not None and len(screen.ranked_for[0]) == count


# --- pictures ----------------------------------------------------------------------------


def test_team_screen_overlap(snap_compare) -> None:
    """The week as a heat map in Berlin time, each day's best window beside it."""
    assert snap_compare(sample_host(), terminal_size=(150, 24), run_before=settle)


def test_team_screen_overlap_narrow(snap_compare) -> None:
    """At 80 columns a half hour is one cell and the best window's words are cut to fit."""
    assert snap_compare(sample_host(), terminal_size=(80, 24), run_before=settle)


def test_team_screen_slots(snap_compare) -> None:
    """Three people picked, 60 minutes: the ranked slots with each one's local time."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pick(pilot, "lena", "priya", "maya")
        await until(pilot, ranked(screen_of(pilot), 3))
        screen_of(pilot).query_one(SlotTable).focus()
        await settle(pilot)

    assert snap_compare(sample_host("slots"), terminal_size=(150, 30), run_before=run)


def test_team_screen_fairness(snap_compare) -> None:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await until(pilot, lambda: screen_of(pilot).fairness_view is not None)

    assert snap_compare(sample_host("fairness"), terminal_size=(120, 24), run_before=run)


def test_team_screen_handover(snap_compare) -> None:
    assert snap_compare(sample_host("handover"), terminal_size=(110, 20), run_before=settle)


def test_team_screen_without_data(snap_compare) -> None:
    assert snap_compare(Host(None, None), terminal_size=(100, 16), run_before=settle)


def test_team_screen_three_hundred_people(snap_compare) -> None:
    """The People tab at 300 people: the frame stays put around the rows, which scroll."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("pagedown")
        await pilot.pause(0.5)  # the scroll's animation
        await settle(pilot)

    assert snap_compare(Host(crowd(300), None, tab="people"), terminal_size=(120, 30),
                        run_before=run)  # fmt: skip


# --- what the heat map says --------------------------------------------------------------


def test_heat_rows_read_the_week_in_the_lead_zone() -> None:
    rows = heat_rows(sample_summary())
    assert [r.label for r in rows][:2] == ["Mon 23 Nov", "Tue 24 Nov"]
    monday = rows[0]
    # Lena, Tomás, Noa, Priya and Sita all work 10:00–13:00 Berlin; the best window's cells
    # are exactly those half hours, and today's now-marker is 10:30.
    assert monday.note == "10:00–13:00 · 5 people: Tomás, Lena, Noa, Priya, Sita"
    assert (monday.best.start, monday.best.stop) == (20, 26)
    assert monday.now == 21
    assert rows[1].now is None
    assert rows[5].note == "no window"  # Saturday: Maya's small hours alone


def test_a_day_the_lead_s_clocks_change_says_so() -> None:
    """1 Nov 2026 in New York has 25 hours: 50 half hours, and the best window's cells are
    counted in elapsed time from midnight (02:00 is the sixth half hour after the change)."""
    zone = ZoneInfo("America/New_York")
    day = date(2026, 11, 1)
    midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    best = OverlapWindow(
        midnight + timedelta(hours=3), midnight + timedelta(hours=4), ("maya", "lena")
    )
    counts = tuple(2 if 6 <= n < 8 else 0 for n in range(50))
    summary = TeamSummary(
        people=(), working_now=0, zones=0, lead_zone="America/New_York", min_people=2,
        best_overlap=None, week=(DayOverlap(day, (best,), best),), heat=(counts,),
        now_minute=0,
    )  # fmt: skip
    (row,) = heat_rows(summary)
    # Three elapsed hours after midnight is 02:00 on the wall clock (01:00 came twice).
    assert row.note == "02:00–03:00 · 2 people: maya, lena · 25 h day"
    assert (row.best.start, row.best.stop) == (6, 8)


async def test_only_the_rows_on_screen_are_drawn() -> None:
    """A 28-day week in a short terminal: the heat map draws the lines it shows, not all."""
    summary = sample_summary()
    days = [MONDAY + timedelta(days=n) for n in range(28)]
    heat, week = zip(*(day_overlap(d) for d in days), strict=True)
    import msgspec

    long = msgspec.structs.replace(summary, week=tuple(week), heat=tuple(heat))
    async with Host(long, TEAM).run_test(size=(120, 16)) as pilot:
        await settle(pilot)
        heatmap = pilot.app.screen.query_one(TeamHeatMap)
        assert len(heatmap.rows) == 28
        assert 0 < heatmap.redraws < 28


# --- the People tab at 300 people ----------------------------------------------------------


def _count_person_rows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every person's row made (their state, time, name): the ids, in order."""
    made: list[str] = []
    person_parts = TeamPanel._person_parts

    def counted(self: TeamPanel, person: PersonNow, who: int, state: int) -> list[Part]:
        made.append(person.id)
        return person_parts(self, person, who, state)

    monkeypatch.setattr(TeamPanel, "_person_parts", counted)
    return made


async def test_the_people_tab_draws_only_the_rows_on_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """300 people in a 30-line terminal: opening the tab makes the rows it shows, once each,
    not 300 rows and ribbons (five times over: it used to take a second at this size)."""
    made = _count_person_rows(monkeypatch)
    async with Host(crowd(300), None, tab="people").run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        people = pilot.app.screen.query_one("#team-people", TeamPeople)
        shown = people.scrollable_content_region.height
        assert 10 < shown < 30
        assert people.max_scroll_y > 250  # everyone is there to scroll to
        assert 0 < len(made) <= shown  # the header rows are not people
        assert len(set(made)) == len(made)  # each person's row made once
        assert 0 < people.redraws <= shown  # each line drawn once: no second paint
        assert pilot.app.focused is people  # focused before that paint, not after it

        # A page down makes the next page's rows, not the rest of the team's.
        before = len(made)
        await pilot.press("pagedown")
        await pilot.pause(0.5)  # the scroll's animation
        await settle(pilot)
        assert people.scroll_offset.y >= shown - 2
        assert 0 < len(made) - before <= shown + 2


def _whole(people: TeamPeople) -> list[Strip]:
    """The lines of what the panel drew as one block, at the list's width."""
    width = people.scrollable_content_region.width
    body = stack(people.render_body(width, ALL_ROWS))
    return Visual.to_strips(people, body, width, None, people.visual_style)


async def _scrolled_to(pilot: Pilot, people: TeamPeople, offset: int) -> list[Strip]:
    """The lines on screen once the list is scrolled to `offset`."""
    people.scroll_to(y=offset, animate=False, immediate=True)
    await settle(pilot)
    return [people.render_line(y) for y in range(people.scrollable_content_region.height)]


@pytest.mark.parametrize("columns", [120, 80])
async def test_the_people_tab_reads_as_the_panel_in_full(columns: int) -> None:
    """Line for line and style for style, what the panel drew as one block (ribbons from 90
    columns of content, the names-only list below), wherever the list is scrolled to."""
    async with Host(crowd(300), None, tab="people").run_test(size=(columns, 30)) as pilot:
        await settle(pilot)
        people = pilot.app.screen.query_one("#team-people", TeamPeople)
        whole = _whole(people)
        assert len(whole) == people.virtual_size.height
        for offset in (0, 137, people.max_scroll_y):
            lines = await _scrolled_to(pilot, people, offset)
            for y, drawn in enumerate(lines):
                assert list(drawn) == list(whole[offset + y]), (offset, y, drawn.text)
        assert ("█" in whole[4].text) is (columns == 120)  # the ribbons, when wide


async def test_a_new_summary_redraws_the_people() -> None:
    async with Host(crowd(300), None, tab="people").run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        people = screen.query_one("#team-people", TeamPeople)
        await _scrolled_to(pilot, people, people.max_scroll_y)
        screen.show(dashboard_with(crowd(120), None), frozenset())
        await settle(pilot)
        assert people.summary is not None and len(people.summary.people) == 120
        whole = _whole(people)
        assert people.virtual_size.height == len(whole)
        lines = await _scrolled_to(pilot, people, people.max_scroll_y)
        assert [line.text for line in lines] == [line.text for line in whole[-len(lines) :]]


# --- keys --------------------------------------------------------------------------------


async def test_picking_people_ranks_slots_on_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people and a length: the ranked slots appear; the ranking ran off the UI loop."""
    import threading

    import cockpit.analytics.team_slots as team_slots

    threads: list[str] = []
    real = team_slots.find_slots

    def spy(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(team_slots, "find_slots", spy)
    async with sample_host().run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")  # the slot finder
        await settle(pilot)
        screen = screen_of(pilot)
        await pick(pilot, "lena", "priya")
        await until(pilot, ranked(screen))
        assert screen.ranked_for[:2] == (("lena", "priya"), 60)
        table = screen.query_one(SlotTable)
        assert table.model is not None and len(table.view) > 0
        best = table.current_slot()
        assert best is not None and best.within == 2 and best.inconvenience == 0
        assert threads and threading.main_thread().name not in threads
        # Another length ranks again.
        await pilot.press("l")  # 60 → 90 minutes
        await until(pilot, lambda: (screen.ranked_for or ())[:2] == (("lena", "priya"), 90))
        assert all(s.minutes == 90 for s in screen.slots)


async def test_the_cursor_stays_on_its_slot_only_for_the_same_question() -> None:
    """Other people: the best slot is under the cursor. The same people ranked again when the
    clock passes a step: the cursor stays on the slot the user was looking at."""
    async with sample_host("slots").run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        await pick(pilot, "lena", "noa")
        await until(pilot, ranked(screen))
        table = screen.query_one(SlotTable)
        table.focus()
        await pilot.press("down", "down", "down")
        looked_at = table.current_slot()
        assert looked_at is not None and looked_at == screen.slots[3]
        # The next age tick comes 16 minutes on: the slots start later, the cursor stays.
        first = screen.ranked_for
        screen.show(dashboard_with(sample_summary(), TEAM, minutes_later=16), frozenset())
        await until(pilot, lambda: screen.ranked_for != first)
        assert screen.slots[0].start > FROZEN_NOW + timedelta(minutes=15)
        assert table.current_slot() == looked_at
        # Another person: a new question, the best answer first.
        await pick(pilot, "priya")
        await until(pilot, ranked(screen, 3))
        assert table.cursor == 0
        assert table.current_slot() == screen.slots[0]


async def test_a_ranking_that_fails_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import cockpit.analytics.team_slots as team_slots

    def broken(*_args: object, **_kwargs: object) -> object:
        raise ValueError("the roster changed under the finder")

    monkeypatch.setattr(team_slots, "find_slots", broken)
    async with sample_host("slots").run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        await pick(pilot, "lena", "priya")

        def note() -> str:
            return str(screen.query_one("#slots-notes").render())

        await until(pilot, lambda: note().startswith("Could not rank"))
        assert "the roster changed under the finder" in note()


async def test_writing_the_chosen_slot_as_ics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """w writes the slot under the cursor to the current folder (no Downloads folder here),
    and icalendar reads it back: the start in the lead's zone, every attendee."""
    icalendar = pytest.importorskip("icalendar")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # a home without Downloads
    monkeypatch.chdir(tmp_path)
    async with sample_host("slots").run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        await pick(pilot, "maya", "lena", "noa")
        await until(pilot, ranked(screen, 3))
        table = screen.query_one(SlotTable)
        table.focus()
        await pilot.press("down")  # the second-best slot
        chosen = table.current_slot()
        assert chosen is not None and chosen == screen.slots[1]
        await pilot.press("w")
        await until(pilot, lambda: any(tmp_path.glob("*.ics")))
        notices = [n.message for n in pilot.app._notifications]
        assert any("the current folder" in m and str(tmp_path) in m for m in notices)
    (path,) = tmp_path.glob("*.ics")
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == chosen.start
    assert str(start.tzinfo) == LEAD or getattr(start.tzinfo, "key", "") == LEAD
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    # Those with an email are invited; everyone's local time is in the description.
    assert sorted(str(a) for a in attendees) == [
        "mailto:lena@example.com",
        "mailto:maya@example.com",
    ]
    description = str(event.get("DESCRIPTION"))
    assert all(name in description for name in ("Maya Chen", "Lena Hoffmann", "Noa Levi"))


async def test_names_from_the_roster_are_plain_text() -> None:
    async with sample_host("slots").run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        people = pilot.app.screen.query_one("#slot-people", SelectionList)
        prompts = [str(people.get_option_at_index(n).prompt) for n in range(people.option_count)]
        assert any("Tomás [bold]Ruiz[/]" in p for p in prompts)


async def test_the_screen_opens_on_everyone() -> None:
    """What the panel's "+N more · enter shows everyone" promised: every person, in full."""
    async with Host(sample_summary(), TEAM, tab="people").run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one("#team-people", TeamPanel)
        assert panel.summary == sample_summary()
        text = str(panel.render())
        assert all(p.name in text for p in PEOPLE)
        assert pilot.app.focused is panel


async def test_the_slot_finder_s_keys_work_on_its_tab_only() -> None:
    async with sample_host().run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.check_action("write_ics", ()) is False
        assert screen.check_action("cycle_length", ()) is False
        await pilot.press("l")
        assert screen.minutes == 60  # not on the slot finder: nothing changes
        await pilot.press("m")
        await settle(pilot)
        assert screen.check_action("write_ics", ()) is True
        await pilot.press("l")
        assert screen.minutes == 90


async def test_tabs_are_built_when_first_shown() -> None:
    async with sample_host().run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.built == {"overlap"}
        await pilot.press("h")
        await settle(pilot)
        assert screen.built == {"overlap", "handover"}
        table = screen.query_one("#handover-table", CostTable)
        assert table.model is not None
        # The gap before Priya is a line of its own.
        whos = [row.person for row in table.model.rows]
        assert whos == ["sita", "noa", "tomas", "maya", "", "priya"]


async def test_feeding_the_same_team_again_rebuilds_nothing() -> None:
    async with sample_host().run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(pilot)
        feeds = screen.feeds
        screen.show(dashboard_with(sample_summary(), TEAM), frozenset())  # equal, not the same
        assert screen.feeds == feeds


async def test_escape_goes_back() -> None:
    async with sample_host().run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, TeamScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, TeamScreen)


# --- from the dashboard ------------------------------------------------------------------


async def test_enter_on_the_team_panel_opens_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.screen.query_one("#team").focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.summary is not None and screen.team_data is not None
        await pilot.press("m")
        await settle(pilot)
        ids = [p.id for p in screen.team_data.people][:2]
        await pick(pilot, *ids)
        await until(pilot, ranked(screen))
        assert screen.slots
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TeamScreen)
        assert app.screen.query("#team")


async def test_q_quits_from_the_team_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.open_panel("team")
        await settle(pilot)
        assert isinstance(app.screen, TeamScreen)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_space_picks_the_first_person_at_once(make_app) -> None:
    # On opening the slot finder the cursor is on the first person, so the first space picks
    # them (with no option highlighted it did nothing, and the lead saw "0 picked").
    app = make_app()
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        app.open_panel("team")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.team_data is not None
        await pilot.press("space", "down", "space")
        await settle(pilot)
        people = app.screen.query_one("#slot-people", SelectionList)
        first_two = [p.id for p in screen.team_data.people][:2]
        assert people.selected == first_two
