"""Recordings as windows over tracks: planning (metadata, no samples) and rendering.

`plan(window)` answers everything the engine and the REST API need about a recording (duration,
trim points, which spans make up the file, whether it is silent) from voiced spans alone.
`render(window)` produces the samples, exactly `plan(window).samples` frames long;
`render_blocks(window)` produces the same samples a block at a time (`simtel.audio.wavstream`
writes a WAV from them without holding the whole recording).

Choices, stated once:
* All boundaries snap to the sample grid of the plan's rate (`spans.sample_index`), so
  `plan().duration * rate` is an integer and equals the rendered length.
* Pauses: `skip` cuts the span out of the file, `silence` keeps it as zeros. Where pauses of both
  kinds overlap, skip wins. `end=None` means paused until the window ends.
* Trim (Twilio's `trim-silence`) removes everything before the first and after the last audible
  sample, with no margin: the file starts and ends with the audio. A silence-paused span is not
  audible. A window with nothing audible trims to an empty file (duration 0, `silent`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from simtel.audio.gating import Samples
from simtel.audio.spans import Span, intersect, merge, sample_index
from simtel.audio.timeline import Channel

PauseBehavior = Literal["skip", "silence"]
Run = tuple[int, int, bool]
"""A run of samples `[k0, k1)` on the absolute grid, and whether it is silenced."""


@dataclass(frozen=True)
class Pause:
    start: float
    end: float | None
    behavior: PauseBehavior = "skip"


@dataclass(frozen=True, eq=False)
class RecordingWindow:
    """What a recording captured: `[start, end)` of `channels` (each one or more tracks summed)."""

    start: float
    end: float
    channels: tuple[Channel, ...]
    pauses: tuple[Pause, ...] = ()
    trim: bool = False


@dataclass(frozen=True)
class KeptSpan:
    """An absolute span that is part of the file, in file order; silenced spans render as zeros."""

    start: float
    end: float
    silenced: bool = False


@dataclass(frozen=True)
class RenderPlan:
    """`trim_start`/`trim_end`: absolute times of the file's first and last kept instant (both
    the window start when nothing is kept); `silent`: nothing audible in the kept spans.

    `silent` is worked out when first read (an untrimmed plan needs no voiced spans otherwise),
    from the window and runs the plan was made of (`_source`)."""

    rate: int
    channels: int
    samples: int
    trim_start: float
    trim_end: float
    kept_spans: tuple[KeptSpan, ...]
    _source: tuple[RecordingWindow, list[Run]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def duration(self) -> float:
        """Seconds of the final file (skip pauses removed, trim applied)."""
        return self.samples / self.rate

    @functools.cached_property
    def silent(self) -> bool:
        if self._source is None:
            return self.samples == 0
        window, runs = self._source
        return not _audible(window, runs, self.rate)


def plan(window: RecordingWindow, rate: int = 8000) -> RenderPlan:
    """Metadata of the file `render(window, rate)` would produce, from voiced spans only."""
    first, last = sample_index(window.start, rate), sample_index(window.end, rate)
    runs = untrimmed = _runs(window, first, max(first, last), rate)
    audible = None
    if window.trim:
        audible = _audible(window, runs, rate)
        runs = _trimmed(runs, audible)
    kept = tuple(KeptSpan(k0 / rate, k1 / rate, silenced) for k0, k1, silenced in runs)
    trim_start, trim_end = (runs[0][0], runs[-1][1]) if runs else (first, first)
    layout = RenderPlan(
        rate=rate,
        channels=len(window.channels),
        samples=sum(k1 - k0 for k0, k1, _ in runs),
        trim_start=trim_start / rate,
        trim_end=trim_end / rate,
        kept_spans=kept,
        _source=(window, untrimmed),
    )
    if audible is not None:
        layout.__dict__["silent"] = not audible  # known already: the cached property's value
    return layout


def window_duration(start: float, end: float, rate: int = 8000) -> float:
    """`plan(window, rate).duration` of an untrimmed window `[start, end)` without pauses (the
    window on the sample grid), without planning it."""
    samples = sample_index(end, rate) - sample_index(start, rate)
    return samples / rate if samples > 0 else 0.0


def render(window: RecordingWindow, rate: int = 8000) -> Samples:
    """The recording's samples, shape `(plan.samples, channels)`, float32 clipped to [-1, 1]."""
    layout = plan(window, rate)
    out = np.zeros((layout.samples, layout.channels), dtype=np.float32)
    pos = 0
    for span in layout.kept_spans:
        n = sample_index(span.end, rate) - sample_index(span.start, rate)
        if not span.silenced:
            for c, channel in enumerate(window.channels):
                channel.add_into(out[pos : pos + n, c], span.start, rate)
        pos += n
    np.clip(out, -1.0, 1.0, out=out)
    return out


