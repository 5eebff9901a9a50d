"""The figures every benchmark reports, collected into one table by `benchmarks/run_all.py`.

Each script prints its own detailed report and, for each headline figure, calls `record`. When
`run_all.py` runs the scripts it sets `COCKPIT_FIGURES` to a file; `record` appends one JSON line
there (and does nothing when a script runs on its own).
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Literal, TypedDict

FIGURES_ENV = "COCKPIT_FIGURES"


class Figure(TypedDict):
    figure: str  # "P2"
    what: str  # "cockpit status --demo, wall time"
    value: float
    unit: str  # "ms", "x", "%", "MB", "s"
    goal: float
    better: Literal["lower", "higher"]
    baseline: str  # what it was measured against in the same run, in words


def record(
    figure: str,
    what: str,
    value: float,
    unit: str,
    goal: float,
    *,
    better: Literal["lower", "higher"] = "lower",
    baseline: str = "",
) -> None:
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    row = Figure(
        figure=figure,
        what=what,
        value=round(float(value), 4),
        unit=unit,
        goal=goal,
        better=better,
        baseline=baseline,
    )
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def met(row: Figure) -> bool:
    if row["better"] == "lower":
        return row["value"] <= row["goal"]
    return row["value"] >= row["goal"]


def read(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def machine() -> str:
    """The machine in one line: the figures mean little without it."""
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs{memory}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )


def table(rows: list[Figure]) -> str:
    """Markdown, so that it pastes into docs/performance.md as it is."""
    lines = [
        "| figure | what | value | goal | result | against |",
        "|---|---|---|---|---|---|",
    ]
    sign = {"lower": "≤", "higher": "≥"}
    for row in sorted(rows, key=lambda r: (int(r["figure"][1:]), r["what"])):
        value = f"{row['value']:,.4g} {row['unit']}".strip()
        goal = f"{sign[row['better']]} {row['goal']:,.4g} {row['unit']}".strip()
        result = "pass" if met(row) else "**miss**"
        lines.append(
            f"| {row['figure']} | {row['what']} | {value} | {goal} | {result} | {row['baseline']} |"
        )
    return "\n".join(lines)
