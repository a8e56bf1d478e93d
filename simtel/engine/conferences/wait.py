"""A conference `waitUrl` that answers TwiML (or audio): what a waiting participant hears.

`WaitPlayer` runs while the participant waits (the conference has not started, or it is on
hold): the conference room calls `start` when the participant's hold route opens and `stop`
when it closes (`conference_room.Conference.route`). While running it:

* requests `waitUrl` with `waitMethod` (purpose `wait`, the standard call parameters), signed
  like any TwiML fetch;
* runs the document in *hold* mode: `<Say>`, `<Play>`, `<Pause>` and `<Redirect>` (an empty
  `<Redirect/>` loops the document); any other verb is 13238 "Invalid Verb used in waitUrl
  TwiML" and ends the pass. Prompts go to the participant's outbound track only: wait audio is
  never recorded and reaches nobody else;
* when the document ends, requests `waitUrl` again and runs the new answer, as Twilio does, for
  as long as the participant waits. A pass that takes no simulated time (an empty document, a
  failed fetch, a first verb that is not allowed) stops the loop: the participant then hears
  silence, and the request is not repeated at the same instant forever;
* an answer that is audio (`audio/*`) is played in a loop without being requested again (it is
  decoded once by the media loader, like `<Play>`).

`stop` cuts the current prompt where it is (a zero-delay interrupt, so it is safe from inside
any step).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.execution.flow import Session
from twiml import commands as cmd
from twiml.interpreter import Interpreter

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

Process = Generator[simpy.Event, Any, None]


class WaitSession(Session):
    """A session whose fetches turn an audio answer into `<Play loop="0">` of it."""

    def fetch(self, command: cmd.Fetch) -> Generator[simpy.Event, Any, cmd.FetchResult]:
        result = yield from super().fetch(command)
        if result.status == 200 and result.content_type.lower().startswith("audio/"):
            url = result.url or command.url
            body = f'<Response><Play loop="0">{_xml_text(url)}</Play></Response>'
            return cmd.FetchResult(200, "text/xml", body.encode(), None, url)
        return result


class WaitPlayer:
    """Plays a participant's TwiML `waitUrl` while it waits (see the module docstring)."""

    def __init__(self, sim: EngineContext, call: Call, url: str, method: str) -> None:
        self.sim = sim
        self.call = call
        self.request = cmd.InitialRequest(url=url, method=method)
        self.process: simpy.Process | None = None

    def start(self, now: float) -> None:
        if self.process is None or not self.process.is_alive:
            self.process = self.sim.env.process(self._run())

    def stop(self, now: float) -> None:
        process, self.process = self.process, None
        if process is not None and process.is_alive:
            self.sim.env.process(_interrupt(self.sim.env, process))

    def _run(self) -> Process:
        env = self.sim.env
        try:
            while self.process is not None and self.call.is_live:
                began = env.now
                session = WaitSession(self.sim, self.call, answers=False)
                yield from session.run(Interpreter(self.request, hold=True))
                if env.now <= began:
                    return
        except simpy.Interrupt:
            return


def _interrupt(env: simpy.Environment, process: simpy.Process) -> Process:
    yield env.timeout(0)
    if process.is_alive:
        process.interrupt("wait-ended")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
