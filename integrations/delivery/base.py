"""What every destination of the weekly summary shares: the message, the result, the error,
the `Destination` protocol, the settings each kind reads, and the HTTP plumbing that keeps a
delivery inside its deadline and its secrets out of every message.

The outbox (`cockpit/delivery.py`) owns retries and the at-most-once bookkeeping; a destination
makes one attempt per `deliver` call and says whether trying again later makes sense. It never
retries a POST itself: a second POST of a webhook message is a second message in the channel.

Secrets: a webhook URL is the credential (anyone holding it can post), and so is an API token.
No error, repr, log line or `remote_ref` holds one: errors are built by `scrubbed`, the
destinations' reprs name only the host, and `httpx`'s own request log lines (at INFO, which
`--verbose` writes to the log file) pass through a filter that removes every secret in use.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

import httpx

from cockpit.models import Secret
from integrations.net_words import network_failure
from integrations.retry import parse_retry_after

KINDS = ("slack", "teams", "confluence", "folder")
# A URL's user name and password (`https://me:pw@host`), as `cockpit/redact.py` hides them; the
# layer rules keep integrations from importing it, and the config refuses such URLs anyway.
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^ \t\r\n/?#'\"<>]*@")
HIDDEN = "***"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One rendered weekly summary on its way to one destination.

    `idem_key` is the outbox's idempotency key for this (destination, week, content): a
    destination that can remember it (a Confluence version message, a folder's sidecar) uses it
    to tell a repeat from a new delivery. `body` is the summary rendered in `format`
    ("md", "html" or "json"); `title` is its one-line title."""

    idem_key: str
    destination: str
    week: str  # "2026-W48"
    format: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """Where the message went (`remote_ref`: a page URL, a file path, a webhook's host; never a
    secret) and one line for the user (`detail`)."""

    remote_ref: str
    detail: str


class DeliveryError(Exception):
    """A delivery that did not happen (or may not have). The message is for the user.

    `retryable`: trying again later may work (network, 5xx, 429); False when a person has to
    fix something first (a revoked webhook, an archived channel, a missing permission).
    `retry_after`: seconds the service asked us to wait, when it said.
    `maybe_sent`: the request reached the service but the answer was lost (a read timeout, a
    dropped connection), so the message may have been posted. For a webhook nobody can ask
    afterwards; the outbox decides whether a repeat is worse than a gap."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent

    def __repr__(self) -> str:
        return f"DeliveryError({self.message!r}, retryable={self.retryable})"


@runtime_checkable
class Destination(Protocol):
    """One configured place the weekly summary goes to. Blocking; call from a worker thread."""

    name: str
    kind: str

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        """Deliver `message` once, within `deadline` seconds from now, or raise
        `DeliveryError`. Delivering a message already delivered (same `idem_key`) must not
        deliver it again where the destination can tell (Confluence, folder)."""
        ...

    def find_delivered(self, message: OutgoingMessage) -> DeliveryResult | None:
        """The earlier delivery of this very message (same `idem_key`), or None when it is
        not there or this destination cannot tell (webhooks cannot be asked)."""
        ...


# --- settings: what each kind reads from `[destinations.NAME]` -----------------------------
# `cockpit/config.py` owns validation; `make_destination` reads these attribute names from
# whatever it is given (these dataclasses, or the config's own structs with the same fields).


@dataclass(frozen=True, slots=True)
class SlackSettings:
    kind: str = "slack"


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    kind: str = "teams"


@dataclass(frozen=True, slots=True)
class ConfluenceSettings:
    url: str  # base URL, e.g. https://example.atlassian.net/wiki; no credentials in it
    space: str
    title: str = "Weekly status {week}"
    parent_id: str = ""
    user: str = ""  # Cloud: the account's email (basic auth with an API token); "": a PAT
    kind: str = "confluence"


@dataclass(frozen=True, slots=True)
class FolderSettings:
    path: str
    format: str = "md"
    kind: str = "folder"


def make_destination(name: str, settings: Any, secret: Secret | None) -> Destination:
    """The client for `[destinations.NAME]`. `secret` is the webhook URL (Slack, Teams) or the
    API token / PAT (Confluence) from the keyring; a folder needs none."""
    kind = getattr(settings, "kind", "")
    if kind in ("slack", "teams", "confluence") and (secret is None or not secret.reveal()):
        what = "webhook URL" if kind in ("slack", "teams") else "API token"
        raise DeliveryError(
            f"{name}: no {what} for this destination; run `cockpit auth set {name}`",
            retryable=False,
        )
    if kind == "slack":
        from integrations.delivery.slack import SlackWebhook

        return SlackWebhook(name, secret)  # type: ignore[arg-type]
    if kind == "teams":
        from integrations.delivery.teams import TeamsWorkflow

        return TeamsWorkflow(name, secret)  # type: ignore[arg-type]
    if kind == "confluence":
        from integrations.delivery.confluence import ConfluencePage

        return ConfluencePage(
            name,
            url=settings.url,
            space=settings.space,
            title=getattr(settings, "title", "") or "Weekly status {week}",
            parent_id=str(getattr(settings, "parent_id", "") or ""),
            user=getattr(settings, "user", "") or "",
            token=secret,  # type: ignore[arg-type]
        )
    if kind == "folder":
        from integrations.delivery.folder import FolderDestination

        return FolderDestination(name, settings.path)
    raise DeliveryError(
        f"{name}: unknown destination kind {kind!r}; expected one of {', '.join(KINDS)}",
        retryable=False,
    )


# --- secrets out of every message ----------------------------------------------------------


def secret_parts(secret: str) -> list[str]:
    """The secret and the pieces of it that could be quoted alone: for a URL, its path, query,
    long path segments and long query values (a Slack `T…/B…/XXXX` path, a Teams `sig=`)."""
    parts = [secret]
    if "://" in secret:
        split = urlsplit(secret)
        parts += [split.path, split.query]
        parts += [seg for seg in split.path.split("/") if len(seg) >= 8]
        for pair in split.query.split("&"):
            value = pair.partition("=")[2]
            if len(value) >= 8:
                parts += [value, unquote(value)]
    # Longest first, so that a piece inside a longer one does not leave the rest behind.
    return sorted({p for p in parts if len(p) >= 8}, key=len, reverse=True)


def scrubbed(text: str, *secrets: Secret | str | None) -> str:
    """`text` with every secret (and every quotable piece of one) replaced by `***`, and the
    userinfo of any URL in it hidden."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal() if isinstance(secret, Secret) else secret
        for part in secret_parts(value) if value else ():
            text = text.replace(part, HIDDEN)
    return _USERINFO.sub(r"\1***@", text) if "@" in text else text


