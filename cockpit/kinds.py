"""Every kind of source the cockpit knows, in one registry.

Config validation, `doctor`, the status bar, the sync scheduler and `cockpit.sources` all read
`KINDS`: adding a kind of source is one integration module plus one block here (its settings
and a `register(...)` call), never another branch in a chain of `isinstance` checks.

Nothing here imports an integration. A kind's `build` imports its module only when a source of
that kind is built, so the registry costs `cockpit status` nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import msgspec

from cockpit.schema_errors import described_pattern

if TYPE_CHECKING:
    from integrations.base import Source

Minutes = Annotated[float, msgspec.Meta(gt=0, le=24 * 60)]
Seconds = Annotated[float, msgspec.Meta(gt=0, le=3600)]
CONNECT_TIMEOUT = 5.0  # seconds, unless the source's deadline is shorter
READ_TIMEOUT = 20.0
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class SourceSettings(msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", kw_only=True):
    """Settings every source has. `kind` picks the integration."""

    refresh_minutes: Minutes = 15.0
    # Left out of the config, the two timeouts become min(default, deadline): see
    # `cockpit.config._derive_timeouts`. Only a value the user wrote can be wrong.
    connect_timeout: Seconds = CONNECT_TIMEOUT
    read_timeout: Seconds = READ_TIMEOUT
    deadline: Seconds = 60.0
    enabled: bool = True

    @property
    def kind(self) -> str:
        return str(self.__struct_config__.tag)


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What building a source may need besides its own settings."""

    config_dir: Path | None  # relative paths in the config are relative to its folder
    live_since: datetime | None = None  # the demo simulates changes from this moment

    def resolve(self, raw: str) -> Path:
        path = Path(raw).expanduser()
        if not path.is_absolute() and self.config_dir is not None:
            path = self.config_dir / path
        return path


@dataclass(frozen=True, slots=True)
class SourceKind:
    """One kind of source: its settings, what it fills, and how to build it."""

    name: str  # the `kind = "..."` value in the config
    settings: type[SourceSettings]
    areas: tuple[str, ...]  # which dashboard areas its snapshots fill
    network: bool  # needs the network (and a token): synced by age, probed by `doctor`
    build: Callable[[str, Any, BuildContext], Source]
    # The files a local kind reads, for `doctor` to check (relative to the config's folder).
    files: Callable[[Any], tuple[str, ...]] | None = None
    # An example of the settings' `url`, for the message when it is not a web address.
    url_example: str = ""
    # Whether a source of this kind needs a token with these settings (MLflow without auth
    # does not); only network kinds are asked.
    needs_token: Callable[[Any], bool] = lambda settings: True
    # A paid API's daily call limit with these settings (AWS Cost Explorer); None: free.
    paid_calls: Callable[[Any], int] | None = None
    # Whether these settings reach the network when the kind may go either way (an OKR file
    # at a path or at a URL); None: `network` says.
    network_for: Callable[[Any], bool] | None = None


