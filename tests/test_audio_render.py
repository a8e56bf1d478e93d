"""Recording windows: channel layout, pauses, trim, and plans that agree with renders."""

from __future__ import annotations

import numpy as np
import pytest

from simtel.audio import (
    Beep,
    Mix,
    Pause,
    RecordingWindow,
    Ringback,
    Silence,
    Track,
    Voice,
    band_level,
    pitch_of,
    plan,
    render,
    rms,
    sources,
    timeline,
)

RATE = 8000
A_HZ, B_HZ = 110.0, 165.0


def seconds(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return x[round(a * RATE) : round(b * RATE)]


def two_party_call() -> tuple[Track, Track]:
    """Party A talks on [2, 5) and [8, 9); party B on [5, 8). Nothing before 2 or after 9."""
    a, b = Track("parent-inbound"), Track("child-inbound")
    a.add(0.0, 12.0, Voice(1, A_HZ, ((2.0, 5.0), (8.0, 9.0))))
    b.add(0.0, 12.0, Voice(2, B_HZ, ((5.0, 8.0),)))
    return a, b


def test_dual_window_puts_each_party_in_its_own_channel() -> None:
    a, b = two_party_call()
    x = render(RecordingWindow(0.0, 12.0, (a, b)))
    assert x.shape == (12 * RATE, 2) and x.dtype == np.float32
    left, right = x[:, 0], x[:, 1]
    assert pitch_of(left, RATE) == pytest.approx(A_HZ, rel=0.03)
    assert pitch_of(right, RATE) == pytest.approx(B_HZ, rel=0.03)
    assert band_level(left, RATE, B_HZ) < 0.01
    assert band_level(right, RATE, A_HZ) < 0.01
    assert rms(seconds(left, 5.0, 8.0)) == 0.0
    assert rms(seconds(right, 2.0, 5.0)) == 0.0


def test_mono_window_mixes_both_parties() -> None:
    a, b = two_party_call()
    x = render(RecordingWindow(0.0, 12.0, (Mix((a, b)),)))
    assert x.shape == (12 * RATE, 1)
    assert pitch_of(seconds(x, 2.0, 5.0), RATE) == pytest.approx(A_HZ, rel=0.03)
    assert pitch_of(seconds(x, 5.0, 8.0), RATE) == pytest.approx(B_HZ, rel=0.03)


def test_record_from_ringing_dual_has_ringback_left_and_callee_right() -> None:
    caller_hears, callee = Track("parent-outbound"), Track("child-inbound")
    caller_hears.add(0.0, 7.0, Ringback())
    callee.add(7.0, 12.0, Voice(3, 220.0))
    x = render(RecordingWindow(0.0, 12.0, (caller_hears, callee)))
    assert band_level(seconds(x[:, 0], 0.0, 2.0), RATE, 440.0, 0.02) > 0.4
    assert rms(seconds(x[:, 0], 2.0, 6.0)) == 0.0
    assert pitch_of(seconds(x[:, 1], 7.0, 12.0), RATE) == pytest.approx(220.0, rel=0.03)
    assert rms(seconds(x[:, 1], 0.0, 7.0)) == 0.0


def test_silence_pause_keeps_length_and_zeros_the_span() -> None:
    a, b = two_party_call()
    plain = render(RecordingWindow(0.0, 12.0, (a, b)))
    window = RecordingWindow(0.0, 12.0, (a, b), pauses=(Pause(3.0, 6.0, "silence"),))
    x = render(window)
    assert x.shape == plain.shape
    assert rms(seconds(x, 3.0, 6.0)) == 0.0
    np.testing.assert_array_equal(seconds(x, 0.0, 3.0), seconds(plain, 0.0, 3.0))
    np.testing.assert_array_equal(seconds(x, 6.0, 12.0), seconds(plain, 6.0, 12.0))
    layout = plan(window)
    assert [(s.start, s.end, s.silenced) for s in layout.kept_spans] == [
        (0.0, 3.0, False),
        (3.0, 6.0, True),
        (6.0, 12.0, False),
    ]


def test_skip_pause_cuts_the_span_out() -> None:
    a, b = two_party_call()
    plain = render(RecordingWindow(0.0, 12.0, (a, b)))
    window = RecordingWindow(0.0, 12.0, (a, b), pauses=(Pause(3.0, 6.0, "skip"),))
    x = render(window)
    assert len(x) == 9 * RATE
    np.testing.assert_array_equal(x, np.concatenate([seconds(plain, 0, 3), seconds(plain, 6, 12)]))
    assert plan(window).duration == 9.0


def test_open_pause_runs_to_the_end_and_skip_wins_over_silence() -> None:
    a, b = two_party_call()
    window = RecordingWindow(
        0.0,
        12.0,
        (a, b),
        pauses=(Pause(1.0, 4.0, "silence"), Pause(3.0, 5.0, "skip"), Pause(10.0, None, "skip")),
    )
    layout = plan(window)
    assert [(s.start, s.end, s.silenced) for s in layout.kept_spans] == [
        (0.0, 1.0, False),
        (1.0, 3.0, True),
        (5.0, 10.0, False),
    ]
    assert layout.duration == 8.0
    assert len(render(window)) == 8 * RATE


def test_trim_removes_leading_and_trailing_silence() -> None:
    a, b = two_party_call()
    window = RecordingWindow(0.0, 12.0, (a, b), trim=True)
    layout = plan(window)
    assert (layout.trim_start, layout.trim_end) == (2.0, 9.0)
    assert layout.duration == 7.0
    x = render(window)
    assert len(x) == round(layout.duration * RATE)
    untrimmed = render(RecordingWindow(0.0, 12.0, (a, b)))
    np.testing.assert_array_equal(x, seconds(untrimmed, 2.0, 9.0))
    assert rms(x[:80]) > 0.0 and rms(x[-80:]) > 0.0


def test_trim_treats_silenced_audio_as_silence() -> None:
    a, b = two_party_call()
    window = RecordingWindow(
        0.0, 12.0, (a, b), pauses=(Pause(0.0, 3.0, "silence"), Pause(8.5, None, "skip")), trim=True
    )
    layout = plan(window)
    assert (layout.trim_start, layout.trim_end) == (3.0, 8.5)
    assert len(render(window)) == round(layout.duration * RATE) == round(5.5 * RATE)


def test_trim_of_a_silent_window_is_empty_and_silent() -> None:
    quiet = Track()
    quiet.add(0.0, 30.0, Silence())
    layout = plan(RecordingWindow(0.0, 30.0, (quiet,), trim=True))
    assert layout.silent and layout.duration == 0.0 and layout.kept_spans == ()
    assert render(RecordingWindow(0.0, 30.0, (quiet,), trim=True)).shape == (0, 1)
    untrimmed = plan(RecordingWindow(0.0, 30.0, (quiet,)))
    assert untrimmed.silent and untrimmed.duration == 30.0


def test_plan_is_computed_without_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("plan() rendered samples")

    quiet, talker = Track(), Track()
    quiet.add(0.0, 60.0, Silence())
    talker.add(0.0, 60.0, Voice(1, 110.0, ((10.0, 20.0),)))
    talker.add(30.0, 30.5, Beep())
    for cls in (sources.Voice, sources.Silence, sources.Beep):
        monkeypatch.setattr(cls, "add_into", refuse)
        monkeypatch.setattr(cls, "render", refuse)
    monkeypatch.setattr(timeline.Track, "render", refuse)
    monkeypatch.setattr(timeline.Track, "add_into", refuse)
    assert plan(RecordingWindow(0.0, 60.0, (quiet,))).silent
    assert not plan(RecordingWindow(0.0, 60.0, (quiet, talker))).silent
    assert (
        plan(RecordingWindow(0.0, 60.0, (talker,), pauses=(Pause(5, 25, "silence"),))).silent
        is False
    )
    assert plan(RecordingWindow(0.0, 29.0, (talker,), pauses=(Pause(5, 25, "skip"),))).silent
    trimmed = plan(RecordingWindow(0.0, 60.0, (talker,), trim=True))
    assert (trimmed.trim_start, trimmed.trim_end) == (10.0, 30.5)
    with pytest.raises(AssertionError, match="rendered"):
        render(RecordingWindow(0.0, 60.0, (talker,)))


def test_plan_duration_matches_render_length_on_awkward_boundaries() -> None:
    a, b = two_party_call()
    rng = np.random.default_rng(3)
    for _ in range(25):
        start = float(rng.uniform(0, 3))
        end = start + float(rng.uniform(0, 9))
        p0 = float(rng.uniform(start, end))
        pauses = (
            Pause(p0, p0 + float(rng.uniform(0, 2)), "skip"),
            Pause(float(rng.uniform(start, end)), None if rng.random() < 0.3 else end, "silence"),
        )
        window = RecordingWindow(start, end, (a, b), pauses=pauses, trim=bool(rng.random() < 0.5))
        layout = plan(window)
        x = render(window)
        assert x.shape == (layout.samples, 2)
        assert len(x) == round(layout.duration * RATE)
        assert float(np.max(np.abs(x), initial=0.0)) <= 1.0


def test_render_clips_loud_mixes_to_full_scale() -> None:
    loud = Track()
    for i in range(6):
        loud.add(0.0, 1.0, Voice(i, 110.0 + 50 * i), gain=1.0)
    x = render(RecordingWindow(0.0, 1.0, (loud,)))
    assert float(np.max(np.abs(x))) <= 1.0


def test_other_rates_render_on_their_own_grid() -> None:
    a, b = two_party_call()
    window = RecordingWindow(0.0, 12.0, (a, b), trim=True)
    x = render(window, rate=16000)
    assert x.shape == (7 * 16000, 2)
    assert pitch_of(x[:, 0], 16000) == pytest.approx(A_HZ, rel=0.03)
