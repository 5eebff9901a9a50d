"""The Azure cost source: daily spend of a subscription (or resource group, billing account,
management group) from the Cost Management Query API.

One query, `POST https://management.azure.com/{scope}/providers/Microsoft.CostManagement/
query?api-version=2023-03-01`, through the shared `HttpClient`: the cost type (`ActualCost`
by default, or `AmortizedCost`) over a custom period of whole UTC days, daily granularity,
summed by `ServiceName` and by one more dimension: the tag named by `tag_key` when there is
one, otherwise `MeterSubCategory` ("NCSv3 Series"), which is what tells GPU virtual
machines from the others (a query may group by two dimensions at most). Pages follow
`nextLink` (the same body posted again), only on the configured host: the token never goes
anywhere else.

Rows are read by column name, never position; the currency is the answer's `Currency`.

Cost Management throttles hard (a few queries a minute per scope, and a tenant-wide budget of
"query processing units"), answering 429 with its own `x-ms-ratelimit-...-retry-after`
headers: the shared client waits that long when the deadline allows. A re-sync asks for the
last 3 days only (Azure settles a day's charges over about 72 hours) and keeps the older days
from the last snapshot.

The token is an Azure AD bearer token for `https://management.azure.com/` from the keyring
(or `COCKPIT_<SOURCE>_TOKEN`); such tokens expire after about an hour, which the 401 message
says with the command that makes a new one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from cockpit.models import CostData, CostRow, Secret, Snapshot
from integrations.azure_cost_parse import (
    AzurePayloadError,
    Page,
    RowShape,
    decode_page,
    rows_of_pages,
)
from integrations.base import (
    FetchContext,
    SourceAuthError,
    SourceBadResponse,
    SourceConfigError,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
)
from integrations.threads import run_abandonable

RESYNC_DAYS = 3  # Azure settles a day's charges over about 72 hours
_STATUS = re.compile(r"answered (\d{3})\b")  # the shared client's words for a refusal
MAX_PAGES = 200  # a runaway nextLink chain is an error, not a hang
NEW_TOKEN = (
    "az account get-access-token --resource https://management.azure.com/"
    " --query accessToken -o tsv | cockpit auth set {name}"
)


class AzureCostOptions(Protocol):
    """What the source reads of `cockpit.kinds.AzureCostSettings`."""

    @property
    def url(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def cost_type(self) -> str: ...
    @property
    def cost_column(self) -> str: ...
    @property
    def tag_key(self) -> str: ...
    @property
    def days(self) -> int: ...
    @property
    def api_version(self) -> str: ...


class AzureCostSource:
    kind = "azure-cost"
    uses_network = True

    def __init__(self, name: str, settings: AzureCostOptions) -> None:
        self.name = name
        self.settings = settings
        self.base = settings.url.rstrip("/")
        self.scope = settings.scope.strip("/")
        self.shape = RowShape(
            cost_column=settings.cost_column,
            account=_account_of(self.scope),
            tag_key=settings.tag_key,
        )

    @property
    def query_url(self) -> str:
        return f"{self.base}/{self.scope}/providers/Microsoft.CostManagement/query"

    # --- entry points ----------------------------------------------------------------

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if ctx.http is None:
            raise SourceUnreachable(f"{self.name}: offline, Azure was not asked")
        token = await self._token(ctx)
        today = ctx.now.astimezone(UTC).date()
        first = today - timedelta(days=self.settings.days - 1)
        previous = _previous_rows(ctx.previous)
        start = first
        if previous:
            newest = max(row.day for row in previous)
            start = max(first, min(newest, today - timedelta(days=RESYNC_DAYS - 1)))
        kept = [row for row in previous if first <= row.day < start]
        ctx.progress.begin("", unit="pages")
        fresh = await self._read(ctx.http, token, start, today, ctx)
        rows = tuple(sorted([*kept, *fresh], key=_row_order))
        column = f"{self.settings.cost_type} ({self.settings.cost_column})"
        return Snapshot(cost=CostData(rows=rows, cost_column=column))

    def probe(self, token: Secret | None) -> str:
        """For `cockpit doctor`: one query of today's spend. Blocking; raises a `SourceError`
        that says what is wrong."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._probe(token))
        with ThreadPoolExecutor(1) as pool:  # called from async code: a loop of its own
            return pool.submit(asyncio.run, self._probe(token)).result()

    async def _probe(self, token: Secret | None) -> str:
        from integrations.http import HttpClient, Timeouts

        if token is None:
            raise SourceAuthError(f"{self.name}: no token; run `cockpit auth set {self.name}`")
        today = datetime.now(UTC).date()
        async with HttpClient(self.name, timeouts=Timeouts(5.0, 30.0, 60.0)) as http:
            rows = await self._read(http, token, today, today, None)
        spent: dict[str, float] = {}
        for row in rows:
            spent[row.currency] = spent.get(row.currency, 0.0) + row.amount
        money = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in spent.items())
        services = len({row.service for row in rows})
        return (
            f"Azure Cost Management for {self.scope}: {services} service(s) today,"
            f" {money or 'nothing'} so far"
        )

    # --- requests --------------------------------------------------------------------

    def body(self, first: date, last: date) -> dict[str, Any]:
        second = {"type": "Dimension", "name": "MeterSubCategory"}
        if self.settings.tag_key:
            second = {"type": "TagKey", "name": self.settings.tag_key}
        return {
            "type": self.settings.cost_type,
            "timeframe": "Custom",
            "timePeriod": {
                "from": f"{first:%Y-%m-%d}T00:00:00Z",
                "to": f"{last:%Y-%m-%d}T23:59:59Z",
            },
            "dataset": {
                "granularity": "Daily",
                "aggregation": {
                    "totalCost": {"name": self.settings.cost_column, "function": "Sum"}
                },
                "grouping": [{"type": "Dimension", "name": "ServiceName"}, second],
            },
        }

    async def _read(
        self,
        http: Any,
        token: Secret,
        first: date,
        last: date,
        ctx: FetchContext | None,
    ) -> list[CostRow]:
        body = self.body(first, last)
        headers = {"Authorization": f"Bearer {token.reveal()}"}
        url: str | None = self.query_url
        params: dict[str, str] | None = {"api-version": self.settings.api_version}
        pages: list[Page] = []
        while url is not None:
            if len(pages) >= MAX_PAGES:
                raise SourceBadResponse(
                    f"{self.name}: Azure kept answering with a next page ({MAX_PAGES} pages)"
                )
            page = await self._post(http, url, params, body, headers)
            pages.append(page)
            if ctx is not None:
                ctx.progress.advance()
            url, params = self._next(page.next_link), None
        try:
            return rows_of_pages(pages, self.shape, first, last)
        except AzurePayloadError as exc:
            raise AzurePayloadError(f"{self.name}: {exc}") from None

    def _next(self, link: str | None) -> str | None:
        """The next page's address, only on the configured host: the bearer token goes
        nowhere else."""
        if not link:
            return None
        ours, theirs = urlsplit(self.base), urlsplit(link)
        if (theirs.scheme, theirs.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
            raise SourceBadResponse(
                f"{self.name}: Azure's next page is on another host ({theirs.netloc!r}, not"
                f" {ours.netloc!r}); it was not followed"
            )
        return link

    async def _post(
        self,
        http: Any,
        url: str,
        params: dict[str, str] | None,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> Page:
        # A query is a pure read: safe to repeat. One garbled answer is asked for once more.
        for attempt in (1, 2):
            try:
                response = await http.request(
                    "POST", url, params=params, json=body, headers=headers, idempotent=True
                )
            except SourceAuthError as exc:
                raise self._auth_advice(exc) from None
            except SourceRateLimited as exc:
                raise SourceRateLimited(
                    f"{exc}; Azure Cost Management allows a few queries a minute per scope,"
                    f" shared across the tenant: raise `refresh_minutes` in"
                    f" [sources.{self.name}] if this keeps happening",
                    retry_after=exc.retry_after,
                ) from None
            except SourceUnreachable:
                raise
            except SourceBadResponse as exc:
                raise self._refused_advice(exc) from None
            try:
                return decode_page(response.content)
            except AzurePayloadError as exc:
                raise AzurePayloadError(f"{self.name}: {exc}") from None
            except msgspec.DecodeError:
                if attempt == 2:
                    raise SourceBadResponse(
                        f"{self.name}: the answer from the Cost Management query is not valid JSON"
                    ) from None
        raise AssertionError("unreachable")

    # --- errors in the user's words --------------------------------------------------

    def _auth_advice(self, error: SourceAuthError) -> SourceAuthError:
        if error.status == 403:
            return SourceAuthError(
                f"{self.name}: Azure refused access to the cost of {self.scope} (403): the"
                " token's identity needs the Cost Management Reader role (or Reader) on that"
                " scope",
                status=403,
            )
        return SourceAuthError(
            f"{self.name}: Azure rejected the token (401); Azure tokens expire after about an"
            f" hour. Store a new one: {NEW_TOKEN.format(name=self.name)}",
            status=error.status,
        )

    def _refused_advice(self, error: SourceBadResponse) -> SourceError:
        match = _STATUS.search(str(error))
        status = int(match[1]) if match else None
        if status == 404:
            return SourceConfigError(
                f"{self.name}: Azure does not know the scope {self.scope!r} (404): check"
                f" `scope` in [sources.{self.name}] (e.g. subscriptions/<subscription id>)"
            )
        if status == 400:
            return SourceConfigError(
                f"{self.name}: Azure refused the query (400): check `scope`, `cost_type`,"
                f" `cost_column` and `tag_key` in [sources.{self.name}]"
            )
        return error

    async def _token(self, ctx: FetchContext) -> Secret:
        # The keyring can block (a locked Secret Service): never on the event loop itself.
        token = await run_abandonable(f"{self.name}-token", ctx.secret, self.name)
        if token is None:
            raise SourceAuthError(
                f"{self.name}: no Azure token; store one: {NEW_TOKEN.format(name=self.name)}"
            )
        return token


def _account_of(scope: str) -> str:
    """The subscription id of a subscription or resource-group scope; otherwise the scope's
    last part (billing account, management group)."""
    parts = scope.split("/")
    lowered = [p.lower() for p in parts]
    if "subscriptions" in lowered:
        index = lowered.index("subscriptions")
        if index + 1 < len(parts):
            return parts[index + 1]
    return parts[-1]


def _previous_rows(previous: Snapshot | None) -> Sequence[CostRow]:
    if previous is None or previous.cost is None:
        return ()
    return previous.cost.rows


def _row_order(row: CostRow) -> tuple[date, str, bool, tuple[tuple[str, str], ...], str]:
    return (row.day, row.service, row.is_gpu, row.tags, row.currency)
