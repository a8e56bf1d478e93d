"""Voicemail: `<Say>` then `<Record>`, ended by silence, by `#`, by maxLength and by hangup."""

from __future__ import annotations

import pytest
from test_flow_support import (
    CALLER,
    NUMBER,
    between,
    inbound_number,
    new_sim,
    notifications,
    samples,
    verbs,
)
from twilio.twiml.voice_response import VoiceResponse

from simtel.audio import BEEP_HZ, band_level, pitch_of, say_duration
from simtel.engine.calls.call import Call
from simtel.engine.calls.parties import Party, Press, Utterance
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from simtel.events import EventKind

GREETING = "Please leave a message after the beep"


def voicemail(**record: object) -> VoiceResponse:
    response = VoiceResponse()
    response.say(GREETING)
    response.record(action="/saved", recording_status_callback="/recording", **record)
    return response


def saved() -> VoiceResponse:
    response = VoiceResponse()
    response.say("Thank you. Goodbye.")
    return response


def caller(**overrides: object) -> Party:
    """Talks 4.0-8.0 s after answer (the greeting and beep end at 3.3 s), then stays quiet."""
    fields: dict[str, object] = {
        "talk": "script",
        "script": (Utterance(4.0, "hello this is a message", 4.0),),
        "hangup_after": 60.0,
        "pitch_hz": 220.0,
    }
    fields.update(overrides)
    return Party(**fields)  # type: ignore[arg-type]


def run(party: Party, seconds: float = 40.0, **record: object) -> tuple[object, ...]:
    sim, app = new_sim()
    inbound_number(sim)
    app.route("/voice", voicemail(**record))
    app.route("/saved", saved())
    app.route("/recording", "")
    app.route("/text", "")
    call = sim.place_inbound_call(CALLER, NUMBER, party=party)
    sim.advance(seconds)
    return sim, app, call


def test_recording_ends_after_timeout_seconds_of_silence() -> None:
    sim, app, call = run(caller())
    beep_end = say_duration(GREETING) + 0.5
    action = app.only("/saved")
    (recording,) = sim.recorder.recordings.values()
    assert recording.source == "RecordVerb" and recording.channels == 1
    assert recording.track == "inbound"
    # the caller spoke 4.0-8.0 s; 5 s of silence after that ends the recording at 13.0 s
    assert call.answered_at == 0.0
    assert recording.start_time == pytest.approx(beep_end)
    assert recording.stop_time == pytest.approx(13.0)
    assert action["RecordingSid"] == recording.sid
    assert action["RecordingUrl"] == recording_url(sim, recording.sid)
    assert action["RecordingDuration"] == "4"  # trimmed to the voice
    assert action["Digits"] == ""
    assert action["CallSid"] == call.sid and action["CallStatus"] == "in-progress"
    assert action["From"] == CALLER and action["To"] == NUMBER
    assert action["Direction"] == "inbound"
    assert verbs(sim, call.sid) == ["Say", "Record", "Say"]
    assert call.status == "completed"
    audio = samples(sim, recording)
    assert pitch_of(audio, 8000) == pytest.approx(220.0, rel=0.03)
    callback = app.only("/recording")
    assert (
        callback["RecordingStatus"] == "completed" and callback["RecordingSource"] == "RecordVerb"
    )


def test_greeting_and_beep_are_on_the_outbound_track_only() -> None:
    sim, _app, call = run(caller())
    greeting = call.audio.outbound.render(call.answered_at, call.answered_at + 2.0, 8000)
    assert pitch_of(greeting, 8000) == pytest.approx(190.0, rel=0.03)
    beep_at = call.answered_at + say_duration(GREETING)
    beep = call.audio.outbound.render(beep_at, beep_at + 0.5, 8000)
    assert band_level(beep, 8000, BEEP_HZ) > 0.9
    (recording,) = sim.recorder.recordings.values()
    assert band_level(samples(sim, recording), 8000, BEEP_HZ) < 0.01


def test_hash_ends_the_recording_with_digits() -> None:
    party = caller(presses=(Press(8.5, "#"),))
    sim, app, _call = run(party)
    action = app.only("/saved")
    assert action["Digits"] == "#"
    (recording,) = sim.recorder.recordings.values()
    assert recording.stop_time == pytest.approx(8.5)


