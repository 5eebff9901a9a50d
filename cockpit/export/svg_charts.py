"""The weekly summary's charts as inline SVG: a string per chart, no dependency, no request.

The HTML summary is mailed and printed, so a chart must stand alone: no font, image, link or
`url()` of any kind (a mail client would fetch it, or show a broken box), a fixed viewBox that
scales to the page's width, and a `<title>` that a screen reader or a client without SVG shows
instead. Colours are Paul Tol's high-contrast scheme (dark blue, yellow, red): told apart with
any colour vision, and as three distinct greys when printed in black and white. Series differ
by dash pattern and marker shape too, so nothing depends on colour alone.

Every label comes from a source (a sprint name, a run name, a key result): it is stripped of
control characters and escaped like any other text, and cut to fit where it is drawn (the
`<title>` keeps the whole chart title).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from cockpit.export.report_model import Chart, Series
from cockpit.formatting import quantity
from cockpit.text_safety import clean_line

WIDTH = 640
HEIGHT = 240  # line and bar charts; a progress chart grows by one row per label
PALETTE = ("#004488", "#DDAA33", "#BB5566")  # Tol high-contrast: dark, light, middle grey
DASHES = ("", "7 4", "2 3")
INK = "#222222"
MUTED = "#666666"
GRID = "#D0D0D0"
FONT = 'font-family="sans-serif"'  # a generic family: never a web font or a file

# Plot area of the line and bar charts (title and legend above, day labels below).
LEFT, RIGHT, TOP, BOTTOM = 64, WIDTH - 16, 58, HEIGHT - 30
# Progress rows.
ROW = 28
BAR_LEFT, BAR_RIGHT = 220, WIDTH - 70

# Characters XML 1.0 forbids that clean_line keeps (it keeps ordinary Unicode).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """Untrusted text as XML character data or an attribute value."""
    value = _NOT_XML.sub("", clean_line(value))
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def cut(value: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut (before escaping)."""
    value = clean_line(value)
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "…"


def chart_svg(chart: Chart) -> str:
    """One chart as a standalone `<svg>` element (no XML declaration, no namespace URL)."""
    draw = {"line": _line, "bars": _bars, "progress": _progress}.get(chart.kind, _line)
    height, body = draw(chart)
    return (
        f'<svg role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" {FONT} font-size="12" class="chart">'
        f"<title>{text(chart.title)}</title>"
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#FFFFFF"/>'
        f'<text x="8" y="20" font-size="14" font-weight="bold" fill="{INK}">'
        f"{text(cut(chart.title, 80))}</text>"
        f"{body}</svg>"
    )


# --- numbers --------------------------------------------------------------------------------


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _point(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _range(values: list[float], *, zero: bool) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if zero or (lo > 0 and lo < hi / 2):
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


def _scale(lo: float, hi: float, top: float, bottom: float) -> Callable[[float], float]:
    """Value → y. Halves keep the span finite for values near the float limit."""
    span = hi / 2 - lo / 2
    if not span > 0 or not math.isfinite(span):
        return lambda _v: (top + bottom) / 2
    return lambda v: bottom - (v / 2 - lo / 2) / span * (bottom - top)


def axis_number(value: float) -> str:
    """A short axis figure: `0`, `12.5`, `3.2k`, `41M`; no run of 300 digits."""
    size = abs(value)
    if size >= 1e15:
        return f"{value:.2g}"
    for limit, divisor, suffix in (
        (1e12, 1e12, "T"),
        (1e9, 1e9, "G"),
        (1e6, 1e6, "M"),
        (1e4, 1e3, "k"),
    ):
        if size >= limit:
            return f"{quantity(round(value / divisor, 1))}{suffix}"
    return quantity(round(value, 3) if size < 1000 else round(value))


def _f(value: float) -> str:
    return f"{value:.1f}"


# --- shared pieces --------------------------------------------------------------------------


def _legend(series: Sequence[Series], y: float, kind: str) -> str:
    """One entry per series (a line sample or a swatch), then the dashed reference if any."""
    parts, x = [], float(LEFT)
    for index, s in enumerate(series):
        colour, dash = PALETTE[index % 3], DASHES[index % 3]
        if kind == "line":
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 22)}" y2="{_f(y - 4)}" '
                f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
            )
        else:
            parts.append(
                f'<rect x="{_f(x + 6)}" y="{_f(y - 10)}" width="10" height="10" '
                f'fill="{colour}" stroke="{INK}" stroke-width="0.5"/>'
            )
        name = cut(s.name, 28)
        parts.append(f'<text x="{_f(x + 28)}" y="{_f(y)}" fill="{INK}">{text(name)}</text>')
        x += 40 + 6.5 * len(name)
        if x > WIDTH - 120:
            break
    return "".join(parts)