class _SecretsInFlight(logging.Filter):
    """httpx logs every request's URL at INFO: a webhook URL must not reach the log file."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: dict[int, str] = {}

    def add(self, secret: str) -> int:
        with self._lock:
            token = id(object()) ^ len(self._secrets) ^ time.monotonic_ns()
            self._secrets[token] = secret
            return token

    def remove(self, token: int) -> None:
        with self._lock:
            self._secrets.pop(token, None)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = list(self._secrets.values())
        if secrets:
            text = record.getMessage()
            clean = scrubbed(text, *secrets)
            if clean != text:
                record.msg, record.args = clean, ()
        return True


_IN_FLIGHT = _SecretsInFlight()
for _logger in ("httpx", "httpcore"):
    logging.getLogger(_logger).addFilter(_IN_FLIGHT)


@contextmanager
def secret_in_flight(secret: Secret | None) -> Iterator[None]:
    """While a request carries `secret`, the HTTP libraries' log lines are scrubbed of it."""
    if secret is None or not secret.reveal():
        yield
        return
    token = _IN_FLIGHT.add(secret.reveal())
    try:
        yield
    finally:
        _IN_FLIGHT.remove(token)


# --- one request inside the deadline ---------------------------------------------------------


class Clock:
    """The time left of one delivery's deadline."""

    __slots__ = ("end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + max(seconds, 0.0)

    def left(self) -> float:
        return self.end - time.monotonic()

    def timeout(self, cap: float = 30.0) -> httpx.Timeout:
        """Timeouts for the next request, never past the deadline. (httpx bounds each read,
        not the whole answer: `send` also checks the clock between chunks.)"""
        left = max(min(self.left(), cap), 0.01)
        return httpx.Timeout(left, connect=min(left, 10.0))


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    def text(self, limit: int = 300) -> str:
        return self.body[:limit].decode("utf-8", "replace").strip()

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    client: httpx.Client,
    clock: Clock,
    who: str,
    method: str,
    url: str,
    *,
    secrets: tuple[Secret | str | None, ...] = (),
    **kwargs: Any,
) -> Answer:
    """One request, read to the end within the deadline: connect, read and every chunk of the
    body are bounded by the time left, so a server that hangs or trickles cannot hold a
    delivery past its deadline. Network failures become `DeliveryError`s in plain words."""
    if clock.left() <= 0:
        raise DeliveryError(
            f"{who}: the {clock.seconds:g}s allowed for this delivery ran out before it could "
            "be sent; it will be tried again",
            retryable=True,
        )
    request = client.build_request(method, url, timeout=clock.timeout(), **kwargs)
    # Only a request that writes can have done something when its answer is lost.
    writes = method in ("POST", "PUT", "PATCH", "DELETE")

    def exchange() -> tuple[httpx.Response, bytes]:
        response = client.send(request, stream=True)
        try:
            chunks = []
            for chunk in response.iter_raw():
                chunks.append(chunk)
                if clock.left() <= 0:
                    raise httpx.ReadTimeout("deadline", request=request)
            return response, b"".join(chunks)
        finally:
            response.close()

    try:
        # httpx bounds each read, not the whole answer: a server that trickles its status
        # line and headers a byte at a time held a delivery ten times past its deadline. The
        # exchange runs on a thread of its own, abandoned when the time is up.
        response, body = _within(clock.left(), exchange, request)
    except httpx.ConnectTimeout:
        raise DeliveryError(
            f"{who}: could not connect within the {clock.seconds:g}s allowed; it will be "
            "tried again",
            retryable=True,
        ) from None
    except httpx.TimeoutException:
        raise DeliveryError(
            f"{who}: no answer within the {clock.seconds:g}s allowed"
            + ("; the message may or may not have arrived" if writes else ""),
            retryable=True,
            maybe_sent=writes,
        ) from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        raise DeliveryError(
            f"{who}: the connection dropped before the answer came"
            + ("; the message may or may not have arrived" if writes else ""),
            retryable=True,
            maybe_sent=writes,
        ) from None
    except httpx.TransportError as exc:
        # The library's own words may quote the URL: scrub them.
        reason = network_failure(exc) or scrubbed(str(exc) or type(exc).__name__, *secrets)
        raise DeliveryError(
            f"{who}: cannot reach the service ({reason}); it will be tried again",
            retryable=True,
        ) from None
    return Answer(response.status_code, response.headers, body)


