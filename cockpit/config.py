"""The user's TOML config: where it lives, what it may say, and errors that name the key.

Tokens never live here; see `cockpit.secrets`. Unknown keys are errors, not silently ignored,
because a misspelt `board_id` that falls back to a default shows the wrong team's sprint.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import msgspec

from cockpit.destination_settings import AnyDestination, DestinationError, convert_destination
from cockpit.kinds import (  # re-exported: callers import settings from here
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    DemoSettings,
    JiraSettings,
    LeaderboardSettings,
    Minutes,
    MlflowSettings,
    NonEmpty,
    OkrFileSettings,
    RosterFileSettings,
    Seconds,
    SourceSettings,
    WandbSettings,
    any_settings_type,
    kind_names,
    network_kinds,
)
from cockpit.redact import has_credentials, redact_url
from cockpit.schema_errors import described_pattern, explain_validation_error

CONFIG_ENV = "COCKPIT_CONFIG"
CONFIG_FILENAME = "config.toml"


class ConfigError(Exception):
    """The config cannot be used. The message names the file and the key."""


CurrencyCode = described_pattern(
    "^[A-Z]{3}$", "a currency code", 'three capital letters such as "USD"'
)

# Any one kind's settings; decoded through the registry's tagged union.
AnySourceSettings = SourceSettings
SOURCE_KINDS: tuple[str, ...] = kind_names()
NETWORK_KINDS: frozenset[str] = network_kinds()

# The settings other modules import from here rather than from `cockpit.kinds`.
__all__ = [
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "DemoSettings",
    "JiraSettings",
    "LeaderboardSettings",
    "Minutes",
    "MlflowSettings",
    "NonEmpty",
    "OkrFileSettings",
    "RosterFileSettings",
    "Seconds",
    "SourceSettings",
    "WandbSettings",
]


Amount = Annotated[float, msgspec.Meta(gt=0)]
PercentOf = Annotated[float, msgspec.Meta(gt=0, le=1000)]


class BudgetSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One `[[budgets]]` block. Exactly one of `amount` (per `period`) and `monthly` (the
    format from before periods, still read) is given; `_check_budgets` says so by key."""

    name: NonEmpty
    amount: Amount | None = None
    monthly: Amount | None = None
    period: Literal["month", "quarter"] = "month"
    currency: CurrencyCode = "USD"
    provider: str = ""  # the scope before `scope` existed; both may be given (both apply)
    # "" = all spend; provider=AWS, service=…, account=…, region=…, category=…, tag:team=fraud
    scope: str = ""
    alerts: list[PercentOf] = msgspec.field(default_factory=lambda: [50.0, 80.0, 100.0])
    forecast_alert: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 100.0  # 0: off

    @property
    def per_period(self) -> float:
        return self.amount if self.amount is not None else (self.monthly or 0.0)


class CostSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The `[cost]` section: which tags name an experiment or a run, and when a day's spend
    is an anomaly."""

    experiment_tags: list[NonEmpty] = msgspec.field(
        default_factory=lambda: ["mlflow_experiment", "wandb_project", "experiment"]
    )
    run_tags: list[NonEmpty] = msgspec.field(
        default_factory=lambda: ["mlflow_run_id", "run_id", "wandb_run_id"]
    )
    anomaly_sigma: Annotated[float, msgspec.Meta(gt=0)] = 3.0


class TeamSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The `[team]` section: how far ahead overlap is looked for, how many people make a
    window, and how much each kind of out-of-hours minute costs in the slot finder."""

    overlap_days: Annotated[int, msgspec.Meta(ge=1, le=28)] = 7
    # A window needs at least this many people working at once (0: the most that overlap).
    min_people: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    slot_step_minutes: Annotated[int, msgspec.Meta(ge=5, le=120)] = 15
    # Weights of one minute outside a person's hours: early morning, late evening (a late
    # call costs more: it eats the evening), and a day off (weekend, holiday, time off).
    # Above zero: a slot is painless exactly when everyone is within hours, so a weight of
    # 0 would rank a 3 a.m. call as good as a noon one.
    early_weight: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.0
    late_weight: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.5
    off_day_weight: Annotated[float, msgspec.Meta(gt=0, le=100)] = 3.0
    # The night on each person's own clock ("22:00-07:00", checked in _check_team): a minute
    # outside their hours in it costs night_weight more, so a 01:00 call costs more than an
    # 08:00 one. Zero is allowed here: it only adds to a weight above zero.
    night: str = "22:00-07:00"
    night_weight: Annotated[float, msgspec.Meta(ge=0, le=100)] = 2.0
    # A person with flexible hours feels this share of the pain of an out-of-hours minute.
    flexible_factor: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.5
    fairness_weeks: Annotated[int, msgspec.Meta(ge=1, le=52)] = 8


class OkrSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The `[okrs]` section: how far behind the expected pace a key result may fall before it
    is at risk, then off track, and how long without a change or check-in makes it stale."""

    # Shares of the whole key result (0.10 = 10 points of progress behind the pace).
    at_risk_margin: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.10
    off_track_margin: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.25
    stale_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14


class SharingSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The `[sharing]` section: what masking hides when the cockpit is shown to others
    (`--masked`): money becomes % of budget, names become initials, and the titles of issues
    with these labels and runs with these tags become their keys and run ids."""

    mask_labels: list[NonEmpty] = msgspec.field(default_factory=list)
    mask_tags: list[NonEmpty] = msgspec.field(default_factory=list)
    # Mask every status and export without being asked (`--masked` is then implied).
    mask_by_default: bool = False
    # Present mode (`cockpit present`, `p`): how long each panel stays before the next.
    present_seconds: Annotated[float, msgspec.Meta(ge=3, le=3600)] = 20.0


class GeneralSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    store: str = ""
    stale_after_minutes: Minutes = 60.0
    timezone: str = ""
    burndown_weekends: Literal["shade", "skip"] = "shade"


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    cockpit: GeneralSettings = msgspec.field(default_factory=GeneralSettings)
    sources: dict[str, AnySourceSettings] = msgspec.field(default_factory=dict)
    budgets: list[BudgetSettings] = msgspec.field(default_factory=list)
    cost: CostSettings = msgspec.field(default_factory=CostSettings)
    team: TeamSettings = msgspec.field(default_factory=TeamSettings)
    okrs: OkrSettings = msgspec.field(default_factory=OkrSettings)
    sharing: SharingSettings = msgspec.field(default_factory=SharingSettings)
    # Where `cockpit send` delivers the weekly summary (cockpit/destination_settings.py).
    destinations: dict[str, AnyDestination] = msgspec.field(default_factory=dict)
    path: Path | None = None  # where it was read from; not a TOML key

    def enabled_sources(self) -> dict[str, AnySourceSettings]:
        return {name: s for name, s in self.sources.items() if s.enabled}


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("cockpit")) / CONFIG_FILENAME


def resolve_config_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get(CONFIG_ENV):
        return Path(env).expanduser()
    return default_config_path()


def load_config(path: Path) -> Config:
    if path.is_dir():
        raise ConfigError(folder_message(path))
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which TOML does not allow.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no config file here; run `cockpit init` to write one") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x}); "
            "save the config as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc}") from None
    return parse_config(text, path)


def folder_message(path: Path) -> str:
    return (
        f"{path} is a folder, not a config file; use --config {path / CONFIG_FILENAME}"
        " (a file in that folder)"
    )


def parse_config(text: str, path: Path) -> Config:
    import tomllib  # not needed by the TUI's start-up on the demo, so imported here

    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors save
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        from cockpit.toml_lines import nesting_line

        raise ConfigError(
            f"{path}:{nesting_line(text)}: not valid TOML: values nested too deeply"
        ) from None
    _reject_inline_secrets(data, path)
    _reject_credentials_in_urls(data, path)
    if "path" in data:
        raise ConfigError(f"{path}: unknown key `path`")
    raw_sources = data.pop("sources", {})
    if not isinstance(raw_sources, dict):
        raise ConfigError(f"{path}: `sources` must be a table of [sources.NAME] blocks")
    sources = {name: _convert_source(name, value, path) for name, value in raw_sources.items()}
    raw_destinations = data.pop("destinations", {})
    if not isinstance(raw_destinations, dict):
        raise ConfigError(f"{path}: `destinations` must be a table of [destinations.NAME] blocks")
    try:
        destinations = {
            name: convert_destination(name, value, config_dir=path.parent, sources=set(sources))
            for name, value in raw_destinations.items()
        }
    except DestinationError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        config = msgspec.convert(data, Config, strict=True)
    except msgspec.ValidationError as exc:
        explained = explain_validation_error(str(exc), SOURCE_KINDS, data=data)
        raise ConfigError(f"{path}: {explained}") from None
    config.sources = sources
    config.destinations = destinations
    _check_semantics(config, path)
    config.path = path
    return config


