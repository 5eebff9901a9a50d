"""The W&B source end to end: the real sync engine and store, the shared HTTP client, a fake
W&B GraphQL API on a real socket."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from cockpit.clock import FrozenClock
from cockpit.kinds import LeaderboardSettings, WandbSettings
from cockpit.models import ExperimentData, Secret
from cockpit.store import Store
from cockpit.sync import SyncJob, SyncOutcome, sync_one
from integrations.base import Progress, SourceAuthError, SourceConfigError
from integrations.wandb import WandbSource
from tests.conftest import FROZEN_NOW
from tests.fakes.wandb_server import FakeRun, FakeWandb, make_runs

FRAUD, ASR = "acme/fraud", "acme/asr"


def source_for(fake: FakeWandb, **overrides: object) -> WandbSource:
    options: dict[str, object] = {
        "url": fake.url,
        "projects": [FRAUD, ASR],
        "page_size": 10,
        "leaderboard": LeaderboardSettings(metric="val_loss", history_runs=5),
    }
    options.update(overrides)
    return WandbSource("wandb", WandbSettings(**options))  # type: ignore[arg-type]


def sync(
    source: WandbSource,
    store: Store,
    key: str | None,
    *,
    at: timedelta = timedelta(0),
    deadline: float = 30.0,
    progress: Progress | None = None,
) -> SyncOutcome:
    job = SyncJob(source, connect_timeout=2.0, read_timeout=5.0, deadline=deadline)
    clock = FrozenClock(FROZEN_NOW + at)
    secret = Secret(key) if key is not None else None
    return asyncio.run(sync_one(job, store, clock, secret=lambda _name: secret, progress=progress))


def stored(store: Store) -> ExperimentData:
    latest = store.latest("wandb", with_runs=True)
    assert latest is not None and latest.snapshot.experiments is not None
    return latest.snapshot.experiments


@pytest.fixture
def fake() -> Iterator[FakeWandb]:
    # `odd_values=False`: NaN and infinite metrics go through the store in their own test.
    projects = {
        FRAUD: make_runs(FRAUD, 45, now=FROZEN_NOW, running=3, odd_values=False),
        ASR: make_runs(ASR, 12, now=FROZEN_NOW, running=1, odd_values=False),
    }
    with FakeWandb(projects) as server:
        yield server
        assert server.errors == [] and server.unexpected == []


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite")


class RecordingProgress(Progress):
    def __init__(self) -> None:
        super().__init__()
        self.totals: list[int | None] = []
        self.phases: list[tuple[str, str]] = []

    def begin(self, phase: str, *, unit: str = "", total: int | None = None) -> int:
        self.phases.append((phase, unit))
        return super().begin(phase, unit=unit, total=total)

    def set_total(self, total: int | None, phase: int | None = None) -> None:
        self.totals.append(total)
        super().set_total(total, phase)


def test_a_full_sync_pages_every_run_of_every_project(fake: FakeWandb, store: Store) -> None:
    progress = RecordingProgress()
    outcome = sync(source_for(fake), store, fake.api_key, progress=progress)
    assert outcome.status == "ok", outcome.error
    data = stored(store)
    assert data.tracker == "wandb" and data.source == "wandb"
    assert data.synced_at == data.full_refresh_at == FROZEN_NOW
    assert len(data.runs) == 57 and len({r.run_id for r in data.runs}) == 57
    # Cursor paging, one project after the other, oldest first, page_size runs a page.
    pages = fake.matching("Runs")
    assert [p.variables["project"] for p in pages] == ["fraud"] * 5 + ["asr"] * 2
    assert all(
        p.variables["perPage"] == 10 and p.variables["order"] == "+created_at" for p in pages
    )
    assert [p.variables["cursor"] is None for p in pages] == [True, *[False] * 4, True, False]
    assert [p.variables["withCount"] for p in pages] == [True, *[False] * 4, True, False]
    assert all(p.variables["filters"] is None for p in pages)
    # The key went as basic auth every time, never in the address.
    assert all(r.authorized and r.path == "/graphql" for r in fake.requests)
    assert outcome.requests == len(fake.requests)
    # Progress counted the runs of both projects as their counts arrived.
    assert ("", "runs") in progress.phases and progress.totals[:2] == [45, 57]

    fraud = next(e for e in data.experiments if e.id == FRAUD)
    assert fraud.name == "fraud" and fraud.url == f"{fake.url}/acme/fraud"
    assert fraud.primary_metric == "val_loss" and not fraud.higher_is_better
    assert fraud.tracker == "wandb" and not fraud.metric_picked
    runs = {r.run_id: r for r in data.runs}
    by_state = {}
    for record in fake.projects[FRAUD]:
        by_state.setdefault(record.state, set()).add(runs[f"{FRAUD}/{record.name}"].status)
    assert by_state == {
        "running": {"RUNNING"},
        "finished": {"FINISHED"},
        "crashed": {"FAILED"},
        "failed": {"FAILED"},
        "killed": {"KILLED"},
        "preempted": {"KILLED"},
    }
    first = fake.projects[FRAUD][0]
    run = runs[f"{FRAUD}/{first.name}"]
    assert run.name == first.display_name and run.user == first.username
    assert run.started == first.created_at.replace(microsecond=0)
    assert run.params["optimizer.name"] == "adamw" and "_wandb" not in run.params
    assert run.url == f"{fake.url}/acme/fraud/runs/{first.name}"

    # Histories for the top 5 finished runs by the summary value, plus the tagged champion
    # and challenger; W&B's best point is in the middle of the history, not at the end.
    with_history = [r for r in data.runs if r.experiment == FRAUD and r.histories]
    finished = sorted(
        (r for r in data.runs if r.experiment == FRAUD and r.status == "FINISHED"),
        key=lambda r: r.metrics["val_loss"],
    )
    pinned = {m.run_id for m in data.models if m.experiment == FRAUD}
    assert {r.run_id for r in with_history} == {r.run_id for r in finished[:5]} | pinned
    for run in with_history:
        loss = run.histories["val_loss"]
        best = min(value for _step, value in loss)
        assert best < loss[-1][1] and loss[-1][1] == run.metrics["val_loss"]
    assert fake.count("RunsSampledHistory") >= 2  # one small batch per project

    # Run tags read as model aliases.
    aliases = {(m.experiment, m.alias): m for m in data.models}
    champion = next(r for r in fake.projects[FRAUD] if "champion" in r.tags)
    assert aliases[(FRAUD, "champion")].run_id == f"{FRAUD}/{champion.name}"
    assert {alias for _e, alias in aliases} == {"champion", "challenger"}


def test_a_resync_moves_only_new_and_running_runs(fake: FakeWandb, store: Store) -> None:
    source = source_for(fake)
    assert sync(source, store, fake.api_key).status == "ok"
    full_bytes = fake.bytes_sent()
    fake.reset_log()
    running = [r for r in fake.projects[FRAUD] if r.state == "running"]
    finished_now = fake.update_run(FRAUD, running[0].name, state="finished",
                                   heartbeat_at=FROZEN_NOW + timedelta(minutes=20))  # fmt: skip
    fake.delete_run(FRAUD, running[1].name)  # deleted while it ran
    gone_quietly = next(r for r in fake.projects[FRAUD] if r.state == "finished")
    fake.delete_run(FRAUD, gone_quietly.name)  # a finished run deleted: seen at the full refresh
    new = FakeRun("newrun01", "fresh-idea", "running", FROZEN_NOW + timedelta(minutes=10),
                  FROZEN_NOW + timedelta(minutes=29), summary={"val_loss": 0.4})  # fmt: skip
    fake.add_run(FRAUD, new)

    outcome = sync(source, store, fake.api_key, at=timedelta(minutes=30))
    assert outcome.status == "ok", outcome.error
    filters = [r.filters() for r in fake.matching("Runs")]
    since = (FROZEN_NOW - timedelta(minutes=15)).replace(tzinfo=None).isoformat()
    assert filters == [
        {"created_at": {"$gt": since}},
        {"name": {"$in": [r.name for r in running]}},
        {"created_at": {"$gt": since}},
        {"name": {"$in": [r.name for r in fake.projects[ASR] if r.state == "running"]}},
    ]
    assert fake.bytes_sent() < full_bytes * 0.2
    data = stored(store)
    assert data.synced_at == FROZEN_NOW + timedelta(minutes=30)
    assert data.full_refresh_at == FROZEN_NOW  # kept: this was not a full refresh
    runs = {r.run_id: r for r in data.runs}
    assert runs[f"{FRAUD}/{finished_now.name}"].status == "FINISHED"
    assert runs[f"{FRAUD}/{finished_now.name}"].ended == FROZEN_NOW + timedelta(minutes=20)
    assert f"{FRAUD}/{running[1].name}" not in runs
    assert runs[f"{FRAUD}/newrun01"].name == "fresh-idea"
    assert f"{FRAUD}/{gone_quietly.name}" in runs  # until the daily full refresh
    assert len(data.runs) == 57
    # Histories of runs that had finished were kept, not asked for again.
    assert sum(1 for r in data.runs if r.histories) >= 5
    assert fake.count("RunsSampledHistory") <= 1

    fake.reset_log()
    outcome = sync(source, store, fake.api_key, at=timedelta(hours=24, minutes=31))
    assert outcome.status == "ok", outcome.error
    assert all(r.filters() is None for r in fake.matching("Runs"))
    assert fake.count("RunsSampledHistory") <= 1  # finished runs' histories are still kept
    data = stored(store)
    assert data.full_refresh_at == FROZEN_NOW + timedelta(hours=24, minutes=31)
    assert f"{FRAUD}/{gone_quietly.name}" not in {r.run_id for r in data.runs}


def test_a_rate_limit_is_honoured(fake: FakeWandb, store: Store) -> None:
    fake.fail("Runs", 429, times=1, retry_after=1)
    outcome = sync(source_for(fake), store, fake.api_key)
    assert outcome.status == "ok", outcome.error
    limited = [r for r in fake.requests if r.status == 429]
    assert len(limited) == 1
    retried = next(r for r in fake.requests if r.received_at > limited[0].received_at)
    assert retried.received_at - limited[0].received_at >= 0.9
    assert retried.variables == limited[0].variables


def test_a_retry_after_past_the_deadline_fails_at_once(fake: FakeWandb, store: Store) -> None:
    fake.fail("Runs", 429, times=None, retry_after=60)
    started = time.perf_counter()
    outcome = sync(source_for(fake), store, fake.api_key, deadline=10.0)
    assert time.perf_counter() - started < 5.0
    assert outcome.status == "failed"
    assert re.search(r"asked to wait 60s, more than the (9|10)s left", outcome.error), outcome.error
    assert fake.count("Runs") == 1


def test_a_refused_key_is_one_401_and_says_what_to_do(fake: FakeWandb, store: Store) -> None:
    outcome = sync(source_for(fake), store, "not-the-key")
    assert outcome.status == "failed"
    assert outcome.error == "wandb: the W&B API key was refused; run `cockpit auth set wandb`"
    assert [r.status for r in fake.requests] == [401]  # never retried


def test_a_key_without_access_is_worded_apart_from_a_refused_one(
    fake: FakeWandb, store: Store
) -> None:
    fake.fail(None, 403, times=None)
    outcome = sync(source_for(fake), store, fake.api_key)
    assert outcome.status == "failed"
    assert "refused this API key access (403)" in outcome.error
    assert "key was refused" not in outcome.error


def test_no_key(fake: FakeWandb, store: Store) -> None:
    outcome = sync(source_for(fake), store, None)
    assert outcome.status == "failed" and "cockpit auth set wandb" in outcome.error
    assert fake.requests == []


def test_a_missing_project_is_named_with_the_ones_the_key_sees(
    fake: FakeWandb, store: Store
) -> None:
    outcome = sync(source_for(fake, projects=[FRAUD, "acme/frod"]), store, fake.api_key)
    assert outcome.status == "failed"
    assert 'the W&B project "acme/frod" does not exist' in outcome.error
    assert "the projects of acme this key can see: asr, fraud" in outcome.error
    assert "`projects` in [sources.wandb]" in outcome.error


def test_a_project_that_is_not_entity_slash_project(fake: FakeWandb, store: Store) -> None:
    outcome = sync(source_for(fake, projects=["fraud"]), store, fake.api_key)
    assert outcome.status == "failed"
    assert "'fraud' in `projects` of [sources.wandb] is not \"entity/project\"" in outcome.error
    assert fake.requests == []


def test_graphql_errors_are_shown_cleaned(fake: FakeWandb, store: Store) -> None:
    fake.error_message = "resolver \x1b]0;owned\x07failed: \u202eruns"
    fake.fail("Runs", "graphql-error", times=None)
    outcome = sync(source_for(fake), store, fake.api_key)
    assert outcome.status == "failed"
    assert outcome.error == "wandb: W&B answered Runs with an error: resolver failed: runs"


def test_malformed_json_is_asked_for_once_more_then_reported(fake: FakeWandb, store: Store) -> None:
    fake.fail("Runs", "malformed", times=1)
    assert sync(source_for(fake), store, fake.api_key).status == "ok"
    fake.clear_faults()
    fake.fail("Runs", "malformed", times=None)
    outcome = sync(source_for(fake), store, fake.api_key, at=timedelta(hours=25))
    assert outcome.status == "failed" and "not valid JSON" in outcome.error


def test_a_failed_sync_keeps_the_last_good_snapshot(fake: FakeWandb, store: Store) -> None:
    source = source_for(fake)
    assert sync(source, store, fake.api_key).status == "ok"
    before = store.latest("wandb", with_runs=True)
    for fault, words in ((500, "failed (500)"), ("malformed", "not valid JSON"),
                         ("graphql-error", "with an error"), (401, "key was refused")):  # fmt: skip
        fake.clear_faults()
        fake.fail(None, fault, times=None)
        outcome = sync(source, store, fake.api_key, at=timedelta(minutes=30))
        assert outcome.status == "failed" and words in outcome.error, outcome.error
        assert "(kept the data from" in outcome.error
        assert store.latest("wandb", with_runs=True) == before


def test_the_key_never_reaches_the_cache_the_log_or_the_errors(
    fake: FakeWandb, tmp_path: Path
) -> None:
    store = Store(tmp_path / "cache.sqlite")
    canary = "canary-7f3e-wandb-key"
    outcome = sync(source_for(fake), store, canary)
    assert canary not in outcome.error
    assert sync(source_for(fake), store, fake.api_key).status == "ok"
    for attempt in store.attempts("wandb"):
        assert canary not in attempt.error
    for path in tmp_path.iterdir():
        assert canary.encode() not in path.read_bytes()
        assert fake.api_key.encode() not in path.read_bytes()


def test_the_doctor_probe(fake: FakeWandb) -> None:
    source = source_for(fake)
    assert source.probe(Secret(fake.api_key)) == (
        f"W&B at {fake.url.split('://')[1]}, signed in as priya; 2 projects, 57 runs"
    )
    with pytest.raises(SourceAuthError, match="key was refused"):
        source.probe(Secret("nope"))
    with pytest.raises(SourceConfigError, match="can see: asr, fraud"):
        source_for(fake, projects=["acme/nope"]).probe(Secret(fake.api_key))


def test_renames_directions_and_a_picked_metric(fake: FakeWandb, store: Store) -> None:
    board = LeaderboardSettings(
        per_experiment={"asr": "val_acc"},
        rename={"val_acc": "accuracy"},
        directions={"val_loss": "higher"},  # odd, but the config decides
        history_runs=2,
    )
    outcome = sync(source_for(fake, leaderboard=board), store, fake.api_key)
    assert outcome.status == "ok", outcome.error
    data = stored(store)
    experiments = {e.id: e for e in data.experiments}
    assert experiments[ASR].primary_metric == "accuracy" and experiments[ASR].higher_is_better
    assert not experiments[ASR].metric_picked
    assert experiments[FRAUD].metric_picked and experiments[FRAUD].primary_metric
    asr_runs = [r for r in data.runs if r.experiment == ASR]
    assert all("val_acc" not in r.metrics for r in asr_runs)
    assert any("accuracy" in r.histories for r in asr_runs)  # asked for as val_acc
    specs = [r.variables["specs"] for r in fake.matching("RunsSampledHistory")
             if r.variables["project"] == "asr"]  # fmt: skip
    assert specs and all('"val_acc"' in spec[0] for spec in specs)


def test_nan_and_infinite_metrics_survive_the_store(store: Store) -> None:
    runs = make_runs(FRAUD, 12, now=FROZEN_NOW, running=0, odd_values=True)
    with FakeWandb({FRAUD: runs}) as server:
        source = source_for(server, projects=[FRAUD])
        assert sync(source, store, server.api_key).status == "ok"
    data = stored(store)
    values = {r.name: r.metrics["val_loss"] for r in data.runs}
    assert values["fraud-4"] != values["fraud-4"]  # NaN
    assert values["fraud-8"] == float("inf")


def test_nan_and_infinite_metrics_come_as_floats_from_the_source() -> None:
    """What the source hands the sync engine, before the store."""
    from integrations.base import FetchContext

    runs = make_runs(FRAUD, 12, now=FROZEN_NOW, running=0, odd_values=True)
    with FakeWandb({FRAUD: runs}) as server:
        source = source_for(server, projects=[FRAUD])

        async def fetch() -> ExperimentData:
            from integrations.http import HttpClient

            async with HttpClient("wandb") as http:
                ctx = FetchContext(now=FROZEN_NOW, http=http, previous=None,
                                   secret=lambda _n: Secret(server.api_key))  # fmt: skip
                snapshot = await source.fetch(ctx)
            assert snapshot.experiments is not None
            return snapshot.experiments

        data = asyncio.run(fetch())
    values = {r.name: r.metrics["val_loss"] for r in data.runs}
    assert values["fraud-4"] != values["fraud-4"] and values["fraud-6"] != values["fraud-6"]
    assert values["fraud-8"] == float("inf")
    assert all(type(v) is float for r in data.runs for v in r.metrics.values())
    # Infinity never reaches the top of the board, so it gets no history (fraud-4 and fraud-6
    # are the tagged champion and challenger: theirs are read whatever their values).
    assert not next(r for r in data.runs if r.name == "fraud-8").histories
    msgspec.json.encode(data)


def test_cli_sync_and_doctor_with_a_wandb_config(
    fake: FakeWandb,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The path a user takes: config → `cockpit sync` → `cockpit doctor`."""
    from cockpit.cli import main

    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        f'[sources.wandb]\nkind = "wandb"\nurl = "{fake.url}"\n'
        f'projects = ["{FRAUD}", "{ASR}"]\npage_size = 20\n'
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    monkeypatch.setenv("COCKPIT_WANDB_TOKEN", fake.api_key)
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith("wandb  ok")
    assert main(["doctor"]) == 0
    assert "signed in as priya" in capsys.readouterr().out
    monkeypatch.setenv("COCKPIT_WANDB_TOKEN", "wrong")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "cockpit auth set wandb" in out and "wrong" not in out


def test_a_previous_snapshot_without_its_runs_gives_a_full_sync(
    fake: FakeWandb, store: Store
) -> None:
    """A snapshot read without its runs (digests only) is no basis for a re-sync: building on
    it would keep only the runs created since."""
    from integrations.base import FetchContext
    from integrations.http import HttpClient

    source = source_for(fake)
    assert sync(source, store, fake.api_key).status == "ok"
    digests_only = store.latest("wandb")
    assert digests_only is not None and digests_only.snapshot.experiments is not None
    assert digests_only.snapshot.experiments.runs == ()
    fake.reset_log()

    async def fetch() -> ExperimentData:
        async with HttpClient("wandb") as http:
            ctx = FetchContext(now=FROZEN_NOW + timedelta(minutes=5), http=http,
                               previous=digests_only.snapshot,
                               secret=lambda _n: Secret(fake.api_key))  # fmt: skip
            snapshot = await source.fetch(ctx)
        assert snapshot.experiments is not None
        return snapshot.experiments

    data = asyncio.run(fetch())
    assert len(data.runs) == 57
    assert all(r.filters() is None for r in fake.matching("Runs"))
