"""`<Dial>`'s child legs, from dialing until one is chosen: `DialRinging`, the first half of a
`DialRun` (`simtel.engine.execution.dial`), and the redirect of an answered child.

* Every `<Number>`/`<Client>`/`<Sip>` target becomes an `outbound-dial` child leg created at
  once (never queued), `From` = `callerId` or the parent's `From`, ringing for `timeout`
  seconds plus Twilio's 5-second buffer (`DIAL_TIMEOUT_BUFFER`). Parallel dialing: the first
  leg to answer wins, the others are canceled. Sequential dialing: one leg after the other
  until one answers.
* The winner's `sendDigits` are played to it, then its whisper document (`<Number url>`) runs
  on it; a whisper that ends in anything but running out of verbs (`<Hangup>`, an error, the
  callee hanging up) refuses the call (`DialCallStatus=completed`, `DialBridged=false`).
* A child that answers with nothing to run (no `sendDigits`, no whisper) has no process: its
  flow is a `RedirectableChild`, through which a REST redirect takes it out of the dial.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.context import Flow
from simtel.engine.execution.dialed import child_options
from simtel.engine.execution.verbs import Leg, play
from simtel.engine.execution.waits import relayed, watch_gone
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

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

    def detached(self, call: Call, request: cmd.InitialRequest) -> None:
        """Run `request` on `call` in a process of its own, then end the call."""
        ...


@dataclass(eq=False)
class DialChild:
    target: cmd.DialTarget
    call: Call
    ready: bool | None = None  # True: bridge it; False: the whisper refused the call
    redirected: bool = False  # the REST API took the child out of the dial

    @property
    def left(self) -> bool:
        """The child is out of the dial: hung up, ended, or redirected away."""
        call = self.call
        return self.redirected or call.hung_up or not call.is_live


class DialRinging:
    """The parent's `<Dial>` until a child is chosen: the child legs (`children`), ringing them,
    what runs on a child once it answers, and the one event the parent sleeps on (`_asleep`),
    which whatever concerns the dial pokes (`_poke`)."""

    def __init__(self, leg: Leg, command: cmd.Dial, flows: DialFlows) -> None:
        self.leg = leg
        self.sim: EngineContext = leg.sim
        self.env = leg.env
        self.parent = leg.call
        self.command = command
        self.flows = flows
        self.children: list[DialChild] = []
        self._wake: simpy.Event | None = None
        self._relay_poke = lambda: relayed(self.env, self._poke)

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

    def _ring_all(self) -> Generator[simpy.Event, Any, DialChild | None]:
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
    ) -> Generator[simpy.Event, Any, DialChild | None]:
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

    def _dial(self, target: cmd.DialTarget) -> DialChild:
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
        child = DialChild(target, call)
        self.children.append(child)
        watch_gone(call, self._relay_poke)
        if target.send_digits or target.url:
            phase = self.flows.leg_flow(lambda _: self._phase(child))
            engine.start_outbound(call, on_connect=phase)
        else:
            engine.start_outbound(call, talk=lambda _: self._answered(child))
        return child

    def _answered(self, child: DialChild) -> None:
        """A child with nothing to run answered: ready to bridge, its process ends here (a REST
        redirect finds `RedirectableChild` as its flow)."""
        child.ready = True
        child.call.context["flow"] = RedirectableChild(self, child)
        self._poke()

    def _phase(self, child: DialChild) -> Generator[simpy.Event, Any, None]:
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

    def _drop(self, call: Call) -> None:
        """Cancel a ringing child or hang up an answered one."""
        engine = self.sim.call_engine
        if call.status in ("queued", "ringing"):
            engine.cancel(call)
        elif call.in_progress:
            engine.finish(call, "completed")


class RedirectableChild:
    """The flow (`call.context["flow"]`) of a dialed leg that answered with nothing to run: a
    REST redirect takes it out of the dial (the parent goes on, it is not hung up) and runs the
    new document on it, in a process of its own, from the next step (as `FlowRunner.redirect`
    does for a leg whose flow is running)."""

    __slots__ = ("child", "pending", "run", "running")

    def __init__(self, run: DialRinging, child: DialChild) -> None:
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
