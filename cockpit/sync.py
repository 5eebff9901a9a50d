"""The sync engine: every source at once, each under its own deadline, only complete results kept.

httpx timeouts measure inactivity, so a server that trickles bytes could outlive them; the
overall deadline (`asyncio.timeout`) is what bounds a source, and the user's wait: blocking
sources work on daemon threads that are abandoned when it fires (`integrations.threads`), and
they get the same deadline in `FetchContext` so that no request or pause reaches past it. A
failed source leaves its last good snapshot in place and records why it failed.

Each sync reports its progress to a `Progress` (items of how many, bytes so far) that the
caller may hand in and read at its own pace: `cockpit sync`'s progress lines, the TUI's status
bar.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from cockpit.analytics.experiments import digest_experiments
from cockpit.clock import Clock
from cockpit.models import Secret, Snapshot
from cockpit.redact import redact_url
from cockpit.store import Store, StoredSnapshot, SyncAttempt
from cockpit.text_safety import clean_line
from integrations.base import (
    Deadline,
    FetchContext,
    PaidCalls,
    Progress,
    Source,
    SourceCallBudgetSpent,
    SourceDeadlineExceeded,
    SourceError,
    TrafficMeter,
)

if TYPE_CHECKING:
    from integrations.http import HttpClient


class SyncJob(msgspec.Struct, frozen=True):
    source: Source
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    # What the source's settings were (cockpit.sources.settings_key); stamped on its snapshots.
    settings_key: str = ""
    # Paid calls a day the source may make (AWS Cost Explorer); None: its API is free.
    paid_call_limit: int | None = None


class SyncOutcome(msgspec.Struct, frozen=True):
    source: str
    # "ok", "failed", "offline", or "held": a paid API's calls for today are used, nothing
    # was asked and the data is kept.
    status: str
    seconds: float
    error: str = ""
    requests: int = 0
    bytes_in: int = 0
    areas: tuple[str, ...] = ()


def _no_secrets(_source: str) -> Secret | None:
    return None


async def sync_all(
    jobs: Sequence[SyncJob],
    store: Store,
    clock: Clock,
    *,
    offline: bool = False,
    secret: Callable[[str], Secret | None] = _no_secrets,
    progress: Mapping[str, Progress] | None = None,
) -> list[SyncOutcome]:
    """Sync every job concurrently; one source failing never stops the others. `progress`
    (by source name) receives each source's progress."""
    progress = progress or {}
    return list(
        await asyncio.gather(
            *(
                sync_one(
                    job,
                    store,
                    clock,
                    offline=offline,
                    secret=secret,
                    progress=progress.get(job.source.name),
                )
                for job in jobs
            )
        )
    )


async def sync_one(
    job: SyncJob,
    store: Store,
    clock: Clock,
    *,
    offline: bool = False,
    secret: Callable[[str], Secret | None] = _no_secrets,
    progress: Progress | None = None,
) -> SyncOutcome:
    """One source. `progress`, when given, says how far it has got while it runs."""
    progress = progress if progress is not None else Progress()
    try:
        outcome = await _sync_one(job, store, clock, offline, secret, progress)
    except BaseException:
        progress.finish("stopped")
        raise
    progress.finish(outcome.status)
    return outcome


