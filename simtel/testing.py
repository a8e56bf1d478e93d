"""simtel for app developers: the official `twilio` client talking to a simulation, no sockets.

A pytest plugin (loaded automatically once simtel is installed) with these fixtures:

* `simtel_sim`: a fresh `Simulator(seed=0)` per test, closed afterwards. Mark a test
  `@pytest.mark.simtel(seed=7, epoch="2026-03-01T12:00:00Z")` to pass other `Simulator` arguments.
* `simtel_twilio`: a real `twilio.rest.Client` whose requests go straight into that simulation's
  REST API (`simtel_client`).
* `simtel_subaccount`: `simtel_subaccount(friendly_name="tenant") -> Client` creates a subaccount
  of the simulation's account (through the Accounts resource) and answers a twilio client built
  with that subaccount's SID and auth token (`client.account_sid` is its SID).
* `simtel_app`: `simtel_app(app, base_url="http://app.test") -> base_url` mounts your ASGI app
  (Starlette, FastAPI, Django's ASGI handler, ...) so simtel's webhooks reach it in process.

Recording media through the same client: `simtel_twilio.http_client.request("GET", url).body`
(bytes; twilio's own `Response` carries text only).

Outside pytest: `with simulated(seed=0) as sim: client = simtel_client(sim)`.

How the pieces meet: `TwilioHttpClient` is a `twilio.http.HttpClient` that calls simtel's ASGI app
directly (routing by path, ignoring scheme and host, so `client.api.base_url` may be anything).
It runs that app on its own event loop thread, separate from the loop that delivers webhooks to
your app, so a webhook handler of yours may call the twilio client synchronously: the simulator
releases its lock while it waits for your handler.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from simtel.simulator import Simulator
from simtel.webhooks.exchange import HttpRequest
from simtel.webhooks.runner import AsyncRunner
from simtel.webhooks.transports import AsgiExchange
from simtel.webhooks.transports import asgi_scope as transport_scope

try:
    from twilio.http import HttpClient
    from twilio.http.request import Request as TwilioRequest
    from twilio.http.response import Response as TwilioResponse
    from twilio.rest import Client
except ModuleNotFoundError:  # the plugin must load in projects that do not use twilio
    HttpClient = object
    TwilioRequest = TwilioResponse = Client = None

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = [
    "DEFAULT_APP_URL",
    "AppExceptions",
    "TwilioHttpClient",
    "call_app",
    "simtel_app",
    "simtel_client",
    "simtel_sim",
    "simtel_subaccount",
    "simtel_twilio",
    "simulated",
]

#: where `simtel_app` mounts the app under test unless told otherwise
DEFAULT_APP_URL = "http://app.test"
#: wall-clock seconds a request may take when the twilio client sets no timeout
DEFAULT_TIMEOUT = 300.0
MAX_REDIRECTS = 10
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_JSON_CONTENT_TYPES = ("application/json", "application/scim+json")

_logger = logging.getLogger("simtel.testing")
#: the loop simtel's REST API runs on for every `TwilioHttpClient` of the process: never the
#: webhook loop (`simtel.webhooks.shared_runner`), which may be blocked by the caller
_api_runner = AsyncRunner(dedicated=True)


class TwilioHttpClient(HttpClient):  # type: ignore[misc]
    """A twilio `HttpClient` that answers from an ASGI app in process.

    Requests are encoded as `requests` would encode them (lists in `data`/`params` become
    repeated keys, None values are dropped). App exceptions propagate to the caller (like
    Starlette's TestClient) unless `raise_app_exceptions=False`, which answers 500 instead.
    `last_request`/`last_response` hold the latest exchange.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        timeout: float | None = None,
        raise_app_exceptions: bool = True,
        logger: logging.Logger = _logger,
    ) -> None:
        if Client is None:
            raise ModuleNotFoundError("TwilioHttpClient needs the twilio package")
        super().__init__(logger, False, timeout)
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions

    @property
    def last_request(self) -> Any:
        return self._test_only_last_request

    @property
    def last_response(self) -> Any:
        return self._test_only_last_response

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Any:
        """One exchange with the app (plus redirects when `allow_redirects`): a
        `twilio.http.response.Response`, which carries text only, plus `body`: the bytes as
        the app sent them (recording media)."""
        if timeout is None:
            timeout = self.timeout
        elif timeout <= 0:
            raise ValueError(timeout)
        method = method.upper()
        self._test_only_last_response = None
        self._test_only_last_request = TwilioRequest(
            method=method, url=url, params=params, data=data, headers=headers, auth=auth
        )
        request_headers = dict(headers or {})
        body = _encode_body(data, request_headers)
        if auth is not None:
            request_headers["Authorization"] = _basic(auth)
        target = _with_query(url, params)
        answer = self._exchange(method, target, request_headers, body, timeout)
        for _ in range(MAX_REDIRECTS if allow_redirects else 0):
            location = answer.header("location")
            if answer.status not in (301, 302, 303, 307, 308) or location is None:
                break
            target = urljoin(target, location)
            if answer.status in (301, 302, 303):
                method, body = "GET", b""
                request_headers = _without(request_headers, "content-type")
            answer = self._exchange(method, target, request_headers, body, timeout)
        response = TwilioResponse(answer.status, answer.text, answer.headers_dict())
        response.body = answer.body
        self._test_only_last_response = response
        return response

    def _exchange(
        self, method: str, url: str, headers: dict[str, str], body: bytes, timeout: float | None
    ) -> _Answer:
        scope = asgi_scope(method, url, headers, body)
        answer = _api_runner.run(call_app(self.app, scope, body), timeout or DEFAULT_TIMEOUT)
        if answer.error is not None:
            if self.raise_app_exceptions:
                raise answer.error
            if not answer.started:
                return _Answer(500, [("content-type", "text/plain")], b"Internal Server Error")
        return answer

    def __repr__(self) -> str:
        return f"TwilioHttpClient({self.app!r})"


