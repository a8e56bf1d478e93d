"""Requests to the user's app: signing, transports (in-process ASGI, HTTP), the router and the
dispatcher."""

from __future__ import annotations

from simtel.webhooks.dispatcher import (
    CALLBACK_PURPOSES,
    PURPOSES,
    TWIML_PURPOSES,
    AttemptTiming,
    FixedLatency,
    LatencyModel,
    WebhookDispatcher,
    WebhookOutcome,
    WebhookRequest,
    ZeroLatency,
)
from simtel.webhooks.overrides import (
    ConnectionOverrides,
    InvalidConnectionOverride,
    parse_connection_overrides,
    split_fragment,
)
from simtel.webhooks.router import Router
from simtel.webhooks.runner import AsyncRunner, shared_runner
from simtel.webhooks.signing import SIGNATURE_HEADER, compute_signature
from simtel.webhooks.transports import (
    ASGITransport,
    HttpRequest,
    HttpResponse,
    HTTPTransport,
    Timeouts,
    Transport,
    TransportFailure,
)

__all__ = [
    "CALLBACK_PURPOSES",
    "PURPOSES",
    "SIGNATURE_HEADER",
    "TWIML_PURPOSES",
    "ASGITransport",
    "AsyncRunner",
    "AttemptTiming",
    "ConnectionOverrides",
    "FixedLatency",
    "HTTPTransport",
    "HttpRequest",
    "HttpResponse",
    "InvalidConnectionOverride",
    "LatencyModel",
    "Router",
    "Timeouts",
    "Transport",
    "TransportFailure",
    "WebhookDispatcher",
    "WebhookOutcome",
    "WebhookRequest",
    "ZeroLatency",
    "compute_signature",
    "parse_connection_overrides",
    "shared_runner",
    "split_fragment",
]
