"""The JQL subset evaluated on synced issues: what each clause matches, what is refused (with
the clause named), and the laws of AND, OR and NOT on generated queries and issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.jql_subset import (
    And,
    Clause,
    JqlError,
    Node,
    Not,
    Or,
    Value,
    compile_jql,
    matching_issues,
    parse_jql,
    to_jql,
)
from cockpit.models import Issue, Sprint, StatusCategory

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SPRINTS = (
    Sprint(41, "MLP Sprint 41", "closed"),
    Sprint(42, "MLP Sprint 42", "active"),
    Sprint(43, "MLP Sprint 43", "future"),
)


def issue(
    key: str,
    status: str = "To Do",
    category: StatusCategory = StatusCategory.TODO,
    **fields: object,
) -> Issue:
    return Issue(key, f"summary of {key}", status, category, **fields)  # type: ignore[arg-type]


ISSUES = (
    issue("MLP-1", labels=("fraud", "data-quality"), epic="MLP-100", assignee="maya",
          issue_type="Bug", sprint_id=42, sprint_ids=(41, 42), created=NOW - timedelta(days=30)),
    issue("MLP-2", "Done", StatusCategory.DONE, labels=("fraud",), epic="MLP-100",
          resolved=NOW - timedelta(days=3), created=NOW - timedelta(days=20), sprint_ids=(41,)),
    issue("MLP-3", "In Progress", StatusCategory.IN_PROGRESS, assignee="diego", priority="High",
          sprint_id=43, sprint_ids=(43,), created=NOW - timedelta(days=2)),
    issue("OPS-7", "Done", StatusCategory.DONE, labels=("Infra",),
          resolved=NOW - timedelta(days=40), created=NOW - timedelta(days=60)),
)  # fmt: skip


def keys(query: str) -> list[str]:
    return [i.key for i in matching_issues(query, ISSUES, now=NOW, sprints=SPRINTS)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["MLP-1", "MLP-2", "MLP-3", "OPS-7"]),
        ("project = MLP", ["MLP-1", "MLP-2", "MLP-3"]),
        ("PROJECT in (ops)", ["OPS-7"]),
        ("issuetype = Bug", ["MLP-1"]),
        ("type != bug", ["MLP-2", "MLP-3", "OPS-7"]),
        ('status = "in progress"', ["MLP-3"]),
        ("statusCategory = Done", ["MLP-2", "OPS-7"]),
        ('statusCategory != "To Do"', ["MLP-2", "MLP-3", "OPS-7"]),
        ("statusCategory = indeterminate", ["MLP-3"]),
        ("labels = fraud", ["MLP-1", "MLP-2"]),
        ("labels = infra", ["OPS-7"]),  # labels compare without regard to case
        ("labels in (data-quality, infra)", ["MLP-1", "OPS-7"]),
        # != and NOT IN leave out issues with no labels at all, as Jira does.
        ("labels != fraud", ["OPS-7"]),
        ("labels not in (fraud)", ["OPS-7"]),
        ("labels is EMPTY", ["MLP-3"]),
        ("labels IS NOT empty", ["MLP-1", "MLP-2", "OPS-7"]),
        ('"Epic Link" = MLP-100', ["MLP-1", "MLP-2"]),
        ("parent = mlp-100", ["MLP-1", "MLP-2"]),
        ("epic is empty", ["MLP-3", "OPS-7"]),
        ("assignee = maya", ["MLP-1"]),
        ("assignee != maya", ["MLP-3"]),  # unassigned issues are left out
        ("NOT assignee = maya", ["MLP-2", "MLP-3", "OPS-7"]),  # NOT is the complement
        ("assignee is EMPTY", ["MLP-2", "OPS-7"]),
        ("assignee = null", ["MLP-2", "OPS-7"]),
        ("priority = high", ["MLP-3"]),
        ("key in (MLP-1, OPS-7)", ["MLP-1", "OPS-7"]),
        ("sprint in openSprints()", ["MLP-1"]),
        ("sprint in closedSprints()", ["MLP-1", "MLP-2"]),
        ("sprint IN futureSprints()", ["MLP-3"]),
        ("sprint not in openSprints()", ["MLP-2", "MLP-3"]),
        ("sprint = 41", ["MLP-1", "MLP-2"]),
        ('sprint = "MLP Sprint 43"', ["MLP-3"]),
        ("sprint is empty", ["OPS-7"]),
        ("resolved >= -14d", ["MLP-2"]),
        ("resolutiondate >= -2w", ["MLP-2"]),
        ("resolved >= 2026-10-20", ["MLP-2"]),
        ("resolved < 2026/10/20", ["OPS-7"]),
        ('created > "2026-11-20 00:00"', ["MLP-3"]),
        ("created >= startOfMonth()", ["MLP-2", "MLP-3"]),
        ("created <= -25d", ["MLP-1", "OPS-7"]),
        ("resolved is empty", ["MLP-1", "MLP-3"]),
        ("resolution = Unresolved", ["MLP-1", "MLP-3"]),
        ("resolution is not empty", ["MLP-2", "OPS-7"]),
        ("labels = fraud AND statusCategory = Done", ["MLP-2"]),
        ("labels = fraud and statuscategory = done or project = OPS", ["MLP-2", "OPS-7"]),
        ("labels = fraud AND (statusCategory = Done OR project = OPS)", ["MLP-2"]),
        ("not labels = fraud and project = MLP", ["MLP-3"]),
        ("NOT (labels = fraud AND project = MLP)", ["MLP-3", "OPS-7"]),
        ("project = MLP ORDER BY created DESC", ["MLP-1", "MLP-2", "MLP-3"]),
        ("order by rank", ["MLP-1", "MLP-2", "MLP-3", "OPS-7"]),
        ('labels = fraud order by "Epic Link" asc, key DESC', ["MLP-1", "MLP-2"]),
        ("labels = 'data-quality'", ["MLP-1"]),
    ],
)
def test_each_clause_matches_what_jira_would(query: str, expected: list[str]) -> None:
    assert keys(query) == expected


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("worklogDate > -1d", "`worklogDate` is not supported offline"),
        ('"Story Points" > 3', "`Story Points` is not supported offline"),
        ("cf[10014] = 3", "cf[10014]"),
        ("summary ~ fraud", "`summary ~` is not supported offline"),
        ("status WAS Done", "`status WAS` is not supported offline"),
        ("status changed", "`status CHANGED` is not supported offline"),
        ("assignee = currentUser()", "`currentUser()` is not supported offline"),
        ("sprint in openSprints(5)", "`openSprints(…)` is not supported offline"),
        ("resolution = Fixed", "resolution names are not synced"),
        ("statusCategory = Blocked", "'Blocked' is not a status category"),
        ("created > yesterday", "'yesterday' is not a date"),
        ("labels > fraud", "labels is compared with =, !=, IN or NOT IN"),
        ("status =", "expected a value after `status =`"),
        ("status in (a, b", "expected ',' or ')'"),
        ('labels = "fraud', "the quote at character 10 is never closed"),
        ("labels = fraud AND", "expected a field name"),
        ("(labels = fraud", "expected ')'"),
        ("labels = fraud status = Done", "expected AND, OR or the end of the query"),
        ("labels is fraud", "expected EMPTY after `labels IS`"),
        ("labels = x ORDER BY rank AND status = Done", "',' or the end of the query after ORDER"),
        ("labels = x ORDER BY", "expected a field name after ORDER BY"),
        ("labels = fraud && x = 1", "expected AND, OR or the end of the query"),
        ("labels = fraud ! x", "unexpected '!'"),
    ],
)
def test_anything_outside_the_subset_names_the_clause(query: str, named: str) -> None:
    with pytest.raises(JqlError) as caught:
        compile_jql(query, now=NOW, sprints=SPRINTS)
    assert named in str(caught.value)


def test_the_unsupported_field_message_says_what_to_use() -> None:
    with pytest.raises(JqlError, match="use label or epic, or one of project, issuetype"):
        compile_jql("worklogDate > -1d", now=NOW)


def test_a_query_is_checked_before_any_issue_is_read() -> None:
    # The bad clause is behind an OR whose first side matches every issue: still refused.
    with pytest.raises(JqlError):
        compile_jql("project = MLP OR fixVersion = 3", now=NOW)


# --- Properties -------------------------------------------------------------------------

_WORDS = st.sampled_from(["fraud", "infra", "MLP", "OPS", "maya", "Bug", "Done", "High", "x y"])
_TEXT_FIELDS = st.sampled_from(
    ["project", "issuetype", "status", "labels", "epic", "assignee", "priority", "key", "type"]
)
_DATE_VALUES = st.sampled_from(
    ["-14d", "-2w", "-4h", "-30m", "2026-10-01", "2026/11/20", "2026-11-20 12:00"]
) | st.integers(0, 400).map(lambda n: f"-{n}d")


def _clauses() -> st.SearchStrategy[Clause]:
    text = st.builds(
        lambda f, op, vs: Clause(f, op, tuple(Value(v) for v in vs[: 1 if op in "=!=" else 3])),
        _TEXT_FIELDS,
        st.sampled_from(["=", "!=", "in", "not in"]),
        st.lists(_WORDS, min_size=1, max_size=3),
    )
    empty = st.builds(
        Clause,
        st.sampled_from(["labels", "assignee", "epic", "sprint", "resolved", "created"]),
        st.sampled_from(["is", "is not"]),
    )
    dates = st.builds(
        lambda f, op, v: Clause(f, op, (Value(v),)),
        st.sampled_from(["created", "resolved", "updated"]),
        st.sampled_from(["=", "!=", ">", ">=", "<", "<="]),
        _DATE_VALUES,
    )
    functions = st.builds(
        lambda op, fn: Clause("sprint", op, (Value(fn, function=True),)),
        st.sampled_from(["in", "not in"]),
        st.sampled_from(["openSprints", "closedSprints", "futureSprints"]),
    )
    category = st.builds(
        lambda op, v: Clause("statusCategory", op, (Value(v),)),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["To Do", "In Progress", "Done", "new", "indeterminate"]),
    )
    return st.one_of(text, empty, dates, functions, category)


def _queries() -> st.SearchStrategy[Node]:
    return st.recursive(
        _clauses(),
        lambda inner: st.one_of(
            st.builds(Not, inner),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        ),
        max_leaves=8,
    )


_MOMENTS = st.none() | st.integers(-400, 0).map(lambda d: NOW + timedelta(days=d, hours=3))
_ISSUES = st.builds(
    lambda n, project, cat, labels, epic, assignee, sprints, created, resolved: Issue(
        f"{project}-{n}",
        "s",
        {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}[cat.value],
        cat,
        labels=tuple(labels),
        epic=epic,
        assignee=assignee,
        sprint_ids=tuple(sprints),
        sprint_id=sprints[-1] if sprints else None,
        created=created,
        resolved=resolved,
    ),
    st.integers(1, 999),
    st.sampled_from(["MLP", "OPS", "mlp"]),
    st.sampled_from(list(StatusCategory)),
    st.lists(st.sampled_from(["fraud", "infra", "Fraud", "x y"]), max_size=3, unique=True),
    st.sampled_from(["", "MLP-100", "fraud"]),
    st.sampled_from([None, "maya", "diego"]),
    st.lists(st.sampled_from([41, 42, 43, 99]), max_size=3, unique=True),
    _MOMENTS,
    _MOMENTS,
)


def _test(node: Node):  # type: ignore[no-untyped-def]
    return compile_jql(to_jql(node), now=NOW, sprints=SPRINTS)


@settings(max_examples=300, deadline=None)
@given(_queries())
def test_generated_queries_read_back_as_written(node: Node) -> None:
    # Groups are written in parentheses, so the tree read back is the tree written.
    assert parse_jql(to_jql(node)) == node


@settings(max_examples=300, deadline=None)
@given(_queries(), st.lists(_ISSUES, max_size=12))
def test_generated_queries_evaluate_without_errors(node: Node, issues: list[Issue]) -> None:
    test = _test(node)
    for item in issues:
        assert test(item) in (True, False)


@settings(max_examples=300, deadline=None)
@given(_queries(), _queries(), _ISSUES)
def test_and_or_not_obey_the_laws_of_logic(a: Node, b: Node, item: Issue) -> None:
    ta, tb = _test(a)(item), _test(b)(item)
    assert _test(And((a, b)))(item) == (ta and tb)
    assert _test(Or((a, b)))(item) == (ta or tb)
    assert _test(Not(a))(item) == (not ta)
    assert _test(Not(Not(a)))(item) == ta
    # De Morgan, and the text form of it the parser reads.
    assert _test(Not(And((a, b))))(item) == _test(Or((Not(a), Not(b))))(item)
    assert _test(Not(Or((a, b))))(item) == _test(And((Not(a), Not(b))))(item)
    both = compile_jql(f"({to_jql(a)}) AND ({to_jql(b)})", now=NOW, sprints=SPRINTS)
    assert both(item) == (ta and tb)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_a_query_or_a_jql_error(text: str) -> None:
    try:
        test = compile_jql(text, now=NOW, sprints=SPRINTS)
    except JqlError as exc:
        assert str(exc)
        return
    for item in ISSUES:
        assert test(item) in (True, False)
