"""What simtel knows of each TwiML element: one table, read by the validator and by the
coverage generator (``python -m twiml.coverage``), so the two never disagree.

Codes and levels come from Twilio's Error and Warning Dictionary. Where Twilio has no code
for an invalid value, 12200 "Schema validation warning" is used. Defaults are written as Twilio
writes them in TwiML, so the validator parses a default with the same rules as a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from twiml.commands import Level

Kind = Literal["bool", "int", "choice", "events", "url", "method", "keys", "text"]

SCHEMA_WARNING = 12200
NOT_SIMULATED = 13750  # "Twiml verb not supported by this API version": simtel cannot run it
METHODS = ("GET", "POST")
RECORDING_EVENTS = ("in-progress", "completed", "absent")
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
TRIMS = ("trim-silence", "do-not-trim")
TRACKS = ("inbound", "outbound", "both")
DTMF_KEYS = "0123456789*#"


@dataclass(frozen=True, slots=True)
class AttrSpec:
    """One attribute. ``choices`` lists allowed values (for ``keys``: allowed characters);
    ``aliases`` map accepted spellings to a canonical value; ``supported=False`` means simtel
    accepts but ignores the attribute and says so with a 12200 warning."""

    name: str
    kind: Kind
    default: str | None = None
    code: int = SCHEMA_WARNING
    level: Level = "warning"
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    clamp: bool = False
    supported: bool = True


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """An element, keyed by its path (``"Record"``, ``"Dial/Number"``). Unsupported elements
    carry the code simtel reports when it meets them."""

    path: str
    attributes: tuple[AttrSpec, ...] = ()
    supported: bool = True
    code: int | None = None
    level: Level = "error"
    note: str = ""

    def attribute(self, name: str) -> AttrSpec | None:
        for spec in self.attributes:
            if spec.name == name:
                return spec
        return None


def _method(name: str, code: int = SCHEMA_WARNING) -> AttrSpec:
    return AttrSpec(name, "method", "POST", code, choices=METHODS)


def _flag(
    name: str, default: str, code: int = SCHEMA_WARNING, level: Level = "warning"
) -> AttrSpec:
    return AttrSpec(name, "bool", default, code, level)


def _ignored(name: str, kind: Kind = "text") -> AttrSpec:
    return AttrSpec(name, kind, supported=False)


def _recording_callbacks(method_code: int = SCHEMA_WARNING) -> tuple[AttrSpec, ...]:
    return (
        AttrSpec("recordingStatusCallback", "url", None, 13256),
        _method("recordingStatusCallbackMethod", method_code),
        AttrSpec(
            "recordingStatusCallbackEvent",
            "events",
            "completed",
            13621,
            "error",
            choices=RECORDING_EVENTS,
        ),
        _ignored("recordingConfigurationId"),
    )


def _call_progress(method_code: int = SCHEMA_WARNING) -> tuple[AttrSpec, ...]:
    return (
        AttrSpec("url", "url"),
        _method("method", method_code),
        AttrSpec("statusCallback", "url"),
        AttrSpec("statusCallbackEvent", "events", "completed", choices=CALL_EVENTS),
        _method("statusCallbackMethod"),
    )


_AMD = (
    _ignored("machineDetection"),
    _ignored("machineDetectionTimeout"),
    _ignored("machineDetectionSpeechThreshold"),
    _ignored("machineDetectionSpeechEndThreshold"),
    _ignored("machineDetectionSilenceTimeout"),
    _ignored("amdStatusCallback"),
    _ignored("amdStatusCallbackMethod"),
)

_SUPPORTED: tuple[ElementSpec, ...] = (
    ElementSpec(
        "Response",
        (
            AttrSpec(
                "version", "choice", None, 12101, "error", choices=("2008-08-01", "2010-04-01")
            ),
        ),
    ),
    ElementSpec(
        "Say",
        (
            AttrSpec("voice", "text", "man", 13511),
            AttrSpec("language", "text", "en-US"),
            AttrSpec("loop", "int", "1", 13510, minimum=0),
        ),
        note="SSML children are flattened to their text",
    ),
    ElementSpec(
        "Play",
        (
            AttrSpec("loop", "int", "1", 13410, minimum=0),
            AttrSpec("digits", "keys", None, 13430, choices=(DTMF_KEYS + "ABCDwW",)),
        ),
        note=(
            "the URL is fetched (GET, signed; an app in process, the media map, or HTTP), "
            "decoded (MP3, WAV, AIFF, AU, mu-law, GSM) and played for its real length; "
            "an answer >= 400 is 11200, a body that is not audio 13420 (error), and the next "
            "verb runs; a URL nothing serves offline is 13420 (warning) and 1 s of silence"
        ),
    ),
    ElementSpec("Pause", (AttrSpec("length", "int", "1", 13910, minimum=1),)),
    ElementSpec(
        "Gather",
        (
            AttrSpec("action", "url"),
            _method("method", 13312),
            AttrSpec("timeout", "int", "5", 13313, minimum=1),
            AttrSpec("finishOnKey", "keys", "#", 13310, choices=(DTMF_KEYS,), maximum=1),
            AttrSpec("numDigits", "int", None, 13314, minimum=1),
            AttrSpec(
                "input",
                "choice",
                "dtmf",
                13326,
                choices=("dtmf", "speech", "dtmf speech", "speech dtmf"),
            ),
            AttrSpec("actionOnEmptyResult", "bool", "false", 13338, "error"),
            AttrSpec("speechTimeout", "text", None, 13327),
            AttrSpec("maxSpeechTime", "int", "60", 13328, minimum=1, maximum=60, clamp=True),
            AttrSpec("hints", "text", None, 13330),
            AttrSpec("language", "text", "en-US", 13331),
            AttrSpec("speechModel", "text", "default"),
            _flag("enhanced", "false"),
            _flag("profanityFilter", "true"),
            AttrSpec("partialResultCallback", "url"),
            _method("partialResultCallbackMethod"),
            _flag("bargeIn", "true"),
            _ignored("debug"),
        ),
        note=(
            "speech is recognised from the party's scripted words and replies (exactly; "
            "`language`, `hints`, `speechModel` and `enhanced` are accepted, see "
            "simtel.engine.execution.speech)"
        ),
    ),
    ElementSpec(
        "Record",
        (
            AttrSpec("action", "url"),
            _method("method", 13610),
            AttrSpec("timeout", "int", "5", 13611, minimum=0),
            AttrSpec("finishOnKey", "keys", "1234567890*#", 13613, choices=(DTMF_KEYS,)),
            AttrSpec("maxLength", "int", "3600", 13612, minimum=1, maximum=86400),
            _flag("playBeep", "true", 13616),
            AttrSpec("trim", "choice", "trim-silence", 13699, choices=TRIMS),
            *_recording_callbacks(13610),
            _flag("transcribe", "false", 13614),
            AttrSpec("transcribeCallback", "url", None, 13257, "error"),
        ),
    ),
    ElementSpec(
        "Dial",
        (
            AttrSpec("action", "url"),
            _method("method", 13210),
            AttrSpec("timeout", "int", "30", 13212, minimum=5, maximum=600, clamp=True),
            _flag("hangupOnStar", "false", 13213),
            AttrSpec("timeLimit", "int", "14400", 13216, minimum=1, maximum=86400),
            AttrSpec("callerId", "text", None, 13214),
            AttrSpec(
                "record",
                "choice",
                "do-not-record",
                13217,
                choices=(
                    "do-not-record",
                    "record-from-answer",
                    "record-from-ringing",
                    "record-from-answer-dual",
                    "record-from-ringing-dual",
                ),
                aliases=(("true", "record-from-answer"), ("false", "do-not-record")),
            ),
            AttrSpec("trim", "choice", "do-not-trim", 13699, choices=TRIMS),
            *_recording_callbacks(13210),
            AttrSpec("recordingTrack", "choice", "both", 13622, choices=TRACKS),
            _flag("answerOnBridge", "false", 13219),
            _flag("sequential", "false", 13218),
            _ignored("ringTone"),
            _ignored("callReason"),
            _ignored("referUrl"),
            _ignored("referMethod"),
            _ignored("events"),
            _ignored("passports"),
        ),
    ),
    ElementSpec(
        "Dial/Number",
        (
            AttrSpec("sendDigits", "keys", None, 13222, choices=(DTMF_KEYS + "ABCDwW",)),
            *_call_progress(13221),
            _ignored("byoc"),
            *_AMD,
        ),
        note="body: a phone number; 13224 (error) when it cannot be dialled",
    ),
    ElementSpec("Dial/Client", _call_progress(), note="body: the identity (<= 256 chars)"),
    ElementSpec(
        "Dial/Sip",
        (
            *_call_progress(13241),
            _ignored("username"),
            _ignored("password"),
            *_AMD,
        ),
        note="body: a sip: URI; 13243 when it is not one",
    ),
    ElementSpec(
        "Dial/Conference",
        (
            _flag("muted", "false", 13230),
            AttrSpec(
                "beep", "choice", "true", 13235, choices=("true", "false", "onEnter", "onExit")
            ),
            _flag("startConferenceOnEnter", "true", 13232),
            _flag("endConferenceOnExit", "false", 13231, "error"),
            AttrSpec("participantLabel", "text"),
            AttrSpec("waitUrl", "url", None, 13233),
            _method("waitMethod", 13234),
            AttrSpec("maxParticipants", "int", "250", minimum=2, maximum=250),
            AttrSpec(
                "record", "choice", "do-not-record", choices=("do-not-record", "record-from-start")
            ),
            AttrSpec("trim", "choice", "trim-silence", 13239, "error", choices=TRIMS),
            AttrSpec(
                "region", "choice", None, choices=("us1", "ie1", "de1", "sg1", "br1", "au1", "jp1")
            ),
            AttrSpec("coach", "text", None, 13240, "error"),
            AttrSpec("statusCallback", "url"),
            AttrSpec(
                "statusCallbackEvent",
                "events",
                None,
                choices=(
                    "start",
                    "end",
                    "join",
                    "leave",
                    "mute",
                    "hold",
                    "modify",
                    "speaker",
                    "announcement",
                ),
            ),
            _method("statusCallbackMethod"),
            *_recording_callbacks(),
            _ignored("jitterBufferSize"),
            _ignored("eventCallbackUrl"),
        ),
        note="body: the conference name (13237 when empty)",
    ),
    ElementSpec(
        "Start/Recording",
        (
            AttrSpec("name", "text"),
            *_recording_callbacks(),
            AttrSpec("trim", "choice", "trim-silence", 13699, choices=TRIMS),
            AttrSpec("track", "choice", "both", 13622, choices=TRACKS),
            AttrSpec("channels", "choice", "dual", choices=("mono", "dual")),
        ),
    ),
    ElementSpec("Stop/Recording", (AttrSpec("name", "text"),)),
    ElementSpec("Start", note="holds <Recording>; other nouns: see below"),
    ElementSpec("Stop", note="holds <Recording>; other nouns: see below"),
    ElementSpec(
        "Redirect",
        (_method("method", 13710),),
        note="an empty body re-requests the current document",
    ),
    ElementSpec(
        "Reject", (AttrSpec("reason", "choice", "rejected", 13810, choices=("rejected", "busy")),)
    ),
    ElementSpec("Hangup"),
    ElementSpec(
        "Enqueue",
        (
            AttrSpec("action", "url", None, 14203, "error"),
            _method("method", 14201),
            AttrSpec("waitUrl", "url", None, 14202, "error"),
            _method("waitUrlMethod", 14206),
            AttrSpec("workflowSid", "text", None, NOT_SIMULATED, "error"),
        ),
        note=(
            "body: the queue name (1-64 characters: 14204, 14205), created on demand "
            "(max size 1000); `workflowSid` (TaskRouter) is 13750, not simulated; the waitUrl "
            "document may use Say, Play, Pause, Redirect, Leave, Hangup (13238 otherwise)"
        ),
    ),
    ElementSpec(
        "Leave", note="leaves the queue from a waitUrl document; elsewhere skipped (12200)"
    ),
    ElementSpec(
        "Dial/Queue",
        (
            AttrSpec("url", "url"),
            _method("method"),
            AttrSpec("reservationSid", "text", None, NOT_SIMULATED, "error"),
            AttrSpec("postWorkActivitySid", "text", None, NOT_SIMULATED, "error"),
        ),
        note=(
            "body: the queue name (14212, 14213); waits up to the Dial `timeout` for a caller; "
            "`url` runs on the dequeued caller (Say, Play, Pause, Redirect); TaskRouter "
            "attributes are 13750, not simulated"
        ),
    ),
)


def _unsupported(path: str, code: int, level: Level, note: str) -> ElementSpec:
    return ElementSpec(path, supported=False, code=code, level=level, note=note)


_FLOW = "the call ends with this error when execution reaches it"
_SIDE = "ignored with a warning; the call goes on"
_UNSUPPORTED: tuple[ElementSpec, ...] = (
    *(
        _unsupported(verb, NOT_SIMULATED, "error", _FLOW)
        for verb in ("Connect", "Echo", "Pay", "Refer", "Sms")
    ),
    *(
        _unsupported(f"Dial/{noun}", NOT_SIMULATED, "error", _FLOW)
        for noun in ("Application", "Sim", "WhatsApp")
    ),
    *(
        _unsupported(f"{verb}/{noun}", SCHEMA_WARNING, "warning", _SIDE)
        for verb in ("Start", "Stop")
        for noun in ("Stream", "Siprec", "Transcription")
    ),
)

ELEMENTS: dict[str, ElementSpec] = {spec.path: spec for spec in _SUPPORTED + _UNSUPPORTED}

VERBS = frozenset(path for path in ELEMENTS if "/" not in path and path != "Response")
WHISPER_VERBS = frozenset({"Say", "Play", "Pause", "Gather", "Hangup", "Redirect"})
HOLD_VERBS = frozenset({"Say", "Play", "Pause", "Redirect"})
#: what an `<Enqueue waitUrl>` document may hold
QUEUE_WAIT_VERBS = frozenset({"Say", "Play", "Pause", "Redirect", "Leave", "Hangup"})
