"""OKRs in the weekly export: each key result this week against the last, then what needs the
lead (off track or at risk, broken bindings, stale key results, KPIs out of band), under the
section's age line. Hand-made view-models (the same as the status tests'), then the demo."""

from __future__ import annotations

import json
import re

import pytest

from cockpit.export.weekly import WEEKLY_SCHEMA, Week, build_sections
from cockpit.export.weekly import render_dashboard as render
from cockpit.formatting import rounded, signed_with_unit
from cockpit.report_okrs import export_okr_lines, week_text
from tests.cockpit.test_status_okrs import (
    NOW,
    TODAY,
    dashboard,
    kpi,
    kr,
    objective,
    summary,
)
from tests.cockpit.weekly_page import section

WEEK = Week(2026, 48)


def okr_section(d: object) -> tuple[str, tuple[str, ...]]:
    (section,) = [s for s in build_sections(d, WEEK) if s.title == "OKRs"]  # type: ignore[arg-type]
    return section.age, section.lines


def test_each_key_result_this_week_against_the_last_then_what_needs_the_lead() -> None:
    age, lines = okr_section(dashboard(summary()))
    assert age == "data as of 19s ago"
    assert list(lines) == [
        "2026-Q4: 57% of the period gone, 38 days left; 2 key results at risk or off track, "
        "1 stale, 2 broken bindings",
        "36% off track (57% expected): Ship ranker v3 to all search traffic",
        "  47% at risk: Ranker v3 launch epic: 30 points done: 14 pts → 30 pts; a week before"
        " 3 pts (+11 pts) · Jira",
        "  52% on track: p95 ranking latency from 180 ms to 120 ms: 149 ms → 120 ms; a week"
        " before 154 ms (-5 ms) · checked in, confidence 7/10 ↓",
        "  10% off track: Search traffic served by ranker v3 from 0% to 100%: 10% → 100%;"
        " no value a week before · checked in, confidence 3/10",
        "57% on track (57% expected): Make model training cheap and boring",
        "  – broken: Cloud spend per ranker training run from $410 to $280: binding broken:"
        " no spend matches scope tag:team=rankng: check the scope's spelling",
        "  57% on track: Training image build time from 38 min to 10 min: 22 min → 10 min;"
        " unchanged in a week · checked in, confidence 8/10 →",
        "Off track or at risk: 2",
        "  off track: O1.KR3 Search traffic served by ranker v3 from 0% to 100%, 10% done,"
        " 57% expected by now",
        "  at risk: O1.KR1 Ranker v3 launch epic: 30 points done, 47% done, 57% expected by now",
        "Broken bindings: 2",
        "  O2.KR1 Cloud spend per ranker training run from $410 to $280: no spend matches scope"
        " tag:team=rankng: check the scope's spelling",
        "  K3 Failed-run rate this week: status has no 'this_wek' (it has: tracker, runs,"
        " this_week, last_week)",
        "Stale: 1",
        "  O2.KR3 Training image build time from 38 min to 10 min: no change or check-in for"
        " 22 days",
        "KPIs: 1 of 3 out of band",
        "  above band: Weekly A100 spend on Google Cloud: $5,494 (band $2,500–$4,500); a week"
        " before $3,617.96 (+$1,880) · cockpit status",
        "  in band: p95 fraud-scoring latency: 52 ms (band 0–80 ms); a week before 56 ms (-4 ms)"
        " · checked in",
        "  broken: Failed-run rate this week: binding broken: status has no 'this_wek' (it has:"
        " tracker, runs, this_week, last_week)",
    ]


def test_nothing_to_flag_adds_no_empty_headings() -> None:
    calm = summary(
        objectives=(objective("O1", "Calm", (kr(status="on track"),), status="on track"),),
        kpis=(kpi(current=3000.0, in_band=True),),
        at_risk=0,
        stale=0,
        broken=0,
    )
    lines = export_okr_lines(calm, TODAY)
    assert not any(line.startswith(("Off track", "Broken", "Stale")) for line in lines)
    assert "KPIs: 0 of 1 out of band" in lines


def test_week_text() -> None:
    assert week_text(14.0, 11.0, "pts") == "a week before 3 pts (+11 pts)"
    assert week_text(0.05, -0.036207, "") == "a week before 0.086207 (-0.0362)"
    assert week_text(0.9582, 0.0, "") == "unchanged in a week"
    assert week_text(0.9582, 1e-12, "") == "unchanged in a week"
    assert week_text(10.0, None, "%") == "no value a week before"
    assert week_text(None, None, "%") == ""


