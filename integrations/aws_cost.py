"""The AWS cost source: Cost Explorer's daily spend, AWS's own forecast, and AWS Budgets.

boto3 (the `aws` extra) is imported only when a sync or `doctor` runs, never on `cockpit
status`'s path. Credentials come from the standard AWS chain: `profile` (SSO, assumed roles,
keys in ~/.aws), or with no profile AWS_PROFILE, the environment's keys, an instance role.
The cockpit's keyring is not involved.

**Paid calls.** Every Cost Explorer request is billed ($0.01), so a sync works out how many it
needs before making any, and stays within `daily_paid_calls` a UTC day (the sync engine counts
them in the store and hands over today's allowance as `ctx.paid_calls`). A sync needs:

* 1 call: GetCostAndUsage grouped by service and usage type (`aws_cost_parse`);
* 1 more with `tag_key` (grouped by the tag and usage type);
* 1 for GetCostForecast, at most once a UTC day, and only when the allowance has room after
  the roll-ups; otherwise the last forecast is kept;
* 1 for each further page when Cost Explorer splits an answer (a large account's first sync
  of 90 days may).

So with the defaults (no tag key, 3 calls a day) the day's first sync makes 2 paid calls and
the next one 1; a sync that would go over the allowance makes no call at all, keeps the data
and says so (`SourceCallBudgetSpent`: the engine records it as "held"). STS
GetCallerIdentity (the account id) and Budgets DescribeBudgets are free, and are asked first,
so that a refused permission there costs nothing.

A re-sync asks only for the last few days (Cost Explorer revises them) and keeps older rows
from the previous snapshot; a first sync reads `days` of history.

Blocking boto3 calls run on a daemon thread of their own (`integrations.threads`): the sync's
deadline abandons it. Timeouts are the settings' (capped by the deadline), with one retry in
boto's "standard" mode; botocore logs through `logging`, which `cockpit.logs` sends to the
log file, never the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date
from typing import Any, Protocol

from cockpit.models import CostData, Secret, Snapshot
from cockpit.text_safety import clean_line
from integrations.aws_cost_parse import (
    FORECAST_LEVEL,
    FORECAST_METRIC,
    AwsShapeError,
    Query,
    SyncPlan,
    build_rows,
    forecast_period,
    parse_budgets,
    parse_forecast,
    plan_sync,
)
from integrations.base import (
    Deadline,
    FetchContext,
    PaidCalls,
    SourceAuthError,
    SourceBadResponse,
    SourceCallBudgetSpent,
    SourceConfigError,
    SourceDeadlineExceeded,
    SourceError,
    SourceRateLimited,
    SourceUnreachable,
    TrafficMeter,
)
from integrations.net_words import network_failure
from integrations.threads import run_abandonable


class AwsCostOptions(Protocol):
    """What the source reads of `cockpit.kinds.AwsCostSettings`."""

    @property
    def profile(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def endpoint_url(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def tag_key(self) -> str: ...
    @property
    def days(self) -> int: ...
    @property
    def daily_paid_calls(self) -> int: ...
    @property
    def budgets(self) -> bool: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def deadline(self) -> float: ...


# The IAM permission each call needs, for the message when AWS refuses one.
PERMISSIONS = {
    "GetCostAndUsage": "ce:GetCostAndUsage",
    "GetCostForecast": "ce:GetCostForecast",
    "DescribeBudgets": "budgets:ViewBudget",
    "GetCallerIdentity": "sts:GetCallerIdentity",
}
_SERVICES = {"ce": "Cost Explorer", "budgets": "AWS Budgets", "sts": "AWS STS"}
_AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
_THROTTLE_CODES = frozenset(
    {"LimitExceededException", "ThrottlingException", "Throttling", "TooManyRequestsException"}
)
PAID_WHAT = "paid Cost Explorer calls"


class AwsCostSource:
    kind = "aws-cost"
    uses_network = True
    paid_calls_noun = PAID_WHAT  # for `doctor`'s count of today's calls

    def __init__(self, name: str, settings: AwsCostOptions) -> None:
        self.name = name
        self.settings = settings

    # --- entry points ------------------------------------------------------------------

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        if ctx.http is None:
            raise SourceUnreachable(f"{self.name}: offline, AWS was not asked")
        today = ctx.now.astimezone(UTC).date()
        previous = ctx.previous.cost if ctx.previous is not None else None
        plan = plan_sync(
            today=today, days=self.settings.days, tag_key=self.settings.tag_key,
            previous=previous,
        )  # fmt: skip
        # A context without an allowance (a tool, a test) still never spends more than the
        # limit in one sync.
        paid = ctx.paid_calls or PaidCalls(self.settings.daily_paid_calls, 0)
        self._check_allowance(paid, plan.required_calls)
        return await run_abandonable(f"{self.name}-aws", self._sync, ctx, plan, paid, today)

    def probe(self, token: Secret | None = None) -> str:
        """For `cockpit doctor`: who the credentials are and the budgets AWS holds. Only free
        calls (STS GetCallerIdentity, Budgets DescribeBudgets); never Cost Explorer. Blocking;
        raises a `SourceError` that says what is wrong."""
        deadline = Deadline.starting_now(min(float(self.settings.deadline), 30.0))
        aws = _Aws(self, deadline, TrafficMeter())
        account, arn = aws.identity()
        words = f"AWS account {account} as {arn}"
        if not self.settings.budgets:
            return f"{words}; AWS Budgets not read (budgets = false)"
        budgets = aws.budgets(account)
        count = len(budgets)
        return f"{words}; {count} budget{'' if count == 1 else 's'} in AWS Budgets"

    # --- the sync, on its own thread --------------------------------------------------

    def _sync(self, ctx: FetchContext, plan: SyncPlan, paid: PaidCalls, today: date) -> Snapshot:
        try:
            return self._read(ctx, plan, paid, today)
        except AwsShapeError as exc:
            raise SourceBadResponse(f"{self.name}: AWS answered {exc}") from None

    def _read(self, ctx: FetchContext, plan: SyncPlan, paid: PaidCalls, today: date) -> Snapshot:
        settings = self.settings
        aws = _Aws(self, ctx.deadline, ctx.meter)
        progress = ctx.progress
        progress.begin("signing in")
        account, _arn = aws.identity()
        budgets = ()
        if settings.budgets:
            progress.begin("reading AWS Budgets")
            budgets = tuple(parse_budgets(aws.budgets(account), ctx.now))
        answers: dict[str, list[Mapping[str, Any]]] = {}
        for query in plan.queries:
            phase = "reading spend" if query.label == "usage" else "reading spend by tag"
            progress.begin(phase, unit="pages")
            answers[query.label] = aws.cost_and_usage(
                query, plan, lambda: self._spend(paid), progress.advance
            )
        forecasts = plan.kept_forecasts
        if plan.forecast_due and paid.left() >= 1:
            progress.begin("reading the forecast")
            start, end = forecast_period(today)
            self._spend(paid)
            answer = aws.forecast(start, end)
            if answer is not None:
                forecasts = (parse_forecast(answer, start, end),)
        rows = build_rows(
            answers["usage"],
            answers.get("tags"),
            metric=settings.metric,
            tag_key=settings.tag_key,
            account=account,
        )
        return Snapshot(
            cost=CostData(
                rows=plan.kept + tuple(rows),
                budgets=budgets,
                cost_column=settings.metric,
                forecasts=forecasts,
                paid_calls_today=paid.used + paid.spent,
            )
        )

    # --- the allowance ----------------------------------------------------------------

    def _where(self) -> str:
        return f"`daily_paid_calls = {self.settings.daily_paid_calls}` in [sources.{self.name}]"

    def _check_allowance(self, paid: PaidCalls, needed: int) -> None:
        left = paid.left()
        if left >= needed:
            return
        used = paid.used + paid.spent
        if left == 0:
            head = f"today's {paid.limit} {PAID_WHAT} are used ({used} made; limit {self._where()})"
        else:
            head = (
                f"this sync needs {needed} {PAID_WHAT} and {left} of today's {paid.limit} is"
                f" left (limit {self._where()})"
            )
        raise SourceCallBudgetSpent(
            f"{self.name}: {head}; no call was made and the data is kept; more calls are"
            " possible after 00:00 UTC"
        )

    def _spend(self, paid: PaidCalls) -> None:
        """Count one paid call about to be made; a further page beyond today's allowance
        stops the sync (the data is kept) and says what to change."""
        if paid.left() < 1:
            raise SourceCallBudgetSpent(
                f"{self.name}: Cost Explorer split its answer into more pages than today's"
                f" {paid.limit} {PAID_WHAT} allow ({paid.spent} made in this sync); the data"
                f" is kept; raise {self._where()}, or lower `days` for a smaller first sync"
            )
        paid.spend(source=self.name, what=PAID_WHAT)


class _Aws:
    """boto3 clients for one sync or probe, with the source's timeouts and its wording of
    every failure."""

    def __init__(self, source: AwsCostSource, deadline: Deadline | None, meter: TrafficMeter):
        self.source = source
        self.name = source.name
        self.settings = source.settings
        self.deadline = deadline
        self.meter = meter
        self._clients: dict[str, Any] = {}
        # The last answer's status, and whether its body was shorter than announced: what an
        # answer boto3 cannot parse said (seen before parsing, see `_seen`).
        self._last_status, self._last_cut = 0, False
        self._session: Any = None

    # --- calls ---------------------------------------------------------------------------

    def identity(self) -> tuple[str, str]:
        answer = self._call("sts", "GetCallerIdentity", "get_caller_identity")
        account = clean_line(str(answer.get("Account") or ""))
        if not account:
            raise SourceBadResponse(f"{self.name}: AWS STS did not say which account this is")
        return account, clean_line(str(answer.get("Arn") or ""))

    def budgets(self, account: str) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = []
        token = None
        while True:
            args: dict[str, Any] = {"AccountId": account, "MaxResults": 100}
            if token:
                args["NextToken"] = token
            answer = self._call("budgets", "DescribeBudgets", "describe_budgets", **args)
            found += answer.get("Budgets") or []
            token = answer.get("NextToken")
            if not token:
                return found

    def cost_and_usage(
        self,
        query: Query,
        plan: SyncPlan,
        spend: Callable[[], None],
        advance: Callable[[], None],
    ) -> list[Mapping[str, Any]]:
        """Every page of one query; `spend` is called before each (paid) page."""
        pages: list[Mapping[str, Any]] = []
        token = None
        while True:
            args: dict[str, Any] = {
                "TimePeriod": {"Start": plan.start.isoformat(), "End": plan.end.isoformat()},
                "Granularity": "DAILY",
                "Metrics": [self.settings.metric],
                "GroupBy": [dict(group) for group in query.group_by],
            }
            if token:
                args["NextPageToken"] = token
            self._check_time()
            spend()
            answer = self._call("ce", "GetCostAndUsage", "get_cost_and_usage", **args)
            pages.append(answer)
            advance()
            token = answer.get("NextPageToken")
            if not token:
                return pages

    def forecast(self, start: date, end: date) -> Mapping[str, Any] | None:
        """AWS's forecast to the end of the month; None when AWS has too little history to
        make one (a new account), which is no failure."""
        return self._call(
            "ce",
            "GetCostForecast",
            "get_cost_forecast",
            unavailable=True,
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Metric=FORECAST_METRIC[self.settings.metric],
            Granularity="MONTHLY",
            PredictionIntervalLevel=FORECAST_LEVEL,
        )

    # --- plumbing ------------------------------------------------------------------------

    def _call(
        self, service: str, operation: str, method: str, *, unavailable: bool = False, **args: Any
    ) -> Any:
        """One call; with `unavailable`, AWS's "no data for that" answer is None."""
        _require_boto3(self.name)
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        self._check_time()
        self._last_status, self._last_cut = 0, False
        try:
            client = self._client(service)
            answer = getattr(client, method)(**args)
        except ResponseParserError:
            # Not AWS's own words: a proxy or gateway on the way answered instead.
            raise self._unreadable(service) from None
        except (KeyError, ValueError, TypeError, AttributeError, IndexError):
            if not self._last_status:
                raise
            # botocore stumbled over an answer of another shape (a Wi-Fi sign-in page).
            raise self._unreadable(service) from None
        except (BotoCoreError, ClientError) as exc:
            if unavailable and _code(exc) == "DataUnavailableException":
                return None
            raise self._reword(exc, service, operation) from None
        self.meter.succeeded()
        return answer

    def _check_time(self) -> None:
        if self.deadline is not None and self.deadline.left() <= 0:
            raise SourceDeadlineExceeded(
                f"{self.name} did not finish within its {self.deadline.seconds:g}s deadline"
            )

    def _client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        # boto3 costs ~0.3 s to import: only a sync or probe of this source pays for it.
        import boto3
        from botocore.config import Config

        settings = self.settings
        if self._session is None:
            self._session = boto3.Session(
                profile_name=settings.profile or None, region_name=settings.region
            )
        connect, read = settings.connect_timeout, settings.read_timeout
        if self.deadline is not None:
            connect, read = self.deadline.cap(connect), self.deadline.cap(read)
        config = Config(
            connect_timeout=connect,
            read_timeout=read,
            # Two attempts in all: botocore's `max_attempts` would count retries only.
            retries={"total_max_attempts": 2, "mode": "standard"},
            user_agent_extra="cockpit",
        )
        client = self._session.client(
            service, endpoint_url=settings.endpoint_url or None, config=config
        )
        client.meta.events.register("response-received", self._count)
        client.meta.events.register("before-parse", self._seen)
        self._clients[service] = client
        return client

    def _count(
        self, response_dict: Mapping[str, Any] | None = None, exception: Any = None, **_: Any
    ) -> None:
        """Every attempt's bytes, retries included, in the sync's traffic meter."""
        answer = response_dict or {}
        body = answer.get("body") or b""
        self.meter.count(len(body) if isinstance(body, bytes | bytearray) else 0)
        status = int(answer.get("status_code") or 0)
        if exception is not None:
            self.meter.failed(exception, self.name)
        elif status >= 400:  # what a sync cut by its deadline was struggling with
            self.meter.last_error = f"AWS answered {status}"

    def _seen(self, response_dict: Mapping[str, Any] | None = None, **_: Any) -> None:
        answer = response_dict or {}
        self._last_status = int(answer.get("status_code") or 0)
        body = answer.get("body")
        headers = answer.get("headers") or {}
        announced = str(headers.get("content-length") or headers.get("Content-Length") or "")
        self._last_cut = (
            isinstance(body, bytes | bytearray)
            and announced.isdigit()
            and len(body) < int(announced)
        )

    def _unreadable(self, service: str) -> SourceError:
        """An answer boto3 could not parse, told by its HTTP status (botocore's message quotes
        the body and names its XML parser)."""
        name, status = self.name, self._last_status
        where = self.settings.endpoint_url or f"{_SERVICES[service]}'s endpoint"
        if self._last_cut:
            return SourceUnreachable(
                f"{name}: the connection dropped in the middle of the answer from {where}"
            )
        if status in (401, 403):
            return SourceAuthError(
                f"{name}: {where} rejected the credentials ({status}); check the AWS keys or"
                " profile, and any proxy on the way",
                status=status,
            )
        if status in (429, 503):
            return SourceRateLimited(f"{name}: {where} is rate limiting requests ({status})")
        if status >= 500:
            return SourceUnreachable(f"{name}: the server failed ({status}) at {where}")
        return SourceBadResponse(
            f"{name}: the answer from {where} could not be read ({status or 'no status'}); it is"
            " not what AWS sends (a Wi-Fi sign-in page, a proxy, or a wrong `endpoint_url`?)"
        )

    def _reword(self, exc: BaseException, service: str, operation: str) -> SourceError:
        """A boto3 failure in the user's words: what is wrong, and what to do."""
        from botocore import exceptions as boto

        name, what = self.name, _SERVICES[service]
        section = f"[sources.{name}]"
        if isinstance(exc, boto.ProfileNotFound):
            return SourceConfigError(
                f"{name}: the AWS profile {self.settings.profile!r} (`profile` in {section}) is"
                " not in ~/.aws/config or ~/.aws/credentials; fix the name or run `aws configure"
                f" --profile {self.settings.profile}`"
            )
        if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
            return SourceAuthError(
                f"{name}: no AWS credentials: set `profile` in {section} or AWS_PROFILE, or run"
                " `aws configure`"
            )
        if isinstance(exc, boto.SSOError | boto.TokenRetrievalError):
            profile = self.settings.profile or "PROFILE"
            return SourceAuthError(
                f"{name}: the AWS SSO sign-in has expired or is missing; run `aws sso login"
                f" --profile {profile}`"
            )
        if isinstance(exc, boto.CredentialRetrievalError):
            return SourceAuthError(f"{name}: AWS credentials could not be obtained: {exc}")
        if isinstance(exc, boto.ConnectionError | boto.HTTPClientError):
            where = self.settings.endpoint_url or f"{what}'s endpoint"
            why = network_failure(exc) or _short(exc)
            return SourceUnreachable(f"{name}: cannot reach {where}: {why}")
        if isinstance(exc, boto.ParamValidationError):
            return SourceConfigError(f"{name}: {what} refused the request: {_short(exc)}")
        if isinstance(exc, boto.ClientError):
            return self._client_error(exc, what, operation)
        return SourceError(f"{name}: {what} failed: {_short(exc)}")

    def _client_error(self, exc: Any, what: str, operation: str) -> SourceError:
        name, code = self.name, _code(exc)
        message = _short(exc.response.get("Error", {}).get("Message") or "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _DENIED_CODES:
            permission = PERMISSIONS.get(operation, operation)
            advice = (
                f"; or set budgets = false in [sources.{name}]"
                if operation == "DescribeBudgets"
                else ""
            )
            return SourceAuthError(
                f"{name}: AWS refused {operation}: these credentials lack the `{permission}`"
                f" permission; add it to the IAM policy of the user or role{advice}",
                status=403,
            )
        if code in _AUTH_CODES:
            return SourceAuthError(
                f"{name}: AWS does not accept these credentials ({code}); renew them (`aws sso"
                " login`, or new access keys)",
                status=401,
            )
        if code in _THROTTLE_CODES:
            return SourceRateLimited(
                f"{name}: {what} asked to slow down ({code}); the next sync tries again"
            )
        if code == "DataUnavailableException":
            return SourceError(
                f"{name}: Cost Explorer has no data for this account yet; enable it in the"
                " Billing console (Cost Explorer) and wait up to 24 hours"
            )
        if code == "BillExpirationException":
            return SourceConfigError(
                f"{name}: Cost Explorer no longer has data that old; lower `days` in"
                f" [sources.{name}] (it keeps about 13 months)"
            )
        if code in ("InvalidNextTokenException", "RequestChangedException"):
            return SourceUnreachable(
                f"{name}: Cost Explorer's data changed while it was being read; the next sync"
                " tries again"
            )
        if status >= 500:
            return SourceUnreachable(f"{name}: {what} failed ({status}) on {operation}")
        detail = f": {message}" if message else ""
        return SourceError(f"{name}: {what} refused {operation} ({code or status}){detail}")


def _require_boto3(name: str) -> None:
    """boto3 is an extra: without it, say how to install it rather than fail on an import."""
    import importlib.util

    if importlib.util.find_spec("boto3") is None:
        raise SourceConfigError(
            f"{name}: the AWS cost source needs boto3, which is not installed; run"
            " `pip install 'cockpit[aws]'`"
        )


def _code(exc: Any) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code") or "")


def _short(exc: object) -> str:
    """One line of at most 300 characters: boto's messages can quote whole HTML pages."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:299] + "…"
