"""Hostile apps over real (loopback) HTTP: a gzip bomb and a slow drip are cut off with their
codes, within the size and time limits (issue: a 1 MB bomb took the server to 2.1 GiB; one byte
every 5 s held a fetch for 60 s)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import socket
import socketserver
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from simtel import Simulator
from simtel.engine.calls.call import CallOptions
from simtel.events import EventKind
from simtel.webhooks import HttpRequest, Timeouts, TransportFailure
from simtel.webhooks.limits import MAX_RESPONSE_BYTES
from simtel.webhooks.transports import HTTPTransport

Responder = Callable[[socket.socket], None]
PAUSE = b"<Response><Pause length='5'/></Response>"
#: zeros that decompress to 32 MiB (500 times the limit), sent as about 32 KiB of gzip
BOMB_BYTES = 32 * 1024 * 1024


@functools.cache
def bomb() -> bytes:
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=6)


def head(status: str, *headers: str) -> bytes:
    return (
        "\r\n".join([f"HTTP/1.1 {status}", *headers, "Connection: close"]) + "\r\n\r\n"
    ).encode()


def gzip_bomb(conn: socket.socket) -> None:
    body = bomb()
    conn.sendall(
        head(
            "200 OK",
            "Content-Type: text/xml",
            "Content-Encoding: gzip",
            f"Content-Length: {len(body)}",
        )
        + body
    )


def slow_drip(conn: socket.socket) -> None:
    """Headers at once, then one byte every 0.2 s (30 of them at most: the test stays bounded)."""
    conn.sendall(head("200 OK", "Content-Type: text/xml", f"Content-Length: {len(PAUSE)}"))
    for byte in PAUSE[:30]:
        time.sleep(0.2)
        conn.sendall(bytes([byte]))


def big_plain(conn: socket.socket) -> None:
    body = b"<Response>" + b" " * (2 * MAX_RESPONSE_BYTES) + b"</Response>"
    conn.sendall(head("200 OK", "Content-Type: text/xml", f"Content-Length: {len(body)}") + body)


def small_gzip(conn: socket.socket) -> None:
    body = gzip.compress(PAUSE)
    conn.sendall(
        head(
            "200 OK",
            "Content-Type: text/xml",
            "Content-Encoding: gzip",
            f"Content-Length: {len(body)}",
        )
        + body
    )


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        received = b""
        while b"\r\n\r\n" not in received:
            data = conn.recv(65536)
            if not data:
                return
            received += data
        responder: Responder = self.server.responder  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):  # simtel hung up on us: what the test wants
            responder(conn)


@pytest.fixture
def app_url() -> Iterator[Callable[[Responder], str]]:
    """Start a loopback server answering with a responder; returns its URL."""
    servers: list[socketserver.ThreadingTCPServer] = []

    def start(responder: Responder) -> str:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.responder = responder  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/voice"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def fetch(url: str, total: float = 15.0) -> tuple[object, float, int]:
    """One exchange with the HTTP transport: the response or failure, wall seconds, peak bytes
    allocated while it ran."""
    transport = HTTPTransport()
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome: object = transport.send(HttpRequest("POST", url, ()), Timeouts(5.0, 15.0, total))
    except TransportFailure as failure:
        outcome = failure
    wall = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    transport.close()
    return outcome, wall, peak


def test_a_gzip_bomb_is_decompressed_no_further_than_the_limit(
    app_url: Callable[[Responder], str],
) -> None:
    bomb()  # made before measuring
    response, _, peak = fetch(app_url(gzip_bomb))
    assert getattr(response, "truncated", None) is True
    assert len(response.body) == MAX_RESPONSE_BYTES + 1  # type: ignore[attr-defined]
    assert peak < 4 * 1024 * 1024  # 32 MiB inside; a few buffers of 64 KiB kept


def test_a_plain_body_is_cut_while_reading_and_a_small_gzip_one_is_decoded(
    app_url: Callable[[Responder], str],
) -> None:
    big, _, _ = fetch(app_url(big_plain))
    assert big.truncated and len(big.body) == MAX_RESPONSE_BYTES + 1  # type: ignore[attr-defined]
    small, _, _ = fetch(app_url(small_gzip))
    assert (small.body, small.truncated) == (PAUSE, False)  # type: ignore[attr-defined]
    assert small.header("content-encoding") is None  # type: ignore[attr-defined]


def test_a_slow_drip_ends_at_the_total_deadline(app_url: Callable[[Responder], str]) -> None:
    failure, wall, _ = fetch(app_url(slow_drip), total=1.0)
    assert isinstance(failure, TransportFailure)
    assert failure.error_code == 11203  # HTTP communication total time out triggered
    assert 0.9 < wall < 2.0


def twiml_call(url: str) -> tuple[Simulator, str]:
    sim = Simulator(seed=1)
    call = sim.create_call("+15005550006", "+15005550001", CallOptions(url=url))
    return sim, call.sid


def test_a_call_fetching_a_gzip_bomb_gets_11750(app_url: Callable[[Responder], str]) -> None:
    sim, sid = twiml_call(app_url(gzip_bomb))
    with sim:
        sim.advance(30)
        codes = [e.fields["code"] for e in sim.events.of(sid, EventKind.NOTIFICATION)]
        assert 11750 in codes
        assert sim.call(sid).status == "completed"


def test_a_call_fetching_from_a_slow_drip_gets_the_timeout_code(
    app_url: Callable[[Responder], str],
) -> None:
    sim, sid = twiml_call(app_url(slow_drip) + "#tt=1000")
    with sim:
        started = time.monotonic()
        sim.advance(30)
        assert time.monotonic() - started < 3.0
        [webhook] = sim.events.of(sid, EventKind.WEBHOOK)
        assert webhook.fields["error_code"] == 11203
