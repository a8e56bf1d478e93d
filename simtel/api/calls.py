"""The Call resource: CreateCall, fetch, list, update (hang up, cancel, redirect), delete.

CreateCall needs `To` (21201; E.164, `client:` or `sip:`, else 21211), `From` (21213; else
21212; see `params.phone_number`) and `Url` or `Twiml` (21205; with both, `Twiml` is
ignored, as Twilio documents). `ApplicationSid` is refused with 21218: simtel has no
Applications. Parameters simtel does not simulate (answering machine detection, `SendDigits`,
SIP credentials, BYOC, branded calling, call tokens, push notifications) are refused with 20001
"… is not supported by simtel", never silently dropped. `RecordingConfigurationId` is accepted and
ignored (spec §1.2). Invalid values: methods 21209, `Timeout` outside 1..600 21208,
`StatusCallbackEvent` 21626, URLs 21205, other enumerations 21200.

UpdateCall: `Status=completed` hangs up (even in progress), `Status=canceled` ends a queued or
ringing call and leaves an answered one alone; `Url`/`Twiml` redirect a live call through the
TwiML engine (`simtel.engine.execution.flow.redirect`); callback and fallback settings apply
to later requests. A call that is not live answers 21220. DELETE needs an ended call (20009).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api import serializers
from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection, stored
from simtel.api.errors import InvalidParameter
from simtel.api.listing import Listing, list_response
from simtel.api.params import Params, phone_number
from simtel.api.representations import render
from simtel.engine.calls.call import Call, CallbackConfig, CallOptions, RecordingOptions
from simtel.engine.execution.flow import redirect
from simtel.errors import InvalidCallState, TwilioError, UnsupportedFeature
from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.simulator import Simulator

CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
RECORDING_EVENTS = ("in-progress", "completed", "absent")
CALL_STATUSES = (
    "queued",
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
)
MAX_TWIML = 4000
#: CreateCall parameters simtel does not simulate: refused out loud.
UNSUPPORTED = (
    "MachineDetection",
    "MachineDetectionTimeout",
    "MachineDetectionSpeechThreshold",
    "MachineDetectionSpeechEndThreshold",
    "MachineDetectionSilenceTimeout",
    "AsyncAmd",
    "AsyncAmdStatusCallback",
    "AsyncAmdStatusCallbackMethod",
    "SipAuthUsername",
    "SipAuthPassword",
    "Byoc",
    "CallerId",
    "CallReason",
    "CallToken",
    "ClientNotificationUrl",
)
SEND_DIGITS = frozenset("0123456789ABCD#*wW")
LIST_FILTERS = (
    "To",
    "From",
    "ParentCallSid",
    "Status",
    "StartTime",
    "StartTime<",
    "StartTime>",
    "EndTime",
    "EndTime<",
    "EndTime>",
)
LISTING = Listing("calls", "calls", "Calls", "Call", LIST_FILTERS)
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    return [
        *(at(path, calls, ["GET", "POST"]) for path in collection(f"{ACCOUNT}/Calls")),
        at(f"{ACCOUNT}/Calls/{{sid}}", call, ["GET", "POST", "DELETE"]),
    ]


async def calls(api: ApiRequest) -> Response:
    if api.request.method == "POST":
        to, from_, options = create_options(api.params)
        doc = await api.run(_create, api.sim, to, from_, options, api.account_sid)
        return _one(api, doc, 201)
    params = api.params
    filters: dict[str, object] = {}
    for name, column in (("To", "to"), ("From", "from"), ("ParentCallSid", "parent_call_sid")):
        value = params.text(name, max_length=256)
        if value is not None:
            filters[column] = value
    if params.text("Status") is not None:
        filters["status"] = params.choice("Status", CALL_STATUSES, "")
    clock = api.sim.clock
    ranges = [
        bounds
        for name, column in (("StartTime", "start_time"), ("EndTime", "end_time"))
        if (bounds := params.date_range(clock, name, column, exclusive_before=True)) is not None
    ]
    serialize = lambda doc: serializers.call(api.sim, doc)  # noqa: E731
    same = serializers.same_output(api.sim, "call")
    return await list_response(api, LISTING, serialize, filters=filters, ranges=ranges, same=same)


async def call(api: ApiRequest) -> Response:
    sid = api.sid("sid", "CA")
    method = api.request.method
    if method == "DELETE":
        await api.run(_delete, api.sim, sid, api.path)
        return Response(status_code=204)
    if method == "POST":
        update = _update_request(api.params)
        doc = await api.run(_update, api.sim, sid, api.path, update)
    else:
        doc = await api.read(stored, api.sim, "calls", sid, api.path)
    return _one(api, doc)


def _one(api: ApiRequest, doc: Doc, status: int = 200) -> Response:
    return render(serializers.call(api.sim, doc), api.fmt, "Call", status)


# -- parameters -----------------------------------------------------------------------------------
def _url(params: Params, name: str) -> str | None:
    value = params.text(name)
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise InvalidParameter(f"{name} is not a valid absolute URL: '{value}'", 21205)
    return value


def _twiml(params: Params) -> str | None:
    value = params.text("Twiml", max_length=1 << 20)
    if value is not None and len(value) > MAX_TWIML:
        raise InvalidParameter(f"Twiml is longer than {MAX_TWIML} characters", 21200)
    return value


def create_options(params: Params) -> tuple[str, str, CallOptions]:
    """(To, From, options) of a CreateCall request, validated as Twilio does."""
    to, from_ = params.text("To", max_length=256), params.text("From", max_length=256)
    if to is None:
        raise InvalidParameter("No 'To' number is specified", 21201)
    if from_ is None:
        raise InvalidParameter("No 'From' number is specified", 21213)
    to, from_ = phone_number(to, "To", 21211), phone_number(from_, "From", 21212)
    if params.text("ApplicationSid") is not None:
        message = "ApplicationSid is not supported by simtel: give Url or Twiml"
        raise InvalidParameter(message, 21218)
    for name in UNSUPPORTED:
        if params.text(name) is not None:
            raise UnsupportedFeature(name)
    url, twiml = _url(params, "Url"), _twiml(params)
    if url is None and twiml is None:
        raise InvalidParameter("A call needs a Url, Twiml or ApplicationSid", 21205)
    options = CallOptions(
        url=url,
        method=params.method("Method"),
        twiml=None if url is not None else twiml,
        fallback_url=_url(params, "FallbackUrl"),
        fallback_method=params.method("FallbackMethod"),
        status=CallbackConfig(
            _url(params, "StatusCallback"),
            params.method("StatusCallbackMethod"),
            params.events("StatusCallbackEvent", CALL_EVENTS, ("completed",), 21626),
        ),
        timeout=float(params.integer("Timeout", 60, lo=1, hi=600, code=21208)),
        time_limit=float(params.integer("TimeLimit", 14400, lo=1, hi=86400, code=21200)),
        record=params.boolean("Record"),
        recording=_recording_options(params),
        send_digits=_send_digits(params),
    )
    return to, from_, options


def _send_digits(params: Params) -> str | None:
    """`SendDigits`: at most 32 of 0-9, A-D, #, * and the pauses w (0.5 s) and W (1 s)."""
    digits = params.text("SendDigits")
    if digits is not None and (len(digits) > 32 or not set(digits) <= SEND_DIGITS):
        raise InvalidParameter(f"SendDigits '{digits[:40]}' is not a valid digit string", 21200)
    return digits or None


