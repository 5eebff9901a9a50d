"""The Team panel on hand-built summaries (no analytics involved): pixel snapshots at the sizes
the dashboard gives it, and what its rows say.

The samples place each person's local hours, days off and travel on the lead's day with
zoneinfo here, in the test, so the panel is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from textual.app import App, ComposeResult

from cockpit.analytics.team_views import (
    DayMark,
    DayOverlap,
    NearMiss,
    OverlapWindow,
    PersonNow,
    TeamSummary,
)
from tests.conftest import FROZEN_NOW
from widgets.panel import PanelAge
from widgets.team_panel import (
    BAND_GLYPH,
    NOW_RULER,
    TeamPanel,
    coverage,
    make_grid,
    ribbon_cells,
)

WEEKDAYS = (0, 1, 2, 3, 4)
SUN_TO_THU = (6, 0, 1, 2, 3)
Span = tuple[str, str]


@dataclass(frozen=True)
class Spec:
    """One person as a roster describes them, for the sample."""

    id: str
    name: str
    zone: str
    location: str
    hours: tuple[Span, ...] = (("09:00", "17:00"),)
    days: tuple[int, ...] = WEEKDAYS
    off: dict[date, tuple[str, str]] = field(default_factory=dict)  # local date → kind, label
    travel: tuple[str, str, str] | None = None  # zone, location, detail
    zone_source: str = "roster"
    flexible: bool = False


def _minute(moment: datetime, day_start: datetime) -> int:
    return int((moment - day_start).total_seconds() // 60)


def _person(spec: Spec, now: datetime, day_start: datetime, day_minutes: int) -> PersonNow:
    zone_name = spec.travel[0] if spec.travel else spec.zone
    zone = ZoneInfo(zone_name)
    local_now = now.astimezone(zone)
    first = day_start.astimezone(zone).date() - timedelta(days=1)
    work: list[tuple[datetime, datetime]] = []
    marks: list[DayMark] = []
    for n in range(9):
        day = first + timedelta(days=n)
        midnight = datetime.combine(day, time(0), zone).astimezone(UTC)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        kind, label = spec.off.get(day, ("", ""))
        if not kind and day.weekday() not in spec.days:
            kind = "weekend"
        if kind:
            start = max(_minute(midnight, day_start), 0)
            end = min(_minute(next_midnight, day_start), day_minutes)
            if start < end:
                marks.append(DayMark(start, end, kind, label))
            continue
        for begin, finish in spec.hours:
            work.append(
                (
                    datetime.combine(day, time.fromisoformat(begin), zone).astimezone(UTC),
                    datetime.combine(day, time.fromisoformat(finish), zone).astimezone(UTC),
                )
            )
    ribbon = tuple(
        (max(_minute(a, day_start), 0), min(_minute(b, day_start), day_minutes))
        for a, b in work
        if _minute(b, day_start) > 0 and _minute(a, day_start) < day_minutes
    )
    working = any(a <= now < b for a, b in work)
    today_mark = spec.off.get(local_now.date())
    today_spans = [(a, b) for a, b in work if a.astimezone(zone).date() == local_now.date()]
    if working:
        state = "working"
    elif today_mark:
        state = today_mark[0]
    elif local_now.weekday() not in spec.days:
        state = "weekend"
    elif today_spans and now < today_spans[0][0]:
        state = "before"
    elif today_spans and now >= today_spans[-1][1]:
        state = "after"
    else:
        state = "between"
    offset = local_now.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    detail = today_mark[1] if today_mark else (spec.travel[2] if spec.travel else "")
    return PersonNow(
        id=spec.id,
        name=spec.name,
        role="",
        location=spec.travel[1] if spec.travel else spec.location,
        timezone=zone_name,
        local_time=local_now,
        utc_offset=f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
        state=state,
        detail=detail,
        travelling=spec.travel is not None,
        flexible=spec.flexible,
        home_timezone=spec.zone,
        zone_source=spec.zone_source,
        next_start=None if working else min((a for a, _ in work if a > now), default=None),
        ribbon=ribbon,
        marks=tuple(marks),
    )


def _windows(
    people: tuple[PersonNow, ...], day_start: datetime, day_minutes: int, k: int
) -> tuple[OverlapWindow, ...]:
    """Maximal stretches of the lead's day with at least k people working, minute by minute."""
    at = [
        frozenset(p.id for p in people if any(a <= m < b for a, b in p.ribbon))
        for m in range(day_minutes)
    ]
    order = [p.id for p in people]
    found: list[OverlapWindow] = []
    m = 0
    while m < day_minutes:
        if len(at[m]) < k:
            m += 1
            continue
        end = m
        while end < day_minutes and len(at[end]) >= k:
            end += 1
        whole = frozenset.intersection(*at[m:end])
        found.append(
            OverlapWindow(
                day_start + timedelta(minutes=m),
                day_start + timedelta(minutes=end),
                tuple(i for i in order if i in whole),
            )
        )
        m = end
    return tuple(found)


