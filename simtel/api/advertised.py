"""Subresources every Recording and Call advertises that simtel has nothing to put in.

* `Recordings/{RE}/AddOnResults`: Marketplace add-ons are not simulated, so a recording has no
  add-on results. The list is empty (key `add_on_results`, as the OpenAPI `readEmpty` example);
  an instance is 20404, as for any result that does not exist.
* `Calls/{CA}/Transcriptions`: the realtime transcriptions (`GT` SIDs) of a call. Twilio's API has
  only create and stop there; simtel does not simulate realtime transcription, so a GET of the
  advertised link answers an empty list (key `transcriptions`) and a create is refused out loud
  (20001 "… is not supported by simtel").

Both lists need their parent: an unknown recording or call is 20404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection, stored
from simtel.api.listing import page_envelope
from simtel.api.representations import render_list
from simtel.errors import NotFound, UnsupportedFeature
from simtel.store import Page

if TYPE_CHECKING:
    from simtel.simulator import Simulator


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    add_ons = f"{ACCOUNT}/Recordings/{{reference_sid}}/AddOnResults"
    realtime = f"{ACCOUNT}/Calls/{{call_sid}}/Transcriptions"
    return [
        *(at(path, add_on_results, ["GET"]) for path in collection(add_ons)),
        at(f"{add_ons}/{{sid}}", add_on_result, ["GET", "DELETE"]),
        *(at(path, realtime_transcriptions, ["GET", "POST"]) for path in collection(realtime)),
        at(f"{realtime}/{{sid}}", realtime_transcription, ["POST"]),
    ]


async def add_on_results(api: ApiRequest) -> Response:
    sid = api.sid("reference_sid", "RE")
    await api.read(stored, api.sim, "recordings", sid, api.path)
    return _empty(api, "add_on_results", "AddOnResults", "AddOnResult")


async def add_on_result(api: ApiRequest) -> Response:
    sid = api.sid("reference_sid", "RE")
    await api.read(stored, api.sim, "recordings", sid, api.path)
    raise NotFound(api.path)


async def realtime_transcriptions(api: ApiRequest) -> Response:
    call_sid = api.sid("call_sid", "CA")
    await api.read(stored, api.sim, "calls", call_sid, api.path)
    if api.request.method == "POST":
        raise UnsupportedFeature("Realtime transcription (CreateRealtimeTranscription)")
    return _empty(api, "transcriptions", "Transcriptions", "Transcription")


async def realtime_transcription(api: ApiRequest) -> Response:
    call_sid = api.sid("call_sid", "CA")
    await api.read(stored, api.sim, "calls", call_sid, api.path)
    raise NotFound(api.path)


def _empty(api: ApiRequest, key: str, element: str, item_element: str) -> Response:
    paging = api.params.paging()
    page = Page([], paging.page, paging.page_size, None, None, paging.token)
    body = page_envelope(api.path, [], paging, page, key, [])
    return render_list(body, api.fmt, key, element, item_element)
