"""Tracks place sources in absolute time, answer voiced spans without rendering, and mix."""

from __future__ import annotations

import numpy as np
import pytest

from simtel.audio import (
    Beep,
    Dtmf,
    Mix,
    Ringback,
    Segment,
    Silence,
    Speech,
    Tone,
    Track,
    Voice,
    band_level,
    detect_dtmf,
    pitch_of,
    rms,
)

RATE = 8000


def seconds(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return x[round(a * RATE) : round(b * RATE)]


def test_source_local_time_starts_at_the_segment_start() -> None:
    track = Track("caller-inbound")
    track.add(10.0, 20.0, Voice(1, 110.0, ((1.0, 3.0),)))
    assert track.voiced(0.0, 100.0) == [(11.0, 13.0)]
    x = track.render(10.0, 14.0, RATE)
    assert len(x) == 4 * RATE
    assert rms(seconds(x, 0.0, 1.0)) == 0.0
    assert pitch_of(seconds(x, 1.0, 3.0), RATE) == pytest.approx(110.0, rel=0.03)
    assert rms(seconds(x, 3.0, 4.0)) == 0.0


def test_segment_end_cuts_its_source() -> None:
    track = Track()
    track.add(0.0, 1.5, Tone((440.0,)))
    x = track.render(0.0, 3.0, RATE)
    assert rms(seconds(x, 0.1, 1.4)) > 0.1
    assert rms(seconds(x, 1.5, 3.0)) == 0.0
    assert track.voiced(0.0, 3.0) == [(0.0, 1.5)]


def test_overlapping_segments_mix_and_gain_scales() -> None:
    track = Track()
    track.add(0.0, 2.0, Voice(1, 110.0))
    track.add(1.0, 2.0, Voice(2, 300.0), gain=0.5)
    x = track.render(0.0, 2.0, RATE)
    first, second = seconds(x, 0.0, 1.0), seconds(x, 1.0, 2.0)
    assert band_level(first, RATE, 300.0) < 0.01
    assert band_level(second, RATE, 300.0) > 0.05
    alone = Voice(2, 300.0).render(0.0, RATE, RATE) * 0.5
    np.testing.assert_allclose(
        second - seconds(Voice(1, 110.0).render(0, 2 * RATE, RATE), 1, 2), alone, atol=1e-6
    )


def test_silent_and_zero_gain_segments_are_not_voiced() -> None:
    track = Track()
    track.add(0.0, 5.0, Silence())
    track.add(5.0, 6.0, Tone((440.0,)), gain=0.0)
    assert track.voiced(0.0, 10.0) == []
    assert rms(track.render(0.0, 10.0, RATE)) == 0.0


def test_voiced_spans_merge_across_segments() -> None:
    track = Track()
    track.add(0.0, 1.0, Beep(duration=1.0))
    track.add(1.0, 3.0, Voice(2, 165.0))
    track.add(2.5, 4.0, Ringback())
    track.add(5.0, 10.0, Speech("two words", seed=2))
    assert track.voiced(0.0, 4.5) == [(0.0, 4.0)]
    assert track.voiced(0.5, 3.5) == [(0.5, 3.5)]
    (a, b), (c, d) = track.voiced(4.5, 10.0)
    assert (a, d) == (5.0, pytest.approx(5.0 + 2 * 60 / 150)) and 0 < c - b < 0.1


def test_out_of_order_adds_and_long_segments_are_found() -> None:
    track = Track()
    track.add(0.0, 3600.0, Ringback())
    for i in range(1, 500):
        track.add(float(i), i + 0.1, Dtmf("1"))
    track.add(250.2, 250.4, Dtmf("9"))
    found = track.segments_between(250.15, 250.3)
    assert [type(s.source).__name__ for s in found] == ["Ringback", "Dtmf"]
    assert [s.start for s in track.segments_between(1799.2, 1799.9)] == [0.0]
    assert [s.start for s in track.segments_between(250.0, 250.25)] == [0.0, 250.0, 250.2]
    assert track.segments_between(3600.0, 3700.0) == []
    assert track.end == 3600.0
    assert len(track) == 501
    starts = [s.start for s in track.segments]
    assert starts == sorted(starts)


def test_segments_between_equals_a_linear_scan() -> None:
    rng = np.random.default_rng(5)
    track = Track()
    segments = []
    for _ in range(300):
        start = float(rng.uniform(0, 1000))
        end = start + float(rng.exponential(20))
        track.add(start, end, Silence())
        segments.append(Segment(start, end, Silence()))
    for _ in range(200):
        a = float(rng.uniform(-10, 1100))
        b = a + float(rng.exponential(30))
        expected = sorted((s.start, s.end) for s in segments if s.start < b and s.end > a)
        got = sorted((s.start, s.end) for s in track.segments_between(a, b))
        assert got == expected


def test_add_rejects_inverted_segment() -> None:
    with pytest.raises(ValueError, match="ends before"):
        Track().add(2.0, 1.0, Silence())


def test_render_length_follows_the_sample_grid() -> None:
    track = Track()
    track.add(0.0, 10.0, Voice(1, 110.0))
    a, b = 1.00001, 2.34567
    assert len(track.render(a, b, RATE)) == round(b * RATE) - round(a * RATE)
    parts = [
        track.render(0.0, 0.7, RATE),
        track.render(0.7, 1.3, RATE),
        track.render(1.3, 2.0, RATE),
    ]
    np.testing.assert_allclose(np.concatenate(parts), track.render(0.0, 2.0, RATE), atol=1e-6)


def test_mix_sums_tracks_like_a_conference_downstream() -> None:
    alice, bob, carol = Track("alice"), Track("bob"), Track("carol")
    alice.add(0.0, 2.0, Voice(1, 110.0, ((0.0, 1.0),)))
    bob.add(0.0, 2.0, Voice(2, 300.0, ((1.0, 2.0),)))
    carol.add(0.5, 0.6, Dtmf("7"))
    mix = Mix((alice, bob, carol))
    assert mix.voiced(0.0, 2.0) == [(0.0, 2.0)]
    x = mix.render(0.0, 2.0, RATE)
    np.testing.assert_allclose(
        x, alice.render(0, 2, RATE) + bob.render(0, 2, RATE) + carol.render(0, 2, RATE), atol=1e-6
    )
    assert pitch_of(seconds(x, 1.0, 2.0), RATE) == pytest.approx(300.0, rel=0.03)
    assert detect_dtmf(seconds(Mix((carol,)).render(0, 2, RATE), 0, 2), RATE) == "7"
