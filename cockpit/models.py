"""Typed records shared by every layer.

Records are frozen `msgspec.Struct`s: plain data like frozen dataclasses, but defined about 40
times faster (start-up time matters to `cockpit status`) and decoded from the store's JSON
without a hand-written decoder. Integrations produce them, analytics turn them into view-models.
Timestamps are timezone-aware UTC datetimes; calendar days are `date`s. Money is a float in the
record's own currency.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

import msgspec

AREAS: tuple[str, ...] = ("sprint", "experiments", "okrs", "cost", "team")


class StatusCategory(StrEnum):
    """Jira's three fixed status categories; columns map onto one of them."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


# --- Sprint ---------------------------------------------------------------------------


class Sprint(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    state: str  # "active", "closed" or "future"
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    completed: datetime | None = None
    committed_points: float | None = None
    completed_points: float | None = None


class StatusChange(msgspec.Struct, frozen=True, gc=False):
    """A status transition from the issue's changelog."""

    at: datetime
    from_status: str
    to_status: str


class SprintChange(msgspec.Struct, frozen=True, gc=False):
    """The issue's Sprint field changed: the sprint ids it was in before and after."""

    at: datetime
    from_sprints: tuple[int, ...]
    to_sprints: tuple[int, ...]


class PointsChange(msgspec.Struct, frozen=True, gc=False):
    """The estimate changed (re-estimation counts as scope change in the burndown)."""

    at: datetime
    from_points: float | None
    to_points: float | None


class Issue(msgspec.Struct, frozen=True, gc=False):
    key: str
    summary: str
    status: str
    category: StatusCategory
    id: str = ""  # the tracker's stable id: keys change when an issue moves project
    issue_type: str = "Story"
    assignee: str | None = None  # a Person.id (Jira accountId, or name on old Server)
    points: float | None = None
    priority: str = "Medium"
    labels: tuple[str, ...] = ()
    flagged: bool = False
    sprint_id: int | None = None  # the open (active or future) sprint it is in, if any
    created: datetime | None = None
    updated: datetime | None = None
    resolved: datetime | None = None
    sprint_ids: tuple[int, ...] = ()  # every sprint it has been in, closed ones included
    epic: str = ""
    status_changes: tuple[StatusChange, ...] = ()  # oldest first
    sprint_changes: tuple[SprintChange, ...] = ()
    points_changes: tuple[PointsChange, ...] = ()


class BoardColumn(msgspec.Struct, frozen=True, gc=False):
    name: str
    statuses: tuple[str, ...] = ()  # status names mapped to this column


class Board(msgspec.Struct, frozen=True, gc=False):
    id: int
    name: str
    columns: tuple[BoardColumn, ...] = ()
    url: str = ""  # the board in the browser
    site_url: str = ""  # issues open at f"{site_url}/browse/{key}"


class SprintData(msgspec.Struct, frozen=True, gc=False):
    board: Board
    sprints: tuple[Sprint, ...] = ()
    issues: tuple[Issue, ...] = ()
    points_field: str | None = None  # None: the board has no estimation field, count issues
    points_note: str = ""  # why issues are counted instead of points, shown on screen
    # Status name → category, for statuses that appear only in changelogs.
    status_categories: dict[str, StatusCategory] = msgspec.field(default_factory=dict)
    synced_at: datetime | None = None  # server-side moment of the last sync, for incremental ones
    # What the issues were read with: a re-sync builds on them only if both are unchanged.
    jql: str = ""
    fields: tuple[str, ...] = ()


# --- Experiments ----------------------------------------------------------------------


# A metric's logged values, oldest step first: (step, value). Kept only for the runs that can
# reach the top of a leaderboard (see `LeaderboardSettings.history_runs`).
MetricHistory = tuple[tuple[int, float], ...]


class Run(msgspec.Struct, frozen=True, gc=False):
    run_id: str
    experiment: str  # the experiment's id, as trackers key runs
    name: str
    status: str  # "RUNNING", "FINISHED", "FAILED", "KILLED" (W&B's states are mapped onto these)
    user: str = ""
    started: datetime | None = None
    ended: datetime | None = None
    metrics: dict[str, float] = msgspec.field(default_factory=dict)  # the last logged values
    params: dict[str, str] = msgspec.field(default_factory=dict)
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    url: str = ""  # the run's page in the tracker's UI
    heartbeat: datetime | None = None  # last sign of life of a running run (W&B)
    histories: dict[str, MetricHistory] = msgspec.field(default_factory=dict)


class Experiment(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    primary_metric: str
    higher_is_better: bool = True
    # How a run's value is read: "last", "best" (over its history) or "at-best-step" (the value
    # of `primary_metric` at the step where `step_metric` was best).
    rank_by: str = "last"
    step_metric: str = ""
    step_metric_higher_is_better: bool = False
    metric_picked: bool = False  # True: not configured, picked from the names the runs log
    url: str = ""  # the experiment's page in the tracker's UI
    tracker: str = ""  # "mlflow", "wandb"; empty: the ExperimentData's tracker
    key_params: tuple[str, ...] = ()  # the params shown beside each run (config); empty: picked


class ModelVersion(msgspec.Struct, frozen=True, gc=False):
    model: str
    version: str
    run_id: str
    alias: str = "champion"
    promoted: datetime | None = None
    experiment: str = ""  # the id of the experiment its run belongs to, when known
    url: str = ""


class ExperimentData(msgspec.Struct, frozen=True, gc=False):
    tracker: str
    experiments: tuple[Experiment, ...] = ()
    runs: tuple[Run, ...] = ()
    models: tuple[ModelVersion, ...] = ()
    source: str = ""  # the configured source's name
    # The server-side moment of the last sync and of the last full refresh, for re-syncs.
    synced_at: datetime | None = None
    full_refresh_at: datetime | None = None
    # What every panel and status needs, computed from all the runs when the snapshot is made
    # (`cockpit.analytics.experiments.digest_experiments`): the store keeps `runs` apart, and
    # the dashboard is built from this alone, so a cache of 50,000 runs is not decoded for it.
    digests: tuple[ExperimentDigest, ...] = ()


class WeekOfRuns(msgspec.Struct, frozen=True, gc=False):
    """Runs started in one ISO week (Monday `week`), for the velocity view."""

    week: date
    started: int = 0
    finished: int = 0
    failed: int = 0  # FAILED or KILLED
    median_minutes: float | None = None  # of the runs that ended
    by_user: dict[str, int] = msgspec.field(default_factory=dict)
    # The ended runs' durations as (bucket, count), bucket = round(ln(minutes) * 50): about 2%
    # wide. A median over several experiments or sources is read from these (medians of
    # medians are not medians), without keeping every run's duration.
    durations: tuple[tuple[int, int], ...] = ()


class ExperimentDigest(msgspec.Struct, frozen=True, gc=False):
    """One experiment's runs, summed up from all of them.

    Self-contained: with its experiment, source and model aliases inside, digests from several
    sources can be shown side by side even when their experiment or run ids collide.
    """

    experiment: str  # Experiment.id
    total: int = 0
    running: int = 0
    finished: int = 0
    failed: int = 0
    # The runs a leaderboard may show, best first by the experiment's ranking value: the top
    # `keep`, plus every run a model alias points at (so a champion is never missing).
    candidates: tuple[Run, ...] = ()
    kept: int = 0  # the first `kept` candidates are the top runs; the rest are aliased runs
    ranked: int = 0  # how many runs have a ranking value (finished, the metric logged, finite)
    # The rank of each aliased run kept beyond the top (a champion at #212), by run id.
    extra_ranks: dict[str, int] = msgspec.field(default_factory=dict)
    weeks: tuple[WeekOfRuns, ...] = ()  # oldest first, every week from the first run's
    # The best ranking value of runs ended by each day (best-so-far), oldest first.
    record: tuple[tuple[date, float], ...] = ()
    note: str = ""  # how values were read, e.g. "best over history for the top 50 runs"
    source: str = ""  # the configured source's name (ExperimentData.source)
    tracker: str = ""  # "mlflow", "wandb": the experiment's own, else its data's
    definition: Experiment | None = None  # the experiment itself: name, metric, direction
    models: tuple[ModelVersion, ...] = ()  # the model versions whose runs are in it
    # The params shown beside each run: the configured ones, or those that vary most among
    # the top runs (then `key_params_picked`).
    key_params: tuple[str, ...] = ()
    key_params_picked: bool = False
    as_of: datetime | None = None  # the moment the digest was made
    # FINISHED runs that ended in the 24 hours before `as_of`, counted per minute (the minute
    # they ended in): enough for "finished in the last 24 h" at any later moment.
    ended_last_day: tuple[tuple[datetime, int], ...] = ()


# --- OKRs -----------------------------------------------------------------------------


class CheckIn(msgspec.Struct, frozen=True, gc=False):
    """A value someone typed in, with how sure they are of the key result (0-10)."""

    day: date
    value: float
    confidence: int | None = None
    note: str = ""


class Binding(msgspec.Struct, frozen=True, gc=False):
    """Where a key result's current value comes from instead of check-ins: a figure the
    cockpit already syncs. `kind` picks which of the other fields apply (docs/okrs.md):

    - "metric": the best `metric` of any run in `experiment` (MLflow or W&B; `source` narrows
      it to one configured source); "champion-metric": that metric of the run `alias` points at
    - "jira-count" / "jira-points": issues (or their points) matching `jql` (a subset of JQL
      evaluated on the synced board), or with `label`, or in `epic`; `done_only` counts only
      resolved ones
    - "cost-spend": spend in `scope` (the budget scope grammar) over `window`;
      "cost-per-run": that spend divided by the runs started in the same window
    - "model-versions": model versions given `alias` (of `model`, or any) in the period
    - "status": the number at `path` in `cockpit status --json` (e.g. "experiments.runs_week")
    """

    kind: str
    source: str = ""
    experiment: str = ""
    metric: str = ""
    alias: str = ""
    model: str = ""
    jql: str = ""
    label: str = ""
    epic: str = ""
    done_only: bool = False
    scope: str = ""
    window: str = "period"  # "period" (the objective's), "month", "week", "quarter"
    path: str = ""
    text: str = ""  # the binding as the file writes it, for the screen


class KeyResult(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    start: float  # the baseline
    target: float
    current: float | None  # the value typed into older files; None when check-ins or a binding say
    unit: str = ""
    owner: str = ""
    updated: date | None = None
    # "increase", "decrease", "band" (stay within band_low..band_high); "" = from start/target
    direction: str = ""
    band_low: float | None = None
    band_high: float | None = None
    weight: float = 1.0
    checkins: tuple[CheckIn, ...] = ()  # oldest first
    binding: Binding | None = None
    line: int = 0  # where it starts in its file (1-based), for messages and check-ins


class Objective(msgspec.Struct, frozen=True, gc=False):
    id: str
    title: str
    owner: str = ""
    period: str = ""
    key_results: tuple[KeyResult, ...] = ()
    start: date | None = None  # an objective's own period; None: the file's
    end: date | None = None


class KrPoint(msgspec.Struct, frozen=True, gc=False):
    """One recorded value of a key result or KPI: a check-in, or a bound value seen at a sync."""

    kr: str
    at: datetime
    value: float
    origin: str  # "manual", "mlflow", "wandb", "jira", "cost", "model", "status"


class BoundValue(msgspec.Struct, frozen=True, gc=False):
    """A binding resolved against the store: the value, or why there is none."""

    kr: str
    value: float | None
    origin: str  # "mlflow", "wandb", "jira", "cost", "model", "status"
    detail: str = ""  # what it was read from: "best val_f1 in fraud-gbdt (run 3f2a…)"
    error: str = ""  # why there is no value: "no experiment named 'fraud-gbt' in mlflow"
    as_of: datetime | None = None  # when the data it was read from was synced


class OkrData(msgspec.Struct, frozen=True, gc=False):
    period: str
    period_start: date
    period_end: date
    objectives: tuple[Objective, ...] = ()
    # Key results with no end date: a value kept within a healthy band, tracked over time.
    kpis: tuple[KeyResult, ...] = ()
    path: str = ""  # the file it was read from ("" for a URL or the demo): check-ins go there
    # Values recorded before this snapshot that the store does not hold (the demo's quarter).
    history: tuple[KrPoint, ...] = ()


# --- Cost -----------------------------------------------------------------------------


class CostRow(msgspec.Struct, frozen=True, gc=False):
    """One day's spend for one combination of dimensions: a roll-up, never a billing line."""

    day: date
    provider: str  # who provides the service ("AWS", "Microsoft", "Google Cloud")
    service: str
    amount: float  # in `currency`, from the source's cost column; credits are negative
    currency: str = "USD"
    is_gpu: bool = False  # accelerator spend (integrations.gpu_usage decides)
    team: str = ""  # kept for caches written before tags; new sources fill `tags`
    account: str = ""  # AWS linked account, Azure subscription, GCP project
    region: str = ""
    category: str = ""  # FOCUS ServiceCategory ("Compute", "AI and Machine Learning")
    # Only the configured tag keys, lower-cased, as (key, value) pairs sorted by key.
    tags: tuple[tuple[str, str], ...] = ()


class Budget(msgspec.Struct, frozen=True, gc=False):
    """A budget from the config, or one a provider holds (AWS Budgets)."""

    name: str
    # Per period. Written as "monthly_amount": caches from when every budget was monthly.
    amount: float = msgspec.field(name="monthly_amount")
    currency: str = "USD"
    provider: str = ""  # the scope before `scope` existed; empty: every provider
    period: Literal["month", "quarter"] = "month"
    # "" = all spend; "provider=AWS", "service=Amazon EC2", "account=ml-prod",
    # "region=us-east-1", "category=Compute", "tag:team=fraud".
    scope: str = ""
    thresholds: tuple[float, ...] = (0.5, 0.8, 1.0)  # shares of `amount` actually spent
    forecast_threshold: float | None = 1.0  # share of `amount` forecast; None: no alert
    origin: str = "config"  # or "AWS Budgets"
    provider_actual: float | None = None  # what the provider says was spent this period
    provider_forecast: float | None = None  # and where it says the period ends

    @property
    def monthly_amount(self) -> float:
        """The amount as a month's (old callers; a quarter is three months)."""
        return self.amount / 3 if self.period == "quarter" else self.amount


class ProviderForecast(msgspec.Struct, frozen=True, gc=False):
    """A provider's own forecast of spend (AWS GetCostForecast)."""

    provider: str
    currency: str
    start: date
    end: date  # exclusive
    mean: float
    low: float | None = None
    high: float | None = None
    level: int = 80  # the prediction interval, in percent


class CostFile(msgspec.Struct, frozen=True, gc=False):
    """One imported cost export, so that a re-sync reads only the files that changed."""

    path: str
    size: int
    mtime_ns: int
    first_row: int  # its roll-up rows are CostData.rows[first_row : first_row + row_count]
    row_count: int
    lines: int = 0  # billing lines read
    version: str = ""  # the FOCUS version detected ("1.0", "1.2", "1.3"), or ""
    currencies: tuple[str, ...] = ()


class CostData(msgspec.Struct, frozen=True, gc=False):
    rows: tuple[CostRow, ...] = ()
    # Budgets the source holds (AWS Budgets); the config's are added by the dashboard.
    budgets: tuple[Budget, ...] = ()
    cost_column: str = ""  # what `amount` is: "EffectiveCost", "UnblendedCost"…
    forecasts: tuple[ProviderForecast, ...] = ()
    files: tuple[CostFile, ...] = ()  # cost exports only
    source: str = ""  # the configured source's name (the dashboard fills it)
    paid_calls_today: int = 0  # paid API calls counted today, as of the sync
    # Merged data only: which provider's spend two sources both had, and which one is shown.
    overlap: str = ""
    # How many roll-ups the store keeps apart from this snapshot (`rows` is then empty until
    # they are read: `Store.load_cost_rows`); 0 when `rows` holds them all.
    rows_apart: int = 0


# --- Team -----------------------------------------------------------------------------


class WorkSpan(msgspec.Struct, frozen=True, gc=False):
    """One stretch of a working day, in minutes after local midnight. `end` is after `start`
    and may pass 1440: a night shift from 22:00 to 02:00 is (1320, 1560) and belongs to the day
    it starts on."""

    start: int
    end: int


# A week of working hours: seven entries, Monday first; an empty entry is a day off.
WeekHours = tuple[tuple[WorkSpan, ...], ...]


class Holiday(msgspec.Struct, frozen=True, gc=False):
    day: date
    name: str


class TimeOff(msgspec.Struct, frozen=True, gc=False):
    start: date
    end: date  # inclusive
    note: str = ""


class Travel(msgspec.Struct, frozen=True, gc=False):
    """A dated stay elsewhere: the person works from `timezone` on these local dates."""

    start: date
    end: date  # inclusive
    timezone: str
    location: str = ""
    hours: WeekHours = ()  # () keeps the person's own hours
    country: str = ""  # "" keeps the person's own holiday calendar
    subdivision: str = ""
    holidays: tuple[Holiday, ...] = ()  # resolved from country/subdivision when they are set


class Person(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    timezone: str  # IANA name, e.g. "Asia/Kolkata"
    role: str = ""
    location: str = ""
    work_start: str = "09:00"  # the single span of older rosters; `hours` wins when set
    work_end: str = "17:30"
    country: str = ""  # ISO 3166 code, for public holidays
    away: tuple[date, ...] = ()  # single days off (older rosters); see also time_off
    handle: str = ""
    email: str = ""  # matches a Jira user, so one person is never shown twice
    account_id: str = ""  # the Jira accountId (or user name on Server/DC) this person is
    subdivision: str = ""  # state or province, for regional holidays
    hours: WeekHours = ()  # () means work_start–work_end, Monday to Friday
    flexible: bool = False  # hours are a habit, not a rule: out-of-hours slots hurt less
    time_off: tuple[TimeOff, ...] = ()
    travel: tuple[Travel, ...] = ()  # sorted, never overlapping
    holidays: tuple[Holiday, ...] = ()  # public holidays of country/subdivision, resolved at sync
    zone_source: str = ""  # where `timezone` came from: "roster", "jira", "demo"


class Meeting(msgspec.Struct, frozen=True, gc=False):
    """A meeting the lead recorded (the meetings file beside the roster), for the fairness
    ledger: who took an inconvenient slot, week after week."""

    title: str
    start: datetime  # aware, UTC
    minutes: int
    attendees: tuple[str, ...]  # Person ids
    series: str = ""  # a recurring meeting's name; "" for a one-off


class TeamData(msgspec.Struct, frozen=True, gc=False):
    people: tuple[Person, ...] = ()
    meetings: tuple[Meeting, ...] = ()


# --- What one sync of one source yields -----------------------------------------------


class Snapshot(msgspec.Struct, frozen=True, gc=False):
    """Everything one source returned in one complete sync. Absent areas stay None."""

    sprint: SprintData | None = None
    experiments: ExperimentData | None = None
    okrs: OkrData | None = None
    cost: CostData | None = None
    team: TeamData | None = None
    # A digest of the source's settings that shaped this data (cockpit.sources.settings_key):
    # an incremental sync builds only on a snapshot made with the same settings, and the
    # screen says when the config has changed since. Empty in caches from before it existed.
    settings_key: str = ""

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
