"""Signalling sounds: steady tones, DTMF, the record beep, North American ringback, silence.

Each is a frozen dataclass satisfying the `Source` protocol (`render` and `voiced` in
source-local seconds). Levels are peak amplitudes of the summed signal in full scale [-1, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simtel.audio.gating import Additive, Samples, add_gated, sines
from simtel.audio.spans import Span, clip

DTMF_FREQS: dict[str, tuple[float, float]] = {
    key: (low, high)
    for low, row in zip((697.0, 770.0, 852.0, 941.0), ("123A", "456B", "789C", "*0#D"), strict=True)
    for high, key in zip((1209.0, 1336.0, 1477.0, 1633.0), row, strict=True)
}
"""ITU-T Q.23 keypad frequencies: key -> (row Hz, column Hz)."""

DTMF_DURATION = 0.1
"""Seconds a simulated key press sounds (Q.24 asks for at least 40 ms; 100 ms is common)."""

BEEP_HZ = 1000.0
BEEP_DURATION = 0.5
"""The `<Record playBeep>` beep: a 1 kHz tone for 0.5 s. Twilio does not document its beep; this
is a chosen, deliberately recognisable stand-in (no DTMF or party pitch is near 1 kHz)."""

RINGBACK_FREQS = (440.0, 480.0)
RINGBACK_ON = 2.0
RINGBACK_PERIOD = 6.0
"""North American ringback (ANSI T1.401): 440 + 480 Hz, 2 s on, 4 s off, starting on."""


@dataclass(frozen=True)
class Silence(Additive):
    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        return None

    def voiced(self, start: float, end: float) -> list[Span]:
        return []


def _add_tone(
    out: Samples, freqs: tuple[float, ...], level: float, spans: list[Span], t0: float, rate: int
) -> None:
    if freqs and level:
        add_gated(out, spans, t0, rate, sines(freqs, level / len(freqs), t0, rate))


@dataclass(frozen=True)
class Tone(Additive):
    """A steady sum of sines sounding for the whole segment it is placed in."""

    freqs: tuple[float, ...]
    level: float = 0.3

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        _add_tone(out, self.freqs, self.level, [(-math.inf, math.inf)], t0, rate)

    def voiced(self, start: float, end: float) -> list[Span]:
        audible = bool(self.freqs) and self.level > 0 and end > start
        return [(start, end)] if audible else []


@dataclass(frozen=True)
class Dtmf(Additive):
    """One key press: the key's row and column tones for `duration` seconds from local 0."""

    key: str
    duration: float = DTMF_DURATION
    level: float = 0.3

    def __post_init__(self) -> None:
        if self.key not in DTMF_FREQS:
            raise ValueError(f"not a DTMF key: {self.key!r} (expected one of 0-9 * # A-D)")

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        _add_tone(out, DTMF_FREQS[self.key], self.level, [(0.0, self.duration)], t0, rate)

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip([(0.0, self.duration)], start, end) if self.level > 0 else []


@dataclass(frozen=True)
class Beep(Additive):
    """The record beep (see `BEEP_HZ`, `BEEP_DURATION`), sounding from local 0."""

    duration: float = BEEP_DURATION
    freq: float = BEEP_HZ
    level: float = 0.3

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        _add_tone(out, (self.freq,), self.level, [(0.0, self.duration)], t0, rate)

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip([(0.0, self.duration)], start, end) if self.level > 0 else []


@dataclass(frozen=True)
class Ringback(Additive):
    """Ringback heard by a caller while the far end rings; its cadence starts at local 0."""

    level: float = 0.3

    def on_spans(self, start: float, end: float) -> list[Span]:
        """Unclipped cadence on-phases touching `[start, end)`."""
        if end <= start:
            return []
        first = max(0, math.floor(start / RINGBACK_PERIOD))
        last = math.floor(end / RINGBACK_PERIOD)
        cycles = range(first, last + 1)
        spans = [(k * RINGBACK_PERIOD, k * RINGBACK_PERIOD + RINGBACK_ON) for k in cycles]
        return [(s, e) for s, e in spans if e > start and s < end]

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        spans = self.on_spans(t0, t0 + len(out) / rate)
        _add_tone(out, RINGBACK_FREQS, self.level, spans, t0, rate)

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip(self.on_spans(start, end), start, end) if self.level > 0 else []
