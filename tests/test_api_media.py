"""Recording media downloads: formats, channels, availability, and media auth."""

from __future__ import annotations

import io
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import soundfile as sf
from conftest_api import asgi_request, auth_of
from twilio.rest import Client

from simtel.simulator import Simulator


def completed_recording(sim: Simulator, client: Client, channels: str) -> str:
    call = sim.create_call("+15551230001", "+15559870000")
    sim.advance(5)
    sid = client.calls(call.sid).recordings.create(recording_channels=channels).sid
    sim.advance(10)
    client.calls(call.sid).recordings(sid).update(status="stopped")
    return sid


def media_path(sim: Simulator, sid: str, suffix: str = "") -> str:
    return f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{sid}{suffix}"


def decode(body: bytes) -> tuple[np.ndarray, int]:
    data, rate = sf.read(io.BytesIO(body), always_2d=True)
    return data, rate


def test_not_available_until_completed(sim: Simulator, client: Client, app: Any) -> None:
    sid = completed_recording(sim, client, "mono")
    early = asgi_request(app, "GET", media_path(sim, sid, ".wav"))
    assert early.status == 404
    assert ET.fromstring(early.body).findtext("RestException/Code") == "20404"
    sim.advance(30)
    ready = asgi_request(app, "GET", media_path(sim, sid))
    assert ready.status == 200 and ready.headers["content-type"] == "audio/x-wav"
    samples, rate = decode(ready.body)
    duration = int(client.recordings(sid).fetch().duration)
    assert rate == 8000 and samples.shape[1] == 1
    assert abs(samples.shape[0] / rate - duration) <= 1.0
    assert np.abs(samples).max() > 0.01  # the callee's voice is in it


def test_formats_and_requested_channels(sim: Simulator, client: Client, app: Any) -> None:
    dual = completed_recording(sim, client, "dual")
    mono = completed_recording(sim, client, "mono")
    sim.advance(30)
    wav = asgi_request(app, "GET", media_path(sim, dual, ".wav"))
    assert decode(wav.body)[0].shape[1] == 2
    down = asgi_request(app, "GET", media_path(sim, dual, ".wav"), query="RequestedChannels=1")
    assert decode(down.body)[0].shape[1] == 1
    mp3 = asgi_request(app, "GET", media_path(sim, dual, ".mp3"))
    assert mp3.status == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert decode(mp3.body)[0].shape[1] == 2
    # the seed: two-party call recordings are stored dual; RequestedChannels=2 gets that file
    stored_dual = asgi_request(
        app, "GET", media_path(sim, mono, ".wav"), query="RequestedChannels=2"
    )
    assert stored_dual.status == 200 and decode(stored_dual.body)[0].shape[1] == 2
    assert decode(asgi_request(app, "GET", media_path(sim, mono, ".wav")).body)[0].shape[1] == 1
    bad = asgi_request(app, "GET", media_path(sim, mono, ".wav"), query="RequestedChannels=3")
    assert bad.status == 400


def test_media_auth_setting(sim: Simulator, client: Client, app: Any) -> None:
    sid = completed_recording(sim, client, "mono")
    sim.advance(30)
    assert asgi_request(app, "GET", media_path(sim, sid, ".mp3")).status == 200
    assert asgi_request(app, "GET", media_path(sim, sid, ".json")).status == 401
    sim.account.media_auth = True
    refused = asgi_request(app, "GET", media_path(sim, sid, ".mp3"))
    assert refused.status == 401
    assert ET.fromstring(refused.body).findtext("RestException/Code") == "20003"
    allowed = asgi_request(app, "GET", media_path(sim, sid, ".mp3"), headers=auth_of(sim))
    assert allowed.status == 200
