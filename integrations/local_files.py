"""Sources kept as TOML files beside the config: the OKR file (and, re-exported from
`integrations.roster_file`, the team roster).

Both are hand-edited, so every error names the file and the key (`objectives.1.key_results.0.
target`) and never shows a traceback or half-read numbers.
"""

from __future__ import annotations

import asyncio
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import msgspec

from cockpit.models import KeyResult, Objective, OkrData, Snapshot
from cockpit.schema_errors import explain_validation_error
from cockpit.text_safety import clean_record
from integrations.base import FetchContext, SourceConfigError
from integrations.roster_file import RosterFileSource, parse_roster_file

__all__ = ["OkrFileSource", "RosterFileSource", "parse_okr_file", "parse_roster_file"]

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Number = int | float


class _KeyResultEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Text
    title: Text
    target: Number
    current: Number
    start: Number = 0
    unit: str = ""
    owner: str = ""
    updated: date | None = None


class _ObjectiveEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Text
    title: Text
    owner: str = ""
    key_results: list[_KeyResultEntry] = msgspec.field(default_factory=list)


class _OkrFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    period: Text
    start: date
    end: date
    objectives: list[_ObjectiveEntry]


FileT = TypeVar("FileT")


def _read_toml(path: Path, schema: type[FileT]) -> FileT:
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which TOML does not allow.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceConfigError(f"{path}: cannot read the file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        # Strict: `current = "5"` is a mistake to point out, not a number to guess.
        return msgspec.convert(data, schema, strict=True)
    except msgspec.ValidationError as exc:
        raise SourceConfigError(
            f"{path}: {explain_validation_error(str(exc), data=data)}"
        ) from None


def parse_okr_file(path: Path) -> OkrData:
    entry = _read_toml(path, _OkrFile)
    if entry.end < entry.start:
        raise SourceConfigError(f"{path}: `end` ({entry.end}) is before `start` ({entry.start})")
    objective_ids: dict[str, str] = {}
    kr_ids: dict[str, str] = {}
    objectives = []
    for o_index, objective in enumerate(entry.objectives):
        _check_unique(path, objective_ids, objective.id, f"objectives.{o_index}")
        krs = []
        for k_index, kr in enumerate(objective.key_results):
            where = f"objectives.{o_index}.key_results.{k_index}"
            _check_unique(path, kr_ids, kr.id, where)
            if kr.target == kr.start:
                raise SourceConfigError(
                    f"{path}: `{where}`: target equals start ({kr.target:g}), so progress is "
                    "undefined"
                )
            values = (kr.start, kr.target, kr.current)
            if any(v != v or v in (float("inf"), float("-inf")) for v in values):
                raise SourceConfigError(
                    f"{path}: `{where}`: start, target and current must be finite"
                )
            krs.append(
                KeyResult(
                    id=kr.id,
                    title=kr.title,
                    start=float(kr.start),
                    target=float(kr.target),
                    current=float(kr.current),
                    unit=kr.unit,
                    owner=kr.owner or objective.owner,
                    updated=kr.updated,
                )
            )
        objectives.append(
            Objective(objective.id, objective.title, objective.owner, entry.period, tuple(krs))
        )
    # Titles and names reach the terminal: no control characters or escape sequences.
    return clean_record(OkrData(entry.period, entry.start, entry.end, tuple(objectives)))


def _check_unique(path: Path, seen: dict[str, str], key: str, where: str) -> None:
    """Ids pick out one entry; a second one with the same id would be shadowed or mixed in."""
    if key in seen:
        raise SourceConfigError(
            f"{path}: `{where}.id`: {key!r} is used twice (also `{seen[key]}.id`); give each"
            " entry its own id"
        )
    seen[key] = where


class OkrFileSource:
    kind = "okr-file"
    uses_network = False

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        return Snapshot(okrs=await asyncio.to_thread(parse_okr_file, self.path))
