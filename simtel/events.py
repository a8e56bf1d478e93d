"""The event log: every state change of a simulation, in order, with its simulated time.

An event is flat: a kind from `EventKind`, the SID of the resource it is about, and a mapping of
plain JSON values. Consumers (the store, the webhook log, reports, tests) subscribe to the log; the
engine never reads events back. Two runs with the same seed append the same events in the same
order, so a JSON-lines export is a byte-for-byte regression artefact (a "golden log").

How the log holds events (the compact core). A log that keeps its events stores them in columns:
simulated times in an `array('d')`, kinds as one byte each (an index into the log's kind table,
so each kind exists once), SIDs and fields mappings as references (the SID string the engine
minted, shared by every event about that resource). An `Event` named tuple is built only when
someone reads the log (iteration, `since`, `of`): subscribers get one per emit, the store's
projector drops it once written. JSON is produced only by readers: `Event.to_json`,
`write_jsonl`, and the store (`simtel.store.projector`), which encodes each event's fields once
with `encode_fields` (sorted keys, ASCII) and keeps that text, so a log that keeps no events
writes its `events.jsonl` from the stored text (`jsonl_line`) without decoding it.

Emitting. `log.emit(kind, sid, **fields)` is the form every call site uses. `log.append(kind,
sid, fields)` is the same without keyword packing: it takes a dict the caller built (and will
never mutate), for hot paths that already hold one (`emit(kind, sid, **fields)` copies it).
"""

from __future__ import annotations

import json
import json.encoder
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TextIO

import orjson

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
    # -- queues (`simtel.engine.queues`): read from the engine's live state, no store table --
    QUEUE_CREATED = "queue.created"
    QUEUE_UPDATED = "queue.updated"
    QUEUE_DELETED = "queue.deleted"
    #: a call joined a queue (`sid` the call; `queue_sid`, `position`, `current_size`)
    MEMBER_ENQUEUED = "member.enqueued"
    #: a call left a queue (`sid` the call; `queue_sid`, `result` (QueueResult), `queue_time`)
    MEMBER_LEFT = "member.left"
    #: one delivery attempt of a request to the user's app, with its response and timing
    WEBHOOK = "webhook"
    #: a TwiML verb started executing on a call
    TWIML_VERB = "twiml.verb"
    #: a Twilio debugger notification: an error or warning with its code (and line, for TwiML)
    NOTIFICATION = "notification"


def _refuse(value: object) -> object:
    raise TypeError(f"event fields must be JSON values, not {type(value).__name__}: {value!r}")


