"""`<Record transcribe>` on the engine: the text is exactly the words inside the recorded,
unpaused span; length limits, absent recordings, timing, price, events and transcribeCallback."""

from __future__ import annotations

import pytest
from conftest import SignedForms

from simtel import Party, RecordingOptions, Simulator, Utterance
from simtel.engine.calls.call import Call
from simtel.engine.recordings.recording import Recording
from simtel.engine.recordings.transcriber import BLANK, transcription_delay
from simtel.errors import NotFound
from simtel.events import EventKind

PARTY = "+15550001000"
CALLER = "+15559990000"
APP = "http://app.test"
#: answer-relative: each utterance is 1.2 s (three words at 150 wpm)
SCRIPT = (
    Utterance(1.0, "good morning everyone"),
    Utterance(4.0, "my account number"),
    Utterance(7.0, "is four two"),
    Utterance(10.0, "thanks goodbye then"),
)


def live_call(sim: Simulator, script: tuple[Utterance, ...] = SCRIPT) -> Call:
    sim.set_party(PARTY, Party(talk="script", script=script, hangup_after=None))
    call = sim.create_call(PARTY, CALLER)
    sim.advance(4.5)
    assert call.status == "in-progress" and call.answered_at == 4.0
    return call


def start(sim: Simulator, call: Call, trim: str = "do-not-trim") -> Recording:
    return sim.recorder.start_call_recording(
        call, "RecordVerb", RecordingOptions(track="inbound", trim=trim)
    )


def at(sim: Simulator, t: float) -> None:
    """Advance to absolute simulated second `t`."""
    sim.advance(t - sim.now)


def finish(sim: Simulator, recording: Recording) -> None:
    sim.recorder.stop(recording)
    sim.advance(200.0)


def text_of(sim: Simulator, recording: Recording) -> str | None:
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    assert transcription.status == "completed"
    return transcription.transcription_text


# -- the text -----------------------------------------------------------------------------------
def test_text_is_every_scripted_word_of_the_recorded_span() -> None:
    sim = Simulator(seed=1)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 12.0)
    finish(sim, recording)
    assert text_of(sim, recording) == (
        "good morning everyone my account number is four two thanks goodbye then"
    )


def test_words_outside_the_window_or_cut_by_its_edges_are_absent() -> None:
    sim = Simulator(seed=2)
    call = live_call(sim)
    at(sim, 4.0 + 4.5)  # starts inside "my account number"
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 10.5)  # stops inside "thanks goodbye then"
    finish(sim, recording)
    assert text_of(sim, recording) == "is four two"


@pytest.mark.parametrize("behavior", ["skip", "silence"])
def test_a_pause_over_an_utterance_removes_its_words(behavior: str) -> None:
    sim = Simulator(seed=3)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 3.5)
    sim.recorder.pause(recording, behavior)
    at(sim, 4.0 + 6.0)
    sim.recorder.resume(recording)
    at(sim, 4.0 + 7.5)  # pause again inside "is four two": it is cut, so it is not heard
    sim.recorder.pause(recording, behavior)
    at(sim, 4.0 + 9.0)
    sim.recorder.resume(recording)
    at(sim, 4.0 + 12.0)
    finish(sim, recording)
    assert text_of(sim, recording) == "good morning everyone thanks goodbye then"


def test_trim_keeps_every_word_and_an_outbound_only_recording_hears_none() -> None:
    sim = Simulator(seed=4)
    call = live_call(sim)
    trimmed = start(sim, call, trim="trim-silence")
    outbound = sim.recorder.start_call_recording(
        call, "StartCallRecordingAPI", RecordingOptions(track="outbound", trim="do-not-trim")
    )
    for recording in (trimmed, outbound):
        sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 12.0)
    sim.recorder.stop(outbound)
    finish(sim, trimmed)
    assert trimmed.duration == 10  # 1.0 .. 11.2 answer-relative, trimmed
    assert text_of(sim, trimmed) == (
        "good morning everyone my account number is four two thanks goodbye then"
    )
    assert text_of(sim, outbound) == ""


# -- resource, events, timing, price ------------------------------------------------------------
def test_created_in_progress_then_completed_after_the_modelled_delay() -> None:
    sim = Simulator(seed=5)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 12.0)
    finish(sim, recording)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    created, updated = sim.events.of(transcription.sid)
    assert created.kind == EventKind.TRANSCRIPTION_CREATED
    completed_at = next(
        e.t for e in sim.events.of(recording.sid) if e.fields.get("status") == "completed"
    )
    assert created.t == completed_at
    assert created.fields == {
        "sid": transcription.sid,
        "account_sid": sim.account.sid,
        "api_version": "2010-04-01",
        "call_sid": call.sid,
        "recording_sid": recording.sid,
        "date_created": completed_at,
        "date_updated": completed_at,
        "duration": "12",
        "price": None,
        "price_unit": None,
        "status": "in-progress",
        "transcription_text": None,
        "type": "fast",
        "uri": f"/2010-04-01/Accounts/{sim.account.sid}/Transcriptions/{transcription.sid}.json",
    }
    assert updated.kind == EventKind.TRANSCRIPTION_UPDATED
    assert updated.t == completed_at + transcription_delay(12.0) == completed_at + 6.0
    assert updated.fields["status"] == "completed"
    assert updated.fields["price"] == "-0.05000"
    assert updated.fields["price_unit"] == "USD"
    assert transcription.fields()["date_updated"] == updated.t


