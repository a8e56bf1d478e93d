"""Sources sound like what they claim: checked by listening (FFT, Goertzel, RMS)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import soundfile as sf

from simtel.audio import (
    BEEP_DURATION,
    BEEP_HZ,
    DTMF_FREQS,
    PARTY_PITCHES,
    TWILIO_VOICE_PITCH,
    Beep,
    Dtmf,
    Ringback,
    Silence,
    Speech,
    Tone,
    Voice,
    WavFile,
    band_level,
    detect_dtmf,
    pitch_of,
    rms,
    say_duration,
    talk_spurts,
    voice_pitch,
)

RATE = 8000


def seconds(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return x[round(a * RATE) : round(b * RATE)]


@pytest.mark.parametrize("pitch", [*PARTY_PITCHES, TWILIO_VOICE_PITCH, 137.3])
def test_voice_fundamental_is_its_pitch(pitch: float) -> None:
    x = Voice(seed=3, pitch_hz=pitch).render(0.0, 2 * RATE, RATE)
    assert pitch_of(x, RATE) == pytest.approx(pitch, rel=0.03)
    assert 0.05 < rms(x) < 0.5


def test_two_parties_are_distinguishable() -> None:
    a = Voice(1, voice_pitch(9, 0)).render(0.0, RATE, RATE)
    b = Voice(2, voice_pitch(9, 1)).render(0.0, RATE, RATE)
    assert pitch_of(a, RATE) == pytest.approx(voice_pitch(9, 0), rel=0.03)
    assert pitch_of(b, RATE) == pytest.approx(voice_pitch(9, 1), rel=0.03)
    assert band_level(a, RATE, voice_pitch(9, 1)) < 0.01
    assert band_level(b, RATE, voice_pitch(9, 0)) < 0.01


def test_voice_is_silent_outside_its_spurts() -> None:
    voice = Voice(5, 165.0, ((0.5, 1.5), (2.5, 3.0)))
    x = voice.render(0.0, 4 * RATE, RATE)
    for quiet in [(0.0, 0.5), (1.5, 2.5), (3.0, 4.0)]:
        assert rms(seconds(x, *quiet)) == 0.0
    assert rms(seconds(x, 0.6, 1.4)) > 0.05
    assert rms(seconds(x, 2.6, 2.9)) > 0.05
    assert voice.voiced(0.0, 10.0) == [(0.5, 1.5), (2.5, 3.0)]
    assert voice.voiced(1.0, 2.7) == [(1.0, 1.5), (2.5, 2.7)]


def test_voice_renders_the_same_in_pieces_as_whole() -> None:
    voice = Voice(11, 220.0, talk_spurts(np.random.default_rng(4), 20.0))
    whole = voice.render(0.0, 20 * RATE, RATE)
    cuts = [0, 3, 12_345, 40_000, 100_001, 20 * RATE]
    parts = [voice.render(a / RATE, b - a, RATE) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-6)


def test_voice_is_deterministic_and_seeded() -> None:
    a1 = Voice(1, 165.0).render(0.0, RATE, RATE)
    a2 = Voice(1, 165.0).render(0.0, RATE, RATE)
    b = Voice(2, 165.0).render(0.0, RATE, RATE)
    assert np.array_equal(a1, a2)
    assert not np.allclose(a1, b)
    assert pitch_of(b, RATE) == pytest.approx(165.0, rel=0.03)


def test_voice_rejects_unspeakable_pitch() -> None:
    with pytest.raises(ValueError, match="pitch"):
        Voice(1, 5.0)


def test_voice_pitches_are_distinct_and_well_separated() -> None:
    pitches = sorted(voice_pitch(42, i) for i in range(len(PARTY_PITCHES)))
    ratios = [b / a for a, b in itertools.pairwise(pitches)]
    assert min(ratios) > 1.25
    assert all(abs(p / TWILIO_VOICE_PITCH - 1) > 0.1 for p in pitches)
    assert voice_pitch(42, 3) == voice_pitch(42, 3)
    assert len({voice_pitch(42, i) for i in range(20)}) == 20


def test_talk_spurts_are_seeded_ordered_and_bounded() -> None:
    spurts = talk_spurts(np.random.default_rng(7), 60.0)
    assert spurts == talk_spurts(np.random.default_rng(7), 60.0)
    assert spurts != talk_spurts(np.random.default_rng(8), 60.0)
    assert all(s < e <= 60.0 for s, e in spurts)
    assert all(e < s2 for (_, e), (s2, _) in itertools.pairwise(spurts))
    talk = sum(e - s for s, e in spurts)
    assert 20.0 < talk < 50.0


def test_speech_speaks_each_word_at_the_twilio_voice() -> None:
    text = "Please leave a message after the beep"
    speech = Speech(text, seed=1)
    assert speech.duration == pytest.approx(say_duration(text)) == pytest.approx(7 * 60 / 150)
    spans = speech.voiced(0.0, 100.0)
    assert len(spans) == 7
    assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(speech.duration)
    gaps = [b - a for (_, a), (b, _) in itertools.pairwise(spans)]
    assert all(0.0 < g < 0.1 for g in gaps)
    x = speech.render(0.0, round(speech.duration * RATE) + RATE, RATE)
    assert pitch_of(x, RATE) == pytest.approx(TWILIO_VOICE_PITCH, rel=0.03)
    assert rms(x[-RATE // 2 :]) == 0.0


def test_empty_speech_is_silent() -> None:
    speech = Speech("   ")
    assert speech.duration == 0.0
    assert speech.voiced(0.0, 5.0) == []
    assert rms(speech.render(0.0, RATE, RATE)) == 0.0


@pytest.mark.parametrize("key", sorted(DTMF_FREQS))
def test_each_dtmf_key_decodes_to_itself(key: str) -> None:
    x = Dtmf(key).render(-0.1, round(0.3 * RATE), RATE)
    assert detect_dtmf(x, RATE) == key
    low, high = DTMF_FREQS[key]
    assert band_level(x, RATE, low, 0.01) + band_level(x, RATE, high, 0.01) > 0.9


def test_dtmf_sequence_and_repeated_keys_decode_in_order() -> None:
    digits = "1123#9*0"
    x = np.concatenate([Dtmf(k).render(-0.05, round(0.2 * RATE), RATE) for k in digits])
    assert detect_dtmf(x, RATE) == digits


def test_dtmf_detector_ignores_voices_and_silence() -> None:
    voices = Voice(3, 110.0).render(0.0, 5 * RATE, RATE) + Voice(4, 300.0).render(0, 5 * RATE, RATE)
    assert detect_dtmf(voices, RATE) == ""
    assert detect_dtmf(np.zeros(RATE, dtype=np.float32), RATE) == ""


def test_dtmf_rejects_unknown_key() -> None:
    with pytest.raises(ValueError, match="DTMF"):
        Dtmf("E")


def test_dtmf_lasts_its_duration() -> None:
    dtmf = Dtmf("5", duration=0.25)
    x = dtmf.render(0.0, RATE, RATE)
    assert rms(seconds(x, 0.01, 0.24)) > 0.1
    assert rms(seconds(x, 0.25, 1.0)) == 0.0
    assert dtmf.voiced(0.0, 1.0) == [(0.0, 0.25)]


def test_ringback_cadence_two_on_four_off() -> None:
    ringback = Ringback()
    x = ringback.render(0.0, 14 * RATE, RATE)
    for on in [(0.05, 1.95), (6.05, 7.95), (12.05, 13.95)]:
        part = seconds(x, *on)
        assert band_level(part, RATE, 440.0, 0.02) > 0.4
        assert band_level(part, RATE, 480.0, 0.02) > 0.4
    for off in [(2.0, 6.0), (8.0, 12.0)]:
        assert rms(seconds(x, *off)) == 0.0
    assert ringback.voiced(1.0, 13.0) == [(1.0, 2.0), (6.0, 8.0), (12.0, 13.0)]


def test_ringback_continues_its_cadence_in_later_windows() -> None:
    ringback = Ringback()
    late = ringback.render(3600.0, 6 * RATE, RATE)
    assert rms(seconds(late, 0.05, 1.95)) > 0.1
    assert rms(seconds(late, 2.0, 6.0)) == 0.0
    whole = ringback.render(3599.0, 3 * RATE, RATE)
    np.testing.assert_allclose(whole[RATE:], ringback.render(3600.0, 2 * RATE, RATE), atol=1e-5)


def test_beep_is_a_short_one_kilohertz_tone() -> None:
    x = Beep().render(0.0, RATE, RATE)
    assert pitch_of(seconds(x, 0.0, BEEP_DURATION), RATE, high=2000.0) == pytest.approx(
        BEEP_HZ, rel=0.01
    )
    assert rms(seconds(x, BEEP_DURATION, 1.0)) == 0.0
    assert Beep().voiced(0.0, 2.0) == [(0.0, BEEP_DURATION)]


def test_tone_and_silence() -> None:
    tone = Tone((350.0, 440.0), level=0.2)
    x = tone.render(12.3, RATE, RATE)
    assert float(np.max(np.abs(x))) <= 0.2 + 1e-6
    assert band_level(x, RATE, 350.0, 0.02) > 0.4
    assert tone.voiced(1.0, 2.0) == [(1.0, 2.0)]
    assert Tone(()).voiced(0.0, 1.0) == []
    assert rms(Silence().render(0.0, RATE, RATE)) == 0.0
    assert Silence().voiced(0.0, 1.0) == []


def test_wav_file_is_mono_mixed_resampled_and_voiced_where_loud(tmp_path: object) -> None:
    path = f"{tmp_path}/greeting.wav"
    rate_in = 16000
    t = np.arange(2 * rate_in) / rate_in
    tone = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    tone[rate_in:] = 0.0
    sf.write(path, np.stack([tone, tone], axis=1), rate_in, subtype="PCM_16")
    played = WavFile(path)
    assert played.duration == pytest.approx(2.0)
    x = played.render(0.0, 3 * RATE, RATE)
    assert pitch_of(seconds(x, 0.0, 1.0), RATE) == pytest.approx(440.0, rel=0.01)
    assert float(np.max(np.abs(x))) == pytest.approx(0.4, abs=0.01)
    assert rms(seconds(x, 1.01, 3.0)) == 0.0
    assert played.voiced(0.0, 3.0) == [(0.0, pytest.approx(1.0, abs=0.021))]
    assert played.voiced(0.5, 3.0) == [(0.5, pytest.approx(1.0, abs=0.021))]