KINDS: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    if kind.settings.__struct_config__.tag != kind.name:
        raise AssertionError(f"{kind.settings.__name__} is not tagged {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def kind_of(settings: SourceSettings) -> SourceKind:
    return KINDS[settings.kind]


def kind_names() -> tuple[str, ...]:
    return tuple(KINDS)


def network_kinds() -> frozenset[str]:
    return frozenset(name for name, kind in KINDS.items() if kind.network)


def uses_network(settings: SourceSettings) -> bool:
    """Whether a source with these settings syncs over the network: then it is synced by age,
    shown offline when the cockpit is, and probed by `doctor`."""
    kind = kind_of(settings)
    return kind.network_for(settings) if kind.network_for is not None else kind.network


def areas_by_kind() -> dict[str, tuple[str, ...]]:
    return {name: kind.areas for name, kind in KINDS.items()}


def any_settings_type() -> Any:
    """The tagged union msgspec decodes a [sources.NAME] block into."""
    return Union[tuple(kind.settings for kind in KINDS.values())]  # noqa: UP007


# --- the demo ---------------------------------------------------------------------------


class DemoSettings(SourceSettings, tag="demo"):
    seed: int = 7
    live: bool = False


def _build_demo(name: str, settings: DemoSettings, ctx: BuildContext) -> Source:
    from integrations.demo import DemoSource

    live = ctx.live_since if settings.live else None
    return DemoSource(name, seed=settings.seed, live_since=live)


register(
    SourceKind(
        "demo",
        DemoSettings,
        areas=("sprint", "experiments", "okrs", "cost", "team"),
        network=False,
        build=_build_demo,
    )
)


# --- files kept by the team -------------------------------------------------------------


OKR_URL_EXAMPLE = "https://raw.githubusercontent.com/acme/okrs/main/okrs.toml"


class OkrFileSettings(SourceSettings, tag="okr-file"):
    """The OKR file (docs/okrs.md): a `path`, or the `url` of a raw file in a repository
    (fetched at each sync, with the source's token as a bearer token when one is stored)."""

    path: NonEmpty = ""  # "" = not written (a URL is)
    url: NonEmpty = ""

    def __post_init__(self) -> None:
        # msgspec reports these at `sources.NAME`; the wording of the first is the schema's
        # own for a missing key, so the message reads like every other missing key.
        if not self.path and not self.url:
            raise ValueError("Object missing required field `path`")
        if self.path and self.url:
            raise ValueError("give `path` (a file) or `url` (a raw file in a repository), not both")
        if self.url:
            from urllib.parse import urlsplit

            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"`url` is not a web address; expected e.g. {OKR_URL_EXAMPLE}")


def _build_okr_file(name: str, settings: OkrFileSettings, ctx: BuildContext) -> Source:
    from integrations.okr_file import OkrFileSource

    if settings.url:
        return OkrFileSource(name, url=settings.url)
    return OkrFileSource(name, ctx.resolve(settings.path))


register(
    SourceKind(
        "okr-file",
        OkrFileSettings,
        areas=("okrs",),
        # A path is read at every sync; a URL is fetched over the network like any web source.
        network=False,
        build=_build_okr_file,
        files=lambda settings: (settings.path,) if settings.path else (),
        needs_token=lambda settings: False,  # a token is used when stored, never required
        network_for=lambda settings: bool(settings.url),
    )
)


class RosterFileSettings(SourceSettings, tag="roster-file"):
    path: NonEmpty
    # The meetings the team held, for the fairness ledger. Empty: `meetings.toml` beside the
    # roster when there is one (docs/roster.md).
    meetings: str = ""


def _build_roster_file(name: str, settings: RosterFileSettings, ctx: BuildContext) -> Source:
    from integrations.roster_file import RosterFileSource

    meetings = ctx.resolve(settings.meetings) if settings.meetings else None
    return RosterFileSource(name, ctx.resolve(settings.path), meetings)


register(
    SourceKind(
        "roster-file",
        RosterFileSettings,
        areas=("team",),
        network=False,
        build=_build_roster_file,
        files=lambda settings: (
            settings.path,
            *((settings.meetings,) if settings.meetings else ()),
        ),
    )
)


# --- FOCUS cost exports -----------------------------------------------------------------

# Tag keys kept in the cost roll-ups by default: team, project and the experiment and run
# keys the trackers write, so that spend can be joined to experiments.
DEFAULT_COST_TAGS = (
    "team", "project", "experiment", "mlflow_experiment", "mlflow_run_id", "run_id",
    "wandb_project", "wandb_run_id",
)  # fmt: skip


# A pattern rather than a Literal, so that a wrong value is answered with the right ones.
FocusCostColumn = described_pattern(
    r"^(EffectiveCost|BilledCost|ListCost|ContractedCost)$",
    "a FOCUS cost column",
    '"EffectiveCost" (the default), "BilledCost", "ListCost" or "ContractedCost"',
)


