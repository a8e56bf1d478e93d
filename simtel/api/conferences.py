"""Conferences and their Participants (spec §1.7, §1.8).

* `GET /Conferences` lists newest first, filtered by `FriendlyName`, `Status` and the
  `DateCreated*` / `DateUpdated*` ranges; `GET /Conferences/{CF}` fetches one.
* `POST /Conferences/{CF}` with `Status=completed` ends a live conference (a completed one is
  returned unchanged). `AnnounceUrl` is refused with 20001: announcements are not simulated.
* `POST /Conferences/{CF or friendly name}/Participants` (CreateParticipant, 201) dials `To`
  and joins it when it answers (`simtel.engine.conferences.lifecycle`). The participant starts
  `queued`, becomes `connected` when it joins, `complete` when it leaves, `failed` when the call
  is not answered. Its recording fields (§1.8) are honoured: `Record` records the participant's leg
  (source `OutboundAPI`, `RecordingChannels`/`RecordingTrack`/`Trim`, `RecordingStatusCallback*`),
  `ConferenceRecord` (`true` = `record-from-start`) records the conference, with
  `ConferenceTrim` and `ConferenceRecordingStatusCallback*`. Recording callback events other than
  `in-progress`, `completed`, `absent` and `failed` are refused with 20001 (simtel never sends
  them). Parameters simtel does not simulate are refused with 20001 too.
* `GET /Participants` lists the participants present or being dialled (those who left are
  gone, as on Twilio); `GET`/`POST /Participants/{CA}` fetches one or sets `Muted` / `Hold`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api import serializers
from simtel.api.calls import create_options
from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection, stored
from simtel.api.errors import InvalidParameter
from simtel.api.listing import Listing, list_response
from simtel.api.params import Params
from simtel.api.representations import render
from simtel.api.serializers import account_path
from simtel.engine.conferences.setup import ParticipantRequest, conference_options
from simtel.errors import NotFound, UnsupportedFeature

if TYPE_CHECKING:
    from simtel.simulator import Simulator

STATUSES = ("init", "in-progress", "completed")
CONFERENCE_EVENTS = ("start", "end", "join", "leave", "mute", "hold", "modify", "speaker")
RECORDING_EVENTS = ("in-progress", "completed", "absent", "failed")
TRIMS = ("trim-silence", "do-not-trim")
TIMES = ("date_created", "date_updated", "start_time", "end_time")
UNSUPPORTED = (
    "AnnounceUrl",
    "AnnounceMethod",
    "MachineDetection",
    "AmdStatusCallback",
    "SipAuthUsername",
    "SipAuthPassword",
    "Byoc",
    "CallToken",
    "JitterBufferSize",
    "EarlyMedia",
    "CallerDisplayName",
    "WaitMethod",
)
CONFERENCE_FIELDS = (
    "account_sid",
    "date_created",
    "date_updated",
    "api_version",
    "friendly_name",
    "region",
    "sid",
    "status",
    "reason_conference_ended",
    "call_sid_ending_conference",
)
PARTICIPANT_FIELDS = (
    "account_sid",
    "call_sid",
    "label",
    "call_sid_to_coach",
    "coaching",
    "conference_sid",
    "date_created",
    "date_updated",
    "end_conference_on_exit",
    "muted",
    "hold",
    "start_conference_on_enter",
    "status",
    "queue_time",
)
FILTERS = ("FriendlyName", "Status", "DateCreated", "DateCreated<", "DateCreated>")
CONFERENCES = Listing(
    "conferences",
    "conferences",
    "Conferences",
    "Conference",
    (*FILTERS, "DateUpdated", "DateUpdated<", "DateUpdated>"),
)
PARTICIPANTS = Listing("participants", "participants", "Participants", "Participant")
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    base = f"{ACCOUNT}/Conferences"
    participants = f"{base}/{{conference_sid}}/Participants"
    return [
        *(at(path, conference_list, ["GET"]) for path in collection(base)),
        at(f"{base}/{{sid}}", conference_instance, ["GET", "POST"]),
        *(at(path, participant_list, ["GET", "POST"]) for path in collection(participants)),
        at(f"{participants}/{{call_sid}}", participant_instance, ["GET", "POST"]),
    ]


# -- serializers ----------------------------------------------------------------------------------
def _pick(sim: Simulator, doc: serializers.Doc, names: tuple[str, ...]) -> Doc:
    out: Doc = {}
    for name in names:
        value = doc.get(name)
        out[name] = (
            sim.clock.rfc2822(float(value)) if name in TIMES and value is not None else value
        )
    return out


def conference_json(sim: Simulator, doc: serializers.Doc) -> Doc:
    out = _pick(sim, doc, CONFERENCE_FIELDS)
    path = f"{account_path(sim, doc.get('account_sid'))}/Conferences/{out['sid']}"
    out["uri"] = f"{path}.json"
    out["subresource_uris"] = {
        "participants": f"{path}/Participants.json",
        "recordings": f"{path}/Recordings.json",
    }
    return out


def participant_json(sim: Simulator, doc: serializers.Doc) -> Doc:
    out = _pick(sim, doc, PARTICIPANT_FIELDS)
    base = account_path(sim, doc.get("account_sid"))
    path = f"{base}/Conferences/{out['conference_sid']}/Participants"
    out["uri"] = f"{path}/{out['call_sid']}.json"
    return out


# -- conferences ----------------------------------------------------------------------------------
async def conference_list(api: ApiRequest) -> Response:
    params = api.params
    filters: dict[str, object] = {}
    name = params.text("FriendlyName", max_length=128)
    if name is not None:
        filters["friendly_name"] = name
    if params.text("Status") is not None:
        filters["status"] = params.choice("Status", STATUSES, "")
    ranges = [
        bounds
        for param, column in (("DateCreated", "date_created"), ("DateUpdated", "date_updated"))
        if (bounds := params.date_range(api.sim.clock, param, column)) is not None
    ]
    sim = api.sim
    return await list_response(
        api, CONFERENCES, lambda doc: conference_json(sim, doc), filters=filters, ranges=ranges
    )


async def conference_instance(api: ApiRequest) -> Response:
    sid = api.sid("sid", "CF")
    ending = False
    if api.request.method == "POST":
        _refuse_unsupported(api.params)
        ending = bool(api.params.choice("Status", ("completed",), ""))
    if ending:
        doc = await api.run(_end, api.sim, sid, api.path)
    else:
        doc = await api.read(stored, api.sim, "conferences", sid, api.path)
    return render(conference_json(api.sim, doc), api.fmt, "Conference")


def _end(sim: Simulator, sid: str, path: str) -> Doc:
    if sid not in sim.conferences.by_sid:
        raise NotFound(path)
    sim.conferences.end(sid)
    sim.store.flush()
    return stored(sim, "conferences", sid, path)


# -- participants ---------------------------------------------------------------------------------
async def participant_list(api: ApiRequest) -> Response:
    raw = str(api.request.path_params["conference_sid"])
    conference = raw.removesuffix(f".{api.suffix}") if api.suffix else raw
    if api.request.method == "POST":
        request = participant_request(api.params)
        api.require_active()
        doc = await api.run(_create, api.sim, conference, request, api.account_sid)
        return render(participant_json(api.sim, doc), api.fmt, "Participant", 201)
    conference_sid = api.sid("conference_sid", "CF")
    filters: dict[str, object] = {"conference_sid": conference_sid, "listed": True}
    for name in ("Muted", "Hold", "Coaching"):
        if api.params.text(name) is not None:
            filters[name.lower()] = api.params.boolean(name)
    sim = api.sim
    return await list_response(
        api, PARTICIPANTS, lambda doc: participant_json(sim, doc), filters=filters
    )


async def participant_instance(api: ApiRequest) -> Response:
    conference_sid = api.sid("conference_sid", "CF")
    call_sid = api.sid("call_sid", "CA")
    if api.request.method == "POST":
        _refuse_unsupported(api.params)
        muted = api.params.boolean("Muted") if api.params.text("Muted") else None
        hold = api.params.boolean("Hold") if api.params.text("Hold") else None
        args = (api.sim, conference_sid, call_sid, api.path, muted, hold)
        doc = await api.run(_update_participant, *args)
    else:
        doc = await api.read(_participant, api.sim, conference_sid, call_sid, api.path)
    return render(participant_json(api.sim, doc), api.fmt, "Participant")


def participant_request(params: Params) -> ParticipantRequest:
    """CreateParticipant's parameters, validated (see the module docstring)."""
    _refuse_unsupported(params)
    for name in ("RecordingStatusCallbackEvent", "ConferenceRecordingStatusCallbackEvent"):
        params.events(name, RECORDING_EVENTS, ("completed",), 20001)
    to, from_, options = create_options(_with_placeholder_url(params))
    options = replace(options, url=None, twiml=None)
    record = params.choice(
        "ConferenceRecord", ("true", "false", "record-from-start", "do-not-record"), "false"
    )
    coach = params.text("CallSidToCoach") if params.boolean("Coaching") else None
    conference = conference_options(
        muted=params.boolean("Muted"),
        beep=params.choice("Beep", ("true", "false", "onEnter", "onExit"), "true"),
        start_conference_on_enter=params.boolean("StartConferenceOnEnter", True),
        end_conference_on_exit=params.boolean("EndConferenceOnExit"),
        participant_label=params.text("Label", max_length=128),
        wait_url=params.get("WaitUrl"),
        max_participants=params.integer("MaxParticipants", 250, lo=2, hi=250),
        record="record-from-start" if record in ("true", "record-from-start") else record,
        trim=params.choice("ConferenceTrim", TRIMS, "trim-silence"),
        region=params.text("Region"),
        coach=coach,
        status_callback=params.text("ConferenceStatusCallback"),
        status_callback_event=params.events(
            "ConferenceStatusCallbackEvent", CONFERENCE_EVENTS, (), 20001
        ),
        status_callback_method=params.method("ConferenceStatusCallbackMethod", code=20001),
        recording_status_callback=params.text("ConferenceRecordingStatusCallback"),
        recording_status_callback_method=params.method(
            "ConferenceRecordingStatusCallbackMethod", code=20001
        ),
        recording_status_callback_event=params.events(
            "ConferenceRecordingStatusCallbackEvent", RECORDING_EVENTS, ("completed",), 20001
        ),
    )
    return ParticipantRequest(to=to, from_=from_, call=options, conference=conference)


