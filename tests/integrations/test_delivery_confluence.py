"""The Confluence destination against a fake Confluence on 127.0.0.1."""

from __future__ import annotations

import base64
import logging
import time
import xml.etree.ElementTree as ET

import pytest

from cockpit.models import Secret
from integrations.delivery.base import (
    ConfluenceSettings,
    DeliveryError,
    OutgoingMessage,
    make_destination,
)
from integrations.delivery.confluence import ConfluencePage
from integrations.delivery.storage import from_html, to_storage
from tests.fakes.confluence_server import FakeConfluence

CANARY = "canary-0e4b2d19-confluence-do-not-leak"
TITLE = "Weekly status 2026-W48"

SUMMARY = """# Weekly status 2026-W48

_Generated 2026-11-30 09:00 UTC from the local cache._

## Sprint

- MLP Sprint 42: **48%** done
  - MLP-617: Data contract &amp; schema for val\\_auc
    - deeper
- back to the top [board](https://jira.example.com/b/1)

Closing paragraph.
"""


def message(body: str = SUMMARY, key: str = "key-aaaa1111", fmt: str = "md") -> OutgoingMessage:
    return OutgoingMessage(key, "wiki", "2026-W48", fmt, TITLE, body)


@pytest.fixture
def cloud():
    with FakeConfluence(token=CANARY) as fake:
        yield fake


def client(fake: FakeConfluence, *, parent_id: str = "", user: str | None = None) -> ConfluencePage:
    settings = ConfluenceSettings(
        url=fake.url,
        space="MLT",
        title="Weekly status {week}",
        parent_id=parent_id,
        user=fake.email if user is None else user,
    )
    return make_destination("wiki", settings, Secret(fake.token))  # type: ignore[return-value]


def test_the_first_delivery_creates_the_page(cloud: FakeConfluence) -> None:
    result = client(cloud).deliver(message(), deadline=5)
    page = cloud.page_titled("MLT", TITLE)
    assert page is not None and page.current.number == 1
    assert cloud.count("POST") == 1 and cloud.count("PUT") == 0
    assert result.remote_ref == f"{cloud.url}/spaces/MLT/pages/{page.id}/Weekly+status+2026-W48"
    assert "created" in result.detail
    body = page.current.body
    assert "<h1>Weekly status 2026-W48</h1>" in body
    assert "<strong>48%</strong>" in body
    assert "Data contract &amp; schema for val_auc" in body
    assert '<a href="https://jira.example.com/b/1">board</a>' in body
    assert "<ul><li>MLP Sprint 42" in body and "<ul><li>deeper</li></ul>" in body
    assert "<p>Closing paragraph.</p>" in body
    ET.fromstring(f"<r>{body}</r>")  # well-formed


def test_a_second_week_updates_the_page_with_the_key_in_the_version(
    cloud: FakeConfluence,
) -> None:
    existing = cloud.add_page("MLT", TITLE)
    result = client(cloud).deliver(message(key="key-bbbb2222"), deadline=5)
    assert existing.current.number == 2
    assert existing.current.message == "cockpit weekly 2026-W48 key=key-bbbb2222"
    assert "updated" in result.detail and "version 2" in result.detail
    assert cloud.count("POST") == 0


def test_a_repeat_after_a_crash_writes_no_second_version(cloud: FakeConfluence) -> None:
    cloud.add_page("MLT", TITLE)
    destination = client(cloud)
    destination.deliver(message(), deadline=5)
    # The process died before the outbox recorded the delivery: the outbox asks, then resends.
    found = destination.find_delivered(message())
    assert found is not None and "version 2" in found.detail
    destination.deliver(message(), deadline=5)
    page = cloud.page_titled("MLT", TITLE)
    assert page is not None and len(page.versions) == 2
    assert cloud.count("PUT") == 1
    # A different message (new content, new key) does update.
    assert destination.find_delivered(message("# other\n", key="key-cccc3333")) is None
    destination.deliver(message("# other\n", key="key-cccc3333"), deadline=5)
    assert len(page.versions) == 3


