"""A source's timeouts follow its deadline unless the user writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.config import ConfigError, JiraSettings, parse_config
from cockpit.sources import build_jobs

PATH = Path("/home/lead/.config/cockpit/config.toml")
JIRA = '[sources.jira]\nkind = "jira"\nurl = "https://acme.atlassian.net"\nboard_id = 42\n'


def test_a_short_deadline_alone_is_accepted_and_shrinks_the_timeouts() -> None:
    config = parse_config(JIRA + "deadline = 5\n", PATH)
    jira = config.sources["jira"]
    assert isinstance(jira, JiraSettings)
    assert (jira.connect_timeout, jira.read_timeout, jira.deadline) == (5, 5, 5)
    (job,) = build_jobs(config)
    assert (job.connect_timeout, job.read_timeout, job.deadline) == (5, 5, 5)


def test_a_very_short_deadline_shrinks_both_timeouts() -> None:
    config = parse_config('[sources.demo]\nkind = "demo"\ndeadline = 2\n', PATH)
    demo = config.sources["demo"]
    assert (demo.connect_timeout, demo.read_timeout) == (2, 2)


def test_without_a_deadline_the_timeouts_keep_their_defaults() -> None:
    jira = parse_config(JIRA, PATH).sources["jira"]
    assert (jira.connect_timeout, jira.read_timeout, jira.deadline) == (5, 20, 180)


def test_a_timeout_the_user_wrote_is_kept() -> None:
    jira = parse_config(JIRA + "deadline = 30\nread_timeout = 25\n", PATH).sources["jira"]
    assert (jira.connect_timeout, jira.read_timeout) == (5, 25)


@pytest.mark.parametrize("key", ["connect_timeout", "read_timeout"])
def test_only_the_timeout_the_user_wrote_is_named_when_it_exceeds_the_deadline(key: str) -> None:
    other = "read_timeout" if key == "connect_timeout" else "connect_timeout"
    with pytest.raises(ConfigError) as caught:
        parse_config(JIRA + f"deadline = 5\n{key} = 8\n", PATH)
    message = str(caught.value)
    assert message.startswith(f"{PATH}: `sources.jira.{key}` (8s) must not exceed")
    assert "deadline (5s)" in message
    assert other not in message


@given(deadline=st.floats(min_value=0.01, max_value=3600))
def test_any_valid_deadline_alone_is_a_valid_config(deadline: float) -> None:
    source = parse_config(f"{JIRA}deadline = {deadline!r}\n", PATH).sources["jira"]
    assert source.connect_timeout <= source.deadline
    assert source.read_timeout <= source.deadline