def simtel_client(sim: Simulator, account: str | None = None, **http_options: Any) -> Any:
    """A real `twilio.rest.Client` for `sim`'s account, or for its subaccount whose SID is
    `account` (with that subaccount's auth token), served in process by `create_app(sim)`."""
    from simtel.api.app import create_app

    if Client is None:
        raise ModuleNotFoundError("simtel_client needs the twilio package")
    owner = sim.account if account is None else sim.accounts.get(account)
    if owner is None:
        raise KeyError(f"{account} is not an account of this simulation")
    http_client = TwilioHttpClient(create_app(sim), **http_options)
    return Client(owner.sid, owner.auth_token, http_client=http_client)


@contextmanager
def simulated(seed: int = 0, **config: Any) -> Iterator[Simulator]:
    """A fresh `Simulator(seed=seed, **config)`, closed on exit."""
    with Simulator(seed=seed, **config) as sim:
        yield sim


# -- the ASGI exchange --------------------------------------------------------------------------
@dataclass
class _Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    started: bool = True
    error: BaseException | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def headers_dict(self) -> dict[str, str]:
        return {k.title(): v for k, v in self.headers}

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


async def call_app(app: ASGIApp, scope: dict[str, Any], body: bytes) -> _Answer:
    """Run one request through `app`; an exception is kept on the answer, not raised."""
    exchange = AsgiExchange(body)
    error: BaseException | None = None
    try:
        await app(scope, exchange.receive, exchange.send)
    except Exception as raised:
        error = raised
    finally:
        exchange.close()
    status = exchange.status if exchange.started else 500
    return _Answer(status, exchange.headers, exchange.content, exchange.started, error)


