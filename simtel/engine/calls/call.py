"""The Call resource as the engine holds it while a leg lives.

`Call` mirrors Twilio's Call resource (field names as in the API JSON) plus the engine's handles:
the party at the far end, its planned speech, the leg's audio, and the SimPy events flows wait on.
Every change goes through `CallEngine`, which emits `call.*` events for the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import simpy

from simtel.engine.calls.legaudio import LegAudio
from simtel.engine.calls.parties import DEFAULT_PARTY, Party, SpeechPlan

API_VERSION = "2010-04-01"
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")


@dataclass(frozen=True, slots=True)
class CallbackConfig:
    """A status callback subscription (`StatusCallback*` parameters)."""

    url: str | None = None
    method: str = "POST"
    events: tuple[str, ...] = ("completed",)


@dataclass(frozen=True, slots=True)
class RecordingOptions:
    """How a recording started with a call (`Record=true`, `<Dial record>`) is made."""

    channels: str = "mono"
    track: str = "both"
    trim: str = "trim-silence"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ("completed",)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What the call runs once connected, and what it reports. Set by CreateCall, a number's
    configuration, or `<Dial>`."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status: CallbackConfig = CallbackConfig()
    timeout: float = 60.0
    time_limit: float = 14400.0
    record: bool = False
    recording: RecordingOptions = RecordingOptions()
    send_digits: str | None = None


@dataclass(eq=False)
class Call:
    """One call leg. Times are simulated seconds; None where Twilio shows null."""

    sid: str
    account_sid: str
    to: str
    from_: str
    direction: str
    date_created: float
    options: CallOptions
    party: Party = DEFAULT_PARTY
    parent_call_sid: str | None = None
    phone_number_sid: str | None = None
    trunk_sid: str | None = None
    status: str = "queued"
    date_updated: float = 0.0
    start_time: float | None = None
    end_time: float | None = None
    answered_at: float | None = None
    duration: int | None = None
    price: str | None = None
    queue_time: str = "0"
    speech: SpeechPlan | None = None
    _audio: LegAudio | None = field(default=None, repr=False)
    sequence: int = 0
    #: the environment the call's SimPy events (`ended`, `answered`, `far_hangup`) belong to
    env: simpy.Environment | None = field(default=None, repr=False)
    #: the far party (or the API) hung up
    hung_up: bool = False
    _ended: simpy.Event | None = field(default=None, repr=False)
    _answered: simpy.Event | None = field(default=None, repr=False)
    _far_hangup: simpy.Event | None = field(default=None, repr=False)
    _gone: simpy.Event | None = field(default=None, repr=False)
    digits: list[tuple[float, str]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    #: the engine's hang-up timer (`calls.HangUpTimer`) once answered
    hang_up_timer: Any = None

    @property
    def audio(self) -> LegAudio:
        """The leg's two tracks (made on first use: a refused call never has any)."""
        audio = self._audio
        if audio is None:
            audio = self._audio = LegAudio()
        return audio

    @property
    def has_audio(self) -> bool:
        return self._audio is not None

    # The SimPy events a flow may wait on exist only once something asks for one: most calls
    # are never waited on, and an event nobody waits on would still cost a step when it fires.
    # One asked for after the fact is triggered at once, so it reads as it would have.
    @property
    def ended(self) -> simpy.Event:
        """Succeeds (with the final status) when the call ends."""
        event = self._ended
        if event is None:
            event = self._ended = simpy.Event(self._environment())
            if not self.is_live:
                event.succeed(self.status)
        return event

    @property
    def answered(self) -> simpy.Event:
        """Succeeds when the call is answered."""
        event = self._answered
        if event is None:
            event = self._answered = simpy.Event(self._environment())
            if self.answered_at is not None:
                event.succeed()
        return event

    @property
    def far_hangup(self) -> simpy.Event:
        """Succeeds when the far party (or the API) hangs up."""
        event = self._far_hangup
        if event is None:
            event = self._far_hangup = simpy.Event(self._environment())
            if self.hung_up:
                event.succeed()
        return event

    @property
    def gone(self) -> simpy.Event:
        """Succeeds when the far party hangs up or the call ends, whichever comes first (what
        a flow waiting on the call watches)."""
        event = self._gone
        if event is None:
            event = self._gone = simpy.Event(self._environment())
            if self.hung_up or not self.is_live:
                event.succeed()
        return event

    def _environment(self) -> simpy.Environment:
        if self.env is None:
            raise RuntimeError(f"call {self.sid} has no SimPy environment")
        return self.env

    @property
    def is_live(self) -> bool:
        return self.status in ("queued", "ringing", "in-progress")

    @property
    def in_progress(self) -> bool:
        return self.status == "in-progress"

    def api_field(self, name: str) -> Any:
        """One of `fields()`, without building them all (`name` must be in `API_FIELDS`)."""
        if name == "duration":
            return None if self.duration is None else str(self.duration)
        if name in _API_CONSTANTS:
            return _API_CONSTANTS[name]
        return getattr(self, _API_ATTRIBUTES.get(name, name))

    def fields(self) -> dict[str, Any]:
        """The resource's API fields (times as simulated seconds)."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "parent_call_sid": self.parent_call_sid,
            "to": self.to,
            "from": self.from_,
            "to_formatted": self.to,
            "from_formatted": self.from_,
            "phone_number_sid": self.phone_number_sid,
            "trunk_sid": self.trunk_sid,
            "status": self.status,
            "direction": self.direction,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration": None if self.duration is None else str(self.duration),
            "price": self.price,
            "price_unit": "USD",
            "answered_by": None,
            "api_version": API_VERSION,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": self.queue_time,
        }


#: API fields whose value is not the Call attribute of the same name
_API_ATTRIBUTES = {"from": "from_", "to_formatted": "to", "from_formatted": "from_"}
_API_CONSTANTS: dict[str, Any] = {
    "price_unit": "USD",
    "answered_by": None,
    "api_version": API_VERSION,
    "forwarded_from": None,
    "group_sid": None,
    "caller_name": None,
}
#: the names of `Call.fields()`
API_FIELDS = frozenset(
    (
        *("sid", "account_sid", "parent_call_sid", "to", "from", "to_formatted"),
        *("from_formatted", "phone_number_sid", "trunk_sid", "status", "direction"),
        *("date_created", "date_updated", "start_time", "end_time", "duration", "price"),
        *_API_CONSTANTS,
        "queue_time",
    )
)
