"""Reading a cost source's stored roll-ups back, for the cost sources' tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from cockpit.models import CostData, CostRow
from cockpit.store import Store


def stored_cost(store: Store, name: str) -> CostData:
    """The source's latest cost data, its roll-ups read back from the store."""
    stored = store.latest(name, with_cost_rows=True)
    assert stored is not None and stored.snapshot.cost is not None
    return stored.snapshot.cost


def spend_by_day(rows: tuple[CostRow, ...]) -> dict[date, float]:
    totals: dict[date, float] = defaultdict(float)
    for row in rows:
        totals[row.day] += row.amount
    return dict(totals)
