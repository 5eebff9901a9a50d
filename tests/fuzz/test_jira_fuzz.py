"""Fuzzing the Jira source's reading of Jira's JSON, a whole sync at a time.

A sync against the fake Jira is recorded once (every answer `_JiraApi.get` returned, in
order); each example replays it with one or two answers mutated by structure, straight into
`JiraSource._sync`. The outcome is a snapshot or a SourceError; a KeyError, TypeError or
AttributeError from a surprising answer is a bug. tests/integrations/test_jira_parse.py fuzzes
the per-field parsers; this covers the pages, listings and loops around them."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cockpit.models import Secret, Snapshot
from integrations import jira as jira_module
from integrations.base import SourceError, TrafficMeter
from integrations.jira import JiraSource
from integrations.retry import RetryPolicy, Timeouts
from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import make_board
from tests.fakes.jira_server import FakeJira
from tests.fuzz.mutations import mutated, plain

FAST_RETRY = RetryPolicy(attempts=1, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)
Call = tuple[str, str, Any]  # path, params (as JSON), answer
CONFIGURATION = "/rest/agile/1.0/board/42/configuration"


class _Diverged(Exception):
    """The mutated sync asked for far more than the recording has (a paging loop the
    mutation set off): the deadline ends such a sync in the product; here the example ends."""


def _source(url: str, deployment: str) -> JiraSource:
    return JiraSource(
        "jira",
        url=url,
        board_id=42,
        email="maya@example.com" if deployment == "Cloud" else "",
        retry=FAST_RETRY,
        timeouts=Timeouts(2.0, 5.0, 30.0),
    )  # type: ignore[arg-type]


def _key(params: Mapping[str, Any] | None) -> str:
    return json.dumps(params or {}, sort_keys=True, default=str)


def _record(deployment: str) -> list[Call]:
    board = make_board(now=FROZEN_NOW, issues=12, closed_sprints=2, deployment=deployment)
    calls: list[Call] = []
    real_get = jira_module._JiraApi.get

    def recording(api: Any, path: str, params: Mapping[str, Any] | None = None) -> Any:
        answer = real_get(api, path, params)
        calls.append((path, _key(params), answer))
        return answer

    with FakeJira(board) as fake, pytest.MonkeyPatch.context() as patch:
        patch.setattr(jira_module._JiraApi, "get", recording)
        token = Secret(fake.token if fake.is_cloud else fake.pat)
        source = _source(fake.url, deployment)
        snapshot = source._sync(token, None, threading.Event(), TrafficMeter())
        url = fake.url
    assert snapshot.sprint is not None and snapshot.sprint.issues
    # The same recording in every run (the fake's port changes), so hypothesis can replay
    # the examples it saved.
    fixed = json.dumps(calls).replace(url, "http://jira.example")
    return [tuple(call) for call in json.loads(fixed)]  # type: ignore[misc]


@pytest.fixture(scope="module")
def recordings() -> dict[str, list[Call]]:
    return {deployment: _record(deployment) for deployment in ("Cloud", "Server")}


def _replay(calls: list[Call]) -> Any:
    by_key = {(path, params): answer for path, params, answer in calls}
    by_path: dict[str, Any] = {}
    for path, _params, answer in calls:
        by_path.setdefault(path, answer)
    made = iter(range(len(calls) * 3))

    def get(api: Any, path: str, params: Mapping[str, Any] | None = None) -> Any:
        index = next(made, None)
        if index is None:
            raise _Diverged
        if index < len(calls) and calls[index][0] == path:
            return calls[index][2]
        found = by_key.get((path, _key(params)), by_path.get(path))
        if found is None:
            raise _Diverged
        return found

    return get


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(["Cloud", "Server"]), st.data())
def test_a_sync_of_mutated_answers_gives_a_snapshot_or_a_source_error(
    recordings: dict[str, list[Call]], deployment: str, data: st.DataObject
) -> None:
    calls = list(recordings[deployment])
    for _ in range(data.draw(st.integers(1, 2))):
        index = data.draw(st.integers(0, len(calls) - 1), label="answer")
        path, params, answer = calls[index]
        calls[index] = (path, params, plain(data.draw(mutated(answer), label=path)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jira_module._JiraApi, "get", _replay(calls))
        patch.setattr(jira_module._JiraApi, "count_in_background", lambda *a, **k: None)
        source = _source("http://127.0.0.1:9", deployment)
        try:
            snapshot = source._sync(Secret("t"), None, threading.Event(), TrafficMeter())
        except (SourceError, _Diverged) as exc:
            event(type(exc).__name__)
            return
    event("snapshot")
    assert isinstance(snapshot, Snapshot)


def test_the_replay_gives_the_recorded_snapshot(recordings: dict[str, list[Call]]) -> None:
    for deployment, calls in recordings.items():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(jira_module._JiraApi, "get", _replay(calls))
            patch.setattr(jira_module._JiraApi, "count_in_background", lambda *a, **k: None)
            snapshot = _source("http://127.0.0.1:9", deployment)._sync(
                Secret("t"), None, threading.Event(), TrafficMeter()
            )
        assert snapshot.sprint is not None and len(snapshot.sprint.issues) == 12, deployment


@pytest.mark.parametrize(
    ("path", "answer", "said"),
    [
        ("/rest/api/2/serverInfo", None, "serverInfo"),  # was AttributeError: NoneType.get
        ("/rest/api/2/serverInfo", ["Cloud"], "serverInfo"),
        ("/rest/api/2/status", [None], ""),  # was AttributeError in the status names
        ("/rest/api/2/status", [{"id": "1", "name": "Done", "statusCategory": "done"}], ""),
        # was TypeError and AttributeError in parse_board_columns
        (CONFIGURATION, {"columnConfig": {"columns": None}}, "board configuration"),
        (CONFIGURATION, {"columnConfig": {"columns": [None]}}, "board configuration"),
        (CONFIGURATION, {"columnConfig": {"columns": [{"name": "To Do", "statuses": None}]}}, ""),
        ("/rest/api/2/field", None, "field list"),  # was TypeError in discover_fields
        ("/rest/api/3/search/jql", {"issues": [None]}, "not an object"),  # was AttributeError
    ],
)
def test_found_by_fuzzing_answers_of_the_wrong_type_are_a_source_error_or_a_snapshot(
    recordings: dict[str, list[Call]], path: str, answer: Any, said: str
) -> None:
    def replaced(recorded: Any) -> Any:
        # The board configuration keeps its filter: only the columns are wrong.
        return {**recorded, **answer} if path == CONFIGURATION else answer

    calls = [(p, params, replaced(a) if p == path else a) for p, params, a in recordings["Cloud"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jira_module._JiraApi, "get", _replay(calls))
        patch.setattr(jira_module._JiraApi, "count_in_background", lambda *a, **k: None)
        try:
            snapshot = _source("http://127.0.0.1:9", "Cloud")._sync(
                Secret("t"), None, threading.Event(), TrafficMeter()
            )
        except SourceError as exc:
            assert said and said in str(exc), exc
        else:
            assert not said and snapshot.sprint is not None