def test_a_repeat_after_a_crash_during_create_writes_no_second_page(
    cloud: FakeConfluence,
) -> None:
    destination = client(cloud)
    destination.deliver(message(), deadline=5)
    destination.deliver(message(), deadline=5)  # same body already there: nothing written
    assert len(cloud.pages) == 1
    assert cloud.count("POST") == 1 and cloud.count("PUT") == 0


def test_someone_saving_meanwhile_is_a_conflict_that_is_retried_once(
    cloud: FakeConfluence,
) -> None:
    page = cloud.add_page("MLT", TITLE)
    cloud.someone_edits(page.id)
    client(cloud).deliver(message(), deadline=5)
    assert [v.by for v in page.versions] == ["someone", "someone", "cockpit"]
    assert page.current.number == 3 and "key=key-aaaa1111" in page.current.message
    assert [r.status for r in cloud.requests if r.method == "PUT"] == [409, 200]


def test_a_page_created_by_someone_else_meanwhile_is_updated_not_duplicated(
    cloud: FakeConfluence,
) -> None:
    # The title search says "no page", then the create meets a page made a moment ago.
    cloud.fail(
        200,
        '{"results": [], "start": 0, "limit": 25, "size": 0, "_links": {}}',
        content_type="application/json",
        method="GET",
    )
    cloud.add_page("MLT", TITLE)
    client(cloud).deliver(message(), deadline=5)
    assert len(cloud.pages) == 1
    page = cloud.page_titled("MLT", TITLE)
    assert page is not None and page.current.number == 2


def test_a_parent_page_is_the_ancestor(cloud: FakeConfluence) -> None:
    parent = cloud.add_page("MLT", "Status reports")
    client(cloud, parent_id=parent.id).deliver(message(), deadline=5)
    page = cloud.page_titled("MLT", TITLE)
    assert page is not None and page.ancestors == [parent.id]


def test_server_uses_a_bearer_token() -> None:
    with FakeConfluence(deployment="Server", token=CANARY) as server:
        client(server, user="").deliver(message(), deadline=5)
        assert server.requests[0].headers["authorization"] == f"Bearer {CANARY}"
        assert server.page_titled("MLT", TITLE) is not None


def test_cloud_uses_basic_auth(cloud: FakeConfluence) -> None:
    client(cloud).deliver(message(), deadline=5)
    expected = base64.b64encode(f"{cloud.email}:{CANARY}".encode()).decode()
    assert cloud.requests[0].headers["authorization"] == f"Basic {expected}"


def test_hostile_text_is_inert_in_the_page(cloud: FakeConfluence) -> None:
    hostile = (
        "# T\n\n- ]]&gt; &lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n"
        '- &lt;ac:structured-macro ac:name="html"&gt;x&lt;/ac:structured-macro&gt;\n'
        "- [x](javascript:alert(1)) \\[y\\](https://evil.example) \x1b]0;t\x07\u202e\n"
    )
    client(cloud).deliver(message(hostile), deadline=5)
    page = cloud.page_titled("MLT", TITLE)
    assert page is not None
    body = page.current.body
    root = ET.fromstring(f"<r>{body}</r>")
    tags = {element.tag for element in root.iter()}
    assert tags <= {"r", "h1", "ul", "li", "p", "strong", "em", "code", "a"}
    assert "]]&gt;" in body and "&lt;script&gt;" in body
    assert "<a " not in body  # neither link survives: one unsafe, one escaped
    assert "\x1b" not in body and "\u202e" not in body


def test_an_html_summary_keeps_words_and_drops_style_svg_and_script() -> None:
    html_summary = (
        "<!doctype html><html><head><title>t</title><style>body{}</style></head><body>"
        "<h1>Weekly</h1><p onclick='x()'>Spend <b>up</b> &amp; <i>fine</i></p>"
        "<svg><title>chart</title><path d='M0'/></svg><script>alert(1)</script>"
        "<ul><li>one<li>two</ul><a href='javascript:x'>bad</a><a href='https://ok.example'>ok</a>"
        "<table><tr><td>a]]&gt;</td></tr></table><br></body></html>"
    )
    storage = from_html(html_summary)
    ET.fromstring(f"<r>{storage}</r>")
    assert "<h1>Weekly</h1>" in storage and "<strong>up</strong>" in storage
    assert "<em>fine</em>" in storage and "&amp;" in storage
    for banned in ("svg", "script", "style", "onclick", "javascript", "chart", "alert"):
        assert banned not in storage
    assert '<a href="https://ok.example">ok</a>' in storage and "bad" in storage
    assert "a]]&gt;" in storage


