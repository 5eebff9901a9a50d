"""A fake Jira, Cloud or Server/Data Center, on a real HTTP socket that python-jira can drive.

Shapes and behaviour come from recorded payloads (test data of ankitpokhrel/jira-cli
(pkg/jira/testdata/), MIT, (c) Ankit Pokhrel; the ones the tests read are in
`tests/fixtures/jira/`) and the Jira REST and Agile APIs' documented behaviour. What the
documentation does not pin down is imitated as documented elsewhere, and choices it leaves
open are marked "fake's choice" below.

Usage::

    data = make_board(now=FROZEN_NOW, issues=250)
    with FakeJira(data, deployment="Cloud") as fake:
        jira = JIRA(fake.url, basic_auth=(fake.email, fake.token), max_retries=0)
        issues = jira.enhanced_search_issues("project = MLP", maxResults=0)
        assert fake.count("/rest/api/2/search/jql") == 3

What is served (`{v}` is 2 or 3; `latest` is 2; Server has no v3):

* `GET /rest/api/{v}/serverInfo` (anonymous too), `/myself`, `/field`, `/filter/{id}`.
* Cloud: `GET|POST /rest/api/{v}/search/jql`: `jql`, `nextPageToken`, `maxResults` (default 50;
  at most 100 per page unless only `id`/`key` are asked for, then 5000), `fields` (comma lists
  and repeated parameters; default `id` only; `*all`, `*navigable`, `-field`), `expand`
  (`changelog` embeds at most the newest 40 histories, `names`). The answer has `issues`,
  `isLast`, and `nextPageToken` only when there is a next page; never `total`. A JQL without a
  search restriction (only `ORDER BY`) is a 400. `POST /rest/api/{v}/search/approximate-count`.
  The old `/rest/api/{v}/search` answers 410 with the CHANGE-2046 body.
* Server: `GET|POST /rest/api/2/search` with `startAt`/`maxResults` (at most 1000)/`total`,
  embedded changelogs complete; `/search/jql` and `approximate-count` are 404.
* `GET /rest/api/{v}/issue/{key}` (`fields`, `expand=changelog`: Cloud embeds the newest 100
  histories) and, Cloud only, `GET /rest/api/{v}/issue/{key}/changelog` (`startAt`,
  `maxResults` at most 100, oldest first, `total`, `isLast`, `nextPage`).
* Agile `/rest/agile/1.0`: `board` (filters `type`, `name`, `projectKeyOrId`; paged with
  `total`), `board/{id}`, `board/{id}/configuration`, `board/{id}/sprint` (`state`; at most 50
  per page; `isLast`, no `total`), `board/{id}/issue`, `board/{id}/backlog`, `sprint/{id}`,
  `sprint/{id}/issue` (startAt paging with `total`; issues carry the Agile fields `sprint`,
  `closedSprints`, `flagged`, `epic`).

JQL: `project`, `key`/`issuekey`/`id` (a deleted key is an error, a moved key still matches),
`sprint` (`= id`, `= "name"`, `in (...)`, `in openSprints()`/`closedSprints()`/
`futureSprints()`, `is EMPTY`), `updated`/`created`/`resolved` (`"yyyy/MM/dd HH:mm"`,
`"yyyy-MM-dd"`, relative `-15m`/`-2d`/`-1w 2d`, `now()`, `startOfDay()`; in the zone of the
authenticated user, Europe/Berlin), `status`, `statusCategory`, `assignee`/`reporter`
(`currentUser()`), `issuetype`, `priority`, `labels`, `parent`/`"Epic Link"`, `Flagged`,
`summary ~`, the estimate fields by name or `cf[NNNNN]`; `AND`, `OR`, `NOT`, parentheses;
`ORDER BY Rank|updated|created|resolved|key|id|priority [ASC|DESC], ...`. Anything else is a 400
with Jira's wording. Without `ORDER BY` results come in `key DESC` order (fake's choice).

Auth: Cloud wants `Authorization: Basic base64(email:token)`, Server `Authorization: Bearer
PAT`; anything else is a 401 with JSON `errorMessages`. Boards in `forbidden_boards` give 403.

Faults: `fake.fail(prefix, 429, times=2, retry_after=1)` answers the next two requests whose path
starts with `prefix` with a 429 (`Retry-After`, `X-RateLimit-*`, `RateLimit-Reason`, JSON
`errorMessages`); also 500, 503 and `"malformed"` (a 200 whose JSON body is cut short).
`times=None` keeps the fault until `clear_faults()`. `latency` sleeps before every answer.

Record: `fake.requests` lists every request (method, path, query, body, status, bytes sent);
`count(prefix)`, `bytes_sent(prefix)`, `reset_log()`. `fake.errors` holds tracebacks of
handler crashes (answered as 500), so a test can assert the fake itself never broke.

Speed: each issue's fields, Agile fields and changelogs are serialised once per server (and again
only after a mutation), search results are cached per (JQL, data version), and a page is
assembled from cached JSON fragments, so 5,000 issues with changelogs page quickly.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import msgspec

from tests.fakes.jira_data import (
    BOARD_ID,
    BOARD_JQL,
    CATEGORIES,
    FILTER_ID,
    ISSUE_TYPES,
    ORIGINAL_POINTS_FIELD,
    PRIORITIES,
    PROJECT_ID,
    PROJECT_KEY,
    PROJECT_NAME,
    SITE_TZ,
    STATUSES,
    STORY_POINT_ESTIMATE_FIELD,
    STORY_POINTS_FIELD,
    IssueRecord,
    JiraBoardData,
    jira_time,
)
from tests.fakes.loopback import LoopbackHandler, LoopbackServer

CHANGE_2046_BODY = (
    b'{"errorMessages":["The requested API has been removed. Please migrate to the '
    b"/rest/api/3/search/jql API. A full migration guideline is available at "
    b'https://developer.atlassian.com/changelog/#CHANGE-2046"],"errors":{}}'
)
UNBOUNDED_JQL = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
BOARD_NOT_VISIBLE = (
    "The requested board cannot be viewed because it either does not exist or you do not have "
    "permission to view it."
)
ISSUE_NOT_VISIBLE = "Issue does not exist or you do not have permission to see it."
EMBEDDED_CHANGELOG_SEARCH = 40  # Cloud search pages embed at most this many histories per issue
EMBEDDED_CHANGELOG_ISSUE = 100  # Cloud GET issue embeds at most this many
ISSUE_EXPAND = "operations,versionedRepresentations,editmeta,changelog,renderedFields"
_JSON = {"Content-Type": "application/json;charset=UTF-8"}


# --- public records -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    body: bytes
    status: int
    response_bytes: int  # body bytes sent
    received_at: float  # time.monotonic()
    auth_scheme: str = ""  # "Basic", "Bearer" or "": which kind of credential came, not which

    @property
    def body_size(self) -> int:
        return len(self.body)

    def param(self, name: str) -> Any:
        """A parameter from the query string (first value) or, for a POST, the JSON body."""
        if name in self.query:
            return self.query[name][0]
        if self.body:
            with contextlib.suppress(ValueError, AttributeError):
                return json.loads(self.body).get(name)
        return None


@dataclass(slots=True)
class Fault:
    prefix: str
    status: int | str  # an HTTP status, or "malformed"
    remaining: int | None  # None: until cleared
    retry_after: int | None = None
    method: str | None = None


@dataclass(slots=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: dict(_JSON))


class JqlError(Exception):
    """A JQL the fake (or Jira) rejects; the message is Jira's wording where known."""


