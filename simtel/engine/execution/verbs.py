"""Executors of the interpreter's timed commands on one call leg: Say, Play, Pause, Gather,
Record, and `<Start>`/`<Stop>` `<Recording>`.

Contract shared by every executor (a generator run inside the call's flow process):

* It returns the outcome the interpreter expects (`twiml.commands`), never raises for a call
  event: when the far party hangs up (or the call ends) at any moment, it returns at once with
  `hangup=True` (`<Record>`: `digits="hangup"`, still with its recording).
* What Twilio sends to the party goes on the leg's *outbound* track, placed as it sounds and cut
  where it stops (a key during `<Gather>`, a hangup, a REST redirect): prompts are held open
  and closed in `finally` blocks, so an interrupted executor leaves a consistent timeline.
* `<Play>` media comes from the simulator's `MediaLoader` (`simtel.webhooks.media`: an app in
  process, the media map, or HTTP; decoded to 8 kHz mono, cached by URL) and plays for its real
  length, `loop` times. A failed URL (404: 11200; not audio: 13420) plays nothing and the next
  verb runs; an offline URL (no app, no map, no HTTP) is warning 13420 and one second of silence.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from simtel.audio.sources import (
    BEEP_DURATION,
    Beep,
    Dtmf,
    Silence,
    Source,
    Speech,
    say_duration,
)
from simtel.audio.spans import SpanArray
from simtel.engine.calls.call import Call, RecordingOptions
from simtel.engine.execution.waits import GONE, GoneInterrupt, unwatch_gone, watch_gone
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from simtel.errors import TwilioError
from simtel.events import EventKind
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

HANGUP = "hangup"
#: `loop="0"` repeats "until hangup"; Twilio stops a `<Play>` after 1000 iterations.
MAX_LOOPS = 1000
DIGIT_GAP = 0.1
DIGIT_PAUSES = {"w": 0.5, "W": 1.0}
TRANSCRIPTION_UNAVAILABLE = 13618
NO_SUCH_RECORDING = 20404
Wait = Generator[simpy.Event, Any, str | None]
Piece = tuple[float, Source | None]


class Leg:
    """One call leg as the executors see it: the simulator, the call, hangup-aware waiting."""

    def __init__(self, sim: EngineContext, call: Call) -> None:
        self.sim = sim
        self.call = call
        self.env = sim.env

    @property
    def gone(self) -> bool:
        """The far party hung up or the call ended."""
        call = self.call
        return call.hung_up or not call.is_live

    def hangup_event(self) -> simpy.Event:
        return self.call.gone

    def wait(self, seconds: float, keys: bool = False) -> Wait:
        """Wait `seconds` (inf: forever). Returns None when the time is up, `HANGUP` when the
        call is gone, or the key pressed first when `keys`.

        The leg going away interrupts the wait (`waits.GONE`): a timed wait costs its timeout
        alone, with no `AnyOf` and no `gone` event."""
        if self.gone:
            return HANGUP
        env = self.env
        key_event: simpy.Event | None = self.call.context["key"] if keys else None
        event: simpy.Event
        if math.isfinite(seconds):
            event = env.timeout(max(0.0, seconds))
            if key_event is not None:
                event = env.any_of([event, key_event])
        elif key_event is not None:
            event = key_event
        else:
            event = self.hangup_event()
        process = env.active_process
        assert process is not None
        hook = GoneInterrupt(process)
        watch_gone(self.call, hook)
        try:
            yield event
        except simpy.Interrupt as interrupt:
            if interrupt.cause != GONE:
                raise
            return HANGUP
        finally:
            unwatch_gone(self.call, hook)
        if self.gone:
            return HANGUP
        if key_event is not None and key_event.triggered:
            return str(key_event.value)
        return None

    def notify(self, notice: cmd.Notice) -> None:
        self.sim.events.emit(
            EventKind.NOTIFICATION,
            self.call.sid,
            code=notice.code,
            level=notice.level,
            message=notice.message,
            line=notice.line,
            url=notice.url,
        )

    def warn(self, code: int, message: str, url: str | None = None) -> None:
        self.notify(cmd.Notice(code, "warning", message, None, url))


# --- <Play> media --------------------------------------------------------------------------


def load_media(leg: Leg, url: str) -> Generator[simpy.Event, Any, tuple[float, Source | None]]:
    """The audio `url` names and its length, through the simulator's media loader (waiting the
    fetch's simulated latency). A failure is notified with Twilio's code and plays nothing
    (`(0.0, None)`), except an offline URL: warning 13420 and one second of silence."""
    loaded = leg.sim.media_loader.load(url, leg.call.sid)
    if loaded.latency > 0:
        yield leg.env.timeout(loaded.latency)
    if loaded.clip is not None:
        return loaded.clip.duration, loaded.clip
    failure = loaded.failure
    assert failure is not None
    if failure.offline:
        leg.warn(failure.code, failure.message, url)
        return 1.0, Silence()
    leg.notify(cmd.Notice(failure.code, "error", failure.message, None, url))
    return 0.0, None


def play_source(leg: Leg, url: str) -> tuple[float, Source | None]:
    """`load_media` for callers outside a process (no latency is waited)."""
    process = load_media(leg, url)
    try:
        while True:
            next(process)
    except StopIteration as done:
        result: tuple[float, Source | None] = done.value
        return result


# --- prompts --------------------------------------------------------------------------------


def _loops(loop: int) -> range:
    return range(MAX_LOOPS if loop <= 0 else loop)


def _digit_pieces(digits: str) -> Iterator[Piece]:
    for key in digits:
        if key in DIGIT_PAUSES:
            yield DIGIT_PAUSES[key], None
        else:
            yield Dtmf(key).duration, Dtmf(key)
            yield DIGIT_GAP, None


def _pieces(
    leg: Leg, prompt: cmd.Prompt, media: tuple[float, Source | None] | None
) -> Iterator[Piece]:
    """What a prompt sounds like, piece by piece: (seconds, source or None for silence)."""
    if isinstance(prompt, cmd.Pause):
        yield prompt.length, None
    elif isinstance(prompt, cmd.Say):
        seconds = say_duration(prompt.text)
        speech = Speech(prompt.text, leg.sim.seed)
        for _ in _loops(prompt.loop) if seconds > 0 else ():
            yield seconds, speech
    else:
        if prompt.digits:
            yield from _digit_pieces(prompt.digits)
        if media is not None and media[1] is not None:
            seconds, source = media
            for _ in _loops(prompt.loop):
                yield seconds, source


def play(
    leg: Leg, prompt: cmd.Prompt, stop_on_key: bool = False, until: float = math.inf
) -> Generator[simpy.Event, Any, cmd.Played]:
    """Play `prompt` on the outbound track; with `stop_on_key` the first key cuts it short, and
    it stops at simulated time `until` (a speech gather's barge-in)."""
    audio = leg.call.audio
    media = None
    if isinstance(prompt, cmd.Play) and prompt.url is not None:
        media = yield from load_media(leg, prompt.url)
    try:
        for seconds, source in _pieces(leg, prompt, media):
            if source is not None:
                audio.open("prompt", "outbound", leg.env.now, source)
            cut = until - leg.env.now
            woke = yield from leg.wait(min(seconds, cut), keys=stop_on_key)
            audio.close("prompt", leg.env.now)
            if woke == HANGUP:
                return cmd.Played(hangup=True)
            if woke is not None:
                return cmd.Played(interrupted_by=woke)
            if cut <= seconds:
                break
        return cmd.Played(hangup=leg.gone)
    finally:
        audio.close("prompt", leg.env.now)


def gather(leg: Leg, command: cmd.Gather) -> Generator[simpy.Event, Any, cmd.GatherResult]:
    """Prompts (cut by the first key), then keys until `num_digits`, the finish key, or
    `timeout` seconds without a key. Without `dtmf` in `input` keys are not collected."""
    dtmf = "dtmf" in command.input
    key: str | None = None
    for prompt in command.prompts:
        played = yield from play(leg, prompt, stop_on_key=dtmf)
        if played.hangup:
            return cmd.GatherResult("", None, hangup=True)
        if played.interrupted_by is not None:
            key = played.interrupted_by
            break
    return (yield from collect_digits(leg, command, key))


def collect_digits(
    leg: Leg, command: cmd.Gather, key: str | None
) -> Generator[simpy.Event, Any, cmd.GatherResult]:
    """Keys from `key` (the first one, already pressed; None: none yet) until `num_digits`,
    the finish key, or `timeout` seconds without a key."""
    dtmf = "dtmf" in command.input
    digits = ""
    while True:
        if key is None:
            key = yield from leg.wait(command.timeout, keys=dtmf)
            if key is None:
                return cmd.GatherResult(digits, None)
            if key == HANGUP:
                return cmd.GatherResult(digits, None, hangup=True)
        if command.finish_on_key and key == command.finish_on_key:
            return cmd.GatherResult(digits, key)
        digits += key
        if command.num_digits is not None and len(digits) >= command.num_digits:
            return cmd.GatherResult(digits, None)
        key = None


# --- <Record> -------------------------------------------------------------------------------


def silence_ends(call: Call, start: float, timeout: float) -> float:
    """The first moment after `start` that follows `timeout` seconds without the party's voice
    (from its planned speech); `inf` when `timeout` is 0."""
    if timeout <= 0:
        return math.inf
    speech, answered = call.speech, call.answered_at
    if speech is None or answered is None:
        return start + timeout
    quiet_since = start
    spurts = speech.drawn()  # drawn: a SpanArray, sorted by construction; scripted: any order
    for a, b in spurts if isinstance(spurts, SpanArray) else sorted(spurts):
        begin, end = answered + a, answered + b
        if end <= quiet_since:
            continue
        if begin - quiet_since >= timeout:
            break
        quiet_since = max(quiet_since, end)
    return quiet_since + timeout


class RecordingAttributes(Protocol):
    """A verb's (or `<Conference>`'s) `trim` and `recordingStatusCallback*` attributes."""

    @property
    def trim(self) -> str: ...
    @property
    def recording_status_callback(self) -> str | None: ...
    @property
    def recording_status_callback_method(self) -> str: ...
    @property
    def recording_status_callback_event(self) -> tuple[str, ...]: ...


def recording_options(
    attributes: RecordingAttributes, channels: str, track: str
) -> RecordingOptions:
    """The options of a recording a verb starts; no callback events means `completed` only."""
    return RecordingOptions(
        channels=channels,
        track=track,
        trim=attributes.trim,
        status_callback=attributes.recording_status_callback,
        status_callback_method=attributes.recording_status_callback_method,
        status_callback_events=attributes.recording_status_callback_event or ("completed",),
    )


def record(leg: Leg, command: cmd.Record) -> Generator[simpy.Event, Any, cmd.RecordResult]:
    """Beep, then record the caller (one channel, inbound) until silence, a finish key,
    `max_length` or hangup; `duration` is the stored file's length (after trim)."""
    if command.play_beep and not leg.gone:
        now = leg.env.now
        leg.call.audio.add("outbound", now, now + BEEP_DURATION, Beep())
        yield from leg.wait(BEEP_DURATION)
    if leg.gone or not leg.call.in_progress:
        return cmd.RecordResult(None, None, 0.0, HANGUP, hangup=True)
    recorder = leg.sim.recorder
    recording = recorder.start_call_recording(
        leg.call, "RecordVerb", recording_options(command, "mono", "inbound")
    )
    start = leg.env.now
    until = min(start + command.max_length, silence_ends(leg.call, start, command.timeout))
    digits = ""
    try:
        while True:
            woke = yield from leg.wait(until - leg.env.now, keys=bool(command.finish_on_key))
            if woke is None or woke == HANGUP or woke in command.finish_on_key:
                digits = woke or ""
                break
    finally:
        if recording.is_active:
            recorder.stop(recording)
    if command.transcribe:
        _transcribe(leg, recording, command.transcribe_callback)
    duration = recorder.plan(recording).duration
    url = recording_url(leg.sim, recording.sid)
    return cmd.RecordResult(recording.sid, url, duration, digits, hangup=digits == HANGUP)


def _transcribe(leg: Leg, recording: Recording, callback_url: str | None) -> None:
    transcriber = getattr(leg.sim, "transcriber", None)
    if transcriber is None:
        leg.warn(
            TRANSCRIPTION_UNAVAILABLE,
            "Record: transcribe='true' but this simulator has no transcriber; "
            f"recording {recording.sid} is not transcribed",
        )
        return
    transcriber.request(recording, callback_url=callback_url, call=leg.call)


# --- <Start><Recording> / <Stop><Recording> -------------------------------------------------

STARTED = "twiml_recordings"


def start_recording(leg: Leg, command: cmd.StartRecording) -> cmd.Ack:
    """Non-blocking: the recording runs until `<Stop><Recording>`, the REST API or call end."""
    options = recording_options(command, command.channels, command.track)
    try:
        recording = leg.sim.recorder.start_call_recording(
            leg.call, "StartCallRecordingAPI", options, name=command.name
        )
    except TwilioError as exc:
        notice = cmd.Notice(exc.code, "error", f"<Start><Recording>: {exc.message}")
        leg.notify(notice)
        return cmd.Ack(notice)
    started: list[Recording] = leg.call.context.setdefault(STARTED, [])
    started.append(recording)
    return cmd.Ack()


def stop_recording(leg: Leg, command: cmd.StopRecording) -> cmd.Ack:
    """Stop the active `<Start>` recordings named `name` (all of them when no name)."""
    started: list[Recording] = leg.call.context.get(STARTED, [])
    chosen = [
        r for r in started if r.is_active and (command.name is None or r.name == command.name)
    ]
    if not chosen:
        what = "no active recording" if command.name is None else f"no recording {command.name!r}"
        notice = cmd.Notice(NO_SUCH_RECORDING, "warning", f"<Stop><Recording>: {what} to stop")
        leg.notify(notice)
        return cmd.Ack(notice)
    for recording in chosen:
        leg.sim.recorder.stop(recording)
    return cmd.Ack()
