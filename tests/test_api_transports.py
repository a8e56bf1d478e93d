"""The REST operations through the official twilio client, twice: in process (`simtel.testing`)
and against `simtel.server.Server` over loopback HTTP (the client's own `requests` transport).

One simulation and one server serve the whole module; every test starts from `sim.reset()`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import soundfile as sf
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient as RequestsHttpClient
from twilio.rest import Client

from simtel.engine.calls.call import Call
from simtel.server import Server
from simtel.simulator import Simulator
from simtel.testing import simtel_client

A, B = "+15551230001", "+15559870000"
TRANSPORTS = ("in-process", "loopback")


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Simulator, Server]]:
    sim = Simulator(seed=7)
    with Server(sim) as server:
        yield sim, server
    sim.close()


@pytest.fixture
def sim(shared: tuple[Simulator, Server]) -> Simulator:
    simulation = shared[0]
    simulation.reset()
    return simulation


@pytest.fixture(params=TRANSPORTS)
def twilio(request: pytest.FixtureRequest, sim: Simulator, shared: tuple[Simulator, Server]) -> Any:
    if request.param == "in-process":
        return simtel_client(sim)
    http = RequestsHttpClient(timeout=10.0)
    assert http.session is not None
    http.session.trust_env = False  # loopback only, whatever the environment's proxies say
    client = Client(sim.account.sid, sim.account.auth_token, http_client=http)
    client.api.base_url = shared[1].url
    return client


def live_call(sim: Simulator, twilio: Client) -> Call:
    """A call created through the API, answered (the default party answers 3 s after ringing)."""
    created = twilio.calls.create(to=A, from_=B, twiml="<Response><Pause length='120'/></Response>")
    sim.advance(5)
    call = sim.calls[created.sid]
    assert call.status == "in-progress"
    return call


def media(sim: Simulator, twilio: Client, url: str) -> bytes:
    """Recording media as bytes: twilio's `Response` carries text only, so in process through
    `simtel.testing`'s `body`, over loopback with httpx."""
    if isinstance(twilio.http_client, RequestsHttpClient):
        auth = (sim.account.sid, sim.account.auth_token)
        with httpx.Client(trust_env=False, timeout=10.0) as http:
            answer = http.get(url, auth=auth)
            assert answer.status_code == 200
            return answer.content
    reply = twilio.http_client.request("GET", url)
    assert reply.status_code == 200
    return bytes(reply.body)


def test_calls_create_fetch_list_update(sim: Simulator, twilio: Client) -> None:
    created = twilio.calls.create(to=A, from_=B, twiml="<Response><Pause length='60'/></Response>")
    assert (created.status, created.to, created._from) == ("queued", A, B)
    sim.advance(5)
    fetched = twilio.calls(created.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.direction) == (
        created.sid,
        "in-progress",
        "outbound-api",
    )
    assert [c.sid for c in twilio.calls.list(status="in-progress")] == [created.sid]
    updated = twilio.calls(created.sid).update(status="completed")
    assert updated.status == "completed"
    assert twilio.calls(created.sid).fetch().duration == "1"  # answered at 4 s, ended at 5 s
    assert twilio.calls.list(status="in-progress") == []


def test_recording_create_fetch_and_pause_resume_stop_current(
    sim: Simulator, twilio: Client
) -> None:
    call = live_call(sim, twilio)
    recordings = twilio.calls(call.sid).recordings
    created = recordings.create(recording_channels="dual")
    assert (created.status, created.channels, created.source) == (
        "in-progress",
        2,
        "StartCallRecordingAPI",
    )
    sim.advance(2)
    assert recordings("Twilio.CURRENT").update(status="paused", pause_behavior="skip").status == (
        "paused"
    )
    sim.advance(3)
    assert recordings("Twilio.CURRENT").update(status="in-progress").status == "in-progress"
    sim.advance(4)
    assert recordings(created.sid).update(status="stopped").status == "stopped"
    with pytest.raises(TwilioRestException) as refused:
        recordings("Twilio.CURRENT").update(status="paused")
    assert (refused.value.status, refused.value.code) == (404, 20404)
    sim.advance(10)
    done = twilio.recordings(created.sid).fetch()
    assert (done.status, done.duration, done.call_sid) == ("completed", "6", call.sid)
    assert done.media_url.endswith(f"/Recordings/{created.sid}")


