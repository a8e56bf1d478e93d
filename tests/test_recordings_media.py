"""Recording media judged by what it contains: voices by pitch, silence by level, keys by DTMF,
layout by channel count and length; formats, RequestedChannels, caching and 404s."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from simtel import CallOptions, Party, Press, RecordingOptions, Simulator, TwilioError, Utterance
from simtel.audio import SILENCE_RMS, Tone, detect_dtmf, pitch_of, rms
from simtel.engine.calls.call import Call
from simtel.engine.recordings.recording import Recording, TrackRef
from simtel.errors import NotFound

PARTY = "+15550001000"
CALLER = "+15559990000"
RATE = 8000
PITCH = 210.0
TONE_HZ = 440.0
Audio = npt.NDArray[np.float64]


def talker(**changes: Any) -> Party:
    """One long utterance from answer on, at a known pitch."""
    defaults: dict[str, Any] = {
        "talk": "script",
        "script": (Utterance(0.0, "hello", duration=600.0),),
        "hangup_after": None,
        "pitch_hz": PITCH,
    }
    defaults.update(changes)
    return Party(**defaults)


def live_call(sim: Simulator, party: Party | None = None) -> Call:
    sim.set_party(PARTY, party or talker())
    call = sim.create_call(PARTY, CALLER)
    sim.advance(5.0)
    assert call.status == "in-progress"
    return call


def record(sim: Simulator, call: Call, seconds: float, **options: Any) -> Recording:
    """Record `call` for `seconds` (do-not-trim unless asked) and let it complete."""
    settings: dict[str, Any] = {"trim": "do-not-trim"}
    settings.update(options)
    recording = sim.recorder.start_call_recording(
        call, "StartCallRecordingAPI", RecordingOptions(**settings)
    )
    sim.advance(seconds)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    assert recording.status == "completed"
    return recording


def decode(data: bytes) -> tuple[Audio, int]:
    samples, rate = sf.read(io.BytesIO(data), always_2d=True)
    return samples, rate


def seconds(samples: Audio, a: float, b: float) -> Audio:
    return samples[int(a * RATE) : int(b * RATE)]


# -- layouts ------------------------------------------------------------------------------------
def test_dual_outbound_api_party_on_channel_1_silence_on_channel_2() -> None:
    sim = Simulator(seed=1)
    sim.set_party(PARTY, talker(hangup_after=12.0))
    options = CallOptions(
        record=True, recording=RecordingOptions(channels="dual", trim="do-not-trim")
    )
    sim.create_call(PARTY, CALLER, options)
    sim.advance(40.0)
    (recording,) = sim.recorder.recordings.values()
    samples, rate = decode(sim.recording_media(recording.sid, "wav", None))
    assert (rate, samples.shape) == (RATE, (12 * RATE, 2))
    assert pitch_of(samples[:, 0], rate) == pytest.approx(PITCH, abs=2.0)
    assert rms(samples[:, 0]) > 0.05
    assert rms(samples[:, 1]) == 0.0  # nothing was played to the party


def test_dual_channel_2_carries_what_twilio_sent() -> None:
    sim = Simulator(seed=2)
    call = live_call(sim)
    call.audio.add("outbound", sim.now + 1.0, sim.now + 4.0, Tone((TONE_HZ,)))
    recording = record(sim, call, 6.0, channels="dual")
    samples, _ = decode(sim.recording_media(recording.sid, "wav", None))
    assert pitch_of(samples[:, 0], RATE) == pytest.approx(PITCH, abs=2.0)
    assert pitch_of(seconds(samples[:, 1:], 1.1, 3.9), RATE) == pytest.approx(TONE_HZ, abs=2.0)
    assert rms(seconds(samples[:, 1:], 4.1, 6.0)) == 0.0
    mixed, _ = decode(sim.recording_media(recording.sid, "wav", 1))
    assert mixed.shape == (6 * RATE, 1)
    assert rms(seconds(mixed, 1.1, 3.9)) > rms(seconds(mixed, 4.1, 6.0))  # both in the mix


@pytest.mark.parametrize(("track", "voice"), [("inbound", True), ("outbound", False)])
def test_single_track_recordings_are_mono(track: str, voice: bool) -> None:
    sim = Simulator(seed=3)
    call = live_call(sim)
    recording = record(sim, call, 5.0, track=track, channels="dual")
    assert recording.channels == 1
    samples, _ = decode(sim.recording_media(recording.sid, "wav", None))
    assert samples.shape == (5 * RATE, 1)
    assert (rms(samples) > 0.05) is voice


# -- pauses and trim ----------------------------------------------------------------------------
def test_pause_with_silence_keeps_the_length_and_zeros_the_span() -> None:
    sim = Simulator(seed=4)
    call = live_call(sim)
    recording = sim.recorder.start_call_recording(
        call, "StartCallRecordingAPI", RecordingOptions(trim="do-not-trim")
    )
    sim.advance(2.0)
    sim.recorder.pause(recording, "silence")
    sim.advance(3.0)
    sim.recorder.resume(recording)
    sim.advance(2.0)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    samples, _ = decode(sim.recording_media(recording.sid, "wav", None))
    assert len(samples) == 7 * RATE
    assert rms(seconds(samples, 2.0, 5.0)) == 0.0
    assert rms(seconds(samples, 0.0, 2.0)) > 0.05 and rms(seconds(samples, 5.0, 7.0)) > 0.05


def test_pause_with_skip_shortens_the_file_by_the_span() -> None:
    sim = Simulator(seed=5)
    call = live_call(sim)
    recording = sim.recorder.start_call_recording(
        call, "StartCallRecordingAPI", RecordingOptions(trim="do-not-trim")
    )
    sim.advance(2.0)
    sim.recorder.pause(recording, "skip")
    sim.advance(3.0)
    sim.recorder.resume(recording)
    sim.advance(2.0)
    sim.recorder.stop(recording)
    sim.advance(10.0)
    samples, _ = decode(sim.recording_media(recording.sid, "wav", None))
    assert len(samples) == 4 * RATE
    assert recording.duration == 4
    frames = samples[:, 0]
    assert all(rms(frames[k : k + RATE // 10]) > SILENCE_RMS for k in range(0, len(frames), 800))


def test_trim_silence_removes_leading_and_trailing_silence() -> None:
    script = (Utterance(5.0, "one two three four five", duration=3.0),)
    durations = {}
    for trim in ("do-not-trim", "trim-silence"):
        sim = Simulator(seed=6)
        sim.set_party(PARTY, talker(script=script, hangup_after=12.0))
        options = CallOptions(record=True, recording=RecordingOptions(trim=trim))
        sim.create_call(PARTY, CALLER, options)
        sim.advance(40.0)
        (recording,) = sim.recorder.recordings.values()
        samples, _ = decode(sim.recording_media(recording.sid, "wav", None))
        durations[trim] = len(samples) / RATE
        if trim == "trim-silence":
            assert rms(seconds(samples, 0.0, 0.1)) > SILENCE_RMS
            assert rms(samples[-800:]) > SILENCE_RMS
            assert pitch_of(samples, RATE) == pytest.approx(PITCH, abs=2.0)
    assert durations == {"do-not-trim": 12.0, "trim-silence": 3.0}


# -- DTMF, formats ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_dtmf_presses_decode_from_the_media(fmt: str) -> None:
    sim = Simulator(seed=7)
    call = live_call(sim, Party(talk="silent", hangup_after=None, presses=(Press(4.0, "123"),)))
    recording = record(sim, call, 8.0)
    samples, rate = decode(sim.recording_media(recording.sid, fmt, None))
    assert detect_dtmf(samples, rate) == "123"


@pytest.mark.parametrize(
    ("fmt", "requested", "channels"),
    [("wav", None, 2), ("wav", 1, 1), ("wav", 2, 2), ("mp3", None, 2), ("mp3", 1, 1)],
)
def test_formats_decode_at_8k_with_the_right_layout(
    fmt: str, requested: int | None, channels: int
) -> None:
    sim = Simulator(seed=8)
    recording = record(sim, live_call(sim), 6.0, channels="dual")
    data = sim.recording_media(recording.sid, fmt, requested)
    info = sf.info(io.BytesIO(data))
    assert (info.samplerate, info.channels, info.frames) == (RATE, channels, 6 * RATE)
    assert info.format == fmt.upper()
    if fmt == "wav":
        assert info.subtype == "PCM_16"
        assert len(data) == 44 + 6 * RATE * 2 * channels  # 128 kbps per channel
    samples, _ = decode(data)
    assert pitch_of(samples, RATE) == pytest.approx(PITCH, abs=3.0)


def test_requested_dual_on_a_one_track_recording_is_16113() -> None:
    """A mono recording of one track has nothing to split: Twilio's 16113 (HTTP 400)."""
    sim = Simulator(seed=9)
    recording = record(sim, live_call(sim), 3.0, track="inbound")
    assert recording.channels == 1
    for fmt in ("wav", "mp3"):
        with pytest.raises(TwilioError) as error:
            sim.recording_media(recording.sid, fmt, 2)
        assert (error.value.code, error.value.status) == (16113, 400)
    with pytest.raises(TwilioError) as error:
        sim.recording_media(recording.sid, "wav", 3)
    assert error.value.status == 400


