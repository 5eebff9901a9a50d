"""The OKR file: the older format as it always read, every key of the new one (the documented
example is the tested fixture), and each mistake said with the file, the line and the key."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import msgspec
import pytest

from cockpit.models import Binding, CheckIn
from cockpit.text_safety import is_clean_line
from integrations.base import SourceConfigError
from integrations.local_files import OkrFileSource as ReExportedSource
from integrations.local_files import parse_okr_file as re_exported_parse
from integrations.okr_file import (
    BINDING_KINDS,
    OkrFileSource,
    parse_okr_file,
    parse_okr_text,
    period_dates,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "okrs"
FULL = (FIXTURES / "okrs.toml").read_text(encoding="utf-8")

LEGACY = """
period = "2026-Q4"
start = 2026-10-01
end = 2026-12-31

[[objectives]]
id = "O1"
title = "Ship ranker v3"
owner = "maya"

  [[objectives.key_results]]
  id = "KR1"
  title = "p95 latency"
  start = 180
  target = 120
  current = 150
  unit = "ms"
  updated = 2026-11-20
"""

HEAD = 'period = "2026-Q4"\n\n[[objectives]]\nid = "O"\ntitle = "T"\n\n[[objectives.key_results]]\n'


def write(tmp_path: Path, text: str, name: str = "okrs.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    """The 1-based line where `marker` is (it must be there exactly once)."""
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def one_kr(body: str):  # type: ignore[no-untyped-def]
    """The key result of a file holding one, written as `body`."""
    return parse_okr_text(HEAD + body, "okrs.toml").objectives[0].key_results[0]


def unset(current: float | None) -> bool:
    """No typed-in value."""
    return current is None


def error_of(text: str, name: str = "okrs.toml") -> str:
    with pytest.raises(SourceConfigError) as caught:
        parse_okr_text(text, name)
    return str(caught.value)


# --- the older format -----------------------------------------------------------------


def test_an_older_file_reads_as_it_did(tmp_path: Path) -> None:
    path = write(tmp_path, LEGACY)
    data = parse_okr_file(path)
    assert (data.period, data.period_start, data.period_end) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert data.path == str(path) and data.kpis == ()
    objective = data.objectives[0]
    assert (objective.period, objective.start, objective.end) == ("2026-Q4", None, None)
    kr = objective.key_results[0]
    assert (kr.start, kr.target, kr.current, kr.unit, kr.owner) == (180, 120, 150, "ms", "maya")
    assert (kr.direction, kr.weight, kr.checkins, kr.binding) == ("", 1.0, (), None)
    assert kr.updated == date(2026, 11, 20)
    assert kr.line == line_of(LEGACY, "  [[objectives.key_results]]")


def test_local_files_still_exports_the_parser_and_the_source() -> None:
    assert re_exported_parse is parse_okr_file and ReExportedSource is OkrFileSource


def test_an_older_file_without_start_reads_from_zero() -> None:
    kr = one_kr('id = "a"\ntitle = "t"\ntarget = 3\ncurrent = 1\n')
    assert (kr.start, kr.target, kr.current) == (0.0, 3.0, 1.0)


# --- the full example: every key ------------------------------------------------------


def test_every_key_of_the_full_example(tmp_path: Path) -> None:
    data = parse_okr_file(write(tmp_path, FULL))
    assert (data.period, data.period_start, data.period_end) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    o1, o2 = data.objectives
    assert (o1.id, o1.owner, o1.period, o1.start, o1.end) == ("O1", "maya", "2026-Q4", None, None)
    assert (o2.period, o2.start, o2.end) == ("2026-H2", date(2026, 7, 1), date(2026, 12, 31))

    f1, versions, review = o1.key_results
    assert (f1.start, f1.target, f1.direction, f1.weight, f1.owner) == (
        0.86,
        0.91,
        "increase",
        2.0,
        "maya",
    )
    assert unset(f1.current) and f1.checkins == ()
    assert f1.binding == Binding(
        kind="metric",
        experiment="fraud-gbdt",
        metric="val_f1",
        text='kind = "metric", experiment = "fraud-gbdt", metric = "val_f1"',
    )
    assert f1.line == line_of(FULL, '[[objectives.key_results]]\n  id = "KR1.1"')
    assert versions.owner == "ivan"
    assert versions.binding == Binding(
        kind="model-versions",
        alias="champion",
        model="fraud-gbdt",
        text='kind = "model-versions", alias = "champion", model = "fraud-gbdt"',
    )
    assert (review.start, review.target, review.unit, review.direction) == (
        14,
        8,
        "min",
        "decrease",
    )
    assert review.checkins == (
        CheckIn(date(2026, 10, 12), 13.5, 6, "new triage view in beta"),
        CheckIn(date(2026, 11, 2), 11.0, 7, "rolled out to all analysts"),
    )
    assert review.binding is None

    per_run, bugs, spot = o2.key_results
    assert per_run.binding is not None
    assert (per_run.binding.kind, per_run.binding.scope, per_run.binding.window) == (
        "cost-per-run",
        "tag:team=fraud",
        "month",
    )
    assert (per_run.unit, per_run.owner) == ("$", "lena")
    assert bugs.binding is not None and bugs.start == 0.0
    assert (bugs.binding.kind, bugs.binding.label, bugs.binding.done_only) == (
        "jira-count",
        "pipeline",
        True,
    )
    assert bugs.checkins == (CheckIn(date(2026, 10, 20), 4.0, 5, "two blocked on infra"),)
    # Neither a value, check-ins nor a binding: allowed, shown as "no data".
    assert (spot.checkins, spot.binding) == ((), None) and unset(spot.current)

    velocity, pages = data.kpis
    assert (velocity.id, velocity.unit, velocity.owner, velocity.direction) == (
        "K1",
        "pts",
        "ivan",
        "band",
    )
    assert (velocity.band_low, velocity.band_high, velocity.target) == (40, 60, 50)
    assert velocity.binding is not None
    assert (velocity.binding.kind, velocity.binding.path) == ("status", "sprint.velocity")
    assert pages.checkins == (CheckIn(date(2026, 11, 16), 3.0, None, "quiet week"),)
    assert pages.line == line_of(FULL, '[[kpis]]\nid = "K2"')


def test_check_ins_as_tables_and_as_an_inline_array_read_the_same() -> None:
    tables = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\n'
        '[[objectives.key_results.checkins]]\ndate = 2026-11-02\nvalue = 2\nnote = "b"\n'
        "[[objectives.key_results.checkins]]\ndate = 2026-10-01\nvalue = 1\nconfidence = 4\n"
    )
    inline = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\ncheckins = [\n'
        '  { date = 2026-11-02, value = 2, note = "b" },\n'
        "  { date = 2026-10-01, value = 1, confidence = 4 },\n]\n"
    )
    assert tables == msgspec.structs.replace(inline, line=tables.line)
    # Oldest first, whatever order they were written in.
    assert tables.checkins == (
        CheckIn(date(2026, 10, 1), 1.0, 4),
        CheckIn(date(2026, 11, 2), 2.0, None, "b"),
    )


def test_a_key_result_written_as_an_inline_table_has_its_line() -> None:
    text = (
        'period = "2026-Q4"\n[[objectives]]\nid = "O"\ntitle = "T"\nkey_results = [\n'
        '  { id = "a", title = "t", target = 3 },\n'
        '  { id = "b", title = "u", target = 4 },\n]\n'
    )
    data = parse_okr_text(text, "okrs.toml")
    assert [kr.line for kr in data.objectives[0].key_results] == [6, 7]


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "dates"),
    [
        ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
        ("2028-H1", (date(2028, 1, 1), date(2028, 6, 30))),
        ("2026-H2", (date(2026, 7, 1), date(2026, 12, 31))),
        ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
        ("2027", (date(2027, 1, 1), date(2027, 12, 31))),
        ("Q4 FY26", None),
        ("2026-Q5", None),
        ("2026-13", None),
    ],
)
def test_periods_that_carry_their_dates(period: str, dates: tuple[date, date] | None) -> None:
    assert period_dates(period) == dates


def test_written_dates_win_over_the_period_label() -> None:
    # A fiscal quarter: the label is the team's, the dates say when it runs.
    text = 'period = "2026-Q4"\nstart = 2026-11-01\nend = 2027-01-31\n'
    data = parse_okr_text(text, "okrs.toml")
    assert (data.period, data.period_start, data.period_end) == (
        "2026-Q4",
        date(2026, 11, 1),
        date(2027, 1, 31),
    )


def test_an_objective_has_its_own_dates() -> None:
    text = (
        'period = "2026-Q4"\n[[objectives]]\nid = "O"\ntitle = "T"\n'
        "start = 2026-10-15\nend = 2026-11-30\n"
    )
    objective = parse_okr_text(text, "okrs.toml").objectives[0]
    assert (objective.period, objective.start, objective.end) == (
        "2026-Q4",
        date(2026, 10, 15),
        date(2026, 11, 30),
    )


def test_a_file_of_kpis_alone_reads() -> None:
    data = parse_okr_text('period = "2026"\n[[kpis]]\nid = "k"\ntitle = "t"\nband = [1, 2]\n', "x")
    assert data.objectives == () and [k.id for k in data.kpis] == ["k"]


# --- directions, bands, baselines ---------------------------------------------------------


def test_baseline_is_start_by_another_name() -> None:
    old = one_kr('id = "a"\ntitle = "t"\nstart = 10\ntarget = 5\n')
    new = one_kr('id = "a"\ntitle = "t"\nbaseline = 10\ntarget = 5\n')
    assert old == new and new.start == 10


def test_a_band_key_result_needs_no_target_and_may_equal_its_baseline() -> None:
    kr = one_kr('id = "a"\ntitle = "t"\nband = [0.2, 0.4]\n')
    assert (kr.direction, kr.band_low, kr.band_high) == ("band", 0.2, 0.4)
    assert kr.target == pytest.approx(0.3)
    same = one_kr(
        'id = "a"\ntitle = "t"\ndirection = "band"\nband = [1, 2]\nbaseline = 3\ntarget = 3\n'
    )
    assert (same.start, same.target) == (3, 3)


def test_current_check_ins_and_a_binding_may_all_be_written() -> None:
    # `current` stays for files that had it; the first check-in or a binding takes over.
    kr = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\ncurrent = 1\n'
        "checkins = [{ date = 2026-11-02, value = 2 }]\n"
        'bind = { kind = "jira-points", jql = "project = ML AND labels = infra" }\n'
    )
    assert kr.current == 1 and len(kr.checkins) == 1
    assert kr.binding is not None and kr.binding.jql == "project = ML AND labels = infra"


# --- bindings -----------------------------------------------------------------------------

EVERY_KIND = {
    "metric": 'experiment = "e", metric = "m", source = "mlflow"',
    "champion-metric": 'metric = "val_auc", model = "fraud"',
    "jira-count": 'epic = "ML-12", done_only = true',
    "jira-points": 'jql = "labels = infra"',
    "cost-spend": 'scope = "provider=AWS", window = "quarter"',
    "cost-per-run": 'scope = "tag:team=fraud", experiment = "fraud-gbdt"',
    "model-versions": 'alias = "champion"',
    "status": 'path = "experiments.runs_week"',
}


def test_every_binding_kind_reads_into_the_binding_record() -> None:
    assert set(EVERY_KIND) == set(BINDING_KINDS)
    for kind, fields in EVERY_KIND.items():
        kr = one_kr(f'id = "a"\ntitle = "t"\ntarget = 3\nbind = {{ kind = "{kind}", {fields} }}\n')
        assert kr.binding is not None and kr.binding.kind == kind
        assert kr.binding.text == f'kind = "{kind}", {fields}'
        assert is_clean_line(kr.binding.text)
    champion = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\n'
        f'bind = {{ kind = "champion-metric", {EVERY_KIND["champion-metric"]} }}\n'
    )
    assert champion.binding is not None and champion.binding.alias == "champion"


def test_keys_a_binding_may_leave_out() -> None:
    # The experiment's ranking metric; versions given any alias.
    metric = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\nbind = { kind = "metric", experiment = "e" }\n'
    )
    assert metric.binding is not None and metric.binding.metric == ""
    versions = one_kr('id = "a"\ntitle = "t"\ntarget = 3\nbind = { kind = "model-versions" }\n')
    assert versions.binding is not None and versions.binding.alias == ""
    champion = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 3\nbind = { kind = "champion-metric", experiment = "e" }\n'
    )
    assert champion.binding is not None and champion.binding.alias == "champion"


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        ('metric = "auc"', "bind", "needs `model` (the registered model whose alias"),
        (
            'model = "fraud"',
            "bind.metric",
            "a 'champion-metric' binding that names no `experiment`",
        ),
    ],
)
def test_a_champion_metric_needs_a_model_or_an_experiment(
    fields: str, key: str, words: str
) -> None:
    text = (
        HEAD
        + f'id = "a"\ntitle = "t"\ntarget = 3\nbind = {{ kind = "champion-metric", {fields} }}\n'
    )
    message = error_of(text)
    assert message.startswith(f"okrs.toml:11: `objectives.0.key_results.0.{key}`: "), message
    assert words in message


def test_a_binding_as_a_table_of_its_own() -> None:
    kr = one_kr(
        'id = "a"\ntitle = "t"\ntarget = 9\n\n[objectives.key_results.bind]\n'
        'kind = "cost-spend"\nscope = "service=Amazon EC2"\n'
    )
    assert kr.binding == Binding(
        kind="cost-spend",
        scope="service=Amazon EC2",
        text='kind = "cost-spend", scope = "service=Amazon EC2"',
    )


# --- mistakes, with the file, the line and the key ----------------------------------------

ERRORS = [
    # (change to the full example, the line's marker, the key, the words)
    (
        ("target = 0.91", 'target = "0.91"'),
        'target = "0.91"',
        "objectives.0.key_results.0.target",
        'expected a number, got the text "0.91"; write numbers without quotes',
    ),
    (
        ("  target = 3\n", "  target = 0\n"),
        "target = 0\n",
        "objectives.0.key_results.1.target",
        "target equals baseline (0), so progress is undefined",
    ),
    (
        ('direction = "increase"', 'direction = "up"'),
        'direction = "up"',
        "objectives.0.key_results.0.direction",
        '\'up\' is not a direction; write "increase", "decrease" or "band"',
    ),
    (
        ('direction = "increase"', 'direction = "decrease"'),
        'direction = "decrease"\n  weight',
        "objectives.0.key_results.0.direction",
        "'decrease', but the target (0.91) is above the baseline (0.86)",
    ),
    (
        ('kind = "metric"', 'kind = "mlflw"'),
        'kind = "mlflw"',
        "objectives.0.key_results.0.bind.kind",
        "unknown binding kind 'mlflw'; use one of metric, champion-metric, jira-count,",
    ),
    (
        ('metric = "val_f1"', 'metric = "val_f1"\n    label = "x"'),
        'label = "x"',
        "objectives.0.key_results.0.bind.label",
        "a 'metric' binding does not take `label`; it takes `experiment`, `metric`, `source`",
    ),
    (
        ('    experiment = "fraud-gbdt"\n', ""),
        "[objectives.key_results.bind]",
        "objectives.0.key_results.0.bind.experiment",
        "missing; a 'metric' binding needs `experiment`",
    ),
    (
        ('label = "pipeline", ', ""),
        'bind = { kind = "jira-count"',
        "objectives.1.key_results.1.bind",
        "a 'jira-count' binding counts issues matching `jql`, or with `label`, or in `epic`:"
        " give one of them",
    ),
    (
        ('label = "pipeline", ', 'label = "pipeline", epic = "ML-7", '),
        'epic = "ML-7"',
        "objectives.1.key_results.1.bind.epic",
        "a 'jira-count' binding counts issues matching `jql`, or with `label`, or in `epic`:"
        " give only one of them",
    ),
    (
        ('window = "month"', 'window = "fortnight"'),
        'window = "fortnight"',
        "objectives.1.key_results.0.bind.window",
        "'fortnight' is not a window",
    ),
    (
        ("done_only = true", 'done_only = "yes"'),
        'done_only = "yes"',
        "objectives.1.key_results.1.bind.done_only",
        "expected true or false",
    ),
    (
        ('kind = "model-versions", ', 'kind = "model-versions", scope = "x", '),
        'scope = "x"',
        "objectives.0.key_results.1.bind.scope",
        "a 'model-versions' binding does not take `scope`; it takes `alias`, `model`,"
        " `experiment`, `window`, `source`",
    ),
    (
        ("confidence = 6", "confidence = 11"),
        "confidence = 11",
        "objectives.0.key_results.2.checkins.0.confidence",
        "expected a whole number from 0 to 10",
    ),
    (
        ("value = 13.5", "value = nan"),
        "value = nan",
        "objectives.0.key_results.2.checkins.0.value",
        "nan is not a usable number",
    ),
    (
        ("date = 2026-10-12", "date = 2026-10-12T09:00:00"),
        "date = 2026-10-12T09:00:00",
        "objectives.0.key_results.2.checkins.0.date",
        "expected a date such as 2026-11-23, without a time",
    ),
    (
        ("band = [40, 60] ", "band = [60, 40] "),
        "band = [60, 40]",
        "kpis.0.band",
        "[60, 40]: the low end comes first and must be below the high end",
    ),
    (
        ("band = [0, 5]", "band = [0, 5, 9]"),
        "band = [0, 5, 9]",
        "kpis.1.band",
        "has 3 numbers; write the two ends",
    ),
    (
        ("band = [0, 5]", 'band = [0, 5]\ndirection = "increase"'),
        'direction = "increase"\n\n  [[kpis',
        "kpis.1.direction",
        "'increase' is not a KPI's direction: a KPI stays within its band",
    ),
    (
        ("weight = 2 ", "weight = 0 "),
        "weight = 0",
        "objectives.0.key_results.0.weight",
        "0 is not above 0; weights are positive",
    ),
    (
        ('period = "2026-H2" ', 'period = "FY26 H2" '),
        'period = "FY26 H2"',
        "objectives.1.period",
        "'FY26 H2' has no dates the cockpit knows",
    ),
    (
        ('period = "2026-H2" ', "start = 2026-07-01 "),
        '[[objectives]]\nid = "O2"',
        "objectives.1.end",
        "missing; `start` and `end` go together",
    ),
    (
        ('id = "KR2.3"', 'id = "K1"'),
        'id = "K1"\ntitle = "Sprint',
        "kpis.0.id",
        "'K1' is used twice (also `objectives.1.key_results.2.id`)",
    ),
    (
        ("baseline = 0.86", "baseline = 0.86\n  start = 0.8"),
        "baseline = 0.86",
        "objectives.0.key_results.0.baseline",
        "`baseline` and `start` are the same key; keep one of them",
    ),
    (
        ("  band = [0, 5]".strip(), 'band = [0, 5]\nbind = { kind = "status" }'),
        'bind = { kind = "status" }',
        "kpis.1.bind.path",
        "missing; a 'status' binding needs `path`",
    ),
]


@pytest.mark.parametrize(("change", "marker", "key", "words"), ERRORS)
def test_each_mistake_names_the_file_the_line_and_the_key(
    tmp_path: Path, change: tuple[str, str], marker: str, key: str, words: str
) -> None:
    assert FULL.count(change[0]) == 1, change[0]
    text = FULL.replace(*change)
    path = write(tmp_path, text)
    with pytest.raises(SourceConfigError) as caught:
        parse_okr_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line_of(text, marker)}: `{key}`: {words}"), message
    assert is_clean_line(message)


SCHEMA_ERRORS = [
    (
        ('note = "quiet week"', 'note = "quiet week"\n  mood = 3'),
        "mood = 3",
        "unknown key `kpis.1.checkins.0.mood`",
    ),
    (
        ('owner = "lena"', 'owner = "lena"\ncolour = "red"'),
        'colour = "red"',
        "unknown key `objectives.1.colour`",
    ),
    (("band = [0, 5]", "band = 5"), "band = 5", "`kpis.1.band`: expected a list in brackets"),
    (("confidence = 7", "confidence = 6.5"), "confidence = 6.5", "expected a whole number, got"),
]


@pytest.mark.parametrize(("change", "marker", "words"), SCHEMA_ERRORS)
def test_schema_mistakes_are_placed_on_their_line(
    tmp_path: Path, change: tuple[str, str], marker: str, words: str
) -> None:
    assert FULL.count(change[0]) == 1, change[0]
    text = FULL.replace(*change)
    path = write(tmp_path, text)
    message = error_of(text, str(path))
    assert message.startswith(f"{path}:{line_of(text, marker)}: "), message
    assert words in message


# Moved from test_local_files.py when the OKR file got its own module; now with the line.

OBJECTIVE_O2 = """
[[objectives]]
id = "O2"
title = "Cut serving cost"

  [[objectives.key_results]]
  id = "KR2"
  title = "cost per 1k requests"
  start = 10
  target = 5
  current = 8
