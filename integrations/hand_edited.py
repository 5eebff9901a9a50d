"""Files the team edits by hand (the OKR file, the roster, the meetings file): reading them, and
saying where they are wrong as `team.toml:14: `people.2.timezone`: …`.

tomllib keeps no positions, so a key's line is found in the text (`cockpit/toml_lines.py`),
once per file: every record of a long file may ask for its line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from cockpit.toml_lines import key_lines, nesting_line
from integrations.base import SourceConfigError

Key = str | int


class HandEditedFile:
    """One hand-edited file's text. `name` is what messages call it: the path, or the URL it
    was fetched from."""

    def __init__(self, name: str | Path, text: str) -> None:
        self.name = str(name)
        self.text = text
        self._lines: dict[tuple[Key, ...], int] | None = None

    def _line(self, key: Sequence[Key]) -> int | None:
        """The line of `key`, else of the nearest table holding it; None when none is found."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        wanted = tuple(key)
        for length in range(len(wanted), 0, -1):
            line = self._lines.get(wanted[:length])
            if line is not None:
                return line
        return None

    def line(self, key: Sequence[Key]) -> int:
        return self._line(key) or 0

    def at(self, key: Sequence[Key]) -> str:
        line = self._line(key)
        return f"{self.name}:{line}" if line is not None else self.name

    def fail(self, key: Sequence[Key], message: str) -> NoReturn:
        raise SourceConfigError(f"{self.at(key)}: `{spell_key(key)}`: {message}")


def read_text(path: Path) -> str:
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which TOML does not allow.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise SourceConfigError(
            f"{path}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x}); "
            "save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise SourceConfigError(f"{path}: cannot read the file: {exc}") from None


def load_toml(text: str, name: str | Path) -> dict[str, Any]:
    """The TOML document, or an error with the line tomllib found the mistake on."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        if where:
            reason = str(exc)[: where.start()].rstrip()
            raise SourceConfigError(
                f"{name}:{where[1]}: not valid TOML: {reason} (column {where[2]})"
            ) from None
        if str(exc).endswith("(at end of document)"):
            reason = str(exc).removesuffix("(at end of document)").rstrip()
            line = text.rstrip("\n").count("\n") + 1
            raise SourceConfigError(
                f"{name}:{line}: not valid TOML: {reason} (at the end of the file)"
            ) from None
        raise SourceConfigError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise SourceConfigError(
            f"{name}:{nesting_line(text)}: not valid TOML: values nested too deeply"
        ) from None


def spell_key(key: Sequence[Key]) -> str:
    return ".".join(_spell_part(part) for part in key)


def _spell_part(part: Key) -> str:
    # A key comes from the file: one that is not a plain name is quoted, escapes and all.
    if isinstance(part, int) or _PLAIN_KEY.match(part):
        return str(part)
    return quoted(part)


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def quoted(text: str) -> str:
    """Text from the file in a message: quoted, and cut when long."""
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")
