"""Slack: the weekly summary through an incoming webhook.

The webhook URL (`https://hooks.slack.com/services/T…/B…/…`) is the credential. One POST of
JSON: a short `text` (what the notification and screen readers show) and the summary as
`section` blocks of mrkdwn. Slack answers 200 with the body `ok`; failures are plain-text
codes (`invalid_payload`, `no_text`, `invalid_token`, `no_service`, `channel_is_archived`…)
with 400/403/404/410, 429 with `Retry-After` when the webhook is rate limited (about one
message a second), and 500 `rollup_error`. A webhook cannot be asked what it posted, so
`find_delivered` always says "cannot tell".

Markdown → mrkdwn: headings become bold lines, `**x**` → `*x*`, `[t](u)` → `<u|t>` (http(s)
and mailto only), items become bullets; `&`, `<` and `>` in text are escaped as Slack requires,
which keeps `<!channel>` or `<https://evil|click>` typed in a Jira title literal. Every text
object is `verbatim`, so Slack does not turn a bare `@here`, `#channel` or URL in the text into
a mention, a channel link or a link. (Slack has no escape for `*`, `_` or `~`: a title holding
them may show as bold or italic, but cannot mention, link or notify.)

Limits (Slack's Block Kit reference): a section's text at most 3,000 characters, at most 50
blocks a message. Slack also rejects messages whose blocks hold much more than 12,000
characters in all (`msg_blocks_too_long`, observed near 13,000, below the documented 40,000 for
`text`), so the summary is packed into at most 12,000. Nothing is dropped silently: a summary
too long for that ends with "+N more lines", N the true count of lines left out.
"""

from __future__ import annotations

import json

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

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TOTAL_LIMIT = 12_000
FALLBACK_LIMIT = 3000  # the notification text; Slack shows only its start anyway


def escape(text: str) -> str:
    """Text as Slack requires it: `&`, `<`, `>` as entities, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _span(span: Span) -> str:
    text = escape(span.text)
    if span.style == "link":
        url = escape(span.url).replace("|", "%7C")
        return f"<{url}|{text}>"
    if span.style == "code":
        return "`" + text.replace("`", "'") + "`"
    if span.style in ("strong", "em") and text.strip():
        mark = "*" if span.style == "strong" else "_"
        # Slack only formats a marker that touches the word: keep spaces outside it.
        lead, core, trail = _split_space(text)
        return f"{lead}{mark}{core}{mark}{trail}"
    return text


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def mrkdwn_line(line: Line) -> str:
    if line.kind == "blank":
        return ""
    if line.kind == "heading":
        plain = escape(line.plain()).strip()
        return f"*{plain}*" if plain else ""
    body = "".join(_span(span) for span in line.spans)
    if line.kind == "item":
        bullet = "•" if line.level == 0 else "◦"
        return f"{'    ' * line.level}{bullet} {body}"
    return body


def _pieces(text: str, limit: int) -> list[str]:
    """A line longer than a section, cut at spaces where possible and never inside an
    entity (`&amp;`) or a link (`<…|…>`), so that each piece is valid mrkdwn."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        opened_link, opened_entity = text.rfind("<", 0, cut), text.rfind("&", 0, cut)
        if opened_link > text.rfind(">", 0, cut) and opened_link > 0:
            cut = opened_link
        elif opened_entity > text.rfind(";", 0, cut) and opened_entity > 0:
            cut = opened_entity
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    pieces.append(text)
    return pieces


def blocks_for(markdown: str) -> list[dict[str, object]]:
    """The summary as section blocks within Slack's limits; a cut ends in "+N more lines"."""
    rows: list[tuple[int, str, bool]] = []  # (source line, mrkdwn, starts a new section)
    for index, line in enumerate(parse(markdown)):
        text = mrkdwn_line(line)
        new_section = line.kind == "heading" and line.level <= 2
        for n, piece in enumerate(_pieces(text, SECTION_LIMIT - 100)):
            rows.append((index, piece, new_section and n == 0))
    counted = {index for index, text, _ in rows if text.strip()}

    sections: list[list[str]] = []
    total = 0
    shown: set[int] = set()
    reserve = 100  # room for the "+N more lines" marker in the last section
    cut = False
    for index, text, new_section in rows:
        size = len(text) + 1
        starts = (
            not sections
            or new_section
            or len("\n".join(sections[-1])) + size > (SECTION_LIMIT - reserve)
        )
        if starts and not text.strip():
            continue  # a blank line never opens a section
        if total + size > TOTAL_LIMIT - reserve or (starts and len(sections) >= BLOCK_LIMIT):
            cut = True
            # A line cut into pieces counts as shown only when all of it is.
            shown.discard(index)
            break
        if starts:
            sections.append([])
        sections[-1].append(text)
        total += size
        if text.strip():
            shown.add(index)
    if cut:
        missing = len(counted - shown)
        sections[-1].append(f"_{more_lines(missing)} (the full summary is in `cockpit export`)_")
    return [_section("\n".join(rows_).strip("\n")) for rows_ in sections if rows_]


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def payload_for(message: OutgoingMessage) -> dict[str, object]:
    return {
        "text": escape(clean_line(message.title))[:FALLBACK_LIMIT],
        "blocks": blocks_for(message.body),
        # The summary links to internal tools: no previews fetched by Slack.
        "unfurl_links": False,
        "unfurl_media": False,
    }


