"""`cockpit present` and `--masked` on the TUI commands: what reaches the app, and the
`[sharing] present_seconds` setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cockpit.app
from cockpit.cli import EXIT_CONFIG, EXIT_OK, main
from cockpit.config import ConfigError, parse_config


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The options each TUI command would start the app with (the app is not started)."""
    seen: list[dict[str, Any]] = []

    def run_app(workspace: object, clock: object, **options: Any) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(cockpit.app, "run_app", run_app)
    return seen


def test_present_demo_masked_with_an_interval(runs: list[dict[str, Any]]) -> None:
    assert main(["present", "--demo", "--masked", "--interval", "7"]) == EXIT_OK
    [options] = runs
    assert options["present"] is True
    assert options["masked"] is True
    assert options["present_seconds"] == 7


def test_present_without_flags_leaves_mask_and_interval_to_the_config(
    runs: list[dict[str, Any]],
) -> None:
    assert main(["present", "--demo"]) == EXIT_OK
    [options] = runs
    assert options["present"] is True
    assert options["masked"] is None and options["present_seconds"] is None


@pytest.mark.parametrize("argv", [["demo", "--masked"], ["--masked", "demo"]])
def test_the_dashboard_opens_masked(runs: list[dict[str, Any]], argv: list[str]) -> None:
    assert main(argv) == EXIT_OK
    [options] = runs
    assert options["masked"] is True and options["present"] is False


def test_an_interval_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["present", "--demo", "--interval", "1"])
    assert exited.value.code == EXIT_CONFIG
    assert "out of range (3 to 3600)" in capsys.readouterr().err


def test_present_seconds_is_read_and_checked() -> None:
    config = parse_config("[sharing]\npresent_seconds = 45\n", Path("config.toml"))
    assert config.sharing.present_seconds == 45
    assert parse_config("", Path("config.toml")).sharing.present_seconds == 20
    with pytest.raises(ConfigError, match="present_seconds"):
        parse_config("[sharing]\npresent_seconds = 0\n", Path("config.toml"))
