"""The Weights & Biases source: the runs of configured "entity/project" pairs, as experiments.

It speaks W&B's GraphQL API (`{url}/graphql`) through the shared `HttpClient`, without the
`wandb` package: HTTP basic auth with the user "api" and the API key as password (from the
keyring, like every token; never in a URL, a log line or an error). Every query is a read, so
the client may retry it; a 429's `Retry-After` is honoured within the sync's deadline.

Runs are paged by cursor (`pageInfo.endCursor`, `hasNextPage`), oldest first, one request at a
time and `page_size` runs a page: W&B rate-limits bulk reads, so the sync is polite rather
than parallel. Each project is one `Experiment`; its primary metric, direction and ranking come
from `[sources.NAME.leaderboard]`. The metric histories of the top `history_runs` finished runs
of each project (by their summary value) are read in small batches with `sampledHistory`, so
that "best over the history" is right for the runs that can lead a board; a finished run's
history never changes, so one read on an earlier sync is kept.

A re-sync moves little: the runs created since the last sync (minus a margin for clocks and for
runs that became visible late) and the runs that were still running; the rest are kept as
they were. Once a day the sync is a full one, which also drops deleted runs and picks up runs
edited after they finished (tags, summary).

W&B has no model registry aliases in this API. A run tagged `champion` (or `challenger`) is
taken as the project's champion (challenger): the newest such run, if several are tagged. That
is how teams without a registry mark the model in production, and it costs nothing to read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from cockpit.models import (
    Experiment,
    ExperimentData,
    ModelVersion,
    Run,
    Secret,
    Snapshot,
)
from cockpit.text_safety import clean_line
from integrations.base import (
    Deadline,
    FetchContext,
    Progress,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
)
from integrations.leaderboard import Board
from integrations.threads import run_abandonable
from integrations.wandb_parse import (
    FINISHED,
    RUNNING,
    WandbShapeError,
    experiment_url,
    filter_time,
    graphql_errors,
    history_spec,
    parse_run,
    parse_sampled_history,
    run_name_of,
    ui_url_of,
)

TRACKER = "wandb"
# W&B has no server time in its answers: the sync's own clock, less this margin, is where a
# re-sync starts. Runs in the margin are read twice, which costs a few hundred bytes each.
CREATED_SINCE_MARGIN = timedelta(minutes=15)
FULL_REFRESH_EVERY = timedelta(hours=24)  # catches deleted runs and runs edited after the end
HISTORY_SAMPLES = 500  # points per metric and run, as W&B's own client asks by default
HISTORY_BATCH = 10  # runs per history request: ~20 KB per run and metric
ALIASES = ("champion", "challenger")  # run tags read as model aliases
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)

_RUN_FIELDS = """
          id name displayName state tags createdAt heartbeatAt
          user { username name }
          summaryMetrics config"""

RUNS_QUERY = (
    """query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int,
  $order: String, $filters: JSONString, $withCount: Boolean!) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters) @include(if: $withCount)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges {
        node {"""
    + _RUN_FIELDS
    + """
        }
        cursor
      }
      pageInfo { endCursor hasNextPage }
    }
  }
}"""
)

HISTORY_QUERY = """query RunsSampledHistory($project: String!, $entity: String!, $cursor: String,
  $perPage: Int, $filters: JSONString, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, after: $cursor, first: $perPage) {
      edges { node { name sampledHistory(specs: $specs) } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}"""

VIEWER_QUERY = """query Viewer {
  viewer { id username entity }
}"""

PROJECT_QUERY = """query Project($project: String!, $entity: String!) {
  project(name: $project, entityName: $entity) { id name runCount }
}"""

PROJECTS_QUERY = """query Projects($entity: String, $perPage: Int) {
  models(entityName: $entity, first: $perPage) {
    edges { node { name } }
  }
}"""


class WandbSource:
    kind = "wandb"
    uses_network = True

    def __init__(self, name: str, settings: Any) -> None:
        # `settings` is a `cockpit.kinds.WandbSettings` (integrations do not import the core).
        self.name = name
        self.settings = settings
        self.url = str(settings.url).rstrip("/")
        self.endpoint = f"{self.url}/graphql"
        self.ui_url = ui_url_of(self.url)
        self.board = Board(settings.leaderboard)

    # --- the sync ---------------------------------------------------------------------

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        projects = self._projects()
        # The keyring can block (a locked Secret Service): never on the event loop.
        key = await run_abandonable(f"{self.name}-key", ctx.secret, self.name)
        if key is None:
            raise SourceAuthError(
                f"{self.name}: no W&B API key; run `cockpit auth set {self.name}`"
            )
        if ctx.http is None:
            raise SourceConfigError(f"{self.name}: W&B is not reachable offline")
        api = _GraphQL(self.name, ctx.http, self.endpoint, key)
        prior = self._prior(ctx.previous)
        full = (
            prior is None
            or prior.synced_at is None
            or prior.full_refresh_at is None
            or ctx.now - prior.full_refresh_at >= FULL_REFRESH_EVERY
            # Digests that count runs but no runs: the snapshot came without them, and a
            # re-sync on it would keep only the new ones.
            or (not prior.runs and any(digest.total for digest in prior.digests))
        )
        progress = ctx.progress
        progress.begin("", unit="runs")
        counter = _Counter(progress)
        kept: dict[str, Run] = {}  # the previous runs, for their histories
        runs_of: dict[str, list[Run]] = {}
        for entity, project in projects:
            path = f"{entity}/{project}"
            before = [r for r in prior.runs if r.experiment == path] if prior else []
            kept.update((run.run_id, run) for run in before)
            known = prior is not None and any(e.id == path for e in prior.experiments)
            if full or not known:
                runs_of[path] = await self._all_runs(api, entity, project, counter)
            else:
                assert prior is not None and prior.synced_at is not None
                since = prior.synced_at - CREATED_SINCE_MARGIN
                runs_of[path] = await self._changed_runs(
                    api, entity, project, before, since, counter
                )
        experiments = tuple(
            self.board.experiment(
                path,
                clean_line(path.split("/", 1)[1]),
                runs,
                url=experiment_url(self.ui_url, path),
                tracker=TRACKER,
            )
            for path, runs in runs_of.items()
        )
        models = tuple(m for e in experiments for m in _tagged_models(e, runs_of[e.id]))
        runs = await self._with_histories(api, experiments, runs_of, models, kept, progress)
        return Snapshot(
            experiments=ExperimentData(
                tracker=TRACKER,
                experiments=experiments,
                runs=runs,
                models=models,
                source=self.name,
                synced_at=ctx.now,
                full_refresh_at=ctx.now if full else (prior.full_refresh_at if prior else None),
            )
        )

    def _projects(self) -> list[tuple[str, str]]:
        pairs = []
        for raw in self.settings.projects:
            parts = [part.strip() for part in str(raw).split("/")]
            if len(parts) != 2 or not all(parts):
                raise SourceConfigError(
                    f"{self.name}: {clean_line(str(raw))!r} in `projects` of "
                    f'[sources.{self.name}] is not "entity/project" (for example '
                    '"acme/fraud-detection")'
                )
            pairs.append((parts[0], parts[1]))
        return pairs

    def _prior(self, previous: Snapshot | None) -> ExperimentData | None:
        data = previous.experiments if previous is not None else None
        if data is None or data.tracker != TRACKER or data.source not in ("", self.name):
            return None
        return data

    async def _all_runs(
        self, api: _GraphQL, entity: str, project: str, counter: _Counter
    ) -> list[Run]:
        runs: dict[str, Run] = {}
        async for run in self._pages(api, entity, project, None, counter):
            runs[run.run_id] = run
        return list(runs.values())

    async def _changed_runs(
        self,
        api: _GraphQL,
        entity: str,
        project: str,
        before: list[Run],
        since: datetime,
        counter: _Counter,
    ) -> list[Run]:
        """The runs created since `since` and the ones that were running; the rest as they
        were. A run that was running and is no longer found was deleted."""
        fresh: dict[str, Run] = {}
        created = {"created_at": {"$gt": filter_time(since)}}
        async for run in self._pages(api, entity, project, created, counter):
            fresh[run.run_id] = run
        running = [run.run_id for run in before if run.status == RUNNING]
        size = self.settings.page_size
        for start in range(0, len(running), size):
            names = [run_name_of(r) for r in running[start : start + size]]
            async for run in self._pages(api, entity, project, {"name": {"$in": names}}, counter):
                fresh[run.run_id] = run
        gone = set(running) - fresh.keys()
        merged = []
        for run in before:
            if run.run_id in gone:
                continue
            merged.append(fresh.pop(run.run_id, run))
        merged.extend(fresh.values())  # new since the last sync
        return merged

    async def _pages(
        self,
        api: _GraphQL,
        entity: str,
        project: str,
        filters: Mapping[str, Any] | None,
        counter: _Counter,
    ) -> AsyncIterator[Run]:
        path = f"{entity}/{project}"
        rename = self.settings.leaderboard.rename
        cursor: str | None = None
        first = True
        while True:
            variables = {
                "entity": entity,
                "project": project,
                "cursor": cursor,
                "perPage": self.settings.page_size,
                "order": "+created_at",
                "filters": json.dumps(filters) if filters else None,
                "withCount": first,
            }
            data = await api.query("Runs", RUNS_QUERY, variables)
            node = await self._project_of(api, data, entity, project)
            if first:
                counter.add_total(node.get("runCount"))
            connection = node.get("runs")
            if not isinstance(connection, dict):
                raise SourceBadResponse(f"{self.name}: W&B sent no runs for {path}")
            edges = connection.get("edges") or []
            if not isinstance(edges, list):
                raise SourceBadResponse(
                    f"{self.name}: W&B sent runs of {path} in a shape it cannot read"
                )
            page = []
            try:
                for edge in edges:
                    run_node = edge.get("node") if isinstance(edge, dict) else None
                    page.append(parse_run(run_node, path, self.ui_url, rename))
            except WandbShapeError as exc:
                raise SourceBadResponse(f"{self.name}: {exc} (project {path})") from None
            counter.advance(len(page))
            for run in page:
                yield run
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor") if isinstance(info, dict) else None
            first = False
            if not (isinstance(info, dict) and info.get("hasNextPage") and cursor and edges):
                return

    async def _project_of(
        self, api: _GraphQL, data: Mapping[str, Any], entity: str, project: str
    ) -> dict[str, Any]:
        node = data.get("project")
        if node is None:
            raise await self._missing_project(api, entity, project)
        if not isinstance(node, dict):
            raise SourceBadResponse(
                f"{self.name}: W&B sent project {entity}/{project} in a shape it cannot read"
            )
        return node

    async def _missing_project(self, api: _GraphQL, entity: str, project: str) -> SourceConfigError:
        """The error for a project W&B does not show, with the projects it does show."""
        seen = await self._visible_projects(api, entity)
        names = ", ".join(seen[:12]) + (f" and {len(seen) - 12} more" if len(seen) > 12 else "")
        visible = (
            f"; the projects of {clean_line(entity)} this key can see: {names}"
            if seen
            else f"; this key sees no project of {clean_line(entity)}"
        )
        return SourceConfigError(
            f'{self.name}: the W&B project "{clean_line(entity)}/{clean_line(project)}" does '
            f"not exist, or this API key cannot see it{visible}. Check `projects` in "
            f"[sources.{self.name}]"
        )

    async def _visible_projects(self, api: _GraphQL, entity: str) -> list[str]:
        try:
            data = await api.query("Projects", PROJECTS_QUERY, {"entity": entity, "perPage": 100})
        except (SourceBadResponse, SourceConfigError):
            return []
        models = data.get("models")
        edges = models.get("edges") if isinstance(models, dict) else None
        names = []
        for edge in edges if isinstance(edges, list) else []:
            node = edge.get("node") if isinstance(edge, dict) else None
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str) and clean_line(name):
                names.append(clean_line(name))
        return sorted(names)

    # --- leaderboards and histories ------------------------------------------------------

    async def _with_histories(
        self,
        api: _GraphQL,
        experiments: tuple[Experiment, ...],
        runs_of: Mapping[str, list[Run]],
        models: tuple[ModelVersion, ...],
        kept: Mapping[str, Run],
        progress: Progress,
    ) -> tuple[Run, ...]:
        """Every run, with metric histories on the runs that can reach the top of their board:
        the best `history_runs` finished runs by their summary value, and the champion and
        challenger. No other run keeps one (a run pushed off the top loses its history)."""
        pinned = {model.run_id for model in models}
        plans = []
        for experiment in experiments:
            metrics = self.board.history_metrics(experiment)
            candidates = [
                run
                for run in runs_of[experiment.id]
                if run.status == FINISHED or run.run_id in pinned
            ]
            top = self.board.contenders(experiment, candidates, pinned) if metrics else []
            # A history read after the run had finished cannot have changed since.
            reused = {
                run.run_id: old.histories
                for run in top
                if (old := kept.get(run.run_id)) is not None
                and old.status == FINISHED
                and run.status == FINISHED
                and old.histories
            }
            wanted = [run.run_id for run in top if run.run_id not in reused]
            plans.append((experiment, metrics, reused, wanted))
        total = sum(len(wanted) for *_rest, wanted in plans)
        if total:
            progress.begin("histories", unit="runs", total=total)
        result: list[Run] = []
        for experiment, metrics, reused, wanted in plans:
            entity, project = experiment.id.split("/", 1)
            read = await self._histories(api, entity, project, wanted, metrics, progress)
            histories = {**reused, **{run_id: read.get(run_id, {}) for run_id in wanted}}
            for run in runs_of[experiment.id]:
                found = histories.get(run.run_id, {})
                if found or run.histories:
                    run = msgspec.structs.replace(run, histories=found)
                result.append(run)
        return tuple(result)

    async def _histories(
        self,
        api: _GraphQL,
        entity: str,
        project: str,
        run_ids: list[str],
        metrics: tuple[str, ...],
        progress: Progress,
    ) -> dict[str, dict[str, tuple[tuple[int, float], ...]]]:
        """The histories of `metrics` (names after `rename`) of the runs `run_ids`, a few runs
        a request. A renamed metric is asked for under each name W&B may know it by."""
        if not run_ids:
            return {}
        path = f"{entity}/{project}"
        asked = [(metric, raw) for metric in metrics for raw in self.board.raw_names(metric)]
        raw_keys = [raw for _metric, raw in asked]
        specs = [history_spec(raw, HISTORY_SAMPLES) for raw in raw_keys]
        found: dict[str, dict[str, tuple[tuple[int, float], ...]]] = {}
        for start in range(0, len(run_ids), HISTORY_BATCH):
            names = [run_name_of(r) for r in run_ids[start : start + HISTORY_BATCH]]
            filters = json.dumps({"name": {"$in": names}})
            cursor = None
            while True:
                variables = {
                    "entity": entity,
                    "project": project,
                    "cursor": cursor,
                    "perPage": len(names),
                    "filters": filters,
                    "specs": specs,
                }
                data = await api.query("RunsSampledHistory", HISTORY_QUERY, variables)
                node = await self._project_of(api, data, entity, project)
                connection = node.get("runs")
                connection = connection if isinstance(connection, dict) else {}
                edges = connection.get("edges")
                edges = edges if isinstance(edges, list) else []
                for edge in edges:
                    run_node = edge.get("node") if isinstance(edge, dict) else None
                    name = run_node.get("name") if isinstance(run_node, dict) else None
                    if not isinstance(name, str) or not isinstance(run_node, dict):
                        continue
                    try:
                        by_raw = parse_sampled_history(run_node.get("sampledHistory"), raw_keys)
                    except WandbShapeError as exc:
                        raise SourceBadResponse(f"{self.name}: {exc} (project {path})") from None
                    histories: dict[str, tuple[tuple[int, float], ...]] = {}
                    for metric, raw in asked:
                        if metric not in histories and raw in by_raw:
                            histories[metric] = by_raw[raw]
                    found[f"{path}/{clean_line(name).strip()}"] = histories
                progress.advance(len(edges))
                info = connection.get("pageInfo")
                cursor = info.get("endCursor") if isinstance(info, dict) else None
                if not (isinstance(info, dict) and info.get("hasNextPage") and cursor and edges):
                    break
        return found

    # --- `cockpit doctor` -------------------------------------------------------------

    def probe(self, token: Secret) -> str:
        """For `cockpit doctor`: reach W&B, sign in, and see every configured project.
        Blocking; says which projects the key can see when one is missing."""
        return asyncio.run(self._probe(token))

    async def _probe(self, token: Secret) -> str:
        from integrations.http import HttpClient
        from integrations.retry import RetryPolicy, Timeouts

        projects = self._projects()
        seconds = min(float(self.settings.deadline), 30.0)
        deadline = Deadline.starting_now(seconds)
        timeouts = Timeouts(self.settings.connect_timeout, self.settings.read_timeout, seconds)
        async with HttpClient(
            self.name, timeouts=timeouts, deadline=deadline, retry=RetryPolicy(attempts=2)
        ) as http:
            api = _GraphQL(self.name, http, self.endpoint, token)
            viewer = (await api.query("Viewer", VIEWER_QUERY, {})).get("viewer")
            if not isinstance(viewer, dict):
                raise SourceAuthError(
                    f"{self.name}: the W&B API key was refused; run `cockpit auth set {self.name}`"
                )
            who = clean_line(str(viewer.get("username") or viewer.get("entity") or "?"))
            counts = []
            for entity, project in projects:
                variables = {"entity": entity, "project": project}
                data = await api.query("Project", PROJECT_QUERY, variables)
                node = await self._project_of(api, data, entity, project)
                count = node.get("runCount")
                counts.append(int(count) if isinstance(count, int) else 0)
        host = self.url.split("://", 1)[-1]
        return (
            f"W&B at {host}, signed in as {who}; {len(projects)} "
            f"project{'s' if len(projects) != 1 else ''}, {sum(counts):,} runs"
        )


# --- helpers ----------------------------------------------------------------------------


class _GraphQL:
    """Posts one query and returns its `data`, with W&B's failures in the user's words."""

    def __init__(self, source: str, http: Any, endpoint: str, key: Secret) -> None:
        self.source = source
        self.http = http
        self.endpoint = endpoint
        self.key = key

    async def query(
        self, operation: str, query: str, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = {"operationName": operation, "query": query, "variables": dict(variables)}
        try:
            answer = await self.http.post_json(
                self.endpoint,
                idempotent=True,  # a GraphQL query is a read: safe to send again
                json=body,
                auth=("api", self.key.reveal()),
            )
        except SourceAuthError as exc:
            # W&B's key is the usual cause of a 401, and its fix is one command.
            if exc.status == 401:
                raise SourceAuthError(
                    f"{self.source}: the W&B API key was refused; run "
                    f"`cockpit auth set {self.source}`"
                ) from None
            raise SourceAuthError(
                f"{self.source}: W&B refused this API key access (403); check that its account "
                "belongs to the entity in `projects`"
            ) from None
        errors = graphql_errors(answer)
        if errors:
            raise SourceBadResponse(
                f"{self.source}: W&B answered {operation} with an error: {errors}"
            )
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise SourceBadResponse(f"{self.source}: W&B answered {operation} without data")
        return data


class _Counter:
    """Runs read across projects, of how many (each project's count arrives with its first
    page, so the total grows as the sync reaches each project)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.total = 0

    def add_total(self, count: object) -> None:
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            self.total += count
            self.progress.set_total(self.total)

    def advance(self, count: int) -> None:
        self.progress.advance(count)


def _tagged_models(experiment: Experiment, runs: list[Run]) -> list[ModelVersion]:
    models = []
    for alias in ALIASES:
        tagged = [run for run in runs if any(tag.lower() == alias for tag in run.tags)]
        if not tagged:
            continue
        newest = max(tagged, key=lambda run: (run.started or _LONG_AGO, run.run_id))
        models.append(
            ModelVersion(
                model=experiment.name,
                version=run_name_of(newest.run_id),
                run_id=newest.run_id,
                alias=alias,
                experiment=experiment.id,
                url=newest.url,
            )
        )
    return models
