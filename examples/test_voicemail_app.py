"""Testing the voicemail app with pytest, simtel standing in for Twilio, all in process.

The simtel pytest plugin (installed with simtel) provides the fixtures:
`simtel_sim` (a fresh simulation), `simtel_twilio` (the official twilio client, answered by it)
and `simtel_app` (mounts an ASGI app so simtel's webhooks reach it). Run: `pytest examples/`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import soundfile as sf
from voicemail_app import Mailbox, create_app

from simtel import Party, Simulator, Utterance

SUPPORT_LINE = "+15550001000"
CALLER = "+15557654321"


def leave_message(sim: Simulator, twilio: Any, mount: Any, caller: Party) -> Mailbox:
    mailbox = Mailbox()
    base = mount(create_app(mailbox))
    twilio.incoming_phone_numbers.create(phone_number=SUPPORT_LINE, voice_url=f"{base}/voice")
    sim.place_inbound_call(CALLER, SUPPORT_LINE, party=caller)
    sim.advance(120)
    return mailbox


def test_a_message_is_recorded_and_its_media_decodes(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_app: Any
) -> None:
    # the caller listens to the greeting, talks for 5 s, then waits in silence
    caller = Party(talk="script", script=(Utterance(8.0, "hi it is ana call me back", 5.0),))
    mailbox = leave_message(simtel_sim, simtel_twilio, simtel_app, caller)

    [message] = mailbox.messages.values()
    assert message.callbacks == ["in-progress", "completed"]
    recording = simtel_twilio.recordings(message.recording_sid).fetch()
    assert recording.status == "completed"
    assert recording.source == "RecordVerb"
    assert recording.call_sid == message.call_sid
    assert recording.duration == "5"  # trim-silence keeps the 5 s the caller talked
    assert message.duration == 5

    media = simtel_twilio.http_client.request("GET", f"{message.url}.wav")
    assert media.status_code == 200
    samples, rate = sf.read(io.BytesIO(media.body))
    assert samples.ndim == 1  # <Record> is mono
    assert abs(len(samples) / rate - 5.0) < 0.5
    assert np.sqrt(np.mean(samples**2)) > 0.01  # the caller's voice is in it


def test_a_silent_caller_leaves_no_message(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_app: Any
) -> None:
    mailbox = leave_message(simtel_sim, simtel_twilio, simtel_app, Party(talk="silent"))

    [message] = mailbox.messages.values()
    assert message.callbacks == ["in-progress", "absent"]
    assert simtel_twilio.recordings(message.recording_sid).fetch().status == "absent"
