"""The crash screen keeps the canary to itself.

When the TUI meets an exception it does not handle, Textual exits and prints a Rich traceback
on stderr, with the local variables of every frame. A token configured for each source kind
and destination (`COCKPIT_<NAME>_TOKEN`) must not be in it, nor in the log file at DEBUG,
nor in a screenshot taken just before. The app has synced against a server that answers 401
and quotes the token back, so the sources, their clients and the records of that sync are
all alive when it crashes; the failing code holds the `Secret`, the sync jobs, the
destinations and the source's address in its locals and names them in its message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import widgets.status_bar
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.logs import setup_logging
from cockpit.secrets import lookup_secret
from cockpit.workspace import Workspace, open_user_workspace
from tests.conftest import FROZEN_NOW
from tests.fakes.fault_server import FaultServer, Reply

CANARY = "canary-7c41e2d9-not-on-the-crash-screen"

KINDS = {
    "jira": 'kind = "jira"\nurl = "{url}"\nboard_id = 42\ndeployment = "server"\n',
    "mlflow": 'kind = "mlflow"\nurl = "{url}"\nexperiments = ["x"]\nauth = "bearer"\n',
    "wandb": 'kind = "wandb"\nurl = "{url}"\nprojects = ["acme/fraud"]\n',
    "opencost": 'kind = "opencost"\nurl = "{url}"\nauth = "bearer"\n',
    "okrs": 'kind = "okr-file"\nurl = "{url}/okrs.toml"\n',
}


class Crash(RuntimeError):
    """The forced failure: nothing in the cockpit catches it."""


@pytest.fixture
def echo() -> Iterator[FaultServer]:
    with FaultServer() as server:
        body = json.dumps({"errorMessages": [f"bad token Bearer {CANARY}"]}).encode()
        server.always(Reply(401, body=body, headers={"Content-Type": "application/json"}))
        yield server


@pytest.fixture
def workspace(
    tmp_path: Path, echo: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    work = tmp_path / "work"
    (work / "logs").mkdir(parents=True)
    blocks = "".join(f"[sources.{n}]\n{s.format(url=echo.url)}\n" for n, s in KINDS.items())
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{work / "cache.sqlite"}"\n\n[sources.demo]\nkind = "demo"\n\n'
        + blocks
        + '[destinations.chat]\nkind = "slack"\n\n'
        f'[destinations.wiki]\nkind = "confluence"\nurl = "{echo.url}"\nspace = "MLT"\n'
        'user = "lead@example.com"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(work / "logs"))
    for name in KINDS:
        monkeypatch.setenv(f"COCKPIT_{name.upper()}_TOKEN", CANARY)
    monkeypatch.setenv("COCKPIT_CHAT_TOKEN", f"{echo.url}/services/T0/B0/{CANARY}")
    monkeypatch.setenv("COCKPIT_WIKI_TOKEN", CANARY)
    setup_logging(verbose=True)
    try:
        yield open_user_workspace(str(config))
    finally:
        setup_logging()  # back to WARNING for the tests after this one


def _fail_holding_secrets(app: CockpitApp) -> None:
    """What a bug in code that handles credentials looks like: the secret, the jobs (with
    their sources), the destinations and the address in its locals and its message."""
    from cockpit.delivery import _build, _make_destination

    secret = lookup_secret("jira")
    jobs = app.workspace.jobs()
    destinations = [_build(app.workspace, name, _make_destination) for name in ("chat", "wiki")]
    url = app.workspace.config.sources["jira"].url  # type: ignore[attr-defined]
    assert secret is not None and jobs and destinations
    raise Crash(f"could not read {url} with {secret} ({secret!r})")


def _crash_in_build(monkeypatch: pytest.MonkeyPatch, app: CockpitApp) -> None:
    """The app's rebuild of its view-models fails, on the event loop."""
    monkeypatch.setattr(CockpitApp, "_build", lambda self: _fail_holding_secrets(self))
    app.call_later(app.repaint)


def _crash_in_render(monkeypatch: pytest.MonkeyPatch, app: CockpitApp) -> None:
    """A widget's render fails while the screen is drawn."""

    def render(self: widgets.status_bar.SourceStatusBar) -> object:
        _fail_holding_secrets(app)
        return ""

    monkeypatch.setattr(widgets.status_bar.SourceStatusBar, "render", render)
    app.screen.query_one(widgets.status_bar.SourceStatusBar).refresh()


async def _run_until_crash(workspace: Workspace, crash: object, monkeypatch: pytest.MonkeyPatch
                           ) -> str:  # fmt: skip
    app = CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)
    with pytest.raises(Crash):
        async with app.run_test(size=(120, 36)) as pilot:
            # Every source syncs against the server that quotes the token back.
            workers = [app.sync_source(job) for job in workspace.jobs()]
            for _ in range(400):  # generous: each sync fails at once on its 401
                if all(worker.is_finished for worker in workers):
                    break
                await pilot.pause(0.05)
            assert all(worker.is_finished for worker in workers)
            await pilot.pause()
            screenshot = app.export_screenshot()
            crash(monkeypatch, app)  # type: ignore[operator]
            for _ in range(100):
                if app._exit_renderables or app._exception is not None:
                    break
                await pilot.pause(0.05)
    assert app.return_code == 1
    return screenshot


@pytest.mark.parametrize("crash", [_crash_in_build, _crash_in_render], ids=["build", "render"])
def test_the_crash_screen_log_and_screenshot_keep_the_canary_out(
    workspace: Workspace,
    echo: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    crash: object,
) -> None:
    screenshot = asyncio.run(_run_until_crash(workspace, crash, monkeypatch))
    printed = capsys.readouterr()
    # The token went out (the test is not vacuous), and Textual printed its traceback with
    # the locals of the failing frame.
    assert any(CANARY in r.headers.get("Authorization", "") for r in echo.requests)
    assert "could not read" in printed.err and "Secret('********')" in printed.err
    assert "destinations" in printed.err and "jobs" in printed.err
    assert CANARY not in printed.out + printed.err
    assert CANARY not in screenshot
    logs = list(Path(workspace.store.path.parent / "logs").iterdir())
    assert logs, "the DEBUG log was written"
    for path in logs:
        assert CANARY not in path.read_text(encoding="utf-8", errors="replace"), path
