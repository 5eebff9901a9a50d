"""The okr-file source: its settings (a path or a URL, exactly one), a local file, and a raw
file fetched from a fake server on 127.0.0.1 through the sync engine with a real store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import ConfigError, parse_config
from cockpit.kinds import KINDS, BuildContext, OkrFileSettings
from cockpit.models import Secret
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.base import FetchContext, SourceUnreachable
from integrations.okr_file import OkrFileSource, shown_url
from tests.conftest import FROZEN_NOW
from tests.fakes.fault_server import FaultServer, Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "okrs"
FULL = (FIXTURES / "okrs.toml").read_text(encoding="utf-8")
RAW_PATH = "/acme/okrs/main/okrs.toml"
CONFIG = Path("/home/lead/.config/cockpit/config.toml")


def toml_reply(text: str = FULL) -> Reply:
    return Reply(200, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})


def sync(source: OkrFileSource, store: Store, token: Secret | None = None) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=20.0)
    return asyncio.run(sync_one(job, store, FrozenClock(FROZEN_NOW), secret=lambda _: token))


def config_error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, CONFIG)
    return str(caught.value)


# --- settings -----------------------------------------------------------------------------


def test_a_path_or_a_url_builds_the_source(tmp_path: Path) -> None:
    kind = KINDS["okr-file"]
    by_path = parse_config('[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n', CONFIG)
    source = kind.build("okrs", by_path.sources["okrs"], BuildContext(tmp_path))
    assert isinstance(source, OkrFileSource)
    assert (source.path, source.url, source.uses_network) == (tmp_path / "okrs.toml", "", False)
    assert kind.files is not None and kind.files(by_path.sources["okrs"]) == ("okrs.toml",)

    url = "https://raw.githubusercontent.com/acme/okrs/main/okrs.toml"
    by_url = parse_config(f'[sources.okrs]\nkind = "okr-file"\nurl = "{url}"\n', CONFIG)
    source = kind.build("okrs", by_url.sources["okrs"], BuildContext(tmp_path))
    assert isinstance(source, OkrFileSource)
    assert (source.path, source.url, source.uses_network) == (None, url, True)
    assert kind.files(by_url.sources["okrs"]) == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "missing key `sources.okrs.path`"),
        (
            'path = "okrs.toml"\nurl = "https://example.com/okrs.toml"\n',
            "`sources.okrs`: give `path` (a file) or `url` (a raw file in a repository), not both",
        ),
        (
            'url = "raw.githubusercontent.com/acme/okrs.toml"\n',
            "`sources.okrs`: `url` is not a web address; expected e.g. https://",
        ),
        ('url = ""\n', "`sources.okrs.url`"),
        ("url = 3\n", "`sources.okrs.url`: expected `str`"),
    ],
)
def test_exactly_one_of_path_and_url(body: str, expected: str) -> None:
    message = config_error('[sources.okrs]\nkind = "okr-file"\n' + body)
    assert message.startswith(f"{CONFIG}: ") and expected in message, message


def test_a_password_in_the_url_is_refused_and_not_echoed() -> None:
    message = config_error(
        '[sources.okrs]\nkind = "okr-file"\nurl = "https://lead:hunter2@git.example/okrs.toml"\n'
    )
    assert "cockpit auth set okrs" in message and "hunter2" not in message


def test_a_source_needs_a_path_or_a_url() -> None:
    with pytest.raises(ValueError):
        OkrFileSource("okrs")
    with pytest.raises(ValueError):
        OkrFileSettings()


# --- a local file -------------------------------------------------------------------------


def test_a_local_file_syncs_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "okrs.toml"
    path.write_text(FULL, encoding="utf-8")
    store = Store(tmp_path / "cache.sqlite")
    outcome = sync(OkrFileSource("okrs", path), store)
    assert outcome.status == "ok", outcome.error
    stored = store.latest("okrs")
    assert stored is not None and stored.snapshot.okrs is not None
    assert stored.snapshot.okrs.path == str(path)
    assert [o.id for o in stored.snapshot.okrs.objectives] == ["O1", "O2"]


# --- a URL --------------------------------------------------------------------------------


def test_a_url_is_fetched_and_kept_without_a_path(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite")
    with FaultServer(path=RAW_PATH) as server:
        server.always(toml_reply())
        outcome = sync(OkrFileSource("okrs", url=server.url), store)
        requests = server.requests
    assert outcome.status == "ok", outcome.error
    assert outcome.requests == 1 and outcome.bytes_in > 0
    stored = store.latest("okrs")
    assert stored is not None and stored.snapshot.okrs is not None
    okrs = stored.snapshot.okrs
    # Nothing can be written back to a URL: the screen and the CLI say so.
    assert okrs.path == "" and [kpi.id for kpi in okrs.kpis] == ["K1", "K2"]
    assert [r.method for r in requests] == ["GET"]
    assert "authorization" not in {name.lower() for name in requests[0].headers}


def test_a_stored_token_is_sent_as_a_bearer_token(tmp_path: Path) -> None:
    with FaultServer(path=RAW_PATH) as server:
        server.always(toml_reply())
        outcome = sync(
            OkrFileSource("okrs", url=server.url),
            Store(tmp_path / "cache.sqlite"),
            token=Secret("ghp-canary-1f2e"),
        )
        headers = {k.lower(): v for k, v in server.requests[0].headers.items()}
    assert outcome.status == "ok", outcome.error
    assert headers["authorization"] == "Bearer ghp-canary-1f2e"


def test_a_mistake_in_a_fetched_file_names_the_url_and_the_line(tmp_path: Path) -> None:
    text = FULL.replace("target = 0.91", 'target = "0.91"')
    store = Store(tmp_path / "cache.sqlite")
    with FaultServer(path=RAW_PATH) as server:
        server.always(toml_reply())
        assert sync(OkrFileSource("okrs", url=server.url + "?token=abc"), store).status == "ok"
        server.always(toml_reply(text))
        outcome = sync(OkrFileSource("okrs", url=server.url + "?token=abc"), store)
        url = server.url
    line = text[: text.index('target = "0.91"')].count("\n") + 1
    assert outcome.status == "failed"
    # The query is left out (it may hold a token); the last good data is kept.
    assert outcome.error.startswith(f"{url}:{line}: `objectives.0.key_results.0.target`: ")
    assert "token=abc" not in outcome.error and "kept the data from" in outcome.error


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(404, b"Not Found"), "answered 404 on /acme/okrs/main/okrs.toml"),
        (
            Reply(200, b"<!DOCTYPE html><html>okrs</html>", {"Content-Type": "text/html"}),
            "answered with a web page, not the OKR file; use the address of the raw file",
        ),
        (Reply(401, b""), "rejected the credentials (401): run `cockpit auth set okrs`"),
        (Reply(200, b"\xff\xfeperiod"), "not UTF-8 text"),
    ],
)
def test_a_url_that_does_not_give_the_file_says_why(
    tmp_path: Path, reply: Reply, words: str
) -> None:
    with FaultServer(path=RAW_PATH) as server:
        server.always(reply)
        outcome = sync(OkrFileSource("okrs", url=server.url), Store(tmp_path / "cache.sqlite"))
    assert outcome.status == "failed" and words in outcome.error, outcome.error


def test_offline_a_url_is_not_fetched(tmp_path: Path) -> None:
    job = SyncJob(OkrFileSource("okrs", url="http://127.0.0.1:9/okrs.toml"), deadline=5.0)
    store = Store(tmp_path / "cache.sqlite")
    outcome = asyncio.run(sync_one(job, store, FrozenClock(FROZEN_NOW), offline=True))
    assert outcome.status == "offline"
    ctx = FetchContext(now=FROZEN_NOW, http=None, previous=None, secret=lambda _: None)
    with pytest.raises(SourceUnreachable, match="offline"):
        asyncio.run(OkrFileSource("okrs", url="http://127.0.0.1:9/okrs.toml").fetch(ctx))


def test_urls_are_shown_without_their_query() -> None:
    assert shown_url("https://git.example:8443/a/okrs.toml?token=x#l") == (
        "https://git.example:8443/a/okrs.toml"
    )


# --- the documented config block ----------------------------------------------------------


def test_the_documented_config_block_is_valid() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "okrs.md"
    block = docs.read_text(encoding="utf-8").split("```toml\n")[1].split("```", 1)[0]
    assert "[sources.okrs]" in block
    settings = parse_config(block, CONFIG).sources["okrs"]
    assert isinstance(settings, OkrFileSettings) and settings.path == "okrs.toml"
    with_url = block.replace('path = "okrs.toml"', "# path").replace("# url = ", "url = ")
    assert parse_config(with_url, CONFIG).sources["okrs"].url.startswith("https://")  # type: ignore[union-attr]