_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
SOURCE_NAME_RULE = (
    "a source name is lower-case letters, digits, - and _, starting with a letter"
    " (at most 32 characters)"
)


def is_source_name(name: str) -> bool:
    """Whether `name` may name a [sources.NAME] block (and so a keyring entry)."""
    return bool(_SOURCE_NAME.fullmatch(name))


def _convert_source(name: str, value: object, path: Path) -> AnySourceSettings:
    # Converted one by one: msgspec's error paths do not name dict keys, and the user needs
    # to know which [sources.NAME] block is wrong.
    if not is_source_name(name):
        raise ConfigError(f"{path}: `sources.{name}`: {SOURCE_NAME_RULE}")
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `sources.{name}` must be a table with a `kind` key")
    try:
        settings = msgspec.convert(value, any_settings_type(), strict=True)
    except msgspec.ValidationError as exc:
        return _raise_with_prefix(path, f"sources.{name}", str(exc), {"sources": {name: value}})
    _derive_timeouts(settings, written=value)
    return settings


def _derive_timeouts(settings: AnySourceSettings, written: dict[str, object]) -> None:
    """`deadline = 5` alone must not be an error about timeouts the user never set: the
    defaults shrink to fit the deadline."""
    if "connect_timeout" not in written:
        settings.connect_timeout = min(CONNECT_TIMEOUT, settings.deadline)
    if "read_timeout" not in written:
        settings.read_timeout = min(READ_TIMEOUT, settings.deadline)


def _raise_with_prefix(path: Path, prefix: str, message: str, data: object) -> NoReturn:
    message = re.sub(r" - at `\$", f" - at `$.{prefix}", message)
    if " - at `" not in message:
        message += f" - at `$.{prefix}`"
    raise ConfigError(f"{path}: {explain_validation_error(message, SOURCE_KINDS, data=data)}")


_SECRET_KEY = re.compile(r"(token|password|secret|api[_-]?key)$", re.IGNORECASE)


def _reject_inline_secrets(data: object, path: Path, where: str = "") -> None:
    """A token pasted into the config would end up in backups and screen shares."""
    if isinstance(data, dict):
        for key, value in data.items():
            key_path = f"{where}.{key}" if where else str(key)
            if _SECRET_KEY.search(str(key)):
                source = _block_name(key_path)
                raise ConfigError(
                    f"{path}: `{key_path}` looks like a credential; tokens never go in the "
                    f"config. Remove it and run `cockpit auth set {source}` instead"
                )
            _reject_inline_secrets(value, path, key_path)


def _block_name(key_path: str) -> str:
    """The NAME of the [sources.NAME] or [destinations.NAME] block a key is in, which is also
    the name its secret is stored under."""
    parts = key_path.split(".")
    if len(parts) > 2 and parts[0] in ("sources", "destinations"):
        return parts[1]
    return "SOURCE"


