"""The TwiML interpreter: a pure coroutine that walks documents and yields commands.

Drive it with ``gen = Interpreter(request).run()``, ``command = gen.send(outcome)`` (first
``send(None)``) until ``StopIteration.value`` gives the :class:`~twiml.commands.CallEnd`.

Choices where Twilio's documents are silent (each is deliberate):

* **Fallback.** Only a failure of the first document (the voice URL) falls back to
  ``fallback_url``, with ``ErrorCode`` and ``ErrorUrl``. A failed fallback, action or redirect
  document ends the call with ``CallEnd("error")``; so does any verb that carries an ERROR-level
  validation notice (13621, 13224, ...) when execution reaches it: no fallback for those.
* **Application error.** An ``error`` end of a normal call first yields ``Say`` of
  :data:`APPLICATION_ERROR` (what the caller hears on Twilio); whisper and hold documents don't.
* **Redirect loops.** More than :data:`MAX_IDLE_DOCUMENTS` documents in a row without any verb
  that takes time (Say, Play, Pause, Gather, Record, Dial) end the call with 14106
  "Document retrieval limit reached", so a ``<Redirect>`` loop always terminates.
* **Caller hangup.** After a hangup the ``<Record>`` action and the ``<Dial>`` action are
  still requested (as on Twilio; their TwiML is ignored), then the call ends with
  ``CallEnd("caller-hangup")``.
* **Empty recording.** A ``<Record>`` with zero recorded seconds skips its action and falls
  through (spec §11 point 4).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Literal, TypeVar

from twiml import commands as cmd
from twiml import verbs as v
from twiml.documents import document_from
from twiml.identity import by_identity
from twiml.parse import TwiMLError, parse
from twiml.schema import HOLD_VERBS, QUEUE_WAIT_VERBS, SCHEMA_WARNING, WHISPER_VERBS

MAX_IDLE_DOCUMENTS = 100
DOCUMENT_LIMIT = 14106
DIAL_IN_WHISPER = 13201
INVALID_HOLD_VERB = 13238
INVALID_URL = 11100
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."

Mode = Literal["call", "whisper", "hold", "queue"]
T = TypeVar("T")
OutcomeT = TypeVar("OutcomeT")
Run = Generator[cmd.Command, cmd.Outcome | None, T]
_TIMED = (v.Say, v.Play, v.Pause, v.Gather, v.Record, v.Dial, v.Enqueue)


@dataclass(frozen=True, slots=True)
class _Goto:
    """Leave the current document for the one at ``url``."""

    url: str
    method: str
    params: cmd.Params
    purpose: cmd.FetchPurpose


class Interpreter:
    """Runs one call leg's TwiML. ``whisper=True`` runs a ``<Number url>``-style whisper
    document (only Say, Play, Pause, Gather, Hangup, Redirect; ``<Dial>`` is 13201);
    ``hold=True`` runs a conference ``waitUrl`` document (Say, Play, Pause, Redirect; others
    are 13238); ``queue_wait=True`` an ``<Enqueue waitUrl>`` document (those and ``<Leave>``,
    which ends it with ``CallEnd("leave")``, and ``<Hangup>``; others are 13238)."""

    def __init__(
        self,
        request: cmd.InitialRequest,
        *,
        whisper: bool = False,
        hold: bool = False,
        queue_wait: bool = False,
    ) -> None:
        if request.url is None and request.twiml is None:
            raise ValueError("InitialRequest needs a url or inline twiml")
        self.request = request
        self.mode: Mode = (
            "whisper" if whisper else "hold" if hold else "queue" if queue_wait else "call"
        )
        self._idle_documents = 0

    def run(self) -> Generator[cmd.Command, cmd.Outcome | None, cmd.CallEnd]:
        loaded = yield from self._first_document()
        while isinstance(loaded, v.Document):
            step = yield from self._execute(loaded)
            if isinstance(step, cmd.CallEnd):
                return step
            loaded = yield from self._load(step)
        return loaded

    # --- documents ---------------------------------------------------------------------

    def _first_document(self) -> Run[v.Document | cmd.CallEnd]:
        request = self.request
        if request.twiml is not None:
            try:
                document = parse(request.twiml, None)
            except TwiMLError as exc:
                return (yield from self._fail(exc.notice))
            yield from self._notify_all(document.notices)
            return document
        assert request.url is not None
        purposes: dict[Mode, cmd.FetchPurpose] = {
            "whisper": "whisper",
            "hold": "wait",
            "queue": "wait",
        }
        purpose = purposes.get(self.mode, "voice")
        return (yield from self._load(_Goto(request.url, request.method, (), purpose)))

    def _load(self, goto: _Goto) -> Run[v.Document | cmd.CallEnd]:
        self._idle_documents += 1
        if self._idle_documents > MAX_IDLE_DOCUMENTS:
            message = (
                f"Document retrieval limit reached: {MAX_IDLE_DOCUMENTS} documents in "
                "a row without a verb that takes time (a <Redirect> loop?)"
            )
            return (
                yield from self._fail(cmd.Notice(DOCUMENT_LIMIT, "error", message, None, goto.url))
            )
        result = yield from self._ask(
            cmd.Fetch(goto.url, goto.method, goto.params, goto.purpose), cmd.FetchResult
        )
        loaded = document_from(result, goto.url)
        if isinstance(loaded, v.Document):
            yield from self._notify_all(loaded.notices)
            return loaded
        yield from self._notify(loaded)
        fallback = self.request.fallback_url
        if goto.purpose == "voice" and fallback is not None:
            params = (("ErrorCode", str(loaded.code)), ("ErrorUrl", goto.url))
            method = self.request.fallback_method
            return (yield from self._load(_Goto(fallback, method, params, "fallback")))
        return (yield from self._fail(loaded, notified=True))

    # --- verbs -------------------------------------------------------------------------

    def _execute(self, document: v.Document) -> Run[_Goto | cmd.CallEnd]:
        for verb in document.verbs:
            if verb.fatal is not None:
                return (yield from self._fail(verb.fatal, notified=True))
            if self.mode != "call":  # a call's own document allows every verb
                allowed = yield from self._allowed(verb)
                if isinstance(allowed, cmd.CallEnd):
                    return allowed
                if not allowed:
                    continue
            if isinstance(verb, _TIMED):
                self._idle_documents = 0
            step = yield from self._verb(verb)
            if step is not None:
                return step
        return cmd.CallEnd("end-of-document")

    def _allowed(self, verb: v.Verb) -> Run[bool | cmd.CallEnd]:
        name = type(verb).__name__
        if self.mode == "whisper" and isinstance(verb, v.Dial):
            message = "Dial: Cannot Dial out from a Dial Call Segment (whisper document)"
            return (yield from self._fail(self._at(verb, DIAL_IN_WHISPER, message)))
        if self.mode == "whisper" and name not in WHISPER_VERBS:
            message = f"<{_tag(verb)}> is not allowed in a whisper document; skipped"
            yield from self._notify(self._at(verb, SCHEMA_WARNING, message, "warning"))
            return False
        hold_verbs = {"hold": HOLD_VERBS, "queue": QUEUE_WAIT_VERBS}.get(self.mode)
        if hold_verbs is not None and name not in hold_verbs:
            message = f"Invalid Verb used in waitUrl TwiML: <{_tag(verb)}>"
            return (yield from self._fail(self._at(verb, INVALID_HOLD_VERB, message)))
        return True

    def _verb(self, verb: v.Verb) -> Run[_Goto | cmd.CallEnd | None]:
        """Run one verb: ``None`` means go on with the next verb."""
        if isinstance(verb, v.Say | v.Play | v.Pause):
            played = yield from self._ask(_prompt(verb), cmd.Played)
            return cmd.CallEnd("caller-hangup") if played.hangup else None
        if isinstance(verb, v.Gather):
            return (yield from self._gather(verb))
        if isinstance(verb, v.Record):
            return (yield from self._record(verb))
        if isinstance(verb, v.Dial):
            return (yield from self._dial(verb))
        if isinstance(verb, v.StartRecording):
            yield from self._ask(_start(verb), cmd.Ack)
            return None
        if isinstance(verb, v.StopRecording):
            yield from self._ask(cmd.StopRecording(verb.name, line=verb.line), cmd.Ack)
            return None
        if isinstance(verb, v.Redirect):
            assert verb.url is not None  # otherwise the verb is fatal
            return _Goto(verb.url, verb.method, (), "redirect")
        if isinstance(verb, v.Reject):
            return cmd.CallEnd("reject", reject_reason=verb.reason, line=verb.line)
        if isinstance(verb, v.Enqueue):
            return (yield from self._enqueue(verb))
        if isinstance(verb, v.Leave):
            if self.mode == "queue":
                return cmd.CallEnd("leave", line=verb.line)
            message = "<Leave> only leaves a queue from an <Enqueue waitUrl> document; skipped"
            yield from self._notify(self._at(verb, SCHEMA_WARNING, message, "warning"))
            return None
        return cmd.CallEnd("hangup", line=verb.line)  # Hangup; Unsupported verbs are always fatal

    def _gather(self, verb: v.Gather) -> Run[_Goto | cmd.CallEnd | None]:
        command = cmd.Gather(
            prompts=tuple(_prompt(prompt) for prompt in verb.prompts),
            num_digits=verb.num_digits,
            finish_on_key=verb.finish_on_key,
            timeout=float(verb.timeout),
            input=verb.input,
            speech=verb.speech or cmd.SpeechOptions(speech_timeout=float(verb.timeout)),
            line=verb.line,
        )
        result = yield from self._ask(command, cmd.GatherResult)
        if result.hangup:
            return cmd.CallEnd("caller-hangup")
        empty = not result.digits and result.speech_result is None
        if empty and not verb.action_on_empty_result:
            return None
        params: cmd.Params = ()
        if result.speech_result is not None:
            confidence = f"{result.confidence or 0.0:.8f}"
            params = (("SpeechResult", result.speech_result), ("Confidence", confidence))
        elif "dtmf" in verb.input or result.digits:
            params = (("Digits", result.digits), ("FinishedOnKey", result.finished_on_key or ""))
        return (yield from self.action(verb, verb.action, verb.method, params))

    def _record(self, verb: v.Record) -> Run[_Goto | cmd.CallEnd | None]:
        command = cmd.Record(
            max_length=float(verb.max_length),
            timeout=float(verb.timeout),
            finish_on_key=verb.finish_on_key,
            play_beep=verb.play_beep,
            trim=verb.trim,
            recording_status_callback=verb.recording_status_callback,
            recording_status_callback_method=verb.recording_status_callback_method,
            recording_status_callback_event=verb.recording_status_callback_event,
            transcribe=verb.transcribe,
            transcribe_callback=verb.transcribe_callback,
            line=verb.line,
        )
        result = yield from self._ask(command, cmd.RecordResult)
        hangup = result.hangup or result.digits == "hangup"
        if result.duration <= 0:
            return cmd.CallEnd("caller-hangup") if hangup else None
        params: list[tuple[str, str]] = []
        if result.recording_url is not None:
            params.append(("RecordingUrl", result.recording_url))
        params.append(("RecordingDuration", str(max(1, round(result.duration)))))
        if result.recording_sid is not None:
            params.append(("RecordingSid", result.recording_sid))
        params.append(("Digits", "hangup" if hangup else result.digits))
        return (yield from self.action(verb, verb.action, verb.method, tuple(params), hangup))

    def _dial(self, verb: v.Dial) -> Run[_Goto | cmd.CallEnd | None]:
        if verb.targets:
            result = yield from self._ask(_dial(verb), cmd.DialResult)
        else:  # every noun was invalid: nothing rang (the notices said why)
            result = cmd.DialResult("failed", None, None, False)
        if verb.action is None:
            return cmd.CallEnd("caller-hangup") if result.hangup else None
        params: list[tuple[str, str]] = [("DialCallStatus", result.status)]
        if not verb.is_conference:
            if result.call_sid is not None:
                params.append(("DialCallSid", result.call_sid))
            if result.duration is not None:
                params.append(("DialCallDuration", str(result.duration)))
        params.append(("DialBridged", "true" if result.bridged else "false"))
        params.extend(result.params)
        if verb.record != "do-not-record" and result.recording_url is not None:
            params.append(("RecordingUrl", result.recording_url))
            if result.recording_sid is not None:
                params.append(("RecordingSid", result.recording_sid))
        return (
            yield from self.action(verb, verb.action, verb.method, tuple(params), result.hangup)
        )

    def _enqueue(self, verb: v.Enqueue) -> Run[_Goto | cmd.CallEnd | None]:
        command = cmd.Enqueue(verb.name, verb.wait_url, verb.wait_url_method, line=verb.line)
        result = yield from self._ask(command, cmd.EnqueueResult)
        params: list[tuple[str, str]] = [("QueueResult", result.result)]
        if result.queue_sid is not None:
            params.append(("QueueSid", result.queue_sid))
        if result.queue_time is not None:
            params.append(("QueueTime", str(result.queue_time)))
        if result.result == "redirected":  # the REST API took the call: its new document runs
            if verb.action is not None:
                fetch = cmd.Fetch(verb.action, verb.method, tuple(params), "action")
                yield from self._ask(fetch, cmd.FetchResult)
            return cmd.CallEnd("redirected", line=verb.line)
        if verb.action is None:
            return cmd.CallEnd("caller-hangup") if result.hangup else None
        return (
            yield from self.action(verb, verb.action, verb.method, tuple(params), result.hangup)
        )

    # --- shared by the verb runners ----------------------------------------------------

    def action(
        self,
        verb: v.Verb,
        url: str | None,
        method: str,
        params: cmd.Params,
        hangup: bool = False,
    ) -> Run[_Goto | cmd.CallEnd]:
        """Go to ``url`` with ``params``; after a caller hangup, request it and end."""
        if url is None:
            message = f"<{_tag(verb)}> needs an absolute action URL in inline TwiML"
            notice = self._at(verb, INVALID_URL, message)
            return cmd.CallEnd("caller-hangup") if hangup else (yield from self._fail(notice))
        goto = _Goto(url, method, params, "action")
        if not hangup:
            return goto
        yield from self._ask(cmd.Fetch(url, method, params, "action"), cmd.FetchResult)
        return cmd.CallEnd("caller-hangup")

    def _ask(self, command: cmd.Command, kind: type[OutcomeT]) -> Run[OutcomeT]:
        outcome = yield command
        if not isinstance(outcome, kind):
            raise TypeError(f"{type(command).__name__} expects {kind.__name__}, got {outcome!r}")
        return outcome

    def _notify(self, notice: cmd.Notice) -> Run[None]:
        yield cmd.Notify(notice)  # any outcome will do: the engine only logs it

    def _notify_all(self, notices: tuple[cmd.Notice, ...]) -> Run[None]:
        for notice in notices:
            yield from self._notify(notice)

    def _fail(self, notice: cmd.Notice, notified: bool = False) -> Run[cmd.CallEnd]:
        if not notified:
            yield from self._notify(notice)
        if self.mode == "call":
            yield from self._ask(cmd.Say(APPLICATION_ERROR, "woman", "en-US", 1), cmd.Played)
        return cmd.CallEnd("error", error=notice)

    def _at(self, verb: v.Verb, code: int, message: str, level: cmd.Level = "error") -> cmd.Notice:
        return cmd.Notice(code, level, message, verb.line, None)


def _tag(verb: v.Verb) -> str:
    if isinstance(verb, v.Unsupported):
        return verb.name
    return {"StartRecording": "Start", "StopRecording": "Stop"}.get(
        type(verb).__name__, type(verb).__name__
    )


def _prompt(verb: v.Prompt) -> cmd.Prompt:
    if isinstance(verb, v.Say):
        return cmd.Say(verb.text, verb.voice, verb.language, verb.loop, line=verb.line)
    if isinstance(verb, v.Play):
        return cmd.Play(verb.url, verb.loop, verb.digits, line=verb.line)
    return cmd.Pause(float(verb.length), line=verb.line)


@by_identity(512)
def _dial(verb: v.Dial) -> cmd.Dial:
    """The command of a `<Dial>` verb: one per verb, shared by every call running the verb's
    (cached, immutable) document."""
    return cmd.Dial(
        targets=verb.targets,
        timeout=verb.timeout,
        time_limit=verb.time_limit,
        caller_id=verb.caller_id,
        record=verb.record,
        recording_status_callback=verb.recording_status_callback,
        recording_status_callback_method=verb.recording_status_callback_method,
        recording_status_callback_event=verb.recording_status_callback_event,
        recording_track=verb.recording_track,
        trim=verb.trim,
        hangup_on_star=verb.hangup_on_star,
        answer_on_bridge=verb.answer_on_bridge,
        sequential=verb.sequential,
        line=verb.line,
    )


def _start(verb: v.StartRecording) -> cmd.StartRecording:
    return cmd.StartRecording(
        name=verb.name,
        recording_status_callback=verb.recording_status_callback,
        recording_status_callback_method=verb.recording_status_callback_method,
        recording_status_callback_event=verb.recording_status_callback_event,
        trim=verb.trim,
        track=verb.track,
        channels=verb.channels,
        line=verb.line,
    )
