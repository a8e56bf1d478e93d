"""Store rows to Twilio's JSON and XML, and the paging envelope of the 2010 API.

The store keeps API field names with times as simulated seconds; here times become RFC 2822 GMT
strings, and `uri`, `subresource_uris` and `media_url` are built. Each resource keeps the key set
of its OpenAPI schema: the three recording views differ (account-level: `subresource_uris` and
`media_url`, no `track`; call: `track` only; conference: neither). Prices stay decimal strings
(`"-0.0025"`) even where the schema says `number`, as Twilio's own examples do.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from starlette.responses import Response

from simtel.api.errors import JSON_TYPE, XML_TYPE, InvalidParameter, xml_text
from simtel.api.params import ApiRequest, Paging
from simtel.store import DateRange, Page, PageTokenError

if TYPE_CHECKING:
    from simtel.simulator import Simulator

API_VERSION = "2010-04-01"
CSV_TYPE = "text/csv; charset=utf-8"
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


# -- lists ----------------------------------------------------------------------------------------
def page_envelope(
    path: str,
    echoed: list[tuple[str, str]],
    paging: Paging,
    page: Page,
    key: str,
    items: Sequence[object],
) -> dict[str, Any]:
    """Twilio's list body: URIs relative, filters echoed first, then PageSize and Page."""

    def uri(page_number: int, token: str | None) -> str:
        query = [*echoed, ("PageSize", str(paging.page_size)), ("Page", str(page_number))]
        if token is not None:
            query.append(("PageToken", token))
        return f"{path}?{urlencode(query)}"

    start = paging.page * paging.page_size
    return {
        "first_page_uri": uri(0, None),
        "end": start + len(items) - 1 if items else 0,
        "previous_page_uri": (
            uri(max(paging.page - 1, 0), page.previous_token) if page.previous_token else None
        ),
        key: items,
        "uri": uri(paging.page, paging.token),
        "page_size": paging.page_size,
        "start": start if items else 0,
        "next_page_uri": uri(paging.page + 1, page.next_token) if page.next_token else None,
        "page": paging.page,
    }


# -- responses ------------------------------------------------------------------------------------
def render(body: dict[str, Any], fmt: str, element: str, status: int = 200) -> Response:
    """`body` as JSON, as CSV (one row), or as XML in `<TwilioResponse><element>`."""
    if fmt == "json":
        return Response(json.dumps(body), status, media_type=JSON_TYPE)
    if fmt == "csv":
        return _csv([body], status)
    root = ET.Element("TwilioResponse")
    _fill(ET.SubElement(root, element), body)
    return _xml(root, status)


def render_list(
    body: dict[str, Any], fmt: str, key: str, element: str, item_element: str
) -> Response:
    if fmt == "json":
        return Response(json.dumps(body), 200, media_type=JSON_TYPE)
    if fmt == "csv":
        return _csv(body[key], 200)
    root = ET.Element("TwilioResponse")
    attributes = {
        "page": body["page"],
        "pagesize": body["page_size"],
        "start": body["start"],
        "end": body["end"],
        "uri": body["uri"],
        "firstpageuri": body["first_page_uri"],
        "previouspageuri": body["previous_page_uri"],
        "nextpageuri": body["next_page_uri"],
    }
    container = ET.SubElement(
        root, element, {name: "" if v is None else xml_text(v) for name, v in attributes.items()}
    )
    for item in body[key]:
        _fill(ET.SubElement(container, item_element), item)
    return _xml(root, 200)


def _csv(items: Sequence[Mapping[str, Any]], status: int) -> Response:
    """Twilio's `.csv` alternate representation (docs, "Alternative Representations"): a header
    row of the XML element names, then one row per item. Nested maps (`subresource_uris`,
    `encryption_details`) are left out; nulls are empty; URIs lose `.json` as in XML. A list
    answers its page, without the paging envelope; an empty one is an empty body."""
    if not items:
        return Response("", status, media_type=CSV_TYPE)
    names = [name for name, value in items[0].items() if not isinstance(value, Mapping)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_camel(name) for name in names])
    for item in items:
        writer.writerow([_csv_cell(item.get(name)) for name in names])
    return Response(out.getvalue(), status, media_type=CSV_TYPE)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(f"/{API_VERSION}/"):
        return value.removesuffix(".json")
    return str(value)