"""

SECOND_KR1 = """
  [[objectives.key_results]]
  id = "KR1"
  title = "error rate"
  target = 1
  current = 0
"""


@pytest.mark.parametrize(
    ("text", "marker", "expected"),
    [
        (
            LEGACY + OBJECTIVE_O2 + OBJECTIVE_O2.replace("KR2", "KR3"),
            None,
            "`objectives.2.id`: 'O2' is used twice (also `objectives.1.id`)",
        ),
        (
            LEGACY + SECOND_KR1,
            'id = "KR1"\n  title = "error rate"',
            "`objectives.0.key_results.1.id`: 'KR1' is used twice"
            " (also `objectives.0.key_results.0.id`)",
        ),
        (
            LEGACY.replace("current = 150", 'current = "150"'),
            'current = "150"',
            '`objectives.0.key_results.0.current`: expected a number, got the text "150";'
            " write numbers without quotes",
        ),
    ],
)
def test_okr_mistakes_are_said_in_words(
    tmp_path: Path, text: str, marker: str | None, expected: str
) -> None:
    path = write(tmp_path, text)
    if marker is None:  # the third objective's id, after two with the same text
        line = text.split("\n").index('id = "O2"', line_of(text, 'id = "KR2"')) + 1
    else:
        line = line_of(text, marker)
    with pytest.raises(SourceConfigError) as caught:
        parse_okr_file(path)
    assert str(caught.value).startswith(f"{path}:{line}: {expected}")


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode("utf-8"))
    plain = parse_okr_file(write(tmp_path, FULL))
    assert parse_okr_file(path) == msgspec.structs.replace(plain, path=str(path))


def test_a_crlf_file_reads_with_the_same_lines(tmp_path: Path) -> None:
    path = tmp_path / "crlf.toml"
    path.write_bytes(FULL.replace("\n", "\r\n").encode("utf-8"))
    plain = parse_okr_file(write(tmp_path, FULL))
    assert parse_okr_file(path) == msgspec.structs.replace(plain, path=str(path))


def test_text_that_is_not_toml_names_its_line(tmp_path: Path) -> None:
    text = FULL.replace('unit = "min"', "unit = min")
    path = write(tmp_path, text)
    message = error_of(text, str(path))
    assert message.startswith(f"{path}:{line_of(text, 'unit = min')}: not valid TOML: ")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match=r"okrs\.toml: file not found"):
        parse_okr_file(tmp_path / "okrs.toml")


# --- hostile text ---------------------------------------------------------------------


def test_hostile_titles_and_notes_stay_literal_or_are_cleaned() -> None:
    nasty = "[bold red]Ship[/]\x1b]0;pwned\x07 \u202eit\x1b[2J"
    text = FULL.replace('"Fraud detection the risk team trusts"', json.dumps(nasty))
    text = text.replace(
        '"new triage view in beta"', json.dumps("beta\r\n[link=x]view[/link]\x9b1m")
    )
    text = text.replace('"Sprint velocity"', json.dumps("Velo\u2066city " + "long " * 30))
    data = parse_okr_text(text, "okrs.toml")
    objective = data.objectives[0]
    # Rich markup is kept as the literal text it is; the widgets never parse data as markup.
    assert objective.title == "[bold red]Ship[/] it"
    assert objective.key_results[2].checkins[0].note == "beta [link=x]view[/link]"
    assert data.kpis[0].title.startswith("Velocity long")
    for value in (objective.title, objective.key_results[2].checkins[0].note, data.kpis[0].title):
        assert is_clean_line(value)


def test_a_hostile_binding_key_is_quoted_in_the_message() -> None:
    text = FULL.replace('metric = "val_f1"', 'metric = "val_f1"\n    "lab\\u001b[2J\\u202e" = "x"')
    message = error_of(text)
    assert "`objectives.0.key_results.0.bind.'lab\\x1b[2J\\u202e'`: a 'metric' binding" in message
    assert is_clean_line(message)


# --- the documentation ----------------------------------------------------------------


def toml_blocks() -> list[str]:
    docs = Path(__file__).resolve().parents[2] / "docs" / "okrs.md"
    parts = docs.read_text(encoding="utf-8").split("```toml\n")[1:]
    return [part.split("```", 1)[0] for part in parts]


def test_the_documented_example_is_the_tested_file() -> None:
    assert FULL in toml_blocks()


def test_every_documented_okr_block_reads() -> None:
    """Every block of docs/okrs.md reads: a whole file, or (when it has no `period`) a key
    result's lines, or (when it starts with a KPI or objective) lines after a `period`."""
    read = 0
    for block in toml_blocks():
        if "[sources." in block:
            continue  # the config's block: tests/integrations/test_okr_file_source.py
        if "period" in block.split("[[", 1)[0]:
            text = block
        elif block.lstrip().startswith(("[[kpis]]", "[[objectives]]")):
            text = 'period = "2026-Q4"\n' + block
        else:
            text = HEAD + block
        parse_okr_text(text, "docs/okrs.md")
        read += 1
    assert read >= 3


