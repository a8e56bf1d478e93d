"""Request parameters Twilio sends to the app, and call status callbacks.

`standard_params` is the set every TwiML and action request carries (spec §7.1);
`CallCallbacks.send` adds the status-callback extras of §7.2 and numbers them with the
per-call `SequenceNumber`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from simtel.engine.calls.call import API_VERSION, Call
from simtel.engine.calls.geography import location_params
from simtel.pricing import billable_minutes
from simtel.webhooks import WebhookRequest

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

Params = list[tuple[str, str]]

#: SIP response code reported on a terminal status callback.
SIP_CODES = {
    "completed": "200",
    "busy": "486",
    "no-answer": "487",
    "failed": "404",
    "canceled": "487",
}


def webhook_call_status(call: Call) -> str:
    return call.status


def standard_params(call: Call, status: str | None = None) -> Params:
    """The parameters of §7.1, in Twilio's (alphabetical) order, for a request about `call`:
    the location of each number (`geography`: `Called…`/`To…` for `To`, `Caller…`/`From…` for
    `From`) and, on an inbound call, its `CallToken`."""
    params: Params = [
        ("AccountSid", call.account_sid),
        ("ApiVersion", API_VERSION),
        ("CallSid", call.sid),
        ("CallStatus", status or call.status),
    ]
    if call.direction == "inbound":
        params.append(("CallToken", call_token(call)))
    params.append(("Called", call.to))
    params += location_params(call.to, "Called")
    params.append(("Caller", call.from_))
    params += location_params(call.from_, "Caller")
    params.append(("Direction", call.direction))
    params.append(("From", call.from_))
    params += location_params(call.from_, "From")
    if call.parent_call_sid:
        params.append(("ParentCallSid", call.parent_call_sid))
    params.append(("To", call.to))
    params += location_params(call.to, "To")
    return params


def call_token(call: Call) -> str:
    """The `CallToken` of an inbound call: opaque, derived from the account and the call (Twilio
    issues one per incoming call, for forwarding it with the same caller ID)."""
    digest = hashlib.sha256(f"{call.account_sid}:{call.sid}:call-token".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class CallCallbacks:
    """Sends call-progress status callbacks for the calls of one simulation."""

    def __init__(self, sim: EngineContext) -> None:
        self._sim = sim

    def send(self, call: Call, event: str, call_status: str, extra: Params | None = None) -> None:
        """Deliver the `event` callback (initiated, ringing, answered, completed) if subscribed.

        The delivery happens now, in simulated time; its outcome never changes the call.
        """
        config = call.options.status
        if config.url is None or event not in config.events:
            return
        params = standard_params(call, call_status)
        params += [
            ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", str(call.sequence)),
            ("Timestamp", self._sim.clock.rfc2822(self._sim.now) or ""),
        ]
        if event == "completed":
            params += self._terminal(call, call_status)
        params += extra or []
        call.sequence += 1
        request = WebhookRequest(
            url=config.url,
            method=config.method,
            params=tuple(params),
            purpose="status-callback",
            sid=call.sid,
        )
        self._sim.deliver(request)

    @staticmethod
    def _terminal(call: Call, call_status: str) -> Params:
        seconds = call.duration or 0
        params: Params = [
            ("CallDuration", str(seconds)),
            (
                "SipResponseCode",
                str(call.context.get("sip_response_code") or SIP_CODES.get(call_status, "200")),
            ),
        ]
        if call_status == "completed":
            params.append(("Duration", str(billable_minutes(seconds))))
        return params
