"""Filtering and sorting the sprint screen's issue list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.analytics.issue_filter import (
    SORT_KEYS,
    UNASSIGNED,
    IssueFilter,
    filter_issues,
    filter_options,
    key_order,
    priority_rank,
    sort_issues,
)
from cockpit.analytics.sprint import IssueRow
from cockpit.models import StatusCategory

COLUMNS = ("To Do", "In Progress", "Review", "Done")
CATEGORY = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "Review": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
}


def row(
    key: str,
    *,
    status: str = "To Do",
    assignee: str = "",
    name: str = "",
    points: float | None = None,
    priority: str = "Medium",
    labels: tuple[str, ...] = (),
    summary: str = "",
    epic: str = "",
    updated: datetime | None = None,
) -> IssueRow:
    return IssueRow(
        key=key,
        summary=summary or f"Work on {key}",
        status=status,
        category=CATEGORY.get(status, StatusCategory.TODO),
        column=status,
        issue_type="Story",
        assignee=assignee,
        assignee_name=name or ("Unassigned" if not assignee else assignee.title()),
        points=points,
        priority=priority,
        labels=labels,
        flagged=False,
        url=f"https://jira.example/browse/{key}",
        updated=updated,
        epic=epic,
    )


ROWS = (
    row("ML-10", status="Done", assignee="ana", points=3, priority="High", labels=("data",)),
    row("ML-9", status="In Progress", assignee="raj", points=8, priority="Highest",
        labels=("gpu", "eval"), updated=datetime(2026, 11, 20, tzinfo=UTC)),
    row("ML-2", status="To Do", points=None, priority="Low", summary="Write the model card",
        epic="Docs"),
    row("ML-31", status="Review", assignee="ana", points=5, priority="Urgent-ish",
        updated=datetime(2026, 11, 22, tzinfo=UTC)),
    row("ML-4", status="To Do", assignee="mei", points=1, priority="Lowest", labels=("data",),
        updated=datetime(2026, 11, 18, tzinfo=UTC)),
)  # fmt: skip


def keys(rows: tuple[IssueRow, ...]) -> list[str]:
    return [r.key for r in rows]


def test_no_filter_keeps_everything_in_order() -> None:
    assert filter_issues(ROWS, IssueFilter()) == ROWS
    assert not IssueFilter().active
    assert IssueFilter(text=" gpu ").active


def test_filter_by_assignee_and_unassigned() -> None:
    assert keys(filter_issues(ROWS, IssueFilter(assignee="ana"))) == ["ML-10", "ML-31"]
    assert keys(filter_issues(ROWS, IssueFilter(assignee=UNASSIGNED))) == ["ML-2"]


def test_filter_by_status_and_label_combine() -> None:
    assert keys(filter_issues(ROWS, IssueFilter(status="To Do"))) == ["ML-2", "ML-4"]
    assert keys(filter_issues(ROWS, IssueFilter(label="data"))) == ["ML-10", "ML-4"]
    assert keys(filter_issues(ROWS, IssueFilter(status="To Do", label="data"))) == ["ML-4"]


def test_free_text_matches_every_word_anywhere_case_insensitively() -> None:
    assert keys(filter_issues(ROWS, IssueFilter(text="MODEL card"))) == ["ML-2"]
    assert keys(filter_issues(ROWS, IssueFilter(text="docs"))) == ["ML-2"]  # the epic
    assert keys(filter_issues(ROWS, IssueFilter(text="gpu raj"))) == ["ML-9"]  # label + name
    assert keys(filter_issues(ROWS, IssueFilter(text="ml-3"))) == ["ML-31"]
    assert filter_issues(ROWS, IssueFilter(text="nothing like this")) == ()


def test_keys_sort_by_number_not_text() -> None:
    assert keys(sort_issues(ROWS, "key")) == ["ML-2", "ML-4", "ML-9", "ML-10", "ML-31"]
    assert key_order("ML-9") < key_order("ML-10") < key_order("OPS-1")


def test_points_sort_puts_unestimated_last_both_ways() -> None:
    assert keys(sort_issues(ROWS, "points")) == ["ML-4", "ML-10", "ML-31", "ML-9", "ML-2"]
    assert keys(sort_issues(ROWS, "points", descending=True)) == [
        "ML-9", "ML-31", "ML-10", "ML-4", "ML-2",
    ]  # fmt: skip


def test_priority_sort_is_by_urgency_with_unknown_last() -> None:
    assert keys(sort_issues(ROWS, "priority")) == ["ML-9", "ML-10", "ML-2", "ML-4", "ML-31"]
    assert priority_rank("highest") < priority_rank("High") < priority_rank("Lowest")
    assert priority_rank("Urgent-ish") == priority_rank("whatever")


def test_status_sort_follows_the_board_columns() -> None:
    assert keys(sort_issues(ROWS, "status", columns=COLUMNS)) == [
        "ML-2", "ML-4", "ML-9", "ML-31", "ML-10",
    ]  # fmt: skip


def test_assignee_and_updated_sorts_put_missing_values_last() -> None:
    assert keys(sort_issues(ROWS, "assignee")) == ["ML-10", "ML-31", "ML-4", "ML-9", "ML-2"]
    assert keys(sort_issues(ROWS, "updated", descending=True)) == [
        "ML-31", "ML-9", "ML-4", "ML-2", "ML-10",
    ]  # fmt: skip


def test_unknown_sort_key_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot sort issues by 'colour'"):
        sort_issues(ROWS, "colour")


def test_options_come_from_the_issues() -> None:
    options = filter_options(ROWS, COLUMNS)
    assert options.assignees == (("Ana", "ana"), ("Mei", "mei"), ("Raj", "raj"), ("Unassigned", ""))
    assert options.statuses == ("To Do", "In Progress", "Review", "Done")
    assert options.labels == ("data", "eval", "gpu")


rows_strategy = st.lists(
    st.builds(
        row,
        st.from_regex(r"[A-Z]{1,3}-[0-9]{1,4}", fullmatch=True),
        status=st.sampled_from(list(CATEGORY)),
        assignee=st.sampled_from(["", "ana", "raj"]),
        points=st.one_of(st.none(), st.floats(0, 40, allow_nan=False)),
        priority=st.sampled_from(["Highest", "High", "Medium", "Low", "Odd"]),
        labels=st.lists(st.sampled_from(["gpu", "data", "eval"]), max_size=2).map(tuple),
    ),
    max_size=25,
).map(tuple)


@given(rows_strategy, st.sampled_from(SORT_KEYS), st.booleans())
def test_sorting_is_a_permutation(rows: tuple[IssueRow, ...], key: str, descending: bool) -> None:
    ordered = sort_issues(rows, key, descending=descending, columns=COLUMNS)
    assert sorted(map(id, ordered)) == sorted(map(id, rows))


@given(rows_strategy, st.sampled_from(["", "ana", "raj"]), st.sampled_from(["gpu", "data"]))
def test_filters_only_narrow(rows: tuple[IssueRow, ...], assignee: str, label: str) -> None:
    by_person = filter_issues(rows, IssueFilter(assignee=assignee))
    both = filter_issues(rows, IssueFilter(assignee=assignee, label=label))
    assert set(map(id, both)) <= set(map(id, by_person)) <= set(map(id, rows))
    assert all(r.assignee == assignee and label in r.labels for r in both)
