"""Typed records shared by every layer.

Records are plain frozen dataclasses. Integrations produce them, the store keeps them as JSON,
analytics turn them into view-models. Timestamps are timezone-aware UTC datetimes; calendar
days are `date`s. Money is a float in the record's own currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

AREAS: tuple[str, ...] = ("sprint", "experiments", "okrs", "cost", "team")


class StatusCategory(StrEnum):
    """Jira's three fixed status categories; columns map onto one of them."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


# --- Sprint ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sprint:
    id: int
    name: str
    state: str  # "active", "closed" or "future"
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    completed: datetime | None = None
    committed_points: float | None = None
    completed_points: float | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    key: str
    summary: str
    status: str
    category: StatusCategory
    issue_type: str = "Story"
    assignee: str | None = None
    points: float | None = None
    priority: str = "Medium"
    labels: tuple[str, ...] = ()
    flagged: bool = False
    sprint_id: int | None = None
    created: datetime | None = None
    updated: datetime | None = None
    resolved: datetime | None = None


@dataclass(frozen=True, slots=True)
class Board:
    id: int
    name: str
    columns: tuple[str, ...] = ()
    url: str = ""


@dataclass(frozen=True, slots=True)
class SprintData:
    board: Board
    sprints: tuple[Sprint, ...] = ()
    issues: tuple[Issue, ...] = ()
    points_field: str | None = None  # None: the board has no estimation field, count issues


# --- Experiments ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    run_id: str
    experiment: str  # the experiment's id, as trackers key runs
    name: str
    status: str  # "RUNNING", "FINISHED", "FAILED", "KILLED"
    user: str = ""
    started: datetime | None = None
    ended: datetime | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Experiment:
    id: str
    name: str
    primary_metric: str
    higher_is_better: bool = True


@dataclass(frozen=True, slots=True)
class ModelVersion:
    model: str
    version: str
    run_id: str
    alias: str = "champion"
    promoted: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExperimentData:
    tracker: str
    experiments: tuple[Experiment, ...] = ()
    runs: tuple[Run, ...] = ()
    models: tuple[ModelVersion, ...] = ()


# --- OKRs -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyResult:
    id: str
    title: str
    start: float
    target: float
    current: float
    unit: str = ""
    owner: str = ""
    updated: date | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    id: str
    title: str
    owner: str = ""
    period: str = ""
    key_results: tuple[KeyResult, ...] = ()


@dataclass(frozen=True, slots=True)
class OkrData:
    period: str
    period_start: date
    period_end: date
    objectives: tuple[Objective, ...] = ()


# --- Cost -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostRow:
    """One day's spend for one service, already rolled up from billing lines."""

    day: date
    provider: str
    service: str
    amount: float
    currency: str = "USD"
    is_gpu: bool = False
    team: str = ""


@dataclass(frozen=True, slots=True)
class Budget:
    name: str
    monthly_amount: float
    currency: str = "USD"
    provider: str = ""  # empty: every provider


@dataclass(frozen=True, slots=True)
class CostData:
    rows: tuple[CostRow, ...] = ()
    budgets: tuple[Budget, ...] = ()


# --- Team -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    timezone: str  # IANA name, e.g. "Asia/Kolkata"
    role: str = ""
    location: str = ""
    work_start: str = "09:00"
    work_end: str = "17:30"
    country: str = ""  # ISO 3166 code, for public holidays
    away: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamData:
    people: tuple[Person, ...] = ()


# --- What one sync of one source yields -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one source returned in one complete sync. Absent areas stay None."""

    sprint: SprintData | None = None
    experiments: ExperimentData | None = None
    okrs: OkrData | None = None
    cost: CostData | None = None
    team: TeamData | None = None

    def areas(self) -> tuple[str, ...]:
        return tuple(area for area in AREAS if getattr(self, area) is not None)


# --- Credentials ----------------------------------------------------------------------


class Secret:
    """A credential whose repr and str never show it.

    Textual's crash screen and tracebacks print local variables; wrapping tokens keeps them out.
    Call `reveal()` only where the value goes onto the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("secrets are not picklable")