def _refuse_unsupported(params: Params) -> None:
    for name in UNSUPPORTED:
        if params.text(name) is not None:
            raise UnsupportedFeature(name)


def _with_placeholder_url(params: Params) -> Params:
    """CreateCall's validation without its `Url` requirement (a participant runs no TwiML)."""
    return Params([*params.pairs, ("Url", "https://participant.invalid/")])


def _create(
    sim: Simulator, conference: str, request: ParticipantRequest, account_sid: str
) -> Doc:
    if not conference:
        raise InvalidParameter("A conference SID or friendly name is required", 16003)
    participant = sim.conferences.create_participant(conference, request, account_sid)
    sim.store.flush()
    return participant.fields()


def _participant(sim: Simulator, conference_sid: str, call_sid: str, path: str) -> Doc:
    try:
        participant = sim.conferences.participant(conference_sid, call_sid)
    except NotFound:
        raise NotFound(path) from None
    return participant.fields()


def _update_participant(
    sim: Simulator,
    conference_sid: str,
    call_sid: str,
    path: str,
    muted: bool | None,
    hold: bool | None,
) -> Doc:
    try:
        participant = sim.conferences.update_participant(
            conference_sid, call_sid, muted=muted, hold=hold
        )
    except NotFound:
        raise NotFound(path) from None
    return participant.fields()