def _xml(root: ET.Element, status: int) -> Response:
    return Response(
        ET.tostring(root, encoding="utf-8", xml_declaration=True), status, media_type=XML_TYPE
    )


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _fill(element: ET.Element, body: Mapping[str, Any]) -> None:
    """JSON names to UpperCamelCase elements; nulls empty; URIs without `.json`."""
    for name, value in body.items():
        child = ET.SubElement(element, _camel(name))
        if isinstance(value, Mapping):
            _fill(child, value)
        elif value is None:
            continue
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, str) and value.startswith(f"/{API_VERSION}/"):
            child.text = xml_text(value.removesuffix(".json"))
        else:
            child.text = xml_text(value)


# -- list endpoints -------------------------------------------------------------------------------
Serialize = Callable[[Doc], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Listing:
    """What one list endpoint reads and how it answers."""

    table: str
    key: str
    element: str
    item_element: str
    echo: tuple[str, ...] = ()


async def list_response(
    api: ApiRequest,
    listing: Listing,
    serialize: Serialize,
    *,
    filters: Mapping[str, object] | None = None,
    ranges: Sequence[DateRange] = (),
    include_deleted: bool = True,
    same: Hashable | None = None,
) -> Response:
    """A page of `listing.table` (newest first) in Twilio's envelope, as JSON or XML.

    `same`, when given, says that `serialize` answers equal stored documents with equal items
    whenever `same` is equal (say, the view and the account's URLs): a JSON page then reuses the
    JSON text it made of an unchanged document (`ItemTexts`), instead of serializing and encoding
    it again."""
    fmt = api.fmt
    paging = api.params.paging()
    if api.sim.accounts.has_subaccounts:  # every resource lives under its account
        filters = {**(filters or {}), "account_sid": api.account_sid}

    def read() -> Page:
        try:
            return api.sim.store.list_page(
                listing.table,
                filters=filters,
                date_filters=list(ranges),
                page_size=paging.page_size,
                page=paging.page,
                page_token=paging.token,
                include_deleted=include_deleted,
            )
        except PageTokenError as error:
            raise InvalidParameter(f"Invalid PageToken: {error}") from None

    page = await api.read(read)
    echoed = api.params.echo(listing.echo)
    if fmt == "json" and same is not None and len(page.raw) == len(page.items):
        texts = [
            _ITEM_TEXTS.text((listing.table, same, raw), serialize, doc)
            for raw, doc in zip(page.raw, page.items, strict=True)
        ]
        body = page_envelope(api.path, echoed, paging, page, listing.key, texts)
        body[listing.key] = _ITEMS_HERE
        encoded = json.dumps(body).replace(f'"{_ITEMS_HERE}"', "[" + ", ".join(texts) + "]", 1)
        return Response(encoded, 200, media_type=JSON_TYPE)
    items = [serialize(doc) for doc in page.items]
    body = page_envelope(api.path, echoed, paging, page, listing.key, items)
    return render_list(body, fmt, listing.key, listing.element, listing.item_element)


#: where a JSON page's items go in its encoded envelope (URIs are URL-encoded: no `@` in them)
_ITEMS_HERE = "@@simtel-list-items@@"


class ItemTexts:
    """The JSON text of list items by (table, `same`, stored SID and document), least recently
    used forgotten first beyond `capacity`. Thread-safe."""

    def __init__(self, capacity: int = 5_000) -> None:
        self.capacity = capacity
        self._texts: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def text(self, key: Hashable, serialize: Serialize, doc: Doc) -> str:
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        made = json.dumps(serialize(doc))
        with self._lock:
            self._texts[key] = made
            if len(self._texts) > self.capacity:
                self._texts.popitem(last=False)
        return made


_ITEM_TEXTS = ItemTexts()