def _recording_options(params: Params) -> RecordingOptions:
    return RecordingOptions(
        channels=params.choice("RecordingChannels", ("mono", "dual"), "mono", code=21200),
        track=params.choice("RecordingTrack", ("inbound", "outbound", "both"), "both", code=21200),
        trim=params.choice("Trim", ("trim-silence", "do-not-trim"), "trim-silence", code=21200),
        status_callback=_url(params, "RecordingStatusCallback"),
        status_callback_method=params.method("RecordingStatusCallbackMethod"),
        status_callback_events=params.events(
            "RecordingStatusCallbackEvent", RECORDING_EVENTS, ("completed",), 21200
        ),
    )


def _update_request(params: Params) -> dict[str, Any]:
    """The changes an UpdateCall asks for (only the parameters it carries)."""
    if params.text("TimeLimit") is not None:
        raise UnsupportedFeature("Changing TimeLimit of an existing call")
    update: dict[str, Any] = {
        "status": params.choice("Status", ("canceled", "completed"), "") or None,
        "url": _url(params, "Url"),
        "twiml": _twiml(params),
    }
    for name, key in (("Method", "method"), ("FallbackMethod", "fallback_method")):
        if params.text(name) is not None:
            update[key] = params.method(name)
    if params.text("FallbackUrl") is not None:
        update["fallback_url"] = _url(params, "FallbackUrl")
    if params.text("StatusCallback") is not None:
        update["status_callback"] = _url(params, "StatusCallback")
    if params.text("StatusCallbackMethod") is not None:
        update["status_callback_method"] = params.method("StatusCallbackMethod")
    return update