def test_a_change_is_signed_and_rounded_to_three_digits() -> None:
    assert signed_with_unit(-70.08714, "USD", 3) == "-$70.1"
    assert signed_with_unit(1876.04, "USD", 3) == "+$1,880"
    assert signed_with_unit(0.0021, "", 3) == "+0.0021"
    assert signed_with_unit(0.0, "ms") == "±0 ms"
    assert signed_with_unit(-4.0, "%") == "-4%"
    assert rounded(123456.0, 3) == 123000.0 and rounded(0.0, 3) == 0.0
    assert rounded(-0.036207, 3) == -0.0362


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_markdown_and_html_keep_key_results_under_their_objective(fmt: str) -> None:
    text = render(dashboard(summary()), WEEK, fmt, generated_at=NOW)
    if fmt == "md":
        assert "## OKRs\n\n_data as of 19s ago_\n\nSince last week:\n\n- " in text
        assert "\nWhere things stand:\n\n- 2026-Q4: 57% of the period gone" in text
        assert "\n- 36% off track (57% expected): Ship ranker v3 to all search traffic\n" in text
        assert "\n  - 47% at risk: Ranker v3 launch epic: 30 points done: 14 pts → 30 pts" in text
        assert "\n- KPIs: 1 of 3 out of band\n  - above band: Weekly A100 spend" in text
    else:
        okrs = section(text, "okrs")
        assert okrs.title == "OKRs" and okrs.badge.endswith("· data as of 19s ago")
        assert "36% off track (57% expected): Ship ranker v3 to all search traffic" in okrs.lines
        # The key result is a sub-item of its objective, as in the Markdown.
        at = okrs.lines.index("36% off track (57% expected): Ship ranker v3 to all search traffic")
        assert okrs.lines[at + 1].startswith(
            "  47% at risk: Ranker v3 launch epic: 30 points done: 14 pts → 30 pts"
        )
        assert "Broken bindings: 2" in okrs.lines


def test_json_export_carries_the_status_okrs() -> None:
    payload = json.loads(render(dashboard(summary()), WEEK, "json", generated_at=NOW))
    assert payload["schema"] == WEEKLY_SCHEMA == "cockpit.weekly/7"
    okrs = payload["okrs"]
    assert (okrs["at_risk"], okrs["stale"], okrs["broken"], okrs["kpis_out_of_band"]) == (
        2,
        1,
        2,
        1,
    )
    first = okrs["objectives"][0]["key_results"][0]
    assert (first["current"], first["week_change"], first["source"]) == (14.0, 11.0, "jira")
    assert [k["state"] for k in okrs["kpis"]] == ["above band", "in band", "broken"]


def test_hostile_titles_stay_one_plain_item_in_markdown() -> None:
    evil = "# [x](https://evil.example) <b>\x1b[2J\u202e"
    bad = kr(title=evil)
    hostile = summary(objectives=(objective("O1", evil, (bad,)),), kpis=(kpi(title=evil),))
    text = render(dashboard(hostile), WEEK, "md", generated_at=NOW)
    assert "\x1b" not in text and "\u202e" not in text and "<b>" not in text
    assert not re.search(r"^#+ \[x\]", text, re.MULTILINE)
    assert not re.search(r"(?<!\\)\]\(https://evil", text)


# --- End to end: the demo ---------------------------------------------------------------


def test_the_demo_export_reads_like_a_weekly_okr_update() -> None:
    from cockpit.clock import FrozenClock
    from cockpit.workspace import open_demo_in_memory

    d = open_demo_in_memory(FrozenClock(NOW)).dashboard(NOW)
    age, lines = okr_section(d)
    assert age == "data as of just now"
    objectives = [line for line in lines[1:] if re.match(r"^\d+% \w", line)]
    assert len(objectives) == 3
    krs = [line for line in lines if re.match(r"^  (\d+%|–) ", line)]
    assert len(krs) == 9
    for line in krs:
        assert " → " in line
        assert re.search(r"; (a week before .+ \([+-]|unchanged in a week|no value a week)", line)
    assert any(line.startswith("Off track or at risk: ") for line in lines)
    assert not any(line.startswith("Broken bindings") for line in lines)
    assert "KPIs: 1 of 3 out of band" in lines
    (out,) = [line for line in lines if line.startswith("  above band: ")]
    assert "Weekly A100 spend on Google Cloud" in out and "a week before $" in out
