"""Structure-aware mutations of a valid document, for fuzzing the parsers.

A valid recorded document (a JSON answer, a TOML file read into Python) is walked to a random
node, which is then dropped, retyped, emptied, blown up or nested deeply. A few such mutations
on a real document reach far deeper into a parser than random text does: the parser has to get
past the parts that are still right before it meets the one that is wrong.

`Dup` stands for a JSON object written with a key twice (`to_json` writes it so); parsers that
take Python objects see it as a dict where the last value wins, as json.loads does.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st


class Dup(list):  # type: ignore[type-arg]
    """An object whose (key, value) pairs may repeat a key."""


# Values a parser may meet where it expects something else: every JSON type, the edges of
# numbers, text that is empty, huge, control characters, escapes, right-to-left, astral.
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\x1b[31mred\x1b[0m",
        "[bold red]x[/]",
        "\u202eevil",
        "😀" * 3,
        "x" * 5000,
        "\ud800",  # a lone surrogate: not encodable as UTF-8
        "nan",
        "NaN",
        "Infinity",
        "-1",
        "1e309",
        "2026-13-45",
        "2026-11-23T25:61:00Z",
        "0000-00-00",
        "null",
        "{}",
        "[]",
        "\n\r\t",
    ]
) | st.text(max_size=12)

# A file read from disk holds no lone surrogate: its decoding would have failed first.
TOML_TEXT = HOSTILE_TEXT.filter(lambda s: "\ud800" not in s)

HOSTILE_NUMBER = (
    st.sampled_from(
        [
            0,
            -1,
            -(2**63),
            2**63,
            2**64 + 1,
            10**30,
            -(10**30),
            1e308,
            -1e308,
            5e-324,
            math.nan,
            math.inf,
            -math.inf,
            0.5,
            -0.0,
        ]
    )
    | st.integers()
    | st.floats()
)

SCALARS = st.one_of(st.none(), st.booleans(), HOSTILE_NUMBER, HOSTILE_TEXT)


def hostile_values(*, toml: bool = False) -> st.SearchStrategy[Any]:
    """Any value, of any type. TOML has no null, and adds dates and times."""
    scalars = (
        st.one_of(
            st.booleans(),
            HOSTILE_NUMBER,
            TOML_TEXT,
            st.dates(),
            st.datetimes(timezones=st.just(UTC) | st.none()),
        )
        if toml
        else SCALARS
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.text(max_size=6) | (TOML_TEXT if toml else HOSTILE_TEXT), inner, max_size=3
            )
        ),
        max_leaves=6,
    )


def _paths(document: Any) -> list[tuple[Any, ...]]:
    """Every node's path, the root included, down to a depth that a deep nest does not swamp."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while stack:
        prefix, node = stack.pop()
        found.append(prefix)
        if len(prefix) >= 12:
            continue
        if isinstance(node, Dup):
            continue  # its pairs are not nodes of the document
        if isinstance(node, dict):
            stack += [((*prefix, key), value) for key, value in node.items()]
        elif isinstance(node, list):
            stack += [((*prefix, index), value) for index, value in enumerate(node)]
    return sorted(found, key=lambda p: (len(p), [str(part) for part in p]))


def _copy(document: Any) -> Any:
    return _rebuild(document, keep_dup=True)


def _rebuild(document: Any, *, keep_dup: bool) -> Any:
    """A fresh copy of the containers, without recursion (a nest may be thousands deep)."""
    made: dict[int, Any] = {}
    order: list[Any] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list) and id(node) not in made:
            made[id(node)] = None
            order.append(node)
            stack += (
                [v for _k, v in node]
                if isinstance(node, Dup)
                else (list(node.values()) if isinstance(node, dict) else list(node))
            )

    def value(node: Any) -> Any:
        return made[id(node)] if isinstance(node, dict | list) else node

    for node in reversed(order):  # children before their parents
        if isinstance(node, Dup):
            pairs = [(k, value(v)) for k, v in node]
            made[id(node)] = Dup(pairs) if keep_dup else dict(pairs)
        elif isinstance(node, dict):
            made[id(node)] = {k: value(v) for k, v in node.items()}
        else:
            made[id(node)] = [value(v) for v in node]
    return value(document)


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(document, path[:-1])[path[-1]] = value
    return document


