"""Span algebra on sorted half-open time spans, and the one rule that maps time to samples.

A span is `(start, end)` with `start < end`, half-open. Lists of spans are sorted and
non-overlapping after `merge`. Every module in `simtel.audio` maps a time `t` (seconds) to the
sample index `sample_index(t, rate)`, so a timeline, a plan and a render agree to the sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Span = tuple[float, float]


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
