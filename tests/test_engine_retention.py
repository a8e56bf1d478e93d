"""Retention for long runs: `Simulator(keep_events=False, keep_media=False)` keeps the record
in the store, not in memory, and says so where memory was the only source (media)."""

from __future__ import annotations

import gc
import io
import weakref

import pytest

from simtel.engine.calls.parties import Party
from simtel.engine.execution.waits import Alarm
from simtel.engine.recordings.media import MediaNotRetained
from simtel.events import EventKind
from simtel.simulator import Simulator

NUMBER, CALLER, AGENT = "+15550100000", "+15550100002", "+15550100001"
TWIML = (
    f'<Response><Dial record="record-from-answer-dual"><Number>{AGENT}</Number></Dial></Response>'
)


def dialing(**retention: bool) -> Simulator:
    """Three recorded `<Dial>` calls, run to the end."""
    sim = Simulator(seed=5, **retention)
    sim.set_party(AGENT, Party(answer_after=3.0, hangup_after=20.0))
    sim.set_party(CALLER, Party(hangup_after=None))
    sim.add_number(NUMBER, twiml=TWIML)
    for _ in range(3):
        sim.place_inbound_call(CALLER, NUMBER)
        sim.advance(7.0)
    sim.run()
    return sim


def jsonl(sim: Simulator) -> str:
    buffer = io.StringIO()
    sim.events.write_jsonl(buffer)
    return buffer.getvalue()


def test_a_log_that_keeps_no_events_reads_the_same_events_back_from_the_store() -> None:
    kept, lean = dialing(), dialing(keep_events=False)
    assert not lean.events.keeps_events
    assert len(lean.events) == len(kept.events) > 40
    assert jsonl(lean) == jsonl(kept)
    assert [e.seq for e in lean.events.since(40)] == list(range(40, len(kept.events)))
    call_sid = next(iter(kept.calls))
    wanted = (EventKind.CALL_UPDATED,)
    assert lean.events.of(call_sid, *wanted) == kept.events.of(call_sid, *wanted)


def test_subscribers_still_get_every_event_when_none_is_kept() -> None:
    sim = Simulator(seed=1, keep_events=False)
    seen: list[str] = []
    sim.events.subscribe(lambda event: seen.append(event.kind))
    sim.add_number(NUMBER, twiml="<Response><Hangup/></Response>")
    sim.place_inbound_call(CALLER, NUMBER)
    sim.run()
    assert len(seen) == len(sim.events) > 3
    assert seen[0] == EventKind.NUMBER_CREATED and EventKind.CALL_CREATED in seen
    assert [e.kind for e in sim.events] == seen


def test_by_default_finished_calls_and_recordings_stay_in_memory() -> None:
    sim = dialing()
    assert len(sim.calls) == 6 and len(sim.recorder.recordings) == 3
    sid = next(iter(sim.recorder.recordings))
    assert sim.recording_media(sid, "wav", None)[:4] == b"RIFF"


def test_without_media_finished_calls_and_final_recordings_leave_memory() -> None:
    sim = dialing(keep_media=False)
    assert sim.calls == {} and sim.recorder.recordings == {} and sim.recorder.by_owner == {}
    assert sim.store.count("calls") == 6
    assert sim.store.count("recordings", status="completed") == 3


def test_media_not_retained_is_a_clear_20404_never_an_empty_file() -> None:
    sim = dialing(keep_media=False)
    sid = sim.store.list_page("recordings").items[0]["sid"]
    with pytest.raises(MediaNotRetained) as raised:
        sim.recording_media(sid, "wav", None)
    assert raised.value.code == 20404 and raised.value.status == 404
    assert "not retained" in str(raised.value)
    with pytest.raises(Exception) as unknown:
        sim.recording_media("RE" + "0" * 32, "wav", None)
    assert not isinstance(unknown.value, MediaNotRetained)


def test_a_live_recording_is_kept_until_it_is_final() -> None:
    sim = Simulator(seed=2, keep_media=False)
    sim.set_party(AGENT, Party(answer_after=3.0, hangup_after=20.0))
    sim.add_number(NUMBER, twiml=TWIML)
    sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(10.0)
    assert len(sim.recorder.recordings) == 1 and len(sim.calls) == 2
    sim.advance(25.0)  # the calls ended at 24 s; post-processing ends at 27 s
    assert sim.calls == {} and sim.recorder.recordings == {}


def test_ended_calls_are_garbage_once_forgotten_though_their_time_limit_is_pending() -> None:
    sim = Simulator(seed=3, keep_media=False, keep_events=False)
    sim.set_party(AGENT, Party(answer_after=1.0, hangup_after=5.0))
    sim.set_party(CALLER, Party(hangup_after=None))
    sim.add_number(NUMBER, twiml=TWIML)
    call = sim.place_inbound_call(CALLER, NUMBER)  # stays: its 4-hour time limit is armed
    gone = weakref.ref(call)
    del call
    sim.advance(60.0)
    gc.collect()
    assert gone() is None
    pending = [entry[0] for entry in sim.env._queue]  # SimPy's queue: (time, priority, id, event)
    assert max(pending) >= 4 * 3600.0  # the caller's 4-hour time limit is still queued


def test_a_bridge_ended_early_leaves_its_time_limit_an_empty_shell() -> None:
    sim = Simulator(seed=3)
    sim.set_party(AGENT, Party(answer_after=1.0, hangup_after=None))
    sim.set_party(CALLER, Party(hangup_after=None))
    dial = f'<Response><Dial timeLimit="600"><Number>{AGENT}</Number></Dial></Response>'
    sim.add_number(NUMBER, twiml=dial)
    call = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(60.0)
    sim.call_engine.complete(call)  # the caller hangs up long before the 600-second limit
    sim.advance(1.0)
    alarms = [
        callback.__self__
        for *_, event in sim.env._queue
        for callback in event.callbacks or ()
        if isinstance(getattr(callback, "__self__", None), Alarm)
    ]
    assert len(alarms) == 1 and alarms[0].action is None  # queued, holding nothing
