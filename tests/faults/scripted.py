"""A loopback HTTP server that gives every request, whatever its path, the same scripted reply.

The fault matrix puts it behind a source's proxy in place of the source's own fake when the
fault is in HTTP (a 500, a 429, a 401, a garbled or cut body): the source then meets the fault
on its very first request, whichever API it speaks. Replies are `tests.fakes.fault_server.Reply`;
one whose `Content-Length` header promises more than its body is sent, and then the connection
is closed: the body was cut short on the way.
"""

from __future__ import annotations

from tests.fakes.fault_server import Reply
from tests.fakes.loopback import LoopbackHandler, LoopbackServer


class _Handler(LoopbackHandler["AnyPathServer"]):
    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        reply = self.owner.reply
        try:
            self._send(reply)
        except OSError:
            self.close_connection = True  # the client gave up (its deadline) first

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _send(self, reply: Reply) -> None:
        with self.owner._lock:
            self.owner.requests += 1
        if reply.hang:
            self.owner._sleep()
            self.close_connection = True
            return
        self.send_response(reply.status)
        declared = None
        for name, value in reply.headers.items():
            self.send_header(name, value)
            if name.lower() == "content-length":
                declared = int(value)
        if declared is None:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        if declared is not None and declared > len(reply.body):
            self.close_connection = True  # the rest never comes: the peer sees EOF


class AnyPathServer(LoopbackServer):
    """Answers `reply` to every request; counts them."""

    handler_class = _Handler
    label = "the scripted server"
    thread_name = "any-path-server"

    def __init__(self, reply: Reply | None = None) -> None:
        super().__init__()
        self.reply = reply or Reply.json({})
        self.requests = 0

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)
