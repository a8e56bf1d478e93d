"""The kernel's shape: what a call costs in SimPy events, and which legs draw talk spurts.

These count events the way `bench.engine` does (every `Environment.schedule`), so a change that
brings back a process per phase or an `AnyOf` race shows here, not only in a benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import simpy

from simtel import CallOptions, Party, RecordingOptions, Simulator
from simtel.audio.spurts import TalkSpurts
from simtel.engine.calls.call import Call

CALLER, AGENT, NUMBER = "+15550100002", "+15550100001", "+15550100000"
AGENT_PARTY = Party(answer_after=3.0, hangup_after=30.0)
CALLER_PARTY = Party(answer_after=3.0, hangup_after=60.0)


@contextmanager
def scheduled(sim: Simulator) -> Iterator[list[simpy.Event]]:
    """Every SimPy event `sim` schedules inside the block."""
    events: list[simpy.Event] = []
    env = sim.env
    original = env.schedule

    def schedule(event: simpy.Event, priority: int = 1, delay: float = 0) -> None:
        events.append(event)
        original(event, priority, delay)  # type: ignore[arg-type]

    env.schedule = schedule  # type: ignore[method-assign]
    try:
        yield events
    finally:
        del env.schedule


def simulator() -> Simulator:
    sim = Simulator(seed=3)
    sim.set_party(AGENT, AGENT_PARTY)
    sim.set_party(CALLER, CALLER_PARTY)
    return sim


def undrawn(call: Call) -> bool:
    spurts = call.speech.spurts if call.speech is not None else None
    return isinstance(spurts, TalkSpurts) and "spans" not in spurts.__dict__


def test_a_recorded_trunk_call_is_seven_simpy_events_and_draws_no_spurts() -> None:
    sim = simulator()
    trunk = sim.trunks.create("pbx", recording_mode="record-from-answer-dual")
    with scheduled(sim) as events:
        call = sim.trunks.place_call(trunk.sid, CALLER, AGENT)
        sim.run()
    # dial, ring, answer, two hang-up timers, processing, completed: no process (no end event)
    assert len(events) == 7
    assert call.status == "completed" and undrawn(call)  # untrimmed: nothing needs the spurts
    (recording,) = sim.recorder.recordings.values()
    assert recording.status == "completed" and recording.duration == 30


def test_a_blocked_trunk_call_schedules_nothing_and_has_no_voice_or_audio() -> None:
    sim = simulator()
    trunk = sim.trunks.create("full", capacity=1, recording_mode="record-from-answer-dual")
    sim.trunks.place_call(trunk.sid, CALLER, AGENT)
    with scheduled(sim) as events:
        blocked = sim.trunks.place_call(trunk.sid, CALLER, AGENT)
    assert events == [] and blocked.status == "failed"
    assert blocked.speech is None and not blocked.has_audio


def test_a_record_true_call_runs_its_inline_twiml_in_its_own_process() -> None:
    sim = simulator()
    options = CallOptions(
        twiml='<Response><Pause length="120"/></Response>',
        record=True,
        recording=RecordingOptions("dual"),
    )
    with scheduled(sim) as events:
        call = sim.create_call(AGENT, NUMBER, options)
        sim.run()
    processes = [e for e in events if isinstance(e, simpy.Process)]
    assert len(processes) == 1  # the leg's own process ends once: no flow or phase process
    assert call.status == "completed" and call.duration == 30
    assert not undrawn(call)  # trimmed (the default): trimming needs the spurts


@pytest.mark.parametrize("record", ["do-not-record", "record-from-answer-dual"])
def test_a_dial_costs_one_process_per_leg(record: str) -> None:
    sim = simulator()
    twiml = f'<Response><Dial record="{record}"><Number>{AGENT}</Number></Dial></Response>'
    sim.add_number(NUMBER, twiml=twiml)
    with scheduled(sim) as events:
        parent = sim.place_inbound_call(CALLER, NUMBER)
        sim.run()
    starts = [e for e in events if isinstance(e, simpy.events.Initialize)]
    assert len(starts) == 2  # the parent's process and the dialed leg's
    # each leg: process start, hang-up timer, process end; the child's ring and answer; the
    # parent woken once when the child answers and once (relayed) when it hangs up; with the
    # recording, its stop and processing. No `AnyOf`, no `timeLimit` timer (the hang-up timers
    # end the bridge first).
    assert len(events) == (13 if record.endswith("dual") else 11)
    assert not [e for e in events if isinstance(e, simpy.events.Condition)]
    assert sim.now == 60.0  # the caller's hang-up timer: nothing waits 4 hours for a time limit
    assert parent.status == "completed"
    children = [c for c in sim.calls.values() if c.parent_call_sid == parent.sid]
    assert [c.status for c in children] == ["completed"]
    assert undrawn(parent) and undrawn(children[0])  # untrimmed, not rendered: no draw
