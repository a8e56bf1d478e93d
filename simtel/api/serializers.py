"""Store rows to Twilio's JSON fields, one serializer per resource (calls, recordings,
transcriptions, incoming numbers), and the account paths their URIs start with.

The store keeps API field names with times as simulated seconds; here times become RFC 2822 GMT
strings, and `uri`, `subresource_uris` and `media_url` are built. Each resource keeps the key set
of its OpenAPI schema: the three recording views differ (account-level: `subresource_uris` and
`media_url`, no `track`; call: `track` only; conference: neither). Prices stay decimal strings
(`"-0.0025"`) even where the schema says `number`, as Twilio's own examples do.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from simtel.api.representations import API_VERSION

if TYPE_CHECKING:
    from simtel.simulator import Simulator

RecordingView = Literal["account", "call", "conference"]
Doc = Mapping[str, Any]

_RECORDING_FIELDS = (
    "account_sid",
    "api_version",
    "call_sid",
    "conference_sid",
    "channels",
    "date_created",
    "date_updated",
    "start_time",
    "price",
    "price_unit",
    "duration",
    "sid",
    "source",
    "status",
    "error_code",
    "encryption_details",
)
_CALL_FIELDS = (
    "account_sid",
    "answered_by",
    "api_version",
    "caller_name",
    "date_created",
    "date_updated",
    "direction",
    "duration",
    "end_time",
    "forwarded_from",
    "from",
    "from_formatted",
    "group_sid",
    "parent_call_sid",
    "phone_number_sid",
    "price",
    "price_unit",
    "sid",
    "start_time",
    "status",
    "to",
    "to_formatted",
    "trunk_sid",
    "queue_time",
)
_TRANSCRIPTION_FIELDS = (
    "account_sid",
    "api_version",
    "date_created",
    "date_updated",
    "duration",
    "price",
    "price_unit",
    "recording_sid",
    "sid",
    "status",
    "transcription_text",
    "type",
)
_NUMBER_FIELDS = (
    "account_sid",
    "address_sid",
    "address_requirements",
    "api_version",
    "beta",
    "capabilities",
    "date_created",
    "date_updated",
    "friendly_name",
    "identity_sid",
    "phone_number",
    "origin",
    "sid",
    "sms_application_sid",
    "sms_fallback_method",
    "sms_fallback_url",
    "sms_method",
    "sms_url",
    "status_callback",
    "status_callback_method",
    "trunk_sid",
    "voice_receive_mode",
    "voice_application_sid",
    "voice_caller_id_lookup",
    "voice_fallback_method",
    "voice_fallback_url",
    "voice_method",
    "voice_url",
    "emergency_status",
    "emergency_address_sid",
    "emergency_address_status",
    "bundle_sid",
    "status",
    "type",
)
_NUMBER_DEFAULTS: dict[str, Any] = {
    "address_requirements": "none",
    "beta": False,
    "origin": "twilio",
    "sms_method": "POST",
    "sms_fallback_method": "POST",
    "voice_receive_mode": "voice",
    "voice_caller_id_lookup": False,
    "emergency_status": "Inactive",
    "emergency_address_status": "unregistered",
    "status": "in-use",
    "type": "local",
    "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False},
}
_TIMES = frozenset({"date_created", "date_updated", "start_time", "end_time"})


def same_output(sim: Simulator, *view: Hashable) -> tuple[Hashable, ...]:
    """What a serializer's answer depends on besides the document: the account, the URL
    simtel's own links start with, the epoch (and `view`). For `list_response(same=...)`."""
    return (*view, sim.account.sid, sim.public_url, sim.clock.epoch)


def account_path(sim: Simulator, account_sid: object = None) -> str:
    """`/2010-04-01/Accounts/{AC}`: of `account_sid` (a resource's own account) when given."""
    return f"/{API_VERSION}/Accounts/{account_sid or sim.account.sid}"


