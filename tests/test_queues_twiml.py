"""`<Enqueue>`, `<Leave>` and `<Dial><Queue>`: callers wait, agents take them, the action
requests say how each left, through the official twilio client and an app in process."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from starlette.responses import Response
from test_flow_support import BASE, VoiceApp, notifications

from simtel.audio import pitch_of, rms
from simtel.engine.calls.parties import Party, Press
from simtel.events import EventKind
from simtel.simulator import Simulator
from simtel.testing import simtel_client

CALLER, AGENT, FROM = "+15005550031", "+15005550032", "+15005550001"


def enqueue(wait: str = ' waitUrl="/wait"', name: str = "support") -> str:
    return (
        f'<Response><Enqueue action="/left"{wait}>{name}</Enqueue>'
        "<Say>Thanks for calling</Say></Response>"
    )


def agent_doc(extra: str = "", url: str = "") -> str:
    return (
        f'<Response><Dial action="/agent-done"{extra}><Queue{url}>support</Queue></Dial></Response>'
    )


def centre(
    wait: Any = '<Response><Say>Please hold</Say><Pause length="5"/></Response>',
    *,
    caller_hangs_up: float | None = None,
    agent_after: float | None = 30.0,
    agent_talks: float = 20.0,
    caller_doc: str | None = None,
    agent: str | None = None,
    until: float = 120.0,
) -> tuple[Simulator, VoiceApp, str, str | None]:
    sim = Simulator(seed=16, allow_http=False)
    app = VoiceApp(sim)
    app.route("/caller", caller_doc or enqueue())
    app.route("/wait", wait)
    app.route("/left", "<Response><Say>Goodbye</Say></Response>")
    app.route("/agent", agent or agent_doc())
    app.route("/agent-done", "<Response/>")
    sim.set_party(CALLER, Party(answer_after=1, hangup_after=caller_hangs_up, pitch_hz=200.0))
    sim.set_party(AGENT, Party(answer_after=1, hangup_after=agent_talks, pitch_hz=300.0))
    twilio = simtel_client(sim)
    caller = twilio.calls.create(to=CALLER, from_=FROM, url=BASE + "/caller").sid
    agent_sid = None
    if agent_after is not None:
        sim.advance(agent_after)
        agent_sid = twilio.calls.create(to=AGENT, from_=FROM, url=BASE + "/agent").sid
    sim.advance(until)
    return sim, app, caller, agent_sid


def left(sim: Simulator, sid: str) -> list[dict[str, Any]]:
    return [dict(e.fields) for e in sim.events.of(sid, EventKind.MEMBER_LEFT)]


def test_an_agent_dials_the_queue_and_is_bridged_to_the_waiting_caller() -> None:
    sim, app, caller, agent = centre()
    assert agent is not None
    waits = app.seen("/wait")
    assert waits and all(w.valid for w in waits)
    first = waits[0].params
    assert first["QueueSid"].startswith("QU")
    assert (first["QueuePosition"], first["CurrentQueueSize"], first["MaxQueueSize"]) == (
        "1",
        "1",
        "1000",
    )
    assert first["QueueTime"] == "0" and first["AvgQueueTime"] == "0"
    assert int(waits[-1].params["QueueTime"]) > 0
    # the agent answers at 30 + 2 s: the caller (answered at 2 s) waited 30 s
    done = app.only("/left")
    assert done["QueueResult"] == "bridged"
    assert done["QueueSid"] == first["QueueSid"]
    assert done["QueueTime"] == "30"
    dialled = app.only("/agent-done")
    assert dialled["DialCallStatus"] == "completed"
    assert dialled["DialCallSid"] == caller
    assert dialled["QueueSid"] == first["QueueSid"]
    assert dialled["DialBridged"] == "true"
    # the agent hung up 20 s after answering: the bridge lasted 20 s, then the caller's action
    assert dialled["DialCallDuration"] == "20"
    assert left(sim, caller)[0]["result"] == "bridged"
    assert left(sim, caller)[0]["dequeued_by"] == agent
    assert notifications(sim) == []


def test_the_wait_document_stops_when_the_caller_is_taken() -> None:
    sim, app, caller, _agent = centre()
    taken = 32.0
    assert all(w.params and float(i) >= 0 for i, w in enumerate(app.seen("/wait")))
    requests = [
        e.t for e in sim.events.of(caller, EventKind.WEBHOOK) if e.fields["purpose"] == "wait"
    ]
    assert requests and max(requests) <= taken


def test_the_caller_hangs_up_while_waiting() -> None:
    sim, app, caller, _ = centre(caller_hangs_up=10.0, agent_after=None)
    done = app.only("/left")
    assert (done["QueueResult"], done["QueueTime"], done["CallStatus"]) == (
        "hangup",
        "10",
        "completed",
    )
    assert left(sim, caller)[0]["result"] == "hangup"


def test_leave_in_the_wait_document_runs_the_action_and_the_next_verbs() -> None:
    wait = '<Response><Pause length="4"/><Leave/></Response>'
    sim, app, caller, _ = centre(wait, agent_after=None)
    done = app.only("/left")
    assert (done["QueueResult"], done["QueueTime"]) == ("leave", "4")
    spoken = [e.fields.get("text") for e in sim.events.of(caller, EventKind.TWIML_VERB)]
    assert "Goodbye" in spoken


def test_hangup_in_the_wait_document_ends_the_call() -> None:
    wait = '<Response><Pause length="3"/><Hangup/></Response>'
    sim, app, caller, _ = centre(wait, agent_after=None)
    done = app.only("/left")
    assert (done["QueueResult"], done["CallStatus"]) == ("hangup", "completed")
    assert sim.calls[caller].status == "completed"


def test_a_verb_the_wait_document_may_not_hold_is_13238_and_an_error_result() -> None:
    wait = "<Response><Record/></Response>"
    sim, app, caller, _ = centre(wait, agent_after=None)
    assert app.only("/left")["QueueResult"] == "error"
    assert [e.fields["code"] for e in notifications(sim, caller)] == [13238]


def test_a_full_queue_refuses_the_caller() -> None:
    sim = Simulator(seed=16, allow_http=False)
    twilio = simtel_client(sim)
    queue = twilio.queues.create(friendly_name="support", max_size=1)
    app = VoiceApp(sim)
    app.route("/caller", enqueue())
    app.route("/wait", '<Response><Pause length="5"/></Response>')
    app.route("/left", "<Response/>")
    for number in ("+15005550041", "+15005550042"):
        sim.set_party(number, Party(answer_after=1, hangup_after=60))
        twilio.calls.create(to=number, from_=FROM, url=BASE + "/caller")
    sim.advance(10)
    assert twilio.queues(queue.sid).fetch().current_size == 1
    sim.advance(60)
    results = sorted(r.params["QueueResult"] for r in app.seen("/left"))
    assert results == ["hangup", "queue-full"]
    full = next(r.params for r in app.seen("/left") if r.params["QueueResult"] == "queue-full")
    assert "QueueSid" not in full and "QueueTime" not in full


def test_an_empty_queue_waits_for_the_dial_timeout() -> None:
    agent = agent_doc(' timeout="10"')
    sim, app, _caller, _agent = centre(agent=agent, caller_hangs_up=3.0, agent_after=5.0)
    assert app.only("/left")["QueueResult"] == "hangup"
    assert app.only("/agent-done")["DialCallStatus"] == "no-answer"
    dialled = [
        e for e in sim.events if e.kind == EventKind.WEBHOOK and "agent-done" in e.fields["url"]
    ]
    assert dialled[0].t == pytest.approx(5 + 2 + 10)


def test_a_caller_who_comes_while_the_agent_waits_is_taken_at_once() -> None:
    sim = Simulator(seed=16, allow_http=False)
    app = VoiceApp(sim)
    app.route("/agent", agent_doc(' timeout="60"'))
    app.route("/agent-done", "<Response/>")
    app.route("/caller", enqueue(wait=""))
    app.route("/left", "<Response/>")
    sim.set_party(AGENT, Party(answer_after=1, hangup_after=40))
    sim.set_party(CALLER, Party(answer_after=1, hangup_after=15))
    twilio = simtel_client(sim)
    twilio.queues.create(friendly_name="support")
    twilio.calls.create(to=AGENT, from_=FROM, url=BASE + "/agent")
    sim.advance(10)
    twilio.calls.create(to=CALLER, from_=FROM, url=BASE + "/caller")
    sim.advance(60)
    done = app.only("/left")
    assert (done["QueueResult"], done["QueueTime"]) == ("bridged", "0")
    assert app.only("/agent-done")["DialCallDuration"] == "15"


def test_dialing_a_queue_that_does_not_exist_fails() -> None:
    _sim, app, _caller, _ = centre(caller_doc="<Response/>", agent_after=0.0)
    assert app.only("/agent-done")["DialCallStatus"] == "failed"


def test_the_queue_url_runs_on_the_caller_before_the_bridge() -> None:
    sim = Simulator(seed=16, allow_http=False)
    app = VoiceApp(sim)
    app.route("/caller", enqueue(wait=""))
    app.route("/left", "<Response/>")
    app.route("/agent", agent_doc(url=' url="/about"'))
    app.route("/agent-done", "<Response/>")
    app.route("/about", "<Response><Say>You are now connected</Say></Response>")
    sim.set_party(CALLER, Party(answer_after=1, hangup_after=None, talk="silent"))
    sim.set_party(AGENT, Party(answer_after=1, hangup_after=20))
    twilio = simtel_client(sim)
    caller = twilio.calls.create(to=CALLER, from_=FROM, url=BASE + "/caller").sid
    sim.advance(30)
    agent = twilio.calls.create(to=AGENT, from_=FROM, url=BASE + "/agent").sid
    sim.advance(60)
    params = app.only("/about")
    assert (params["CallSid"], params["DequeingCallSid"]) == (caller, agent)
    assert params["QueueTime"] == "30" and params["QueueSid"].startswith("QU")
    said = [e for e in sim.events.of(caller, EventKind.TWIML_VERB) if e.fields["verb"] == "Say"]
    assert [e.fields["text"] for e in said] == ["You are now connected"]
    # the bridge starts once the announcement is over: the agent's dial lasts less than 20 s
    assert int(app.only("/agent-done")["DialCallDuration"]) < 20


def test_dial_record_records_the_bridged_call() -> None:
    agent = agent_doc(' record="record-from-answer-dual"')
    sim, app, _caller, agent_sid = centre(agent=agent)
    done = app.only("/agent-done")
    assert done["RecordingSid"].startswith("RE")
    recording = sim.recorder.recordings[done["RecordingSid"]]
    assert recording.source == "DialVerb" and recording.channels == 2
    assert recording.call_sid == agent_sid
    assert recording.duration == pytest.approx(20, abs=1)


def test_taskrouter_attributes_are_13750() -> None:
    doc = '<Response><Enqueue workflowSid="WW0123">support</Enqueue></Response>'
    sim, _app, caller, _ = centre(caller_doc=doc, agent_after=None)
    assert 13750 in [e.fields["code"] for e in notifications(sim, caller)]


def test_hold_music_plays_while_waiting_and_stops_when_taken() -> None:
    sim, _app, caller, _agent = centre(wait="", caller_doc=enqueue(wait=""))
    call = sim.calls[caller]
    enqueued = sim.events.of(caller, EventKind.MEMBER_ENQUEUED)[0].t
    taken = sim.events.of(caller, EventKind.MEMBER_LEFT)[0].t
    assert rms(call.audio.outbound.render(enqueued + 1, taken - 1, 8000)) > 0.01
    music = [seg for seg in call.audio.outbound.segments if "Hold" in type(seg.source).__name__]
    assert music and music[0].start == enqueued and max(seg.end for seg in music) == taken


def test_a_wait_url_answering_audio_loops_it_with_get() -> None:
    t = np.arange(int(1.5 * 8000)) / 8000
    buffer = io.BytesIO()
    sf.write(buffer, 0.4 * np.sin(2 * np.pi * 600.0 * t), 8000, format="WAV")
    audio = buffer.getvalue()
    doc = '<Response><Enqueue waitUrl="/wait" waitUrlMethod="GET">support</Enqueue></Response>'
    sim, app, caller, _ = centre(
        lambda _p: Response(audio, media_type="audio/wav"), caller_doc=doc, agent_after=None
    )
    assert [w.method for w in app.seen("/wait")] == ["GET"]
    call = sim.calls[caller]
    enqueued = sim.events.of(caller, EventKind.MEMBER_ENQUEUED)[0].t
    later = call.audio.outbound.render(enqueued + 10.1, enqueued + 11.4, 8000)
    assert pitch_of(later, 8000) == pytest.approx(600.0, rel=0.01)


def test_hangup_on_star_lets_the_agent_end_the_bridge() -> None:
    """DOC-DIAL: `*` ends the dialed leg's bridge and the dialing call goes on to the action;
    the dequeued caller goes on with its `<Enqueue>` action (`bridged`)."""
    sim = Simulator(seed=16, allow_http=False)
    app = VoiceApp(sim)
    app.route("/caller", enqueue())
    app.route("/wait", '<Response><Pause length="5"/></Response>')
    app.route("/left", "<Response><Say>Goodbye</Say></Response>")
    app.route("/agent", agent_doc(' hangupOnStar="true"'))
    app.route("/agent-done", "<Response/>")
    sim.set_party(CALLER, Party(answer_after=1, pitch_hz=200.0))
    star = Party(answer_after=1, hangup_after=60, pitch_hz=300.0, presses=(Press(8.0, "1*"),))
    sim.set_party(AGENT, star)
    twilio = simtel_client(sim)
    twilio.calls.create(to=CALLER, from_=FROM, url=BASE + "/caller")
    sim.advance(10)
    twilio.calls.create(to=AGENT, from_=FROM, url=BASE + "/agent")
    sim.advance(120)
    dialled = app.only("/agent-done")
    assert dialled["DialCallStatus"] == "completed"
    # answered at 12 s, bridged at once; `1` at 8 s after answer, `*` 0.3 s later
    assert dialled["DialCallDuration"] == "8"
    assert app.only("/left")["QueueResult"] == "bridged"
