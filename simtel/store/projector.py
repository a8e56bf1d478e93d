"""Events to rows, in batches.

`Projector.consume` only appends the event to a buffer; `flush` applies the buffer in one
transaction: every event into `events` (and `webhooks`/`notifications`), and the net effect of the
batch on each resource row. Merging happens in Python, in event order, so a field an update sets
to `None` stays in the doc as `null` (SQLite's `json_patch` would drop it).

Routing: `<resource>.created` replaces the row with the event's fields, `<resource>.updated`
merges its fields into the row, `call.deleted`, `transcription.deleted`, `number.deleted` and
`recording.purged` remove the row. A `recording.updated` to status `deleted` is a plain update
(a soft delete). Participants are keyed by `(conference_sid, call_sid)`: their events carry the
call SID as `sid` and `conference_sid` in the fields; an update without `conference_sid` applies
to the call's latest participant row. An update of a row that does not exist is counted in
`orphan_updates` and otherwise dropped.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

from simtel.errors import TwilioError
from simtel.events import Event, EventKind, encode_fields, jsonl_line
from simtel.store.schema import (
    NOTIFICATION_COLUMNS,
    RESOURCE_TABLES,
    WEBHOOK_COLUMNS,
    TableSpec,
    quote,
)

Doc = dict[str, Any]
Key = str | tuple[str, str]


#: every JSON text the store writes (event fields, resource docs): `events.jsonl`'s encoding,
#: so a log that keeps no events writes its lines from the stored text as it is
_encode = encode_fields
_CHUNK = 500  # SQLite's default limit of bound parameters is far above this

_CREATE, _UPDATE, _DELETE = 0, 1, 2

_ROUTES: dict[str, tuple[str, int]] = {
    "call.created": ("calls", _CREATE),
    "call.updated": ("calls", _UPDATE),
    "call.deleted": ("calls", _DELETE),
    "recording.created": ("recordings", _CREATE),
    "recording.updated": ("recordings", _UPDATE),
    "recording.purged": ("recordings", _DELETE),
    "transcription.created": ("transcriptions", _CREATE),
    "transcription.updated": ("transcriptions", _UPDATE),
    "transcription.deleted": ("transcriptions", _DELETE),
    "conference.created": ("conferences", _CREATE),
    "conference.updated": ("conferences", _UPDATE),
    "participant.created": ("participants", _CREATE),
    "participant.updated": ("participants", _UPDATE),
    "trunk.created": ("trunks", _CREATE),
    "trunk.updated": ("trunks", _UPDATE),
    "number.created": ("numbers", _CREATE),
    "number.updated": ("numbers", _UPDATE),
    "number.deleted": ("numbers", _DELETE),
}


@dataclass(slots=True)
class _TableBatch:
    """The net effect of one batch on one table; a key is in at most one of `full`, `patches`
    and `deleted`. `encoded` keeps the JSON of created rows no later event of the batch touched:
    it is the event's own fields, already encoded for the events table. Such a row's doc in
    `full` is the event's own fields mapping (never mutated), copied at its first update."""

    spec: TableSpec
    full: dict[Key, Mapping[str, Any]] = field(default_factory=dict)
    created_at: dict[Key, float] = field(default_factory=dict)
    encoded: dict[Key, str] = field(default_factory=dict)
    patches: dict[Key, Doc] = field(default_factory=dict)
    deleted: dict[Key, None] = field(default_factory=dict)
    #: participants only: call SID -> the latest key of that call seen in this batch
    latest: dict[str, Key] = field(default_factory=dict)

    def create(self, key: Key, t: float, fields: Mapping[str, Any], encoded: str) -> None:
        self.patches.pop(key, None)
        self.deleted.pop(key, None)
        self.full[key] = fields
        self.created_at[key] = t
        self.encoded[key] = encoded

    def update(self, key: Key, fields: Mapping[str, Any]) -> bool:
        """False when the row is known to be gone (an orphan update)."""
        found = self.full.get(key)
        if found is not None:
            if self.encoded.pop(key, None) is not None:  # the created event's own fields
                self.full[key] = doc = dict(found)
            else:
                doc = cast(Doc, found)
            doc.update(fields)
        elif key in self.deleted:
            return False
        else:
            patch = self.patches.get(key)
            if patch is None:
                self.patches[key] = dict(fields)
            else:
                patch.update(fields)
        return True

    def delete(self, key: Key) -> None:
        self.full.pop(key, None)
        self.encoded.pop(key, None)
        self.patches.pop(key, None)
        self.deleted[key] = None


