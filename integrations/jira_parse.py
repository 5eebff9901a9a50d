"""Jira JSON → records. Pure functions, no network.

Jira's payloads vary by deployment and age: the Sprint field is a list of objects on Cloud but a
list of Java `toString` strings on old Server; timestamps come as `…+0100`, `…+01:00` or `…Z`;
story points live in a custom field whose id differs per site. Everything that does not have the
expected shape raises `JiraPayloadError`, naming the issue and the field, never a bare
KeyError or TypeError. Every text in a record is cleaned of control characters and escape
sequences here (`cockpit.text_safety`): whoever can write an issue title must not reach the
lead's terminal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from cockpit.models import (
    BoardColumn,
    Issue,
    Person,
    PointsChange,
    Sprint,
    SprintChange,
    StatusCategory,
    StatusChange,
)
from cockpit.text_safety import clean_line, clean_record
from integrations.base import SourceBadResponse

STORY_POINTS_TYPES = frozenset(
    {
        "com.pyxis.greenhopper.jira:jsw-story-points",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
    }
)
STORY_POINTS_NAMES = ("story points", "story point estimate")
SPRINT_FIELD_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
CATEGORY_BY_KEY = {
    "new": StatusCategory.TODO,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
}


class JiraPayloadError(SourceBadResponse):
    """Jira answered with JSON of an unexpected shape."""


class FieldIds(msgspec.Struct, frozen=True):
    """Which custom field holds what, on this site."""

    sprint: str = "customfield_10020"
    points: str | None = None
    points_name: str = ""  # the changelog names the field, not its id, on older sites
    flagged: str | None = None


# --- small values ---------------------------------------------------------------------

_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_time(value: object, where: str = "") -> datetime | None:
    """Jira timestamps in every form seen: `2020-12-03T14:05:20.974+0100`, `+01:00`, `Z`."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise JiraPayloadError(f"Jira sent {where or 'a timestamp'} as {type(value).__name__}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise JiraPayloadError(f"Jira sent {where or 'a timestamp'} as {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_number(value: object, where: str = "") -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise JiraPayloadError(f"Jira sent {where or 'a number'} as a boolean")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise JiraPayloadError(f"Jira sent {where or 'a number'} as {value!r}") from None
    else:
        raise JiraPayloadError(f"Jira sent {where or 'a number'} as {type(value).__name__}")
    if number != number or number in (float("inf"), float("-inf")):
        raise JiraPayloadError(f"Jira sent {where or 'a number'} as {value!r}")
    return number


def _name_of(value: object) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("value") or "")
    return "" if value is None else str(value)


# --- the Sprint field -----------------------------------------------------------------

_TO_STRING = re.compile(r"^com\.atlassian\.greenhopper\.service\.sprint\.Sprint@[0-9a-f]+\[(.*)\]$")
_TO_STRING_PAIR = re.compile(r"(\w+)=(.*?)(?=,\w+=|$)")


