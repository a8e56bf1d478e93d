"""IncomingPhoneNumbers: the account's numbers and where their inbound calls get TwiML.

Create takes `PhoneNumber` (required, 21421; a number the account owns already is 21422) and the
voice settings: `VoiceUrl`, `VoiceMethod`, `VoiceFallbackUrl`, `VoiceFallbackMethod`,
`StatusCallback`, `StatusCallbackMethod`, `FriendlyName`; update changes any of them (an empty
value clears a URL); delete releases the number. The SMS settings (`SmsUrl`, …) and
`VoiceCallerIdLookup` are stored and shown but do nothing (simtel simulates voice only).
Parameters that would route calls somewhere simtel cannot follow (`VoiceApplicationSid`,
`TrunkSid`, `VoiceReceiveMode=fax`, `AreaCode` searches, emergency addresses, bundles) are refused
with "… is not supported by simtel". List filters: `PhoneNumber` and `FriendlyName` (exact).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.account import PhoneNumber
from simtel.api import serializers
from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection, stored
from simtel.api.errors import InvalidParameter
from simtel.api.listing import Listing, list_response
from simtel.api.params import Params
from simtel.api.params import phone_number as e164
from simtel.api.representations import render
from simtel.errors import NotFound, UnsupportedFeature
from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.simulator import Simulator

LISTING = Listing(
    "numbers",
    "incoming_phone_numbers",
    "IncomingPhoneNumbers",
    "IncomingPhoneNumber",
    ("PhoneNumber", "FriendlyName"),
)
#: (parameter, PhoneNumber attribute, is a URL)
VOICE = (
    ("VoiceUrl", "voice_url", True),
    ("VoiceMethod", "voice_method", False),
    ("VoiceFallbackUrl", "voice_fallback_url", True),
    ("VoiceFallbackMethod", "voice_fallback_method", False),
    ("StatusCallback", "status_callback", True),
    ("StatusCallbackMethod", "status_callback_method", False),
    ("FriendlyName", "friendly_name", False),
)
#: stored and shown, no behaviour
ECHOED = (
    ("SmsUrl", "sms_url"),
    ("SmsMethod", "sms_method"),
    ("SmsFallbackUrl", "sms_fallback_url"),
    ("SmsFallbackMethod", "sms_fallback_method"),
    ("VoiceCallerIdLookup", "voice_caller_id_lookup"),
)
UNSUPPORTED = (
    "AreaCode",
    "VoiceApplicationSid",
    "SmsApplicationSid",
    "TrunkSid",
    "IdentitySid",
    "AddressSid",
    "EmergencyAddressSid",
    "EmergencyStatus",
    "BundleSid",
    "VoiceReceiveMode",
    "AccountSid",
)
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    base = f"{ACCOUNT}/IncomingPhoneNumbers"
    return [
        *(at(path, numbers, ["GET", "POST"]) for path in collection(base)),
        at(f"{base}/{{sid}}", number, ["GET", "POST", "DELETE"]),
    ]


async def numbers(api: ApiRequest) -> Response:
    params = api.params
    if api.request.method == "POST":
        phone_number = params.text("PhoneNumber", max_length=64)
        if phone_number is None:
            raise InvalidParameter("A PhoneNumber is required", 21421)
        phone_number = e164(phone_number, "PhoneNumber", 21421, identities=False)
        changes, echoed = _settings(params)
        api.require_active()
        doc = await api.run(_create, api.sim, phone_number, changes, echoed, api.account_sid)
        return _one(api, doc, 201)
    filters: dict[str, object] = {}
    for name, field in (("PhoneNumber", "phone_number"), ("FriendlyName", "friendly_name")):
        value = params.text(name, max_length=256)
        if value is not None:
            filters[field] = value
    serialize = lambda doc: serializers.number(api.sim, doc)  # noqa: E731
    return await list_response(api, LISTING, serialize, filters=filters)


async def number(api: ApiRequest) -> Response:
    sid = api.sid("sid", "PN")
    method = api.request.method
    if method == "DELETE":
        await api.run(_delete, api.sim, sid, api.path)
        return Response(status_code=204)
    if method == "POST":
        changes, echoed = _settings(api.params)
        doc = await api.run(_update, api.sim, sid, api.path, changes, echoed)
    else:
        doc = await api.read(stored, api.sim, "numbers", sid, api.path)
    return _one(api, doc)


def _one(api: ApiRequest, doc: Doc, status: int = 200) -> Response:
    body = serializers.number(api.sim, doc)
    return render(body, api.fmt, "IncomingPhoneNumber", status)


def _settings(params: Params) -> tuple[dict[str, Any], dict[str, Any]]:
    """(voice settings for PhoneNumber, echoed-only fields) carried by the request."""
    for name in UNSUPPORTED:
        if params.text(name) is not None and not (name == "VoiceReceiveMode" and _voice(params)):
            raise UnsupportedFeature(name)
    changes: dict[str, Any] = {}
    for name, attribute, is_url in VOICE:
        if not params.has(name):
            continue
        value = params.get(name) or None
        if is_url and value is not None and not value.lower().startswith(("http://", "https://")):
            raise InvalidParameter(f"{name} is not a valid absolute URL: '{value}'", 21502)
        if attribute.endswith("_method"):
            value = params.method(name, code=21503)
        changes[attribute] = value
    echoed: dict[str, Any] = {}
    for name, field in ECHOED:
        if params.has(name):
            echoed[field] = (
                params.boolean(name) if field == "voice_caller_id_lookup" else params.get(name)
            )
    return changes, echoed


def _voice(params: Params) -> bool:
    return (params.get("VoiceReceiveMode") or "").lower() == "voice"


# -- commands (run under the simulator's lock) ---------------------------------------------------
def _create(
    sim: Simulator, phone_number: str, changes: Doc, echoed: Doc, account_sid: str
) -> Doc:
    if phone_number in sim.numbers:
        raise InvalidParameter(f"Phone number {phone_number} is not available", 21422)
    methods = {k: v or "POST" for k, v in changes.items() if k.endswith("_method")}
    owner = None if account_sid == sim.account.sid else account_sid
    created = sim.add_number(
        phone_number, configured=False, account_sid=owner, **{**changes, **methods}
    )
    if echoed:
        sim.events.emit(EventKind.NUMBER_UPDATED, created.sid, **echoed)
    return stored(sim, "numbers", created.sid, "")


def _find(sim: Simulator, sid: str, path: str) -> PhoneNumber:
    for owned in sim.numbers.values():
        if owned.sid == sid:
            return owned
    raise NotFound(path)


def _update(sim: Simulator, sid: str, path: str, changes: Doc, echoed: Doc) -> Doc:
    owned = _find(sim, sid, path)
    for attribute, value in changes.items():
        setattr(owned, attribute, (value or "POST") if attribute.endswith("_method") else value)
    fields = {k: getattr(owned, k) for k in changes}
    if "friendly_name" in fields:
        fields["friendly_name"] = owned.friendly_name or owned.phone_number
    sim.events.emit(EventKind.NUMBER_UPDATED, sid, **fields, **echoed, date_updated=sim.now)
    return stored(sim, "numbers", sid, path)


def _delete(sim: Simulator, sid: str, path: str) -> None:
    owned = _find(sim, sid, path)
    del sim.numbers[owned.phone_number]
    sim.events.emit(EventKind.NUMBER_DELETED, sid)
