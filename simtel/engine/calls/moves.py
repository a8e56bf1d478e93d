"""A placed call leg's status moves, the one place they happen: `CallMoves`, the base of
`CallEngine` (`legs.py`, which builds and places legs).

Once answered (`answer`: `in-progress`, the party's voice, its hang-up timer and key presses)
the call lives until the far party hangs up (`hangup_after`), its flow ends (Twilio hangs up),
the API completes it, or `time_limit` passes. Ending is `finish`: it sets `end_time`,
`duration` (answered seconds, rounded) and `price`, then sends `completed`. `cancel` ends a
queued or ringing call as `canceled`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.audio.sources import Dtmf, Voice
from simtel.engine import lifecycle
from simtel.engine.calls.call import API_FIELDS, Call
from simtel.engine.calls.callbacks import CallCallbacks
from simtel.engine.calls.steps import HangUpTimer
from simtel.errors import InvalidCallState
from simtel.events import EventKind
from simtel.pricing import CALL_RATES, charge

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext


CallHook = Callable[[Call], None]

#: `call.context` key of the callables run (once, in order) when the call is gone: the far
#: party hung up or the call ended. What a waiting TwiML flow watches instead of `Call.gone`:
#: a hook costs no SimPy event unless it fires (`simtel.engine.execution.waits`).
GONE_HOOKS = "gone_hooks"

DTMF_LENGTH = 0.1


class CallMoves:
    """A call leg's status moves, its hang-up timer and its key presses."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.callbacks = CallCallbacks(sim)
        self.on_answer: list[CallHook] = []
        self.on_end: list[CallHook] = []

    # -- state changes ------------------------------------------------------------------------
    def set_status(self, call: Call, status: str, **changes: Any) -> None:
        lifecycle.advance(lifecycle.CALL_TRANSITIONS, call.status, status, code=21220, what="call")
        now = self.env.now
        call.status = status
        call.date_updated = now
        fields: dict[str, Any] = {"status": status, "date_updated": now}
        for name, value in changes.items():
            setattr(call, name, value)
            key = "from" if name == "from_" else name
            if key in API_FIELDS:
                fields[key] = call.api_field(key)
        self.sim.events.append(EventKind.CALL_UPDATED, call.sid, fields)

    def answer(self, call: Call) -> None:
        """The far end picked up: `in-progress`, voice starts, hang-up timer and key presses run."""
        if call.status == "in-progress":
            return
        lifecycle.advance(
            lifecycle.CALL_TRANSITIONS, call.status, "in-progress", code=21220, what="call"
        )
        now = self.env.now
        call.status, call.date_updated, call.start_time, call.answered_at = (
            "in-progress",
            now,
            now,
            now,
        )
        fields = {"status": "in-progress", "date_updated": now, "start_time": now}
        self.sim.events.append(EventKind.CALL_UPDATED, call.sid, fields)
        speech = call.speech
        if speech is not None and speech.spurts:
            voice = Voice(speech.seed, speech.pitch_hz, speech.spurts)
            call.audio.open("voice", "inbound", now, voice)
        if call._answered is not None:
            call._answered.succeed()
        self.callbacks.send(call, "answered", "in-progress")
        for hook in self.on_answer:
            hook(call)
        self._arm_hang_up(call)
        for press in call.party.presses:
            self.env.process(self._press_later(call, press.at, press.digits, press.interval))

    def finish(self, call: Call, status: str = "completed") -> None:
        """End a live call with a terminal `status`; idempotent for calls already ended.

        `on_end` hooks run before the `completed` callback, so they can add parameters to it
        through `call.context["completed_params"]` (the recording of a `Record=true` call).
        """
        if not call.is_live:
            return
        now = self.env.now
        duration = price = None
        if call.answered_at is not None:
            duration = round(now - call.answered_at)
            price = charge(duration, CALL_RATES.get(call.direction, CALL_RATES["outbound-api"]))
        if call.has_audio:
            call.audio.close_all(now)
        if call.speech is not None and call.answered_at is not None:
            call.speech = call.speech.until(now - call.answered_at)  # all it can still be heard
        if call.hang_up_timer is not None:
            call.hang_up_timer.call = None
        lifecycle.advance(lifecycle.CALL_TRANSITIONS, call.status, status, code=21220, what="call")
        start = call.start_time if call.start_time is not None else now
        call.status, call.date_updated, call.end_time = status, now, now
        call.duration, call.price, call.start_time = duration, price, start
        fields = {
            "status": status,
            "date_updated": now,
            "end_time": now,
            "duration": None if duration is None else str(duration),
            "price": price,
            "start_time": start,
        }
        self.sim.events.append(EventKind.CALL_UPDATED, call.sid, fields)
        for hook in self.on_end:
            hook(call)
        if call.status != "canceled" or call.context.get("dialed"):
            extra = call.context.get("completed_params", [])
            self.callbacks.send(call, "completed", status, extra)
        if call._ended is not None and not call._ended.triggered:
            call._ended.succeed(status)
        if call._gone is not None and not call._gone.triggered:
            call._gone.succeed()
        _run_gone_hooks(call)
        if not self.sim.keep_media:
            self.sim.calls.pop(call.sid, None)

    def hangup(self, call: Call) -> None:
        """The far party (or the API) hangs up: an answered call completes, flows are told."""
        if not call.hung_up:
            call.hung_up = True
            if call._far_hangup is not None:
                call._far_hangup.succeed()
            if call._gone is not None and not call._gone.triggered:
                call._gone.succeed()
            _run_gone_hooks(call)
        if call.status == "in-progress":
            self.finish(call, "completed")

    def cancel(self, call: Call) -> None:
        """`Status=canceled`: hang up a queued or ringing call; no effect once in progress."""
        if call.status in ("queued", "ringing"):
            call.context["cancel"] = True
            self.finish(call, "canceled")

    def complete(self, call: Call) -> None:
        """`Status=completed`: hang up the call whatever its state."""
        if call.status == "in-progress":
            self.hangup(call)
        elif call.status in ("queued", "ringing"):
            self.cancel(call)

    def press(self, call: Call, digits: str, interval: float = 0.3) -> None:
        """The far party presses `digits` starting now (DTMF on the inbound track)."""
        if not call.in_progress:
            raise InvalidCallState(call.sid, call.status)
        self.env.process(self._press_later(call, 0.0, digits, interval, relative=True))

    # -- timers and key presses ---------------------------------------------------------------
    def _arm_hang_up(self, call: Call) -> None:
        """The earlier of the party's hang-up (`hangup_after`, a `party.hangup` event) and the
        call's `time_limit`, on one timer; the party's wins a tie. Nothing happens if the call has
        ended by then. No process: a timeout whose callback hangs up (see `HangUpTimer`)."""
        after, limit = call.party.hangup_after, call.options.time_limit
        if after is not None and (not limit or after <= limit):
            delay, party_hangup = after, True
        elif limit:
            delay, party_hangup = limit, False
        else:
            return
        timer = call.hang_up_timer = HangUpTimer(self, call, delay, party_hangup)
        timer.start()

    def _press_later(
        self, call: Call, at: float, digits: str, interval: float, relative: bool = False
    ) -> Generator[simpy.Event, Any, None]:
        assert call.answered_at is not None
        start = self.env.now if relative else call.answered_at
        delay = start + at - self.env.now
        if delay > 0:
            yield self.env.any_of([self.env.timeout(delay), call.ended])
        for key in digits:
            if not call.is_live:
                return
            self._key(call, key)
            yield self.env.timeout(interval)

    def _key(self, call: Call, key: str) -> None:
        now = self.env.now
        call.digits.append((now, key))
        call.audio.add("inbound", now, now + DTMF_LENGTH, Dtmf(key))
        self.sim.events.emit(EventKind.PARTY_DIGITS, call.sid, digits=key)
        event: simpy.Event = call.context["key"]
        call.context["key"] = self.env.event()
        event.succeed(key)

    def _timer_fired(self, call: Call, party_hangup: bool) -> None:
        if call.is_live:
            if party_hangup:
                self.sim.events.emit(EventKind.PARTY_HANGUP, call.sid)
            self.hangup(call)


def _run_gone_hooks(call: Call) -> None:
    """Run, once, what a waiting flow asked to be told when `call` is gone (`GONE_HOOKS`)."""
    hooks = call.context.pop(GONE_HOOKS, None)
    if hooks:
        for hook in hooks:
            hook()
