"""Readable messages for msgspec validation errors: the key path first, then what was wrong.

Shared by the config loader and the file-based sources (OKRs, roster); stdlib and msgspec only,
so every layer may import it.
"""

from __future__ import annotations

import re


def explain_validation_error(message: str, kinds: tuple[str, ...] = ()) -> str:
    """Turn msgspec's `... - at `$.a.b`` into `a.b: ...` with the key path first."""
    match = re.match(r"^(?P<what>.*?)(?: - at `\$(?P<where>[^`]*)`)?$", message, re.DOTALL)
    if not match:
        return message
    what = match["what"]
    where = (match["where"] or "").lstrip(".")
    where = re.sub(r"\[(['\"]?)([^\]]*?)\1\]", r".\2", where).lstrip(".")
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
    if where:
        return f"`{where}`: {what[0].lower()}{what[1:]}"
    return what
