"""Sound sources: what a party, Twilio's TTS, a played file or a signalling tone sounds like.

A source is a pure function of source-local time: `render(t0, n, rate)` gives `n` float32 samples
for local times `t0 + i / rate`, and `voiced(start, end)` gives the local spans that carry energy
*without rendering*, which is what trim, silence detection and `<Record timeout>` rely on.
Sources are frozen dataclasses: hashable, comparable, cheap to keep on a timeline.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field

import numpy as np

from simtel.audio.clips import energy_spans, resample
from simtel.audio.gating import Additive, Samples, Source, add_gated, tiled
from simtel.audio.spans import Span, SpanArray, clip
from simtel.audio.spurts import TalkSpurts, talk_spurts
from simtel.audio.tones import (
    BEEP_DURATION,
    BEEP_HZ,
    DTMF_DURATION,
    DTMF_FREQS,
    Beep,
    Dtmf,
    Ringback,
    Silence,
    Tone,
)
from simtel.quickinit import quick_init

__all__ = [
    "BEEP_DURATION",
    "BEEP_HZ",
    "DTMF_DURATION",
    "DTMF_FREQS",
    "PARTY_PITCHES",
    "TWILIO_VOICE_PITCH",
    "Beep",
    "Dtmf",
    "Ringback",
    "Silence",
    "Source",
    "Speech",
    "TalkSpurts",
    "Tone",
    "Voice",
    "WavFile",
    "say_duration",
    "talk_spurts",
    "voice_pitch",
]

PARTY_PITCHES = (110.0, 165.0, 220.0, 300.0, 400.0, 520.0, 680.0, 880.0)
"""Fundamentals of parties 0, 1, 2, ...: at least 30 % apart, so an FFT tells them apart."""

TWILIO_VOICE_PITCH = 190.0
"""The `<Say>` voice: between the first parties' pitches, at least 12 % from each."""

VOICE_PEAK = 0.5
BLOCK_SECONDS = 4.0
"""A voice is one periodic block of this length; every frequency in it is a multiple of 0.25 Hz."""
TELEPHONE_TOP_HZ = 3400.0
WORD_GAP = 0.06


def voice_pitch(seed: int, index: int) -> float:
    """Pitch of party `index`: `PARTY_PITCHES[index]` with a ±1 % variation fixed by `seed`.

    Past the table, pitches repeat 8 % higher per round for three rounds, then cycle: still
    distinct within any 32 consecutive parties, and always inside the telephone band.
    """
    rounds, pos = divmod(index, len(PARTY_PITCHES))
    mixed = (seed * 0x9E3779B1 + index * 0x85EBCA77) % 2001
    jitter = (mixed - 1000) / 100_000.0
    return round(PARTY_PITCHES[pos] * (1.0 + 0.08 * (rounds % 4)) * (1.0 + jitter), 2)


def say_duration(text: str, words_per_minute: float = 150.0) -> float:
    """Seconds `<Say>` takes to speak `text`: whitespace-separated words at a steady rate."""
    return len(text.split()) * 60.0 / words_per_minute


