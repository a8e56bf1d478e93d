"""`<Dial>`: a `DialRun` from dialing to its outcome: ringback, the bridge, its end, its
recording, and the `DialCallStatus` the parent goes on with (ringing the child legs and choosing
one: `simtel.engine.execution.ringing`).

Contract, in simulated time (the parent is the call running the `<Dial>`):

* From dialing until the bridge the parent hears ringback (its outbound track).
* A winner whose whisper refused the call is hung up: `DialCallStatus=completed`,
  `DialBridged=false`.
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

from collections.abc import Generator
from typing import Any

import simpy

from simtel.audio.sources import Ringback
from simtel.engine.execution.dialed import dial_recording, hangs_up_before, open_peer
from simtel.engine.execution.ringing import DialChild, DialFlows, DialRinging, RedirectableChild
from simtel.engine.execution.verbs import Leg
from simtel.engine.execution.waits import Alarm, unwatch_gone, watch_gone
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from twiml import commands as cmd

CONFERENCE_UNSUPPORTED = 13237


class DialRun(DialRinging):
    """One execution of a `<Dial>` command on `leg` (the parent).

    The parent's process sleeps on one plain event (`_asleep`) that whatever concerns the dial
    pokes: a child answering (or its whisper ending), either leg gone (`waits.watch_gone`), the
    `timeLimit`, `*` with `hangupOnStar`, a child redirected away. No `AnyOf`, and a child that
    has nothing to run once answered (no `sendDigits`, no whisper) has no process left: it
    talks on its hang-up timers until the bridge ends."""

    def __init__(self, leg: Leg, command: cmd.Dial, flows: DialFlows) -> None:
        super().__init__(leg, command, flows)
        self.recording: Recording | None = None
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

    # --- answered ------------------------------------------------------------------------

    def _connect(self, winner: DialChild) -> Generator[simpy.Event, Any, cmd.DialResult]:
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

    def _bridge(self, winner: DialChild) -> Generator[simpy.Event, Any, None]:
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

    def _until_bridge_ends(
        self, winner: DialChild, until: float
    ) -> Generator[simpy.Event, Any, None]:
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

    def _result(self, status: str, child: DialChild, *, bridged: bool) -> cmd.DialResult:
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
            if isinstance(flow, RedirectableChild) and flow.run is self:
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