def sample_summary(
    specs: list[Spec],
    *,
    now: datetime = FROZEN_NOW,
    lead_zone: str = "America/Los_Angeles",
    min_people: int = 5,
    no_overlap_miss: NearMiss | None = None,
) -> TeamSummary:
    zone = ZoneInfo(lead_zone)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, time(0), zone).astimezone(UTC)
    day_end = datetime.combine(today + timedelta(days=1), time(0), zone).astimezone(UTC)
    day_minutes = _minute(day_end, day_start)
    people = tuple(
        sorted(
            (_person(s, now, day_start, day_minutes) for s in specs),
            key=lambda p: (p.local_time.utcoffset(), p.name),
        )
    )
    windows = _windows(people, day_start, day_minutes, min_people)
    best = max(
        (w for w in windows if w.people), key=lambda w: (len(w.people), w.minutes), default=None
    )
    waiting = [(p.next_start, p.id) for p in people if p.next_start is not None]
    first = min(waiting, default=None)
    return TeamSummary(
        people=people,
        working_now=sum(p.state == "working" for p in people),
        zones=len({p.timezone for p in people}),
        lead_zone=lead_zone,
        min_people=min_people,
        best_overlap=best,
        next_online=(first[1], first[0]) if first else None,
        day_start=day_start,
        day_minutes=day_minutes,
        now_minute=_minute(now, day_start),
        band=tuple((_minute(w.start, day_start), _minute(w.end, day_start)) for w in windows),
        week=(DayOverlap(today, windows, best),),
        nearest_miss=no_overlap_miss,
    )


def team() -> list[Spec]:
    """Ten people from San Francisco to Auckland, on Monday 23 November 2026, 09:30 UTC."""
    return [
        Spec("maya", "Maya Chen", "America/Los_Angeles", "San Francisco"),
        Spec("rafael", "Rafael Souza", "America/Sao_Paulo", "São Paulo"),
        Spec("ines", "Inês Costa", "Europe/Lisbon", "Lisbon"),
        Spec(
            "lena", "Lena Hoffmann", "Europe/Berlin", "Berlin",
            off={date(2026, 11, d): ("time_off", "parental leave") for d in (23, 24)},
        ),
        Spec("noa", "Noa Levi", "Asia/Jerusalem", "Tel Aviv", (("09:00", "18:00"),), SUN_TO_THU),
        Spec(
            "priya", "Priya Raman", "Asia/Kolkata", "Bangalore", (("10:00", "18:00"),),
            off={date(2026, 11, 24): ("holiday", "Guru Nanak Jayanti")},
        ),
        Spec(
            "bikash", "Bikash Shrestha", "Asia/Kathmandu", "Kathmandu",
            (("09:00", "12:30"), ("15:30", "19:00")),
        ),
        Spec("wei", "Wei Ling Tan", "Asia/Singapore", "Singapore", zone_source="jira"),
        Spec("aroha", "Aroha Ngata", "Pacific/Auckland", "Auckland", flexible=True),
        Spec(
            "tom", "Tom Fletcher", "Europe/London", "London",
            travel=("Asia/Dubai", "Dubai", "in Dubai until 4 Dec"),
        ),
    ]  # fmt: skip


def dst_team() -> list[Spec]:
    """Sunday 1 November 2026, the US fall-back day: the lead's day in Los Angeles has 25 hours."""
    return [
        Spec("maya", "Maya Chen", "America/Los_Angeles", "San Francisco"),
        Spec("lena", "Lena Hoffmann", "Europe/Berlin", "Berlin"),
        Spec("noa", "Noa Levi", "Asia/Jerusalem", "Tel Aviv", (("09:00", "18:00"),), SUN_TO_THU),
        Spec(
            "bikash", "Bikash Shrestha", "Asia/Kathmandu", "Kathmandu", (("10:00", "18:00"),),
            (6, 0, 1, 2, 3, 4),
        ),
        Spec("aroha", "Aroha Ngata", "Pacific/Auckland", "Auckland"),
    ]  # fmt: skip


DST_NOW = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 09:00 PST, after the clocks went back


