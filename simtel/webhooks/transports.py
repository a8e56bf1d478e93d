"""Transports: one HTTP exchange with the user's app, in process or over the network.

`ASGITransport` calls an ASGI app directly (no sockets) on the calling thread's own event loop
(`simtel.webhooks.runner`); `HTTPTransport` speaks real HTTP with httpx;
`simtel.webhooks.router.Router` picks one per URL. A transport does a single exchange: redirects,
retries, signing and logging belong to the dispatcher. Timeouts here are wall-clock seconds because
the I/O is real.

A failed exchange raises `TransportFailure` with the code Twilio's debugger shows (titles from
Twilio's error dictionary) and the connection-override retry class it falls in:

* connection refused: 11202 "TCP connection refused", class `ct`;
* connect timed out: 11201 "TCP connection timed out", class `ct`;
* other connect failure: 11205 "HTTP connection failure", class `ct`;
* no response within the read timeout: 11205 (its page names the 15 s HTTP timer), class `rt`;
* a timeout cut short by the total budget (`tt`): 11203 "HTTP communication total time out
  triggered", never retried;
* host cannot be resolved, or no app mounted while real HTTP is off: 11210 "HTTP bad host name";
* broken HTTP, or an app that died mid-response: 11206 "HTTP protocol violation";
* TLS: 11220 "SSL/TLS Handshake Error", 11237 "Certificate Invalid";
* not an http(s) URL: 11100 "Invalid URL format".
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from simtel.webhooks.exchange import (
    CERTIFICATE_INVALID,
    DEFAULT_PORTS,
    HTTP_BAD_HOST_NAME,
    HTTP_CONNECTION_FAILURE,
    HTTP_PROTOCOL_VIOLATION,
    INVALID_URL_FORMAT,
    TCP_CONNECTION_REFUSED,
    TCP_CONNECTION_TIMED_OUT,
    TLS_HANDSHAKE_ERROR,
    TOTAL_TIMEOUT,
    HttpRequest,
    HttpResponse,
    Timeouts,
    TransportFailure,
    read_timeout_failure,
)
from simtel.webhooks.limits import (
    ACCEPT_ENCODING,
    UnsupportedEncoding,
    deadline_for,
    read_limited,
)
from simtel.webhooks.runner import AsyncRunner, shared_runner

if TYPE_CHECKING:  # httpx (and httpcore) load only when real HTTP is spoken: start-up time
    import httpx
    from starlette.types import ASGIApp, Message

__all__ = [
    "ASGITransport",
    "AsgiExchange",
    "HTTPTransport",
    "asgi_scope",
    "httpx_failure",
]

#: the peer address an in-process app sees for simtel's requests
CLIENT_ADDRESS = ("127.0.0.1", 0)

logger = logging.getLogger(__name__)


class AsgiExchange:
    """The receive/send pair of one ASGI `http` call, collecting the response.

    `receive` hands over the whole request body at once; called again, it waits until `close`
    (the exchange is over) and then reports `http.disconnect`, as a server does. The body kept
    is bounded like HTTP's when `max_body` is given: past `max_body` + 1 bytes the rest is
    dropped (`truncated`). simtel's own API called in process (`simtel.testing`) is unbounded.
    """

    __slots__ = (
        "_closed",
        "_over",
        "_sent",
        "body",
        "chunks",
        "complete",
        "headers",
        "max_body",
        "size",
        "started",
        "status",
        "truncated",
    )

    def __init__(self, body: bytes, max_body: int | None = None) -> None:
        self.body = body
        self.max_body = max_body
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.started = False
        self.complete = False
        self._sent = False
        self._over = False
        self._closed: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if not self._sent:
            self._sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if self._over:
            return {"type": "http.disconnect"}
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        await self._closed
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.started = True
            self.status = int(message["status"])
            self.headers = [
                (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
                for k, v in message.get("headers", [])
            ]
        elif kind == "http.response.body":
            chunk = bytes(message.get("body", b""))
            room = len(chunk) if self.max_body is None else self.max_body + 1 - self.size
            if len(chunk) > room:
                chunk, self.truncated = chunk[:room], True
            if chunk:
                self.chunks.append(chunk)
                self.size += len(chunk)
            if not message.get("more_body", False):
                self.complete = True
                self.close()

    def close(self) -> None:
        """The exchange is over: a `receive` waiting for more reports a disconnect (one asked
        for later reports it at once)."""
        self._over = True
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks)

    def response(self, url: str) -> HttpResponse:
        return HttpResponse(self.status, tuple(self.headers), self.content, url, self.truncated)


def asgi_scope(request: HttpRequest) -> dict[str, Any]:
    """The ASGI 3 `http` scope a server would build for `request`: a `Host` header from the URL
    unless the request has one, `content-length` for a body, `https` when the URL has no scheme."""
    scheme, path, raw_path, query, server, netloc = _url_parts(request.url)
    headers = [(_header_name(k), v.encode("latin-1")) for k, v in request.headers]
    if not any(k == b"host" for k, _ in headers):
        headers.append((b"host", netloc))
    if request.body:
        headers.append((b"content-length", str(len(request.body)).encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": scheme,
        "path": path,
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": CLIENT_ADDRESS,
        "server": server,
        "state": {},
    }


@lru_cache(maxsize=256)
def _header_name(name: str) -> bytes:
    """A header name as ASGI carries it (lower case, latin-1): requests repeat a few names."""
    return name.lower().encode("latin-1")


@lru_cache(maxsize=1024)
def _url_parts(url: str) -> tuple[str, str, bytes, bytes, tuple[str, int], bytes]:
    """scheme, path, raw path, query, server and host[:port] of `url` (apps see few URLs)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "https"
    raw_path = parts.path or "/"
    server = (parts.hostname or "", parts.port or DEFAULT_PORTS.get(scheme, 80))
    return (
        scheme,
        unquote(raw_path),
        raw_path.encode("utf-8"),
        parts.query.encode("utf-8"),
        server,
        parts.netloc.encode("latin-1"),
    )


