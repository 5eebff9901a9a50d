"""Loaded by every Python process started with this folder on PYTHONPATH: no socket may reach
out. Each attempt is appended to $COCKPIT_SOCKET_TRAP (so the test sees it even when the
cockpit catches the error) and then refused."""

import os
import socket


def _refuse(what: str):  # type: ignore[no-untyped-def]
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        trap = os.environ.get("COCKPIT_SOCKET_TRAP")
        if trap:
            with open(trap, "a", encoding="utf-8") as out:
                out.write(f"{what} {args[1:2] or args[:1]!r}\n")
        raise OSError(f"socket guard: {what} refused in an --offline run")

    return refuse


socket.socket.connect = _refuse("connect")  # type: ignore[method-assign]
socket.socket.connect_ex = _refuse("connect_ex")  # type: ignore[method-assign]
socket.create_connection = _refuse("create_connection")  # type: ignore[assignment]
socket.getaddrinfo = _refuse("getaddrinfo")  # type: ignore[assignment]
