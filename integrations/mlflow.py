"""The MLflow source: a tracking server's experiments, runs, metric histories and model aliases.

It speaks the REST API 2.0 (`/api/2.0/mlflow/...`) through the shared `HttpClient` (retries,
`Retry-After`, byte counts, timeouts capped by the deadline); the `mlflow` package is not needed.
Authentication: none, basic (`username` with the token as password), or a bearer token
(Databricks-hosted MLflow). The token goes into a header only, never a URL or a message.

A sync:
1. finds the configured experiments (by name, by id, by a `name LIKE` pattern, or all of them);
   a name the server does not know is an error that lists the names it does;
2. reads their runs with `runs/search` (active runs only, paged by `page_token` until none comes
   back, the largest pages the server allows), one search per experiment, a few at a time: the
   server spends about a millisecond of CPU on each run it lists, so a large tracker is read
   in parallel by its worker processes rather than by one of them;
3. reads the registry: the configured aliases (`champion`, `challenger`…) of the configured
   registered models, or of all. A missing alias answers 400 on MLflow: that is "no champion";
4. reads the metric histories of the runs that can reach the top of each leaderboard (the
   best `history_runs` by last value, and every run an alias points at), so that "best over
   the history" and "at the best step" are right: a hundred runs a request where the server
   has `metrics/get-history-bulk` (the endpoint its own UI charts with), one run a request
   where it has not, a few requests at a time. Finished runs' histories do not change: they
   are kept from the last sync. Histories are what a short deadline gives up first: the runs
   are kept, ranked by their last values.

A re-sync moves little: only runs started since the last sync (minus a margin for clocks and
late-starting runs) and the runs that were still running are fetched; the rest are kept. Once
every `full_refresh_hours` everything is read again, which is how deleted runs disappear.
"""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import msgspec

from cockpit.models import (
    Experiment,
    ExperimentData,
    MetricHistory,
    ModelVersion,
    Run,
    Secret,
    Snapshot,
)
from integrations.base import (
    FetchContext,
    Progress,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
    SourceUnreachable,
    TrafficMeter,
)
from integrations.leaderboard import Board, LeaderboardOptions
from integrations.mlflow_parse import (
    AliasAnswer,
    BulkHistoryPage,
    ExperimentAnswer,
    ExperimentsPage,
    HistoryPage,
    MlflowGarbled,
    MlflowPayloadError,
    RawExperiment,
    RawMetric,
    RawRegisteredModel,
    RegisteredModelAnswer,
    RegisteredModelsPage,
    RunsPage,
    build_run,
    decode,
    experiment_name,
    experiment_url,
    filter_literal,
    history,
    milliseconds,
    model_version,
)
from integrations.threads import run_abandonable

API = "/api/2.0/mlflow"
# The endpoints MLflow's web UI calls: metrics/get-history-bulk is there since MLflow 2.0, and
# not on every MLflow-compatible server (Databricks): without it, histories are read one by one.
AJAX_API = "/ajax-api/2.0/mlflow"
# runs/search accepts up to 50,000 runs a page (more is a 400). Large pages, because the server
# sorts the experiment's runs again for every page, so each further page of a large experiment
# costs it seconds; but not the largest: a page is held whole as JSON (about 2.6 KB a run), and
# three searches at once of 20,000 runs keep that under about 150 MB on the lead's laptop.
RUNS_PAGE = 20_000
assert RUNS_PAGE <= 50_000
# Experiments whose runs are searched at the same time on a full sync. The searches are CPU
# work on the server (the runs' JSON), done by its worker processes (`mlflow server` starts 4):
# a few at a time use them without queueing behind each other or crowding out its other users.
RUNS_SEARCHES = 3
# A multi-process server (uvicorn, gunicorn) lets whichever worker wakes first accept every
# connection waiting: searches opened at the same instant all land on one process and share one
# core. The first searches start this far apart, so that each finds an idle worker.
SEARCHES_APART = 0.25  # seconds
EXPERIMENTS_PAGE = 1000
MODELS_PAGE = 1000  # the registry's maximum
# Run ids per `attributes.run_id IN (...)` filter: the filter travels in the request body, but
# the server parses it, and short filters keep its answer quick.
IDS_PER_SEARCH = 100
# Runs are stamped with the training machine's clock, not the server's, and a run may be
# created a while after it says it started: runs started this long before the last sync are
# read again.
STARTED_SINCE_MARGIN = timedelta(minutes=30)
HISTORY_WORKERS = 4  # concurrent metric-history requests: polite to a single-worker server
# metrics/get-history-bulk takes up to 100 run ids and answers up to 25,000 points, cut short
# past that: a full answer is asked for again in halves (one run alone: page by page).
HISTORY_BULK_RUNS = 100
HISTORY_BULK_POINTS = 25_000
# Histories are optional detail: they stop early enough to leave this share of the deadline
# (at least a few seconds) for the rest of the sync.
HISTORY_RESERVE = 0.1
HISTORY_RESERVE_MIN = 3.0
KNOWN_NAMES_SHOWN = 20
DEFAULT_EXPERIMENT = "0"
FINISHED_STATES = frozenset({"FINISHED", "FAILED", "KILLED"})