def _within(
    seconds: float, exchange: Callable[[], tuple[httpx.Response, bytes]], request: httpx.Request
) -> tuple[httpx.Response, bytes]:
    """`exchange()` if it ends within `seconds`; else a read timeout, the thread left to end
    on its own (its reads are bounded, and it is a daemon: it never holds the process)."""
    outcome: list[tuple[httpx.Response, bytes]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(exchange())
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="cockpit-delivery", daemon=True)
    worker.start()
    worker.join(max(seconds, 0.0))
    if worker.is_alive():
        raise httpx.ReadTimeout("deadline", request=request)
    if failure:
        raise failure[0]
    return outcome[0]


def retry_after_of(answer: Answer) -> float | None:
    return parse_retry_after(answer.headers.get("retry-after"))


def rate_limited(who: str, answer: Answer) -> DeliveryError:
    wait = retry_after_of(answer)
    asked = f"; it asked to wait {wait:.0f}s" if wait is not None else ""
    return DeliveryError(
        f"{who}: the service is rate limiting messages ({answer.status}){asked}; it will be "
        "tried again",
        retryable=True,
        retry_after=wait,
    )


def host_of(url: str) -> str:
    """The host of a URL, for a repr or a `remote_ref` (never its path, which may be a secret)."""
    return urlsplit(url).hostname or "?"


class WebhookDestination:
    """A destination reached by POSTing to a URL that is itself the secret (a Slack incoming
    webhook, a Teams Workflows trigger): it is kept as a `Secret` and shown by its host only."""

    kind = ""

    __slots__ = ("_url", "name", "transport")

    def __init__(
        self, name: str, webhook: Secret, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.name = name
        self._url = webhook
        self.transport = transport

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, host={host_of(self._url.reveal())!r})"

    def post(self, body: bytes, clock: Clock, who: str) -> Answer:
        """POST the JSON `body` to the webhook within `clock`; redirects are not followed (a
        webhook that redirects is not the one configured)."""
        with (
            secret_in_flight(self._url),
            httpx.Client(follow_redirects=False, transport=self.transport) as client,
        ):
            return send(
                client,
                clock,
                who,
                "POST",
                self._url.reveal(),
                content=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                secrets=(self._url,),
            )
