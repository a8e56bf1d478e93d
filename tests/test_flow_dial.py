"""`<Dial>`: a `<Gather>` menu into a dual-channel recorded dial, whisper, busy, no-answer,
parallel and sequential dialing, hangupOnStar, and the parent hanging up."""

from __future__ import annotations

import pytest
from test_flow_support import (
    AGENT,
    BASE,
    CALLER,
    NUMBER,
    VoiceApp,
    between,
    inbound_number,
    new_sim,
    notifications,
    samples,
    verbs,
)
from twilio.twiml.voice_response import Dial, VoiceResponse

from simtel.audio import Ringback, band_level, pitch_of, say_duration
from simtel.engine.calls.call import Call, CallOptions
from simtel.engine.calls.parties import Party, Press
from simtel.engine.recordings.callbacks import recording_url
from simtel.simulator import Simulator

SECOND_AGENT = "+15550300004"
CALLER_PITCH = 165.0
AGENT_PITCH = 400.0
CHILD_EVENTS = "initiated ringing answered completed"


def menu() -> VoiceResponse:
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action="/menu", timeout=5)
    gather.say("For sales press one. For support press two.")
    response.say("We did not get your choice. Goodbye.")
    return response


def dial_agent(params: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    if params.get("Digits") != "1":
        response.hangup()
        return response
    dial = Dial(
        record="record-from-ringing-dual", action="/dialed", recording_status_callback="/rec"
    )
    dial.number(AGENT, status_callback="/child", status_callback_event=CHILD_EVENTS)
    response.append(dial)
    return response


def after_dial() -> VoiceResponse:
    response = VoiceResponse()
    response.say("The agent has left the call. Goodbye.")
    return response


def setup(agent: Party, caller: Party | None = None) -> tuple[Simulator, VoiceApp, Call]:
    sim, app = new_sim()
    inbound_number(sim)
    app.route("/voice", menu())
    app.route("/menu", dial_agent)
    app.route("/dialed", after_dial())
    for path in ("/rec", "/child"):
        app.route(path, "")
    sim.set_party(AGENT, agent)
    caller = caller or Party(pitch_hz=CALLER_PITCH, hangup_after=60.0, presses=(Press(2.0, "1"),))
    call = sim.place_inbound_call(CALLER, NUMBER, party=caller)
    return sim, app, call


def start(sim: Simulator, app: VoiceApp, doc: VoiceResponse, party: Party | None = None) -> Call:
    """An outbound-api call from NUMBER to CALLER running `doc` (served at /start)."""
    app.route("/start", doc)
    options = CallOptions(url=BASE + "/start")
    return sim.create_call(CALLER, NUMBER, options=options, party=party)


def agent(**fields: object) -> Party:
    base: dict[str, object] = {"pitch_hz": AGENT_PITCH, "answer_after": 4.0, "hangup_after": 10.0}
    base.update(fields)
    return Party(**base)  # type: ignore[arg-type]


def test_menu_into_a_dual_channel_dial_recorded_from_ringing() -> None:
    sim, app, call = setup(agent())
    sim.advance(40)
    menu_params = app.only("/menu")
    assert menu_params["Digits"] == "1" and menu_params["FinishedOnKey"] == ""
    assert verbs(sim, call.sid) == ["Gather", "Dial", "Say"]
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.direction == "outbound-dial" and child.from_ == CALLER and child.to == AGENT
    assert child.answered_at == pytest.approx(7.0)  # dialed at 2.0, ringing at 3.0, +4 s
    assert child.status == "completed" and child.duration == 10
    action = app.only("/dialed")
    (recording,) = sim.recorder.recordings.values()
    assert action["DialCallStatus"] == "completed"
    assert action["DialCallSid"] == child.sid
    assert action["DialCallDuration"] == "10"
    assert action["DialBridged"] == "true"
    assert action["RecordingUrl"] == recording_url(sim, recording.sid)
    assert action["CallStatus"] == "in-progress"
    assert recording.source == "DialVerb" and recording.channels == 2
    assert recording.call_sid == call.sid
    assert (recording.start_time, recording.stop_time) == pytest.approx((2.0, 17.0))
    callback = app.only("/rec")
    assert callback["RecordingSource"] == "DialVerb" and callback["CallSid"] == call.sid
    assert callback["RecordingChannels"] == "2"
    audio = samples(sim, recording)
    parent_channel, child_channel = audio[:, 0], audio[:, 1]
    # channel 1: the caller all along; channel 2: ringback while ringing, then the agent
    assert pitch_of(between(parent_channel, 1.0, 14.0), 8000) == pytest.approx(
        CALLER_PITCH, rel=0.03
    )
    ringback = between(child_channel, 0.0, 2.0)
    assert band_level(ringback, 8000, 440.0) + band_level(ringback, 8000, 480.0) > 0.8
    assert pitch_of(between(child_channel, 5.5, 14.5), 8000) == pytest.approx(AGENT_PITCH, rel=0.03)
    assert band_level(between(child_channel, 5.5, 14.5), 8000, 440.0) < 0.01
    assert pitch_of(between(child_channel, 2.0, 4.8), 8000) == 0.0  # ringback cadence off
    statuses = [r.params["CallStatus"] for r in app.seen("/child")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    assert all(r.params["ParentCallSid"] == call.sid for r in app.seen("/child"))
    child_done = app.seen("/child")[-1].params
    assert child_done["RecordingSid"] == recording.sid
    assert child_done["RecordingUrl"] == recording_url(sim, recording.sid)
    assert child_done["RecordingDuration"] == "15"


def test_the_agent_hears_the_caller_while_bridged() -> None:
    sim, _app, call = setup(agent())
    sim.advance(40)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    heard = child.audio.outbound.render(8.0, 16.5, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(CALLER_PITCH, rel=0.03)
    assert child.audio.outbound.voiced(0.0, 7.0) == []


def test_whisper_runs_on_the_agent_before_the_bridge() -> None:
    sim, app = new_sim()
    whisper_text = "Call from the website"
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.number(AGENT, url="/whisper")
    doc.append(dial)
    whisper = VoiceResponse()
    whisper.say(whisper_text)
    app.route("/dialed", "<Response/>")
    app.route("/whisper", whisper)
    sim.set_party(AGENT, agent(answer_after=2.0, hangup_after=12.0))
    call = start(sim, app, doc)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    fetched = app.only("/whisper")
    assert fetched["CallSid"] == child.sid and fetched["ParentCallSid"] == call.sid
    assert fetched["Direction"] == "outbound-dial"
    assert verbs(sim, child.sid) == ["Say"]
    answered, bridged = child.answered_at, child.answered_at + say_duration(whisper_text)
    told = child.audio.outbound.render(answered, bridged, 8000)
    assert pitch_of(told, 8000) == pytest.approx(190.0, rel=0.03)
    # the caller hears ringback until the whisper is over, never the whisper itself
    (ringback,) = [g for g in call.audio.outbound.segments if isinstance(g.source, Ringback)]
    assert (ringback.start, ringback.end) == pytest.approx((call.answered_at, bridged))
    parent_heard = call.audio.outbound.render(answered, bridged, 8000)
    assert band_level(parent_heard, 8000, 190.0) < 0.01
    assert app.only("/dialed")["DialBridged"] == "true"


def test_whisper_hangup_refuses_the_call() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.number(AGENT, url="/whisper")
    doc.append(dial)
    refuse = VoiceResponse()
    refuse.hangup()
    app.route("/dialed", "<Response/>")
    app.route("/whisper", refuse)
    sim.set_party(AGENT, agent())
    call = start(sim, app, doc)
    sim.advance(60)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "completed" and action["DialBridged"] == "false"
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.status == "completed" and child.end_time == child.answered_at


@pytest.mark.parametrize(
    ("party", "status", "ended"),
    [
        (Party(outcome="busy"), "busy", 3.0),
        (Party(outcome="no-answer"), "no-answer", 16.0),  # 1 s to ring, 10 s + Twilio's 5 s
        (Party(outcome="fail"), "failed", 0.0),
    ],
)
def test_unanswered_dial_reports_the_child_status(party: Party, status: str, ended: float) -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed", timeout=10)
    app.route("/dialed", "<Response><Say>Sorry</Say></Response>")
    sim.set_party(AGENT, party)
    call = start(sim, app, doc)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    action = app.only("/dialed")
    assert action["DialCallStatus"] == status and action["DialCallSid"] == child.sid
    assert action["DialBridged"] == "false"
    assert "DialCallDuration" not in action and "RecordingUrl" not in action
    assert child.end_time - child.date_created == pytest.approx(ended)
    assert verbs(sim, call.sid) == ["Dial", "Say"]


def test_dial_timeout_has_twilios_five_second_buffer() -> None:
    """DOC-DIAL: "a timeout value of 10 seconds could result in an actual timeout closer to 15
    seconds": a callee answering 13 s into ringing is bridged; one at 15 s is not."""
    results = {}
    for answer_after in (13.0, 15.0):
        sim, app = new_sim()
        doc = VoiceResponse()
        doc.dial(AGENT, action="/dialed", timeout=10)
        app.route("/dialed", "<Response/>")
        sim.set_party(AGENT, agent(answer_after=answer_after, hangup_after=5.0))
        call = start(sim, app, doc)
        sim.advance(60)
        (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
        results[answer_after] = (app.only("/dialed")["DialCallStatus"], child.status)
        assert child.end_time is not None
        rang = child.end_time - child.date_created - 1.0  # ringing starts 1 s after dialing
        if child.answered_at is None:
            assert rang == pytest.approx(15.0)
    assert results == {13.0: ("completed", "completed"), 15.0: ("no-answer", "no-answer")}


def test_parallel_dial_bridges_the_first_to_answer_and_cancels_the_rest() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.number(AGENT)
    dial.number(SECOND_AGENT)
    doc.append(dial)
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, agent(answer_after=6.0))
    sim.set_party(SECOND_AGENT, agent(answer_after=2.0, pitch_hz=520.0))
    call = start(sim, app, doc)
    sim.advance(60)
    first, second = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert first.status == "canceled" and second.status == "completed"
    assert app.only("/dialed")["DialCallSid"] == second.sid


def test_sequential_dial_tries_the_next_number_after_a_busy_one() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed", sequential=True)
    dial.number(AGENT)
    dial.number(SECOND_AGENT)
    doc.append(dial)
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, Party(outcome="busy"))
    sim.set_party(SECOND_AGENT, agent(answer_after=2.0))
    call = start(sim, app, doc)
    sim.advance(60)
    first, second = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert first.status == "busy" and second.status == "completed"
    assert second.date_created == pytest.approx(first.end_time)
    action = app.only("/dialed")
    assert action["DialCallSid"] == second.sid and action["DialCallStatus"] == "completed"


def test_hangup_on_star_ends_the_bridge_and_the_caller_goes_on() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed", hangup_on_star=True)
    app.route("/dialed", "<Response><Say>Back with us</Say></Response>")
    sim.set_party(AGENT, agent(answer_after=2.0, hangup_after=None))
    caller = Party(pitch_hz=CALLER_PITCH, hangup_after=40.0, presses=(Press(8.0, "5*"),))
    call = start(sim, app, doc, caller)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    star_at = call.answered_at + 8.3
    assert child.status == "completed" and child.end_time == pytest.approx(star_at)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "completed" and action["DialBridged"] == "true"
    assert verbs(sim, call.sid) == ["Dial", "Say"]
    assert call.status == "completed"


def test_time_limit_ends_the_bridge() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed", time_limit=5)
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, agent(answer_after=2.0, hangup_after=None))
    call = start(sim, app, doc)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.duration == 5
    assert app.only("/dialed")["DialCallDuration"] == "5"


def test_caller_hangup_while_ringing_cancels_the_child() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed")
    app.route("/dialed", "<Response><Say>never said</Say></Response>")
    sim.set_party(AGENT, agent(answer_after=20.0))
    caller = Party(hangup_after=5.0)
    call = start(sim, app, doc, caller)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.status == "canceled" and child.end_time == pytest.approx(call.end_time)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "canceled" and action["CallStatus"] == "completed"
    assert verbs(sim, call.sid) == ["Dial"]


def test_caller_hangup_while_bridged_hangs_up_the_child() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    doc.dial(AGENT, action="/dialed")
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, agent(answer_after=2.0, hangup_after=None))
    call = start(sim, app, doc, Party(hangup_after=9.0))
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert child.status == "completed" and child.end_time == pytest.approx(call.end_time)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "completed" and action["CallStatus"] == "completed"


