"""`<Gather input="speech">`: SpeechResult and Confidence from what the party says, through the
official twilio client (CreateCall) and an app in process that receives the action."""

from __future__ import annotations

from typing import Any

import pytest
from test_flow_support import BASE, VoiceApp, notifications
from twilio.twiml.voice_response import Gather, VoiceResponse

from simtel.audio import pitch_of, say_duration
from simtel.engine.calls.parties import Party, Reply, Utterance
from simtel.events import EventKind
from simtel.simulator import Simulator
from simtel.testing import simtel_client

CALLEE = "+15005550006"
CALLER = "+15005550001"
PROMPT = "Which department would you like"


def menu(**gather: Any) -> VoiceResponse:
    doc = VoiceResponse()
    prompt = Gather(action="/heard", **gather)
    prompt.say(PROMPT)
    doc.append(prompt)
    doc.say("We did not hear you")
    return doc


def run(party: Party, seed: int = 11, **gather: Any) -> tuple[Simulator, VoiceApp, Any]:
    sim = Simulator(seed=seed, allow_http=False)
    app = VoiceApp(sim)
    app.route("/voice", menu(**gather))
    app.route("/heard", "<Response><Hangup/></Response>")
    app.route("/partial", "")
    sim.set_party(CALLEE, party)
    twilio = simtel_client(sim)
    sid = twilio.calls.create(to=CALLEE, from_=CALLER, url=BASE + "/voice").sid
    sim.advance(120)
    return sim, app, sim.calls[sid]


def request_time(sim: Simulator, path: str) -> float:
    return next(e.t for e in sim.events if e.fields.get("url") == BASE + path)


def test_a_reply_is_the_speech_result() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("billing please"),))
    sim, app, call = run(party, input="speech", timeout=4)
    heard = app.only("/heard")
    assert heard["SpeechResult"] == "Billing please."
    assert 0.80 <= float(heard["Confidence"]) <= 0.99
    assert "Digits" not in heard
    # prompt, 0.5 s, the reply (2 words at 150 wpm), then speechTimeout = timeout = 4 s
    spoken_at = call.answered_at + say_duration(PROMPT) + 0.5
    assert request_time(sim, "/heard") == pytest.approx(spoken_at + 0.8 + 4.0)
    # the reply is in the party's voice on the inbound track
    voice = call.audio.inbound.render(spoken_at + 0.1, spoken_at + 0.7, 8000)
    assert pitch_of(voice, 8000) == pytest.approx(call.speech.pitch_hz, rel=0.03)


def test_speech_timeout_auto_and_seconds() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("sales"),))
    sim, _app, call = run(party, input="speech", speech_timeout="auto")
    spoken_at = call.answered_at + say_duration(PROMPT) + 0.5
    assert request_time(sim, "/heard") == pytest.approx(spoken_at + 0.4 + 1.0)
    sim, _app, call = run(party, input="speech", speech_timeout="2")
    assert request_time(sim, "/heard") == pytest.approx(spoken_at + 0.4 + 2.0)


def test_confidence_is_deterministic_for_a_seed() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("support"),))
    first = run(party, input="speech")[1].only("/heard")["Confidence"]
    again = run(party, input="speech")[1].only("/heard")["Confidence"]
    other = run(party, seed=12, input="speech")[1].only("/heard")["Confidence"]
    assert first == again and first != other


def test_a_silent_party_times_out_and_the_next_verb_runs() -> None:
    sim, app, call = run(Party(hangup_after=None, talk="silent"), input="speech", timeout=3)
    assert app.seen("/heard") == []
    verbs = [e.fields["verb"] for e in sim.events.of(call.sid, EventKind.TWIML_VERB)]
    assert verbs == ["Gather", "Say"]
    prompt, second = say_duration(PROMPT), say_duration("We did not hear you")
    assert call.end_time == pytest.approx(call.answered_at + prompt + 3.0 + second)


def test_a_scripted_line_barges_in_and_consecutive_lines_join() -> None:
    script = (Utterance(1.0, "I want to"), Utterance(2.0, "pay my bill"), Utterance(9.0, "bye"))
    party = Party(hangup_after=None, talk="script", script=script)
    sim, app, call = run(party, input="speech", speech_timeout="1")
    assert app.only("/heard")["SpeechResult"] == "I want to pay my bill."
    (prompt,) = call.audio.outbound.segments
    assert prompt.end == pytest.approx(call.answered_at + 1.0)  # cut by the caller's speech
    assert request_time(sim, "/heard") == pytest.approx(call.answered_at + 2.0 + 1.2 + 1.0)


def test_dtmf_speech_takes_a_key_pressed_first() -> None:
    from simtel.engine.calls.parties import Press

    party = Party(hangup_after=None, talk="silent", presses=(Press(0.5, "2#"),))
    _sim, app, _call = run(party, input="dtmf speech")
    heard = app.only("/heard")
    assert heard["Digits"] == "2" and "SpeechResult" not in heard


def test_profanity_filter_masks_and_can_be_turned_off() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("damn it"),))
    assert run(party, input="speech")[1].only("/heard")["SpeechResult"] == "D*** it."
    plain = run(party, input="speech", profanity_filter=False)[1]
    assert plain.only("/heard")["SpeechResult"] == "Damn it."


def test_partial_results_arrive_word_by_word() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("claims department"),))
    _sim, app, _call = run(party, input="speech", partial_result_callback="/partial")
    partials = [r.params for r in app.seen("/partial")]
    assert [(p["SequenceNumber"], p["StableSpeechResult"], p["UnstableSpeechResult"]) for p in
            partials] == [("1", "", "claims"), ("2", "claims", "department")]
    assert all(r.valid for r in app.seen("/partial"))


def test_speech_attributes_are_accepted_without_warnings() -> None:
    party = Party(hangup_after=None, talk="silent", replies=(Reply("billing"),))
    sim, app, call = run(
        party,
        input="speech",
        hints="billing,sales",
        language="en-GB",
        speech_model="phone_call",
        enhanced=True,
    )
    assert app.only("/heard")["SpeechResult"] == "Billing."
    assert notifications(sim, call.sid) == []
    (gather,) = sim.events.of(call.sid, EventKind.TWIML_VERB)[:1]
    assert gather.fields["speech"]["speech_model"] == "phone_call"
    assert gather.fields["speech"]["hints"] == ["billing", "sales"]


def test_the_control_api_queues_a_reply_on_a_live_call() -> None:
    sim = Simulator(seed=11, allow_http=False)
    app = VoiceApp(sim)
    app.route("/voice", menu(input="speech"))
    app.route("/heard", "<Response><Hangup/></Response>")
    sim.set_party(CALLEE, Party(hangup_after=None, talk="silent"))
    twilio = simtel_client(sim)
    sid = twilio.calls.create(to=CALLEE, from_=CALLER, url=BASE + "/voice").sid
    sim.advance(1.0)
    answer = twilio.http_client.request(
        "POST",
        f"http://simtel/_simtel/calls/{sid}/replies",
        data={"Say": "technical support", "After": "1"},
        auth=(sim.account.sid, sim.account.auth_token),
    )
    assert answer.status_code == 200
    sim.advance(60)
    assert app.only("/heard")["SpeechResult"] == "Technical support."
