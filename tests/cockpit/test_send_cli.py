"""`cockpit send` and `cockpit outbox` as a user types them, against local fake Slack and
Confluence servers and a folder; and the `[destinations.NAME]` config, doctor and auth."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.cli import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main
from cockpit.config import ConfigError, parse_config
from cockpit.destination_settings import FolderSettings
from cockpit.outbox import this_process
from cockpit.store import Store
from tests.fakes.confluence_server import FakeConfluence
from tests.fakes.slack_server import FakeSlack
from tests.synced import synced

WEEK = "2026-W47"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def wiki() -> Iterator[FakeConfluence]:
    with FakeConfluence() as server:
        yield server


@pytest.fixture
def config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, wiki: FakeConfluence
) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.demo]\nkind = "demo"\n\n'
        '[destinations.team-slack]\nkind = "slack"\n\n'
        f'[destinations.wiki]\nkind = "confluence"\nurl = "{wiki.url}"\nspace = "MLT"\n'
        'user = "lead@example.com"\n\n'
        '[destinations.archive]\nkind = "folder"\npath = "reports"\nformat = "md"\n',
        encoding="utf-8",
    )
    # The demo synced inside WEEK (and the week before): an empty summary is refused.
    sundays = (datetime(2026, 11, 15, 20, tzinfo=UTC), datetime(2026, 11, 22, 20, tzinfo=UTC))
    synced(Store(tmp_path / "cache.sqlite"), "demo", *sundays)
    monkeypatch.setenv("COCKPIT_CONFIG", str(path))
    monkeypatch.setenv("COCKPIT_TEAM_SLACK_TOKEN", slack.url)
    monkeypatch.setenv("COCKPIT_WIKI_TOKEN", wiki.token)
    return path


def cockpit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def outbox_rows(tmp_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        return conn.execute("SELECT * FROM outbox ORDER BY id").fetchall()


# --- sending --------------------------------------------------------------------------


def test_send_delivers_once_and_a_repeat_is_refused(
    config: Path, slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    assert code == EXIT_OK, said
    assert f"queued #1: {WEEK} → team-slack" in said and "sent" in said
    assert len(slack.messages) == 1

    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    assert code == EXIT_OK
    assert "already sent on" in said and "(use --again to send a new copy)" in said
    assert len(slack.messages) == 1 and len(outbox_rows(tmp_path)) == 1

    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK, "--again")
    assert code == EXIT_OK and "queued #2" in said
    assert len(slack.messages) == 2


def test_offline_then_online(
    config: Path, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK, "--offline")
    assert code == EXIT_OK and "offline: it waits in the outbox" in said
    assert slack.requests == []
    code, said = cockpit(capsys, "outbox")
    assert code == EXIT_OK
    assert "team-slack" in said and "waiting" in said and WEEK in said
    code, said = cockpit(capsys, "outbox", "send")
    assert code == EXIT_OK and "sent" in said
    assert len(slack.messages) == 1
    code, said = cockpit(capsys, "outbox", "send")
    assert "nothing waits in the outbox" in said and len(slack.requests) == 1


def test_the_network_down_keeps_the_message_waiting(
    config: Path, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.stop()  # nothing listens on its port now: connection refused
    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    assert code == EXIT_PARTIAL, said
    assert "waiting" in said and "when the network is back" in said
    code, said = cockpit(capsys, "outbox")
    assert "waiting" in said and "last error:" in said and "cannot reach" in said


def test_a_server_failing_midway(
    config: Path, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cockpit(capsys, "send", "--to", "team-slack", "--week", "2026-W46")[0] == EXIT_OK
    slack.fail(500, "rollup_error")
    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    assert code == EXIT_PARTIAL and "waiting" in said and "500" in said
    code, said = cockpit(capsys, "outbox", "send")  # the user asks: no pause
    assert code == EXIT_OK and "sent" in said
    # Two messages accepted, each once (the failed try was refused by the server).
    assert len(slack.messages) == 2 and len(slack.requests) == 3


def test_a_revoked_webhook_fails_until_retried(
    config: Path, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.revoke()
    code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    assert code == EXIT_ERROR and "failed" in said and "cockpit outbox retry 1" in said
    assert cockpit(capsys, "outbox", "send")[1].strip() == "nothing waits in the outbox"
    slack.revoked = False
    code, said = cockpit(capsys, "outbox", "retry", "1")
    assert code == EXIT_OK and "sent" in said and len(slack.messages) == 1


def test_outbox_retry_and_drop(
    config: Path, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK, "--offline")
    code, said = cockpit(capsys, "outbox", "drop", "1")
    assert code == EXIT_OK and f"dropped #1 ({WEEK} → team-slack)" in said
    assert "the outbox is empty" in cockpit(capsys, "outbox")[1]
    assert "dropped" in cockpit(capsys, "outbox", "--all")[1]
    code, said = cockpit(capsys, "outbox", "retry", "1")
    assert code == EXIT_CONFIG and "was dropped" in said and "--again" in said
    code, said = cockpit(capsys, "outbox", "drop", "7")
    assert code == EXIT_CONFIG and "no message 7" in said
    code, said = cockpit(capsys, "outbox", "retry", "--all")
    assert code == EXIT_OK and slack.requests == []


def test_send_to_a_folder_and_to_confluence(
    config: Path, wiki: FakeConfluence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = cockpit(capsys, "send", "--to", "archive", "--week", WEEK)
    assert code == EXIT_OK, said
    files = [p.name for p in (tmp_path / "reports").iterdir() if not p.name.startswith(".")]
    assert files == [f"{WEEK}-archive.md"]
    code, said = cockpit(capsys, "send", "--to", "wiki", "--week", WEEK)
    assert code == EXIT_OK, said
    page = wiki.page_titled("MLT", f"Weekly status {WEEK}")
    assert page is not None and len(page.versions) == 1
    # A crash between the page's creation and the answer: the next delivery asks the wiki and
    # finds the page as sent, so it is not written again.
    gone = this_process().rsplit(":", 1)[0] + ":999999999"  # above any process id
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        conn.execute(
            "UPDATE outbox SET state = 'sending', claimed_by = ? WHERE destination = 'wiki'",
            (gone,),
        )
    code, said = cockpit(capsys, "outbox", "send")
    assert code == EXIT_OK, said
    assert len(page.versions) == 1
    assert [r[9] for r in outbox_rows(tmp_path)] == ["sent", "sent"]


def test_send_names_the_destinations_it_knows(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = cockpit(capsys, "send", "--to", "teams")
    assert code == EXIT_CONFIG
    assert "no [destinations.teams]" in said and "archive, team-slack, wiki" in said
    code, said = cockpit(capsys, "send", "--to", "archive", "--week", "2026-W99")
    assert code == EXIT_CONFIG and "2026 has no week 99" in said


def test_no_secret_reaches_the_outbox_or_the_terminal(
    config: Path, slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.stop()
    _code, said = cockpit(capsys, "send", "--to", "team-slack", "--week", WEEK)
    said += cockpit(capsys, "outbox")[1] + cockpit(capsys, "doctor", "--offline")[1]
    stored = repr(outbox_rows(tmp_path))
    assert slack.secret not in said and slack.secret not in stored


# --- config, doctor and auth ------------------------------------------------------------


def test_destinations_are_read_with_their_paths_expanded(tmp_path: Path) -> None:
    text = (
        '[destinations.archive]\nkind = "folder"\npath = "reports"\n'
        '[destinations.home]\nkind = "folder"\npath = "~/status"\nformat = "html"\n'
        '[destinations.team-slack]\nkind = "slack"\nmasked = true\n'
    )
    config = parse_config(text, tmp_path / "config.toml")
    archive = config.destinations["archive"]
    assert isinstance(archive, FolderSettings)
    assert archive.path == str(tmp_path / "reports") and archive.format == "md"
    assert config.destinations["home"].path == str(Path("~/status").expanduser())
    assert config.destinations["team-slack"].masked is True
    assert config.destinations["team-slack"].format == "md"


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ('[destinations.a]\nkind = "email"\n', "`destinations.a.kind`: invalid value 'email'"),
        (
            '[destinations.team-slack]\nkind = "slack"\nurl = "https://hooks.slack.com/x"\n',
            "`destinations.team-slack.url`: the webhook URL is a secret",
        ),
        (
            '[destinations.wiki]\nkind = "confluence"\nurl = "https://me:pw@x.net/wiki"\n'
            'space = "M"\n',
            "`destinations.wiki.url`: the address holds a user name or password",
        ),
        (
            '[destinations.wiki]\nkind = "confluence"\nurl = "https://x.net"\nspace = "M"\n'
            'token = "abc"\n',
            "`destinations.wiki.token` looks like a credential",
        ),
        ('[destinations.wiki]\nkind = "confluence"\nspace = "M"\n', "missing key"),
        (
            '[destinations.wiki]\nkind = "confluence"\nurl = "wiki.example"\nspace = "M"\n',
            "is not a web address",
        ),
        (
            '[destinations.wiki]\nkind = "confluence"\nurl = "https://x.net"\nspace = "M"\n'
            'title = "Status {date}"\n',
            "may only use {week}",
        ),
        ('[destinations.a]\nkind = "folder"\npath = "r"\nformat = "pdf"\n', "destinations.a"),
        ('[destinations.Team]\nkind = "slack"\n', "a destination name is lower-case"),
        (
            '[sources.demo]\nkind = "demo"\n[destinations.demo]\nkind = "slack"\n',
            "a source is named 'demo' too",
        ),
        ('[destinations.a]\nkind = "slack"\ncolour = "red"\n', "unknown key `destinations.a."),
    ],
)
def test_a_wrong_destination_names_the_file_and_the_key(
    tmp_path: Path, block: str, words: str
) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as error:
        parse_config(block, path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and words in message
    assert "pw@" not in message
    if "credential" in words or "secret" in words or "password" in words:
        assert "cockpit auth set " in message and "SOURCE" not in message


def test_doctor_lists_destinations_and_whether_their_secret_is_there(
    config: Path,
    slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COCKPIT_WIKI_TOKEN")
    code, said = cockpit(capsys, "doctor", "--offline")
    assert code == EXIT_ERROR  # the wiki's token is missing
    lines = said.splitlines()
    slack_line = next(line for line in lines if "team-slack (slack)" in line)
    assert slack_line.startswith("ok") and "webhook URL from the environment" in slack_line
    wiki_line = next(line for line in lines if "wiki (confluence)" in line)
    assert wiki_line.startswith("FAIL") and "no API token found" in wiki_line
    assert "cockpit auth set wiki" in said and "COCKPIT_WIKI_TOKEN" in said
    assert any("archive (folder)" in line and "writes md to" in line for line in lines)
    assert slack.secret not in said


def test_auth_set_takes_a_destination_name(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: object,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("https://hooks.example/services/T/B/abc\n"))
    code, said = cockpit(capsys, "auth", "set", "team-slack")
    assert code == EXIT_OK and "warning" not in said
    assert memory_keyring.passwords[("cockpit", "team-slack")].endswith("/abc")  # type: ignore[attr-defined]


def test_send_and_outbox_never_import_textual(config: Path) -> None:
    probe = (
        "import sys\n"
        "from cockpit.cli import main\n"
        "codes = [main(['send', '--to', 'archive', '--week', '2026-W47', '--offline']),"
        " main(['outbox']), main(['outbox', 'send'])]\n"
        "heavy = ('textual', 'widgets', 'pandas')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in heavy), codes)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "LOADED [] [0, 0, 0]" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("doc", ["README.md", "docs/sharing.md"])
def test_the_documented_destinations_read(doc: str, tmp_path: Path) -> None:
    import re

    text = (ROOT / doc).read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[destinations\..*?)```", text, re.S)
    assert block, f"{doc} shows no [destinations.NAME] example"
    config = parse_config(block.group(1), tmp_path / "config.toml")
    assert {"team-slack", "wiki", "archive"} <= set(config.destinations)


def test_the_config_template_s_destinations_read(tmp_path: Path) -> None:
    from cockpit.config import CONFIG_TEMPLATE

    start = CONFIG_TEMPLATE.index("# [destinations.team-slack]")
    end = CONFIG_TEMPLATE.index("# Cloud budgets")
    lines = CONFIG_TEMPLATE[start:end].splitlines()
    text = "\n".join(line.removeprefix("# ").removeprefix("#") for line in lines)
    config = parse_config(text, tmp_path / "config.toml")
    assert set(config.destinations) == {"team-slack", "wiki", "archive"}
