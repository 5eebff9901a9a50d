"""The weekly summary's inline SVG charts: well-formed, self-contained, and inert whatever the
sources' labels hold."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.export.report_model import Chart, Series
from cockpit.export.svg_charts import axis_number, chart_svg

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def line_chart(**changes: object) -> Chart:
    fields: dict[str, object] = {
        "kind": "line",
        "title": "Sprint 42 burndown",
        "labels": DAYS,
        "series": (
            Series("Remaining", (40.0, 36.0, None, 30.0, 21.0, None, 12.0)),
            Series("Ideal", (40.0, 33.3, 26.7, 20.0, 13.3, 6.7, 0.0)),
        ),
        "unit": "points",
        "reference": 45.0,
        "reference_label": "Committed",
    }
    fields.update(changes)
    return Chart(**fields)  # type: ignore[arg-type]


def bar_chart(**changes: object) -> Chart:
    fields: dict[str, object] = {
        "kind": "bars",
        "title": "Runs per week",
        "labels": tuple(f"W{n}" for n in range(37, 49)),
        "series": (
            Series("started", tuple(float(n * 3) for n in range(12))),
            Series("failed", tuple(None if n == 4 else float(n) for n in range(12))),
        ),
        "unit": "runs",
    }
    fields.update(changes)
    return Chart(**fields)  # type: ignore[arg-type]


def progress_chart(**changes: object) -> Chart:
    fields: dict[str, object] = {
        "kind": "progress",
        "title": "Key results",
        "labels": ("p95 latency under 200 ms", "Eval suite coverage", "Cost per run"),
        "series": (Series("done", (0.35, 1.2, None)), Series("expected by now", (0.5, 0.5, 0.5))),
    }
    fields.update(changes)
    return Chart(**fields)  # type: ignore[arg-type]


MAKERS = {"line": line_chart, "bars": bar_chart, "progress": progress_chart}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "svg"
    return root


def every_text(root: ET.Element) -> str:
    return " ".join("".join(e.itertext()) for e in root.iter("text"))


def assert_self_contained(svg: str, *, text_has_http: bool = False) -> None:
    """No reference that a mail client or a printer would fetch."""
    if not text_has_http:  # a label may mention a URL: as text, never as a reference
        assert "http" not in svg
    assert not re.search(r"href|url\(|@import|<image|<use|<foreignObject|<script", svg, re.I)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_each_kind_is_well_formed_accessible_and_self_contained(kind: str) -> None:
    svg = chart_svg(MAKERS[kind]())
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 \d+", root.get("viewBox", ""))
    assert root[0].tag == "title"  # the accessible name comes first
    assert root[0].text == MAKERS[kind]().title
    assert_self_contained(svg)


def test_line_has_a_dashed_reference_and_breaks_at_gaps() -> None:
    root = parse(chart_svg(line_chart()))
    dashed = [e for e in root.iter("line") if e.get("stroke-dasharray") == "8 4"]
    assert len(dashed) == 1
    assert "Committed" in every_text(root)
    # Remaining is cut by its two gaps into three stretches: two lines and a lone point.
    remaining = [e for e in root.iter("polyline") if e.get("stroke") == "#004488"]
    assert len(remaining) == 2
    assert len(remaining[0].get("points", "").split()) == 2
    assert len(remaining[1].get("points", "").split()) == 2


def test_line_without_reference_has_no_dashed_reference() -> None:
    root = parse(chart_svg(line_chart(reference=None)))
    assert not [e for e in root.iter("line") if e.get("stroke-dasharray") == "8 4"]


def test_bars_skip_a_gap_rather_than_draw_zero() -> None:
    root = parse(chart_svg(bar_chart()))
    started = [e for e in root.iter("rect") if e.get("fill") == "#004488"]
    failed = [e for e in root.iter("rect") if e.get("fill") == "#DDAA33"]
    # One swatch in the legend each, then one bar per week with data.
    assert len(started) == 12 + 1
    assert len(failed) == 11 + 1


def test_progress_marks_expected_pace_and_says_no_data() -> None:
    root = parse(chart_svg(progress_chart()))
    words = every_text(root)
    assert "35%" in words and "120%" in words and "no data" in words
    markers = [e for e in root.iter("line") if e.get("stroke-width") == "3"]
    assert len(markers) == 1 + 3  # the legend's sample and one per row
    fills = [e for e in root.iter("rect") if e.get("fill") == "#004488" and e.get("height") == "16"]
    # Over 100% is drawn full, not past the track.
    assert max(float(e.get("width", "0")) for e in fills) == 350.0


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_all_none_and_single_point_series_render(kind: str) -> None:
    empty = MAKERS[kind](series=(Series("a", (None, None, None)),), labels=("x", "y", "z"))
    root = parse(chart_svg(empty))
    assert "no data" in every_text(root).lower()
    single = MAKERS[kind](series=(Series("a", (3.0,)),), labels=("only",), reference=None)
    root = parse(chart_svg(single))
    assert "only" in every_text(root)
    if kind == "line":
        assert len(list(root.iter("circle"))) == 1  # a lone point still shows
    nothing = MAKERS[kind](series=(), labels=())
    parse(chart_svg(nothing))


HOSTILE = [
    "</svg><script>alert(1)</script>",
    "[bold]red[/bold] [link=https://x.example]",
    "\x1b[31mred\x1b[0m \x1b]0;pwned\x07",
    "ميزانية \u202eevil\u202c שלום",
    "A" * 5000,
    "\ufffe\x00\x07 & ' \" <>",
]


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_stay_inert_text(kind: str, label: str) -> None:
    chart = MAKERS[kind](
        title=label,
        labels=(label,) * 3,
        series=(Series(label, (0.2, None, 0.9)), Series(label, (0.5, 0.5, 0.5))),
        unit=label,
        reference_label=label,
    )
    svg = chart_svg(chart)
    root = parse(svg)
    assert [e.tag for e in root.iter() if e.tag in ("script", "a", "image", "use")] == []
    assert "\x1b" not in svg and "\u202e" not in svg and "\x07" not in svg
    assert "<script" not in svg
    title = root[0].text or ""
    if label.startswith("[bold]"):
        assert title == label  # kept as literal text, never read as markup
    if label.startswith("</svg>"):
        assert title == label  # escaped, and reads back the same
    if label.startswith("\x1b"):
        assert title == "red "  # whole sequences go: no "]0;pwned" is left
    # The title keeps the whole (cleaned) text; drawn labels are cut to fit.
    if len(label) == 5000:
        assert title == label
    assert max(len(t) for t in every_text(root).split(" ")) < 200
    assert_self_contained(svg, text_has_http="http" in label)


def test_axis_numbers_stay_short() -> None:
    assert axis_number(0) == "0"
    assert axis_number(12.5) == "12.5"
    assert axis_number(45_000) == "45k"
    assert axis_number(3_200_000) == "3.2M"
    assert len(axis_number(1.7e308)) < 10
    assert len(axis_number(-1.7e308)) < 10


finite = st.floats(allow_nan=False, allow_infinity=False)
values = st.lists(st.none() | finite, max_size=20).map(tuple)
names = st.text(max_size=40)
charts = st.builds(
    Chart,
    kind=st.sampled_from(["line", "bars", "progress"]),
    title=names,
    labels=st.lists(names, max_size=20).map(tuple),
    series=st.lists(st.builds(Series, name=names, values=values), max_size=4).map(tuple),
    unit=names,
    reference=st.none() | finite,
    reference_label=names,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(charts)
def test_any_chart_is_well_formed_xml_without_a_url(chart: Chart) -> None:
    svg = chart_svg(chart)
    root = parse(svg)
    for element in root.iter():  # every coordinate a finite number inside the viewBox's width
        for name in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"):
            if name in element.attrib and element.attrib[name] != "100%":
                assert -1 <= float(element.attrib[name]) <= 10_000, (name, element.attrib)
        for pair in element.get("points", "").split():
            assert all(abs(float(c)) <= 10_000 for c in pair.split(","))
    texts = (chart.title, chart.unit, chart.reference_label, *chart.labels)
    mentions = any("http" in t for t in texts) or any("http" in s.name for s in chart.series)
    assert_self_contained(svg, text_has_http=mentions)