class FocusSettings(SourceSettings, tag="focus", kw_only=True):
    # Files, folders or globs ("exports/**/*.parquet"), relative to the config's folder:
    # FOCUS exports as .csv, .csv.gz or .parquet.
    paths: Annotated[list[NonEmpty], msgspec.Meta(min_length=1)]
    # Which FOCUS cost column the amounts are: EffectiveCost (amortised, after discounts),
    # BilledCost (as invoiced), ListCost or ContractedCost.
    cost_column: FocusCostColumn = "EffectiveCost"
    tags: list[NonEmpty] = msgspec.field(default_factory=lambda: list(DEFAULT_COST_TAGS))
    refresh_minutes: Minutes = 60.0  # exports land a few times a day
    deadline: Seconds = 300.0  # a first import of a year of exports takes a while


def _build_focus(name: str, settings: FocusSettings, ctx: BuildContext) -> Source:
    from integrations.focus import FocusSource

    return FocusSource(
        name,
        paths=settings.paths,
        resolve=ctx.resolve,
        cost_column=settings.cost_column,
        tag_keys=settings.tags,
    )


register(
    SourceKind(
        "focus",
        FocusSettings,
        areas=("cost",),
        network=False,
        build=_build_focus,
        files=lambda settings: tuple(settings.paths),
    )
)


# --- Jira -------------------------------------------------------------------------------


class JiraSettings(SourceSettings, tag="jira", kw_only=True):
    url: NonEmpty
    board_id: Annotated[int, msgspec.Meta(gt=0)]
    email: str = ""  # Jira Cloud: the account the API token belongs to
    deployment: Literal["auto", "cloud", "server"] = "auto"
    points_field: str = ""  # e.g. "customfield_10016"; empty: found from the board
    jql: str = ""  # empty: the board's own filter
    page_size: Annotated[int, msgspec.Meta(ge=10, le=100)] = 100
    deadline: Seconds = 180.0  # a first sync of a large board takes a while


def _build_jira(name: str, settings: JiraSettings, ctx: BuildContext) -> Source:
    from integrations.jira import JiraSource
    from integrations.retry import Timeouts

    return JiraSource(
        name,
        url=settings.url,
        board_id=settings.board_id,
        email=settings.email,
        deployment=settings.deployment,
        points_field=settings.points_field,
        jql=settings.jql,
        page_size=settings.page_size,
        timeouts=Timeouts(settings.connect_timeout, settings.read_timeout, settings.deadline),
    )


register(
    SourceKind(
        "jira",
        JiraSettings,
        areas=("sprint", "team"),
        network=True,
        build=_build_jira,
        url_example="https://acme.atlassian.net",
    )
)


# --- experiment trackers ----------------------------------------------------------------


class LeaderboardSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How a tracker's runs are ranked. The same block for every tracker kind."""

    # The primary metric of every experiment; empty: a well-known one the runs log
    # (val_loss, accuracy, auc, f1, wer…), and the panel says it was picked.
    metric: str = ""
    # Experiment name → its own primary metric, where experiments differ.
    per_experiment: dict[str, str] = msgspec.field(default_factory=dict)
    # "last": the last logged value; "best": the best over the metric's history;
    # "at-best-step": the value at the step where `step_metric` was best (e.g. test accuracy
    # at the best validation loss).
    rank_by: Literal["last", "best", "at-best-step"] = "best"
    step_metric: str = ""
    # Metric name → "higher" or "lower" is better, where the default by name is wrong.
    directions: dict[str, Literal["higher", "lower"]] = msgspec.field(default_factory=dict)
    # This tracker's metric name → the name used across trackers ("val/auc" → "val_auc"), so
    # that runs of MLflow and W&B rank on one board.
    rename: dict[str, str] = msgspec.field(default_factory=dict)
    # Params shown beside each run; empty: the ones that vary most between the top runs.
    key_params: list[str] = msgspec.field(default_factory=list)
    # How many runs per experiment get their metric histories read (best value, chart).
    history_runs: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 50


