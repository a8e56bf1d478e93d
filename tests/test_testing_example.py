"""The README example: a Starlette app under test, simtel as its Twilio, a recording asserted.

The app starts recording each call when Twilio says it was answered (StartCallRecordingAPI, from
inside the status-callback handler) and keeps the recording status callbacks it gets. Only public
API is used: the `simtel_sim`, `simtel_twilio` and `simtel_app` fixtures, twilio and starlette.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import soundfile as sf
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel import Simulator


def voice_app(twilio: Any, recordings: list[dict[str, str]]) -> Starlette:
    """The app under test, as a user would write it."""

    async def call_status(request: Request) -> Response:
        form = await request.form()
        if form["CallStatus"] == "in-progress":
            twilio.calls(form["CallSid"]).recordings.create(
                recording_channels="dual",
                recording_status_callback="http://app.test/recording-status",
            )
        return Response(status_code=204)

    async def recording_status(request: Request) -> Response:
        recordings.append({k: str(v) for k, v in (await request.form()).items()})
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/call-status", call_status, methods=["POST"]),
            Route("/recording-status", recording_status, methods=["POST"]),
        ]
    )


def test_answered_calls_are_recorded(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_app: Any
) -> None:
    recordings: list[dict[str, str]] = []
    base = simtel_app(voice_app(simtel_twilio, recordings))

    call = simtel_twilio.calls.create(
        to="+15005550006",
        from_="+15005550001",
        twiml="<Response><Pause length='60'/></Response>",
        status_callback=f"{base}/call-status",
        status_callback_event=["answered"],
    )
    simtel_sim.advance(120)

    [done] = recordings
    assert (done["CallSid"], done["RecordingStatus"]) == (call.sid, "completed")
    recording = simtel_twilio.recordings(done["RecordingSid"]).fetch()
    assert recording.source == "StartCallRecordingAPI"
    assert recording.channels == 2
    assert recording.duration == done["RecordingDuration"]

    media = simtel_twilio.http_client.request("GET", f"{done['RecordingUrl']}.wav")
    samples, rate = sf.read(io.BytesIO(media.body))
    assert samples.shape[1] == 2
    assert abs(len(samples) / rate - int(recording.duration)) <= 1
    callee, twilio_side = np.abs(samples).max(axis=0)
    assert callee > 0.01  # the called party talks on channel 1...
    assert twilio_side == 0.0  # ...while Twilio's side only <Pause>s
