"""The Jira source: one scrum board, its sprints and its issues with their history.

Jira Cloud (email + API token, Basic auth) and Server/Data Center (personal access token,
Bearer) are told apart by `serverInfo.deploymentType`. Cloud uses the enhanced search
(`/rest/api/3/search/jql`, paged by `nextPageToken`); the old `/search` answers 410 there.
Server uses `/rest/api/2/search` paged by `startAt`. Neither path caps the result.

python-jira is the client (auth, sessions); pages are requested through its session because it
has no way to page the enhanced search raw. It is blocking, so the sync runs on a daemon thread
of its own (`integrations.threads`) that the sync engine abandons when the deadline fires: the
user never waits for it. The thread checks a cancel flag between requests, caps every request's
timeouts by the time left, and fails at once on a `Retry-After` longer than that, so an
abandoned thread soon stops too. Retries are ours (stamina), not python-jira's:
`max_retries=0`; one garbled (non-JSON) answer is asked for once more.

After the first full sync, a re-sync lists the board's issue ids (ids only: a few bytes each),
reads just `updated` of the issues touched since the last sync (plus a safety margin), and
downloads in full, with their history, only the issues whose `updated` moved and the ones new
on the board (`id in (...)`, a page at a time). Issues that left the board are dropped.

The sync reports how far it has got to `FetchContext.progress`: the issues of how many (Server's
`total`, Cloud's approximate count, or the listing), long histories, the listing.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import msgspec
import stamina

from cockpit.models import (
    Board,
    Issue,
    Person,
    Secret,
    Snapshot,
    SprintData,
    StatusCategory,
    TeamData,
)
from cockpit.text_safety import clean_line, clean_record
from integrations.base import (
    Deadline,
    FetchContext,
    Progress,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
    TrafficMeter,
)
from integrations.jira_parse import (
    CATEGORY_BY_KEY,
    FieldIds,
    changelog_is_truncated,
    discover_fields,
    estimation_field,
    parse_board_columns,
    parse_issue,
    parse_person,
    parse_sprint,
    parse_time,
)
from integrations.net_words import dropped_answer, network_failure
from integrations.retry import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    fit_to_deadline,
    retry_backoff,
)
from integrations.retry import parse_retry_after as _parse_retry_after
from integrations.threads import map_abandonable, run_abandonable

AGILE = "/rest/agile/1.0"
SEARCH_FIELDS = (
    "summary", "status", "assignee", "issuetype", "priority", "labels", "created", "updated",
    "resolutiondate", "parent",
)  # fmt: skip
# Jira nodes' clocks drift. Issues in the margin cost only their `updated` (a couple of hundred
# bytes each); only those whose `updated` really moved are downloaded again.
CHANGED_SINCE_MARGIN_MINUTES = 5
CHANGELOG_WORKERS = 6  # concurrent changelog requests; Jira Cloud's burst limits allow this
# Id-only pages are tiny: Cloud's enhanced search gives up to 5,000 ids a page when nothing but
# ids is asked for (100 as soon as any field is), Server up to 1,000 whatever is asked.
ID_PAGE_SIZE_CLOUD = 5000
ID_PAGE_SIZE_SERVER = 1000


class _Cancelled(Exception):
    """The sync's deadline passed; stop making requests."""


class _NotFound(SourceBadResponse):
    """404: the board, filter or issue does not exist, or the account cannot see it."""


class _Garbled(SourceBadResponse):
    """A 200 whose body is not JSON: asked for once more before the sync gives up."""


class _Rejected(SourceBadResponse):
    """400: Jira refused the request, e.g. a JQL naming an issue deleted a moment ago."""


