"""Fuzzing the FOCUS reader: any bytes named .csv, .csv.gz or .parquet, and a valid FOCUS
export whose cells, header and columns are mutated, give roll-ups or a SourceConfigError that
names the file (and, for a bad value, the line). tests/integrations/test_focus_reader.py
checks that the quirks of real exports roll up exactly; this checks that nothing else escapes."""

from __future__ import annotations

import csv
import gzip
import io
import math
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cockpit.models import CostData
from integrations.base import SourceConfigError
from integrations.focus import rollup_files
from tests.focus_files import write_records
from tests.fuzz.mutations import HOSTILE_NUMBER, HOSTILE_TEXT

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
RECORDS = [
    {"BilledCost": 12.5, "ServiceName": "Amazon EC2", "Tags": {"team": "fraud"},
     "ChargePeriodStart": "2026-11-20T10:00:00Z"},
    {"BilledCost": 3, "ServiceProviderName": "Microsoft", "BillingCurrency": "EUR",
     "ChargePeriodStart": "2026-11-21T00:00:00Z", "x_SkuDescription": "NC6 GPU"},
]  # fmt: skip


def _sample(tmp_path_factory: object = None) -> tuple[list[str], list[list[str]]]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = write_records(Path(folder) / "sample.csv", RECORDS)
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


HEADER, LINES = _sample()


def roll_up(path: Path) -> CostData | SourceConfigError:
    try:
        return rollup_files([path], cost_column="EffectiveCost", tag_keys=["team"], previous=None)
    except SourceConfigError as exc:
        return exc


def check(outcome: CostData | SourceConfigError, path: Path) -> None:
    if isinstance(outcome, SourceConfigError):
        message = str(outcome)
        assert message.startswith(str(path)), message
        assert "\n" not in message, message
    else:
        assert isinstance(outcome, CostData)
        for row in outcome.rows:
            assert math.isfinite(row.amount), row


CELLS = st.one_of(
    HOSTILE_TEXT.filter(lambda s: "\ud800" not in s),
    HOSTILE_NUMBER.map(str),
    st.sampled_from(['{"team": ', '{"team": 5}', "[1,2]", '"', "NULL", "1,5", "$3.00", "1e400"]),
)


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    header = list(HEADER)
    lines = [list(line) for line in LINES]
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cell", "cell", "drop", "rename", "dup", "short", "long"]))
        column = draw(st.integers(0, len(header) - 1))
        if action == "cell":
            line = draw(st.sampled_from(lines))
            if column < len(line):
                line[column] = draw(CELLS)
        elif action == "drop" and len(header) > 1:
            del header[column]
            for line in lines:
                del line[column : column + 1]
        elif action == "rename":
            header[column] = draw(CELLS)
        elif action == "dup":
            header.append(header[column])
            for line in lines:
                line.append(line[column] if column < len(line) else "")
        elif action == "short":
            line = draw(st.sampled_from(lines))
            del line[column:]
        elif action == "long":
            draw(st.sampled_from(lines)).extend(draw(st.lists(CELLS, min_size=1, max_size=3)))
    out = io.StringIO()
    csv.writer(out).writerows([header, *lines])
    return out.getvalue().encode("utf-8")


def test_the_sample_rolls_up(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(mutated_csv_identity())
    outcome = roll_up(path)
    assert isinstance(outcome, CostData) and outcome.rows


def mutated_csv_identity() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *LINES])
    return out.getvalue().encode("utf-8")


@FUZZ
@given(mutated_csv(), st.booleans())
def test_a_mutated_export_gives_rollups_or_an_error_naming_the_file(
    tmp_path: Path, data: bytes, gzipped: bool
) -> None:
    path = tmp_path / ("export.csv.gz" if gzipped else "export.csv")
    path.write_bytes(gzip.compress(data) if gzipped else data)
    check(roll_up(path), path)


@FUZZ
@given(st.sampled_from(["export.csv", "export.csv.gz", "export.parquet"]), st.binary(max_size=300))
@example("export.parquet", b"PAR1" + b"\x00" * 16 + b"PAR1")
@example("export.csv.gz", b"\x1f\x8b\x08\x00")
@example("export.csv", b"\xff\xfe\x00E\x00f")
@example("export.csv", b"")
def test_any_bytes_give_rollups_or_an_error_naming_the_file(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    check(roll_up(path), path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2000), st.binary(min_size=1, max_size=8))
# The period column's declared type damaged: its values came back as text, and sorting the
# roll-ups raised a TypeError comparing text with dates.
@example(at=496, junk=b"\x00\x00\x00\x00\x00\x00\x04")
def test_a_damaged_parquet_export_names_the_file(tmp_path: Path, at: int, junk: bytes) -> None:
    clean = write_records(tmp_path / "clean.parquet", RECORDS).read_bytes()
    at = at % len(clean)
    path = tmp_path / "export.parquet"
    path.write_bytes(clean[:at] + junk + clean[at + len(junk) :])
    check(roll_up(path), path)
