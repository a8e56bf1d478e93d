"""The webhook dispatcher: every request simtel sends to the user's app, as Twilio sends it.

`WebhookDispatcher.deliver` takes one `WebhookRequest` and returns its `WebhookOutcome`
(`simtel.webhooks.request`); it never raises for a failed delivery. Per delivery it:

1. strips the URL fragment and reads the connection overrides in it (`overrides.py`);
2. builds the signed request of each hop (`RequestSigner.build`, `request.py`);
3. follows up to 10 redirects like a browser (301/302/303 turn a POST into a GET without body;
   307/308 keep it), re-signing for each URL, each hop routed afresh; an 11th is 11215;
4. retries as the overrides say (default: once, on connect failures only) within the total budget;
5. logs every attempt as one `webhook` event, and a status-style callback that finally fails as
   one `notification` warning (`attempts.py`).

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
from typing import Any, Protocol
from urllib.parse import urljoin

from simtel.events import EventKind, EventLog
from simtel.webhooks.attempts import AttemptTiming, Emit, log_attempt, notify_failed_callback
from simtel.webhooks.exchange import (
    HTTP_TOO_MANY_REDIRECTS,
    HttpResponse,
    Timeouts,
    TransportFailure,
)
from simtel.webhooks.overrides import (
    ConnectionOverrides,
    InvalidConnectionOverride,
    parse_connection_overrides,
    split_fragment,
)
from simtel.webhooks.request import (
    MEDIA_PURPOSE,
    RequestSigner,
    WebhookOutcome,
    WebhookRequest,
)
from simtel.webhooks.router import Router

#: the most of a media (`<Play>`) response the transport reads: `simtel.webhooks.media`'s
#: `MAX_MEDIA_BYTES` (a body past it is refused there, 11200)
MAX_MEDIA_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 10
#: status callbacks of one instant delivered at once over HTTP, at most
MAX_CONCURRENT = 32
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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


class WebhookDispatcher(RequestSigner):
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
        super().__init__(auth_token, user_agent, tokens)
        self.log = log
        self.router = router
        self.latency: LatencyModel = latency or ZeroLatency()
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
            log_attempt(emit, request, target, 1, None, refused)
            outcome = WebhookOutcome(None, refused, 1, 0.0)
            return notify_failed_callback(emit, request, target, outcome)
        budget = _Budget(overrides)
        attempt, latency = 0, 0.0
        while True:
            attempt += 1
            response, failure, cost = self._attempt(request, target, attempt, budget)
            latency += cost
            log_attempt(emit, request, target, attempt, response, failure, cost)
            retry_class = failure.retry_class if failure else _status_class(response)
            if (
                attempt > overrides.retry_count
                or not overrides.retries_on(retry_class)
                or budget.exhausted
            ):
                break
        outcome = WebhookOutcome(response, failure, attempt, latency)
        return notify_failed_callback(emit, request, target, outcome)

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

    def _released(self) -> AbstractContextManager[None]:
        return self._release() if self._release is not None else nullcontext()


class _Failed(Exception):
    """Internal: an attempt that ended without a response, with its simulated cost."""

    def __init__(self, failure: TransportFailure, cost: float) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.cost = cost


def _status_class(response: HttpResponse | None) -> str | None:
    if response is None or response.status < 400:
        return None
    return "4xx" if response.status < 500 else "5xx"
