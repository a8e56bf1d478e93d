"""The vocabulary between the interpreter and the engine that runs it.

The interpreter yields a *command* and receives the matching *outcome*:

=================================  =========================
command                            outcome sent back
=================================  =========================
:class:`Fetch`                     :class:`FetchResult`
:class:`Say`, :class:`Play`,       :class:`Played`
:class:`Pause`
:class:`Gather`                    :class:`GatherResult`
:class:`Record`                    :class:`RecordResult`
:class:`Dial`                      :class:`DialResult`
:class:`Enqueue`                   :class:`EnqueueResult`
:class:`StartRecording`,           :class:`Ack`
:class:`StopRecording`,
:class:`Notify`
=================================  =========================

The generator's return value is a :class:`CallEnd`. Every URL in a command is absolute: the
interpreter resolves relative URLs against the URL of the document that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning"]
EndReason = Literal[
    "hangup", "reject", "end-of-document", "error", "caller-hangup", "leave", "redirected"
]
FetchPurpose = Literal["voice", "fallback", "action", "redirect", "whisper", "wait"]
Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """A debugger event with Twilio's code; ``line`` is the TwiML source line when known."""

    code: int
    level: Level
    message: str
    line: int | None = None
    url: str | None = None


# --- commands -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetch:
    """Request a TwiML document. ``params`` are only the verb-specific ones (e.g. ``Digits``);
    the engine adds the standard call parameters and signs the request."""

    url: str
    method: str
    params: Params
    purpose: FetchPurpose


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    voice: str
    language: str
    loop: int  # 0 = repeat until the call ends
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Play:
    url: str | None  # None when only ``digits`` are played
    loop: int
    digits: str | None
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Pause:
    length: float
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


Prompt = Say | Play | Pause


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    """`<Gather>`'s speech attributes. `speech_timeout`: seconds of silence that end speech,
    None for `auto`; unset, it is the gather's `timeout`."""

    speech_timeout: float | None = 5.0
    max_speech_time: int = 60
    hints: tuple[str, ...] = ()
    language: str = "en-US"
    speech_model: str = "default"
    enhanced: bool = False
    profanity_filter: bool = True
    partial_result_callback: str | None = None
    partial_result_callback_method: str = "POST"
    barge_in: bool = True


@dataclass(frozen=True, slots=True)
class Gather:
    """Play ``prompts`` (stop at the first key) and collect DTMF until ``num_digits`` keys,
    ``finish_on_key`` (``""`` = none) or ``timeout`` seconds without a key; with ``speech`` in
    ``input``, recognise speech as ``speech`` says."""

    prompts: tuple[Prompt, ...]
    num_digits: int | None
    finish_on_key: str
    timeout: float
    input: str
    speech: SpeechOptions = field(default_factory=lambda: SpeechOptions())
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Record:
    """Beep (if ``play_beep``) and record the caller until ``timeout`` seconds of silence
    (0 = never), a key in ``finish_on_key``, ``max_length`` seconds, or hangup."""

    max_length: float
    timeout: float
    finish_on_key: str
    play_beep: bool
    trim: str
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    transcribe: bool
    transcribe_callback: str | None
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ConferenceOptions:
    muted: bool
    beep: str  # "true" | "false" | "onEnter" | "onExit"
    start_conference_on_enter: bool
    end_conference_on_exit: bool
    participant_label: str | None
    wait_url: str | None  # None = Twilio's default hold music; "" = silence
    wait_method: str
    max_participants: int
    record: str  # "do-not-record" | "record-from-start"
    trim: str
    region: str | None
    coach: str | None
    status_callback: str | None
    status_callback_event: tuple[str, ...]
    status_callback_method: str
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DialTarget:
    """One noun of ``<Dial>``. ``url`` is the whisper document run on the callee's leg."""

    kind: Literal["number", "client", "sip", "conference", "queue"]
    address: str  # E.164 number, client identity, SIP URI, conference or queue name
    url: str | None
    method: str
    send_digits: str | None
    status_callback: str | None
    status_callback_event: tuple[str, ...]
    status_callback_method: str
    conference: ConferenceOptions | None = None


