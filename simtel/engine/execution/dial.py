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

from simtel.audio.sources import Ringback, Voice
from simtel.engine.calls.call import Call, CallbackConfig, CallOptions
from simtel.engine.calls.legaudio import shifted
from simtel.engine.context import Flow
from simtel.engine.execution.verbs import Leg, play, recording_options
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recorder import call_layout
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


class DialFlows(Protocol):
    """What `<Dial>` needs from the flow machinery (kept apart to avoid an import cycle)."""

    def leg_flow(self, phase: Phase) -> Flow:
        """The flow of a child leg: runs `phase`, and can be redirected by the REST API."""
        ...

    def whisper(
        self, call: Call, url: str, method: str
    ) -> Generator[simpy.Event, Any, cmd.CallEnd]: ...


@dataclass(eq=False)
class _Child:
    target: cmd.DialTarget
    call: Call
    ready: simpy.Event  # value True: bridge it; False: the whisper refused the call
    left: simpy.Event  # the child's dial phase ended (hung up or redirected away)
    redirected: bool = False  # the REST API took the child out of the dial


class DialRun:
    """One execution of a `<Dial>` command on `leg` (the parent)."""

    def __init__(self, leg: Leg, command: cmd.Dial, flows: DialFlows) -> None:
        self.leg = leg
        self.sim: EngineContext = leg.sim
        self.env = leg.env
        self.parent = leg.call
        self.command = command
        self.flows = flows
        self.children: list[_Child] = []
        self.recording: Recording | None = None

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
        try:
            winner = yield from self._ring_all()
            if winner is None:
                return self._unanswered()
            return (yield from self._connect(winner))
        finally:
            self._clean_up()

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
            answered = [c for c in ringing if _fired(c.call.answered)]
            live = [c for c in ringing if not _fired(c.call.ended)]
            if answered or not live or self.leg.gone:
                winner = None if self.leg.gone or not answered else answered[0]
                for child in ringing:
                    if child is not winner:
                        self._drop(child.call)
                return winner
            events = [self.leg.hangup_event()]
            for child in live:
                assert child.call.answered is not None and child.call.ended is not None
                events += [child.call.answered, child.call.ended]
            yield self.env.any_of(events)

    def _dial(self, target: cmd.DialTarget) -> _Child:
        parent, engine = self.parent, self.sim.call_engine
        to = target.address
        if target.kind == "client" and not to.startswith("client:"):
            to = f"client:{to}"
        status = CallbackConfig(
            target.status_callback,
            target.status_callback_method,
            target.status_callback_event or ("completed",),
        )
        call = engine.new_call(
            to=to,
            from_=self.command.caller_id or parent.from_,
            direction="outbound-dial",
            options=CallOptions(
                timeout=float(self.command.timeout) + DIAL_TIMEOUT_BUFFER, status=status
            ),
            party=self.sim.party_for(to),
            parent=parent,
        )
        child = _Child(target, call, self.env.event(), self.env.event())
        self.children.append(child)
        engine.start_outbound(call, on_connect=self.flows.leg_flow(lambda _: self._phase(child)))
        return child

    def _phase(self, child: _Child) -> Generator[simpy.Event, Any, None]:
        """What runs on the child leg once it answers: digits, whisper, then the bridge."""
        leg = Leg(self.sim, child.call)
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
            if not child.ready.triggered:
                child.ready.succeed(accepted and not leg.gone)
            if accepted:
                yield leg.hangup_event()
        except simpy.Interrupt:
            child.redirected = True
            raise
        finally:
            if not child.ready.triggered:
                child.ready.succeed(False)
            if not child.left.triggered:
                child.left.succeed()

    # --- answered ------------------------------------------------------------------------

    def _connect(self, winner: _Child) -> Generator[simpy.Event, Any, cmd.DialResult]:
        if self.command.record.startswith("record-from-answer"):
            self._start_recording()
        if self.recording is not None:
            self.recording.speakers = (self.parent, winner.call)
        yield self.env.any_of([winner.ready, winner.left, self.leg.hangup_event()])
        if self.leg.gone or not (winner.ready.triggered and winner.ready.value):
            return self._result("completed", winner, bridged=False)
        yield from self._bridge(winner)
        return self._result("completed", winner, bridged=True)

    def _bridge(self, winner: _Child) -> Generator[simpy.Event, Any, None]:
        parent, child = self.parent, winner.call
        now = self.env.now
        parent.audio.close("ringback", now)
        if parent.status == "ringing":
            self.sim.call_engine.answer(parent)  # answerOnBridge
        _open_peer(parent, child, now)
        _open_peer(child, parent, now)
        try:
            yield from self._until_bridge_ends(winner, now + self.command.time_limit)
        finally:
            end = self.env.now
            parent.audio.close("peer", end)
            child.audio.close("peer", end)

    def _until_bridge_ends(self, winner: _Child, until: float) -> Generator[simpy.Event, Any, None]:
        """Either leg hangs up, the child leaves, `timeLimit`, or `*` with `hangupOnStar`."""
        child = winner.call
        assert child.ended is not None
        while True:
            limit = _TimeLimit(self.env, max(0.0, until - self.env.now))
            assert limit.event is not None
            events = [self.leg.hangup_event(), child.ended, winner.left, limit.event]
            key: simpy.Event | None = None
            if self.command.hangup_on_star:
                key = self.parent.context["key"]
                events.append(key)
            try:
                yield self.env.any_of(events)
            finally:
                limit.release()
            others = self.leg.gone or child.ended.triggered or winner.left.triggered
            if key is None or not key.triggered or key.value == "*" or others:
                return
            if self.env.now >= until:
                return

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
        self.parent.audio.close("ringback", self.env.now)
        self._stop_recording()
        for child in self.children:
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


