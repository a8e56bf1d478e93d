"""The Recording resource as the engine holds it: what is captured, from where, and its state.

A recording is a window over leg tracks. `layout` says which tracks make each channel of the
stored file (summed within a channel); `pauses` the spans left out (`skip`) or silenced
(`silence`). Nothing is rendered while the call runs: duration, trim and silence come from the
timelines when the recording stops (`simtel.audio.render.plan`), samples only when media is
requested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simtel.audio.render import RenderPlan
from simtel.engine.calls.call import API_VERSION, Call, RecordingOptions
from simtel.engine.calls.legaudio import LegAudio

#: `source` values of the Recording resource.
SOURCES = (
    "DialVerb",
    "Conference",
    "OutboundAPI",
    "Trunking",
    "RecordVerb",
    "StartCallRecordingAPI",
    "StartConferenceRecordingAPI",
)

ACTIVE = frozenset({"in-progress", "paused"})


@dataclass(frozen=True, slots=True)
class TrackRef:
    """One track of one leg: `direction` is `inbound` or `outbound`."""

    leg: LegAudio
    direction: str

    @property
    def track(self) -> Any:
        return self.leg.inbound if self.direction == "inbound" else self.leg.outbound


@dataclass(slots=True)
class PauseSpan:
    start: float
    end: float | None
    behavior: str


@dataclass(eq=False)
class Recording:
    """One recording. Times are simulated seconds; `duration` is whole seconds once processed."""

    sid: str
    account_sid: str
    call_sid: str | None
    conference_sid: str | None
    source: str
    options: RecordingOptions
    layout: tuple[tuple[TrackRef, ...], ...]
    start_time: float
    date_created: float
    date_updated: float
    status: str = "in-progress"
    stop_time: float | None = None
    duration: int | None = None
    exact_duration: float | None = None
    price: str | None = None
    error_code: int | None = None
    pauses: list[PauseSpan] = field(default_factory=list)
    name: str | None = None
    callbacks: bool = True
    encryption_details: dict[str, str] | None = None
    deleted_at: float | None = None
    speakers: tuple[Call, ...] = ()
    sequence: int = 0
    #: the call or conference SID whose end stops it (`Recorder.by_owner`)
    owner: str = ""
    #: its final plan (duration, trim, silence), computed once when it stops (`Recorder.plan`)
    final_plan: RenderPlan | None = field(default=None, repr=False)

    @property
    def channels(self) -> int:
        return len(self.layout)

    @property
    def track(self) -> str:
        return self.options.track

    @property
    def trim(self) -> bool:
        return self.options.trim == "trim-silence"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def fields(self) -> dict[str, Any]:
        """API fields (times in simulated seconds); the serializers pick per-schema subsets."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "call_sid": self.call_sid,
            "conference_sid": self.conference_sid,
            "api_version": API_VERSION,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "start_time": self.start_time,
            "duration": None if self.duration is None else str(self.duration),
            "price": self.price,
            "price_unit": None if self.price is None else "USD",
            "status": self.status,
            "channels": self.channels,
            "source": self.source,
            "error_code": self.error_code,
            "track": self.track,
            "encryption_details": self.encryption_details,
        }
