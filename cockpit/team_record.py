"""`cockpit team slots --record`: the picked slot added to the team's meetings file, the one
the first roster-file source of the config reads, so that the fairness ledger counts it from
the next sync.

The file is the lead's own: the meeting goes in as a new `[[meetings]]` block at its end and
every byte before it is kept (`integrations.roster_file.append_meeting`). Nothing is written
when the file, the roster or the attendees would make the next sync refuse it: the roster
source reads every meeting's attendees against the roster, and one broken block fails the
whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.models import Meeting

ROSTER_KIND = "roster-file"


class RecordError(Exception):
    """Why the meeting was not recorded, in words, naming the file or the setting; `usage`
    is False when the file could not be written (the disk, not the lead's input)."""

    def __init__(self, message: str, *, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True, slots=True)
class Target:
    source: str  # the [sources.NAME] block
    roster: Path
    meetings: Path
    configured: bool  # the source's `meetings` setting names the file (else: the default)


def meetings_target(config: Config) -> Target:
    """The meetings file of the config's first enabled roster-file source: its `meetings`
    setting, else `meetings.toml` beside the roster (created by the first recording). A file
    the setting names must exist: a typo would otherwise start a file no sync reads."""
    from cockpit.sources import resolve_source_path
    from integrations.roster_file import MEETINGS_FILE

    where = config.path or Path("the config")
    for name, settings in config.enabled_sources().items():
        if settings.kind != ROSTER_KIND:
            continue
        roster = resolve_source_path(config, settings.path)  # type: ignore[attr-defined]
        raw = settings.meetings  # type: ignore[attr-defined]
        if not raw:
            return Target(name, roster, roster.with_name(MEETINGS_FILE), configured=False)
        meetings = resolve_source_path(config, raw)
        if not meetings.is_file():
            raise RecordError(
                f"{meetings}: no meetings file here, and `sources.{name}.meetings` in {where}"
                " names it; create the file (it may be empty) or correct the setting"
            )
        return Target(name, roster, meetings, configured=True)
    raise RecordError(
        f"{where}: --record adds the meeting to the meetings file of a roster-file source,"
        " and no enabled source is one; add a [sources.NAME] block with"
        ' kind = "roster-file" (see `cockpit init` and docs/roster.md)'
    )


def record_meeting(
    config: Config, meeting: Meeting, today: date, target: Target | None = None
) -> Path:
    """Append `meeting` to the meetings file (`meetings_target`), after checking that the
    roster reads, that every attendee is one of its people, and that the file as it is reads
    too. Returns the file's path; raises RecordError, writing nothing, when it cannot."""
    from integrations.base import SourceConfigError
    from integrations.roster_file import append_meeting, parse_meetings_file, parse_roster_file

    target = target or meetings_target(config)
    try:
        roster = parse_roster_file(target.roster, today=today)
    except SourceConfigError as exc:
        raise RecordError(f"{exc}; fix the roster before recording a meeting") from None
    ids = {person.id for person in roster.people}
    missing = [a for a in meeting.attendees if a not in ids]
    if missing:
        names = ", ".join(missing)
        raise RecordError(
            f"--record: {names} {'is' if len(missing) == 1 else 'are'} not in the roster"
            f" {target.roster}, and the meetings file names roster people only; add them to the"
            " roster, or leave them out of --people"
        )
    if target.meetings.exists():
        try:
            parse_meetings_file(target.meetings, ids)
        except SourceConfigError as exc:
            raise RecordError(f"{exc}; fix it before recording in it") from None
    try:
        append_meeting(target.meetings, meeting)
    except OSError as exc:
        raise RecordError(f"cannot write {target.meetings}: {exc}", usage=False) from None
    return target.meetings
