"""Events to rows, in batches.

`Projector.consume` only appends the event to a buffer; `flush` applies the buffer in one
transaction: every event into `events` (and `webhooks`/`notifications`), and the net effect of the
batch on each resource row. Merging happens in Python, in event order, so a field an update sets
to `None` stays in the doc as `null` (SQLite's `json_patch` would drop it).

How each event routes to its row is `simtel.store.batch`'s.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from simtel.errors import TwilioError
from simtel.events import HISTORY_CHUNK, Event, EventKind, jsonl_line
from simtel.store.batch import (
    CREATE,
    ROUTES,
    UPDATE,
    Key,
    Rows,
    TableBatch,
    Writes,
    delete_sql,
    encode,
    key_tuple,
    load_docs,
    log_insert,
    row_of,
    scalar,
    upsert_sql,
)
from simtel.store.queries import event_lines
from simtel.store.schema import NOTIFICATION_COLUMNS, RESOURCE_TABLES, WEBHOOK_COLUMNS

#: events prepared at a time, then written by a background thread
BATCH = 50_000


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

    def __init__(self, conn: sqlite3.Connection, batch_size: int = BATCH) -> None:
        self._conn = conn
        self._batch_size = batch_size
        self._buffer: list[Event] = []
        self.orphan_updates = 0
        self._upserts = {name: upsert_sql(spec) for name, spec in RESOURCE_TABLES.items()}
        self._deletes = {name: delete_sql(spec) for name, spec in RESOURCE_TABLES.items()}
        self._writer: threading.Thread | None = None
        self._writer_error: BaseException | None = None
        #: the batch the background writer holds: its events and writes
        self._inflight: tuple[list[Event], Writes] | None = None
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

    def export_to(self, target: TextIO | None, *, stored: bool = True) -> None:
        """`Store.export_events`: the lines of the events stored so far (unless not `stored`:
        another writer wrote them), then each committed batch's (`None`: stop)."""
        if target is not None and stored:
            self.flush()
            since = self._conn.execute("SELECT coalesce(min(seq), 0) FROM events").fetchone()[0]
            while lines := event_lines(self._conn, since, HISTORY_CHUNK):
                target.write("\n".join(lines))
                target.write("\n")
                since += len(lines)
        self.export = target

    def build_indexes(self, statements: Sequence[str]) -> None:
        """Run `statements` (`CREATE INDEX`) in one transaction; `StoreWriteError` when SQLite
        cannot write (nothing built, events kept)."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            for statement in statements:
                conn.execute(statement)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreWriteError(error, self.pending) from error

    def close(self) -> None:
        """Wait for the background write and stop exporting (flush first to write the rest)."""
        self._settle()
        self.export = None

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

    def _committed(self, writes: Writes) -> None:
        """Account for a committed batch: its orphans, its lines to the export."""
        self.orphan_updates += writes.orphans
        if writes.lines and self.export is not None:
            self.export.write("\n".join(writes.lines))
            self.export.write("\n")

    def _prepare(self, events: list[Event]) -> Writes:
        writes = Writes()
        batches = self._route(events, writes)
        for batch in batches.values():
            self._table_writes(batch, writes)
        return writes

    def _commit_in_background(self, writes: Writes) -> None:
        try:
            self._commit(writes)
        except BaseException as error:  # handed to the next flush or query
            self._writer_error = error

    def _commit(self, writes: Writes) -> None:
        try:
            self._write(writes)
        except (sqlite3.InterfaceError, sqlite3.ProgrammingError):
            # a list or dict in a projected column: rare, so checked only when SQLite refuses it
            for index, (sql, rows) in enumerate(writes.statements):
                writes.statements[index] = (sql, [tuple(map(scalar, row)) for row in rows])
            self._write(writes)

    def _write(self, writes: Writes) -> None:
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

    def _route(self, events: list[Event], writes: Writes) -> dict[str, TableBatch]:
        event_rows: Rows = []
        webhook_rows: Rows = []
        notification_rows: Rows = []
        batches: dict[str, TableBatch] = {}
        routes = ROUTES
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
                batch = batches[name] = TableBatch(RESOURCE_TABLES[name])
            key: Key = sid if name != "participants" else self._participant_key(batch, sid, fields)
            if action == UPDATE:
                if not batch.update(key, fields):
                    writes.orphans += 1
            elif action == CREATE:
                batch.create(key, t, fields, encoded)
            else:
                batch.delete(key)
        writes.add("INSERT INTO events VALUES (?, ?, ?, ?, ?)", event_rows)
        if self.export is not None:  # a row is (seq, t, kind, sid, fields JSON): a line's parts
            writes.lines = [jsonl_line(*row) for row in event_rows]
        writes.add(log_insert("webhooks", WEBHOOK_COLUMNS), webhook_rows)
        writes.add(log_insert("notifications", NOTIFICATION_COLUMNS), notification_rows)
        return batches

    def _participant_key(
        self, batch: TableBatch, sid: str, fields: Mapping[str, Any]
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

    def _table_writes(self, batch: TableBatch, writes: Writes) -> None:
        spec = batch.spec
        encoded = batch.encoded
        created_at = batch.created_at
        upsert_rows = [
            row_of(spec, key, doc, created_at[key], encoded.get(key))
            for key, doc in batch.full.items()
        ]
        stored = load_docs(self._conn, spec, batch.patches)
        for key, patch in batch.patches.items():
            found = stored.get(key)
            if found is None:
                writes.orphans += 1
                continue
            doc, date_created = found
            doc.update(patch)
            upsert_rows.append(row_of(spec, key, doc, date_created, None))
        writes.add(self._deletes[spec.name], [key_tuple(key) for key in batch.deleted])
        writes.add(self._upserts[spec.name], upsert_rows)