T = TypeVar("T")


class MlflowOptions(Protocol):
    """What the source reads of `cockpit.kinds.MlflowSettings`."""

    @property
    def url(self) -> str: ...
    @property
    def experiments(self) -> Sequence[str]: ...
    @property
    def experiment_pattern(self) -> str: ...
    @property
    def auth(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def models(self) -> Sequence[str]: ...
    @property
    def aliases(self) -> Sequence[str]: ...
    @property
    def full_refresh_hours(self) -> float: ...
    @property
    def leaderboard(self) -> LeaderboardOptions: ...


class MlflowSource:
    kind = "mlflow"
    uses_network = True

    def __init__(self, name: str, settings: MlflowOptions) -> None:
        self.name = name
        self.settings = settings
        # What the user may paste: the UI's address with a trailing slash or a `#/…` page.
        self.url = settings.url.split("#", 1)[0].rstrip("/")
        self.board = Board(settings.leaderboard)

    # --- entry points ----------------------------------------------------------------

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if ctx.http is None:
            raise SourceUnreachable(f"{self.name}: offline, the MLflow server was not asked")
        token = await self._token(ctx)
        api = _Api(ctx.http, self.url, self._headers(token), self.name)
        try:
            return await _Sync(self, api, ctx).run()
        except SourceAuthError as exc:
            raise self._auth_advice(exc) from None
        except MlflowPayloadError as exc:
            raise type(exc)(f"{self.name}: {exc}") from None

    def _auth_advice(self, error: SourceAuthError) -> SourceAuthError:
        """A server that wants credentials the config does not send says so."""
        if self.settings.auth != "none":
            return error
        return SourceAuthError(
            f"{self.name}: the MLflow server asks for credentials, and [sources.{self.name}]"
            ' has auth = "none": set auth = "basic" (with `username`) or "bearer", then run'
            f" `cockpit auth set {self.name}`"
        )

    def probe(self, token: Secret | None) -> str:
        """For `cockpit doctor`: reach the server, sign in, find the configured experiments.
        Blocking; raises a `SourceError` that says what is wrong."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._probe(token))
        # Called from async code: a loop of its own, on a thread of its own.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._probe(token)).result()

    async def _probe(self, token: Secret | None) -> str:
        from integrations.http import HttpClient, Timeouts

        async with HttpClient(self.name, timeouts=Timeouts(5.0, 10.0, 30.0)) as http:
            api = _Api(http, self.url, self._headers(token), self.name)
            try:
                version = await api.version()
                experiments = await _find_experiments(self, api)
            except SourceAuthError as exc:
                raise self._auth_advice(exc) from None
        names = ", ".join(experiment_name(e) for e in experiments[:KNOWN_NAMES_SHOWN])
        more = len(experiments) - KNOWN_NAMES_SHOWN
        found = names + (f" and {more} more" if more > 0 else "")
        where = f"MLflow {version}" if version else "MLflow"
        return f"{where} at {self.url}, {_count(len(experiments), 'experiment')}: {found}"

    # --- credentials -----------------------------------------------------------------

    async def _token(self, ctx: FetchContext) -> Secret | None:
        if self.settings.auth == "none":
            return None
        # The keyring can block (a locked Secret Service): never on the event loop itself.
        token = await run_abandonable(f"{self.name}-token", ctx.secret, self.name)
        if token is None:
            raise SourceAuthError(
                f"{self.name}: no MLflow token (auth = {self.settings.auth!r}); run "
                f"`cockpit auth set {self.name}`"
            )
        return token

    def _headers(self, token: Secret | None) -> dict[str, str]:
        auth = self.settings.auth
        if auth == "none" or token is None:
            return {}
        if auth == "bearer":
            return {"Authorization": f"Bearer {token.reveal()}"}
        if not self.settings.username:
            raise SourceConfigError(
                f'{self.name}: auth = "basic" needs `username` in [sources.{self.name}]'
                " (the token is its password)"
            )
        pair = f"{self.settings.username}:{token.reveal()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


class _Api:
    """MLflow's REST calls over the shared client: JSON decoded into typed shapes, auth headers
    on every request, the server's clock read from its `Date` header."""

    def __init__(self, http: Any, base_url: str, headers: dict[str, str], source: str) -> None:
        self.http = http
        self.base = base_url
        self.headers = headers
        self.source = source
        self.server_now: datetime | None = None

    @property
    def meter(self) -> TrafficMeter:
        meter: TrafficMeter = self.http.meter
        return meter

    async def get(
        self, path: str, params: Mapping[str, Any], shape: type[T], *, api: str = API
    ) -> T:
        return await self._read("GET", path, shape, api=api, params=params)

    async def post(self, path: str, body: Mapping[str, Any], shape: type[T]) -> T:
        # Every POST here is a search: a pure read, safe to repeat.
        return await self._read("POST", path, shape, json=body)

    async def get_optional(
        self, path: str, params: Mapping[str, Any], shape: type[T], *, api: str = API
    ) -> T | None:
        """None when MLflow refuses the request as a client error (400/404): "no such
        experiment, model or alias". 401/403, 5xx and rate limits still raise."""
        try:
            return await self.get(path, params, shape, api=api)
        except MlflowGarbled:
            raise
        except SourceBadResponse:
            return None

    async def version(self) -> str:
        """The server's MLflow version ("" when it does not say: older servers, Databricks)."""
        try:
            response = await self.http.request("GET", f"{self.base}/version", headers=self.headers)
        except SourceBadResponse:
            return ""
        text = response.text.strip()
        # A proxy's HTML page is not a version.
        return text if len(text) <= 40 and text[:1].isdigit() else ""

    async def _read(
        self, method: str, path: str, shape: type[T], *, api: str = API, **kwargs: Any
    ) -> T:
        url = f"{self.base}{api}/{path}"
        # One garbled answer (a proxy hiccup, a body cut at a gateway) is asked for once more;
        # a second one is the server's real answer.
        for attempt in (1, 2):
            response = await self.http.request(
                method, url, idempotent=True, headers=self.headers, **kwargs
            )
            self._note_clock(response.headers.get("date"))
            try:
                return decode(response.content, shape, path)
            except MlflowGarbled as exc:
                if attempt == 2:
                    raise
                self.meter.failed(exc, self.source)
        raise AssertionError("unreachable")

    def _note_clock(self, header: str | None) -> None:
        if self.server_now is not None or not header:
            return
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        self.server_now = moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- experiments --------------------------------------------------------------------------


async def _find_experiments(source: MlflowSource, api: _Api) -> list[RawExperiment]:
    """The configured experiments, in config order: names, ids, then the pattern's matches
    (or every active experiment when neither is configured)."""
    settings = source.settings
    found: dict[str, RawExperiment] = {}
    missing: list[str] = []
    for entry in settings.experiments:
        answer = await api.get_optional(
            "experiments/get-by-name", {"experiment_name": entry}, ExperimentAnswer
        )
        if (answer is None or answer.experiment.lifecycle_stage != "active") and entry.isdigit():
            answer = await api.get_optional(
                "experiments/get", {"experiment_id": entry}, ExperimentAnswer
            )
        if answer is None or answer.experiment.lifecycle_stage != "active":
            missing.append(entry)
            continue
        found.setdefault(answer.experiment.experiment_id, answer.experiment)
    if missing:
        known = await _known_names(source, api)
        listed = ", ".join(repr(name) for name in missing)
        raise SourceConfigError(
            f"{source.name}: MLflow has no experiment {listed} (`experiments` in "
            f"[sources.{source.name}]); {known}"
        )
    pattern = settings.experiment_pattern
    if pattern or not settings.experiments:
        matched = await _search_experiments(source, api, pattern)
        for experiment in sorted(matched, key=experiment_name):
            # MLflow's built-in "Default" experiment is noise unless asked for by name.
            if experiment.experiment_id == DEFAULT_EXPERIMENT and not pattern:
                continue
            found.setdefault(experiment.experiment_id, experiment)
        if pattern and not found:
            known = await _known_names(source, api)
            raise SourceConfigError(
                f"{source.name}: no MLflow experiment matches {pattern!r} "
                f"(`experiment_pattern` in [sources.{source.name}]); {known}"
            )
    return list(found.values())


async def _search_experiments(
    source: MlflowSource, api: _Api, pattern: str = ""
) -> list[RawExperiment]:
    body: dict[str, Any] = {"max_results": EXPERIMENTS_PAGE, "view_type": "ACTIVE_ONLY"}
    if pattern:
        try:
            body["filter"] = f"name LIKE {filter_literal(pattern)}"
        except ValueError as exc:
            raise SourceConfigError(
                f"{source.name}: `experiment_pattern` in [sources.{source.name}]: {exc}"
            ) from None
    found: list[RawExperiment] = []
    async for page in _pages(
        lambda token: api.post("experiments/search", body | token, ExperimentsPage)
    ):
        found.extend(e for e in page.experiments if e.lifecycle_stage == "active")
    return found


async def _known_names(source: MlflowSource, api: _Api) -> str:
    """ "the server has: 'a', 'b' and 3 more", for a message about a missing experiment."""
    try:
        experiments = await _search_experiments(source, api)
    except SourceBadResponse:
        raise SourceConfigError(
            f"{source.name}: {source.url} does not answer like an MLflow tracking server "
            f"(no {API}/experiments/search): check `url` in [sources.{source.name}]"
        ) from None
    names = sorted((experiment_name(e) for e in experiments), key=str.casefold)
    return "the server has " + _some_names(names)


def _some_names(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(name) for name in names[:KNOWN_NAMES_SHOWN])
    more = len(names) - KNOWN_NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


async def _pages(ask: Callable[[dict[str, str]], Awaitable[Any]]) -> AsyncIterator[Any]:
    """Every page of a `page_token`-paged answer: until a page comes without a token (MLflow
    leaves the key out on the last page), or with the token it was asked with."""
    token = ""
    while True:
        page = await ask({"page_token": token} if token else {})
        yield page
        following = page.next_page_token
        if not following or following == token:
            return
        token = following


async def _at_most(limit: int, work: Sequence[Awaitable[T]], *, apart: float = 0.0) -> list[T]:
    """The results of `work` in order, at most `limit` running at once, the first `limit` of
    them started `apart` seconds from each other. The first failure cancels the rest and is
    raised as it is (not wrapped in an ExceptionGroup)."""
    gate = asyncio.Semaphore(limit)

    async def gated(index: int, step: Awaitable[T]) -> T:
        if index and apart:
            await asyncio.sleep(min(index, limit - 1) * apart)
        async with gate:
            return await step

    tasks = [asyncio.ensure_future(gated(index, step)) for index, step in enumerate(work)]
    if not tasks:
        return []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    return [task.result() for task in tasks]


# --- one sync -----------------------------------------------------------------------------


class _Sync:
    def __init__(self, source: MlflowSource, api: _Api, ctx: FetchContext) -> None:
        self.source = source
        self.name = source.name
        self.settings = source.settings
        self.board = source.board
        self.api = api
        self.ctx = ctx
        self.progress: Progress = ctx.progress
        # Until the server says it has no metrics/get-history-bulk.
        self.bulk_histories = True

    async def run(self) -> Snapshot:
        self.progress.begin("connecting")
        raw_experiments = await _find_experiments(self.source, self.api)
        ids = [e.experiment_id for e in raw_experiments]
        # The server's clock (its Date header) says when this sync happened; the next one reads
        # the runs started since then.
        now = self.api.server_now or self.ctx.now
        prior = self._prior(ids, now)
        if prior is None:
            runs = await self._all_runs(ids)
            full_refresh_at = now
        else:
            runs = await self._changed_runs(ids, prior)
            full_refresh_at = prior.full_refresh_at
        experiment_of = {run.run_id: run.experiment for run in runs}
        models = await self._models(experiment_of)
        experiments = self._experiments(raw_experiments, runs)
        runs = await self._with_histories(experiments, runs, models, prior)
        return Snapshot(
            experiments=ExperimentData(
                tracker="mlflow",
                experiments=tuple(experiments),
                runs=tuple(runs),
                models=tuple(models),
                source=self.name,
                synced_at=now,
                full_refresh_at=full_refresh_at,
            )
        )

    def _prior(self, ids: Sequence[str], now: datetime) -> ExperimentData | None:
        """The last sync's data, when this sync may build on it: the same source, the same
        experiments, its runs at hand, and a full refresh recent enough."""
        previous = self.ctx.previous
        data = previous.experiments if previous is not None else None
        if (
            data is None
            or data.tracker != "mlflow"
            or data.source != self.name
            or data.synced_at is None
            or data.full_refresh_at is None
            or not data.runs
            or {e.id for e in data.experiments} != set(ids)
        ):
            return None
        if now - data.full_refresh_at >= timedelta(hours=self.settings.full_refresh_hours):
            return None
        return data

    # --- runs ------------------------------------------------------------------------

    async def _all_runs(self, ids: Sequence[str]) -> list[Run]:
        """Every active run of the experiments, newest first: each experiment searched on its
        own, `RUNS_SEARCHES` at a time."""
        self.progress.begin("", unit="runs")
        found = await _at_most(
            RUNS_SEARCHES, [self._search_runs([id_], "") for id_ in ids], apart=SEARCHES_APART
        )
        runs: dict[str, Run] = {}
        for part in found:
            runs.update(part)
        merged = list(runs.values())
        merged.sort(key=lambda run: run.started or _EPOCH, reverse=True)
        return merged

    async def _changed_runs(self, ids: Sequence[str], prior: ExperimentData) -> list[Run]:
        """The runs started since the last sync and those that were running then; every other
        run is the last sync's. Runs that were running and are gone were deleted."""
        assert prior.synced_at is not None
        since = milliseconds(prior.synced_at - STARTED_SINCE_MARGIN)
        running = [run.run_id for run in prior.runs if run.status == "RUNNING"]
        self.progress.begin("", unit="runs")
        fresh = await self._search_runs(ids, f"attributes.start_time >= {since}")
        seen_running: set[str] = set()
        for start in range(0, len(running), IDS_PER_SEARCH):
            batch = running[start : start + IDS_PER_SEARCH]
            listed = ", ".join(filter_literal(run_id) for run_id in batch)
            found = await self._search_runs(ids, f"attributes.run_id IN ({listed})")
            seen_running.update(found)
            fresh.update(found)
        gone = set(running) - seen_running
        kept = [run for run in prior.runs if run.run_id not in fresh and run.run_id not in gone]
        # Newest first, as a full sync lists them.
        merged = [*fresh.values(), *kept]
        merged.sort(key=lambda run: run.started or _EPOCH, reverse=True)
        return merged

    async def _search_runs(self, ids: Sequence[str], where: str) -> dict[str, Run]:
        body: dict[str, Any] = {
            "experiment_ids": list(ids),
            "run_view_type": "ACTIVE_ONLY",
            "max_results": RUNS_PAGE,
            # Newest first: a run created while the pages are read pushes the others down, so a
            # run may come twice (kept once, by id) but none is skipped.
            "order_by": ["attributes.start_time DESC"],
        }
        if where:
            body["filter"] = where
        runs: dict[str, Run] = {}
        if not ids:
            return runs
        base, rename = self.source.url, self.board.rename
        async for page in _pages(
            lambda token: self.api.post("runs/search", body | token, RunsPage)
        ):
            for raw in page.runs:
                if raw.info.lifecycle_stage != "active":
                    continue
                run = build_run(raw, base, rename)
                runs[run.run_id] = run
            self.progress.advance(len(page.runs))
        return runs

    # --- experiments and models ----------------------------------------------------

    def _experiments(self, raw: Sequence[RawExperiment], runs: Sequence[Run]) -> list[Experiment]:
        by_experiment: dict[str, list[Run]] = {e.experiment_id: [] for e in raw}
        for run in runs:
            by_experiment.setdefault(run.experiment, []).append(run)
        return [
            self.board.experiment(
                e.experiment_id,
                experiment_name(e),
                by_experiment[e.experiment_id],
                url=experiment_url(self.source.url, e.experiment_id),
                tracker="mlflow",
            )
            for e in raw
        ]

    async def _models(self, experiment_of: Mapping[str, str]) -> list[ModelVersion]:
        """The version each configured alias of each registered model points at."""
        self.progress.begin("models")
        registered = await self._registered_models()
        # A server that lists aliases for some model (MLflow 2.3 and later) leaves them out
        # only for a model that has none: its aliases need not be asked for one by one.
        lists_aliases = any(model.aliases is not None for model in registered)
        versions: list[ModelVersion] = []
        for model in registered:
            present = {a.alias for a in model.aliases or ()}
            for alias in self.settings.aliases:
                if lists_aliases and alias not in present:
                    continue
                answer = await self.api.get_optional(
                    "registered-models/alias", {"name": model.name, "alias": alias}, AliasAnswer
                )
                if answer is None:
                    continue  # MLflow's 400 for a missing alias: no such alias, not an error
                versions.append(model_version(answer, alias, experiment_of, self.source.url))
        return versions

    async def _registered_models(self) -> list[RawRegisteredModel]:
        wanted = self.settings.models
        if not wanted:
            found: list[RawRegisteredModel] = []
            async for page in _pages(
                lambda token: self.api.get(
                    "registered-models/search",
                    {"max_results": MODELS_PAGE} | token,
                    RegisteredModelsPage,
                )
            ):
                found.extend(page.registered_models)
            return found
        models, missing = [], []
        for name in wanted:
            answer = await self.api.get_optional(
                "registered-models/get", {"name": name}, RegisteredModelAnswer
            )
            if answer is None:
                missing.append(name)
            else:
                models.append(answer.registered_model)
        if missing:
            known: list[str] = []
            async for page in _pages(
                lambda token: self.api.get(
                    "registered-models/search",
                    {"max_results": MODELS_PAGE} | token,
                    RegisteredModelsPage,
                )
            ):
                known.extend(m.name for m in page.registered_models)
            listed = ", ".join(repr(name) for name in missing)
            raise SourceConfigError(
                f"{self.name}: MLflow's registry has no model {listed} (`models` in "
                f"[sources.{self.name}]); it has " + _some_names(sorted(known, key=str.casefold))
            )
        return models

    # --- metric histories ------------------------------------------------------------

    async def _with_histories(
        self,
        experiments: Sequence[Experiment],
        runs: list[Run],
        models: Sequence[ModelVersion],
        prior: ExperimentData | None,
    ) -> list[Run]:
        """`runs`, the contenders of each board with the histories of its ranking metrics:
        kept from the last sync for runs that had finished, read for the others."""
        before = {run.run_id: run for run in prior.runs} if prior is not None else {}
        pinned = {model.run_id for model in models}
        by_experiment: dict[str, list[Run]] = {}
        for run in runs:
            by_experiment.setdefault(run.experiment, []).append(run)
        wanted: dict[str, dict[str, MetricHistory | None]] = {}
        for experiment in experiments:
            metrics = self.board.history_metrics(experiment)
            contenders = self.board.contenders(
                experiment, by_experiment.get(experiment.id, ()), pinned
            )
            for run in contenders:
                slots = wanted.setdefault(run.run_id, {})
                old = before.get(run.run_id)
                for metric in metrics:
                    if metric not in run.metrics:
                        continue  # never logged: nothing to read
                    slots[metric] = _unchanged_history(old, run, metric)
        to_read = [
            (run_id, metric)
            for run_id, slots in wanted.items()
            for metric, known in slots.items()
            if known is None
        ]
        read = await self._read_histories(to_read)
        result = []
        for run in runs:
            slots = wanted.get(run.run_id)
            if not slots:
                result.append(run)
                continue
            histories = {
                metric: found
                for metric, known in slots.items()
                if (found := known if known is not None else read.get((run.run_id, metric)))
            }
            result.append(msgspec.structs.replace(run, histories=histories) if histories else run)
        return result

    async def _read_histories(
        self, wanted: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], MetricHistory]:
        if not wanted:
            return {}
        self.progress.begin("histories", unit="histories", total=len(wanted))
        gate = asyncio.Semaphore(HISTORY_WORKERS)
        read: dict[tuple[str, str], MetricHistory] = {}
        runs_of: dict[str, list[str]] = {}
        for run_id, metric in wanted:
            runs_of.setdefault(metric, []).append(run_id)

        async def some(metric: str, run_ids: list[str]) -> None:
            def keep(run_id: str, found: MetricHistory) -> None:
                read[(run_id, metric)] = found

            await self._histories(metric, run_ids, gate, keep)
            self.progress.advance(len(run_ids))

        tasks = [
            asyncio.ensure_future(some(metric, run_ids[start : start + HISTORY_BULK_RUNS]))
            for metric, run_ids in runs_of.items()
            for start in range(0, len(run_ids), HISTORY_BULK_RUNS)
        ]
        try:
            # Past the budget the histories read so far are kept; the others wait for the next
            # sync, and their runs rank by their last values meanwhile.
            done, _ = await asyncio.wait(
                tasks, timeout=self._history_budget(), return_when=asyncio.FIRST_EXCEPTION
            )
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error
        return read

    def _history_budget(self) -> float | None:
        deadline = self.ctx.deadline
        if deadline is None:
            return None
        reserve = max(deadline.seconds * HISTORY_RESERVE, HISTORY_RESERVE_MIN)
        return max(deadline.left() - reserve, 0.0)

    async def _histories(
        self,
        metric: str,
        run_ids: Sequence[str],
        gate: asyncio.Semaphore,
        keep: Callable[[str, MetricHistory], None],
    ) -> None:
        """The runs' histories of a (renamed) metric, under whichever name each run logged
        it, each given to `keep` as soon as it is read (a deadline keeps what was read)."""
        found: set[str] = set()

        def take(run_id: str, points: Sequence[RawMetric]) -> None:
            if points and run_id not in found:
                found.add(run_id)
                keep(run_id, history(points))

        left = list(run_ids)
        for raw_name in self.board.raw_names(metric):
            if not left:
                break
            await self._raw_histories(raw_name, left, gate, take)
            left = [run_id for run_id in left if run_id not in found]

    async def _raw_histories(
        self,
        key: str,
        run_ids: Sequence[str],
        gate: asyncio.Semaphore,
        take: Callable[[str, Sequence[RawMetric]], None],
    ) -> None:
        """The points of metric `key` of each run, to `take`: in bulk while the server offers
        it, else one run a request."""
        if self.bulk_histories and len(run_ids) > 1:
            async with gate:
                page = await self._bulk_history(key, run_ids)
            if page is None:
                self.bulk_histories = False  # not offered: one run at a time from now on
            elif len(page.metrics) < HISTORY_BULK_POINTS:
                points: dict[str, list[RawMetric]] = {}
                for point in page.metrics:
                    points.setdefault(point.run_id, []).append(point)
                for run_id, some in points.items():
                    take(run_id, some)
                return
            else:  # cut short: each half again
                half = len(run_ids) // 2
                await self._raw_histories(key, run_ids[:half], gate, take)
                await self._raw_histories(key, run_ids[half:], gate, take)
                return

        async def one(run_id: str) -> None:
            async with gate:
                points = await self._raw_history(run_id, key)
            take(run_id, points)

        await asyncio.gather(*(one(run_id) for run_id in run_ids))

    async def _bulk_history(self, key: str, run_ids: Sequence[str]) -> BulkHistoryPage | None:
        """metrics/get-history-bulk's answer; None where the server does not offer it: a 404,
        a proxy that lets only `/api/` through (401, 403) or answers with a web page."""
        params = {"run_id": list(run_ids), "metric_key": key, "max_results": HISTORY_BULK_POINTS}
        try:
            return await self.api.get(
                "metrics/get-history-bulk", params, BulkHistoryPage, api=AJAX_API
            )
        except (SourceAuthError, SourceBadResponse):
            return None

    async def _raw_history(self, run_id: str, key: str) -> list[RawMetric]:
        """One run's points of metric `key`, page by page."""
        points: list[RawMetric] = []
        try:
            async for page in _pages(
                lambda token: self.api.get(
                    "metrics/get-history",
                    {"run_id": run_id, "metric_key": key} | token,
                    HistoryPage,
                )
            ):
                points.extend(page.metrics)
        except MlflowGarbled:
            raise
        except SourceBadResponse:
            return []  # the run was deleted a moment ago
        return points


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _unchanged_history(old: Run | None, run: Run, metric: str) -> MetricHistory | None:
    """The last sync's history of `metric` for `run`, when it cannot have changed since: the
    run had finished then and has the same last value now. None: read it again."""
    if old is None or old.status not in FINISHED_STATES or old.status != run.status:
        return None
    kept = old.histories.get(metric)
    if not kept:
        return None
    before, now = old.metrics.get(metric), run.metrics.get(metric)
    if before is None or now is None:
        return None
    same = before == now or (math.isnan(before) and math.isnan(now))
    return kept if same else None
