"""A check-in appended to the OKR file: `cockpit okr check-in` and the OKR screen's form.

The file is the team's, kept in git and written by hand: the check-in goes in as new lines and
every other byte stays as it was (comments, blank lines, indentation, CRLF line ends, a
byte-order mark), so the commit that follows shows only the check-in. Where it goes:

- a key result written as a `[[objectives.key_results]]` (or `[[kpis]]`) table gets a new
  `[[...checkins]]` table after the last line of its own (after its earlier check-ins and its
  `bind` table), indented like its earlier check-ins, or two spaces deeper than its header;
- a key result whose check-ins are an inline array (`checkins = [ {...}, ]`), or that is
  itself an inline table, gets the check-in added to that array (tomlkit edits it in place:
  a one-line array stays one line, so that line changes).

tomlkit (a TOML library that keeps the text it read) is imported only here, when a check-in is
written: never on the start-up path. Nothing is written unless the new file reads back with
exactly one more check-in on that key result.
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.text_safety import clean_line

if TYPE_CHECKING:
    from cockpit.config import Config

CONFIDENCE_RANGE = (0, 10)


OKR_KIND = "okr-file"


class CheckInError(Exception):
    """Why the check-in was not written, in words, naming the file and the key result;
    `usage` is False when the file could not be written (the disk, not the lead's input)."""

    def __init__(self, message: str, *, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage


def okr_file_target(config: Config) -> tuple[str, Path]:
    """The source name and file of the config's first enabled okr-file source: where
    `cockpit okr check-in` writes. A source that fetches its file from a URL cannot take one."""
    from cockpit.sources import resolve_source_path

    where = config.path or Path("the config")
    for name, settings in config.enabled_sources().items():
        if settings.kind != OKR_KIND:
            continue
        if settings.url:  # type: ignore[attr-defined]
            raise CheckInError(
                f"{where}: the OKR file of `sources.{name}` is fetched from a URL, and a"
                " check-in is written to a file: add it to the file in its repository (or"
                " point the source at a clone with `path`)"
            )
        return name, resolve_source_path(config, settings.path)  # type: ignore[attr-defined]
    raise CheckInError(
        f"{where}: a check-in is written to the OKR file of an okr-file source, and no"
        ' enabled source is one; add a [sources.NAME] block with kind = "okr-file" and the'
        " file's `path` (see `cockpit init` and docs/okrs.md)"
    )


def append_checkin(
    path: Path,
    kr_id: str,
    value: float,
    *,
    confidence: int | None = None,
    note: str = "",
    day: date,
) -> None:
    """Add a check-in (`day`, `value`, `confidence` 0-10, `note`) to the key result or KPI
    `kr_id` of the OKR file at `path`. Raises `CheckInError` (writing nothing) when the value
    or confidence is out of range, the id is not in the file, or the file does not read."""
    import tomlkit

    from integrations.base import SourceConfigError
    from integrations.okr_file import parse_okr_text

    if not math.isfinite(value):
        raise CheckInError(f"{value} is not a usable value; give a finite number")
    low, high = CONFIDENCE_RANGE
    if confidence is not None and not low <= confidence <= high:
        raise CheckInError(f"confidence {confidence} is out of range; give {low} to {high}")
    note = clean_line(note)
    bom, text = _read(path)
    try:
        before = parse_okr_text(text, str(path), path=str(path))
    except SourceConfigError as exc:
        raise CheckInError(f"{exc}; fix the file first, then check in again") from None
    found = _find(before, kr_id)
    if found is None:
        ids = [kr.id for o in before.objectives for kr in o.key_results]
        ids += [kpi.id for kpi in before.kpis]
        listed = ", ".join(ids) if ids else "none: the file has no key results or KPIs"
        raise CheckInError(f"{path}: no key result or KPI {kr_id!r}; the ids are: {listed}")
    entry: dict[str, Any] = {"date": day, "value": _number(value)}
    if confidence is not None:
        entry["confidence"] = confidence
    if note:
        entry["note"] = note
    newline = "\r\n" if "\r\n" in text else "\n"
    doc = tomlkit.parse(text)
    table = _table_of(doc, kr_id)
    checkins = table.get("checkins")
    if isinstance(table, tomlkit.items.Table) and (
        checkins is None or isinstance(checkins, tomlkit.items.AoT)
    ):
        after = _insert_table(text, doc, table, entry, newline, found.line)
    else:
        after = _append_inline(doc, table, entry)
    _check(before, after, path, kr_id)
    _write(path, bom + after)


def _read(path: Path) -> tuple[str, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CheckInError(f"{path}: file not found") from None
    except OSError as exc:
        raise CheckInError(f"{path}: cannot read the file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckInError(f"{path}: not UTF-8 text: {exc}") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return bom, text.removeprefix("\ufeff")


def _find(data: Any, kr_id: str) -> Any:
    for objective in data.objectives:
        for kr in objective.key_results:
            if kr.id == kr_id:
                return kr
    for kpi in data.kpis:
        if kpi.id == kr_id:
            return kpi
    return None


def _number(value: float) -> int | float:
    # 12, not 12.0, for a whole value: as a lead would type it.
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _table_of(doc: Any, kr_id: str) -> Any:
    for objective in doc.get("objectives", []):
        for kr in objective.get("key_results", []):
            if kr.get("id") == kr_id:
                return kr
    for kpi in doc.get("kpis", []):
        if kpi.get("id") == kr_id:
            return kpi
    raise AssertionError(f"{kr_id} was parsed but not found again")  # pragma: no cover


def _insert_table(
    text: str, doc: Any, table: Any, entry: dict[str, Any], newline: str, header_line: int
) -> str:
    """The check-in as a `[[...checkins]]` table after the key result's last line."""
    import tomlkit

    # Where the key result's table ends, as tomlkit sees it: a marker comment appended to it.
    marker = f"okr-checkin-{uuid.uuid4().hex}"
    table.add(tomlkit.comment(marker))
    marked = tomlkit.dumps(doc)
    found = marked.index(f"# {marker}")
    past = found + len(marker) + 2
    past += marked[past : past + 1] == "\n"
    # On a line of its own, indented like the table; or, at the end of a file without a final
    # line break, after its last line.
    line_start = marked.rfind("\n", 0, found) + 1
    starts = (line_start, found) if not marked[line_start:found].strip() else (found,)
    at = next((start for start in starts if marked[:start] + marked[past:] == text), -1)
    if at < 0:
        raise CheckInError(  # pragma: no cover - tomlkit keeps the text it read
            "the file cannot be extended without changing other lines; add the check-in by hand"
        )
    # The trailing blank and comment lines belong to whatever comes next (they usually
    # introduce it): the check-in goes before them, right after the key result's last line.
    lines = text[:at].splitlines(keepends=True)
    end = len(lines)
    while end > header_line and (not lines[end - 1].strip() or _is_comment(lines[end - 1])):
        end -= 1
    offset = sum(len(line) for line in lines[:end])
    header = _checkins_header(lines, header_line)
    indent = _indent_for(lines, header_line, header)
    block = [f"{indent}[[{header}]]"]
    block += [f"{indent}{key} = {tomlkit.item(value).as_string()}" for key, value in entry.items()]
    lead = "" if offset == 0 or text[offset - 1] == "\n" else newline
    inserted = lead + newline + newline.join(block) + newline
    return text[:offset] + inserted + text[offset:]


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _checkins_header(lines: list[str], header_line: int) -> str:
    """`objectives.key_results.checkins` or `kpis.checkins`, spelt as the key result's own
    header spells its table (quoted keys and spacing kept)."""
    own = lines[header_line - 1].strip()
    inner = own[2:].split("]]", 1)[0].strip()
    return f"{inner}.checkins"


def _indent_for(lines: list[str], header_line: int, header: str) -> str:
    """The indentation of the key result's earlier check-ins, else two spaces deeper than its
    header when that is indented, else none."""
    compact = header.replace(" ", "")
    for line in reversed(lines[header_line:]):
        stripped = line.strip()
        if stripped.startswith("[[") and stripped[2:].split("]]")[0].replace(" ", "") == compact:
            return line[: len(line) - len(line.lstrip())]
    own = lines[header_line - 1]
    indent = own[: len(own) - len(own.lstrip())]
    return indent + "  " if indent else ""


def _append_inline(doc: Any, table: Any, entry: dict[str, Any]) -> str:
    """The check-in added to an inline `checkins = [...]` array (made when missing)."""
    import tomlkit

    # Written the way the file's own inline tables usually are: `{ date = …, value = … }`.
    pairs = ", ".join(f"{key} = {tomlkit.item(value).as_string()}" for key, value in entry.items())
    item = tomlkit.parse(f"checkin = {{ {pairs} }}")["checkin"]
    checkins = table.get("checkins")
    if checkins is None:
        array = tomlkit.array()
        array.append(item)
        table["checkins"] = array
    else:
        checkins.append(item)
    return str(tomlkit.dumps(doc))


def _check(before: Any, after: str, path: Path, kr_id: str) -> None:
    """The new text reads, with the key result's check-ins one more and nothing else changed."""
    from integrations.base import SourceConfigError
    from integrations.okr_file import parse_okr_text

    try:
        data = parse_okr_text(after, str(path), path=str(path))
    except SourceConfigError as exc:  # pragma: no cover - a bug here, never the lead's input
        raise CheckInError(f"the check-in would make the file unreadable ({exc})") from None
    old, new = _find(before, kr_id), _find(data, kr_id)
    if len(new.checkins) != len(old.checkins) + 1:  # pragma: no cover
        raise CheckInError(f"{path}: the check-in did not land on {kr_id}; add it by hand")


def _write(path: Path, text: str) -> None:
    """Replace the file in one step: a reader (a sync) sees the old file or the new one."""
    data = text.encode("utf-8")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temp, path.stat().st_mode & 0o7777)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise CheckInError(f"{path}: cannot write the file: {exc}", usage=False) from None
