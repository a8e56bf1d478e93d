"""SIP trunk calls: recording modes (channels, start point, ringback), capacity and CPS limits
(SIP 503, never queued), and the call resource they leave."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from conftest import Collector

from simtel import Party, Simulator, TwilioError, Utterance
from simtel.audio import band_level, pitch_of
from simtel.engine.calls.call import CallbackConfig
from simtel.engine.calls.steps import POST_DIAL_DELAY
from simtel.engine.recordings.recording import Recording

RATE = 8000
PBX, PSTN = "+15550001000", "+15559990000"
ANSWER_AFTER = 7.0


def talker(pitch: float, hangup_after: float | None, answer_after: float = 3.0) -> Party:
    return Party(
        talk="script",
        script=(Utterance(0.0, "hello", duration=600.0),),
        hangup_after=hangup_after,
        answer_after=answer_after,
        pitch_hz=pitch,
    )


def record_one(mode: str, direction: str = "trunking-terminating") -> tuple[Simulator, Recording]:
    sim = Simulator(seed=5)
    trunk = sim.trunks.create("pbx", recording_mode=mode)
    callee = talker(300.0, 20.0, answer_after=ANSWER_AFTER)
    call = sim.trunks.place_call(
        trunk.sid, PBX, PSTN, callee, direction, caller=talker(110.0, None)
    )
    sim.run()
    assert (call.status, call.direction, call.trunk_sid) == ("completed", direction, trunk.sid)
    (recording,) = sim.recorder.recordings.values()
    assert (recording.source, recording.call_sid, recording.conference_sid) == (
        "Trunking",
        call.sid,
        None,
    )
    return sim, recording


def audio_of(sim: Simulator, recording: Recording) -> np.ndarray:
    data, rate = sf.read(
        io.BytesIO(sim.recording_media(recording.sid, "wav", None)), always_2d=True
    )
    assert rate == RATE
    return np.asarray(data)


@pytest.mark.parametrize(
    ("mode", "channels", "from_ringing"),
    [
        ("record-from-ringing", 1, True),
        ("record-from-answer", 1, False),
        ("record-from-ringing-dual", 2, True),
        ("record-from-answer-dual", 2, False),
    ],
)
def test_recording_modes(mode: str, channels: int, from_ringing: bool) -> None:
    sim, recording = record_one(mode)
    ringing_at, answered_at = POST_DIAL_DELAY, POST_DIAL_DELAY + ANSWER_AFTER
    assert recording.start_time == (ringing_at if from_ringing else answered_at)
    assert recording.channels == channels and recording.status == "completed"
    assert recording.duration == round(20.0 + (ANSWER_AFTER if from_ringing else 0.0))
    audio = audio_of(sim, recording)
    assert audio.shape[1] == channels
    first_seconds = audio[: 2 * RATE].sum(axis=1)
    ringback = band_level(first_seconds, RATE, 480.0)  # the 440 + 480 Hz pair
    assert ringback > 0.2 if from_ringing else ringback < 0.01
    talk = audio[-10 * RATE :]
    if channels == 2:
        # channel 1 the originating (calling) side, channel 2 the called side (and ringback)
        assert pitch_of(talk[:, 0], RATE) == pytest.approx(110.0, rel=0.01)
        assert pitch_of(talk[:, 1], RATE) == pytest.approx(300.0, rel=0.01)
        assert band_level(audio[: 2 * RATE, 0], RATE, 480.0) < 0.01
    else:
        mixed = talk[:, 0]
        assert band_level(mixed, RATE, 110.0) > 0.05 and band_level(mixed, RATE, 300.0) > 0.05


def test_do_not_record_and_trim() -> None:
    sim = Simulator(seed=5)
    trunk = sim.trunks.create("pbx")
    assert (trunk.recording_mode, trunk.recording_trim) == ("do-not-record", "do-not-trim")
    sim.trunks.place_call(trunk.sid, PBX, PSTN, talker(300.0, 10.0), caller=talker(110.0, None))
    sim.run()
    assert sim.recorder.recordings == {}
    sim.trunks.set_recording(trunk.sid, "record-from-ringing", "trim-silence")
    sim.trunks.place_call(trunk.sid, PBX, PSTN, talker(300.0, 10.0), caller=talker(110.0, None))
    sim.run()
    (recording,) = sim.recorder.recordings.values()
    assert recording.trim and recording.duration is not None
    with pytest.raises(TwilioError) as refused:
        sim.trunks.set_recording(trunk.sid, "record-always")
    assert refused.value.code == 20001


def test_originating_calls_are_recorded_with_the_caller_on_channel_one() -> None:
    sim, recording = record_one("record-from-answer-dual", "trunking-originating")
    talk = audio_of(sim, recording)[-10 * RATE :]
    assert pitch_of(talk[:, 0], RATE) == pytest.approx(110.0, rel=0.01)


def test_capacity_rejects_with_503_and_frees_channels() -> None:
    sim = Simulator(seed=5)
    trunk = sim.trunks.create("pbx", capacity=2)
    calls = [sim.trunks.place_call(trunk.sid, PBX, PSTN, talker(300.0, 30.0)) for _ in range(3)]
    assert [c.status for c in calls] == ["queued", "queued", "failed"]
    assert calls[2].context["sip_response_code"] == 503 and calls[2].start_time is not None
    assert (trunk.active, trunk.offered, trunk.blocked) == (2, 3, 1)
    sim.advance(10.0)
    assert [c.status for c in calls] == ["in-progress", "in-progress", "failed"]
    sim.run()
    assert trunk.active == 0
    later = sim.trunks.place_call(trunk.sid, PBX, PSTN, talker(300.0, 5.0))
    assert later.status == "queued"


def test_calls_per_second_limit() -> None:
    sim = Simulator(seed=5)
    trunk = sim.trunks.create("pbx", cps=2)
    first = [sim.trunks.place_call(trunk.sid, PBX, PSTN) for _ in range(3)]
    sim.advance(1.0)
    second = sim.trunks.place_call(trunk.sid, PBX, PSTN)
    assert [c.status for c in first] == ["queued", "queued", "failed"]
    assert second.status != "failed"


def test_rejected_call_reports_sip_503_in_its_status_callback(collector: Collector) -> None:
    sim = Simulator(seed=5)
    sim.mount("http://app.test", collector.app())
    trunk = sim.trunks.create("pbx", capacity=0)
    status = CallbackConfig("http://app.test/status", "POST", ("completed",))
    call = sim.trunks.place_call(trunk.sid, PBX, PSTN, status=status)
    sim.run()
    (sent,) = collector.on("/status")
    assert (sent["CallSid"], sent["CallStatus"]) == (call.sid, "failed")
    assert sent["SipResponseCode"] == "503"