def test_conference_recordings_download_mono_by_default() -> None:
    sim = Simulator(seed=10)
    call = live_call(sim)
    call.audio.add("outbound", sim.now, sim.now + 10.0, Tone((TONE_HZ,)))
    conference = "CF" + "b" * 32
    layout = ((TrackRef(call.audio, "inbound"),), (TrackRef(call.audio, "outbound"),))
    recording = sim.recorder.start(
        owner=conference,
        call_sid=call.sid,
        conference_sid=conference,
        source="Conference",
        options=RecordingOptions(trim="do-not-trim"),
        layout=layout,
    )
    sim.advance(4.0)
    sim.recorder.stop_owned(conference)
    sim.advance(10.0)
    assert recording.channels == 2
    mono, _ = decode(sim.recording_media(recording.sid, "wav", None))
    dual, _ = decode(sim.recording_media(recording.sid, "wav", 2))
    assert (mono.shape, dual.shape) == ((4 * RATE, 1), (4 * RATE, 2))
    assert pitch_of(dual[:, 1], RATE) == pytest.approx(TONE_HZ, abs=2.0)
    assert pitch_of(dual[:, 0], RATE) == pytest.approx(PITCH, abs=2.0)


# -- availability and caching -------------------------------------------------------------------
def test_no_media_until_completed() -> None:
    sim = Simulator(seed=11)
    call = live_call(sim)
    with pytest.raises(NotFound):
        sim.recording_media("RE" + "0" * 32, "wav", None)
    recording = sim.recorder.start_call_recording(
        call, "StartCallRecordingAPI", RecordingOptions(trim="do-not-trim")
    )
    sim.advance(3.0)
    with pytest.raises(NotFound) as error:
        sim.recording_media(recording.sid, "wav", None)
    assert error.value.status == 404
    assert error.value.message == (
        f"The requested resource /2010-04-01/Accounts/{sim.account.sid}/Recordings/"
        f"{recording.sid} was not found"
    )
    sim.recorder.stop(recording)
    sim.advance(1.0)
    with pytest.raises(NotFound):
        sim.recording_media(recording.sid, "mp3", None)
    sim.advance(10.0)
    assert sim.recording_media(recording.sid, "mp3", None)


def test_rendered_once_and_variants_independent_of_request_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simtel.audio.wavstream import wav_file as real

    calls: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("simtel.audio.wavstream.wav_file", counting)
    fetched: list[dict[tuple[str, int | None], bytes]] = []
    for order in (["mp3", "wav"], ["wav", "mp3"]):
        sim = Simulator(seed=12)
        recording = record(sim, live_call(sim), 4.0, channels="dual")
        got = {}
        for fmt in order:
            for requested in (None, 1, 2):
                got[(fmt, requested)] = sim.recording_media(recording.sid, fmt, requested)
                assert sim.recording_media(recording.sid, fmt, requested) == got[(fmt, requested)]
        fetched.append(got)
    assert calls == [1, 1]
    assert fetched[0] == fetched[1]
    assert fetched[0][("wav", None)] == fetched[0][("wav", 2)]