class MlflowSettings(SourceSettings, tag="mlflow", kw_only=True):
    url: NonEmpty  # the tracking server, e.g. http://mlflow.internal:5000
    experiments: list[str] = msgspec.field(default_factory=list)  # names or ids
    experiment_pattern: str = ""  # an SQL LIKE pattern on names, e.g. "fraud-%"
    # "basic": `username` with the token as password; "bearer": the token alone (Databricks).
    auth: Literal["none", "basic", "bearer"] = "none"
    username: str = ""
    models: list[str] = msgspec.field(default_factory=list)  # registered models; empty: all
    aliases: list[str] = msgspec.field(default_factory=lambda: ["champion", "challenger"])
    full_refresh_hours: Annotated[float, msgspec.Meta(gt=0, le=24 * 14)] = 24.0
    leaderboard: LeaderboardSettings = msgspec.field(default_factory=LeaderboardSettings)
    deadline: Seconds = 300.0  # a first sync of 50,000 runs takes a while on a slow link


def _build_mlflow(name: str, settings: MlflowSettings, ctx: BuildContext) -> Source:
    from integrations.mlflow import MlflowSource

    return MlflowSource(name, settings)


register(
    SourceKind(
        "mlflow",
        MlflowSettings,
        areas=("experiments",),
        network=True,
        build=_build_mlflow,
        url_example="http://mlflow.internal:5000",
        needs_token=lambda settings: settings.auth != "none",
    )
)


class WandbSettings(SourceSettings, tag="wandb", kw_only=True):
    url: NonEmpty = "https://api.wandb.ai"  # W&B Server: its own address
    projects: list[NonEmpty]  # "entity/project"
    page_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    leaderboard: LeaderboardSettings = msgspec.field(default_factory=LeaderboardSettings)
    deadline: Seconds = 300.0


def _build_wandb(name: str, settings: WandbSettings, ctx: BuildContext) -> Source:
    from integrations.wandb import WandbSource

    return WandbSource(name, settings)


register(
    SourceKind(
        "wandb",
        WandbSettings,
        areas=("experiments",),
        network=True,
        build=_build_wandb,
        url_example="https://api.wandb.ai",
    )
)


# --- AWS cost ---------------------------------------------------------------------------


class AwsCostSettings(SourceSettings, tag="aws-cost", kw_only=True):
    # The AWS credential chain, not the cockpit's keyring: a profile from ~/.aws/config
    # (SSO, assumed roles...), or "" for the default chain (AWS_PROFILE, environment keys,
    # instance role).
    profile: str = ""
    region: str = "us-east-1"  # for the credential chain; Cost Explorer itself is global
    endpoint_url: str = ""  # another endpoint than AWS's own (a local stand-in); "" = AWS
    metric: Literal[
        "UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost"
    ] = "UnblendedCost"
    tag_key: str = ""  # a cost-allocation tag to break spend down by as well (e.g. "team")
    # History read on a first sync; Cost Explorer keeps about 13 months.
    days: Annotated[int, msgspec.Meta(ge=1, le=390)] = 90
    # Every Cost Explorer request is billed ($0.01): at most this many a day (UTC).
    daily_paid_calls: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 3
    budgets: bool = True  # read AWS Budgets (free)
    # Cost Explorer refreshes its data about three times a day; twice a day fits the default
    # allowance (the day's first sync also reads the forecast: 2 calls, then 1).
    refresh_minutes: Minutes = 720.0


def _build_aws_cost(name: str, settings: AwsCostSettings, ctx: BuildContext) -> Source:
    from integrations.aws_cost import AwsCostSource

    return AwsCostSource(name, settings)


register(
    SourceKind(
        "aws-cost",
        AwsCostSettings,
        areas=("cost",),
        network=True,
        build=_build_aws_cost,
        needs_token=lambda settings: False,  # the AWS credential chain
        paid_calls=lambda settings: settings.daily_paid_calls,
    )
)


# --- OpenCost (Kubernetes) --------------------------------------------------------------