def _pick(sim: Simulator, doc: Doc, fields: tuple[str, ...]) -> dict[str, Any]:
    """`fields` of `doc` in that order (None when absent), times as RFC 2822."""
    get = doc.get
    out: dict[str, Any] = {name: get(name) for name in fields}
    rfc2822 = sim.clock.rfc2822
    for name in _times_in(fields):
        value = out[name]
        if isinstance(value, int | float):
            out[name] = rfc2822(float(value))
    return out


@functools.cache
def _times_in(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in fields if name in _TIMES)


#: statuses a read (fetch, list) shows as `processing`: the seed's Update section says responses
#: to updates carry the detailed status, "but a fetch on the recording resource will show only
#: processing or completed" (docs/design.md, "Where sources disagree")
_DETAILED_STATUSES = frozenset({"in-progress", "paused", "stopped"})


def read_status(status: str | None) -> str | None:
    """The status a fetch or a list shows for a recording whose engine status is `status`."""
    return "processing" if status in _DETAILED_STATUSES else status


def recording(
    sim: Simulator, doc: Doc, view: RecordingView, *, detailed: bool = False
) -> dict[str, Any]:
    """One recording in the schema of `view` (the path it was asked under). `detailed` keeps the
    in-flight status (`in-progress`, `paused`, `stopped`), as the answers to create and update do;
    reads show those as `processing`."""
    out = _pick(sim, doc, _RECORDING_FIELDS)
    out["api_version"] = out["api_version"] or API_VERSION
    if not detailed:
        out["status"] = read_status(out["status"])
    sid = out["sid"]
    base = account_path(sim, doc.get("account_sid"))
    if view == "account":
        out["uri"] = f"{base}/Recordings/{sid}.json"
        out["subresource_uris"] = {
            "add_on_results": f"{base}/Recordings/{sid}/AddOnResults.json",
            "transcriptions": f"{base}/Recordings/{sid}/Transcriptions.json",
        }
        out["media_url"] = f"{sim.public_url}{base}/Recordings/{sid}"
    elif view == "call":
        out["channels"] = out["channels"] or 0
        out["track"] = doc.get("track") or "both"
        out["uri"] = f"{base}/Calls/{doc.get('call_sid')}/Recordings/{sid}.json"
    else:
        out["channels"] = out["channels"] or 0
        out["uri"] = f"{base}/Conferences/{doc.get('conference_sid')}/Recordings/{sid}.json"
    return out


def call(sim: Simulator, doc: Doc) -> dict[str, Any]:
    out = _pick(sim, doc, _CALL_FIELDS)
    out["api_version"] = out["api_version"] or API_VERSION
    path = f"{account_path(sim, doc.get('account_sid'))}/Calls/{out['sid']}"
    out["uri"] = f"{path}.json"
    out["subresource_uris"] = {
        name: f"{path}/{segment}.json"
        for name, segment in (
            ("notifications", "Notifications"),
            ("recordings", "Recordings"),
            ("transcriptions", "Transcriptions"),
        )
    }
    return out


def transcription(sim: Simulator, doc: Doc) -> dict[str, Any]:
    """Both transcription schemas share this shape; `uri` is always the account-level one."""
    out = _pick(sim, doc, _TRANSCRIPTION_FIELDS)
    out["api_version"] = out["api_version"] or API_VERSION
    out["type"] = out["type"] or "fast"
    out["uri"] = f"{account_path(sim, doc.get('account_sid'))}/Transcriptions/{out['sid']}.json"
    return out


def number(sim: Simulator, doc: Doc) -> dict[str, Any]:
    """Fields of twilio-python's `IncomingPhoneNumberInstance`; those simtel does not simulate
    carry Twilio's defaults for a plain local voice number."""
    merged = {**_NUMBER_DEFAULTS, **{k: v for k, v in doc.items() if v is not None}}
    out = _pick(sim, merged, _NUMBER_FIELDS)
    out["api_version"] = out["api_version"] or API_VERSION
    out["friendly_name"] = out["friendly_name"] or out["phone_number"]
    path = f"{account_path(sim, doc.get('account_sid'))}/IncomingPhoneNumbers/{out['sid']}"
    out["uri"] = f"{path}.json"
    out["subresource_uris"] = {"assigned_add_ons": f"{path}/AssignedAddOns.json"}
    return out