def test_price_per_started_minute_and_a_late_request_runs_at_once() -> None:
    sim = Simulator(seed=6)
    call = live_call(sim, (Utterance(1.0, "hello there world"),))
    recording = start(sim, call)
    at(sim, 4.0 + 61.0)
    finish(sim, recording)
    assert recording.status == "completed"
    sim.transcriber.request(recording, callback_url=None, call=call)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    assert transcription.date_created == sim.now
    sim.advance(transcription_delay(61.0) - 0.5)
    assert transcription.status == "in-progress"
    sim.advance(1.0)
    assert transcription.status == "completed"
    assert (transcription.price, transcription.transcription_text) == (
        "-0.10000",
        "hello there world",
    )


@pytest.mark.parametrize("seconds", [1.5, 2.0, 120.0, 130.0])
def test_failed_blank_outside_2_to_120_seconds_with_a_13617_warning(seconds: float) -> None:
    sim = Simulator(seed=7)
    app = SignedForms(sim.account.auth_token, "/transcribed")
    sim.mount(APP, app.app)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=f"{APP}/transcribed", call=call)
    sim.advance(seconds)
    finish(sim, recording)
    assert recording.status == "completed"
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    assert (transcription.status, transcription.transcription_text) == ("failed", BLANK)
    (warning,) = [e for e in sim.events.of(call.sid, EventKind.NOTIFICATION)]
    assert warning.fields["code"] == 13617
    assert [form["TranscriptionStatus"] for form in app.seen] == ["failed"]
    assert app.seen[0]["TranscriptionText"] == BLANK


def test_absent_recording_fails_without_a_callback() -> None:
    sim = Simulator(seed=8)
    app = SignedForms(sim.account.auth_token, "/transcribed")
    sim.mount(APP, app.app)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=f"{APP}/transcribed", call=call)
    sim.advance(0.3)
    finish(sim, recording)
    assert (recording.status, recording.error_code) == ("absent", 16101)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    assert (transcription.status, transcription.transcription_text) == ("failed", BLANK)
    assert transcription.price == "-0.05000"  # a failed transcription costs a minute (OAI)
    assert app.seen == []


def test_transcribe_callback_parameters() -> None:
    sim = Simulator(seed=9)
    app = SignedForms(sim.account.auth_token, "/transcribed")
    sim.mount(APP, app.app)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=f"{APP}/transcribed", call=call)
    at(sim, 4.0 + 7.5)
    finish(sim, recording)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    base = f"{sim.public_url}/2010-04-01/Accounts/{sim.account.sid}"
    assert app.seen == [
        {
            "TranscriptionSid": transcription.sid,
            "TranscriptionText": "good morning everyone my account number",
            "TranscriptionStatus": "completed",
            "TranscriptionUrl": f"{base}/Transcriptions/{transcription.sid}",
            "RecordingSid": recording.sid,
            "RecordingUrl": f"{base}/Recordings/{recording.sid}",
            "CallSid": call.sid,
            "AccountSid": sim.account.sid,
            "From": CALLER,
            "To": PARTY,
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
            "Direction": "outbound-api",
        }
    ]
    (log,) = [
        e
        for e in sim.events
        if e.kind == EventKind.WEBHOOK
        and e.sid == call.sid
        and e.fields.get("purpose") == "transcribe-callback"
    ]
    assert log.t == transcription.date_updated


def test_delete_removes_it_for_good() -> None:
    sim = Simulator(seed=10)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=None, call=call)
    at(sim, 4.0 + 6.0)
    finish(sim, recording)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    sim.transcriber.delete(transcription.sid)
    assert sim.events.of(transcription.sid)[-1].kind == EventKind.TRANSCRIPTION_DELETED
    with pytest.raises(NotFound):
        sim.transcriber.get(transcription.sid)
    with pytest.raises(NotFound):
        sim.transcriber.delete(transcription.sid)
    assert sim.transcriber.of_recording(recording.sid) == []


def test_deleted_while_in_progress_never_completes_or_calls_back() -> None:
    sim = Simulator(seed=11)
    app = SignedForms(sim.account.auth_token, "/transcribed")
    sim.mount(APP, app.app)
    call = live_call(sim)
    recording = start(sim, call)
    sim.transcriber.request(recording, callback_url=f"{APP}/transcribed", call=call)
    at(sim, 4.0 + 6.0)
    sim.recorder.stop(recording)
    sim.advance(5.0)
    (transcription,) = sim.transcriber.of_recording(recording.sid)
    assert transcription.status == "in-progress"
    sim.transcriber.delete(transcription.sid)
    sim.advance(60.0)
    kinds = [e.kind for e in sim.events.of(transcription.sid)]
    assert kinds == [EventKind.TRANSCRIPTION_CREATED, EventKind.TRANSCRIPTION_DELETED]
    assert app.seen == []