class ASGITransport:
    """Calls an ASGI app in process. An app that raises before answering gets a 500, as a server
    would give; one that answers in full and then raises (Starlette's error middleware does) keeps
    its answer. The whole call must finish within the read timeout (or what is left of the total).
    Lifespan events are not sent: start-up work must be done before the simulation runs."""

    def __init__(self, app: ASGIApp, runner: AsyncRunner | None = None) -> None:
        self.app = app
        self._runner = runner or shared_runner()

    def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        limit = min(timeouts.read, timeouts.total)
        try:
            return self._runner.run(self._exchange(request), limit)
        except TimeoutError:
            raise read_timeout_failure(timeouts) from None

    async def _exchange(self, request: HttpRequest) -> HttpResponse:
        exchange = AsgiExchange(request.body, request.max_body)
        try:
            await self.app(asgi_scope(request), exchange.receive, exchange.send)
        except Exception as exc:
            if exchange.complete:
                return exchange.response(request.url)
            if exchange.started:
                raise TransportFailure(
                    HTTP_PROTOCOL_VIOLATION, f"the app failed mid-response: {exc!r}"
                ) from exc
            logger.exception("the app raised while answering %s %s", request.method, request.url)
            return _server_error(request.url)
        finally:
            exchange.close()
        if not exchange.started:
            return _server_error(request.url)
        return exchange.response(request.url)


def _server_error(url: str) -> HttpResponse:
    headers = (("content-type", "text/plain; charset=utf-8"),)
    return HttpResponse(500, headers, b"Internal Server Error", url)


