"""Every media variant of a recording made block by block: MP3 and presented WAVs included.

A download's variant (`simtel.engine.recordings.media`) is derived from the stored file's 16-bit
samples: the recording is quantised to 16 bits, read back as floats (`x / 32767`), presented
(`RequestedChannels`: kept, or down-mixed to mono) and encoded. Doing that on whole arrays held
the recording several times over as float32 (a 4-hour dual recording's MP3 took gigabytes for a
file of 55 MiB). Here each step runs on one block (`BLOCK_FRAMES`, one minute) at a time:

* `stored_blocks(window)` renders and quantises (`render_blocks`, `quantise_into`);
* `wav_blocks(data)` reads a cached stored WAV instead;
* `media_bytes(blocks, ...)` presents and encodes: WAV with its header first, MP3 through one
  libsndfile encoder fed block after block.

Memory: the output (growing in a `BytesIO`, handed over without a copy) plus a few blocks (a
block of dual float32 is 3.8 MB): for MP3 about 4 kB per second of audio plus ~16 MB, whatever
the recording's length (tests/test_audio_mediastream.py measures it on a 4-hour recording).

The bytes are those of the whole-array path (`encode(requested_channels(samples, n))` of the
stored samples): libsndfile's LAME buffers its input, so feeding it in blocks gives the same
frames, and quantising, reading back and down-mixing are per sample.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import numpy as np
import soundfile as sf

from simtel.audio.codecs import MP3_COMPRESSION_LEVEL, PCM_SCALE, MediaFormat, requested_channels
from simtel.audio.gating import Samples
from simtel.audio.render import RecordingWindow, plan, render_blocks
from simtel.audio.wavstream import BLOCK_FRAMES, quantise_into, wav_header


def stored_blocks(
    window: RecordingWindow, rate: int = 8000, block_frames: int = BLOCK_FRAMES
) -> tuple[int, int, Iterator[Samples]]:
    """Frames, channels, and the stored file's samples (`rint(x * 32767) / 32767`) in blocks.

    Each block is a view of one buffer the next overwrites (as `render_blocks`)."""
    layout = plan(window, rate)
    return layout.samples, layout.channels, _quantised(window, rate, block_frames)


def _quantised(window: RecordingWindow, rate: int, block_frames: int) -> Iterator[Samples]:
    layout = plan(window, rate)
    shape = (min(block_frames, layout.samples), layout.channels)
    pcm = np.empty(shape, dtype=np.int16)
    for block in render_blocks(window, rate, block_frames, layout):
        view = pcm[: len(block)]
        quantise_into(block, view)
        np.divide(view, PCM_SCALE, out=block)
        yield block


def wav_blocks(data: bytes, block_frames: int = BLOCK_FRAMES) -> tuple[int, int, Iterator[Samples]]:
    """Frames, channels, and the samples of a 16-bit WAV file (`x / 32767`) in blocks."""
    handle = sf.SoundFile(io.BytesIO(data))
    return handle.frames, handle.channels, _read(handle, block_frames)


def _read(handle: sf.SoundFile, block_frames: int) -> Iterator[Samples]:
    with handle:
        floats = np.empty((min(block_frames, handle.frames), handle.channels), dtype=np.float32)
        for pcm in handle.blocks(block_frames, dtype="int16", always_2d=True):
            block = floats[: len(pcm)]
            np.divide(pcm, PCM_SCALE, out=block)
            yield block


def media_bytes(
    source: tuple[int, int, Iterator[Samples]],
    media_format: MediaFormat,
    wanted: int | None = None,
    rate: int = 8000,
) -> bytes:
    """The `media_format` file of `source` (`stored_blocks` or `wav_blocks`) presented with
    `RequestedChannels=wanted` (see `requested_channels`; its refusals come before any work)."""
    frames, channels, blocks = source
    shown = requested_channels(np.zeros((0, channels), dtype=np.float32), wanted).shape[1]
    presented = (requested_channels(block, wanted) for block in blocks)
    if media_format == "wav":
        return _wav(presented, frames, shown, rate)
    return _mp3(presented, frames, shown, rate)


def _wav(blocks: Iterable[Samples], frames: int, channels: int, rate: int) -> bytes:
    sink = io.BytesIO()
    sink.write(wav_header(frames, channels, rate))
    pcm = np.empty((0, channels), dtype="<i2")
    for block in blocks:
        if len(pcm) < len(block):
            pcm = np.empty(block.shape, dtype="<i2")
        view = pcm[: len(block)]
        quantise_into(block, view)
        sink.write(view.tobytes())
    return sink.getvalue()


def _mp3(blocks: Iterable[Samples], frames: int, channels: int, rate: int) -> bytes:
    """Constant-bitrate MP3 as `codecs.mp3_bytes` writes it; no frames give no bytes."""
    if frames == 0:
        return b""
    sink = io.BytesIO()
    with sf.SoundFile(
        sink,
        "w",
        rate,
        channels,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=MP3_COMPRESSION_LEVEL,
        bitrate_mode="CONSTANT",
    ) as encoder:
        for block in blocks:
            encoder.write(np.ascontiguousarray(block))
    return sink.getvalue()
