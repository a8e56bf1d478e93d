"""The webhook dispatcher: every request simtel sends to the user's app, as Twilio sends it.

`WebhookDispatcher.deliver` takes one `WebhookRequest` and returns its `WebhookOutcome`; it never
raises for a failed delivery. Per delivery it:

1. strips the URL fragment and reads the connection overrides in it (`overrides.py`);
2. builds the request: POST sends the parameters form-encoded in the given order (repeated keys
   kept), GET appends them to the query string; headers `X-Twilio-Signature` (over the exact URL
   requested, query included, fragment removed), `User-Agent`, `Accept: */*` and, for POST,
   `Content-Type: application/x-www-form-urlencoded`;
3. follows up to 10 redirects like a browser (301/302/303 turn a POST into a GET without body;
   307/308 keep it), re-signing for each URL, each hop routed afresh; an 11th is 11215;
4. retries as the overrides say (default: once, on connect failures only) within the total budget;
5. logs every attempt as one `webhook` event: the request (purpose, URL, method, parameters),
   the answer (status, `headers` without `date`, `content_type`, `body` up to 4 KB) or the
   failure's `error_code`, and the attempt's simulated `latency` (no wall-clock values: two
   identical runs give identical events), and for a status-style callback that finally fails
   or answers >= 400, one `notification` warning (15003 for an error response, the transport's
   112xx code otherwise).
   TwiML fetches get no notification here: the TwiML layer decides what the failure means.

Simulated latency: each attempt costs what the `LatencyModel` says, except an attempt that timed
out, which costs the timeout that expired (Twilio waited that long). The engine yields
`outcome.latency` itself.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urljoin

from simtel.events import EventKind, EventLog
from simtel.webhooks.exchange import (
    HTTP_TOO_MANY_REDIRECTS,
    HttpRequest,
    HttpResponse,
    Timeouts,
    TransportFailure,
)
from simtel.webhooks.form import form_encode
from simtel.webhooks.overrides import (
    ConnectionOverrides,
    InvalidConnectionOverride,
    parse_connection_overrides,
    split_fragment,
)
from simtel.webhooks.router import Router
from simtel.webhooks.signing import SIGNATURE_HEADER, compute_signature

TWIML_PURPOSES = frozenset({"voice", "fallback", "action", "redirect", "whisper", "wait"})
CALLBACK_PURPOSES = frozenset(
    {
        "status-callback",
        "recording-status-callback",
        "transcribe-callback",
        "conference-status-callback",
        "partial-result-callback",
    }
)
#: `<Play>` and wait-music audio (`simtel.webhooks.media`): logged without its body
MEDIA_PURPOSE = "media"
#: the most of a media (`<Play>`) response the transport reads: `simtel.webhooks.media`'s
#: `MAX_MEDIA_BYTES` (a body past it is refused there, 11200)
MAX_MEDIA_RESPONSE_BYTES = 32 * 1024 * 1024
PURPOSES = TWIML_PURPOSES | CALLBACK_PURPOSES | {MEDIA_PURPOSE}
CALLBACK_ERROR_RESPONSE = 15003
#: Twilio's Notification `log` level: 0 error, 1 warning
MAX_REDIRECTS = 10
BODY_LOG_LIMIT = 4096
HEADER_LOG_LIMIT = 50
#: status callbacks of one instant delivered at once over HTTP, at most
MAX_CONCURRENT = 32
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A request to the user's app. `url` may carry a connection-override fragment; `sid` is the
    resource the request is about (the call, conference or recording), used to key the log."""

    url: str
    method: str
    params: tuple[tuple[str, str], ...]
    purpose: str
    sid: str

    def __post_init__(self) -> None:
        if self.method not in ("GET", "POST"):
            raise ValueError(f"webhook method must be GET or POST, not {self.method!r}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown webhook purpose {self.purpose!r}")


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    """What came of a delivery: the last response (after redirects) or the failure that left none,
    the number of attempts made, and the simulated seconds they took."""

    response: HttpResponse | None
    failure: TransportFailure | None
    attempts: int
    latency: float

    @property
    def ok(self) -> bool:
        """A 2xx or 3xx answer (a 3xx reaching here had nothing to follow)."""
        return self.response is not None and 200 <= self.response.status < 400

    @property
    def error_code(self) -> int | None:
        """The failure's code, 11200 (HTTP retrieval failure) for a >= 400 answer, else None."""
        if self.failure is not None:
            return self.failure.error_code
        if self.response is not None and self.response.status >= 400:
            return 11200
        return None


