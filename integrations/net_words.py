"""What went wrong on the network, in words a user understands, whatever library was talking.

httpx, requests (python-jira) and botocore each wrap the operating system's error in layers of
their own ("All connection attempts failed", "ConnectionError", "Could not connect to the
endpoint URL"), and the useful fact sits at the bottom: the connection was refused, reset, or
the name was not found. `network_failure` digs it out of the exception's causes, so that every
source's message can say what happened instead of naming a library's exception class.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

REFUSED = "the connection was refused: is the server running, and are its address and port right?"
RESET = "the server reset the connection"
CLOSED = "the server closed the connection before the answer was complete"
NO_NAME = "the server's name could not be found (DNS)"
NO_ROUTE = "there is no route to the server (offline, or a VPN is needed?)"
TIMEOUT = "the server did not answer in time"
TLS = "the server's TLS certificate could not be verified"


def network_failure(exc: BaseException) -> str | None:
    """The OS-level reason under `exc`, in words; None when there is none to find."""
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return REFUSED
        if isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return RESET
        if isinstance(cause, socket.gaierror):
            return NO_NAME
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TLS
        if isinstance(cause, OSError) and cause.errno in _NO_ROUTE:
            return NO_ROUTE
        if isinstance(cause, TimeoutError):
            return TIMEOUT
    return None


def dropped_answer(exc: BaseException) -> str:
    """Why an answer broke off, for "the connection dropped in the middle of the answer"."""
    return network_failure(exc) or CLOSED


_NO_ROUTE = frozenset({101, 113})  # ENETUNREACH, EHOSTUNREACH (Linux and macOS alike)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything under it: causes, contexts, exception groups, and the wrapped
    errors that urllib3 (`reason`), botocore (`kwargs["error"]`) and others keep in
    attributes or arguments."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        under: list[object] = [current.__cause__, current.__context__]
        under.append(getattr(current, "reason", None))
        kwargs = getattr(current, "kwargs", None)
        if isinstance(kwargs, dict):
            under.append(kwargs.get("error"))
        under.extend(getattr(current, "exceptions", ()) or ())
        under.extend(current.args)
        todo.extend(item for item in under if isinstance(item, BaseException))
