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

import contextlib
import itertools
import json
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


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


class FaultServer:
    """Serves one JSON document at `path`, with scripted faults; records every request."""

    def __init__(self, document: Any = None, path: str = "/data.json") -> None:
        self.path = path
        self._default = Reply.json({} if document is None else document)
        self._script: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Live connections and the threads serving them, so `stop` can cut and join them.
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None

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
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fault server is not running")
        return self._httpd.server_address[1]

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

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("the fault server is already running")
        self._stopping.clear()
        self._httpd = _Httpd(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fault-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging and trickling handlers, and join every thread."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        with self._lock:
            self._stopping.set()
            serving = dict(self._connections)
        httpd.shutdown()  # returns once serve_forever has left its loop
        for conn in serving.values():
            _cut(conn)  # unblocks a handler waiting to read the next keep-alive request
        for handler in serving:
            handler.join(timeout=5)
        httpd.server_close()
        thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- called from handler threads ----------------------------------------------------

    def _register(self, conn: socket.socket) -> None:
        with self._lock:
            if self._stopping.is_set():
                # Accepted just as the server stopped: `stop` has its list already, so cut now.
                _cut(conn)
                return
            self._connections[threading.current_thread()] = conn

    def _unregister(self) -> None:
        with self._lock:
            self._connections.pop(threading.current_thread(), None)

    def _next_reply(self, method: str, path: str, headers: Mapping[str, str]) -> Reply:
        with self._lock:
            self._requests.append(RecordedRequest(method, path, dict(headers), time.monotonic()))
            if path.split("?", 1)[0] != self.path:
                return Reply(404, b"not found")
            return self._script.popleft() if self._script else self._default


def _cut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        conn.shutdown(socket.SHUT_RDWR)


class _Httpd(ThreadingHTTPServer):
    # Daemon handler threads never keep the interpreter alive; `FaultServer.stop` joins them.
    daemon_threads = True
    block_on_close = False

    def __init__(self, fault: FaultServer) -> None:
        self.fault = fault
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    timeout = 10  # backstop: an idle keep-alive connection cannot pin a thread forever
    server: _Httpd

    def setup(self) -> None:
        super().setup()
        # The stdlib server writes headers and body separately; without this every keep-alive
        # request waits ~40 ms for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fault._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the client or `stop` already cut the connection
        finally:
            self.server.fault._unregister()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; the server's own record is `FaultServer.requests`

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _answer(self) -> None:
        fault = self.server.fault
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        reply = fault._next_reply(self.command, self.path, self.headers)
        try:
            self._send(reply, fault._stopping)
        except OSError:
            self.close_connection = True  # the client gave up (deadline) or the server stopped

    def _send(self, reply: Reply, stopping: threading.Event) -> None:
        if reply.hang:
            stopping.wait()
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
            if stopping.wait(reply.trickle):
                self.close_connection = True
                return
            self.wfile.write(reply.body[index : index + 1])
