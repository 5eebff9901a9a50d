"""Where a key is in a TOML file: a key path → its 1-based line, for error messages.

`tomllib` returns plain dicts and lists with no positions, so a message about a hand-edited
file could say which key is wrong but not where it is. This module scans the text once more
and records the line of every key, table header and array element it meets:

    key_line(text, ("people", 2, "timezone"))          # `timezone = …` in the 3rd [[people]]
    key_line(text, ("people", 2, "travel", 0, "to"))   # `to = …` in that person's 1st travel

It understands what a hand-written file uses: `[table]` and `[[array.of.tables]]` headers,
dotted and quoted keys, inline tables, arrays that span lines, multi-line strings and
comments. A key that is not in the file (a missing required key) is answered with the line of
the nearest enclosing table or element that is; a path with nothing of it in the file gets
None. Meant for text `tomllib` has accepted; on anything else it still returns, never raises.

Stdlib only, so every layer may import it (the roster and OKR parsers, the config loader).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence

Key = str | int
KeyPath = tuple[Key, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SPACE = " \t"
_SCALAR_END = ",]}\n\r#"


def key_line(text: str, path: Sequence[Key]) -> int | None:
    """The 1-based line of `path` in `text`, or of its nearest enclosing table or element
    present in the file; None when not even the first key is there."""
    lines = key_lines(text)
    wanted = tuple(path)
    for length in range(len(wanted), 0, -1):
        line = lines.get(wanted[:length])
        if line is not None:
            return line
    return None


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key path in `text` → the line it first appears on (array elements by index)."""
    scanner = _Scanner(text)
    scanner.run()
    return scanner.found


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.found: dict[KeyPath, int] = {}
        # Arrays of tables seen so far (resolved path → how many elements), so that
        # `[[people.travel]]` after the third `[[people]]` lands under ("people", 2).
        self.arrays: dict[KeyPath, int] = {}
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]

    # --- positions -------------------------------------------------------------------

    def line(self, pos: int | None = None) -> int:
        return bisect.bisect_left(self._newlines, self.pos if pos is None else pos) + 1

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def record(self, path: KeyPath, line: int) -> None:
        self.found.setdefault(path, line)

    def skip_space(self) -> None:
        while not self.at_end() and self.text[self.pos] in _SPACE:
            self.pos += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Spaces, line breaks and comments (inside arrays and between statements)."""
        while not self.at_end():
            start = self.pos
            self.skip_space()
            self.skip_comment()
            if self.peek() in ("\n", "\r"):
                self.pos += 1
            if self.pos == start:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    # --- statements ------------------------------------------------------------------

    def run(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank()
            if self.at_end():
                return
            start = self.pos
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)
            # Whatever is left of the line: a comment, or text tomllib would refuse.
            self.skip_space()
            self.skip_comment()
            if self.pos == start or self.peek() not in ("\n", "\r", ""):
                self.skip_line()

    def header(self) -> KeyPath:
        line = self.line()
        is_array = self.peek(2) == "[["
        self.pos += 2 if is_array else 1
        keys = self.dotted_key()
        self.skip_space()
        self.pos += 2 if is_array and self.peek(2) == "]]" else 1
        if not keys:
            return ()
        path: KeyPath = ()
        for index, key in enumerate(keys):
            path += (key,)
            last = index == len(keys) - 1
            if last and is_array:
                count = self.arrays.get(path, 0)
                self.arrays[path] = count + 1
                self.record(path, line)
                path += (count,)
            elif path in self.arrays:
                path += (self.arrays[path] - 1,)
            self.record(path, line)
        return path

    def key_value(self, table: KeyPath) -> None:
        line = self.line()
        keys = self.dotted_key()
        if not keys:
            return
        self.skip_space()
        if self.peek() != "=":
            return
        self.pos += 1
        self.skip_space()
        path = table
        for key in keys:
            path += (key,)
            self.record(path, line)
        self.value(path)

    def dotted_key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self.skip_space()
            key = self.simple_key()
            if key is None:
                return tuple(keys)
            keys.append(key)
            self.skip_space()
            if self.peek() != ".":
                return tuple(keys)
            self.pos += 1

    def simple_key(self) -> str | None:
        quote = self.peek()
        if quote in ('"', "'"):
            start = self.pos
            self.string(quote)
            raw = self.text[start : self.pos]
            try:
                return str(tomllib.loads(f"k = {raw}")["k"])
            except tomllib.TOMLDecodeError:
                return raw[1:-1]
        match = _BARE_KEY.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group()

    # --- values ----------------------------------------------------------------------

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char in ('"', "'"):
            self.string(char)
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            while not self.at_end() and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1

    def string(self, quote: str) -> None:
        if self.peek(3) == quote * 3:
            self.pos += 3
            while not self.at_end():
                if quote == '"' and self.peek() == "\\":
                    self.pos += 2
                elif self.peek(3) == quote * 3:
                    self.pos += 3
                    # Up to two quotes right before the closing ones belong to the string.
                    extra = 0
                    while extra < 2 and self.peek() == quote:
                        self.pos += 1
                        extra += 1
                    return
                else:
                    self.pos += 1
            return
        self.pos += 1
        while not self.at_end():
            char = self.text[self.pos]
            if quote == '"' and char == "\\":
                self.pos += 2
            elif char == quote:
                self.pos += 1
                return
            elif char == "\n":
                return  # an unterminated string: tomllib would have refused the file
            else:
                self.pos += 1

    def array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank()
            if self.at_end():
                return
            if self.peek() == "]":
                self.pos += 1
                return
            start = self.pos
            self.record((*path, index), self.line())
            self.value((*path, index))
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1
                index += 1
            elif self.pos == start:
                self.pos += 1  # not a value: step over it rather than loop

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        while True:
            self.skip_blank()
            if self.at_end():
                return
            if self.peek() == "}":
                self.pos += 1
                return
            start = self.pos
            line = self.line()
            keys = self.dotted_key()
            self.skip_space()
            if keys and self.peek() == "=":
                self.pos += 1
                self.skip_space()
                inner = path
                for key in keys:
                    inner += (key,)
                    self.record(inner, line)
                self.value(inner)
            self.skip_blank()
            # Past the comma; or, when nothing could be read here, past the odd character.
            if self.peek() == "," or self.pos == start:
                self.pos += 1


def nesting_line(text: str, limit: int = 100) -> int:
    """The line where brackets and braces first nest `limit` deep: where to look when a file
    nests too deeply for the TOML reader. Brackets inside strings count too; it is a hint."""
    depth = 0
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return line
        elif char in "]}":
            depth = max(depth - 1, 0)
    return 1
