"""`<Play>` (files, an in-process media app, digits), `<Gather>` details, and
`<Start><Recording>` / `<Stop><Recording>`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from starlette.responses import Response
from test_flow_support import (
    BASE,
    CALLER,
    NUMBER,
    VoiceApp,
    new_sim,
    notifications,
    samples,
    verbs,
)
from twilio.twiml.voice_response import Gather, VoiceResponse

from simtel.audio import detect_dtmf, pitch_of, say_duration, wav_bytes
from simtel.engine.calls.call import Call, CallOptions
from simtel.engine.calls.parties import Party, Press
from simtel.engine.execution.verbs import Leg, play_source
from simtel.simulator import Simulator

TONE_HZ = 700.0


def tone(seconds: float = 2.0, hz: float = TONE_HZ) -> bytes:
    t = np.arange(int(seconds * 8000)) / 8000
    return wav_bytes((0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32))


def start(
    sim: Simulator, app: VoiceApp, doc: VoiceResponse | str, party: Party | None = None
) -> Call:
    app.route("/start", doc)
    return sim.create_call(CALLER, NUMBER, CallOptions(url=BASE + "/start"), party=party)


def played(call: Call, start_at: float, end_at: float) -> np.ndarray:  # type: ignore[type-arg]
    return call.audio.outbound.render(start_at, end_at, 8000)


def test_play_source_reads_local_paths_and_file_urls(tmp_path: Path) -> None:
    """The parser only lets http(s) URLs through; the engine also plays local files."""
    path = tmp_path / "hold.wav"
    path.write_bytes(tone(2.0))
    sim, _app = new_sim()
    call = sim.create_call(CALLER, NUMBER, CallOptions(twiml="<Response/>"))
    for url in (str(path), path.as_uri()):
        seconds, source = play_source(Leg(sim, call), url)
        assert seconds == pytest.approx(2.0)
        assert pitch_of(source.render(0.0, 8000, 8000), 8000) == pytest.approx(TONE_HZ, rel=0.01)
    assert notifications(sim, call.sid) == []


def test_play_media_served_by_the_mounted_app(tmp_path: Path) -> None:
    sim, app = new_sim(media_dir=tmp_path)
    app.route("/hold.wav", lambda _p: Response(tone(1.5), media_type="audio/wav"))
    doc = VoiceResponse()
    doc.play(BASE + "/hold.wav")
    call = start(sim, app, doc, Party(hangup_after=None))
    sim.advance(30)
    t0 = call.answered_at
    assert call.end_time == pytest.approx(t0 + 1.5)
    assert pitch_of(played(call, t0, t0 + 1.5), 8000) == pytest.approx(TONE_HZ, rel=0.01)
    assert [r.method for r in app.requests if r.path == "/hold.wav"] == ["GET"]
    assert notifications(sim, call.sid) == []


def test_unreachable_media_is_a_warning_and_a_second_of_silence() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.play("http://media.example.com/missing.mp3")
    call = start(sim, app, doc, Party(hangup_after=None))
    sim.advance(30)
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["code"] == 13420 and notice.fields["level"] == "warning"
    assert call.end_time == pytest.approx(call.answered_at + 1.0)
    assert call.audio.outbound.voiced(0.0, 30.0) == []


def test_play_digits_sends_dtmf_with_w_pauses() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.play(digits="12w#")
    call = start(sim, app, doc, Party(hangup_after=None))
    sim.advance(30)
    t0 = call.answered_at
    assert detect_dtmf(played(call, t0, t0 + 2.0), 8000) == "12#"
    assert call.end_time == pytest.approx(t0 + 3 * 0.2 + 0.5)


def menu(**gather: object) -> VoiceResponse:
    doc = VoiceResponse()
    prompt = Gather(action="/choice", **gather)
    prompt.say("Enter your account number followed by the pound key")
    doc.append(prompt)
    doc.say("No input received")
    return doc


def test_gather_collects_until_the_finish_key_and_cuts_the_prompt() -> None:
    sim, app = new_sim()
    app.route("/choice", "<Response/>")
    party = Party(hangup_after=None, talk="silent", presses=(Press(1.0, "42#", 0.5),))
    call = start(sim, app, menu(), party)
    sim.advance(30)
    choice = app.only("/choice")
    assert choice["Digits"] == "42" and choice["FinishedOnKey"] == "#"
    (prompt,) = call.audio.outbound.segments
    assert prompt.end == pytest.approx(call.answered_at + 1.0)  # cut by the first key


def test_gather_num_digits_finishes_without_a_finish_key() -> None:
    sim, app = new_sim()
    app.route("/choice", "<Response/>")
    party = Party(hangup_after=None, talk="silent", presses=(Press(0.5, "123"),))
    call = start(sim, app, menu(num_digits=2), party)
    sim.advance(30)
    assert app.only("/choice")["Digits"] == "12"
    assert verbs(sim, call.sid) == ["Gather"]


def test_gather_timeout_without_input_falls_through() -> None:
    sim, app = new_sim()
    app.route("/choice", "<Response/>")
    call = start(sim, app, menu(timeout=3), Party(hangup_after=None, talk="silent"))
    sim.advance(40)
    assert app.seen("/choice") == []
    assert verbs(sim, call.sid) == ["Gather", "Say"]
    prompt = say_duration("Enter your account number followed by the pound key")
    second = say_duration("No input received")
    assert call.end_time == pytest.approx(call.answered_at + prompt + 3.0 + second)


def test_gather_timeout_counts_from_the_last_key() -> None:
    sim, app = new_sim()
    app.route("/choice", "<Response/>")
    party = Party(hangup_after=None, talk="silent", presses=(Press(6.0, "7"),))
    call = start(sim, app, menu(timeout=5), party)
    sim.advance(40)
    assert app.only("/choice")["Digits"] == "7"
    choice_request = next(e for e in sim.events if e.fields.get("url") == BASE + "/choice")
    assert choice_request.t == pytest.approx(call.answered_at + 11.0)


def recorded_call(doc: str) -> tuple[Simulator, VoiceApp, Call]:
    sim, app = new_sim()
    app.route("/rec", "")
    party = Party(hangup_after=None, pitch_hz=300.0)
    return sim, app, start(sim, app, doc, party)


def test_start_and_stop_recording_by_name() -> None:
    doc = (
        "<Response>"
        '<Start><Recording name="consent" recordingStatusCallback="/rec"/></Start>'
        "<Say>This call is recorded for quality purposes</Say>"
        '<Stop><Recording name="consent"/></Stop>'
        '<Pause length="4"/>'
        "</Response>"
    )
    sim, app, call = recorded_call(doc)
    sim.advance(60)
    assert verbs(sim, call.sid) == ["Start", "Say", "Stop", "Pause"]
    (recording,) = sim.recorder.recordings.values()
    assert recording.source == "StartCallRecordingAPI" and recording.name == "consent"
    spoken = say_duration("This call is recorded for quality purposes")
    assert recording.stop_time - recording.start_time == pytest.approx(spoken)
    assert recording.channels == 2  # <Start><Recording> defaults to dual
    audio = samples(sim, recording)
    assert pitch_of(audio[:, 0], 8000) == pytest.approx(300.0, rel=0.03)
    assert pitch_of(audio[:, 1], 8000) == pytest.approx(190.0, rel=0.03)
    callback = app.only("/rec")
    assert callback["RecordingSource"] == "StartCallRecordingAPI"
    assert callback["RecordingTrack"] == "both"


def test_stop_without_name_stops_every_started_recording() -> None:
    doc = (
        "<Response>"
        '<Start><Recording track="inbound"/></Start>'
        '<Start><Recording track="outbound"/></Start>'
        "<Say>Recording both tracks apart</Say>"
        "<Stop><Recording/></Stop>"
        '<Pause length="2"/>'
        "</Response>"
    )
    sim, _app, _call = recorded_call(doc)
    sim.advance(60)
    recordings = list(sim.recorder.recordings.values())
    assert [r.track for r in recordings] == ["inbound", "outbound"]
    assert all(r.channels == 1 for r in recordings)
    assert len({r.stop_time for r in recordings}) == 1


def test_stop_of_an_unknown_name_is_a_warning() -> None:
    sim, _app, call = recorded_call('<Response><Stop><Recording name="nope"/></Stop></Response>')
    sim.advance(10)
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["level"] == "warning" and "nope" in notice.fields["message"]
