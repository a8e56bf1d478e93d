"""What a caller hears while it waits in a queue, and the documents that may take it out.

`QueueWait` runs an `<Enqueue waitUrl>` the way `conferences.wait.WaitPlayer` runs a conference
`waitUrl`, with the differences Twilio documents for queues:

* every request (the waitUrl, and a `<Redirect>` inside it) carries `QueuePosition`,
  `QueueSid`, `QueueTime`, `AvgQueueTime`, `CurrentQueueSize` and `MaxQueueSize` as they are
  at the moment of the request;
* the document may also hold `<Leave>` (the caller leaves the queue: `QueueResult=leave`) and
  `<Hangup>` (the call ends: `QueueResult=hangup`); any other verb is 13238 and, like a failed
  fetch, takes the caller out with `QueueResult=error` (simtel's choice: Twilio does not say);
* when the document runs out of verbs it is requested again; a pass that takes no simulated time
  stops the loop (the caller then waits in silence), so nothing repeats forever at one instant.

`ended` fires with the `CallEnd` of a pass that ended in `leave`, `hangup` or `error`.
`QueueUrlSession` runs the `<Queue url>` document on the dequeued caller before the bridge
(hold verbs only), with `QueueSid`, `QueueTime` and `DequeingCallSid`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.conferences.wait import WaitSession
from twiml import commands as cmd
from twiml.interpreter import Interpreter

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

Process = Generator[simpy.Event, Any, None]
ParamsOf = Callable[[], cmd.Params]
EXITS = ("leave", "hangup", "error")


class ParamSession(WaitSession):
    """A wait session whose every request carries `params()` as they are when it is sent."""

    def __init__(self, sim: EngineContext, call: Call, params: ParamsOf) -> None:
        super().__init__(sim, call, answers=False)
        self.params = params

    def fetch(self, command: cmd.Fetch) -> Generator[simpy.Event, Any, cmd.FetchResult]:
        extended = cmd.Fetch(
            command.url, command.method, command.params + self.params(), command.purpose
        )
        return (yield from super().fetch(extended))


class QueueWait:
    """Runs a member's waitUrl while it waits (see the module docstring)."""

    def __init__(
        self, sim: EngineContext, call: Call, url: str, method: str, params: ParamsOf
    ) -> None:
        self.sim = sim
        self.call = call
        self.request = cmd.InitialRequest(url=url, method=method)
        self.params = params
        self.ended = sim.env.event()
        self.process: simpy.Process | None = sim.env.process(self._run())

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.is_alive:
            self.sim.env.process(_interrupt(self.sim.env, process))

    def _run(self) -> Process:
        env = self.sim.env
        try:
            while self.process is not None and self.call.is_live:
                began = env.now
                session = ParamSession(self.sim, self.call, self.params)
                end = yield from session.run(Interpreter(self.request, queue_wait=True))
                if end.reason in EXITS:
                    if not self.ended.triggered:
                        self.ended.succeed(end)
                    return
                if env.now <= began:
                    return
        except simpy.Interrupt:
            return


def queue_url(
    sim: EngineContext, call: Call, url: str, method: str, params: cmd.Params
) -> Generator[simpy.Event, Any, cmd.CallEnd]:
    """Run a `<Queue url>` document on the dequeued caller `call` (hold verbs only)."""
    session = ParamSession(sim, call, lambda: params)
    request = cmd.InitialRequest(url=url, method=method)
    return (yield from session.run(Interpreter(request, hold=True)))


def _interrupt(env: simpy.Environment, process: simpy.Process) -> Process:
    yield env.timeout(0)
    if process.is_alive:
        process.interrupt("left-queue")
