"""Recording media: `GET /Recordings/{Sid}` with no suffix or `.wav` (WAV), or `.mp3` (MP3).

The bytes come from `Simulator.recording_media`: 20404 until the recording is `completed` and
after it is deleted; `RequestedChannels=1` (or the docs' `requestedChannels`) down-mixes, `=2`
returns the dual file (a two-party call recording created mono has one), is 20404 on a
single-channel `<Record>` or `<Conference>` recording and 16113 (400) on a one-track recording
(`simtel.engine.recordings.media`).
Media is public unless the account enforces HTTP auth on media (`sim.account.media_auth`); errors
are XML `RestException`s, as Twilio answers a media URL.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from simtel.api.endpoints import ApiRequest, suffix_of

CONTENT_TYPES = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}


def is_media(request: Request) -> bool:
    """A download of audio rather than of the recording's metadata."""
    return request.method in ("GET", "HEAD") and suffix_of(request) in ("", "wav", "mp3")


async def download(api: ApiRequest) -> Response:
    sid = api.sid("sid", "RE")
    fmt = "mp3" if api.suffix == "mp3" else "wav"
    name = "requestedChannels" if api.params.has("requestedChannels") else "RequestedChannels"
    channels = api.params.integer(name, 0, lo=1, hi=2)
    # not `api.run`: `recording_media` takes the lock only to read, and renders outside it
    data = await run_in_threadpool(api.sim.recording_media, sid, fmt, channels or None)
    return Response(data, 200, media_type=CONTENT_TYPES[fmt])
