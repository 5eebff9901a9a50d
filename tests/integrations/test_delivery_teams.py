"""The Teams destination against a fake Workflows webhook on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.models import Secret
from integrations.delivery.base import (
    DeliveryError,
    OutgoingMessage,
    TeamsSettings,
    make_destination,
)
from integrations.delivery.teams import SIZE_LIMIT, TeamsWorkflow, encoded
from tests.fakes.teams_server import FakeTeams

CANARY = "canary-91f3c0aa-teams-do-not-leak"

SUMMARY = """# Weekly status 2026-W48

_Generated 2026-11-30 09:00 UTC from the local cache._

## Sprint

- MLP Sprint 42: 35 of 73 pts done (48%), **5 working days left**
  - MLP-617: Data contract &amp; schema for val\\_auc
- see [the board](https://jira.example.com/board/1)
"""


def message(body: str = SUMMARY) -> OutgoingMessage:
    return OutgoingMessage("k1", "leads-teams", "2026-W48", "md", "Weekly status 2026-W48", body)


@pytest.fixture
def teams():
    with FakeTeams(sig=CANARY) as fake:
        yield fake


def client(fake: FakeTeams) -> TeamsWorkflow:
    return make_destination("leads-teams", TeamsSettings(), Secret(fake.url))  # type: ignore[return-value]


def test_a_summary_is_posted_as_an_adaptive_card(teams: FakeTeams) -> None:
    result = client(teams).deliver(message(), deadline=5)
    assert teams.count("POST") == 1
    assert teams.failed_runs == [] and len(teams.posted) == 1
    card = teams.posted[0]
    assert card["version"] == "1.4"
    sent = teams.requests[0].json()
    assert sent["type"] == "message"
    assert sent["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = FakeTeams.texts(card)
    assert texts[0] == "Weekly status 2026-W48"
    assert card["body"][0]["weight"] == "Bolder"
    joined = "\n".join(texts)
    assert "**5 working days left**" in joined
    assert "[the board](https://jira.example.com/board/1)" in joined
    assert "Data contract & schema for val\\_auc" in joined  # literal underscore, escaped
    assert "  - MLP-617" in joined
    assert CANARY not in result.remote_ref + result.detail
    assert client(teams).find_delivered(message()) is None


def test_hostile_text_is_inert(teams: FakeTeams) -> None:
    hostile = (
        "# W\n\n- &lt;at&gt;Everyone&lt;/at&gt; \\*\\*loud\\*\\* \\[x\\](https://evil.example)\n"
        "- [phish](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;\n"
        "- \x1b[2J cleared \u202e reversed\n"
    )
    client(teams).deliver(message(hostile), deadline=5)
    card = teams.posted[0]
    assert "entities" not in json.dumps(card)  # no <at> mention can resolve to anyone
    joined = "\n".join(FakeTeams.texts(card))
    assert "](javascript" not in joined and "phish" in joined  # words only, no link
    assert "\\*\\*loud\\*\\*" in joined and "\\[x\\]" in joined
    assert "\\<at\\>" in joined and "\x1b" not in joined and "\u202e" not in joined


def test_a_summary_too_large_for_teams_is_trimmed_and_says_by_how_much(teams: FakeTeams) -> None:
    lines = [f"- item {i:05d} " + "z" * 100 for i in range(600)]  # ~66 KB
    body = "# Big\n\n" + "\n".join(lines) + "\n"
    assert len(encoded(message(body))) <= SIZE_LIMIT
    client(teams).deliver(message(body), deadline=5)
    assert teams.failed_runs == [] and len(teams.posted) == 1
    joined = "\n".join(FakeTeams.texts(teams.posted[0]))
    shown = sum(1 for i in range(600) if f"item {i:05d}" in joined)
    assert 0 < shown < 600
    assert f"+{600 - shown} more lines" in joined


def test_escape_heavy_summaries_still_fit() -> None:
    lines = ["- " + "&lt;*_[" * 60 for _ in range(400)]
    assert len(encoded(message("# T\n\n" + "\n".join(lines)))) <= SIZE_LIMIT


@pytest.mark.parametrize(
    ("status", "code", "retryable", "words"),
    [
        (400, "InvalidRequestContent", False, "cockpit bug"),
        (401, "DirectApiInvalidAuthorizationSignature", False, "signature"),
        (404, "WorkflowNotFound", False, "does not exist"),
        (409, "WorkflowTriggerIsNotEnabled", False, "turned off"),
        (500, "InternalServerError", True, "Teams failed"),
        (503, "ServiceUnavailable", True, "Teams failed"),
    ],
)
def test_each_error_is_worded_for_the_user(
    teams: FakeTeams, status: int, code: str, retryable: bool, words: str
) -> None:
    teams.fail(
        status,
        json.dumps({"error": {"code": code, "message": f"x {CANARY}"}}),
        content_type="application/json",
    )
    with pytest.raises(DeliveryError) as caught:
        client(teams).deliver(message(), deadline=5)
    assert caught.value.retryable is retryable
    assert words in str(caught.value) and code in str(caught.value)
    assert CANARY not in str(caught.value)


def test_the_fakes_own_refusals(teams: FakeTeams) -> None:
    wrong = TeamsWorkflow("leads-teams", Secret(teams.url.replace(CANARY, "bad-signature-123")))
    with pytest.raises(DeliveryError, match="signature") as caught:
        wrong.deliver(message(), deadline=5)
    assert "bad-signature-123" not in str(caught.value)
    teams.disable()
    with pytest.raises(DeliveryError, match="turned off"):
        client(teams).deliver(message(), deadline=5)


def test_rate_limited_says_how_long_to_wait(teams: FakeTeams) -> None:
    teams.fail(429, "{}", retry_after="4", content_type="application/json")
    with pytest.raises(DeliveryError) as caught:
        client(teams).deliver(message(), deadline=5)
    assert caught.value.retryable and caught.value.retry_after == 4


def test_a_hanging_workflow_returns_within_the_deadline(teams: FakeTeams) -> None:
    teams.hang()
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        client(teams).deliver(message(), deadline=1.0)
    assert time.monotonic() - started < 2.0
    assert caught.value.maybe_sent and CANARY not in str(caught.value)


def test_the_url_is_not_in_reprs_or_logs(
    teams: FakeTeams, caplog: pytest.LogCaptureFixture
) -> None:
    destination = client(teams)
    assert CANARY not in repr(destination)
    with caplog.at_level(logging.DEBUG):
        destination.deliver(message(), deadline=5)
    assert caplog.records
    assert all(CANARY not in record.getMessage() for record in caplog.records)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.text(alphabet=st.sampled_from("ab &<>*_[]\\#é漢🙂"), max_size=600),
        ),
        min_size=1,
        max_size=250,
    )
)
def test_trimming_never_loses_a_line_without_counting_it(rows: list[tuple[int, str]]) -> None:
    body = "\n".join(
        ("## " if depth == 2 else "  " * depth + "- ") + f"L{i:04d}. {text}"
        for i, (depth, text) in enumerate(rows)
    )
    sent = encoded(message(body))
    assert len(sent) <= SIZE_LIMIT
    card = json.loads(sent)["attachments"][0]["content"]
    joined = "\n".join(FakeTeams.texts(card))
    shown = {i for i in range(len(rows)) if f"L{i:04d}." in joined}
    assert shown == set(range(len(shown)))  # a prefix: nothing skipped in the middle
    missing = len(rows) - len(shown)
    if missing:
        assert f"+{missing} more line" in joined
    else:
        assert "more line" not in joined
