"""The fake Jira is faithful where the cockpit depends on it: proven with the real python-jira.

Every test drives `tests.fakes.jira_server.FakeJira` through `jira.JIRA` (pycontribs/jira 3.10.x),
the client the Jira integration uses, or through raw HTTP where python-jira hides the wire. What
is checked comes from the Jira REST and Agile APIs' documented behaviour; the payload shapes come
from recorded samples (test data of ankitpokhrel/jira-cli (pkg/jira/testdata/), MIT,
(c) Ankit Pokhrel; the ones the tests read are in `tests/fixtures/jira/`).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from jira import JIRA, JIRAError

from tests.conftest import FROZEN_NOW
from tests.fakes.jira_data import (
    BOARD_ID,
    SITE_TZ,
    SPRINT_FIELD,
    STATUSES,
    JiraBoardData,
    make_board,
    points_text,
)
from tests.fakes.jira_server import CHANGE_2046_BODY, UNBOUNDED_JQL, FakeJira

POINTS = "customfield_10016"
SPRINT_STRING = re.compile(
    r"com\.atlassian\.greenhopper\.service\.sprint\.Sprint@[0-9a-f]+\[id=(\d+),rapidViewId=42,"
    r"state=(CLOSED|ACTIVE|FUTURE),name=[^,]+,startDate=.*,sequence=\d+,goal=.*\]"
)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud_fake() -> Iterator[FakeJira]:
    with FakeJira(make_board(now=FROZEN_NOW, issues=250), forbidden_boards={7}) as fake:
        yield fake


@pytest.fixture(scope="module")
def server_fake() -> Iterator[FakeJira]:
    board = make_board(now=FROZEN_NOW, issues=250, deployment="Server")
    with FakeJira(board, deployment="Server") as fake:
        yield fake


@pytest.fixture
def cloud(cloud_fake: FakeJira) -> Iterator[JIRA]:
    client = _cloud_client(cloud_fake)
    cloud_fake.reset_log()
    yield client
    client.close()
    cloud_fake.clear_faults()
    assert cloud_fake.errors == []


@pytest.fixture
def server(server_fake: FakeJira) -> Iterator[JIRA]:
    client = JIRA(server=server_fake.url, token_auth=server_fake.pat, max_retries=0)
    server_fake.reset_log()
    yield client
    client.close()
    server_fake.clear_faults()
    assert server_fake.errors == []


def _cloud_client(fake: FakeJira) -> JIRA:
    return JIRA(server=fake.url, basic_auth=(fake.email, fake.token), max_retries=0)


def _raw(fake: FakeJira) -> httpx.Client:
    if fake.is_cloud:
        return httpx.Client(base_url=fake.url, auth=(fake.email, fake.token))
    return httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {fake.pat}"})


def _board_keys(data: JiraBoardData) -> set[str]:
    return {r.key for r in data.board_issues()}


def _total(client: JIRA, jql: str) -> int:
    """Server: the number of matches, as `total` of a one-issue page."""
    page = client.search_issues(jql, maxResults=1, fields=["key"], json_result=True)
    assert isinstance(page, dict)
    return int(page["total"])


# --- server info, fields, boards, sprints --------------------------------------------------


def test_server_info_reports_the_deployment(cloud: JIRA, server: JIRA) -> None:
    cloud_info, server_info = cloud.server_info(), server.server_info()
    assert cloud_info["deploymentType"] == "Cloud"
    assert cloud_info["versionNumbers"] == [1001, 0, 0]
    assert server_info["deploymentType"] == "Server"
    assert cloud._is_cloud and not server._is_cloud
    # Timestamps in the site's zone, without a colon in the offset.
    assert re.fullmatch(r"2026-11-23T10:30:00\.000\+0100", cloud_info["serverTime"])


def test_fields_offer_the_story_point_candidates_and_the_sprint_field(cloud: JIRA) -> None:
    fields = {f["id"]: f for f in cloud.fields()}
    estimate = fields[POINTS]
    assert estimate["name"] == "Story point estimate"
    assert estimate["schema"]["custom"] == "com.pyxis.greenhopper.jira:jsw-story-points"
    assert "cf[10016]" in estimate["clauseNames"]
    assert fields["customfield_10026"]["name"] == "Story Points"
    decoy = fields["customfield_10111"]
    assert decoy["schema"]["custom"] == "com.atlassian.jpo:jpo-custom-field-original-story-points"
    assert fields["fixVersions"]["clauseNames"] == ["fixVersion"]  # from samples/fields.json
    assert cloud._get_sprint_field_id() == 10020  # python-jira finds "Sprint" by name
    assert fields[SPRINT_FIELD]["schema"]["custom"] == "com.pyxis.greenhopper.jira:gh-sprint"


def test_boards_filter_and_refuse_like_jira(cloud: JIRA, cloud_fake: FakeJira) -> None:
    assert [(b.id, b.name) for b in cloud.boards()] == [(42, "MLP board"), (7, "OPS board")]
    only = cloud.boards(projectKeyOrID="MLP")
    assert [b.id for b in only] == [BOARD_ID]
    assert only[0].raw["location"]["projectKey"] == "MLP"
    assert cloud_fake.matching("/rest/agile/1.0/board")[-1].query["projectKeyOrId"] == ["MLP"]

    with pytest.raises(JIRAError) as missing:
        cloud.sprints(999)
    assert missing.value.status_code == 404
    assert "board cannot be viewed" in missing.value.text
    with pytest.raises(JIRAError) as forbidden:
        cloud.sprints(7)
    assert forbidden.value.status_code == 403

    config = cloud._get_json(f"board/{BOARD_ID}/configuration", base=cloud.AGILE_BASE_URL)
    assert config["estimation"]["field"]["fieldId"] == POINTS
    assert [c["name"] for c in config["columnConfig"]["columns"]] == [
        "To Do",
        "In Progress",
        "In Review",
        "Done",
    ]
    assert config["columnConfig"]["columns"][3]["statuses"][0]["id"] == STATUSES["Done"].id
    board_filter = cloud._get_json(f"filter/{config['filter']['id']}")
    assert board_filter["jql"] == "project = MLP ORDER BY Rank ASC"


def test_a_board_without_estimation_counts_issues() -> None:
    with FakeJira(make_board(now=FROZEN_NOW, issues=10, points_field=None)) as fake:
        client = _cloud_client(fake)
        config = client._get_json(f"board/{BOARD_ID}/configuration", base=client.AGILE_BASE_URL)
        assert "field" not in config["estimation"]
        issue = client.issue("MLP-5")
        assert issue.raw["fields"][POINTS] is None  # the site field exists, nobody fills it in


def test_sprints_come_back_across_pages_without_a_total() -> None:
    board = make_board(now=FROZEN_NOW, issues=40, closed_sprints=60)
    with FakeJira(board) as fake:
        client = _cloud_client(fake)
        fake.reset_log()
        sprints = client.sprints(BOARD_ID, state="active,future,closed", maxResults=False)
        assert len(sprints) == 62
        assert [s.state for s in sprints[-2:]] == ["active", "future"]
        assert "startDate" not in sprints[-1].raw  # future sprints have no dates
        pages = fake.matching(f"/rest/agile/1.0/board/{BOARD_ID}/sprint")
        assert [p.param("startAt") for p in pages] == [None, "50"]
        assert all(p.param("state") == "active,future,closed" for p in pages)
        with _raw(fake) as raw:
            first = raw.get(f"/rest/agile/1.0/board/{BOARD_ID}/sprint").json()
        assert "total" not in first
        assert (first["maxResults"], first["isLast"]) == (50, False)


def test_default_sprint_list_is_one_page_of_fifteen(cloud: JIRA) -> None:
    sprints = cloud.sprints(BOARD_ID, state="active,future,closed")
    assert [s.state for s in sprints].count("closed") == 13
    assert cloud.sprint(sprints[0].id).raw["originBoardId"] == BOARD_ID
    active = cloud.sprints(BOARD_ID, state="active")
    assert len(active) == 1 and "completeDate" not in active[0].raw


# --- Cloud search ---------------------------------------------------------------------------


def test_enhanced_search_follows_next_page_token_to_every_issue(
    cloud: JIRA, cloud_fake: FakeJira
) -> None:
    issues = cloud.enhanced_search_issues("project = MLP", maxResults=0, fields=["summary", POINTS])
    assert len(issues) == 250
    assert {i.key for i in issues} == _board_keys(cloud_fake.data)
    assert set(issues[0].raw["fields"]) == {"summary", POINTS}

    pages = cloud_fake.matching("/rest/api/2/search/jql")
    assert len(pages) == 3
    assert [p.param("maxResults") for p in pages] == ["100"] * 3
    assert pages[0].param("nextPageToken") is None
    assert all(p.param("nextPageToken") for p in pages[1:])
    assert all(p.query["fields"] == ["summary", POINTS] for p in pages)  # repeated parameter
    assert all("startAt" not in p.query for p in pages)


def test_enhanced_search_first_page_has_no_total(cloud: JIRA) -> None:
    page = cloud.enhanced_search_issues("project = MLP", maxResults=50, json_result=True)
    assert isinstance(page, dict)
    assert set(page) == {"issues", "nextPageToken", "isLast"}
    assert page["isLast"] is False and len(page["issues"]) == 50
    # python-jira asks for *all fields by default.
    assert page["issues"][0]["fields"]["status"]["statusCategory"]["key"] in {
        "new",
        "indeterminate",
        "done",
    }


def test_enhanced_search_wire_defaults(cloud_fake: FakeJira) -> None:
    with _raw(cloud_fake) as raw:
        bare = raw.get("/rest/api/3/search/jql", params={"jql": "project = MLP"}).json()
        assert len(bare["issues"]) == 50  # default maxResults
        assert set(bare["issues"][0]) == {"id"}  # default fields: id only
        last = raw.post(
            "/rest/api/3/search/jql",
            json={"jql": "project = MLP", "maxResults": 5000, "fields": ["key"]},
        ).json()
        assert len(last["issues"]) == 250 and last["isLast"] is True
        assert "nextPageToken" not in last
        comma = raw.get(
            "/rest/api/2/search/jql",
            params={"jql": "key = MLP-7", "fields": "summary,status,-status"},
        ).json()
        assert set(comma["issues"][0]["fields"]) == {"summary"}
        count = raw.post("/rest/api/3/search/approximate-count", json={"jql": "project = MLP"})
        assert count.json() == {"count": 250}
        bad_token = raw.get(
            "/rest/api/3/search/jql", params={"jql": "project = MLP", "nextPageToken": "nope"}
        )
        assert bad_token.status_code == 400


def test_approximate_count_through_python_jira(cloud: JIRA, cloud_fake: FakeJira) -> None:
    assert cloud.approximate_issue_count("sprint in openSprints()") == _open_sprint_count(
        cloud_fake.data
    )
    # python-jira posts to the REST version it is configured with: v2.
    assert cloud_fake.requests[-1].path == "/rest/api/2/search/approximate-count"


def _open_sprint_count(data: JiraBoardData) -> int:
    open_ids = {s.id for s in data.sprints if s.state != "closed"}
    return sum(1 for r in data.issues.values() if open_ids & set(r.sprint_ids))


def test_old_search_is_gone_on_cloud(cloud: JIRA, cloud_fake: FakeJira) -> None:
    with pytest.raises(JIRAError, match="deprecated in Jira Cloud"):
        cloud.search_issues("project = MLP", startAt=5)  # python-jira refuses by itself
    assert cloud_fake.count("/rest/api/2/search") == 0

    with pytest.raises(JIRAError) as gone:
        cloud._session.get(f"{cloud_fake.url}/rest/api/2/search", params={"jql": "project = MLP"})
    assert gone.value.status_code == 410
    assert "CHANGE-2046" in gone.value.text
    with _raw(cloud_fake) as raw:
        for path in ("/rest/api/3/search", "/rest/api/latest/search"):
            answer = raw.post(path, json={"jql": "project = MLP"})
            assert (answer.status_code, answer.content) == (410, CHANGE_2046_BODY)


def test_unbounded_jql_is_refused_on_cloud_only(cloud: JIRA, server: JIRA) -> None:
    with pytest.raises(JIRAError) as refused:
        cloud.enhanced_search_issues("ORDER BY Rank ASC", maxResults=10)
    assert refused.value.status_code == 400
    assert refused.value.text == UNBOUNDED_JQL
    assert _total(server, "ORDER BY Rank ASC") == 250


# --- Server search --------------------------------------------------------------------------


def test_server_search_pages_with_start_at_and_total(server: JIRA, server_fake: FakeJira) -> None:
    issues = server.search_issues("project = MLP", maxResults=False)
    assert len(issues) == 250
    assert {i.key for i in issues} == _board_keys(server_fake.data)
    pages = server_fake.matching("/rest/api/2/search")
    assert [p.param("startAt") for p in pages] == ["0", "100", "200"]
    assert pages[0].param("validateQuery") == "True"  # python-jira sends it, capitalised
    assert server.enhanced_search_issues("project = MLP") is None  # @cloud_api: not on Server
    assert server_fake.count("/rest/api/2/search/jql") == 0
    with _raw(server_fake) as raw:
        assert raw.get("/rest/api/2/search/jql", params={"jql": "project = MLP"}).status_code == 404
        big = raw.get("/rest/api/2/search", params={"jql": "project = MLP", "maxResults": 5000})
        assert big.json()["maxResults"] == 1000  # Server's cap
        assert raw.get("/rest/api/3/serverInfo").status_code == 404  # no v3 on Server


# --- auth and faults ------------------------------------------------------------------------


def test_wrong_credentials_are_401(cloud_fake: FakeJira, server_fake: FakeJira) -> None:
    with pytest.raises(JIRAError) as cloud_denied:
        JIRA(server=cloud_fake.url, basic_auth=(cloud_fake.email, "wrong"), max_retries=0)
    assert cloud_denied.value.status_code == 401
    assert "not authenticated" in cloud_denied.value.text
    with pytest.raises(JIRAError) as server_denied:
        JIRA(server=server_fake.url, token_auth="wrong", max_retries=0)
    assert server_denied.value.status_code == 401
    # A Cloud token sent as a Bearer PAT is wrong too, and so is no auth at all.
    with httpx.Client(base_url=cloud_fake.url) as anonymous:
        assert anonymous.get("/rest/api/2/myself").status_code == 401
        assert anonymous.get("/rest/api/2/serverInfo").status_code == 200
        bearer = {"Authorization": f"Bearer {cloud_fake.token}"}
        assert anonymous.get("/rest/api/2/myself", headers=bearer).status_code == 401
    basic = base64.b64encode(f"{cloud_fake.email}:{cloud_fake.token}".encode()).decode()
    with httpx.Client(base_url=server_fake.url) as raw:
        mine = raw.get("/rest/api/2/myself", headers={"Authorization": f"Basic {basic}"})
        assert mine.status_code == 401


def test_rate_limit_surfaces_as_429_without_retrying(cloud: JIRA, cloud_fake: FakeJira) -> None:
    cloud_fake.fail("/rest/api/2/search/jql", 429, retry_after=7)
    started = time.monotonic()
    with pytest.raises(JIRAError) as limited:
        cloud.enhanced_search_issues("project = MLP", maxResults=10)
    assert time.monotonic() - started < 1  # max_retries=0: no 2 × Retry-After sleep
    assert limited.value.status_code == 429
    headers = limited.value.response.headers
    assert headers["Retry-After"] == "7"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in headers and "X-RateLimit-FillRate" in headers
    assert limited.value.response.json()["errorMessages"]
    assert len(cloud.enhanced_search_issues("project = MLP", maxResults=10)) == 10  # used up


def test_scripted_faults_by_prefix_and_count(cloud: JIRA, cloud_fake: FakeJira) -> None:
    cloud_fake.fail("/rest/agile/1.0/", 503, times=2, retry_after=1)
    cloud_fake.fail("/rest/api/2/field", "malformed")
    for _ in range(2):
        with pytest.raises(JIRAError) as unavailable:
            cloud.boards()
        assert unavailable.value.status_code == 503
    assert len(cloud.boards()) == 2
    with pytest.raises(ValueError):  # requests' JSONDecodeError
        cloud.fields()
    assert len(cloud.fields()) > 10
    cloud_fake.fail("/rest/api/2/issue/", 500, times=None)
    for _ in range(3):
        with pytest.raises(JIRAError) as broken:
            cloud.issue("MLP-1")
        assert broken.value.status_code == 500
    cloud_fake.clear_faults()
    assert cloud.issue("MLP-1").key == "MLP-1"
    statuses = [r.status for r in cloud_fake.requests]
    assert statuses.count(503) == 2 and statuses.count(500) == 3


def test_request_log_counts_requests_and_bytes(cloud: JIRA, cloud_fake: FakeJira) -> None:
    cloud.enhanced_search_issues("project = MLP", maxResults=0, fields=["summary"])
    search = cloud_fake.matching("/rest/api/2/search/jql", method="GET")
    assert len(search) == 3
    assert all(r.status == 200 and r.response_bytes > 1000 for r in search)
    assert cloud_fake.bytes_sent("/rest/api/2/search/jql") == sum(r.response_bytes for r in search)
    cloud.enhanced_search_issues("project = MLP", maxResults=5, use_post=True)
    posted = cloud_fake.matching("/rest/api/2/search/jql", method="POST")[0]
    assert json.loads(posted.body)["jql"] == "project = MLP" and posted.body_size > 0
    cloud_fake.reset_log()
    assert cloud_fake.requests == []


def test_latency_delays_every_answer() -> None:
    with FakeJira(make_board(now=FROZEN_NOW, issues=5), latency=0.05) as fake:
        started = time.monotonic()
        _cloud_client(fake).myself()
        assert time.monotonic() - started >= 0.1  # serverInfo, then myself


# --- issue payloads -------------------------------------------------------------------------


def test_issue_fields_carry_what_the_cockpit_reads(cloud: JIRA, server: JIRA) -> None:
    flagged = cloud.enhanced_search_issues("flagged = Impediment", fields=["*all"])
    assert flagged, "the generator flags at least one issue"
    fields = flagged[0].raw["fields"]
    assert fields["customfield_10021"][0]["value"] == "Impediment"
    assert fields["status"]["statusCategory"]["key"] in {"new", "indeterminate"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]00", fields["created"])
    assigned = cloud.enhanced_search_issues("assignee is not EMPTY", maxResults=1, fields=["*all"])
    assignee = assigned[0].raw["fields"]["assignee"]
    assert {"accountId", "displayName", "timeZone"} <= set(assignee)
    child = cloud.enhanced_search_issues("parent is not EMPTY", maxResults=1, fields=["parent"])
    assert child[0].raw["fields"]["parent"]["fields"]["issuetype"]["name"] == "Epic"

    server_issue = server.search_issues("assignee is not EMPTY", maxResults=1)[0]
    server_assignee = server_issue.raw["fields"]["assignee"]
    assert "accountId" not in server_assignee and server_assignee["name"]
    epic_link = server.search_issues('"Epic Link" is not EMPTY', maxResults=1)[0]
    assert epic_link.raw["fields"]["customfield_10014"].startswith("MLP-")
    assert "parent" not in epic_link.raw["fields"]


def test_board_issue_lists_honour_their_jql(cloud: JIRA, cloud_fake: FakeJira) -> None:
    page = cloud._get_json(
        f"board/{BOARD_ID}/issue",
        params={"jql": "sprint in openSprints()", "maxResults": 100, "fields": "summary"},
        base=cloud.AGILE_BASE_URL,
    )
    assert page["total"] == _open_sprint_count(cloud_fake.data)
    assert set(page["issues"][0]["fields"]) == {"summary"}
    backlog = cloud._get_json(f"board/{BOARD_ID}/backlog", base=cloud.AGILE_BASE_URL)
    assert backlog["total"] > page["total"]


# --- changelogs and the Sprint field ----------------------------------------------------------


def test_changelog_endpoint_pages_through_every_history(cloud: JIRA, cloud_fake: FakeJira) -> None:
    key = cloud_fake.data.noisy_keys[0]
    record = cloud_fake.data.issue(key)
    assert record is not None and len(record.histories) > 40

    embedded = cloud.enhanced_search_issues(f"key = {key}", expand="changelog", json_result=True)
    assert isinstance(embedded, dict)
    changelog = embedded["issues"][0]["changelog"]
    assert changelog["total"] == len(record.histories)
    assert changelog["maxResults"] == len(changelog["histories"]) == 40  # truncated
    newest = [str(h.id) for h in record.histories[-40:]]
    assert [h["id"] for h in changelog["histories"]] == newest  # the oldest ones are lost

    collected: list[dict[str, Any]] = []
    start = 0
    while True:
        page = cloud._get_json(
            f"issue/{key}/changelog", params={"startAt": start, "maxResults": 20}
        )
        assert page["total"] == len(record.histories)
        collected += page["values"]
        if page["isLast"]:
            assert "nextPage" not in page
            break
        assert page["nextPage"].endswith(f"startAt={start + 20}")
        start += 20
    assert [h["id"] for h in collected] == [str(h.id) for h in record.histories]
    assert collected == sorted(collected, key=lambda h: int(h["id"]))  # oldest first
    created = [h["created"] for h in collected]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}", c) for c in created)
    v3 = cloud._get_json(f"issue/{key}/changelog", params={"maxResults": 100})
    assert len(v3["values"]) == len(record.histories)


def test_server_embeds_the_whole_changelog(server: JIRA, server_fake: FakeJira) -> None:
    key = server_fake.data.noisy_keys[0]
    issue = server.issue(key, expand="changelog")
    histories = issue.raw["changelog"]["histories"]
    assert len(histories) == issue.raw["changelog"]["total"] > 40
    items = [i for h in histories for i in h["items"]]
    assert items and all("fieldId" not in i for i in items)  # Server items have no fieldId
    assert histories[0]["author"]["name"]  # Server users have names, not account ids
    with _raw(server_fake) as raw:
        assert raw.get(f"/rest/api/2/issue/{key}/changelog").status_code == 404


def test_sprint_field_shape_differs_by_deployment(cloud: JIRA, server: JIRA) -> None:
    jql = "sprint in closedSprints() AND sprint in openSprints()"  # carried over
    cloud_issue = cloud.enhanced_search_issues(jql, maxResults=1, fields=[SPRINT_FIELD])[0]
    value = cloud_issue.raw["fields"][SPRINT_FIELD]
    assert isinstance(value, list) and len(value) >= 2
    assert {"id", "name", "state", "boardId", "goal"} <= set(value[0])
    assert value[0]["state"] == "closed" and value[0]["boardId"] == BOARD_ID

    server_issue = server.search_issues(jql, maxResults=1, fields=[SPRINT_FIELD])[0]
    strings = server_issue.raw["fields"][SPRINT_FIELD]
    assert all(isinstance(s, str) and SPRINT_STRING.fullmatch(s) for s in strings)
    assert strings[0].count("state=CLOSED") == 1
    assert any("completeDate=<null>" in s for s in strings)  # the open sprint
    # Same site, same data: the sprint ids agree.
    cloud_ids = [s["id"] for s in value]
    server_ids = [int(SPRINT_STRING.fullmatch(s).group(1)) for s in strings]  # type: ignore[union-attr]
    assert cloud_ids == sorted(cloud_ids)
    assert len(server_ids) == len(strings)


def test_sprint_issue_lists_page_with_start_at(cloud: JIRA, cloud_fake: FakeJira) -> None:
    active = cloud_fake.data.active_sprint
    assert active is not None
    keys: list[str] = []
    start = 0
    while True:
        page = cloud._get_json(
            f"sprint/{active.id}/issue",
            params={"startAt": start, "maxResults": 4},
            base=cloud.AGILE_BASE_URL,
        )
        keys += [i["key"] for i in page["issues"]]
        start += page["maxResults"]
        if start >= page["total"]:
            break
    expected = cloud.enhanced_search_issues(f"sprint = {active.id}", maxResults=0, fields=["key"])
    assert sorted(keys) == sorted(i.key for i in expected)
    fields = page["issues"][0]["fields"]
    assert fields["sprint"]["id"] == active.id and "flagged" in fields and "epic" in fields


# --- JQL ------------------------------------------------------------------------------------


def test_jql_clauses_the_sync_needs(server: JIRA, server_fake: FakeJira) -> None:
    data = server_fake.data
    closed = data.closed_sprints
    active, future = data.active_sprint, data.future_sprint
    assert active is not None and future is not None

    def count(predicate: Any) -> int:
        return sum(1 for r in data.issues.values() if predicate(r))

    assert _total(server, f"sprint = {closed[0].id}") == count(
        lambda r: closed[0].id in r.sprint_ids
    )
    both = {closed[1].id, closed[2].id}
    assert _total(server, f"sprint in ({closed[1].id}, {closed[2].id})") == count(
        lambda r: both & set(r.sprint_ids)
    )
    assert _total(server, f'sprint = "{active.name}"') == count(lambda r: active.id in r.sprint_ids)
    assert _total(server, "sprint in openSprints()") == _open_sprint_count(data)
    assert _total(server, "sprint is EMPTY") == count(lambda r: not r.sprint_ids)
    assert _total(server, "key in (MLP-1, MLP-2, mlp-3)") == 3
    since = FROZEN_NOW - timedelta(days=3)  # 09:30 UTC is 10:30 in Berlin, the user's zone
    updated = count(lambda r: r.updated >= since)
    assert 0 < updated < len(data.issues)
    assert _total(server, f'updated >= "{since.astimezone(SITE_TZ):%Y/%m/%d %H:%M}"') == updated
    # The same wall-clock digits read as Berlin time are an hour earlier in UTC.
    an_hour_earlier = count(lambda r: r.updated >= since - timedelta(hours=1))
    assert _total(server, f'updated >= "{since:%Y/%m/%d %H:%M}"') == an_hour_earlier
    assert _total(server, "updated >= -3d") == count(
        lambda r: r.updated >= FROZEN_NOW - timedelta(days=3)
    )
    assert _total(server, f"project = MLP AND (sprint = {active.id} OR sprint = {future.id})") == (
        count(lambda r: {active.id, future.id} & set(r.sprint_ids))
    )
    assert _total(server, "project = MLP AND NOT statusCategory = Done") == count(
        lambda r: STATUSES[r.status].category != "done"
    )
    newest = server.search_issues("project = MLP ORDER BY updated DESC", maxResults=5)
    stamps = [i.fields.updated for i in newest]
    assert stamps == sorted(stamps, reverse=True)
    ranked = server.search_issues("project = MLP ORDER BY Rank ASC", maxResults=300)
    assert [i.key for i in ranked] == [r.key for r in data.board_issues()]
    by_key = server.search_issues("project = MLP ORDER BY key", maxResults=3)
    assert [i.key for i in by_key] == ["MLP-1", "MLP-2", "MLP-3"]

    for bad, message in (
        ("project = MLP AND fixVersion = 1.0", "Field 'fixVersion' does not exist"),
        ("sprint in mySprints()", "Unable to find JQL function 'mySprints()'"),
        ("project = MLP ORDER BY colour", "Not able to sort using field 'colour'"),
        ("key = MLP-9999", "An issue with key 'MLP-9999' does not exist"),
        ('updated >= "yesterday"', "Date value 'yesterday' for field 'updated' is invalid"),
        ("project = MLP AND", "Error in the JQL Query"),
    ):
        with pytest.raises(JIRAError) as refused:
            server.search_issues(bad)
        assert refused.value.status_code == 400
        assert message in refused.value.text


# --- mutations for incremental syncs --------------------------------------------------------


def test_mutations_show_up_like_real_edits() -> None:
    data = make_board(now=FROZEN_NOW, issues=60)
    active = data.active_sprint
    assert active is not None
    with FakeJira(data) as fake:
        client = _cloud_client(fake)
        later = FROZEN_NOW + timedelta(minutes=30)
        key = next(r.key for r in data.board_issues() if r.status == "To Do" and not r.sprint_ids)
        data.touch(key, later, status="Done", points=8, sprint=active.id)
        fresh = client.enhanced_search_issues(
            "project = MLP AND updated >= -15m", maxResults=0, fields=["status", POINTS]
        )
        assert [i.key for i in fresh] == [key]
        assert fresh[0].raw["fields"][POINTS] == 8.0
        issue = client.issue(key, expand="changelog")
        last = issue.raw["changelog"]["histories"][-1]
        assert issue.raw["fields"]["updated"] == "2026-11-23T11:00:00.000+0100"
        assert issue.raw["fields"]["resolutiondate"] is not None
        by_field = {i["field"]: i for i in last["items"]}
        assert by_field["status"]["toString"] == "Done"
        assert by_field["resolution"]["toString"] == "Done"
        assert by_field["Story point estimate"]["fieldId"] == POINTS
        assert by_field["Sprint"]["to"] == str(active.id)

        created = data.create(later, summary="Hotfix the feature store", sprint=active.id)
        assert client.issue(created).fields.summary == "Hotfix the feature store"

        moved = data.move_out_of_board("MLP-20", later)
        assert moved.startswith("OPS-")
        board_keys = {
            i.key
            for i in client.enhanced_search_issues("project = MLP", maxResults=0, fields=["key"])
        }
        assert "MLP-20" not in board_keys and moved not in board_keys
        assert client.issue("MLP-20").key == moved  # the old key still resolves
        assert client.enhanced_search_issues("key = MLP-20", fields=["key"])[0].key == moved

        data.delete("MLP-21")
        with pytest.raises(JIRAError) as gone:
            client.issue("MLP-21")
        assert gone.value.status_code == 404
        with pytest.raises(JIRAError) as stale:
            client.enhanced_search_issues("key in (MLP-21, MLP-22)")
        assert stale.value.status_code == 400  # a deleted key makes the JQL invalid
        assert fake.errors == []


# --- the generated data ---------------------------------------------------------------------


def test_the_board_is_deterministic_and_changelogs_replay_to_the_fields() -> None:
    one = make_board(now=FROZEN_NOW, issues=300, seed=7)
    two = make_board(now=FROZEN_NOW, issues=300, seed=7)

    def render(data: JiraBoardData) -> list[Any]:
        return [
            (
                data.render_fields(r, "Cloud", "x", "2"),
                [data.render_history(h, "Cloud", "x") for h in r.histories],
            )
            for r in data.issues.values()
        ]

    assert render(one) == render(two)
    assert render(one) != render(make_board(now=FROZEN_NOW, issues=300, seed=8))

    zones = {u.time_zone for u in one.users}
    assert {"Asia/Kolkata", "Asia/Singapore", "America/Los_Angeles"} <= zones
    assert len(one.closed_sprints) == 13
    in_sprints = sum(1 for r in one.issues.values() if r.sprint_ids)
    assert 0 < in_sprints < len(one.issues) / 2  # most issues are in the backlog
    for sprint in one.sprints:
        assert any(sprint.id in r.sprint_ids for r in one.issues.values()), sprint.name

    for record in one.issues.values():
        status, sprints, points = "To Do", "", "unknown"
        previous = record.created
        for history in record.histories:
            assert previous <= history.created <= FROZEN_NOW
            previous = history.created
            for item in history.items:
                if item["field"] == "status":
                    assert item["fromString"] == status, record.key
                    status = item["toString"]
                elif item["field"] == "Sprint":
                    assert item["from"] == sprints, record.key
                    sprints = item["to"]
                elif item["field"] == "Story point estimate":
                    if points == "unknown":  # created with an estimate, or without one
                        assert item["fromString"] in (points_text(record.original_points), None)
                    else:
                        assert item["fromString"] == points, record.key
                    points = item["toString"]
        assert status == record.status, record.key
        assert sprints == ", ".join(str(i) for i in record.sprint_ids), record.key
        assert points in ("unknown", points_text(record.points)), record.key
        assert record.updated == max([record.created, *(h.created for h in record.histories)])
        if STATUSES[record.status].category == "done":
            assert record.resolved is not None
