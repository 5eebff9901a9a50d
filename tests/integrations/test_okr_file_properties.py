"""Property tests of the OKR file: generated files, in every layout the format allows, come out
as the right records; any text at all gives records or a `SourceConfigError` that starts with
the file's path, never another exception."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cockpit.models import CheckIn, KeyResult, OkrData
from cockpit.text_safety import clean_line, is_clean_line
from integrations.base import SourceConfigError
from integrations.okr_file import BINDING_KINDS, parse_okr_file, parse_okr_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "okrs"
FULL = (FIXTURES / "okrs.toml").read_text(encoding="utf-8")
QUARTER_START, QUARTER_END = date(2026, 10, 1), date(2026, 12, 31)

FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


# --- a model of a file, and how it is written -----------------------------------------------


@dataclass
class GenCheckIn:
    day: date
    value: float
    confidence: int | None
    note: str


@dataclass
class GenKr:
    id: str
    title: str
    baseline: float | None
    target: float | None
    band: tuple[float, float] | None
    direction: str  # "" = not written
    weight: float
    unit: str
    owner: str
    checkins: list[GenCheckIn]
    bind: dict[str, object] | None
    baseline_key: str  # "baseline" or "start"
    inline_checkins: bool
    bind_as_table: bool


@dataclass
class GenObjective:
    id: str
    title: str
    owner: str
    period: str
    krs: list[GenKr] = field(default_factory=list)


ids = st.text(string.ascii_letters + string.digits + ".-_", min_size=1, max_size=8)
titles = st.text(min_size=1, max_size=40)
short = st.text(max_size=20)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 4))
days = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@st.composite
def checkins(draw: st.DrawFn) -> list[GenCheckIn]:
    return draw(
        st.lists(
            st.builds(
                GenCheckIn,
                day=days,
                value=finite,
                confidence=st.none() | st.integers(0, 10),
                note=short,
            ),
            max_size=4,
        )
    )


@st.composite
def bindings(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from(sorted(BINDING_KINDS)))
    needs, takes = BINDING_KINDS[kind]
    names = st.text(string.ascii_letters + string.digits + "-_ =:", min_size=1, max_size=12)
    names = names.filter(lambda s: s.strip() != "")
    table: dict[str, object] = {"kind": kind}
    for key in needs:
        table[key] = draw(names)
    if kind in ("jira-count", "jira-points"):
        table[draw(st.sampled_from(["jql", "label", "epic"]))] = draw(names)
    if kind == "champion-metric":  # a model or an experiment, and a metric without the latter
        table[draw(st.sampled_from(["model", "experiment"]))] = draw(names)
        table.setdefault("metric", draw(names))
    for key in takes:
        if key in ("jql", "label", "epic") or key in table or not draw(st.booleans()):
            continue
        if key == "done_only":
            table[key] = draw(st.booleans())
        elif key == "window":
            table[key] = draw(st.sampled_from(["period", "quarter", "month", "week"]))
        else:
            table[key] = draw(names)
    return table


@st.composite
def key_results(draw: st.DrawFn, kr_id: str) -> GenKr:
    shape = draw(st.sampled_from(["increase", "decrease", "implied", "band"]))
    band = None
    direction = "" if shape == "implied" else shape
    baseline: float | None = draw(st.none() | finite)
    target: float | None
    if shape == "band":
        low = draw(finite)
        high = low + draw(st.floats(0.001, 1e4).map(lambda v: round(v, 3)))
        assume(high > low)
        band = (low, high)
        target = draw(st.none() | finite)
        direction = draw(st.sampled_from(["", "band"]))
    else:
        start = baseline if baseline is not None else 0.0
        step = draw(st.floats(0.001, 1e4).map(lambda v: round(v, 3)))
        target = start - step if shape == "decrease" else start + step
        if shape == "implied" and draw(st.booleans()):
            target = start - step
        assume(target != start)
    return GenKr(
        id=kr_id,
        title=draw(titles),
        baseline=baseline,
        target=target,
        band=band,
        direction=direction,
        weight=draw(st.floats(0.1, 10).map(lambda v: round(v, 2))),
        unit=draw(short),
        owner=draw(short),
        checkins=draw(checkins()),
        bind=draw(st.none() | bindings()),
        baseline_key=draw(st.sampled_from(["baseline", "start"])),
        inline_checkins=draw(st.booleans()),
        bind_as_table=draw(st.booleans()),
    )


@st.composite
def okr_files(draw: st.DrawFn) -> tuple[list[GenObjective], list[GenKr]]:
    every_id = draw(st.lists(ids, min_size=1, max_size=9, unique=True))
    objective_count = draw(st.integers(1, 3))
    objectives = [
        GenObjective(
            id=f"O{index}",
            title=draw(titles),
            owner=draw(short),
            period=draw(st.sampled_from(["", "2026-H2", "2027-Q1"])),
        )
        for index in range(objective_count)
    ]
    kpis: list[GenKr] = []
    for kr_id in every_id:
        kr = draw(key_results(kr_id))
        if draw(st.integers(0, 3)) == 0 and kr.band is not None:
            kpis.append(kr)
        else:
            draw(st.sampled_from(objectives)).krs.append(kr)
    return objectives, kpis


def render(objectives: list[GenObjective], kpis: list[GenKr], indent: str) -> str:
    lines = ["# generated", 'period = "2026-Q4"', ""]
    for objective in objectives:
        lines += [
            "[[objectives]]",
            f'id = "{objective.id}"',
            f"title = {toml_string(objective.title)}",
        ]
        if objective.owner:
            lines.append(f"owner = {toml_string(objective.owner)}")
        if objective.period:
            lines.append(f'period = "{objective.period}"')
        for kr in objective.krs:
            lines += ["", f"{indent}# {kr.id}", f"{indent}[[objectives.key_results]]"]
            lines += render_kr(kr, "objectives.key_results", indent)
        lines.append("")
    for kpi in kpis:
        lines += ["[[kpis]]", *render_kr(kpi, "kpis", "", kpi=True), ""]
    return "\n".join(lines) + "\n"


def render_kr(kr: GenKr, header: str, indent: str, *, kpi: bool = False) -> list[str]:
    lines = [f'id = "{kr.id}"', f"title = {toml_string(kr.title)}"]
    if kr.baseline is not None and not kpi:
        lines.append(f"{kr.baseline_key} = {toml_number(kr.baseline)}")
    if kr.target is not None:
        lines.append(f"target = {toml_number(kr.target)}")
    if kr.band is not None:
        lines.append(f"band = [{toml_number(kr.band[0])}, {toml_number(kr.band[1])}]")
    if kr.direction:
        lines.append(f'direction = "{kr.direction}"')
    if not kpi:
        lines.append(f"weight = {toml_number(kr.weight)}")
    if kr.unit:
        lines.append(f"unit = {toml_string(kr.unit)}")
    if kr.owner:
        lines.append(f"owner = {toml_string(kr.owner)}")
    if kr.checkins and kr.inline_checkins:
        items = [inline(checkin_pairs(c)) + "," for c in kr.checkins]
        lines += ["checkins = [", *(f"  {item}" for item in items), "]"]
    if kr.bind is not None and not kr.bind_as_table:
        lines.append(f"bind = {inline(bind_pairs(kr.bind))}")
    lines = [indent + line for line in lines]
    inner = indent + "  " if indent else ""
    if kr.bind is not None and kr.bind_as_table:
        lines += ["", f"{inner}[{header}.bind]"]
        lines += [f"{inner}{key} = {value}" for key, value in bind_pairs(kr.bind)]
    if kr.checkins and not kr.inline_checkins:
        for checkin in kr.checkins:
            lines += ["", f"{inner}[[{header}.checkins]]"]
            lines += [f"{inner}{key} = {value}" for key, value in checkin_pairs(checkin)]
    return lines


def checkin_pairs(checkin: GenCheckIn) -> list[tuple[str, str]]:
    pairs = [("date", checkin.day.isoformat()), ("value", toml_number(checkin.value))]
    if checkin.confidence is not None:
        pairs.append(("confidence", str(checkin.confidence)))
    if checkin.note:
        pairs.append(("note", toml_string(checkin.note)))
    return pairs


def bind_pairs(table: dict[str, object]) -> list[tuple[str, str]]:
    return [
        (
            key,
            ("true" if value else "false") if isinstance(value, bool) else toml_string(str(value)),
        )
        for key, value in table.items()
    ]


def inline(pairs: list[tuple[str, str]]) -> str:
    return "{ " + ", ".join(f"{key} = {value}" for key, value in pairs) + " }"


# --- what the records must say ------------------------------------------------------------------


def assert_kr(kr: KeyResult, gen: GenKr, owner: str, *, kpi: bool) -> None:
    assert kr.id == gen.id
    assert kr.title == clean_line(gen.title)
    assert kr.unit == clean_line(gen.unit)
    assert kr.owner == clean_line(gen.owner or owner)
    assert kr.current is None  # no typed-in value
    if gen.band is not None:
        assert (kr.direction, kr.band_low, kr.band_high) == ("band", *gen.band)
        middle = (gen.band[0] + gen.band[1]) / 2
        assert kr.target == (gen.target if gen.target is not None else middle)
    else:
        assert kr.direction == gen.direction and kr.band_low is None
        assert kr.start == (gen.baseline if gen.baseline is not None else 0.0)
        assert kr.target == gen.target and kr.target != kr.start
    if not kpi:
        assert kr.weight == gen.weight
    expected = sorted(
        (CheckIn(c.day, c.value, c.confidence, clean_line(c.note)) for c in gen.checkins),
        key=lambda c: c.day,
    )
    assert list(kr.checkins) == expected
    if gen.bind is None:
        assert kr.binding is None
    else:
        assert kr.binding is not None
        for key, value in gen.bind.items():
            written = getattr(kr.binding, key)
            assert written == (clean_line(value) if isinstance(value, str) else value)
        assert is_clean_line(kr.binding.text) and kr.binding.text.startswith("kind = ")
    assert kr.line > 0


@FAST
@given(okr_files(), st.sampled_from(["", "  ", "\t"]), st.booleans())
def test_generated_files_come_out_as_the_right_records(
    tmp_path: Path,
    model: tuple[list[GenObjective], list[GenKr]],
    indent: str,
    crlf: bool,
) -> None:
    objectives, kpis = model
    text = render(objectives, kpis, indent)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "okrs.toml"
    path.write_bytes(text.encode("utf-8"))
    data = parse_okr_file(path)
    assert isinstance(data, OkrData) and data.path == str(path)
    assert (data.period_start, data.period_end) == (QUARTER_START, QUARTER_END)
    assert [o.id for o in data.objectives] == [o.id for o in objectives]
    for objective, gen in zip(data.objectives, objectives, strict=True):
        assert objective.title == clean_line(gen.title)
        assert objective.period == (gen.period or "2026-Q4")
        assert (objective.start is None) == (gen.period == "")
        assert [kr.id for kr in objective.key_results] == [kr.id for kr in gen.krs]
        for kr, gen_kr in zip(objective.key_results, gen.krs, strict=True):
            assert_kr(kr, gen_kr, gen.owner, kpi=False)
    assert [kpi.id for kpi in data.kpis] == [kpi.id for kpi in kpis]
    for kpi, gen_kpi in zip(data.kpis, kpis, strict=True):
        assert_kr(kpi, gen_kpi, "", kpi=True)


# --- any text: records, or an error that names the file --------------------------------------

TOMLISH = [
    "[[objectives]]", "[[objectives.key_results]]", "[[objectives.key_results.checkins]]",
    "[objectives.key_results.bind]", "[[kpis]]", "[[kpis.checkins]]", 'id = "x"', 'id = "KR1.1"',
    'title = "t"', "target = 1", "target = 1e400", "baseline = 1", "start = 2026-10-01",
    "end = 2026-09-01", 'period = "2026-Q9"', 'kind = "metric"', 'kind = "status"',
    'path = ""', "band = [1]", "band = [2, 1]", "band = [1, 2]", 'direction = "band"',
    "confidence = 11", "value = nan", "date = 2026-13-01", "date = 2026-11-23", "weight = -1",
    'checkins = [{ date = 2026-11-23, value = 1 }]', "bind = {}", 'bind = { kind = 3 }',
    "done_only = 1", "[objectives]", "kpis = 3", "objectives = []", "= 3", "[[]]", '"', "}",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = FULL.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "garble"]))
        if action == "delete":
            del lines[at]
        elif action == "insert":
            lines.insert(at, draw(st.sampled_from(TOMLISH)))
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif lines[at]:
            column = draw(st.integers(0, len(lines[at]) - 1))
            char = draw(st.characters(codec="utf-8"))
            lines[at] = lines[at][:column] + char + lines[at][column + 1 :]
    return "\n".join(lines)


@FAST
@given(
    st.one_of(
        mutated(),
        st.lists(st.sampled_from(TOMLISH), max_size=12).map("\n".join),
        st.text(max_size=200),
    )
)
def test_any_text_gives_records_or_an_error_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "okrs.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        data = parse_okr_file(path)
    except SourceConfigError as exc:
        message = str(exc)
        assert message.startswith(str(path)), message
        assert is_clean_line(message)
    else:
        assert isinstance(data, OkrData)
        for objective in data.objectives:
            for kr in objective.key_results:
                assert kr.direction == "band" or kr.target != kr.start
                assert kr.direction in ("", "increase", "decrease", "band")
        for kpi in data.kpis:
            assert kpi.band_low is not None and kpi.band_high is not None
            assert kpi.band_low < kpi.band_high


@FAST
@given(mutated())
def test_a_fetched_text_names_its_url(text: str) -> None:
    url = "https://raw.githubusercontent.com/acme/okrs/main/okrs.toml"
    try:
        data = parse_okr_text(text, url)
    except SourceConfigError as exc:
        assert str(exc).startswith(url)
    else:
        assert data.path == ""