def test_keys_not_in_finish_on_key_do_not_end_it() -> None:
    party = caller(presses=(Press(5.0, "5"),))
    sim, app, _call = run(party, finish_on_key="#")
    assert app.only("/saved")["Digits"] == ""
    (recording,) = sim.recorder.recordings.values()
    assert recording.stop_time == pytest.approx(13.0)


def test_max_length_ends_a_long_message() -> None:
    party = caller(script=(Utterance(4.0, "a very long message", 30.0),))
    sim, app, _call = run(party, max_length=10)
    action = app.only("/saved")
    assert action["Digits"] == ""
    (recording,) = sim.recorder.recordings.values()
    assert recording.stop_time - recording.start_time == pytest.approx(10.0)
    assert action["RecordingDuration"] == "9"  # trim drops the 0.7 s before the voice


def test_hangup_still_requests_the_action_and_ends_the_call() -> None:
    sim, app, call = run(caller(hangup_after=6.0))
    action = app.only("/saved")
    assert action["Digits"] == "hangup"
    assert action["CallStatus"] == "completed"
    assert call.status == "completed" and call.duration == 6
    (recording,) = sim.recorder.recordings.values()
    assert recording.stop_time == pytest.approx(call.answered_at + 6.0)
    assert action["RecordingDuration"] == "2"  # the voice from 4.0 s to the hangup at 6.0 s
    # the TwiML returned by the action is not executed after a hangup
    assert verbs(sim, call.sid) == ["Say", "Record"]


def test_silent_caller_gives_an_empty_recording_and_falls_through() -> None:
    sim, app, call = run(caller(talk="silent", script=()))
    assert app.seen("/saved") == []
    assert verbs(sim, call.sid) == ["Say", "Record"]
    assert call.status == "completed"
    (recording,) = sim.recorder.recordings.values()
    sim.advance(20)
    assert recording.status == "absent"


def test_caller_voice_is_what_the_recording_holds_at_its_time() -> None:
    sim, _app, call = run(caller(), trim="do-not-trim")
    (recording,) = sim.recorder.recordings.values()
    audio = samples(sim, recording)
    start = recording.start_time  # file second 0
    assert len(audio) == round((13.0 - start) * 8000)
    voiced = between(audio, 4.5 - start, 7.5 - start)
    assert pitch_of(voiced, 8000) == pytest.approx(220.0, rel=0.03)
    assert pitch_of(between(audio, 0.0, 4.0 - start), 8000) == 0.0
    assert pitch_of(between(audio, 8.1 - start, 13.0 - start), 8000) == 0.0
    traced = sim.events.of(call.sid, EventKind.TWIML_VERB)[1].fields
    assert traced["verb"] == "Record" and traced["trim"] == "do-not-trim"
    assert traced["timeout"] == 5.0 and traced["max_length"] == 3600.0


class Transcriptions:
    """Stands in for the simulator's transcriber: remembers what it was asked."""

    def __init__(self) -> None:
        self.requested: list[tuple[str, str | None, str]] = []

    def request(self, recording: Recording, *, callback_url: str | None, call: Call) -> None:
        self.requested.append((recording.sid, callback_url, call.sid))


def test_transcribe_asks_the_transcriber_with_the_callback() -> None:
    sim, app = new_sim()
    transcriber = Transcriptions()
    sim.transcriber = transcriber  # type: ignore[attr-defined]
    inbound_number(sim)
    app.route("/voice", voicemail(transcribe=True, transcribe_callback="/text"))
    app.route("/saved", saved())
    call = sim.place_inbound_call(CALLER, NUMBER, party=caller())
    sim.advance(40)
    (recording,) = sim.recorder.recordings.values()
    assert transcriber.requested == [(recording.sid, "http://app.test/text", call.sid)]


def test_transcribe_end_to_end_calls_the_transcribe_callback() -> None:
    sim, app, _call = run(caller(), seconds=120.0, transcribe=True, transcribe_callback="/text")
    (recording,) = sim.recorder.recordings.values()
    text = app.only("/text")
    assert text["RecordingSid"] == recording.sid


def test_transcribe_without_a_transcriber_is_a_warning() -> None:
    sim, app = new_sim()
    sim.transcriber = None  # type: ignore[assignment]
    inbound_number(sim)
    app.route("/voice", voicemail(transcribe=True))
    app.route("/saved", saved())
    app.route("/recording", "")
    call = sim.place_inbound_call(CALLER, NUMBER, party=caller())
    sim.advance(40)
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["code"] == 13618 and notice.fields["level"] == "warning"
