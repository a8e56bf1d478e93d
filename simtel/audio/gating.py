"""Shared rendering kernels: gated spans with soft edges, block tiling, sums of sines.

Sources describe *when* they sound as source-local spans and *what* they sound like as a
`Signal`; `add_gated` adds the signal inside the spans into a caller's buffer (which may be a
strided column of a multi-channel file), so silent time costs nothing and voiced time one pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from simtel.audio.spans import Span

Samples = npt.NDArray[np.float32]


class Source(Protocol):
    """Anything that sounds: samples for local times `t0 + i / rate`, and where it has energy."""

    def render(self, t0: float, n: int, rate: int) -> Samples: ...

    def voiced(self, start: float, end: float) -> list[Span]: ...


@runtime_checkable
class AddsInto(Protocol):
    """A source that can add itself into a caller's buffer without allocating its own."""

    def add_into(self, out: Samples, t0: float, rate: int) -> None: ...


class Additive:
    """Mixin: `render` in terms of `add_into` (a zeroed buffer, then one add)."""

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        raise NotImplementedError

    def render(self, t0: float, n: int, rate: int) -> Samples:
        out = np.zeros(n, dtype=np.float32)
        self.add_into(out, t0, rate)
        return out


RAMP_SECONDS = 0.005
"""Linear fade at every span edge: no clicks, and short enough not to move a detector."""


@dataclass(frozen=True)
class Signal:
    """A continuous signal indexed by window sample: `take(i0, i1)` returns its samples,
    `add(out, i0, i1)` adds them into `out[i0:i1]` (may be faster than taking)."""

    take: Callable[[int, int], Samples]
    add: Callable[[Samples, int, int], None]


def add_gated(out: Samples, spans: Iterable[Span], t0: float, rate: int, signal: Signal) -> None:
    """Add `signal` inside source-local `spans` into `out`, whose first sample is local `t0`.

    `spans` may extend beyond the window: their true edges get the fade, window cuts do not.
    """
    n = len(out)
    ramp_n = max(1, round(RAMP_SECONDS * rate))
    for start, end in spans:
        i_start = _edge(start, t0, rate, -ramp_n - 2, n + ramp_n + 2)
        i_end = _edge(end, t0, rate, -ramp_n - 2, n + ramp_n + 2)
        i0, i1 = max(0, i_start), min(n, i_end)
        if i1 <= i0:
            continue
        signal.add(out, i0, i1)
        if (end - start) * rate > 2 * ramp_n:
            _fade(out, signal, i_start, ramp_n, rising=True)
            _fade(out, signal, i_end - ramp_n, ramp_n, rising=False)


def render_gated(spans: Iterable[Span], t0: float, n: int, rate: int, signal: Signal) -> Samples:
    out = np.zeros(n, dtype=np.float32)
    add_gated(out, spans, t0, rate, signal)
    return out


def _edge(t: float, t0: float, rate: int, lo: int, hi: int) -> int:
    """Window-relative sample of local time `t`, clamped to `[lo, hi]` (so ±inf is safe)."""
    x = min(max((t - t0) * rate, float(lo)), float(hi))
    return math.floor(x + 0.5)


def _fade(out: Samples, signal: Signal, at: int, ramp_n: int, *, rising: bool) -> None:
    """Turn the full-level samples already added on `[at, at + ramp_n)` into a linear fade."""
    lo, hi = max(0, at), min(len(out), at + ramp_n)
    if hi <= lo:
        return
    ramp = (np.arange(lo - at, hi - at, dtype=np.float32) + 0.5) / ramp_n
    missing = 1 - ramp if rising else ramp
    out[lo:hi] -= missing * signal.take(lo, hi)


def tiled(block: Samples, base: int) -> Signal:
    """`block` repeated forever; window sample `i` is `block[(base + i) % len(block)]`."""

    def take(i0: int, i1: int) -> Samples:
        dst = np.empty(i1 - i0, dtype=np.float32)
        _tile(dst, block, base + i0, add=False)
        return dst

    def add(out: Samples, i0: int, i1: int) -> None:
        _tile(out[i0:i1], block, base + i0, add=True)

    return Signal(take, add)


def _tile(dst: Samples, block: Samples, offset: int, *, add: bool) -> None:
    size = len(block)
    pos, src = 0, offset % size
    while pos < len(dst):
        take = min(size - src, len(dst) - pos)
        if add:
            dst[pos : pos + take] += block[src : src + take]
        else:
            dst[pos : pos + take] = block[src : src + take]
        pos += take
        src = 0


def sines(freqs: tuple[float, ...], amplitude: float, t0: float, rate: int) -> Signal:
    """Equal-amplitude sines; window sample `i` is at local time `t0 + i / rate`.

    Phase comes from the fractional cycle count at `t0`, so precision holds for hours.
    """

    def take(i0: int, i1: int) -> Samples:
        idx = np.arange(i0, i1, dtype=np.float64)
        acc = np.zeros(i1 - i0, dtype=np.float64)
        for f in freqs:
            phase0 = 2.0 * math.pi * math.fmod(f * t0, 1.0)
            acc += np.sin(phase0 + (2.0 * math.pi * f / rate) * idx)
        return (acc * amplitude).astype(np.float32)

    def add(out: Samples, i0: int, i1: int) -> None:
        out[i0:i1] += take(i0, i1)

    return Signal(take, add)
