"""The weekly summary's HTML page: well-formed, standalone (no request of any kind), charts
present, every text from the sources inert, the mask marker shown when masked."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from cockpit.export.report_model import (
    Change,
    Chart,
    Freshness,
    Section,
    Series,
    WeeklyReport,
)
from cockpit.export.weekly_html import render_html
from cockpit.export.weeks import Week
from cockpit.masking import MASK_MARKER

WEEK, PREVIOUS = Week(2026, 48), Week(2026, 47)
MADE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def sample_report(text: str = "", **changes: object) -> WeeklyReport:
    """A hand-built report with every kind of part; `text` is added to every source field."""
    t = text
    sections = (
        Section(
            key="sprint",
            title=f"Sprint{t}",
            state="ok",
            age=f"data as of 2 h ago{t}",
            changes=(
                Change(text=f"Sprint 42: 61% done (last week 38%){t}", weight=3, tone="good"),
                Change(text=f"2 new blockers{t}", weight=2, tone="bad"),
                Change(text=f"Velocity unchanged{t}"),
            ),
            lines=(
                f"Sprint 42{t}: 30 of 49 points done",
                f"Blockers: 2{t}",
                f"  ML-7 {t}",
                "  ML-9",
            ),
            chart=Chart(
                kind="line",
                title=f"Burndown{t}",
                labels=("Mon", "Tue", f"Wed{t}"),
                series=(Series(f"Remaining{t}", (40.0, None, 30.0)),),
                unit="points",
                reference=49.0,
                reference_label=f"Committed{t}",
            ),
        ),
        Section(
            key="experiments",
            title="Experiments",
            state="stale",
            age="data as of 3 d ago",
            lines=("120 runs",),
            chart=Chart(
                kind="bars",
                title="Runs per week",
                labels=("W47", "W48"),
                series=(Series("started", (10.0, 12.0)), Series("failed", (1.0, None))),
            ),
        ),
        Section(
            key="okrs",
            title="OKRs",
            state="ok",
            age="data as of 1 d ago",
            chart=Chart(
                kind="progress",
                title="Key results",
                labels=(f"KR1{t}",),
                series=(Series("done", (0.4,)), Series("expected", (0.5,))),
            ),
        ),
        Section(
            key="cost",
            title="Cost",
            state="never synced",
            age="never synced",
            lines=("The cost source has never synced: run cockpit sync.",),
        ),
        Section(key="team", title="Team", state="not configured", age=""),
    )
    fields: dict[str, object] = {
        "week": WEEK,
        "previous": PREVIOUS,
        "title": f"Weekly status 2026-W48 (23 Nov – 29 Nov 2026){t}",
        "provenance": f"Generated 2026-11-30 08:00 UTC from the local cache{t}",
        "generated_at": MADE,
        "as_of": MADE,
        "highlights": (f"Sprint 42 moved to 61% done.{t}", "Two new blockers."),
        "sections": sections,
        "freshness": (
            Freshness(
                source=f"jira{t}",
                areas=("sprint",),
                state="fresh",
                synced_at=datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
                age="2 h ago",
            ),
            Freshness(
                source="cost", areas=("cost",), state="never synced", synced_at=None, age="never"
            ),
        ),
        "compared": True,
    }
    fields.update(changes)
    return WeeklyReport(**fields)  # type: ignore[arg-type]


def parse(page: str) -> ET.Element:
    """The page read by an XML parser, after its doctype: it must be well-formed."""
    assert page.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))


class Requests(HTMLParser):
    """What a browser or mail client would fetch: every src, href, srcset, poster, data and
    action attribute, every url() and @import in styles, and script/link/img/iframe elements."""

    FETCHING = {"script", "link", "img", "iframe", "object", "embed", "image", "use", "audio"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in self.FETCHING:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name in {"src", "href", "xlink:href", "srcset", "poster", "data", "action"}:
                self.found.append(f"{name}={value}")
            if name == "style" and value and re.search(r"url\(|@import", value, re.I):
                self.found.append(f"style={value}")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and re.search(r"url\(|@import|https?:", data, re.I):
            self.found.append(f"css: {data[:80]}")


def requests_of(page: str) -> Requests:
    checker = Requests()
    checker.feed(page)
    checker.close()
    return checker


def test_page_is_well_formed_and_has_every_part() -> None:
    report = sample_report()
    root = parse(render_html(report))
    assert root.tag == "html"
    assert root.find("head/title").text == report.title  # type: ignore[union-attr]
    assert root.find(".//h1").text == report.title  # type: ignore[union-attr]
    all_text = " ".join(root.itertext())
    assert report.provenance in all_text
    assert "Sprint 42 moved to 61% done. Two new blockers." in all_text
    sections = root.findall(".//section")
    assert [s.get("id") for s in sections] == [
        "sprint",
        "experiments",
        "okrs",
        "cost",
        "team",
        "freshness",
    ]
    assert "● ok · data as of 2 h ago" in all_text
    badges = [b.text for b in root.findall(".//span[@class='badge']")]
    assert badges[3:] == ["○ never synced", "○ not configured"]
    # The freshness table: one row per source, a source that never synced says "never".
    rows = root.findall(".//table/tbody/tr")
    assert [[(c.text or "") for c in r] for r in rows] == [
        ["jira", "sprint", "fresh", "2026-11-30 06:00 UTC", "2 h ago"],
        ["cost", "cost", "never synced", "never", "never"],
    ]


def test_one_svg_per_section_with_a_chart() -> None:
    report = sample_report()
    root = parse(render_html(report))
    for section in report.sections:
        element = root.find(f".//section[@id='{section.key}']")
        assert element is not None
        svgs = element.findall(".//svg")
        assert len(svgs) == (1 if section.chart else 0), section.key
        if section.chart:
            assert svgs[0].get("role") == "img"
            assert svgs[0].find("title").text == section.chart.title  # type: ignore[union-attr]


def test_tone_is_a_symbol_as_well_as_a_colour() -> None:
    root = parse(render_html(sample_report()))
    changes = root.findall(".//ul[@class='changes']/li")
    assert [(li.get("class"), li[0].text) for li in changes] == [
        ("good", "✓"),
        ("bad", "✗"),
        ("neutral", "•"),
    ]
    assert changes[1][0].get("title") == "needs attention"


def test_sub_items_nest_under_their_line() -> None:
    root = parse(render_html(sample_report()))
    items = root.findall(".//section[@id='sprint']/ul[@class='lines']/li")
    assert [li.text for li in items] == ["Sprint 42: 30 of 49 points done", "Blockers: 2"]
    assert [li.text for li in items[1].findall("ul/li")] == ["ML-7", "ML-9"]


def test_no_request_of_any_kind() -> None:
    page = render_html(sample_report())
    checker = requests_of(page)
    assert checker.found == []
    assert "svg" in checker.tags and "style" in checker.tags
    assert not re.search(r"https?://|url\(|@import|@font-face", page, re.I)


def test_print_stylesheet_is_inline() -> None:
    page = render_html(sample_report())
    assert "@media print" in page and "break-inside:avoid" in page


def test_without_last_week_each_section_says_so() -> None:
    report = sample_report(compared=False)
    root = parse(render_html(report))
    notes = root.findall(".//p[@class='note']")
    # The sprint has changes of its own; the four other areas say why they have none.
    assert len(notes) == 4
    assert all("2026-W47" in (n.text or "") for n in notes)


def test_masked_marker_shown_only_when_masked() -> None:
    plain = render_html(sample_report())
    assert MASK_MARKER not in plain
    root = parse(render_html(sample_report(masked=True)))
    body = root.find("body/main")
    assert body is not None
    assert MASK_MARKER in (body[0].text or "")  # first thing on the page


HOSTILE = [
    "</style></svg><script>alert(1)</script><img src=x onerror=alert(2)>",
    '" onmouseover="alert(1)',
    "[bold]red[/bold] ]]> <![CDATA[ x",
    "\x1b[31mred\x1b[0m\x1b]0;pwned\x07",
    "ميزانية \u202eevil\u202c שלום",
    "&amp; &nbsp; &#0; \x00 \ufffe",
    "B" * 5000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_stays_inert(hostile: str) -> None:
    page = render_html(sample_report(f" {hostile}"))
    root = parse(page)  # still well-formed
    tags = {e.tag for e in root.iter()}
    assert not tags & {"script", "img", "a", "iframe", "object", "link"}
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    checker = requests_of(page)
    assert checker.found == []
    for bad in ("\x1b", "\x07", "\u202e", "\x00", "<script", "<img"):
        assert bad not in page
    text = " ".join(root.itertext())
    if hostile.startswith("["):
        assert "[bold]red[/bold]" in text  # literal text, never markup
    if hostile.startswith("</style>"):
        assert hostile in text  # escaped, and reads back as it was written


def test_empty_report_still_a_page() -> None:
    report = sample_report(sections=(), freshness=(), highlights=())
    root = parse(render_html(report))
    assert root.find(".//h1") is not None
    assert root.findall(".//section") == []


def test_demo_export_page_is_standalone_with_its_charts() -> None:
    """`cockpit export --demo --format html`, through the function the command calls."""
    from cockpit.clock import FrozenClock
    from cockpit.export.weekly import weekly_text
    from cockpit.export.weekly_report import load_report
    from cockpit.export.weeks import last_full_week
    from cockpit.workspace import open_demo_in_memory

    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    workspace = open_demo_in_memory(FrozenClock(now))
    week = last_full_week(now)
    page = weekly_text(workspace, week, "html", now)
    root = parse(page)
    assert requests_of(page).found == []
    assert not re.search(r"https?://|url\(|@import", page, re.I)
    report = load_report(workspace, week, now)
    charted = [s.key for s in report.sections if s.chart is not None]
    assert charted  # the demo draws at least the burndown
    for key in [s.key for s in report.sections]:
        element = root.find(f".//section[@id='{key}']")
        assert element is not None
        assert len(element.findall(".//svg")) == (1 if key in charted else 0), key
    assert len(root.findall(".//table/tbody/tr")) == len(report.freshness)