class JiraSource:
    kind = "jira"
    uses_network = True

    def __init__(
        self,
        name: str,
        *,
        url: str,
        board_id: int,
        email: str = "",
        deployment: str = "auto",
        points_field: str = "",
        jql: str = "",
        page_size: int = 100,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.board_id = board_id
        self.email = email
        self.deployment = deployment
        self.points_field = points_field
        self.jql = jql
        self.page_size = page_size
        self.timeouts = timeouts
        self.retry = retry

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        # The keyring can block (a locked Secret Service): never on the UI's event loop, and
        # never on a thread that quitting would have to wait for.
        token = await run_abandonable(f"{self.name}-token", ctx.secret, self.name)
        if token is None:
            raise SourceAuthError(f"{self.name}: no Jira token; run `cockpit auth set {self.name}`")
        cancel = threading.Event()
        previous = ctx.previous
        try:
            return await run_abandonable(
                f"{self.name}-sync",
                self._sync,
                token,
                previous,
                cancel,
                ctx.meter,
                ctx.deadline,
                ctx.progress,
            )
        except BaseException:
            # Deadline, quit or Ctrl-C: the thread is abandoned; it stops at its next request.
            cancel.set()
            raise

    def probe(self, token: Secret) -> str:
        """For `cockpit doctor`: reach the site, sign in and see the board. Blocking."""
        api = _JiraApi(self, token, threading.Event(), TrafficMeter())
        info = _object_of(api.get("/rest/api/2/serverInfo"), self.name, "serverInfo")
        cloud = self._is_cloud(info)
        if cloud and not self.email:
            raise SourceConfigError(
                f"{self.name}: this is Jira Cloud, which needs `email` in [sources.{self.name}]"
            )
        api.connect(cloud)
        me = api.get("/rest/api/2/myself")
        board = api.board(self.board_id)
        who = (
            me.get("displayName") or me.get("emailAddress") or "?"
            if isinstance(me, Mapping)
            else "?"
        )
        kind = "Cloud" if cloud else f"Server/DC {info.get('version', '')}".strip()
        return f"Jira {kind}, signed in as {who}, board {self.board_id} “{board.get('name')}”"

    # --- the blocking part ------------------------------------------------------------

    def _sync(
        self,
        token: Secret,
        previous: Snapshot | None,
        cancel: threading.Event,
        meter: TrafficMeter,
        deadline: Deadline | None = None,
        progress: Progress | None = None,
    ) -> Snapshot:
        progress = progress if progress is not None else Progress(meter)
        progress.begin("connecting")
        api = _JiraApi(self, token, cancel, meter, deadline)
        info = _object_of(api.get("/rest/api/2/serverInfo"), self.name, "serverInfo")
        cloud = self._is_cloud(info)
        if cloud and not self.email:
            raise SourceConfigError(
                f"{self.name}: this is Jira Cloud, which needs `email` in [sources.{self.name}]"
                " (the account the API token belongs to)"
            )
        api.connect(cloud)
        server_now = parse_time(info.get("serverTime"), "serverInfo serverTime")
        board_raw = api.board(self.board_id)
        config = api.get(f"{AGILE}/board/{self.board_id}/configuration")
        statuses = api.get("/rest/api/2/status")
        if not isinstance(statuses, list):
            raise SourceBadResponse(f"{self.name}: /rest/api/2/status did not answer a list")
        statuses = [s for s in statuses if isinstance(s, Mapping)]
        names_by_id = {str(s.get("id")): str(s.get("name")) for s in statuses}
        categories = {
            str(s.get("name")): CATEGORY_BY_KEY.get(
                str(_object_of(s.get("statusCategory") or {}).get("key", "")),
                CATEGORY_BY_KEY["new"],
            )
            for s in statuses
        }
        fields, note = discover_fields(
            api.get("/rest/api/2/field"),
            board_points=estimation_field(config),
            override=self.points_field,
        )
        sprints = tuple(parse_sprint(raw) for raw in api.sprints(self.board_id))
        open_ids = {s.id for s in sprints if s.state in ("active", "future")}
        base_jql = self.jql or api.filter_jql(config)

        prior = previous.sprint if previous else None
        people_before = (
            {p.id: p for p in previous.team.people} if previous and previous.team else {}
        )
        wanted = _search_fields(fields)
        # A re-sync builds only on issues read with the same query and the same fields: a
        # changed `jql` or points field (in the config, or the board's filter or estimation
        # setting in Jira) would otherwise mix old issues and old point values with new ones.
        same_basis = (
            prior is not None
            and prior.board.id == self.board_id
            and prior.jql == base_jql
            and prior.fields == wanted
        )
        if prior is not None and prior.synced_at and same_basis and server_now:
            issues, people = self._incremental(
                api,
                base_jql,
                fields,
                open_ids,
                prior,
                server_now,
                people_before,
                categories,
                progress,
            )
        else:
            issues, people = self._full(api, base_jql, fields, open_ids, categories, progress)
        board = Board(
            id=self.board_id,
            name=clean_line(str(board_raw.get("name") or f"board {self.board_id}")),
            columns=parse_board_columns(config, names_by_id),
            url=f"{self.url}/secure/RapidBoard.jspa?rapidView={self.board_id}",
            site_url=self.url,
        )
        in_open_sprints = {i.assignee for i in issues if i.sprint_id is not None and i.assignee}
        team = tuple(people[p] for p in sorted(in_open_sprints) if p in people)
        return Snapshot(
            sprint=SprintData(
                board=board,
                sprints=sprints,
                issues=issues,
                points_field=fields.points,
                points_note=note,
                status_categories=clean_record(categories),
                synced_at=server_now,
                jql=base_jql,
                fields=wanted,
            ),
            team=TeamData(team) if team else None,
        )

    def _is_cloud(self, info: Mapping[str, Any]) -> bool:
        if self.deployment != "auto":
            return self.deployment == "cloud"
        return str(info.get("deploymentType", "")).lower() == "cloud"

    def _full(
        self,
        api: _JiraApi,
        jql: str,
        fields: FieldIds,
        open_ids: set[int],
        categories: Mapping[str, StatusCategory],
        progress: Progress,
    ) -> tuple[tuple[Issue, ...], dict[str, Person]]:
        phase = progress.begin("", unit="issues")
        if api.cloud:
            # The enhanced search never says how many issues match: ask for the approximate
            # count alongside the first pages, so the count never delays the download.
            api.count_in_background(jql, lambda total: progress.set_total(total, phase))
        issues, people = self._fetch_issues(api, jql, fields, open_ids, categories, progress)
        return tuple(issues), people

    def _incremental(
        self,
        api: _JiraApi,
        jql: str,
        fields: FieldIds,
        open_ids: set[int],
        prior: SprintData,
        server_now: datetime,
        people: dict[str, Person],
        categories: Mapping[str, StatusCategory],
        progress: Progress,
    ) -> tuple[tuple[Issue, ...], dict[str, Person]]:
        """Only what changed: which issues are on the board (ids only), which of them were
        touched since the last sync (`updated` only), then those that moved or are new, in
        full. The stored issues' own `updated` is the reference, so a margin costs little."""
        assert prior.synced_at is not None
        stored = {issue.id or issue.key: issue for issue in prior.issues}
        progress.begin("listing", unit="issues")
        on_board = api.issue_ids(jql, progress)
        minutes = math.ceil((server_now - prior.synced_at).total_seconds() / 60)
        since = max(minutes, 0) + CHANGED_SINCE_MARGIN_MINUTES
        progress.begin("checking for changes")
        touched = api.updated_of(f"({_without_order(jql)}) AND updated >= -{since}m")
        on_board |= touched.keys()  # read after the listing: an issue created in between
        wanted = [
            ident
            for ident in sorted(on_board, key=_id_order)
            if ident not in stored
            or (
                ident in touched
                and (touched[ident] is None or touched[ident] != stored[ident].updated)
            )
        ]
        fetched: list[Issue] = []
        if wanted:
            fetched, new_people = self._fetch_by_id(
                api, jql, wanted, fields, open_ids, categories, progress
            )
            people = {**people, **new_people}
        wanted_set = set(wanted)
        fresh = {issue.id or issue.key: issue for issue in fetched}
        merged: list[Issue] = []
        for issue in prior.issues:
            ident = issue.id or issue.key
            if ident not in on_board:
                continue  # deleted, or moved to another project or board
            if ident in wanted_set:
                replacement = fresh.pop(ident, None)
                if replacement is not None:  # None: gone between the listing and the fetch
                    merged.append(replacement)
            else:
                merged.append(_reopen_sprint(issue, open_ids))
        merged.extend(fresh.values())  # new on the board
        return tuple(merged), people

    def _fetch_by_id(
        self,
        api: _JiraApi,
        jql: str,
        wanted: list[str],
        fields: FieldIds,
        open_ids: set[int],
        categories: Mapping[str, StatusCategory],
        progress: Progress,
    ) -> tuple[list[Issue], dict[str, Person]]:
        """The issues `wanted` (ids) in full, one page of them per search. The board's query
        stays in the JQL, so an issue that left the board a moment ago does not come back."""
        board = _without_order(jql)
        for attempt in range(2):
            progress.begin("", unit="issues", total=len(wanted))
            issues: list[Issue] = []
            people: dict[str, Person] = {}
            try:
                for start in range(0, len(wanted), self.page_size):
                    batch = ", ".join(_jql_value(i) for i in wanted[start : start + self.page_size])
                    more, more_people = self._fetch_issues(
                        api, f"({board}) AND id in ({batch})", fields, open_ids, categories,
                        progress, one_of_many=True,
                    )  # fmt: skip
                    issues += more
                    people |= more_people
            except _Rejected:
                # Jira refuses a JQL naming an issue that no longer exists: one was deleted
                # after the listing. List again and ask for the ones still there, once.
                if attempt:
                    raise
                progress.begin("listing", unit="issues")
                still = api.issue_ids(jql, progress)
                wanted = [ident for ident in wanted if ident in still]
                continue
            return issues, people
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_issues(
        self,
        api: _JiraApi,
        jql: str,
        fields: FieldIds,
        open_ids: set[int],
        categories: Mapping[str, StatusCategory],
        progress: Progress,
        *,
        one_of_many: bool = False,
    ) -> tuple[list[Issue], dict[str, Person]]:
        """`one_of_many`: this search is one batch of a larger download whose total the caller
        set, so Server's per-search `total` must not replace it."""
        wanted = list(_search_fields(fields))
        raws = list(
            api.search(
                jql,
                wanted,
                expand="changelog",
                page_size=self.page_size,
                progress=progress,
                page_totals=not one_of_many,
            )
        )
        # Long histories come cut short in search results; each needs its own paged requests.
        # They are independent, so a few run at once: on a 150 ms link that is the difference
        # between seconds and tens of seconds for a large board.
        truncated = [str(raw.get("key")) for raw in raws if changelog_is_truncated(raw)]
        full_histories: dict[str, list[Mapping[str, Any]]] = {}
        if truncated:
            phase = progress.read()
            progress.begin("", unit="long histories", total=len(truncated))
            # Daemon threads, not an executor: a process that exits does not wait for them.
            histories_by_key = map_abandonable(
                f"{self.name}-changelog", api.changelog, truncated, CHANGELOG_WORKERS
            )
            for key, histories in zip(truncated, histories_by_key, strict=True):
                full_histories[key] = histories
                progress.advance()
            # Back to counting issues where the search left off (a re-sync fetches in pages).
            progress.begin(phase.phase, unit=phase.unit, total=phase.total)
            progress.advance(phase.done)
        issues: list[Issue] = []
        people: dict[str, Person] = {}
        for raw in raws:
            histories = full_histories.get(str(raw.get("key")))
            issues.append(parse_issue(raw, fields, open_ids, histories, categories))
            person = parse_person((raw.get("fields") or {}).get("assignee"))
            if person is not None:
                people[person.id] = person
        return issues, people


def _search_fields(fields: FieldIds) -> tuple[str, ...]:
    """The fields every issue is read with; the snapshot keeps them as part of its basis."""
    extra = tuple(field for field in (fields.points, fields.flagged) if field)
    return (*SEARCH_FIELDS, fields.sprint, *extra)


def _reopen_sprint(issue: Issue, open_ids: set[int]) -> Issue:
    """Sprints start and close without touching their issues: recompute the open one."""
    current = [s for s in issue.sprint_ids if s in open_ids]
    sprint_id = current[-1] if current else None
    return (
        issue
        if issue.sprint_id == sprint_id
        else msgspec.structs.replace(issue, sprint_id=sprint_id)
    )


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _id_order(ident: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order (oldest issue first), anything else after them."""
    return (0, int(ident), "") if _is_number(ident) else (1, 0, ident)


def _jql_value(ident: str) -> str:
    """An id as a JQL value: digits as they are, anything else quoted."""
    if _is_number(ident):
        return ident
    return '"' + ident.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)


def _without_order(jql: str) -> str:
    return _ORDER_BY.sub("", jql).strip()


class _JiraApi:
    """Requests through python-jira's session, with our retries, errors and counting."""

    def __init__(
        self,
        source: JiraSource,
        token: Secret,
        cancel: threading.Event,
        meter: TrafficMeter,
        deadline: Deadline | None = None,
    ) -> None:
        from jira import JIRA

        self.source = source
        self.cancel = cancel
        self.meter = meter
        self.deadline = deadline
        self.cloud = True
        self._token = token
        auth: dict[str, Any] = (
            {"basic_auth": (source.email, token.reveal())}
            if source.email and source.deployment != "server"
            else {"token_auth": token.reveal()}
        )
        try:
            self.client = JIRA(
                server=source.url,
                get_server_info=False,
                max_retries=0,
                timeout=(source.timeouts.connect, source.timeouts.read),
                options={"check_update": False},
                **auth,
            )
        except Exception as exc:  # noqa: BLE001 - python-jira validates the URL in many ways
            raise SourceConfigError(
                f"{source.name}: cannot use `url` {source.url!r} ({type(exc).__name__}); "
                "expected e.g. https://acme.atlassian.net"
            ) from None
        session = self.client._session
        session.hooks["response"].append(self._count)

    def connect(self, cloud: bool) -> None:
        """Once the deployment is known: Cloud takes email + API token (Basic), Server/DC a
        personal access token (Bearer)."""
        from jira.client import TokenAuth

        self.cloud = cloud
        self.client.deploymentType = "Cloud" if cloud else "Server"
        if cloud:
            self.client._session.auth = (self.source.email, self._token.reveal())
        else:
            self.client._session.auth = TokenAuth(self._token.reveal())

    def _count(self, response: Any, *_args: Any, **_kwargs: Any) -> None:
        length = response.headers.get("Content-Length")
        self.meter.count(int(length) if length and length.isdigit() else len(response.content))

    # --- one request ------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        try:
            return self._get_retrying(path, params)
        except _Garbled as exc:
            self.meter.failed(exc, self.source.name)
            return self._get_retrying(path, params)  # once more; a second garble is final

    def _get_retrying(self, path: str, params: Mapping[str, Any] | None) -> Any:
        for attempt in stamina.retry_context(
            on=retry_backoff,
            attempts=self.source.retry.attempts,
            timeout=None,
            wait_initial=self.source.retry.wait_initial,
            wait_max=self.source.retry.wait_max,
            wait_jitter=self.source.retry.wait_jitter,
        ):
            with attempt:
                try:
                    answer = self._get_once(path, params)
                except SourceError as exc:
                    self.meter.failed(exc, self.source.name)
                    raise
                self.meter.succeeded()
                return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _cap_timeouts(self) -> None:
        # No request may outlive the deadline. The session is shared by the changelog threads,
        # but they all want the same cap (the time left), so a race changes nothing that matters.
        timeouts = self.source.timeouts
        if self.deadline is not None:
            self.client._session.timeout = (
                self.deadline.cap(timeouts.connect),
                self.deadline.cap(timeouts.read),
            )

    def _get_once(self, path: str, params: Mapping[str, Any] | None) -> Any:
        return self._request_once(path, params)

    def _request_once(
        self, path: str, params: Mapping[str, Any] | None, body: Mapping[str, Any] | None = None
    ) -> Any:
        """One GET, or a POST of `body` as JSON (for read-only endpoints that take a body)."""
        import requests
        from jira.exceptions import JIRAError

        if self.cancel.is_set():
            raise _Cancelled()
        url = f"{self.source.url}{path}"
        name = self.source.name
        self._cap_timeouts()
        try:
            if body is None:
                response = self.client._session.get(url, params=params)
            else:
                response = self.client._session.post(url, params=params, json=body)
        except JIRAError as exc:
            raise fit_to_deadline(
                _error_for(name, path, exc), self.deadline, name, "Jira"
            ) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:  # fmt: skip
            raise SourceConfigError(
                f"{name}: `url` {self.source.url!r} is not a valid Jira URL "
                f"({type(exc).__name__}); expected e.g. https://acme.atlassian.net"
            ) from None
        except requests.exceptions.Timeout:
            raise SourceUnreachable(f"{name}: Jira did not answer in time ({path})") from None
        except requests.exceptions.RequestException as exc:
            if _dropped_mid_answer(exc):
                raise SourceUnreachable(
                    f"{name}: Jira was reached, but the connection dropped in the middle of the "
                    f"answer from {path} ({dropped_answer(exc)})"
                ) from None
            raise SourceUnreachable(
                f"{name}: cannot reach {self.source.url}: "
                + (network_failure(exc) or f"the connection failed ({type(exc).__name__})")
            ) from None
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise _Garbled(
                f"{name}: the answer from {path} is not JSON; is {self.source.url} a Jira site?"
            ) from None

    # --- paged endpoints --------------------------------------------------------------

    def board(self, board_id: int) -> Mapping[str, Any]:
        try:
            board = self.get(f"{AGILE}/board/{board_id}")
        except _NotFound:
            raise SourceConfigError(
                f"{self.source.name}: board {board_id} does not exist or you cannot see it. "
                f"Boards you can see: {self._visible_boards()}"
            ) from None
        if not isinstance(board, Mapping):
            raise SourceBadResponse(f"{self.source.name}: the board answer is not an object")
        return board

    def _visible_boards(self) -> str:
        names = []
        start = 0
        while len(names) < 20:
            page = self.get(f"{AGILE}/board", {"startAt": start, "maxResults": 50})
            values = page.get("values", []) if isinstance(page, Mapping) else []
            names += [f"{b.get('id')} “{b.get('name')}”" for b in values]
            if page.get("isLast", True) or not values:
                break
            start += len(values)
        return ", ".join(names[:20]) or "none"

    def sprints(self, board_id: int) -> Iterator[Mapping[str, Any]]:
        start = 0
        while True:
            page = self.get(
                f"{AGILE}/board/{board_id}/sprint",
                {"state": "active,future,closed", "startAt": start, "maxResults": 50},
            )
            values = page.get("values") if isinstance(page, Mapping) else None
            if not isinstance(values, list):
                raise SourceBadResponse(f"{self.source.name}: the sprint list has no values")
            yield from values
            if page.get("isLast", True) or not values:
                return
            start += len(values)

    def filter_jql(self, config: Mapping[str, Any]) -> str:
        filter_ref = config.get("filter") if isinstance(config, Mapping) else None
        if not isinstance(filter_ref, Mapping) or not filter_ref.get("id"):
            return f"project = {self._project_of(config)} ORDER BY Rank ASC"
        found = self.get(f"/rest/api/2/filter/{filter_ref['id']}")
        jql = found.get("jql") if isinstance(found, Mapping) else None
        if not jql:
            raise SourceBadResponse(f"{self.source.name}: the board's filter has no JQL")
        return str(jql)

    def _project_of(self, config: Mapping[str, Any]) -> str:
        location = config.get("location") if isinstance(config, Mapping) else None
        key = (
            location.get("projectKeyOrId") or location.get("key")
            if isinstance(location, Mapping)
            else None
        )
        if not key:
            raise SourceConfigError(
                f"{self.source.name}: the board has no filter; "
                f"set `jql` in [sources.{self.source.name}]"
            )
        return str(key)

    def search(
        self,
        jql: str,
        fields: list[str],
        *,
        expand: str = "",
        page_size: int = 100,
        progress: Progress | None = None,
        page_totals: bool = True,
    ) -> Iterator[Mapping[str, Any]]:
        """Every issue the JQL matches, however many, in the deployment's paging style.
        `progress` counts the issues page by page (with Server's `total`, unless
        `page_totals` is off because this search is one batch of a larger count)."""
        if self.cloud:
            token: str | None = None
            while True:
                params: dict[str, Any] = {"jql": jql, "maxResults": page_size, "fields": fields}
                if expand:
                    params["expand"] = expand
                if token:
                    params["nextPageToken"] = token
                page = self.get("/rest/api/3/search/jql", params)
                issues = _issues_of(page, self.source.name)
                if progress is not None:
                    progress.advance(len(issues))
                yield from issues
                token = page.get("nextPageToken")
                if not token or page.get("isLast") is True:
                    return
        start = 0
        while True:
            params = {"jql": jql, "startAt": start, "maxResults": page_size,
                      "fields": ",".join(fields)}  # fmt: skip
            if expand:
                params["expand"] = expand
            page = self.get("/rest/api/2/search", params)
            issues = _issues_of(page, self.source.name)
            total = page.get("total")
            if progress is not None:
                known = total if page_totals and isinstance(total, int) else None
                progress.advance(len(issues), total=known)
            yield from issues
            start += len(issues)
            if not issues or not isinstance(total, int) or start >= total:
                return

    def issue_ids(self, jql: str, progress: Progress | None = None) -> set[str]:
        """The ids of every issue the JQL matches: nothing else, so the pages stay tiny."""
        size = ID_PAGE_SIZE_CLOUD if self.cloud else ID_PAGE_SIZE_SERVER
        return {
            str(raw.get("id") or raw.get("key"))
            for raw in self.search(jql, ["id"], page_size=size, progress=progress)
        }

    def updated_of(self, jql: str) -> dict[str, datetime | None]:
        """`updated` of every issue the JQL matches, by id: what tells a changed issue."""
        name = self.source.name
        return {
            str(raw.get("id") or raw.get("key")): parse_time(
                (raw.get("fields") or {}).get("updated"), f"{name}: {raw.get('key')} updated"
            )
            for raw in self.search(jql, ["updated"], page_size=self.source.page_size)
        }

    def count_in_background(self, jql: str, deliver: Callable[[int], None]) -> None:
        """Cloud's approximate count of the issues a JQL matches, handed to `deliver` when it
        comes, from a daemon thread. Only for showing progress: one attempt, and a failure
        (an older site without the endpoint, a rate limit) just means no total is shown."""

        def work() -> None:
            try:
                answer = self._request_once(
                    "/rest/api/3/search/approximate-count", None, {"jql": _without_order(jql)}
                )
            except (SourceError, _Cancelled):
                return
            count = answer.get("count") if isinstance(answer, Mapping) else None
            if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
                deliver(count)

        threading.Thread(target=work, name=f"{self.source.name}-count", daemon=True).start()

    def changelog(self, key: str) -> list[Mapping[str, Any]]:
        """All of an issue's history, when the search embedded only the first page of it."""
        histories: list[Mapping[str, Any]] = []
        start = 0
        while True:
            page = self.get(
                f"/rest/api/3/issue/{key}/changelog", {"startAt": start, "maxResults": 100}
            )
            values = page.get("values") if isinstance(page, Mapping) else None
            if not isinstance(values, list):
                raise SourceBadResponse(
                    f"{self.source.name}: the changelog of {clean_line(key)} has no values"
                )
            histories += values
            start += len(values)
            total = page.get("total")
            if (
                page.get("isLast", True)
                or not values
                or (isinstance(total, int) and start >= total)
            ):
                return histories


def _object_of(answer: Any, source: str = "", what: str = "") -> Mapping[str, Any]:
    """`answer` when it is a JSON object. Without `what`, anything else reads as an empty
    object (an optional part); with it, it is a bad response naming the endpoint."""
    if isinstance(answer, Mapping):
        return answer
    if not what:
        return {}
    raise SourceBadResponse(f"{source}: the {what} answer is not an object; is this a Jira site?")


def _issues_of(page: Any, source: str) -> list[Mapping[str, Any]]:
    issues = page.get("issues") if isinstance(page, Mapping) else None
    if not isinstance(issues, list):
        raise SourceBadResponse(f"{source}: a search answer has no issues list")
    if not all(isinstance(issue, Mapping) for issue in issues):
        raise SourceBadResponse(f"{source}: a search answer has an issue that is not an object")
    return issues


def _dropped_mid_answer(exc: Exception) -> bool:
    """The server was reached and began (or was about to begin) answering, then the connection
    broke: a body shorter than its Content-Length, or a connection closed before the status."""
    import requests
    from urllib3.exceptions import ProtocolError

    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return True
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, ProtocolError)


def _error_for(source: str, path: str, exc: Any) -> SourceError:
    """JIRAError → our errors. Never str(exc): python-jira puts request headers in it."""
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    if status == 401:
        return SourceAuthError(
            f"{source}: Jira rejected the credentials (401): run `cockpit auth set {source}`"
        )
    if status == 403:
        return SourceAuthError(
            f"{source}: Jira refused access to {path} (403): the account lacks permission"
        )
    if status in (429, 503) and (status == 429 or "Retry-After" in headers):
        wait = _parse_retry_after(headers.get("Retry-After"))
        return SourceRateLimited(
            f"{source}: Jira is rate limiting requests ({status})"
            + (f"; it asked to wait {wait:.0f}s" if wait is not None else ""),
            retry_after=wait,
        )
    if status == 404:
        return _NotFound(f"{source}: Jira has no {path} (404)")
    if status == 410:
        return SourceBadResponse(f"{source}: Jira has removed {path} (410)")
    if status == 400:
        return _Rejected(f"{source}: Jira answered 400 on {path}")
    if isinstance(status, int) and status >= 500:
        return SourceUnreachable(f"{source}: Jira failed ({status}) on {path}")
    return SourceBadResponse(f"{source}: Jira answered {status} on {path}")