Rows = list[tuple[Any, ...]]


@dataclass(slots=True)
class _Writes:
    """Everything one flush writes, as (sql, rows) pairs in the order they run, and the orphan
    updates it found (counted once the writes are committed)."""

    statements: list[tuple[str, Rows]] = field(default_factory=list)
    orphans: int = 0
    #: the batch's `events.jsonl` lines, when the projector has an export
    lines: list[str] | None = None

    def add(self, sql: str, rows: Rows) -> None:
        if rows:
            self.statements.append((sql, rows))


class StoreWriteError(TwilioError):
    """SQLite refused to write (disk full, read-only file, I/O error). Nothing is lost: the
    events of the failed batch stay buffered, and the next flush writes them with the rest."""

    def __init__(self, error: BaseException, pending: int) -> None:
        super().__init__(
            20503,
            503,
            f"The simulation's store cannot write ({error}); {pending} events are kept and "
            "will be written once the database accepts writes again",
        )


class Projector:
    """Buffers events and projects them into the store's tables on `flush`.

    Consistency contract: an event is dropped only once the transaction that writes it has
    committed. When SQLite cannot write (`sqlite3.OperationalError`: disk or database full,
    read-only file, I/O error, locked), the transaction is rolled back whole and its events go
    back to the front of the buffer; `flush` raises `StoreWriteError`. While writes fail,
    `consume` only buffers (no background attempts); every later `flush` retries everything, so
    once SQLite writes again the tables are exactly the projection of every event consumed, in
    order. Any other SQLite error means events SQLite refuses (a defect, such as a repeated
    `seq`): it is raised as is and its batch is not retried.
    """

    def __init__(self, conn: sqlite3.Connection, batch_size: int = 50_000) -> None:
        self._conn = conn
        self._batch_size = batch_size
        self._buffer: list[Event] = []
        self.orphan_updates = 0
        self._upserts = {name: _upsert_sql(spec) for name, spec in RESOURCE_TABLES.items()}
        self._deletes = {name: _delete_sql(spec) for name, spec in RESOURCE_TABLES.items()}
        self._writer: threading.Thread | None = None
        self._writer_error: BaseException | None = None
        #: the batch the background writer holds: its events and writes
        self._inflight: tuple[list[Event], _Writes] | None = None
        #: the last write failure, until a flush succeeds
        self.failure: BaseException | None = None
        #: where the `events.jsonl` lines of committed batches go (`Store.export_events`)
        self.export: TextIO | None = None

    @property
    def pending(self) -> int:
        """Events consumed and not yet handed to SQLite (the background writer's batch is not
        counted; a failed batch is, once it is back in the buffer)."""
        return len(self._buffer)

    def consume(self, event: Event) -> None:
        """Buffer `event`. A full buffer is prepared on the spot and written by a background
        thread (SQLite releases the GIL while it writes), so the engine keeps running. Never
        raises for a write failure: that is `flush`'s to report."""
        self._buffer.append(event)
        if len(self._buffer) >= self._batch_size and self.failure is None:
            self._settle()
            if self.failure is None:
                self._start(background=True)

    def flush(self) -> int:
        """Apply every buffered event and wait until every write is committed; returns how many
        events this call applied. Raises `StoreWriteError` (events kept) when SQLite refuses."""
        self._settle()
        return self._start(background=False)

    def _settle(self) -> None:
        """Wait for the background write. Its success counts its orphans; its failure puts its
        events back in front of the buffer and is remembered in `failure`."""
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        inflight, self._inflight = self._inflight, None
        error, self._writer_error = self._writer_error, None
        if inflight is None:
            return
        events, writes = inflight
        if error is None:
            self._committed(writes)
        elif isinstance(error, sqlite3.OperationalError):
            self._buffer[:0] = events
            self.failure = error
        else:  # not SQLite failing to write but events it refuses (a defect): raised as is
            raise error

    def _start(self, *, background: bool) -> int:
        events, self._buffer = self._buffer, []
        if not events:
            return 0
        try:
            writes = self._prepare(events)
            if background:
                self._inflight = (events, writes)
                self._writer = threading.Thread(
                    target=self._commit_in_background, args=(writes,), name="simtel-store-writer"
                )
                self._writer.start()
                return len(events)
            self._commit(writes)
        except sqlite3.OperationalError as error:
            self._buffer[:0] = events
            self.failure = error
            if background:  # reported by the next flush
                return 0
            raise StoreWriteError(error, len(self._buffer)) from error
        self.failure = None
        self._committed(writes)
        return len(events)

    def _committed(self, writes: _Writes) -> None:
        """Account for a committed batch: its orphans, its lines to the export."""
        self.orphan_updates += writes.orphans
        if writes.lines and self.export is not None:
            self.export.write("\n".join(writes.lines))
            self.export.write("\n")

    def _prepare(self, events: list[Event]) -> _Writes:
        writes = _Writes()
        batches = self._route(events, writes)
        for batch in batches.values():
            self._table_writes(batch, writes)
        return writes

    def _commit_in_background(self, writes: _Writes) -> None:
        try:
            self._commit(writes)
        except BaseException as error:  # handed to the next flush or query
            self._writer_error = error

    def _commit(self, writes: _Writes) -> None:
        try:
            self._write(writes)
        except (sqlite3.InterfaceError, sqlite3.ProgrammingError):
            # a list or dict in a projected column: rare, so checked only when SQLite refuses it
            for index, (sql, rows) in enumerate(writes.statements):
                writes.statements[index] = (sql, [tuple(map(_scalar, row)) for row in rows])
            self._write(writes)

    def _write(self, writes: _Writes) -> None:
        """One transaction; rolled back whole if any statement (or the commit) fails."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            for sql, rows in writes.statements:
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _route(self, events: list[Event], writes: _Writes) -> dict[str, _TableBatch]:
        event_rows: Rows = []
        webhook_rows: Rows = []
        notification_rows: Rows = []
        batches: dict[str, _TableBatch] = {}
        routes = _ROUTES
        encode = _encode
        for seq, t, kind, sid, fields in events:
            encoded = encode(fields)
            event_rows.append((seq, t, kind, sid, encoded))
            route = routes.get(kind)
            if route is None:
                if kind == EventKind.WEBHOOK:
                    webhook_rows.append((seq, t, sid, *map(fields.get, WEBHOOK_COLUMNS)))
                elif kind == EventKind.NOTIFICATION:
                    notification_rows.append((seq, t, sid, *map(fields.get, NOTIFICATION_COLUMNS)))
                continue
            name, action = route
            batch = batches.get(name)
            if batch is None:
                batch = batches[name] = _TableBatch(RESOURCE_TABLES[name])
            key: Key = sid if name != "participants" else self._participant_key(batch, sid, fields)
            if action == _UPDATE:
                if not batch.update(key, fields):
                    writes.orphans += 1
            elif action == _CREATE:
                batch.create(key, t, fields, encoded)
            else:
                batch.delete(key)
        writes.add("INSERT INTO events VALUES (?, ?, ?, ?, ?)", event_rows)
        if self.export is not None:  # a row is (seq, t, kind, sid, fields JSON): a line's parts
            writes.lines = [jsonl_line(*row) for row in event_rows]
        writes.add(_log_insert("webhooks", WEBHOOK_COLUMNS), webhook_rows)
        writes.add(_log_insert("notifications", NOTIFICATION_COLUMNS), notification_rows)
        return batches

    def _participant_key(
        self, batch: _TableBatch, sid: str, fields: Mapping[str, Any]
    ) -> tuple[str, str]:
        conference_sid = fields.get("conference_sid")
        if isinstance(conference_sid, str):
            key = (conference_sid, sid)
        elif isinstance(known := batch.latest.get(sid), tuple):
            return known
        else:
            row = self._conn.execute(
                "SELECT conference_sid FROM participants WHERE sid = ? "
                "ORDER BY date_created DESC, rowid DESC LIMIT 1",
                (sid,),
            ).fetchone()
            key = (row[0] if row else "", sid)
        batch.latest[sid] = key
        return key

    def _table_writes(self, batch: _TableBatch, writes: _Writes) -> None:
        spec = batch.spec
        encoded = batch.encoded
        created_at = batch.created_at
        upsert_rows = [
            _row(spec, key, doc, created_at[key], encoded.get(key))
            for key, doc in batch.full.items()
        ]
        stored = _load(self._conn, spec, batch.patches)
        for key, patch in batch.patches.items():
            found = stored.get(key)
            if found is None:
                writes.orphans += 1
                continue
            doc, date_created = found
            doc.update(patch)
            upsert_rows.append(_row(spec, key, doc, date_created, None))
        writes.add(self._deletes[spec.name], [_key_tuple(key) for key in batch.deleted])
        writes.add(self._upserts[spec.name], upsert_rows)


def _key_tuple(key: Key) -> tuple[str, ...]:
    return key if isinstance(key, tuple) else (key,)


def _row(
    spec: TableSpec, key: Key, doc: Mapping[str, Any], date_created: Any, encoded: str | None
) -> tuple[Any, ...]:
    """Key, projected columns, doc. A doc without `date_created` is ordered by `date_created`,
    the time of its created event (the column only: the doc is left as the events made it)."""
    values = tuple(map(doc.get, spec.columns))
    if values[spec.order_index] is None:
        values = (*values[: spec.order_index], date_created, *values[spec.order_index + 1 :])
    return (*_key_tuple(key), *values, encoded if encoded is not None else _encode(doc))


def _scalar(value: Any) -> Any:
    """Columns hold SQL scalars; a list or dict (not expected in a projected field) goes as JSON."""
    return _encode(value) if isinstance(value, list | dict) else value


def _load(
    conn: sqlite3.Connection, spec: TableSpec, keys: Iterable[Key]
) -> dict[Key, tuple[Doc, Any]]:
    """The stored docs (and date_created columns) of `keys`, in chunks of `_CHUNK` SIDs."""
    wanted = set(keys)
    sids = sorted({key[1] if isinstance(key, tuple) else key for key in wanted})
    found: dict[Key, tuple[Doc, Any]] = {}
    key_sql = ", ".join(quote(c) for c in spec.key)
    for start in range(0, len(sids), _CHUNK):
        chunk = sids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {key_sql}, date_created, doc FROM {spec.name} WHERE sid IN ({marks})", chunk
        )
        for row in rows:
            key: Key = (row[0], row[1]) if len(spec.key) == 2 else row[0]
            if key in wanted:
                found[key] = (json.loads(row[-1]), row[-2])
    return found


def _upsert_sql(spec: TableSpec) -> str:
    names = spec.all_columns
    marks = ", ".join("?" * len(names))
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in names if c not in spec.key)
    return (
        f"INSERT INTO {spec.name} ({', '.join(quote(c) for c in names)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in spec.key)}) DO UPDATE SET {updates}"
    )


def _delete_sql(spec: TableSpec) -> str:
    where = " AND ".join(f"{quote(c)} = ?" for c in spec.key)
    return f"DELETE FROM {spec.name} WHERE {where}"


def _log_insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * (len(columns) + 3))
    return f"INSERT INTO {table} VALUES ({marks})"
