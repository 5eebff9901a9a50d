"""The `cockpit` command as a user types it: exit codes, messages, files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, main
from tests.cockpit.weekly_page import section

ROOT = Path(__file__).resolve().parents[2]

ROSTER = """
[[people]]
id = "priya"
name = "Priya Raman"
timezone = "Asia/Kolkata"
"""


def run(
    *argv: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input=stdin,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "missing-okrs.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    return config


def test_first_run_greets_instead_of_crashing(tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "nowhere" / "config.toml"))
    assert result.returncode == EXIT_OK
    assert "cockpit init" in result.stdout and "cockpit demo" in result.stdout
    assert str(tmp_path / "nowhere" / "config.toml") in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_init_writes_a_template_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cfg" / "config.toml"
    assert main(["init", "--config", str(path)]) == EXIT_OK
    assert "[cockpit]" in path.read_text()
    path.write_text("# mine\n")
    assert main(["init", "--config", str(path)]) == EXIT_OK
    assert path.read_text() == "# mine\n"
    assert "already exists" in capsys.readouterr().out


def test_sync_reports_each_source_and_exits_3_on_partial_failure(
    user_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync"]) == EXIT_PARTIAL
    out = capsys.readouterr().out.splitlines()
    team = next(line for line in out if line.startswith("team"))
    okrs = next(line for line in out if line.startswith("okrs"))
    assert " ok " in team
    assert "failed" in okrs and "missing-okrs.toml: file not found" in okrs


def test_sync_one_source_exits_0(user_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--source", "team"]) == EXIT_OK
    assert main(["sync", "--source", "nope"]) == EXIT_CONFIG
    assert "no enabled source named nope" in capsys.readouterr().err


def test_config_errors_exit_2_and_name_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[sources.team]\nkind = "roster-file"\npaht = "x"\n')
    result = run("sync", "--config", str(config))
    assert result.returncode == EXIT_CONFIG
    assert str(config) in result.stderr
    assert "sources.team.paht" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_reads_only_the_cache(user_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == EXIT_OK
    before = capsys.readouterr().out
    assert "no roster yet" in before
    main(["sync", "--source", "team"])
    capsys.readouterr()
    assert main(["status", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "cockpit.status/6"
    assert data["team"]["people"] == 1
    assert data["sprint"] is None
    names = {s["name"]: s for s in data["sources"]}
    assert names["team"]["state"] == "fresh"
    assert names["okrs"]["state"] == "no data"


def test_status_json_on_the_demo_fills_all_five_areas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--demo", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    for area in ("sprint", "experiments", "okrs", "cost", "team"):
        assert data[area] is not None, area
        assert data[area]["age_seconds"] is not None
    sprint = data["sprint"]
    assert sum(sprint["issues_by_category"].values()) == sprint["issues"]
    assert 0 < sprint["done"] <= sprint["total"]
    # Ten home zones; Lena works from New York (as Samira does), so nine are in effect now.
    assert data["team"]["time_zones"] == 9


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_export_writes_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"week.{fmt}"
    assert main(["export", "--demo", "--format", fmt, "-o", str(out)]) == EXIT_OK
    text = out.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert data["schema"] == "cockpit.weekly/7" and data["week"]["label"].count("-W") == 1
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>\n")
        assert section(text, "sprint").title == "Sprint" and section(text, "cost").title == "Cost"
    else:
        assert text.startswith("# Weekly status") and "## Cost" in text


def test_export_rejects_a_bad_week(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--demo", "--week", "2026-W60"]) == EXIT_CONFIG
    assert "2026 has no week 60" in capsys.readouterr().err
    assert main(["export", "--demo", "--week", "next tuesday"]) == EXIT_CONFIG


def test_doctor_names_the_fix(user_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "missing-okrs.toml does not exist" in out
    assert "ok    team" in out


def test_auth_without_a_keyring_explains_the_environment_route() -> None:
    result = run(
        "auth", "set", "jira",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
        stdin="canary-0b5e-secret\n",
    )  # fmt: skip
    assert result.returncode == 1
    assert "COCKPIT_JIRA_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "canary-0b5e-secret" not in result.stdout + result.stderr


def test_auth_set_and_clear_round_trip(
    memory_keyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "config.toml"))  # not the user's own
    monkeypatch.setattr("sys.stdin", io.StringIO("tok-123\n"))
    assert main(["auth", "set", "jira"]) == EXIT_OK
    assert memory_keyring.passwords[("cockpit", "jira")] == "tok-123"
    assert main(["auth", "clear", "jira"]) == EXIT_OK
    assert ("cockpit", "jira") not in memory_keyring.passwords


def test_screenshot_writes_an_svg(tmp_path: Path) -> None:
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--demo", "--size", "100x30", "-o", str(out)]) == EXIT_OK
    svg = out.read_text()
    assert svg.startswith("<svg") and "Sprint" in svg and "Experiments" in svg


def test_help_on_every_command() -> None:
    for command in ("demo", "sync", "status", "export", "screenshot", "doctor", "init", "auth"):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0


# --- init, auth and screenshot refuse what cannot work ----------------------------------


def test_init_on_a_folder_says_it_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--config", str(tmp_path)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "is a folder" in err and str(tmp_path / "config.toml") in err
    assert "already exists" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../../etc", "Jira", "a/b", "", "x" * 40, "jira\x1b[2J", "-x"])
@pytest.mark.parametrize("action", ["set", "clear"])
def test_auth_refuses_a_name_that_cannot_be_a_source(
    memory_keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, action: str
) -> None:
    import io

    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO("tok-123\n"))
    assert main(["auth", action, "--", name]) == EXIT_CONFIG
    assert memory_keyring.passwords == {}


def test_auth_warns_about_a_source_the_config_does_not_have(
    memory_keyring,
    user_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("tok-123\n"))
    assert main(["auth", "set", "jira"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "warning" in err and "no source named 'jira'" in err and "okrs, team" in err
    assert memory_keyring.passwords[("cockpit", "jira")] == "tok-123"

    monkeypatch.setattr("sys.stdin", io.StringIO("tok-456\n"))
    assert main(["auth", "set", "team"]) == EXIT_OK
    assert "warning" not in capsys.readouterr().err


def test_auth_without_a_config_warns(
    memory_keyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("tok-123\n"))
    assert main(["auth", "set", "jira", "--config", str(tmp_path / "none.toml")]) == EXIT_OK
    assert "no config at" in capsys.readouterr().err


@pytest.mark.parametrize(
    "size", ["0x0", "100000x100000", "-5x10", "160x-48", "axb", "160", "19x48", "160x201", "1e3x40"]
)
def test_screenshot_refuses_a_size_out_of_bounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], size: str
) -> None:
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--demo", f"--size={size}", "-o", str(out)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "20..500 columns and 10..200 rows" in err
    assert not out.exists()


def test_screenshot_accepts_the_bounds() -> None:
    from cockpit.cli import _screen_size

    assert _screen_size("20x10") == (20, 10)
    assert _screen_size("500X200") == (500, 200)
