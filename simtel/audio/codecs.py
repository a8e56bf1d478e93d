"""Media encodings of rendered samples, and the RequestedChannels presentation rule.

Measured with libsndfile 1.2.2 (LAME 3.100 inside) at 8 kHz:
* WAV: PCM_16, 44-byte header, 16 000 bytes per second per channel (128 kbps mono).
* MP3: MPEG-2.5 Layer III, constant bitrate. `compression_level` 0.5-0.6 gives 32 kbps for mono
  *and* dual (joint stereo): 241 056 bytes for 60 s (~240 kB/min, Twilio's 32 kbps); 0.0 gives
  64 kbps, 0.3 48 kbps, 0.7 24 kbps, 0.8 16 kbps. We use 0.571.
  The LAME "Info" header makes the decoded length (soundfile/mpg123) equal to the encoded length
  with no encoder delay. Dual-channel MP3 must be written from float32: libsndfile 1.2.2 corrupts
  dual MP3 written from int16 (stale half blocks).
* Both encoders are deterministic: no timestamps, same samples give the same bytes.
"""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
import numpy.typing as npt
import soundfile as sf

from simtel.audio.gating import Samples
from simtel.errors import TwilioError

MediaFormat = Literal["wav", "mp3"]
MIME_TYPES: dict[MediaFormat, str] = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}
MP3_COMPRESSION_LEVEL = 0.571
#: full scale of 16-bit PCM: a sample `x` in [-1, 1] is stored as `rint(x * PCM_SCALE)`
PCM_SCALE = np.float32(32767.0)
MONO_ON_DUAL_REQUEST = "Cannot download a dual-channel presentation of a mono recording"


def _frames(samples: npt.ArrayLike) -> Samples:
    """`samples` as a C-contiguous float32 `(n, channels)` array clipped to [-1, 1]."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] < 1:
        raise ValueError(f"samples must be (n,) or (n, channels), got shape {array.shape}")
    return np.ascontiguousarray(np.clip(array, -1.0, 1.0))


def wav_bytes(samples: Samples, rate: int = 8000) -> bytes:
    """16-bit PCM WAV. Quantised here (round to nearest of ±32767) so the bytes are exact."""
    pcm = np.rint(_frames(samples) * PCM_SCALE).astype(np.int16)
    buffer = io.BytesIO()
    sf.write(buffer, pcm, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mp3_bytes(samples: Samples, rate: int = 8000) -> bytes:
    """Constant-bitrate MP3 at Twilio's 32 kbps (at 8 kHz), written from float32.

    Zero samples give zero bytes: libsndfile writes no frame, not even the Info tag.
    """
    buffer = io.BytesIO()
    sf.write(
        buffer,
        _frames(samples),
        rate,
        format="MP3",
        subtype="MPEG_LAYER_III",
        bitrate_mode="CONSTANT",
        compression_level=MP3_COMPRESSION_LEVEL,
    )
    return buffer.getvalue()


def encode(samples: Samples, media_format: MediaFormat, rate: int = 8000) -> bytes:
    return wav_bytes(samples, rate) if media_format == "wav" else mp3_bytes(samples, rate)


def downmix(samples: Samples) -> Samples:
    """Mono `(n, 1)`: channels summed and clipped, i.e. what a mono recording of them holds."""
    frames = np.asarray(samples, dtype=np.float32)
    if frames.ndim == 1:
        frames = frames[:, None]
    mixed: Samples = frames.sum(axis=1, dtype=np.float32, keepdims=True)
    np.clip(mixed, -1.0, 1.0, out=mixed)
    return mixed


def requested_channels(samples: Samples, n: int | None) -> Samples:
    """The presentation a download with `RequestedChannels=n` gets of a stored recording.

    `None` keeps the stored layout, `1` down-mixes, `2` returns a dual recording as is and is
    refused on a mono one with Twilio's 16113 (HTTP 400). Any other value: 20001, HTTP 400
    (GUESS: Twilio documents no code for it).
    """
    frames = samples if samples.ndim == 2 else samples[:, None]
    if n is None:
        return frames
    if n == 1:
        return frames if frames.shape[1] == 1 else downmix(frames)
    if n == 2:
        if frames.shape[1] < 2:
            raise TwilioError(16113, 400, MONO_ON_DUAL_REQUEST)
        return frames
    raise TwilioError(20001, 400, f"RequestedChannels must be 1 or 2, got {n}")
