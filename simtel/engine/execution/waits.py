"""Waiting on a call leg without racing events: hooks run when a leg is gone.

A flow that waits on a leg (a `<Pause>`, a `<Gather>`, a `<Dial>`'s bridge) must also stop when
that leg is gone (the far party hung up, or the call ended). Instead of an `AnyOf` of the wait
and the call's `gone` event (three SimPy events, and a `gone` event that fires at every call's
end whether anybody still waits or not), the flow registers a hook that `CallEngine` runs, once,
when the leg is gone (`moves.GONE_HOOKS`): `Leg.wait` interrupts its own process with `GONE`, a
`<Dial>` pokes its single wake-up event. A hook costs no SimPy event unless it fires.

Hooks run inside `CallEngine.hangup`/`finish`, in the middle of somebody else's step: they only
schedule (an interrupt, an event), never run flow code there and then.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL

from simtel.engine.calls.call import Call
from simtel.engine.calls.moves import GONE_HOOKS

#: the cause of the interrupt `Leg.wait` receives when its leg is gone
GONE = "gone"

Hook = Callable[[], None]


def watch_gone(call: Call, hook: Hook) -> None:
    """Run `hook` (once) when `call` is gone; `unwatch_gone` before it fires to cancel."""
    hooks: list[Hook] | None = call.context.get(GONE_HOOKS)
    if hooks is None:
        call.context[GONE_HOOKS] = [hook]
    else:
        hooks.append(hook)


def unwatch_gone(call: Call, hook: Hook) -> None:
    hooks: list[Hook] | None = call.context.get(GONE_HOOKS)
    if hooks is not None and hook in hooks:
        hooks.remove(hook)


def relayed(env: simpy.Environment, action: Hook) -> None:
    """Run `action` one scheduling round from now (in the step of an event scheduled now).

    What a hook does reaches its waiter two rounds after the hook, as when the waiter raced its
    wait against the `gone` event in an `AnyOf` (the event, then the condition): the order of
    everything at that instant (a recording's processing, a webhook) stays as it was."""
    event = simpy.Event(env)
    event.callbacks.append(lambda _: action())
    event.succeed()


class GoneInterrupt:
    """A hook that interrupts `process` with `GONE` (if it is still alive then)."""

    __slots__ = ("process",)

    def __init__(self, process: simpy.Process) -> None:
        self.process = process

    def __call__(self) -> None:
        relayed(self.process.env, self._interrupt)

    def _interrupt(self) -> None:
        process = self.process
        if process.is_alive:
            _GoneInterruption(process)


class _GoneInterruption(simpy.events.Interruption):
    """SimPy's `Interruption` (an event that throws `Interrupt(GONE)` into a waiting process),
    scheduled as a plain event is rather than ahead of everything else at that instant."""

    def __init__(self, process: simpy.Process) -> None:
        self.env = process.env
        self.callbacks = [self._interrupt]
        self._value = simpy.Interrupt(GONE)
        self._ok = False
        self._defused = True
        self.process = process
        self.env.schedule(self, NORMAL)


class Alarm:
    """A timeout that runs `action` when it fires, unless released first: a released alarm left
    in the queue (a bridge's 4-hour `timeLimit`) holds only this empty shell, never its owner."""

    __slots__ = ("action",)

    def __init__(self, env: simpy.Environment, delay: float, action: Hook) -> None:
        self.action: Hook | None = action
        env.timeout(delay).callbacks.append(self._ring)

    def _ring(self, _: simpy.Event) -> None:
        action, self.action = self.action, None
        if action is not None:
            action()

    def release(self) -> None:
        self.action = None
