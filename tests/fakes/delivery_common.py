"""What the fake Slack, Teams and Confluence servers share: a record of every request, scripted
faults (a status with its body, 429 with `Retry-After`, a hang that never answers), and a
handler that reads the request and writes one answer."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the fake received it, and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Fault:
    reply: Reply | None  # None: hang, never answer
    remaining: int | None  # None: until cleared
    method: str | None = None


class FakeServer(LoopbackServer):
    """A loopback server whose subclass answers through `answer(method, path, query, headers,
    body) -> Reply`; faults come first."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Seen] = []
        self.errors: list[str] = []
        self._faults: list[Fault] = []
        self.hung = threading.Event()  # set when a hang fault has taken a request

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(
        self,
        status: int,
        body: bytes | str = b"",
        *,
        times: int | None = 1,
        retry_after: str | None = None,
        content_type: str = "text/plain; charset=utf-8",
        method: str | None = None,
    ) -> None:
        headers = {"Content-Type": content_type}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._faults.append(Fault(Reply(status, raw, headers), times, method))

    def hang(self, *, times: int | None = 1, method: str | None = None) -> None:
        """Read the request, then never answer (until the server stops)."""
        with self._lock:
            self._faults.append(Fault(None, times, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and r.path.startswith(path_prefix)
        )

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.method is not None and fault.method != method:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.pop(index)
                return fault
        return None

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
        body: bytes,
    ) -> Reply:  # fmt: skip
        raise NotImplementedError


class FakeHandler(LoopbackHandler[FakeServer]):
    def _serve(self) -> None:
        fake = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = fake._take_fault(self.command)
        if fault is not None and fault.reply is None:
            fake.requests.append(Seen(self.command, split.path, query, headers, body, 0))
            fake.hung.set()
            fake._sleep()  # until the server stops
            self.close_connection = True
            return
        try:
            reply = (
                fault.reply
                if fault is not None and fault.reply is not None
                else fake.answer(self.command, split.path, query, headers, body)
            )
        except Exception:  # noqa: BLE001 - a broken fake answers 500 and says why
            fake.errors.append(traceback.format_exc())
            reply = Reply(500, b"fake crashed", {"Content-Type": "text/plain"})
        fake.requests.append(Seen(self.command, split.path, query, headers, body, reply.status))
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.body:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


def text_reply(status: int, text: str, **headers: str) -> Reply:
    return Reply(status, text.encode(), {"Content-Type": "text/html; charset=utf-8", **headers})


def json_reply(status: int, document: Any, **headers: str) -> Reply:
    body = json.dumps(document).encode() if document is not None else b""
    return Reply(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


Answerer = Callable[[str, str, dict[str, list[str]], dict[str, str], bytes], Reply]