@dataclass(frozen=True, slots=True)
class Dial:
    """``record`` is normalised: ``true`` → ``record-from-answer``,
    ``false`` → ``do-not-record``."""

    targets: tuple[DialTarget, ...]
    timeout: int
    time_limit: int
    caller_id: str | None
    record: str
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    recording_track: str
    trim: str
    hangup_on_star: bool
    answer_on_bridge: bool
    sequential: bool
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StartRecording:
    name: str | None
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    trim: str
    track: str
    channels: str
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StopRecording:
    name: str | None
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Wait in the queue `name` (created on demand) until a `<Dial><Queue>` bridges the call
    and the bridge ends, the wait document `<Leave>`s or hangs up, the caller hangs up, or the
    REST API dequeues it. `wait_url` None: Twilio's default hold music."""

    name: str
    wait_url: str | None
    wait_url_method: str
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Notify:
    """Log ``notice`` (a warning or an error) in the call's debugger trail."""

    notice: Notice


Command = (
    Fetch
    | Say
    | Play
    | Pause
    | Gather
    | Record
    | Dial
    | StartRecording
    | StopRecording
    | Enqueue
    | Notify
)

# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    """``status`` is None when the request failed in transport; ``error_code`` then says why
    (11200, 11205, 11210, 11215, ...). ``url`` is the final URL after HTTP redirects."""

    status: int | None
    content_type: str
    body: bytes
    error_code: int | None
    url: str


@dataclass(frozen=True, slots=True)
class Played:
    interrupted_by: str | None = None
    hangup: bool = False


@dataclass(frozen=True, slots=True)
class GatherResult:
    """``digits`` never includes the finish key; ``finished_on_key`` is that key, if pressed.
    ``speech_result`` and ``confidence`` are set when speech was recognised."""

    digits: str
    finished_on_key: str | None
    hangup: bool = False
    speech_result: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class RecordResult:
    """``digits`` is the key that ended the recording, ``"hangup"``, or ``""`` (silence
    timeout or maxLength). ``duration`` is the recorded length in seconds."""

    recording_sid: str | None
    recording_url: str | None
    duration: float
    digits: str
    hangup: bool = False


@dataclass(frozen=True, slots=True)
class DialResult:
    status: str  # DialCallStatus: completed | answered | busy | no-answer | failed | canceled
    call_sid: str | None
    duration: int | None
    bridged: bool
    recording_url: str | None = None
    recording_sid: str | None = None
    hangup: bool = False
    #: further action parameters of this kind of dial (`<Queue>`: `QueueSid`, ...)
    params: Params = ()


QueueResult = Literal[
    "bridged", "queue-full", "hangup", "redirected", "leave", "error", "system-error"
]


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    """How the call left the queue. `queue_sid` and `queue_time` (whole seconds) are None when
    it was never enqueued (`queue-full`, `error`). `redirected`: the REST API took the call
    out; the interpreter requests the action (its TwiML is ignored) and ends the document."""

    result: QueueResult
    queue_sid: str | None
    queue_time: int | None
    hangup: bool = False


@dataclass(frozen=True, slots=True)
class Ack:
    error: Notice | None = None


Outcome = FetchResult | Played | GatherResult | RecordResult | DialResult | EnqueueResult | Ack

# --- start and end --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitialRequest:
    """Where the call's first document comes from: ``twiml`` inline, or fetched from ``url``."""

    url: str | None
    method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    twiml: str | None = None


@dataclass(frozen=True, slots=True)
class CallEnd:
    reason: EndReason
    reject_reason: str | None = None
    error: Notice | None = None
    #: the verb's line in its TwiML document (None for simtel's own prompts); not compared
    line: int | None = field(default=None, compare=False)
