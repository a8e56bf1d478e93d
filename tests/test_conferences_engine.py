"""Conferences driven through `<Dial><Conference>`: who hears whom, the dual-channel recording,
mute, pause/skip, refused stop, hold music, beeps, status callbacks, labels, ending."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from conftest import Collector

from simtel import Party, Simulator, TwilioError, Utterance
from simtel.audio import band_level, pitch_of
from simtel.engine.calls.call import Call
from simtel.engine.conferences.audio import ENTER_BEEP, HOLD_NOTES
from simtel.engine.conferences.room import Conference
from simtel.engine.recordings.recording import Recording
from simtel.events import EventKind

RATE = 8000
APP = "http://app.test"
ROOM = "+15550000001"


def talker(pitch: float, hangup_after: float | None = 60.0) -> Party:
    """Talks without a pause from answer until hang-up, at `pitch`."""
    return Party(
        talk="script",
        script=(Utterance(0.0, "hello", duration=600.0),),
        hangup_after=hangup_after,
        pitch_hz=pitch,
    )


def conference_twiml(after: str = "", **attributes: str) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in attributes.items())
    return f"<Response><Dial><Conference {attrs}>room</Conference></Dial>{after}</Response>"


def join(sim: Simulator, caller: str, party: Party, twiml: str) -> Call:
    number = f"+1555{len(sim.numbers):07d}"
    sim.add_number(number, twiml=twiml)
    return sim.place_inbound_call(caller, number, party=party)


def only_conference(sim: Simulator) -> Conference:
    (conference,) = sim.conferences.by_sid.values()
    return conference


def recording_of(conference: Conference) -> Recording:
    assert conference.recording is not None
    return conference.recording


def samples(sim: Simulator, recording: Recording, channels: int | None = 2) -> np.ndarray:
    data, rate = sf.read(io.BytesIO(sim.recording_media(recording.sid, "wav", channels)))
    assert rate == RATE
    return np.asarray(data)


def window(audio: np.ndarray, recording: Recording, start: float, end: float) -> np.ndarray:
    offset = recording.start_time
    return audio[round((start - offset) * RATE) : round((end - offset) * RATE)]


RECORDED = {"record": "record-from-start", "trim": "do-not-trim", "beep": "false"}


def three_party(sim: Simulator) -> tuple[Call, Call, Call]:
    first = join(sim, "+1555100", talker(110.0), conference_twiml(**RECORDED))
    sim.advance(2.0)
    second = join(sim, "+1555200", talker(300.0), conference_twiml(**RECORDED))
    sim.advance(2.0)
    third = join(sim, "+1555300", talker(520.0), conference_twiml(**RECORDED))
    return first, second, third


def test_three_party_dual_recording_and_mute() -> None:
    sim = Simulator(seed=4)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    _, _, third = three_party(sim)
    conference = only_conference(sim)
    sim.advance(16.0)  # t = 20
    sim.conferences.update_participant(conference.sid, third.sid, muted=True, hold=None)
    sim.advance(20.0)  # t = 40
    sim.conferences.update_participant(conference.sid, third.sid, muted=False, hold=None)
    sim.run()
    recording = recording_of(conference)
    assert (recording.status, recording.channels, recording.source) == (
        "completed",
        2,
        "Conference",
    )
    asked = conference.recorded_by  # the participant whose record="record-from-start" asked
    assert recording.call_sid == asked and recording.conference_sid == conference.sid
    assert asked is not None and asked.startswith("CA")
    assert recording.start_time == 2.0 and recording.duration == 62  # until the last one leaves
    audio = samples(sim, recording)
    channel1, channel2 = audio[:, 0], audio[:, 1]
    assert pitch_of(window(channel1, recording, 5, 60), RATE) == pytest.approx(110.0, rel=0.01)
    for pitch in (300.0, 520.0):
        assert band_level(window(channel1, recording, 5, 60), RATE, pitch) < 0.01
    assert band_level(window(channel2, recording, 5, 60), RATE, 110.0) < 0.01
    unmuted, muted = window(channel2, recording, 8, 18), window(channel2, recording, 22, 38)
    assert band_level(unmuted, RATE, 300.0) > 0.1 and band_level(unmuted, RATE, 520.0) > 0.02
    assert band_level(muted, RATE, 300.0) > 0.1 and band_level(muted, RATE, 520.0) < 0.001
    # the default download of a conference recording is mono
    assert samples(sim, recording, None).ndim == 1


def test_each_participant_hears_the_others_but_not_a_muted_one() -> None:
    sim = Simulator(seed=4)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    first, _, third = three_party(sim)
    sim.advance(1.0)
    sim.conferences.update_participant(only_conference(sim).sid, third.sid, muted=True, hold=None)
    sim.run()
    heard_by_first = first.audio.outbound.render(10.0, 20.0, RATE)
    assert band_level(heard_by_first, RATE, 300.0) > 0.1
    assert band_level(heard_by_first, RATE, 110.0) < 0.01  # not itself
    assert band_level(heard_by_first, RATE, 520.0) < 0.001  # muted
    heard_by_third = third.audio.outbound.render(10.0, 20.0, RATE)
    assert band_level(heard_by_third, RATE, 110.0) > 0.1  # a muted participant still hears
    assert band_level(heard_by_third, RATE, 300.0) > 0.05


def test_pause_with_skip_shortens_the_file_and_stop_is_refused() -> None:
    durations = []
    for pause in (False, True):
        sim = Simulator(seed=4)
        sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
        three_party(sim)
        sim.advance(6.0)  # t = 10
        recording = recording_of(only_conference(sim))
        if pause:
            sim.recorder.update(recording, "paused", "skip")
            sim.advance(10.0)
            sim.recorder.update(recording, "in-progress")
            with pytest.raises(TwilioError) as refused:
                sim.recorder.update(recording, "stopped")
            assert refused.value.code == 21220
        sim.run()
        assert recording.status == "completed"
        durations.append(recording.duration)
        assert len(samples(sim, recording)) == round((recording.exact_duration or 0) * RATE)
    assert durations == [62, 52]


def test_hold_music_while_waiting_is_never_recorded() -> None:
    sim = Simulator(seed=1)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    first = join(sim, "+1555100", talker(150.0), conference_twiml(**RECORDED))
    sim.advance(10.0)
    conference = only_conference(sim)
    assert conference.status == "init" and conference.recording is None
    join(sim, "+1555200", talker(300.0), conference_twiml(**RECORDED))
    sim.run()
    waiting = first.audio.outbound.render(0.0, 10.0, RATE)
    assert sum(band_level(waiting, RATE, note) for note in set(HOLD_NOTES)) > 0.8
    recording = recording_of(conference)
    assert recording.start_time == 10.0
    audio = samples(sim, recording)
    for note in set(HOLD_NOTES):
        assert band_level(audio[:, 0], RATE, note) < 0.01
        assert band_level(audio[:, 1], RATE, note) < 0.01


def test_beeps_reach_everyone_and_channel_two() -> None:
    sim = Simulator(seed=1)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    options = {"record": "record-from-start", "trim": "do-not-trim"}
    first = join(sim, "+1555100", talker(110.0), conference_twiml(**options))
    sim.advance(5.0)
    second = join(sim, "+1555200", talker(300.0), conference_twiml(**options))
    sim.run()
    recording = recording_of(only_conference(sim))
    beep = ENTER_BEEP.freq
    for call in (first, second):
        assert band_level(call.audio.outbound.render(5.0, 5.4, RATE), RATE, beep) > 0.2
    audio = samples(sim, recording)
    assert band_level(window(audio[:, 1], recording, 5.0, 5.4), RATE, beep) > 0.2
    assert band_level(window(audio[:, 0], recording, 5.0, 5.4), RATE, beep) < 0.01


def test_status_callbacks_follow_the_first_participant(collector: Collector) -> None:
    sim = Simulator(seed=2)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    sim.mount(APP, collector.app())
    events = "start end join leave mute"
    first = join(
        sim,
        "+1555100",
        talker(110.0, 30.0),
        conference_twiml(statusCallback=f"{APP}/conf", statusCallbackEvent=events),
    )
    sim.advance(3.0)
    second = join(
        sim,
        "+1555200",
        talker(300.0, 10.0),
        conference_twiml(statusCallback=f"{APP}/other", statusCallbackEvent=events),
    )
    sim.advance(1.0)
    conference = only_conference(sim)
    sim.conferences.update_participant(conference.sid, second.sid, muted=True, hold=None)
    sim.run()
    assert collector.on("/other") == []
    seen = collector.on("/conf")
    assert [(p["StatusCallbackEvent"], p.get("CallSid")) for p in seen] == [
        ("participant-join", first.sid),
        ("participant-join", second.sid),
        ("conference-start", None),
        ("participant-mute", second.sid),
        ("participant-leave", second.sid),
        ("participant-leave", first.sid),
        ("conference-end", None),
    ]
    assert [p["SequenceNumber"] for p in seen] == [str(n) for n in range(1, 8)]
    assert all(p["ConferenceSid"] == conference.sid and p["FriendlyName"] == "room" for p in seen)
    assert seen[3]["Muted"] == "true" and seen[4]["ReasonParticipantLeft"] == "participant_hung_up"
    assert seen[4]["ParticipantCallStatus"] == "completed"
    end = seen[-1]
    assert end["ReasonConferenceEnded"] == "last-participant-left"
    assert end["CallSidEndingConference"] == first.sid
    assert (conference.status, conference.reason_conference_ended) == (
        "completed",
        "last-participant-left",
    )


def test_duplicate_participant_label_16025_moves_to_the_next_verb() -> None:
    sim = Simulator(seed=3)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    join(sim, "+1555100", talker(110.0), conference_twiml(participantLabel="agent"))
    sim.advance(1.0)
    late = join(
        sim,
        "+1555200",
        talker(300.0),
        conference_twiml("<Say>label taken</Say>", participantLabel="agent"),
    )
    sim.advance(5.0)
    codes = [e.fields["code"] for e in sim.events.of(late.sid, EventKind.NOTIFICATION)]
    assert codes == [16025]
    verbs = [e.fields["verb"] for e in sim.events.of(late.sid, EventKind.TWIML_VERB)]
    assert verbs == ["Dial", "Say"]
    assert late.sid not in only_conference(sim).participants


def test_end_conference_on_exit_ends_it_and_others_go_on() -> None:
    sim = Simulator(seed=3)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    moderator = join(
        sim, "+1555100", talker(110.0, 10.0), conference_twiml(endConferenceOnExit="true")
    )
    sim.advance(1.0)
    guest = join(sim, "+1555200", talker(300.0, None), conference_twiml("<Say>bye now</Say>"))
    sim.advance(20.0)
    conference = only_conference(sim)
    assert conference.status == "completed"
    assert conference.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert conference.call_sid_ending_conference == moderator.sid
    verbs = [e.fields["verb"] for e in sim.events.of(guest.sid, EventKind.TWIML_VERB)]
    assert verbs[:2] == ["Dial", "Say"]
    # the name is free again: a new conference (new SID) under the same name
    join(sim, "+1555300", talker(520.0), conference_twiml())
    sim.advance(1.0)
    assert len(sim.conferences.by_sid) == 2
    assert sim.conferences.live["room"].sid != conference.sid


def test_a_conference_waits_for_a_participant_who_starts_it() -> None:
    sim = Simulator(seed=3)
    sim.account.dual_channel_conference_recordings = True  # Twilio's 2025 default
    join(sim, "+1555100", talker(110.0), conference_twiml(startConferenceOnEnter="false"))
    join(sim, "+1555200", talker(300.0), conference_twiml(startConferenceOnEnter="false"))
    sim.advance(5.0)
    conference = only_conference(sim)
    assert conference.status == "init"
    join(sim, "+1555300", talker(520.0), conference_twiml())
    sim.advance(1.0)
    assert conference.status == "in-progress"
