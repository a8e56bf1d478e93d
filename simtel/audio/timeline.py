"""Timelines: which sources sound on a track, and when, in absolute simulated seconds.

A call leg has two tracks: *inbound* (what the party sends to Twilio) and *outbound* (what Twilio
sends to the party). The engine appends a `Segment` whenever something is heard; a recording
later asks a track for its voiced spans (metadata, no samples) or its samples over a window.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from simtel.audio.gating import AddsInto, Samples, Source
from simtel.audio.spans import Span, merge, sample_index
from simtel.quickinit import quick_init


@quick_init
@dataclass(frozen=True)
class Segment:
    """`source` sounding on `[start, end)`; the source's local time is `t - start`."""

    start: float
    end: float
    source: Source
    gain: float = 1.0

    def voiced(self, a: float, b: float) -> list[Span]:
        lo, hi = max(a, self.start), min(b, self.end)
        if hi <= lo or self.gain == 0:
            return []
        return [
            (s + self.start, e + self.start)
            for s, e in self.source.voiced(lo - self.start, hi - self.start)
        ]

    def add_into(self, out: Samples, a: float, rate: int) -> None:
        """Add this segment's samples to `out`, whose first sample is at absolute time `a`."""
        first = sample_index(a, rate)
        k0 = max(first, sample_index(self.start, rate))
        k1 = min(first + len(out), _end_index(self.end, rate))
        if k1 <= k0 or self.gain == 0:
            return
        t0, view = k0 / rate - self.start, out[k0 - first : k1 - first]
        if self.gain == 1.0 and isinstance(self.source, AddsInto):
            self.source.add_into(view, t0, rate)
            return
        chunk = self.source.render(t0, k1 - k0, rate)
        if self.gain != 1.0:
            chunk *= np.float32(self.gain)
        view += chunk


def _end_index(t: float, rate: int) -> int:
    return sample_index(t, rate) if math.isfinite(t) else 1 << 62


class Track:
    """An append-only timeline of segments, queried by bisection on start times.

    Segments may be appended out of start order (the engine often learns a segment's end, and so
    adds it, after a later one started); they are kept sorted by start with a running maximum of
    ends, so a window query costs O(log n + k). Appending in start order is O(1) amortised.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._segments: list[Segment] = []
        self._starts: list[float] = []
        self._max_ends: list[float] = []

    def __repr__(self) -> str:
        return f"Track({self.name!r}, {len(self._segments)} segments)"

    def __len__(self) -> int:
        return len(self._segments)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(self._segments)

    @property
    def end(self) -> float:
        """When the last segment ends (0.0 for an empty track)."""
        return self._max_ends[-1] if self._max_ends else 0.0

    def add(self, start: float, end: float, source: Source, gain: float = 1.0) -> None:
        if not end >= start:
            raise ValueError(f"segment ends before it starts: [{start}, {end})")
        segment = Segment(start, end, source, gain)
        starts, max_ends = self._starts, self._max_ends
        if not starts or start >= starts[-1]:  # in start order (the usual case): an append
            self._segments.append(segment)
            starts.append(start)
            max_ends.append(max(max_ends[-1], end) if max_ends else end)
            return
        at = bisect.bisect_right(self._starts, start)
        self._segments.insert(at, segment)
        self._starts.insert(at, start)
        self._max_ends.insert(at, end)
        running = self._max_ends[at - 1] if at else -math.inf
        for i in range(at, len(self._max_ends)):
            running = max(running, self._segments[i].end)
            self._max_ends[i] = running

    def segments_between(self, a: float, b: float) -> list[Segment]:
        """Segments overlapping `[a, b)`, in start order."""
        lo = bisect.bisect_right(self._max_ends, a)
        hi = bisect.bisect_left(self._starts, b)
        return [s for s in self._segments[lo:hi] if s.end > a]

    def voiced(self, a: float, b: float) -> list[Span]:
        """Absolute, merged spans on `[a, b)` where this track carries energy (no rendering)."""
        return merge(span for seg in self.segments_between(a, b) for span in seg.voiced(a, b))

    def render(self, a: float, b: float, rate: int) -> Samples:
        """Samples for `[a, b)` on the shared grid: `sample_index(b) - sample_index(a)` long."""
        out = np.zeros(max(0, sample_index(b, rate) - sample_index(a, rate)), dtype=np.float32)
        self.add_into(out, a, rate)
        return out

    def add_into(self, out: Samples, a: float, rate: int) -> None:
        """Add this track into `out` (any 1-D view), whose first sample is at time `a`."""
        for segment in self.segments_between(a, a + len(out) / rate):
            segment.add_into(out, a, rate)


@dataclass(frozen=True, eq=False)
class Mix:
    """Several tracks heard as one (a mono recording of both legs, a conference's downstream)."""

    tracks: tuple[Track, ...]

    def voiced(self, a: float, b: float) -> list[Span]:
        return merge(span for track in self.tracks for span in track.voiced(a, b))

    def render(self, a: float, b: float, rate: int) -> Samples:
        out = np.zeros(max(0, sample_index(b, rate) - sample_index(a, rate)), dtype=np.float32)
        self.add_into(out, a, rate)
        return out

    def add_into(self, out: Samples, a: float, rate: int) -> None:
        for track in self.tracks:
            track.add_into(out, a, rate)


Channel = Track | Mix
"""One channel of a recording: a single track, or several summed."""
