"""`RequestedChannels` on media downloads, and what a conference recording says of its call.

Seed, "Faça download do arquivo de mídia de canal duplo": "Por padrão, as gravações de chamadas
são armazenadas na Twilio em canal duplo" (a two-party call recording keeps each leg on its own
channel); without `requestedChannels` the download has the format chosen at creation; "Para
gravações de voz em que o canal duplo não é suportado, como as que são criadas com <Conference>
ou <Record>, todo o áudio ... será salvo em um arquivo de canal único. Se uma gravação de canal
duplo for explicitamente solicitada para download nesses casos, a resposta será Not Found."
Digest §2.4: the conference recording example has a `CA` `call_sid`.
"""

from __future__ import annotations

import io
from typing import Any
from xml.etree import ElementTree as ET

import soundfile as sf
from conftest_api import asgi_request
from test_flow_support import AGENT, BASE, CALLER, NUMBER, inbound_number, new_sim
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

from simtel.audio import pitch_of
from simtel.engine.calls.parties import Party, Utterance
from simtel.simulator import Simulator
from simtel.testing import simtel_client

RATE = 8000


def download(client: Client, sim: Simulator, sid: str, query: str = "") -> tuple[int, Any]:
    path = f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{sid}.wav"
    reply = asgi_request(client.http_client.app, "GET", path, query=query)
    if reply.status != 200:
        return reply.status, ET.fromstring(reply.body).findtext("RestException/Code")
    samples, rate = sf.read(io.BytesIO(reply.body), always_2d=True)
    assert rate == RATE
    return reply.status, samples


def speaker(pitch: float) -> Party:
    return Party(
        talk="script",
        script=(Utterance(0.5, "one two three four five six", 6.0),),
        hangup_after=20.0,
        pitch_hz=pitch,
    )


def test_a_mono_dial_recording_downloads_dual_when_asked() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    response = VoiceResponse()
    response.dial(AGENT, record="record-from-answer")  # mono, both legs mixed
    app.route("/voice", response)
    sim.set_party(AGENT, speaker(330.0))
    call = sim.place_inbound_call(CALLER, NUMBER, party=speaker(110.0))
    sim.advance(60)
    client = simtel_client(sim)
    (recording,) = client.calls(call.sid).recordings.list()
    assert (recording.status, recording.channels, recording.source) == ("completed", 1, "DialVerb")
    status, mono = download(client, sim, recording.sid)
    assert status == 200 and mono.shape[1] == 1  # the format it was created with
    status, dual = download(client, sim, recording.sid, "RequestedChannels=2")
    assert status == 200 and dual.shape == (mono.shape[0], 2)
    talk = slice(int(2.0 * RATE), int(5.0 * RATE))
    # parent (the caller) on channel 1, child (the agent) on channel 2 (digest §9, DOC-DIAL)
    assert abs(pitch_of(dual[talk, 0], RATE) - 110.0) < 3.0
    assert abs(pitch_of(dual[talk, 1], RATE) - 330.0) < 5.0
    status, lower = download(client, sim, recording.sid, "requestedChannels=2")
    assert status == 200 and lower.shape[1] == 2  # the docs' spelling too


def test_record_and_conference_recordings_have_no_dual_file() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    voicemail = VoiceResponse()
    voicemail.record(action="/saved", play_beep=False, timeout=3)
    app.route("/voice", voicemail)
    app.route("/saved", "<Response/>")
    sim.add_number("+15550200007", voice_url=BASE + "/room")
    room = VoiceResponse()
    dial = Dial()
    dial.conference("standup", record="record-from-start")
    room.append(dial)
    app.route("/room", room)
    left = sim.place_inbound_call(CALLER, NUMBER, party=speaker(110.0))
    first = sim.place_inbound_call("+15550100005", "+15550200007", party=speaker(220.0))
    sim.place_inbound_call("+15550100006", "+15550200007", party=speaker(330.0))
    sim.advance(80)
    client = simtel_client(sim)
    (message,) = client.calls(left.sid).recordings.list()
    (meeting,) = [r for r in client.recordings.list() if r.source == "Conference"]
    for recording in (message, meeting):
        assert (recording.status, recording.channels) == ("completed", 1)
        assert download(client, sim, recording.sid)[0] == 200
        assert download(client, sim, recording.sid, "RequestedChannels=2") == (404, "20404")
        status, mono = download(client, sim, recording.sid, "RequestedChannels=1")
        assert status == 200 and mono.shape[1] == 1
    assert meeting.call_sid == first.sid  # the participant whose record asked for it


def test_a_one_track_recording_keeps_16113(sim: Simulator, client: Client) -> None:
    """Twilio's 16113, "Cannot download a dual-channel presentation of a mono recording", is
    kept where there is nothing to split: a recording of one track."""
    call = sim.create_call("+15551230001", "+15559870000")
    sim.advance(5)
    recording = client.calls(call.sid).recordings.create(recording_track="inbound")
    sim.advance(6)
    client.calls(call.sid).recordings(recording.sid).update(status="stopped")
    sim.advance(10)
    assert download(client, sim, recording.sid, "RequestedChannels=2") == (400, "16113")
