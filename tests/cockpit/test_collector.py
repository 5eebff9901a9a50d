"""Full garbage collections wait for a pause in the typing, and Python's settings come back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cockpit.collector import BACKSTOP, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


def young_collection() -> None:
    gc.collect(1)  # what Python does on its own as objects are made; counts towards a full one


def test_full_collections_wait_for_a_quiet_second(thresholds: tuple[int, int, int]) -> None:
    clock, made = Clock(), []
    collector = IdleCollector(quiet=1.0, clock=clock, collect=lambda: made.append(1))
    collector.start()
    young_collection()
    clock.now += 0.5
    assert not collector.tick()  # typed half a second ago
    clock.now += 0.6
    assert collector.tick()
    assert made == [1]
    collector.input_seen()  # a key: the clock starts again
    young_collection()
    clock.now += 0.9
    assert not collector.tick()
    clock.now += 0.2
    assert collector.tick()
    assert made == [1, 1]
    collector.stop()


def test_nothing_new_nothing_collected(thresholds: tuple[int, int, int]) -> None:
    clock, made = Clock(), []
    collector = IdleCollector(quiet=1.0, clock=clock, collect=lambda: made.append(1))
    collector.start()
    gc.collect()  # nothing has moved to the old generation since
    clock.now += 5
    assert not collector.tick()
    assert made == []
    collector.stop()


def test_python_collects_on_its_own_only_as_a_backstop(
    thresholds: tuple[int, int, int],
) -> None:
    young, middle, old = thresholds
    collector = IdleCollector()
    collector.start()
    assert gc.get_threshold() == (young, middle, old * BACKSTOP)
    collector.stop()
    assert gc.get_threshold() == thresholds
    collector.stop()  # twice is harmless
    assert gc.get_threshold() == thresholds


def test_a_collector_turned_off_stays_off(thresholds: tuple[int, int, int]) -> None:
    clock, made = Clock(), []
    collector = IdleCollector(quiet=1.0, clock=clock, collect=lambda: made.append(1))
    collector.start()
    young_collection()
    clock.now += 5
    gc.disable()
    try:
        assert not collector.tick()
    finally:
        gc.enable()
    assert collector.tick()
    collector.stop()
