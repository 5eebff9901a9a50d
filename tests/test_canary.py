"""A canary token must never leave the keyring: not into the cache, sync log, status, exports,
screenshots, or the error text of a failed or crashing source."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.clock import FrozenClock
from cockpit.models import Person, Snapshot, TeamData
from cockpit.secrets import lookup_secret, store_secret
from cockpit.sync import SyncJob, sync_all
from cockpit.workspace import open_user_workspace
from integrations.base import FetchContext
from tests.conftest import FROZEN_NOW
from tests.fakes.fault_server import FaultServer, Reply

CANARY = "canary-7c1e9a44-do-not-leak"


class TokenApiSource:
    """A network source that authenticates with its token, as real integrations do."""

    kind = "token-api"
    uses_network = True

    def __init__(self, name: str, url: str, *, crash: bool = False) -> None:
        self.name = name
        self.url = url
        self.crash = crash

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        assert ctx.http is not None
        token = ctx.secret(self.name)
        assert token is not None
        if self.crash:
            # A bug that puts the credential object into an exception message.
            raise RuntimeError(f"parser exploded while holding {token!r} and {token}")
        document = await ctx.http.get_json(
            self.url, headers={"Authorization": f"Bearer {token.reveal()}"}
        )
        people = tuple(Person(p["id"], p["name"], p["timezone"]) for p in document["people"])
        return Snapshot(team=TeamData(people))


def leaked_into(path: Path) -> list[str]:
    return [str(p) for p in path.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]


@pytest.fixture
def workspace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "team.toml").write_text(
        '[[people]]\nid = "ana"\nname = "Ana"\ntimezone = "Europe/Lisbon"\n'
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n'
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.setenv("COCKPIT_TEAM_TOKEN", CANARY)
    return tmp_path


def test_the_canary_never_leaves_the_keyring(
    workspace_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cockpit.models import Secret

    store_secret("team", Secret(CANARY))
    workspace = open_user_workspace(None)
    clock = FrozenClock(FROZEN_NOW)
    people = {"people": [{"id": "ana", "name": "Ana", "timezone": "Europe/Lisbon"}]}
    with FaultServer(people) as server:
        # A good sync, then a 401 whose body echoes the Authorization header back, then a crash.
        good = SyncJob(TokenApiSource("team", server.url))
        outcomes = asyncio.run(sync_all([good], workspace.store, clock, secret=lookup_secret))
        assert outcomes[0].status == "ok"
        assert server.requests[0].headers["Authorization"] == f"Bearer {CANARY}"

        server.script(Reply(401, body=json.dumps({"echo": f"Bearer {CANARY}"}).encode()))
        failed = asyncio.run(sync_all([good], workspace.store, clock, secret=lookup_secret))
        crashed = asyncio.run(
            sync_all(
                [SyncJob(TokenApiSource("team", server.url, crash=True))],
                workspace.store,
                clock,
                secret=lookup_secret,
            )
        )
    assert failed[0].status == "failed" and "cockpit auth set team" in failed[0].error
    assert crashed[0].status == "failed" and "RuntimeError" in crashed[0].error
    for outcome in (*outcomes, *failed, *crashed):
        assert CANARY not in outcome.error

    assert main(["status"]) == 0
    assert main(["status", "--json"]) == 0
    assert main(["doctor"]) in (0, 1)
    for fmt in ("md", "html", "json"):
        assert main(["export", "--format", fmt, "-o", str(workspace_dir / f"out.{fmt}")]) == 0
    assert main(["screenshot", "-o", str(workspace_dir / "shot.svg")]) == 0
    printed = capsys.readouterr()
    assert "team" in printed.out
    assert CANARY not in printed.out + printed.err

    # The cache (with its WAL files), exports and screenshot on disk; only the config folder's
    # environment held the token.
    assert leaked_into(workspace_dir) == []
    assert workspace.store.last_attempts()["team"].status == "failed"
