"""A call's life on event callbacks, where no process is needed: hang-up timers, and the dial of
a call that only talks (a trunk call). A SimPy event's `callbacks` run plain functions when it
fires; these use that instead of a generator process (no resume, no process-end event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy
from simpy.events import URGENT

from simtel.engine.calls.containment import fail_call

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.engine.calls.legs import CallEngine, Talk
    from simtel.engine.calls.moves import CallMoves

#: seconds from dialing to ringing (`CallEngine._outbound`, `TalkingDial`)
POST_DIAL_DELAY = 1.0


class HangUpTimer:
    """A hang-up timer: one timeout whose callback hangs the call up (`CallMoves._arm_hang_up`,
    a trunk call's calling side). It holds the call only while the call lives: `finish` (or
    the trunk) lets go, so a 4-hour time limit left in the queue keeps nothing alive. Timers of
    one instant fire in the order they were started."""

    __slots__ = ("call", "delay", "engine", "party_hangup")

    def __init__(self, engine: CallMoves, call: Call, delay: float, party_hangup: bool) -> None:
        self.engine = engine
        self.call: Call | None = call
        self.delay = delay
        self.party_hangup = party_hangup

    def start(self) -> None:
        timeout = self.engine.env.timeout(self.delay)
        timeout.callbacks.append(self.fire)

    def fire(self, _: simpy.Event) -> None:
        call = self.call
        if call is not None:
            self.call = None
            self.engine._timer_fired(call, self.party_hangup)


class TalkingDial:
    """Dials a call that only talks on event callbacks: the steps of `CallEngine._outbound`
    (`_dialing`, `_ringing`, `_rang`, then `talk`), each run by the SimPy event a process would
    have resumed on, at the same instant and in the same order: the first an urgent event
    scheduled now (where a process would start), then the post-dial timeout, then the ring's.
    No generator to resume and no process-end event; an exception inside a step ends the call
    as `contained` does (`fail_call`)."""

    __slots__ = ("call", "engine", "outcome", "talk")

    def __init__(self, engine: CallEngine, call: Call, talk: Talk) -> None:
        self.engine = engine
        self.call = call
        self.talk = talk
        self.outcome = ""

    def start(self) -> None:
        event = simpy.Event(self.engine.env)
        event._ok, event._value = True, None  # triggered, as `simpy.Timeout` does it
        event.callbacks.append(self._dial)
        self.engine.env.schedule(event, URGENT)

    def _dial(self, _: simpy.Event) -> None:
        try:
            if self.engine._dialing(self.call):
                self.engine.env.timeout(POST_DIAL_DELAY).callbacks.append(self._ring)
        except Exception as error:
            fail_call(self.engine, self.call, error)

    def _ring(self, _: simpy.Event) -> None:
        try:
            plan = self.engine._ringing(self.call)
            if plan is not None:
                self.outcome, wait = plan
                self.engine.env.timeout(wait).callbacks.append(self._answer)
        except Exception as error:
            fail_call(self.engine, self.call, error)

    def _answer(self, _: simpy.Event) -> None:
        try:
            if self.engine._rang(self.call, self.outcome):
                self.talk(self.call)
        except Exception as error:
            fail_call(self.engine, self.call, error)
