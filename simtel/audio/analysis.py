"""Listening to rendered audio: levels, pitch, tone presence and DTMF decoding.

Helpers for tests (and for anyone asserting on a media file): they judge audio by what it
contains, independently of how `simtel.audio` synthesised it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from simtel.audio.tones import DTMF_FREQS

SILENCE_RMS = 1e-3
"""-60 dBFS: below this a frame counts as silent (same threshold as played files' voiced spans)."""

_LOWS = (697.0, 770.0, 852.0, 941.0)
_HIGHS = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYS = {freqs: key for key, freqs in DTMF_FREQS.items()}


def _mono(samples: npt.ArrayLike) -> npt.NDArray[np.float64]:
    array = np.asarray(samples, dtype=np.float64)
    return array if array.ndim == 1 else array.sum(axis=1)


def rms(samples: npt.ArrayLike) -> float:
    """Root mean square over all samples (and channels); 0.0 for an empty array."""
    array = np.asarray(samples, dtype=np.float64)
    return float(np.sqrt(np.mean(array**2))) if array.size else 0.0


def _spectrum(x: npt.NDArray[np.float64], rate: int) -> tuple[npt.NDArray[np.float64], float]:
    """Hann-windowed magnitude spectrum (zero-padded to >= 0.25 Hz bins) and its bin width."""
    size = max(len(x), 4 * rate)
    magnitude = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=size))
    return magnitude, rate / size


def pitch_of(samples: npt.ArrayLike, rate: int, low: float = 50.0, high: float = 1200.0) -> float:
    """The dominant fundamental in `[low, high]` Hz (0.0 for silence).

    Takes the strongest spectral peak, then prefers its lowest subharmonic (f/2, f/3, f/4) that
    still has at least 40 % of the peak's magnitude, so a voice whose second harmonic happens to
    be loudest still reports its fundamental.
    """
    x = _mono(samples)
    if rms(x) < SILENCE_RMS:
        return 0.0
    magnitude, width = _spectrum(x, rate)
    lo, hi = math.ceil(low / width), math.floor(high / width)
    peak = lo + int(np.argmax(magnitude[lo : hi + 1]))
    best = peak
    for divisor in (4, 3, 2):
        sub = round(peak / divisor)
        if sub < lo:
            continue
        near = sub + int(np.argmax(magnitude[sub - 2 : sub + 3])) - 2
        if magnitude[near] >= 0.4 * magnitude[peak]:
            best = near
            break
    return _refine(magnitude, best) * width


def _refine(magnitude: npt.NDArray[np.float64], k: int) -> float:
    """Parabolic interpolation of the peak at bin `k`."""
    if k <= 0 or k >= len(magnitude) - 1:
        return float(k)
    a, b, c = magnitude[k - 1], magnitude[k], magnitude[k + 1]
    denominator = a - 2 * b + c
    return k + (0.5 * (a - c) / denominator if denominator else 0.0)


def band_level(samples: npt.ArrayLike, rate: int, hz: float, tolerance: float = 0.03) -> float:
    """Fraction of the signal's spectral energy within `hz ± tolerance` (relative): 0..1."""
    x = _mono(samples)
    if rms(x) < SILENCE_RMS:
        return 0.0
    magnitude, width = _spectrum(x, rate)
    power = magnitude**2
    lo, hi = math.floor(hz * (1 - tolerance) / width), math.ceil(hz * (1 + tolerance) / width)
    return float(power[lo : hi + 1].sum() / power.sum())


def detect_dtmf(samples: npt.ArrayLike, rate: int, min_seconds: float = 0.05) -> str:
    """Keys pressed in `samples`, in order (e.g. `"12#"`), decoded with Goertzel-style probes.

    40 ms Hann frames every 10 ms; a frame holds a key when one row and one column tone carry
    most of its energy and each clearly dominates its group. A key is reported once per run of
    frames lasting at least `min_seconds`; a break of any length separates repeated keys.
    """
    x = _mono(samples)
    frame, hop = round(0.04 * rate), round(0.01 * rate)
    if len(x) < frame:
        return ""
    count = 1 + (len(x) - frame) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, frame)[::hop][:count]
    window = np.hanning(frame)
    freqs = np.array(_LOWS + _HIGHS)
    probes = np.exp(-2j * np.pi * np.outer(np.arange(frame), freqs) / rate) * window[:, None]
    amplitude = np.abs(frames @ probes) * 2 / window.sum()
    energy = np.mean(frames**2, axis=1)
    keys = [_frame_key(a, e) for a, e in zip(amplitude, energy, strict=True)]
    return _collapse(keys, max(1, math.ceil((min_seconds - 0.04) / 0.01) + 1))


def _frame_key(amplitude: npt.NDArray[np.float64], energy: float) -> str:
    if energy < SILENCE_RMS**2:
        return ""
    lows, highs = amplitude[:4], amplitude[4:]
    i, j = int(np.argmax(lows)), int(np.argmax(highs))
    if (lows[i] ** 2 + highs[j] ** 2) / 2 < 0.6 * energy:
        return ""
    if np.sort(lows)[-2] > 0.25 * lows[i] or np.sort(highs)[-2] > 0.25 * highs[j]:
        return ""
    return _KEYS[(_LOWS[i], _HIGHS[j])]


def _collapse(keys: list[str], min_frames: int) -> str:
    out: list[str] = []
    run_key, run_len = "", 0
    for key in [*keys, ""]:
        if key == run_key:
            run_len += 1
            continue
        if run_key and run_len >= min_frames:
            out.append(run_key)
        run_key, run_len = key, 1
    return "".join(out)
