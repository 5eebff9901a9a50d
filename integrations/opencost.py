"""The OpenCost source: what a Kubernetes cluster's workloads cost, day by day.

OpenCost (the CNCF cost model for Kubernetes) prices every pod from the nodes' cloud prices and
the pods' requests and usage. Its allocation API (`GET /allocation/compute`, port 9003) is read
through the shared `HttpClient`: one answer per few days, each asked as an explicit UTC window
(`window=2026-11-01T00:00:00Z,2026-11-06T00:00:00Z`) split into one set per day (`step=1d`,
`accumulate=false`). OpenCost steps forward from the window's start, so the sets are the
calendar days (UTC) the rest of the cockpit counts in; a relative window (`7d`) would not
line up with them. Each set is aggregated by `aggregate` (namespace by default, or a label
such as `label:team`).

Rows: one day × one aggregate value (the service, and a tag named after the property), split
in two: the GPU part (`gpuCost`, flagged as accelerator spend) and the rest of `totalCost`.
The provider is "Kubernetes" (or `cluster` from the config, so that two clusters' spend is
told apart), the account is the cluster name OpenCost reports. OpenCost's prices carry no
currency: they are in whatever its pricing is configured in, so the currency is a setting
(USD by default) and the screen shows it as given.

A re-sync reads the last 2 days again (today so far, and yesterday, which OpenCost completes
as Prometheus catches up) and keeps the older days from the last snapshot.

Authentication: none (a port-forward, or an in-cluster address), or a bearer token for an
OpenCost behind an authenticating proxy.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import msgspec

from cockpit.models import CostData, CostRow, Secret, Snapshot
from integrations.base import (
    FetchContext,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
)
from integrations.opencost_parse import (
    COST_COLUMN,
    OpenCostPayloadError,
    RowShape,
    decode_sets,
    rows_of_sets,
)
from integrations.threads import run_abandonable

ENDPOINT = "/allocation/compute"
# Days asked in one request: OpenCost computes every day from Prometheus while the request
# waits, and a month in one go can outlast a read timeout on a busy cluster.
DAYS_PER_REQUEST = 5
# Days read again on a re-sync: today so far and yesterday (completed late by Prometheus).
RESYNC_DAYS = 2
PORT_FORWARD = "kubectl port-forward --namespace opencost service/opencost 9003"
_STATUS = re.compile(r"answered (\d{3})\b")


class OpenCostOptions(Protocol):
    """What the source reads of `cockpit.kinds.OpenCostSettings`."""

    @property
    def url(self) -> str: ...
    @property
    def aggregate(self) -> str: ...
    @property
    def days(self) -> int: ...
    @property
    def auth(self) -> str: ...
    @property
    def cluster(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def include_idle(self) -> bool: ...
    @property
    def resolution(self) -> str: ...


class OpenCostSource:
    kind = "opencost"
    uses_network = True

    def __init__(self, name: str, settings: OpenCostOptions) -> None:
        self.name = name
        self.settings = settings
        self.url = settings.url.split("#", 1)[0].rstrip("/")
        aggregate = tuple(a.strip() for a in settings.aggregate.split(",") if a.strip())
        self.shape = RowShape(
            provider=settings.cluster or "Kubernetes",
            currency=settings.currency,
            aggregate=aggregate or ("namespace",),
        )

    # --- entry points ----------------------------------------------------------------

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if ctx.http is None:
            raise SourceUnreachable(f"{self.name}: offline, OpenCost was not asked")
        token = await self._token(ctx)
        today = ctx.now.astimezone(UTC).date()
        first = today - timedelta(days=self.settings.days - 1)
        previous = _previous_rows(ctx.previous)
        start = _resync_start(previous, first, today)
        kept = [row for row in previous if first <= row.day < start]
        total_days = (today - start).days + 1
        ctx.progress.begin("", unit="days", total=total_days)
        fresh: list[CostRow] = []
        for chunk_first, chunk_last in _chunks(start, today, DAYS_PER_REQUEST):
            fresh += await self._read(ctx.http, token, chunk_first, chunk_last)
            ctx.progress.advance((chunk_last - chunk_first).days + 1)
        rows = tuple(sorted([*kept, *fresh], key=_row_order))
        return Snapshot(cost=CostData(rows=rows, cost_column=COST_COLUMN))

    def probe(self, token: Secret | None) -> str:
        """For `cockpit doctor`: reach OpenCost and read today's allocation so far. Blocking;
        raises a `SourceError` that says what is wrong."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._probe(token))
        with ThreadPoolExecutor(1) as pool:  # called from async code: a loop of its own
            return pool.submit(asyncio.run, self._probe(token)).result()

    async def _probe(self, token: Secret | None) -> str:
        from integrations.http import HttpClient, Timeouts

        today = datetime.now(UTC).date()
        async with HttpClient(self.name, timeouts=Timeouts(5.0, 30.0, 60.0)) as http:
            rows = await self._read(http, token, today, today)
        names = len({row.service for row in rows})
        spent = sum(row.amount for row in rows)
        gpu = sum(row.amount for row in rows if row.is_gpu)
        by = ",".join(self.shape.aggregate)
        return (
            f"OpenCost at {self.url}: {names} allocation{'s' * (names != 1)} by {by} today,"
            f" {spent:,.2f} {self.shape.currency} so far ({gpu:,.2f} on GPUs)"
        )

    # --- requests --------------------------------------------------------------------

    async def _read(
        self, http: Any, token: Secret | None, first: date, last: date
    ) -> list[CostRow]:
        """Days `first` to `last` (UTC), one set per day."""
        start = datetime.combine(first, datetime.min.time(), UTC)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
        params = {
            "window": f"{start:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ}",
            "step": "1d",
            "aggregate": ",".join(self.shape.aggregate),
            "accumulate": "false",
            "includeIdle": "true" if self.settings.include_idle else "false",
        }
        if self.settings.resolution:
            params["resolution"] = self.settings.resolution
        headers = {"Authorization": f"Bearer {token.reveal()}"} if token is not None else {}
        try:
            sets = await self._get(http, params, headers)
        except OpenCostPayloadError as exc:
            raise OpenCostPayloadError(f"{self.name}: {exc}") from None
        return rows_of_sets(sets, self.shape, first, last)

    async def _get(
        self, http: Any, params: dict[str, str], headers: dict[str, str]
    ) -> list[dict[str, Any]]:
        url = f"{self.url}{ENDPOINT}"
        # One garbled answer (a proxy hiccup, a body cut at a gateway) is asked for once more;
        # a second one is the server's real answer.
        for attempt in (1, 2):
            try:
                response = await http.request(
                    "GET", url, params=params, headers=headers, idempotent=True
                )
            except SourceAuthError as exc:
                raise self._auth_advice(exc) from None
            except SourceRateLimited:
                raise
            except SourceUnreachable as exc:
                raise self._unreachable_advice(exc) from None
            except SourceBadResponse as exc:
                raise self._refused_advice(exc) from None
            try:
                return decode_sets(response.content)
            except msgspec.DecodeError:
                if attempt == 2:
                    raise SourceBadResponse(
                        f"{self.name}: the answer from {ENDPOINT} is not valid JSON: is `url`"
                        " the OpenCost API?"
                    ) from None
        raise AssertionError("unreachable")

    # --- errors in the user's words --------------------------------------------------

    def _unreachable_advice(self, error: SourceUnreachable) -> SourceUnreachable:
        import httpx

        if not isinstance(error.__cause__, httpx.ConnectError):
            return error
        local = re.match(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:|/|$)", self.url)
        hint = (
            f"is the OpenCost service port-forwarded? ({PORT_FORWARD})"
            if local
            else "is the address right, and is OpenCost running in the cluster? From outside"
            f" the cluster, port-forward it ({PORT_FORWARD}) and use http://localhost:9003"
        )
        return SourceUnreachable(f"{self.name}: cannot reach OpenCost at {self.url}; {hint}")

    def _refused_advice(self, error: SourceBadResponse) -> SourceError:
        match = _STATUS.search(str(error))
        status = int(match[1]) if match else None
        if status == 404:
            return SourceConfigError(
                f"{self.name}: {self.url} has no {ENDPOINT} (404): `url` in"
                f" [sources.{self.name}] should be OpenCost's API (port 9003), not its web UI"
                " (port 9090)"
            )
        if status == 400:
            return SourceConfigError(
                f"{self.name}: OpenCost refused the request (400): check `aggregate`"
                f" ({','.join(self.shape.aggregate)!r}) and `resolution` in"
                f" [sources.{self.name}]"
            )
        return error

    def _auth_advice(self, error: SourceAuthError) -> SourceAuthError:
        if self.settings.auth != "none":
            return error
        return SourceAuthError(
            f"{self.name}: the server at {self.url} asks for credentials, and"
            f' [sources.{self.name}] has auth = "none": set auth = "bearer", then run'
            f" `cockpit auth set {self.name}`",
            status=error.status,
        )

    async def _token(self, ctx: FetchContext) -> Secret | None:
        if self.settings.auth == "none":
            return None
        # The keyring can block (a locked Secret Service): never on the event loop itself.
        token = await run_abandonable(f"{self.name}-token", ctx.secret, self.name)
        if token is None:
            raise SourceAuthError(
                f'{self.name}: no token (auth = "bearer"); run `cockpit auth set {self.name}`'
            )
        return token


def _previous_rows(previous: Snapshot | None) -> Sequence[CostRow]:
    if previous is None or previous.cost is None:
        return ()
    return previous.cost.rows


def _resync_start(previous: Sequence[CostRow], first: date, today: date) -> date:
    """The first day to read: the whole history on a first sync; otherwise the last
    `RESYNC_DAYS` days, or from the newest day kept if that is older (it was read while it
    was still going on, and a sync after a week away reads the week it missed)."""
    if not previous:
        return first
    newest = max(row.day for row in previous)
    return max(first, min(newest, today - timedelta(days=RESYNC_DAYS - 1)))


def _chunks(first: date, last: date, size: int) -> list[tuple[date, date]]:
    chunks = []
    day = first
    while day <= last:
        end = min(day + timedelta(days=size - 1), last)
        chunks.append((day, end))
        day = end + timedelta(days=1)
    return chunks


def _row_order(row: CostRow) -> tuple[date, str, str, tuple[tuple[str, str], ...], bool]:
    return (row.day, row.service, row.account, row.tags, row.is_gpu)
