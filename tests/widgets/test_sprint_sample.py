"""A hand-built SprintSummary for the sprint widgets' tests, independent of the demo's analytics.

`sample_summary()` describes a two-week sprint on the Monday of its second week (the frozen
clock's day): burndown with scope added and removed, twelve sprints of velocity, a board of five
columns, flagged and blocked issues. `use_sample` makes the app's dashboard show it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cockpit.analytics.sprint import (
    AssigneeLoad,
    Blocker,
    Burndown,
    BurndownDay,
    IssueRow,
    SprintHealth,
    SprintSummary,
    StatusCount,
    Velocity,
    VelocityEntry,
)
from cockpit.models import StatusCategory

START = date(2026, 11, 16)  # a Monday; the frozen clock is Monday 2026-11-23
COLUMNS = ("To Do", "In Progress", "In Review", "Blocked", "Done")
CATEGORY = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.IN_PROGRESS,
    "In Review": StatusCategory.IN_PROGRESS,
    "Blocked": StatusCategory.IN_PROGRESS,
    "Done": StatusCategory.DONE,
}
PEOPLE = {"ana": "Ana Lima", "raj": "Raj Patel", "mei": "Mei Chen", "tom": "Tom Berg"}

# key, summary, status, type, assignee, points, priority, labels, flagged, epic, updated (days ago)
Draft = tuple[str, str, str, str, str, float | None, str, tuple[str, ...], bool, str, float]
ISSUES: list[Draft] = [
    ("MLP-101", "Train tokenizer v3 on the cleaned corpus", "Done", "Story", "ana", 5, "High",
     ("data",), False, "Tokenizer v3", 5),
    ("MLP-102", "Evaluate LoRA rank sweep on the eval harness", "In Progress", "Story", "raj",
     8, "Highest", ("eval", "gpu"), False, "Fine-tuning", 0.2),
    ("MLP-103", "Fix NaN loss in mixed-precision runs", "Blocked", "Bug", "mei", 3, "Highest",
     ("gpu",), True, "Fine-tuning", 4),
    ("MLP-104", "Dashboard for eval regressions", "To Do", "Story", "tom", 5, "Medium",
     ("eval",), False, "Eval platform", 6),
    ("MLP-105", "Shard the dataset loader", "In Review", "Story", "ana", 3, "Medium",
     ("data",), False, "Tokenizer v3", 1),
    ("MLP-106", "Write the model card", "To Do", "Task", "", 2, "Low", ("docs",), False, "", 7),
    ("MLP-107", "Profile the dataloader on A100 nodes", "In Progress", "Task", "mei", None,
     "Medium", ("gpu",), False, "Fine-tuning", 3.5),
    ("MLP-108", "Retry flaky checkpoint uploads", "Done", "Bug", "raj", 2, "High", (), False,
     "", 2),
    ("MLP-109", "Add BLEU and chrF to the harness", "Done", "Story", "tom", 3, "Medium",
     ("eval",), False, "Eval platform", 3),
    ("MLP-110", "Ablate the warm-up schedule", "To Do", "Story", "raj", 5, "Low", ("gpu",),
     False, "Fine-tuning", 6),
    ("MLP-111", "Data licence review", "In Progress", "Task", "tom", 1, "Lowest", ("docs",),
     True, "", 0.5),
    ("MLP-112", "Cache tokenised shards", "Done", "Story", "mei", 5, "Medium", ("data",),
     False, "Tokenizer v3", 1),
]  # fmt: skip
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def sample_issues() -> tuple[IssueRow, ...]:
    rows = []
    for key, summary, status, kind, who, points, prio, labels, flagged, epic, ago in ISSUES:
        rows.append(
            IssueRow(
                key=key,
                summary=summary,
                status=status,
                category=CATEGORY[status],
                column=status,
                issue_type=kind,
                assignee=who,
                assignee_name=PEOPLE.get(who, "Unassigned"),
                points=points,
                priority=prio,
                labels=labels,
                flagged=flagged,
                url=f"https://example.atlassian.net/browse/{key}",
                updated=NOW - timedelta(days=ago),
                epic=epic,
            )
        )
    return tuple(rows)


def sample_burndown(*, skip_weekends: bool = True) -> Burndown:
    """Ten working days (or fourteen calendar days); today, day 6 of 10, is the last known."""
    committed = 40.0
    # Per calendar day up to today (day 7, a Monday), scope changes included.
    remaining = [40, 37, 35, 37, 31, 31, 31, 29]
    added = {3: 4.0, 7: 2.0}  # calendar day index → scope added
    removed = {4: 3.0}
    days = []
    scope = committed
    working = [
        START + timedelta(days=n)
        for n in range(14)
        if skip_weekends is False or (START + timedelta(days=n)).weekday() < 5
    ]
    total = len([d for d in working if d.weekday() < 5]) - 1
    done_working = 0
    for day in working:
        offset = (day - START).days
        scope += added.get(offset, 0.0) - removed.get(offset, 0.0)
        weekend = day.weekday() >= 5
        ideal = committed * (1 - done_working / total)
        known = day <= NOW.date()
        days.append(
            BurndownDay(
                day=day,
                ideal=round(ideal, 2),
                remaining=float(remaining[offset]) if known else None,
                scope=scope,
                added=added.get(offset, 0.0),
                removed=removed.get(offset, 0.0),
                weekend=weekend,
            )
        )
        if not weekend:
            done_working = min(done_working + 1, total)
    return Burndown(
        sprint="MLP Sprint 42",
        unit="pts",
        start=START,
        end=START + timedelta(days=11),
        committed=committed,
        days=tuple(days),
        skip_weekends=skip_weekends,
        scope_added=sum(added.values()),
        scope_removed=sum(removed.values()),
    )


def sample_velocity() -> Velocity:
    committed = [30, 32, 35, 34, 36, 38, 40, 28, 38, 40, 41, 42]
    completed = [27, 30, 33, 29, 36, 35, 37, 18, 36, 38, 37, 40]
    entries = tuple(
        VelocityEntry(sprint_id=30 + n, sprint=f"MLP Sprint {30 + n}", committed=c, completed=d)
        for n, (c, d) in enumerate(zip(committed, completed, strict=True))
    )
    return Velocity(unit="pts", sprints=entries, rolling_average=38.3, predicted_capacity=37.0)


def sample_summary(**changes: object) -> SprintSummary:
    issues = sample_issues()
    by_status = []
    for column in COLUMNS:
        members = [i for i in issues if i.status == column]
        by_status.append(
            StatusCount(column, CATEGORY[column], len(members), sum(i.points or 0 for i in members))
        )
    summary = SprintSummary(
        board="MLP board",
        sprint="MLP Sprint 42",
        goal="Ship the v3 tokenizer and a LoRA baseline",
        state="active",
        start=START,
        end=START + timedelta(days=11),
        days_left=5,
        unit="pts",
        total=42.0,
        done=15.0,
        in_progress=15.0,
        issue_count=len(issues),
        by_status=tuple(by_status),
        blockers=(
            Blocker("MLP-103", "Fix NaN loss in mixed-precision runs", "Mei Chen", "flagged"),
            Blocker("MLP-111", "Data licence review", "Tom Berg", "flagged"),
            Blocker(
                "MLP-107",
                "Profile the dataloader on A100 nodes",
                "Mei Chen",
                "no update for 3d",
                kind="stale",
            ),
        ),
        velocity=38.3,
        next_sprint="MLP Sprint 43",
        burndown=sample_burndown(),
        velocity_history=sample_velocity(),
        health=SprintHealth(
            completion=15 / 42,
            elapsed=0.5,
            days_left=5,
            projected_completion=0.81,
            carry_over=8.0,
            carry_over_risk="medium",
        ),
        load=tuple(
            AssigneeLoad(who, name, 5.0, 8.0, 5.0, 3) for who, name in sorted(PEOPLE.items())
        ),
        issues=issues,
        columns=COLUMNS,
    )
    if changes:
        import msgspec

        summary = msgspec.structs.replace(summary, **changes)
    return summary


def install_sample(monkeypatch: pytest.MonkeyPatch) -> dict[str, SprintSummary]:
    """Make the app's dashboard show `holder["summary"]` (the sample) instead of the demo's
    own sprint. Change `holder["summary"]` and repaint to feed the app something else."""
    holder = {"summary": sample_summary()}
    monkeypatch.setattr("cockpit.dashboard.summarize_sprint", lambda *a, **k: holder["summary"])
    return holder


def test_the_sample_is_consistent() -> None:
    summary = sample_summary()
    assert summary.burndown is not None and len(summary.burndown.days) == 10
    assert len(sample_burndown(skip_weekends=False).days) == 14
    assert {i.column for i in summary.issues} <= set(summary.columns)
    assert summary.velocity_history is not None and len(summary.velocity_history.sprints) == 12
