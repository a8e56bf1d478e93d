"""Media variants made block by block: the bytes of the whole-array path for every format and
presentation, MP3 that reads back with its duration and channels, and memory bounded by the
file plus a constant, whatever the recording's length."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from simtel.audio import (
    Beep,
    MediaFormat,
    RecordingWindow,
    Track,
    encode,
    requested_channels,
    wav_file,
)
from simtel.audio.mediastream import media_bytes, stored_blocks, wav_blocks
from simtel.errors import TwilioError
from tests.test_audio_wavstream import WINDOWS

RATE = 8000
#: what making a variant may hold beyond the file it makes (docs/design.md, "Audio is a function")
OVERHEAD_BOUND = 16 * 2**20


def whole_array(window: RecordingWindow, fmt: MediaFormat, wanted: int | None) -> bytes:
    """The variant as made before blocks: the stored WAV read back whole, presented, encoded."""
    pcm, _ = sf.read(io.BytesIO(wav_file(window, RATE)), dtype="int16", always_2d=True)
    samples = (pcm.astype(np.float32) / np.float32(32767.0)).astype(np.float32)
    return encode(requested_channels(samples, wanted), fmt, RATE)


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("fmt", ["wav", "mp3"])
@pytest.mark.parametrize("wanted", [None, 1, 2])
def test_blocks_give_the_bytes_of_the_whole_array_path(
    name: str, fmt: MediaFormat, wanted: int | None
) -> None:
    window = WINDOWS[name]
    if wanted == 2 and name == "mono mix":
        pytest.skip("a mono file has no dual presentation (see the refusal test)")
    expected = whole_array(window, fmt, wanted)
    made = media_bytes(stored_blocks(window, RATE, 997), fmt, wanted)
    read = media_bytes(wav_blocks(wav_file(window, RATE), 4000), fmt, wanted)
    assert made == expected and read == expected


@pytest.mark.parametrize("wanted", [None, 1, 2])
def test_mp3_reads_back_with_the_recording_s_duration_and_channels(wanted: int | None) -> None:
    window = WINDOWS["dual"]
    frames, channels, blocks = stored_blocks(window, RATE, 4000)
    data = media_bytes((frames, channels, blocks), "mp3", wanted)
    with sf.SoundFile(io.BytesIO(data)) as mp3:
        assert mp3.format == "MP3" and mp3.samplerate == RATE
        assert mp3.channels == (1 if wanted == 1 else 2)
        assert mp3.frames == frames
    assert media_bytes(stored_blocks(window, RATE), "mp3", wanted) == data  # deterministic


def test_a_refused_presentation_is_refused_before_any_work() -> None:
    source = stored_blocks(WINDOWS["mono mix"], RATE)
    with pytest.raises(TwilioError) as refused:
        media_bytes(source, "mp3", 2)
    assert refused.value.code == 16113
    with pytest.raises(TwilioError) as bad:
        media_bytes(source, "mp3", 3)
    assert bad.value.code == 20001


def long_dual(seconds: float) -> RecordingWindow:
    """A dual recording `seconds` long: a beep at each end of a held call."""
    caller, callee = Track("caller"), Track("callee")
    caller.add(0.0, 0.5, Beep())
    callee.add(seconds - 1.0, seconds - 0.5, Beep())
    return RecordingWindow(0.0, seconds, (caller, callee))


def peak_beyond_output(seconds: float) -> tuple[int, int]:
    """Bytes of the MP3 of `long_dual(seconds)`, and the peak traced memory beyond them."""
    source = stored_blocks(long_dual(seconds), RATE)
    tracemalloc.start()
    try:
        data = media_bytes(source, "mp3")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return len(data), peak - len(data)


def test_mp3_memory_is_the_file_plus_a_constant_whatever_the_length() -> None:
    """The bound of docs/design.md: the file plus 16 MiB. Measured at 1 and 10 minutes (the
    10-minute file is 10x the 1-minute one; the overhead does not grow with it): a whole-array
    encode of the 10 minutes held ~40 MB of float samples. bench/audio.py measures 4 hours."""
    short_size, short_overhead = peak_beyond_output(60.0)
    long_size, long_overhead = peak_beyond_output(600.0)
    assert long_size == pytest.approx(10 * short_size, rel=0.01)  # 32 kbps: 4 kB a second
    assert long_size == pytest.approx(600 * 4000, rel=0.01)
    assert short_overhead < OVERHEAD_BOUND and long_overhead < OVERHEAD_BOUND
    assert long_overhead < short_overhead + 2**20  # one block's worth, not the recording's
