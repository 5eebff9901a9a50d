"""A fake Microsoft Teams Workflows webhook on 127.0.0.1 (a Power Automate "When a Teams
webhook request is received" trigger feeding "Post card in a chat or channel").

* `POST /workflows/<id>/triggers/manual/paths/invoke?api-version=2016-06-01&sp=…&sv=1.0&sig=…`
  (the `url` property) answers 202 Accepted with an empty body, as the trigger does, once the
  body is JSON. The post to the channel happens afterwards, inside the workflow: the fake
  records it in `posted` when the payload is a message with an Adaptive Card attachment of at
  most 28 KB (Teams' limit), and in `failed_runs` (with the reason) otherwise. The caller
  never sees that failure, exactly as with the real service.
* Errors as the Logic Apps trigger writes them, JSON `{"error": {"code", "message"}}`: a body
  that is not JSON: 400 `InvalidRequestContent`; no `sig`: 401
  `DirectApiAuthorizationRequired`; a wrong `sig`: 401 `DirectApiInvalidAuthorizationSignature`;
  another workflow id: 404 `WorkflowNotFound`; `disable()`: 409 `WorkflowTriggerIsNotEnabled`
  (fake's choice of status for a workflow that is turned off).
* Faults: `fail(429, …, retry_after="5")`, `fail(500)`, `hang()`.

`requests` records every request.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from tests.fakes.delivery_common import FakeHandler, FakeServer, Reply, json_reply

SIZE_LIMIT = 28 * 1024
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def _error(status: int, code: str, message: str) -> Reply:
    return json_reply(status, {"error": {"code": code, "message": message}})


class FakeTeams(FakeServer):
    handler_class = FakeHandler
    label = "the fake Teams workflow"
    thread_name = "fake-teams"

    def __init__(self, sig: str | None = None) -> None:
        super().__init__()
        self.sig = sig or secrets.token_urlsafe(32)
        self.workflow = secrets.token_hex(16)
        self.path = f"/workflows/{self.workflow}/triggers/manual/paths/invoke"
        self.posted: list[dict[str, Any]] = []
        self.failed_runs: list[str] = []
        self.enabled = True

    @property
    def url(self) -> str:
        return (
            f"{self.base_url}{self.path}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun"
            f"&sv=1.0&sig={self.sig}"
        )

    def disable(self) -> None:
        self.enabled = False

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
        body: bytes,
    ) -> Reply:  # fmt: skip
        if path != self.path:
            return _error(404, "WorkflowNotFound", "The workflow could not be found.")
        sig = query.get("sig", [""])[0]
        if not sig:
            return _error(
                401,
                "DirectApiAuthorizationRequired",
                "The request must be authenticated only by Shared Access scheme.",
            )
        if sig != self.sig:
            return _error(
                401,
                "DirectApiInvalidAuthorizationSignature",
                "The provided authorization signature is invalid.",
            )
        if not self.enabled:
            return _error(
                409, "WorkflowTriggerIsNotEnabled", "The workflow trigger is not enabled."
            )
        try:
            payload = json.loads(body)
        except ValueError:
            return _error(400, "InvalidRequestContent", "The request content is not valid JSON.")
        self._run(payload, len(body))
        return Reply(202, b"", {})

    def _run(self, payload: Any, size: int) -> None:
        """What the workflow's "Post card" step does after the trigger has answered."""
        if size > SIZE_LIMIT:
            self.failed_runs.append(f"message too large ({size} bytes)")
            return
        try:
            attachments = payload["attachments"]
            card = attachments[0]
            assert payload["type"] == "message"
            assert card["contentType"] == CARD_TYPE
            assert card["content"]["type"] == "AdaptiveCard"
            assert isinstance(card["content"]["body"], list)
        except (KeyError, IndexError, TypeError, AssertionError):
            self.failed_runs.append("not a message with an Adaptive Card")
            return
        self.posted.append(card["content"])

    @staticmethod
    def texts(card: dict[str, Any]) -> list[str]:
        return [block.get("text", "") for block in card.get("body", [])]
