"""The event log: every state change of a simulation, in order, with its simulated time.

An event is flat: a kind from `EventKind`, the SID of the resource it is about, and a mapping of
plain JSON values. Consumers (the store, the webhook log, reports, tests) subscribe to the log; the
engine never reads events back. Two runs with the same seed append the same events in the same
order, so a JSON-lines export is a byte-for-byte regression artefact (a "golden log").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TextIO

#: the fields of an event built without any (shared: event fields are never mutated)
_NO_FIELDS: dict[str, Any] = {}


class EventKind(StrEnum):
    """What happened. `*.created` events carry every field of the new resource; `*.updated` events
    carry only the fields that changed (the store merges them)."""

    CALL_CREATED = "call.created"
    CALL_UPDATED = "call.updated"
    CALL_DELETED = "call.deleted"
    #: a status-callback worthy moment that is not a REST status (``initiated``)
    CALL_PROGRESS = "call.progress"
    PARTY_DIGITS = "party.digits"
    PARTY_HANGUP = "party.hangup"
    RECORDING_CREATED = "recording.created"
    RECORDING_UPDATED = "recording.updated"
    #: media and metadata gone for good (40 days after a delete)
    RECORDING_PURGED = "recording.purged"
    TRANSCRIPTION_CREATED = "transcription.created"
    TRANSCRIPTION_UPDATED = "transcription.updated"
    TRANSCRIPTION_DELETED = "transcription.deleted"
    CONFERENCE_CREATED = "conference.created"
    CONFERENCE_UPDATED = "conference.updated"
    PARTICIPANT_CREATED = "participant.created"
    PARTICIPANT_UPDATED = "participant.updated"
    TRUNK_CREATED = "trunk.created"
    TRUNK_UPDATED = "trunk.updated"
    NUMBER_CREATED = "number.created"
    NUMBER_UPDATED = "number.updated"
    NUMBER_DELETED = "number.deleted"
    #: a subaccount created or changed (`simtel.accounts`; fields without the auth token)
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_UPDATED = "account.updated"
    #: one delivery attempt of a request to the user's app, with its response and timing
    WEBHOOK = "webhook"
    #: a TwiML verb started executing on a call
    TWIML_VERB = "twiml.verb"
    #: a Twilio debugger notification: an error or warning with its code (and line, for TwiML)
    NOTIFICATION = "notification"


class Event(NamedTuple):
    """One state change. `seq` is the position in the log, `t` the simulated seconds.

    A named tuple: the engine appends millions of them, and a tuple is built several times
    faster than a frozen dataclass (which sets each field through `object.__setattr__`). The
    fields mapping is the emitter's own keyword dict; nobody mutates it after `emit`.
    """

    seq: int
    t: float
    kind: EventKind
    sid: str
    fields: Mapping[str, Any] = _NO_FIELDS

    def to_json(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "t": round(self.t, 6),
                "kind": str(self.kind),
                "sid": self.sid,
                "fields": self.fields,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> Event:
        raw = json.loads(line)
        return cls(raw["seq"], raw["t"], EventKind(raw["kind"]), raw["sid"], raw["fields"])


Subscriber = Callable[[Event], None]


class EventHistory(Protocol):
    """Where a log that keeps no events reads them back: the store's events table."""

    def events(
        self,
        since: int = 0,
        kinds: Iterable[EventKind | str] | None = None,
        sid: str | None = None,
        *,
        limit: int | None = None,
    ) -> list[Event]: ...


#: events read back from the history per query when iterating a log that keeps none
HISTORY_CHUNK = 20_000


class EventLog:
    """Append-only, with synchronous subscribers called in subscription order.

    `keep=True` (the default) holds every event in memory. `keep=False` holds none, for runs too
    long to keep millions of events twice: subscribers still get every event as it happens, and
    reading the log (iteration, `since`, `of`, `write_jsonl`) reads `history` instead (the
    store's events table, which holds the same events in the same order); without a history,
    reading is a `RuntimeError`.
    """

    def __init__(
        self, now: Callable[[], float], *, keep: bool = True, history: EventHistory | None = None
    ) -> None:
        self._now = now
        self._events: list[Event] | None = [] if keep else None
        self._count = 0
        self._history = history
        self._subscribers: list[Subscriber] = []

    @property
    def keeps_events(self) -> bool:
        return self._events is not None

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, kind: EventKind, sid: str, /, **fields: Any) -> Event:
        event = Event(self._count, float(self._now()), kind, sid, fields)
        self._count += 1
        if self._events is not None:
            self._events.append(event)
        for subscriber in self._subscribers:
            subscriber(event)
        return event

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Event]:
        if self._events is not None:
            return iter(self._events)
        return self._replay(0)

    def since(self, seq: int) -> list[Event]:
        if self._events is not None:
            return self._events[max(seq, 0) :]
        return list(self._replay(max(seq, 0)))

    def of(self, sid: str, *kinds: EventKind) -> list[Event]:
        """The events about `sid`, optionally only those of `kinds`."""
        if self._events is None:
            return self._read_history().events(0, kinds or None, sid)
        return [e for e in self._events if e.sid == sid and (not kinds or e.kind in kinds)]

    def write_jsonl(self, target: Path | TextIO) -> None:
        if isinstance(target, Path):
            with target.open("w", encoding="utf-8") as handle:
                self._write(handle)
        else:
            self._write(target)

    def _write(self, handle: TextIO) -> None:
        for event in self:
            handle.write(event.to_json())
            handle.write("\n")

    def _replay(self, since: int) -> Iterator[Event]:
        """The events from `since` on, read from the history a chunk at a time."""
        history = self._read_history()
        while True:
            chunk = history.events(since, limit=HISTORY_CHUNK)
            yield from chunk
            if len(chunk) < HISTORY_CHUNK:
                return
            since = chunk[-1].seq + 1

    def _read_history(self) -> EventHistory:
        if self._history is None:
            raise RuntimeError("this event log keeps no events and has no history to read")
        return self._history


def read_jsonl(lines: Iterable[str]) -> list[Event]:
    return [Event.from_json(line) for line in lines if line.strip()]
