"""Conference status callbacks (spec §6.5): which events go out, with which parameters.

Only the **first** participant's `statusCallback`, `statusCallbackEvent` and
`statusCallbackMethod` count (`Conference.settings`). `statusCallbackEvent` names groups
(`start`, `end`, `join`, `leave`, `mute`, `hold`); without any, nothing is sent. Every request
carries `ConferenceSid`, `FriendlyName`, `AccountSid`, `SequenceNumber` (per conference, counting
the callbacks actually sent, from 1), `Timestamp` and `StatusCallbackEvent`; participant events
add the participant's `CallSid`, `Muted`, `Hold`, `Coaching`, `EndConferenceOnExit`,
`StartConferenceOnEnter` (and `ParticipantLabel`, `CallSidToCoach` when set).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simtel.engine.calls.callbacks import Params
from simtel.engine.conferences.room import Conference, Participant
from simtel.webhooks import WebhookRequest

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

#: StatusCallbackEvent value -> the `statusCallbackEvent` group that subscribes to it
EVENT_GROUPS = {
    "conference-start": "start",
    "conference-end": "end",
    "participant-join": "join",
    "participant-leave": "leave",
    "participant-mute": "mute",
    "participant-unmute": "mute",
    "participant-hold": "hold",
    "participant-unhold": "hold",
}

#: ReasonConferenceEnded -> the human-readable `Reason`
REASONS = {
    "conference-ended-via-api": "Conference ended via API",
    "participant-with-end-conference-on-exit-left": (
        "Participant {call_sid} with endConferenceOnExit left the conference"
    ),
    "last-participant-left": "Last participant {call_sid} left the conference",
}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def participant_params(participant: Participant) -> Params:
    options = participant.options
    params: Params = [
        ("CallSid", participant.call.sid),
        ("Muted", _flag(participant.muted)),
        ("Hold", _flag(participant.hold)),
        ("Coaching", _flag(participant.coaching)),
        ("EndConferenceOnExit", _flag(options.end_conference_on_exit)),
        ("StartConferenceOnEnter", _flag(options.start_conference_on_enter)),
    ]
    if options.participant_label:
        params.append(("ParticipantLabel", options.participant_label))
    if participant.call_sid_to_coach:
        params.append(("CallSidToCoach", participant.call_sid_to_coach))
    return params


def end_params(conference: Conference, ending: Participant | None) -> Params:
    reason = conference.reason_conference_ended or ""
    call_sid = conference.call_sid_ending_conference or ""
    params: Params = [("CallSidEndingConference", call_sid)]
    label = ending.options.participant_label if ending is not None else None
    if label:
        params.append(("ParticipantLabelEndingConference", label))
    params += [
        ("ReasonConferenceEnded", reason),
        ("Reason", REASONS.get(reason, reason).format(call_sid=call_sid)),
    ]
    return params


def send_conference_callback(
    sim: EngineContext,
    conference: Conference,
    event: str,
    participant: Participant | None = None,
    extra: Params | None = None,
) -> None:
    """Deliver `event` about `conference` if its first participant subscribed to it."""
    settings = conference.settings
    if settings.status_callback is None:
        return
    if EVENT_GROUPS[event] not in settings.status_callback_event:
        return
    conference.sequence += 1
    params: Params = [
        ("ConferenceSid", conference.sid),
        ("FriendlyName", conference.friendly_name),
        ("AccountSid", conference.account_sid),
        ("SequenceNumber", str(conference.sequence)),
        ("Timestamp", sim.clock.rfc2822(sim.now) or ""),
        ("StatusCallbackEvent", event),
    ]
    if participant is not None:
        params += participant_params(participant)
    params += extra or []
    sim.deliver(
        WebhookRequest(
            url=settings.status_callback,
            method=settings.status_callback_method,
            params=tuple(params),
            purpose="conference-status-callback",
            sid=conference.sid,
        )
    )
