"""One team out of every source that knows people: the roster, Jira's users, the demo.

A person the roster lists and Jira also knows (as an issue's assignee) must be shown once. The
two are the same person when their Jira account id, their email (case-folded) or their id
match. The roster's entry wins: its zone, hours and holidays are what the lead wrote, while
Jira only knows a profile's zone. What the winning entry leaves empty (an email, an account
id) is filled from the other, so that issues assigned to the Jira account still find the
roster's person. `Person.zone_source` keeps saying where the zone came from.

Order: the roster's people first, in the order the lead wrote them (sources in config order),
then everyone else in the order their sources gave them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from cockpit.models import Person, TeamData

# What a roster entry wins over; everything else (Jira, the demo, caches from before the
# zone's source was recorded) is kept in config order.
_ROSTER = "roster"


def merge_team(parts: Sequence[TeamData]) -> TeamData | None:
    """The team of `parts` (config order), each person once; None when there are no parts."""
    if not parts:
        return None
    people = [p for part in parts for p in part.people if p.zone_source == _ROSTER]
    people += [p for part in parts for p in part.people if p.zone_source != _ROSTER]
    kept: list[Person] = []
    where: dict[tuple[str, str], int] = {}
    for person in people:
        keys = _keys(person)
        found = next((where[key] for key in keys if key in where), None)
        if found is None:
            found = len(kept)
            kept.append(person)
        else:
            # An email or account id is filled in only when no other person has it: a Jira
            # user matched to two roster entries (by id to one, by email to the other) must
            # not make them look alike.
            def free(key: tuple[str, str], at: int = found) -> bool:
                return where.get(key, at) == at

            kept[found] = _fill(kept[found], person, free)
        for key in (*keys, *_keys(kept[found])):
            where.setdefault(key, found)
    meetings = [meeting for part in parts for meeting in part.meetings]
    meetings.sort(key=lambda m: m.start)  # stable: parts in config order on a tie
    return TeamData(tuple(kept), tuple(meetings))


def _keys(person: Person) -> tuple[tuple[str, str], ...]:
    keys = [("id", person.id)]
    if person.account_id:
        keys.append(("account", person.account_id))
        # A Jira person's id is its account id; a roster may use the account id as an id.
        keys.append(("id", person.account_id))
    if person.email:
        keys.append(("email", person.email.casefold()))
    return tuple(keys)


def _fill(winner: Person, other: Person, free: Callable[[tuple[str, str]], bool]) -> Person:
    """The winner's entry, with the email and account id it lacks taken from the other when
    they are `free` (no other person has them)."""
    changes = {}
    if not winner.email and other.email and free(("email", other.email.casefold())):
        changes["email"] = other.email
    account = other.account_id
    if not winner.account_id and account and free(("account", account)) and free(("id", account)):
        changes["account_id"] = account
    return msgspec.structs.replace(winner, **changes) if changes else winner