class Emit(Protocol):
    def __call__(self, kind: EventKind, sid: str, /, **fields: Any) -> Any:
        """Log one event (`EventLog.emit`'s shape)."""
        ...


class LatencyModel(Protocol):
    def __call__(self, request: WebhookRequest) -> float:
        """Simulated seconds one exchange of `request` takes."""
        ...


class ZeroLatency:
    def __call__(self, request: WebhookRequest) -> float:
        return 0.0


@dataclass(frozen=True, slots=True)
class FixedLatency:
    seconds: float

    def __call__(self, request: WebhookRequest) -> float:
        return self.seconds


@dataclass(frozen=True, slots=True)
class AttemptTiming:
    """Wall-clock cost of one attempt: diagnostics only, never part of the event log."""

    sid: str
    purpose: str
    url: str
    attempt: int
    wall_seconds: float


class _Budget:
    """The total time (`tt`) left for a delivery, in wall-clock seconds."""

    def __init__(self, overrides: ConnectionOverrides) -> None:
        self._limits = overrides.timeouts()
        self._deadline = time.monotonic() + self._limits.total

    def timeouts(self) -> Timeouts:
        left = max(self._deadline - time.monotonic(), 0.001)
        return Timeouts(self._limits.connect, self._limits.read, left)

    @property
    def exhausted(self) -> bool:
        return time.monotonic() >= self._deadline


