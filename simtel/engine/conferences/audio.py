"""What a conference sounds like besides its participants: hold music, beeps, looped wait files.

* `HOLD_MUSIC` is simtel's stand-in for Twilio's default hold playlist (a classical playlist
  fetched from `twimlets.com`): a deterministic four-note arpeggio, C4-E4-G4-E4 (261.63,
  329.63, 392.00, 329.63 Hz), each note 0.45 s with a 0.05 s gap, repeating every 2 s. It goes
  only to the waiting participant's outbound track: hold music is never recorded.
* `ENTER_BEEP` / `EXIT_BEEP` are the conference's join and leave tones (Twilio does not document
  its beeps): 0.4 s at 1000 Hz on entry and 0.4 s at 600 Hz on exit. They are played to every
  participant present and into the conference recording's second channel.
* `Looped(source, period)` repeats a `waitUrl` audio file for as long as the participant waits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simtel.audio.gating import Additive, Samples, Source, add_gated, sines
from simtel.audio.spans import Span, clip, merge
from simtel.audio.tones import Beep

HOLD_NOTES = (261.63, 329.63, 392.00, 329.63)
HOLD_NOTE_SECONDS = 0.45
HOLD_STEP_SECONDS = 0.5
HOLD_LEVEL = 0.2

ENTER_BEEP = Beep(duration=0.4, freq=1000.0)
EXIT_BEEP = Beep(duration=0.4, freq=600.0)


@dataclass(frozen=True)
class HoldMusic(Additive):
    """A repeating arpeggio of `notes`, one every `step` seconds, each sounding `length`."""

    notes: tuple[float, ...] = HOLD_NOTES
    length: float = HOLD_NOTE_SECONDS
    step: float = HOLD_STEP_SECONDS
    level: float = HOLD_LEVEL

    def _notes(self, start: float, end: float) -> list[tuple[int, Span]]:
        """(note index, unclipped local span) of every note touching `[start, end)`."""
        first = max(0, math.floor(start / self.step))
        last = math.floor(end / self.step)
        found = []
        for k in range(first, last + 1):
            span = (k * self.step, k * self.step + self.length)
            if span[1] > start and span[0] < end:
                found.append((k % len(self.notes), span))
        return found

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        for index, span in self._notes(t0, t0 + len(out) / rate):
            signal = sines((self.notes[index],), self.level, t0, rate)
            add_gated(out, [span], t0, rate, signal)

    def voiced(self, start: float, end: float) -> list[Span]:
        return clip([span for _, span in self._notes(start, end)], start, end)


HOLD_MUSIC = HoldMusic()


@dataclass(frozen=True)
class Looped(Additive):
    """`source` (local times `[0, period)`) played again and again from local 0."""

    source: Source
    period: float

    def __post_init__(self) -> None:
        if not self.period > 0:
            raise ValueError(f"a looped source needs a positive period, not {self.period}")

    def add_into(self, out: Samples, t0: float, rate: int) -> None:
        n, done = len(out), 0
        while done < n:
            t = t0 + done / rate
            cycle = math.floor(t / self.period)
            local = t - cycle * self.period
            take = min(n - done, max(1, math.ceil((self.period - local) * rate - 1e-9)))
            out[done : done + take] += self.source.render(local, take, rate)
            done += take

    def voiced(self, start: float, end: float) -> list[Span]:
        spans: list[Span] = []
        cycle = math.floor(start / self.period)
        while cycle * self.period < end:
            base = cycle * self.period
            local = self.source.voiced(max(0.0, start - base), min(self.period, end - base))
            spans += [(base + a, base + b) for a, b in local]
            cycle += 1
        return merge(spans)
