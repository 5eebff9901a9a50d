"""One team out of the roster, Jira and the demo: each person once, the roster's entry first."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cockpit.models import Meeting, Person, TeamData, WorkSpan
from cockpit.team_merge import merge_team

SPLIT = ((WorkSpan(540, 720), WorkSpan(840, 1080)),) * 5 + ((), ())


def roster(*people: Person) -> TeamData:
    return TeamData(people)


def rostered(ident: str, **kwargs: object) -> Person:
    return Person(
        id=ident, name=ident.title(), timezone="Asia/Kolkata", zone_source="roster", **kwargs
    )  # type: ignore[arg-type]


def jira(account: str, name: str, zone: str = "UTC", email: str = "") -> Person:
    return Person(
        id=account, name=name, timezone=zone, email=email, account_id=account, zone_source="jira"
    )


def test_no_parts_is_no_team() -> None:
    assert merge_team([]) is None


def test_matched_by_account_id_the_roster_entry_wins() -> None:
    priya = rostered("priya", account_id="5b10a2", hours=SPLIT)
    team = merge_team([roster(priya), TeamData((jira("5b10a2", "Priya R.", "Europe/London"),))])
    assert team is not None
    assert team.people == (priya,)
    assert team.people[0].timezone == "Asia/Kolkata" and team.people[0].zone_source == "roster"


def test_matched_by_email_whatever_its_case_and_the_account_is_filled_in() -> None:
    priya = rostered("priya", email="priya@example.com")
    team = merge_team([roster(priya), TeamData((jira("5b10a2", "P", email="Priya@Example.COM"),))])
    assert team is not None and len(team.people) == 1
    # Issues assigned to the Jira account still find the roster's person.
    assert team.people[0].id == "priya" and team.people[0].account_id == "5b10a2"
    assert team.people[0].email == "priya@example.com"


def test_matched_by_id() -> None:
    # A roster may use the Jira account id as a person's id; older caches' Jira people have
    # only an id.
    old_cache = Person(id="5b10a2", name="P", timezone="UTC")
    team = merge_team([roster(rostered("5b10a2")), TeamData((old_cache,))])
    assert team is not None and [p.id for p in team.people] == ["5b10a2"]
    by_account = merge_team(
        [roster(rostered("priya", account_id="5b10a2")), TeamData((old_cache,))]
    )
    assert by_account is not None and [p.id for p in by_account.people] == ["priya"]


def test_the_roster_wins_even_when_jira_is_listed_first() -> None:
    priya = rostered("priya", account_id="5b10a2")
    team = merge_team([TeamData((jira("5b10a2", "P"), jira("77", "Tom"))), roster(priya)])
    assert team is not None
    assert [(p.id, p.zone_source) for p in team.people] == [("priya", "roster"), ("77", "jira")]


def test_roster_order_first_then_unmatched_jira_people_in_their_order() -> None:
    people = roster(rostered("noa"), rostered("priya", account_id="a1"), rostered("sam"))
    others = TeamData((jira("z9", "Zed"), jira("a1", "Priya"), jira("b2", "Bea")))
    team = merge_team([others, people])
    assert team is not None
    assert [p.id for p in team.people] == ["noa", "priya", "sam", "z9", "b2"]


def test_two_jira_sources_and_the_demo_never_show_a_person_twice() -> None:
    first = TeamData((jira("a1", "Ana"),))
    second = TeamData((jira("a1", "Ana (other site)"), jira("b2", "Ben")))
    demo = TeamData((Person(id="a1", name="Ana demo", timezone="UTC", zone_source="demo"),))
    team = merge_team([first, second, demo])
    assert team is not None
    assert [(p.id, p.name) for p in team.people] == [("a1", "Ana"), ("b2", "Ben")]


def test_meetings_are_concatenated_in_time_order() -> None:
    def meeting(title: str, day: int) -> Meeting:
        return Meeting(title, datetime(2026, 11, day, 16, tzinfo=UTC), 30, ("priya",))

    one = TeamData((rostered("priya"),), (meeting("a", 10), meeting("c", 24)))
    two = TeamData((), (meeting("b", 17),))
    team = merge_team([one, two])
    assert team is not None and [m.title for m in team.meetings] == ["a", "b", "c"]


ids = st.sampled_from(["a", "b", "c", "d"])


@st.composite
def people(draw: st.DrawFn) -> Person:
    source = draw(st.sampled_from(["roster", "jira", "demo", ""]))
    return Person(
        id=draw(ids),
        name=draw(st.text(max_size=3)),
        timezone="UTC",
        account_id=draw(st.sampled_from(["", "a", "x1", "x2"])),
        email=draw(st.sampled_from(["", "a@x", "A@X", "b@x"])),
        zone_source=source,
    )


@given(st.lists(st.lists(people(), max_size=4).map(tuple).map(TeamData), min_size=1, max_size=4))
def test_no_two_people_share_an_id_account_or_email(parts: list[TeamData]) -> None:
    team = merge_team(parts)
    assert team is not None
    for key in ("id", "account_id", "email"):
        values = [getattr(p, key).casefold() for p in team.people if getattr(p, key)]
        assert len(values) == len(set(values)), key
    # Every roster person with a distinct id comes through, roster people first.
    sources = [p.zone_source for p in team.people]
    assert sources == sorted(sources, key=lambda s: s != "roster")
    first = next((p for part in parts for p in part.people if p.zone_source == "roster"), None)
    if first is not None:
        assert team.people[0].id == first.id
