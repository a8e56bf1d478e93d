"""Compact spans and drawn talk spurts: the array forms must behave exactly as the tuples they
replace (same spurts for a seed, same spans touching a window, same voice)."""

from __future__ import annotations

import bisect

import numpy as np
import pytest

from simtel.audio import Voice
from simtel.audio.render import RecordingWindow, plan
from simtel.audio.sources import UNTIL_SLACK
from simtel.audio.spans import SpanArray, merge, round_millis
from simtel.audio.timeline import Track
from simtel.engine.calls.legaudio import LegAudio, shifted
from simtel.engine.calls.parties import SPEECH_HORIZON, Party, plan_speech

RATE = 8000


def tuple_spurts(party: Party, rng: np.random.Generator, horizon: float) -> tuple:
    """The spurts as simtel drew them before they were arrays (the reference)."""
    count = int(horizon / (party.mean_spurt + party.mean_gap)) + 8
    ons = rng.exponential(party.mean_spurt, count) + 0.2
    offs = rng.exponential(party.mean_gap, count) + 0.2
    starts = np.cumsum(np.concatenate(([0.5], (ons + offs)[:-1])))
    ends = starts + ons
    keep = starts < horizon
    return tuple(
        (round(float(s), 3), round(float(min(e, horizon)), 3))
        for s, e in zip(starts[keep], ends[keep], strict=True)
    )


@pytest.mark.parametrize("hangup_after", [30.0, 7.3, 0.6, 0.0, None])
def test_drawn_spurts_are_the_tuple_spurts_for_every_seed(hangup_after: float | None) -> None:
    party = Party(hangup_after=hangup_after, mean_spurt=0.7, mean_gap=0.4)
    horizon = SPEECH_HORIZON if hangup_after is None else hangup_after
    for seed in range(40 if hangup_after is None else 1500):
        drawn = plan_speech(party, np.random.default_rng(seed), 120.0)
        reference = np.random.default_rng(seed)
        reference.integers(0, 2**31 - 1)  # plan_speech draws the voice seed first
        assert drawn.spurts == tuple_spurts(party, reference, horizon)


def test_round_millis_rounds_as_python_does_near_halves_too() -> None:
    values = np.concatenate(
        [
            np.random.default_rng(1).uniform(0, 20_000, 200_000),
            np.arange(0, 50, 0.0005),  # every product lands on or next to a half
            [0.0625, 2.675, 1.0005, 14_399.9995],
        ]
    )
    assert round_millis(values).tolist() == [round(v, 3) for v in values.tolist()]


def test_a_span_array_is_its_tuple_and_finds_what_bisection_finds() -> None:
    spans = ((0.5, 1.2), (1.4, 3.0), (3.25, 3.25), (4.0, 9.5))
    array = SpanArray.merged(spans[:2] + spans[3:])
    assert array == spans[:2] + spans[3:] and hash(array) == hash(spans[:2] + spans[3:])
    assert len(array) == 3 and array[1] == (1.4, 3.0) and bool(array)
    assert not SpanArray.merged(()) and SpanArray.merged(((1.0, 1.0),)).end == -np.inf
    starts = [s for s, _ in array]
    for a, b in [(0.0, 0.5), (0.7, 1.4), (1.2, 1.4), (2.0, 5.0), (9.5, 12.0), (-1.0, 99.0)]:
        lo = max(0, bisect.bisect_right(starts, a) - 1)
        hi = bisect.bisect_left(starts, b)
        assert array.touching(a, b) == [(s, e) for s, e in list(array)[lo:hi] if e > a]
    with_empty = SpanArray(np.array([0.5, 3.25]), np.array([1.2, 3.25]))
    assert with_empty.end == 1.2  # an empty span at the end sounds nothing


def test_a_voice_on_drawn_spurts_is_the_voice_on_their_tuple() -> None:
    speech = plan_speech(Party(hangup_after=40.0), np.random.default_rng(9), 165.0)
    compact = Voice(speech.seed, 165.0, speech.spurts)
    tuples = Voice(speech.seed, 165.0, tuple(speech.spurts))
    assert compact.voiced(3.0, 33.0) == tuples.voiced(3.0, 33.0) != []
    assert compact.duration == tuples.duration
    np.testing.assert_array_equal(
        compact.render(2.0, 20 * RATE, RATE), tuples.render(2.0, 20 * RATE, RATE)
    )


def test_a_voice_closed_early_keeps_only_the_spurts_its_segment_can_sound() -> None:
    speech = plan_speech(Party(hangup_after=None), np.random.default_rng(4), 220.0)
    assert len(speech.spurts) > 4000  # four hours planned
    voice = Voice(speech.seed, 220.0, speech.spurts)
    leg = LegAudio()
    leg.open("voice", "inbound", 10.0, voice)
    leg.open("peer", "outbound", 10.0, shifted(voice, 5.0))
    leg.close_all(40.0)
    kept = leg.inbound.segments[0].source
    assert isinstance(kept, Voice) and len(kept.spurts) < 30
    peer = leg.outbound.segments[0].source
    assert len(peer.source.spurts) < 30  # type: ignore[attr-defined]
    full, cut = Track(), Track()
    full.add(10.0, 40.0, voice)
    cut.add(10.0, 40.0, kept)
    assert full.voiced(0.0, 50.0) == cut.voiced(0.0, 50.0)
    np.testing.assert_array_equal(full.render(10.0, 40.0, RATE), cut.render(10.0, 40.0, RATE))
    few = Voice(1, 110.0, tuple((float(t), t + 0.5) for t in range(UNTIL_SLACK)))
    assert few.until(5.0) is few  # dropping fewer than UNTIL_SLACK spurts is not worth a copy
    assert speech.until(30.0).spurts == tuple(s for s in speech.spurts if s[0] < 31.0)


def test_silence_of_an_untrimmed_plan_is_worked_out_only_when_asked() -> None:
    talker = Track()
    talker.add(0.0, 10.0, Voice(1, 110.0, ((2.0, 4.0),)))
    layout = plan(RecordingWindow(0.0, 10.0, (talker,)))
    assert "silent" not in layout.__dict__
    assert layout.silent is False and layout.duration == 10.0
    assert plan(RecordingWindow(5.0, 10.0, (talker,))).silent
    assert merge([(1.0, 2.0), (2.0, 3.0)]) == [(1.0, 3.0)]
