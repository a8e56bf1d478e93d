"""Talk spurts: when a party speaks, drawn per leg and only when something needs them.

A party's voice is a sequence of talk spurts (exponential spurts and gaps, at least 0.2 s each).
Each leg draws them from a generator of its own, seeded by a *key* `(simulation seed, stream,
leg index)`, so the draw is the same whenever (and whether) it happens: a leg whose audio nobody
renders, trims or transcribes never draws at all, and nothing it draws moves any other draw of
the simulation.

`talk_spurts` is prefix-stable: spurts are drawn in fixed chunks of `SPURT_CHUNK` (talk, gap)
pairs, so the spurts of a shorter horizon are exactly the first spurts of a longer one (the last
cut at the horizon). That is what lets `TalkSpurts.until` bound a voice without drawing it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from simtel.audio.spans import Span, SpanArray, round_millis
from simtel.quickinit import quick_init

#: (talk, gap) pairs drawn at a time; fixed, so that every horizon sees the same draws
SPURT_CHUNK = 32
#: the first spurt starts this long after answer
FIRST_SPURT = 0.5
SHORTEST = 0.2
#: spans up to this many seconds are drawn with Python floats (`_short_spurts`), longer ones
#: with numpy arrays: the same spurts either way
SHORT_DRAW = 600.0
_MASK = (1 << 64) - 1


def talk_spurts(
    rng: np.random.Generator,
    horizon: float,
    mean_talk: float = 1.6,
    mean_gap: float = 0.9,
    start: float = FIRST_SPURT,
    *,
    starting_before: float = math.inf,
) -> SpanArray:
    """A party's talk spurts on `[start, horizon)` that start before `starting_before`:
    exponential spurts and gaps (at least `SHORTEST` each, so every spurt is audible after the
    fades), times rounded to the millisecond; sorted and disjoint by construction. The last
    spurt is cut at the horizon (it may be empty when it starts within half a millisecond of
    it: it sounds nothing). Chunk `k` of the draws is the same for every horizon (see the module
    docstring), so the result for a horizon is a prefix of the result for any longer one."""
    cut = min(horizon, starting_before)
    if cut - start <= SHORT_DRAW:
        return _short_spurts(rng, cut, horizon, mean_talk, mean_gap, start)
    starts_parts: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    ons_parts: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    at = start
    while at < cut:
        draws = rng.standard_exponential(2 * SPURT_CHUNK)
        ons = draws[0::2] * mean_talk + SHORTEST
        steps = ons + (draws[1::2] * mean_gap + SHORTEST)
        starts = np.cumsum(np.concatenate(([at], steps[:-1])))
        starts_parts.append(starts)
        ons_parts.append(ons)
        at = float(starts[-1] + steps[-1])
    if not starts_parts:
        return SpanArray(np.empty(0), np.empty(0))
    starts = np.concatenate(starts_parts)
    ons = np.concatenate(ons_parts)
    kept = int(starts.searchsorted(cut, "left"))  # starts increase: `starts < cut`
    spans = np.empty((2, kept), dtype=np.float64)
    spans[0] = starts[:kept]
    np.minimum(starts[:kept] + ons[:kept], horizon, out=spans[1])
    spans = round_millis(spans)
    return SpanArray(spans[0], spans[1])


def _short_spurts(
    rng: np.random.Generator,
    cut: float,
    horizon: float,
    mean_talk: float,
    mean_gap: float,
    start: float,
) -> SpanArray:
    """`talk_spurts` for a short span, with Python floats: the same draws and the same IEEE
    operations in the same order (numpy's `cumsum` adds in sequence too), and `round(v, 3)`,
    which `round_millis` equals; for a few dozen spurts, cheaper than numpy's small arrays."""
    starts: list[float] = []
    ends: list[float] = []
    at = start
    while at < cut:
        draws = rng.standard_exponential(2 * SPURT_CHUNK).tolist()
        for index in range(0, 2 * SPURT_CHUNK, 2):
            on = draws[index] * mean_talk + SHORTEST
            step = on + (draws[index + 1] * mean_gap + SHORTEST)
            if at < cut:
                starts.append(round(at, 3))
                ends.append(round(min(at + on, horizon), 3))
            at = at + step
    return SpanArray(np.array(starts, dtype=np.float64), np.array(ends, dtype=np.float64))


def leg_generator(key: tuple[int, ...]) -> np.random.Generator:
    """The generator of one leg's draws (PCG64 seeded with `key`)."""
    return np.random.Generator(np.random.PCG64(list(key)))


def leg_seed(key: tuple[int, ...]) -> int:
    """A voice seed in `[0, 2**31 - 1)` for `key`, without a generator (SplitMix64 mixing)."""
    h = 0x9E3779B97F4A7C15
    for value in key:
        h = ((h ^ (value & _MASK)) + 0x9E3779B97F4A7C15) & _MASK
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
        h ^= h >> 31
    return h % (2**31 - 1)


@quick_init
@dataclass(frozen=True)
class TalkSpurts:
    """The talk spurts of one leg, described and drawn only when first read (`spans`).

    `key` seeds the leg's own generator (`leg_generator`); `horizon` is how long the party talks
    (its hang-up time); `limit` bounds what can still be heard (`until`). Two descriptions with
    the same fields draw the same spans, whenever they are read.
    """

    key: tuple[int, ...]
    horizon: float
    mean_talk: float = 1.6
    mean_gap: float = 0.9
    limit: float = math.inf

    @cached_property
    def spans(self) -> SpanArray:
        """The spurts (drawn on first read, then kept)."""
        return talk_spurts(
            leg_generator(self.key),
            self.horizon,
            self.mean_talk,
            self.mean_gap,
            starting_before=self.limit + 1.0,
        )

    def __bool__(self) -> bool:
        """Whether there is any spurt, known without drawing: the first starts at 0.5 s."""
        return min(self.horizon, self.limit + 1.0) > FIRST_SPURT

    def __len__(self) -> int:
        return len(self.spans)

    def __iter__(self) -> Iterator[Span]:
        return iter(self.spans)

    def until(self, t: float) -> TalkSpurts:
        """These spurts as far as local time `t` matters: those starting after `t + 1 s` go
        (kept spurts are not cut, so renders and voiced spans of any window ending by `t` are
        those of the full draw). No draw happens here."""
        if t >= self.limit or t + 1.0 >= self.horizon:
            return self
        return TalkSpurts(self.key, self.horizon, self.mean_talk, self.mean_gap, t)

    def as_tuple(self) -> tuple[Span, ...]:
        return tuple(self.spans)
