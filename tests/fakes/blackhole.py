"""A server that accepts connections and never answers: the hung source in its purest form.

The socket listens but nobody calls `accept`, so the kernel completes every TCP handshake (the
client's connect succeeds and its request is buffered) and then nothing ever comes back. Only
the client's own read timeout, or its deadline, ends the wait. Closing the blackhole resets
every connection, which releases any client thread still blocked on it.

Usage::

    with Blackhole() as hole:
        ...  # point the code under test at hole.url
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Self


class Blackhole:
    def __init__(self) -> None:
        self._sock: socket.socket | None = None

    def start(self) -> Self:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)  # room for every connection a test makes; none is ever accepted
        self._sock = sock
        return self

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("the blackhole is not running")
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
