"""The dispatcher over real HTTP: a uvicorn server on 127.0.0.1, and a closed port."""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simtel.events import EventKind, EventLog
from simtel.webhooks import Router, Timeouts, WebhookDispatcher, WebhookRequest
from simtel.webhooks.transports import httpx_failure

TOKEN = "http-test-token"
PARAMS = (("CallSid", "CA1"), ("Digits", "1"), ("Digits", "2"), ("Caller", "+1 555 0100"))
seen: list[dict[str, Any]] = []


async def voice(request: Request) -> Response:
    body = await request.body()
    form = await request.form() if request.method == "POST" else {}
    signature = request.headers.get("x-twilio-signature", "")
    valid = RequestValidator(TOKEN).validate(str(request.url), form, signature)
    seen.append({"url": str(request.url), "valid": valid, "body": body})
    return Response("<Response/>", status_code=200 if valid else 403, media_type="text/xml")


async def slow(request: Request) -> Response:
    await asyncio.sleep(0.6)
    return Response("<Response/>", media_type="text/xml")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/voice", voice, methods=["GET", "POST"]),
            Route("/slow", slow, methods=["POST"]),
        ]
    )
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 5 s")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(5)


def dispatcher() -> tuple[WebhookDispatcher, EventLog]:
    log = EventLog(lambda: 0.0)
    return WebhookDispatcher(TOKEN, log, Router(allow_http=True)), log


def request(url: str, method: str = "POST", purpose: str = "voice") -> WebhookRequest:
    return WebhookRequest(url, method, PARAMS, purpose, "CA1")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_signature_validates_through_a_real_server(server: str, method: str) -> None:
    seen.clear()
    sender, log = dispatcher()
    outcome = sender.deliver(request(server + "/voice?x=1#rc=0", method))
    assert outcome.ok, outcome
    assert outcome.response is not None and outcome.response.content_type == "text/xml"
    [hit] = seen
    assert hit["valid"] is True
    assert hit["url"].startswith(server + "/voice?x=1")
    if method == "POST":
        assert hit["body"] == b"CallSid=CA1&Digits=1&Digits=2&Caller=%2B1+555+0100"
    [event] = [e for e in log if e.kind == EventKind.WEBHOOK]
    assert event.fields["status"] == 200 and event.fields["url"] == server + "/voice?x=1"


def test_read_timeout_over_http(server: str) -> None:
    sender, _ = dispatcher()
    outcome = sender.deliver(request(server + "/slow#rt=200"))  # the app answers after 0.6 s
    assert outcome.failure is not None and outcome.failure.error_code == 11205
    assert outcome.attempts == 1


def test_closed_port_is_refused_and_retried_once() -> None:
    sender, log = dispatcher()
    url = f"http://127.0.0.1:{free_port()}/status"
    outcome = sender.deliver(request(url, purpose="status-callback"))
    assert outcome.failure is not None and outcome.failure.error_code == 11202
    assert outcome.attempts == 2
    events = [e.fields for e in log if e.kind == EventKind.WEBHOOK]
    assert [(e["attempt"], e["error_code"], e["status"]) for e in events] == [
        (1, 11202, None),
        (2, 11202, None),
    ]
    [note] = [e.fields for e in log if e.kind == EventKind.NOTIFICATION]
    assert note["code"] == 11202 and note["level"] == "warning" and note["url"] == url


def test_offline_router_refuses_real_http() -> None:
    log = EventLog(lambda: 0.0)
    sender = WebhookDispatcher(TOKEN, log, Router(allow_http=False))
    outcome = sender.deliver(request("http://127.0.0.1:9/voice"))
    assert outcome.failure is not None and outcome.failure.error_code == 11210


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError("connect failed") from cause
    except httpx.ConnectError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "code", "retry_class"),
    [
        (_connect_error(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), 11202, "ct"),
        (_connect_error(socket.gaierror(-2, "Name or service not known")), 11210, None),
        (_connect_error(ssl.SSLCertVerificationError("self-signed")), 11237, None),
        (_connect_error(OSError("network unreachable")), 11205, "ct"),
        (httpx.ConnectTimeout("slow"), 11201, "ct"),
        (httpx.ReadTimeout("slow"), 11205, "rt"),
        (httpx.RemoteProtocolError("garbage"), 11206, None),
        (httpx.UnsupportedProtocol("ftp"), 11100, None),
    ],
)
def test_httpx_errors_map_to_twilio_codes(
    error: httpx.HTTPError, code: int, retry_class: str | None
) -> None:
    failure = httpx_failure(error, Timeouts(connect=5, read=15, total=15))
    assert (failure.error_code, failure.retry_class) == (code, retry_class)


def test_timeouts_cut_by_the_total_budget_are_11203() -> None:
    tight = Timeouts(connect=5, read=15, total=2)
    assert httpx_failure(httpx.ReadTimeout("x"), tight).error_code == 11203
    assert httpx_failure(httpx.ConnectTimeout("x"), tight).error_code == 11203
