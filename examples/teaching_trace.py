"""What does `<Dial record="record-from-ringing-dual">` do? A trace of one call, and its WAV.

    python examples/teaching_trace.py [--out DIR]

The same flow as `simtel trace examples/dial_record_dual.xml --party ... --callee ...`: a caller
(a 220 Hz voice) dials a number whose TwiML is `dial_record_dual.xml`; the agent (a 400 Hz
voice) answers after 6 s of ringing and hangs up 12 s later. The script prints the timeline
(every status change, verb, webhook and recording step), writes the recording, and then listens
to each channel of the WAV: where the ringback is, and whose voice is on which side.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from simtel.audio import band_level, pitch_of
from simtel.scenario import build
from simtel.scenario.timeline import timeline
from simtel.scenario.trace import parse_party_spec, trace_scenario

TWIML = Path(__file__).resolve().parent / "dial_record_dual.xml"
CALLER = "answer_after=0,hangup_after=never,talk=spurts,pitch_hz=220"
AGENT = "answer_after=6,hangup_after=12,talk=spurts,pitch_hz=400"
RINGBACK_HZ = 480.0  # the upper ringback tone: no harmonic of either voice


def listen(path: Path, ring_seconds: float) -> list[str]:
    """One line per channel: ringback level while ringing, the voice pitch after."""
    samples, rate = sf.read(path, always_2d=True)
    ring = int(ring_seconds * rate)
    lines = []
    for index in range(samples.shape[1]):
        channel = samples[:, index]
        ringback = band_level(channel[:ring], rate, RINGBACK_HZ)
        pitch = pitch_of(channel[ring:], rate)
        lines.append(
            f"channel {index + 1}: ringback level {ringback:.3f} while ringing, "
            f"then a voice at {pitch:.0f} Hz"
            + (" (the caller)" if abs(pitch - 220) < 15 else "")
            + (" (the agent)" if abs(pitch - 400) < 25 else "")
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="where to write the WAV")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="simtel-trace-"))
    scenario = trace_scenario(str(TWIML), parse_party_spec(CALLER), parse_party_spec(AGENT))
    run = build(scenario)
    run.run()
    print(f"trace of {TWIML.name}")
    for t, who, what, _ in timeline(run.sim.events):
        print(f"{t:7.1f}s  {who:<8} {what}")
    written = run.render(out)
    recordings = list(run.sim.recorder.recordings.values())
    run.sim.close()
    if not written:
        print("no recording was completed")
        return 1
    for path, recording in zip(written, recordings, strict=False):
        print(f"\nwrote {path} ({recording.channels} channels, {recording.duration} s)")
        ringing = 6.0 + 1.0  # the post-dial delay, then 6 s of ringing
        for line in listen(path, ringing - 0.5):
            print("  " + line)
    return 0 if np.all([p.is_file() for p in written]) else 1


if __name__ == "__main__":
    sys.exit(main())
