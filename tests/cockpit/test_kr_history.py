"""Key results bound to live figures: the store records what each binding resolved to at every
sync, one row per stretch of the same value, and gives back the latest and the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.models import BoundValue, KrPoint
from cockpit.store import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_unchanged_values_extend_a_row_and_changes_start_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite")
    f1 = BoundValue("KR1", 0.86, "mlflow", "best val_f1 in fraud-gbdt")
    store.record_bound_values("okrs", [f1], T0)
    store.record_bound_values("okrs", [f1], T0 + timedelta(hours=1))
    better = BoundValue("KR1", 0.88, "mlflow", "best val_f1 in fraud-gbdt")
    store.record_bound_values("okrs", [better], T0 + timedelta(days=3))
    broken = BoundValue("KR1", None, "mlflow", error="no experiment named 'fraud-gbt'")
    store.record_bound_values("okrs", [broken], T0 + timedelta(days=4))
    assert store.bound_values("okrs") == {"KR1": broken}
    # The broken binding is not a point on the line; the change to 0.88 is, when it was seen.
    assert store.kr_history("okrs", T0 - timedelta(days=1)) == (
        KrPoint("KR1", T0, 0.86, "mlflow"),
        KrPoint("KR1", T0 + timedelta(days=3), 0.88, "mlflow"),
    )
    # From a later start, the value in force then is there, at that start.
    since = T0 + timedelta(minutes=30)
    assert store.kr_history("okrs", since)[0] == KrPoint("KR1", since, 0.86, "mlflow")
    # Another OKR source's key results of the same id are its own.
    assert store.bound_values("other") == {}


def test_a_store_without_the_file_has_no_values(tmp_path: Path) -> None:
    store = Store(tmp_path / "none.sqlite")
    assert store.bound_values("okrs") == {}
    assert store.kr_history("okrs", T0) == ()
    assert not (tmp_path / "none.sqlite").exists()


def test_a_past_moment_sees_only_what_was_recorded_by_then(tmp_path: Path) -> None:
    """The weekly summary of a finished week reads the cache as it stood at the week's end:
    a value recorded the Monday after must not show as that week's (nor as "last week")."""
    store = Store(tmp_path / "c.sqlite")
    sunday = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
    monday = sunday + timedelta(hours=11)
    store.record_bound_values("okrs", [BoundValue("KR1", 0.86, "mlflow", "", as_of=sunday)], sunday)
    store.record_bound_values("okrs", [BoundValue("KR1", 0.88, "mlflow", "", as_of=monday)], monday)
    week_end = sunday + timedelta(hours=1, minutes=59)

    assert store.bound_values("okrs")["KR1"].value == 0.88
    then = store.bound_values("okrs", week_end)["KR1"]
    assert (then.value, then.as_of) == (0.86, sunday)
    since = sunday - timedelta(days=7)
    assert [p.value for p in store.kr_history("okrs", since, week_end)] == [0.86]
    assert [p.value for p in store.kr_history("okrs", since)] == [0.86, 0.88]


def test_an_unchanged_stretch_past_the_moment_is_not_newer_than_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite")
    first = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    later = first + timedelta(days=4)
    for at in (first, later):  # the same value: one row, first_seen..last_seen
        store.record_bound_values("okrs", [BoundValue("KR1", 0.86, "mlflow", "", as_of=at)], at)
    moment = first + timedelta(days=1)
    assert store.bound_values("okrs", moment)["KR1"].as_of == moment
    assert store.bound_values("okrs", first - timedelta(seconds=1)) == {}