def _axes(lo: float, hi: float, y: Callable[[float], float], unit: str) -> str:
    parts = []
    for value in (lo, lo / 2 + hi / 2, hi):
        at = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{_f(at)}" x2="{RIGHT}" y2="{_f(at)}" stroke="{GRID}" '
            f'stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_f(at + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{text(axis_number(value))}</text>"
        )
    if unit:
        parts.append(
            f'<text x="{LEFT - 6}" y="{TOP - 12}" text-anchor="end" fill="{MUTED}">'
            f"{text(cut(unit, 12))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="{MUTED}" '
        f'stroke-width="1"/>'
    )
    return "".join(parts)


def _x_labels(labels: Sequence[str], centre: Callable[[int], float], count: int) -> str:
    if not count:
        return ""
    every = max(1, math.ceil(count / 12))  # at most 12 labels under the axis
    room = max(3, int((RIGHT - LEFT) / min(count, 12) / 6.5))
    parts = []
    for index in range(0, count, every):
        label = labels[index] if index < len(labels) else ""
        parts.append(
            f'<text x="{_f(centre(index))}" y="{BOTTOM + 18}" text-anchor="middle" '
            f'fill="{MUTED}">{text(cut(label, room))}</text>'
        )
    return "".join(parts)


def _no_data(y: float) -> str:
    return (
        f'<text x="{(LEFT + RIGHT) / 2}" y="{_f(y)}" text-anchor="middle" fill="{MUTED}" '
        f'font-style="italic">No data for this chart</text>'
    )


# --- the three kinds ------------------------------------------------------------------------


def _line(chart: Chart) -> tuple[int, str]:
    count = max([len(chart.labels)] + [len(s.values) for s in chart.series])
    values = [v for s in chart.series for v in _finite(s.values)]
    reference = _point(chart.reference)
    lo, hi = _range(values + ([reference] if reference is not None else []), zero=False)
    y = _scale(lo, hi, TOP, BOTTOM)
    step = (RIGHT - LEFT - 16) / max(count - 1, 1)

    def x(index: int) -> float:
        return LEFT + 8 + index * step if count > 1 else (LEFT + RIGHT) / 2

    parts = [_legend(chart.series, 42, "line"), _axes(lo, hi, y, chart.unit)]
    if reference is not None:
        at = y(reference)
        caption = chart.reference_label or axis_number(reference)
        parts.append(
            f'<line x1="{LEFT}" y1="{_f(at)}" x2="{RIGHT}" y2="{_f(at)}" stroke="{INK}" '
            f'stroke-width="1.5" stroke-dasharray="8 4"/>'
            f'<text x="{RIGHT}" y="{_f(at - 5)}" text-anchor="end" fill="{INK}">'
            f"{text(cut(caption, 40))}</text>"
        )
    markers = count <= 16
    for index, s in enumerate(chart.series):
        colour, dash = PALETTE[index % 3], DASHES[index % 3]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(s.values):
            points = [(x(i), y(v)) for i, v in run]
            if len(points) > 1:
                joined = " ".join(f"{_f(px)},{_f(py)}" for px, py in points)
                parts.append(
                    f'<polyline points="{joined}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5" stroke-linejoin="round"{dashed}/>'
                )
            if markers or len(points) == 1:  # a lone day between gaps must still show
                parts.extend(_marker(index, px, py, colour) for px, py in points)
    if not values:
        parts.append(_no_data((TOP + BOTTOM) / 2))
    parts.append(_x_labels(chart.labels, x, count))
    return HEIGHT, "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches between gaps: a None (or a non-finite value) breaks the line."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        point = _point(value)
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, point))
    if current:
        runs.append(current)
    return runs


