"""The OKRs panel: each objective's progress against the pace its period asks for, and per key
result where its value stands, where it comes from, and whether it needs a look.

What a lead reads first is the header: the period, how much of it has gone, and how many key
results are at risk, stale or broken. Each objective then gets its title and a bar filled to
its progress, with a marker (┃) where a steady pace would have it by now, so "behind" is a
gap between the fill and the marker. Each key result gets one row:

    ◐ Fraud model AUC          0.938 → 0.955 ▲ mlf

a status mark (the glyph differs as well as the colour, for monochrome terminals and text
screenshots), the title, the current value and the target with units (`cockpit.formatting`,
as every surface writes them), the trend of the value coloured by whether it moves the right
way, and a badge saying where the value comes from. A stale key result says so; a broken
binding shows its reason in place of the figures.

Room is shared in this order: the objectives, a line for the KPIs, then as many key results as
fit (the ones that need attention first), each cut list ending in "+N more" with the true N;
when every key result shows and rows are left, each KPI gets a row with its band. With too
little room for that, each objective takes one row, and a "+N more" row names what it leaves
out. The detail view draws everything, with a broken binding's whole reason under its key
result. Everything drawn comes from the summary; text from the OKR file is assembled as plain
text, never parsed as markup.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import msgspec
from textual.content import Content
from textual.reactive import reactive

from cockpit.analytics.okr_views import KpiView, KrView, ObjectiveView, OkrSummary
from cockpit.formatting import GLUED_UNITS, plural, quantity, with_unit
from cockpit.text_safety import clean_line
from widgets.panel import Panel, Part, line

MUTED = "$foreground-muted"
STATUS_STYLE = {
    "done": "$success",
    "on track": "$success",
    "at risk": "$warning",
    "off track": "$error",
    "behind": "$error",  # the word older summaries used for off track
    "no data": MUTED,
    "broken": "$error",
}
STATUS_MARK = {
    "done": "✓",
    "on track": "●",
    "at risk": "◐",
    "off track": "○",
    "behind": "○",
    "no data": "?",
    "broken": "✗",
}
# Which key results a cut list keeps first: those that need the lead's attention.
STATUS_RANK = {"broken": 0, "off track": 1, "behind": 1, "at risk": 2, "no data": 3}
TREND_ARROW = {"up": "▲", "down": "▼", "flat": "▶"}
# Where a value comes from, in at most four cells.
ORIGIN_BADGE = {
    "manual": "✎",
    "mlflow": "mlf",
    "wandb": "W&B",
    "jira": "jira",
    "cost": "$",
    "model": "mdl",
    "status": "stat",
}
BADGE_WIDTH = 4
PACE_MARK = "┃"
STALE_WORD = "stale"
NO_VALUE = "—"  # as the weekly export writes a missing value

INDENT = "  "
TITLE_MIN = 10  # a key result's title keeps this many cells before its details give way
TITLE_WANT = 20  # ... and this many before the long form of its figures does
NARROW_FROM = 40  # columns: narrower panels show one row per objective
COMPACT_BAR = 10
PACE_TEXT_FROM = 20  # bar cells left over before an objective's row also says its pace
KPI_TITLE_MAX = 24  # in the one-line KPI list


def plain(text: str) -> str:
    """Text from the file or a source as one harmless line (the dashboard cleans records too;
    this keeps a hand-fed summary just as safe)."""
    return clean_line(text)


def fit(text: str, width: int, *, pad: bool = False) -> Content:
    """`text` cut to `width` cells with an ellipsis (wide characters count as two), padded to
    exactly `width` when asked."""
    if width <= 0:
        return Content("")
    return Content(text).truncate(width, ellipsis=True, pad=pad)


def cells(text: str) -> int:
    return Content(text).cell_length


def status_style(status: str) -> str:
    return STATUS_STYLE.get(status, MUTED)


def status_mark(status: str) -> str:
    return STATUS_MARK.get(status, "·")


def badge(origin: str) -> str:
    return ORIGIN_BADGE.get(origin, origin[:BADGE_WIDTH])


def band_text(low: float | None, high: float | None, unit: str) -> str:
    """`100–150 ms`, `95%–99%`, `$250–$300`: a band written once with its unit, or on both
    ends where the unit is glued to the number or is a currency symbol."""
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {with_unit(high, unit)}" if high is not None else ""
    if high is None:
        return f"≥ {with_unit(low, unit)}"
    glued = with_unit(1, unit) != f"1 {unit.strip()}" or unit.strip() in GLUED_UNITS
    if glued and unit.strip():
        return f"{with_unit(low, unit)}–{with_unit(high, unit)}"
    return f"{quantity(low)}–{with_unit(high, unit)}"


def value_text(value: float | None, unit: str) -> str:
    return NO_VALUE if value is None else with_unit(value, unit)


def figures(kr: KrView) -> tuple[str, str]:
    """(`0.938`, ` → 0.955`): the current value and where it should go."""
    current = value_text(kr.current, kr.unit)
    if kr.direction == "band" and (kr.band_low is not None or kr.band_high is not None):
        return current, f" → {band_text(kr.band_low, kr.band_high, kr.unit)}"
    return current, f" → {with_unit(kr.target, kr.unit)}"


def trend_part(trend: str, improving: bool | None) -> Part:
    arrow = TREND_ARROW.get(trend, " ")
    if trend == "flat" or improving is None:
        return (arrow, MUTED)
    return (arrow, "$success" if improving else "$error")


def pace_bar(progress: float, expected: float, width: int, style: str) -> list[Part]:
    """A bar `width` cells wide filled to `progress`, with a marker where the expected pace
    would have it (shown in the fill, or over the empty part, whichever it falls in)."""
    width = max(width, 1)
    filled = round(min(max(progress, 0.0), 1.0) * width)
    mark = min(int(min(max(expected, 0.0), 1.0) * width), width - 1) if width >= 5 else -1
    parts: list[Part] = []
    if mark < 0:
        before, after = filled, width - filled
        return [("█" * before, style), ("░" * after, f"{MUTED} 50%")]
    for start, stop in ((0, mark), (mark + 1, width)):
        if start > 0:
            mark_style = f"bold $foreground on {style}" if mark < filled else "bold $foreground"
            parts.append((PACE_MARK, mark_style))
        fill = min(max(filled - start, 0), stop - start)
        if fill:
            parts.append(("█" * fill, style))
        if stop - start - fill:
            parts.append(("░" * (stop - start - fill), f"{MUTED} 50%"))
    return parts


def more_row(hidden: int, noun: str, width: int, indent: str = "") -> Content:
    text = f"{indent}+{hidden:,} more {noun} · enter shows all"
    return line((text, MUTED)).truncate(width, ellipsis=True)


# --- the header ---------------------------------------------------------------------------


def count_parts(s: OkrSummary) -> list[Part]:
    """`2 at risk · 1 stale · 1 broken`: only what is there to count."""
    counts = [
        (s.at_risk, "at risk", "$warning"),
        (s.stale, "stale", "$warning"),
        (s.broken, "broken", "$error"),
    ]
    parts: list[Part] = []
    for count, words, style in counts:
        if count:
            if parts:
                parts.append((" · ", MUTED))
            parts.append((f"{count:,} {words}", style))
    return parts


def period_variants(s: OkrSummary) -> list[list[Part]]:
    """The period line from the longest wording to the shortest."""
    gone = f"{s.elapsed:.0%}"
    if s.days_left > 0:
        left, short_left = f"{plural(s.days_left, 'day')} left", f"{s.days_left:,}d left"
    else:
        left = short_left = "period over"
    period: Part = (plain(s.period), "bold")
    return [
        [period, (f" · {gone} of the period gone · {left}", MUTED)],
        [period, (f" · {gone} gone · {left}", MUTED)],
        [period, (f" · {gone} gone · {short_left}", MUTED)],
        [period, (f" · {gone}", MUTED)],
    ]


def header_rows(s: OkrSummary, width: int, rows: int) -> list[Content]:
    """One line when it holds everything; else, given `rows` of 2, the period and the counts
    on lines of their own; else the period and the counts, cut."""
    counts = count_parts(s)
    variants = period_variants(s)
    if not counts:
        for parts in variants:
            if line(*parts).cell_length <= width:
                return [line(*parts)]
        return [line(*variants[-1]).truncate(width, ellipsis=True)]
    joined = [line(*parts, (" · ", MUTED), *counts) for parts in variants[:3]]
    for row in joined:
        if row.cell_length <= width:
            return [row]
    if rows >= 2:
        first = next(
            (line(*p) for p in variants if line(*p).cell_length <= width),
            line(*variants[-1]).truncate(width, ellipsis=True),
        )
        return [first, line(*counts).truncate(width, ellipsis=True)]
    # One line for both: the counts are what a lead acts on, so they go before the period.
    for row in (line(variants[0][0], (" · ", MUTED), *counts), line(*counts)):
        if row.cell_length <= width:
            return [row]
    return [line(*counts).truncate(width, ellipsis=True)]


# --- objectives and key results -----------------------------------------------------------


def progress_text(o: ObjectiveView) -> str:
    """`  58%`, or `   —` when none of its key results has a value: no progress to speak of."""
    if o.key_results and o.unmeasured >= len(o.key_results):
        return f"{NO_VALUE:>4}"
    return f"{o.progress:>4.0%}"


def objective_rows(
    o: ObjectiveView, width: int, elapsed: float, status_width: int
) -> list[Content]:
    """The title, then the bar against the pace with the progress and the status. The status
    is padded to `status_width` so that the bars of one panel end in one column; the pace is
    written out only when it is not the header's (the objective has its own period)."""
    style = status_style(o.status)
    title = line((plain(o.title), "bold"))
    notes = [plain(o.owner)] if o.owner else []
    if 0 < o.unmeasured < len(o.key_results):
        # Left out of the progress, neither 0 % nor 100 %: the key results say why.
        notes.append(f"{o.unmeasured:,} of {len(o.key_results):,} unmeasured")
    while notes and title.cell_length + sum(3 + cells(n) for n in notes) > width:
        notes.pop(0 if len(notes) > 1 and o.unmeasured else -1)
    if notes:
        title = line((plain(o.title), "bold"), (f" · {' · '.join(notes)}", MUTED))
    share: Part = (f" {progress_text(o)} ", style)
    status: Part = (o.status.ljust(status_width), style)
    tail = [share, status]
    if round(o.expected, 2) != round(elapsed, 2):
        with_pace = [share, (f"(pace {o.expected:.0%}) ", MUTED), status]
        if width - line(*with_pace).cell_length >= PACE_TEXT_FROM:
            tail = with_pace
    room = width - line(*tail).cell_length
    return [
        title.truncate(width, ellipsis=True),
        line(*pace_bar(o.progress, o.expected, room, style), *tail).truncate(width),
    ]


