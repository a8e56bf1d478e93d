"""Transcriptions (`<Record transcribe>` results): the account's list, and a recording's.

Rows come from the store's `transcriptions` table (the transcriber writes them); fetches and lists
are reads, DELETE asks the transcriber to forget one for good. Both schemas share one shape, and
`uri` is the account-level one even under `/Recordings/{RE}/Transcriptions` (as Twilio's examples
show).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api import serializers
from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection
from simtel.api.listing import Listing, Serialize, list_response
from simtel.api.representations import render
from simtel.errors import NotFound

if TYPE_CHECKING:
    from simtel.simulator import Simulator

LISTING = Listing("transcriptions", "transcriptions", "Transcriptions", "Transcription")
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    nested = f"{ACCOUNT}/Recordings/{{recording_sid}}/Transcriptions"
    return [
        *(at(path, account_list, ["GET"]) for path in collection(f"{ACCOUNT}/Transcriptions")),
        at(f"{ACCOUNT}/Transcriptions/{{sid}}", instance, ["GET", "DELETE"]),
        *(at(path, recording_list, ["GET"]) for path in collection(nested)),
        at(f"{nested}/{{sid}}", instance, ["GET", "DELETE"]),
    ]


async def account_list(api: ApiRequest) -> Response:
    return await list_response(api, LISTING, _serializer(api))


async def recording_list(api: ApiRequest) -> Response:
    recording_sid = api.sid("recording_sid", "RE")
    filters = {"recording_sid": recording_sid}
    return await list_response(api, LISTING, _serializer(api), filters=filters)


async def instance(api: ApiRequest) -> Response:
    sid = api.sid("sid", "TR")
    recording_sid = (
        api.sid("recording_sid", "RE") if "recording_sid" in api.request.path_params else None
    )
    doc = await api.read(_find, api.sim, sid, recording_sid, api.path)
    if api.request.method == "DELETE":
        await api.run(api.sim.transcriber.delete, sid)
        return Response(status_code=204)
    return render(serializers.transcription(api.sim, doc), api.fmt, "Transcription")


def _serializer(api: ApiRequest) -> Serialize:
    return lambda doc: serializers.transcription(api.sim, doc)


def _find(sim: Simulator, sid: str, recording_sid: str | None, path: str) -> Doc:
    doc = sim.store.get("transcriptions", sid)
    if doc is None or (recording_sid is not None and doc.get("recording_sid") != recording_sid):
        raise NotFound(path)
    return doc
