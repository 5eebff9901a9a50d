from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.config import (
    CONFIG_TEMPLATE,
    ConfigError,
    DemoSettings,
    OkrFileSettings,
    load_config,
    parse_config,
    resolve_config_path,
)

PATH = Path("/home/lead/.config/cockpit/config.toml")


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    return str(caught.value)


def test_a_valid_config_parses_with_defaults() -> None:
    config = parse_config(
        '[sources.demo]\nkind = "demo"\n\n[sources.okrs]\nkind = "okr-file"\npath = "okrs.toml"\n'
        'refresh_minutes = 30\n\n[[budgets]]\nname = "ML"\nmonthly = 60000\n',
        PATH,
    )
    assert isinstance(config.sources["demo"], DemoSettings)
    okrs = config.sources["okrs"]
    assert isinstance(okrs, OkrFileSettings)
    assert (okrs.path, okrs.refresh_minutes, okrs.deadline) == ("okrs.toml", 30, 60)
    assert config.budgets[0].monthly == 60000
    assert config.path == PATH


def test_the_template_is_a_valid_config() -> None:
    assert parse_config(CONFIG_TEMPLATE, PATH).sources == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sources.demo]\nkind = "demo"\nsede = 3\n', "unknown key `sources.demo.sede`"),
        ("[cockpit]\nstale_after = 5\n", "unknown key `cockpit.stale_after`"),
        ('[sources.jira]\nkind = "jirra"\n', "`sources.jira.kind`: invalid value 'jirra'"),
        ('[sources.okrs]\nkind = "okr-file"\n', "missing key `sources.okrs.path`"),
        ('[sources.okrs]\nkind = "okr-file"\npath = 3\n', "`sources.okrs.path`: expected `str`"),
        ('[sources.demo]\nkind = "demo"\nrefresh_minutes = 0\n', "`sources.demo.refresh_minutes`"),
        ('[[budgets]]\nname = "ML"\nmonthly = -5\n', "`budgets.0.monthly`"),
        ('[sources.Demo]\nkind = "demo"\n', "`sources.Demo`"),
        ('[cockpit]\ntimezone = "Mars/Olympus"\n', "`cockpit.timezone`"),
        ('[sources.demo]\nkind = "demo"\ndeadline = 5\nread_timeout = 30\n', "deadline"),
        ("[sources.demo\n", "not valid TOML"),
    ],
)
def test_errors_name_the_file_and_the_key(text: str, expected: str) -> None:
    message = error_for(text)
    assert message.startswith(f"{PATH}: ")
    assert expected in message


def test_a_token_in_the_config_is_refused_and_not_echoed() -> None:
    message = error_for('[sources.jira]\nkind = "demo"\napi_token = "canary-8d1f7c0b"\n')
    assert "cockpit auth set jira" in message
    assert "canary-8d1f7c0b" not in message


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cockpit init"):
        load_config(tmp_path / "nope.toml")


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(str(tmp_path / "flag.toml")) == tmp_path / "flag.toml"
    assert resolve_config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("COCKPIT_CONFIG")
    assert resolve_config_path(None).name == "config.toml"


toml_scalars = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=12),
)
toml_tables = st.recursive(
    st.dictionaries(st.text(min_size=1, max_size=10), toml_scalars, max_size=5),
    lambda children: st.dictionaries(st.text(min_size=1, max_size=10), children, max_size=4),
    max_leaves=20,
)


def _to_toml(table: dict, prefix: str = "") -> str:
    import json

    scalars = []
    nested = []
    for key, value in table.items():
        quoted = json.dumps(key)
        if isinstance(value, dict):
            nested.append((quoted, value))
        else:
            scalars.append(
                f"{quoted} = {str(value).lower() if isinstance(value, bool) else json.dumps(value)}"
            )
    out = ""
    if prefix:
        out += f"[{prefix}]\n"
    out += "\n".join(scalars) + "\n"
    for quoted, value in nested:
        out += _to_toml(value, f"{prefix}.{quoted}" if prefix else quoted)
    return out


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), toml_tables.map(_to_toml)))
def test_any_input_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        config = parse_config(text, PATH)
    except ConfigError as exc:
        assert str(exc).startswith(str(PATH))
    else:
        assert config.path == PATH


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[sources.demo]\nkind = "demo"\n')
    assert list(load_config(path).sources) == ["demo"]


def test_a_folder_given_as_the_config_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "is a folder" in str(caught.value)
    assert str(tmp_path / "config.toml") in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://me:CANARY-31@acme.atlassian.net",
        "https://CANARY-31@acme.atlassian.net",
        "http://me:p@CANARY-31@jira.local:8080/jira",
    ],
)
def test_credentials_in_a_url_are_refused_and_not_echoed(url: str) -> None:
    message = error_for(f'[sources.jira]\nkind = "jira"\nurl = "{url}"\nboard_id = 4\n')
    assert message.startswith(f"{PATH}: `sources.jira.url`: ")
    assert "cockpit auth set jira" in message
    assert "CANARY-31" not in message


def test_credentials_in_any_url_of_the_config_are_refused() -> None:
    message = error_for(
        '[sources.jira]\nkind = "jira"\nurl = "https://a.net"\nboard_id = 4\n'
        "jql = \"project = X AND url = 'https://u:CANARY-32@x'\"\n"
    )
    assert "`sources.jira.jql`" in message and "CANARY-32" not in message


def test_a_url_without_credentials_is_fine() -> None:
    config = parse_config(
        '[sources.jira]\nkind = "jira"\nurl = "https://acme.atlassian.net"\nboard_id = 4\n'
        'email = "me@acme.com"\njql = "assignee = \'me@acme.com\'"\n',
        PATH,
    )
    assert "jira" in config.sources


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[budgets]]\nname = "ML"\nmonthly = 5\ncurrency = "usd"\n',
            '`budgets.0.currency`: "usd" is not a currency code; expected three capital letters',
        ),
        (
            '[cockpit]\nstale_after_minutes = "30"\n',
            '`cockpit.stale_after_minutes`: expected a number, got the text "30"',
        ),
    ],
)
def test_errors_say_what_is_wrong_in_words(text: str, expected: str) -> None:
    message = error_for(text)
    assert expected in message
    assert "regex" not in message and "^" not in message


def test_every_example_block_in_the_template_is_valid_once_uncommented() -> None:
    """`cockpit init` writes commented examples; a user who uncomments one must get a valid
    config, not an error about the example itself."""
    import re

    example = re.compile(r"^# (\[|[a-z_]+ += )")
    text = "\n".join(
        line[2:] if example.match(line) else line for line in CONFIG_TEMPLATE.splitlines()
    )
    config = parse_config(text, PATH)
    assert {s.kind for s in config.sources.values()} == {
        "demo", "jira", "mlflow", "wandb", "focus", "aws-cost", "opencost", "azure-cost",
        "okr-file", "roster-file"
    }  # fmt: skip
