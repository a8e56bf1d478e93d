"""Media bytes: WAV and MP3 as Twilio serves them, decodable, deterministic, right-sized."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from simtel.audio import (
    MIME_TYPES,
    RecordingWindow,
    Track,
    Voice,
    downmix,
    encode,
    mp3_bytes,
    pitch_of,
    render,
    requested_channels,
    wav_bytes,
)
from simtel.errors import TwilioError

RATE = 8000
MP3_FRAME = 576  # samples per MPEG-2.5 Layer III granule-pair frame at 8 kHz


def dual(seconds: float) -> np.ndarray:
    a, b = Track(), Track()
    a.add(0.0, seconds, Voice(1, 110.0, ((0.2, seconds * 0.6),)))
    b.add(0.0, seconds, Voice(2, 300.0, ((seconds * 0.4, seconds - 0.2),)))
    return render(RecordingWindow(0.0, seconds, (a, b)))


def decode(data: bytes) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples, rate


def aligned_correlation(original: np.ndarray, decoded: np.ndarray) -> tuple[int, float]:
    """Best lag (decoded behind original) within one frame and the correlation there."""
    best = (0, -1.0)
    for lag in range(0, 2 * MP3_FRAME):
        n = min(len(original), len(decoded) - lag)
        c = float(np.corrcoef(original[:n], decoded[lag : lag + n])[0, 1])
        if c > best[1]:
            best = (lag, c)
    return best


def test_wav_is_8khz_16bit_pcm_at_128_kbps_per_channel() -> None:
    x = dual(3.0)
    data = wav_bytes(x)
    info = sf.info(io.BytesIO(data))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (
        8000,
        2,
        3 * RATE,
        "PCM_16",
    )
    assert len(data) == 44 + 3 * RATE * 2 * 2
    mono = wav_bytes(x[:, :1])
    assert (len(mono) - 44) * 8 / 3.0 == 128_000
    decoded, rate = decode(data)
    assert rate == RATE
    np.testing.assert_allclose(decoded, x, atol=1.0 / 32767)


def test_wav_quantises_full_scale_without_wrapping() -> None:
    x = np.array([[1.0], [-1.0], [2.0], [-2.0], [0.0]], dtype=np.float32)
    decoded, _ = decode(wav_bytes(x))
    np.testing.assert_allclose(decoded[:, 0], [1.0, -1.0, 1.0, -1.0, 0.0], atol=1e-4)


def test_mp3_mono_is_32_kbps_240_kb_per_minute() -> None:
    a = Track()
    a.add(0.0, 60.0, Voice(3, 165.0))
    x = render(RecordingWindow(0.0, 60.0, (a,)))
    data = mp3_bytes(x)
    assert len(data) == pytest.approx(240_000, rel=0.01)
    info = sf.info(io.BytesIO(data))
    assert (info.samplerate, info.channels, info.format) == (8000, 1, "MP3")
    decoded, rate = decode(data)
    assert rate == RATE
    assert abs(len(decoded) - len(x)) <= MP3_FRAME  # measured: exactly equal (LAME Info tag)
    assert pitch_of(decoded[RATE : 5 * RATE], RATE) == pytest.approx(165.0, rel=0.03)


def test_mp3_dual_round_trip_keeps_each_channel() -> None:
    x = dual(4.0)
    decoded, rate = decode(mp3_bytes(x))
    assert rate == RATE and decoded.shape[1] == 2
    assert abs(len(decoded) - len(x)) <= MP3_FRAME
    for channel in (0, 1):
        lag, correlation = aligned_correlation(x[:, channel], decoded[:, channel])
        assert correlation > 0.9, (channel, lag, correlation)
        assert lag == 0  # measured: no encoder delay after decoding
    assert pitch_of(decoded[: 2 * RATE, 0], RATE) == pytest.approx(110.0, rel=0.03)
    assert pitch_of(decoded[2 * RATE :, 1], RATE) == pytest.approx(300.0, rel=0.03)


def test_same_samples_give_the_same_bytes() -> None:
    x = dual(2.0)
    assert wav_bytes(x) == wav_bytes(dual(2.0))
    assert mp3_bytes(x) == mp3_bytes(dual(2.0))
    assert mp3_bytes(x) != mp3_bytes(dual(2.5))


def test_encode_dispatches_on_format_and_mime_types_match_twilio() -> None:
    x = dual(1.0)
    assert encode(x, "wav") == wav_bytes(x)
    assert encode(x, "mp3") == mp3_bytes(x)
    assert MIME_TYPES == {"wav": "audio/x-wav", "mp3": "audio/mpeg"}


def test_empty_recording_is_a_header_only_wav_and_an_empty_mp3() -> None:
    empty = np.zeros((0, 1), dtype=np.float32)
    assert sf.info(io.BytesIO(wav_bytes(empty))).frames == 0
    assert mp3_bytes(empty) == b""  # libsndfile writes no frame (not even the Info tag)


def test_downmix_sums_channels_into_one() -> None:
    x = dual(3.0)
    mono = downmix(x)
    assert mono.shape == (len(x), 1)
    np.testing.assert_allclose(mono[:, 0], np.clip(x[:, 0] + x[:, 1], -1, 1), atol=1e-6)
    assert float(np.max(np.abs(downmix(np.ones((4, 2), dtype=np.float32))))) == 1.0


def test_requested_channels_presentations() -> None:
    x = dual(1.0)
    mono = x[:, :1]
    assert requested_channels(x, None).shape == (RATE, 2)
    assert requested_channels(x, 2) is x
    np.testing.assert_array_equal(requested_channels(x, 1), downmix(x))
    assert requested_channels(mono, None).shape == (RATE, 1)
    assert requested_channels(mono, 1).shape == (RATE, 1)
    with pytest.raises(TwilioError) as refused:
        requested_channels(mono, 2)
    assert (refused.value.code, refused.value.status) == (16113, 400)
    assert "dual-channel" in refused.value.message
    with pytest.raises(TwilioError) as invalid:
        requested_channels(x, 3)
    assert invalid.value.status == 400