def test_conference_without_a_conference_engine_is_refused_out_loud() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.conference("room")
    doc.append(dial)
    app.route("/dialed", "<Response/>")
    sim.conferences = None  # type: ignore[assignment]
    call = start(sim, app, doc)
    sim.advance(30)
    assert app.only("/dialed")["DialCallStatus"] == "failed"
    (notice,) = [n for n in notifications(sim, call.sid) if n.fields["code"] == 13237]
    assert "Conference is not supported yet" in notice.fields["message"]


def test_answer_on_bridge_keeps_the_caller_ringing_until_the_agent_answers() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.dial(AGENT, answer_on_bridge=True, action="/dialed")
    app.route("/voice", doc)
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, agent(answer_after=3.0))
    call = sim.place_inbound_call(CALLER, NUMBER, party=Party(hangup_after=None))
    sim.advance(40)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert call.answered_at == pytest.approx(child.answered_at) == pytest.approx(4.0)
    assert app.only("/voice")["CallStatus"] == "ringing"
    assert app.only("/dialed")["CallStatus"] == "in-progress"


def test_answer_on_bridge_without_an_answer_leaves_the_caller_unanswered() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    doc = VoiceResponse()
    doc.dial(AGENT, answer_on_bridge=True)
    app.route("/voice", doc)
    sim.set_party(AGENT, Party(outcome="busy"))
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(40)
    assert call.answered_at is None and call.status == "no-answer"


