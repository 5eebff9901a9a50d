"""URL credentials never survive into text that is shown or stored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.redact import has_credentials, redact_url


def test_userinfo_is_replaced_in_any_text() -> None:
    text = "jira: cannot reach 'https://me:S3CRET@acme.net/rest' (ConnectError)"
    assert redact_url(text) == "jira: cannot reach 'https://***@acme.net/rest' (ConnectError)"
    assert redact_url("a http://u@h and ftp://x:y@z") == "a http://***@h and ftp://***@z"


def test_text_without_userinfo_is_untouched() -> None:
    for text in ("https://acme.net/a@b", "mail me@acme.net", "see https://acme.net?x=a@b", ""):
        assert redact_url(text) == text
        assert not has_credentials(text)


# Passwords that users paste without percent-encoding: `@` and `:` included.
secret_chars = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\n\r /?#'\"<>"),
    min_size=1,
    max_size=16,
)


@given(secret_chars, secret_chars)
def test_no_part_of_the_userinfo_survives(user: str, password: str) -> None:
    text = f"failed: https://{user}:{password}@CANARY-HOST/path done"
    redacted = redact_url(text)
    assert redacted == "failed: https://***@CANARY-HOST/path done"
    assert has_credentials(text)


def test_an_error_message_shows_no_url_beyond_its_host() -> None:
    from cockpit.redact import without_url_paths

    text = (
        "HTTPStatusError: Server error '500' for url "
        "'https://hooks.slack.com/services/T0/B0/SeCrEt?x=1' and https://u:pw@wiki.example/p"
    )
    shown = without_url_paths(text)
    assert "SeCrEt" not in shown and "pw" not in shown and "/services" not in shown
    assert "'https://hooks.slack.com/…'" in shown
    assert without_url_paths("no address here") == "no address here"