def _stdlib_encoder() -> Callable[[object], str]:
    """Compact JSON with sorted keys and ASCII escapes: the same text as `json.dumps(value,
    sort_keys=True, separators=(",", ":"))`. CPython's C encoder is called directly:
    `json.dumps` builds a new one per call, which doubles the cost for small dicts."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - other Pythons
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_refuse).encode
    encoder = make(
        None, _refuse, json.encoder.encode_basestring_ascii, None, ":", ",", True, False, True
    )

    def encode(value: object) -> str:
        return "".join(encoder(value, 0))

    return encode


_stdlib_encode = _stdlib_encoder()
_orjson_dumps = orjson.dumps
#: orjson serializes dataclasses and datetimes itself; event fields are JSON values only
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)
#: a float orjson writes with a one-digit negative exponent (`1e-7`; Python writes `1e-07`)
_SHORT_EXPONENT = re.compile(rb"\de-\d(?!\d)")


def _encode(value: object) -> str:
    """`_stdlib_encode`'s text, three times faster: orjson writes it, and the stdlib encoder
    takes over where the two would differ: a value orjson refuses (an int beyond 64 bits, a
    non-string key, anything not JSON), non-ASCII text (orjson writes UTF-8, the log escapes
    it), DEL (U+007F: orjson writes it as it is, the log escapes it), and floats under 1e-4
    (orjson writes `0.00001` and `1e-7`, Python `1e-05`, `1e-07`; `0.0000` is never in
    Python's form). The one difference left: a NaN or an infinity, which JSON has no word for,
    comes out as `null` (Python writes `NaN`); events carry none."""
    try:
        text = _orjson_dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return _stdlib_encode(value)
    if (
        not text.isascii()
        or b"\x7f" in text
        or b"0.0000" in text
        or (b"e-" in text and _SHORT_EXPONENT.search(text) is not None)
    ):
        return _stdlib_encode(value)
    return text.decode("ascii")


#: an event's fields as JSON text: the one encoding the store and `events.jsonl` share
encode_fields = _encode
_quote = json.encoder.encode_basestring_ascii


def jsonl_line(seq: int, t: float, kind: str, sid: str, fields_json: str) -> str:
    """One line of `events.jsonl` (without its newline) from an event's parts and its fields
    already encoded by `encode_fields`: exactly `Event(...).to_json()`."""
    return (
        f'{{"fields":{fields_json},"kind":{_quote(kind)},"seq":{seq},'
        f'"sid":{_quote(sid)},"t":{float(round(t, 6))!r}}}'
    )


class Event(NamedTuple):
    """One state change. `seq` is the position in the log, `t` the simulated seconds.

    Built for subscribers and readers; the log itself keeps its events in columns (see the
    module doc). The fields mapping is the emitter's own dict; nobody mutates it after `emit`.
    """

    seq: int
    t: float
    kind: EventKind
    sid: str
    fields: Mapping[str, Any] = _NO_FIELDS

    def to_json(self) -> str:
        return jsonl_line(self.seq, self.t, str(self.kind), self.sid, encode_fields(self.fields))

    @classmethod
    def from_json(cls, line: str) -> Event:
        raw = json.loads(line)
        return cls(raw["seq"], raw["t"], EventKind(raw["kind"]), raw["sid"], raw["fields"])


Subscriber = Callable[[Event], None]
#: `Event(...)` without the named tuple's Python-level `__new__` (the hot path: one per emit)
_new_event: Callable[[type[Event], tuple[Any, ...]], Event] = tuple.__new__


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

    def event_lines(self, since: int, limit: int) -> list[str]:
        """The `events.jsonl` lines (no newline) of the stored events with `seq >= since`, in
        order, at most `limit` of them."""
        ...


#: events read back from the history per query when iterating a log that keeps none
HISTORY_CHUNK = 20_000
#: the kinds every log knows, in a fixed order (a log adds any other kind it is given)
_KINDS: tuple[EventKind, ...] = tuple(EventKind)


class EventLog:
    """Append-only, with synchronous subscribers called in subscription order.

    `keep=True` (the default) holds every event in memory, in columns (see the module doc).
    `keep=False` holds none, for runs too long to keep millions of events twice: subscribers
    still get every event as it happens, and reading the log (iteration, `since`, `of`,
    `write_jsonl`) reads `history` instead (the store's events table, which holds the same
    events in the same order); without a history, reading is a `RuntimeError`.
    """

    def __init__(
        self, now: Callable[[], float], *, keep: bool = True, history: EventHistory | None = None
    ) -> None:
        self._now = now
        self._keep = keep
        self._times = array("d")
        self._kinds = bytearray()
        self._sids: list[str] = []
        self._fields: list[Mapping[str, Any]] = []
        self._kind_table: list[EventKind] = list(_KINDS)
        self._kind_index: dict[str, int] = {kind: index for index, kind in enumerate(_KINDS)}
        self._count = 0
        self._history = history
        self._subscribers: list[Subscriber] = []

    @property
    def keeps_events(self) -> bool:
        return self._keep

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, kind: EventKind, sid: str, /, **fields: Any) -> Event:
        return self.append(kind, sid, fields)

    def append(self, kind: EventKind, sid: str, fields: Mapping[str, Any], /) -> Event:
        """`emit` with a fields dict the log may keep as it is (the caller never mutates it)."""
        t = float(self._now())
        event = _new_event(Event, (self._count, t, kind, sid, fields))
        self._count += 1
        if self._keep:
            self._times.append(t)
            index = self._kind_index.get(kind)
            if index is None:
                index = self._new_kind(kind)
            self._kinds.append(index)
            self._sids.append(sid)
            self._fields.append(fields)
        for subscriber in self._subscribers:
            subscriber(event)
        return event

    def _new_kind(self, kind: EventKind) -> int:
        if len(self._kind_table) >= 256:
            raise ValueError("an event log knows at most 256 kinds of event")
        self._kind_index[kind] = len(self._kind_table)
        self._kind_table.append(kind)
        return len(self._kind_table) - 1

    def _event(self, seq: int) -> Event:
        return Event(
            seq,
            self._times[seq],
            self._kind_table[self._kinds[seq]],
            self._sids[seq],
            self._fields[seq],
        )

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Event]:
        if self._keep:
            return self._kept(0, self._count)
        return self._replay(0)

    def _kept(self, start: int, stop: int) -> Iterator[Event]:
        table, kinds, times, sids, fields = (
            self._kind_table,
            self._kinds,
            self._times,
            self._sids,
            self._fields,
        )
        for seq in range(start, stop):
            yield Event(seq, times[seq], table[kinds[seq]], sids[seq], fields[seq])

    def since(self, seq: int) -> list[Event]:
        if self._keep:
            return list(self._kept(max(seq, 0), self._count))
        return list(self._replay(max(seq, 0)))

    def of(self, sid: str, *kinds: EventKind) -> list[Event]:
        """The events about `sid`, optionally only those of `kinds`."""
        if not self._keep:
            return self._read_history().events(0, kinds or None, sid)
        sids = self._sids
        found = [self._event(seq) for seq in range(self._count) if sids[seq] == sid]
        return [e for e in found if not kinds or e.kind in kinds]

    def write_jsonl(self, target: Path | TextIO) -> None:
        """The log as JSON lines, one event a line (`Event.to_json`)."""
        if isinstance(target, Path):
            with target.open("w", encoding="utf-8") as handle:
                self._write(handle)
        else:
            self._write(target)

    def _write(self, handle: TextIO) -> None:
        if not self._keep:
            history, since = self._read_history(), 0
            while True:
                lines = history.event_lines(since, HISTORY_CHUNK)
                if lines:
                    handle.write("\n".join(lines))
                    handle.write("\n")
                if len(lines) < HISTORY_CHUNK:
                    return
                since += HISTORY_CHUNK
        table, kinds, times, sids, fields = (
            self._kind_table,
            self._kinds,
            self._times,
            self._sids,
            self._fields,
        )
        encode = encode_fields
        for start in range(0, self._count, HISTORY_CHUNK):
            stop = min(start + HISTORY_CHUNK, self._count)
            handle.write(
                "".join(
                    jsonl_line(seq, times[seq], table[kinds[seq]], sids[seq], encode(fields[seq]))
                    + "\n"
                    for seq in range(start, stop)
                )
            )

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
