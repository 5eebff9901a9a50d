"""`[destinations.NAME]` blocks: where `cockpit send` delivers the weekly summary.

A destination is named like a source (the same rule, and the same keyring entry and
`COCKPIT_<NAME>_TOKEN` variable hold its secret), so a destination may not share a source's
name. Webhook URLs are secrets: Slack's and Teams' never go in the file. Errors name the file
and the key, like every other config error.

`integrations/delivery` reads these structs by attribute (it may not import `cockpit`), so
each kind says which `format` its messages are rendered in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

import msgspec

from cockpit.redact import redact_url
from cockpit.schema_errors import explain_validation_error

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
WeeklyFormat = Literal["md", "html", "json"]

CONFLUENCE_URL_EXAMPLE = "https://example.atlassian.net/wiki"
# Keys a user might reach for to paste a webhook into the file.
_WEBHOOK_KEYS = ("url", "webhook", "webhook_url", "hook")


class DestinationError(Exception):
    """A `[destinations.NAME]` block is wrong. The message names the key, not the file:
    `cockpit.config` adds the file."""


class DestinationSettings(
    msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", kw_only=True
):
    """Settings every destination has. `kind` picks how the message is delivered."""

    # None: as `[sharing] mask_by_default` says.
    masked: bool | None = None

    @property
    def kind(self) -> str:
        return str(self.__struct_config__.tag)

    @property
    def format(self) -> str:
        """The format the weekly summary is rendered in for this destination: Markdown,
        which the Slack, Teams and Confluence clients turn into their own markup."""
        return "md"

    @property
    def needs_secret(self) -> bool:
        """Whether delivery needs a secret (a webhook URL or a token) from the keyring."""
        return True

    @property
    def secret_words(self) -> str:
        """What the secret is, in the user's words."""
        return "token"


class SlackSettings(DestinationSettings, tag="slack"):
    """A Slack incoming webhook; the webhook URL is the secret."""

    @property
    def secret_words(self) -> str:
        return "webhook URL"


class TeamsSettings(DestinationSettings, tag="teams"):
    """A Microsoft Teams incoming webhook (Workflows); the webhook URL is the secret."""

    @property
    def secret_words(self) -> str:
        return "webhook URL"


class ConfluenceSettings(DestinationSettings, tag="confluence"):
    """A Confluence page in a space: updated when a page with `title` exists, else created.
    Cloud: `user` is the account's email and the secret an API token (basic auth); Server or
    Data Center: `user` empty and the secret a personal access token (bearer)."""

    url: NonEmpty
    space: NonEmpty
    title: NonEmpty = "Weekly status {week}"
    parent_id: str = ""
    user: str = ""

    @property
    def secret_words(self) -> str:
        return "API token" if self.user else "personal access token"


class FolderSettings(DestinationSettings, tag="folder"):
    """A folder on this machine (or a mounted share) that each summary is written into."""

    path: NonEmpty
    format: WeeklyFormat = "md"  # type: ignore[assignment]

    @property
    def needs_secret(self) -> bool:
        return False

    @property
    def secret_words(self) -> str:
        return "nothing"


AnyDestination = Union[SlackSettings, TeamsSettings, ConfluenceSettings, FolderSettings]  # noqa: UP007
DESTINATION_KINDS: tuple[str, ...] = ("slack", "teams", "confluence", "folder")


def page_title(settings: DestinationSettings, week_label: str) -> str:
    """The title of the message for a week: a Confluence page's title from its template."""
    if isinstance(settings, ConfluenceSettings):
        return settings.title.format(week=week_label)
    return f"Weekly status {week_label}"


def convert_destination(
    name: str, value: object, *, config_dir: Path | None, sources: set[str]
) -> AnyDestination:
    """One `[destinations.NAME]` block, checked. Raises `DestinationError` naming the key."""
    from cockpit.config import SOURCE_NAME_RULE, is_source_name

    where = f"destinations.{name}"
    if not is_source_name(name):
        rule = SOURCE_NAME_RULE.replace("a source name", "a destination name")
        raise DestinationError(f"`{where}`: {rule}")
    if name in sources:
        raise DestinationError(
            f"`{where}`: a source is named {name!r} too; secrets are kept by name, so give the"
            " destination a name of its own"
        )
    if not isinstance(value, dict):
        raise DestinationError(f"`{where}` must be a table with a `kind` key")
    if value.get("kind") in ("slack", "teams"):
        for key in _WEBHOOK_KEYS:
            if key in value:
                raise DestinationError(
                    f"`{where}.{key}`: the webhook URL is a secret and never goes in the config;"
                    f" remove it and run `cockpit auth set {name}` (it asks for the URL), or set"
                    f" {_env_var(name)}"
                )
    try:
        settings = msgspec.convert(value, AnyDestination, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc).replace(" - at `$", f" - at `$.{where}")
        if " - at `" not in message:
            message += f" - at `$.{where}`"
        raise DestinationError(
            explain_validation_error(
                message, DESTINATION_KINDS, data={"destinations": {name: value}}
            )
        ) from None
    _check(name, settings, config_dir)
    return settings


def _check(name: str, settings: AnyDestination, config_dir: Path | None) -> None:
    where = f"destinations.{name}"
    if isinstance(settings, ConfluenceSettings):
        from urllib.parse import urlsplit

        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DestinationError(
                f"`{where}.url`: {redact_url(settings.url)!r} is not a web address; expected"
                f" the base address of the wiki, e.g. {CONFLUENCE_URL_EXAMPLE}"
            )
        try:
            settings.title.format(week="2026-W48")
        except (KeyError, IndexError, ValueError, AttributeError):  # AttributeError: {week.x}
            raise DestinationError(
                f"`{where}.title`: {settings.title!r} may only use {{week}} (the ISO week, e.g."
                " 2026-W48); write a literal brace as {{ or }}"
            ) from None
    elif isinstance(settings, FolderSettings):
        path = Path(settings.path).expanduser()
        if not path.is_absolute() and config_dir is not None:
            path = config_dir / path  # relative to the config's folder, as sources' paths are
        if path.exists() and not path.is_dir():
            raise DestinationError(f"`{where}.path`: {path} is a file; name a folder")
        settings.path = str(path)


def _env_var(name: str) -> str:
    from cockpit.secrets import env_var_for

    return env_var_for(name)


def destination_type() -> Any:
    return AnyDestination
