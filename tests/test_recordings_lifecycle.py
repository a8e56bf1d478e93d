"""Recording lifecycles driven on the engine: every path, every refused move with Twilio's code,
post-processing, absent recordings, status callbacks, delete and purge, price, determinism."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import SignedForms

from simtel import CallOptions, Party, RecordingOptions, Simulator, TwilioError, Utterance
from simtel.engine.calls.call import Call
from simtel.engine.recordings.recorder import RETENTION, processing_delay
from simtel.engine.recordings.recording import Recording, TrackRef
from simtel.errors import NotFound
from simtel.events import EventKind

PARTY = "+15550001000"
CALLER = "+15559990000"
APP = "http://app.test"
CALLBACK_EVENTS = ("in-progress", "completed", "absent")


def talker(hangup_after: float | None = 30.0, **changes: Any) -> Party:
    """A party that talks (one long utterance) from answer to hang-up."""
    script = (Utterance(0.0, "hello", duration=hangup_after or 600.0),)
    return Party(talk="script", script=script, hangup_after=hangup_after, pitch_hz=200.0, **changes)


def live_call(sim: Simulator, party: Party | None = None) -> Call:
    sim.set_party(PARTY, party or talker(hangup_after=None))
    call = sim.create_call(PARTY, CALLER)
    sim.advance(5.0)
    assert call.status == "in-progress"
    return call


def api_options(**changes: Any) -> RecordingOptions:
    defaults: dict[str, Any] = {"trim": "do-not-trim"}
    defaults.update(changes)
    return RecordingOptions(**defaults)


def start(sim: Simulator, call: Call, **changes: Any) -> Recording:
    return sim.recorder.start_call_recording(call, "StartCallRecordingAPI", api_options(**changes))


def statuses(sim: Simulator, recording: Recording) -> list[tuple[float, str]]:
    return [
        (event.t, event.fields["status"])
        for event in sim.events.of(recording.sid)
        if "status" in event.fields
    ]


@contextmanager
def refused(code: int, status: int = 400) -> Iterator[None]:
    """The block must raise Twilio error `code` with HTTP `status`."""
    with pytest.raises(TwilioError) as info:
        yield
    assert (info.value.code, info.value.status) == (code, status), info.value


# -- the happy paths ----------------------------------------------------------------------------
def test_stop_processing_then_completed_at_the_modelled_delay() -> None:
    sim = Simulator(seed=1)
    call = live_call(sim)
    recording = start(sim, call)
    t0 = sim.now
    sim.advance(10.0)
    sim.recorder.update(recording, "stopped")
    assert recording.status == "stopped"  # what the update response shows
    delay = processing_delay(10.0)
    sim.advance(delay - 0.5)
    assert recording.status == "processing"
    with pytest.raises(NotFound):
        sim.recording_media(recording.sid, "wav", None)
    sim.advance(1.0)
    assert recording.status == "completed"
    assert statuses(sim, recording) == [
        (t0, "in-progress"),
        (t0 + 10.0, "stopped"),
        (t0 + 10.0, "processing"),
        (t0 + 10.0 + delay, "completed"),
    ]
    assert recording.duration == 10
    assert recording.price == "-0.0025"
    assert call.status == "in-progress"  # stopping a recording does not end the call


def test_pause_resume_stop_and_call_end_stops_the_recording() -> None:
    sim = Simulator(seed=2)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(2.0)
    sim.recorder.update(recording, "paused", "skip")
    sim.recorder.update(recording, "paused", "skip")  # same status again: accepted, no change
    sim.advance(3.0)
    sim.recorder.update(recording, "in-progress")
    sim.advance(4.0)
    sim.call_engine.complete(call)
    assert recording.status == "stopped"
    sim.advance(10.0)
    assert [s for _, s in statuses(sim, recording)] == [
        "in-progress",
        "paused",
        "in-progress",
        "stopped",
        "processing",
        "completed",
    ]
    assert recording.duration == 6  # 9 s captured, 3 s skipped


def test_outbound_api_record_true_records_from_answer_to_hangup() -> None:
    sim = Simulator(seed=3)
    sim.set_party(PARTY, talker(hangup_after=20.0))
    options = CallOptions(record=True, recording=api_options(channels="dual"))
    call = sim.create_call(PARTY, CALLER, options)
    sim.advance(60.0)
    (recording,) = sim.recorder.recordings.values()
    assert recording.source == "OutboundAPI"
    assert recording.start_time == call.answered_at
    assert recording.stop_time == call.end_time
    assert (recording.status, recording.duration, recording.channels) == ("completed", 20, 2)


@pytest.mark.parametrize(
    ("seconds", "price"), [(4.0, "-0.0025"), (60.0, "-0.0025"), (61.0, "-0.0050")]
)
def test_price_per_started_minute(seconds: float, price: str) -> None:
    sim = Simulator(seed=4)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(seconds)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert recording.fields()["price"] == price
    assert recording.fields()["price_unit"] == "USD"


# -- refused moves ------------------------------------------------------------------------------
def test_21220_on_a_call_that_is_not_in_progress() -> None:
    sim = Simulator(seed=5)
    sim.set_party(PARTY, talker(hangup_after=5.0, answer_after=3.0))
    call = sim.create_call(PARTY, CALLER)
    sim.advance(1.5)
    assert call.status == "ringing"
    with refused(21220):
        start(sim, call)
    sim.advance(20.0)
    assert call.status == "completed"
    with refused(21220):
        start(sim, call)


def test_twilio_current_16108_with_two_active_and_20404_with_none() -> None:
    sim = Simulator(seed=6)
    call = live_call(sim)
    path = f"/2010-04-01/Accounts/{sim.account.sid}/Calls/{call.sid}/Recordings/Twilio.CURRENT.json"
    with refused(20404, 404):
        sim.recorder.resolve(call.sid, "Twilio.CURRENT", path)
    first = start(sim, call)
    assert sim.recorder.resolve(call.sid, "Twilio.CURRENT", path) is first
    second = start(sim, call)
    with refused(16108):
        sim.recorder.resolve(call.sid, "Twilio.CURRENT", path)
    sim.recorder.update(first, "stopped")
    assert sim.recorder.resolve(call.sid, "Twilio.CURRENT", path) is second
    sim.recorder.update(second, "paused")
    assert sim.recorder.resolve(call.sid, "Twilio.CURRENT", path) is second  # paused is active
    with refused(20404, 404):
        sim.recorder.resolve(call.sid, "RE" + "0" * 32, path)


def test_16114_after_stop_and_for_statuses_that_cannot_be_set() -> None:
    sim = Simulator(seed=7)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(3.0)
    with refused(16114):
        sim.recorder.update(recording, "completed")
    sim.recorder.update(recording, "stopped")
    with refused(16114):
        sim.recorder.update(recording, "in-progress")
    with refused(16114):
        sim.recorder.update(recording, "paused")
    with refused(20001):
        sim.recorder.pause(start(sim, call), "mute")


def test_20009_delete_before_completion() -> None:
    sim = Simulator(seed=8)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(3.0)
    with refused(20009):
        sim.recorder.delete(recording)
    sim.recorder.stop(recording)
    sim.advance(0.5)
    assert recording.status == "processing"
    with refused(20009):
        sim.recorder.delete(recording)


def test_stopped_is_refused_on_a_conference_recording() -> None:
    sim = Simulator(seed=9)
    call = live_call(sim)
    conference = "CF" + "a" * 32
    recording = sim.recorder.start(
        owner=conference,
        call_sid=call.sid,
        conference_sid=conference,
        source="Conference",
        options=api_options(),
        layout=((TrackRef(call.audio, "inbound"),),),
    )
    sim.advance(3.0)
    with refused(21220):
        sim.recorder.update(recording, "stopped")
    sim.recorder.update(recording, "paused")
    sim.recorder.update(recording, "in-progress")
    assert recording.is_active
    sim.recorder.stop_owned(conference)  # the conference ends
    sim.advance(10.0)
    assert recording.status == "completed"


# -- absent -------------------------------------------------------------------------------------
def test_absent_16101_when_stopped_right_after_start() -> None:
    sim = Simulator(seed=10)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(0.4)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert (recording.status, recording.error_code) == ("absent", 16101)
    assert recording.price is None
    with pytest.raises(NotFound):
        sim.recording_media(recording.sid, "wav", None)
    with refused(20009):
        sim.recorder.delete(recording)  # only completed recordings can be deleted


def test_absent_16102_for_a_silent_party_when_silent_recordings_are_deleted() -> None:
    sim = Simulator(seed=11)
    sim.recorder.delete_silent = True
    call = live_call(sim, Party(talk="silent", hangup_after=None))
    recording = start(sim, call)
    sim.advance(8.0)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert (recording.status, recording.error_code) == ("absent", 16102)


def test_a_silent_recording_is_kept_by_default() -> None:
    sim = Simulator(seed=11)
    call = live_call(sim, Party(talk="silent", hangup_after=None))
    recording = start(sim, call)
    sim.advance(8.0)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert (recording.status, recording.error_code, recording.duration) == ("completed", None, 8)


# -- status callbacks ---------------------------------------------------------------------------
def test_status_callbacks_in_progress_and_completed_with_every_parameter() -> None:
    sim = Simulator(seed=12)
    app = SignedForms(sim.account.auth_token, "/rec")
    sim.mount(APP, app.app)
    call = live_call(sim)
    options = {"status_callback": f"{APP}/rec", "status_callback_events": CALLBACK_EVENTS}
    recording = start(sim, call, channels="dual", **options)
    started = sim.now
    sim.advance(7.0)
    sim.recorder.update(recording, "paused")  # pause and resume send nothing
    sim.recorder.update(recording, "in-progress")
    sim.recorder.stop(recording)
    sim.advance(10.0)
    media_url = f"{sim.public_url}/2010-04-01/Accounts/{sim.account.sid}/Recordings/{recording.sid}"
    common = {
        "AccountSid": sim.account.sid,
        "CallSid": call.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": media_url,
        "RecordingChannels": "2",
        "RecordingSource": "StartCallRecordingAPI",
        "RecordingStartTime": sim.clock.rfc2822(started),
        "RecordingTrack": "both",
        "ErrorCode": "0",
    }
    assert app.seen == [
        {**common, "RecordingStatus": "in-progress"},
        {**common, "RecordingStatus": "completed", "RecordingDuration": "7"},
    ]


def test_status_callback_absent_carries_the_error_code_and_default_events_skip_it() -> None:
    sim = Simulator(seed=13)
    app = SignedForms(sim.account.auth_token, "/rec")
    sim.mount(APP, app.app)
    call = live_call(sim)
    subscribed = start(sim, call, status_callback=f"{APP}/rec", status_callback_events=("absent",))
    default = start(sim, call, status_callback=f"{APP}/rec")  # events default to completed
    sim.recorder.stop(subscribed)
    sim.recorder.stop(default)
    sim.advance(10.0)
    assert [form["RecordingSid"] for form in app.seen] == [subscribed.sid]
    (form,) = app.seen
    assert (form["RecordingStatus"], form["ErrorCode"]) == ("absent", "16101")
    assert "RecordingDuration" not in form  # "only when RecordingStatus is completed" (seed)


# -- delete and purge ---------------------------------------------------------------------------
def test_delete_keeps_metadata_for_40_days_then_purges() -> None:
    sim = Simulator(seed=14)
    call = live_call(sim)
    recording = start(sim, call)
    sim.advance(5.0)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert sim.recording_media(recording.sid, "wav", None)
    assert sim.media.variants(recording.sid)
    sim.recorder.delete(recording)
    assert sim.recorder.get(recording.sid).status == "deleted"
    assert sim.media.variants(recording.sid) == []
    with pytest.raises(NotFound) as error:
        sim.recording_media(recording.sid, "wav", None)
    assert error.value.message.endswith(f"/Recordings/{recording.sid} was not found")
    with refused(16114):
        sim.recorder.update(recording, "in-progress")
    sim.advance(RETENTION - 60.0)
    assert sim.recorder.get(recording.sid).status == "deleted"
    assert not sim.events.of(recording.sid, EventKind.RECORDING_PURGED)
    sim.advance(40 * 86400.0)
    with pytest.raises(NotFound):
        sim.recorder.get(recording.sid)
    assert len(sim.events.of(recording.sid, EventKind.RECORDING_PURGED)) == 1


# -- determinism --------------------------------------------------------------------------------
def run(seed: int) -> tuple[str, bytes, bytes, list[str]]:
    sim = Simulator(seed=seed)
    sim.set_party(PARTY, Party(hangup_after=25.0))  # talk spurts drawn from the seed
    options = CallOptions(record=True, recording=api_options(channels="dual"))
    sim.create_call(PARTY, CALLER, options)
    sim.advance(60.0)
    (recording,) = sim.recorder.recordings.values()
    log = io.StringIO()
    sim.events.write_jsonl(log)
    wav = sim.recording_media(recording.sid, "wav", None)
    mp3 = sim.recording_media(recording.sid, "mp3", None)
    return log.getvalue(), wav, mp3, [e.sid for e in sim.events]


def test_same_seed_same_bytes_and_log_other_seed_other_sids() -> None:
    first, again, other = run(21), run(21), run(22)
    assert first == again
    assert first[0] != other[0] and first[1] != other[1]
    assert not set(first[3]) & set(other[3])
