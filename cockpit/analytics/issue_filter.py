"""Filtering and sorting the sprint's issue list: pure functions the sprint screen's table uses.

Sorting keeps issues without a value (no estimate, never updated) at the end in either direction,
because "unknown" is neither the biggest nor the smallest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec

from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory

SORT_KEYS: tuple[str, ...] = ("key", "status", "assignee", "points", "priority", "updated")
PRIORITY_ORDER: tuple[str, ...] = (
    "Blocker",
    "Highest",
    "Critical",
    "High",
    "Medium",
    "Low",
    "Lowest",
)
CATEGORY_ORDER: tuple[StatusCategory, ...] = tuple(StatusCategory)
UNASSIGNED = ""  # the assignee filter value that selects issues nobody owns


class IssueFilter(msgspec.Struct, frozen=True):
    """What the user narrowed the list to. None means "any"."""

    text: str = ""  # matched, case-insensitively, against key, summary, epic, labels, assignee
    assignee: str | None = None  # a Person id, or UNASSIGNED
    status: str | None = None
    label: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or any(
            value is not None for value in (self.assignee, self.status, self.label)
        )


class FilterOptions(msgspec.Struct, frozen=True):
    """The choices the filter's drop-downs offer, from the issues themselves."""

    assignees: tuple[tuple[str, str], ...]  # (display name, id); id "" is "Unassigned"
    statuses: tuple[str, ...]  # in board order
    labels: tuple[str, ...]  # alphabetical


def _haystack(row: IssueRow) -> str:
    return " ".join((row.key, row.summary, row.epic, row.assignee_name, *row.labels)).casefold()


def matches(row: IssueRow, flt: IssueFilter) -> bool:
    if flt.assignee is not None and row.assignee != flt.assignee:
        return False
    if flt.status is not None and row.status != flt.status:
        return False
    if flt.label is not None and flt.label not in row.labels:
        return False
    words = flt.text.casefold().split()
    if words:
        haystack = _haystack(row)
        return all(word in haystack for word in words)
    return True


def filter_issues(rows: Iterable[IssueRow], flt: IssueFilter) -> tuple[IssueRow, ...]:
    """The rows that pass every part of the filter, in their original order."""
    return tuple(row for row in rows if matches(row, flt))


def key_order(key: str) -> tuple[str, int, str]:
    """'ML-9' before 'ML-10': project, then number, then whatever is left."""
    found = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)-(\d+)", key)
    if found is None:
        return (key, 0, key)
    return (found.group(1).upper(), int(found.group(2)), "")


def priority_rank(priority: str) -> int:
    """Most urgent first; a priority this list does not know sorts after the known ones."""
    lowered = [p.lower() for p in PRIORITY_ORDER]
    try:
        return lowered.index(priority.lower())
    except ValueError:
        return len(PRIORITY_ORDER)


def _status_order(columns: Sequence[str]) -> Any:
    position = {name: index for index, name in enumerate(columns)}

    def order(row: IssueRow) -> tuple[int, int, str]:
        return (
            position.get(row.column, len(position)),
            CATEGORY_ORDER.index(row.category),
            row.status.casefold(),
        )

    return order


def _value(row: IssueRow, key: str, columns: Sequence[str]) -> Any | None:
    """The sort value of a row, or None when it has none (sorted last)."""
    if key == "key":
        return key_order(row.key)
    if key == "status":
        return _status_order(columns)(row)
    if key == "assignee":
        return row.assignee_name.casefold() if row.assignee else None
    if key == "points":
        return row.points
    if key == "priority":
        return priority_rank(row.priority)
    if key == "updated":
        return row.updated.timestamp() if isinstance(row.updated, datetime) else None
    raise ValueError(f"cannot sort issues by {key!r}; use one of {', '.join(SORT_KEYS)}")


def sort_issues(
    rows: Iterable[IssueRow],
    key: str,
    *,
    descending: bool = False,
    columns: Sequence[str] = (),
) -> tuple[IssueRow, ...]:
    """Rows ordered by `key` (one of SORT_KEYS); ties keep the issue-key order.

    `columns` is the board's column order, which the status sort follows.
    """
    rows = sorted(rows, key=lambda row: key_order(row.key))
    known = [(value, row) for row in rows if (value := _value(row, key, columns)) is not None]
    unknown = [row for row in rows if _value(row, key, columns) is None]
    known.sort(key=lambda pair: pair[0], reverse=descending)
    return (*(row for _, row in known), *unknown)


def filter_options(rows: Iterable[IssueRow], columns: Sequence[str] = ()) -> FilterOptions:
    rows = list(rows)
    people: dict[str, str] = {}
    for row in rows:
        people.setdefault(row.assignee, row.assignee_name if row.assignee else "Unassigned")
    assignees = sorted(
        ((name, person) for person, name in people.items()),
        key=lambda pair: (pair[1] == UNASSIGNED, pair[0].casefold()),
    )
    order = _status_order(columns)
    statuses: dict[str, IssueRow] = {}
    for row in rows:
        statuses.setdefault(row.status, row)
    ordered = sorted(statuses.values(), key=order)
    labels = sorted({label for row in rows for label in row.labels}, key=str.casefold)
    return FilterOptions(
        assignees=tuple(assignees),
        statuses=tuple(row.status for row in ordered),
        labels=tuple(labels),
    )
