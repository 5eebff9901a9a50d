"""Which roll-up rows a budget covers: its scope, matched case-insensitively.

A scope is "" (all spend), `provider=AWS`, `service=Amazon EC2`, `account=ml-prod`,
`region=us-east-1`, `category=Compute`, or a tag: `tag:team=fraud` (`team=fraud` for short,
when `team` is not one of the dimensions). Budgets from before scopes carry `provider`.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.formatting import quoted
from cockpit.models import Budget, CostRow

SCOPE_DIMENSIONS = ("provider", "service", "account", "region", "category")

Matcher = Callable[[CostRow], bool]


class ScopeError(ValueError):
    """A scope that cannot be read; the message says what a scope looks like."""


SCOPE_HELP = (
    'expected "" (all spend), "provider=AWS", "service=…", "account=…", "region=…",'
    ' "category=…" or a tag such as "tag:team=fraud"'
)


def parse_scope(scope: str) -> tuple[str, str] | None:
    """(dimension, value) with the value lower-cased; a tag's dimension is "tag:KEY".
    None for all spend."""
    text = scope.strip()
    if not text or text.lower() == "all":
        return None
    name, sep, value = text.partition("=")
    name, value = name.strip().lower(), value.strip()
    if not sep or not name or not value:
        raise ScopeError(f"{quoted(scope)} is not a scope; {SCOPE_HELP}")
    if name.startswith("tag:"):
        key = name[4:].strip()
        if not key:
            raise ScopeError(f"{quoted(scope)} names no tag key; {SCOPE_HELP}")
        return f"tag:{key}", value.casefold()
    if name in SCOPE_DIMENSIONS:
        return name, value.casefold()
    return f"tag:{name}", value.casefold()  # `team=fraud`: a tag, for short


def scope_text(budget: Budget) -> str:
    """The scope as shown: "all", "provider=AWS", "tag:team=fraud"."""
    parts = []
    if budget.provider.strip():
        parts.append(f"provider={budget.provider.strip()}")
    parsed = parse_scope(budget.scope)
    if parsed is not None:
        parts.append(f"{parsed[0]}={budget.scope.partition('=')[2].strip()}")
    return " & ".join(parts) or "all"


def matcher(budget: Budget) -> Matcher:
    """A test of one row against the budget's scope (and its legacy `provider`)."""
    tests: list[Matcher] = []
    if budget.provider.strip():
        wanted_provider = budget.provider.strip().casefold()
        tests.append(lambda row: row.provider.casefold() == wanted_provider)
    parsed = parse_scope(budget.scope)
    if parsed is not None:
        dimension, wanted = parsed
        if dimension.startswith("tag:"):
            key = dimension[4:]
            tests.append(lambda row: _tag(row, key).casefold() == wanted)
        else:
            tests.append(lambda row: str(getattr(row, dimension)).casefold() == wanted)
    if not tests:
        return lambda row: True
    if len(tests) == 1:
        return tests[0]
    return lambda row: all(test(row) for test in tests)


def _tag(row: CostRow, key: str) -> str:
    for name, value in row.tags:
        if name == key:
            return value
    if key == "team" and row.team:  # caches from before tags
        return row.team
    return ""
