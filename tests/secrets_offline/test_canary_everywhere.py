"""A canary token configured for every network source kind never appears anywhere the cockpit
writes or prints: the cache and its WAL, the log file at DEBUG (`--verbose`), the exports,
a screenshot, `doctor`, `status`. tests/test_canary.py follows one token through a custom
source; this configures the real kinds, each against a hostile server that answers 401 and
echoes the token back in its body (the worst case: the token is then in what the cockpit
reads, and it must still not write it anywhere).

And the type that holds a token hides it from repr, str, format and pickle.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.models import Secret
from tests.fakes.fault_server import FaultServer, Reply

CANARY = "canary-5d0f31be-never-print-me"

# Each network kind that takes a token, with a name and the settings that point it at `url`.
KINDS = {
    "jira": 'kind = "jira"\nurl = "{url}"\nboard_id = 42\ndeployment = "server"\n',
    "mlflow": 'kind = "mlflow"\nurl = "{url}"\nexperiments = ["x"]\nauth = "bearer"\n',
    "wandb": 'kind = "wandb"\nurl = "{url}"\nprojects = ["acme/fraud"]\n',
    "opencost": 'kind = "opencost"\nurl = "{url}"\nauth = "bearer"\n',
    "okrs": 'kind = "okr-file"\nurl = "{url}/okrs.toml"\n',
}


def test_a_secret_hides_itself() -> None:
    secret = Secret(CANARY)
    for shown in (repr(secret), str(secret), f"{secret}", format(secret, ""), "%s" % secret):  # noqa: UP031
        assert CANARY not in shown
    assert CANARY not in repr([secret]) and CANARY not in repr({"token": secret})
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        pickle.dumps({"token": secret})
    assert secret.reveal() == CANARY


def leaks(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]


@pytest.fixture
def hostile() -> FaultServer:
    with FaultServer() as server:
        echo = json.dumps({"errorMessages": [f"bad token Bearer {CANARY}"]}).encode()
        server.always(Reply(401, body=echo, headers={"Content-Type": "application/json"}))
        yield server


def test_the_canary_of_every_kind_stays_out_of_every_file_and_output(
    tmp_path: Path,
    hostile: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "work"  # everything the cockpit writes; the config stays outside
    (work / "logs").mkdir(parents=True)
    (tmp_path / "team.toml").write_text(
        '[[people]]\nid = "ana"\nname = "Ana"\ntimezone = "Europe/Lisbon"\n', encoding="utf-8"
    )
    blocks = "".join(
        f"[sources.{name}]\n{settings.format(url=hostile.url)}\n"
        for name, settings in KINDS.items()
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{work / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n\n' + blocks,
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.setenv("COCKPIT_LOG_DIR", str(work / "logs"))
    for name in KINDS:
        monkeypatch.setenv(f"COCKPIT_{name.upper()}_TOKEN", CANARY)

    main(["sync", "--verbose"])
    # The token went out: the servers were asked with it (so the test is not vacuous).
    sent = [r.headers.get("Authorization", "") for r in hostile.requests]
    assert any(CANARY in value for value in sent), sent
    main(["status"])
    main(["status", "--json"])
    main(["doctor", "--verbose"])
    for fmt in ("md", "html", "json"):
        main(["export", "--format", fmt, "-o", str(work / f"week.{fmt}")])
    main(["screenshot", "-o", str(work / "shot.svg")])
    printed = capsys.readouterr()
    assert "jira" in printed.out
    assert CANARY not in printed.out + printed.err
    assert any((work / "logs").iterdir()), "the DEBUG log was written"
    assert (work / "cache.sqlite").exists()
    assert leaks(work) == []
