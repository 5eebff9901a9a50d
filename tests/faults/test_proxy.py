"""The fault-injecting proxy itself, against a real HTTP server on 127.0.0.1.

Timing bounds are generous on purpose: they tell "slowed down" from "not slowed down" and
"returned" from "hung", nothing finer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.fakes.fault_server import FaultServer, Reply
from tests.faults.proxy import FaultProxy, Faults, wait_for

BODY = b"x" * 100_000
REQUEST = b"GET /data.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        running.always(Reply(200, BODY, {"Content-Type": "text/plain"}))
        yield running


@pytest.fixture
def proxy(server: FaultServer) -> Iterator[FaultProxy]:
    with FaultProxy(("127.0.0.1", server.port)) as running:
        yield running


def fetch(port: int, timeout: float = 10.0) -> bytes:
    """One HTTP request through a fresh connection; everything read until the peer closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(REQUEST)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def timed(port: int) -> tuple[bytes, float]:
    began = time.monotonic()
    answer = fetch(port)
    return answer, time.monotonic() - began


def test_a_clean_proxy_passes_everything_and_counts_bytes_each_way(
    proxy: FaultProxy, server: FaultServer
) -> None:
    answer = fetch(proxy.port)
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(BODY)
    assert wait_for(lambda: proxy.bytes_down == len(answer))
    assert proxy.bytes_up == len(REQUEST)
    assert proxy.connections == 1 and len(server.requests) == 1


def test_latency_is_added_each_way(proxy: FaultProxy) -> None:
    proxy.set(latency_up=0.3, latency_down=0.3)
    answer, took = timed(proxy.port)
    assert answer.endswith(BODY)
    assert 0.5 <= took < 8.0


def test_a_bandwidth_cap_slows_the_answer(proxy: FaultProxy) -> None:
    proxy.set(bandwidth=200_000)  # 100 kB at 200 kB/s: about half a second
    answer, took = timed(proxy.port)
    assert answer.endswith(BODY)
    assert 0.3 <= took < 8.0
    proxy.clear()
    _, clean = timed(proxy.port)
    assert clean < took


def test_a_reset_connection_is_an_rst_not_a_clean_close(proxy: FaultProxy) -> None:
    proxy.set(reset=True)
    with pytest.raises(ConnectionResetError):
        fetch(proxy.port)


def test_a_blackhole_accepts_and_never_answers(proxy: FaultProxy, server: FaultServer) -> None:
    proxy.set(blackhole=True)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(REQUEST)
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    assert server.requests == []  # nothing was passed on
    assert proxy.bytes_down == 0


def test_an_answer_is_cut_after_n_bytes(proxy: FaultProxy) -> None:
    proxy.set(cut_after=500)
    answer = fetch(proxy.port)
    assert len(answer) == 500
    assert answer.startswith(b"HTTP/1.")


def test_a_trickle_sends_one_byte_at_a_time(server: FaultServer, proxy: FaultProxy) -> None:
    server.always(Reply(200, b"0123456789", {"Content-Type": "text/plain"}))
    proxy.set(trickle=0.01)
    answer, took = timed(proxy.port)
    assert answer.endswith(b"0123456789")
    # Every byte of the headers and body waited its turn: well over 100 bytes at 10 ms each.
    assert took >= 0.5 and took < 20.0


def test_refuse_closes_the_port_and_listen_opens_the_same_one(proxy: FaultProxy) -> None:
    port = proxy.port
    proxy.refuse()
    with pytest.raises(ConnectionRefusedError):
        fetch(port)
    proxy.listen()
    assert proxy.port == port
    assert fetch(port).endswith(BODY)


def test_stalled_connects_time_out_until_cleared(proxy: FaultProxy) -> None:
    proxy.stall_connects()
    sock = socket.socket()
    sock.settimeout(0.5)
    try:
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            sock.connect(("127.0.0.1", proxy.port))
        assert time.monotonic() - began < 5.0
    finally:
        sock.close()
    proxy.clear()
    assert fetch(proxy.port).endswith(BODY)


def test_queued_faults_apply_to_the_next_connections_only(proxy: FaultProxy) -> None:
    proxy.next_connections(Faults(cut_after=10))
    assert len(fetch(proxy.port)) == 10
    assert fetch(proxy.port).endswith(BODY)


def test_the_upstream_can_be_switched_at_run_time(proxy: FaultProxy) -> None:
    with FaultServer() as other:
        other.always(Reply(503, b"elsewhere"))
        proxy.upstream = ("127.0.0.1", other.port)
        assert b" 503 " in fetch(proxy.port).split(b"\r\n", 1)[0] + b" "


def test_stop_releases_hung_connections_promptly(server: FaultServer) -> None:
    proxy = FaultProxy(("127.0.0.1", server.port), Faults(blackhole=True)).start()
    clients = [socket.create_connection(("127.0.0.1", proxy.port), timeout=5) for _ in range(3)]
    for client in clients:
        client.sendall(REQUEST)
    assert wait_for(lambda: proxy.connections == 3)
    began = time.monotonic()
    proxy.stop()
    assert time.monotonic() - began < 5.0
    for client in clients:
        assert client.recv(1) == b""  # the proxy closed it
        client.close()


def test_faults_are_checked() -> None:
    with pytest.raises(ValueError):
        Faults(bandwidth=0)
    with pytest.raises(ValueError):
        Faults(latency_down=-1)


def test_latency_delays_the_answer_once_not_once_per_chunk(proxy: FaultProxy) -> None:
    """A long link delays every byte by the same amount while the next ones are on their way.
    At 1 Mbit/s (chunks of 6 kB) and 300 ms, a sleep per chunk carried 100 kB in ~6 s."""
    proxy.set(latency_down=0.3, bandwidth=125_000)  # 100 kB: ~0.8 s on the wire + 0.3 s
    answer, took = timed(proxy.port)
    assert answer.endswith(BODY)
    assert 0.9 <= took < 4.0


def test_a_cut_answer_is_cut_behind_latency_too(proxy: FaultProxy) -> None:
    proxy.set(latency_down=0.1, cut_after=500)
    answer, _took = timed(proxy.port)
    assert len(answer) == 500
