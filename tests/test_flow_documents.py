"""Fetching documents: standard params, fallback with ErrorCode/ErrorUrl, `<Redirect>` loops,
answering and rejecting inbound calls, application errors."""

from __future__ import annotations

import pytest
from starlette.responses import PlainTextResponse
from test_flow_support import (
    BASE,
    CALLER,
    NUMBER,
    inbound_number,
    new_sim,
    notifications,
    say,
    verbs,
)
from twilio.twiml.voice_response import VoiceResponse

from simtel.audio import pitch_of, say_duration
from simtel.engine.calls.call import CallOptions
from simtel.engine.calls.parties import Party
from simtel.events import EventKind
from twiml import APPLICATION_ERROR, MAX_IDLE_DOCUMENTS


def test_voice_request_carries_the_standard_parameters() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    app.route("/voice", say("Hello"))
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    params = app.only("/voice")
    token = params.pop("CallToken")  # inbound calls carry one (digest §7.1)
    assert len(token) >= 32 and token.isascii()
    located = {
        f"{who}{part}": "US" if part == "Country" else ""  # +1555: no place listed
        for who in ("Called", "Caller", "From", "To")
        for part in ("City", "Country", "State", "Zip")
    }
    assert params == {
        "AccountSid": sim.account.sid,
        "ApiVersion": "2010-04-01",
        "CallSid": call.sid,
        "CallStatus": "ringing",
        "Called": NUMBER,
        "Caller": CALLER,
        "Direction": "inbound",
        "From": CALLER,
        "To": NUMBER,
        **located,
    }
    assert call.status == "completed"
    assert call.duration == round(say_duration("Hello"))


def test_a_500_falls_back_with_error_code_and_url() -> None:
    sim, app = new_sim()
    inbound_number(sim, voice_fallback_url=BASE + "/fallback")
    app.route("/voice", lambda _p: PlainTextResponse("boom", status_code=500))
    app.route("/fallback", say("Our systems are busy. Please call later."))
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    fallback = app.only("/fallback")
    assert fallback["ErrorCode"] == "11200"
    assert fallback["ErrorUrl"] == BASE + "/voice"
    assert fallback["CallSid"] == call.sid
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["code"] == 11200 and notice.fields["level"] == "error"
    assert verbs(sim, call.sid) == ["Say"]
    assert call.status == "completed"


def test_without_fallback_the_caller_hears_the_application_error() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    app.route("/voice", lambda _p: PlainTextResponse("boom", status_code=500))
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    (say_event,) = sim.events.of(call.sid, EventKind.TWIML_VERB)
    assert say_event.fields["text"] == APPLICATION_ERROR
    heard = call.audio.outbound.render(0.0, 2.0, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(190.0, rel=0.03)
    assert call.status == "completed"
    assert call.end_time == pytest.approx(say_duration(APPLICATION_ERROR))


def test_redirect_loop_is_stopped_by_the_document_limit() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    loop = VoiceResponse()
    loop.redirect("/voice")
    app.route("/voice", loop)
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    assert len(app.seen("/voice")) == MAX_IDLE_DOCUMENTS
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["code"] == 14106
    assert call.status == "completed"


def test_pause_first_delays_the_answer() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.pause(length=3)
    doc.say("Thanks for waiting")
    app.route("/voice", doc)
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    assert call.answered_at == pytest.approx(3.0)
    assert verbs(sim, call.sid) == ["Pause", "Say"]


@pytest.mark.parametrize(("reason", "status"), [("busy", "busy"), ("rejected", "no-answer")])
def test_reject_leaves_the_call_unanswered(reason: str, status: str) -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.reject(reason=reason)
    app.route("/voice", doc)
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    assert call.status == status and call.answered_at is None and call.price is None
    assert verbs(sim, call.sid) == ["Reject"]


def test_hangup_first_still_answers_the_call() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.hangup()
    app.route("/voice", doc)
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(30)
    assert call.status == "completed" and call.answered_at == 0.0


def test_caller_hangup_during_say_ends_the_flow() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.say("word " * 100)
    doc.say("never reached")
    app.route("/voice", doc)
    call = sim.place_inbound_call(CALLER, NUMBER, party=Party(hangup_after=4.0))
    sim.advance(60)
    assert verbs(sim, call.sid) == ["Say"]
    assert call.end_time == pytest.approx(4.0)
    (segment,) = call.audio.outbound.segments
    assert segment.end == pytest.approx(4.0)  # the prompt is cut where the caller left


def test_inline_twiml_on_an_outbound_api_call() -> None:
    sim, _app = new_sim()
    call = sim.create_call(CALLER, NUMBER, options=CallOptions(twiml=str(say("Hi there"))))
    sim.advance(30)
    assert verbs(sim, call.sid) == ["Say"]
    assert call.duration == round(say_duration("Hi there"))


def test_invalid_verb_attribute_is_a_notification_with_its_line() -> None:
    sim, _app = new_sim()
    twiml = '<Response>\n<Say loop="banana">Hi</Say>\n</Response>'
    call = sim.create_call(CALLER, NUMBER, options=CallOptions(twiml=twiml))
    sim.advance(30)
    (notice,) = notifications(sim, call.sid)
    assert notice.fields["level"] == "warning" and notice.fields["line"] == 2


def test_every_call_running_the_same_document_reports_its_notices() -> None:
    sim, _app = new_sim()
    twiml = '<Response>\n<Say loop="banana">Hi</Say>\n</Response>'
    calls = [sim.create_call(CALLER, NUMBER, options=CallOptions(twiml=twiml)) for _ in range(3)]
    sim.advance(30)
    for call in calls:
        (notice,) = notifications(sim, call.sid)
        assert (notice.fields["code"], notice.fields["line"]) == (13510, 2)
        assert verbs(sim, call.sid) == ["Say"]
