"""A fake Slack incoming webhook on 127.0.0.1, answering as Slack documents it.

* `POST /services/T…/B…/<secret>` (the `url` property) with a JSON body answers 200 `ok`.
* Anything else Slack refuses, with its plain-text codes (api.slack.com, "Handling errors" for
  incoming webhooks, and the 2016-05-17 changelog): a body that is not JSON, or not sent as
  JSON: 400 `invalid_payload`; neither `text` nor `blocks`: 400 `no_text`; more than 50
  blocks, a section text over 3,000 characters or empty, a block without a known type: 400
  `invalid_blocks`; blocks holding more than 13,000 characters in all: 400
  `msg_blocks_too_long` (observed with chat.postMessage); an unknown webhook path: 404
  `no_service`; `revoke()`: 403 `invalid_token`; `archive()`: 410 `channel_is_archived`.
* Faults: `fail(429, "rate_limited", retry_after="3")`, `fail(500, "rollup_error")`,
  `hang()` (reads the request, never answers).

`requests` records every request; `messages` the payloads Slack accepted. `mentions(payload)`
and `links(payload)` say what Slack would turn into a notification or a link when it renders
the message: `<!here>`, `<!channel>`, `<!everyone>`, `<@U…>`, `<!subteam^…>`, `<http…|…>`,
and, in a text object that is not `verbatim`, a bare `@here`/`@channel`/`@everyone` or URL.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from tests.fakes.delivery_common import FakeHandler, FakeServer, Reply, text_reply

_MENTION = re.compile(r"<(!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)[|>]")
_BARE_MENTION = re.compile(r"(?<![\w&])@(here|channel|everyone)\b")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>|]+")


class FakeSlack(FakeServer):
    handler_class = FakeHandler
    label = "the fake Slack"
    thread_name = "fake-slack"

    def __init__(self, secret: str | None = None) -> None:
        super().__init__()
        self.secret = secret or secrets.token_hex(12)
        self.path = f"/services/T0FAKE01/B0FAKE02/{self.secret}"
        self.messages: list[dict[str, Any]] = []
        self.revoked = False
        self.archived = False

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}"

    def revoke(self) -> None:
        self.revoked = True

    def archive(self) -> None:
        self.archived = True

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
        body: bytes,
    ) -> Reply:  # fmt: skip
        if path != self.path:
            return text_reply(404, "no_service")
        if method != "POST":
            return text_reply(405, "invalid_method")
        if self.revoked:
            return text_reply(403, "invalid_token")
        if self.archived:
            return text_reply(410, "channel_is_archived")
        if not headers.get("content-type", "").startswith("application/json"):
            return text_reply(400, "invalid_payload")
        try:
            payload = json.loads(body)
        except ValueError:
            return text_reply(400, "invalid_payload")
        if not isinstance(payload, dict):
            return text_reply(400, "invalid_payload")
        if not payload.get("text") and not payload.get("blocks"):
            return text_reply(400, "no_text")
        problem = _check_blocks(payload.get("blocks", []))
        if problem:
            return text_reply(400, problem)
        self.messages.append(payload)
        return text_reply(200, "ok")

    # --- what Slack would render -------------------------------------------------------

    @staticmethod
    def texts(payload: dict[str, Any]) -> list[tuple[str, bool]]:
        """Every text Slack renders: (text, verbatim). The top-level `text` is parsed."""
        out = [(payload.get("text", ""), False)]
        for block in payload.get("blocks", []):
            text = block.get("text") or {}
            out.append((text.get("text", ""), bool(text.get("verbatim", False))))
        return out

    def mentions(self, payload: dict[str, Any]) -> list[str]:
        found = []
        for text, verbatim in self.texts(payload):
            found += _MENTION.findall(text)
            if not verbatim:
                found += ["@" + m for m in _BARE_MENTION.findall(text)]
        return found

    def links(self, payload: dict[str, Any]) -> list[str]:
        found = []
        for text, verbatim in self.texts(payload):
            found += _LINK.findall(text)
            if not verbatim:
                found += _BARE_URL.findall(_LINK.sub("", text))
        return found


def _check_blocks(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > 50:
        return "invalid_blocks"
    total = 0
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in (
            "section", "header", "divider", "context",
        ):  # fmt: skip
            return "invalid_blocks"
        if block["type"] == "divider":
            continue
        text = block.get("text") or {}
        value = text.get("text", "")
        limit = 150 if block["type"] == "header" else 3000
        if text.get("type") not in ("mrkdwn", "plain_text") or not value or len(value) > limit:
            return "invalid_blocks"
        total += len(value)
    if total > 13_000:
        return "msg_blocks_too_long"
    return ""
