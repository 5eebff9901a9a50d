"""The weekly status summary as one standalone HTML page, to be mailed or printed.

Everything is inside the page: the CSS (with a print stylesheet), and the charts as inline SVG.
It asks for nothing from anywhere: no stylesheet, script, image, font or link, because a mail
client would fetch it (telling a tracker the mail was read) or show a broken box, and a printed
copy cannot fetch at all. Good and bad news are coloured and also marked with a symbol, so the
page reads the same printed in black and white.

The page is XHTML-compatible (every element closed, only XML's own entities), so an XML parser
reads it as well as a browser does. Every text comes from the report, which is built from the
sources: each is cleaned of control characters and escaped here.
"""

from __future__ import annotations

from datetime import UTC

from cockpit.export.report_model import Change, Freshness, Section, WeeklyReport
from cockpit.export.svg_charts import chart_svg
from cockpit.export.svg_charts import text as esc

# Tone: the colour for the screen, the symbol for print and colour-blind readers.
TONE_MARKS = {"good": ("✓", "good news"), "bad": ("✗", "needs attention"), "neutral": ("•", "")}
STATE_MARKS = {
    "ok": "●",
    "stale": "◐",
    "failed": "✗",
    "never synced": "○",
    "not configured": "○",
    "no data this week": "○",
}

# Colours: Paul Tol's schemes, each at least 4.5:1 against white. No url(), no @import, no
# web font: the page must not reach out, even for a font.
STYLE = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#222;background:#fff;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.provenance,.note,.age{color:#555;font-size:.9rem}
.masked{border:2px solid #222;padding:.4rem .6rem;font-weight:bold}
.highlights{font-size:1.05rem;border-left:4px solid #004488;padding:.2rem .8rem;margin:1.2rem 0}
section.area{border-top:1px solid #bbb;padding:1rem 0 .5rem}
.badge{font-size:.8rem;font-weight:normal;border:1px solid #777;border-radius:.7rem;
padding:0 .5rem;white-space:nowrap}
.state-ok .badge{border-color:#117733;color:#0b5223}
.state-stale .badge{border-color:#997700;color:#6b5200}
.state-failed .badge{border-color:#cc3311;color:#a32a0d;font-weight:bold}
ul{margin:.4rem 0;padding-left:1.4rem}
ul.changes{list-style:none;padding-left:0}
ul.changes li{padding-left:1.4rem;text-indent:-1.4rem}
.mark{display:inline-block;width:1.4rem;text-indent:0;font-weight:bold}
li.good{color:#0b5223}
li.bad{color:#a32a0d;font-weight:600}
ul.lines ul{list-style:circle}
figure{margin:.6rem 0}
figure svg{display:block;width:100%;height:auto;max-width:40rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}
@page{margin:15mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10.5pt}
section.area,figure,table,tr{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge,.masked{border-color:#000}
}
"""


def render_html(report: WeeklyReport) -> str:
    """The report as a complete page, from `<!DOCTYPE html>` to `</html>`."""
    body = []
    if report.masked:
        from cockpit.masking import MASK_MARKER  # only masked pages need the masking module

        body.append(f'<p class="masked">⊘ {esc(MASK_MARKER)}</p>')
    body.append(
        f"<header><h1>{esc(report.title)}</h1>"
        f'<p class="provenance">{esc(report.provenance)}</p></header>'
    )
    if report.highlights:
        sentences = " ".join(esc(s) for s in report.highlights)
        body.append(f'<p class="highlights">{sentences}</p>')
    for section in report.sections:
        body.append(_section(section, report))
    if report.freshness:
        body.append(_freshness(report.freshness))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{esc(report.title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _section(section: Section, report: WeeklyReport) -> str:
    state_class = section.state.replace(" ", "-")
    mark = STATE_MARKS.get(section.state, "○")
    # "never synced" is both a state and an age: said once.
    shown_age = section.age if section.age and section.age != section.state else ""
    badge = f"{mark} {section.state}" + (f" · {shown_age}" if shown_age else "")
    out = [
        f'<section class="area state-{esc(state_class)}" id="{esc(section.key)}">'
        f'<h2>{esc(section.title)} <span class="badge">{esc(badge)}</span></h2>'
    ]
    if section.changes:
        out.append(f'<ul class="changes">{"".join(_change(c) for c in section.changes)}</ul>')
    elif not report.compared:
        out.append(
            f'<p class="note">No week-over-week changes: the cache holds nothing from '
            f"{esc(report.previous.label)}.</p>"
        )
    if section.lines:
        out.append(_lines(section.lines))
    if section.chart is not None:
        out.append(f'<figure class="chart">{chart_svg(section.chart)}</figure>')
    out.append("</section>")
    return "".join(out)


def _change(change: Change) -> str:
    symbol, words = TONE_MARKS.get(change.tone, TONE_MARKS["neutral"])
    title = f' title="{words}"' if words else ""
    return (
        f'<li class="{change.tone}"><span class="mark"{title}>{symbol}</span>'
        f"{esc(change.text)}</li>"
    )


def _lines(lines: tuple[str, ...]) -> str:
    """Lines starting with two spaces are sub-items: a list nested in the item before them
    (a sub-item with nothing before it stands at the top level, indented)."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("  ") and items:
            items[-1][1].append(line.strip())
        elif line.startswith("  "):
            items.append(("", [line.strip()]))
        else:
            items.append((line.strip(), []))
    out = ['<ul class="lines">']
    for head, subs in items:
        nested = "".join(f"<li>{esc(s)}</li>" for s in subs)
        out.append(f"<li>{esc(head)}" + (f"<ul>{nested}</ul>" if subs else "") + "</li>")
    out.append("</ul>")
    return "".join(out)


def _freshness(rows: tuple[Freshness, ...]) -> str:
    out = [
        '<section class="area" id="freshness"><h2>Freshness</h2><table>'
        "<thead><tr><th>Source</th><th>Areas</th><th>State</th><th>Last sync</th>"
        "<th>Age</th></tr></thead><tbody>"
    ]
    for row in rows:
        at = row.synced_at
        synced = f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if at is not None else "never"
        out.append(
            f"<tr><td>{esc(row.source)}</td><td>{esc(', '.join(row.areas))}</td>"
            f"<td>{esc(row.state)}</td><td>{esc(synced)}</td><td>{esc(row.age)}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)
