"""Fixtures every test may use: a frozen moment, an in-memory keyring, a temporary store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from cockpit.clock import FrozenClock
from cockpit.store import Store
from tests.outside_reads import OutsideReadGuard

# The Team area is drawn in the lead's zone, which defaults to the machine's: every machine
# runs the tests as if it were set to UTC (commands started by a test inherit it too).
os.environ["TZ"] = "UTC"

# A Monday morning in UTC: Bangalore and Singapore are at work, San Francisco is asleep.
FROZEN_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


# Every test runs under this guard: a test that passes only because files sit beside the
# checkout (as reference material does on the team's machines) would fail in a plain clone.
OUTSIDE_READS = OutsideReadGuard.beside(Path(__file__).resolve().parents[1]).install()


@pytest.fixture(autouse=True)
def no_reads_beside_the_repository() -> Iterator[None]:
    OUTSIDE_READS.take()
    yield
    found = OUTSIDE_READS.take()
    if found:
        pytest.fail(
            "this test read files beside the repository, which a plain clone does not have: "
            + ", ".join(sorted(set(found))[:5])
            + ". Copy what it needs into tests/fixtures/ with its origin credited."
        )


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError("not found")
        del self.passwords[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """No test may touch the developer's real keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_NOW)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")