async def _sync_one(
    job: SyncJob,
    store: Store,
    clock: Clock,
    offline: bool,
    secret: Callable[[str], Secret | None],
    progress: Progress,
) -> SyncOutcome:
    source = job.source
    if offline and source.uses_network:
        # Nothing is logged: being offline says nothing about the source's health.
        return SyncOutcome(source.name, "offline", 0.0, "offline: showing the cached data")

    started_at = clock.now()
    began = time.perf_counter()
    previous = await asyncio.to_thread(_previous, store, job)
    paid = None
    if job.paid_call_limit is not None:
        used = await asyncio.to_thread(store.paid_calls_used, source.name, started_at.date())
        paid = PaidCalls(job.paid_call_limit, used)
    meter: TrafficMeter = progress.meter
    ends = Deadline.starting_now(job.deadline)
    # Off the loop: the first client imports httpx and loads the certificate store (~150 ms),
    # which would freeze a TUI that is drawing meanwhile.
    http = await asyncio.to_thread(_open_http, job, meter, ends) if source.uses_network else None
    error = ""
    held = False
    snapshot = None
    deadline = asyncio.timeout_at(ends.at)  # the loop's clock is time.monotonic()
    try:
        async with deadline:
            snapshot = await source.fetch(
                FetchContext(
                    now=started_at,
                    http=http,
                    previous=_same_settings(previous, job),
                    secret=secret,
                    meter=meter,
                    deadline=ends,
                    progress=progress,
                    paid_calls=paid,
                )
            )
    except TimeoutError as exc:
        if deadline.expired():
            error = str(
                SourceDeadlineExceeded(
                    f"{source.name} did not finish within its {job.deadline:g}s deadline"
                    # What it was struggling with is worth more than the deadline itself.
                    + (f"; the last attempt: {meter.last_error}" if meter.last_error else "")
                )
            )
        else:
            error = f"{source.name}: timed out: {exc}"
    except SourceCallBudgetSpent as exc:
        error, held = str(exc), True
    except SourceError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug in one source must not sink the rest
        error = f"{source.name}: unexpected {type(exc).__name__}: {exc}"
    finally:
        if http is not None:
            await http.aclose()
        if paid is not None and paid.spent:
            # Paid whatever became of the sync: counted before anything else can fail.
            await asyncio.to_thread(
                store.add_paid_calls, source.name, started_at.date(), paid.spent
            )

    seconds = time.perf_counter() - began
    # An error may quote a URL (its password is never shown or kept) or text a server sent.
    error = clean_line(redact_url(error))
    attempt = SyncAttempt(
        source=source.name,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=seconds),
        status="ok" if snapshot is not None else "held" if held else "failed",
        error=error,
        bytes_in=meter.bytes_in,
        requests=meter.requests,
    )
    if snapshot is not None:
        snapshot = msgspec.structs.replace(snapshot, settings_key=job.settings_key)
        progress.begin("saving")
        # Off the event loop: summing up 50,000 runs and compressing them takes a while.
        await asyncio.to_thread(_keep, store, snapshot, attempt, clock, previous)
        return SyncOutcome(
            source.name, "ok", seconds, "", attempt.requests, attempt.bytes_in, snapshot.areas()
        )
    await asyncio.to_thread(store.record_attempt, attempt)
    if previous is not None:
        error += f" (kept the data from {previous.taken_at:%Y-%m-%d %H:%M} UTC)"
    return SyncOutcome(
        source.name, attempt.status, seconds, error, attempt.requests, attempt.bytes_in
    )


def _previous(store: Store, job: SyncJob) -> StoredSnapshot | None:
    """The source's last snapshot. Its runs are read too (an incremental sync of a tracker
    builds on them), but only when the same settings made it: otherwise they are not used."""
    previous = store.latest(job.source.name)
    if previous is None or _same_settings(previous, job) is None:
        return previous
    # An incremental FOCUS, AWS or OpenCost sync builds on the previous roll-ups too.
    (previous,) = store.load_cost_rows([store.load_runs(previous)])
    return previous


def _keep(
    store: Store,
    snapshot: Snapshot,
    attempt: SyncAttempt,
    clock: Clock,
    previous: StoredSnapshot | None,
) -> None:
    # An incremental sync keeps the previous sync's runs that did not change (the very same
    # objects): the store then knows their chunks without encoding them again.
    snapshot = _with_digests(snapshot, clock.now())
    store.write_snapshot(snapshot, attempt, previous=previous)


def _with_digests(snapshot: Snapshot, now: datetime) -> Snapshot:
    """What the panels and `status` show is summed up from every run before a snapshot is
    kept (`Workspace.hold_demo` does the same for the demo held in memory): the store keeps
    the runs apart, and the dashboard reads the digests alone."""
    if snapshot.experiments is None:
        return snapshot
    return msgspec.structs.replace(
        snapshot, experiments=digest_experiments(snapshot.experiments, now)
    )


def _same_settings(previous: StoredSnapshot | None, job: SyncJob) -> Snapshot | None:
    """The last snapshot, for an incremental sync, only if the same settings made it: after a
    change of `jql`, `board_id` or `points_field` the old records would mix with the new."""
    if previous is None or previous.snapshot.settings_key != job.settings_key:
        return None
    return previous.snapshot


def _open_http(job: SyncJob, meter: TrafficMeter, deadline: Deadline) -> HttpClient:
    # httpx costs ~100 ms to import; only a sync that really uses the network pays for it.
    from integrations.http import HttpClient, Timeouts

    return HttpClient(
        job.source.name,
        timeouts=Timeouts(job.connect_timeout, job.read_timeout, job.deadline),
        meter=meter,
        deadline=deadline,
    )
