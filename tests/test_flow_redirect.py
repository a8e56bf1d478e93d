"""REST redirect of live calls (UpdateCall `Url`/`Twiml`): what is cut, what runs next."""

from __future__ import annotations

import pytest
from test_flow_support import AGENT, BASE, CALLER, NUMBER, VoiceApp, new_sim, say, verbs
from twilio.twiml.voice_response import VoiceResponse

from simtel.audio import say_duration
from simtel.engine.calls.call import Call, CallOptions
from simtel.engine.calls.parties import Party
from simtel.engine.execution.flow import redirect
from simtel.errors import InvalidCallState, TwilioError
from simtel.simulator import Simulator

LONG = " ".join(["please hold"] * 40)
NEXT = "Transferring you now"


def start(sim: Simulator, app: VoiceApp, doc: VoiceResponse | str) -> Call:
    app.route("/start", doc)
    party = Party(hangup_after=None, talk="silent")
    return sim.create_call(CALLER, NUMBER, CallOptions(url=BASE + "/start"), party=party)


def test_redirect_cuts_the_current_verb_and_runs_the_new_document() -> None:
    sim, app = new_sim()
    app.route("/next", say(NEXT))
    call = start(sim, app, say(LONG))
    sim.advance(10)
    redirect(sim, call, url=BASE + "/next", method="GET")
    sim.advance(30)
    fetched = app.only("/next")
    assert fetched["CallSid"] == call.sid and fetched["CallStatus"] == "in-progress"
    assert app.seen("/next")[0].method == "GET"
    first, second = call.audio.outbound.segments
    assert first.end == pytest.approx(10.0)
    assert (second.start, second.end) == pytest.approx((10.0, 10.0 + say_duration(NEXT)))
    assert verbs(sim, call.sid) == ["Say", "Say"]
    assert call.status == "completed" and call.end_time == pytest.approx(second.end)


def test_redirect_with_inline_twiml() -> None:
    sim, app = new_sim()
    call = start(sim, app, say(LONG))
    sim.advance(6)
    redirect(sim, call, url=None, twiml=str(say(NEXT)))
    sim.advance(30)
    assert verbs(sim, call.sid) == ["Say", "Say"]
    assert call.end_time == pytest.approx(6.0 + say_duration(NEXT))


def test_redirect_from_the_apps_own_webhook_handler() -> None:
    sim, app = new_sim()

    def handler(params: dict[str, str]) -> VoiceResponse:
        redirect(sim, sim.calls[params["CallSid"]], url=None, twiml=str(say(NEXT)))
        return say(LONG)

    call = start(sim, app, "<Response/>")
    app.route("/start", handler)
    sim.advance(60)
    assert [e.fields["text"] for e in sim.events.of(call.sid) if "text" in e.fields] == [
        LONG,
        NEXT,
    ]
    assert call.end_time - call.answered_at == pytest.approx(say_duration(NEXT))


def test_redirect_of_a_finished_call_is_21220() -> None:
    sim, app = new_sim()
    call = start(sim, app, say("short"))
    sim.advance(30)
    with pytest.raises(InvalidCallState) as raised:
        redirect(sim, call, url=BASE + "/next")
    assert raised.value.code == 21220


def test_redirect_needs_a_url_or_twiml() -> None:
    sim, app = new_sim()
    call = start(sim, app, say(LONG))
    sim.advance(5)
    with pytest.raises(TwilioError):
        redirect(sim, call, url=None, twiml=None)


def test_redirect_during_record_stops_the_recording_without_the_action() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.record(action="/saved", timeout=0, play_beep=False, trim="do-not-trim")
    app.route("/saved", "<Response/>")
    call = start(sim, app, doc)
    sim.advance(8)
    redirect(sim, call, url=None, twiml=str(say(NEXT)))
    sim.advance(30)
    (recording,) = sim.recorder.recordings.values()
    assert recording.stop_time == pytest.approx(8.0)
    assert app.seen("/saved") == []
    assert verbs(sim, call.sid) == ["Record", "Say"]


def test_redirect_a_bridged_child_takes_it_out_of_the_dial() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed")
    app.route("/dialed", say("The agent transferred you"))
    sim.set_party(AGENT, Party(answer_after=2.0, hangup_after=None))
    call = start(sim, app, doc)
    sim.advance(15)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.in_progress
    redirect(sim, child, url=None, twiml=str(say(NEXT)))
    sim.advance(30)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "completed" and "DialCallDuration" not in action
    assert verbs(sim, child.sid) == ["Say"]
    assert child.status == "completed"
    assert child.end_time == pytest.approx(15.0 + say_duration(NEXT))
    assert child.audio.outbound.segments[-1].end == pytest.approx(child.end_time)


def test_redirect_a_call_without_twiml() -> None:
    sim, _app = new_sim()
    call = sim.create_call(CALLER, NUMBER, party=Party(hangup_after=None))
    sim.advance(10)
    redirect(sim, call, url=None, twiml=str(say(NEXT)))
    sim.advance(30)
    assert verbs(sim, call.sid) == ["Say"]
    assert call.status == "completed" and call.end_time == pytest.approx(10 + say_duration(NEXT))
