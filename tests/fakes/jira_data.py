"""A generated, deterministic Jira site for `FakeJira`: one scrum board with sprints and issues.

The shapes copy real Jira Cloud and Server/Data Center payloads: recorded samples (test data of
ankitpokhrel/jira-cli (pkg/jira/testdata/), MIT, (c) Ankit Pokhrel; the ones the tests read are
in `tests/fixtures/jira/`) and the Jira REST and Agile APIs' documented behaviour.

`make_board(now=...)` builds the site: board 42 ("MLP board", project MLP, filter
`project = MLP ORDER BY Rank ASC`), `closed_sprints` closed sprints, one active and one future
sprint, a team spread over several time zones, and `issues` issues (a few epics first, then
stories, tasks and bugs: most in the backlog, some in each sprint) with changelogs that a
burndown can be rebuilt from: sprint membership, status and estimate changes.

Traps that real sites have and the fake keeps on purpose:

* the board's estimation field is `points_field` (default `customfield_10016`, "Story point
  estimate"), but the site also has a "Story Points" field (`customfield_10026`, empty on Cloud)
  and an "Original story points" decoy (`customfield_10111`, the first estimate);
* an issue carried over from one sprint to the next keeps both in its Sprint field, and an issue
  sent back to the backlog keeps the closed sprint;
* one sprint goal contains a comma, which breaks naive parsing of Server's Sprint strings;
* some issues (`JiraBoardData.noisy_keys`) have more than 40 histories, so the changelog embedded
  in a Cloud search page is truncated;
* timestamps come in the site's zone (Europe/Berlin), like `2026-11-20T14:05:20.974+0100`.

Everything is stored once, in a deployment-neutral form, and rendered per deployment: the
server decides whether the Sprint field is a list of objects (Cloud) or of Java `toString`
strings (Server), and whether users carry an `accountId` (Cloud) or a `name` (Server).

Mutations for incremental-sync tests: `touch(key, now, status=..., points=..., sprint=...)`,
`create(now, summary=...)`, `delete(key)`, `move_out_of_board(key, now)`; each bumps
`version`, which the server uses to drop its cached query results.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("Europe/Berlin")  # the zone of timestamps and of dates in JQL
BOARD_ID = 42
OTHER_BOARD_ID = 7  # a kanban board of another project, so board filters have work to do
FILTER_ID = 10040
PROJECT_ID, PROJECT_KEY, PROJECT_NAME = "10000", "MLP", "ML Platform"
OTHER_PROJECT_ID, OTHER_PROJECT_KEY, OTHER_PROJECT_NAME = "10001", "OPS", "Operations"
BOARD_JQL = f"project = {PROJECT_KEY} ORDER BY Rank ASC"

RANK_FIELD = "customfield_10019"
SPRINT_FIELD = "customfield_10020"
FLAGGED_FIELD = "customfield_10021"
EPIC_LINK_FIELD = "customfield_10014"  # Server only; Cloud uses `parent`
STORY_POINT_ESTIMATE_FIELD = "customfield_10016"
STORY_POINTS_FIELD = "customfield_10026"
ORIGINAL_POINTS_FIELD = "customfield_10111"
JSW_STORY_POINTS = "com.pyxis.greenhopper.jira:jsw-story-points"
FLOAT_TYPE = "com.atlassian.jira.plugin.system.customfieldtypes:float"

SPRINT_LENGTH = timedelta(days=14)
POINT_VALUES = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0)
NOISY_HISTORIES = 48  # > 40, the size of the changelog embedded in a Cloud search page

CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}


@dataclass(frozen=True, slots=True)
class Status:
    id: str
    name: str
    category: str  # "new", "indeterminate" or "done": statusCategory.key


STATUSES: dict[str, Status] = {
    s.name: s
    for s in (
        Status("10000", "To Do", "new"),
        Status("3", "In Progress", "indeterminate"),
        Status("10001", "In Review", "indeterminate"),
        Status("10002", "Done", "done"),
    )
}
ISSUE_TYPES: dict[str, tuple[str, int]] = {  # name → (id, hierarchyLevel)
    "Epic": ("10000", 1),
    "Story": ("10001", 0),
    "Task": ("10002", 0),
    "Bug": ("10004", 0),
}
PRIORITIES: dict[str, str] = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4"}
LABELS = ("training", "eval", "data", "infra", "inference", "tech-debt")


@dataclass(frozen=True, slots=True)
class User:
    account_id: str  # Cloud identity
    name: str  # Server username
    key: str  # Server user key
    display_name: str
    email: str
    time_zone: str


@dataclass(slots=True)
class Sprint:
    id: int
    name: str
    state: str  # "closed", "active" or "future"
    board_id: int
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None
    created: datetime | None = None
    activated: datetime | None = None


@dataclass(slots=True)
class History:
    id: int
    author: str  # account id
    created: datetime
    items: list[dict[str, Any]]  # Cloud form; the renderer adapts them to Server


@dataclass(eq=False, slots=True)
class IssueRecord:
    id: int
    key: str
    project: str  # project key
    rank: int
    summary: str
    issue_type: str
    status: str
    priority: str
    reporter: str
    created: datetime
    updated: datetime
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    resolved: datetime | None = None
    points: float | None = None
    original_points: float | None = None
    sprint_ids: list[int] = field(default_factory=list)
    flagged: bool = False
    epic: str | None = None  # the epic's key
    histories: list[History] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)  # the server's rendered fragments

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


def jira_time(moment: datetime) -> str:
    """`2026-11-20T14:05:20.974+0100`: Jira's REST timestamp, in the site's zone."""
    local = moment.astimezone(SITE_TZ)
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + (local.strftime("%z"))
    )


def agile_time(moment: datetime, deployment: str) -> str:
    """Sprint dates: `2020-11-15T05:39:24.463Z` on Cloud, `...+01:00` on Server."""
    if deployment == "Cloud":
        utc = moment.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    local = moment.astimezone(SITE_TZ)
    return local.isoformat(timespec="milliseconds")


def points_text(points: float | None) -> str | None:
    if points is None:
        return None
    return str(int(points)) if float(points).is_integer() else str(points)


class JiraBoardData:
    """An in-memory Jira site. Build one with `make_board`; hand it to `FakeJira`."""

    def __init__(self, *, now: datetime, points_field: str | None, deployment: str) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if deployment not in ("Cloud", "Server"):
            raise ValueError(f"deployment must be 'Cloud' or 'Server', not {deployment!r}")
        self.now = now.astimezone(UTC)
        self.points_field = points_field
        self.deployment = deployment
        self.lock = threading.RLock()
        self.version = 0  # bumped by every mutation
        self.users: list[User] = []
        self.lead: User | None = None
        self.sprints: list[Sprint] = []
        self.issues: dict[str, IssueRecord] = {}  # by key, in creation order
        self.aliases: dict[str, str] = {}  # old key → current key, after a move
        self.noisy_keys: list[str] = []
        self.boards: list[dict[str, Any]] = [
            {"id": BOARD_ID, "name": "MLP board", "type": "scrum", "project": PROJECT_KEY},
            {"id": OTHER_BOARD_ID, "name": "OPS board", "type": "kanban", "project": "OPS"},
        ]
        self._next_issue_id = 10001
        self._next_history_id = 10000
        self._next_number: dict[str, int] = {PROJECT_KEY: 1, OTHER_PROJECT_KEY: 1}

    # --- look-ups -----------------------------------------------------------------------

    def user(self, account_id: str | None) -> User | None:
        if account_id is None:
            return None
        for user in self.users:
            if account_id in (user.account_id, user.name):
                return user
        raise KeyError(account_id)

    def sprint(self, sprint_id: int) -> Sprint | None:
        for sprint in self.sprints:
            if sprint.id == sprint_id:
                return sprint
        return None

    @property
    def active_sprint(self) -> Sprint | None:
        return next((s for s in self.sprints if s.state == "active"), None)

    @property
    def future_sprint(self) -> Sprint | None:
        return next((s for s in self.sprints if s.state == "future"), None)

    @property
    def closed_sprints(self) -> list[Sprint]:
        return [s for s in self.sprints if s.state == "closed"]

    def issue(self, key_or_id: str) -> IssueRecord | None:
        """The issue by key (following moves, as Jira does) or by numeric id."""
        key = key_or_id.upper()
        key = self.aliases.get(key, key)
        record = self.issues.get(key)
        if record is None and key_or_id.isdigit():
            record = next((r for r in self.issues.values() if r.id == int(key_or_id)), None)
        return record

    def board_issues(self) -> list[IssueRecord]:
        return sorted(
            (r for r in self.issues.values() if r.project == PROJECT_KEY), key=lambda r: r.rank
        )

    @property
    def points_field_name(self) -> str | None:
        if self.points_field is None:
            return None
        return _points_field_names().get(self.points_field, "Story Points")

    # --- mutations ----------------------------------------------------------------------

    def touch(
        self, key: str, now: datetime, *, author: str | None = None, **changes: Any
    ) -> IssueRecord:
        """Change fields of an issue as a user would: a changelog history, a new `updated`.

        Accepted changes: `summary`, `status` (a status name), `points` (number or None),
        `sprint` (the open sprint id, or None for the backlog; closed sprints are kept),
        `sprints` (the whole list), `assignee` (account id or None), `labels`, `flagged`,
        `priority`, `issue_type`. With no changes only `updated` moves (a comment, say).
        """
        with self.lock:
            record = self.issue(key)
            if record is None:
                raise KeyError(key)
            now = self._advance(now)
            items: list[dict[str, Any]] = []
            for name, value in changes.items():
                method = getattr(self, f"_change_{name}", None)
                if method is None:
                    raise TypeError(f"touch() cannot change {name!r}")
                items.extend(method(record, value, now))
            if items:
                self._add_history(record, author or self._author(), now, items)
            record.updated = now
            self._changed(record)
            return record

    def create(
        self,
        now: datetime,
        *,
        summary: str,
        issue_type: str = "Story",
        status: str = "To Do",
        points: float | None = None,
        sprint: int | None = None,
        assignee: str | None = None,
        labels: Sequence[str] = (),
        epic: str | None = None,
    ) -> str:
        """A new issue at the bottom of the backlog (or in `sprint`); returns its key."""
        with self.lock:
            now = self._advance(now)
            record = self._new_record(
                summary=summary,
                issue_type=issue_type,
                created=now,
                reporter=self._author(),
                rank=max((r.rank for r in self.issues.values()), default=0) + 1,
            )
            record.status = status
            record.points = record.original_points = points
            record.assignee = assignee
            record.labels = list(labels)
            record.epic = epic
            if STATUSES[status].category == "done":
                record.resolved = now
            if sprint is not None:
                self._add_history(
                    record, self._author(), now, self._change_sprint(record, sprint, now)
                )
            self._changed(record)
            return record.key

    def delete(self, key: str) -> None:
        with self.lock:
            record = self.issue(key)
            if record is None:
                raise KeyError(key)
            del self.issues[record.key]
            for old in [old for old, new in self.aliases.items() if new == record.key]:
                del self.aliases[old]
            self._changed(record)

    def move_out_of_board(self, key: str, now: datetime | None = None) -> str:
        """Move the issue to project OPS, as Jira's "Move" does: a new key, the old one still
        resolves (GET issue, `key = OLD` in JQL), and `project = MLP` no longer matches.
        Returns the new key."""
        with self.lock:
            record = self.issue(key)
            if record is None:
                raise KeyError(key)
            now = self._advance(now or self.now)
            old_key = record.key
            new_key = f"{OTHER_PROJECT_KEY}-{self._take_number(OTHER_PROJECT_KEY)}"
            items = [
                _item("project", "jira", "project", PROJECT_ID, PROJECT_NAME)
                | {"to": OTHER_PROJECT_ID, "toString": OTHER_PROJECT_NAME},
                _item("Key", "jira", "issuekey", None, old_key) | {"toString": new_key},
            ]
            self._add_history(record, self._author(), now, items)
            del self.issues[old_key]
            record.key, record.project, record.updated = new_key, OTHER_PROJECT_KEY, now
            self.issues[new_key] = record
            self.aliases[old_key] = new_key
            for old, target in list(self.aliases.items()):
                if target == old_key:
                    self.aliases[old] = new_key
            self._changed(record)
            return new_key

    def set_now(self, now: datetime) -> None:
        """Move the site's clock (serverTime, relative JQL dates such as `-15m`)."""
        with self.lock:
            self.now = now.astimezone(UTC)
            self.version += 1

    # --- change helpers (touch) -----------------------------------------------------------

    def _change_summary(self, record: IssueRecord, value: str, now: datetime) -> list[dict]:
        item = _item("summary", "jira", "summary", None, record.summary) | {"toString": value}
        record.summary = value
        return [item]

    def _change_status(self, record: IssueRecord, value: str, now: datetime) -> list[dict]:
        old, new = STATUSES[record.status], STATUSES[value]
        items = [_item("status", "jira", "status", old.id, old.name, new.id, new.name)]
        if new.category == "done" and old.category != "done":
            items.append(_item("resolution", "jira", "resolution", None, None, "10000", "Done"))
            record.resolved = now
        elif old.category == "done" and new.category != "done":
            items.append(_item("resolution", "jira", "resolution", "10000", "Done", None, None))
            record.resolved = None
        record.status = value
        return items

    def _change_points(self, record: IssueRecord, value: float | None, now: datetime) -> list:
        old, record.points = record.points, None if value is None else float(value)
        if self.points_field is None:
            return []
        name = self.points_field_name
        return [
            _item(name, "custom", self.points_field, None, points_text(old))
            | {"toString": points_text(record.points)}
        ]

    def _change_sprint(self, record: IssueRecord, value: int | None, now: datetime) -> list:
        kept = [i for i in record.sprint_ids if (s := self.sprint(i)) and s.state == "closed"]
        return self._change_sprints(record, [*kept, *([] if value is None else [value])], now)

    def _change_sprints(self, record: IssueRecord, value: Iterable[int], now: datetime) -> list:
        new = sorted(set(value))
        for sprint_id in new:
            if self.sprint(sprint_id) is None:
                raise KeyError(f"no sprint {sprint_id}")
        item = self._sprint_item(record.sprint_ids, new)
        record.sprint_ids = new
        return [item]

    def _change_assignee(self, record: IssueRecord, value: str | None, now: datetime) -> list:
        old, new = self.user(record.assignee), self.user(value)
        record.assignee = None if new is None else new.account_id
        return [
            _item(
                "assignee",
                "jira",
                "assignee",
                old and old.account_id,
                old and old.display_name,
                new and new.account_id,
                new and new.display_name,
            )
        ]

    def _change_labels(self, record: IssueRecord, value: Iterable[str], now: datetime) -> list:
        old, record.labels = record.labels, list(value)
        return [
            _item("labels", "jira", "labels", None, " ".join(old))
            | {"toString": " ".join(record.labels)}
        ]

    def _change_flagged(self, record: IssueRecord, value: bool, now: datetime) -> list:
        was, record.flagged = record.flagged, bool(value)
        if was == record.flagged:
            return []
        return [_flag_item(record.flagged)]

    def _change_priority(self, record: IssueRecord, value: str, now: datetime) -> list:
        old, record.priority = record.priority, value
        return [
            _item("priority", "jira", "priority", PRIORITIES[old], old, PRIORITIES[value], value)
        ]

    def _change_issue_type(self, record: IssueRecord, value: str, now: datetime) -> list:
        old, record.issue_type = record.issue_type, value
        return [
            _item("issuetype", "jira", "issuetype", ISSUE_TYPES[old][0], old, ISSUE_TYPES[value][0])
            | {"toString": value}
        ]

    # --- internals ------------------------------------------------------------------------

    def _advance(self, now: datetime) -> datetime:
        now = now.astimezone(UTC)
        self.now = max(self.now, now)
        return now

    def _author(self) -> str:
        assert self.lead is not None
        return self.lead.account_id

    def _changed(self, record: IssueRecord) -> None:
        self.version += 1
        record.cache.clear()
        if record.issue_type == "Epic":  # children embed the epic in `parent`
            for child in self.issues.values():
                if child.epic in (record.key, *self._old_keys(record.key)):
                    child.cache.clear()

    def _old_keys(self, key: str) -> list[str]:
        return [old for old, new in self.aliases.items() if new == key]

    def _take_number(self, project: str) -> int:
        number = self._next_number[project]
        self._next_number[project] = number + 1
        return number

    def _new_record(
        self, *, summary: str, issue_type: str, created: datetime, reporter: str, rank: int
    ) -> IssueRecord:
        key = f"{PROJECT_KEY}-{self._take_number(PROJECT_KEY)}"
        record = IssueRecord(
            id=self._next_issue_id,
            key=key,
            project=PROJECT_KEY,
            rank=rank,
            summary=summary,
            issue_type=issue_type,
            status="To Do",
            priority="Medium",
            reporter=reporter,
            created=created,
            updated=created,
        )
        self._next_issue_id += 1
        self.issues[key] = record
        return record

    def _add_history(
        self, record: IssueRecord, author: str, at: datetime, items: list[dict[str, Any]]
    ) -> None:
        record.histories.append(History(self._next_history_id, author, at, items))
        self._next_history_id += 1
        record.updated = max(record.updated, at)

    def _sprint_item(self, old: Sequence[int], new: Sequence[int]) -> dict[str, Any]:
        def names(ids: Sequence[int]) -> str:
            return ", ".join(s.name for i in ids if (s := self.sprint(i)))

        def ids_text(ids: Sequence[int]) -> str:
            return ", ".join(str(i) for i in ids)

        return _item(
            "Sprint", "custom", SPRINT_FIELD, ids_text(old), names(old), ids_text(new), names(new)
        )

    # --- rendering (called by the server, which caches the JSON) ---------------------------

    def render_user(self, account_id: str | None, deployment: str, base: str) -> Any:
        user = self.user(account_id)
        if user is None:
            return None
        avatars = {
            size: f"https://avatar.example/{user.name}?s={px}"
            for size, px in (("48x48", 48), ("24x24", 24), ("16x16", 16), ("32x32", 32))
        }
        if deployment == "Cloud":
            return {
                "self": f"{base}/rest/api/2/user?accountId={user.account_id}",
                "accountId": user.account_id,
                "avatarUrls": avatars,
                "displayName": user.display_name,
                "active": True,
                "timeZone": user.time_zone,
                "accountType": "atlassian",
            }
        return {
            "self": f"{base}/rest/api/2/user?username={user.name}",
            "name": user.name,
            "key": user.key,
            "emailAddress": user.email,
            "avatarUrls": avatars,
            "displayName": user.display_name,
            "active": True,
            "timeZone": user.time_zone,
        }

    def render_status(self, name: str, base: str) -> dict[str, Any]:
        status = STATUSES[name]
        cat_id, cat_name, colour = CATEGORIES[status.category]
        return {
            "self": f"{base}/rest/api/2/status/{status.id}",
            "description": "",
            "iconUrl": f"{base}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {
                "self": f"{base}/rest/api/2/statuscategory/{cat_id}",
                "id": cat_id,
                "key": status.category,
                "colorName": colour,
                "name": cat_name,
            },
        }

    def render_sprint(self, sprint: Sprint, deployment: str, base: str) -> dict[str, Any]:
        """A sprint as the Agile API returns it (`/board/{id}/sprint`, `/sprint/{id}`)."""
        out: dict[str, Any] = {
            "id": sprint.id,
            "self": f"{base}/rest/agile/1.0/sprint/{sprint.id}",
            "state": sprint.state,
            "name": sprint.name,
        }
        if sprint.start is not None and sprint.end is not None:
            out["startDate"] = agile_time(sprint.start, deployment)
            out["endDate"] = agile_time(sprint.end, deployment)
        if sprint.complete is not None:
            out["completeDate"] = agile_time(sprint.complete, deployment)
        if deployment == "Cloud" and sprint.created is not None:
            out["createdDate"] = agile_time(sprint.created, deployment)
        if deployment != "Cloud" and sprint.activated is not None:
            out["activatedDate"] = agile_time(sprint.activated, deployment)
        out["originBoardId"] = sprint.board_id
        out["goal"] = sprint.goal
        return out

    def render_sprint_field(self, sprint_ids: Sequence[int], deployment: str) -> Any:
        """The Sprint custom field: objects on Cloud, Java `toString` strings on Server."""
        sprints = [s for i in sprint_ids if (s := self.sprint(i)) is not None]
        if not sprints:
            return None
        if deployment == "Cloud":
            out = []
            for s in sprints:
                one: dict[str, Any] = {
                    "id": s.id,
                    "name": s.name,
                    "state": s.state,
                    "boardId": s.board_id,
                    "goal": s.goal,
                }
                if s.start is not None and s.end is not None:
                    one["startDate"] = agile_time(s.start, "Cloud")
                    one["endDate"] = agile_time(s.end, "Cloud")
                if s.complete is not None:
                    one["completeDate"] = agile_time(s.complete, "Cloud")
                out.append(one)
            return out
        return [_sprint_to_string(s) for s in sprints]

    def render_epic_agile(self, record: IssueRecord, base: str) -> dict[str, Any] | None:
        epic = self.issue(record.epic) if record.epic else None
        if epic is None:
            return None
        return {
            "id": epic.id,
            "key": epic.key,
            "self": f"{base}/rest/agile/1.0/epic/{epic.id}",
            "name": epic.summary,
            "summary": epic.summary,
            "color": {"key": "color_4"},
            "done": STATUSES[epic.status].category == "done",
        }

    def render_fields(
        self, record: IssueRecord, deployment: str, base: str, api: str
    ) -> dict[str, Any]:
        """Every field of the issue (`fields=*all`), for REST API version `api` ("2" or "3")."""
        issue_type_id, level = ISSUE_TYPES[record.issue_type]
        description = f"{record.summary}. Generated by the fake Jira."
        fields: dict[str, Any] = {
            "statuscategorychangedate": jira_time(record.updated),
            "issuetype": {
                "self": f"{base}/rest/api/2/issuetype/{issue_type_id}",
                "id": issue_type_id,
                "description": "",
                "iconUrl": f"{base}/images/icons/issuetypes/{record.issue_type.lower()}.svg",
                "name": record.issue_type,
                "subtask": False,
                "hierarchyLevel": level,
            },
            "project": {
                "self": f"{base}/rest/api/2/project/{_project_id(record.project)}",
                "id": _project_id(record.project),
                "key": record.project,
                "name": _project_name(record.project),
                "projectTypeKey": "software",
                "simplified": False,
            },
            "resolution": None
            if record.resolved is None
            else {
                "self": f"{base}/rest/api/2/resolution/10000",
                "id": "10000",
                "description": "Work has been completed on this issue.",
                "name": "Done",
            },
            "resolutiondate": None if record.resolved is None else jira_time(record.resolved),
            "created": jira_time(record.created),
            "updated": jira_time(record.updated),
            "priority": {
                "self": f"{base}/rest/api/2/priority/{PRIORITIES[record.priority]}",
                "iconUrl": f"{base}/images/icons/priorities/{record.priority.lower()}.svg",
                "name": record.priority,
                "id": PRIORITIES[record.priority],
            },
            "labels": list(record.labels),
            "assignee": self.render_user(record.assignee, deployment, base),
            "reporter": self.render_user(record.reporter, deployment, base),
            "status": self.render_status(record.status, base),
            "summary": record.summary,
            "description": description if api == "2" else _adf(description),
            "issuelinks": [],
            "subtasks": [],
            "fixVersions": [],
            "watches": {
                "self": f"{base}/rest/api/2/issue/{record.key}/watchers",
                "watchCount": 1,
                "isWatching": False,
            },
            "timespent": None,
            RANK_FIELD: f"0|i{record.rank:05x}:",
            SPRINT_FIELD: self.render_sprint_field(record.sprint_ids, deployment),
            FLAGGED_FIELD: [
                {
                    "self": f"{base}/rest/api/2/customFieldOption/10019",
                    "value": "Impediment",
                    "id": "10019",
                }
            ]
            if record.flagged
            else None,
            ORIGINAL_POINTS_FIELD: record.original_points,
        }
        for field_id in _points_field_names():
            if deployment == "Cloud" or field_id == self.points_field:
                fields[field_id] = None
        if self.points_field is not None:
            fields[self.points_field] = record.points
        epic = self.issue(record.epic) if record.epic else None
        if deployment == "Cloud":
            if epic is not None:
                fields["parent"] = {
                    "id": str(epic.id),
                    "key": epic.key,
                    "self": f"{base}/rest/api/{api}/issue/{epic.id}",
                    "fields": {
                        "summary": epic.summary,
                        "status": self.render_status(epic.status, base),
                        "priority": {"name": epic.priority, "id": PRIORITIES[epic.priority]},
                        "issuetype": {
                            "id": ISSUE_TYPES["Epic"][0],
                            "name": "Epic",
                            "hierarchyLevel": 1,
                        },
                    },
                }
        else:
            fields[EPIC_LINK_FIELD] = None if epic is None else epic.key
        return fields

    def render_agile_fields(self, record: IssueRecord, deployment: str, base: str) -> dict:
        """Fields the Agile issue lists add: sprint, closedSprints, flagged, epic."""
        open_sprints = [
            s for i in record.sprint_ids if (s := self.sprint(i)) and s.state != "closed"
        ]
        closed = [s for i in record.sprint_ids if (s := self.sprint(i)) and s.state == "closed"]
        out: dict[str, Any] = {"flagged": record.flagged}
        if open_sprints:
            out["sprint"] = self.render_sprint(open_sprints[0], deployment, base)
        if closed:
            out["closedSprints"] = [self.render_sprint(s, deployment, base) for s in closed]
        out["epic"] = self.render_epic_agile(record, base)
        return out

    def render_history(self, history: History, deployment: str, base: str) -> dict[str, Any]:
        items = []
        for item in history.items:
            item = dict(item)
            if deployment != "Cloud":
                item.pop("fieldId", None)
                if item["field"] == "assignee":  # Server identifies users by name
                    for end in ("from", "to"):
                        if item[end] is not None:
                            item[end] = self.user(item[end]).name  # type: ignore[union-attr]
            items.append(item)
        return {
            "id": str(history.id),
            "author": self.render_user(history.author, deployment, base),
            "created": jira_time(history.created),
            "items": items,
        }

    def field_definitions(self, deployment: str) -> list[dict[str, Any]]:
        """`GET /rest/api/2/field`: system fields, the agile custom fields, estimate fields."""

        def system(fid: str, name: str, clauses: list[str], schema: dict[str, Any], **kw: Any):
            return {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": kw.get("orderable", True),
                "navigable": True,
                "searchable": True,
                "clauseNames": clauses,
                "schema": schema,
            }

        def custom(fid: str, name: str, schema_type: str, custom_type: str, **kw: Any):
            number = int(fid.split("_")[1])
            schema: dict[str, Any] = {"type": schema_type}
            if "items" in kw:
                schema["items"] = kw["items"]
            schema |= {"custom": custom_type, "customId": number}
            return {
                "id": fid,
                "key": fid,
                "name": name,
                "untranslatedName": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{number}]", name],
                "schema": schema,
            }

        out = [
            system("issuekey", "Key", ["id", "issue", "issuekey", "key"], {}, orderable=False),
            system("summary", "Summary", ["summary"], {"type": "string", "system": "summary"}),
            system("status", "Status", ["status"], {"type": "status", "system": "status"}),
            system("assignee", "Assignee", ["assignee"], {"type": "user", "system": "assignee"}),
            system("reporter", "Reporter", ["reporter"], {"type": "user", "system": "reporter"}),
            system(
                "issuetype",
                "Issue Type",
                ["issuetype", "type"],
                {"type": "issuetype", "system": "issuetype"},
            ),
            system(
                "priority", "Priority", ["priority"], {"type": "priority", "system": "priority"}
            ),
            system(
                "labels",
                "Labels",
                ["labels"],
                {"type": "array", "items": "string", "system": "labels"},
            ),
            system(
                "created",
                "Created",
                ["created", "createdDate"],
                {"type": "datetime", "system": "created"},
                orderable=False,
            ),
            system(
                "updated",
                "Updated",
                ["updated", "updatedDate"],
                {"type": "datetime", "system": "updated"},
                orderable=False,
            ),
            system(
                "resolutiondate",
                "Resolved",
                ["resolutiondate", "resolved"],
                {"type": "datetime", "system": "resolutiondate"},
                orderable=False,
            ),
            system(
                "resolution",
                "Resolution",
                ["resolution"],
                {"type": "resolution", "system": "resolution"},
            ),
            system("project", "Project", ["project"], {"type": "project", "system": "project"}),
            system(
                "description",
                "Description",
                ["description"],
                {"type": "string", "system": "description"},
            ),
            # Two entries straight from samples/jira/fields.json.
            {
                "id": "fixVersions",
                "name": "Fix Version/s",
                "custom": False,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": ["fixVersion"],
                "schema": {"type": "array", "items": "version", "system": "fixVersions"},
            },
            {
                "id": "timespent",
                "key": "timespent",
                "name": "Time Spent",
                "custom": False,
                "orderable": False,
                "navigable": True,
                "searchable": False,
                "clauseNames": ["timespent"],
                "schema": {"type": "number", "system": "timespent"},
            },
            custom(RANK_FIELD, "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
            custom(
                SPRINT_FIELD,
                "Sprint",
                "array",
                "com.pyxis.greenhopper.jira:gh-sprint",
                items="json",
            ),
            custom(
                FLAGGED_FIELD,
                "Flagged",
                "array",
                "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
                items="option",
            ),
            custom(
                ORIGINAL_POINTS_FIELD,
                "Original story points",
                "number",
                "com.atlassian.jpo:jpo-custom-field-original-story-points",
            ),
        ]
        if deployment == "Cloud":
            out.append(
                system("parent", "Parent", ["parent"], {"type": "issuelink", "system": "parent"})
            )
            out.append(
                custom(
                    STORY_POINT_ESTIMATE_FIELD, "Story point estimate", "number", JSW_STORY_POINTS
                )
            )
            out.append(custom(STORY_POINTS_FIELD, "Story Points", "number", FLOAT_TYPE))
        else:
            out.append(
                custom(
                    EPIC_LINK_FIELD, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link"
                )
            )
        known = {f["id"] for f in out}
        if self.points_field is not None and self.points_field not in known:
            name = self.points_field_name or "Story Points"
            kind = JSW_STORY_POINTS if name == "Story point estimate" else FLOAT_TYPE
            out.append(custom(self.points_field, name, "number", kind))
        return out


def _points_field_names() -> dict[str, str]:
    return {STORY_POINT_ESTIMATE_FIELD: "Story point estimate", STORY_POINTS_FIELD: "Story Points"}


def _project_id(key: str) -> str:
    return PROJECT_ID if key == PROJECT_KEY else OTHER_PROJECT_ID


def _project_name(key: str) -> str:
    return PROJECT_NAME if key == PROJECT_KEY else OTHER_PROJECT_NAME


def _adf(text: str) -> dict[str, Any]:
    """Atlassian Document Format, as REST API v3 returns rich text (shape of samples/issue.json)."""
    return {
        "version": 1,
        "type": "doc",
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def _item(
    field_name: str,
    fieldtype: str,
    field_id: str,
    from_: str | None,
    from_string: str | None,
    to: str | None = None,
    to_string: str | None = None,
) -> dict[str, Any]:
    return {
        "field": field_name,
        "fieldtype": fieldtype,
        "fieldId": field_id,
        "from": from_,
        "fromString": from_string,
        "to": to,
        "toString": to_string,
    }


def _flag_item(flagged: bool) -> dict[str, Any]:
    if flagged:
        return _item("Flagged", "custom", FLAGGED_FIELD, None, None, "[10019]", "Impediment")
    return _item("Flagged", "custom", FLAGGED_FIELD, "[10019]", "Impediment", None, None)


def _sprint_to_string(sprint: Sprint) -> str:
    """Server's Sprint field value: GreenHopper's Java `toString`, commas in goals unescaped."""

    def when(moment: datetime | None) -> str:
        return "<null>" if moment is None else agile_time(moment, "Server")

    identity = (sprint.id * 2654435761) & 0xFFFFFFFF
    return (
        f"com.atlassian.greenhopper.service.sprint.Sprint@{identity:x}[id={sprint.id},"
        f"rapidViewId={sprint.board_id},state={sprint.state.upper()},name={sprint.name},"
        f"startDate={when(sprint.start)},endDate={when(sprint.end)},"
        f"completeDate={when(sprint.complete)},activatedDate={when(sprint.activated)},"
        f"sequence={sprint.id},goal={sprint.goal}]"
    )


# --- the generator ------------------------------------------------------------------------

_TEAM = (  # display name, time zone
    ("Arjun Mehta", "Asia/Kolkata"),
    ("Priya Nair", "Asia/Kolkata"),
    ("Wei Ling Tan", "Asia/Singapore"),
    ("Sam Carter", "America/Los_Angeles"),
    ("Lena Vogel", "Europe/Berlin"),
    ("Tom Okafor", "Europe/London"),
)
_LEAD = ("Maya Fischer", "Europe/Berlin")  # the authenticated user (`/myself`)
_GOALS = (
    "Baseline retrieval model in staging",
    "Cut eval latency, ship the reranker",  # a comma: Server's toString does not escape it
    "Feature store backfill",
    "GPU scheduler on the new cluster",
    "Labelling pipeline v2",
    "Drift alerts for the ranking model",
)
_VERBS = ("Train", "Evaluate", "Fix", "Refactor", "Benchmark", "Document", "Deploy", "Profile")
_OBJECTS = (
    "the reranker",
    "embedding drift monitor",
    "feature store loader",
    "GPU job scheduler",
    "eval harness",
    "label QA sampler",
    "tokenizer cache",
    "ONNX export",
    "canary rollout",
    "data contracts",
)
_EPICS = ("Retrieval v2", "Eval platform", "Training infra", "Data quality", "Serving latency")


def make_board(
    *,
    issues: int = 120,
    closed_sprints: int = 13,
    seed: int = 1,
    now: datetime,
    points_field: str | None = "customfield_10016",
    deployment: str = "Cloud",
) -> JiraBoardData:
    """A deterministic Jira site: the same arguments give the same site, byte for byte."""
    if issues < 0 or closed_sprints < 0:
        raise ValueError("issues and closed_sprints must not be negative")
    data = JiraBoardData(now=now, points_field=points_field, deployment=deployment)
    rng = random.Random(seed)
    _make_users(data, rng)
    _make_sprints(data, closed_sprints)
    _Generator(data, rng).issues(issues)
    return data


def _make_users(data: JiraBoardData, rng: random.Random) -> None:
    def account_id() -> str:
        hexes = f"{rng.getrandbits(128):032x}"
        return f"712020:{hexes[:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:20]}-{hexes[20:]}"

    for index, (display, zone) in enumerate((_LEAD, *_TEAM)):
        first = display.split()[0].lower()
        data.users.append(
            User(
                account_id=account_id(),
                name=first,
                key=f"JIRAUSER{10100 + index}",
                display_name=display,
                email=f"{first}@example.com",
                time_zone=zone,
            )
        )
    data.lead = data.users[0]


def _make_sprints(data: JiraBoardData, closed: int) -> None:
    local_now = data.now.astimezone(SITE_TZ)
    active_start = (local_now - timedelta(days=5)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    first_id = 200
    for index in range(closed + 2):
        number = index + 1
        sprint = Sprint(
            id=first_id + number,
            name=f"MLP Sprint {number}",
            state="closed",
            board_id=BOARD_ID,
            goal=_GOALS[index % len(_GOALS)],
        )
        if index < closed:
            start = active_start - (closed - index) * SPRINT_LENGTH
            sprint.start, sprint.end = start, start + SPRINT_LENGTH
            sprint.complete = sprint.end - timedelta(minutes=47 - index)
        elif index == closed:
            sprint.state = "active"
            sprint.start, sprint.end = active_start, active_start + SPRINT_LENGTH
        else:
            sprint.state = "future"
        if sprint.start is not None:
            sprint.activated = sprint.start + timedelta(minutes=3)
            sprint.created = sprint.start - timedelta(days=3, hours=2)
        else:
            sprint.created = active_start + timedelta(days=1, hours=4)
        data.sprints.append(sprint)


class _Generator:
    """Builds issues with changelogs consistent with their final state."""

    def __init__(self, data: JiraBoardData, rng: random.Random) -> None:
        self.data = data
        self.rng = rng
        self.team = [u.account_id for u in data.users[1:]]
        self.lead = data.users[0].account_id
        self.closed = data.closed_sprints
        self.active = data.active_sprint
        self.future = data.future_sprint
        earliest = self.closed[0].start if self.closed else data.now - 30 * timedelta(days=1)
        assert earliest is not None
        self.horizon = earliest - SPRINT_LENGTH
        self.pending: list[tuple[IssueRecord, datetime, str, list[dict[str, Any]]]] = []
        self.flagged_any = False

    # --- plan ---------------------------------------------------------------------------

    def issues(self, total: int) -> None:
        n_epics = 0 if total < 5 else max(1, min(len(_EPICS), total // 30))
        workers = total - n_epics
        groups = self._groups(workers)
        epics = [self._epic(i) for i in range(n_epics)]
        order: list[tuple[IssueRecord, tuple[str, int]]] = []
        for group in groups:
            record = self._record(self.rng.choice(("Story", "Story", "Task", "Bug")))
            if epics and self.rng.random() < 0.8:
                record.epic = self.rng.choice(epics).key
            order.append((record, group))
        # Rank: closed sprints first, then the active, the future sprint, the backlog.
        weight = {"closed": 0, "spilled": 3, "active": 1, "future": 2, "backlog": 3}
        ranked = sorted(order, key=lambda pair: (weight[pair[1][0]], self.rng.random()))
        for rank, (record, _group) in enumerate(ranked, start=1):
            record.rank = rank
        for position, epic in enumerate(epics):
            epic.rank = len(ranked) + position + 1
        noisy_done = False
        for count, (record, (kind, index)) in enumerate(order):
            noisy = (kind == "active" and not noisy_done) or (kind == "backlog" and count % 97 == 5)
            noisy_done = noisy_done or kind == "active"
            getattr(self, f"_plan_{kind}")(record, index, noisy)
            if noisy:
                self.data.noisy_keys.append(record.key)
        self._commit()

    def _groups(self, workers: int) -> list[tuple[str, int]]:
        """Which sprint (or the backlog) each non-epic issue ends in."""
        n_closed = len(self.closed)
        in_sprints = min(workers // 2, 8 * n_closed + 14 + 6)
        weights = [1.0] * n_closed + [3.0, 1.0]
        total_weight = sum(weights)
        sizes = [int(in_sprints * w / total_weight) for w in weights]
        leftover = in_sprints - sum(sizes)
        for index in range(leftover):
            sizes[(n_closed + index) % len(sizes)] += 1
        groups: list[tuple[str, int]] = []
        for index in range(n_closed):
            groups += [("closed", index)] * sizes[index]
        groups += [("active", 0)] * sizes[n_closed]
        groups += [("future", 0)] * sizes[n_closed + 1]
        backlog = workers - len(groups)
        spilled = min(n_closed, backlog // 10)  # sent back to the backlog from a closed sprint
        groups += [("spilled", n_closed - 1 - i) for i in range(spilled)]
        groups += [("backlog", 0)] * (backlog - spilled)
        self.rng.shuffle(groups)
        return groups

    # --- issue kinds --------------------------------------------------------------------

    def _record(self, issue_type: str) -> IssueRecord:
        summary = f"{self.rng.choice(_VERBS)} {self.rng.choice(_OBJECTS)}"
        record = self.data._new_record(
            summary=summary,
            issue_type=issue_type,
            created=self.horizon,
            reporter=self.lead if self.rng.random() < 0.5 else self.rng.choice(self.team),
            rank=0,
        )
        record.priority = self.rng.choice(("High", "Medium", "Medium", "Medium", "Low"))
        record.labels = sorted(self.rng.sample(LABELS, self.rng.choice((0, 1, 1, 2))))
        record.assignee = self.rng.choice(self.team) if self.rng.random() < 0.85 else None
        points = self.rng.choice(POINT_VALUES) if self.rng.random() < 0.9 else None
        record.points = record.original_points = points
        return record

    def _epic(self, index: int) -> IssueRecord:
        record = self.data._new_record(
            summary=_EPICS[index],
            issue_type="Epic",
            created=self.horizon - timedelta(days=10 - index),
            reporter=self.lead,
            rank=0,
        )
        if index % 2 == 0:
            self._status_chain(record, ["In Progress"], [record.created + timedelta(days=3)])
        return record

    def _plan_closed(self, record: IssueRecord, index: int, noisy: bool) -> None:
        sprint = self.closed[index]
        assert sprint.start is not None and sprint.complete is not None
        carried = index > 0 and self.rng.random() < 0.2
        first = self.closed[index - 1] if carried else sprint
        assert first.start is not None and first.complete is not None
        record.created = first.start - self._days(1, 20)
        self._edits(record, first.start)
        self._estimate(record, first.start)
        scope_added = not carried and self.rng.random() < 0.15
        added = (
            sprint.start + self._days(0.5, 6) if scope_added else first.start - self._hours(1, 72)
        )
        self._sprints(record, added, [first.id])
        if carried:
            self._status_chain(record, ["In Progress"], [first.start + self._days(1, 10)])
            self._sprints(record, first.complete, [first.id, sprint.id])
        start_work = max(added, sprint.start)
        times = self._sorted_times(start_work, sprint.complete - timedelta(hours=1), 3)
        chain = ["In Progress", "In Review", "Done"]
        if carried:
            chain, times = chain[1:], times[1:]
        self._maybe_reestimate(record, start_work, times[-1])
        self._status_chain(record, chain, times)

    def _plan_spilled(self, record: IssueRecord, index: int, noisy: bool) -> None:
        sprint = self.closed[index]
        assert sprint.start is not None and sprint.complete is not None
        record.created = sprint.start - self._days(2, 10)
        self._edits(record, sprint.start)
        self._estimate(record, sprint.start)
        self._sprints(record, sprint.start - self._hours(1, 48), [sprint.id])
        self._status_chain(record, ["In Progress"], [sprint.start + self._days(2, 8)])
        # Completing the sprint sent it back to the backlog: the closed sprint stays in the field
        # and no history is written.

    def _plan_active(self, record: IssueRecord, index: int, noisy: bool) -> None:
        sprint = self.active
        assert sprint is not None and sprint.start is not None
        previous = self.closed[-1] if self.closed else None
        carried = previous is not None and self.rng.random() < 0.2
        now = self.data.now - timedelta(minutes=10)
        if carried:
            assert previous is not None and previous.start and previous.complete
            record.created = previous.start - self._days(1, 10)
            self._edits(record, previous.start)
            self._estimate(record, previous.start)
            self._sprints(record, previous.start - self._hours(1, 48), [previous.id])
            self._status_chain(record, ["In Progress"], [previous.start + self._days(2, 10)])
            self._sprints(record, previous.complete, [previous.id, sprint.id])
            added = previous.complete
        else:
            record.created = sprint.start - self._days(1, 15)
            self._edits(record, sprint.start)
            self._estimate(record, sprint.start)
            mid = self.rng.random() < 0.15
            added = (
                sprint.start + (now - sprint.start) * self.rng.random()
                if mid
                else sprint.start - self._hours(1, 60)
            )
            self._sprints(record, added, [sprint.id])
        outcome = self.rng.choices(
            ("To Do", "In Progress", "In Review", "Done"), weights=(25, 25, 20, 30)
        )[0]
        chain = ["In Progress", "In Review", "Done"]
        chain = chain[: chain.index(outcome) + 1] if outcome != "To Do" else []
        if carried:
            chain = chain[1:]  # it was In Progress already
        start_work = max(added, sprint.start)
        times = self._sorted_times(start_work, now, len(chain) + 1)
        self._maybe_reestimate(record, start_work, times[-1])
        if noisy:
            self._ping_pong(record, start_work, now)
        else:
            self._status_chain(record, chain, times[: len(chain)])
        if record.status != "Done" and (self.rng.random() < 0.1 or not self.flagged_any):
            self._later(record, start_work + (now - start_work) / 2, [_flag_item(True)])
            record.flagged = self.flagged_any = True  # at least one impediment on the board

    def _plan_future(self, record: IssueRecord, index: int, noisy: bool) -> None:
        sprint = self.future
        assert sprint is not None and sprint.created is not None
        record.created = sprint.created - self._days(1, 20)
        self._edits(record, sprint.created)
        self._estimate(record, sprint.created)
        self._sprints(record, sprint.created + self._hours(1, 20), [sprint.id])

    def _plan_backlog(self, record: IssueRecord, index: int, noisy: bool) -> None:
        now = self.data.now - timedelta(minutes=30)
        span = now - self.horizon
        record.created = self.horizon + span * self.rng.random() * 0.95
        self._edits(record, now)
        self._estimate(record, record.created + (now - record.created) / 2)
        if noisy:
            self._ping_pong(record, record.created + timedelta(hours=1), now)
            return
        roll = self.rng.random()
        if roll < 0.1:
            self._status_chain(
                record, ["In Progress"], [record.created + (now - record.created) / 3]
            )
        elif roll < 0.14:
            times = self._sorted_times(record.created, now, 2)
            self._status_chain(record, ["In Progress", "Done"], times)

    # --- event helpers --------------------------------------------------------------------

    def _days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def _hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def _sorted_times(self, start: datetime, end: datetime, count: int) -> list[datetime]:
        span = max(end - start, timedelta(minutes=count + 1))
        return sorted(start + span * self.rng.random() for _ in range(count))

    def _later(self, record: IssueRecord, at: datetime, items: list[dict[str, Any]]) -> None:
        author = record.assignee or self.lead
        self.pending.append((record, at, author, items))

    def _sprints(self, record: IssueRecord, at: datetime, new: list[int]) -> None:
        item = self.data._sprint_item(record.sprint_ids, new)
        record.sprint_ids = list(new)
        self.pending.append((record, at, self.lead, [item]))

    def _estimate(self, record: IssueRecord, before: datetime) -> None:
        """Some issues were estimated after creation: a changelog entry from empty."""
        if record.points is None or self.rng.random() > 0.25 or self.data.points_field is None:
            return
        when = record.created + (before - record.created) * self.rng.random()
        name = self.data.points_field_name
        item = _item(name or "", "custom", self.data.points_field, None, None) | {
            "toString": points_text(record.points)
        }
        self.pending.append((record, when, self.lead, [item]))

    def _maybe_reestimate(self, record: IssueRecord, start: datetime, end: datetime) -> None:
        if record.points is None or self.rng.random() > 0.12 or self.data.points_field is None:
            return
        new = self.rng.choice([p for p in POINT_VALUES if p != record.points])
        when = start + (max(end - start, timedelta(minutes=2))) * self.rng.random()
        item = _item(
            self.data.points_field_name or "",
            "custom",
            self.data.points_field,
            None,
            points_text(record.points),
        ) | {"toString": points_text(new)}
        record.points = new
        self._later(record, when, [item])

    def _edits(self, record: IssueRecord, end: datetime) -> None:
        """Everyday edits between creation and `end`, consistent with the final fields:
        assigned after creation, priority changed, labels added."""
        start = record.created + timedelta(minutes=5)
        if end <= start:
            return
        user = self.data.user(record.assignee)
        if user is not None and self.rng.random() < 0.5:
            item = _item("assignee", "jira", "assignee", None, None, user.account_id)
            item["toString"] = user.display_name
            self._later(record, start + (end - start) * self.rng.random(), [item])
        if record.priority != "Medium" and self.rng.random() < 0.6:
            item = _item("priority", "jira", "priority", "3", "Medium", PRIORITIES[record.priority])
            item["toString"] = record.priority
            self._later(record, start + (end - start) * self.rng.random(), [item])
        if record.labels and self.rng.random() < 0.6:
            item = _item("labels", "jira", "labels", None, "", None, " ".join(record.labels))
            self._later(record, start + (end - start) * self.rng.random(), [item])

    def _status_chain(self, record: IssueRecord, chain: list[str], times: list[datetime]) -> None:
        for status, at in zip(chain, times, strict=True):
            old, new = STATUSES[record.status], STATUSES[status]
            items = [_item("status", "jira", "status", old.id, old.name, new.id, new.name)]
            if new.category == "done":
                items.append(_item("resolution", "jira", "resolution", None, None, "10000", "Done"))
                record.resolved = at
            record.status = status
            self._later(record, at, items)

    def _ping_pong(self, record: IssueRecord, start: datetime, end: datetime) -> None:
        """Far more than 40 histories: status ping-pong and label churn."""
        times = self._sorted_times(start, end, NOISY_HISTORIES)
        for step, at in enumerate(times):
            if step % 3 == 2:
                old = " ".join(record.labels)
                label = LABELS[step % len(LABELS)]
                record.labels = sorted({*record.labels} ^ {label})  # add or remove it
                item = _item("labels", "jira", "labels", None, old) | {
                    "toString": " ".join(record.labels)
                }
                self._later(record, at, [item])
            else:
                target = "In Review" if record.status == "In Progress" else "In Progress"
                self._status_chain(record, [target], [at])

    def _commit(self) -> None:
        """Turn the planned events into histories, with ids increasing in time site-wide."""
        self.pending.sort(key=lambda event: event[1])
        for record, at, author, items in self.pending:
            at = min(max(at, record.created + timedelta(seconds=1)), self.data.now)
            self.data._add_history(record, author, at, items)
        for record in self.data.issues.values():
            record.updated = max(
                [record.updated, record.created] + [h.created for h in record.histories]
            )
            if record.resolved is not None:
                record.resolved = next(
                    (
                        h.created
                        for h in reversed(record.histories)
                        for i in h.items
                        if i["field"] == "resolution" and i["to"] is not None
                    ),
                    record.resolved,
                )
        self.pending.clear()
