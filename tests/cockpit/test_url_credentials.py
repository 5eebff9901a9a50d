"""A password in a source URL is refused, and redacted wherever a URL is shown or stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.cli import EXIT_CONFIG
from cockpit.clock import FrozenClock
from cockpit.models import Snapshot
from cockpit.store import Store
from cockpit.sync import SyncJob, sync_one
from integrations.base import FetchContext, SourceUnreachable
from tests.cockpit.test_cli import run

CANARY = "CANARY-9c41e7-pass"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_password_in_a_url_never_reaches_output_or_cache(tmp_path: Path) -> None:
    store = tmp_path / "cache.sqlite"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{store}"\n\n'
        f'[sources.jira]\nkind = "jira"\nurl = "https://me:{CANARY}@acme.atlassian.net"\n'
        "board_id = 4\n",
        encoding="utf-8",
    )
    for command in (["sync"], ["status"], ["status", "--json"], ["doctor"], []):
        result = run(*command, "--config", str(config))
        output = result.stdout + result.stderr
        assert result.returncode == EXIT_CONFIG, output
        assert "`sources.jira.url`" in result.stderr and "cockpit auth set jira" in result.stderr
        assert CANARY not in output
    for file in tmp_path.iterdir():
        if file != config:
            assert CANARY.encode() not in file.read_bytes()


class LeakySource:
    """A source whose error quotes its address, credentials included."""

    kind = "leaky"
    uses_network = False
    name = "jira"

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        raise SourceUnreachable(f"jira: cannot reach https://me:{CANARY}@acme.atlassian.net")


def test_sync_errors_are_redacted_where_shown_and_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite")
    outcome = asyncio.run(sync_one(SyncJob(LeakySource()), store, FrozenClock(NOW)))
    assert outcome.status == "failed"
    assert outcome.error.startswith("jira: cannot reach https://***@acme.atlassian.net")
    assert CANARY not in store.last_attempts()["jira"].error
    for file in tmp_path.iterdir():
        assert CANARY.encode() not in file.read_bytes()


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "absent.toml"))