def test_call_screening_with_a_whisper_gather() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.number(AGENT, url="/screen")
    doc.append(dial)
    screen = VoiceResponse()
    screen.gather(num_digits=1, action="/accepted", timeout=5).say("Press 1 to accept")
    screen.hangup()
    app.route("/screen", screen)
    app.route("/accepted", "<Response/>")
    app.route("/dialed", "<Response/>")
    sim.set_party(AGENT, agent(answer_after=2.0, presses=(Press(1.0, "1"),)))
    call = start(sim, app, doc)
    sim.advance(60)
    (child,) = [c for c in sim.calls.values() if c.parent_call_sid == call.sid]
    assert app.only("/accepted")["CallSid"] == child.sid
    assert verbs(sim, child.sid) == ["Gather"]
    action = app.only("/dialed")
    assert action["DialBridged"] == "true"
    heard = call.audio.outbound.render(child.answered_at + 2.0, child.answered_at + 9.0, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(AGENT_PITCH, rel=0.03)


def test_same_seed_same_event_log() -> None:
    logs = []
    for _ in range(2):
        sim, _app, _call = setup(agent())
        sim.advance(40)
        logs.append([event.to_json() for event in sim.events])
    assert len(logs[0]) > 20
    assert logs[0] == logs[1]


def test_conference_is_handed_to_the_conference_engine() -> None:
    sim, app = new_sim()
    doc = VoiceResponse()
    dial = Dial(action="/dialed")
    dial.conference("room")
    doc.append(dial)
    app.route("/dialed", "<Response/>")
    call = start(sim, app, doc, Party(hangup_after=10.0))
    sim.advance(30)
    action = app.only("/dialed")
    assert action["DialCallStatus"] == "answered" and "DialCallSid" not in action
    assert call.status == "completed"
