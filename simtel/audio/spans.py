"""Span algebra on sorted half-open time spans, and the one rule that maps time to samples.

A span is `(start, end)` with `start < end`, half-open. Lists of spans are sorted and
non-overlapping after `merge`. Every module in `simtel.audio` maps a time `t` (seconds) to the
sample index `sample_index(t, rate)`, so a timeline, a plan and a render agree to the sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

Span = tuple[float, float]
Times = npt.NDArray[np.float64]


def sample_index(t: float, rate: int) -> int:
    """The sample index nearest to time `t` (ties round up): the grid every renderer shares."""
    return math.floor(t * rate + 0.5)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping or touching spans; drop empty ones."""
    ordered = sorted((s, e) for s, e in spans if e > s)
    merged: list[Span] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(spans: Iterable[Span], start: float, end: float) -> list[Span]:
    """The parts of `spans` inside `[start, end)`, order kept."""
    out: list[Span] = []
    for s, e in spans:
        lo, hi = max(s, start), min(e, end)
        if hi > lo:
            out.append((lo, hi))
    return out


def shift(spans: Iterable[Span], dt: float) -> list[Span]:
    return [(s + dt, e + dt) for s, e in spans]


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """Intersection of two merged span lists (linear merge walk)."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total(spans: Iterable[Span]) -> float:
    return sum(e - s for s, e in spans)


class SpanArray:
    """Sorted, disjoint spans as two read-only float64 arrays: the compact form of a long span
    list (a party's talk spurts: 16 bytes a span instead of ~100). Empty spans (`start == end`)
    may appear; they sound nothing and are never voiced.

    Iterates, indexes and compares as the tuple of `(start, end)` pairs it stands for. The
    constructor trusts its arguments; `SpanArray.merged` sorts and merges any spans first.
    """

    __slots__ = ("ends", "starts")

    def __init__(self, starts: Times, ends: Times) -> None:
        starts.flags.writeable = False
        ends.flags.writeable = False
        self.starts = starts
        self.ends = ends

    @classmethod
    def merged(cls, spans: Iterable[Span]) -> SpanArray:
        pairs = merge(spans)
        return cls(
            np.array([s for s, _ in pairs], dtype=np.float64),
            np.array([e for _, e in pairs], dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.starts)

    def __bool__(self) -> bool:
        return len(self.starts) > 0

    def __iter__(self) -> Iterator[Span]:
        return zip(self.starts.tolist(), self.ends.tolist(), strict=True)

    def __getitem__(self, index: int) -> Span:
        return float(self.starts[index]), float(self.ends[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpanArray):
            return bool(
                np.array_equal(self.starts, other.starts) and np.array_equal(self.ends, other.ends)
            )
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"SpanArray({len(self)} spans)"

    @property
    def end(self) -> float:
        """End of the last non-empty span (`-inf` when there is none)."""
        ends = self.ends[self.ends > self.starts]
        return float(ends[-1]) if len(ends) else -math.inf

    def touching(self, start: float, end: float) -> list[Span]:
        """Unclipped spans overlapping `[start, end)`, found by bisection."""
        starts: Any = self.starts
        hi = int(starts.searchsorted(end, "left"))
        lo = max(0, int(starts.searchsorted(start, "right")) - 1)
        return [
            (s, e)
            for s, e in zip(starts[lo:hi].tolist(), self.ends[lo:hi].tolist(), strict=True)
            if e > start
        ]

    def starting_before(self, t: float, slack: int = 0) -> SpanArray:
        """The spans that start before `t`, unclipped; self when that is all of them, or when
        at most `slack` spans would go (not worth a copy)."""
        starts = self.starts
        if len(starts) <= slack or not len(starts) or starts[-1] < t:
            return self
        count = int(starts.searchsorted(t, "left"))
        if len(starts) - count <= slack:
            return self
        return SpanArray(starts[:count].copy(), self.ends[:count].copy())


def round_millis(values: Times) -> Times:
    """`round(v, 3)` of every element, exactly as Python rounds (correctly rounded decimal).

    numpy rounds the product `v * 1000` instead, which differs only where that product lands
    within a few ulps of a half: those rare elements are rounded by Python.
    """
    scaled = values * 1000.0
    whole = np.rint(scaled)
    rounded: Times = whole / 1000.0
    near_half = np.abs(scaled - whole) > 0.5 - 1e-6
    if near_half.any():
        flat, source = rounded.reshape(-1), values.reshape(-1)
        for index in np.flatnonzero(near_half).tolist():
            flat[index] = round(float(source[index]), 3)
    return rounded