_AGGREGATE_PART = (
    r"(cluster|node|namespace|controllerKind|controller|service|pod|container|deployment"
    r"|statefulset|daemonset|job|department|environment|owner|product|team"
    r"|(label|annotation):[A-Za-z0-9][A-Za-z0-9._/-]*)"
)
OpenCostAggregate = described_pattern(
    rf"^{_AGGREGATE_PART}(,{_AGGREGATE_PART})*$",
    "an OpenCost aggregate",
    '"namespace", "label:team", "controller" or a comma list such as "namespace,label:team"',
)
CostCurrency = described_pattern(
    "^[A-Z]{3}$", "a currency code", 'three capital letters such as "USD"'
)


class OpenCostSettings(SourceSettings, tag="opencost", kw_only=True):
    url: NonEmpty  # OpenCost's API, e.g. http://localhost:9003 (port-forwarded)
    # What a row is: a namespace, a label's value ("label:team"), a controller...
    aggregate: OpenCostAggregate = "namespace"
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30  # history read on a first sync
    auth: Literal["none", "bearer"] = "none"  # "bearer": behind an authenticating proxy
    # The provider the rows are shown under; "" = "Kubernetes". Name each cluster when
    # several OpenCost sources are configured, so that their spend is told apart.
    cluster: str = ""
    # OpenCost's prices carry no currency: the one its pricing is configured in.
    currency: CostCurrency = "USD"
    include_idle: bool = True  # the nodes' unused capacity, as its own row ("idle capacity")
    resolution: str = ""  # Prometheus query resolution, e.g. "5m"; "" = OpenCost's (1m)
    refresh_minutes: Minutes = 60.0
    deadline: Seconds = 120.0  # OpenCost computes a month of days while the request waits


def _build_opencost(name: str, settings: OpenCostSettings, ctx: BuildContext) -> Source:
    from integrations.opencost import OpenCostSource

    return OpenCostSource(name, settings)


register(
    SourceKind(
        "opencost",
        OpenCostSettings,
        areas=("cost",),
        network=True,
        build=_build_opencost,
        url_example="http://localhost:9003",
        needs_token=lambda settings: settings.auth != "none",
    )
)


# --- Azure Cost Management --------------------------------------------------------------

AzureScope = described_pattern(
    r"^/?(subscriptions/[^/\s]+(/resourceGroups/[^/\s]+)?"
    r"|providers/Microsoft\.Billing/billingAccounts/[^/\s]+(/[A-Za-z]+/[^/\s]+)*"
    r"|providers/Microsoft\.Management/managementGroups/[^/\s]+)/?$",
    "an Azure scope",
    '"subscriptions/<subscription id>", "subscriptions/<id>/resourceGroups/<name>",'
    ' "providers/Microsoft.Billing/billingAccounts/<id>" or'
    ' "providers/Microsoft.Management/managementGroups/<id>"',
)


class AzureCostSettings(SourceSettings, tag="azure-cost", kw_only=True):
    scope: AzureScope
    url: NonEmpty = "https://management.azure.com"  # Azure Resource Manager
    cost_type: Literal["ActualCost", "AmortizedCost"] = "ActualCost"
    # The aggregation asked for: "PreTaxCost" (most agreements), "Cost", or "CostUSD".
    cost_column: Literal["PreTaxCost", "Cost", "CostUSD"] = "PreTaxCost"
    # A tag to break spend down by as well (e.g. "team"); without one, spend is split by
    # meter sub-category instead, which is what tells GPU machines apart.
    tag_key: str = ""
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30  # history read on a first sync
    api_version: NonEmpty = "2023-03-01"
    # Cost data refreshes a few times a day, and the query API allows few calls a minute.
    refresh_minutes: Minutes = 240.0
    deadline: Seconds = 120.0  # room to wait out a throttled query once


def _build_azure_cost(name: str, settings: AzureCostSettings, ctx: BuildContext) -> Source:
    from integrations.azure_cost import AzureCostSource

    return AzureCostSource(name, settings)


register(
    SourceKind(
        "azure-cost",
        AzureCostSettings,
        areas=("cost",),
        network=True,
        build=_build_azure_cost,
        url_example="https://management.azure.com",
    )
)