# -- commands (run under the simulator's lock) ---------------------------------------------------
def _create(sim: Simulator, to: str, from_: str, options: CallOptions, account_sid: str) -> Doc:
    created = sim.create_call(to, from_, options, account_sid=account_sid)
    return sim.store.get("calls", created.sid) or created.fields()


def _live_call(sim: Simulator, sid: str, path: str) -> Call:
    """The engine's call `sid`; a finished one (possibly gone from memory under
    `keep_media=False`, but still in the store) is 21220."""
    found = sim.calls.get(sid)
    if found is not None and found.is_live:
        return found
    status = found.status if found is not None else stored(sim, "calls", sid, path)["status"]
    raise InvalidCallState(sid, str(status))


def _update(sim: Simulator, sid: str, path: str, update: dict[str, Any]) -> Doc:
    target = _live_call(sim, sid, path)
    _apply_settings(target, update)
    status = update["status"]
    if status == "completed":
        sim.call_engine.complete(target)
    elif status == "canceled":
        sim.call_engine.cancel(target)
    elif update["url"] is not None or update["twiml"] is not None:
        _redirect(sim, target, update)
    return stored(sim, "calls", sid, path)


def _apply_settings(target: Call, update: dict[str, Any]) -> None:
    options = target.options
    changes = {k: update[k] for k in ("method", "fallback_url", "fallback_method") if k in update}
    status = options.status
    if "status_callback" in update:
        status = replace(status, url=update["status_callback"])
    if "status_callback_method" in update:
        status = replace(status, method=update["status_callback_method"])
    target.options = replace(options, status=status, **changes)


def _redirect(sim: Simulator, target: Call, update: dict[str, Any]) -> None:
    """Point the call at new TwiML: at once when in progress, at answer when still ringing."""
    url, twiml = update["url"], update["twiml"]
    if not target.in_progress:
        target.options = replace(target.options, url=url, twiml=None if url else twiml)
        return
    redirect(sim, target, url=url, method=target.options.method, twiml=None if url else twiml)


def _delete(sim: Simulator, sid: str, path: str) -> None:
    """Delete a finished call: its row in the store is the record (the engine may already have
    let go of it under `keep_media=False`)."""
    stored(sim, "calls", sid, path)
    found = sim.calls.get(sid)
    if found is not None and found.is_live:
        message = f"Cannot delete this resource before it is complete (call is {found.status})"
        raise TwilioError(20009, 400, message)
    sim.calls.pop(sid, None)
    sim.events.emit(EventKind.CALL_DELETED, sid)
