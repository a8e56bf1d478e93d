"""Requests to the user's app: signing, transports (in-process ASGI, HTTP), the router and the
dispatcher.

The names below load on first use (PEP 562), so importing one module of this package (the
dispatcher, the exchange types) does not import the transports' asyncio, sockets and TLS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from simtel.webhooks.attempts import AttemptTiming
    from simtel.webhooks.dispatcher import (
        FixedLatency,
        LatencyModel,
        WebhookDispatcher,
        ZeroLatency,
    )
    from simtel.webhooks.exchange import (
        HttpRequest,
        HttpResponse,
        Timeouts,
        Transport,
        TransportFailure,
    )
    from simtel.webhooks.overrides import (
        ConnectionOverrides,
        InvalidConnectionOverride,
        parse_connection_overrides,
        split_fragment,
    )
    from simtel.webhooks.request import (
        CALLBACK_PURPOSES,
        PURPOSES,
        TWIML_PURPOSES,
        WebhookOutcome,
        WebhookRequest,
    )
    from simtel.webhooks.router import Router
    from simtel.webhooks.runner import AsyncRunner, shared_runner
    from simtel.webhooks.signing import SIGNATURE_HEADER, compute_signature
    from simtel.webhooks.transports import ASGITransport, HTTPTransport

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

_MODULES = {
    "attempts": ("AttemptTiming",),
    "dispatcher": ("FixedLatency", "LatencyModel", "WebhookDispatcher", "ZeroLatency"),
    "exchange": ("HttpRequest", "HttpResponse", "Timeouts", "Transport", "TransportFailure"),
    "overrides": (
        "ConnectionOverrides",
        "InvalidConnectionOverride",
        "parse_connection_overrides",
        "split_fragment",
    ),
    "request": (
        "CALLBACK_PURPOSES",
        "PURPOSES",
        "TWIML_PURPOSES",
        "WebhookOutcome",
        "WebhookRequest",
    ),
    "router": ("Router",),
    "runner": ("AsyncRunner", "shared_runner"),
    "signing": ("SIGNATURE_HEADER", "compute_signature"),
    "transports": ("ASGITransport", "HTTPTransport"),
}


__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
