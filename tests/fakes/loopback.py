"""The lifecycle the test fakes share: a threaded HTTP server on 127.0.0.1 that stops cleanly.

A fake subclasses `LoopbackServer` (its state, its `url`) and `LoopbackHandler` (its `do_GET`
and friends), and names the handler class in `handler_class`. The base owns the rest:

* `start()` binds a free port and serves on a daemon thread; `stop()` shuts the server down,
  wakes handlers waiting in `_sleep` (hanging, trickling, simulated latency), cuts open
  keep-alive connections and joins every handler thread; a stopped server can start again.
  `with fake:` does both.
* `port` while running; `_lock` guards the connection registry and may guard the subclass's own
  state too; `_stopping` is set while `stop` runs.
* Handlers set TCP_NODELAY, log nothing, speak keep-alive HTTP/1.1 and give up on a connection
  idle for `timeout` seconds.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

OwnerT = TypeVar("OwnerT", bound="LoopbackServer")


class LoopbackServer:
    """Serves `handler_class` on 127.0.0.1 from a background thread; see the module docstring."""

    handler_class: ClassVar[type[LoopbackHandler[Any]]]
    label: ClassVar[str] = "the loopback server"  # for "... is not running" errors
    thread_name: ClassVar[str] = "loopback-server"  # the serving thread is "<name>-<port>"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Live connections and the threads serving them, so `stop` can cut and join them.
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._httpd: LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{self.label} is not running")
        return self._httpd.server_address[1]

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError(f"{self.label} is already running")
        self._stopping.clear()
        self._httpd = LoopbackHTTPServer(self, self.handler_class)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.thread_name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging and trickling handlers, cut open keep-alive
        connections, and join every thread."""
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

    def _sleep(self, seconds: float | None = None) -> bool:
        """Wait `seconds` (None: until the server stops); True when cut short by `stop`."""
        return self._stopping.wait(seconds)

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


def _cut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        conn.shutdown(socket.SHUT_RDWR)


class LoopbackHTTPServer(ThreadingHTTPServer):
    # Daemon handler threads never keep the interpreter alive; `LoopbackServer.stop` joins them.
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: LoopbackServer, handler: type[LoopbackHandler[Any]]) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class LoopbackHandler(BaseHTTPRequestHandler, Generic[OwnerT]):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    timeout = 10  # backstop: an idle keep-alive connection cannot pin a thread forever
    server: LoopbackHTTPServer

    @property
    def owner(self) -> OwnerT:
        """The `LoopbackServer` this handler answers for."""
        return cast(OwnerT, self.server.owner)

    def setup(self) -> None:
        super().setup()
        # The stdlib server writes headers and body separately; without TCP_NODELAY, Nagle plus
        # the client's delayed ACK add ~40 ms to every keep-alive request.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the client or `stop` already cut the connection
        finally:
            self.owner._unregister()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; each fake keeps its own record of requests
