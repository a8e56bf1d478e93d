"""The engine side of TwiML: run the `twiml` interpreter's commands as SimPy processes.

`twiml_flow(sim)` is the flow of a call with TwiML (`Url` or `Twiml`): it drives an
`Interpreter` and executes every command it yields on the call (`verbs`, `dial` of this package).

Contract:

* **Fetch** (voice, fallback, action, redirect, whisper): a signed `WebhookRequest` carrying
  the standard parameters of §7.1 for the call *as it is now* (an action requested after the
  caller hung up says `CallStatus=completed`) plus the command's own, waiting the webhook's
  simulated latency.
* **Notify**: a `notification` event (code, level, message, line, url) on the call.
* **Verbs**: a `twiml.verb` event (verb name and its attributes) when each starts.
* **Answering**: an inbound call is answered by the first verb that is not `<Pause>` (nor
  `<Dial answerOnBridge>`, which answers at the bridge); `<Hangup>` or an empty document as
  the first thing answers it too (Twilio bills those); `<Reject reason="busy">` leaves it
  `busy`, any other reason `no-answer`, never answered.
* **The end**: when the interpreter returns, the flow ends and `CallEngine` completes the
  call. The application-error message of an `error` end is the interpreter's own `<Say>`.
* **REST redirect** (`redirect`): the running document (or a dial leg's bridge) is
  interrupted where it is (prompts cut, a `<Record>` stopped, dialed legs hung up) and the new
  document runs on the same call.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Generator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.calls.callbacks import standard_params
from simtel.engine.context import Flow
from simtel.engine.execution.dial import DialRun
from simtel.engine.execution.ringing import Phase
from simtel.engine.execution.speech import speech_gather
from simtel.engine.execution.verbs import (
    Leg,
    gather,
    play,
    record,
    start_recording,
    stop_recording,
)
from simtel.errors import InvalidCallState, TwilioError
from simtel.events import EventKind
from simtel.webhooks import WebhookRequest
from twiml import commands as cmd
from twiml.identity import by_identity
from twiml.interpreter import Interpreter

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

INVALID_URL = 21205
HTTP_RETRIEVAL_FAILURE = 11200
Process = Generator[simpy.Event, Any, None]


def twiml_flow(sim: EngineContext) -> Flow:
    """The flow of a call whose options carry a TwiML `url` or inline `twiml`."""

    def flow(call: Call) -> Process:
        options = call.options
        request = cmd.InitialRequest(
            url=options.url,
            method=options.method,
            fallback_url=options.fallback_url,
            fallback_method=options.fallback_method,
            twiml=options.twiml,
        )
        if options.send_digits and call.direction == "outbound-api":
            # CreateCall `SendDigits`: keys dialed to the far end once connected, before TwiML
            yield from play(Leg(sim, call), cmd.Play(None, 1, options.send_digits))
        runner = FlowRunner(sim, call)
        yield from runner.run(runner.document(request))

    return flow


def redirect(
    sim: EngineContext,
    call: Call,
    *,
    url: str | None,
    method: str = "POST",
    twiml: str | None = None,
) -> None:
    """UpdateCall `Url`/`Twiml`: run the new document on the live call in place of its current
    one (the call's `FallbackUrl` covers a new `url`). 21220 unless the call is in progress."""
    if not call.in_progress:
        raise InvalidCallState(call.sid, call.status)
    if url is None and twiml is None:
        raise TwilioError(INVALID_URL, 400, "Url or Twiml is required to redirect a call")
    options = call.options
    request = cmd.InitialRequest(
        url=url,
        method=method,
        fallback_url=options.fallback_url if url is not None else None,
        fallback_method=options.fallback_method,
        twiml=twiml,
    )
    runner = call.context.get("flow")  # a FlowRunner, or a dialed leg's (`RedirectableChild`)
    if runner is not None and runner.running:
        runner.redirect(request)
        return
    # a call with no TwiML yet (plain conversation): the document becomes its flow
    fresh = FlowRunner(sim, call)
    sim.env.process(fresh.detached(request))


class FlowRunner:
    """The flow of one call: runs phases one after the other (a document, a dial leg's bridge)
    inside the process that runs it (the call's own); `redirect` interrupts that process, which
    ends the running phase where it is, and queues the next document. One interrupt per
    redirect, no process per phase."""

    def __init__(self, sim: EngineContext, call: Call) -> None:
        self.sim = sim
        self.call = call
        self.env = sim.env
        self.process: simpy.Process | None = None
        self.pending: cmd.InitialRequest | None = None
        self.running = True  # a runner is made to be run at once; False once it has ended
        call.context["flow"] = self

    def run(self, first: Process) -> Process:
        self.process = self.env.active_process
        try:
            phase = first
            while True:
                with contextlib.suppress(simpy.Interrupt):  # a redirect: the phase ends there
                    yield from phase
                request, self.pending = self.pending, None
                if request is None:
                    return
                phase = self.document(request)
        finally:
            self.running = False
            self.process = None  # a finished call keeps no process alive
            if self.call.context.get("flow") is self:
                del self.call.context["flow"]

    def detached(self, request: cmd.InitialRequest) -> Process:
        """Run `request` on a call whose own flow is not ours; end the call afterwards."""
        yield from self.run(self.document(request))
        if self.call.is_live:
            self.sim.call_engine.finish(self.call, "completed")

    def redirect(self, request: cmd.InitialRequest) -> None:
        self.pending = request
        # never interrupt from inside the step that runs the flow (e.g. from the app's own
        # webhook handler): a zero-delay callback delivers the interrupt at the next step
        timeout = self.env.timeout(0)
        timeout.callbacks.append(self._interrupt)

    def _interrupt(self, _: simpy.Event) -> None:
        process = self.process
        if self.running and process is not None and process.is_alive:
            process.interrupt("redirect")

    def document(self, request: cmd.InitialRequest) -> Process:
        """Run one call document to its end, and carry out that end."""
        session = Session(self.sim, self.call, answers=True)
        end = yield from session.run(Interpreter(request))
        session.finish(end)


class Session:
    """Executes an interpreter's commands on one call. `answers`: this is the call's own
    document, which may answer (or reject) an inbound call; False for whisper documents."""

    def __init__(self, sim: EngineContext, call: Call, *, answers: bool) -> None:
        self.sim = sim
        self.call = call
        self.leg = Leg(sim, call)
        self.answers = answers
        self.answer_on_end = True

    def run(self, interpreter: Interpreter) -> Generator[simpy.Event, Any, cmd.CallEnd]:
        commands = interpreter.run()
        outcome: cmd.Outcome | None = None
        try:
            while True:
                try:
                    command = commands.send(outcome)
                except StopIteration as stop:
                    end: cmd.CallEnd = stop.value
                    return end
                outcome = yield from self.execute(command)
        finally:
            commands.close()

    def execute(self, command: cmd.Command) -> Generator[simpy.Event, Any, cmd.Outcome]:
        if isinstance(command, cmd.Fetch):
            return (yield from self.fetch(command))
        if isinstance(command, cmd.Notify):
            self.leg.notify(command.notice)
            return cmd.Ack()
        self._answer_before(command)
        self.sim.events.emit(EventKind.TWIML_VERB, self.call.sid, **verb_fields(command))
        leg = self.leg
        if isinstance(command, cmd.Say | cmd.Play | cmd.Pause):
            return (yield from play(leg, command))
        if isinstance(command, cmd.Gather):
            if "speech" in command.input:
                return (yield from speech_gather(leg, command))
            return (yield from gather(leg, command))
        if isinstance(command, cmd.Record):
            return (yield from record(leg, command))
        if isinstance(command, cmd.Dial):
            self.answer_on_end = not command.answer_on_bridge
            return (yield from DialRun(leg, command, LegFlows(self.sim)).run())
        if isinstance(command, cmd.StartRecording):
            return start_recording(leg, command)
        if isinstance(command, cmd.Enqueue):  # simtel.engine.queues
            result: cmd.EnqueueResult = yield from self.sim.queues.enqueue(leg, command)
            return result
        return stop_recording(leg, command)

    def fetch(self, command: cmd.Fetch) -> Generator[simpy.Event, Any, cmd.FetchResult]:
        request = WebhookRequest(
            url=command.url,
            method=command.method,
            params=tuple(standard_params(self.call)) + command.params,
            purpose=command.purpose,
            sid=self.call.sid,
        )
        outcome = yield from self.sim.fetch(request)
        response = outcome.response
        if response is None:
            code = outcome.failure.error_code if outcome.failure else HTTP_RETRIEVAL_FAILURE
            return cmd.FetchResult(None, "", b"", code, command.url)
        if response.status == 200 and response.content_type.startswith("audio/"):
            # the document is this audio (a <Play> of its URL): decode what came, fetch no more
            url = response.url or command.url
            self.sim.media_loader.prime(url, response.body, response.content_type)
        return cmd.FetchResult(
            response.status,
            response.header("content-type") or "",
            response.body,
            None,
            response.url or command.url,
        )

    def finish(self, end: cmd.CallEnd) -> None:
        """Carry out how the document ended (the flow's return then completes the call)."""
        call, engine = self.call, self.sim.call_engine
        if end.reason in ("hangup", "reject"):
            verb = "Hangup" if end.reason == "hangup" else "Reject"
            self.sim.events.emit(
                EventKind.TWIML_VERB,
                call.sid,
                verb=verb,
                reason=end.reject_reason,
                line=end.line,
            )
        unanswered = call.direction == "inbound" and call.status == "ringing"
        if not (self.answers and unanswered):
            return
        if end.reason == "reject":
            engine.finish(call, "busy" if end.reject_reason == "busy" else "no-answer")
        elif end.reason in ("hangup", "end-of-document") and self.answer_on_end:
            engine.answer(call)

    def _answer_before(self, command: cmd.Command) -> None:
        call = self.call
        if not self.answers or call.direction != "inbound" or call.status != "ringing":
            return
        if isinstance(command, cmd.Pause):
            return
        if isinstance(command, cmd.Dial) and command.answer_on_bridge:
            return
        self.sim.call_engine.answer(call)


class LegFlows:
    """The flow machinery `<Dial>` uses for its child legs (see `ringing.DialFlows`)."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim

    def leg_flow(self, phase: Phase) -> Flow:
        def flow(call: Call) -> Process:
            yield from FlowRunner(self.sim, call).run(phase(call))

        return flow

    def detached(self, call: Call, request: cmd.InitialRequest) -> None:
        self.sim.env.process(FlowRunner(self.sim, call).detached(request))

    def whisper(
        self, call: Call, url: str, method: str
    ) -> Generator[simpy.Event, Any, cmd.CallEnd]:
        session = Session(self.sim, call, answers=False)
        request = cmd.InitialRequest(url=url, method=method)
        return (yield from session.run(Interpreter(request, whisper=True)))


def verb_fields(command: cmd.Command) -> dict[str, Any]:
    """A command as flat JSON fields for the `twiml.verb` trace event (a `<Dial>`'s are made
    once per command: the interpreter shares one among the calls running a document; callers
    copy them, `emit(**fields)`, and never change them)."""
    if type(command) is cmd.Dial:
        return _dial_fields(command)
    return _verb_fields(command)


@by_identity(512)
def _dial_fields(command: cmd.Dial) -> dict[str, Any]:
    return _verb_fields(command)


def _verb_fields(command: cmd.Command) -> dict[str, Any]:
    kind = type(command)
    fields: dict[str, Any] = {"verb": _VERB_NAMES.get(kind.__name__, kind.__name__)}
    if kind is cmd.StartRecording or kind is cmd.StopRecording:
        fields["noun"] = "Recording"
    for name in _field_names(kind):
        value = getattr(command, name)
        if name == "speech":  # a DTMF gather's trace stays as it was before speech existed
            if "speech" not in getattr(command, "input", ""):
                continue
            value = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(value).items()}
        elif name == "prompts":
            value = [type(prompt).__name__ for prompt in value]
        elif name == "targets":
            value = [f"{target.kind}:{target.address}" for target in value]
        elif isinstance(value, tuple):
            value = list(value)
        fields[name] = value
    return fields


_VERB_NAMES = {"StartRecording": "Start", "StopRecording": "Stop"}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))
    return names
