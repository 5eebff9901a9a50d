"""The OKR area's view-models: what the panel, the OKR screen, `status` and the weekly export
read. Built by `cockpit.analytics.okrs.summarize_okrs` from the OKR file's records, the bound
values resolved at the last sync, and the recorded history; the clock is a parameter.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from cockpit.models import BoundValue, CheckIn, KrPoint

__all__ = ["BoundValue", "KpiView", "KrView", "ObjectiveView", "OkrRules", "OkrSummary"]


class OkrRules(msgspec.Struct, frozen=True, kw_only=True):
    """The `[okrs]` settings as the analytics take them."""

    at_risk_margin: float = 0.10  # progress this far behind the expected pace: at risk
    off_track_margin: float = 0.25  # this far behind: off track
    stale_days: int = 14  # no change and no check-in for this long: flagged


class KrView(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str
    unit: str
    direction: str  # "increase", "decrease", "band"
    baseline: float
    target: float
    band_low: float | None
    band_high: float | None
    weight: float
    current: float | None  # None: no check-in, no bound value, no typed value
    progress: float  # 0..1, direction respected, clamped
    expected: float  # 0..1: where it should be by now at a steady pace
    # "done", "on track", "at risk", "off track", "no data", "broken" (the binding failed)
    status: str
    origin: str  # "manual", "mlflow", "wandb", "jira", "cost", "model", "status"
    binding: str = ""  # the binding as written; "" for manual key results
    detail: str = ""  # what the bound value was read from
    error: str = ""  # a broken binding's reason, shown on the key result itself
    trend: str = ""  # "up", "down", "flat", "" (no history): of the value, not the progress
    improving: bool | None = None  # the trend in the key result's direction; None: unknown
    week_change: float | None = None  # value now minus a week ago
    last_change: date | None = None  # the day the value last changed, or the last check-in
    stale: bool = False  # no change and no check-in in OkrRules.stale_days
    confidence: int | None = None  # the latest check-in's
    confidence_trend: str = ""  # "up", "down", "flat", "" from the last two check-ins
    updated: datetime | None = None  # when the current value was recorded or synced
    history: tuple[KrPoint, ...] = ()  # oldest first, over the period
    checkins: tuple[CheckIn, ...] = ()


class ObjectiveView(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str
    period: str
    start: date
    end: date
    progress: float  # the weighted mean of its key results' progress
    expected: float
    status: str
    key_results: tuple[KrView, ...]
    # Key results left out of `progress` because they have no value ("no data", "broken"):
    # they count neither as 0 % nor as 100 %, and the objective says so.
    unmeasured: int = 0


class KpiView(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str
    unit: str
    current: float | None
    band_low: float | None
    band_high: float | None
    in_band: bool | None  # None: no value
    origin: str
    binding: str = ""
    detail: str = ""
    error: str = ""
    trend: str = ""
    week_change: float | None = None
    last_change: date | None = None
    stale: bool = False
    updated: datetime | None = None
    history: tuple[KrPoint, ...] = ()


class OkrSummary(msgspec.Struct, frozen=True, gc=False):
    period: str
    elapsed: float  # share of the file's period gone, 0..1
    days_left: int
    objectives: tuple[ObjectiveView, ...]
    kpis: tuple[KpiView, ...] = ()
    at_risk: int = 0  # key results at risk or off track
    stale: int = 0
    broken: int = 0
    path: str = ""  # the OKR file (check-ins are written there); "" when it cannot be written
