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
from simtel.audio.spurts import TalkSpurts, leg_generator, talk_spurts
from simtel.audio.timeline import Track
from simtel.engine.calls.legaudio import LegAudio, shifted
from simtel.engine.calls.parties import LEG_STREAM, SPEECH_HORIZON, Party, plan_speech

RATE = 8000


def tuple_spurts(party: Party, rng: np.random.Generator, horizon: float) -> tuple:
    """The spurts drawn one (talk, gap) pair at a time in chunks of 32, as tuples (the
    reference the vectorised draw must equal)."""
    spans: list[tuple[float, float]] = []
    at = 0.5
    while at < horizon:
        draws = rng.standard_exponential(64).tolist()
        starts, ons, step = [], [], 0.0
        for i in range(32):
            on = draws[2 * i] * party.mean_spurt + 0.2
            off = draws[2 * i + 1] * party.mean_gap + 0.2
            starts.append(at if i == 0 else starts[-1] + step)
            ons.append(on)
            step = on + off
        spans += [(s, min(s + on, horizon)) for s, on in zip(starts, ons, strict=True)]
        at = starts[-1] + step
    return tuple((round(s, 3), round(e, 3)) for s, e in spans if s < horizon)


@pytest.mark.parametrize("hangup_after", [30.0, 7.3, 0.6, 0.0, None])
def test_drawn_spurts_are_the_tuple_spurts_for_every_seed(hangup_after: float | None) -> None:
    party = Party(hangup_after=hangup_after, mean_spurt=0.7, mean_gap=0.4)
    horizon = SPEECH_HORIZON if hangup_after is None else hangup_after
    for index in range(10 if hangup_after is None else 600):
        key = (3, LEG_STREAM, index)
        drawn = plan_speech(party, key, 120.0).drawn()
        assert drawn == tuple_spurts(party, leg_generator(key), horizon)


def test_spurts_of_a_shorter_horizon_are_a_prefix_of_a_longer_ones() -> None:
    rng = lambda: leg_generator((5, LEG_STREAM, 1))  # noqa: E731
    long = talk_spurts(rng(), 600.0)
    for horizon in (0.6, 3.0, 41.7, 200.0):
        short = talk_spurts(rng(), horizon)
        cut = tuple((s, min(e, round(horizon, 3))) for s, e in long if s < horizon)
        assert short == cut and len(short) > 0
    bounded = talk_spurts(rng(), 600.0, starting_before=50.0)
    assert bounded == tuple(s for s in long if s[0] < 50.0)


def test_talk_spurts_are_drawn_only_when_read_and_the_same_whenever() -> None:
    speech = plan_speech(Party(hangup_after=40.0), (9, LEG_STREAM, 4), 165.0)
    spurts = speech.spurts
    assert isinstance(spurts, TalkSpurts) and "spans" not in spurts.__dict__
    assert bool(spurts)  # known without drawing
    voice = Voice(speech.seed, 165.0, spurts).until(20.0)
    assert "spans" not in spurts.__dict__ and voice.spurts != spurts  # bounded, still undrawn
    again = plan_speech(Party(hangup_after=40.0), (9, LEG_STREAM, 4), 165.0)
    assert again == speech and again.drawn() == speech.drawn()
    other = plan_speech(Party(hangup_after=40.0), (9, LEG_STREAM, 5), 165.0)
    assert other.seed != speech.seed and other.drawn() != speech.drawn()
    assert not plan_speech(Party(hangup_after=0.4), (9, LEG_STREAM, 4), 165.0).spurts


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
    speech = plan_speech(Party(hangup_after=40.0), (9, LEG_STREAM, 0), 165.0)
    compact = Voice(speech.seed, 165.0, speech.spurts)
    tuples = Voice(speech.seed, 165.0, tuple(speech.drawn()))
    assert compact.voiced(3.0, 33.0) == tuples.voiced(3.0, 33.0) != []
    assert compact.duration == tuples.duration
    np.testing.assert_array_equal(
        compact.render(2.0, 20 * RATE, RATE), tuples.render(2.0, 20 * RATE, RATE)
    )


def test_a_voice_closed_early_keeps_only_the_spurts_its_segment_can_sound() -> None:
    speech = plan_speech(Party(hangup_after=None), (4, LEG_STREAM, 0), 220.0)
    assert len(speech.drawn()) > 4000  # four hours planned
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
    assert speech.until(30.0).drawn() == tuple(s for s in speech.drawn() if s[0] < 31.0)


def test_silence_of_an_untrimmed_plan_is_worked_out_only_when_asked() -> None:
    talker = Track()
    talker.add(0.0, 10.0, Voice(1, 110.0, ((2.0, 4.0),)))
    layout = plan(RecordingWindow(0.0, 10.0, (talker,)))
    assert "silent" not in layout.__dict__
    assert layout.silent is False and layout.duration == 10.0
    assert plan(RecordingWindow(5.0, 10.0, (talker,))).silent
    assert merge([(1.0, 2.0), (2.0, 3.0)]) == [(1.0, 3.0)]
