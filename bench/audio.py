"""Audio: rendering a recording, synthesising a voice, encoding MP3, each against a floor.

* render: one hour of a dual-channel recording (two voices in talk spurts, a skip pause, a
  silence pause, trim-silence) written as a WAV file block by block (`simtel.audio.write_wav`),
  against copying the same number of bytes in memory plus writing a WAV of silence of the same
  shape, in alternating rounds.
* render memory: a 4-hour dual recording made into WAV bytes (`simtel.audio.wav_file`), and into
  MP3 bytes block by block (`simtel.audio.mediastream`), each in a child interpreter: the
  growth of peak RSS against the file's size.
* synthesis: one party's voice for the same hour, as a real-time factor (audio seconds per wall
  second), against a plain numpy sine of the same length.
* MP3: `simtel.audio.mp3_bytes` (libsndfile's LAME, from float32) against LAME called directly
  (`lameenc`, the LAME 3.100 library) on the same samples as 16-bit PCM, at the same bit rate,
  channels and LAME quality (2, what libsndfile sets). No target: simtel encodes through
  soundfile so that its MP3 bytes stay what they are; the row says what that costs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time
from typing import Any

import numpy as np
import soundfile as sf

from bench.common import Row, alternate, best_time, peak_rss_mb, run_child
from simtel.audio import (
    Pause,
    RecordingWindow,
    Track,
    Voice,
    mp3_bytes,
    plan,
    render,
    talk_spurts,
    wav_file,
    write_wav,
)
from simtel.audio.mediastream import media_bytes, stored_blocks

RATE = 8000
#: a recording's WAV must be written at least this fraction as fast as memcpy + a silent WAV
TARGET_RENDER = 0.33
#: peak memory of rendering WAV bytes, as a multiple of the file's size
TARGET_RENDER_MEMORY = 1.25
#: peak memory of encoding MP3 bytes, as a multiple of the file's size (the bound is the file
#: plus 16 MiB, tests/test_audio_mediastream.py; a 4-hour dual MP3 is 55 MiB)
TARGET_MP3_MEMORY = 1.3
#: the real-time factor a party's voice must be synthesised at
TARGET_RTF = 10_000.0
#: LAME's bit rate (kbps) and quality as libsndfile sets them for simtel's MP3 (`codecs.py`)
MP3_KBPS = 32
LAME_QUALITY = 2


def voice(seed: int, pitch_hz: float, seconds: float, start: float = 0.5) -> Voice:
    spurts = talk_spurts(np.random.default_rng(seed), seconds, start=start)
    return Voice(seed, pitch_hz, spurts)


def window(seconds: float) -> RecordingWindow:
    """A dual recording of two talking parties, with pauses, trimmed."""
    caller, agent = Track("caller"), Track("agent")
    caller.add(0.0, seconds, voice(11, 120.0, seconds, start=2.0))
    agent.add(0.0, seconds, voice(12, 180.0, seconds, start=3.0))
    pauses = (
        Pause(seconds * 0.25, seconds * 0.25 + 60.0, "skip"),
        Pause(seconds * 0.5, seconds * 0.5 + 30.0, "silence"),
    )
    return RecordingWindow(0.0, seconds, (caller, agent), pauses=pauses, trim=True)


def render_row(seconds: float, folder: str, rounds: int = 3) -> Row:
    recording = window(seconds)
    path = os.path.join(folder, "recording.wav")
    layout = plan(recording, RATE)

    def simtel() -> dict[str, Any]:
        started = time.perf_counter()
        with open(path, "wb") as handle:
            write_wav(recording, handle, RATE)
        return {"seconds": time.perf_counter() - started}

    size = 44 + layout.samples * layout.channels * 2
    source = np.ones(size, dtype=np.uint8)
    silence = np.zeros((layout.samples, layout.channels), dtype=np.int16)

    def floor() -> dict[str, Any]:
        started = time.perf_counter()
        source.copy()
        sf.write(os.path.join(folder, "silence.wav"), silence, RATE, subtype="PCM_16")
        return {"seconds": time.perf_counter() - started}

    simtel_runs, floor_runs = alternate(simtel, floor, rounds)
    return Row(
        f"render {seconds / 60:g} min dual + trim + pauses -> WAV",
        simtel=layout.duration / simtel_runs.best("seconds"),
        baseline=layout.duration / floor_runs.best("seconds"),
        unit="x real time",
        target=TARGET_RENDER,
        median_ratio=floor_runs.median("seconds") / simtel_runs.median("seconds"),
        notes=(
            f"{layout.duration:.0f} s kept, {size / 1e6:.1f} MB, written in blocks "
            f"(simtel.audio.write_wav); floor = memcpy + silent WAV; simtel "
            f"{simtel_runs.spread('seconds')}, floor {floor_runs.spread('seconds')}"
        ),
        extra={
            "simtel_seconds": simtel_runs.figures("seconds"),
            "floor_seconds": floor_runs.figures("seconds"),
        },
    )


def render_memory_row(seconds: float, fmt: str = "wav") -> Row:
    """Peak memory of making the WAV (`wav_file`) or MP3 (`media_bytes`) bytes of a
    `seconds`-long dual recording, in a child interpreter, against the size of the file."""
    child = run_child("bench.audio", ["--peak", f"{seconds:g}", "--format", fmt])
    how = "simtel.audio.wav_file" if fmt == "wav" else "simtel.audio.mediastream.media_bytes"
    return Row(
        f"render {seconds / 3600:g} h dual -> {fmt.upper()} bytes: peak memory",
        simtel=child["peak_mb"] - child["base_mb"],
        baseline=child["output_mb"],
        unit="MB",
        target=TARGET_RENDER_MEMORY if fmt == "wav" else TARGET_MP3_MEMORY,
        goal="max",
        notes=(
            f"{how} in blocks; growth of peak RSS over the RSS before rendering "
            f"({child['base_mb']:.0f} MB: the window and libraries) against the file's size"
        ),
        extra=child,
    )


def synthesis_row(seconds: float) -> Row:
    party = voice(21, 150.0, seconds)
    frames = round(seconds * RATE)

    def simtel() -> None:
        out = np.zeros(frames, dtype=np.float32)
        party.add_into(out, 0.0, RATE)

    def floor() -> None:
        phase = np.arange(frames, dtype=np.float32) * np.float32(2 * np.pi * 150.0 / RATE)
        np.sin(phase, out=phase)

    simtel_s, floor_s = best_time(simtel, 3), best_time(floor, 3)
    return Row(
        "voice synthesis (one party)",
        simtel=seconds / simtel_s,
        baseline=seconds / floor_s,
        unit="x real time",
        target=TARGET_RTF,
        absolute=True,
        notes="floor = numpy float32 sine of the same length",
        extra={"simtel_seconds": simtel_s, "floor_seconds": floor_s},
    )


def mp3_row(seconds: float) -> Row:
    import lameenc

    samples = render(window(seconds), RATE)

    def lame_direct() -> bytes:
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(MP3_KBPS)
        encoder.set_in_sample_rate(RATE)
        encoder.set_channels(samples.shape[1])
        encoder.set_quality(LAME_QUALITY)
        pcm = np.rint(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
        return bytes(encoder.encode(pcm.tobytes())) + bytes(encoder.flush())

    simtel_bytes, lame_bytes = len(mp3_bytes(samples, RATE)), len(lame_direct())
    simtel_s = best_time(lambda: mp3_bytes(samples, RATE), 3)
    floor_s = best_time(lame_direct, 3)
    return Row(
        f"MP3 encode {seconds / 60:g} min dual",
        simtel=seconds / simtel_s,
        baseline=seconds / floor_s,
        unit="x real time",
        target=None,
        notes=(
            f"baseline = LAME called directly (lameenc, {MP3_KBPS} kbps CBR, quality "
            f"{LAME_QUALITY}) from int16; {simtel_bytes:,} and {lame_bytes:,} bytes"
        ),
        extra={"simtel_seconds": simtel_s, "lame_seconds": floor_s},
    )


def audio_rows(render_seconds: float, mp3_seconds: float, memory_seconds: float = 0.0) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="simtel-bench-audio-") as folder:
        rows = [render_row(render_seconds, folder)]
    if memory_seconds:
        rows.append(render_memory_row(memory_seconds))
        rows.append(render_memory_row(memory_seconds, "mp3"))
    rows.append(synthesis_row(render_seconds))
    if importlib.util.find_spec("lameenc") is not None:
        rows.append(mp3_row(mp3_seconds))
    return rows


def peak(seconds: float, fmt: str = "wav") -> dict[str, float]:
    """Make `window(seconds)`'s WAV or MP3 bytes in this process: RSS before, peak RSS, size."""
    recording = window(seconds)
    plan(recording, RATE)
    base = _rss_mb()
    if fmt == "wav":
        data = wav_file(recording, RATE)
    else:
        data = media_bytes(stored_blocks(recording, RATE), "mp3", None, RATE)
    return {"base_mb": base, "peak_mb": peak_rss_mb(), "output_mb": len(data) / 2**20}


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description="the render memory child of bench.audio")
    parser.add_argument("--peak", type=float, required=True, help="seconds of dual recording")
    parser.add_argument("--format", choices=("wav", "mp3"), default="wav")
    options = parser.parse_args()
    print(json.dumps(peak(options.peak, options.format)))


if __name__ == "__main__":
    main()
