"""A fake Confluence (Cloud under `/wiki`, or Server/Data Center at the root) serving the
REST API v1 content resource on 127.0.0.1, as Atlassian documents it.

* `GET {ctx}/rest/api/content?spaceKey&title&type&expand`: `{"results": [...], "start",
  "limit", "size", "_links": {"base", "context"}}`; a page has `id` (a string), `type`,
  `status`, `title`, `space`, and with `expand` its `version` (`number`, `message`, `when`)
  and `body.storage` (`value`, `representation`); `_links.webui` always. An unknown space
  lists nothing.
* `POST {ctx}/rest/api/content`: a page needs `type: page`, a title, `space.key` and
  `body.storage` with `representation: storage` whose value is well-formed XHTML (else 400
  "Error parsing xhtml"); a title taken in the space: 400 "A page with this title already
  exists: …"; an unknown space: 404 "No space with key : …" (fake's choice of status); an
  unknown ancestor: 400. Answers 200 with the page at version 1.
* `PUT {ctx}/rest/api/content/{id}`: `version.number` must be the current + 1, else 409
  "Version must be incremented on update. Current version is: N"; an unknown id: 404.
* Auth: Cloud wants `Authorization: Basic base64(email:token)`, Server `Bearer <PAT>`;
  anything else is 401 `{"statusCode": 401, "message": …}`. Spaces in `read_only` answer 403
  to POST and PUT.

Switches: `someone_edits(page_id)` makes another person save the page just before our next
PUT is handled (so it meets a 409); `fail(...)`/`hang()` from `FakeServer` (500, 429 with
Retry-After, never answer). `pages` holds every page with its whole version history;
`requests` records every request.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.delivery_common import FakeHandler, FakeServer, Reply, json_reply

_PAGE_PATH = re.compile(r"^/rest/api/content/(\d+)$")


@dataclass
class Version:
    number: int
    message: str
    body: str
    by: str = "cockpit"


@dataclass
class Page:
    id: str
    space: str
    title: str
    ancestors: list[str]
    versions: list[Version] = field(default_factory=list)

    @property
    def current(self) -> Version:
        return self.versions[-1]


def _error(status: int, message: str) -> Reply:
    return json_reply(status, {"statusCode": status, "data": {}, "message": message})


class FakeConfluence(FakeServer):
    handler_class = FakeHandler
    label = "the fake Confluence"
    thread_name = "fake-confluence"

    def __init__(
        self,
        *,
        deployment: str = "Cloud",
        email: str = "lead@example.com",
        token: str = "api-token-0000",
        spaces: tuple[str, ...] = ("MLT",),
        read_only: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.deployment = deployment
        self.context = "/wiki" if deployment == "Cloud" else ""
        self.email = email
        self.token = token
        self.spaces = set(spaces)
        self.read_only = set(read_only)
        self.pages: dict[str, Page] = {}
        self._next_id = 65_537
        self._edits_pending: set[str] = set()

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.context}"

    def add_page(self, space: str, title: str, body: str = "<p>old</p>") -> Page:
        page = Page(self._new_id(), space, title, [], [Version(1, "", body, by="someone")])
        self.pages[page.id] = page
        return page

    def someone_edits(self, page_id: str) -> None:
        self._edits_pending.add(page_id)

    def page_titled(self, space: str, title: str) -> Page | None:
        return next((p for p in self.pages.values() if p.space == space and p.title == title), None)

    # --- serving ---------------------------------------------------------------------------

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _authorised(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        if self.deployment == "Cloud":
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return given == f"Basic {expected}"
        return given == f"Bearer {self.token}"

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
        body: bytes,
    ) -> Reply:  # fmt: skip
        if not path.startswith(self.context + "/rest/api/"):
            return _error(404, "null for uri: " + path)
        path = path[len(self.context) :]
        if not self._authorised(headers):
            return _error(401, "Client must be authenticated to access this resource.")
        with self._lock:
            if path == "/rest/api/content" and method == "GET":
                return self._list(query)
            if path == "/rest/api/content" and method == "POST":
                return self._create(body)
            if (match := _PAGE_PATH.match(path)) and method == "PUT":
                return self._update(match[1], body)
            if (match := _PAGE_PATH.match(path)) and method == "GET":
                page = self.pages.get(match[1])
                if page is None:
                    return _error(404, f"No content found with id : {match[1]}")
                return json_reply(200, self._render(page, ["version", "body.storage"]))
        return _error(405, "Method not allowed")

    def _render(self, page: Page, expand: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": page.id,
            "type": "page",
            "status": "current",
            "title": page.title,
            "space": {"key": page.space},
            "_links": {
                "webui": f"/spaces/{page.space}/pages/{page.id}/{page.title.replace(' ', '+')}",
                "self": f"{self.url}/rest/api/content/{page.id}",
                "base": self.url,
                "context": self.context,
            },
        }
        if "version" in expand:
            out["version"] = {
                "number": page.current.number,
                "message": page.current.message,
                "when": "2026-11-30T09:00:00.000Z",
                "by": {"displayName": page.current.by},
            }
        if "body.storage" in expand:
            out["body"] = {"storage": {"value": page.current.body, "representation": "storage"}}
        return out

    def _list(self, query: dict[str, list[str]]) -> Reply:
        space = query.get("spaceKey", [""])[0]
        title = query.get("title", [None])[0]
        expand = ",".join(query.get("expand", [])).split(",")
        found = [
            self._render(p, expand)
            for p in self.pages.values()
            if p.space == space and (title is None or p.title == title)
        ]
        return json_reply(
            200,
            {
                "results": found,
                "start": 0,
                "limit": 25,
                "size": len(found),
                "_links": {"base": self.url, "context": self.context},
            },
        )

    def _storage(self, document: dict[str, Any]) -> str | Reply:
        storage = (document.get("body") or {}).get("storage") or {}
        if storage.get("representation") != "storage":
            return _error(400, "Unsupported representation")
        value = storage.get("value", "")
        try:
            ET.fromstring(f"<root>{value}</root>")
        except ET.ParseError as exc:
            return _error(400, f"Error parsing xhtml: {exc}")
        return value

    def _create(self, body: bytes) -> Reply:
        try:
            document = json.loads(body)
        except ValueError:
            return _error(400, "Unexpected character in the request body")
        if document.get("type") != "page" or not document.get("title"):
            return _error(400, "Could not create content with type page")
        space = (document.get("space") or {}).get("key", "")
        if space not in self.spaces:
            return _error(404, f"No space with key : {space}")
        if space in self.read_only:
            return _error(403, "User not permitted to create content in this space")
        ancestors = [str(a.get("id")) for a in document.get("ancestors") or []]
        if any(a not in self.pages for a in ancestors):
            return _error(400, "Could not find parent page")
        value = self._storage(document)
        if isinstance(value, Reply):
            return value
        title = document["title"]
        if self.page_titled(space, title) is not None:
            return _error(
                400,
                "A page with this title already exists: A page already exists with the title "
                f"{title} in this space",
            )
        page = Page(self._new_id(), space, title, ancestors, [Version(1, "", value)])
        self.pages[page.id] = page
        return json_reply(200, self._render(page, ["version"]))

    def _update(self, page_id: str, body: bytes) -> Reply:
        page = self.pages.get(page_id)
        if page is None:
            return _error(404, f"No content found with id : {page_id}")
        if page_id in self._edits_pending:
            self._edits_pending.discard(page_id)
            current = page.current
            page.versions.append(
                Version(current.number + 1, "", current.body + "<p>edit</p>", by="someone")
            )
        try:
            document = json.loads(body)
        except ValueError:
            return _error(400, "Unexpected character in the request body")
        if page.space in self.read_only:
            return _error(403, "User not permitted to edit this content")
        number = (document.get("version") or {}).get("number")
        if number != page.current.number + 1:
            return _error(
                409,
                f"Version must be incremented on update. Current version is: {page.current.number}",
            )
        value = self._storage(document)
        if isinstance(value, Reply):
            return value
        title = document.get("title") or page.title
        clash = self.page_titled(page.space, title)
        if clash is not None and clash.id != page.id:
            return _error(400, "A page with this title already exists")
        page.title = title
        page.versions.append(Version(number, document["version"].get("message", ""), value))
        return json_reply(200, self._render(page, ["version"]))
