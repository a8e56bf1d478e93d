"""A recording's WAV file made block by block: peak memory near the file's size, or a block's.

`render(window)` holds the whole recording as float32 samples (twice the size of the 16-bit
file), and `wav_bytes` then makes several more whole-length arrays on the way to the bytes: a
4-hour dual recording peaked at 1.6 GiB. Here the recording is rendered `BLOCK_FRAMES` at a time
into one reused buffer, each block quantised straight into its place in the output:

* `wav_file(window)` returns the bytes (memory: the file, an eighth more, and one block);
* `write_wav(window, sink)` writes them to a binary file object (memory: one block).

Both give the bytes of `wav_bytes(render(window))`: the same canonical 44-byte PCM_16 header
libsndfile writes for one or two channels, and each sample quantised the same way (clipped to
[-1, 1], times 32767 in float32, rounded half to even). Voices render exactly as a whole render
does; a tone's float samples may differ from it by ~1e-13 (`render_blocks`), which moves a 16-bit
sample only if it lies that close to a rounding boundary: the bytes of every bundled scenario's
recordings, and of the test windows at several block sizes, are identical. Rendering needs
nothing but the window, so a server may take the window under its lock and render outside it.
"""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from simtel.audio.codecs import PCM_SCALE
from simtel.audio.gating import Samples
from simtel.audio.render import RecordingWindow, plan, render_blocks

#: frames rendered per block: one minute at 8 kHz (3.8 MB of float32 for a dual recording)
BLOCK_FRAMES = 480_000
HEADER_BYTES = 44
#: the largest data chunk a RIFF header can state
MAX_DATA_BYTES = 0xFFFFFFFF - (HEADER_BYTES - 8)


def wav_header(frames: int, channels: int, rate: int) -> bytes:
    """The 44-byte header of a 16-bit PCM WAV of `frames` frames, as libsndfile writes it."""
    if channels not in (1, 2):
        raise ValueError(f"a recording has 1 or 2 channels, not {channels}")
    data = frames * channels * 2
    if data > MAX_DATA_BYTES:
        raise ValueError(f"{frames} frames of {channels} channels do not fit a WAV file")
    block_align = channels * 2
    return b"".join(
        (
            b"RIFF",
            struct.pack("<I", data + HEADER_BYTES - 8),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block_align, block_align, 16),
            b"data",
            struct.pack("<I", data),
        )
    )


def wav_file(window: RecordingWindow, rate: int = 8000, block_frames: int = BLOCK_FRAMES) -> bytes:
    """The recording's WAV bytes, equal to `wav_bytes(render(window, rate), rate)`.

    Written block by block into a `BytesIO`, whose `getvalue` hands over its buffer without a
    copy: the peak is the file plus the buffer's growth margin (an eighth) and one block."""
    sink = io.BytesIO()
    write_wav(window, sink, rate, block_frames)
    return sink.getvalue()


def write_wav(
    window: RecordingWindow, sink: BinaryIO, rate: int = 8000, block_frames: int = BLOCK_FRAMES
) -> int:
    """Write the recording's WAV to `sink` block by block; the number of bytes written."""
    layout = plan(window, rate)
    written = sink.write(wav_header(layout.samples, layout.channels, rate))
    pcm = np.empty((min(block_frames, layout.samples), layout.channels), dtype="<i2")
    for block in render_blocks(window, rate, block_frames, layout):
        view = pcm[: len(block)]
        quantise_into(block, view)
        written += sink.write(view.tobytes())
    return written


def quantise_into(block: Samples, pcm: npt.NDArray[np.int16]) -> None:
    """16-bit PCM of clipped float32 `block` into `pcm` (same shape); `block` is overwritten."""
    np.clip(block, -1.0, 1.0, out=block)
    np.multiply(block, PCM_SCALE, out=block)
    np.rint(block, out=block)
    np.copyto(pcm, block, casting="unsafe")