def render_blocks(
    window: RecordingWindow,
    rate: int = 8000,
    block_frames: int = 480_000,
    layout: RenderPlan | None = None,
) -> Iterator[Samples]:
    """`render(window, rate)` in order, at most `block_frames` frames at a time, clipped.

    Every block is a view of ONE buffer that the next block overwrites: use (or copy) it before
    asking for the next. A block starts at a kept span's start or `block_frames` into it, and
    each channel adds itself at the block's own start time. Sources are functions of time on
    the shared sample grid, so the samples are `render`'s: voices exactly (their waveform is
    indexed by sample), tones to float rounding (a sine's phase is worked out from the block's
    start, ~1e-13 off), which 16-bit quantisation does not see. `layout`: `plan(window, rate)`
    when the caller has it already.
    """
    if block_frames < 1:
        raise ValueError(f"block_frames must be at least 1, not {block_frames}")
    layout = layout if layout is not None else plan(window, rate)
    buffer = np.zeros((min(block_frames, layout.samples), layout.channels), dtype=np.float32)
    for span in layout.kept_spans:
        k0, k1 = sample_index(span.start, rate), sample_index(span.end, rate)
        for b0 in range(k0, k1, block_frames):
            block = buffer[: min(block_frames, k1 - b0)]
            block.fill(0.0)
            if not span.silenced:
                for c, channel in enumerate(window.channels):
                    channel.add_into(block[:, c], b0 / rate, rate)
                np.clip(block, -1.0, 1.0, out=block)
            yield block


def _runs(window: RecordingWindow, first: int, last: int, rate: int) -> list[Run]:
    """The window cut by its pauses: kept runs in order, skip pauses removed."""
    if not window.pauses:
        return [(first, last, False)] if last > first else []
    skips: list[Span] = []
    silences: list[Span] = []
    for pause in window.pauses:
        end = window.end if pause.end is None else pause.end
        k0 = min(max(sample_index(pause.start, rate), first), last)
        k1 = min(max(sample_index(end, rate), first), last)
        (skips if pause.behavior == "skip" else silences).append((k0, k1))
    kept = _subtract([(first, last)], merge(skips))
    quiet = intersect(kept, merge(silences))
    cuts = sorted({int(k) for span in kept + quiet for k in span})
    runs: list[Run] = []
    for k0, k1 in itertools.pairwise(cuts):
        if _covered(kept, k0):
            silenced = _covered(quiet, k0)
            if runs and runs[-1][1] == k0 and runs[-1][2] == silenced:
                runs[-1] = (runs[-1][0], k1, silenced)
            else:
                runs.append((k0, k1, silenced))
    return runs


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in spans:
        cursor = s
        for hs, he in holes:
            if he <= cursor or hs >= e:
                continue
            if hs > cursor:
                out.append((cursor, hs))
            cursor = max(cursor, he)
        if cursor < e:
            out.append((cursor, e))
    return out


def _covered(spans: list[Span], k: float) -> bool:
    return any(s <= k < e for s, e in spans)


def _audible(window: RecordingWindow, runs: list[Run], rate: int) -> list[Span]:
    """Sample spans that carry voiced audio in the kept, non-silenced runs."""
    voiced = merge(
        (sample_index(s, rate), sample_index(e, rate))
        for channel in window.channels
        for s, e in channel.voiced(window.start, window.end)
    )
    open_runs: list[Span] = [(k0, k1) for k0, k1, silenced in runs if not silenced]
    return intersect(voiced, open_runs)


def _trimmed(runs: list[Run], audible: list[Span]) -> list[Run]:
    if not audible:
        return []
    lo, hi = int(audible[0][0]), int(audible[-1][1])
    return [(max(k0, lo), min(k1, hi), q) for k0, k1, q in runs if k1 > lo and k0 < hi]