def compact_objective_row(o: ObjectiveView, width: int) -> Content:
    """`██████┃░░░  58% Ship ranker v3 to …`: one row for an objective in a narrow panel."""
    style = status_style(o.status)
    share = f" {progress_text(o)} "
    if width >= COMPACT_BAR + len(share) + TITLE_MIN:
        parts = [*pace_bar(o.progress, o.expected, COMPACT_BAR, style), (share, style)]
    else:
        parts = [(share.lstrip(), style)]
    used = line(*parts).cell_length
    return line(*parts, fit(plain(o.title), width - used)).truncate(width, ellipsis=True)


def kr_row(kr: KrView, width: int) -> Content:
    """One key result: mark, title, then as room allows its figures, stale flag, trend and
    badge (given up in the reverse of that order); a broken one shows its reason instead."""
    style = status_style(kr.status)
    head: list[Part] = [(f"{INDENT}{status_mark(kr.status)} ", style)]
    head_width = len(INDENT) + 2
    title = plain(kr.title)
    tag = badge(kr.origin)
    if kr.error or kr.status == "broken":
        reason = plain(kr.error) or "broken binding"
        room = width - head_width
        tail = f" {tag:<{BADGE_WIDTH}}" if room - len(tag) - 1 >= 2 * TITLE_MIN else ""
        room -= len(tail)
        # The title takes what the reason leaves, and at least a fair share of the row.
        title_width = min(cells(title), max(TITLE_MIN, room // 2 - 4, room - cells(reason) - 2))
        parts: list[Part] = [*head, fit(title, title_width)]
        reason_width = room - title_width - 1
        if reason_width >= 6:
            parts += [(": ", MUTED), (fit(reason, reason_width - 1, pad=True).plain, "$error")]
        else:
            parts.append(" " * max(room - title_width, 0))
        if tail:
            parts.append((tail, MUTED))
        return line(*parts).truncate(width, ellipsis=True)

    current, target = figures(kr)
    value_style = "bold" if kr.current is not None else MUTED
    stale: list[Part] = [(f" {STALE_WORD}", "$warning")] if kr.stale else []
    trend: list[Part] = [" ", trend_part(kr.trend, kr.improving)]
    tag_part: list[Part] = [(f" {tag:<{BADGE_WIDTH}}", MUTED)]
    full: list[Part] = [" ", (current, value_style), (target, MUTED)]
    options = [stale + full + trend + tag_part]
    short_current = value_text(kr.current, "") if cells(kr.unit) > 2 else current
    if short_current != current:
        # `17,325 → 50,000 utterances`: a long unit written once.
        short: list[Part] = [" ", (short_current, value_style), (target, MUTED)]
        options.append(stale + short + trend + tag_part)
    else:
        short = full
    options += [stale + short + trend, stale + short, short, [" ", (current, value_style)]]
    tail_parts = pick_tail(options, width - head_width, cells(title))
    room = max(width - head_width - line(*tail_parts).cell_length, 0)
    return line(*head, fit(title, room, pad=True), *tail_parts).truncate(width, ellipsis=True)


def pick_tail(options: Sequence[list[Part]], room: int, title: int) -> list[Part]:
    """The richest tail that leaves the title a fair share of `room` (TITLE_WANT cells or its
    whole length); failing that, the richest that leaves it TITLE_MIN; else the last."""
    for want in (TITLE_WANT, TITLE_MIN):
        for parts in options:
            if room - line(*parts).cell_length >= min(title, want):
                return parts
    return options[-1]


def error_rows(text: str, width: int) -> list[Content]:
    """A broken binding's whole reason under its key result, wrapped (the detail view)."""
    indent = INDENT + "    "
    room = max(width - len(indent), 10)
    return [
        line(indent, (chunk, "$error")).truncate(width, ellipsis=True)
        for chunk in textwrap.wrap(plain(text), room, break_on_hyphens=False) or [""]
    ]


def pick_krs(krs: Sequence[KrView], count: int) -> list[KrView]:
    """`count` of the key results, those that need attention first (broken, off track, at
    risk, no data, then stale), kept in the file's order."""
    if count >= len(krs):
        return list(krs)

    def rank(index: int) -> tuple[int, int]:
        kr = krs[index]
        attention = STATUS_RANK.get(kr.status, 5 if not kr.stale else 4)
        return attention, index

    keep = sorted(sorted(range(len(krs)), key=rank)[: max(count, 0)])
    return [krs[i] for i in keep]


def allot(sizes: Sequence[int], budget: int, order: Sequence[int] | None = None) -> list[int]:
    """How many key results each objective shows in `budget` rows. A cut list takes a row
    for its own "+N more"; the key results of objectives that show none are counted on one
    "+N more" row at the end. Rows are handed out a level at a time (everyone's first key
    result, then everyone's second…), objectives in `order` (those that need a look first)."""
    if sum(sizes) <= budget:
        return list(sizes)
    order = list(order) if order is not None else list(range(len(sizes)))
    shown = [0] * len(sizes)

    def cost(counts: Sequence[int]) -> int:
        rows = sum(c + (1 if 0 < c < n else 0) for c, n in zip(counts, sizes, strict=True))
        return rows + (1 if any(c == 0 < n for c, n in zip(counts, sizes, strict=True)) else 0)

    for level in range(1, max(sizes, default=0) + 1):
        grew = False
        for index in order:
            if shown[index] >= min(sizes[index], level):
                continue
            trial = [*shown]
            trial[index] = min(sizes[index], level)
            if cost(trial) <= budget:
                shown, grew = trial, True
        if not grew:
            break
    return shown


def objective_order(objectives: Sequence[ObjectiveView]) -> list[int]:
    """Objectives that need a look first: broken, off track, at risk, no data, on track, done."""

    def rank(index: int) -> tuple[int, int]:
        status = objectives[index].status
        return STATUS_RANK.get(status, 6 if status == "done" else 5), index

    return sorted(range(len(objectives)), key=rank)


# --- KPIs -------------------------------------------------------------------------------


def kpi_state(k: KpiView) -> tuple[str, str, str]:
    """(mark, words, style): in band, above or below it, no value, or a broken binding."""
    if k.error:
        return "✗", "broken", "$error"
    if k.current is None or k.in_band is None:
        return "?", "no data", MUTED
    if k.in_band:
        return "✓", "in band", "$success"
    if k.band_high is not None and k.current > k.band_high:
        return "✗", "above band", "$error"
    return "✗", "below band", "$error"


def kpi_trend(k: KpiView) -> Part:
    """The arrow is green when an out-of-band value heads back to its band, red when it heads
    away; within the band a move is neither."""
    arrow = TREND_ARROW.get(k.trend, " ")
    if k.current is None or k.in_band is not False or k.trend not in ("up", "down"):
        return (arrow, MUTED)
    above = k.band_high is not None and k.current > k.band_high
    toward = (k.trend == "down") == above
    return (arrow, "$success" if toward else "$error")


def kpi_item(k: KpiView, *, words: bool) -> list[Part]:
    mark, phrase, style = kpi_state(k)
    title = fit(plain(k.title), KPI_TITLE_MAX).plain
    value = value_text(k.current, k.unit) if not k.error else ""
    parts: list[Part] = [title]
    if value:
        parts.append((f" {value}", "bold" if k.in_band is not False else style))
    parts.append((f" {mark}", style))
    if words:
        parts.append((f" {phrase}", style))
    if k.stale:
        parts.append((f" {STALE_WORD}", "$warning"))
    return parts


def kpi_line(kpis: Sequence[KpiView], width: int) -> Content:
    """`KPIs: p95 latency 118 ms ✓ in band · …`; as many as fit, then "+N more"; with room for
    none, how many are out of their band."""
    head: Part = ("KPIs: ", "bold")
    for words in (True, False):
        parts: list[Part] = [head]
        shown = 0
        for index, k in enumerate(kpis):
            item = ([(" · ", MUTED)] if shown else []) + kpi_item(k, words=words)
            left = len(kpis) - index - 1
            more = [(f" · +{left:,} more", MUTED)] if left else []
            if line(*parts, *item, *more).cell_length > width:
                break
            parts += item
            shown += 1
        if shown == len(kpis):
            return line(*parts)
    if shown and not words:
        hidden = len(kpis) - shown
        return line(*parts, (f" · +{hidden:,} more", MUTED))
    out = sum(1 for k in kpis if k.in_band is False or k.error)
    summary = f"{out:,} of {plural(len(kpis), 'KPI')} out of band" if out else "all in band"
    return line(head, (summary, "$error" if out else "$success")).truncate(width, ellipsis=True)


def kpi_row(k: KpiView, width: int) -> Content:
    """`  ✓ p95 latency      118 ms  band 100–150 ms ▶ mlf`"""
    mark, _, style = kpi_state(k)
    head: list[Part] = [(f"{INDENT}{mark} ", style)]
    head_width = len(INDENT) + 2
    title = plain(k.title)
    tag_part: list[Part] = [(f" {badge(k.origin):<{BADGE_WIDTH}}", MUTED)]
    if k.error:
        room = width - head_width - BADGE_WIDTH - 1
        title_width = min(cells(title), max(TITLE_MIN, room // 3))
        reason = fit(plain(k.error), max(room - title_width - 1, 0), pad=True).plain
        return line(*head, fit(title, title_width), " ", (reason, "$error"), *tag_part).truncate(
            width, ellipsis=True
        )
    value = value_text(k.current, k.unit)
    band = band_text(k.band_low, k.band_high, k.unit)
    stale: list[Part] = [(f" {STALE_WORD}", "$warning")] if k.stale else []
    figures_parts: list[Part] = [" ", (value, "bold" if k.in_band is not False else style)]
    band_parts: list[Part] = [(f" band {band}", MUTED)] if band else []
    trend: list[Part] = [" ", kpi_trend(k)]
    options = [
        stale + figures_parts + band_parts + trend + tag_part,
        stale + figures_parts + band_parts + trend,
        stale + figures_parts + trend,
        figures_parts,
    ]
    tail_parts = pick_tail(options, width - head_width, cells(title))
    room = max(width - head_width - line(*tail_parts).cell_length, 0)
    return line(*head, fit(title, room, pad=True), *tail_parts).truncate(width, ellipsis=True)


def kpi_rows(kpis: Sequence[KpiView], width: int) -> list[Content]:
    out = sum(1 for k in kpis if k.in_band is False or k.error)
    note = f" · {out:,} out of band" if out else " · all in band"
    heading = line(("KPIs", "bold"), (note, "$error" if out else MUTED))
    return [heading.truncate(width, ellipsis=True), *(kpi_row(k, width) for k in kpis)]


# --- the panel ----------------------------------------------------------------------------


class OkrPanel(Panel):
    PANEL_ID = "okrs"
    TITLE = "OKRs"

    summary: reactive[OkrSummary | None] = reactive(None)

    def render_body(self, width: int, height: int) -> list[Content]:
        s = self.summary
        if s is None:
            return []
        if self.detailed:
            return self._everything(s, width)
        objectives = s.objectives
        krs = sum(len(o.key_results) for o in objectives)
        # Titles, bars, a row of key results (even if only "+N more"), the KPI line.
        least = 2 * len(objectives) + (1 if krs else 0) + (1 if s.kpis else 0)
        if width < NARROW_FROM or height < 1 + least:
            return self._compact(s, width, height)
        header = header_rows(s, width, 2 if height >= 2 + least else 1)
        budget = height - len(header) - 2 * len(objectives) - (1 if s.kpis else 0)
        sizes = [len(o.key_results) for o in objectives]
        shown = allot(sizes, budget, objective_order(objectives))
        rows = list(header)
        if not objectives and len(rows) < height:
            rows.append(
                line(("No objectives in the OKR file.", MUTED)).truncate(width, ellipsis=True)
            )
        unlisted = 0  # key results of objectives that show none
        status_width = max((len(o.status) for o in objectives), default=0)
        for index, o in enumerate(objectives):
            rows += objective_rows(o, width, s.elapsed, status_width)
            if not shown[index]:
                unlisted += len(o.key_results)
                continue
            picked = pick_krs(o.key_results, shown[index])
            rows += [kr_row(kr, width) for kr in picked]
            if len(picked) < len(o.key_results):
                hidden = len(o.key_results) - len(picked)
                noun = "key result" if hidden == 1 else "key results"
                rows.append(more_row(hidden, noun, width, INDENT))
        if unlisted:
            noun = "key result" if unlisted == 1 else "key results"
            rows.append(more_row(unlisted, noun, width))
        if s.kpis:
            spare = height - len(rows)
            if shown == sizes and spare >= 1 + len(s.kpis):
                rows += kpi_rows(s.kpis, width)
            elif spare >= 1:
                rows.append(kpi_line(s.kpis, width))
        return rows

    def _compact(self, s: OkrSummary, width: int, height: int) -> list[Content]:
        """One row per objective (with the pace marker in a short bar), then the KPI line."""
        objectives = s.objectives
        extra = 1 if s.kpis else 0
        header = header_rows(s, width, 2 if height >= 2 + len(objectives) + extra else 1)
        rows = list(header)
        room = height - len(rows)
        if len(objectives) + extra > room:
            # The last row says what is left out: objectives, and the KPIs with them.
            keep = min(max(room - 1, 0), len(objectives))
            rows += [compact_objective_row(o, width) for o in objectives[:keep]]
            hidden = len(objectives) - keep
            noun = "objective" if hidden == 1 else "objectives"
            what = [f"+{hidden:,} more {noun}"] if hidden else []
            what += [plural(len(s.kpis), "KPI")] if s.kpis else []
            text = f"{', '.join(what)} · enter shows all"
            rows.append(line((text, MUTED)).truncate(width, ellipsis=True))
            return rows[:height]
        rows += [compact_objective_row(o, width) for o in objectives]
        if s.kpis:
            rows.append(kpi_line(s.kpis, width))
        return rows

    def _everything(self, s: OkrSummary, width: int) -> list[Content]:
        """The detail view: every key result, each broken binding's whole reason, every KPI."""
        rows = header_rows(s, width, 2)
        status_width = max((len(o.status) for o in s.objectives), default=0)
        for o in s.objectives:
            rows += objective_rows(o, width, s.elapsed, status_width)
            for kr in o.key_results:
                if kr.error:
                    # The row says it is broken; the whole reason follows, wrapped.
                    rows.append(kr_row(msgspec.structs.replace(kr, error=""), width))
                    rows += error_rows(kr.error, width)
                else:
                    rows.append(kr_row(kr, width))
        if s.kpis:
            rows += kpi_rows(s.kpis, width)
            for k in s.kpis:
                if k.error:
                    rows += error_rows(f"{plain(k.title)}: {k.error}", width)
        return rows
