"""How a participant joins: `<Conference>` defaults, CreateParticipant requests, hold audio, and
the recordings a join starts (the conference's own, or a `<Dial record>` of the leg)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simtel.engine.call import Call, CallOptions, RecordingOptions
from simtel.engine.conference_audio import HOLD_MUSIC, Looped
from simtel.engine.legaudio import Source
from simtel.engine.parties import Party
from simtel.engine.recorder import call_layout
from simtel.engine.recording import Recording
from simtel.engine.verbs import Leg, play_source
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.simulator import Simulator


def conference_options(**changes: Any) -> cmd.ConferenceOptions:
    """`<Conference>`'s defaults (§6.5) with `changes` applied."""
    defaults: dict[str, Any] = {
        "muted": False,
        "beep": "true",
        "start_conference_on_enter": True,
        "end_conference_on_exit": False,
        "participant_label": None,
        "wait_url": None,
        "wait_method": "POST",
        "max_participants": 250,
        "record": "do-not-record",
        "trim": "trim-silence",
        "region": None,
        "coach": None,
        "status_callback": None,
        "status_callback_event": (),
        "status_callback_method": "POST",
        "recording_status_callback": None,
        "recording_status_callback_method": "POST",
        "recording_status_callback_event": ("completed",),
    }
    defaults.update(changes)
    return cmd.ConferenceOptions(**defaults)


@dataclass(frozen=True, slots=True)
class ParticipantRequest:
    """CreateParticipant: who to dial (`to`, `from_`, the call's options) and how it joins."""

    to: str
    from_: str
    call: CallOptions
    conference: cmd.ConferenceOptions
    party: Party | None = None


def hold_audio(sim: Simulator, call: Call, options: cmd.ConferenceOptions) -> Source | None:
    """`waitUrl` unset: `HOLD_MUSIC`; `""`: silence; otherwise the audio file it names, looped.
    A TwiML wait document is not run: it is warning 13420 and silence."""
    if options.wait_url is None:
        return HOLD_MUSIC
    if options.wait_url == "":
        return None
    seconds, source = play_source(Leg(sim, call), options.wait_url)
    return Looped(source, seconds) if seconds > 0 else None


def conference_recording_options(settings: cmd.ConferenceOptions) -> RecordingOptions:
    """A conference recording: stored dual-channel, with the asking participant's settings."""
    return RecordingOptions(
        channels="dual",
        track="both",
        trim=settings.trim,
        status_callback=settings.recording_status_callback,
        status_callback_method=settings.recording_status_callback_method,
        status_callback_events=settings.recording_status_callback_event or ("completed",),
    )


def dial_recording(sim: Simulator, call: Call, dial: cmd.Dial) -> Recording | None:
    """`<Dial record>` around `<Conference>`: the participant's own leg (source `DialVerb`)."""
    if dial.record == "do-not-record":
        return None
    dual = dial.record.endswith("-dual") and dial.recording_track == "both"
    options = RecordingOptions(
        channels="dual" if dual else "mono",
        track=dial.recording_track,
        trim=dial.trim,
        status_callback=dial.recording_status_callback,
        status_callback_method=dial.recording_status_callback_method,
        status_callback_events=dial.recording_status_callback_event or ("completed",),
    )
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