def far_apart() -> list[Spec]:
    """Nobody's hours meet: Los Angeles, Bangalore, and the asked three never work at once."""
    return [
        Spec("maya", "Maya Chen", "America/Los_Angeles", "San Francisco"),
        Spec("priya", "Priya Raman", "Asia/Kolkata", "Bangalore"),
        Spec("rafael", "Rafael Souza", "America/Sao_Paulo", "São Paulo", (("08:00", "12:00"),)),
    ]


def no_overlap_summary() -> TeamSummary:
    summary = sample_summary(far_apart(), min_people=3)
    assert summary.best_overlap is None and summary.band == ()
    # Maya and Rafael share 08:00–09:00 PST (16:00–17:00 UTC) on Tuesday; Priya is asleep.
    window = OverlapWindow(
        datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        ("maya", "rafael"),
    )
    return TeamSummary(
        **{
            **{f: getattr(summary, f) for f in summary.__struct_fields__},
            "nearest_miss": NearMiss(window, ("priya",), 1),
            "week": tuple(DayOverlap(summary.day_start.date(), (), None) for _ in range(7)),
        }
    )


def crowd(size: int) -> TeamSummary:
    zones = [
        ("America/Los_Angeles", "San Francisco"), ("America/Sao_Paulo", "São Paulo"),
        ("Europe/Lisbon", "Lisbon"), ("Europe/Berlin", "Berlin"), ("Asia/Kolkata", "Bangalore"),
        ("Asia/Singapore", "Singapore"), ("Pacific/Auckland", "Auckland"),
    ]  # fmt: skip
    return sample_summary(
        [Spec(f"p{n:03d}", f"Person {n:03d}", *zones[n % len(zones)]) for n in range(size)],
        min_people=100,
    )


class PanelHost(App[None]):
    """The panel alone, fed as the dashboard feeds it."""

    def __init__(self, summary: TeamSummary | None) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        panel = TeamPanel()
        panel.summary = self.summary
        panel.age = PanelAge("fresh", "1m", "roster, jira")
        yield panel


# The dashboard gives the panel about 104×19 at 160×48 (inside the border and padding: add 4
# columns and 2 lines), and 36×5 at 80×24.


def test_panel_wide(snap_compare) -> None:
    """Ten people on ribbons of the lead's day in Los Angeles: the band, the now-marker, a
    holiday, time off, a split day, a traveller and a zone from Jira."""
    assert snap_compare(PanelHost(sample_summary(team())), terminal_size=(108, 18))


def test_panel_narrow(snap_compare) -> None:
    """No room for ribbons: a line per person with their local time, offset and state."""
    assert snap_compare(PanelHost(sample_summary(team())), terminal_size=(64, 14))


def test_panel_dst_day(snap_compare) -> None:
    """The US fall-back day: 50 half-hour cells, 01 twice on the axis, PDT→PST, weekend marks."""
    assert snap_compare(PanelHost(sample_summary(dst_team(), now=DST_NOW, min_people=2)),
                        terminal_size=(108, 11))  # fmt: skip


def test_panel_no_overlap(snap_compare) -> None:
    """No window this week: the closest the team comes, and who is missing from it."""
    assert snap_compare(PanelHost(no_overlap_summary()), terminal_size=(108, 9))


def test_panel_three_hundred_people(snap_compare) -> None:
    """300 people in 19 rows: two columns, and the true count of those not drawn."""
    assert snap_compare(PanelHost(crowd(300)), terminal_size=(108, 21))


# --- what the rows say (text, any size) --------------------------------------------------


def _rows(summary: TeamSummary | None, width: int, height: int) -> list[str]:
    panel = TeamPanel()
    panel.set_reactive(TeamPanel.summary, summary)
    return [row.plain for row in panel.render_body(width, height)]


@pytest.fixture(scope="module")
def wide() -> TeamSummary:
    return sample_summary(team())


def test_header_counts_who_works_and_who_comes_next(wide: TeamSummary) -> None:
    rows = _rows(wide, 104, 16)
    # Bikash's split day resumes at 15:30 in Kathmandu: 09:45 UTC, 01:45 in Los Angeles.
    assert rows[0] == (
        "4 of 10 working now · 10 time zones · next online: Bikash at 01:45 (in 15 min)"
    )


def test_best_overlap_is_in_the_lead_zone_and_utc(wide: TeamSummary) -> None:
    rows = _rows(wide, 104, 16)
    assert rows[1].startswith("Best overlap today 01:45–05:00 PST (09:45–13:00 UTC) · 4 people: ")
    assert rows[1].endswith("Inês, Noa, Tom, Bikash")


