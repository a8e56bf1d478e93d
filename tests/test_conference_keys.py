"""Keys inside a conference: `<Dial hangupOnStar>` lets a participant leave with `*` and go on
with its TwiML (DOC-DIAL: `DialCallStatus` is then `answered` for a conference), and the DTMF a
participant presses is heard by the others and kept in the conference recording."""

from __future__ import annotations

from test_flow_support import BASE, VoiceApp, new_sim, samples, verbs
from twilio.twiml.voice_response import Dial, VoiceResponse

from simtel.audio import detect_dtmf
from simtel.engine.calls.call import Call
from simtel.engine.calls.parties import Party, Press
from simtel.engine.conferences.room import Conference
from simtel.events import EventKind
from simtel.simulator import Simulator

RATE = 8000


def room(*, hangup_on_star: bool = False, muted: bool = False) -> VoiceResponse:
    """Join the conference `room` (recorded from its start, no beeps); then say goodbye."""
    response = VoiceResponse()
    dial = Dial(action="/left", hangup_on_star=hangup_on_star)
    dial.conference("room", record="record-from-start", trim="do-not-trim", beep=False, muted=muted)
    response.append(dial)
    return response


def quiet(hangup_after: float, presses: tuple[Press, ...] = ()) -> Party:
    """A participant who says nothing (so its keys are all that sounds) and presses `presses`."""
    return Party(talk="silent", hangup_after=hangup_after, presses=presses)


def join(sim: Simulator, app: VoiceApp, index: int, doc: VoiceResponse, party: Party) -> Call:
    number, path = f"+1555020000{index}", f"/voice{index}"
    app.route(path, doc)
    sim.add_number(number, voice_url=BASE + path)
    return sim.place_inbound_call(f"+1555010000{index}", number, party=party)


def only_conference(sim: Simulator) -> Conference:
    (conference,) = sim.conferences.by_sid.values()
    return conference


def test_star_with_hangup_on_star_leaves_the_conference_and_the_call_goes_on() -> None:
    sim, app = new_sim()
    app.route("/left", "<Response><Say>You left the conference.</Say></Response>")
    leaver = join(sim, app, 1, room(hangup_on_star=True), quiet(60.0, (Press(8.0, "5*"),)))
    sim.advance(2.0)
    stayer = join(sim, app, 2, room(), quiet(30.0))
    sim.advance(2.0)
    third = join(sim, app, 3, room(), quiet(30.0))
    sim.advance(12.0)  # t = 16: the star was pressed at 8.3 s after the leaver's answer
    conference = only_conference(sim)
    assert leaver.answered_at is not None
    star_at = leaver.answered_at + 8.3
    leave = [
        e
        for e in sim.events.of(leaver.sid, EventKind.PARTICIPANT_UPDATED)
        if e.fields.get("status") == "complete"
    ]
    assert [e.t for e in leave] == [star_at]
    assert conference.status == "in-progress"  # the two others stay
    assert {p.sid for p in conference.present} == {stayer.sid, third.sid}
    action = app.only("/left")
    assert action["DialCallStatus"] == "answered"
    assert verbs(sim, leaver.sid) == ["Dial", "Say"]
    assert leaver.status == "completed" and leaver.end_time is not None
    assert leaver.end_time < 16.0  # the goodbye ended the call, long before its party's 60 s
    sim.run()


def test_star_without_hangup_on_star_is_only_a_key() -> None:
    sim, app = new_sim()
    app.route("/left", "<Response/>")
    presser = join(sim, app, 1, room(), quiet(20.0, (Press(8.0, "*"),)))
    sim.advance(2.0)
    join(sim, app, 2, room(), quiet(30.0))
    sim.run()
    assert presser.answered_at is not None
    leave = [
        e.t
        for e in sim.events.of(presser.sid, EventKind.PARTICIPANT_UPDATED)
        if e.fields.get("status") == "complete"
    ]
    assert leave == [presser.answered_at + 20.0]  # it stayed until it hung up


def test_keys_are_heard_by_the_others_and_recorded_but_not_from_a_muted_one() -> None:
    sim, app = new_sim()
    app.route("/left", "<Response/>")
    first = join(sim, app, 1, room(), quiet(30.0))
    sim.advance(2.0)
    presser = join(sim, app, 2, room(), quiet(30.0, (Press(6.0, "159#", interval=0.3),)))
    sim.advance(2.0)
    silent = join(sim, app, 3, room(muted=True), quiet(30.0, (Press(12.0, "7"),)))
    sim.run()
    conference = only_conference(sim)
    recording = conference.recording
    assert recording is not None and recording.status == "completed"
    assert presser.answered_at is not None and silent.answered_at is not None
    audio = samples(sim, recording)
    offset = recording.start_time
    assert offset is not None

    def recorded(start: float, end: float) -> str:
        return detect_dtmf(
            audio[round((start - offset) * RATE) : round((end - offset) * RATE)], RATE
        )

    pressed = presser.answered_at + 6.0
    assert recorded(pressed - 0.5, pressed + 2.0) == "159#"
    muted_press = silent.answered_at + 12.0
    assert recorded(muted_press - 0.5, muted_press + 1.0) == ""  # muted: nobody hears it
    heard = first.audio.outbound.render(pressed - 0.5, pressed + 2.0, RATE)
    assert detect_dtmf(heard, RATE) == "159#"
    own = presser.audio.outbound.render(pressed - 0.5, pressed + 2.0, RATE)
    assert detect_dtmf(own, RATE) == ""  # a participant does not hear its own keys back
    assert verbs(sim, presser.sid) == ["Dial"]  # keys never took it out of the conference
