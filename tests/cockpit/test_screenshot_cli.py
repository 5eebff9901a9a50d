"""`cockpit screenshot`: a screen on a chosen tab, and the masked picture for a shared screen."""

from __future__ import annotations

import re
from pathlib import Path
from xml.dom import minidom

import pytest

from cockpit.cli import EXIT_CONFIG, EXIT_OK, main
from cockpit.clock import FrozenClock
from cockpit.masking import MASK_MARKER
from cockpit.workspace import open_demo_in_memory
from tests.conftest import FROZEN_NOW

MONEY = re.compile(r"\$\d")


def _shot(tmp_path: Path, *args: str) -> str:
    """The picture's text, as a reader sees it: every <text> of the parsed SVG, in order."""
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--demo", *args, "-o", str(out)]) == EXIT_OK
    svg = minidom.parse(str(out))  # well-formed XML, or this raises
    assert svg.documentElement.tagName == "svg"
    texts = (node.firstChild.data for node in svg.getElementsByTagName("text") if node.firstChild)
    return "".join(texts).replace("\xa0", " ")


@pytest.fixture(scope="module")
def full_names() -> list[str]:
    dashboard = open_demo_in_memory(FrozenClock(FROZEN_NOW)).dashboard(FROZEN_NOW)
    assert dashboard.team_data is not None and len(dashboard.team_data.people) >= 5
    return [p.name for p in dashboard.team_data.people]


def test_screen_with_a_tab_renders_that_tab(tmp_path: Path) -> None:
    text = _shot(tmp_path, "--size", "140x42", "--screen", "team:overlap")
    assert "people working the whole half hour" in text  # the heat map's legend
    assert "best window underlined" in text


def test_screen_without_a_tab_opens_its_first_tab(tmp_path: Path) -> None:
    text = _shot(tmp_path, "--size", "140x42", "--screen", "team")
    assert "people working the whole half hour" not in text


@pytest.mark.parametrize(
    ("screen", "named"),
    [
        ("team:nope", "people, overlap, slots, fairness, handover"),
        ("okrs:budget", "krs, kpis"),
        ("nowhere", "sprint, experiments, cost, team, okrs"),
        ("nowhere:overlap", "sprint, experiments, cost, team, okrs"),
    ],
)
def test_unknown_screen_or_tab_names_the_valid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], screen: str, named: str
) -> None:
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--demo", "--screen", screen, "-o", str(out)]) == EXIT_CONFIG
    assert named in capsys.readouterr().err
    assert not out.exists()


def test_panel_and_screen_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["screenshot", "--demo", "--panel", "team", "--screen", "cost", "-o", "x.svg"])
    assert exited.value.code == 2


def test_masked_dashboard_shows_no_money_and_no_full_name(
    tmp_path: Path, full_names: list[str]
) -> None:
    plain = _shot(tmp_path, "--size", "160x48")
    # Without this the masked assertions below would prove nothing.
    assert MONEY.search(plain)
    assert any(name in plain for name in full_names)
    assert MASK_MARKER not in plain

    masked = _shot(tmp_path, "--size", "160x48", "--masked")
    assert not MONEY.search(masked), MONEY.search(masked)
    for name in full_names:
        assert name not in masked, name
    assert MASK_MARKER in masked  # in the picture's title bar
    assert "%" in masked


def test_masked_team_screen_shows_initials(tmp_path: Path, full_names: list[str]) -> None:
    plain = _shot(tmp_path, "--size", "140x42", "--screen", "team")
    assert any(name in plain for name in full_names)
    masked = _shot(tmp_path, "--size", "140x42", "--screen", "team", "--masked")
    for name in full_names:
        assert name not in masked, name
    assert MASK_MARKER in masked


@pytest.mark.parametrize("screen", ["experiments", "cost:daily"])
def test_screens_the_mask_does_not_cover_are_refused_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], screen: str
) -> None:
    out = tmp_path / "shot.svg"
    args = ["screenshot", "--demo", "--masked", "--screen", screen, "-o", str(out)]
    assert main(args) == EXIT_CONFIG
    assert "cannot be masked" in capsys.readouterr().err
    assert not out.exists()
