"""Jira payload parsers: recorded shapes, both deployments, and anything else hypothesis finds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.models import StatusCategory
from integrations.base import SourceError
from integrations.jira_parse import (
    FieldIds,
    JiraPayloadError,
    changelog_is_truncated,
    discover_fields,
    estimation_field,
    parse_board_columns,
    parse_changelog,
    parse_issue,
    parse_person,
    parse_sprint,
    parse_sprint_ids,
    parse_sprint_value,
    parse_time,
)

# Recorded Jira Cloud payloads: test data of ankitpokhrel/jira-cli (pkg/jira/testdata/),
# MIT, (c) Ankit Pokhrel; copied into tests/fixtures/jira/ (see tests/fixtures/README.md).
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
FIELDS = FieldIds(
    sprint="customfield_10020", points="customfield_10016", points_name="Story point estimate",
    flagged="customfield_10021",
)  # fmt: skip


def sample(name: str) -> object:
    return json.loads((SAMPLES / name).read_text())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-12-03T14:05:20.974+0100", datetime(2020, 12, 3, 13, 5, 20, 974000, tzinfo=UTC)),
        ("2020-12-03T14:05:20.974+01:00", datetime(2020, 12, 3, 13, 5, 20, 974000, tzinfo=UTC)),
        ("2020-11-15T05:39:24.463Z", datetime(2020, 11, 15, 5, 39, 24, 463000, tzinfo=UTC)),
        ("2025-04-11T15:22:00.000+10:00", datetime(2025, 4, 11, 5, 22, tzinfo=UTC)),
        (None, None),
    ],
)
def test_timestamps_in_every_form(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_recorded_search_page_parses() -> None:
    page = sample("search.json")
    issues = [parse_issue(raw, FIELDS, set()) for raw in page["issues"]]  # type: ignore[index]
    assert [i.key for i in issues][:2] == ["TEST-1", "TEST-2"]
    assert issues[1].labels == ("critical", "feature")
    assert issues[0].created == datetime(2020, 12, 3, 13, 5, 20, 974000, tzinfo=UTC)


def test_recorded_sprints_parse() -> None:
    sprints = [parse_sprint(raw) for raw in sample("sprints.json")["values"]]  # type: ignore[index]
    assert sprints[0].state == "closed" and sprints[0].completed is not None
    active = parse_sprint(sample("sprint-get.json"))  # type: ignore[arg-type]
    assert (active.id, active.state, active.goal) == (5, "active", "sprint 1 goal")


def test_points_field_discovery() -> None:
    fields = sample("fields.json")
    found, note = discover_fields(fields, board_points=None)  # type: ignore[arg-type]
    # The recorded site has only the decoy "Original story points" (an Advanced Roadmaps
    # field): it must not be taken for the estimate.
    assert found.points is None
    assert "counting issues" in note
    from_board, _ = discover_fields(fields, board_points="customfield_99999")  # type: ignore[arg-type]
    assert from_board.points == "customfield_99999"
    overridden, _ = discover_fields(fields, board_points=None, override="customfield_10111")  # type: ignore[arg-type]
    assert overridden.points == "customfield_10111"


def test_no_points_field_means_counting_issues_and_saying_so() -> None:
    found, note = discover_fields(
        [{"id": "summary", "name": "Summary", "schema": {"type": "string"}}], board_points=None
    )
    assert found.points is None
    assert "counting issues" in note


def test_two_points_fields_are_reported_not_guessed() -> None:
    fields = [
        {"id": "customfield_1", "name": "Story Points", "schema": {"custom": "x"}},
        {"id": "customfield_2", "name": "Story point estimate",
         "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"}},
    ]  # fmt: skip
    found, note = discover_fields(fields, board_points=None)
    assert found.points is None
    assert "customfield_1" in note and "customfield_2" in note and "points_field" in note


def test_board_configuration() -> None:
    config = {
        "columnConfig": {
            "columns": [
                {"name": "To Do", "statuses": [{"id": "1"}]},
                {"name": "Doing", "statuses": [{"id": "3"}, {"id": "10001"}]},
                {"name": "Done", "statuses": [{"id": "10002"}]},
            ]
        },
        "estimation": {"type": "field", "field": {"fieldId": "customfield_10016"}},
    }
    names = {"1": "To Do", "3": "In Progress", "10001": "Blocked", "10002": "Done"}
    columns = parse_board_columns(config, names)
    assert [c.name for c in columns] == ["To Do", "Doing", "Done"]
    assert columns[1].statuses == ("In Progress", "Blocked")
    assert estimation_field(config) == "customfield_10016"
    assert estimation_field({"estimation": {"type": "issueCount"}}) is None


CLOUD_SPRINTS = [
    {"id": 37, "name": "MLP Sprint 42", "state": "closed", "boardId": 42},
    {"id": 38, "name": "MLP Sprint 43", "state": "active", "boardId": 42, "goal": "Ship it"},
]
SERVER_SPRINTS = [
    "com.atlassian.greenhopper.service.sprint.Sprint@1fdd4900[id=37,rapidViewId=42,state=CLOSED,"
    "name=MLP Sprint 42,startDate=2026-10-26T09:00:00.000Z,endDate=2026-11-09T09:00:00.000Z,"
    "completeDate=2026-11-09T10:00:00.000Z,sequence=37]",
    "com.atlassian.greenhopper.service.sprint.Sprint@7a1b2c3d[id=38,rapidViewId=42,state=ACTIVE,"
    "name=MLP Sprint 43,startDate=2026-11-09T09:00:00.000Z,endDate=<null>,completeDate=<null>,"
    "sequence=38,goal=]",
]


@pytest.mark.parametrize("value", [CLOUD_SPRINTS, SERVER_SPRINTS])
def test_sprint_field_in_both_shapes(value: list[object]) -> None:
    sprints = parse_sprint_value(value, "MLP-1")
    assert [(s["id"], s["state"]) for s in sprints] == [(37, "closed"), (38, "active")]
    assert sprints[1]["name"] == "MLP Sprint 43"


def test_changelog_events() -> None:
    histories = [
        {"created": "2026-11-10T10:00:00.000+0000", "items": [
            {"field": "Sprint", "fieldtype": "custom", "from": "37", "fromString": "MLP Sprint 42",
             "to": "37, 38", "toString": "MLP Sprint 42, MLP Sprint 43"}]},
        {"created": "2026-11-11T10:00:00.000+0000", "items": [
            {"field": "status", "fieldtype": "jira", "fromString": "To Do",
             "toString": "In Progress"},
            {"field": "Story point estimate", "fieldtype": "custom",
             "fieldId": "customfield_10016", "fromString": "3", "toString": "5"}]},
        {"created": "2026-11-12T10:00:00.000+0000", "items": [
            {"field": "Rank", "fieldtype": "custom", "fromString": "",
             "toString": "Ranked higher"}]},
    ]  # fmt: skip
    statuses, sprints, points = parse_changelog(histories, FIELDS, "MLP-1")
    assert [(s.from_status, s.to_status) for s in statuses] == [("To Do", "In Progress")]
    assert [(s.from_sprints, s.to_sprints) for s in sprints] == [((37,), (37, 38))]
    assert [(p.from_points, p.to_points) for p in points] == [(3.0, 5.0)]


def issue_json(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "summary": "Eval harness: add calibration (ECE) metric",
        "status": {"name": "In Review", "statusCategory": {"key": "indeterminate"}},
        "assignee": {"accountId": "5b10a2", "displayName": "Priya Raman",
                     "timeZone": "Asia/Kolkata"},
        "issuetype": {"name": "Story"}, "priority": {"name": "High"}, "labels": ["eval"],
        "created": "2026-11-09T09:00:00.000+0000", "updated": "2026-11-20T09:00:00.000+0000",
        "customfield_10016": 5, "customfield_10020": CLOUD_SPRINTS,
        "customfield_10021": [{"value": "Impediment"}], "parent": {"key": "MLP-300"},
    }  # fmt: skip
    base.update(fields)
    return {"id": "10400", "key": "MLP-400", "fields": base}


def test_issue_with_everything() -> None:
    issue = parse_issue(issue_json(), FIELDS, {38})
    assert (issue.key, issue.id, issue.category) == ("MLP-400", "10400", StatusCategory.IN_PROGRESS)
    assert (issue.assignee, issue.points, issue.flagged, issue.epic) == (
        "5b10a2",
        5.0,
        True,
        "MLP-300",
    )
    assert (issue.sprint_id, issue.sprint_ids) == (38, (37, 38))
    person = parse_person(issue_json()["fields"]["assignee"])  # type: ignore[index]
    assert person is not None and person.timezone == "Asia/Kolkata"


def test_category_falls_back_to_the_status_list() -> None:
    raw = issue_json(status={"name": "QA"})
    issue = parse_issue(raw, FIELDS, set(), categories={"QA": StatusCategory.IN_PROGRESS})
    assert issue.category is StatusCategory.IN_PROGRESS


def test_a_person_keeps_the_account_and_email_to_match_a_roster_entry_by() -> None:
    cloud = parse_person(
        {
            "accountId": "5b10a2",
            "emailAddress": "Priya@Example.com",
            "displayName": "Priya Raman",
            "timeZone": "Asia/Kolkata",
            "active": True,
        }
    )
    assert cloud is not None
    assert (cloud.id, cloud.account_id, cloud.email) == ("5b10a2", "5b10a2", "Priya@Example.com")
    assert cloud.zone_source == "jira"
    # A site that hides emails leaves the field out (or null); Server and Data Center users
    # have a name instead of an accountId.
    hidden = parse_person({"accountId": "x", "emailAddress": None, "timeZone": "UTC"})
    assert hidden is not None and hidden.email == ""
    server = parse_person({"name": "jdoe", "key": "JIRAUSER1", "timeZone": "UTC"})
    assert server is not None and (server.id, server.account_id) == ("jdoe", "jdoe")


def test_people_without_a_time_zone_are_left_out() -> None:
    assert parse_person({"accountId": "x", "displayName": "X"}) is None
    assert parse_person({"accountId": "x", "timeZone": "Mars/Olympus"}) is None
    assert parse_person({"name": "jdoe", "displayName": "J", "timeZone": "UTC"}) is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": None}, "MLP-400: the issue has no status"),
        ({"customfield_10016": "lots"}, "MLP-400 story points"),
        ({"created": "yesterday"}, "MLP-400 created"),
        ({"customfield_10020": ["garbage"]}, "MLP-400 Sprint field"),
        ({"labels": "eval"}, "MLP-400: labels"),
    ],
)
def test_bad_fields_name_the_issue(fields: dict[str, object], message: str) -> None:
    with pytest.raises(JiraPayloadError, match=message):
        parse_issue(issue_json(**fields), FIELDS, set())


def test_truncated_changelog_is_noticed() -> None:
    assert changelog_is_truncated({"changelog": {"total": 60, "histories": [{}] * 40}})
    assert not changelog_is_truncated({"changelog": {"total": 3, "histories": [{}] * 3}})


def test_changelog_sprint_ids() -> None:
    assert parse_sprint_ids("12, 13") == (12, 13)
    assert parse_sprint_ids("") == () and parse_sprint_ids(None) == ()


# --- property tests: any JSON gives records or the project's own error ------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
field_names = st.sampled_from(
    ["summary", "status", "assignee", "labels", "created", "updated", "customfield_10016",
     "customfield_10020", "customfield_10021", "issuetype", "priority", "parent",
     "resolutiondate"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=8), st.none() | json_values)
def test_issue_parser_returns_an_issue_or_a_source_error(fields: dict, changelog: object) -> None:
    raw = issue_json(**fields)
    if changelog is not None:
        raw["changelog"] = {"histories": changelog}
    try:
        issue = parse_issue(raw, FIELDS, {38})
    except SourceError as exc:
        assert "MLP-400" in str(exc) or "Jira" in str(exc)
    else:
        assert issue.key == "MLP-400"


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_sprint_field_parser_returns_sprints_or_a_source_error(value: object) -> None:
    try:
        sprints = parse_sprint_value(value, "MLP-1")
    except SourceError:
        return
    assert all(isinstance(s["id"], int) for s in sprints)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=5))
def test_changelog_parser_returns_events_or_a_source_error(histories: list[object]) -> None:
    try:
        statuses, sprints, points = parse_changelog(histories, FIELDS, "MLP-1")  # type: ignore[arg-type]
    except SourceError:
        return
    for events in (statuses, sprints, points):
        assert [e.at for e in events] == sorted(e.at for e in events)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_sprint_parser_returns_a_sprint_or_a_source_error(raw: object) -> None:
    try:
        sprint = parse_sprint(raw)  # type: ignore[arg-type]
    except SourceError:
        return
    except (AttributeError, TypeError) as exc:  # pragma: no cover - a parser bug
        pytest.fail(f"parse_sprint raised {exc!r}")
    assert isinstance(sprint.id, int)
