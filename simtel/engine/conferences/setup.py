"""How a participant joins: `<Conference>` defaults, CreateParticipant requests, hold audio, and
the options of the conference's own recording (a `<Dial record>` of the leg is
`simtel.engine.execution.dialed.dial_recording`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simtel.engine.calls.call import Call, CallOptions, RecordingOptions
from simtel.engine.calls.legaudio import Source
from simtel.engine.calls.parties import Party
from simtel.engine.conferences.audio import HOLD_MUSIC
from simtel.engine.conferences.wait import WaitPlayer
from simtel.engine.execution.verbs import recording_options
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext


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


def hold_audio(sim: EngineContext, call: Call, options: cmd.ConferenceOptions) -> Source | None:
    """`waitUrl` unset: `HOLD_MUSIC`; `""` or a URL: None (silence, or `hold_player`'s)."""
    return HOLD_MUSIC if options.wait_url is None else None


def hold_player(
    sim: EngineContext, call: Call, options: cmd.ConferenceOptions
) -> WaitPlayer | None:
    """A `WaitPlayer` for a `waitUrl` (its TwiML run, its audio looped); None otherwise."""
    if not options.wait_url:
        return None
    return WaitPlayer(sim, call, options.wait_url, options.wait_method)


def conference_recording_options(settings: cmd.ConferenceOptions) -> RecordingOptions:
    """A conference recording: stored dual-channel, with the asking participant's settings."""
    return recording_options(settings, "dual", "both")
