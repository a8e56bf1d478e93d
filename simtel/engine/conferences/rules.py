"""What a conference refuses, and when it is ending (`lifecycle.Conferences` applies them).

A refusal is reported by `<Dial><Conference>` as a notification and a failed `DialResult`, and
by CreateParticipant as HTTP 400, with the same Twilio codes.
"""

from __future__ import annotations

from simtel.engine.conferences.room import Conference
from simtel.errors import TwilioError
from twiml import commands as cmd

LABEL_IN_USE = 16025
CONFERENCE_FULL = 16020
INVALID_COACH = 13240
CONFERENCE_GONE = 16022
ENTER_BEEPS = ("true", "onEnter")
EXIT_BEEPS = ("true", "onExit")


def refusal_of(conference: Conference | None, options: cmd.ConferenceOptions) -> TwilioError | None:
    """Why a participant with `options` may not join `conference` (None: a new one), if it may
    not: a `participantLabel` in use (16025), a full conference (16020, against the first
    participant's `maxParticipants`), a `coach` not present (13240)."""
    present = conference.present if conference is not None else []
    label = options.participant_label
    if label and any(p.options.participant_label == label for p in present):
        message = f"Dial->Conference: Participant label {label!r} is in use by another participant"
        return TwilioError(LABEL_IN_USE, 400, message)
    if conference is not None and len(present) >= conference.settings.max_participants:
        return TwilioError(CONFERENCE_FULL, 400, "Conference is full")
    if options.coach is not None and options.coach not in {p.sid for p in present}:
        message = f"Invalid Whisper (coach) SID: {options.coach} is not in the conference"
        return TwilioError(INVALID_COACH, 400, message)
    return None


def conference_ending(conference: Conference) -> bool:
    """The conference is being ended: its participants are leaving because of it."""
    return conference.reason_conference_ended is not None