class WebhookDispatcher:
    """Delivers `WebhookRequest`s; safe to call from any thread.

    `release`, when given, is entered around every blocking transport call; the simulator passes
    one that releases its lock so the app may call simtel's REST API during the webhook.
    """

    def __init__(
        self,
        auth_token: str,
        log: EventLog,
        router: Router,
        latency: LatencyModel | None = None,
        user_agent: str = "TwilioProxy/1.1",
        release: Callable[[], AbstractContextManager[None]] | None = None,
        tokens: Callable[[str], str] | None = None,
    ) -> None:
        self.auth_token = auth_token
        #: the auth token of an account by SID (subaccounts: `simtel.accounts`)
        self.tokens = tokens
        self.log = log
        self.router = router
        self.latency: LatencyModel = latency or ZeroLatency()
        self.user_agent = user_agent
        self._release = release
        self.timings: deque[AttemptTiming] = deque(maxlen=10_000)

    def deliver(self, request: WebhookRequest, emit: Emit | None = None) -> WebhookOutcome:
        """Deliver `request`, logging each attempt (through `emit`, default the event log)."""
        emit = emit or self.log.emit
        target, fragment = split_fragment(request.url)
        try:
            overrides = parse_connection_overrides(fragment)
        except InvalidConnectionOverride as exc:
            refused = TransportFailure(exc.code, exc.message)
            self._log_attempt(emit, request, target, 1, None, refused)
            return self._finish(emit, request, target, WebhookOutcome(None, refused, 1, 0.0))
        budget = _Budget(overrides)
        attempt, latency = 0, 0.0
        while True:
            attempt += 1
            response, failure, cost = self._attempt(request, target, attempt, budget)
            latency += cost
            self._log_attempt(emit, request, target, attempt, response, failure, cost)
            retry_class = failure.retry_class if failure else _status_class(response)
            if (
                attempt > overrides.retry_count
                or not overrides.retries_on(retry_class)
                or budget.exhausted
            ):
                break
        outcome = WebhookOutcome(response, failure, attempt, latency)
        return self._finish(emit, request, target, outcome)

    def deliver_all(self, requests: Sequence[WebhookRequest]) -> list[WebhookOutcome]:
        """Deliver fire-and-forget `requests` (status callbacks due at one simulated instant) at
        the same time, at most `MAX_CONCURRENT` at once, then log them in the order given: the
        wall time is that of the slowest, not the sum, and the log is the same whatever the
        order in which the answers came."""
        if len(requests) <= 1:
            return [self.deliver(request) for request in requests]
        logs: list[list[tuple[EventKind, str, dict[str, Any]]]] = [[] for _ in requests]

        def one(index: int) -> WebhookOutcome:
            kept = logs[index]

            def keep(kind: EventKind, sid: str, /, **fields: Any) -> None:
                kept.append((kind, sid, fields))

            return self.deliver(requests[index], keep)

        from concurrent.futures import ThreadPoolExecutor  # only when requests go in parallel

        with self._released(), ThreadPoolExecutor(min(len(requests), MAX_CONCURRENT)) as pool:
            outcomes = list(pool.map(one, range(len(requests))))
        for entries in logs:
            for kind, sid, fields in entries:
                self.log.emit(kind, sid, **fields)
        return outcomes

    def is_http(self, request: WebhookRequest) -> bool:
        """Whether `request` goes over real HTTP (not to an app mounted in process)."""
        return self.router.over_http(split_fragment(request.url)[0])

    def _attempt(
        self, request: WebhookRequest, target: str, attempt: int, budget: _Budget
    ) -> tuple[HttpResponse | None, TransportFailure | None, float]:
        started = time.perf_counter()
        try:
            response, cost = self._follow(request, target, budget)
            result: tuple[HttpResponse | None, TransportFailure | None, float] = (
                response,
                None,
                cost,
            )
        except _Failed as failed:
            result = (None, failed.failure, failed.cost)
        # a bounded deque's append is atomic: no lock between delivering threads
        self.timings.append(
            AttemptTiming(
                request.sid, request.purpose, target, attempt, time.perf_counter() - started
            )
        )
        return result

    def _follow(
        self, request: WebhookRequest, target: str, budget: _Budget
    ) -> tuple[HttpResponse, float]:
        """One attempt: the exchange, then up to `MAX_REDIRECTS` redirects."""
        url, method, params, cost = target, request.method, request.params, 0.0
        token = self.signing_token(params, request.sid)  # kept by a redirect dropping params
        for _hop in range(MAX_REDIRECTS + 1):
            http_request = self.build(url, method, params, token)
            if request.purpose == MEDIA_PURPOSE:  # audio: far larger than a TwiML document
                http_request = replace(http_request, max_body=MAX_MEDIA_RESPONSE_BYTES)
            try:
                transport = self.router.route(http_request.url)
                with self._released():
                    response = transport.send(http_request, budget.timeouts())
            except TransportFailure as exc:
                raise _Failed(exc, cost + (exc.waited or self.latency(request))) from None
            cost += self.latency(request)
            location = response.header("location")
            if response.status not in _REDIRECTS or not location:
                return response, cost
            url = urljoin(http_request.url, location)
            if response.status in (301, 302, 303) and method == "POST":
                method, params = "GET", ()
            elif method == "GET":
                params = ()
        too_many = TransportFailure(
            HTTP_TOO_MANY_REDIRECTS,
            f"HTTP too many redirects: more than {MAX_REDIRECTS} starting from {target}",
        )
        raise _Failed(too_many, cost)

    def build(
        self,
        url: str,
        method: str,
        params: tuple[tuple[str, str], ...],
        token: str | None = None,
    ) -> HttpRequest:
        """The signed HTTP request Twilio would send (`url` without fragment), signed with
        `token` (default: `signing_token(params)`)."""
        headers = [("Host", _host(url)), ("User-Agent", self.user_agent), ("Accept", "*/*")]
        token = token or self.signing_token(params)
        if method == "GET":
            if params:
                url = url + ("&" if "?" in url else "?") + form_encode(params)
            headers.append((SIGNATURE_HEADER, compute_signature(url, None, token)))
            return HttpRequest(method, url, tuple(headers))
        headers.append(("Content-Type", FORM_CONTENT_TYPE))
        headers.append((SIGNATURE_HEADER, compute_signature(url, params, token)))
        return HttpRequest(method, url, tuple(headers), form_encode(params).encode("ascii"))

    def signing_token(self, params: tuple[tuple[str, str], ...], about: str = "") -> str:
        """The key of a request's signature: the auth token of the account its `AccountSid`
        names (a subaccount's webhooks are signed with the subaccount's token, as Twilio signs
        them); without one (a media fetch), of the account that owns `about`, the SID the
        request is about; else `auth_token`."""
        if self.tokens is None:
            return self.auth_token
        for name, value in params:
            if name == "AccountSid":
                return self.tokens(value)
        return self.tokens(about) if about else self.auth_token

    def _released(self) -> AbstractContextManager[None]:
        return self._release() if self._release is not None else nullcontext()

    def _log_attempt(
        self,
        emit: Emit,
        request: WebhookRequest,
        target: str,
        attempt: int,
        response: HttpResponse | None,
        failure: TransportFailure | None,
        latency: float = 0.0,
    ) -> None:
        emit(
            EventKind.WEBHOOK,
            request.sid,
            purpose=request.purpose,
            url=target,
            method=request.method,
            params=list(map(list, request.params)),
            attempt=attempt,
            status=response.status if response is not None else None,
            error_code=failure.error_code if failure is not None else None,
            content_type=response.header("content-type") if response is not None else None,
            body=_logged_body(request, response),
            headers=logged_headers(response),
            latency=round(latency, 6),
        )

    def _finish(
        self, emit: Emit, request: WebhookRequest, target: str, outcome: WebhookOutcome
    ) -> WebhookOutcome:
        if request.purpose not in CALLBACK_PURPOSES or outcome.ok:
            return outcome
        if outcome.failure is not None:
            code, message = outcome.failure.error_code, outcome.failure.message
        else:
            status = outcome.response.status if outcome.response is not None else None
            code = CALLBACK_ERROR_RESPONSE
            message = f"Call Progress: Warning Response to Callback URL (HTTP {status})"
        emit(
            EventKind.NOTIFICATION,
            request.sid,
            code=code,
            level="warning",
            message=message,
            url=target,
        )
        return outcome


class _Failed(Exception):
    """Internal: an attempt that ended without a response, with its simulated cost."""

    def __init__(self, failure: TransportFailure, cost: float) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.cost = cost


def _logged_body(request: WebhookRequest, response: HttpResponse | None) -> str | None:
    if response is None or request.purpose == MEDIA_PURPOSE:
        return None
    return response.text[:BODY_LOG_LIMIT]


def logged_headers(response: HttpResponse | None) -> list[list[str]] | None:
    """The response's headers as the log keeps them: in order, lower-case names, at most
    `HEADER_LOG_LIMIT` of them, without `date` (a wall-clock value would make two identical runs
    log different bytes)."""
    if response is None:
        return None
    kept = [[name.lower(), value] for name, value in response.headers if name.lower() != "date"]
    return kept[:HEADER_LOG_LIMIT]


def _status_class(response: HttpResponse | None) -> str | None:
    if response is None or response.status < 400:
        return None
    return "4xx" if response.status < 500 else "5xx"


@lru_cache(maxsize=1024)
def _host(url: str) -> str:
    """The Host header: the URL's host[:port] as written, without credentials."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return netloc.rsplit("@", 1)[-1]
