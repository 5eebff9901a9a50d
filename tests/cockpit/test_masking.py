"""Privacy masking (`--masked`, `[sharing]`): money as % of budget, names as initials, labelled
issue titles as their keys, on every surface the same way (`cockpit/masking.py`)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.analytics.cost_views import (
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    ForecastRange,
    SpendLine,
)
from cockpit.analytics.sprint import IssueRow, SprintSummary
from cockpit.cli import EXIT_OK, main
from cockpit.clock import FrozenClock
from cockpit.config import CONFIG_TEMPLATE, SharingSettings, parse_config
from cockpit.dashboard import Dashboard
from cockpit.export.weekly import current_week
from cockpit.export.weekly import render_dashboard as render
from cockpit.masking import (
    MASK_MARKER,
    MaskRules,
    _People,
    initials,
    mask_cost,
    mask_dashboard,
    mask_rules,
    mask_sprint,
    money_in_text,
    with_marker,
)
from cockpit.models import Person, TeamData
from cockpit.report import status_json, status_lines
from cockpit.workspace import open_demo_in_memory
from tests.conftest import FROZEN_NOW

MONEY = re.compile(r"\$\s?-?\d|USD|€\d|£\d")

# --- initials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Priya Raman", "P.R."),
        ("Cher", "C."),
        ("  maya   chen ", "M.C."),
        ("Wei-Lin Tan", "W.T."),
        ("محمد علي", "م.ع."),  # right to left: the first letter of each word, no capitals
        ("王小明", "王."),
        ("Zoë O'Brien", "Z.O."),
        ("<script>alert(1)</script> Evil", "S.E."),  # markup reads as its letters
        ("🦊 🐻", "?"),  # no letter at all: a mark, never the name itself
        ("", "?"),
        ("straße Groß", "S.G."),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


@given(st.text(max_size=40))
def test_initials_never_show_a_word_of_two_letters_or_more(name: str) -> None:
    short = initials(name)
    assert short == "?" or re.fullmatch(r"(?:[^.]\.)+", short)
    for word in name.split():
        if len(word) > 1 and word.isalnum():
            assert word not in short


# --- money ------------------------------------------------------------------------------


def _forecast(expected: float) -> ForecastRange:
    return ForecastRange(expected, expected * 0.9, expected * 1.1, expected / 2)


def _view(month_to_date: float) -> CurrencyView:
    line = SpendLine("Amazon EC2", "USD", 500.0, 200.0, 100.0, 0.5)
    return CurrencyView(
        currency="USD",
        month="2026-11",
        month_to_date=month_to_date,
        run_rate=100.0,
        forecast=_forecast(2000.0),
        gpu_share=0.5,
        gpu_month_to_date=500.0,
        daily=((date(2026, 11, 22), 50.0),),
        last_full_day=50.0,
        credits_month_to_date=-20.0,
        breakdowns={"service": (line,)},
        movers=(line,),
    )


def _budget(amount: float, scope: str = "all") -> BudgetView:
    return BudgetView(
        name="Platform",
        scope=scope,
        period="month",
        period_label="Nov 2026",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        currency="USD",
        amount=amount,
        spent=1000.0,
        forecast=_forecast(2000.0),
        thresholds=(0.5, 1.0),
        forecast_threshold=1.0,
        provider_actual=900.0,
    )


def test_money_is_a_share_of_the_months_budget() -> None:
    alert = CostAlert(
        "actual|Platform",
        "actual",
        "Platform",
        0.5,
        0.5,
        "USD",
        None,
        "Budget Platform passed 50%: $1,000 of $2,000 spent (50%).",
    )
    masked = mask_cost(
        CostSummary(views=(_view(1000.0),), budgets=(_budget(2000.0),), alerts=(alert,))
    )
    view = masked.views[0]
    assert view.currency == "%"
    assert view.month_to_date == 50.0  # $1,000 of a $2,000 budget
    assert view.run_rate == 5.0
    assert view.forecast.expected == 100.0
    assert view.daily == ((date(2026, 11, 22), 2.5),)
    assert view.credits_month_to_date == -1.0
    assert view.breakdowns["service"][0].period_to_date == 25.0
    assert view.movers[0].currency == "%"
    assert view.gpu_share == 0.5  # a share already: unchanged
    budget = masked.budgets[0]
    assert (budget.amount, budget.spent, budget.provider_actual) == (100.0, 50.0, 45.0)
    assert budget.thresholds == (0.5, 1.0)
    assert masked.alerts[0].message == "Budget Platform passed 50%: 50% of 100% spent (50%)."


def test_without_a_budget_money_is_a_share_of_the_months_total() -> None:
    masked = mask_cost(CostSummary(views=(_view(4000.0),)))
    view = masked.views[0]
    assert view.month_to_date == 100.0
    assert view.run_rate == 2.5
    assert view.breakdowns["service"][0].period_to_date == 12.5


def test_a_scoped_budget_is_not_the_base_of_the_whole_month() -> None:
    masked = mask_cost(
        CostSummary(views=(_view(4000.0),), budgets=(_budget(500.0, "provider=AWS"),))
    )
    assert masked.views[0].month_to_date == 100.0  # of the month, not 800% of the AWS budget
    assert masked.budgets[0].spent == 200.0  # the budget itself: of its own amount


def test_money_in_sentences() -> None:
    assert money_in_text("$506/day and -$1.2k", 1000.0) == "50.6%/day and -120%"
    assert money_in_text("1,200 EUR spent", 2400.0, ["EUR"]) == "50% spent"
    assert money_in_text("cost $5k", None) == "cost [amount]"
    assert money_in_text("3 GPUs, no money", 10.0) == "3 GPUs, no money"


# --- names and titles -------------------------------------------------------------------


def _issue(key: str, labels: tuple[str, ...], assignee: str, name: str) -> IssueRow:
    return IssueRow(
        key,
        f"Secret plan {key}",
        "To Do",
        "todo",
        "To Do",
        "Task",
        assignee,
        name,
        3.0,
        "High",
        labels,
        False,
        "",
        None,
    )


def test_labelled_issues_show_their_keys_and_names_become_initials() -> None:
    sprint = SprintSummary(
        board="B",
        sprint="S",
        goal="",
        state="active",
        start=None,
        end=None,
        days_left=3,
        unit="pts",
        total=6,
        done=0,
        in_progress=0,
        issue_count=2,
        by_status=(),
        blockers=(),
        velocity=None,
        issues=(
            _issue("ML-1", ("acquisition",), "priya", "Priya Raman"),
            _issue("ML-2", ("infra",), "", "Unassigned"),
        ),
    )
    dashboard = _bare(
        sprint=sprint,
        team_data=TeamData(
            people=(
                Person("priya", "Priya Raman", "Asia/Kolkata", email="priya@example.com"),
                Person("pr2", "Paul Rudd", "UTC"),
            )
        ),
    )
    masked = mask_dashboard(dashboard, mask_rules(["acquisition"]))
    assert masked.sprint is not None
    first, second = masked.sprint.issues
    assert (first.summary, first.assignee, first.assignee_name) == ("ML-1", "P.R.", "P.R.")
    assert (second.summary, second.assignee_name) == ("Secret plan ML-2", "Unassigned")
    assert masked.team_data is not None
    # Two people with the same initials stay two people on the team screen.
    assert [p.id for p in masked.team_data.people] == ["P.R.", "P.R.2"]
    assert masked.team_data.people[0].email == "P.R."
    # Rules alone do nothing to a sprint without labelled issues.
    assert mask_sprint(sprint, _no_people(), MaskRules()).issues[1].summary == "Secret plan ML-2"


def _no_people() -> _People:

    return _People(())


def _bare(**areas: object) -> Dashboard:
    fields = {"sprint": None, "experiments": None, "okrs": None, "cost": None, "team": None}
    fields.update(areas)
    return Dashboard(now=FROZEN_NOW, offline=False, sources=(), areas={}, **fields)  # type: ignore[arg-type]


# --- every surface of the demo ----------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Dashboard:
    return open_demo_in_memory(FrozenClock(FROZEN_NOW)).dashboard(FROZEN_NOW)


def _surfaces(d: Dashboard, masked: bool) -> dict[str, str]:
    shown = mask_dashboard(d, MaskRules()) if masked else d
    week = current_week(FROZEN_NOW)
    texts = {
        "text": "\n".join(status_lines(shown, "demo workspace")),
        "json": json.dumps(status_json(shown), ensure_ascii=False),
        **{
            fmt: render(shown, week, fmt, generated_at=FROZEN_NOW) for fmt in ("md", "html", "json")
        },
    }
    if masked:
        texts = {fmt: with_marker(text, fmt) for fmt, text in texts.items()}
    return texts


def _names(d: Dashboard) -> list[str]:
    assert d.team_data is not None and len(d.team_data.people) >= 5
    return [p.name for p in d.team_data.people]


def test_the_unmasked_demo_shows_money_and_names(demo: Dashboard) -> None:
    # Without this the masked test below would prove nothing.
    for fmt, text in _surfaces(demo, masked=False).items():
        assert MONEY.search(text), fmt
        assert any(name in text for name in _names(demo)), fmt
        assert MASK_MARKER not in text


def _top(text: str, fmt: str) -> str:
    """What a reader sees first: the first lines, or for HTML the start of the <body> (the
    page's <head> holds a long stylesheet nobody reads)."""
    if fmt == "html":
        body = re.search(r"<body(?:\s[^>]*)?>", text)
        assert body is not None, "an HTML page with no <body>"
        return text[body.end() : body.end() + 400]
    return text.split("\n", 3)[0] + text[:400]


def test_masked_demo_shows_no_money_and_no_full_name(demo: Dashboard) -> None:
    names = _names(demo)
    for fmt, text in _surfaces(demo, masked=True).items():
        assert not MONEY.search(text), (fmt, MONEY.search(text))
        for name in names:
            assert name not in text, (fmt, name)
        assert MASK_MARKER in _top(text, fmt), fmt
    text = _surfaces(demo, masked=True)["text"]
    assert "P.R." in text  # the names are there, as initials
    assert "% month to date" in text


def test_the_html_marker_goes_right_after_the_body_tag_whatever_its_attributes() -> None:
    page = '<!DOCTYPE html><html><head><style>body{x:1}</style></head><body class="a"><h1>W</h1>'
    marked = with_marker(page, "html")
    assert marked.count(MASK_MARKER) == 1
    assert f'<body class="a"><p><strong>{MASK_MARKER}</strong></p><h1>W</h1>' in marked
    bare = with_marker("<html><body><h1>W</h1></body></html>", "html")
    assert f"<body><p><strong>{MASK_MARKER}</strong></p><h1>W</h1>" in bare


def test_masking_is_pure_and_leaves_the_dashboard_as_it_was(demo: Dashboard) -> None:
    before = msgspec.json.encode(demo)
    once = mask_dashboard(demo, MaskRules())
    assert msgspec.json.encode(demo) == before
    assert mask_dashboard(demo, MaskRules()) == once


def test_status_masked_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--demo", "--masked"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(MASK_MARKER + "\n")
    assert not MONEY.search(out)
    assert main(["export", "--demo", "--masked", "--format", "json"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["masked"] == MASK_MARKER
    assert main(["status", "--demo"]) == EXIT_OK
    assert MASK_MARKER not in capsys.readouterr().out


# --- the [sharing] config ---------------------------------------------------------------


def _sharing_block() -> list[str]:
    lines = CONFIG_TEMPLATE.splitlines()
    start = lines.index("# [sharing]")
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("#"))
    return lines[start:end]


def test_the_template_documents_every_sharing_setting_and_gives_the_defaults() -> None:
    block = _sharing_block()
    keys = [m[1] for line in block if (m := re.match(r"# ([a-z_]+) = ", line))]
    assert keys == list(SharingSettings.__struct_fields__)
    text = "\n".join(
        line[2:] if re.match(r"# (\[sharing\]|[a-z_]+ = )", line) else line for line in block
    )
    assert parse_config(text, Path("config.toml")).sharing == SharingSettings()


def test_sharing_settings_are_read_and_checked() -> None:
    config = parse_config(
        '[sharing]\nmask_labels = ["acquisition"]\nmask_tags = ["secret"]\n'
        "mask_by_default = true\n",
        Path("config.toml"),
    )
    assert config.sharing == SharingSettings(
        mask_labels=["acquisition"], mask_tags=["secret"], mask_by_default=True
    )
    from cockpit.config import ConfigError

    with pytest.raises(ConfigError, match="sharing"):
        parse_config("[sharing]\nmask_lables = []\n", Path("config.toml"))


def test_runs_with_a_masked_tag_show_their_run_id(demo: Dashboard) -> None:
    assert demo.experiments is not None
    board = demo.experiments.boards[0]
    swept = [r for r in board.top if ("sweep:ls-grid", "") in r.tags]
    others = [r for r in board.top if ("sweep:ls-grid", "") not in r.tags]
    assert swept and others  # the check below would prove nothing otherwise

    masked = mask_dashboard(demo, mask_rules(tags=["sweep:ls-grid"]))

    assert masked.experiments is not None
    rows = {r.run_id: r for r in masked.experiments.boards[0].top}
    assert all(rows[r.run_id].name == r.run_id for r in swept)
    assert all(rows[r.run_id].name == r.name for r in others)
    text = "\n".join(status_lines(masked, "demo"))
    assert not [r.name for r in swept if r.name in text]


def test_a_tag_with_its_value_masks_only_runs_with_that_value(demo: Dashboard) -> None:
    assert demo.experiments is not None
    row = demo.experiments.boards[0].top[0]
    key, value = row.tags[0]
    ours = mask_dashboard(demo, mask_rules(tags=[f"{key}={value}"]))
    theirs = mask_dashboard(demo, mask_rules(tags=[f"{key}=something-else"]))
    assert ours.experiments is not None and theirs.experiments is not None
    assert ours.experiments.boards[0].top[0].name == row.run_id
    assert theirs.experiments.boards[0].top[0].name == row.name