def _delete(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    parent = _get(document, path[:-1])
    del parent[path[-1]]
    return document


def _nested(value: Any, depth: int, toml: bool) -> Any:
    for _ in range(depth):
        value = [value] if toml or depth % 2 else {"a": value}
    return value


@st.composite
def mutated(
    draw: st.DrawFn,
    document: Any,
    *,
    toml: bool = False,
    max_mutations: int = 3,
    deep: int = 200,
) -> Any:
    """`document` with one to `max_mutations` mutations. `toml`: only values TOML can hold (no
    null, no duplicate keys, which TOML refuses before any parser of ours sees them). `deep`:
    the deepest nest; a failing example's report prints the document, which must not itself
    overflow, so tests of text parsers ask for deeper ones and pass bytes."""
    document = _copy(document)
    for _ in range(draw(st.integers(1, max_mutations))):
        # A TOML document's root is always a table.
        paths = _paths(document)[1:] if toml else _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node = _get(document, path)
        actions = ["retype", "retype", "drop", "empty", "nest", "grow"]
        if isinstance(node, dict) and not toml:
            actions.append("duplicate")
        if isinstance(node, str):
            actions.append("mangle")
        action = draw(st.sampled_from(actions))
        if action == "retype":
            document = _set(document, path, draw(hostile_values(toml=toml)))
        elif action == "drop":
            document = _delete(document, path) if path else document
        elif action == "empty":
            empty = {} if isinstance(node, dict) else [] if isinstance(node, list) else ""
            document = _set(document, path, empty)
        elif action == "nest":
            # tomlkit cannot write a nest much deeper than 300; DEEP texts test deeper ones.
            depth = draw(st.sampled_from([1, 2, 50, min(deep, 300) if toml else deep]))
            document = _set(document, path, _nested(node, depth, toml))
        elif action == "grow":
            if isinstance(node, list) and node:
                document = _set(document, path, node * draw(st.integers(2, 50)))
            elif isinstance(node, dict):
                key = draw(st.text(max_size=8) | TOML_TEXT)
                node[key] = draw(hostile_values(toml=toml))
        elif action == "duplicate":
            pairs = list(node.items())
            if pairs:
                key, _value = draw(st.sampled_from(pairs))
                pairs.append((key, draw(hostile_values())))
            document = _set(document, path, Dup(pairs))
        elif action == "mangle":
            cut = draw(st.integers(0, len(node)))
            # A file read from disk holds no lone surrogate: its decoding would have failed.
            text = TOML_TEXT if toml else HOSTILE_TEXT
            document = _set(document, path, node[:cut] + draw(text) + node[cut:])
    return document


def plain(document: Any) -> Any:
    """The document as json.loads would give it: `Dup` becomes a dict, the last value wins."""
    return _rebuild(document, keep_dup=False)


def to_json(document: Any) -> bytes:
    """JSON text, with NaN and Infinity as the bare tokens some servers send, repeated keys as
    written, and any lone surrogate as an invalid byte sequence."""
    return _json_text(document).encode("utf-8", "surrogatepass")


def _json_text(document: Any) -> str:
    # Iterative for containers: a deeply nested document must not overflow the writer itself.
    if isinstance(document, Dup | dict | list):
        parts: list[str] = []
        stack: list[Any] = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, _Raw):
                parts.append(item.text)
            elif isinstance(item, Dup | dict):
                pairs = list(item) if isinstance(item, Dup) else list(item.items())
                stack.append(_Raw("}"))
                for index in range(len(pairs) - 1, -1, -1):
                    key, value = pairs[index]
                    stack.append(value)
                    stack.append(_Raw(("," if index else "") + _scalar(str(key)) + ":"))
                stack.append(_Raw("{"))
            elif isinstance(item, list):
                stack.append(_Raw("]"))
                for index in range(len(item) - 1, -1, -1):
                    stack.append(item[index])
                    if index:
                        stack.append(_Raw(","))
                stack.append(_Raw("["))
            else:
                parts.append(_scalar(item))
        return "".join(parts)
    return _scalar(document)


class _Raw:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _scalar(value: Any) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def to_toml(document: dict[str, Any]) -> str:
    """TOML text for a mutated document (tomlkit writes nested tables, arrays of tables, dates,
    nan and inf; a huge integer is written as it is, which TOML readers accept)."""
    import tomlkit

    return tomlkit.dumps(_toml_ready(document))


def _toml_ready(document: Any) -> Any:
    # A root that a mutation turned into something else is still written as a table.
    if isinstance(document, dict):
        return {str(key): _toml_ready(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_toml_ready(value) for value in document]
    return document
