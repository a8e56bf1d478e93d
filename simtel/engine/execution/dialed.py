"""The parts of a `<Dial>` (and of `<Dial><Queue>`, `<Dial><Conference>`) outside its run: the
options of a dialed leg, the recording, the voices across a bridge, and when a bridge is sure to
end before its `timeLimit`."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from simtel.audio.sources import Voice
from simtel.engine.calls.call import Call, CallbackConfig, CallOptions
from simtel.engine.calls.legaudio import shifted
from simtel.engine.execution.verbs import recording_options
from simtel.engine.recordings.recorder import call_layout
from simtel.engine.recordings.recording import Recording
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext


@lru_cache(maxsize=256)
def child_options(
    timeout: float, url: str | None, method: str, events: tuple[str, ...]
) -> CallOptions:
    """A dialed leg's options: ringing `timeout`, its `statusCallback*` (immutable, so the legs
    of one `<Dial>` document share one)."""
    return CallOptions(timeout=timeout, status=CallbackConfig(url, method, events))


def hangs_up_before(call: Call, when: float) -> bool:
    """`call`'s hang-up timer (party or time limit) fires before `when`, ending the call."""
    timer = call.hang_up_timer
    answered = call.answered_at
    if timer is None or timer.call is None or answered is None:
        return False
    due: float = answered + timer.delay
    return due < when


def open_peer(listener: Call, speaker: Call, now: float) -> None:
    """`speaker`'s voice on `listener`'s outbound track from `now` until closed."""
    speech, answered = speaker.speech, speaker.answered_at
    if speech is None or answered is None or not speech.spurts:
        return
    voice = Voice(speech.seed, speech.pitch_hz, speech.spurts)
    listener.audio.open("peer", "outbound", now, shifted(voice, now - answered))


def dial_recording(sim: EngineContext, call: Call, dial: cmd.Dial) -> Recording | None:
    """`<Dial record>`: a recording of `call`'s own leg (source `DialVerb`), dual-channel only
    for `record-*-dual` with `recordingTrack="both"`; None for `do-not-record`."""
    if dial.record == "do-not-record":
        return None
    dual = dial.record.endswith("-dual") and dial.recording_track == "both"
    options = recording_options(dial, "dual" if dual else "mono", dial.recording_track)
    recorder = sim.recorder
    return recorder.start(
        owner=call.sid,
        call_sid=recorder.parent_sid(call),
        conference_sid=None,
        source="DialVerb",
        options=options,
        layout=call_layout(call, options.channels, options.track),
        speakers=(call,),
    )
