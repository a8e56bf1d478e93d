"""Pure-numpy call audio: sources, timelines, recording windows, rendering and codecs.

Audio is a function, not a buffer: tracks hold *descriptions* of what sounds when; a recording's
metadata comes from `plan` (no samples), its samples from `render` (or `render_blocks`), its bytes
from `codecs` (or, block by block, `wav_file` / `write_wav`).

The names load on first use (PEP 562): a run that renders nothing never imports the codecs
(soundfile), the media streams or the analysis. `render`'s names are imported at once: the
function `render` shares its name with the module `simtel.audio.render`, which a lazy name would
lose to the submodule once imported (and every run plans recordings with it anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

from simtel.audio.render import (
    KeptSpan,
    Pause,
    PauseBehavior,
    RecordingWindow,
    RenderPlan,
    plan,
    render,
    render_blocks,
)

if TYPE_CHECKING:
    from simtel.audio.analysis import SILENCE_RMS, band_level, detect_dtmf, pitch_of, rms
    from simtel.audio.codecs import (
        MIME_TYPES,
        MP3_COMPRESSION_LEVEL,
        MediaFormat,
        downmix,
        encode,
        mp3_bytes,
        requested_channels,
        wav_bytes,
    )
    from simtel.audio.sources import (
        BEEP_DURATION,
        BEEP_HZ,
        DTMF_DURATION,
        DTMF_FREQS,
        PARTY_PITCHES,
        TWILIO_VOICE_PITCH,
        Beep,
        Dtmf,
        Ringback,
        Silence,
        Source,
        Speech,
        Tone,
        Voice,
        WavFile,
        say_duration,
        talk_spurts,
        voice_pitch,
    )
    from simtel.audio.spans import Span, sample_index
    from simtel.audio.timeline import Channel, Mix, Segment, Track
    from simtel.audio.wavstream import wav_file, write_wav

__all__ = [
    "BEEP_DURATION",
    "BEEP_HZ",
    "DTMF_DURATION",
    "DTMF_FREQS",
    "MIME_TYPES",
    "MP3_COMPRESSION_LEVEL",
    "PARTY_PITCHES",
    "SILENCE_RMS",
    "TWILIO_VOICE_PITCH",
    "Beep",
    "Channel",
    "Dtmf",
    "KeptSpan",
    "MediaFormat",
    "Mix",
    "Pause",
    "PauseBehavior",
    "RecordingWindow",
    "RenderPlan",
    "Ringback",
    "Segment",
    "Silence",
    "Source",
    "Span",
    "Speech",
    "Tone",
    "Track",
    "Voice",
    "WavFile",
    "band_level",
    "detect_dtmf",
    "downmix",
    "encode",
    "mp3_bytes",
    "pitch_of",
    "plan",
    "render",
    "render_blocks",
    "requested_channels",
    "rms",
    "sample_index",
    "say_duration",
    "talk_spurts",
    "voice_pitch",
    "wav_bytes",
    "wav_file",
    "write_wav",
]

_MODULES = {
    "analysis": (
        "SILENCE_RMS",
        "band_level",
        "detect_dtmf",
        "pitch_of",
        "rms",
    ),
    "codecs": (
        "MIME_TYPES",
        "MP3_COMPRESSION_LEVEL",
        "MediaFormat",
        "downmix",
        "encode",
        "mp3_bytes",
        "requested_channels",
        "wav_bytes",
    ),
    "sources": (
        "BEEP_DURATION",
        "BEEP_HZ",
        "DTMF_DURATION",
        "DTMF_FREQS",
        "PARTY_PITCHES",
        "TWILIO_VOICE_PITCH",
        "Beep",
        "Dtmf",
        "Ringback",
        "Silence",
        "Source",
        "Speech",
        "Tone",
        "Voice",
        "WavFile",
        "say_duration",
        "talk_spurts",
        "voice_pitch",
    ),
    "spans": (
        "Span",
        "sample_index",
    ),
    "timeline": (
        "Channel",
        "Mix",
        "Segment",
        "Track",
    ),
    "wavstream": (
        "wav_file",
        "write_wav",
    ),
}


__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
