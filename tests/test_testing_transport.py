"""TwilioHttpClient as a transport: what reaches the ASGI app, and what comes back."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simtel.testing import TwilioHttpClient
from simtel.webhooks import shared_runner

ACCOUNT = "AC" + "0" * 32
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "scheme": request.url.scheme,
            "host": request.headers.get("host"),
            "path": request.url.path,
            "query": request.url.query,
            "body": body.decode(),
            "content_type": request.headers.get("content-type"),
            "authorization": request.headers.get("authorization"),
            "accept": request.headers.get("accept"),
        },
        headers={"X-Echo": "yes"},
    )


async def calls_page(request: Request) -> Response:
    call = {"sid": "CA" + "1" * 32, "status": "completed", "to": "+15005550006"}
    meta = {"key": "calls", "next_page_url": None, "page": 0, "page_size": 50}
    return JSONResponse({"calls": [call], "meta": meta})


async def boom(request: Request) -> Response:
    raise RuntimeError("the app is broken")


async def moved(request: Request) -> Response:
    return RedirectResponse("/echo?from=redirect", status_code=302)


def make_app(client_box: list[TwilioHttpClient]) -> Starlette:
    async def reentrant(request: Request) -> Response:
        # an async handler of the very app the client serves, calling the client synchronously
        inner = client_box[0].request("GET", "http://x/echo", params={"nested": "1"})
        return JSONResponse({"inner": json.loads(inner.text)["query"]})

    return Starlette(
        routes=[
            Route("/echo", echo, methods=["GET", "POST"]),
            Route(CALLS_PATH, calls_page),
            Route("/boom", boom),
            Route("/moved", moved, methods=["GET", "POST"]),
            Route("/reentrant", reentrant),
        ]
    )


@pytest.fixture
def http() -> TwilioHttpClient:
    box: list[TwilioHttpClient] = []
    box.append(TwilioHttpClient(make_app(box)))
    return box[0]


def echoed(http: TwilioHttpClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
    response = http.request(*args, **kwargs)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = json.loads(response.text)
    return answer


def test_form_body_is_encoded_like_requests(http: TwilioHttpClient) -> None:
    seen = echoed(
        http,
        "post",
        "https://api.twilio.com/echo",
        data={"Event": ["in-progress", "completed"], "Skip": None, "Record": True, "N": 3},
    )
    assert seen["method"] == "POST"
    assert seen["body"] == "Event=in-progress&Event=completed&Record=True&N=3"
    assert seen["content_type"] == "application/x-www-form-urlencoded"


def test_query_params_join_the_url_query(http: TwilioHttpClient) -> None:
    seen = echoed(
        http,
        "GET",
        "https://api.twilio.com/echo?a=1",
        params={"DateCreated<": "2026-01-01", "b": ["x", "y"]},
    )
    assert seen["query"] == "a=1&DateCreated%3C=2026-01-01&b=x&b=y"
    assert seen["body"] == ""


def test_scheme_host_auth_and_headers_reach_the_app(http: TwilioHttpClient) -> None:
    seen = echoed(
        http,
        "GET",
        "http://127.0.0.1:9999/echo",
        headers={"Accept": "application/json"},
        auth=("user", "secret"),
    )
    assert (seen["scheme"], seen["host"]) == ("http", "127.0.0.1:9999")
    assert seen["authorization"] == "Basic dXNlcjpzZWNyZXQ="
    assert seen["accept"] == "application/json"


def test_json_bodies_follow_the_content_type(http: TwilioHttpClient) -> None:
    seen = echoed(
        http,
        "POST",
        "http://x/echo",
        data={"a": [1, 2]},
        headers={"Content-Type": "application/json"},
    )
    assert json.loads(seen["body"]) == {"a": [1, 2]}


def test_last_request_and_response_are_kept(http: TwilioHttpClient) -> None:
    response = http.request("GET", "http://x/echo", params={"q": "1"}, auth=("u", "p"))
    assert http.last_response is response
    assert http.last_request.url == "http://x/echo"
    assert http.last_request.params == {"q": "1"}
    assert http.last_request.auth == ("u", "p")
    assert response.headers["X-Echo"] == "yes"
    assert response.ok


def test_app_exceptions_propagate_by_default(http: TwilioHttpClient) -> None:
    with pytest.raises(RuntimeError, match="the app is broken"):
        http.request("GET", "http://x/boom")


def test_app_exceptions_can_be_a_500_instead() -> None:
    http = TwilioHttpClient(make_app([]), raise_app_exceptions=False)
    response = http.request("GET", "http://x/boom")
    assert response.status_code == 500
    assert not response.ok


def test_redirects_are_followed_only_when_asked(http: TwilioHttpClient) -> None:
    assert http.request("GET", "http://x/moved").status_code == 302
    seen = echoed(http, "POST", "http://x/moved", data={"a": "1"}, allow_redirects=True)
    assert (seen["method"], seen["query"], seen["body"]) == ("GET", "from=redirect", "")


def test_timeout_must_be_positive(http: TwilioHttpClient) -> None:
    with pytest.raises(ValueError):
        http.request("GET", "http://x/echo", timeout=0)


def test_the_official_client_lists_through_it(http: TwilioHttpClient) -> None:
    client = Client(ACCOUNT, "token", http_client=http)
    calls = client.calls.list()
    assert [c.status for c in calls] == ["completed"]
    assert http.last_request.auth == (ACCOUNT, "token")
    assert http.last_request.headers["Accept"] == "application/json"


def test_errors_become_twilio_exceptions() -> None:
    async def refuse(request: Request) -> Response:
        body = {"code": 20003, "message": "Authenticate", "more_info": "x", "status": 401}
        return JSONResponse(body, status_code=401)

    sid = "CA" + "2" * 32
    app = Starlette(routes=[Route(f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json", refuse)])
    client = Client(ACCOUNT, "token", http_client=TwilioHttpClient(app))
    with pytest.raises(TwilioRestException) as raised:
        client.calls(sid).fetch()
    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_called_from_a_blocked_webhook_loop(http: TwilioHttpClient) -> None:
    """A user's async webhook handler calls the client synchronously, blocking the loop webhooks
    run on: the API must still answer (it runs on its own loop)."""

    async def handler() -> str:
        return str(http.request("GET", "http://x/echo", params={"from": "webhook"}).text)

    text = shared_runner().run(handler(), timeout=5.0)
    assert json.loads(text)["query"] == "from=webhook"


def test_called_from_inside_the_app_it_serves(http: TwilioHttpClient) -> None:
    assert echoed(http, "GET", "http://x/reentrant") == {"inner": "nested=1"}


def test_many_threads_share_one_client(http: TwilioHttpClient) -> None:
    results: list[str] = []

    def worker(n: int) -> None:
        for i in range(20):
            results.append(echoed(http, "GET", "http://x/echo", params={"n": f"{n}-{i}"})["query"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == sorted(f"n={n}-{i}" for n in range(4) for i in range(20))
