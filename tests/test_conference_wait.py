"""A conference `waitUrl`: a TwiML document run for the waiting participant and re-requested,
or audio looped, through the official twilio client and an app in process."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from starlette.responses import Response
from test_flow_support import BASE, VoiceApp, notifications

from simtel.audio import pitch_of, rms, say_duration
from simtel.audio.sources import TWILIO_VOICE_PITCH
from simtel.engine.calls.parties import Party
from simtel.events import EventKind
from simtel.simulator import Simulator
from simtel.testing import simtel_client

FIRST, SECOND, FROM = "+15005550021", "+15005550022", "+15005550001"
HOLD_TEXT = "Please hold while we find an agent"


def room(wait_url: str = "/wait", method: str = "POST") -> str:
    return (
        f'<Response><Dial><Conference waitUrl="{wait_url}" waitMethod="{method}">'
        "support</Conference></Dial></Response>"
    )


def conference(wait: Any, second_at: float | None = 20.0, **room_args: str) -> tuple[Any, ...]:
    sim = Simulator(seed=21, allow_http=False)
    app = VoiceApp(sim)
    app.route("/room", room(**room_args))
    app.route("/wait", wait)
    sim.set_party(FIRST, Party(answer_after=1, hangup_after=None, talk="silent"))
    sim.set_party(SECOND, Party(answer_after=1, hangup_after=15, pitch_hz=400.0))
    twilio = simtel_client(sim)
    first = twilio.calls.create(to=FIRST, from_=FROM, url=BASE + "/room").sid
    second = None
    if second_at is not None:
        sim.advance(second_at)
        second = twilio.calls.create(to=SECOND, from_=FROM, url=BASE + "/room").sid
    sim.advance(60)
    return sim, app, sim.calls[first], second


def wait_requests(sim: Simulator, sid: str) -> list[Any]:
    return [e for e in sim.events.of(sid, EventKind.WEBHOOK) if e.fields["purpose"] == "wait"]


def test_a_wait_document_is_requested_and_its_say_heard_by_the_waiting_participant() -> None:
    doc = f'<Response><Say>{HOLD_TEXT}</Say><Pause length="2"/></Response>'
    sim, app, first, second = conference(doc)
    joined = first.answered_at
    requests = wait_requests(sim, first.sid)
    assert requests and requests[0].fields["method"] == "POST"
    assert all(r.valid for r in app.seen("/wait"))
    assert app.seen("/wait")[0].params["CallSid"] == first.sid
    heard = first.audio.outbound.render(joined + 0.2, joined + say_duration(HOLD_TEXT) - 0.2, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(TWILIO_VOICE_PITCH, rel=0.03)
    # one pass is the Say and 2 s of pause; re-requested as each pass ends, until the start
    period = say_duration(HOLD_TEXT) + 2.0
    started = sim.calls[second].answered_at
    assert started is not None
    assert len(requests) == int((started - joined) // period) + 1
    assert [r.t for r in requests[:2]] == pytest.approx([joined, joined + period])
    # once the conference starts, the wait prompt stops where it is and is not requested again
    segments = first.audio.outbound.segments
    assert all(seg.end <= started + 1e-9 for seg in segments if seg.start < started)
    assert all(r.t <= started for r in requests)
    assert notifications(sim, first.sid) == []


def test_a_wait_document_with_another_verb_is_13238() -> None:
    doc = '<Response><Say>One moment</Say><Gather input="dtmf"/></Response>'
    sim, _app, first, _second = conference(doc, second_at=None)
    notices = notifications(sim, first.sid)
    assert {(n.fields["code"], n.fields["level"]) for n in notices} == {(13238, "error")}
    # the Say took time, so the document is requested again after each pass (and fails again)
    requests = len(wait_requests(sim, first.sid))
    assert len(notices) > 1 and requests - 1 <= len(notices) <= requests  # the last may run


def test_an_empty_wait_document_is_silence_requested_once() -> None:
    sim, _app, first, _second = conference("<Response/>", second_at=None)
    assert len(wait_requests(sim, first.sid)) == 1
    joined = first.answered_at
    assert rms(first.audio.outbound.render(joined, joined + 30, 8000)) == 0.0


def test_wait_audio_loops_without_being_requested_again() -> None:
    t = np.arange(int(1.5 * 8000)) / 8000
    buffer = io.BytesIO()
    sf.write(buffer, 0.4 * np.sin(2 * np.pi * 600.0 * t), 8000, format="WAV")
    audio = buffer.getvalue()
    sim, _app, first, _second = conference(
        lambda _p: Response(audio, media_type="audio/wav"), second_at=None, method="GET"
    )
    requests = wait_requests(sim, first.sid)
    assert [r.fields["method"] for r in requests] == ["GET"]
    joined = first.answered_at
    later = first.audio.outbound.render(joined + 10.1, joined + 11.4, 8000)  # the 7th loop
    assert pitch_of(later, 8000) == pytest.approx(600.0, rel=0.01)
    webhooks = sim.events.of(first.sid, EventKind.WEBHOOK)
    # the wait answer itself was decoded: no second request for its audio
    assert [e for e in webhooks if e.fields["purpose"] == "media"] == []
