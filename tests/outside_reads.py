"""A guard that fails any test which reads a file beside the repository.

On the team's machines a `shared/` folder of reference material sits next to the checkout, and
a test that reads from it passes there but fails in a plain clone. The guard watches
every `open()` (a Python audit hook, so library code is covered too) and records reads of any
folder that sat beside the repository when the session started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

# Folders that appear beside a checkout in the system temp folder and belong to the test run
# itself (pytest's base temp, the demo's private stores, tempfile's own names).
_TEMP_PREFIXES = ("pytest-of-", "tmp", "cockpit-")


class OutsideReadGuard:
    def __init__(self, repo: Path, watched: Iterable[Path]) -> None:
        self.repo = str(repo.resolve())
        self.watched = tuple(str(folder.resolve()) for folder in watched)
        self.reads: list[str] = []
        self.active = True

    @classmethod
    def beside(cls, repo: Path) -> OutsideReadGuard:
        """Watch every folder next to `repo` as it is now."""
        repo = repo.resolve()
        siblings = []
        try:
            entries = list(repo.parent.iterdir())
        except OSError:
            entries = []
        for entry in entries:
            if entry == repo or entry.name.startswith(_TEMP_PREFIXES) or not entry.is_dir():
                continue
            siblings.append(entry)
        return cls(repo, siblings)

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not self.active or not self.watched or not args:
            return
        path = args[0]
        if not isinstance(path, str | bytes | os.PathLike):
            return  # an already-open file descriptor
        try:
            full = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        for folder in self.watched:
            if full == folder or full.startswith(folder + os.sep):
                self.reads.append(full)
                return

    def install(self) -> OutsideReadGuard:
        # Audit hooks cannot be removed; `active` switches this one off instead.
        sys.addaudithook(self.hook)
        return self

    def take(self) -> list[str]:
        found, self.reads = self.reads, []
        return found
