"""Where in-process apps run (`AsyncRunner`), the ASGI exchange and scope they see, and the form
encoding of webhook bodies."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtel.webhooks import AsyncRunner, HttpRequest
from simtel.webhooks.form import form_encode, quote_form
from simtel.webhooks.transports import AsgiExchange, asgi_scope


async def loop_and_thread() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    return asyncio.get_running_loop(), threading.current_thread()


def test_a_thread_runs_coroutines_on_its_own_loop_every_time() -> None:
    runner = AsyncRunner()
    loop, thread = runner.run(loop_and_thread(), 5.0)
    assert thread is threading.current_thread()
    assert runner.run(loop_and_thread(), 5.0) == (loop, thread)

    elsewhere: list[Any] = []
    worker = threading.Thread(target=lambda: elsewhere.append(runner.run(loop_and_thread(), 5.0)))
    worker.start()
    worker.join(5.0)
    other_loop, other_thread = elsewhere[0]
    assert other_thread is worker and other_loop is not loop


def test_a_dedicated_runner_uses_its_own_thread() -> None:
    runner = AsyncRunner(dedicated=True)
    loop, thread = runner.run(loop_and_thread(), 5.0)
    assert thread is not threading.current_thread() and thread.name == "simtel-webhooks"
    assert runner.run(loop_and_thread(), 5.0) == (loop, thread)


def test_a_coroutine_that_does_not_answer_in_time_is_cancelled() -> None:
    cancelled: list[bool] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        AsyncRunner().run(slow(), 0.1)
    assert time.monotonic() - started < 2.0 and cancelled == [True]


def test_errors_reach_the_caller_and_the_loop_stays_usable() -> None:
    runner = AsyncRunner()

    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        runner.run(fail(), 5.0)
    loop, _ = runner.run(loop_and_thread(), 5.0)
    assert not loop.is_running() and not loop.is_closed()


def test_called_from_a_running_loop_it_never_deadlocks() -> None:
    """An app that drives the simulator synchronously from inside its own request: the thread's
    loop is busy, so the coroutine runs elsewhere."""
    runner = AsyncRunner()

    async def outer() -> tuple[Any, Any]:
        inner = runner.run(loop_and_thread(), 5.0)
        return inner, await loop_and_thread()

    (inner_loop, inner_thread), (outer_loop, outer_thread) = runner.run(outer(), 5.0)
    assert inner_loop is not outer_loop and inner_thread is not outer_thread


def test_the_exchange_reports_a_disconnect_once_the_answer_is_complete() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["body"] == b"a=1"
        await send({"type": "http.response.start", "status": 201, "headers": [(b"X-A", b"b")]})
        await send({"type": "http.response.body", "body": b"ok", "more_body": False})
        assert (await receive())["type"] == "http.disconnect"

    async def exchange() -> AsgiExchange:
        done = AsgiExchange(b"a=1")
        await app({}, done.receive, done.send)
        return done

    done = asyncio.run(exchange())
    assert (done.status, done.headers, done.content, done.complete) == (
        201,
        [("x-a", "b")],
        b"ok",
        True,
    )
    assert done.response("http://x/y").header("X-A") == "b"


def test_scope_adds_host_and_length_and_defaults_to_https() -> None:
    scope = asgi_scope(HttpRequest("POST", "//app.test:8443/a%20b?x=1", (("A", "1"),), b"abc"))
    assert (scope["scheme"], scope["path"], scope["raw_path"]) == ("https", "/a b", b"/a%20b")
    assert scope["query_string"] == b"x=1" and scope["server"] == ("app.test", 8443)
    assert scope["headers"] == [
        (b"a", b"1"),
        (b"host", b"app.test:8443"),
        (b"content-length", b"3"),
    ]
    kept = asgi_scope(HttpRequest("GET", "http://app.test/", (("Host", "other"),)))
    assert [v for k, v in kept["headers"] if k == b"host"] == [b"other"]
    assert kept["server"] == ("app.test", 80)


@given(st.lists(st.tuples(st.text(), st.text()), max_size=8))
def test_form_encoding_is_urlencode(params: list[tuple[str, str]]) -> None:
    assert form_encode(params) == urlencode(params)


def test_quote_form_examples() -> None:
    assert quote_form("+1 555/01~_.-") == "%2B1+555%2F01~_.-"
    assert quote_form("Mon, 02 Mar 2026") == "Mon%2C+02+Mar+2026"
    assert quote_form("é") == "%C3%A9"
