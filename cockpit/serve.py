"""`cockpit serve`: the cockpit in a browser, for an audience that cannot see a terminal.

textual-serve runs a small web server; each browser tab that opens the page starts its own
`cockpit` process (the command built here) and drives it over a websocket. Whoever can load the
page can therefore see the team's data and press the cockpit's keys, so the server listens on
loopback unless told otherwise, and says plainly what another address means.

textual-serve (and aiohttp under it) are imported only when a server starts: `cockpit serve
--help` stays headless, like every command but the TUI.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "cockpit"
SESSION_STOP_SECONDS = 5.0  # how long Ctrl-C waits for open tabs' cockpits to quit


class ServeError(Exception):
    """The server cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    demo: bool = False
    config: Path | None = None  # resolved by the caller; None with --demo
    offline: bool = False
    verbose: bool = False
    public_url: str | None = None


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to a LAN address


def app_command(options: ServeOptions) -> str:
    """The shell command textual-serve runs for each browser tab: this cockpit, same Python.

    Quoted with shlex, since textual-serve hands it to a shell and paths may hold spaces.
    """
    parts = [sys.executable, "-m", "cockpit"]
    if options.config is not None:
        parts += ["--config", str(options.config)]
    if options.offline:
        parts.append("--offline")
    if options.verbose:
        parts.append("--verbose")
    if options.demo:
        # Still: every tab has its own private demo, and a shared screen should not drift.
        parts += ["demo", "--still"]
    return shlex.join(parts)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def public_url(options: ServeOptions) -> str:
    """The address the page tells the browser to open its websocket on.

    It must be one the browser can reach: an unspecified address (0.0.0.0, ::) is not, so the
    machine's name stands in for it; behind a proxy, --public-url names the proxy's address.
    """
    if options.public_url:
        return options.public_url.rstrip("/")
    host = options.host
    try:
        unspecified = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        unspecified = False
    if unspecified:
        host = socket.gethostname()
    return f"http://{_url_host(host)}:{options.port}"


def exposure_warning(options: ServeOptions) -> str:
    """What listening beyond loopback means, and how to share safely instead."""
    port = options.port
    return (
        f"cockpit: warning: listening on {options.host}, not on loopback: anyone who can reach"
        f" this machine on port {port} can open the cockpit, see its data (sprints, cost, the"
        " team) and press its keys. There is no login.\n"
        "To share it safely, keep the default host (127.0.0.1) and either\n"
        f"  - let each viewer open an SSH tunnel: ssh -L {port}:127.0.0.1:{port} THIS-HOST,"
        f" then open http://127.0.0.1:{port}/ on their machine, or\n"
        "  - put a reverse proxy with authentication and HTTPS in front of it, and pass its"
        " address with --public-url.\n"
    )


def serve(options: ServeOptions, *, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM. Raises ServeError when the address cannot be used."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not is_loopback(options.host):
        print(exposure_warning(options), file=err, end="", flush=True)
    url = public_url(options)

    def ready(_message: object = None) -> None:
        # Called once the socket is bound, so the URL printed is one that answers.
        print(f"Serving the cockpit on {url}/ : open it in a browser.", file=out)
        print("Each browser tab runs its own cockpit. Press Ctrl+C to stop.", file=out, flush=True)

    server = _make_server(options, url, ready)
    try:
        server.serve()
    except OSError as exc:
        raise ServeError(
            f"cannot listen on {options.host} port {options.port}: {exc.strerror or exc}."
            " Pick another port with --port, or stop what is using it."
        ) from None


def _make_server(options: ServeOptions, url: str, ready: Callable[[object], None]):
    import asyncio
    import signal

    from aiohttp import web
    from textual_serve.server import Server

    class CockpitServer(Server):
        """textual-serve's server, quiet: the project's log file takes its log lines (set up
        by `main`), and the only terminal output is the URL, printed once it answers."""

        def initialize_logging(self) -> None:
            pass  # not basicConfig with a terminal handler: logging is already set up

        sessions: set[asyncio.Task[object]] = set()

        async def on_startup(self, app: web.Application) -> None:
            pass  # no banner; `ready` prints the URL after the bind

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # Each open tab is a handler that would otherwise keep the server waiting a
            # minute on Ctrl-C; remembered so that shutting down can end them (and their
            # cockpits) at once.
            task = asyncio.current_task()
            if task is not None:
                self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)  # type: ignore[arg-type]

        async def on_shutdown(self, app: web.Application) -> None:
            # Cancelled, a session tells its cockpit to quit, waits for it, closes the tab.
            for task in self.sessions:
                task.cancel()
            if self.sessions:
                await asyncio.wait(self.sessions, timeout=SESSION_STOP_SECONDS)

        def serve(self, debug: bool = False) -> None:
            # As Server.serve, with a fresh event loop (no deprecation warning on the
            # terminal) and `ready` in place of aiohttp's banner.
            self.debug = debug
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, self.request_exit)
            except NotImplementedError:  # Windows: Ctrl-C arrives as KeyboardInterrupt
                pass
            try:
                web.run_app(
                    self._make_app(),
                    host=self.host,
                    port=self.port,
                    handle_signals=False,
                    loop=loop,
                    print=ready,
                    access_log=None,
                    shutdown_timeout=SESSION_STOP_SECONDS,
                )
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    return CockpitServer(
        app_command(options), host=options.host, port=options.port, title=TITLE, public_url=url
    )
