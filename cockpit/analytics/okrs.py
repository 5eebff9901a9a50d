"""Objective and key-result progress, judged against how much of the period has passed."""

from __future__ import annotations

from datetime import date

import msgspec

from cockpit.models import KeyResult, OkrData

# How far behind the calendar a KR may fall before it is "at risk", then "behind".
AT_RISK_MARGIN = 0.10
BEHIND_MARGIN = 0.25


class KrProgress(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str
    current: float
    target: float
    unit: str
    progress: float  # 0..1, works for KRs where lower is better too
    status: str  # "done", "on track", "at risk", "behind"
    updated: date | None


class ObjectiveProgress(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str
    progress: float  # mean of its KRs
    status: str
    key_results: tuple[KrProgress, ...]


class OkrSummary(msgspec.Struct, frozen=True, gc=False):
    period: str
    elapsed: float  # share of the period gone, 0..1
    days_left: int
    objectives: tuple[ObjectiveProgress, ...]


def kr_progress(kr: KeyResult) -> float:
    span = kr.target - kr.start
    if span == 0:
        return 1.0 if kr.current == kr.target else 0.0
    return min(max((kr.current - kr.start) / span, 0.0), 1.0)


def judge(progress: float, elapsed: float) -> str:
    if progress >= 1.0:
        return "done"
    if progress >= elapsed - AT_RISK_MARGIN:
        return "on track"
    if progress >= elapsed - BEHIND_MARGIN:
        return "at risk"
    return "behind"


def period_elapsed(start: date, end: date, today: date) -> float:
    length = (end - start).days + 1
    gone = (today - start).days + 1
    return min(max(gone / length, 0.0), 1.0) if length > 0 else 1.0


def summarize_okrs(data: OkrData, today: date) -> OkrSummary:
    elapsed = period_elapsed(data.period_start, data.period_end, today)
    objectives = []
    for objective in data.objectives:
        krs = tuple(
            KrProgress(
                kr.id,
                kr.title,
                kr.owner,
                kr.current,
                kr.target,
                kr.unit,
                kr_progress(kr),
                judge(kr_progress(kr), elapsed),
                kr.updated,
            )
            for kr in objective.key_results
        )
        progress = sum(k.progress for k in krs) / len(krs) if krs else 0.0
        objectives.append(
            ObjectiveProgress(
                objective.id,
                objective.title,
                objective.owner,
                progress,
                judge(progress, elapsed),
                krs,
            )
        )
    return OkrSummary(
        data.period, elapsed, max((data.period_end - today).days, 0), tuple(objectives)
    )
