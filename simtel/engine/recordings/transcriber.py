"""`<Record transcribe>`: Transcription resources (`TR…`, type `fast`) and the transcribeCallback.

Contract:

* `request(recording, callback_url=..., call=...)` asks for a transcription of `recording`; it is
  made when the recording finishes post-processing (a recorder completion hook), or at once when
  the recording has finished already.
* At that moment a Transcription is created `in-progress` (`transcription.created`). It finishes
  `transcription_delay(duration)` simulated seconds later (`transcription.updated`): 5 s plus 1 s
  per whole 10 s of audio (a model, not a Twilio figure).
* `completed` when the recording lasts more than 2 s and less than 120 s (Twilio's limits);
  `transcription_text` is exactly the words the recorded parties said: each scripted utterance of
  a speaker (`recording.speakers`) whose whole span lies inside one kept, unsilenced span of the
  file, in time order, joined by single spaces. A speaker whose own leg is recorded only on its
  outbound track said nothing into the recording. Parties talking in unscripted spurts say no
  words, so their text is empty.
* `failed` with text `(blank)` otherwise: outside the limits (plus a 13617 debugger warning), or
  when the recording is `absent`.
* Price: $0.05 per started minute of the recording (spec §10 GUESS), negative string with five
  decimals; a failed transcription, an absent recording's too, costs one started minute
  (`-0.05000`, the OpenAPI example's failed transcription).
* The transcribeCallback (always POST) follows the update, except for absent recordings, which
  Twilio documents as never called back.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import API_VERSION, Call
from simtel.engine.recordings.callbacks import recording_url
from simtel.engine.recordings.recording import Recording
from simtel.errors import NotFound
from simtel.events import EventKind
from simtel.pricing import PRICE_UNIT, TRANSCRIPTION_RATE, charge
from simtel.webhooks import WebhookRequest

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

MIN_SECONDS = 2.0
MAX_SECONDS = 120.0
BLANK = "(blank)"
OUT_OF_RANGE = 13617
FINISHED = frozenset({"completed", "absent", "deleted"})
_EPSILON = 1.0 / 8000  # kept spans are snapped to the 8 kHz sample grid


def transcription_delay(duration: float) -> float:
    """Simulated seconds from the recording's completion to the transcription's."""
    return 5.0 + float(int(duration // 10))


@dataclass(eq=False)
class Transcription:
    """One Transcription resource; times are simulated seconds."""

    sid: str
    account_sid: str
    recording_sid: str
    call_sid: str | None
    date_created: float
    date_updated: float
    duration: int | None
    status: str = "in-progress"
    transcription_text: str | None = None
    price: str | None = None

    @property
    def uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Transcriptions/{self.sid}.json"

    def fields(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": self.call_sid,
            "recording_sid": self.recording_sid,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "duration": None if self.duration is None else str(self.duration),
            "price": self.price,
            "price_unit": None if self.price is None else PRICE_UNIT,
            "status": self.status,
            "transcription_text": self.transcription_text,
            "type": "fast",
            "uri": self.uri,
        }


@dataclass(frozen=True, slots=True)
class TranscriptionRequest:
    callback_url: str | None
    call: Call


class Transcriber:
    """Every transcription of one simulation."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.transcriptions: dict[str, Transcription] = {}
        self._pending: dict[str, list[TranscriptionRequest]] = {}
        sim.recorder.on_complete.append(self._recording_done)

    # -- commands -----------------------------------------------------------------------------
    def request(self, recording: Recording, *, callback_url: str | None, call: Call) -> None:
        """Transcribe `recording` once it is complete; `callback_url` gets the result."""
        wanted = TranscriptionRequest(callback_url, call)
        if recording.status in FINISHED:
            self._start(recording, wanted)
        else:
            self._pending.setdefault(recording.sid, []).append(wanted)

    def get(self, sid: str) -> Transcription:
        transcription = self.transcriptions.get(sid)
        if transcription is None:
            raise NotFound(f"/2010-04-01/Accounts/{self.sim.account.sid}/Transcriptions/{sid}.json")
        return transcription

    def of_recording(self, recording_sid: str) -> list[Transcription]:
        return [t for t in self.transcriptions.values() if t.recording_sid == recording_sid]

    def delete(self, sid: str) -> None:
        """Remove a transcription for good (`transcription.deleted`); 20404 when unknown."""
        self.get(sid)
        del self.transcriptions[sid]
        self.sim.events.emit(EventKind.TRANSCRIPTION_DELETED, sid)

    # -- the work -----------------------------------------------------------------------------
    def _recording_done(self, recording: Recording) -> None:
        for wanted in self._pending.pop(recording.sid, []):
            self._start(recording, wanted)

    def _start(self, recording: Recording, wanted: TranscriptionRequest) -> None:
        now = self.env.now
        transcription = Transcription(
            sid=self.sim.sids.mint("TR"),
            account_sid=recording.account_sid,
            recording_sid=recording.sid,
            call_sid=recording.call_sid or wanted.call.sid,
            date_created=now,
            date_updated=now,
            duration=recording.duration or 0,
        )
        self.transcriptions[transcription.sid] = transcription
        self.sim.events.emit(
            EventKind.TRANSCRIPTION_CREATED, transcription.sid, **transcription.fields()
        )
        status, text = self._outcome(recording, wanted.call)
        self.env.process(self._finish(transcription, recording, wanted, status, text))

    def _outcome(self, recording: Recording, call: Call) -> tuple[str, str]:
        if recording.status != "completed" and recording.status != "deleted":
            return "failed", BLANK
        seconds = recording.exact_duration or 0.0
        if not MIN_SECONDS < seconds < MAX_SECONDS:
            self.sim.events.emit(
                EventKind.NOTIFICATION,
                call.sid,
                code=OUT_OF_RANGE,
                level="warning",
                message=f"Record: recording length {seconds:.3f} s is out of range for "
                f"transcription (more than {MIN_SECONDS:g} s and less than {MAX_SECONDS:g} s)",
                error_code=OUT_OF_RANGE,
                log=1,
            )
            return "failed", BLANK
        return "completed", spoken_words(self.sim, recording)

    def _finish(
        self,
        transcription: Transcription,
        recording: Recording,
        wanted: TranscriptionRequest,
        status: str,
        text: str,
    ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(transcription_delay(recording.exact_duration or 0.0))
        if transcription.sid not in self.transcriptions:
            return  # deleted while in progress
        absent = recording.error_code is not None
        transcription.status = status
        transcription.transcription_text = text
        seconds = recording.exact_duration or 0.0
        billed = max(seconds, 1.0) if status == "failed" else seconds
        transcription.price = charge(billed, TRANSCRIPTION_RATE)
        transcription.date_updated = self.env.now
        self.sim.events.emit(
            EventKind.TRANSCRIPTION_UPDATED,
            transcription.sid,
            status=status,
            transcription_text=text,
            price=transcription.price,
            price_unit=PRICE_UNIT,
            date_updated=transcription.date_updated,
        )
        if wanted.callback_url is not None and not absent:
            self.sim.deliver(self._callback(transcription, recording, wanted))

    def _callback(
        self, transcription: Transcription, recording: Recording, wanted: TranscriptionRequest
    ) -> WebhookRequest:
        sim, call = self.sim, wanted.call
        base = f"{sim.public_url}/2010-04-01/Accounts/{recording.account_sid}"
        params = (
            ("TranscriptionSid", transcription.sid),
            ("TranscriptionText", transcription.transcription_text or ""),
            ("TranscriptionStatus", transcription.status),
            ("TranscriptionUrl", f"{base}/Transcriptions/{transcription.sid}"),
            ("RecordingSid", recording.sid),
            ("RecordingUrl", recording_url(sim, recording.sid, recording.account_sid)),
            ("CallSid", call.sid),
            ("AccountSid", recording.account_sid),
            ("From", call.from_),
            ("To", call.to),
            ("CallStatus", call.status),
            ("ApiVersion", API_VERSION),
            ("Direction", call.direction),
        )
        assert wanted.callback_url is not None
        return WebhookRequest(
            url=wanted.callback_url,
            method="POST",
            params=params,
            purpose="transcribe-callback",
            sid=call.sid,
        )


def spoken_words(sim: EngineContext, recording: Recording) -> str:
    """The scripted words audible in the file (see the module contract)."""
    kept = sim.recorder.plan(recording).kept_spans
    spans = [(span.start, span.end) for span in kept if not span.silenced]
    said: list[tuple[float, str]] = []
    for call in recording.speakers:
        if call.speech is None or call.answered_at is None or not _voice_recorded(recording, call):
            continue
        for at, until, text in call.speech.words:
            start, end = call.answered_at + at, call.answered_at + until
            if any(s - _EPSILON <= start and end <= e + _EPSILON for s, e in spans):
                said.append((start, text))
    return " ".join(text for _, text in sorted(said, key=lambda item: item[0]))


def _voice_recorded(recording: Recording, call: Call) -> bool:
    """False when the layout holds the speaker's own leg, but only its outbound track."""
    own = [ref.direction for refs in recording.layout for ref in refs if ref.leg is call.audio]
    return not own or "inbound" in own