def _marker(series: int, x: float, y: float, colour: str) -> str:
    """Circle, square, triangle: the series tell apart in grey too."""
    shape = series % 3
    if shape == 0:
        return (
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="{colour}" stroke="{INK}" '
            f'stroke-width="0.5"/>'
        )
    if shape == 1:
        return (
            f'<rect x="{_f(x - 3.5)}" y="{_f(y - 3.5)}" width="7" height="7" fill="{colour}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )
    return (
        f'<polygon points="{_f(x)},{_f(y - 4.5)} {_f(x + 4.5)},{_f(y + 3.5)} '
        f'{_f(x - 4.5)},{_f(y + 3.5)}" fill="{colour}" stroke="{INK}" stroke-width="0.5"/>'
    )


def _bars(chart: Chart) -> tuple[int, str]:
    count = max([len(chart.labels)] + [len(s.values) for s in chart.series])
    values = [v for s in chart.series for v in _finite(s.values)]
    lo, hi = _range(values, zero=True)
    y = _scale(lo, hi, TOP, BOTTOM)
    group = (RIGHT - LEFT) / max(count, 1)
    width = group * 0.8 / max(len(chart.series), 1)

    def centre(index: int) -> float:
        return LEFT + (index + 0.5) * group

    parts = [_legend(chart.series, 42, "bars"), _axes(lo, hi, y, chart.unit)]
    base = y(0.0)
    for index, s in enumerate(chart.series):
        colour = PALETTE[index % 3]
        for at, value in enumerate(s.values):
            point = _point(value)
            if point is None:
                continue  # a week with no data has no bar, not a bar of 0
            left = LEFT + at * group + group * 0.1 + index * width
            top, bottom = sorted((y(point), base))
            parts.append(
                f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(width)}" '
                f'height="{_f(max(bottom - top, 0.5))}" fill="{colour}" stroke="{INK}" '
                f'stroke-width="0.5"/>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{_f(base)}" x2="{RIGHT}" y2="{_f(base)}" stroke="{INK}" '
        f'stroke-width="1"/>'
    )
    if not values:
        parts.append(_no_data((TOP + BOTTOM) / 2))
    parts.append(_x_labels(chart.labels, centre, count))
    return HEIGHT, "".join(parts)


def _progress(chart: Chart) -> tuple[int, str]:
    """One bar per label filled to its fraction, and a black tick where it should be by now."""
    done = chart.series[0].values if chart.series else ()
    pace = chart.series[1].values if len(chart.series) > 1 else ()
    count = max(len(chart.labels), len(done))
    top = 40
    parts = []
    if len(chart.series) > 1:
        top = 58
        parts.append(
            f'<rect x="{BAR_LEFT}" y="32" width="10" height="10" fill="{PALETTE[0]}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
            f'<text x="{BAR_LEFT + 16}" y="41" fill="{INK}">{text(cut(chart.series[0].name, 24))}'
            f"</text>"
            f'<line x1="{BAR_LEFT + 200}" y1="30" x2="{BAR_LEFT + 200}" y2="44" stroke="{INK}" '
            f'stroke-width="3"/>'
            f'<text x="{BAR_LEFT + 208}" y="41" fill="{INK}">{text(cut(chart.series[1].name, 24))}'
            f"</text>"
        )
    span = BAR_RIGHT - BAR_LEFT
    for index in range(count):
        row = top + index * ROW
        label = chart.labels[index] if index < len(chart.labels) else ""
        parts.append(
            f'<text x="{BAR_LEFT - 8}" y="{row + 15}" text-anchor="end" fill="{INK}">'
            f"{text(cut(label, 30))}</text>"
            f'<rect x="{BAR_LEFT}" y="{row + 3}" width="{span}" height="16" fill="#EEEEEE" '
            f'stroke="{MUTED}" stroke-width="0.5"/>'
        )
        fraction = _point(done[index]) if index < len(done) else None
        if fraction is None:
            parts.append(
                f'<text x="{BAR_RIGHT + 8}" y="{row + 15}" fill="{MUTED}" '
                f'font-style="italic">no data</text>'
            )
        else:
            filled = min(max(fraction, 0.0), 1.0) * span
            parts.append(
                f'<rect x="{BAR_LEFT}" y="{row + 3}" width="{_f(filled)}" height="16" '
                f'fill="{PALETTE[0]}"/>'
                f'<text x="{BAR_RIGHT + 8}" y="{row + 15}" fill="{INK}">'
                f"{text(_percent(fraction))}</text>"
            )
        expected = _point(pace[index]) if index < len(pace) else None
        if expected is not None:
            at = BAR_LEFT + min(max(expected, 0.0), 1.0) * span
            parts.append(
                f'<line x1="{_f(at)}" y1="{row}" x2="{_f(at)}" y2="{row + 22}" stroke="#FFFFFF" '
                f'stroke-width="5"/><line x1="{_f(at)}" y1="{row}" x2="{_f(at)}" '
                f'y2="{row + 22}" stroke="{INK}" stroke-width="3"/>'
            )
    if not count:  # rows without data say so one by one; no rows at all, here
        parts.append(
            f'<text x="{(BAR_LEFT + BAR_RIGHT) / 2}" y="{top + 15}" text-anchor="middle" '
            f'fill="{MUTED}" font-style="italic">No data for this chart</text>'
        )
    return top + max(count, 1) * ROW + 8, "".join(parts)


def _percent(fraction: float) -> str:
    value = fraction * 100
    return f"{quantity(round(value)) if math.isfinite(value) else quantity(value)}%"
