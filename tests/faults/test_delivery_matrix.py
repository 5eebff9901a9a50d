"""The fault matrix for the weekly summary's destinations: Slack, Teams and Confluence.

Each destination delivers one message through its `FaultProxy` to its fake, under a
`DEADLINE`-second deadline, with every fault of the sources' matrix. Per cell: only a
`DeliveryError` comes out; its message is words that name what happened, with no library
noise and no secret (the webhook URL is one); it says whether trying again makes sense (not
after a 401); the attempt ends within its deadline; and once the fault clears the next delivery
goes through. (What the outbox then does with the error, keeping and retrying it, is the
outbox's own tests' business.)
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from cockpit.models import Secret
from integrations.delivery.base import (
    ConfluenceSettings,
    DeliveryError,
    OutgoingMessage,
    SlackSettings,
    TeamsSettings,
    make_destination,
)
from tests.fakes.confluence_server import FakeConfluence
from tests.fakes.slack_server import FakeSlack
from tests.fakes.teams_server import FakeTeams
from tests.faults.proxy import FaultProxy
from tests.faults.scripted import AnyPathServer
from tests.faults.test_matrix import FAULTS, NOISE, Fault

DEADLINE = 3.0
MARGIN = 2.0
DESTINATIONS = ["slack", "teams", "confluence"]
# A webhook's whole answer to a good POST is a 200 (Slack: the text "ok"): nothing to parse.
NOT_APPLICABLE = {("slack", "malformed-json"), ("teams", "malformed-json")}


@dataclass
class Rig:
    name: str
    proxy: FaultProxy
    home: tuple[str, int]
    settings: Any
    secret: str

    def deliver(self, week: str) -> Any:
        destination = make_destination(self.name, self.settings, Secret(self.secret))
        message = OutgoingMessage(
            idem_key=f"{self.name}-{week}",
            destination=self.name,
            week=week,
            format="md",
            title=f"Weekly status {week}",
            body=f"# Weekly status {week}\n\nAll well.\n",
        )
        return destination.deliver(message, deadline=DEADLINE)


def _through(proxy: FaultProxy, url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()


@pytest.fixture(scope="module")
def rigs() -> Iterator[dict[str, Rig]]:
    with contextlib.ExitStack() as stack:
        slack = stack.enter_context(FakeSlack())
        teams = stack.enter_context(FakeTeams())
        confluence = stack.enter_context(FakeConfluence())
        found = {}
        for name, fake in (("slack", slack), ("teams", teams), ("confluence", confluence)):
            home = ("127.0.0.1", fake.port)
            proxy = stack.enter_context(FaultProxy(home))
            if name == "slack":
                found[name] = Rig(name, proxy, home, SlackSettings(), _through(proxy, slack.url))
            elif name == "teams":
                found[name] = Rig(name, proxy, home, TeamsSettings(), _through(proxy, teams.url))
            else:
                settings = ConfluenceSettings(
                    url=_through(proxy, confluence.url), space="MLT", user=confluence.email
                )
                found[name] = Rig(name, proxy, home, settings, confluence.token)
        yield found


@dataclass
class Attempt:
    error: DeliveryError | None = None
    escaped: str = ""
    seconds: float = 0.0


_RESULTS: dict[str, dict[str, tuple[Attempt, Attempt]]] = {}


def _attempt(rig: Rig, week: str) -> Attempt:
    began = time.monotonic()
    attempt = Attempt()
    try:
        rig.deliver(week)
    except DeliveryError as exc:
        attempt.error = exc
    except BaseException as exc:  # noqa: BLE001 - exactly what the matrix looks for
        attempt.escaped = f"{type(exc).__name__}: {exc}"
    attempt.seconds = time.monotonic() - began
    return attempt


def run_fault(rigs: dict[str, Rig], fault: Fault) -> dict[str, tuple[Attempt, Attempt]]:
    """Every destination at once under the fault, then again once it is cleared."""
    if fault.key in _RESULTS:
        return _RESULTS[fault.key]
    faulty: dict[str, Attempt] = {}
    with contextlib.ExitStack() as stack:
        if fault.reply is not None:
            scripted = stack.enter_context(AnyPathServer(fault.reply))
        for rig in rigs.values():
            if fault.tcp is not None:
                fault.tcp(rig.proxy)
            else:
                rig.proxy.upstream = scripted.address

        def one(rig: Rig) -> None:
            faulty[rig.name] = _attempt(rig, f"2026-W{10 + FAULTS.index(fault)}")

        threads = [threading.Thread(target=one, args=(rig,)) for rig in rigs.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DEADLINE + 30)
        for rig in rigs.values():
            rig.proxy.clear()
            rig.proxy.upstream = rig.home
    again = {name: _attempt(rig, f"2026-W{30 + FAULTS.index(fault)}") for name, rig in rigs.items()}
    _RESULTS[fault.key] = {name: (faulty[name], again[name]) for name in rigs}
    return _RESULTS[fault.key]


def _cells() -> list[Any]:
    cells = []
    for fault in FAULTS:
        for destination in DESTINATIONS:
            marks: list[Any] = []
            if (destination, fault.key) in NOT_APPLICABLE:
                marks.append(pytest.mark.skip(reason="a webhook reads nothing from a 200 answer"))
            cells.append(
                pytest.param(fault, destination, marks=marks, id=f"{fault.key}-{destination}")
            )
    return cells


@pytest.mark.parametrize(("fault", "destination"), _cells())
def test_a_destination_fails_in_words_and_delivers_once_the_fault_clears(
    rigs: dict[str, Rig], fault: Fault, destination: str
) -> None:
    faulty, again = run_fault(rigs, fault)[destination]
    rig = rigs[destination]
    problems = []
    if faulty.escaped:
        problems.append(f"not a DeliveryError: {faulty.escaped}")
    elif faulty.error is None:
        problems.append("the delivery succeeded under the fault")
    else:
        message = faulty.error.message
        said = any(word in message.lower() for word in _WORDS.get(fault.key, ()))
        if not said and not re.search(fault.expect, message, re.IGNORECASE):
            problems.append(f"does not say {fault.means!r}: {message!r}")
        if noise := NOISE.search(message):
            problems.append(f"shows {noise.group(0)!r}: {message!r}")
        if rig.secret in message or urlsplit(rig.secret).path in message:
            problems.append("the secret is shown")
        if faulty.error.retryable != _RETRYABLE.get(fault.key, faulty.error.retryable):
            problems.append(f"retryable={faulty.error.retryable} after {fault.label}")
    if faulty.seconds > DEADLINE + MARGIN:
        problems.append(f"took {faulty.seconds:.1f}s, past its {DEADLINE:g}s deadline")
    if again.escaped or again.error is not None:
        problems.append(f"the next delivery failed: {again.escaped or again.error}")
    assert not problems, f"{destination} × {fault.label}:\n- " + "\n- ".join(problems)


# The destinations' own words for what happened, where they differ from the sources'.
_WORDS = {
    "connect-timeout": ("could not connect", "no answer within", "ran out"),
    "trickle": ("no answer within", "ran out"),
    "blackhole": ("no answer within", "ran out"),
    "reset": ("dropped",),
    "truncated": ("dropped",),
    "http-500": ("500", "failed", "server error"),
    "http-401": ("401", "rejected", "revoked", "refused", "credentials", "token"),
    "malformed-json": ("not valid json", "could not be read", "not json", "not confluence's api"),
}
# Whether trying again later makes sense: not after a 401 (a person must act), always after
# the network or the service failed; a garbled answer may be either (a sign-in page is not
# going away by itself).
_RETRYABLE = {key: True for key in ("connect-timeout", "refused", "reset", "http-500",
              "http-429", "http-429-long", "truncated", "trickle", "blackhole")}  # fmt: skip
_RETRYABLE["http-401"] = False
