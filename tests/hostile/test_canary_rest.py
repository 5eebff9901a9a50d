"""The canary for what tests/secrets_offline/test_canary_everywhere.py does not configure: the
Azure and AWS cost sources, and every delivery destination (the Slack and Teams webhook URLs,
which are the secret, and the Confluence token) through `cockpit send`, failing first with
servers that echo the secret back, then succeeding. The token must not appear in the store
file and its WAL, the outbox table, the log at DEBUG, `cockpit outbox`, `doctor` or anything
printed."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.cli import main
from tests.conftest import FROZEN_NOW
from tests.fakes.aws_forecast import AwsFront
from tests.fakes.confluence_server import FakeConfluence
from tests.fakes.fault_server import FaultServer, Reply
from tests.fakes.moto_server import USAGE_GROUPS, MotoServer, ce_result
from tests.fakes.slack_server import FakeSlack
from tests.fakes.teams_server import FakeTeams

CANARY = "canary-93b4d7e0-keep-it-secret"
# The demo syncs now: the week it fills is this one.
WEEK = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])


def leaks(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]


@pytest.fixture
def echo() -> Iterator[FaultServer]:
    """A server that refuses every request and quotes the secret back in its body."""
    with FaultServer() as server:
        body = json.dumps({"error": {"message": f"bad token Bearer {CANARY}"}}).encode()
        server.always(Reply(401, body=body, headers={"Content-Type": "application/json"}))
        yield server


@pytest.fixture
def aws() -> Iterator[AwsFront]:
    moto = MotoServer().start()
    try:
        today = FROZEN_NOW.date()
        week = [today - timedelta(days=n) for n in range(7, -1, -1)]
        groups = [("Amazon Elastic Compute Cloud - Compute", "USE1-BoxUsage:m5.xlarge", 10.0)]
        moto.queue_cost_and_usage(*[ce_result(USAGE_GROUPS, dict.fromkeys(week, groups))] * 10)
        with AwsFront(moto.url) as front:
            yield front
    finally:
        moto.stop()


def test_cost_sources_and_every_destination_keep_the_canary_to_themselves(
    tmp_path: Path,
    echo: FaultServer,
    aws: AwsFront,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "work"  # everything the cockpit writes; the config stays outside
    (work / "logs").mkdir(parents=True)
    with (
        FakeSlack(secret=CANARY) as slack,
        FakeTeams(sig=CANARY) as teams,
        FakeConfluence(token=CANARY) as wiki,
    ):
        config = tmp_path / "config.toml"
        config.write_text(
            f'[cockpit]\nstore = "{work / "cache.sqlite"}"\n\n'
            '[sources.demo]\nkind = "demo"\n\n'
            f'[sources.azure]\nkind = "azure-cost"\nurl = "{echo.url}"\n'
            'scope = "subscriptions/00000000-0000-0000-0000-000000000000"\ndays = 3\n\n'
            f'[sources.aws]\nkind = "aws-cost"\nendpoint_url = "http://127.0.0.1:{aws.port}"\n'
            "days = 7\ndaily_paid_calls = 1000\nbudgets = false\n\n"
            f'[sources.aws-refused]\nkind = "aws-cost"\nendpoint_url = "{echo.url}"\n'
            "days = 7\ndaily_paid_calls = 1000\nbudgets = false\n\n"
            '[destinations.team-slack]\nkind = "slack"\n\n'
            '[destinations.team-teams]\nkind = "teams"\n\n'
            f'[destinations.wiki]\nkind = "confluence"\nurl = "{wiki.url}"\nspace = "MLT"\n'
            f'user = "{wiki.email}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("COCKPIT_CONFIG", str(config))
        monkeypatch.setenv("COCKPIT_LOG_DIR", str(work / "logs"))
        monkeypatch.setenv("COCKPIT_AZURE_TOKEN", CANARY)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTING")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY)
        monkeypatch.setenv("AWS_SESSION_TOKEN", CANARY + "-session")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.setenv("COCKPIT_TEAM_SLACK_TOKEN", slack.url)
        monkeypatch.setenv("COCKPIT_TEAM_TEAMS_TOKEN", teams.url)
        monkeypatch.setenv("COCKPIT_WIKI_TOKEN", CANARY)

        main(["sync", "--verbose"])
        # The secrets went out (so the test is not vacuous): Azure's bearer token, AWS's
        # session token (its secret key only signs).
        sent = [json.dumps(r.headers) for r in echo.requests]
        assert any(f"Bearer {CANARY}" in h for h in sent), sent
        assert any(f"{CANARY}-session" in h for h in sent), sent
        assert aws.calls, "the AWS source asked the front"

        # Every destination fails first, quoting its secret back; then the week is sent.
        quote = f"refused {slack.url} {teams.url} {CANARY}"
        slack.fail(500, quote)
        teams.fail(500, json.dumps({"error": {"message": quote}}), content_type="application/json")
        wiki.fail(500, json.dumps({"message": quote}), content_type="application/json")
        for destination in ("team-slack", "team-teams", "wiki"):
            main(["send", "--to", destination, "--week", WEEK, "--verbose"])
        main(["outbox"])
        main(["outbox", "retry", "--all", "--verbose"])
        main(["outbox"])
        # A wrong secret now: Slack revokes the webhook, Confluence's token is refused.
        slack.revoke()
        main(["send", "--to", "team-slack", "--week", WEEK, "--again", "--verbose"])
        main(["outbox"])
        main(["doctor", "--verbose"])
        main(["status"])
        main(["status", "--json"])

        assert len(slack.messages) == 1 and teams.count("POST") >= 2
        wiki_auth = base64.b64encode(f"{wiki.email}:{CANARY}".encode()).decode()
        assert any(wiki_auth in r.headers.get("authorization", "") for r in wiki.requests)

    printed = capsys.readouterr()
    assert "team-slack" in printed.out
    assert CANARY not in printed.out + printed.err
    assert any((work / "logs").iterdir()), "the DEBUG log was written"
    with sqlite3.connect(work / "cache.sqlite") as conn:
        rows = conn.execute("SELECT * FROM outbox").fetchall()
        errors = conn.execute("SELECT error FROM sync_log").fetchall()
    assert len(rows) >= 4 and CANARY not in repr(rows)
    assert CANARY not in repr(errors)
    assert leaks(work) == []


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("headers={'X-Amz-Security-Token': b'tok-SECRET', 'X-Amz-Date': b'1'}", "X-Amz-Date"),
        ("Authorization: Bearer tok-SECRET", "Authorization: ***"),
        ("<SessionToken>tok-SECRET</SessionToken>", "<SessionToken>***</SessionToken>"),
        ('{"SecretAccessKey": "tok-SECRET"}', '"SecretAccessKey": "***"'),
    ],
)
def test_the_log_file_hides_credential_headers_and_fields(line: str, kept: str) -> None:
    from cockpit.logs import scrub_credentials

    scrubbed = scrub_credentials(line)
    assert "SECRET" not in scrubbed and kept in scrubbed
