"""Filtering and sorting the sprint's issue list: pure functions the sprint screen's table uses.

Sorting keeps issues without a value (no estimate, never updated) at the end in either direction,
because "unknown" is neither the biggest nor the smallest.

`IssueIndex` is one issue list prepared for the table: each sorted order is computed once and
kept, and the text each issue is searched by is built once, so a keystroke in the filter costs
one pass over the issues and a sort key pressed again costs nothing.
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


class IssueFilter(msgspec.Struct, frozen=True, gc=False):
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


class FilterOptions(msgspec.Struct, frozen=True, gc=False):
    """The choices the filter's drop-downs offer, from the issues themselves."""

    assignees: tuple[tuple[str, str], ...]  # (display name, id); id "" is "Unassigned"
    statuses: tuple[str, ...]  # in board order
    labels: tuple[str, ...]  # alphabetical


KEY_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-(\d+)")


def _haystack(row: IssueRow) -> str:
    return " ".join((row.key, row.summary, row.epic, row.assignee_name, *row.labels)).casefold()


def matches(row: IssueRow, flt: IssueFilter, haystack: str | None = None) -> bool:
    """Whether the row passes the filter; `haystack` is `_haystack(row)` when already known."""
    if flt.assignee is not None and row.assignee != flt.assignee:
        return False
    if flt.status is not None and row.status != flt.status:
        return False
    if flt.label is not None and flt.label not in row.labels:
        return False
    words = flt.text.casefold().split()
    if words:
        text = _haystack(row) if haystack is None else haystack
        return all(word in text for word in words)
    return True


def filter_issues(rows: Iterable[IssueRow], flt: IssueFilter) -> tuple[IssueRow, ...]:
    """The rows that pass every part of the filter, in their original order."""
    return tuple(row for row in rows if matches(row, flt))


def key_order(key: str) -> tuple[str, int, str]:
    """'ML-9' before 'ML-10': project, then number, then whatever is left."""
    found = KEY_PATTERN.fullmatch(key)
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


def _value_of(key: str, columns: Sequence[str]) -> Any:
    """The function giving a row's sort value for `key`, or None when it has none (sorted
    last)."""
    if key == "key":
        return lambda row: key_order(row.key)
    if key == "status":
        return _status_order(columns)
    if key == "assignee":
        return lambda row: row.assignee_name.casefold() if row.assignee else None
    if key == "points":
        return lambda row: row.points
    if key == "priority":
        return lambda row: priority_rank(row.priority)
    if key == "updated":
        return lambda row: row.updated.timestamp() if isinstance(row.updated, datetime) else None
    raise ValueError(f"cannot sort issues by {key!r}; use one of {', '.join(SORT_KEYS)}")


def _value(row: IssueRow, key: str, columns: Sequence[str]) -> Any | None:
    """The sort value of a row, or None when it has none (sorted last)."""
    return _value_of(key, columns)(row)


def sort_order(
    rows: Sequence[IssueRow],
    key: str,
    *,
    descending: bool = False,
    columns: Sequence[str] = (),
    by_key: Sequence[int] | None = None,
) -> list[int]:
    """The positions of `rows` in the order `sort_issues` gives; `by_key` is the issue-key
    order (`sort_order(rows, "key")`) when already known."""
    if by_key is None:
        keys = [key_order(row.key) for row in rows]
        by_key = sorted(range(len(rows)), key=keys.__getitem__)
    value = _value_of(key, columns)
    values = [value(row) for row in rows]
    known = [i for i in by_key if values[i] is not None]
    unknown = [i for i in by_key if values[i] is None]
    known.sort(key=values.__getitem__, reverse=descending)  # stable: ties keep key order
    return known + unknown


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
    rows = tuple(rows)
    return tuple(rows[i] for i in sort_order(rows, key, descending=descending, columns=columns))


class IssueIndex:
    """One issue list, filtered and sorted over and over: the sprint screen table's model.

    Sorted orders are kept per (key, direction); the search text of every issue is built on the
    first text filter. Both live as long as the issue list, which the table replaces (with a new
    index) when the sprint changes.
    """

    def __init__(self, rows: Sequence[IssueRow] = (), columns: Sequence[str] = ()) -> None:
        self.rows = tuple(rows)
        self.columns = tuple(columns)
        self._orders: dict[tuple[str, bool], list[int]] = {}
        self._haystacks: list[str] | None = None

    def order(self, key: str, descending: bool = False) -> list[int]:
        found = self._orders.get((key, descending))
        if found is None:
            by_key = self._orders.get(("key", False))
            if by_key is None:
                keys = [key_order(row.key) for row in self.rows]
                by_key = self._orders[("key", False)] = sorted(
                    range(len(self.rows)), key=keys.__getitem__
                )
            found = self._orders[(key, descending)] = sort_order(
                self.rows, key, descending=descending, columns=self.columns, by_key=by_key
            )
        return found

    def view(self, flt: IssueFilter, key: str, descending: bool = False) -> tuple[IssueRow, ...]:
        """The rows that pass `flt`, sorted by `key`: `sort_issues(filter_issues(...))`."""
        rows, order = self.rows, self.order(key, descending)
        if not flt.active:
            return tuple(rows[i] for i in order)
        words = flt.text.casefold().split()
        if words and self._haystacks is None:
            self._haystacks = [_haystack(row) for row in rows]
        haystacks = self._haystacks or []
        assignee, status, label = flt.assignee, flt.status, flt.label

        def keep(i: int) -> bool:
            row = rows[i]
            if assignee is not None and row.assignee != assignee:
                return False
            if status is not None and row.status != status:
                return False
            if label is not None and label not in row.labels:
                return False
            return all(word in haystacks[i] for word in words)

        return tuple(rows[i] for i in order if keep(i))


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
