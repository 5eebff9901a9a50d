"""A real HTTP server on 127.0.0.1 whose answers a test scripts, for fault injection.

Why a real server and not `httpx.MockTransport`: the failures the sync engine must survive live
in sockets and clocks. A server that trickles its body one byte at a time, one that never
answers, a refused connection, the wall-clock gap a `Retry-After` asks for: a mock transport
skips exactly the layers (httpx timeouts, connection handling, stamina's sleeps) under test.

Usage::

    with FaultServer({"people": []}) as server:
        server.script(Reply(429, headers={"Retry-After": "1"}), Reply.json({"people": []}))
        ...  # point the code under test at server.url
        assert len(server.requests) == 2

Scripted replies are used once each, in order; when the script runs out every request gets the
default reply (`always`), which starts as the JSON document given to the constructor.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.loopback import LoopbackHandler, LoopbackServer


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer.

    `trickle` sends the body one byte at a time, that many seconds apart, after the headers: each
    read completes well inside any read timeout, yet the whole answer takes as long as the test
    likes. `hang` sends nothing at all and holds the connection until the server stops.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    trickle: float | None = None
    hang: bool = False

    @classmethod
    def json(
        cls,
        document: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        trickle: float | None = None,
    ) -> Reply:
        body = json.dumps(document).encode()
        merged = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, body, merged, trickle)

    @classmethod
    def hanging(cls) -> Reply:
        return cls(hang=True)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    received_at: float  # time.monotonic(), so gaps between requests are wall-clock seconds


class _Handler(LoopbackHandler["FaultServer"]):
    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _answer(self) -> None:
        fault = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        reply = fault._next_reply(self.command, self.path, self.headers)
        try:
            self._send(reply, fault)
        except OSError:
            self.close_connection = True  # the client gave up (deadline) or the server stopped

    def _send(self, reply: Reply, fault: FaultServer) -> None:
        if reply.hang:
            fault._sleep()  # until the server stops
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()  # also flushes the status line and headers to the socket
        if reply.trickle is None:
            self.wfile.write(reply.body)
            return
        for index in range(len(reply.body)):
            if fault._sleep(reply.trickle):
                self.close_connection = True
                return
            self.wfile.write(reply.body[index : index + 1])


class FaultServer(LoopbackServer):
    """Serves one JSON document at `path`, with scripted faults; records every request.

    `start`, `stop`, `port` and the context manager come from `LoopbackServer`.
    """

    handler_class = _Handler
    label = "the fault server"
    thread_name = "fault-server"

    def __init__(self, document: Any = None, path: str = "/data.json") -> None:
        super().__init__()
        self.path = path
        self._default = Reply.json({} if document is None else document)
        self._script: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []

    # --- scripting ----------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order; each is used once."""
        with self._lock:
            self._script.extend(replies)

    def always(self, reply: Reply) -> None:
        """The reply for every request once the script is used up."""
        with self._lock:
            self._default = reply

    # --- what happened ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The full URL of the served document."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests, as the server saw them arrive."""
        times = [r.received_at for r in self.requests]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    # --- called from handler threads ----------------------------------------------------

    def _next_reply(self, method: str, path: str, headers: Mapping[str, str]) -> Reply:
        with self._lock:
            self._requests.append(RecordedRequest(method, path, dict(headers), time.monotonic()))
            if path.split("?", 1)[0] != self.path:
                return Reply(404, b"not found")
            return self._script.popleft() if self._script else self._default
