"""The dispatcher against in-process Starlette apps: what they see, retries, timeouts, the log."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simtel.events import EventKind, EventLog
from simtel.webhooks import (
    FixedLatency,
    Router,
    WebhookDispatcher,
    WebhookRequest,
)

TOKEN = "auth-token-for-tests"
BASE = "http://127.0.0.1:8123"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>hi</Say></Response>'
PARAMS = (
    ("CallSid", "CA" + "0" * 32),
    ("From", "+15551230000"),
    ("To", "+15559870000"),
    ("Digits", "9"),
    ("Digits", "1"),
    ("CallStatus", "in-progress"),
)


class Recorder:
    """A Starlette app that validates the signature with twilio's RequestValidator and records
    what it saw; `/fail`, `/slow`, `/hop*`, `/loop` and `/boom` misbehave on purpose."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.flag: threading.Event | None = None
        self.app = Starlette(
            routes=[
                Route("/voice", self.voice, methods=["GET", "POST"]),
                Route("/fail", self.fail, methods=["POST"]),
                Route("/slow", self.slow, methods=["POST"]),
                Route("/hop", self.hop, methods=["POST"]),
                Route("/loop", self.loop, methods=["GET", "POST"]),
                Route("/boom", self.boom, methods=["POST"]),
            ]
        )

    async def record(self, request: Request) -> bool:
        body = await request.body()
        form = await request.form() if request.method == "POST" else {}
        url = str(request.url)
        signature = request.headers.get("x-twilio-signature", "")
        valid = RequestValidator(TOKEN).validate(url, form, signature)
        self.seen.append(
            {
                "url": url,
                "method": request.method,
                "body": body,
                "valid": valid,
                "headers": dict(request.headers),
                "released": self.flag.is_set() if self.flag else None,
            }
        )
        return valid

    async def voice(self, request: Request) -> Response:
        valid = await self.record(request)
        return Response(TWIML, status_code=200 if valid else 403, media_type="text/xml")

    async def fail(self, request: Request) -> Response:
        await self.record(request)
        return PlainTextResponse("down for maintenance", status_code=500)

    async def slow(self, request: Request) -> Response:
        await self.record(request)
        await asyncio.sleep(5)
        return Response(TWIML, media_type="text/xml")

    async def hop(self, request: Request) -> Response:
        await self.record(request)
        return RedirectResponse("/voice?from=hop", status_code=302)

    async def loop(self, request: Request) -> Response:
        return RedirectResponse("/loop", status_code=307)

    async def boom(self, request: Request) -> Response:
        await self.record(request)
        raise RuntimeError("the app is broken")


def make(recorder: Recorder, **kwargs: Any) -> tuple[WebhookDispatcher, EventLog]:
    log = EventLog(lambda: 0.0)
    router = Router(allow_http=False)
    router.mount(BASE, recorder.app)
    return WebhookDispatcher(TOKEN, log, router, **kwargs), log


def voice(url: str, method: str = "POST", purpose: str = "voice") -> WebhookRequest:
    return WebhookRequest(url, method, PARAMS, purpose, "CA" + "0" * 32)


def webhook_events(log: EventLog) -> list[dict[str, Any]]:
    return [dict(e.fields) for e in log if e.kind == EventKind.WEBHOOK]


def test_post_is_signed_form_in_order_and_twilio_headers() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/voice?x=1#ct=1000"))
    assert outcome.ok and outcome.attempts == 1 and outcome.failure is None
    assert outcome.response is not None and outcome.response.content_type == "text/xml"
    assert outcome.response.text == TWIML
    [seen] = recorder.seen
    assert seen["valid"] is True
    assert seen["url"] == BASE + "/voice?x=1"
    expected_body = (
        "CallSid=CA" + "0" * 32 + "&From=%2B15551230000&To=%2B15559870000"
        "&Digits=9&Digits=1&CallStatus=in-progress"
    )
    assert seen["body"] == expected_body.encode()
    headers = seen["headers"]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["user-agent"] == "TwilioProxy/1.1"
    assert headers["accept"] == "*/*"
    assert headers["host"] == "127.0.0.1:8123"
    assert headers["content-length"] == str(len(expected_body))
    [event] = webhook_events(log)
    assert event["params"] == [list(pair) for pair in PARAMS]
    assert (event["purpose"], event["method"], event["attempt"]) == ("voice", "POST", 1)
    assert (event["status"], event["error_code"]) == (200, None)
    assert event["url"] == BASE + "/voice?x=1" and event["body"] == TWIML


def test_get_puts_params_in_the_query_and_signs_it() -> None:
    recorder = Recorder()
    dispatcher, _ = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/voice?x=1", method="GET"))
    assert outcome.ok
    [seen] = recorder.seen
    assert seen["valid"] is True and seen["method"] == "GET" and seen["body"] == b""
    assert seen["url"].startswith(BASE + "/voice?x=1&CallSid=CA")
    assert "Digits=9&Digits=1" in seen["url"]
    assert "content-type" not in seen["headers"]


