"""Fuzzing the config: any bytes, and a full valid config (every section, every source kind,
every destination kind) mutated by structure, give a Config or a ConfigError that names the
file and says where (a key in backticks, or TOML's line)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cockpit.config import Config, ConfigError, load_config, parse_config
from tests.fuzz.mutations import mutated, to_toml

PATH = Path("/home/lead/.config/cockpit/config.toml")
FULL = (Path(__file__).parent / "full_config.toml").read_text(encoding="utf-8")
FULL_DOCUMENT = tomllib.loads(FULL)
DEEP = "a = " + "[" * 1000 + "]" * 1000 + "\n"

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_config_or_error(outcome: Config | ConfigError, path: Path) -> None:
    if isinstance(outcome, Config):
        assert outcome.path == path
        return
    message = str(outcome)
    assert message.startswith(f"{path}"), message
    # Where: a key in backticks, or the line (and column) TOML stopped at.
    assert (
        "`" in message
        or re.match(rf"{re.escape(str(path))}:\d+: ", message)
        or re.search(r"line \d+|end of document", message)
    ), message


def outcome_of(text: str) -> Config | ConfigError:
    try:
        return parse_config(text, PATH)
    except ConfigError as exc:
        return exc


def test_the_full_config_is_valid() -> None:
    config = parse_config(FULL, PATH)
    assert len(config.sources) == 10 and len(config.destinations) == 3


@FUZZ
@given(mutated(FULL_DOCUMENT, toml=True))
@example(
    FULL_DOCUMENT
    | {
        "destinations": {
            "wiki": FULL_DOCUMENT["destinations"]["wiki"] | {"title": "Weekly {week.nope}"}
        }
    }
)
@example(FULL_DOCUMENT | {"team": {"night": "25:00-07:00"}})
@example(FULL_DOCUMENT | {"cockpit": {"timezone": "\x00"}})
def test_a_mutated_full_config_gives_a_config_or_an_error_naming_the_key(document: dict) -> None:
    assert_config_or_error(outcome_of(to_toml(document)), PATH)


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(DEEP.encode())
@example(b"\xef\xbb\xbf" + DEEP.encode())
@example(b"\xff\xfe[sources.demo]\n")
@example(b'[sources.demo]\nkind = "demo"\n\x00')
def test_any_bytes_in_the_config_file_give_a_config_or_an_error_naming_the_file(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    try:
        outcome: Config | ConfigError = load_config(path)
    except ConfigError as exc:
        outcome = exc
    assert_config_or_error(outcome, path)
