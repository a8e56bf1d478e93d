"""Recording status callbacks (spec §7.3): who gets them, with which parameters.

Events are `in-progress` (capture started), `completed` (media available) and `absent`; pause and
resume send nothing. Trunking recordings send none at all, as Twilio documents.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from simtel.engine.recordings.recording import Recording
from simtel.webhooks import WebhookRequest

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

#: Sources whose callbacks carry `RecordingTrack`.
TRACK_SOURCES = frozenset({"OutboundAPI", "StartCallRecordingAPI"})


def recording_url(sim: EngineContext, sid: str, account_sid: str | None = None) -> str:
    """The extension-less media URL Twilio hands out (`RecordingUrl`, `media_url`), under the
    recording's account (`account_sid`, else the live recording's, else the main account)."""
    if account_sid is None:
        live = sim.recorder.recordings.get(sid)
        account_sid = live.account_sid if live is not None else sim.account.sid
    return f"{sim.public_url}/2010-04-01/Accounts/{account_sid}/Recordings/{sid}"


def recording_callback_params(
    sim: EngineContext, recording: Recording, event: str
) -> list[tuple[str, str]]:
    params = [("AccountSid", recording.account_sid)]
    if recording.conference_sid is not None:
        params.append(("ConferenceSid", recording.conference_sid))
    elif recording.call_sid is not None:
        params.append(("CallSid", recording.call_sid))
    params += [
        ("RecordingSid", recording.sid),
        ("RecordingUrl", recording_url(sim, recording.sid, recording.account_sid)),
        ("RecordingStatus", event),
        ("RecordingChannels", str(recording.channels)),
        ("RecordingSource", recording.source),
        ("RecordingStartTime", sim.clock.rfc2822(recording.start_time) or ""),
    ]
    # the seed: RecordingDuration is "provided only when RecordingStatus is completed"
    if recording.duration is not None and event == "completed":
        params.append(("RecordingDuration", str(recording.duration)))
    if recording.source in TRACK_SOURCES:
        params.append(("RecordingTrack", recording.track))
    if recording.encryption_details is not None:
        details = json.dumps(recording.encryption_details, sort_keys=True, separators=(",", ":"))
        params.append(("EncryptionDetails", details))
    params.append(("ErrorCode", str(recording.error_code or 0)))
    return params


def send_recording_callback(sim: EngineContext, recording: Recording, event: str) -> None:
    """Deliver `event` for `recording` if its options subscribe to it."""
    options = recording.options
    if not recording.callbacks or recording.source == "Trunking":
        return
    if options.status_callback is None or event not in options.status_callback_events:
        return
    sim.deliver(
        WebhookRequest(
            url=options.status_callback,
            method=options.status_callback_method,
            params=tuple(recording_callback_params(sim, recording, event)),
            purpose="recording-status-callback",
            sid=recording.conference_sid or recording.call_sid or recording.sid,
        )
    )