# Slack's codes, in the words a lead can act on. (retryable, what it means and what to do)
_CODES: dict[str, tuple[bool, str]] = {
    "invalid_payload": (False, "Slack could not read the message; this is a cockpit bug"),
    "invalid_blocks": (False, "Slack refused the message's layout; this is a cockpit bug"),
    "invalid_blocks_format": (False, "Slack refused the message's layout; this is a cockpit bug"),
    "no_text": (False, "Slack says the message was empty; this is a cockpit bug"),
    "missing_text_or_fallback_or_attachments": (
        False,
        "Slack says the message was empty; this is a cockpit bug",
    ),
    "msg_blocks_too_long": (False, "Slack says the summary is too long for one message"),
    "user_not_found": (False, "the webhook posts to a user who no longer exists"),
    "invalid_token": (
        False,
        "the webhook was revoked, or its app was removed from the workspace; add a new "
        "incoming webhook and store its URL with `cockpit auth set {name}`",
    ),
    "action_prohibited": (
        False,
        "the workspace's admins do not allow this webhook to post there",
    ),
    "posting_to_general_channel_denied": (
        False,
        "only admins may post to that channel; pick another channel for the webhook",
    ),
    "channel_is_archived": (
        False,
        "the webhook's channel was archived; unarchive it, or add a webhook for another "
        "channel and store its URL with `cockpit auth set {name}`",
    ),
    "channel_not_found": (
        False,
        "the webhook's channel no longer exists; add a webhook for another channel and store "
        "its URL with `cockpit auth set {name}`",
    ),
    "no_service": (
        False,
        "this webhook does not exist (any more); check the URL, or add a new incoming webhook "
        "and store its URL with `cockpit auth set {name}`",
    ),
    "no_service_id": (
        False,
        "the webhook URL is incomplete; check it with `cockpit auth set {name}`",
    ),
    "no_team": (False, "the webhook's workspace does not exist (any more)"),
    "team_disabled": (False, "the webhook's workspace has been disabled"),
    "rollup_error": (True, "Slack failed on its side (rollup_error); it will be tried again"),
}


class SlackWebhook(WebhookDestination):
    kind = "slack"

    __slots__ = ()

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        clock = Clock(deadline)
        payload = payload_for(message)
        body = json.dumps(payload, ensure_ascii=False).encode()
        who = f"{self.name} (Slack)"
        answer = self.post(body, clock, who)
        if answer.status == 200:
            blocks = len(payload["blocks"])  # type: ignore[arg-type]
            return DeliveryResult(
                remote_ref=f"slack:{host_of(self._url.reveal())}",
                detail=f"posted to Slack in {blocks} section{'s' if blocks != 1 else ''}",
            )
        raise self._error(who, answer)

    def find_delivered(self, message: OutgoingMessage) -> DeliveryResult | None:
        return None  # an incoming webhook cannot be asked what it has posted

    def _error(self, who: str, answer: Answer) -> DeliveryError:
        status = answer.status
        if status == 429:
            return rate_limited(who, answer)
        code = scrubbed(clean_line(answer.text()), self._url)[:80]
        known = _CODES.get(code)
        if known is not None:
            retryable, words = known
            return DeliveryError(
                f"{who}: {words.format(name=self.name)} ({status} {code})", retryable=retryable
            )
        if status >= 500:
            return DeliveryError(
                f"{who}: Slack failed on its side ({status}); it will be tried again",
                retryable=True,
            )
        shown = f" {code}" if code else ""
        return DeliveryError(
            f"{who}: Slack refused the message ({status}{shown}); check the webhook with "
            f"`cockpit auth set {self.name}`",
            retryable=False,
        )