def _reject_credentials_in_urls(data: object, path: Path, where: str = "") -> None:
    """`url = "https://me:SECRET@host"` would put a password in the config, on the screen, in
    error messages and in the cache's sync log."""
    if isinstance(data, dict):
        for key, value in data.items():
            _reject_credentials_in_urls(value, path, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _reject_credentials_in_urls(value, path, f"{where}.{index}")
    elif isinstance(data, str) and has_credentials(data):
        source = _block_name(where)
        raise ConfigError(
            f"{path}: `{where}`: the address holds a user name or password"
            f" ({redact_url(data)}); credentials never go in the config. Write the address"
            f" without them and run `cockpit auth set {source}` to store the token"
        )


def _check_semantics(config: Config, path: Path) -> None:
    from urllib.parse import urlsplit

    from cockpit.kinds import kind_of

    for name, source in config.sources.items():
        example = kind_of(source).url_example
        url = getattr(source, "url", None)
        if example and isinstance(url, str):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(
                    f"{path}: `sources.{name}.url`: {redact_url(url)!r} is not a web"
                    f" address; expected e.g. {example}"
                )
        for key in ("connect_timeout", "read_timeout"):
            value = getattr(source, key)
            if value > source.deadline:
                raise ConfigError(
                    f"{path}: `sources.{name}.{key}` ({value:g}s) must not exceed the source's "
                    f"deadline ({source.deadline:g}s); lower it, or raise `deadline`"
                )
    _check_budgets(config.budgets, path)
    _check_team(config.team, path)
    _check_okrs(config.okrs, path)
    if config.cockpit.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(config.cockpit.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{path}: `cockpit.timezone`: unknown time zone {config.cockpit.timezone!r}; "
                "use an IANA name such as 'Europe/Berlin'"
            ) from None


def _check_team(team: TeamSettings, path: Path) -> None:
    from cockpit.analytics.team_views import parse_night

    try:
        parse_night(team.night)
    except ValueError as exc:
        raise ConfigError(f"{path}: `team.night`: {exc}") from None


def _check_okrs(okrs: OkrSettings, path: Path) -> None:
    if okrs.off_track_margin < okrs.at_risk_margin:
        raise ConfigError(
            f"{path}: `okrs.off_track_margin` ({okrs.off_track_margin:g}) is below"
            f" `okrs.at_risk_margin` ({okrs.at_risk_margin:g}): a key result falls behind"
            " into at risk first, then off track; make off_track_margin the larger one"
        )


def _check_budgets(budgets: list[BudgetSettings], path: Path) -> None:
    from cockpit.analytics.cost_scope import ScopeError, parse_scope

    names: dict[str, int] = {}
    for index, budget in enumerate(budgets):
        where = f"budgets.{index}"
        if budget.amount is None and budget.monthly is None:
            raise ConfigError(
                f"{path}: `{where}`: the budget {budget.name!r} has no amount; add"
                ' `amount = …` (per `period`, a month unless it says "quarter")'
            )
        if budget.amount is not None and budget.monthly is not None:
            raise ConfigError(
                f"{path}: `{where}`: give either `amount` or `monthly`, not both;"
                ' `monthly` is the older spelling of `amount` with `period = "month"`'
            )
        if budget.monthly is not None and budget.period != "month":
            raise ConfigError(
                f"{path}: `{where}.monthly` is a month's amount but `period` is"
                f" {budget.period!r}; write the {budget.period}'s amount as `amount = …`"
            )
        try:
            parse_scope(budget.scope)
        except ScopeError as exc:
            raise ConfigError(f"{path}: `{where}.scope`: {exc}") from None
        key = budget.name.strip().casefold()
        if key in names:
            raise ConfigError(
                f"{path}: `{where}.name`: {budget.name!r} is also the name of"
                f" `budgets.{names[key]}`; give each budget its own name (alerts are"
                " remembered by it)"
            )
        names[key] = index


def store_path(config: Config, profile: str = "default") -> Path:
    if config.cockpit.store:
        return Path(config.cockpit.store).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cockpit")) / f"{profile}.sqlite"


CONFIG_TEMPLATE = """\
# cockpit configuration. Tokens never go in this file: run `cockpit auth set SOURCE`
# (or set COCKPIT_<SOURCE>_TOKEN on a machine without a keyring).

[cockpit]
# Where the local cache lives. Keep it out of synced folders (Dropbox, iCloud, NFS):
# SQLite's WAL mode does not work there. Empty means the platform's cache folder.
store = ""
# Data older than this is marked stale on screen.
stale_after_minutes = 60
# Your own IANA time zone for the Team panel; empty means this machine's zone.
timezone = ""
# Burndown charts: "shade" weekends, or "skip" them so the chart shows working days only.
burndown_weekends = "shade"

# Each [sources.NAME] block is one source. `kind` picks the integration; every source also
# takes refresh_minutes, connect_timeout, read_timeout and deadline (seconds), and enabled.

# The built-in demo workspace: lifelike data for all five panels, no network needed.
# [sources.demo]
# kind = "demo"

# A Jira board (Cloud or Server/Data Center). Token: `cockpit auth set jira`
# (Cloud: an API token from id.atlassian.com; Server/DC: a personal access token).
# [sources.jira]
# kind = "jira"
# url = "https://acme.atlassian.net"
# email = "you@acme.com"            # Cloud only
# board_id = 42
# points_field = ""                 # empty: read from the board's estimation settings
# jql = ""                          # empty: the board's own filter

# An MLflow tracking server. Token (only with auth = "basic" or "bearer"):
# `cockpit auth set mlflow`.
# [sources.mlflow]
# kind = "mlflow"
# url = "http://mlflow.internal:5000"
# experiments = ["fraud-gbdt"]      # names or ids; or experiment_pattern = "fraud-%"
# auth = "none"                     # "basic" (with username = "...") or "bearer" (Databricks)
#
# [sources.mlflow.leaderboard]      # how runs are ranked (the same block for W&B)
# metric = "val_auc"                # empty: a well-known metric the runs log
# rank_by = "best"                  # "last", "best" or "at-best-step" (with step_metric)

# Weights & Biases projects. API key: `cockpit auth set wandb`.
# [sources.wandb]
# kind = "wandb"
# projects = ["acme/fraud"]         # entity/project
# url = "https://api.wandb.ai"      # W&B Server: its own address

# FinOps FOCUS cost exports (AWS, Azure, Google Cloud, OCI all write them): files, folders or
# globs of .csv, .csv.gz or .parquet, relative to this file. Read offline; only changed files
# are read again.
# [sources.focus]
# kind = "focus"
# paths = ["exports/**/*.parquet"]
# cost_column = "EffectiveCost"     # or "BilledCost" (as invoiced), "ListCost", "ContractedCost"
# tags = ["team", "mlflow_experiment", "mlflow_run_id"]   # tag keys kept in the roll-ups

# AWS Cost Explorer and AWS Budgets, through your AWS profile (pip install 'cockpit[aws]').
# Each Cost Explorer call is billed ($0.01): at most daily_paid_calls a day (UTC).
# [sources.aws]
# kind = "aws-cost"
# profile = ""                      # empty: the default credential chain (AWS_PROFILE...)
# tag_key = "team"                  # a cost-allocation tag to break spend down by as well
# daily_paid_calls = 3

# A Kubernetes cluster's spend from OpenCost, per namespace (or label), GPUs apart.
# From a laptop: kubectl port-forward --namespace opencost service/opencost 9003
# [sources.k8s]
# kind = "opencost"
# url = "http://localhost:9003"
# aggregate = "namespace"           # or "label:team", "controller", "namespace,label:team"
# cluster = ""                      # the name its spend is shown under; empty: "Kubernetes"
# currency = "USD"                  # OpenCost's prices carry none: the one they are in

# Azure spend from the Cost Management Query API. Token: an Azure AD token, which lasts about
# an hour: az account get-access-token --resource https://management.azure.com/
#   --query accessToken -o tsv | cockpit auth set azure
# [sources.azure]
# kind = "azure-cost"
# scope = "subscriptions/00000000-0000-0000-0000-000000000000"   # or .../resourceGroups/NAME
# cost_type = "ActualCost"          # or "AmortizedCost"
# tag_key = ""                      # a tag to break spend down by as well, e.g. "team"

# Objectives, key results and KPIs, kept in a TOML file next to this one. The file's keys,
# with a full example: docs/okrs.md. Instead of `path`, `url` may name the raw file in a
# repository (for a private one: cockpit auth set okrs). `cockpit okr check-in KR-ID VALUE`
# adds a check-in to the file.
# [sources.okrs]
# kind = "okr-file"
# path = "~/.config/cockpit/okrs.toml"

# The team roster: names, time zones, working hours (split, per weekday, night shifts),
# public holidays, time off and travel. The file's keys, with a full example: docs/roster.md.
# [sources.team]
# kind = "roster-file"
# path = "~/.config/cockpit/team.toml"
# meetings = ""                     # meetings held, for the fairness ledger; empty: the
#                                     meetings.toml beside the roster, when there is one

# The Team panel and screen: how far ahead to look for overlap, how many people make a window,
# and what a minute outside someone's working hours costs when meeting slots are ranked.
# [team]
# overlap_days = 7                  # days of overlap windows to find, today first (1 to 28)
# min_people = 0                    # people working at once that make a window; 0: the most
#                                     that overlap at all that day (at least 2)
# slot_step_minutes = 15            # meeting start times are tried this many minutes apart
# early_weight = 1.0                # cost of a minute before someone's day starts, or in the
#                                     break of a split day
# late_weight = 1.5                 # a minute after their day ends: a late call eats the evening
# off_day_weight = 3.0              # a minute on their weekend, a public holiday or time off
# night = "22:00-07:00"             # the night on each person's own clock (past midnight here)
# night_weight = 2.0                # added to the cost of a minute outside hours at night, so
#                                     a 01:00 call costs more than an 08:00 one; 0: no extra.
#                                     A night shift's hours are within: never charged.
# flexible_factor = 0.5             # the share of that cost felt by people with flexible hours
# fairness_weeks = 8                # weeks of recorded meetings the fairness ledger reads

# OKRs: when a key result behind the expected pace (the share of its objective's period gone)
# is at risk or off track, and when one that has not moved is flagged.
# [okrs]
# at_risk_margin = 0.1              # progress this far behind the pace (0.1 = 10 points): at risk
# off_track_margin = 0.25           # this far behind: off track (at least at_risk_margin)
# stale_days = 14                   # no change and no check-in for this many days: flagged

# Sharing: what `--masked` hides when the cockpit is on a shared screen or sent to others.
# Money reads as % of its budget, people's names as initials, and the titles below as keys.
# [sharing]
# mask_labels = []                  # issues with any of these labels show only their key
# mask_tags = []                    # runs with any of these tags (a name, or name=value) show
#                                     only their run id
# mask_by_default = false           # mask status and exports even without --masked
# present_seconds = 20              # present mode: seconds each panel stays (3 to 3600)

# Where `cockpit send --to NAME` delivers the weekly summary, through the outbox (see
# docs/sharing.md). Secrets never go here: `cockpit auth set NAME` stores a webhook URL or a
# token. `masked` defaults to [sharing] mask_by_default.
# [destinations.team-slack]
# kind = "slack"                    # or "teams": an incoming webhook (Workflows for Teams)
#
# [destinations.wiki]
# kind = "confluence"
# url = "https://example.atlassian.net/wiki"
# space = "MLT"
# title = "Weekly status {week}"    # updated when it exists, created otherwise
# user = "lead@example.com"         # Cloud: with an API token; empty: Server/DC with a PAT
#
# [destinations.archive]
# kind = "folder"
# path = "~/status-reports"
# format = "md"                     # md | html | json

# Cloud budgets shown in the Cost panel, each in its own currency (money is never converted).
# [[budgets]]
# name = "ML platform"
# amount = 60000                    # per period
# period = "month"                  # "month" or "quarter"
# currency = "USD"
# scope = ""                        # all spend; or "provider=AWS", "service=Amazon EC2",
#                                     "account=ml-prod", "region=us-east-1", "tag:team=fraud"
# alerts = [50, 80, 100]            # % of the amount actually spent
# forecast_alert = 100              # % of the amount forecast; 0 turns it off

# Cost analysis: the tags that name an experiment or a run, and when a day is an anomaly.
# [cost]
# experiment_tags = ["mlflow_experiment", "wandb_project", "experiment"]
# run_tags = ["mlflow_run_id", "run_id", "wandb_run_id"]
# anomaly_sigma = 3.0               # robust σ above the median of the previous 28 days
"""
