"""Confluence: the weekly summary as a page, created once and then updated by title.

REST API v1 over httpx, which Cloud still serves beside v2 and Server/Data Center serves alone:

* find: `GET {url}/rest/api/content?spaceKey=S&title=T&type=page&expand=version,body.storage`
  answers `{"results": [page], "size": n, ...}`; a page has `id`, `title`, `version.number`,
  `version.message`, `body.storage.value` and `_links.webui` (`_links.base` on the listing).
* create: `POST {url}/rest/api/content` with `type: page`, `title`, `space.key`, `ancestors`
  (the parent, if any) and `body.storage` (`representation: storage`); a title taken in the
  space answers 400 "A page with this title already exists".
* update: `PUT {url}/rest/api/content/{id}` with `version.number` = current + 1 and
  `version.message`; a stale number (someone saved meanwhile) answers 409 Conflict.
  (v2 differs: `/api/v2/pages`, the space by numeric `spaceId` instead of its key, the body as
  `{"representation": "storage", "value": …}`, the parent as `parentId`. v1 is enough and is
  the only one Server/DC has.)

Auth: Cloud is basic auth with the account's email (`user`) and an API token; Server/DC is a
personal access token as a bearer token (`user` empty).

At most once: every update's version message carries the outbox's idempotency key
("cockpit weekly 2026-W48 key=ab12…"). Before writing, the page is read; when its current
version already carries this key (a crash after the PUT and before the outbox heard back), or
its body is already exactly this summary, nothing is written and the delivery is reported as
done. A 409 re-reads the page and tries once more on the new version. Two cockpits cannot
create two pages: Confluence refuses a second page with the same title in a space, which is
then re-read and updated instead.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from cockpit.models import Secret
from cockpit.text_safety import clean_line
from integrations.delivery.base import (
    Answer,
    Clock,
    DeliveryError,
    DeliveryResult,
    OutgoingMessage,
    host_of,
    rate_limited,
    scrubbed,
    send,
)
from integrations.delivery.storage import to_storage


def version_message(message: OutgoingMessage) -> str:
    return f"cockpit weekly {message.week} key={message.idem_key}"


class ConfluencePage:
    kind = "confluence"

    __slots__ = ("_token", "name", "parent_id", "space", "title", "transport", "url", "user")

    def __init__(
        self,
        name: str,
        *,
        url: str,
        space: str,
        title: str,
        token: Secret,
        parent_id: str = "",
        user: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.space = space
        self.title = title
        self.parent_id = parent_id
        self.user = user
        self._token = token
        self.transport = transport

    def __repr__(self) -> str:
        return f"ConfluencePage({self.name!r}, host={host_of(self.url)!r}, space={self.space!r})"

    def page_title(self, message: OutgoingMessage) -> str:
        return clean_line(self.title.replace("{week}", message.week)).strip()[:255]

    # --- the protocol --------------------------------------------------------------------

    def deliver(self, message: OutgoingMessage, *, deadline: float) -> DeliveryResult:
        clock = Clock(deadline)
        storage = to_storage(message.body, message.format)
        with self._client() as client:
            page = self._find(client, clock, message)
            if page is not None and self._is_delivered(page, message, storage):
                return self._result(page, "already up to date")
            if page is None:
                created = self._create(client, clock, message, storage)
                if created is not None:
                    return self._result(created, "created")
                page = self._find(client, clock, message)  # created meanwhile by someone else
                if page is None:
                    raise DeliveryError(
                        f"{self._who}: Confluence says a page titled "
                        f"{self.page_title(message)!r} exists in space {self.space}, but it "
                        "cannot be read; check the account's permissions",
                        retryable=False,
                    )
                if self._is_delivered(page, message, storage):
                    return self._result(page, "already up to date")
            for attempt in (1, 2):
                updated = self._update(client, clock, message, storage, page)
                if updated is not None:
                    return self._result(updated, "updated")
                # 409: someone saved the page since we read it. Read it again.
                page = self._find(client, clock, message)
                if page is None:
                    break
                if self._is_delivered(page, message, storage):
                    return self._result(page, "already up to date")
                if attempt == 2:
                    break
        raise DeliveryError(
            f"{self._who}: the page {self.page_title(message)!r} kept changing while it was "
            "being updated; it will be tried again",
            retryable=True,
        )

    def find_delivered(
        self, message: OutgoingMessage, *, deadline: float = 20.0
    ) -> DeliveryResult | None:
        clock = Clock(deadline)
        with self._client() as client:
            page = self._find(client, clock, message)
        if page is None:
            return None
        if _version(page).get("message", "").endswith(f"key={message.idem_key}"):
            return self._result(page, "already up to date")
        return None

    # --- requests ------------------------------------------------------------------------

    @property
    def _who(self) -> str:
        return f"{self.name} (Confluence)"

    def _client(self) -> httpx.Client:
        headers = {"Accept": "application/json", "X-Atlassian-Token": "no-check"}
        auth: httpx.BasicAuth | None = None
        if self.user:
            auth = httpx.BasicAuth(self.user, self._token.reveal())
        else:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return httpx.Client(
            headers=headers, auth=auth, follow_redirects=False, transport=self.transport
        )

    def _send(self, client: httpx.Client, clock: Clock, method: str, url: str, **kw: Any) -> Answer:
        return send(client, clock, self._who, method, url, secrets=(self._token,), **kw)

    def _find(
        self, client: httpx.Client, clock: Clock, message: OutgoingMessage
    ) -> dict[str, Any] | None:
        answer = self._send(
            client,
            clock,
            "GET",
            f"{self.url}/rest/api/content",
            params={
                "spaceKey": self.space,
                "title": self.page_title(message),
                "type": "page",
                "expand": "version,body.storage",
            },
        )
        if answer.status != 200:
            raise self._error(answer, "read")
        document = self._json(answer)
        results = document.get("results") if isinstance(document, dict) else None
        if not isinstance(results, list):
            raise self._not_confluence()
        base = document.get("_links", {}).get("base", "") if isinstance(document, dict) else ""
        for page in results:
            if isinstance(page, dict) and page.get("title") == self.page_title(message):
                page.setdefault("_links", {}).setdefault("base", base)
                return page
        return None

    def _create(
        self, client: httpx.Client, clock: Clock, message: OutgoingMessage, storage: str
    ) -> dict[str, Any] | None:
        document: dict[str, Any] = {
            "type": "page",
            "title": self.page_title(message),
            "space": {"key": self.space},
            "body": {"storage": {"value": storage, "representation": "storage"}},
        }
        if self.parent_id:
            document["ancestors"] = [{"id": self.parent_id}]
        answer = self._send(client, clock, "POST", f"{self.url}/rest/api/content", json=document)
        if answer.status in (200, 201):
            return self._json(answer)
        if answer.status == 400 and "already exists" in answer.text(2000):
            return None
        raise self._error(answer, "create")

    def _update(
        self,
        client: httpx.Client,
        clock: Clock,
        message: OutgoingMessage,
        storage: str,
        page: dict[str, Any],
    ) -> dict[str, Any] | None:
        number = _version(page).get("number")
        if not isinstance(number, int):
            raise self._not_confluence()
        document: dict[str, Any] = {
            "id": str(page.get("id")),
            "type": "page",
            "title": self.page_title(message),
            "space": {"key": self.space},
            "body": {"storage": {"value": storage, "representation": "storage"}},
            "version": {"number": number + 1, "message": version_message(message)},
        }
        answer = self._send(
            client,
            clock,
            "PUT",
            f"{self.url}/rest/api/content/{page.get('id')}",
            json=document,
        )
        if answer.status == 200:
            return self._json(answer)
        if answer.status == 409:
            return None
        raise self._error(answer, "update")

    # --- results and errors ----------------------------------------------------------------

    def _is_delivered(self, page: dict[str, Any], message: OutgoingMessage, storage: str) -> bool:
        if _version(page).get("message", "").endswith(f"key={message.idem_key}"):
            return True
        body = page.get("body", {}).get("storage", {}).get("value")
        return body == storage

    def _result(self, page: dict[str, Any], how: str) -> DeliveryResult:
        links = page.get("_links", {}) if isinstance(page.get("_links"), dict) else {}
        base = links.get("base") or self.url
        webui = links.get("webui") or f"/pages/viewpage.action?pageId={page.get('id')}"
        number = _version(page).get("number", "?")
        ref = scrubbed(f"{base}{webui}", self._token)
        return DeliveryResult(
            remote_ref=ref,
            detail=f"page {how} in space {self.space} (version {number})",
        )

    def _json(self, answer: Answer) -> Any:
        try:
            return answer.json()
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise self._not_confluence() from None

    def _not_confluence(self) -> DeliveryError:
        return DeliveryError(
            f"{self._who}: {host_of(self.url)} answered with something that is not Confluence's "
            "API (a sign-in page?); check `url` in [destinations."
            f"{self.name}]: it is the wiki's base URL, e.g. https://example.atlassian.net/wiki",
            retryable=False,
        )

    def _error(self, answer: Answer, doing: str) -> DeliveryError:
        status = answer.status
        if status == 429 or (status == 503 and "retry-after" in answer.headers):
            return rate_limited(self._who, answer)
        said = scrubbed(clean_line(_message_of(answer)), self._token)[:200]
        said = f": {said}" if said else ""
        if status == 401:
            how = (
                "for Confluence Cloud `user` is the account's email and the secret an API token"
                if self.user
                else "for Server/Data Center the secret is a personal access token (or set "
                "`user` to the account's email for Cloud)"
            )
            return DeliveryError(
                f"{self._who}: Confluence rejected the credentials (401); {how}; run "
                f"`cockpit auth set {self.name}`",
                retryable=False,
            )
        if status == 403:
            return DeliveryError(
                f"{self._who}: the account may not {doing} pages in space {self.space} (403); "
                "ask a space admin for the permission",
                retryable=False,
            )
        if status == 404:
            parent = f"the parent page {self.parent_id} or " if self.parent_id else ""
            return DeliveryError(
                f"{self._who}: Confluence cannot find {parent}space {self.space} (404){said}; "
                f"check `space` and `parent_id` in [destinations.{self.name}]",
                retryable=False,
            )
        if status >= 500:
            return DeliveryError(
                f"{self._who}: Confluence failed on its side ({status}); it will be tried again",
                retryable=True,
            )
        return DeliveryError(
            f"{self._who}: Confluence refused to {doing} the page ({status}){said}",
            retryable=False,
        )


def _version(page: dict[str, Any]) -> dict[str, Any]:
    version = page.get("version")
    return version if isinstance(version, dict) else {}


def _message_of(answer: Answer) -> str:
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return ""
    if isinstance(document, dict):
        message = document.get("message")
        if isinstance(message, str):
            return message
    return ""
