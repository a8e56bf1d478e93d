"""WAV files made block by block: the same bytes as rendering the whole recording, for every
kind of source, pause, trim and block size; headers as libsndfile writes them."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from simtel.audio import (
    Beep,
    Dtmf,
    Mix,
    Pause,
    RecordingWindow,
    Ringback,
    Speech,
    Track,
    Voice,
    plan,
    render,
    render_blocks,
    talk_spurts,
    wav_bytes,
    wav_file,
    write_wav,
)
from simtel.audio.wavstream import wav_header

RATE = 8000


def busy_call(seconds: float = 40.0) -> tuple[Track, Track]:
    """A caller hearing ringback, a beep, a prompt and DTMF echoes; a callee talking in spurts.
    Segments start off the sample grid, as the engine's do."""
    caller, callee = Track("caller"), Track("callee")
    caller.add(0.13, 6.41, Ringback())
    caller.add(6.41, 6.91, Beep())
    caller.add(7.003, 12.0, Speech("Thank you for calling, this call is recorded", seed=4))
    caller.add(20.0001, 20.3001, Dtmf("7"))
    spurts = talk_spurts(np.random.default_rng(5), seconds, start=6.5)
    callee.add(6.41, seconds, Voice(9, 190.0, spurts))
    caller.add(12.0, seconds, Voice(8, 120.0, talk_spurts(np.random.default_rng(6), seconds)))
    return caller, callee


WINDOWS = {
    "dual": RecordingWindow(0.05, 40.0, busy_call()),
    "mono mix": RecordingWindow(0.05, 40.0, (Mix(busy_call()),)),
    "pauses and trim": RecordingWindow(
        0.0,
        40.0,
        busy_call(),
        pauses=(Pause(3.3, 5.1, "skip"), Pause(9.0, 14.5, "silence"), Pause(30.0, None, "skip")),
        trim=True,
    ),
    "silent": RecordingWindow(0.0, 5.0, (Track("a"), Track("b")), trim=True),
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("block_frames", [331, 997, 8000, 480_000])
def test_block_by_block_gives_the_bytes_of_a_whole_render(name: str, block_frames: int) -> None:
    window = WINDOWS[name]
    whole = wav_bytes(render(window, RATE), RATE)
    assert wav_file(window, RATE, block_frames) == whole
    sink = io.BytesIO()
    assert write_wav(window, sink, RATE, block_frames) == len(whole)
    assert sink.getvalue() == whole


def test_blocks_cover_the_plan_in_order_and_reuse_one_buffer() -> None:
    window = WINDOWS["pauses and trim"]
    layout = plan(window, RATE)
    whole = render(window, RATE)
    blocks, buffers, pos = 0, set(), 0
    for block in render_blocks(window, RATE, 8000):
        assert block.shape[1] == 2 and len(block) <= 8000
        # a tone's phase is worked out from the block's own start: equal to float rounding
        np.testing.assert_allclose(block, whole[pos : pos + len(block)], rtol=0, atol=1e-9)
        buffers.add(block.__array_interface__["data"][0])
        pos, blocks = pos + len(block), blocks + 1
    assert pos == layout.samples and blocks > 3
    assert len(buffers) == 1  # every block is a view of the same buffer


def test_the_file_reads_back_as_the_recording() -> None:
    window = WINDOWS["dual"]
    pcm, rate = sf.read(io.BytesIO(wav_file(window, RATE, 4000)), dtype="int16", always_2d=True)
    expected = np.rint(np.clip(render(window, RATE), -1, 1) * 32767).astype(np.int16)
    assert rate == RATE
    np.testing.assert_array_equal(pcm, expected)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("frames", [0, 5, 12_345])
def test_header_is_the_one_libsndfile_writes(channels: int, frames: int) -> None:
    buffer = io.BytesIO()
    silence = np.zeros((frames, channels), dtype=np.int16)
    sf.write(buffer, silence, RATE, format="WAV", subtype="PCM_16")
    assert wav_header(frames, channels, RATE) == buffer.getvalue()[:44]


def test_limits_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="1 or 2 channels"):
        wav_header(10, 3, RATE)
    with pytest.raises(ValueError, match="do not fit a WAV file"):
        wav_header(2**31, 2, RATE)
    with pytest.raises(ValueError, match="block_frames"):
        next(render_blocks(WINDOWS["dual"], RATE, 0))
