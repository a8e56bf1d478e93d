"""Recording media for the console's player and download links, fetched through the REST API.

`/_simtel/console/recordings/{RE}/media.wav` (or `.mp3`) answers exactly what
`/2010-04-01/Accounts/{AC}/Recordings/{RE}.wav` does, `RequestedChannels` included, for a
signed-in browser even when the account enforces HTTP auth on media. `download=1` adds a
`Content-Disposition: attachment` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

if TYPE_CHECKING:
    from simtel.console.site import Site

FORMATS = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}


async def media(site: Site, request: Request) -> Response:
    sid, fmt = request.path_params["sid"], request.path_params["fmt"]
    if fmt not in FORMATS:
        return PlainTextResponse("media is .wav or .mp3", status_code=404)
    query = {}
    channels = request.query_params.get("RequestedChannels")
    if channels:
        query["RequestedChannels"] = channels[:4]
    answer = await site.api.get(f"Recordings/{sid}.{fmt}", query)
    if not answer.ok:
        return PlainTextResponse(answer.error, status_code=answer.status)
    headers = {"Cache-Control": "no-store"}
    if request.query_params.get("download") == "1":
        suffix = f"-{channels}ch" if channels else ""
        headers["Content-Disposition"] = f'attachment; filename="{sid}{suffix}.{fmt}"'
    return Response(answer.body, media_type=answer.content_type or FORMATS[fmt], headers=headers)