def test_axis_names_the_lead_zone_and_its_hours(wide: TeamSummary) -> None:
    rows = _rows(wide, 104, 16)
    axis = rows[2]
    assert "America/Los_Angeles PST" in axis
    ribbon = axis[-48:]  # half-hour cells at this width
    assert ribbon.startswith("00 ▼02  04") and ribbon.endswith("22  ")
    assert ribbon.index(NOW_RULER) == 3  # 01:30 is the fourth half hour
    assert len(axis) == 104


def test_band_marks_only_cells_it_covers_whole(wide: TeamSummary) -> None:
    """Five or more people work 01:45–05:00 PST: the 01:30 cell is only half covered, so the
    band starts at 02:00 and ends with the 04:30 cell."""
    band = _rows(wide, 104, 16)[3]
    assert band.rstrip().startswith(" " * 20) and "overlap, at least 5 people" in band
    cells = band[-48:]
    assert cells == " " * 4 + BAND_GLYPH * 6 + " " * 38


def test_band_rule_never_shows_overlap_that_is_not_there() -> None:
    summary = sample_summary(team())
    for band in [(), ((0, 29),), ((15, 45),), ((10, 70), (100, 101))]:
        t = TeamSummary(**{**_fields(summary), "band": band})
        grid = make_grid(t, 30)
        for index, full in enumerate(grid.band):
            cover = coverage(band, 30, grid.day, grid.cells)[index]
            assert full == (cover == grid.length(index))
    assert make_grid(TeamSummary(**{**_fields(summary), "band": ((10, 70),)}), 30).band[:3] == (
        False, True, False,
    )  # fmt: skip


def _fields(summary: TeamSummary) -> dict[str, object]:
    return {f: getattr(summary, f) for f in summary.__struct_fields__}


def test_a_cell_is_shaded_when_the_person_works_at_least_half_of_it(wide: TeamSummary) -> None:
    person = next(p for p in wide.people if p.id == "maya")
    grid = make_grid(TeamSummary(**{**_fields(wide), "band": ()}), 30)
    for ribbon, expected in [
        (((0, 15),), "█"),  # half: shaded
        (((0, 14),), "·"),  # less than half: not
        (((16, 30),), "·"),
        (((0, 10), (20, 30)), "█"),  # two bits that add up to at least half
    ]:
        cells = ribbon_cells(
            PersonNow(**{**{f: getattr(person, f) for f in person.__struct_fields__},
                         "ribbon": ribbon, "marks": ()}),
            grid,
        )  # fmt: skip
        assert cells[0][0] == expected, ribbon


def test_each_name_shows_time_offset_and_state(wide: TeamSummary) -> None:
    rows = _rows(wide, 130, 16)

    def row(name: str) -> str:
        return next(r for r in rows[4:] if name in r)

    assert row("Maya Chen").startswith("○ Mon 01:30 -08:00  Maya Chen, San Francisco ")
    assert "before hours" in row("Maya Chen")
    assert row("Bikash").startswith("◐ Mon 15:15 +05:45  ") and "between shifts" in row("Bikash")
    assert "time off: parental" in row("Lena")
    assert row("Tom").startswith("● Mon 13:30 +04:00  Tom Fletcher ✈ Dubai")
    assert row("Wei").startswith("○ Mon 17:30 +08:00* Wei Ling Tan")  # zone from Jira
    assert "after hours" in row("Aroha")


def test_marks_are_drawn_in_the_ribbon(wide: TeamSummary) -> None:
    rows = _rows(wide, 104, 16)
    lena = next(r for r in rows if "Lena" in r)[-48:]
    assert set(lena) <= {"▒", "│"}  # off all day, the now-marker crossing
    priya = next(r for r in rows if "Priya" in r)[-48:]
    # Her holiday starts at midnight in Bangalore: 10:30 in Los Angeles, the 22nd cell.
    assert priya[:20].count("█") == 9 and priya[21:] == "░" * 27


def test_legend_explains_the_glyphs_when_there_is_room(wide: TeamSummary) -> None:
    rows = _rows(wide, 104, 16)
    assert rows[-1].startswith("█ working  ░ holiday  ▒ time off  ━ overlap  ▼ now 01:30")
    assert rows[-1].endswith("* zone from their Jira profile")
    assert not any("working  ░" in r for r in _rows(wide, 104, 14))  # no room: no legend


def test_says_more_only_when_it_hides_someone(wide: TeamSummary) -> None:
    # "+N more" is how every panel owns up to a cut; no other row may read like one.
    for width, height in [(104, 16), (160, 40), (64, 14)]:
        assert not any(" more" in r for r in _rows(wide, width, height)), (width, height)


