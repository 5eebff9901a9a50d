"""A name from the OKR file or a source, quoted in a binding's error, reads as typed.

The OKR file may come from a URL anyone on the team can edit. Its experiment, metric, model,
alias, source, path and scope names end up in the reason a key result could not be read,
which the OKR screen, `status` and the weekly export show. Quoted with `repr`, an escape in
a name showed as backslash text (`no experiment named '[bold red]\\x1b]0;pwned\\x07…'`);
now the name is cleaned and shown between plain quotes, and a very long one is cut.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cockpit.analytics.jql_subset import JqlError, compile_jql
from cockpit.formatting import quoted
from cockpit.models import Binding
from cockpit.text_safety import clean_line
from tests.cockpit.test_okr_bindings import resolve
from tests.hostile.data import ESCAPES

NAME = f"{ESCAPES}fraud"
SHOWN = "'[bold red][link=https://evil.example]fraud'"
# Without the `.`, `=` and `:` that a status path or a cost scope splits on.
PLAIN = "\x1b]0;pwned\x07[bold red]\x1b[2J\u202eruns"
PLAIN_SHOWN = "'[bold red]runs'"


def shown(error: str) -> str:
    """The error as every surface shows it: cleaned to one line (a repr's backslash escapes
    survive that cleaning as text)."""
    return clean_line(error)


def test_quoted_cleans_the_name_and_shows_it_as_typed() -> None:
    assert quoted("fraud-gbt") == "'fraud-gbt'"  # an ordinary name reads as before
    assert quoted(NAME) == SHOWN
    assert quoted("a\tb\nc") == "'a b c'"
    long = quoted("W" * 10_000)
    assert len(long) == 82 and long.endswith("W…'")
    assert quoted("0123456789" * 5, 40) == "'" + "0123456789" * 3 + "012345678…'"


@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        (Binding("metric", experiment=NAME, metric="val_f1"), f"no experiment named {SHOWN}"),
        (Binding("metric", experiment="fraud-gbdt", metric=NAME),
         f"no run of fraud-gbdt logs a metric named {SHOWN}"),
        (Binding("metric", experiment="fraud-gbdt", source=NAME),
         f"no experiment source named {SHOWN}"),
        (Binding("champion-metric", experiment="fraud-gbdt", alias=NAME),
         f"no model version has the alias {SHOWN}"),
        (Binding("model-versions", model=NAME), f"no registered model named {SHOWN}"),
        (Binding(NAME), f"{SHOWN} is not a binding kind"),
        (Binding("status", path=f"experiments.{PLAIN}"), f"experiments has no {PLAIN_SHOWN}"),
        (Binding("status", path=PLAIN), f"status has no {PLAIN_SHOWN}"),
        (Binding("cost-spend", scope=PLAIN), f"scope: {PLAIN_SHOWN} is not a scope"),
    ],
)  # fmt: skip
def test_a_binding_error_shows_a_hostile_name_cleaned_and_plain(
    binding: Binding, expected: str
) -> None:
    error = shown(resolve(binding).error)
    assert expected in error, error
    assert "\\x" not in error and "\\u" not in error, f"backslash escapes in {error!r}"


def test_a_jql_error_quotes_the_clause_plainly() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    for query, expected in [
        (f'statusCategory = "{PLAIN}"', f"{PLAIN_SHOWN} is not a status category"),
        (f'created > "{PLAIN}"', f"{PLAIN_SHOWN} is not a date"),
    ]:
        with pytest.raises(JqlError) as caught:
            compile_jql(query, now=now)
        message = shown(str(caught.value))
        assert expected in message and "\\x" not in message, message
