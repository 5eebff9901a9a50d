"""Microsoft Teams: the weekly summary through a Workflows webhook ("Post to a channel when a
webhook request is received"), which replaced the Office 365 connectors' incoming webhooks.

The workflow's URL (a Power Automate / Logic Apps trigger URL whose `sig=` signs it) is the
credential. One POST of a message with one Adaptive Card attachment:

    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
      "contentUrl": null, "content": {"type": "AdaptiveCard", "version": "1.4", "body": [...]}}]}

The trigger answers 202 Accepted with an empty body once the workflow has the request; the
post to the channel happens after, inside the workflow, and its failure is not reported back.
(A legacy connector webhook answers 200 `1`, accepted too.) Errors come as JSON
`{"error": {"code", "message"}}`: 400 for a body it cannot read, 401 for a bad or missing
signature, 404 for a deleted workflow, 429 with `Retry-After`, 5xx.

Teams drops a message over about 28 KB, inside the workflow where we cannot see it, so the card
is kept under that: lines that do not fit are left out and a last line says "+N more lines"
with the true N. Headings become bold TextBlocks (a TextBlock's Markdown has no headings);
text is re-escaped for the card's Markdown, links are http(s)/mailto only, and the card has no
`msteams.entities`, so no `<at>` text can mention anyone. Nothing can be asked afterwards:
`find_delivered` says "cannot tell".
"""

from __future__ import annotations

import json
import re
from typing import Any

from cockpit.text_safety import clean_line
from integrations.delivery.base import (
    Answer,
    Clock,
    DeliveryError,
    DeliveryResult,
    OutgoingMessage,
    WebhookDestination,
    host_of,
    rate_limited,
    scrubbed,
)
from integrations.delivery.markdown import Line, Span, more_lines, parse

SIZE_LIMIT = 28 * 1024  # bytes of the whole message, as Teams counts it
BUDGET = SIZE_LIMIT - 1500  # room for the envelope's own overhead and the marker line
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
_CARD_MARKDOWN = re.compile(r"([\\`*_\[\]#<>~|])")


def card_text(text: str) -> str:
    """Literal text inside a TextBlock's Markdown."""
    return _CARD_MARKDOWN.sub(r"\\\1", text)


def _span(span: Span) -> str:
    text = card_text(span.text)
    if span.style == "link":
        url = span.url.replace(")", "%29").replace(" ", "%20")
        return f"[{text}]({url})"
    if span.style in ("strong", "em") and span.text.strip():
        mark = "**" if span.style == "strong" else "_"
        core = text.strip()
        start = text.index(core)
        return f"{text[:start]}{mark}{core}{mark}{text[start + len(core) :]}"
    return text  # code: Teams' card Markdown has no code span; the words stay


def card_line(line: Line) -> str:
    body = "".join(_span(span) for span in line.spans)
    if line.kind == "item":
        return f"{'  ' * line.level}- {body}"
    return body


def _heading(line: Line) -> dict[str, Any]:
    return {
        "type": "TextBlock",
        "text": card_text(line.plain()),
        "weight": "Bolder",
        "size": "Large" if line.level == 1 else "Medium",
        "wrap": True,
    }


def _text(lines: list[str]) -> dict[str, Any]:
    # In a TextBlock, list items need their own lines; paragraphs need a blank line between.
    return {"type": "TextBlock", "text": "\n".join(lines), "wrap": True, "spacing": "Small"}


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def card_body(markdown: str, budget: int = BUDGET) -> list[dict[str, Any]]:
    """The summary as TextBlocks, no bigger than `budget` bytes; a cut ends in "+N more lines"."""
    lines = parse(markdown)
    counted = sum(1 for line in lines if line.kind != "blank")
    body: list[dict[str, Any]] = []
    pending: list[str] = []
    used = shown = 0

    def close() -> None:
        if pending:
            while pending and not pending[-1].strip():
                pending.pop()
            if pending:
                body.append(_text(list(pending)))
            pending.clear()

    for line in lines:
        if line.kind == "heading":
            block = _heading(line)
            cost = _size(block) + 1
        else:
            text = card_line(line) if line.kind != "blank" else ""
            cost = _size(text) + (60 if not pending else 0)  # a new TextBlock's envelope
        if used + cost > budget:
            close()
            body.append(
                {
                    "type": "TextBlock",
                    "text": card_text(
                        f"{more_lines(counted - shown)} (the full summary is in cockpit export)"
                    ),
                    "isSubtle": True,
                    "wrap": True,
                }
            )
            return body
        used += cost
        if line.kind == "heading":
            close()
            body.append(block)
            shown += 1
        elif line.kind == "blank":
            if pending:
                pending.append("")
        else:
            pending.append(text)
            shown += 1
    close()
    return body


def payload_for(message: OutgoingMessage, budget: int = BUDGET) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": clean_line(message.title)[:200],
        "attachments": [
            {
                "contentType": CARD_TYPE,
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "msteams": {"width": "Full"},
                    "body": card_body(message.body, budget),
                },
            }
        ],
    }


def encoded(message: OutgoingMessage) -> bytes:
    """The message as sent, always under `SIZE_LIMIT` (the budget shrinks if the estimate of a
    long, escape-heavy summary was short)."""
    budget = BUDGET
    while True:
        body = json.dumps(payload_for(message, budget), ensure_ascii=False).encode()
        if len(body) <= SIZE_LIMIT or budget < 2000:
            return body
        budget -= len(body) - SIZE_LIMIT + 500


class TeamsWorkflow(WebhookDestination):
    kind = "teams"

    __slots__ = ()

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        clock = Clock(deadline)
        who = f"{self.name} (Teams)"
        body = encoded(message)
        answer = self.post(body, clock, who)
        if answer.status in (200, 202):
            return DeliveryResult(
                remote_ref=f"teams:{host_of(self._url.reveal())}",
                detail="accepted by the Teams workflow, which posts it to the channel",
            )
        raise self._error(who, answer)

    def find_delivered(self, message: OutgoingMessage) -> DeliveryResult | None:
        return None  # a workflow's trigger cannot be asked what it has posted

    def _error(self, who: str, answer: Answer) -> DeliveryError:
        status = answer.status
        if status == 429:
            return rate_limited(who, answer)
        code = _error_code(answer)
        code = scrubbed(clean_line(code), self._url)[:80]
        shown = f"{status} {code}".strip()
        again = f"copy the workflow's URL again and store it with `cockpit auth set {self.name}`"
        if status >= 500:
            return DeliveryError(
                f"{who}: Teams failed on its side ({shown}); it will be tried again",
                retryable=True,
            )
        if status in (401, 403):
            words = f"the workflow refused the URL's signature; {again}"
        elif status == 404:
            words = f"this workflow does not exist any more (deleted?); {again}"
        elif status == 409 or "NotEnabled" in code or "Disabled" in code:
            words = "the workflow is turned off; turn it on in Teams (Workflows, Manage)"
        elif status == 400:
            words = "the workflow could not read the message; this is a cockpit bug"
        else:
            words = f"the workflow refused the message; {again}"
        return DeliveryError(f"{who}: {words} ({shown})", retryable=False)


def _error_code(answer: Answer) -> str:
    try:
        document = answer.json()
        code = document["error"]["code"]
        return code if isinstance(code, str) else ""
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""
