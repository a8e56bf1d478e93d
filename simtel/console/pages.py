"""The console's pages: one handler per page, each reading the store with paged queries.

Lists never read a whole table: a page of `PAGE_SIZE` rows through `Store.list_page` (Twilio's
`PA`/`PB` tokens), so a run with 10k or a million calls renders as fast as one with ten.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from simtel.api.calls import CALL_STATUSES
from simtel.console import views
from simtel.report.data import status_changes
from simtel.store.queries import DateRange, PageTokenError

if TYPE_CHECKING:
    from simtel.console.site import Site

PAGE_SIZE = 50
DIRECTIONS = (
    "inbound",
    "outbound-api",
    "outbound-dial",
    "trunking-terminating",
    "trunking-originating",
)
RECENT = 10
MAX_FILTER = 64


def _filter(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()[:MAX_FILTER]
    return value or None


def _page(site: Site, request: Request, table: str, filters: dict[str, object], **kw: Any) -> Any:
    token = _filter(request, "PageToken")
    try:
        return site.sim.store.list_page(
            table, filters=filters, page_size=PAGE_SIZE, page_token=token, **kw
        )
    except PageTokenError:
        return site.sim.store.list_page(table, filters=filters, page_size=PAGE_SIZE, **kw)


def _query(request: Request, token: str | None) -> str:
    """The current query string with `PageToken` set to `token`."""
    params = {k: v for k, v in request.query_params.items() if k != "PageToken" and v}
    if token:
        params["PageToken"] = token
    return "?" + urlencode(params)


async def home(site: Site, request: Request) -> Response:
    store = site.sim.store
    recent = store.list_page("calls", page_size=RECENT).items
    counts = {name: store.count(name) for name in ("calls", "recordings", "conferences")}
    numbers = store.list_page("numbers", page_size=200).items
    return site.render(
        request,
        "home.html",
        {"recent": recent, "counts": counts, "numbers": numbers},
        nav="home",
    )


async def calls(site: Site, request: Request) -> Response:
    filters: dict[str, object] = {}
    for name, column in (("Status", "status"), ("From", "from"), ("To", "to")):
        value = _filter(request, name)
        if value is not None:
            filters[column] = value
    direction = _filter(request, "Direction")
    if direction is not None:
        filters["direction"] = direction
    parent = _filter(request, "ParentCallSid")
    if parent is not None:
        filters["parent_call_sid"] = parent
    page = _page(site, request, "calls", filters)
    context = {
        "page": page,
        "statuses": CALL_STATUSES,
        "directions": DIRECTIONS,
        "query": dict(request.query_params),
        "next_query": _query(request, page.next_token) if page.next_token else None,
        "previous_query": _query(request, page.previous_token) if page.previous_token else None,
    }
    return site.render(request, "calls.html", context, nav="calls")


async def call(site: Site, request: Request) -> Response:
    sid = request.path_params["sid"]
    sim = site.sim
    doc = sim.store.get("calls", sid)
    if doc is None:
        return site.render(request, "missing.html", {"what": f"call {sid}"}, nav="calls")
    root, legs = views.family_of(sim, doc)
    family = [root["sid"], *(leg["sid"] for leg in legs)]
    recordings = views.recordings_of(sim, family)
    recording_sids = [r["sid"] for r in recordings]
    events = sim.store.events(sid=sid)
    conference = sim.store.list_page("participants", filters={"call_sid": sid}, page_size=20)
    context = {
        "call": doc,
        "root": root,
        "legs": legs,
        "recordings": recordings,
        "timeline": views.timeline_svg(sim, root, legs, recordings),
        "verbs": views.executed_verbs(events),
        "exchanges": views.exchanges(sim, [sid, *recording_sids]),
        "notifications": views.notifications_of(sim, [sid, *recording_sids]),
        "participations": conference.items,
        "live": doc.get("status") in ("queued", "ringing", "in-progress"),
    }
    return site.render(request, "call.html", context, nav="calls")


async def recordings(site: Site, request: Request) -> Response:
    filters: dict[str, object] = {}
    for name, column in (("CallSid", "call_sid"), ("ConferenceSid", "conference_sid")):
        value = _filter(request, name)
        if value is not None:
            filters[column] = value
    ranges = _date_ranges(site, request)
    deleted = _filter(request, "IncludeSoftDeleted") == "true"
    page = _page(site, request, "recordings", filters, date_filters=ranges, include_deleted=deleted)
    context = {
        "page": page,
        "query": dict(request.query_params),
        "next_query": _query(request, page.next_token) if page.next_token else None,
        "previous_query": _query(request, page.previous_token) if page.previous_token else None,
    }
    return site.render(request, "recordings.html", context, nav="recordings")


def _date_ranges(site: Site, request: Request) -> list[DateRange]:
    """`DateCreated` (that day), `DateCreatedAfter`, `DateCreatedBefore` as YYYY-MM-DD."""
    bounds: dict[str, date] = {}
    for name, key in (
        ("DateCreated", "on"),
        ("DateCreatedAfter", "on_or_after"),
        ("DateCreatedBefore", "before"),
    ):
        value = _filter(request, name)
        if value is None:
            continue
        try:
            bounds[key] = date.fromisoformat(value)
        except ValueError:
            continue
    if not bounds:
        return []
    return [DateRange.from_dates(site.sim.clock, "date_created", **bounds)]


async def recording(site: Site, request: Request) -> Response:
    sid = request.path_params["sid"]
    sim = site.sim
    doc = sim.store.get("recordings", sid)
    if doc is None:
        return site.render(request, "missing.html", {"what": f"recording {sid}"}, "recordings")
    served = await site.api.get(f"Recordings/{sid}.json")
    wave = None
    if doc.get("status") == "completed":
        media = await site.api.get(f"Recordings/{sid}.wav")
        if media.ok:
            wave = views.waveform(sim, doc, media.body)
    transcriptions = sim.store.list_page(
        "transcriptions", filters={"recording_sid": sid}, page_size=10
    ).items
    events = sim.store.events(sid=sid)
    context = {
        "recording": doc,
        "served": served.body.decode("utf-8", "replace"),
        "served_status": served.status,
        "wave": wave,
        "history": status_changes(events),
        "transcriptions": transcriptions,
        "exchanges": _about_recording(site, doc),
    }
    return site.render(request, "recording.html", context, nav="recordings")


def _about_recording(site: Site, doc: dict[str, Any]) -> list[views.Exchange]:
    """The webhooks about a recording: logged under it, or under its call or conference with
    its SID as `RecordingSid` (status and transcription callbacks)."""
    sid = str(doc["sid"])
    owners = [str(o) for o in (doc.get("call_sid"), doc.get("conference_sid")) if o]
    return [
        x
        for x in views.exchanges(site.sim, [sid, *owners])
        if x.sid == sid or ("RecordingSid", sid) in x.params
    ]
