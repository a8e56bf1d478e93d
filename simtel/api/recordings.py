"""The Recording resource under its three parents: the account, a call, a conference.

* `POST /Calls/{CA}/Recordings` starts a recording of a live call (`StartCallRecordingAPI`) with
  CreateCallRecording's defaults: mono, track `both`, `do-not-trim`, callback on `completed`;
  21220 unless the call is in progress. `PlayBeep`, `Transcribe`, `TranscriptionConfiguration` and
  `RecordingConfigurationId` are accepted and ignored, as Twilio's own examples send them.
* `POST /Calls/{CA}/Recordings/{RE|Twilio.CURRENT}` and the conference twin set `Status`
  (`paused` with `PauseBehavior`, `in-progress`, `stopped`); on a call that is no longer in
  progress the answer is 21220. The recorder refuses illegal moves (16114), `stopped` on a
  conference (21220) and an ambiguous `Twilio.CURRENT` (16108).
* `DELETE` works on `completed` recordings only (20009); the metadata stays, status `deleted`,
  visible at the account level with `IncludeSoftDeleted=true` until it is purged. Under a call or
  a conference a deleted recording is gone (their schemas have no `deleted` status).
* Reads (fetch and list) show only `processing`, `completed`, `absent` or `deleted`: a recording
  still capturing, paused or stopped reads `processing` (the seed: "a fetch on the recording
  resource will show only processing or completed"); the answers to create and update carry the
  detailed status (`in-progress`, `paused`, `stopped`), as the seed and Twilio's examples show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api import media, serializers
from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection
from simtel.api.errors import InvalidParameter
from simtel.api.listing import Listing, list_response
from simtel.api.representations import render
from simtel.api.serializers import RecordingView
from simtel.engine.calls.call import RecordingOptions
from simtel.engine.recordings.recorder import CURRENT
from simtel.engine.recordings.recording import Recording
from simtel.errors import InvalidCallState, NotFound

if TYPE_CHECKING:
    from simtel.simulator import Simulator

RECORDING_EVENTS = ("in-progress", "completed", "absent")
UPDATE_STATUSES = ("in-progress", "paused", "stopped", "processing", "completed", "absent")
DATE_FILTERS = ("DateCreated", "DateCreated<", "DateCreated>")
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    calls = f"{ACCOUNT}/Calls/{{call_sid}}/Recordings"
    conferences = f"{ACCOUNT}/Conferences/{{conference_sid}}/Recordings"
    return [
        *(at(p, account_list, ["GET"]) for p in collection(f"{ACCOUNT}/Recordings")),
        at(f"{ACCOUNT}/Recordings/{{sid}}", account_instance, ["GET", "DELETE"], media.is_media),
        *(at(p, call_list, ["GET", "POST"]) for p in collection(calls)),
        at(f"{calls}/{{sid}}", call_instance, ["GET", "POST", "DELETE"]),
        *(at(p, conference_list, ["GET"]) for p in collection(conferences)),
        at(f"{conferences}/{{sid}}", conference_instance, ["GET", "POST", "DELETE"]),
    ]


def _listing(*filters: str) -> Listing:
    return Listing("recordings", "recordings", "Recordings", "Recording", (*DATE_FILTERS, *filters))


# -- the account's recordings ---------------------------------------------------------------------
async def account_list(api: ApiRequest) -> Response:
    params = api.params
    filters: dict[str, object] = {}
    for name, column in (("CallSid", "call_sid"), ("ConferenceSid", "conference_sid")):
        value = params.text(name, max_length=64)
        if value is not None:
            filters[column] = value
    return await _list(
        api,
        _listing("CallSid", "ConferenceSid", "IncludeSoftDeleted"),
        "account",
        filters,
        include_deleted=params.boolean("IncludeSoftDeleted"),
    )


async def account_instance(api: ApiRequest) -> Response:
    if media.is_media(api.request):
        return await media.download(api)
    sid = api.sid("sid", "RE")
    if api.request.method == "DELETE":
        await api.run(_delete, api.sim, sid, api.path, None, None)
        return Response(status_code=204)
    deleted_ok = api.params.boolean("IncludeSoftDeleted")
    doc = await api.read(_find, api.sim, sid, api.path, None, None, deleted_ok)
    return _one(api, doc, "account")


# -- a call's recordings --------------------------------------------------------------------------
async def call_list(api: ApiRequest) -> Response:
    call_sid = api.sid("call_sid", "CA")
    if api.request.method == "POST":
        options = _start_options(api)
        api.require_active()
        doc = await api.run(_start, api.sim, call_sid, options, api.path)
        return _one(api, doc, "call", 201, detailed=True)
    return await _list(api, _listing(), "call", {"call_sid": call_sid})


async def call_instance(api: ApiRequest) -> Response:
    return await _instance(api, "call", api.sid("call_sid", "CA"))


# -- a conference's recordings --------------------------------------------------------------------
async def conference_list(api: ApiRequest) -> Response:
    conference_sid = api.sid("conference_sid", "CF")
    return await _list(api, _listing(), "conference", {"conference_sid": conference_sid})


async def conference_instance(api: ApiRequest) -> Response:
    return await _instance(api, "conference", api.sid("conference_sid", "CF"))


# -- shared -------------------------------------------------------------------------------------
async def _list(
    api: ApiRequest,
    listing: Listing,
    view: RecordingView,
    filters: dict[str, object],
    *,
    include_deleted: bool = False,
) -> Response:
    ranges = api.params.date_range(api.sim.clock, "DateCreated", "date_created")
    return await list_response(
        api,
        listing,
        _serializer(api.sim, view),
        filters=filters,
        ranges=() if ranges is None else (ranges,),
        include_deleted=include_deleted,
        same=serializers.same_output(api.sim, "recording", view),
    )


def _serializer(sim: Simulator, view: RecordingView) -> Callable[[serializers.Doc], Doc]:
    return lambda doc: serializers.recording(sim, doc, view)


def _one(
    api: ApiRequest, doc: Doc, view: RecordingView, status: int = 200, *, detailed: bool = False
) -> Response:
    body = serializers.recording(api.sim, doc, view, detailed=detailed)
    return render(body, api.fmt, "Recording", status)


async def _instance(api: ApiRequest, view: RecordingView, owner: str) -> Response:
    """GET, POST (update) and DELETE of `/Calls/{CA}/Recordings/{Sid}` or the conference twin."""
    key = "call_sid" if view == "call" else "conference_sid"
    method = api.request.method
    if method == "POST":
        status, behavior = _update_params(api)
        raw = str(api.request.path_params["sid"])
        sid = raw.removesuffix(f".{api.suffix}") if api.suffix else raw
        if sid != CURRENT:
            sid = api.sid("sid", "RE")
        doc = await api.run(_update, api.sim, view, owner, sid, status, behavior, api.path)
        return _one(api, doc, view, detailed=True)
    sid = api.sid("sid", "RE")
    if method == "DELETE":
        await api.run(_delete, api.sim, sid, api.path, key, owner)
        return Response(status_code=204)
    doc = await api.read(_find, api.sim, sid, api.path, key, owner, False)
    return _one(api, doc, view)


def _start_options(api: ApiRequest) -> RecordingOptions:
    params = api.params
    return RecordingOptions(
        channels=params.choice("RecordingChannels", ("mono", "dual"), "mono"),
        track=params.choice("RecordingTrack", ("inbound", "outbound", "both"), "both"),
        trim=params.choice("Trim", ("trim-silence", "do-not-trim"), "do-not-trim"),
        status_callback=_url(params.text("RecordingStatusCallback")),
        status_callback_method=params.method("RecordingStatusCallbackMethod", code=20001),
        status_callback_events=params.events(
            "RecordingStatusCallbackEvent", RECORDING_EVENTS, ("completed",), 20001
        ),
    )


def _url(value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise InvalidParameter(f"RecordingStatusCallback is not a valid URL: '{value}'", 21205)
    return value


def _update_params(api: ApiRequest) -> tuple[str, str]:
    status = api.params.text("Status")
    if status is None:
        raise InvalidParameter("Missing required parameter Status in the post body")
    status = api.params.choice("Status", UPDATE_STATUSES, status)
    behavior = api.params.choice("PauseBehavior", ("skip", "silence"), "silence")
    return status, behavior


# -- commands (run under the simulator's lock) ---------------------------------------------------
def _doc(sim: Simulator, sid: str) -> Doc:
    doc = sim.store.get("recordings", sid)
    return {} if doc is None else doc


def _belongs(sim: Simulator, doc: Doc, key: str | None, owner: str | None) -> bool:
    """Whether the recording of `doc` is listed under `owner` (any, when `key` is None)."""
    if key is None or owner is None or doc.get(key) == owner:
        return True
    return any(r.sid == doc.get("sid") for r in sim.recorder.by_owner.get(owner, []))


def _find(
    sim: Simulator, sid: str, path: str, key: str | None, owner: str | None, deleted_ok: bool
) -> Doc:
    doc = _doc(sim, sid)
    if not doc or not _belongs(sim, doc, key, owner):
        raise NotFound(path)
    if doc.get("status") == "deleted" and not deleted_ok:
        raise NotFound(path)
    return doc


def _delete(sim: Simulator, sid: str, path: str, key: str | None, owner: str | None) -> None:
    doc = _find(sim, sid, path, key, owner, False)
    recording = sim.recorder.recordings.get(sid)
    if recording is not None:
        sim.recorder.delete(recording)
    else:  # the engine let go of it (keep_media=False): the stored row is its record
        sim.recorder.delete_released(sid, str(doc["status"]))


def _start(sim: Simulator, call_sid: str, options: RecordingOptions, path: str) -> Doc:
    call = sim.calls.get(call_sid)
    if call is None:
        raise NotFound(path)
    recording = sim.recorder.start_call_recording(call, "StartCallRecordingAPI", options)
    return _doc(sim, recording.sid) or recording.fields()


def _update(
    sim: Simulator,
    view: RecordingView,
    owner: str,
    sid: str,
    status: str,
    behavior: str,
    path: str,
) -> Doc:
    if view == "call":
        call = sim.calls.get(owner)
        if call is None:
            raise NotFound(path)
        if not call.in_progress:
            raise InvalidCallState(call.sid, call.status)
    recording = _owned(sim, view, owner, sid, path)
    sim.recorder.update(recording, status, behavior)
    return _doc(sim, recording.sid) or recording.fields()


def _owned(sim: Simulator, view: RecordingView, owner: str, sid: str, path: str) -> Recording:
    if sid == CURRENT:
        return sim.recorder.resolve(owner, sid, path)
    recording = sim.recorder.recordings.get(sid)
    key = "call_sid" if view == "call" else "conference_sid"
    if recording is None or not _belongs(sim, recording.fields(), key, owner):
        raise NotFound(path)
    return recording