def asgi_scope(method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The ASGI `http` scope for a request to `url` (scheme and host kept for the app to see)."""
    pairs = tuple((str(k), str(v)) for k, v in headers.items())
    return transport_scope(HttpRequest(method, url, pairs, body))


# -- encoding as `requests` does -------------------------------------------------------------------
def _pairs(values: Mapping[str, object] | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in (values or {}).items():
        items = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, _text(item)) for item in items if item is not None)
    return pairs


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _encode_body(data: Mapping[str, object] | None, headers: dict[str, str]) -> bytes:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type in _JSON_CONTENT_TYPES:
        return json.dumps(data).encode("utf-8") if data is not None else b""
    body = urlencode(_pairs(data)).encode("ascii")
    if body and content_type is None:
        headers["Content-Type"] = FORM_CONTENT_TYPE
    return body


def _with_query(url: str, params: Mapping[str, object] | None) -> str:
    query = urlencode(_pairs(params))
    if not query:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name}


def _basic(auth: tuple[str, str]) -> str:
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode("latin-1")).decode("ascii")
    return f"Basic {token}"


# -- pytest fixtures -----------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "simtel(**config): Simulator arguments for the simtel_sim fixture"
    )


@pytest.fixture
def simtel_sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A fresh simulation per test (`Simulator(seed=0)`, or the `simtel` marker's arguments)."""
    marker = request.node.get_closest_marker("simtel")
    config: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    with simulated(**config) as sim:
        yield sim


@pytest.fixture
def simtel_twilio(simtel_sim: Simulator) -> Any:
    """The official twilio client, answered by `simtel_sim`."""
    return simtel_client(simtel_sim)


@pytest.fixture
def simtel_subaccount(simtel_sim: Simulator, simtel_twilio: Any) -> Callable[..., Any]:
    """`simtel_subaccount(friendly_name=None)`: a new subaccount's own twilio client."""

    def create(friendly_name: str | None = None) -> Any:
        options = {} if friendly_name is None else {"friendly_name": friendly_name}
        created = simtel_twilio.api.v2010.accounts.create(**options)
        return simtel_client(simtel_sim, created.sid)

    return create


@pytest.fixture
def simtel_app(simtel_sim: Simulator, request: pytest.FixtureRequest) -> Callable[..., str]:
    """`simtel_app(app, base_url=DEFAULT_APP_URL, raise_app_exceptions=True)`: webhooks under
    `base_url` reach `app`. An exception `app` raises while answering fails the test with its
    traceback once the test body returns (see `AppExceptions`); `raise_app_exceptions=False`
    leaves only what Twilio does (a 500: notification 11200, the fallback URL)."""
    watched = request.node.stash.setdefault(_APP_EXCEPTIONS, AppExceptions())

    def mount(
        app: ASGIApp, base_url: str = DEFAULT_APP_URL, *, raise_app_exceptions: bool = True
    ) -> str:
        simtel_sim.mount(base_url, watched.watch(app) if raise_app_exceptions else app)
        return base_url.rstrip("/")

    return mount


class AppExceptions:
    """The exceptions apps mounted by `simtel_app` raised while answering webhooks.

    The app still answers simtel as a server would (the exception propagates to the transport,
    which answers 500 and the simulation goes on as Twilio's would); the test then fails with the
    first exception, its traceback intact, from `pytest_runtest_call`.
    """

    def __init__(self) -> None:
        self.raised: list[tuple[str, BaseException]] = []

    def watch(self, app: ASGIApp) -> ASGIApp:
        async def watched(scope: Any, receive: Any, send: Any) -> None:
            try:
                await app(scope, receive, send)
            except Exception as exc:
                self.raised.append((_request_line(scope), exc))
                raise

        return watched

    def first(self) -> BaseException | None:
        if not self.raised:
            return None
        where, error = self.raised[0]
        error.add_note(
            f"simtel: your app raised this while answering {where}"
            + (f" ({len(self.raised) - 1} more app exceptions)" if len(self.raised) > 1 else "")
            + "; simtel_app(app, raise_app_exceptions=False) lets a test see Twilio's 11200"
        )
        return error


_APP_EXCEPTIONS = pytest.StashKey[AppExceptions]()


def _request_line(scope: Mapping[str, Any]) -> str:
    query = scope.get("query_string") or b""
    path = str(scope.get("path", "/")) + (f"?{query.decode('latin-1')}" if query else "")
    return f"{scope.get('method', '?')} {path}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test whose app raised during a webhook with that exception (its traceback is the
    app's). When the test failed on its own as well, the app's exception is shown, with a note."""
    watched = item.stash.get(_APP_EXCEPTIONS, None)
    try:
        result = yield
    except Exception as failure:
        app_error = watched.first() if watched is not None else None
        if app_error is None or app_error is failure:
            raise
        app_error.add_note(f"simtel: the test then failed with {type(failure).__name__}: {failure}")
        raise app_error from None
    app_error = watched.first() if watched is not None else None
    if app_error is not None:
        raise app_error
    return result
