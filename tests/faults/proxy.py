"""A fault-injecting TCP proxy on 127.0.0.1: the bad network between the cockpit and a server.

`tc netem` is not available on the machines the tests run on, so the network's misbehaviour is
made here, in user space, with plain sockets and threads (no dependency). The proxy listens on
a loopback port and forwards every connection to an upstream `host:port`; what a connection
suffers is a `Faults` value, taken when the connection is accepted:

* `latency_up` / `latency_down`: seconds added to each chunk, client → upstream and back;
* `bandwidth`: a cap in bytes per second, each direction, per connection;
* `reset`: the connection is reset (RST, via `SO_LINGER` 0) once the client has sent its
  first bytes, as a NAT box or a flaky Wi-Fi does mid-request;
* `blackhole`: accepted, read and never answered (upstream is not even asked);
* `cut_after`: the answer is cut (FIN) after that many bytes of it;
* `trickle`: the answer is sent one byte at a time, that many seconds apart.

Switch the faults at run time with `set(...)` / `clear()` (new connections get them), queue
faults for the next connections with `next_connections(...)`, change the upstream with
`upstream = (host, port)`. Two faults live below a connection: `refuse()` closes the listening
socket (connection refused) and `stall_connects()` keeps it open with a full accept backlog, so
the kernel drops every SYN and a client's connect times out. `listen()` brings the ordinary
listener back, on the same port. `bytes_up` and `bytes_down` count what was forwarded.

Usage::

    with FaultProxy(("127.0.0.1", server.port)) as proxy:
        proxy.set(latency_down=0.3, bandwidth=125_000)  # 1 Mbit/s, 300 ms
        ...  # point the code under test at proxy.url
        proxy.set(blackhole=True)
"""

from __future__ import annotations

import contextlib
import queue
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Self

_CHUNK = 16 * 1024
_FILLERS = 4  # connections tried to fill a backlog of 0 (one is enough on Linux)


@dataclass(frozen=True, slots=True)
class Faults:
    """What one connection suffers; the default is a clean pass-through."""

    latency_up: float = 0.0
    latency_down: float = 0.0
    bandwidth: int | None = None  # bytes per second, each direction
    reset: bool = False
    blackhole: bool = False
    cut_after: int | None = None  # bytes of the answer, then FIN
    trickle: float | None = None  # seconds between single bytes of the answer

    def __post_init__(self) -> None:
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError("bandwidth must be positive")
        if min(self.latency_up, self.latency_down) < 0:
            raise ValueError("latency cannot be negative")


CLEAN = Faults()


