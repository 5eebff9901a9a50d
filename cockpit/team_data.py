"""The team as the headless `cockpit team` commands need it: every person and recorded meeting
from the sources that feed the Team area, merged, read from the cache (or the demo built in
memory), with the `[team]` rules and the lead's zone. No network, ever.

It reads only the team's sources' latest snapshots: the slot finder needs no sprint, runs or
cost summary, so it does not pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from cockpit.analytics.team_views import TeamRules
from cockpit.lead_zone import lead_zone
from cockpit.models import Meeting, Person, TeamData
from cockpit.sources import AREAS_BY_KIND
from cockpit.text_safety import clean_record

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.workspace import Workspace


def team_rules(config: Config) -> TeamRules:
    """The config's `[team]` settings as the analytics take them."""
    return TeamRules(**msgspec.structs.asdict(config.team))


def team_zone(config: Config) -> str:
    """The lead's zone: `[cockpit] timezone`, else the machine's, else UTC."""
    return lead_zone(config.cockpit.timezone)


def merge_parts(parts: Sequence[TeamData]) -> TeamData | None:
    """Every source's team as one, in config order. The roster's matching (one person known to
    the roster and to Jira is one person) when it is there; else the first entry of an id wins
    and meetings are concatenated."""
    try:
        from cockpit.team_merge import merge_team  # type: ignore[import-not-found]
    except ImportError:
        merge_team = None
    if merge_team is not None:
        return merge_team(parts)  # type: ignore[no-any-return]
    if not parts:
        return None
    people: dict[str, Person] = {}
    meetings: list[Meeting] = []
    for part in parts:
        for person in part.people:
            people.setdefault(person.id, person)
        meetings.extend(part.meetings)
    return TeamData(tuple(people.values()), tuple(meetings))


def load_team(workspace: Workspace) -> TeamData | None:
    """The merged team of the workspace's enabled sources, from what is held in memory (the
    demo) or else the cache; None when no source has synced any team yet."""
    names = [
        name
        for name, settings in workspace.config.enabled_sources().items()
        if "team" in AREAS_BY_KIND.get(settings.kind, ())
    ]
    held = dict(workspace.in_hand)
    from_store = [name for name in names if name not in held]
    stored = {}
    if from_store and not workspace.in_memory:
        stored = workspace.store.latest_all(from_store)
    parts = []
    for name in names:
        snap = held.get(name) or stored.get(name)
        if snap is not None and snap.snapshot.team is not None:
            parts.append(snap.snapshot.team)
    merged = merge_parts(parts)
    # Names and notes come from files and servers: cleaned before any output sees them.
    return clean_record(merged) if merged is not None else None