@functools.lru_cache(maxsize=128)
def _voice_block(seed: int, pitch_hz: float, rate: int) -> Samples:
    """One `BLOCK_SECONDS` period of a party's continuous speech-like sound.

    Harmonics of `pitch_hz` up to the telephone band edge with a falling spectrum (the
    fundamental strongest), seeded harmonic weights and phases, a syllable-rate (3.5-5.5 Hz)
    and phrase-rate (0.5 Hz) amplitude envelope. Built by inverse FFT, so it is exactly periodic.
    """
    rng = np.random.default_rng([seed % (1 << 63), 0x5EED])
    size = round(BLOCK_SECONDS * rate)
    top = min(TELEPHONE_TOP_HZ, 0.45 * rate)
    harmonics = np.arange(1, max(1, math.floor(top / pitch_hz)) + 1)
    weights = harmonics**-0.9 * np.where(
        harmonics == 1, 1.0, rng.uniform(0.55, 0.95, harmonics.size)
    )
    phases = rng.uniform(0.0, 2.0 * math.pi, harmonics.size)
    spectrum = np.zeros(size // 2 + 1, dtype=np.complex128)
    bins = np.rint(harmonics * pitch_hz * BLOCK_SECONDS).astype(np.int64)
    np.add.at(spectrum, bins, weights * np.exp(1j * phases))
    carrier = np.fft.irfft(spectrum, n=size)
    t = np.arange(size) / rate
    syllable = round(rng.uniform(3.5, 5.5) * BLOCK_SECONDS) / BLOCK_SECONDS
    envelope = 0.3 + 0.7 * (0.5 - 0.5 * np.cos(2 * math.pi * syllable * t + rng.uniform(0, 6.28)))
    envelope *= 0.8 + 0.2 * np.sin(2 * math.pi * 0.5 * t + rng.uniform(0, 6.28))
    block = carrier * envelope
    scaled: Samples = (block * (VOICE_PEAK / np.max(np.abs(block)))).astype(np.float32)
    return scaled


@quick_init
@dataclass(frozen=True)
class Voice(Additive):
    """A party speaking: harmonics of `pitch_hz` inside the talk `spurts`, silence outside.

    `spurts` are source-local `(start, end)` seconds; they are sorted and merged (a `SpanArray`
    is taken as it is: it is merged already). `TalkSpurts` are drawn only when the voice is
    first rendered or asked where it is voiced, never when it is built or bounded (`until`).
    An empty tuple means the party talks continuously for as long as the segment holding the
    voice lasts.
    """

    seed: int
    pitch_hz: float
    spurts: tuple[Span, ...] | SpanArray | TalkSpurts = ()

    def __post_init__(self) -> None:
        if not 40.0 <= self.pitch_hz <= 2000.0:
            raise ValueError(f"voice pitch {self.pitch_hz} Hz is outside 40-2000 Hz")

    @functools.cached_property
    def _spans(self) -> SpanArray:
        spurts = self.spurts
        if isinstance(spurts, TalkSpurts):
            return spurts.spans
        if isinstance(spurts, SpanArray):
            return spurts
        return SpanArray.merged(spurts) if spurts else _CONTINUOUS

    @property
    def duration(self) -> float:
        """End of the last spurt (infinite for a continuous voice)."""
        return self._spans.end

    def spans_touching(self, start: float, end: float) -> list[Span]:
        """Unclipped spurts overlapping `[start, end)`, found by bisection."""
        return self._spans.touching(start, end)

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        signal = tiled(_voice_block(self.seed, self.pitch_hz, rate), math.floor(t0 * rate + 0.5))
        add_gated(out, self.spans_touching(t0, t0 + len(out) / rate), t0, rate, signal)

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip(self.spans_touching(start, end), start, end)

    def until(self, t: float) -> Voice:
        """This voice as far as local time `t` matters: spurts starting after `t + 1 s` dropped
        (renders and voiced spans of any window ending by `t` are unchanged; kept spurts are not
        cut, so their fades stay put). Drawn spurts are copied only when more than
        `UNTIL_SLACK` would go; undrawn `TalkSpurts` stay undrawn."""
        spurts = self.spurts
        if isinstance(spurts, TalkSpurts):
            bounded = spurts.until(t)
            return self if bounded is spurts else Voice(self.seed, self.pitch_hz, bounded)
        kept = self._spans.starting_before(t + 1.0, UNTIL_SLACK)
        if kept is self._spans:
            return self
        return Voice(self.seed, self.pitch_hz, kept)


#: `Voice.until` keeps up to this many spurts it could drop: a copy is worth it only for voices
#: planned far ahead (a party that never hangs up has hours of spurts)
UNTIL_SLACK = 64
_CONTINUOUS = SpanArray(np.array([-math.inf]), np.array([math.inf]))


def _word_spans(text: str, duration: float) -> tuple[Span, ...]:
    """Split `duration` among words in proportion to their length, with `WORD_GAP` between."""
    words = text.split()
    if not words:
        return ()
    gap = min(WORD_GAP, duration / (4 * len(words)))
    weights = np.array([len(w) + 2 for w in words], dtype=np.float64)
    lengths = weights / weights.sum() * (duration - gap * (len(words) - 1))
    starts = np.concatenate(([0.0], np.cumsum(lengths[:-1] + gap)))
    return tuple((float(s), float(s + d)) for s, d in zip(starts, lengths, strict=True))


@dataclass(frozen=True)
class Speech(Additive):
    """The `<Say>` stand-in: `say_duration(text)` seconds of a voice at `TWILIO_VOICE_PITCH`,
    voiced for each word, with short gaps between words."""

    text: str
    seed: int = 0
    words_per_minute: float = 150.0
    _voice: Voice | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = _word_spans(self.text, self.duration)
        voice = Voice(self.seed, TWILIO_VOICE_PITCH, spans) if spans else None
        object.__setattr__(self, "_voice", voice)

    @property
    def duration(self) -> float:
        return say_duration(self.text, self.words_per_minute)

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        if self._voice is not None:
            self._voice.add_into(out, t0, rate)

    def voiced(self, start: float, end: float) -> list[Span]:
        return [] if self._voice is None else self._voice.voiced(start, end)


@functools.lru_cache(maxsize=32)
def _decoded(path: str, mtime_ns: int, rate: int) -> tuple[Samples, tuple[Span, ...]]:
    """A file's samples, mono-mixed and linearly resampled to `rate`, and its voiced spans."""
    import soundfile as sf  # libsndfile loads only when a file is played: start-up time

    data, file_rate = sf.read(path, dtype="float32", always_2d=True)
    samples = resample(data.mean(axis=1, dtype=np.float64), int(file_rate), rate)
    return samples, energy_spans(samples, rate)


@dataclass(frozen=True)
class WavFile(Additive):
    """An audio file played into the call (`<Play>`): mono-mixed, resampled, silent after its end.

    Read with soundfile (any format it reads); decoded once per (path, mtime, rate).
    """

    path: str

    def _load(self, rate: int) -> tuple[Samples, tuple[Span, ...]]:
        return _decoded(self.path, os.stat(self.path).st_mtime_ns, rate)

    @property
    def duration(self) -> float:
        import soundfile as sf

        info = sf.info(self.path)
        return float(info.frames) / float(info.samplerate)

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        samples, _ = self._load(rate)
        first = math.floor(t0 * rate + 0.5)
        lo, hi = max(0, first), min(samples.size, first + len(out))
        if hi > lo:
            out[lo - first : hi - first] += samples[lo:hi]

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip(self._load(8000)[1], start, end)
