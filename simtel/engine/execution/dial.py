"""`<Dial>`: child legs, ringing, the race to answer, whisper, the bridge and its recording.

Contract, in simulated time (the parent is the call running the `<Dial>`):

* Every `<Number>`/`<Client>`/`<Sip>` target becomes an `outbound-dial` child leg created at
  once (never queued), `From` = `callerId` or the parent's `From`, ringing for `timeout`
  seconds plus Twilio's 5-second buffer (`DIAL_TIMEOUT_BUFFER`). Parallel dialing: the first
  leg to answer wins, the others are canceled. Sequential dialing: one leg after the other
  until one answers.
* From dialing until the bridge the parent hears ringback (its outbound track).
* The winner's `sendDigits` are played to it, then its whisper document (`<Number url>`) runs
  on it; a whisper that ends in anything but running out of verbs (`<Hangup>`, an error, the
  callee hanging up) hangs the child up: `DialCallStatus=completed`, `DialBridged=false`.
* Bridged, each leg hears the other's voice on its outbound track. The bridge ends when either
  leg hangs up, `timeLimit` passes, the parent presses `*` with `hangupOnStar`, or the child
  is redirected away (REST). The child is then hung up (unless redirected), the parent goes on.
* `record`: `record-from-ringing[-dual]` starts the recording when dialing starts,
  `record-from-answer[-dual]` when the winner answers; it is the parent's two tracks (inbound
  = the caller, channel 1; outbound = ringback and the child, channel 2), mixed for mono,
  one track alone for `recordingTrack` inbound/outbound; stopped when the `<Dial>` ends.
* When the parent hangs up, every child is canceled or hung up; the result has `hangup=True`
  and `DialCallStatus` `canceled` when nobody had answered (simtel's choice).
* `answerOnBridge` leaves an inbound parent ringing until the bridge (it hears ringback).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from simtel.audio.sources import Ringback
from simtel.engine.calls.call import Call
from simtel.engine.context import Flow
from simtel.engine.execution.dialed import (
    child_options,
    dial_recording,
    hangs_up_before,
    open_peer,
)
from simtel.engine.execution.verbs import Leg, play
from simtel.engine.execution.waits import Alarm, relayed, unwatch_gone, watch_gone
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

CONFERENCE_UNSUPPORTED = 13237
#: DOC-DIAL: "Twilio always adds a 5-second timeout buffer to outgoing calls, so a timeout value
#: of 10 seconds could result in an actual timeout closer to 15 seconds": a child rings this long
#: beyond the `<Dial timeout>` before it is `no-answer` (CreateCall's `Timeout` says only "for
#: some call flows", so API calls ring exactly their `Timeout`)
DIAL_TIMEOUT_BUFFER = 5.0
Phase = Callable[[Call], Generator[simpy.Event, Any, None]]
__all__ = ["DIAL_TIMEOUT_BUFFER", "DialFlows", "DialRun", "Phase", "dial_recording"]


class DialFlows(Protocol):
    """What `<Dial>` needs from the flow machinery (kept apart to avoid an import cycle)."""

    def leg_flow(self, phase: Phase) -> Flow:
        """The flow of a child leg: runs `phase`, and can be redirected by the REST API."""
        ...

    def whisper(
        self, call: Call, url: str, method: str
    ) -> Generator[simpy.Event, Any, cmd.CallEnd]: ...

    def detached(self, call: Call, request: cmd.InitialRequest) -> None:
        """Run `request` on `call` in a process of its own, then end the call."""
        ...


@dataclass(eq=False)
class _Child:
    target: cmd.DialTarget
    call: Call
    ready: bool | None = None  # True: bridge it; False: the whisper refused the call
    redirected: bool = False  # the REST API took the child out of the dial

    @property
    def left(self) -> bool:
        """The child is out of the dial: hung up, ended, or redirected away."""
        call = self.call
        return self.redirected or call.hung_up or not call.is_live


class DialRun:
    """One execution of a `<Dial>` command on `leg` (the parent).

    The parent's process sleeps on one plain event (`_asleep`) that whatever concerns the dial
    pokes: a child answering (or its whisper ending), either leg gone (`waits.watch_gone`), the
    `timeLimit`, `*` with `hangupOnStar`, a child redirected away. No `AnyOf`, and a child that
    has nothing to run once answered (no `sendDigits`, no whisper) has no process left: it
    talks on its hang-up timers until the bridge ends."""

    def __init__(self, leg: Leg, command: cmd.Dial, flows: DialFlows) -> None:
        self.leg = leg
        self.sim: EngineContext = leg.sim
        self.env = leg.env
        self.parent = leg.call
        self.command = command
        self.flows = flows
        self.children: list[_Child] = []
        self.recording: Recording | None = None
        self._wake: simpy.Event | None = None
        self._relay_poke = lambda: relayed(self.env, self._poke)
        self._star = False
        self._time_up = False
        self._over = False
        self._alarm: Alarm | None = None

    def run(self) -> Generator[simpy.Event, Any, cmd.DialResult]:
        conference = next((t for t in self.command.targets if t.kind == "conference"), None)
        if conference is not None:
            return (yield from self._conference(conference))
        queue = next((t for t in self.command.targets if t.kind == "queue"), None)
        if queue is not None:  # simtel.engine.queues
            result: cmd.DialResult = yield from self.sim.queues.dial(self.leg, queue, self.command)
            return result
        if self.leg.gone:
            return cmd.DialResult("canceled", None, None, False, hangup=True)
        self.parent.audio.open("ringback", "outbound", self.env.now, Ringback())
        if self.command.record.startswith("record-from-ringing"):
            self._start_recording()
        watch_gone(self.parent, self._relay_poke)
        try:
            winner = yield from self._ring_all()
            if winner is None:
                return self._unanswered()
            return (yield from self._connect(winner))
        finally:
            self._clean_up()

    # --- waking --------------------------------------------------------------------------

    def _asleep(self) -> simpy.Event:
        """The event the parent waits on until something pokes it."""
        wake = self._wake = simpy.Event(self.env)
        return wake

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and not wake.triggered:
            wake.succeed()

    # --- ringing -------------------------------------------------------------------------

    def _ring_all(self) -> Generator[simpy.Event, Any, _Child | None]:
        targets = self.command.targets
        if not self.command.sequential:
            return (yield from self._ring(targets))
        for target in targets:
            winner = yield from self._ring((target,))
            if winner is not None or self.leg.gone:
                return winner
        return None

    def _ring(
        self, targets: tuple[cmd.DialTarget, ...]
    ) -> Generator[simpy.Event, Any, _Child | None]:
        """Ring `targets` at once; the first to answer wins and the others are canceled."""
        ringing = [self._dial(target) for target in targets]
        while True:
            answered = [c for c in ringing if c.call.answered_at is not None]
            live = [c for c in ringing if c.call.is_live]
            if answered or not live or self.leg.gone:
                winner = None if self.leg.gone or not answered else answered[0]
                for child in ringing:
                    if child is not winner:
                        self._drop(child.call)
                return winner
            yield self._asleep()

    def _dial(self, target: cmd.DialTarget) -> _Child:
        parent, engine = self.parent, self.sim.call_engine
        to = target.address
        if target.kind == "client" and not to.startswith("client:"):
            to = f"client:{to}"
        call = engine.new_call(
            to=to,
            from_=self.command.caller_id or parent.from_,
            direction="outbound-dial",
            options=child_options(
                float(self.command.timeout) + DIAL_TIMEOUT_BUFFER,
                target.status_callback,
                target.status_callback_method,
                target.status_callback_event or ("completed",),
            ),
            party=self.sim.party_for(to),
            parent=parent,
        )
        child = _Child(target, call)
        self.children.append(child)
        watch_gone(call, self._relay_poke)
        if target.send_digits or target.url:
            phase = self.flows.leg_flow(lambda _: self._phase(child))
            engine.start_outbound(call, on_connect=phase)
        else:
            engine.start_outbound(call, talk=lambda _: self._answered(child))
        return child

    def _answered(self, child: _Child) -> None:
        """A child with nothing to run answered: ready to bridge, its process ends here (a REST
        redirect finds `_Redirectable` as its flow)."""
        child.ready = True
        child.call.context["flow"] = _Redirectable(self, child)
        self._poke()

    def _phase(self, child: _Child) -> Generator[simpy.Event, Any, None]:
        """What runs on the child leg once it answers: digits, whisper, then the bridge."""
        leg = Leg(self.sim, child.call)
        self._poke()  # answered: the parent stops ringing the others
        try:
            digits = child.target.send_digits
            if digits:
                yield from play(leg, cmd.Play(None, 1, digits))
            accepted = True
            if child.target.url and not leg.gone:
                end = yield from self.flows.whisper(
                    child.call, child.target.url, child.target.method
                )
                accepted = end.reason == "end-of-document"
            if child.ready is None:
                child.ready = accepted and not leg.gone
                self._poke()
            if accepted:
                yield leg.hangup_event()
        except simpy.Interrupt:
            child.redirected = True
            raise
        finally:
            if child.ready is None:
                child.ready = False
            self._poke()

    # --- answered ------------------------------------------------------------------------

    def _connect(self, winner: _Child) -> Generator[simpy.Event, Any, cmd.DialResult]:
        if self.command.record.startswith("record-from-answer"):
            self._start_recording()
        if self.recording is not None:
            self.recording.speakers = (self.parent, winner.call)
        while winner.ready is None and not winner.left and not self.leg.gone:
            yield self._asleep()
        if self.leg.gone or not winner.ready:
            return self._result("completed", winner, bridged=False)
        yield from self._bridge(winner)
        return self._result("completed", winner, bridged=True)

    def _bridge(self, winner: _Child) -> Generator[simpy.Event, Any, None]:
        parent, child = self.parent, winner.call
        now = self.env.now
        parent.audio.close("ringback", now)
        if parent.status == "ringing":
            self.sim.call_engine.answer(parent)  # answerOnBridge
        open_peer(parent, child, now)
        open_peer(child, parent, now)
        try:
            yield from self._until_bridge_ends(winner, now + self.command.time_limit)
        finally:
            end = self.env.now
            parent.audio.close("peer", end)
            child.audio.close("peer", end)

    def _until_bridge_ends(self, winner: _Child, until: float) -> Generator[simpy.Event, Any, None]:
        """Either leg hangs up, the child leaves, `timeLimit`, or `*` with `hangupOnStar`.

        The `timeLimit` timer is left out when a leg's own hang-up timer ends the bridge first
        (it would fire, for nothing, up to 4 hours later)."""
        env, child = self.env, winner.call
        delay = max(0.0, until - env.now)
        if not (
            hangs_up_before(child, env.now + delay) or hangs_up_before(self.parent, env.now + delay)
        ):
            self._alarm = Alarm(env, delay, self._time_limit)
        if self.command.hangup_on_star:
            self._watch_keys()
        while not (self.leg.gone or winner.left or self._time_up or self._star):
            yield self._asleep()

    def _time_limit(self) -> None:
        self._time_up = True
        self._poke()

    def _watch_keys(self) -> None:
        key: simpy.Event = self.parent.context["key"]
        key.callbacks.append(self._key)

    def _key(self, key: simpy.Event) -> None:
        if self._over:
            return
        if key.value == "*":
            self._star = True
            self._poke()
        else:
            self._watch_keys()  # the next key (`CallEngine` makes a new event per key)

    # --- results and cleanup -------------------------------------------------------------

    def _result(self, status: str, child: _Child, *, bridged: bool) -> cmd.DialResult:
        self._stop_recording()
        if not child.redirected:
            self._drop(child.call)
        duration = None if child.redirected else child.call.duration
        return cmd.DialResult(
            status,
            child.call.sid,
            duration,
            bridged,
            recording_url=self._recording_url(),
            recording_sid=self.recording.sid if self.recording else None,
            hangup=self.leg.gone,
        )

    def _unanswered(self) -> cmd.DialResult:
        """DialCallStatus of the leg that ended last (its busy / no-answer / failed)."""
        self._stop_recording()
        last = max(self.children, key=lambda c: c.call.end_time or 0.0, default=None)
        status = last.call.status if last is not None else "failed"
        if self.leg.gone:
            status = "canceled"
        return cmd.DialResult(
            status,
            last.call.sid if last is not None else None,
            None,
            False,
            recording_url=self._recording_url(),
            recording_sid=self.recording.sid if self.recording else None,
            hangup=self.leg.gone,
        )

    def _drop(self, call: Call) -> None:
        """Cancel a ringing child or hang up an answered one."""
        engine = self.sim.call_engine
        if call.status in ("queued", "ringing"):
            engine.cancel(call)
        elif call.in_progress:
            engine.finish(call, "completed")

    def _clean_up(self) -> None:
        self._over = True
        if self._alarm is not None:
            self._alarm.release()
        self.parent.audio.close("ringback", self.env.now)
        self._stop_recording()
        unwatch_gone(self.parent, self._relay_poke)
        for child in self.children:
            unwatch_gone(child.call, self._relay_poke)
            flow = child.call.context.get("flow")
            if isinstance(flow, _Redirectable) and flow.run is self:
                flow.running = False
                del child.call.context["flow"]
            if not child.redirected:
                self._drop(child.call)

    def _start_recording(self) -> None:
        self.recording = dial_recording(self.sim, self.parent, self.command)

    def _stop_recording(self) -> None:
        if self.recording is not None and self.recording.is_active:
            self.sim.recorder.stop(self.recording)

    def _recording_url(self) -> str | None:
        return recording_url(self.sim, self.recording.sid) if self.recording else None

    def _conference(self, target: cmd.DialTarget) -> Generator[simpy.Event, Any, cmd.DialResult]:
        conferences = getattr(self.sim, "conferences", None)
        if conferences is not None:
            result: cmd.DialResult = yield from conferences.join(self.parent, target, self.command)
            return result
        notice = cmd.Notice(
            CONFERENCE_UNSUPPORTED,
            "error",
            f"Dial: Conference is not supported yet (conference {target.address!r})",
        )
        self.leg.notify(notice)
        return cmd.DialResult("failed", None, None, False, hangup=self.leg.gone)


class _Redirectable:
    """The flow (`call.context["flow"]`) of a dialed leg that answered with nothing to run: a
    REST redirect takes it out of the dial (the parent goes on, it is not hung up) and runs the
    new document on it, in a process of its own, from the next step (as `FlowRunner.redirect`
    does for a leg whose flow is running)."""

    __slots__ = ("child", "pending", "run", "running")

    def __init__(self, run: DialRun, child: _Child) -> None:
        self.run = run
        self.child = child
        self.running = True
        self.pending: cmd.InitialRequest | None = None

    def redirect(self, request: cmd.InitialRequest) -> None:
        if self.pending is None:
            timeout = self.run.env.timeout(0)
            timeout.callbacks.append(self._redirected)
        self.pending = request

    def _redirected(self, _: simpy.Event) -> None:
        request, self.pending = self.pending, None
        run, call = self.run, self.child.call
        if not self.running or request is None or not call.in_progress:
            return
        self.running = False
        self.child.redirected = True
        if call.context.get("flow") is self:
            del call.context["flow"]
        run.flows.detached(call, request)
        run._poke()