class _TimeLimit:
    """A bridge's `timeLimit` that lets go once the bridge ends: the timeout left in the queue
    (for up to 4 hours) then holds only this empty shell, never the bridge's events.

    `event` is processed in the very step that processes the timeout (its callbacks run there
    and then, as the timeout's own would), so the event order is that of a plain timeout."""

    __slots__ = ("event",)

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        self.event: simpy.Event | None = simpy.Event(env)
        timeout = env.timeout(delay)
        assert timeout.callbacks is not None
        timeout.callbacks.append(self._elapsed)

    def _elapsed(self, _: simpy.Event) -> None:
        event, self.event = self.event, None
        if event is None or event.callbacks is None:
            return
        callbacks = event.callbacks
        event._ok, event._value = True, None
        event.callbacks = None  # type: ignore[assignment]  # processed, as `Environment.step` does
        for callback in callbacks:
            callback(event)

    def release(self) -> None:
        self.event = None


def _fired(event: simpy.Event | None) -> bool:
    return event is not None and event.triggered


def _open_peer(listener: Call, speaker: Call, now: float) -> None:
    """`speaker`'s voice on `listener`'s outbound track from `now` until closed."""
    speech, answered = speaker.speech, speaker.answered_at
    if speech is None or answered is None or not speech.spurts:
        return
    voice = Voice(speech.seed, speech.pitch_hz, speech.spurts)
    listener.audio.open("peer", "outbound", now, shifted(voice, now - answered))


def dial_recording(sim: EngineContext, call: Call, dial: cmd.Dial) -> Recording | None:
    """`<Dial record>`: a recording of `call`'s own leg (source `DialVerb`), dual-channel only
    for `record-*-dual` with `recordingTrack="both"`; None for `do-not-record`."""
    if dial.record == "do-not-record":
        return None
    dual = dial.record.endswith("-dual") and dial.recording_track == "both"
    options = recording_options(dial, "dual" if dual else "mono", dial.recording_track)
    recorder = sim.recorder
    return recorder.start(
        owner=call.sid,
        call_sid=recorder.parent_sid(call),
        conference_sid=None,
        source="DialVerb",
        options=options,
        layout=call_layout(call, options.channels, options.track),
        speakers=(call,),
    )
