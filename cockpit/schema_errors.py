"""Readable messages for msgspec validation errors: the key path first, then what was wrong.

Shared by the config loader and the file-based sources (OKRs, roster); stdlib and msgspec only,
so every layer may import it.

A user never sees a regular expression: a string field with a pattern is declared through
`described_pattern`, which records what the pattern means in words, and a pattern without
words is reported as "not in the expected form". With the data that failed, the message also
quotes the value that was wrong.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import msgspec

# pattern → (what a matching value is, an example of the expected form)
_PATTERN_WORDS: dict[str, tuple[str, str]] = {}

_MISSING = object()


def described_pattern(pattern: str, what: str, expected: str) -> Any:
    """A `str` type constrained by `pattern`, whose errors say `"9am" is not {what}; expected
    {expected}` instead of showing the pattern."""
    _PATTERN_WORDS[pattern] = (what, expected)
    return Annotated[str, msgspec.Meta(pattern=pattern)]


def explain_validation_error(
    message: str, kinds: tuple[str, ...] = (), data: object = _MISSING
) -> str:
    """Turn msgspec's `... - at `$.a.b`` into `a.b: ...` with the key path first.

    `data` is what was validated: when given, the message quotes the offending value.
    """
    match = re.match(r"^(?P<what>.*?)(?: - at `\$(?P<where>[^`]*)`)?$", message, re.DOTALL)
    if not match:
        return _without_pattern(message)
    what = match["what"]
    raw_where = match["where"] or ""
    where = raw_where.lstrip(".")
    where = re.sub(r"\[(['\"]?)([^\]]*?)\1\]", r".\2", where).lstrip(".")
    value = _value_at(data, raw_where)
    unknown = re.match(r"Object contains unknown field `(?P<key>[^`]+)`", what)
    if unknown:
        key = f"{where}.{unknown['key']}" if where else unknown["key"]
        return f"unknown key `{key}`"
    if what.startswith("Invalid value") and where.endswith(".kind") and kinds:
        return f"`{where}`: {what.lower()}; expected one of: {', '.join(kinds)}"
    if "missing required field" in what:
        key = re.search(r"`([^`]+)`", what)
        full = f"{where}.{key.group(1)}" if key and where else (key.group(1) if key else where)
        return f"missing key `{full}`"
    pattern = re.match(r"Expected `str` matching regex '(?P<pattern>.*)'$", what, re.DOTALL)
    if pattern:
        words = _PATTERN_WORDS.get(_unescape(pattern["pattern"]))
        shown = f"{_quote(value)} " if value is not _MISSING else ""
        if words:
            detail = f"{shown}is not {words[0]}; expected {words[1]}"
        else:
            detail = f"{shown}is not in the expected form"
        return f"`{where}`: {detail}" if where else detail
    numeric = re.match(r"Expected `(int|float|int \| float)`, got `str`$", what)
    if numeric:
        shown = f" {_quote(value)}" if value is not _MISSING else ""
        kind = "a whole number" if numeric.group(1) == "int" else "a number"
        detail = f"expected {kind}, got the text{shown}; write numbers without quotes"
        return f"`{where}`: {detail}" if where else detail
    what = _without_pattern(what)
    if value is not _MISSING and re.match(r"Expected `[^`]+`, got `", what):
        what += f" ({_quote(value)})"
    if where:
        return f"`{where}`: {what[0].lower()}{what[1:]}"
    return what


def validation_error_path(message: str) -> tuple[str | int, ...]:
    """The key path a msgspec error is about, as keys and indexes: `... - at `$.people[2]`` →
    ("people", 2); an unknown or missing field adds its own name, so that a file's line finder
    can point at the key (or, when it is missing, at the table that lacks it). A dict key
    msgspec does not show (`[...]`) ends the path there."""
    match = re.match(r"^(?P<what>.*?)(?: - at `\$(?P<where>[^`]*)`)?$", message, re.DOTALL)
    if not match:
        return ()
    path: list[str | int] = []
    for name, index, _quote_mark, key, elided in re.findall(
        r"\.([^.\[]+)|\[(\d+)\]|\[(['\"])(.*?)\3\]|(\[\.\.\.\])", match["where"] or ""
    ):
        if elided:
            return tuple(path)
        path.append(int(index) if index else name or key)
    field = re.match(r"Object (?:contains unknown|missing required) field `([^`]+)`", match["what"])
    if field:
        path.append(field.group(1))
    return tuple(path)


def _unescape(shown: str) -> str:
    # msgspec shows the pattern as a Python repr body: backslashes doubled.
    return shown.replace("\\\\", "\\")


def _without_pattern(text: str) -> str:
    """Last line of defence: a regex never reaches the user, whatever msgspec says."""
    return re.sub(r" matching regex '.*?'(?= - at |$)", " in the expected form", text)


def _quote(value: object) -> str:
    if isinstance(value, str):
        # JSON quoting escapes C0 controls; C1 controls, line separators and bidi overrides
        # are escaped too, so that a value cannot act on the terminal it is shown in.
        text = _UNSAFE.sub(
            lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)
        )
    else:
        text = repr(value)  # escapes every character that is not printable
    # A long value is cut: it only has to be recognised.
    return text if len(text) <= 60 else text[:57] + "..."


_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _value_at(data: object, where: str) -> object:
    """The value at msgspec's path (`.a[2].b`, `["key"]`) inside `data`, if it is there."""
    if data is _MISSING:
        return _MISSING
    current = data
    for name, index, _quote_mark, key in re.findall(
        r"\.([^.\[]+)|\[(\d+)\]|\[(['\"])(.*?)\3\]", where
    ):
        step: object = name or key
        if index:
            step = int(index)
        try:
            current = current[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return current
