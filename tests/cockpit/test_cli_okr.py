"""`cockpit okr check-in` as a lead types it: the check-in lands in the file of the first
okr-file source, the next sync brings it into the cache, and every refusal exits 2 in words."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cockpit.cli import EXIT_CONFIG, EXIT_OK, main
from cockpit.clock import FrozenClock
from cockpit.models import CheckIn
from cockpit.store import Store
from integrations.okr_file import parse_okr_file

ROOT = Path(__file__).resolve().parents[2]
FULL = (ROOT / "tests" / "fixtures" / "okrs" / "okrs.toml").read_text(encoding="utf-8")


@pytest.fixture
def lead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lead in Tokyo whose config reads the OKR file beside it; returns the file."""
    okrs = tmp_path / "okrs.toml"
    okrs.write_text(FULL, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\ntimezone = "Asia/Tokyo"\n\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    # Sunday 23:30 in UTC is already Monday morning in Tokyo.
    monkeypatch.setattr(
        "cockpit.cli._clock",
        lambda at=None: FrozenClock(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)),
    )
    return okrs


def checkins(path: Path, kr_id: str) -> tuple[CheckIn, ...]:
    data = parse_okr_file(path)
    every = [kr for o in data.objectives for kr in o.key_results] + list(data.kpis)
    return next(kr for kr in every if kr.id == kr_id).checkins


def test_a_check_in_is_written_and_said(lead: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["okr", "check-in", "KR1.3", "10.5", "--confidence", "8", "--note", "two teams on it"]
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"checked in 10.5 on KR1.3 for 2026-11-23, confidence 8/10 in {lead}",
        "run `cockpit sync --source okrs` to see it in `cockpit status` and the dashboard",
    ]
    # The lead's day (Tokyo's Monday), not UTC's Sunday.
    assert checkins(lead, "KR1.3")[-1] == CheckIn(date(2026, 11, 23), 10.5, 8, "two teams on it")
    text = lead.read_text(encoding="utf-8")
    assert (
        text.replace(
            "\n    [[objectives.key_results.checkins]]\n    date = 2026-11-23\n    value = 10.5\n"
            '    confidence = 8\n    note = "two teams on it"\n',
            "",
            1,
        )
        == FULL
    )


def test_the_next_sync_brings_the_check_in_into_the_cache(lead: Path, tmp_path: Path) -> None:
    assert main(["okr", "check-in", "K2", "4", "--date", "2026-11-20"]) == EXIT_OK
    assert main(["sync", "--source", "okrs"]) == EXIT_OK
    stored = Store(tmp_path / "cache.sqlite").latest("okrs")
    assert stored is not None and stored.snapshot.okrs is not None
    (_, pages) = stored.snapshot.okrs.kpis
    assert pages.checkins[-1] == CheckIn(date(2026, 11, 20), 4.0)
    assert stored.snapshot.okrs.path == str(lead)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["KR9", "1"], "no key result or KPI 'KR9'; the ids are: KR1.1, KR1.2, KR1.3,"),
        (["KR1.3", "ten"], "argument VALUE: 'ten' is not a number"),
        (["KR1.3", "nan"], "argument VALUE: 'nan' is not a usable number"),
        (
            ["KR1.3", "1", "--confidence", "11"],
            "argument --confidence: 11 is out of range (0 to 10)",
        ),
        (["KR1.3", "1", "--confidence", "high"], "'high' is not a whole number"),
        (["KR1.3", "1", "--date", "23/11/2026"], "'23/11/2026' is not a date such as 2026-11-23"),
    ],
)
def test_refusals_exit_2_and_leave_the_file_alone(
    lead: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    try:
        code = main(["okr", "check-in", *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code  # type: ignore[assignment]
    assert code == EXIT_CONFIG
    assert words in capsys.readouterr().err
    assert lead.read_text(encoding="utf-8") == FULL


def test_a_url_source_cannot_take_a_check_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[sources.okrs]\nkind = "okr-file"\n'
        'url = "https://raw.githubusercontent.com/acme/okrs/main/okrs.toml"\n',
        encoding="utf-8",
    )
    assert main(["okr", "check-in", "KR1", "3", "--config", str(config)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "`sources.okrs` is fetched from a URL, and a check-in is written to a file" in err


def test_a_config_without_an_okr_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[sources.demo]\nkind = "demo"\n', encoding="utf-8")
    assert main(["okr", "check-in", "KR1", "3", "--config", str(config)]) == EXIT_CONFIG
    assert 'no enabled source is one; add a [sources.NAME] block with kind = "okr-file"' in (
        capsys.readouterr().err
    )


def test_the_first_enabled_okr_file_is_the_one_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.toml").write_text(FULL, encoding="utf-8")
    (tmp_path / "okrs.toml").write_text(FULL, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[sources.old]\nkind = "okr-file"\npath = "old.toml"\nenabled = false\n\n'
        '[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n',
        encoding="utf-8",
    )
    argv = ["okr", "check-in", "K2", "1", "--date", "2026-11-23", "--config", str(config)]
    assert main(argv) == EXIT_OK
    assert (tmp_path / "old.toml").read_text(encoding="utf-8") == FULL
    assert checkins(tmp_path / "okrs.toml", "K2")[-1] == CheckIn(date(2026, 11, 23), 1.0)


def test_a_check_in_never_loads_the_ui_and_status_never_loads_tomlkit(lead: Path) -> None:
    probe = (
        "import sys\n"
        "from cockpit.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = ('textual', 'widgets', 'pandas', 'tomlkit')\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
        "sys.exit(code)\n"
    )

    def loaded(*argv: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe, *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[-1]

    assert loaded("okr", "check-in", "K2", "2", "--date", "2026-11-23") == "LOADED ['tomlkit']"
    assert loaded("status", "--demo") == "LOADED []"