def test_dst_day_has_fifty_half_hours_and_an_hour_twice() -> None:
    summary = sample_summary(dst_team(), now=DST_NOW, min_people=2)
    assert summary.day_minutes == 1500
    rows = _rows(summary, 104, 9)
    axis = rows[2]
    assert "America/Los_Angeles PDT→PST" in axis
    assert "Best overlap today 00:00 PDT–04:15 PST (07:00–12:15 UTC)" in rows[1]
    # Two cells an hour, labelled as the clock reads: 01:00 comes twice, so 02 is in the 7th.
    assert axis[-50:].startswith("00    02  04")
    assert axis[-50:].index("10") == 22 and axis[-50:].index(NOW_RULER) == 20  # 09:00 PST
    maya = next(r for r in rows if "Maya" in r)
    assert "weekend" in maya and maya[-50:].replace("│", "") == "╌" * 49


def test_no_overlap_says_the_closest_and_who_is_missing() -> None:
    rows = _rows(no_overlap_summary(), 104, 8)
    assert rows[1] == (
        "No overlap this week; closest: tomorrow 08:00–09:00 PST (16:00–17:00 UTC)"
        " · 2 people, without Priya"
    )


def test_three_hundred_people_say_how_many_are_not_shown() -> None:
    rows = _rows(crowd(300), 104, 19)
    assert len(rows) == 19
    shown = sum(r.count("Person ") for r in rows[2:-1])
    assert rows[-1] == f"+{300 - shown} more · enter shows everyone"
    assert shown == 2 * 16


def test_names_are_plain_text() -> None:
    hostile = [
        Spec("x", "[bold red]Eve[/] \\[x]", "Europe/Berlin", "[link=http://x]Berlin[/]"),
        Spec("y", "דנה כהן", "Asia/Jerusalem", "תל אביב", (("09:00", "18:00"),), SUN_TO_THU),
        Spec("z", "山田 太郎", "Asia/Tokyo", "東京"),
    ]
    summary = sample_summary(hostile, min_people=2)
    panel = TeamPanel()
    panel.set_reactive(TeamPanel.summary, summary)
    for width in (104, 60):
        rows = panel.render_body(width, 12)
        text = [r.plain for r in rows]
        assert any("[bold red]Eve[/] \\[x]" in r for r in text)
        assert any("דנה כהן, תל אביב" in r for r in text)
        assert any("山田 太郎, 東京" in r for r in text)
        # Only the panel's own styles: nothing in a name became markup.
        styles = {str(span.style) for row in rows for span in row.spans}
        assert all(s.startswith(("$", "bold")) for s in styles), styles
    assert any("[link=http://x]Berlin[/]" in r for r in _rows(summary, 104, 5))


def test_wide_names_keep_the_ribbons_in_line() -> None:
    summary = sample_summary(
        [Spec("z", "山田 太郎" * 6, "Asia/Tokyo", "東京"), *team()[:3]], min_people=2
    )
    panel = TeamPanel()
    panel.set_reactive(TeamPanel.summary, summary)
    assert {row.cell_length for row in panel.render_body(104, 12)[2:-1]} == {104}


def test_every_row_fits_the_panel(wide: TeamSummary) -> None:
    for width in (20, 36, 60, 89, 90, 104, 130, 160):
        for height in (1, 5, 12, 16, 30):
            panel = TeamPanel()
            panel.set_reactive(TeamPanel.summary, wide)
            rows = panel.render_body(width, height)
            assert len(rows) <= height, (width, height)
            assert all(r.cell_length <= width for r in rows), (width, height)


def test_ribbons_take_finer_cells_with_room(wide: TeamSummary) -> None:
    rows = _rows(wide, 160, 16)
    assert rows[2].endswith("22  23  ")  # 15-minute cells: a label every hour


def test_shared_first_names_are_written_in_full() -> None:
    specs = [
        Spec("a1", "Alex Kim", "Europe/Lisbon", "Lisbon"),
        Spec("a2", "Alex Moreau", "Europe/Berlin", "Berlin"),
        Spec("n", "Noa Levi", "Asia/Jerusalem", "Tel Aviv"),
    ]
    rows = _rows(sample_summary(specs, min_people=3), 104, 9)
    assert rows[1].endswith("3 people: Alex Kim, Alex Moreau, Noa")


def test_no_summary_draws_nothing() -> None:
    assert _rows(None, 60, 10) == []