def test_default_https_port_validates() -> None:
    recorder = Recorder()
    log = EventLog(lambda: 0.0)
    router = Router(allow_http=False)
    router.mount("https://app.example.com", recorder.app)
    dispatcher = WebhookDispatcher(TOKEN, log, router)
    assert dispatcher.deliver(voice("https://app.example.com/voice")).ok
    assert recorder.seen[0]["valid"] is True
    assert recorder.seen[0]["headers"]["host"] == "app.example.com"


def test_500_is_logged_and_not_retried_by_default() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/fail"))
    assert not outcome.ok and outcome.attempts == 1 and outcome.failure is None
    assert outcome.response is not None and outcome.response.status == 500
    assert outcome.error_code == 11200
    [event] = webhook_events(log)
    assert event["status"] == 500 and event["body"] == "down for maintenance"
    assert event["content_type"] == "text/plain; charset=utf-8"
    assert not [e for e in log if e.kind == EventKind.NOTIFICATION]


def test_500_is_retried_when_the_policy_allows() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/fail#rp=5xx&rc=2"))
    assert outcome.attempts == 3 and len(recorder.seen) == 3
    events = webhook_events(log)
    assert [e["attempt"] for e in events] == [1, 2, 3]
    assert {e["status"] for e in events} == {500}
    assert {e["url"] for e in events} == {BASE + "/fail"}


def test_read_timeout_fails_fast_with_11205_and_charges_the_timeout() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    started = time.monotonic()
    outcome = dispatcher.deliver(voice(BASE + "/slow#rt=200"))
    assert time.monotonic() - started < 2
    assert outcome.response is None and outcome.failure is not None
    assert outcome.failure.error_code == 11205 and outcome.error_code == 11205
    assert outcome.attempts == 1  # rt is not in the default retry policy
    assert outcome.latency == pytest.approx(0.2)
    [event] = webhook_events(log)
    assert event["status"] is None and event["error_code"] == 11205 and event["body"] is None


def test_read_timeout_retried_with_rp_rt_and_total_budget_gives_11203() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/slow#rt=150&rp=rt&rc=1"))
    assert outcome.attempts == 2 and [e["attempt"] for e in webhook_events(log)] == [1, 2]
    outcome = dispatcher.deliver(voice(BASE + "/slow#rt=1000&tt=150"))
    assert outcome.failure is not None and outcome.failure.error_code == 11203


def test_app_exception_is_a_500_not_a_crash() -> None:
    recorder = Recorder()
    dispatcher, _ = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/boom"))
    assert outcome.response is not None and outcome.response.status == 500

    async def raw_app(scope: Any, receive: Any, send: Any) -> None:
        raise ValueError("before any response")

    router = Router(allow_http=False)
    router.mount(BASE, raw_app)
    bare = WebhookDispatcher(TOKEN, EventLog(lambda: 0.0), router)
    answer = bare.deliver(voice(BASE + "/anything"))
    assert answer.response is not None and answer.response.status == 500


def test_redirect_is_followed_re_signed_and_post_becomes_get() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    outcome = dispatcher.deliver(voice(BASE + "/hop"))
    assert outcome.ok and outcome.response is not None
    assert outcome.response.url == BASE + "/voice?from=hop"
    assert [s["method"] for s in recorder.seen] == ["POST", "GET"]
    assert all(s["valid"] for s in recorder.seen)
    assert len(webhook_events(log)) == 1  # one attempt, however many hops


def test_redirect_loop_is_11215() -> None:
    dispatcher, _ = make(Recorder())
    outcome = dispatcher.deliver(voice(BASE + "/loop"))
    assert outcome.failure is not None and outcome.failure.error_code == 11215


def test_no_route_offline_is_11210_and_invalid_retry_policy_is_11243() -> None:
    dispatcher, log = make(Recorder())
    outcome = dispatcher.deliver(voice("http://elsewhere.example/voice"))
    assert outcome.failure is not None and outcome.failure.error_code == 11210
    outcome = dispatcher.deliver(voice(BASE + "/voice#rp=sometimes"))
    assert outcome.failure is not None and outcome.failure.error_code == 11243
    assert [e["error_code"] for e in webhook_events(log)] == [11210, 11243]


def test_status_callback_failures_notify_twiml_fetches_do_not() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    dispatcher.deliver(voice(BASE + "/fail", purpose="action"))
    dispatcher.deliver(voice(BASE + "/voice", purpose="status-callback"))
    assert not [e for e in log if e.kind == EventKind.NOTIFICATION]
    dispatcher.deliver(voice(BASE + "/fail", purpose="recording-status-callback"))
    dispatcher.deliver(voice("http://nowhere.example/cb", purpose="status-callback"))
    notes = [dict(e.fields) for e in log if e.kind == EventKind.NOTIFICATION]
    assert [(n["code"], n["level"], n["url"]) for n in notes] == [
        (15003, "warning", BASE + "/fail"),
        (11210, "warning", "http://nowhere.example/cb"),
    ]
    assert "HTTP 500" in notes[0]["message"]