def test_a_json_summary_is_a_preformatted_block() -> None:
    storage = to_storage('{"a": "<b>]]>"}', "json")
    assert storage.startswith("<pre>") and "&lt;b&gt;]]&gt;" in storage


@pytest.mark.parametrize(
    ("status", "retryable", "words"),
    [
        (401, False, "rejected the credentials"),
        (403, False, "may not"),
        (404, False, "cannot find"),
        (400, False, "refused"),
        (500, True, "failed on its side"),
        (503, True, "failed on its side"),
    ],
)
def test_each_error_is_worded_for_the_user(
    cloud: FakeConfluence, status: int, retryable: bool, words: str
) -> None:
    cloud.fail(
        status,
        f'{{"statusCode": {status}, "message": "nope {CANARY}"}}',
        content_type="application/json",
    )
    with pytest.raises(DeliveryError) as caught:
        client(cloud).deliver(message(), deadline=5)
    assert caught.value.retryable is retryable
    assert words in str(caught.value) and str(caught.value).startswith("wiki (Confluence): ")
    assert CANARY not in str(caught.value) and CANARY not in repr(caught.value)


def test_wrong_credentials_as_the_fake_refuses_them(cloud: FakeConfluence) -> None:
    wrong = make_destination(
        "wiki",
        ConfluenceSettings(url=cloud.url, space="MLT", user=cloud.email),
        Secret(CANARY + "-old"),
    )
    with pytest.raises(DeliveryError, match="API token") as caught:
        wrong.deliver(message(), deadline=5)
    assert "cockpit auth set wiki" in str(caught.value)
    assert CANARY not in str(caught.value)


def test_a_read_only_space_and_an_unknown_space() -> None:
    with (
        FakeConfluence(token=CANARY, read_only=("MLT",)) as fake,
        pytest.raises(DeliveryError, match="may not create pages in space MLT"),
    ):
        client(fake).deliver(message(), deadline=5)
    with (
        FakeConfluence(token=CANARY, spaces=("OTHER",)) as fake,
        pytest.raises(DeliveryError, match="cannot find space MLT"),
    ):
        client(fake).deliver(message(), deadline=5)


def test_rate_limited_says_how_long_to_wait(cloud: FakeConfluence) -> None:
    cloud.fail(429, "{}", retry_after="9", content_type="application/json")
    with pytest.raises(DeliveryError) as caught:
        client(cloud).deliver(message(), deadline=5)
    assert caught.value.retryable and caught.value.retry_after == 9


def test_a_sign_in_page_instead_of_the_api_is_named(cloud: FakeConfluence) -> None:
    cloud.fail(200, "<html>Log in</html>", content_type="text/html")
    with pytest.raises(DeliveryError, match="not Confluence's API") as caught:
        client(cloud).deliver(message(), deadline=5)
    assert not caught.value.retryable


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_hanging_confluence_returns_within_the_deadline(
    cloud: FakeConfluence, method: str
) -> None:
    cloud.add_page("MLT", TITLE)
    cloud.hang(method=method)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        client(cloud).deliver(message(), deadline=1.0)
    assert time.monotonic() - started < 2.0
    assert caught.value.retryable and CANARY not in str(caught.value)
    # Only a lost answer to a write may have changed the page.
    assert caught.value.maybe_sent is (method == "PUT")


def test_the_token_is_not_in_reprs_or_logs(
    cloud: FakeConfluence, caplog: pytest.LogCaptureFixture
) -> None:
    destination = client(cloud)
    assert CANARY not in repr(destination)
    with caplog.at_level(logging.DEBUG):
        destination.deliver(message(), deadline=5)
    assert all(CANARY not in record.getMessage() for record in caplog.records)
