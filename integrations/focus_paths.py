"""Which files a FOCUS source reads: paths, folders and globs from the config.

Stdlib only, so that `doctor` can say how many files a glob matches without loading the
reader. A cloud's export folder holds more than the data (AWS writes manifest JSON beside the
Parquet parts), so folders and globs keep only the formats the reader knows; a file named on
its own must be one of them.
"""

from __future__ import annotations

import glob
from pathlib import Path

SUFFIXES = (".csv", ".csv.gz", ".parquet")
_GLOB_CHARS = frozenset("*?[")


def is_glob(raw: str) -> bool:
    return any(char in _GLOB_CHARS for char in raw)


def is_cost_export(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def matching_files(path: Path) -> tuple[list[Path], int]:
    """The cost exports `path` names (a file, a folder searched recursively, or a glob where
    `**` spans folders), sorted, and how many other files it matched (skipped)."""
    text = str(path)
    if is_glob(text):
        candidates = [Path(p) for p in glob.glob(text, recursive=True)]
    elif path.is_dir():
        candidates = list(path.rglob("*"))
    else:
        return ([path] if path.exists() else []), 0
    found = sorted(p for p in candidates if p.is_file() and is_cost_export(p))
    skipped = sum(1 for p in candidates if p.is_file() and not is_cost_export(p))
    return found, skipped
