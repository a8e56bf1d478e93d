"""Decoded media played into a call (`<Play>`, wait music): bytes in, 8 kHz mono samples out.

`decode(data, media_type)` reads the types Twilio's `<Play>` documents (its "supported audio
file types" table): MP3 (`audio/mpeg`, `audio/mp3`), WAV (`audio/wav`, `audio/wave`,
`audio/x-wav`), AIFF (`audio/aiff`, `audio/x-aiff`, `audio/x-aifc`), raw GSM 6.10
(`audio/gsm`, `audio/x-gsm`) and raw mu-law (`audio/ulaw`, `audio/basic`), the last two at
8 kHz mono as the telephone network sends them. Everything is decoded with soundfile, mixed
to mono (channel mean) and linearly resampled to 8 kHz, the rate of a call. Anything else, or
bytes soundfile cannot read as that type, raises `UnsupportedMedia` (the caller gives 13420).

`Clip` is the source that holds decoded samples: a frozen dataclass compared and hashed by its
`key` (the URL it came from) alone, so timelines stay cheap to compare.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simtel.audio.gating import Additive, Samples
from simtel.audio.spans import Span, clip, merge

CALL_RATE = 8000
"""The rate every clip is kept at: a call's audio is 8 kHz."""

#: media type -> soundfile's reading arguments for headerless bytes (`None`: a container
#: whose header soundfile reads)
MEDIA_TYPES: dict[str, dict[str, Any] | None] = {
    "audio/mpeg": None,
    "audio/mp3": None,
    "audio/mpeg3": None,
    "audio/wav": None,
    "audio/wave": None,
    "audio/x-wav": None,
    "audio/aiff": None,
    "audio/x-aiff": None,
    "audio/x-aifc": None,
    "audio/basic": {"format": "RAW", "subtype": "ULAW", "samplerate": 8000, "channels": 1},
    "audio/ulaw": {"format": "RAW", "subtype": "ULAW", "samplerate": 8000, "channels": 1},
    "audio/gsm": {"format": "RAW", "subtype": "GSM610", "samplerate": 8000, "channels": 1},
    "audio/x-gsm": {"format": "RAW", "subtype": "GSM610", "samplerate": 8000, "channels": 1},
}

#: a local file's media type, from its extension (the media map serves files)
EXTENSIONS = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".aifc": "audio/x-aifc",
    ".gsm": "audio/gsm",
    ".ulaw": "audio/ulaw",
    ".ul": "audio/ulaw",
    ".au": "audio/basic",
}


class UnsupportedMedia(ValueError):
    """Bytes that are not a playable audio type, or that do not decode as their type."""


def media_type_of(name: str) -> str | None:
    """The media type a file name's extension stands for, or None."""
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot >= 0 else None


def decode(data: bytes, media_type: str) -> Samples:
    """`data` of `media_type` (parameters ignored) as float32 mono samples at 8 kHz."""
    import soundfile as sf  # libsndfile loads only when media is decoded: start-up time

    kind = media_type.split(";", 1)[0].strip().lower()
    if kind not in MEDIA_TYPES:
        raise UnsupportedMedia(f"Content-Type {kind or '(none)'!r} is not a playable audio type")
    arguments = dict(MEDIA_TYPES[kind] or {})
    if kind == "audio/basic" and data[:4] == b".snd":  # a Sun .au file: its header says
        arguments = {}
    try:
        frames, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True, **arguments)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        # libsndfile's text names the buffer object (an address): keep only its last clause
        reason = str(exc).rsplit(": ", 1)[-1].strip() or type(exc).__name__
        raise UnsupportedMedia(f"cannot decode the body as {kind}: {reason}") from None
    mono = frames.mean(axis=1, dtype=np.float64)
    return resample(mono, int(rate), CALL_RATE)


def resample(samples: Any, rate: int, to_rate: int) -> Samples:
    """Linear resampling of 1-D `samples` from `rate` to `to_rate` (float32 out)."""
    values = np.asarray(samples, dtype=np.float64)
    if rate != to_rate and values.size:
        n_out = math.floor(values.size * to_rate / rate)
        positions = np.arange(n_out) * (rate / to_rate)
        values = np.interp(positions, np.arange(values.size), values)
    out: Samples = values.astype(np.float32)
    return out


def energy_spans(samples: Samples, rate: int, frame_s: float = 0.02) -> tuple[Span, ...]:
    """Spans of 20 ms frames whose RMS exceeds -60 dBFS."""
    frame = max(1, round(frame_s * rate))
    count = samples.size // frame + (1 if samples.size % frame else 0)
    padded = np.zeros(count * frame, dtype=np.float32)
    padded[: samples.size] = samples
    power = np.mean(padded.reshape(count, frame).astype(np.float64) ** 2, axis=1)
    loud = np.flatnonzero(power > 1e-6)
    size = int(samples.size)
    spans = [(int(i) * frame / rate, min(size, (int(i) + 1) * frame) / rate) for i in loud]
    return tuple(merge(spans))


@dataclass(frozen=True)
class Clip(Additive):
    """Decoded media at 8 kHz: plays from local 0 for `duration` seconds, silent after.

    Equal and hashed by `key` alone (one URL, one clip within a run)."""

    key: str
    samples: Samples = field(compare=False, hash=False, repr=False)
    spans: tuple[Span, ...] = field(compare=False, hash=False, repr=False, default=())

    @classmethod
    def of(cls, key: str, samples: Samples) -> Clip:
        return cls(key, samples, energy_spans(samples, CALL_RATE))

    @property
    def duration(self) -> float:
        return float(self.samples.size) / CALL_RATE

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        samples = self.samples if rate == CALL_RATE else resample(self.samples, CALL_RATE, rate)
        first = math.floor(t0 * rate + 0.5)
        lo, hi = max(0, first), min(samples.size, first + len(out))
        if hi > lo:
            out[lo - first : hi - first] += samples[lo:hi]

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip(self.spans, start, end)
