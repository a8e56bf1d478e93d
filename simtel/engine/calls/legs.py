"""Call legs built and placed: `CallEngine` creates a leg (`new_call`, `refused_call`), dials an
outbound one, starts an inbound one, and runs the leg's flow (TwiML) inside its own process.
What happens to a leg once placed (answer, hang-up, finish) is its base class, `CallMoves`
(`moves.py`).

Contract of a call's life, in simulated time, until it is answered:

* outbound: created `queued`; dialing starts at once (`initiated` callback); after
  `POST_DIAL_DELAY` it is `ringing`; then the party decides: answer after `answer_after` seconds
  (`in-progress`, `answered` callback), `busy`, `failed` (unreachable), or no answer within the
  dial timeout (`no-answer`). `cancel` ends a queued or ringing call as `canceled`.
* inbound: created `ringing`; its flow (TwiML) runs at once and answers the call when it executes
  its first verb that answers (`answer`); a flow that ends without answering leaves it
  `no-answer`, `busy` or `failed`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.audio.sources import voice_pitch
from simtel.engine.calls.call import Call, CallOptions
from simtel.engine.calls.containment import contained
from simtel.engine.calls.moves import CallHook, CallMoves
from simtel.engine.calls.parties import LEG_STREAM, Party, plan_speech
from simtel.engine.calls.steps import POST_DIAL_DELAY, TalkingDial
from simtel.engine.context import Flow
from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext


#: what a call that only talks sets up when answered (a trunk call's voices and recording)
Talk = Callable[[Call], None]

#: the fields of every `initiated` progress event (shared: event fields are never mutated)
_INITIATED = {"event": "initiated"}

BUSY_DELAY = 2.0


class CallEngine(CallMoves):
    """Creates calls and runs their lifecycles; with `CallMoves`, the one place call state
    changes."""

    def __init__(self, sim: EngineContext) -> None:
        super().__init__(sim)
        self.on_ringing: list[CallHook] = []
        self._count = 0
        #: the account's outbound API pacing: CreateCall calls start dialing at most this many
        #: per second; the excess waits in the queue (`queue_time`). `<Dial>` legs never wait.
        self.api_cps = 1.0
        self._next_api_slot = 0.0

    # -- creation -----------------------------------------------------------------------------
    def new_call(
        self,
        *,
        to: str,
        from_: str,
        direction: str,
        options: CallOptions,
        party: Party,
        parent: Call | None = None,
        status: str = "queued",
        phone_number_sid: str | None = None,
        trunk_sid: str | None = None,
        heard: bool = True,
        account_sid: str | None = None,
    ) -> Call:
        """A new Call resource (`call.created`). Its party's voice is planned from the leg's
        own key (`(seed, LEG_STREAM, n)` for the n-th call created) and drawn only when read;
        `heard=False` is a call nobody will ever hear (refused before it rings): no voice. The
        call belongs to `account_sid`, else to its parent's account, else to the main account."""
        call = self._build(
            to=to,
            from_=from_,
            direction=direction,
            options=options,
            party=party,
            parent=parent,
            status=status,
            phone_number_sid=phone_number_sid,
            trunk_sid=trunk_sid,
            heard=heard,
            account_sid=account_sid,
        )
        call.context["key"] = self.env.event()
        self.sim.calls[call.sid] = call
        self.sim.events.append(EventKind.CALL_CREATED, call.sid, call.fields())
        return call

    def refused_call(
        self,
        *,
        to: str,
        from_: str,
        direction: str,
        options: CallOptions,
        party: Party,
        trunk_sid: str | None = None,
        status: str = "failed",
        context: dict[str, Any] | None = None,
        account_sid: str | None = None,
    ) -> Call:
        """A Call refused before it is dialed (a trunk at capacity: SIP 503), ended the instant
        it is created: one `call.created` event carrying its final fields (status `status`,
        `start_time` = `end_time` = now, no duration, no price; what `new_call` then `finish`
        leave in the store), then the `on_end` hooks and its `completed` callback as `finish`
        runs them. No voice, no audio, no SimPy event; `context` is set before the hooks run."""
        call = self._build(
            to=to,
            from_=from_,
            direction=direction,
            options=options,
            party=party,
            parent=None,
            status=status,
            phone_number_sid=None,
            trunk_sid=trunk_sid,
            heard=False,
            account_sid=account_sid,
        )
        call.start_time = call.end_time = call.date_created
        if context:
            call.context.update(context)
        if self.sim.keep_media:
            self.sim.calls[call.sid] = call
        self.sim.events.append(EventKind.CALL_CREATED, call.sid, call.fields())
        for hook in self.on_end:
            hook(call)
        self.callbacks.send(call, "completed", status, call.context.get("completed_params", []))
        return call

    def _build(
        self,
        *,
        to: str,
        from_: str,
        direction: str,
        options: CallOptions,
        party: Party,
        parent: Call | None,
        status: str,
        phone_number_sid: str | None,
        trunk_sid: str | None,
        heard: bool,
        account_sid: str | None,
    ) -> Call:
        """A Call object, its voice planned (`new_call`), not yet registered or logged."""
        now = self.env.now
        call = Call(
            sid=self.sim.sids.mint("CA"),
            account_sid=account_sid or (parent.account_sid if parent else self.sim.account.sid),
            to=to,
            from_=from_,
            direction=direction,
            date_created=now,
            date_updated=now,
            options=options,
            party=party,
            parent_call_sid=parent.sid if parent else None,
            phone_number_sid=phone_number_sid,
            trunk_sid=trunk_sid,
            status=status,
            env=self.env,
        )
        if heard:
            pitch = party.pitch_hz or voice_pitch(self.sim.seed, self._count)
            call.speech = plan_speech(party, (self.sim.seed, LEG_STREAM, self._count), pitch)
        self._count += 1
        return call

    def start_outbound(
        self, call: Call, on_connect: Flow | None = None, *, talk: Talk | None = None
    ) -> simpy.Process:
        """Dial `call`'s party; once answered run `on_connect` (default: the call's flow), or,
        for a call that only talks (`talk`, or a call with no TwiML), set up the conversation
        and end the process: the call then lives on its hang-up timers, with no process."""
        flow = on_connect or self.sim.flow_for(call)
        if talk is None and flow == self.talk_until_hangup:
            talk = _no_set_up
        steps = self._outbound(call, flow, talk)
        return self.env.process(contained(self, call, steps))

    def start_talking(self, call: Call, talk: Talk) -> None:
        """`start_outbound(call, talk=talk)` for a call that waits for no API slot (not
        `outbound-api`: a trunk call), on event callbacks: no process (see `TalkingDial`)."""
        if call.direction == "outbound-api":
            raise ValueError("an outbound-api call waits for its API slot: use start_outbound")
        TalkingDial(self, call, talk).start()

    def start_inbound(self, call: Call) -> simpy.Process:
        self.callbacks.send(call, "initiated", "initiated")
        self.callbacks.send(call, "ringing", "ringing")
        return self.env.process(
            contained(self, call, self._run_flow(call, self.sim.flow_for(call)))
        )

    # -- processes ----------------------------------------------------------------------------
    def _outbound(
        self, call: Call, on_connect: Flow, talk: Talk | None
    ) -> Generator[simpy.Event, Any, None]:
        delay = self._queue_delay(call)
        if delay > 0:
            yield self.env.timeout(delay)
        if not self._dialing(call):
            return
        yield self.env.timeout(POST_DIAL_DELAY)
        plan = self._ringing(call)
        if plan is None:
            return
        outcome, wait = plan
        # a call canceled while ringing is over: the process just finds it so when it wakes
        yield self.env.timeout(wait)
        if not self._rang(call, outcome):
            return
        if talk is not None:
            talk(call)
            return
        yield from self._run_flow(call, on_connect)

    # The steps of dialing, shared by `_outbound` and `TalkingDial`.
    def _dialing(self, call: Call) -> bool:
        """Dialing starts (`initiated`); False when the call is over, or fails at once."""
        if not call.is_live:
            return False
        call.context["dialed"] = True
        call.start_time = self.env.now
        self.sim.events.append(EventKind.CALL_PROGRESS, call.sid, _INITIATED)
        self.callbacks.send(call, "initiated", "initiated")
        if call.party.outcome == "fail":
            self.finish(call, "failed")
            return False
        return True

    def _ringing(self, call: Call) -> tuple[str, float] | None:
        """The post-dial delay is over: `ringing`, and how the ringing ends (None: the call is
        over already)."""
        if not call.is_live:
            return None
        self.set_status(call, "ringing")
        self.callbacks.send(call, "ringing", "ringing")
        for hook in self.on_ringing:
            hook(call)
        return self._ring_plan(call)

    def _rang(self, call: Call, outcome: str) -> bool:
        """The ringing is over with `outcome`: True when the call was answered."""
        if not call.is_live:
            return False
        if outcome != "answer":
            self.finish(call, outcome)
            return False
        self.answer(call)
        return True

    def _queue_delay(self, call: Call) -> float:
        """Seconds `call` waits for an API dialing slot (0 for legs that are not outbound-api)."""
        if call.direction != "outbound-api" or self.api_cps <= 0:
            return 0.0
        now = self.env.now
        start = max(now, self._next_api_slot)
        self._next_api_slot = start + 1.0 / self.api_cps
        wait = start - now
        if wait > 0:
            call.queue_time = str(round(wait * 1000))
            self.sim.events.emit(EventKind.CALL_UPDATED, call.sid, queue_time=call.queue_time)
        return wait

    def _ring_plan(self, call: Call) -> tuple[str, float]:
        party, timeout = call.party, call.options.timeout
        if party.outcome == "busy":
            return "busy", BUSY_DELAY
        if party.outcome == "no-answer" or party.answer_after >= timeout:
            return "no-answer", timeout
        return "answer", party.answer_after

    def _run_flow(self, call: Call, flow: Flow) -> Generator[simpy.Event, Any, None]:
        """Run `flow` inside the call's own process; complete the call when it returns."""
        if flow == self.talk_until_hangup:
            # plain talk: answered now, then the call lives on its hang-up timers
            if call.direction == "inbound" and call.status == "ringing":
                self.answer(call)
            return
        yield from flow(call)
        if call.is_live:
            self.finish(call, "completed" if call.answered_at is not None else "no-answer")

    def talk_until_hangup(self, call: Call) -> Generator[simpy.Event, Any, None]:
        """The flow of a call with no TwiML: an inbound call is answered at once, then the
        parties talk until one of them hangs up. The engine recognises this flow and runs no
        process for it (`_run_flow`); run as a process, it waits for the end of the call."""
        if call.direction == "inbound" and call.status == "ringing":
            self.answer(call)
        yield call.ended


def _no_set_up(call: Call) -> None:
    """A connected call that only talks, with nothing to set up."""
