"""Text from sources is untrusted: make it harmless before it reaches a terminal or a file.

An issue title, a roster name or a run name is written by someone else. Printed as it is, an
escape sequence in it can retitle the user's terminal (`ESC ]0;… BEL`), clear the screen
(`ESC [2J`) or hide what follows; a bidi override (U+202E) can make text read differently from
what it is; a control byte makes the SVG screenshot invalid XML.

`clean_line` is for one-line fields (every field of every record): whole escape sequences go,
line breaks and tabs become one space, other control characters and bidi overrides go.
`clean_text` is for whole documents (the status report, an export): it keeps newlines and tabs.
`clean_record` applies `clean_line` to every string inside a record, a view-model, or plain
JSON-like data. Parsers call it once on what they build. The store checks each snapshot it
writes and marks the payloads with nothing left to clean (`cockpit.store.needs_no_cleaning`);
the dashboard cleans the snapshots it reads without that mark (a cache written by an older
cockpit may hold records from before the parsers cleaned them), and the outputs clean what
they add.

Ordinary Unicode (accents, CJK, emoji) and square brackets are kept: Rich markup in data stays
literal text, because the widgets never parse data as markup. Stdlib only, so that every layer
(integrations included) may import it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")

# Whole sequences, so that `ESC ]0;pwned BEL` leaves nothing behind rather than "]0;pwned".
#  - strings (OSC, DCS, SOS, PM, APC), 7-bit or 8-bit introducer, ended by BEL, ST or 8-bit ST;
#  - CSI (7-bit `ESC [` or 8-bit U+009B) with its parameter, intermediate and final bytes;
#  - any other escape: ESC, intermediate bytes, one final byte (`ESC c`, `ESC ( B`, `ESC 7`).
# An unterminated string or CSI falls through to the last branch, which takes its introducer;
# what follows stays as visible, harmless text.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)

# Everything that moves the cursor, changes the terminal's state, or reorders text: C0 controls,
# DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_OR_BREAK = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_UNSAFE_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")

# Line breaks and tabs inside a one-line field: a run of them (with the spaces around) is one
# space, so "a\r\nb" reads "a b" and a table row stays one row.
_BREAKS_IN_LINE = re.compile("(?: *[\t\n\x0b\x0c\r\x85\u2028\u2029])+ *")
# In a document, every kind of line break becomes "\n"; a bare carriage return would otherwise
# let later text overwrite what the line already showed.
_BREAKS_IN_TEXT = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")


def clean_line(text: str) -> str:
    """One line of plain text: no control character, no escape sequence, no bidi override."""
    if not _UNSAFE_OR_BREAK.search(text):
        return text  # the common case costs one scan and keeps the object (and any str subclass)
    text = _SEQUENCE.sub("", text)
    text = _BREAKS_IN_LINE.sub(" ", text)
    return _UNSAFE.sub("", text)


def clean_text(text: str) -> str:
    """A document: like `clean_line`, but newlines and tabs are kept."""
    if not _UNSAFE_IN_TEXT.search(text):
        return text
    text = _SEQUENCE.sub("", text)
    text = _BREAKS_IN_TEXT.sub("\n", text)
    return _UNSAFE.sub("", text)


def is_clean_line(text: str) -> bool:
    return not _UNSAFE_OR_BREAK.search(text)


def clean_record(value: T) -> T:
    """`clean_line` on every string inside `value`: a msgspec Struct (records, view-models),
    a tuple, list or dict of them (keys too), or a plain string. Anything else is returned as it
    is. Unchanged parts keep their identity, so cleaning clean data allocates nothing."""
    return _clean(value)  # type: ignore[no-any-return]


# Values that hold no text: skipped without a call. A dashboard holds thousands of numbers and
# times beside its strings, and a call for each was most of what cleaning one cost.
_NO_TEXT = frozenset({int, float, bool, type(None), datetime, date})


def _clean_part(value: Any) -> Any:
    kind = type(value)
    if kind in _NO_TEXT:
        return value
    if kind is str:
        return value if not _UNSAFE_OR_BREAK.search(value) else clean_line(value)
    return _clean(value)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_line(value)
    fields = getattr(type(value), "__struct_fields__", None)
    if fields is not None:
        changed = {}
        for name in fields:
            old = getattr(value, name)
            new = _clean_part(old)
            if new is not old:
                changed[name] = new
        if not changed:
            return value
        # Structs take every field by keyword; no msgspec import keeps this module stdlib-only.
        return type(value)(**{name: changed.get(name, getattr(value, name)) for name in fields})
    if isinstance(value, tuple | list):
        if _NO_TEXT.issuperset(map(type, value)):
            return value  # numbers and times only (a metric's history): one pass in C
        items = [_clean_part(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        pairs = [(_clean_part(k), _clean_part(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value
