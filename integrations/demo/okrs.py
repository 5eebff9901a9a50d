"""The demo OKRs: three objectives for the current quarter, each on its own pace."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

import msgspec

from cockpit.models import KeyResult, Objective, OkrData


class _KeyResultSpec(msgspec.Struct, frozen=True):
    title: str
    start: float
    target: float
    unit: str
    owner: str
    digits: int


class _ObjectiveSpec(msgspec.Struct, frozen=True):
    title: str
    owner: str
    pace: float  # progress relative to the time elapsed in the quarter
    head_start: float
    key_results: tuple[_KeyResultSpec, ...]


OBJECTIVES: tuple[_ObjectiveSpec, ...] = (
    _ObjectiveSpec(
        "Ship ranker v3 to all search traffic",
        owner="maya",
        pace=1.0,
        head_start=0.02,
        key_results=(
            _KeyResultSpec("Online NDCG@10 from 0.412 to 0.460", 0.412, 0.460, "", "diego", 3),
            _KeyResultSpec("p95 ranking latency from 180 ms to 120 ms", 180, 120, "ms", "wei", 0),
            _KeyResultSpec("Search traffic served by ranker v3", 0, 100, "%", "maya", 0),
        ),
    ),
    _ObjectiveSpec(
        "Make model training cheap and boring",
        owner="samira",
        pace=1.3,
        head_start=0.06,
        key_results=(
            _KeyResultSpec("GPU cost per ranker training run", 410, 280, "USD", "samira", 0),
            _KeyResultSpec("Training job success rate from 82% to 97%", 82, 97, "%", "wei", 1),
            _KeyResultSpec("Training image build time", 38, 10, "min", "samira", 0),
        ),
    ),
    _ObjectiveSpec(
        "Better speech and fraud models in production",
        owner="lena",
        pace=0.55,
        head_start=0.0,
        key_results=(
            _KeyResultSpec("Call-centre WER from 15.2% to 10.0%", 15.2, 10.0, "%", "aroha", 1),
            _KeyResultSpec("Fraud model AUC from 0.928 to 0.955", 0.928, 0.955, "", "arjun", 3),
            _KeyResultSpec(
                "Newly labelled call-centre utterances", 0, 50000, "utterances", "lena", 0
            ),
        ),
    ),
)


def _quarter(today: date) -> tuple[str, date, date]:
    quarter = (today.month - 1) // 3 + 1
    first_month = 3 * quarter - 2
    last_month = first_month + 2
    start = date(today.year, first_month, 1)
    end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    return f"{today.year}-Q{quarter}", start, end


def _build_okrs(today: date, rng: random.Random) -> OkrData:
    period, start, end = _quarter(today)
    elapsed = ((today - start).days + 0.5) / ((end - start).days + 1)
    objectives = []
    for number, objective in enumerate(OBJECTIVES, start=1):
        key_results = []
        for kr_number, kr in enumerate(objective.key_results, start=1):
            pace = objective.pace + rng.uniform(-0.12, 0.12)
            progress = min(1.0, max(0.0, elapsed * pace + objective.head_start))
            days_ago = rng.randint(0, 13)
            key_results.append(
                KeyResult(
                    id=f"O{number}.KR{kr_number}",
                    title=kr.title,
                    start=float(kr.start),
                    target=float(kr.target),
                    current=round(kr.start + (kr.target - kr.start) * progress, kr.digits),
                    unit=kr.unit,
                    owner=kr.owner,
                    # Check-ins happen every week or two, never before the quarter began.
                    updated=max(start, today - timedelta(days=days_ago)),
                )
            )
        objectives.append(
            Objective(
                id=f"O{number}",
                title=objective.title,
                owner=objective.owner,
                period=period,
                key_results=tuple(key_results),
            )
        )
    return OkrData(period=period, period_start=start, period_end=end, objectives=tuple(objectives))
