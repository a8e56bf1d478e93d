"""`<Play>` fetches its URL as Twilio does and plays the real audio for its real length: through
the official twilio client, an app in process, the media map, and the failure codes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simtel import Simulator
from simtel.audio import pitch_of, rms
from simtel.engine.calls.call import CallOptions
from simtel.engine.calls.parties import Party
from simtel.events import EventKind
from simtel.testing import simtel_client
from simtel.webhooks.media import MediaMap

TONE_HZ = 700.0
CALLEE = "+15005550006"
CALLER = "+15005550001"
BASE = "http://app.test"


def tone(seconds: float, hz: float = TONE_HZ, rate: int = 16000) -> bytes:
    """A sine at `hz`: 16 kHz stereo, so the loader has to mix down and resample."""
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([wave, wave], axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class MediaApp:
    """Serves `/voice/<name>` TwiML documents and `/media/<name>` files; keeps every request."""

    def __init__(self, sim: Simulator) -> None:
        self.documents: dict[str, str] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.validator = RequestValidator(sim.account.auth_token)
        routes = [Route("/{path:path}", self.endpoint, methods=["GET", "POST"])]
        sim.mount(BASE, Starlette(routes=routes))

    async def endpoint(self, request: Request) -> Response:
        path = request.url.path
        headers = dict(request.headers)
        signature = headers.get("x-twilio-signature", "")
        signed = {} if request.method == "GET" else dict(await request.form())
        valid = self.validator.validate(str(request.url), signed, signature)
        headers["signature-valid"] = str(valid)
        self.requests.append((request.method, path, headers))
        if path in self.files:
            body, media_type = self.files[path]
            return Response(body, media_type=media_type)
        if path in self.documents:
            return Response(self.documents[path], media_type="text/xml")
        return Response("not here", status_code=404, media_type="text/plain")

    def gets(self, path: str) -> list[dict[str, str]]:
        return [h for m, p, h in self.requests if m == "GET" and p == path]


def call_with(sim: Simulator, app: MediaApp, twiml: str, **create: Any) -> Any:
    app.documents["/voice"] = twiml
    twilio = simtel_client(sim)
    created = twilio.calls.create(to=CALLEE, from_=CALLER, url=BASE + "/voice", **create)
    sim.advance(120)
    return twilio, twilio.calls(created.sid).fetch()


def media_of(twilio: Any, recording: Any) -> tuple[np.ndarray[Any, Any], int]:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{recording.account_sid}"
    body = twilio.http_client.request("GET", f"{url}/Recordings/{recording.sid}.wav").body
    samples, rate = sf.read(io.BytesIO(body), dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator(seed=3, allow_http=False)
    simulator.set_party(CALLEE, Party(hangup_after=None, talk="silent"))
    return simulator


def test_a_played_wav_lengthens_the_call_and_is_in_the_recording(sim: Simulator) -> None:
    app = MediaApp(sim)
    app.files["/media/tone.wav"] = (tone(2.0), "audio/wav")
    plain = '<Response><Pause length="3"/><Pause length="1"/></Response>'
    played = (
        '<Response><Pause length="3"/><Play>/media/tone.wav</Play><Pause length="1"/></Response>'
    )
    _twilio, without = call_with(sim, app, plain)
    twilio, call = call_with(sim, app, played, record=True, trim="do-not-trim")
    assert int(call.duration) == int(without.duration) + 2 == 6

    (recording,) = twilio.recordings.list(call_sid=call.sid)
    assert int(recording.duration) == 6
    audio, rate = media_of(twilio, recording)
    assert pitch_of(audio[int(3.1 * rate) : int(4.9 * rate)], rate) == pytest.approx(
        TONE_HZ, rel=0.01
    )
    assert rms(audio[int(3.1 * rate) : int(4.9 * rate)]) > 0.2
    assert rms(audio[int(0.2 * rate) : int(2.8 * rate)]) < 0.01
    assert rms(audio[int(5.1 * rate) : int(5.9 * rate)]) < 0.01

    (fetched,) = app.gets("/media/tone.wav")
    assert fetched["user-agent"] == "TwilioProxy/1.1" and fetched["accept"] == "*/*"
    assert fetched["signature-valid"] == "True"


def test_loop_plays_the_file_again_and_the_url_is_fetched_once(sim: Simulator) -> None:
    app = MediaApp(sim)
    app.files["/media/short.wav"] = (tone(1.5), "audio/x-wav")
    twiml = (
        '<Response><Play loop="2">/media/short.wav</Play><Play>/media/short.wav</Play></Response>'
    )
    _twilio, call = call_with(sim, app, twiml)
    assert int(call.duration) == 4  # 4.5 s of audio, whole seconds
    assert len(app.gets("/media/short.wav")) == 1  # cached by URL within the run


def test_a_404_media_url_is_11200_and_the_next_verb_runs(sim: Simulator) -> None:
    app = MediaApp(sim)
    twiml = '<Response><Play>/media/missing.mp3</Play><Pause length="2"/></Response>'
    _twilio, call = call_with(sim, app, twiml)
    assert int(call.duration) == 2  # nothing played, then the pause
    (notice,) = sim.events.of(call.sid, EventKind.NOTIFICATION)
    assert notice.fields["code"] == 11200 and notice.fields["level"] == "error"
    assert notice.fields["url"] == BASE + "/media/missing.mp3"
    verbs = [e.fields["verb"] for e in sim.events.of(call.sid, EventKind.TWIML_VERB)]
    assert verbs == ["Play", "Pause"]


def test_a_body_that_is_not_audio_is_13420(sim: Simulator) -> None:
    app = MediaApp(sim)
    app.files["/media/page.html"] = (b"<html>hold on</html>", "text/html")
    app.files["/media/fake.wav"] = (b"RIFF-not-really", "audio/wav")
    twiml = "<Response><Play>/media/page.html</Play><Play>/media/fake.wav</Play></Response>"
    _twilio, call = call_with(sim, app, twiml)
    codes = [e.fields["code"] for e in sim.events.of(call.sid, EventKind.NOTIFICATION)]
    assert codes == [13420, 13420]
    assert int(call.duration) == 0


def test_mp3_media_plays_for_its_decoded_length(sim: Simulator) -> None:
    app = MediaApp(sim)
    t = np.arange(3 * 8000) / 8000
    buffer = io.BytesIO()
    sf.write(buffer, 0.4 * np.sin(2 * np.pi * 500 * t), 8000, format="MP3")
    app.files["/media/hold.mp3"] = (buffer.getvalue(), "audio/mpeg")
    _twilio, call = call_with(sim, app, "<Response><Play>/media/hold.mp3</Play></Response>")
    assert int(call.duration) == 3
    live = sim.calls[call.sid]
    start = live.answered_at
    assert start is not None
    heard = live.audio.outbound.render(start + 0.5, start + 2.5, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(500.0, rel=0.01)


def test_the_media_map_serves_urls_no_app_serves(tmp_path: Path) -> None:
    (tmp_path / "hold").mkdir()
    (tmp_path / "hold" / "jazz.wav").write_bytes(tone(2.0, hz=440.0))
    sim = Simulator(
        seed=3, allow_http=False, media_map={"https://cdn.example.com/audio/": tmp_path / "hold"}
    )
    sim.set_party(CALLEE, Party(hangup_after=None, talk="silent"))
    twiml = (
        "<Response><Play>https://cdn.example.com/audio/jazz.wav</Play>"
        "<Play>https://cdn.example.com/audio/../../etc/passwd.wav</Play>"
        "<Play>https://elsewhere.example.com/x.wav</Play></Response>"
    )
    call = sim.create_call(CALLEE, CALLER, CallOptions(twiml=twiml))
    sim.advance(60)
    assert call.answered_at is not None and call.end_time is not None
    # 2 s of jazz, the escape plays nothing (11200), the unmapped URL 1 s of silence (13420)
    assert call.end_time - call.answered_at == pytest.approx(3.0)
    heard = call.audio.outbound.render(call.answered_at + 0.2, call.answered_at + 1.8, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(440.0, rel=0.01)
    notices = sim.events.of(call.sid, EventKind.NOTIFICATION)
    assert [(n.fields["code"], n.fields["level"]) for n in notices] == [
        (11200, "error"),
        (13420, "warning"),
    ]
    assert list(sim.events.of(call.sid, EventKind.WEBHOOK)) == []  # nothing was requested


def test_media_map_specs_are_checked(tmp_path: Path) -> None:
    assert (
        MediaMap.parse([f"https://a.example.com/x/={tmp_path}"]).resolve(
            "https://a.example.com/x/y.wav?v=1"
        )
        == (tmp_path / "y.wav").resolve()
    )
    for bad in ("no-equals", f"ftp://a.example.com/={tmp_path}", "https://a.example.com/=/nope"):
        with pytest.raises(ValueError):
            MediaMap.parse([bad])


def test_media_is_deterministic_bytes_for_a_seed() -> None:
    logs = []
    for _ in range(2):
        sim = Simulator(seed=5, allow_http=False)
        app = MediaApp(sim)
        app.files["/media/tone.wav"] = (tone(1.0), "audio/wav")
        call_with(sim, app, "<Response><Play>/media/tone.wav</Play></Response>", record=True)
        buffer = io.StringIO()
        sim.events.write_jsonl(buffer)
        logs.append(buffer.getvalue())
    assert logs[0] == logs[1] and '"purpose":"media"' in logs[0].replace(" ", "")


def test_media_over_loopback_http_when_http_is_allowed() -> None:
    import socket
    import threading
    import time

    import uvicorn

    wav = tone(2.0)

    async def media(request: Request) -> Response:
        return Response(wav, media_type="audio/wav")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/tone.wav", media)])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.01)
        sim = Simulator(seed=3, allow_http=True)
        sim.set_party(CALLEE, Party(hangup_after=None, talk="silent"))
        url = f"http://127.0.0.1:{port}/tone.wav"
        call = sim.create_call(
            CALLEE, CALLER, CallOptions(twiml=f"<Response><Play>{url}</Play></Response>")
        )
        sim.advance(30)
    finally:
        server.should_exit = True
        thread.join(5)
    assert call.answered_at is not None and call.end_time is not None
    assert call.end_time - call.answered_at == pytest.approx(2.0)
    (fetch,) = sim.events.of(call.sid, EventKind.WEBHOOK)
    assert (fetch.fields["purpose"], fetch.fields["status"], fetch.fields["body"]) == (
        "media",
        200,
        None,
    )


def test_media_over_the_size_limit_is_11200(sim: Simulator) -> None:
    app = MediaApp(sim)
    app.files["/media/tone.wav"] = (tone(2.0), "audio/wav")
    sim.media_loader.max_bytes = 10_000
    _twilio, call = call_with(sim, app, "<Response><Play>/media/tone.wav</Play></Response>")
    (notice,) = sim.events.of(call.sid, EventKind.NOTIFICATION)
    assert notice.fields["code"] == 11200 and "10000-byte media limit" in notice.fields["message"]
    assert int(call.duration) == 0
