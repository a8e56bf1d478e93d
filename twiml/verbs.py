"""The typed verb tree of a parsed TwiML document.

Every verb keeps its source ``line``. ``fatal`` is the first ERROR-level notice found while
reading the verb (an invalid value Twilio rejects, a noun simtel cannot dial, a relative URL
in inline TwiML): when execution reaches such a verb the call ends with that error. URLs are
absolute: they were resolved against the document URL when the document was read.
"""

from __future__ import annotations

from dataclasses import dataclass

from twiml.commands import DialTarget, Notice, SpeechOptions


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    voice: str
    language: str
    loop: int
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Play:
    url: str | None
    loop: int
    digits: str | None
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    length: int
    line: int | None = None
    fatal: Notice | None = None


Prompt = Say | Play | Pause


@dataclass(frozen=True, slots=True)
class Gather:
    prompts: tuple[Prompt, ...]
    action: str | None  # None only when there is no document URL (then ``fatal`` is set)
    method: str
    timeout: int
    finish_on_key: str
    num_digits: int | None
    input: str
    action_on_empty_result: bool
    line: int | None = None
    fatal: Notice | None = None
    speech: SpeechOptions | None = None  # None: the defaults (see SpeechOptions)


@dataclass(frozen=True, slots=True)
class Record:
    action: str | None
    method: str
    timeout: int
    finish_on_key: str
    max_length: int
    play_beep: bool
    trim: str
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    transcribe: bool
    transcribe_callback: str | None
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Dial:
    targets: tuple[DialTarget, ...]
    action: str | None  # None: fall through to the next verb
    method: str
    timeout: int
    time_limit: int
    caller_id: str | None
    record: str
    trim: str
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    recording_track: str
    hangup_on_star: bool
    answer_on_bridge: bool
    sequential: bool
    line: int | None = None
    fatal: Notice | None = None

    @property
    def is_conference(self) -> bool:
        return any(target.kind == "conference" for target in self.targets)


@dataclass(frozen=True, slots=True)
class StartRecording:
    name: str | None
    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]
    trim: str
    track: str
    channels: str
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class StopRecording:
    name: str | None
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str | None  # absolute; None only when unresolvable (then ``fatal`` is set)
    method: str
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    reason: str
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Enqueue:
    """`<Enqueue>`: wait in the queue `name` until dequeued, left or hung up."""

    name: str
    action: str | None  # None: fall through to the next verb
    method: str
    wait_url: str | None  # None: Twilio's default hold music
    wait_url_method: str
    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    """`<Leave>`: in an `<Enqueue waitUrl>` document, leave the queue."""

    line: int | None = None
    fatal: Notice | None = None


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A real TwiML verb simtel does not simulate; ``fatal`` says so."""

    name: str
    line: int | None = None
    fatal: Notice | None = None


Verb = (
    Say
    | Play
    | Pause
    | Gather
    | Record
    | Dial
    | StartRecording
    | StopRecording
    | Redirect
    | Hangup
    | Reject
    | Enqueue
    | Leave
    | Unsupported
)


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed ``<Response>``: its verbs in order and every notice found while reading it."""

    url: str | None
    verbs: tuple[Verb, ...]
    notices: tuple[Notice, ...] = ()
