"""The line of a key in a TOML file, for error messages about hand-edited files."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.toml_lines import key_line, key_lines

DOC = '''# team
title = "x"  # a comment with = and [brackets]
[[people]]
id = "a"
hours = [
  "09:00-12:00",  # morning
  "14:00-18:00",
]
[people.hours_by_day]
fri = ["09:00-13:00"]
[[people.travel]]
timezone = "Asia/Dubai"
from = 2026-12-01
[[people]]
id = "b"
time_off = [2026-01-01, {from = 2026-02-01, to = 2026-02-03}]
note = """multi
[[people]]
line """
"quoted.key" = 1
a.b.c = 2
[[people.travel]]
to = 2026-01-01
[ people . "travel" . extra ]
x = 'lit # not a comment'
'''


def test_the_document_is_toml() -> None:
    assert tomllib.loads(DOC)["people"][1]["travel"][0]["extra"]["x"] == "lit # not a comment"


def test_keys_tables_and_elements_are_found() -> None:
    expected = {
        ("title",): 2,
        ("people", 0): 3,
        ("people", 0, "id"): 4,
        ("people", 0, "hours"): 5,
        ("people", 0, "hours", 1): 7,
        ("people", 0, "hours_by_day"): 9,
        ("people", 0, "hours_by_day", "fri", 0): 10,
        ("people", 0, "travel", 0): 11,
        ("people", 0, "travel", 0, "from"): 13,
        ("people", 1): 14,
        ("people", 1, "time_off", 1, "to"): 16,
        ("people", 1, "note"): 17,
        ("people", 1, "quoted.key"): 20,
        ("people", 1, "a", "b", "c"): 21,
        # The second person's travel starts again at 0.
        ("people", 1, "travel", 0, "to"): 23,
        ("people", 1, "travel", 0, "extra", "x"): 25,
    }
    for path, line in expected.items():
        assert key_line(DOC, path) == line, path
    # The multi-line string's "[[people]]" is text, not a third person.
    assert ("people", 2) not in key_lines(DOC)


def test_a_missing_key_falls_back_to_its_table() -> None:
    assert key_line(DOC, ("people", 1, "travel", 0, "timezone")) == 22
    assert key_line(DOC, ("people", 0, "hours_by_day", "mon")) == 9
    assert key_line(DOC, ("people", 0, "name")) == 3
    assert key_line(DOC, ("people", 7)) == 3  # the array itself
    assert key_line(DOC, ("period",)) is None
    assert key_line(DOC, ()) is None


def test_windows_line_endings() -> None:
    assert key_line(DOC.replace("\n", "\r\n"), ("people", 1, "a", "b", "c")) == 21


# --- properties -----------------------------------------------------------------------

keys = st.sampled_from(["id", "name", "to", "from", "a-b", "x_1", "quoted key", "dotted.key"])
scalars = st.one_of(
    st.integers(-99, 99).map(str),
    st.sampled_from(["true", "2026-01-02", "1979-05-27 07:32:00Z", "3.5", "inf"]),
    st.text(max_size=6).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(alphabet=st.characters(blacklist_characters="'\n\r"), max_size=6).map(
        lambda t: f"'{t}'"
    ),
)


def toml_key(key: str) -> str:
    return f'"{key}"' if not key.replace("-", "").replace("_", "").isalnum() else key


def clean(text: str) -> str:
    # Control characters are not allowed in TOML strings.
    return "".join(c for c in text if c >= " " and c != "\x7f")


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[tuple[object, ...], int]]:
    """A roster-shaped document and the line every key and element was written on."""
    lines: list[str] = []
    expected: dict[tuple[object, ...], int] = {}

    def emit(text: str) -> int:
        lines.append(text)
        return len(lines)

    for person in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            emit("# a comment")
        expected[("people", person)] = emit("[[people]]")
        for key in draw(st.lists(keys, unique=True, max_size=4)):
            value = clean(draw(scalars))
            expected[("people", person, key)] = emit(f"{toml_key(key)} = {value}  # note")
        if draw(st.booleans()):
            expected[("people", person, "hours")] = emit("hours = [")
            for index in range(draw(st.integers(0, 3))):
                expected[("people", person, "hours", index)] = emit(f'  "0{index}:00-10:00",')
            emit("]")
        if draw(st.booleans()):
            line = emit('time_off = [2026-01-01, { from = 2026-02-01, note = "a, b" }]')
            for path in [("time_off",), ("time_off", 0), ("time_off", 1, "from")]:
                expected[("people", person, *path)] = line
        for stay in range(draw(st.integers(0, 2))):
            expected[("people", person, "travel", stay)] = emit("[[people.travel]]")
            expected[("people", person, "travel", stay, "to")] = emit("to = 2026-01-05")
    return "\n".join(lines) + "\n", expected


@settings(max_examples=200, deadline=None)
@given(documents())
def test_every_written_key_is_found_on_its_line(
    document: tuple[str, dict[tuple[object, ...], int]],
) -> None:
    text, expected = document
    tomllib.loads(text)  # the generator writes real TOML
    for path, line in expected.items():
        assert key_line(text, path) == line, (path, text)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]{}=\"'#.,\n\r\\ ab1-+")), max_size=80))
def test_any_text_gets_an_answer_never_an_exception(text: str) -> None:
    key_lines(text)
    line = key_line(text, ("a", 0, "b"))
    assert line is None or 1 <= line <= text.count("\n") + 1
