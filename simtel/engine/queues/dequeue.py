"""`<Dial><Queue>`: take the caller at the front of a queue and bridge it to the dialing call.

Contract, in simulated time (the *dequeuer* is the call running the `<Dial>`, typically an
agent's leg; the *member* the caller taken from the queue):

* A queue that does not exist (never created, or deleted) fails at once:
  `DialCallStatus=failed` to the action URL, as Twilio documents, and a 12200 warning.
* An empty queue is waited on, up to the `<Dial>` `timeout`, for the next caller
  (`DialCallStatus=no-answer` when none comes; `canceled` when the dequeuer hangs up first).
* The member is taken (it leaves the queue, `QueueResult=bridged`); its hold audio stops; the
  `<Queue url>` document runs on the member (hold verbs, with `QueueSid`, `QueueTime`,
  `DequeingCallSid`); then the two are bridged: each hears the other on its outbound track.
* The bridge ends when either hangs up, `timeLimit` passes, the dequeuer presses `*` with
  `<Dial hangupOnStar="true">` (its other keys are not heard), or the REST API redirects either
  call (the member's `<Enqueue>` then ends `redirected`); the dequeuer goes on with its
  next verb (or the `<Dial action>`: `DialCallStatus=completed`, `DialCallSid` and
  `DialCallDuration` of the member, `QueueSid`, `QueueTime`), the member with its `<Enqueue>`
  action.
* `record` on the `<Dial>` records the dequeuer's leg as any `<Dial record>` does (source
  `DialVerb`; the dequeuer on channel 1, the member on channel 2): from the dial for
  `record-from-ringing*`, from the bridge for `record-from-answer*`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.audio.sources import Voice
from simtel.engine.calls.call import Call
from simtel.engine.calls.legaudio import shifted
from simtel.engine.execution.dialed import dial_recording
from simtel.engine.execution.verbs import Leg
from simtel.engine.queues.queue import Member, Queue
from simtel.engine.queues.wait import queue_url
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext
    from simtel.engine.queues.lifecycle import Bridge, Queues

NO_SUCH_QUEUE = 12200
PEER_KEY = "queue-peer"


def dequeue(
    queues: Queues, leg: Leg, target: cmd.DialTarget, dial: cmd.Dial
) -> Generator[simpy.Event, Any, cmd.DialResult]:
    """Run `<Dial><Queue>` on `leg` (see the module docstring)."""
    sim = leg.sim
    if leg.gone:
        return cmd.DialResult("canceled", None, None, False, hangup=True)
    queue = queues.named(target.address, leg.call.account_sid)
    if queue is None:
        message = f"Dial->Queue: there is no queue named {target.address!r}"
        leg.notify(cmd.Notice(NO_SUCH_QUEUE, "warning", message))
        return cmd.DialResult("failed", None, None, False, hangup=leg.gone)
    recording = None
    if dial.record.startswith("record-from-ringing"):
        recording = dial_recording(sim, leg.call, dial)
    try:
        taken = yield from _wait_for_member(queues, queue, leg, float(dial.timeout))
        if taken is None:
            status = "canceled" if leg.gone else "no-answer"
            return _result(sim, status, None, recording, leg, queue)
        member, bridge = taken
        if recording is None:
            recording = dial_recording(sim, leg.call, dial)
        if recording is not None:
            recording.speakers = (leg.call, member.call)
        yield from _connect(
            queues, leg, member, bridge, target, float(dial.time_limit), dial.hangup_on_star
        )
        return _result(sim, "completed", member, recording, leg, queue, bridge)
    finally:
        if recording is not None and recording.is_active:
            sim.recorder.stop(recording)


def _wait_for_member(
    queues: Queues, queue: Queue, leg: Leg, timeout: float
) -> Generator[simpy.Event, Any, tuple[Member, Bridge] | None]:
    env = leg.env
    until = env.now + timeout
    while True:
        taken = queues.take_front(queue, leg.call)
        if taken is not None or queue.deleted or leg.gone or env.now >= until:
            return taken
        arrival = env.event()
        queue.dialers.append(arrival)
        yield env.any_of([arrival, leg.hangup_event(), env.timeout(until - env.now)])
        if arrival in queue.dialers:
            queue.dialers.remove(arrival)


def _connect(
    queues: Queues,
    leg: Leg,
    member: Member,
    bridge: Bridge,
    target: cmd.DialTarget,
    time_limit: float,
    hangup_on_star: bool = False,
) -> Generator[simpy.Event, Any, None]:
    sim, env, dequeuer, caller = leg.sim, leg.env, leg.call, member.call
    member_leg = Leg(sim, caller)
    try:
        if target.url and not member_leg.gone:
            params = (
                ("QueueSid", member.queue.sid),
                ("QueueTime", str(round(bridge.taken_at - member.enqueued_at))),
                ("DequeingCallSid", dequeuer.sid),
            )
            yield from queue_url(sim, caller, target.url, target.method, params)
        if leg.gone or member_leg.gone:
            return
        now = env.now
        bridge.started_at = now
        _open_peer(dequeuer, caller, now)
        _open_peer(caller, dequeuer, now)
        for hook in queues.on_bridge:
            hook(member.queue, member, bridge)
        try:
            ends = [leg.hangup_event(), member_leg.hangup_event(), bridge.cut]
            ends.append(env.timeout(time_limit))
            while True:
                key = dequeuer.context["key"]
                yield env.any_of([*ends, key] if hangup_on_star else ends)
                if any(end.processed for end in ends) or key.value == "*":
                    break  # `*` with hangupOnStar ends the bridge as the time limit does
        finally:
            end = env.now
            dequeuer.audio.close(PEER_KEY, end)
            caller.audio.close(PEER_KEY, end)
    finally:
        if not bridge.ended.triggered:
            bridge.ended.succeed()


def _result(
    sim: EngineContext,
    status: str,
    member: Member | None,
    recording: Recording | None,
    leg: Leg,
    queue: Queue,
    bridge: Bridge | None = None,
) -> cmd.DialResult:
    if recording is not None and recording.is_active:
        sim.recorder.stop(recording)
    params: cmd.Params = (("QueueSid", queue.sid),)
    duration = None
    if member is not None and bridge is not None:
        params += (("QueueTime", str(round(bridge.taken_at - member.enqueued_at))),)
        started = bridge.started_at
        duration = 0 if started is None else round(sim.env.now - started)
    return cmd.DialResult(
        status,
        member.call.sid if member is not None else None,
        duration,
        bridge is not None and bridge.started_at is not None,
        recording_url=recording_url(sim, recording.sid) if recording else None,
        recording_sid=recording.sid if recording else None,
        hangup=leg.gone,
        params=params,
    )


def _open_peer(listener: Call, speaker: Call, now: float) -> None:
    """`speaker`'s voice on `listener`'s outbound track from `now` until closed."""
    speech, answered = speaker.speech, speaker.answered_at
    if speech is None or answered is None or not speech.spurts:
        return
    voice = Voice(speech.seed, speech.pitch_hz, speech.spurts)
    listener.audio.open(PEER_KEY, "outbound", now, shifted(voice, now - answered))