def test_release_hook_is_entered_around_the_transport_call() -> None:
    recorder = Recorder()
    released = threading.Event()
    recorder.flag = released
    entries: list[int] = []

    @contextmanager
    def release() -> Iterator[None]:
        entries.append(1)
        released.set()
        try:
            yield
        finally:
            released.clear()

    dispatcher, _ = make(recorder, release=release)
    assert dispatcher.deliver(voice(BASE + "/voice")).ok
    assert recorder.seen[0]["released"] is True
    assert entries == [1] and not released.is_set()


def test_latency_model_is_reported_per_exchange() -> None:
    dispatcher, _ = make(Recorder(), latency=FixedLatency(0.25))
    assert dispatcher.deliver(voice(BASE + "/voice")).latency == pytest.approx(0.25)
    assert dispatcher.deliver(voice(BASE + "/hop")).latency == pytest.approx(0.5)
    assert dispatcher.deliver(voice(BASE + "/fail#rp=5xx")).latency == pytest.approx(0.5)


def test_identical_runs_give_identical_event_logs() -> None:
    def run() -> str:
        dispatcher, log = make(Recorder())
        dispatcher.deliver(voice(BASE + "/voice?x=1"))
        dispatcher.deliver(voice(BASE + "/voice", method="GET"))
        dispatcher.deliver(voice(BASE + "/fail#rp=5xx", purpose="status-callback"))
        dispatcher.deliver(voice(BASE + "/hop"))
        buffer = io.StringIO()
        log.write_jsonl(buffer)
        return buffer.getvalue()

    first, second = run(), run()
    assert first == second and first.count("\n") == 6


def test_deliver_from_many_threads() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder)
    results: list[bool] = []

    def worker() -> None:
        for _ in range(25):
            results.append(dispatcher.deliver(voice(BASE + "/voice")).ok)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [True] * 150 and len(recorder.seen) == 150
    assert len(webhook_events(log)) == 150


def test_an_app_may_trigger_a_webhook_from_inside_its_own_request() -> None:
    """Delivering from the shared loop's own thread must not deadlock."""
    recorder = Recorder()
    dispatcher, _ = make(recorder)

    async def outer(request: Request) -> Response:
        inner = dispatcher.deliver(voice(BASE + "/voice"))  # blocking, on purpose
        return PlainTextResponse(str(inner.ok))

    outer_router = Router(allow_http=False)
    outer_router.mount(
        "http://outer.example", Starlette(routes=[Route("/", outer, methods=["POST"])])
    )
    front = WebhookDispatcher(TOKEN, EventLog(lambda: 0.0), outer_router)
    outcome = front.deliver(voice("http://outer.example/#rt=3000"))
    assert outcome.response is not None and outcome.response.text == "True"


def test_router_prefers_the_longest_mount() -> None:
    general, special = Recorder(), Recorder()
    router = Router(allow_http=False)
    router.mount(BASE, general.app)
    router.mount(BASE + "/voice", special.app)
    dispatcher = WebhookDispatcher(TOKEN, EventLog(lambda: 0.0), router)
    dispatcher.deliver(voice(BASE + "/voice"))
    dispatcher.deliver(voice(BASE + "/fail"))
    dispatcher.deliver(voice("http://127.0.0.1:8124/voice"))
    assert [s["url"] for s in special.seen] == [BASE + "/voice"]
    assert [s["url"] for s in general.seen] == [BASE + "/fail"]


def test_request_validation() -> None:
    with pytest.raises(ValueError, match="GET or POST"):
        WebhookRequest(BASE, "PUT", (), "voice", "CA1")
    with pytest.raises(ValueError, match="purpose"):
        WebhookRequest(BASE, "POST", (), "status", "CA1")


def test_each_attempt_logs_the_answer_headers_without_date_and_its_latency() -> None:
    recorder = Recorder()
    dispatcher, log = make(recorder, latency=FixedLatency(0.25))
    dispatcher.deliver(voice(BASE + "/fail#rp=5xx&rc=1"))
    events = webhook_events(log)
    assert [e["latency"] for e in events] == [0.25, 0.25]
    headers = dict(events[0]["headers"])
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["content-length"] == str(len("down for maintenance"))
    timed_out = dispatcher.deliver(voice(BASE + "/slow#rt=150"))
    last = webhook_events(log)[-1]
    assert last["headers"] is None and last["latency"] == pytest.approx(0.15)
    assert timed_out.latency == pytest.approx(0.15)


def test_a_date_header_is_not_logged() -> None:
    from simtel.webhooks.attempts import logged_headers
    from simtel.webhooks.exchange import HttpResponse

    answer = HttpResponse(200, (("Date", "Wed, 02 Dec 2026 14:00:00 GMT"), ("X-Id", "7")), b"")
    assert logged_headers(answer) == [["x-id", "7"]]
    assert logged_headers(None) is None