def recorded(sim: Simulator, twilio: Client, count: int) -> list[str]:
    """`count` completed recordings (newest last), each of its own call."""
    sids = []
    for _ in range(count):
        call = live_call(sim, twilio)
        sids.append(twilio.calls(call.sid).recordings.create().sid)
        sim.advance(2)
        twilio.calls(call.sid).update(status="completed")
    sim.advance(10)
    return sids


def test_recordings_list_pages_delete_and_media(sim: Simulator, twilio: Client) -> None:
    sids = recorded(sim, twilio, 5)
    assert [r.sid for r in twilio.recordings.list()] == sids[::-1]
    pages = list(twilio.recordings.list(page_size=2, limit=5))
    assert [r.sid for r in pages] == sids[::-1]
    first = twilio.recordings.page(page_size=2)
    second = first.next_page()
    assert [r.sid for r in first] == sids[:2:-1] and second is not None
    assert [r.sid for r in second] == sids[2:0:-1]
    by_call = twilio.recordings.list(call_sid=sim.recorder.get(sids[0]).call_sid)
    assert [r.sid for r in by_call] == [sids[0]]

    done = twilio.recordings(sids[0]).fetch()
    wav = media(sim, twilio, done.media_url)
    audio, rate = sf.read(io.BytesIO(wav))
    assert rate == 8000 and len(audio) == pytest.approx(2 * rate, abs=rate * 0.05)
    mp3 = media(sim, twilio, done.media_url + ".mp3")
    assert mp3[:3] == b"ID3" or mp3[0] == 0xFF

    assert twilio.recordings(sids[0]).delete() is True
    assert [r.sid for r in twilio.recordings.list()] == sids[:0:-1]
    with pytest.raises(TwilioRestException) as gone:
        twilio.recordings(sids[0]).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_numbers_create_list_update_delete(sim: Simulator, twilio: Client) -> None:
    number = twilio.incoming_phone_numbers.create(
        phone_number="+15550001111", voice_url="http://app.test/voice"
    )
    assert (number.phone_number, number.voice_url) == ("+15550001111", "http://app.test/voice")
    listed = twilio.incoming_phone_numbers.list(phone_number="+15550001111")
    assert [n.sid for n in listed] == [number.sid]
    updated = twilio.incoming_phone_numbers(number.sid).update(voice_method="GET")
    assert updated.voice_method == "GET"
    assert twilio.incoming_phone_numbers(number.sid).fetch().voice_method == "GET"
    assert twilio.incoming_phone_numbers(number.sid).delete() is True
    assert twilio.incoming_phone_numbers.list(phone_number="+15550001111") == []


def test_transcriptions_list(sim: Simulator, twilio: Client) -> None:
    twiml = (
        "<Response><Record transcribe='true' maxLength='5' "
        "action='http://app.test/done'/></Response>"
    )
    created = twilio.calls.create(to=A, from_=B, twiml=twiml)
    sim.advance(120)
    [recording] = twilio.recordings.list(call_sid=created.sid)
    [transcription] = twilio.transcriptions.list()
    assert transcription.recording_sid == recording.sid
    assert transcription.status in ("completed", "failed")
    fetched = twilio.transcriptions(transcription.sid).fetch()
    assert fetched.sid == transcription.sid
    [under] = twilio.recordings(recording.sid).transcriptions.list()
    assert under.sid == transcription.sid


def test_a_read_waits_for_the_simulation_without_blocking_the_server(
    sim: Simulator, twilio: Client
) -> None:
    """Reads run at once when the simulator's lock is free; while a step holds it they wait in a
    worker thread, and the server keeps answering what needs no lock."""
    created = twilio.calls.create(to=A, from_=B, twiml="<Response><Pause length='9'/></Response>")
    held, release = threading.Event(), threading.Event()

    def step() -> None:
        with sim.lock:
            held.set()
            release.wait(5.0)

    stepping = threading.Thread(target=step)
    stepping.start()
    held.wait(5.0)
    fetched: list[str] = []
    reader = threading.Thread(target=lambda: fetched.append(twilio.calls(created.sid).fetch().sid))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and fetched == []
    with pytest.raises(TwilioRestException) as refused:  # routing misses need no lock
        twilio.calls("CA" + "0" * 31).fetch()
    assert refused.value.status == 404
    release.set()
    reader.join(5.0)
    stepping.join(5.0)
    assert fetched == [created.sid]
