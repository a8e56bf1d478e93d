"""What the log keeps of a delivery: one `webhook` event per attempt, one `notification` for a
status-style callback that finally fails, and the attempts' wall-clock timings.

An attempt's event holds the request (purpose, URL, method, parameters), the answer (status,
`headers` without `date`, `content_type`, `body` up to 4 KB; no body for media) or the failure's
`error_code`, and the attempt's simulated `latency`: no wall-clock values, so two identical runs
give identical events. A callback that finally fails or answers >= 400 adds one `notification`
warning (15003 for an error response, the transport's 112xx code otherwise). TwiML fetches get
no notification here: the TwiML layer decides what the failure means. Wall-clock costs are
`AttemptTiming`s, diagnostics kept beside the log, never in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from simtel.events import EventKind
from simtel.webhooks.exchange import HttpResponse, TransportFailure
from simtel.webhooks.request import (
    CALLBACK_PURPOSES,
    MEDIA_PURPOSE,
    WebhookOutcome,
    WebhookRequest,
)

CALLBACK_ERROR_RESPONSE = 15003
BODY_LOG_LIMIT = 4096
HEADER_LOG_LIMIT = 50


class Emit(Protocol):
    def __call__(self, kind: EventKind, sid: str, /, **fields: Any) -> Any:
        """Log one event (`EventLog.emit`'s shape)."""
        ...


@dataclass(frozen=True, slots=True)
class AttemptTiming:
    """Wall-clock cost of one attempt: diagnostics only, never part of the event log."""

    sid: str
    purpose: str
    url: str
    attempt: int
    wall_seconds: float


def log_attempt(
    emit: Emit,
    request: WebhookRequest,
    target: str,
    attempt: int,
    response: HttpResponse | None,
    failure: TransportFailure | None,
    latency: float = 0.0,
) -> None:
    """Log one attempt of `request` to `target` (its URL without fragment) as a `webhook` event."""
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


def notify_failed_callback(
    emit: Emit, request: WebhookRequest, target: str, outcome: WebhookOutcome
) -> WebhookOutcome:
    """Log the warning of a status-style callback whose delivery failed; returns `outcome`."""
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