def parse_sprint_value(value: object, where: str = "") -> list[dict[str, Any]]:
    """The Sprint field of an issue: Cloud's list of objects or old Server's toString list."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    sprints = []
    for item in value:
        if isinstance(item, Mapping):
            entry = dict(item)
        elif isinstance(item, str):
            match = _TO_STRING.match(item.strip())
            if not match:
                raise JiraPayloadError(f"{where}: cannot read the Sprint value {item[:80]!r}")
            entry = {k: v for k, v in _TO_STRING_PAIR.findall(match[1])}
            entry = {k: (None if v == "<null>" else v) for k, v in entry.items()}
            if entry.get("state"):
                entry["state"] = str(entry["state"]).lower()
        else:
            raise JiraPayloadError(f"{where}: cannot read a Sprint value of type {type(item)}")
        try:
            entry["id"] = int(entry["id"])
        except (KeyError, TypeError, ValueError):
            raise JiraPayloadError(f"{where}: a Sprint value has no numeric id") from None
        sprints.append(entry)
    return sprints


def parse_sprint_ids(text: object) -> tuple[int, ...]:
    """Changelog Sprint values: sprint ids as a comma list, e.g. '12, 13'."""
    if text is None:
        return ()
    ids = []
    for part in str(text).split(","):
        part = part.strip()
        if part.isdigit():
            ids.append(int(part))
    return tuple(ids)


# --- sprints and boards ---------------------------------------------------------------


def parse_sprint(raw: Mapping[str, Any]) -> Sprint:
    try:
        sprint_id = int(raw["id"])
        name = str(raw["name"])
    except (KeyError, TypeError, ValueError):
        raise JiraPayloadError(
            f"Jira sent a sprint without an id or name: {str(raw)[:120]}"
        ) from None
    where = f"sprint {sprint_id}"
    sprint = Sprint(
        id=sprint_id,
        name=name,
        state=str(raw.get("state") or "future").lower(),
        goal=str(raw.get("goal") or ""),
        start=parse_time(raw.get("activatedDate") or raw.get("startDate"), f"{where} startDate"),
        end=parse_time(raw.get("endDate"), f"{where} endDate"),
        completed=parse_time(raw.get("completeDate"), f"{where} completeDate"),
    )
    return clean_record(sprint)


def parse_board_columns(
    config: Mapping[str, Any], status_names: Mapping[str, str]
) -> tuple[BoardColumn, ...]:
    """`board/{id}/configuration` columns, with status ids turned into names."""
    try:
        columns = config["columnConfig"]["columns"]
    except (KeyError, TypeError):
        raise JiraPayloadError("the board configuration has no columnConfig.columns") from None
    if not isinstance(columns, list):
        raise JiraPayloadError("the board configuration's columnConfig.columns is not a list")
    parsed = []
    for column in columns:
        if not isinstance(column, Mapping):
            raise JiraPayloadError("a column of the board configuration is not an object")
        listed = column.get("statuses")
        statuses = tuple(
            status_names.get(str(s.get("id")), str(s.get("id")))
            for s in (listed if isinstance(listed, list) else [])
            if isinstance(s, Mapping)
        )
        parsed.append(BoardColumn(str(column.get("name", "")), statuses))
    return clean_record(tuple(parsed))


def estimation_field(config: Mapping[str, Any]) -> str | None:
    estimation = config.get("estimation") if isinstance(config, Mapping) else None
    if not isinstance(estimation, Mapping) or estimation.get("type") != "field":
        return None
    field = estimation.get("field")
    return str(field["fieldId"]) if isinstance(field, Mapping) and field.get("fieldId") else None


def discover_fields(
    fields: Sequence[Mapping[str, Any]], *, board_points: str | None, override: str = ""
) -> tuple[FieldIds, str]:
    """Find the sprint, story-points and flagged fields. Returns the ids and, when no points
    field exists, the note the Sprint panel shows."""
    if not isinstance(fields, list):
        raise JiraPayloadError("the field list (/rest/api/2/field) is not a list")
    by_id = {str(f.get("id")): f for f in fields if isinstance(f, Mapping)}

    def custom_type(field: Mapping[str, Any]) -> str:
        schema = field.get("schema")
        return str(schema.get("custom", "")) if isinstance(schema, Mapping) else ""

    sprint = next(
        (i for i, f in by_id.items() if custom_type(f) == SPRINT_FIELD_TYPE),
        next((i for i, f in by_id.items() if str(f.get("name", "")).lower() == "sprint"), None),
    )
    flagged = next(
        (i for i, f in by_id.items() if str(f.get("name", "")).lower() == "flagged"), None
    )
    points: str | None = None
    note = ""
    if override:
        if override not in by_id:
            note = f"points field {override} (from the config) does not exist; counting issues"
        else:
            points = override
    elif board_points:
        points = board_points
    else:
        candidates = [
            i
            for i, f in by_id.items()
            if custom_type(f) == "com.pyxis.greenhopper.jira:jsw-story-points"
            or str(f.get("name", "")).strip().lower() in STORY_POINTS_NAMES
        ]
        if len(candidates) == 1:
            points = candidates[0]
        elif len(candidates) > 1:
            note = (
                "several story-point fields exist ("
                + ", ".join(sorted(candidates))
                + "); set points_field in the config. Counting issues"
            )
        else:
            note = "this board has no story-point field; counting issues"
    points_name = str(by_id.get(points, {}).get("name", "")) if points else ""
    return (
        FieldIds(
            sprint=sprint or "customfield_10020",
            points=points,
            points_name=points_name,
            flagged=flagged,
        ),
        clean_line(note),  # it quotes field ids from the server
    )


# --- changelog ------------------------------------------------------------------------


def parse_changelog(
    histories: Sequence[Mapping[str, Any]], fields: FieldIds, where: str
) -> tuple[tuple[StatusChange, ...], tuple[SprintChange, ...], tuple[PointsChange, ...]]:
    """The transitions the burndown needs, oldest first."""
    statuses: list[StatusChange] = []
    sprints: list[SprintChange] = []
    points: list[PointsChange] = []
    points_keys = {k.lower() for k in (fields.points, fields.points_name) if k}
    if not isinstance(histories, list | tuple):
        raise JiraPayloadError(f"{where}: the changelog histories are not a list")
    for history in histories:
        if not isinstance(history, Mapping):
            raise JiraPayloadError(f"{where}: a changelog entry is not an object")
        at = parse_time(history.get("created"), f"{where} changelog created")
        if at is None:
            raise JiraPayloadError(f"{where}: a changelog entry has no time")
        items = history.get("items") or ()
        if not isinstance(items, list | tuple):
            raise JiraPayloadError(f"{where}: a changelog entry's items are not a list")
        for item in items:
            if not isinstance(item, Mapping):
                continue
            field = str(item.get("field") or "")
            field_id = str(item.get("fieldId") or "")
            if field.lower() == "status" or field_id == "status":
                statuses.append(
                    StatusChange(
                        at, str(item.get("fromString") or ""), str(item.get("toString") or "")
                    )
                )
            elif field.lower() == "sprint" or field_id == fields.sprint:
                sprints.append(
                    SprintChange(
                        at, parse_sprint_ids(item.get("from")), parse_sprint_ids(item.get("to"))
                    )
                )
            elif points_keys and (field.lower() in points_keys or field_id.lower() in points_keys):
                points.append(
                    PointsChange(
                        at,
                        parse_number(item.get("fromString") or None, f"{where} points change"),
                        parse_number(item.get("toString") or None, f"{where} points change"),
                    )
                )
    key = lambda change: change.at  # noqa: E731 - the three lists share one order
    return (
        tuple(sorted(statuses, key=key)),
        tuple(sorted(sprints, key=key)),
        tuple(sorted(points, key=key)),
    )


# --- issues and people ----------------------------------------------------------------


def person_id(user: Mapping[str, Any]) -> str:
    """Cloud users have an accountId; old Server users a name (or key)."""
    return str(user.get("accountId") or user.get("name") or user.get("key") or "")


def parse_issue(
    raw: Mapping[str, Any],
    fields: FieldIds,
    open_sprint_ids: set[int],
    histories: Sequence[Mapping[str, Any]] | None = None,
    categories: Mapping[str, StatusCategory] | None = None,
) -> Issue:
    """One search result (with `expand=changelog`) as an Issue."""
    if not isinstance(raw, Mapping):
        raise JiraPayloadError("Jira sent an issue that is not an object")
    key = raw.get("key")
    values = raw.get("fields")
    if not isinstance(key, str) or not isinstance(values, Mapping):
        raise JiraPayloadError(f"Jira sent an issue without a key or fields: {str(raw)[:120]}")
    key = clean_line(key)  # it is in every error message below
    status = values.get("status")
    if not isinstance(status, Mapping) or not status.get("name"):
        raise JiraPayloadError(f"{key}: the issue has no status")
    category_key = ""
    if isinstance(status.get("statusCategory"), Mapping):
        category_key = str(status["statusCategory"].get("key", ""))
    category = CATEGORY_BY_KEY.get(category_key) or (categories or {}).get(
        str(status["name"]), StatusCategory.TODO
    )
    sprint_values = parse_sprint_value(values.get(fields.sprint), f"{key} Sprint field")
    sprint_ids = tuple(s["id"] for s in sprint_values)
    open_ids = [s for s in sprint_ids if s in open_sprint_ids]
    assignee = values.get("assignee")
    flagged_value = values.get(fields.flagged) if fields.flagged else None
    if histories is None:
        changelog = raw.get("changelog")
        histories = changelog.get("histories", []) if isinstance(changelog, Mapping) else []
    status_changes, sprint_changes, points_changes = parse_changelog(histories, fields, key)
    parent = values.get("parent")
    labels = values.get("labels") or []
    if not isinstance(labels, list):
        raise JiraPayloadError(f"{key}: labels is not a list")
    issue = Issue(
        key=key,
        id=str(raw.get("id") or ""),
        summary=str(values.get("summary") or ""),
        status=str(status["name"]),
        category=category,
        issue_type=_name_of(values.get("issuetype")) or "Task",
        assignee=person_id(assignee) or None if isinstance(assignee, Mapping) else None,
        points=parse_number(values.get(fields.points), f"{key} story points")
        if fields.points
        else None,
        priority=_name_of(values.get("priority")) or "Medium",
        labels=tuple(str(label) for label in labels),
        flagged=bool(flagged_value),
        sprint_id=open_ids[-1] if open_ids else None,
        created=parse_time(values.get("created"), f"{key} created"),
        updated=parse_time(values.get("updated"), f"{key} updated"),
        resolved=parse_time(values.get("resolutiondate"), f"{key} resolutiondate"),
        sprint_ids=sprint_ids,
        epic=str(parent.get("key", "")) if isinstance(parent, Mapping) else "",
        status_changes=status_changes,
        sprint_changes=sprint_changes,
        points_changes=points_changes,
    )
    return clean_record(issue)


def changelog_is_truncated(raw: Mapping[str, Any]) -> bool:
    changelog = raw.get("changelog") if isinstance(raw, Mapping) else None
    if not isinstance(changelog, Mapping):
        return False
    histories = changelog.get("histories") or []
    total = changelog.get("total")
    return isinstance(total, int) and total > len(histories)


def parse_person(user: object) -> Person | None:
    """A Jira user object as a team member; None when it lacks an id or a time zone, because a
    guessed zone would put a person's working hours in the wrong place."""
    if not isinstance(user, Mapping):
        return None
    ident = person_id(user)
    zone = str(user.get("timeZone") or "")
    if not ident or not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    # Jira shows the email only when the user's profile lets it; it is what a roster entry is
    # most often matched by (cockpit/team_merge.py).
    email = user.get("emailAddress")
    return clean_record(
        Person(
            id=ident,
            name=str(user.get("displayName") or ident),
            timezone=zone,
            email=email if isinstance(email, str) else "",
            account_id=ident,
            zone_source="jira",
        )
    )