class HTTPTransport:
    """Real HTTP through one pooled `httpx.Client`. Redirects are not followed here (the
    dispatcher follows them, so a redirect may lead to a mounted app); proxy settings from the
    environment are ignored, as Twilio does not use yours.

    Bounded (`simtel.webhooks.limits`): the body is streamed and kept up to the request's
    `max_body` + 1 bytes after decompression (then `truncated`), and the whole exchange, a slow
    body included, ends by the total deadline (`Timeouts.total`)."""

    def __init__(self, verify: bool = True) -> None:
        import httpx

        from simtel.webhooks.deadline import DeadlineBackend

        transport = httpx.HTTPTransport(verify=verify, trust_env=False)
        # every socket wait bounded by the exchange's total deadline: httpx takes per-operation
        # timeouts only, so the deadline goes in under it, into httpcore's network backend
        pool = transport._pool
        pool._network_backend = DeadlineBackend(pool._network_backend)
        self._client = httpx.Client(follow_redirects=False, transport=transport, trust_env=False)

    def close(self) -> None:
        self._client.close()

    def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        import httpx

        connect = min(timeouts.connect, timeouts.total)
        read = min(timeouts.read, timeouts.total)
        timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
        headers = list(request.headers)
        if not any(name.lower() == "accept-encoding" for name, _ in headers):
            headers.append(("Accept-Encoding", ACCEPT_ENCODING))
        try:
            with (
                deadline_for(timeouts.total),
                self._client.stream(
                    request.method,
                    request.url,
                    headers=headers,
                    content=request.body or None,
                    timeout=timeout,
                ) as answer,
            ):
                encoding = answer.headers.get("content-encoding")
                body, truncated = read_limited(answer.iter_raw(), encoding, request.max_body)
        except httpx.HTTPError as exc:
            raise httpx_failure(exc, timeouts) from exc
        except UnsupportedEncoding as exc:
            raise TransportFailure(
                HTTP_PROTOCOL_VIOLATION, f"HTTP protocol violation: {exc}"
            ) from exc
        headers_in = tuple(
            (k.lower(), v)
            for k, v in answer.headers.multi_items()
            if k.lower() != "content-encoding"
        )
        return HttpResponse(answer.status_code, headers_in, body, request.url, truncated)


def httpx_failure(exc: httpx.HTTPError, timeouts: Timeouts) -> TransportFailure:
    """Twilio's code for an httpx error (see the module table)."""
    import httpx

    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        if timeouts.total < timeouts.connect:
            return TransportFailure(
                TOTAL_TIMEOUT, "HTTP communication total time out triggered", None, timeouts.total
            )
        return TransportFailure(
            TCP_CONNECTION_TIMED_OUT, "TCP connection timed out", "ct", timeouts.connect
        )
    if isinstance(exc, httpx.TimeoutException):
        return read_timeout_failure(timeouts)
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(exc)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return TransportFailure(INVALID_URL_FORMAT, f"Invalid URL format: {exc}")
    if isinstance(exc, httpx.ProtocolError):
        return TransportFailure(HTTP_PROTOCOL_VIOLATION, f"HTTP protocol violation: {exc}")
    return TransportFailure(HTTP_CONNECTION_FAILURE, f"HTTP connection failure: {exc}")


def _connect_failure(exc: BaseException) -> TransportFailure:
    causes = _causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return TransportFailure(TCP_CONNECTION_REFUSED, "TCP connection refused", "ct")
    if any(isinstance(c, socket.gaierror) for c in causes):
        return TransportFailure(HTTP_BAD_HOST_NAME, f"HTTP bad host name: {exc}")
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return TransportFailure(CERTIFICATE_INVALID, f"Certificate Invalid: {exc}")
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return TransportFailure(TLS_HANDSHAKE_ERROR, f"SSL/TLS Handshake Error: {exc}")
    text = str(exc).lower()
    if "refused" in text:
        return TransportFailure(TCP_CONNECTION_REFUSED, "TCP connection refused", "ct")
    if "name or service not known" in text or "nodename nor servname" in text:
        return TransportFailure(HTTP_BAD_HOST_NAME, f"HTTP bad host name: {exc}")
    return TransportFailure(HTTP_CONNECTION_FAILURE, f"HTTP connection failure: {exc}", "ct")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