class FaultProxy:
    """See the module docstring."""

    def __init__(self, upstream: tuple[str, int], faults: Faults = CLEAN) -> None:
        self.upstream = upstream
        self._faults = faults
        self._queued: deque[Faults] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._fillers: list[socket.socket] = []
        self._port: int | None = None
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self.listen()
        return self

    def stop(self) -> None:
        """Close the listener and every connection, and join the threads."""
        self._stopping.set()
        self._close_listener()
        with self._lock:
            open_sockets, threads = list(self._sockets), list(self._threads)
            self._sockets.clear()
            self._threads.clear()
        for sock in open_sockets:
            _close(sock)
        for thread in threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the proxy is not running")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- faults at run time -------------------------------------------------------------

    def set(self, **changes: Any) -> None:
        """Faults for every new connection from now on (unset ones keep their value)."""
        with self._lock:
            self._faults = replace(self._faults, **changes)

    def clear(self) -> None:
        """Back to a clean pass-through: no faults, nothing queued, listening as usual."""
        with self._lock:
            self._faults = CLEAN
            self._queued.clear()
        if self._fillers or self._listener is None:
            self.listen()

    def next_connections(self, *faults: Faults) -> None:
        """Faults for the next connections, one each, in order; then `set`'s apply again."""
        with self._lock:
            self._queued.extend(faults)

    def refuse(self) -> None:
        """Close the listening socket: connections to the port are refused (the port is kept
        for `listen`)."""
        self._close_listener()

    def stall_connects(self) -> None:
        """Listen with a full accept backlog: the kernel drops every new SYN, so a client's
        connect hangs until its own timeout, as with a firewall that drops packets."""
        self._close_listener()
        listener = self._bind()
        listener.listen(0)
        self._listener = listener
        # Linux queues one connection on a backlog of 0; once it is queued, SYNs are dropped.
        for _ in range(_FILLERS):
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", self.port))
            except OSError:
                filler.close()
                break
            self._fillers.append(filler)

    def listen(self) -> None:
        """Accept connections as usual (again), on the same port."""
        self._close_listener()
        listener = self._bind()
        listener.listen(128)
        listener.settimeout(0.1)  # the accept loop checks for `stop` this often
        self._listener = listener
        self._spawn(self._accept_loop, listener, name=f"fault-proxy-{self.port}")

    # --- internals ----------------------------------------------------------------------

    def _bind(self) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port or 0))
        self._port = int(listener.getsockname()[1])
        return listener

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        for filler in self._fillers:
            _close(filler)
        self._fillers.clear()

    def _spawn(self, target: Any, *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> bool:
        with self._lock:
            if self._stopping.is_set():
                _close(sock)
                return False
            self._sockets.add(sock)
            return True

    def _forget(self, *socks: socket.socket) -> None:
        with self._lock:
            for sock in socks:
                self._sockets.discard(sock)
        for sock in socks:
            _close(sock)

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set() and self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by refuse/stall/stop
            client.settimeout(None)
            with self._lock:
                faults = self._queued.popleft() if self._queued else self._faults
                self.connections += 1
            if self._track(client):
                self._spawn(self._serve, client, faults, name="fault-proxy-conn")

    def _serve(self, client: socket.socket, faults: Faults) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if faults.blackhole:
            self._swallow(client)
            return
        if faults.reset:
            with contextlib.suppress(OSError):
                client.recv(1)  # the request is on its way...
            _reset(client)  # ...and the connection dies under it
            self._forget(client)
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)  # what a client would see from a dead upstream behind a proxy
            self._forget(client)
            return
        upstream.settimeout(None)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self._track(upstream):
            self._forget(client)
            return
        self._spawn(self._pump, client, upstream, faults, True, name="fault-proxy-up")
        self._pump(upstream, client, faults, False)

    def _swallow(self, client: socket.socket) -> None:
        """Read whatever comes and answer nothing, until the client or `stop` closes it."""
        with contextlib.suppress(OSError):
            while client.recv(_CHUNK):
                pass
        self._forget(client)

    def _pump(self, src: socket.socket, dst: socket.socket, faults: Faults, up: bool) -> None:
        latency = faults.latency_up if up else faults.latency_down
        size = _CHUNK
        if faults.bandwidth is not None:
            size = max(1, min(_CHUNK, faults.bandwidth // 20))  # about 50 ms of data a chunk
        if not latency:
            self._forward(self._reads(src, size), dst, faults, up)
            self._forget(src, dst)
            return
        # A delay line, as a long link is: each chunk arrives `latency` after it was sent,
        # while the next ones are already on their way (a sleep per chunk would add the
        # latency once per chunk, and a 1 Mbit/s link would carry a quarter of that).
        line: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()
        self._spawn(
            self._forward_late, line, src, dst, faults, up, latency, name="fault-proxy-late"
        )
        for data in self._reads(src, size):
            line.put((time.monotonic() + latency, data))
        line.put(None)

    def _reads(self, src: socket.socket, size: int) -> Iterator[bytes]:
        with contextlib.suppress(OSError):
            while not self._stopping.is_set():
                data = src.recv(size)
                if not data:
                    return
                yield data

    def _forward_late(
        self,
        line: queue.SimpleQueue[tuple[float, bytes] | None],
        src: socket.socket,
        dst: socket.socket,
        faults: Faults,
        up: bool,
        latency: float,
    ) -> None:
        def arrivals() -> Iterator[bytes]:
            while (item := line.get()) is not None:
                due, data = item
                if (wait := due - time.monotonic()) > 0 and self._stopping.wait(wait):
                    return
                yield data

        self._forward(arrivals(), dst, faults, up)
        self._forget(src, dst)

    def _forward(
        self, chunks: Iterator[bytes], dst: socket.socket, faults: Faults, up: bool
    ) -> None:
        """Send `chunks` on to `dst`, with the answer's trickle and cut; then the caller ends
        both sides (a cut answer ends with FIN, not a reset)."""
        trickle = None if up else faults.trickle
        limit = None if up else faults.cut_after
        sent = 0
        with contextlib.suppress(OSError):
            for chunk in chunks:
                data = chunk if limit is None else chunk[: limit - sent]
                if not self._send(dst, data, trickle, faults.bandwidth, up):
                    return
                sent += len(data)
                if limit is not None and sent >= limit:
                    return

    def _send(
        self, dst: socket.socket, data: bytes, trickle: float | None, bandwidth: int | None,
        up: bool,
    ) -> bool:  # fmt: skip
        pieces = [data[i : i + 1] for i in range(len(data))] if trickle else [data]
        for piece in pieces:
            if trickle and self._stopping.wait(trickle):
                return False
            dst.sendall(piece)
            with self._lock:
                if up:
                    self.bytes_up += len(piece)
                else:
                    self.bytes_down += len(piece)
            if bandwidth and self._stopping.wait(len(piece) / bandwidth):
                return False
        return True


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN: SO_LINGER on, with a timeout of 0."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()  # no shutdown first: that would send a FIN before the RST


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def wait_for(condition: Any, timeout: float = 5.0) -> bool:
    """Poll `condition()` until true or `timeout` seconds pass (for tests)."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())
