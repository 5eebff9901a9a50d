"""The Slack destination against a fake incoming webhook on 127.0.0.1."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.models import Secret
from integrations.delivery.base import (
    DeliveryError,
    OutgoingMessage,
    SlackSettings,
    make_destination,
)
from integrations.delivery.markdown import parse
from integrations.delivery.slack import (
    BLOCK_LIMIT,
    SECTION_LIMIT,
    TOTAL_LIMIT,
    SlackWebhook,
    blocks_for,
    payload_for,
)
from tests.fakes.slack_server import FakeSlack

CANARY = "canary-5b0d7e31-slack-do-not-leak"

SUMMARY = """# Weekly status 2026-W48 (23 Nov – 29 Nov 2026)

_Generated 2026-11-30 09:00 UTC from the local cache._

## Sprint

_data as of 2 h ago_

- MLP Sprint 42: 35 of 73 pts done (48%), **5 working days left**
- Blockers: 2
  - MLP-617 (flagged, Tom Fletcher): Data contract &amp; schema for val\\_auc
  - see [the board](https://jira.example.com/board/1)
"""


def message(body: str = SUMMARY, key: str = "k1") -> OutgoingMessage:
    return OutgoingMessage(
        idem_key=key,
        destination="team-slack",
        week="2026-W48",
        format="md",
        title="Weekly status 2026-W48",
        body=body,
    )


@pytest.fixture
def slack():
    with FakeSlack(secret=CANARY) as fake:
        yield fake


def client(fake: FakeSlack) -> SlackWebhook:
    return make_destination("team-slack", SlackSettings(), Secret(fake.url))  # type: ignore[return-value]


def all_text(payload: dict) -> str:
    return "\n".join(text for text, _ in FakeSlack.texts(payload))


def test_a_summary_is_posted_once_as_mrkdwn(slack: FakeSlack) -> None:
    result = client(slack).deliver(message(), deadline=5)
    assert slack.count("POST") == 1 and len(slack.messages) == 1
    payload = slack.messages[0]
    text = all_text(payload)
    assert "*Weekly status 2026-W48 (23 Nov – 29 Nov 2026)*" in text  # heading → bold line
    assert "*5 working days left*" in text  # **x** → *x*
    assert "<https://jira.example.com/board/1|the board>" in text
    assert "Data contract &amp; schema for val_auc" in text  # entity kept escaped, \_ → _
    assert "    ◦ MLP-617" in text
    assert payload["unfurl_links"] is False
    assert all(block["text"]["verbatim"] for block in payload["blocks"])
    assert CANARY not in result.remote_ref + result.detail
    assert result.remote_ref == "slack:127.0.0.1"
    assert client(slack).find_delivered(message()) is None


def test_hostile_text_is_inert(slack: FakeSlack) -> None:
    hostile = (
        "# Weekly\n\n"
        "- &lt;!channel&gt; wake up @here and @channel\n"
        "- \\[click\\](javascript:alert(1)) &lt;https://evil.example|login&gt;\n"
        "- [phish](javascript:alert(1)) <b>bold</b> &lt;/p&gt;&lt;script&gt;\n"
        "- esc \x1b]0;pwned\x07 and bidi \u202egnp.exe and bell \x07 done\n"
        "- visit https://evil.example/x now\n"
    )
    client(slack).deliver(message(hostile), deadline=5)
    payload = slack.messages[0]
    assert slack.mentions(payload) == []
    assert slack.links(payload) == []  # javascript: dropped; bare URLs stay text (verbatim)
    text = all_text(payload)
    assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|login&gt;" in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "<b>" not in text and "&lt;b&gt;" in text


def test_a_long_summary_is_split_without_losing_a_line(slack: FakeSlack) -> None:
    lines = [f"- item {i:04d} " + "x" * 60 for i in range(120)]
    body = "# Long\n\n## Section A\n\n" + "\n".join(lines) + "\n"
    client(slack).deliver(message(body), deadline=5)
    payload = slack.messages[0]
    text = all_text(payload)
    for i in range(120):
        assert f"item {i:04d}" in text
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in payload["blocks"])
    assert len(payload["blocks"]) > 1
    assert "more line" not in text


def test_a_summary_too_long_for_one_message_says_how_many_lines_are_left_out(
    slack: FakeSlack,
) -> None:
    lines = [f"- item {i:05d} " + "y" * 90 for i in range(400)]
    body = "# Huge\n\n" + "\n".join(lines) + "\n"
    client(slack).deliver(message(body), deadline=5)  # the fake accepts it: within limits
    payload = slack.messages[0]
    text = all_text(payload)
    shown = sum(1 for i in range(400) if f"item {i:05d}" in text)
    assert 0 < shown < 400
    assert f"+{400 - shown} more lines" in text  # the heading counts as shown
    assert len(payload["blocks"]) <= BLOCK_LIMIT
    assert sum(len(b["text"]["text"]) for b in payload["blocks"]) <= TOTAL_LIMIT


def test_a_line_longer_than_a_section_is_cut_into_pieces_not_dropped() -> None:
    words = " ".join(f"w{i}&amp;" for i in range(1500))  # ~12k characters, entities inside
    blocks = blocks_for(f"# T\n\n- {words}\n")
    text = "".join(b["text"]["text"] for b in blocks)
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks)
    # Every piece is valid: no entity cut in half.
    for block in blocks:
        assert block["text"]["text"].count("&") == block["text"]["text"].count("&amp;")
    assert "w0&amp;" in text


def test_many_headings_never_make_more_than_fifty_blocks() -> None:
    body = "\n".join(f"## S{i}\n\n- line {i}" for i in range(80))
    blocks = blocks_for(body)
    assert len(blocks) <= BLOCK_LIMIT
    text = "\n".join(b["text"]["text"] for b in blocks)
    shown = sum(1 for i in range(80) if f"line {i}\n" in text + "\n")
    headings_shown = sum(1 for i in range(80) if f"*S{i}*" in text)
    assert f"+{160 - shown - headings_shown} more lines" in text


@pytest.mark.parametrize(
    ("status", "code", "retryable", "words"),
    [
        (400, "invalid_payload", False, "could not read the message"),
        (400, "no_text", False, "empty"),
        (403, "invalid_token", False, "revoked"),
        (404, "no_service", False, "does not exist"),
        (410, "channel_is_archived", False, "archived"),
        (403, "action_prohibited", False, "admins"),
        (500, "rollup_error", True, "Slack failed"),
        (502, "<html>bad gateway</html>", True, "Slack failed"),
    ],
)
def test_each_error_is_worded_for_the_user(
    slack: FakeSlack, status: int, code: str, retryable: bool, words: str
) -> None:
    slack.fail(status, code)
    with pytest.raises(DeliveryError) as caught:
        client(slack).deliver(message(), deadline=5)
    error = caught.value
    assert error.retryable is retryable
    assert words in str(error)
    assert str(error).startswith("team-slack (Slack): ")
    assert CANARY not in str(error) and CANARY not in repr(error)


def test_revoked_and_archived_webhooks_as_the_fake_reports_them(slack: FakeSlack) -> None:
    slack.revoke()
    with pytest.raises(DeliveryError, match="revoked") as caught:
        client(slack).deliver(message(), deadline=5)
    assert "cockpit auth set team-slack" in str(caught.value)
    slack.revoked = False
    slack.archive()
    with pytest.raises(DeliveryError, match="archived"):
        client(slack).deliver(message(), deadline=5)


def test_an_unknown_webhook_is_no_service(slack: FakeSlack) -> None:
    wrong = SlackWebhook("team-slack", Secret(slack.url.replace(CANARY, CANARY[::-1])))
    with pytest.raises(DeliveryError, match="does not exist") as caught:
        wrong.deliver(message(), deadline=5)
    assert CANARY[::-1] not in str(caught.value)


def test_rate_limited_says_how_long_to_wait(slack: FakeSlack) -> None:
    slack.fail(429, "rate_limited", retry_after="7")
    with pytest.raises(DeliveryError) as caught:
        client(slack).deliver(message(), deadline=5)
    assert caught.value.retryable and caught.value.retry_after == 7
    assert "7s" in str(caught.value)


def test_a_hanging_webhook_returns_within_the_deadline(slack: FakeSlack) -> None:
    slack.hang()
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        client(slack).deliver(message(), deadline=1.0)
    assert time.monotonic() - started < 2.0
    assert caught.value.retryable and caught.value.maybe_sent
    assert CANARY not in str(caught.value)


def test_an_unreachable_webhook_names_no_secret() -> None:
    with FakeSlack(secret=CANARY) as fake:
        url = fake.url
    # The server is gone: connection refused.
    with pytest.raises(DeliveryError) as caught:
        SlackWebhook("team-slack", Secret(url)).deliver(message(), deadline=3)
    assert caught.value.retryable and not caught.value.maybe_sent
    assert CANARY not in str(caught.value)


def test_the_webhook_url_is_not_in_reprs_or_logs(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    destination = client(slack)
    assert CANARY not in repr(destination)
    with caplog.at_level(logging.DEBUG):
        destination.deliver(message(), deadline=5)
        slack.fail(404, "no_service")
        with pytest.raises(DeliveryError):
            destination.deliver(message(), deadline=5)
    assert caplog.records  # httpx did log the requests
    assert all(CANARY not in record.getMessage() for record in caplog.records)


def test_no_webhook_url_is_a_clear_error() -> None:
    with pytest.raises(DeliveryError, match="cockpit auth set team-slack"):
        make_destination("team-slack", SlackSettings(), None)


def test_the_fallback_text_is_the_escaped_title() -> None:
    payload = payload_for(
        OutgoingMessage("k", "s", "2026-W48", "md", "Weekly <!here> & co", "# x\n")
    )
    assert payload["text"] == "Weekly &lt;!here&gt; &amp; co"


def test_markdown_reader_keeps_every_line() -> None:
    body = "# A\n\nplain `code <x>` and _em_ and snake_case_name\n- item\n    - deep\n"
    lines = parse(body)
    assert [line.kind for line in lines] == ["heading", "blank", "paragraph", "item", "item"]
    assert lines[2].plain() == "plain code <x> and em and snake_case_name"
    assert lines[4].level == 2


_LINE_TEXT = st.text(
    alphabet=st.sampled_from("abc xyz&<>*_`~[]()|\\#-é漢🙂"), min_size=0, max_size=400
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), _LINE_TEXT), min_size=1, max_size=300))
def test_packing_never_loses_a_line_without_counting_it(rows: list[tuple[int, str]]) -> None:
    # Each line is tagged (Lnnnn.) so that the test can tell which ones were shown.
    body = "\n".join(
        ("## " if depth == 2 else "  " * depth + "- ") + f"L{i:04d}. {text}"
        for i, (depth, text) in enumerate(rows)
    )
    blocks = blocks_for(body)
    texts = [block["text"]["text"] for block in blocks]
    assert len(blocks) <= BLOCK_LIMIT
    assert all(0 < len(text) <= SECTION_LIMIT for text in texts)
    assert sum(len(text) for text in texts) <= TOTAL_LIMIT
    joined = "\n".join(texts)
    shown = {i for i in range(len(rows)) if f"L{i:04d}." in joined}
    missing = len(rows) - len(shown)
    if missing:
        assert f"+{missing} more line" in joined
    else:
        assert "more line" not in joined  # no marker without a cut
    # Shown lines are a prefix: a cut never skips a line and shows a later one.
    assert shown == set(range(len(shown)))


def test_a_line_cut_off_half_way_counts_as_left_out() -> None:
    filler = "\n".join(f"- f{i:03d} " + "q" * 2800 for i in range(3))  # ~8.4k characters
    long_line = "- LONG " + " ".join(["word"] * 1000)  # 5k characters: does not fit whole
    blocks = blocks_for(f"# T\n\n{filler}\n{long_line}\n- last\n")
    text = "\n".join(b["text"]["text"] for b in blocks)
    assert "+2 more lines" in text  # the long line (only partly shown) and "last"
