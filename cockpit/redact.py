"""Credentials never leave in a URL: `https://me:SECRET@host` is shown and stored as
`https://***@host`.

A URL's userinfo can reach text in many ways: an error that quotes the address it could not
reach, a server that echoes it back, a cache written before the config refused such URLs.
Everything that shows or stores such text passes it through `redact_url`. Stdlib only, so that
every layer (the store and the integrations included) may import it.
"""

from __future__ import annotations

import re

# `scheme://` then the userinfo up to its last `@` before the host. A password may itself hold
# `@` or `:` when the user did not percent-encode it, so the match is greedy up to the last `@`;
# it stops at what ends an authority (`/`, `?`, `#`), at the spaces and line breaks between
# words, and at quotes and angle brackets, which is where a URL quoted in a message ends. Any
# other character (a stray control or Unicode space included) is taken as part of a password.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^ \t\r\n/?#'\"<>]*@")


def redact_url(text: str) -> str:
    """`text` with the userinfo of every URL in it replaced by `***`."""
    if "@" not in text:
        return text  # the common case: one scan, nothing allocated
    return _USERINFO.sub(r"\g<scheme>***@", text)


_URL_TAIL = re.compile(r"(?P<site>\b[A-Za-z][A-Za-z0-9+.-]*://[^ \t\r\n/?#'\"<>]+)[^ \t\r\n'\"<>]+")


def without_url_paths(text: str) -> str:
    """`text` with every URL cut to its scheme and host: for messages about an unexpected
    error, where the URL may be a Slack or Teams webhook whose path is the secret."""
    if "://" not in text:
        return text
    return _URL_TAIL.sub(r"\g<site>/…", redact_url(text))


def has_credentials(text: str) -> bool:
    """True when `text` holds a URL with a user name or password in it."""
    return "@" in text and _USERINFO.search(text) is not None