def _json(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> _Reply:
    body = json.dumps(document, separators=(",", ":")).encode()
    return _Reply(status, body, {**_JSON, **(headers or {})})


def _error(status: int, *messages: str, headers: Mapping[str, str] | None = None) -> _Reply:
    return _json({"errorMessages": list(messages), "errors": {}}, status, headers)


class _Request:
    """One request as the routes see it: parameters from the query string or the JSON body."""

    def __init__(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> None:
        split = urlsplit(target)
        self.method = method
        self.path = split.path
        self.raw_query = split.query
        self.query = parse_qs(split.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.groups: dict[str, str] = {}
        self._json: Any = None
        if method == "POST" and body:
            try:
                self._json = json.loads(body)
            except ValueError as exc:
                raise _BadRequest("Unexpected character in the request body.") from exc

    def values(self, name: str) -> list[str]:
        """Every value of a parameter: repeated query parameters, comma lists, JSON lists."""
        raw: list[Any] = list(self.query.get(name, []))
        if isinstance(self._json, dict) and self._json.get(name) is not None:
            value = self._json[name]
            raw += value if isinstance(value, list) else [value]
        out: list[str] = []
        for value in raw:
            out += [part.strip() for part in str(value).split(",") if part.strip()]
        return out

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.query:
            return self.query[name][0]
        if isinstance(self._json, dict) and self._json.get(name) is not None:
            return self._json[name]
        return default

    def integer(self, name: str, default: int) -> int:
        value = self.get(name, default)
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _BadRequest(f"The '{name}' parameter must be a number.") from exc


class _BadRequest(Exception):
    pass


# --- the server ---------------------------------------------------------------------------


class _Handler(LoopbackHandler["FakeJira"]):
    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.owner._answer(self.command, self.path, self.headers, body)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET


class FakeJira(LoopbackServer):
    """Serves a `JiraBoardData` as Jira Cloud or Server does; see the module docstring.

    `start`, `stop`, `port` and the context manager come from `LoopbackServer`.
    """

    handler_class = _Handler
    label = "the fake Jira"
    thread_name = "fake-jira"

    def __init__(
        self,
        data: JiraBoardData,
        *,
        deployment: str | None = None,
        latency: float = 0.0,
        email: str = "maya@example.com",
        token: str = "cloud-api-token",
        pat: str = "server-personal-access-token",
        forbidden_boards: Iterable[int] = (),
        sprint_page_size: int = 50,
    ) -> None:
        deployment = deployment or data.deployment
        if deployment not in ("Cloud", "Server"):
            raise ValueError(f"deployment must be 'Cloud' or 'Server', not {deployment!r}")
        super().__init__()
        self.data = data
        self.deployment = deployment
        self.latency = latency
        self.email, self.token, self.pat = email, token, pat
        self.forbidden_boards = set(forbidden_boards)
        self.sprint_page_size = sprint_page_size
        self.filter_jql = BOARD_JQL  # the board owner may edit the filter between two syncs
        self.errors: list[str] = []
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._query_cache: dict[tuple[Any, ...], list[IssueRecord]] = {}
        self._routes = self._route_table()

    @property
    def is_cloud(self) -> bool:
        return self.deployment == "Cloud"

    # --- faults -------------------------------------------------------------------------

    def fail(
        self,
        prefix: str,
        status: int | str,
        *,
        times: int | None = 1,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer the next `times` requests under `prefix` with `status` (429, 500, 503, ...)
        or `"malformed"`. A 429 gets `Retry-After` (default 1); a 503 only when asked."""
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(prefix, status, times, retry_after, method)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- the request log ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()

    def count(self, prefix: str = "", method: str | None = None) -> int:
        return len(self.matching(prefix, method))

    def bytes_sent(self, prefix: str = "") -> int:
        return sum(r.response_bytes for r in self.matching(prefix))

    def matching(self, prefix: str = "", method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.startswith(prefix) and (method is None or r.method == method)
        ]

    # --- address ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- called from handler threads ------------------------------------------------------

    def _answer(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        received = time.monotonic()
        if self.latency > 0:
            self._sleep(self.latency)  # cut short when the server stops
        try:
            reply = self._dispatch(method, target, headers, body)
        except Exception:  # noqa: BLE001 - a crash in the fake must reach the test, not hang it
            self.errors.append(traceback.format_exc())
            reply = _error(500, "Internal server error (the fake Jira crashed; see fake.errors)")
        split = urlsplit(target)
        record = RecordedRequest(
            method=method,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            body=body,
            status=reply.status,
            response_bytes=len(reply.body),
            received_at=received,
            auth_scheme=next(
                (v.split(" ", 1)[0] for k, v in headers.items() if k.lower() == "authorization"),
                "",
            ),
        )
        with self._lock:
            self._requests.append(record)
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not path.startswith(fault.prefix):
                    continue
                if fault.method is not None and fault.method != method:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _dispatch(self, method: str, target: str, headers: Mapping[str, str], body: bytes):
        path = urlsplit(target).path
        fault = self._take_fault(method, path)
        if fault is not None:
            return self._fault_reply(fault)
        try:
            request = _Request(method, target, headers, body)
        except _BadRequest as exc:
            return _error(400, str(exc))
        for methods, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if method not in methods:
                return _error(405, f"HTTP {method} is not supported for {path}.")
            request.groups = {k: v for k, v in match.groupdict().items() if v is not None}
            denied = self._authenticate(request)
            if denied is not None:
                return denied
            try:
                return handler(request)
            except (JqlError, _BadRequest) as exc:
                return _error(400, str(exc))
        return self._not_found(request)

    def _not_found(self, request: _Request) -> _Reply:
        # Jersey's answer for a path no resource serves.
        return _json(
            {"message": f"null for uri: {self.url}{request.path}", "status-code": 404}, 404
        )

    def _fault_reply(self, fault: Fault) -> _Reply:
        if fault.status == "malformed":
            return _Reply(200, b'{"issues":[{"id":"10001","key":"MLP-1","fields":{"summary":"Tr')
        status = int(fault.status)
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if status == 429:
            reset = self.data.now + timedelta(seconds=fault.retry_after or 1)
            headers |= {
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                "X-RateLimit-FillRate": "10",
                "X-RateLimit-Interval-Seconds": "1",
                "RateLimit-Reason": "jira-burst-based",
            }
            return _error(429, "Rate limit exceeded.", headers=headers)
        if status == 503:
            return _error(503, "Service Unavailable", headers=headers)
        if status == 500:
            return _error(500, "Internal server error", headers=headers)
        return _error(status, f"Scripted fault {status}", headers=headers)

    # --- auth -----------------------------------------------------------------------------

    def _authenticate(self, request: _Request) -> _Reply | None:
        given = request.headers.get("Authorization")
        if self.is_cloud:
            secret = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            expected = f"Basic {secret}"
        else:
            expected = f"Bearer {self.pat}"
        if given == expected:
            return None
        if given is None and request.path.endswith("/serverInfo"):
            return None  # serverInfo answers anonymous callers
        headers = {} if self.is_cloud else {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}
        return _error(
            401,
            "You are not authenticated. Authentication required to perform this operation.",
            headers=headers,
        )

    # --- routes ---------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[set[str], re.Pattern[str], Callable[[_Request], _Reply]]]:
        api = r"/rest/api/(?P<v>2|3|latest)"
        agile = r"/rest/agile/1\.0"
        get, both, post = {"GET"}, {"GET", "POST"}, {"POST"}
        table = [
            (get, api + r"/serverInfo", self._server_info),
            (get, api + r"/myself", self._myself),
            (get, api + r"/field", self._fields),
            (get, api + r"/status", self._statuses),
            (get, api + r"/filter/(?P<id>\d+)", self._filter),
            (both, api + r"/search/jql", self._search_jql),
            (post, api + r"/search/approximate-count", self._approximate_count),
            (both, api + r"/search", self._search),
            (get, api + r"/issue/(?P<key>[^/]+)", self._issue),
            (get, api + r"/issue/(?P<key>[^/]+)/changelog", self._changelog),
            (get, agile + r"/board", self._boards),
            (get, agile + r"/board/(?P<id>\d+)", self._board),
            (get, agile + r"/board/(?P<id>\d+)/configuration", self._board_configuration),
            (get, agile + r"/board/(?P<id>\d+)/sprint", self._board_sprints),
            (get, agile + r"/board/(?P<id>\d+)/issue", self._board_issues),
            (get, agile + r"/board/(?P<id>\d+)/backlog", self._board_backlog),
            (get, agile + r"/sprint/(?P<id>\d+)", self._sprint),
            (get, agile + r"/sprint/(?P<id>\d+)/issue", self._sprint_issues),
        ]
        return [(methods, re.compile(pattern), self._versioned(h)) for methods, pattern, h in table]

    def _versioned(self, handler: Callable[[_Request], _Reply]) -> Callable[[_Request], _Reply]:
        def run(request: _Request) -> _Reply:
            version = request.groups.get("v")
            if version == "latest":
                request.groups["v"] = "2"
            elif version == "3" and not self.is_cloud:
                return self._not_found(request)
            with self.data.lock:
                return handler(request)

        return run

    @property
    def base(self) -> str:
        return self.url

    def _server_info(self, request: _Request) -> _Reply:
        if self.is_cloud:  # shape of samples/jira/serverinfo.json
            info: dict[str, Any] = {
                "baseUrl": self.base,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100204,
                "buildDate": "2026-11-12T12:59:12.000+0100",
                "serverTime": jira_time(self.data.now),
                "scmInfo": "948b370c557f4bbf768b92203f3aca5d86ee9758",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
            }
        else:
            info = {
                "baseUrl": self.base,
                "version": "9.12.15",
                "versionNumbers": [9, 12, 15],
                "deploymentType": "Server",  # Data Center reports "Server" too
                "buildNumber": 9120015,
                "buildDate": "2026-09-30T00:00:00.000+0200",
                "databaseBuildNumber": 9120015,
                "serverTime": jira_time(self.data.now),
                "scmInfo": "2c3b4d9e1f0a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
                "serverTitle": "Jira",
            }
        return _json(info)

    def _myself(self, request: _Request) -> _Reply:
        lead = self.data.lead
        assert lead is not None
        me = self.data.render_user(lead.account_id, self.deployment, self.base)
        me |= {"emailAddress": lead.email, "locale": "en_US", "groups": {"size": 2, "items": []}}
        return _json(me)

    def _statuses(self, request: _Request) -> _Reply:
        """`GET /rest/api/{v}/status`: every status of the site with its category."""
        return _json([self.data.render_status(name, self.base) for name in STATUSES])

    def _fields(self, request: _Request) -> _Reply:
        return _json(self.data.field_definitions(self.deployment))

    def _filter(self, request: _Request) -> _Reply:
        if int(request.groups["id"]) != FILTER_ID:
            return _error(
                400,
                "The selected filter is not available to you, perhaps it has been deleted or "
                "had its permissions changed.",
            )
        lead = self.data.lead
        assert lead is not None
        v = request.groups["v"]
        return _json(
            {
                "self": f"{self.base}/rest/api/{v}/filter/{FILTER_ID}",
                "id": str(FILTER_ID),
                "name": "Filter for MLP board",
                "owner": self.data.render_user(lead.account_id, self.deployment, self.base),
                "jql": self.filter_jql,
                "viewUrl": f"{self.base}/issues/?filter={FILTER_ID}",
                "searchUrl": f"{self.base}/rest/api/{v}/search?"
                + urlencode({"jql": self.filter_jql}),
                "favourite": False,
                "sharePermissions": [{"id": 10100, "type": "project", "project": {"key": "MLP"}}],
            }
        )

    # --- search -------------------------------------------------------------------------

    def _matches(self, jql: str, *, extra: Callable[[IssueRecord], bool] | None = None):
        """Issues matching `jql`, sorted; cached per (JQL, data version, site clock)."""
        key = (jql, self.data.version, self.data.now, extra)
        cached = self._query_cache.get(key)
        if cached is not None:
            return cached
        query = parse_jql(jql, self.data)
        records = [
            r
            for r in self.data.issues.values()
            if (query.where is None or query.where(r)) and (extra is None or extra(r))
        ]
        query.sort(records)
        if len(self._query_cache) > 64:
            self._query_cache.clear()
        self._query_cache[key] = records
        return records

    def _search_jql(self, request: _Request) -> _Reply:
        if not self.is_cloud:
            return self._not_found(request)
        jql = str(request.get("jql", "") or "")
        if not parse_jql(jql, self.data).bounded:
            return _error(400, UNBOUNDED_JQL)
        records = self._matches(jql)
        spec = _FieldSpec.parse(request.values("fields"), default=["id"])
        expand = set(request.values("expand"))
        cap = 5000 if spec.ids_only and "changelog" not in expand else 100
        size = request.integer("maxResults", 50)
        if size < 0:
            raise _BadRequest("The 'maxResults' parameter must not be negative.")
        size = min(size or 50, cap)
        offset = self._read_token(request.get("nextPageToken"), jql)
        page = records[offset : offset + size]
        is_last = offset + size >= len(records)
        issues = [
            self._issue_json(
                r,
                spec,
                api=request.groups["v"],
                changelog=EMBEDDED_CHANGELOG_SEARCH if "changelog" in expand else None,
                bare=True,
            )
            for r in page
        ]
        out = '{"issues":[' + ",".join(issues) + "]"
        if not is_last:
            out += ',"nextPageToken":' + json.dumps(self._token(offset + size, jql))
        out += ',"isLast":' + ("true" if is_last else "false")
        if "names" in expand:
            out += ',"names":' + json.dumps(self._names(spec))
        return _Reply(200, (out + "}").encode())

    def _token(self, offset: int, jql: str) -> str:
        digest = hashlib.sha1(jql.encode()).hexdigest()[:8]
        return base64.urlsafe_b64encode(f"CAE{offset}:{digest}".encode()).decode().rstrip("=")

    def _read_token(self, token: Any, jql: str) -> int:
        if not token:
            return 0
        try:
            padded = str(token) + "=" * (-len(str(token)) % 4)
            text = base64.urlsafe_b64decode(padded).decode()
            offset, digest = text.removeprefix("CAE").split(":")
            if digest != hashlib.sha1(jql.encode()).hexdigest()[:8]:
                raise ValueError("the token belongs to another query")
            return int(offset)
        except ValueError as exc:
            raise _BadRequest("The provided next page token is invalid or expired.") from exc

    def _approximate_count(self, request: _Request) -> _Reply:
        if not self.is_cloud:
            return self._not_found(request)
        jql = str(request.get("jql", "") or "")
        if not parse_jql(jql, self.data).bounded:
            return _error(400, UNBOUNDED_JQL)
        return _json({"count": len(self._matches(jql))})

    def _search(self, request: _Request) -> _Reply:
        if self.is_cloud:
            return _Reply(410, CHANGE_2046_BODY)
        jql = str(request.get("jql", "") or "")
        records = self._matches(jql)
        start = max(0, request.integer("startAt", 0))
        size = min(max(0, request.integer("maxResults", 50)), 1000)
        spec = _FieldSpec.parse(request.values("fields"), default=["*navigable"])
        expand = set(request.values("expand"))
        issues = [
            self._issue_json(r, spec, api="2", changelog=0 if "changelog" in expand else None)
            for r in records[start : start + size]
        ]
        head = {"expand": "schema,names", "startAt": start, "maxResults": size}
        out = json.dumps(head)[:-1] + f',"total":{len(records)},"issues":[' + ",".join(issues)
        out += "]"
        if "names" in expand:
            out += ',"names":' + json.dumps(self._names(spec))
        return _Reply(200, (out + "}").encode())

    # --- issues -------------------------------------------------------------------------

    def _issue(self, request: _Request) -> _Reply:
        record = self.data.issue(request.groups["key"])
        if record is None:
            return _error(404, ISSUE_NOT_VISIBLE)
        spec = _FieldSpec.parse(request.values("fields"), default=["*all"])
        expand = set(request.values("expand"))
        limit = EMBEDDED_CHANGELOG_ISSUE if self.is_cloud else 0
        text = self._issue_json(
            record,
            spec,
            api=request.groups["v"],
            changelog=limit if "changelog" in expand else None,
        )
        if "names" in expand:
            text = text[:-1] + ',"names":' + json.dumps(self._names(spec)) + "}"
        return _Reply(200, text.encode())

    def _changelog(self, request: _Request) -> _Reply:
        if not self.is_cloud:
            return self._not_found(request)
        record = self.data.issue(request.groups["key"])
        if record is None:
            return _error(404, ISSUE_NOT_VISIBLE)
        start = max(0, request.integer("startAt", 0))
        size = min(max(1, request.integer("maxResults", 100)), 100)
        histories = self._histories(record)
        total = len(histories)
        is_last = start + size >= total
        self_url = f"{self.base}{request.path}?" + urlencode({"maxResults": size, "startAt": start})
        out = '{"self":' + json.dumps(self_url)
        if not is_last:
            next_url = f"{self.base}{request.path}?" + urlencode(
                {"maxResults": size, "startAt": start + size}
            )
            out += ',"nextPage":' + json.dumps(next_url)
        out += f',"maxResults":{size},"startAt":{start},"total":{total},'
        out += f'"isLast":{"true" if is_last else "false"},"values":['
        out += ",".join(histories[start : start + size]) + "]}"
        return _Reply(200, out.encode())

    # --- agile --------------------------------------------------------------------------

    def _board_record(self, request: _Request) -> tuple[dict[str, Any] | None, _Reply | None]:
        board_id = int(request.groups["id"])
        board = next((b for b in self.data.boards if b["id"] == board_id), None)
        if board is None:
            return None, _error(404, BOARD_NOT_VISIBLE)
        if board_id in self.forbidden_boards:
            return None, _error(403, "You do not have permission to view this board.")
        return board, None

    def _render_board(self, board: dict[str, Any]) -> dict[str, Any]:
        key = board["project"]
        project_id = int(PROJECT_ID) if key == PROJECT_KEY else int(PROJECT_ID) + 1
        name = PROJECT_NAME if key == PROJECT_KEY else "Operations"
        return {
            "id": board["id"],
            "self": f"{self.base}/rest/agile/1.0/board/{board['id']}",
            "name": board["name"],
            "type": board["type"],
            "location": {
                "projectId": project_id,
                "displayName": f"{name} ({key})",
                "projectName": name,
                "projectKey": key,
                "projectTypeKey": "software",
                "avatarURI": f"{self.base}/rest/api/2/universal_avatar/view/type/project"
                "/avatar/10400?size=small",
                "name": f"{name} ({key})",
            },
        }

    def _boards(self, request: _Request) -> _Reply:
        boards = list(self.data.boards)
        if kind := request.get("type"):
            boards = [b for b in boards if b["type"] in str(kind).split(",")]
        if name := request.get("name"):
            boards = [b for b in boards if str(name).lower() in b["name"].lower()]
        if project := request.get("projectKeyOrId"):
            project = str(project).upper()
            ids = {PROJECT_KEY: PROJECT_ID, "OPS": str(int(PROJECT_ID) + 1)}
            boards = [b for b in boards if project in (b["project"], ids.get(b["project"]))]
        start = max(0, request.integer("startAt", 0))
        size = min(max(1, request.integer("maxResults", 50)), 50)
        page = boards[start : start + size]
        return _json(
            {
                "maxResults": size,
                "startAt": start,
                "total": len(boards),
                "isLast": start + size >= len(boards),
                "values": [self._render_board(b) for b in page],
            }
        )

    def _board(self, request: _Request) -> _Reply:
        board, denied = self._board_record(request)
        return denied or _json(self._render_board(board))  # type: ignore[arg-type]

    def _board_configuration(self, request: _Request) -> _Reply:
        board, denied = self._board_record(request)
        if denied is not None:
            return denied
        assert board is not None

        def column(name: str, *statuses: str) -> dict[str, Any]:
            return {
                "name": name,
                "statuses": [
                    {
                        "id": STATUSES[s].id,
                        "self": f"{self.base}/rest/api/2/status/{STATUSES[s].id}",
                    }
                    for s in statuses
                ],
            }

        estimation: dict[str, Any] = {"type": "issueCount"}  # (unverified) issue-count boards
        if board["id"] == BOARD_ID and self.data.points_field is not None:
            estimation = {
                "type": "field",
                "field": {
                    "fieldId": self.data.points_field,
                    "displayName": self.data.points_field_name,
                },
            }
        return _json(
            {
                "id": board["id"],
                "name": board["name"],
                "type": board["type"],
                "self": f"{self.base}/rest/agile/1.0/board/{board['id']}/configuration",
                "location": {"type": "project", "key": board["project"], "id": PROJECT_ID},
                "filter": {
                    "id": str(FILTER_ID),
                    "self": f"{self.base}/rest/api/2/filter/{FILTER_ID}",
                },
                "subQuery": {"query": "resolution = EMPTY OR resolution changed after -2w"},
                "columnConfig": {
                    "columns": [
                        column("To Do", "To Do"),
                        column("In Progress", "In Progress"),
                        column("In Review", "In Review"),
                        column("Done", "Done"),
                    ],
                    "constraintType": "issueCount",
                },
                "estimation": estimation,
                "ranking": {"rankCustomFieldId": 10019},
            }
        )

    def _board_sprints(self, request: _Request) -> _Reply:
        board, denied = self._board_record(request)
        if denied is not None:
            return denied
        assert board is not None
        if board["type"] != "scrum":
            return _error(400, "The board does not support sprints")
        states = request.values("state") or ["future", "active", "closed"]
        for state in states:
            if state not in ("future", "active", "closed"):
                raise _BadRequest(f"The sprint state '{state}' is not valid.")
        sprints = [s for s in self.data.sprints if s.board_id == board["id"] and s.state in states]
        order = {"closed": 0, "active": 1, "future": 2}
        sprints.sort(key=lambda s: (order[s.state], s.id))
        start = max(0, request.integer("startAt", 0))
        size = min(max(1, request.integer("maxResults", 50)), self.sprint_page_size)
        page = sprints[start : start + size]
        return _json(
            {
                "maxResults": size,
                "startAt": start,
                "isLast": start + size >= len(sprints),
                "values": [self.data.render_sprint(s, self.deployment, self.base) for s in page],
            }
        )

    def _sprint(self, request: _Request) -> _Reply:
        sprint = self.data.sprint(int(request.groups["id"]))
        if sprint is None:
            return _error(
                404,
                "The requested sprint cannot be viewed because it either does "
                "not exist or you do not have permission to view it.",
            )
        return _json(self.data.render_sprint(sprint, self.deployment, self.base))

    def _sprint_issues(self, request: _Request) -> _Reply:
        sprint_id = int(request.groups["id"])
        if self.data.sprint(sprint_id) is None:
            return _error(
                404,
                "The requested sprint cannot be viewed because it either does "
                "not exist or you do not have permission to view it.",
            )
        return self._agile_issues(request, f"sprint = {sprint_id}", None)

    def _board_issues(self, request: _Request) -> _Reply:
        board, denied = self._board_record(request)
        if denied is not None:
            return denied
        assert board is not None
        return self._agile_issues(request, f"project = {board['project']}", None)

    def _board_backlog(self, request: _Request) -> _Reply:
        board, denied = self._board_record(request)
        if denied is not None:
            return denied
        assert board is not None
        return self._agile_issues(request, f"project = {board['project']}", _in_backlog(self.data))

    def _agile_issues(
        self, request: _Request, base_jql: str, extra: Callable[[IssueRecord], bool] | None
    ) -> _Reply:
        user_jql = str(request.get("jql", "") or "")
        user_query = parse_jql(user_jql, self.data) if user_jql else None
        jql = base_jql
        if user_query is not None and user_query.where is not None:
            jql = f"{base_jql} AND ({_strip_order(user_jql)})"
        records = self._matches(jql + " ORDER BY Rank ASC", extra=extra)
        start = max(0, request.integer("startAt", 0))
        size = min(max(0, request.integer("maxResults", 50)), 100)
        spec = _FieldSpec.parse(request.values("fields"), default=["*navigable"])
        expand = set(request.values("expand"))
        issues = [
            self._issue_json(
                r,
                spec,
                api="2",
                changelog=(0 if not self.is_cloud else EMBEDDED_CHANGELOG_ISSUE)
                if "changelog" in expand
                else None,
                agile=True,
            )
            for r in records[start : start + size]
        ]
        head = f'{{"expand":"schema,names","startAt":{start},"maxResults":{size},'
        out = head + f'"total":{len(records)},"issues":[' + ",".join(issues) + "]}"
        return _Reply(200, out.encode())

    # --- rendering with caches ------------------------------------------------------------

    def _fragments(self, record: IssueRecord, api: str) -> dict[str, str]:
        key = ("fields", self.deployment, self.base, api)
        fragments = record.cache.get(key)
        if fragments is None:
            fields = self.data.render_fields(record, self.deployment, self.base, api)
            fragments = {name: _dumps(value) for name, value in fields.items()}
            record.cache[key] = fragments
        return fragments

    def _agile_fragments(self, record: IssueRecord) -> dict[str, str]:
        key = ("agile", self.deployment, self.base)
        fragments = record.cache.get(key)
        if fragments is None:
            fields = self.data.render_agile_fields(record, self.deployment, self.base)
            fragments = {name: _dumps(value) for name, value in fields.items()}
            record.cache[key] = fragments
        return fragments

    def _histories(self, record: IssueRecord) -> list[str]:
        key = ("histories", self.deployment, self.base)
        rendered = record.cache.get(key)
        if rendered is None:
            rendered = [
                _dumps(self.data.render_history(h, self.deployment, self.base))
                for h in record.histories
            ]
            record.cache[key] = rendered
        return rendered

    def _embedded_changelog(self, record: IssueRecord, limit: int) -> str:
        """`{"startAt":0,"maxResults":N,"total":T,"histories":[...]}`; with `limit` > 0 only
        the newest `limit` histories (oldest first), as Cloud truncates them."""
        key = ("changelog", self.deployment, self.base, limit)
        text = record.cache.get(key)
        if text is None:
            histories = self._histories(record)
            total = len(histories)
            kept = histories[-limit:] if limit and total > limit else histories
            text = (
                f'{{"startAt":0,"maxResults":{len(kept)},"total":{total},"histories":['
                + ",".join(kept)
                + "]}"
            )
            record.cache[key] = text
        return text

    def _issue_json(
        self,
        record: IssueRecord,
        spec: _FieldSpec,
        *,
        api: str,
        changelog: int | None = None,
        agile: bool = False,
        bare: bool = False,
    ) -> str:
        """One issue as JSON text. `changelog`: None for none, 0 for all, N for the newest N.
        `bare`: with no fields asked for, only the id (Cloud enhanced search; fake's choice)."""
        if bare and spec.ids_only and changelog is None:
            out = f'{{"id":"{record.id}"'
            if "key" in spec.include:
                out += f',"key":"{record.key}"'
            return out + "}"
        if agile:
            self_url = f"{self.base}/rest/agile/1.0/issue/{record.id}"
        else:
            self_url = f"{self.base}/rest/api/{api}/issue/{record.id}"
        out = (
            f'{{"expand":"{ISSUE_EXPAND}","id":"{record.id}","self":"{self_url}",'
            f'"key":"{record.key}"'
        )
        if not spec.ids_only:
            fragments = self._fragments(record, api)
            chosen = spec.select(fragments)
            if agile and spec.everything:
                chosen += list(self._agile_fragments(record).items())
            out += ',"fields":{' + ",".join(f'"{k}":{v}' for k, v in chosen) + "}"
        if changelog is not None:
            out += ',"changelog":' + self._embedded_changelog(record, changelog)
        return out + "}"

    def _names(self, spec: _FieldSpec) -> dict[str, str]:
        names = {f["id"]: f["name"] for f in self.data.field_definitions(self.deployment)}
        if spec.everything:
            return names
        return {k: v for k, v in names.items() if k in spec.include}


def _dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()  # ~5x faster than json.dumps for the fragments


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    """A `fields` parameter: `*all`/`*navigable`, ids, `-id` exclusions; `id`/`key` are not
    fields (they are always in the issue envelope)."""

    everything: bool
    include: frozenset[str]
    exclude: frozenset[str]

    @classmethod
    def parse(cls, values: list[str], *, default: list[str]) -> _FieldSpec:
        tokens = values or default
        everything = any(t in ("*all", "*navigable", "all", "navigable") for t in tokens)
        include = frozenset(t for t in tokens if not t.startswith(("-", "*")))
        exclude = frozenset(t[1:] for t in tokens if t.startswith("-"))
        return cls(everything, include, exclude)

    @property
    def ids_only(self) -> bool:
        return not self.everything and self.include <= {"id", "key"}

    def select(self, fragments: Mapping[str, str]) -> list[tuple[str, str]]:
        if self.everything:
            return [(k, v) for k, v in fragments.items() if k not in self.exclude]
        return [(k, v) for k, v in fragments.items() if k in self.include and k not in self.exclude]


def _in_backlog(data: JiraBoardData) -> Callable[[IssueRecord], bool]:
    def check(record: IssueRecord) -> bool:
        return (
            not any(
                (s := data.sprint(i)) is not None and s.state != "closed" for i in record.sprint_ids
            )
            and STATUSES[record.status].category != "done"
        )

    return check


def _strip_order(jql: str) -> str:
    return re.split(r"\border\s+by\b", jql, maxsplit=1, flags=re.IGNORECASE)[0].strip()


# --- JQL ----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s(),"'=!<>~]+)
    )""",
    re.VERBOSE,
)
_TRAILING_SPACE = re.compile(r"\s*\Z")
_KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC"}
_RELATIVE = re.compile(r"([-+]?)((?:\d+[wdhm]\s*)+)")
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string, op, punct, word
    text: str

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" and self.text.upper() in _KEYWORDS else None


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    args: tuple[str, ...]


Predicate = Callable[[IssueRecord], bool]


@dataclass(slots=True)
class Query:
    where: Predicate | None
    order: list[tuple[str, bool]]  # (field, descending)
    data: JiraBoardData

    @property
    def bounded(self) -> bool:
        return self.where is not None

    def sort(self, records: list[IssueRecord]) -> None:
        order = self.order or [("key", True)]
        for name, descending in reversed(order):
            getter = _SORT_KEYS[name]
            present = [r for r in records if getter(r, self.data) is not None]
            missing = [r for r in records if getter(r, self.data) is None]
            present.sort(key=lambda r: getter(r, self.data), reverse=descending)
            records[:] = present + missing  # empty values last, either way


_SORT_KEYS: dict[str, Callable[[IssueRecord, JiraBoardData], Any]] = {
    "rank": lambda r, d: r.rank,
    "updated": lambda r, d: r.updated,
    "created": lambda r, d: r.created,
    "resolved": lambda r, d: r.resolved,
    "key": lambda r, d: (r.project, r.number),
    "id": lambda r, d: r.id,
    "priority": lambda r, d: -int(PRIORITIES[r.priority]),
    "summary": lambda r, d: r.summary.lower(),
}
_SORT_ALIASES = {
    "updateddate": "updated",
    "createddate": "created",
    "resolutiondate": "resolved",
    "issuekey": "key",
    "cf[10019]": "rank",
}


def parse_jql(text: str, data: JiraBoardData) -> Query:
    """Compile `text` into a `Query` over `data`'s issues; raises `JqlError` like Jira."""
    return _Parser(text, data).parse()


class _Parser:
    def __init__(self, text: str, data: JiraBoardData) -> None:
        self.data = data
        self.tokens = self._tokenize(text)
        self.pos = 0

    @staticmethod
    def _tokenize(text: str) -> list[_Token]:
        tokens: list[_Token] = []
        pos = 0
        while pos < len(text):
            if _TRAILING_SPACE.match(text, pos):
                break
            match = _TOKEN_RE.match(text, pos)
            if match is None or match.end() == pos:
                raise JqlError(
                    f"Error in the JQL Query: The character '{text[pos]}' is a reserved "
                    f"JQL character. (line 1, character {pos + 1})"
                )
            kind = match.lastgroup or "word"
            value = match.group(kind)
            if kind == "string":
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            tokens.append(_Token(kind, value))
            pos = match.end()
        return tokens

    # --- token helpers --------------------------------------------------------------------

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise JqlError("Error in the JQL Query: The query ended unexpectedly.")
        self.pos += 1
        return token

    def _at(self, keyword: str) -> bool:
        token = self._peek()
        return token is not None and token.keyword == keyword

    def _at_punct(self, char: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "punct" and token.text == char

    def _expect_punct(self, char: str) -> None:
        token = self._next()
        if token.kind != "punct" or token.text != char:
            raise JqlError(f"Error in the JQL Query: Expecting '{char}' but got '{token.text}'.")

    # --- grammar --------------------------------------------------------------------------

    def parse(self) -> Query:
        where = None
        if self._peek() is not None and not self._at("ORDER"):
            where = self._or()
        order: list[tuple[str, bool]] = []
        if self._at("ORDER"):
            self._next()
            if not self._at("BY"):
                raise JqlError("Error in the JQL Query: Expecting 'BY' after 'ORDER'.")
            self._next()
            order.append(self._sort_key())
            while self._at_punct(","):
                self._next()
                order.append(self._sort_key())
        token = self._peek()
        if token is not None:
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{token.text}'."
            )
        return Query(where, order, self.data)

    def _sort_key(self) -> tuple[str, bool]:
        token = self._next()
        name = token.text.lower()
        name = _SORT_ALIASES.get(name, name)
        if name not in _SORT_KEYS:
            raise JqlError(f"Not able to sort using field '{token.text}'.")
        descending = False
        if self._at("ASC") or self._at("DESC"):
            descending = self._next().keyword == "DESC"
        return name, descending

    def _or(self) -> Predicate:
        left = self._and()
        while self._at("OR"):
            self._next()
            right = self._and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._not()
        while self._at("AND"):
            self._next()
            right = self._not()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def _not(self) -> Predicate:
        if self._at("NOT"):
            self._next()
            inner = self._not()
            return lambda r: not inner(r)
        if self._at_punct("("):
            self._next()
            inner = self._or()
            self._expect_punct(")")
            return inner
        return self._clause()

    def _clause(self) -> Predicate:
        token = self._next()
        if token.kind not in ("word", "string") or token.keyword in ("AND", "OR", "ORDER"):
            raise JqlError(
                f"Error in the JQL Query: Expecting a field name but got '{token.text}'."
            )
        field = _field(token.text, self.data)
        if self._at("IS"):
            self._next()
            negate = self._at("NOT")
            if negate:
                self._next()
            if not (self._at("EMPTY") or self._at("NULL")):
                raise JqlError("Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after 'IS'.")
            self._next()
            return field.empty(negate)
        negate = False
        if self._at("NOT"):
            self._next()
            negate = True
            if not self._at("IN"):
                raise JqlError("Error in the JQL Query: Expecting 'IN' after 'NOT'.")
        if self._at("IN"):
            self._next()
            return field.within(self._list(), negate)
        op = self._next()
        if op.kind != "op":
            raise JqlError(
                f"Error in the JQL Query: Expecting operator but got '{op.text}'. The valid "
                "operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', "
                "'IS' and 'IS NOT'."
            )
        return field.compare(op.text, self._value())

    def _value(self) -> str | _Call:
        token = self._next()
        if token.kind == "word" and self._at_punct("("):
            self._next()
            args: list[str] = []
            while not self._at_punct(")"):
                args.append(self._next().text)
                if self._at_punct(","):
                    self._next()
            self._next()
            return _Call(token.text, tuple(args))
        reserved = token.keyword is not None and token.keyword not in ("EMPTY", "NULL")
        if token.kind not in ("word", "string") or reserved:
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{token.text}'.")
        return token.text

    def _list(self) -> list[str | _Call]:
        if not self._at_punct("("):
            value = self._value()
            if not isinstance(value, _Call):
                raise JqlError("Error in the JQL Query: Expecting '(' after 'IN'.")
            return [value]
        self._next()
        values: list[str | _Call] = [self._value()]
        while self._at_punct(","):
            self._next()
            values.append(self._value())
        self._expect_punct(")")
        return values


class _Field:
    """One JQL field: how to read its values from an issue and how to read literals."""

    name: str
    operators = frozenset({"=", "!=", "in"})

    def __init__(self, name: str, data: JiraBoardData) -> None:
        self.name = name
        self.data = data

    def values(self, record: IssueRecord) -> list[Any]:
        raise NotImplementedError

    def literal(self, value: str | _Call) -> list[Any]:
        """A literal or function call → the comparable values it stands for."""
        if isinstance(value, _Call):
            raise JqlError(f"Unable to find JQL function '{value.name}()'.")
        return [value.lower()]

    def _check(self, op: str) -> None:
        if op not in self.operators:
            raise JqlError(f"The operator '{op}' is not supported by the '{self.name}' field.")

    def empty(self, negate: bool) -> Predicate:
        return lambda r: (not self.values(r)) != negate

    def within(self, values: list[str | _Call], negate: bool) -> Predicate:
        self._check("in")
        wanted = {v for value in values for v in self.literal(value)}
        return lambda r: any(v in wanted for v in self.values(r)) != negate

    def compare(self, op: str, value: str | _Call) -> Predicate:
        self._check(op)
        if op in ("=", "!="):
            wanted = set(self.literal(value))
            return lambda r: any(v in wanted for v in self.values(r)) != (op == "!=")
        if op in ("~", "!~"):
            needle = str(value).lower()
            return lambda r: any(needle in str(v) for v in self.values(r)) != (op == "!~")
        (bound,) = self.literal(value)
        compare = {
            ">": lambda a: a > bound,
            ">=": lambda a: a >= bound,
            "<": lambda a: a < bound,
            "<=": lambda a: a <= bound,
        }[op]
        return lambda r: any(compare(v) for v in self.values(r) if v is not None)


class _Simple(_Field):
    def __init__(self, name: str, data: JiraBoardData, read: Callable[[IssueRecord], list]):
        super().__init__(name, data)
        self.read = read

    def values(self, record: IssueRecord) -> list[Any]:
        return self.read(record)


class _Text(_Simple):
    operators = frozenset({"~", "!~"})


class _Number(_Simple):
    operators = frozenset({"=", "!=", "in", ">", ">=", "<", "<="})

    def literal(self, value: str | _Call) -> list[Any]:
        if isinstance(value, _Call):
            return super().literal(value)
        try:
            return [float(value)]
        except ValueError as exc:
            raise JqlError(f"'{value}' is not a valid number for field '{self.name}'.") from exc


class _Key(_Field):
    operators = frozenset({"=", "!=", "in"})

    def values(self, record: IssueRecord) -> list[Any]:
        return [record.id]

    def literal(self, value: str | _Call) -> list[Any]:
        if isinstance(value, _Call):
            return super().literal(value)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-\d+|\d+", value):
            raise JqlError(f"The issue key '{value}' for field '{self.name}' is invalid.")
        record = self.data.issue(value)
        if record is None:
            raise JqlError(
                f"An issue with key '{value.upper()}' does not exist for field '{self.name}'."
            )
        return [record.id]


class _Sprint(_Field):
    def values(self, record: IssueRecord) -> list[Any]:
        return record.sprint_ids

    def literal(self, value: str | _Call) -> list[Any]:
        states = {
            "opensprints": ("active", "future"),
            "closedsprints": ("closed",),
            "futuresprints": ("future",),
        }
        if isinstance(value, _Call):
            wanted = states.get(value.name.lower())
            if wanted is None:
                return super().literal(value)
            return [s.id for s in self.data.sprints if s.state in wanted]
        if value.isdigit():
            return [int(value)]
        found = [s.id for s in self.data.sprints if s.name.lower() == value.lower()]
        if not found:
            raise JqlError(
                f"Sprint with name '{value}' does not exist or you do not have "
                "permission to view it."
            )
        return found


class _Date(_Simple):
    operators = frozenset({"=", "!=", ">", ">=", "<", "<="})

    def literal(self, value: str | _Call) -> list[Any]:
        now = self.data.now
        if isinstance(value, _Call):
            name = value.name.lower()
            if name == "now":
                return [now]
            if name == "startofday":
                local = now.astimezone(SITE_TZ)
                return [local.replace(hour=0, minute=0, second=0, microsecond=0)]
            return super().literal(value)
        text = value.strip()
        relative = _RELATIVE.fullmatch(text)
        if relative:
            units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
            delta = timedelta()
            for amount, unit in re.findall(r"(\d+)([wdhm])", relative.group(2)):
                delta += timedelta(**{units[unit]: int(amount)})
            return [now - delta if relative.group(1) == "-" else now + delta]
        for form in _DATE_FORMATS:
            with contextlib.suppress(ValueError):
                return [datetime.strptime(text, form).replace(tzinfo=SITE_TZ)]
        raise JqlError(
            f"Date value '{value}' for field '{self.name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )


class _User(_Simple):
    def literal(self, value: str | _Call) -> list[Any]:
        if isinstance(value, _Call):
            if value.name.lower() == "currentuser":
                lead = self.data.lead
                assert lead is not None
                return [lead.account_id]
            return super().literal(value)
        try:
            user = self.data.user(value)
        except KeyError as exc:
            raise JqlError(
                f"The value '{value}' does not exist for the field '{self.name}'."
            ) from exc
        return [user.account_id] if user else []


def _field(name: str, data: JiraBoardData) -> _Field:
    lowered = name.lower()

    def lower(*values: Any) -> list[Any]:
        return [str(v).lower() for v in values if v is not None]

    def points_reader(field_id: str) -> Callable[[IssueRecord], list]:
        def read(r: IssueRecord) -> list:
            if field_id == ORIGINAL_POINTS_FIELD:
                value = r.original_points
            else:
                value = r.points if field_id == data.points_field else None
            return [] if value is None else [value]

        return read

    simple: dict[str, Callable[[IssueRecord], list]] = {
        "project": lambda r: lower(
            r.project,
            PROJECT_ID if r.project == PROJECT_KEY else int(PROJECT_ID) + 1,
            PROJECT_NAME if r.project == PROJECT_KEY else "Operations",
        ),
        "status": lambda r: lower(r.status, STATUSES[r.status].id),
        "statuscategory": lambda r: lower(
            STATUSES[r.status].category,
            CATEGORIES[STATUSES[r.status].category][1],
            CATEGORIES[STATUSES[r.status].category][0],
        ),
        "issuetype": lambda r: lower(r.issue_type, ISSUE_TYPES[r.issue_type][0]),
        "priority": lambda r: lower(r.priority, PRIORITIES[r.priority]),
        "labels": lambda r: lower(*r.labels),
        "parent": lambda r: lower(r.epic),
        "flagged": lambda r: ["impediment"] if r.flagged else [],
    }
    aliases = {
        "type": "issuetype",
        "category": "statuscategory",
        "epic link": "parent",
        "cf[10014]": "parent",
        "cf[10021]": "flagged",
    }
    lowered = aliases.get(lowered, lowered)
    if lowered in simple:
        return _Simple(name, data, simple[lowered])
    if lowered in ("key", "issuekey", "id", "issue"):
        return _Key(name, data)
    if lowered in ("sprint", "cf[10020]"):
        return _Sprint(name, data)
    if lowered in ("updated", "updateddate"):
        return _Date(name, data, lambda r: [r.updated])
    if lowered in ("created", "createddate"):
        return _Date(name, data, lambda r: [r.created])
    if lowered in ("resolved", "resolutiondate"):
        return _Date(name, data, lambda r: [] if r.resolved is None else [r.resolved])
    if lowered in ("assignee", "reporter"):
        attribute = lowered
        return _User(name, data, lambda r: [a] if (a := getattr(r, attribute)) else [])
    if lowered in ("summary", "text"):
        return _Text(name, data, lambda r: [r.summary.lower()])
    estimates = {
        "story point estimate": STORY_POINT_ESTIMATE_FIELD,
        "story points": STORY_POINTS_FIELD,
        "original story points": ORIGINAL_POINTS_FIELD,
    }
    if data.points_field is not None:
        estimates[f"cf[{data.points_field.split('_')[1]}]"] = data.points_field
    for field_id in (STORY_POINT_ESTIMATE_FIELD, STORY_POINTS_FIELD, ORIGINAL_POINTS_FIELD):
        estimates[f"cf[{field_id.split('_')[1]}]"] = field_id
    if lowered in estimates:
        field_id = estimates[lowered]
        if data.points_field is not None and lowered == (data.points_field_name or "").lower():
            field_id = data.points_field
        return _Number(name, data, points_reader(field_id))
    raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
