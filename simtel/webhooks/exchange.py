"""One HTTP exchange as data: the request, the response, the timeouts, the failure with Twilio's
error code, and the `Transport` protocol that turns a request into a response.

No I/O here: the dispatcher, the router and the media loader need only these, so a run that sends
no webhook never imports the transports' asyncio, sockets and TLS (`simtel.webhooks.transports`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from simtel.webhooks.limits import MAX_RESPONSE_BYTES

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "Timeouts",
    "Transport",
    "TransportFailure",
    "read_timeout_failure",
]

INVALID_URL_FORMAT = 11100
HTTP_RETRIEVAL_FAILURE = 11200
TCP_CONNECTION_TIMED_OUT = 11201
TCP_CONNECTION_REFUSED = 11202
TOTAL_TIMEOUT = 11203
HTTP_CONNECTION_FAILURE = 11205
HTTP_PROTOCOL_VIOLATION = 11206
HTTP_BAD_HOST_NAME = 11210
HTTP_TOO_MANY_REDIRECTS = 11215
TLS_HANDSHAKE_ERROR = 11220
CERTIFICATE_INVALID = 11237

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Wall-clock seconds: TCP connect, read (until the response), and what is left of the total."""

    connect: float
    read: float
    total: float


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    #: the most response-body bytes kept (decoded); one more marks the response `truncated`
    max_body: int = MAX_RESPONSE_BYTES


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A response; header names are lower case. `url` is the URL that produced it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    url: str = ""
    #: the body was cut at the transport's size limit (it holds the first limit + 1 bytes)
    truncated: bool = False

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted or key.lower() == wanted:
                return value
        return None

    @property
    def content_type(self) -> str:
        """The media type, lower case and without parameters (`text/xml`); empty when absent."""
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class TransportFailure(Exception):
    """An exchange that produced no response, with Twilio's error code.

    `retry_class` is the connection-override retry class it falls in (`ct`, `rt`, or None: never
    retried); `waited` is how long Twilio would have waited before giving up (the timeout that
    expired, else 0), which the dispatcher charges in simulated time.
    """

    def __init__(
        self, error_code: int, message: str, retry_class: str | None = None, waited: float = 0.0
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.retry_class = retry_class
        self.waited = waited


@runtime_checkable
class Transport(Protocol):
    def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        """One exchange; raises `TransportFailure` when there is no response."""
        ...


def read_timeout_failure(timeouts: Timeouts) -> TransportFailure:
    """The failure for a response that did not come within the read timeout (or the total)."""
    if timeouts.total < timeouts.read:
        return TransportFailure(
            TOTAL_TIMEOUT, "HTTP communication total time out triggered", None, timeouts.total
        )
    return TransportFailure(
        HTTP_CONNECTION_FAILURE,
        f"HTTP connection failure: no response within {timeouts.read:g} s (read timeout)",
        "rt",
        timeouts.read,
    )