def test_every_binding_in_the_bindings_page_reads() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "okr-bindings.md"
    parts = docs.read_text(encoding="utf-8").split("```toml\n")[1:]
    blocks = [part.split("```", 1)[0] for part in parts]
    kinds = set()
    for block in blocks:
        if block.lstrip().startswith("[[kpis]]"):
            data = parse_okr_text('period = "2026-Q4"\n' + block, "docs/okr-bindings.md")
            bound = data.kpis[0]
        else:
            bound = one_kr('id = "a"\ntitle = "t"\ntarget = 3\n' + block)
        assert bound.binding is not None
        kinds.add(bound.binding.kind)
    assert len(kinds) >= 6


def test_the_file_is_scanned_for_lines_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key result's line comes from one scan of the text: a scan per key result made a
    file of 200 key results take six seconds to read."""
    import integrations.hand_edited as hand_edited

    scans = []
    real = hand_edited.key_lines

    def counted(text: str) -> dict[tuple[str | int, ...], int]:
        scans.append(text)
        return real(text)

    monkeypatch.setattr(hand_edited, "key_lines", counted)
    data = parse_okr_text(FULL, "okrs.toml")
    assert len(scans) == 1
    assert [kr.line for kr in data.kpis] == [
        line_of(FULL, 'id = "K1"') - 1,
        line_of(FULL, 'id = "K2"') - 1,
    ]
