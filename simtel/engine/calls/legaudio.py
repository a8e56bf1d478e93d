"""What a call leg sounds like: its inbound and outbound tracks, built while the call runs.

A leg's inbound track is what its party sends to Twilio (their voice, their DTMF); its outbound
track is what Twilio sends to the party (`<Say>`, `<Play>`, the beep, ringback, the bridged
peer's voice, the conference mix). Sources whose end is not known yet (a voice until hang-up, a
bridge until one side leaves) are held *open* and written to the track when they close, or when
a recording needs the audio up to a moment (`flush`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from simtel.audio.sources import Voice
from simtel.audio.timeline import Track


class Source(Protocol):
    def render(self, t0: float, n: int, rate: int) -> np.ndarray[Any, Any]: ...

    def voiced(self, start: float, end: float) -> list[tuple[float, float]]: ...


@dataclass(frozen=True, slots=True)
class Shifted:
    """`source` seen `offset` seconds into its own time: local time t plays source time t+offset."""

    source: Source
    offset: float

    def render(self, t0: float, n: int, rate: int) -> np.ndarray[Any, Any]:
        return self.source.render(t0 + self.offset, n, rate)

    def voiced(self, start: float, end: float) -> list[tuple[float, float]]:
        spans = self.source.voiced(start + self.offset, end + self.offset)
        return [(a - self.offset, b - self.offset) for a, b in spans]


def bounded(source: Source, length: float) -> Source:
    """`source` as far as its local `[0, length)` matters: a voice planned hours ahead keeps only
    the spurts that can sound in a segment of `length` seconds (see `Voice.until`)."""
    if isinstance(source, Shifted):
        inner = bounded(source.source, source.offset + length)
        return source if inner is source.source else Shifted(inner, source.offset)
    if isinstance(source, Voice):
        return source.until(length)
    return source


def shifted(source: Source, offset: float) -> Source:
    if offset == 0.0:
        return source
    if isinstance(source, Shifted):
        return Shifted(source.source, source.offset + offset)
    return Shifted(source, offset)


@dataclass(slots=True)
class _Open:
    track: Track
    start: float
    source: Source
    gain: float


class LegAudio:
    """The two tracks of one leg plus the sources still sounding on them."""

    def __init__(self) -> None:
        self.inbound = Track()
        self.outbound = Track()
        self._open: dict[str, _Open] = {}

    def add(
        self, direction: str, start: float, end: float, source: Source, gain: float = 1.0
    ) -> None:
        """A sound with a known end (a prompt, a beep, DTMF)."""
        if end > start:
            self._track(direction).add(start, end, source, gain)

    def open(
        self, key: str, direction: str, start: float, source: Source, gain: float = 1.0
    ) -> None:
        """A sound that lasts until `close(key, t)`; `key` names it (e.g. "voice", "peer:CA…")."""
        self.close(key, start)
        self._open[key] = _Open(self._track(direction), start, source, gain)

    def close(self, key: str, end: float) -> None:
        held = self._open.pop(key, None)
        if held is not None and end > held.start:
            source = bounded(held.source, end - held.start)
            held.track.add(held.start, end, source, held.gain)

    def is_open(self, key: str) -> bool:
        return key in self._open

    def close_all(self, end: float) -> None:
        for key in list(self._open):
            self.close(key, end)

    def flush(self, until: float) -> None:
        """Write every open source up to `until` and keep it open from there on."""
        for key, held in list(self._open.items()):
            if until > held.start:
                source = bounded(held.source, until - held.start)
                held.track.add(held.start, until, source, held.gain)
                offset = until - held.start
                self._open[key] = _Open(held.track, until, shifted(held.source, offset), held.gain)

    def _track(self, direction: str) -> Track:
        if direction == "inbound":
            return self.inbound
        if direction == "outbound":
            return self.outbound
        raise ValueError(f"direction must be inbound or outbound, not {direction!r}")
