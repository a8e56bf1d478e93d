"""The SQLite store: a consumer of the event log that the REST layer and reports read from.

`Store()` lives in memory; `Store(path)` writes a file (one transaction per flush, with a rollback
journal, so a crash loses at most the events not yet flushed) that `Store.open(path)` reads back
after the run. Subscribe it to the log with `log.subscribe(store.consume)`: events are buffered
and applied in batches (a full batch is written by a background thread while the engine runs
on), and every query flushes and waits first, so reads always see every event consumed so far.
When SQLite
cannot write (disk full, read-only file), `flush` and every query raise `StoreWriteError` (HTTP
503, code 20503, through the API) and no event is dropped: once SQLite writes again, the next
flush brings the tables to exactly the projection of the log (see `Projector`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TextIO

from simtel.errors import SimtelError
from simtel.events import Event, EventKind
from simtel.store import notices, queries
from simtel.store.media import MediaStore
from simtel.store.notices import NoticeQuery
from simtel.store.projector import BATCH, Projector, StoreWriteError
from simtel.store.queries import DateRange, Page, PageTokenError
from simtel.store.schema import (
    EVENTS_SID_INDEX,
    READ_INDEXES,
    RESOURCE_TABLES,
    SCHEMA_VERSION,
    SchemaVersionError,
    connect,
    initialise,
    tune_for_writing,
)

if TYPE_CHECKING:
    from simtel.store.process import ProcessProjector

#: who projects events into a file store: a thread of this process, a child process, or the
#: thread until the run proves long enough to start a child (`Store`)
Writer = Literal["thread", "process", "auto"]

__all__ = [
    "SCHEMA_VERSION",
    "DateRange",
    "MediaStore",
    "NoticeQuery",
    "Page",
    "PageTokenError",
    "SchemaVersionError",
    "Store",
    "StoreClosedError",
    "StoreWriteError",
    "Writer",
]


class StoreClosedError(SimtelError):
    """A write to a store opened read-only, or any use of a closed store."""


class Store:
    """Events in, rows out. Thread-safe: one lock serialises flushes and queries."""

    _projector: Projector | ProcessProjector
    #: `writer="auto"`: the `seq` at which a child takes over from the thread
    _switch_at: int | None

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        batch_size: int | None = None,
        overwrite: bool = False,
        writer: Writer = "thread",
    ) -> None:
        """A new store in memory, or in the file `path` (which must not hold a run already,
        unless `overwrite`). `writer="process"` (a file only) projects events in a child
        process (`simtel.store.process`): for runs that read the store only at the end;
        `writer="auto"` starts with the thread and hands over to a child once the run has
        filled the child's first batch (a short run never pays for starting one).
        `batch_size` events are projected at a time (default: the writer's own)."""
        self.path = Path(path) if path is not None else None
        if writer not in ("thread", "process", "auto"):
            raise ValueError(f"writer is 'thread', 'process' or 'auto', not {writer!r}")
        if writer != "thread" and self.path is None:
            raise ValueError("a store in memory cannot be written by another process")
        if self.path is not None:
            _prepare_file(self.path, overwrite)
        self._attach(readonly=False, batch_size=batch_size or BATCH)
        if self.path is not None and self._conn.execute("SELECT 1 FROM events").fetchone():
            self._conn.close()
            raise FileExistsError(f"{self.path} holds a run already; pass overwrite=True")
        if writer == "process" and self.path is not None:
            from simtel.store.process import ProcessProjector

            self._projector = ProcessProjector(self.path, batch_size)
        elif writer == "auto":
            from simtel.store import process

            self._switch_at = batch_size or process.BATCH

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """A run written earlier, read-only."""
        store = cls.__new__(cls)
        store.path = Path(path)
        if not store.path.is_file():
            raise FileNotFoundError(f"no simtel store at {store.path}")
        store._attach(readonly=True, batch_size=1)
        return store

    def _attach(self, *, readonly: bool, batch_size: int) -> None:
        self.readonly = readonly
        self._switch_at = None
        #: orphaned updates counted by a writer that handed over
        self._orphans_before = 0
        self._lock = threading.RLock()
        self._closed = False
        #: whether the read indexes exist (`schema.READ_INDEXES`; a read-only store never builds)
        self._indexed = readonly
        self._conn = connect(self.path, readonly=readonly)
        try:
            if self.path is not None and not readonly:
                tune_for_writing(self._conn)
            initialise(self._conn)
        except sqlite3.DatabaseError as error:  # not an SQLite file at all
            self._conn.close()
            raise SchemaVersionError(f"{self.path} is not a simtel store: {error}") from error
        except SchemaVersionError:
            self._conn.close()
            raise
        self._projector = Projector(self._conn, batch_size)

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for reports and ad-hoc SQL (flush first)."""
        return self._conn

    @property
    def pending(self) -> int:
        """Events consumed but not yet handed to SQLite."""
        return self._projector.pending

    @property
    def orphan_updates(self) -> int:
        """Updates that named a row the store does not hold (dropped)."""
        return self._orphans_before + self._projector.orphan_updates

    def consume(self, event: Event) -> None:
        """Buffer `event` (a log subscriber); a full buffer is flushed on the spot."""
        with self._lock:
            if self.readonly or self._closed:
                raise StoreClosedError("this store is closed or read-only")
            self._projector.consume(event)
            if self._switch_at is not None and event[0] >= self._switch_at:
                self._hand_to_process()

    def _hand_to_process(self) -> None:
        """`writer="auto"`: a child takes over (`simtel.store.process.take_over`); while SQLite
        refuses, the thread keeps the events and the hand-over waits a batch."""
        from simtel.store import process

        if not isinstance(self._projector, Projector) or self.path is None:
            return
        try:
            child = process.take_over(self._projector, self.path)
        except StoreWriteError:
            self._switch_at = (self._switch_at or 0) + process.BATCH
            return
        if child is not None:
            self._orphans_before += self._projector.orphan_updates
            self._projector = child
        self._switch_at = None

    def flush(self) -> int:
        """Apply the buffered events (one transaction); returns how many."""
        with self._lock:
            self._check_open()
            return self._projector.flush()

    def export_events(self, target: TextIO | None) -> None:
        """Write the `events.jsonl` line of every event to `target` (`None`: stop): first the
        events stored so far, then each batch's once its transaction commits, made from the JSON
        text the store encoded (the lines `EventLog.write_jsonl` writes). A batch that fails to
        commit writes nothing until its retry succeeds, so `target` holds each event once, in
        order. Lines of events not yet committed are written by the next `flush`."""
        with self._lock:
            if self.readonly or self._closed:
                raise StoreClosedError("this store is closed or read-only")
            self._projector.export_to(target)

    def close(self) -> None:
        """Flush, and for a file: build the indexes and leave a self-contained file."""
        with self._lock:
            if self._closed:
                return
            if not self.readonly:
                self._projector.flush()
                if self.path is not None:
                    self._build_indexes()
                self._projector.close()  # the writer process builds what it was asked first
                if self.path is not None:
                    self._conn.execute(EVENTS_SID_INDEX)
            self._conn.close()
            self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def get(
        self, table: str, sid: str, *, conference_sid: str | None = None
    ) -> dict[str, Any] | None:
        with self._reading():
            return queries.get(self._conn, table, sid, conference_sid=conference_sid)

    def list_page(
        self,
        table: str,
        *,
        filters: Mapping[str, object] | None = None,
        date_filters: DateRange | Sequence[DateRange] | None = None,
        page_size: int = 50,
        page: int = 0,
        page_token: str | None = None,
        include_deleted: bool = True,
    ) -> Page:
        with self._reading():
            return queries.list_page(
                self._conn,
                table,
                filters=filters,
                date_filters=date_filters,
                page_size=page_size,
                page=page,
                page_token=page_token,
                include_deleted=include_deleted,
            )

    def count(self, table: str, **filters: object) -> int:
        with self._reading():
            return queries.count(self._conn, table, filters)

    def events(
        self,
        since: int = 0,
        kinds: Iterable[EventKind | str] | None = None,
        sid: str | None = None,
        *,
        limit: int | None = None,
    ) -> list[Event]:
        with self._reading():
            if sid is not None and not self.readonly:
                self._conn.execute(EVENTS_SID_INDEX)
            return queries.events(self._conn, since, kinds, sid, limit)

    def event_lines(self, since: int, limit: int) -> list[str]:
        """The `events.jsonl` lines of the stored events from `since` on (`EventLog.write_jsonl`
        of a log that keeps none): built from the stored JSON text, never decoded. Byte for byte
        `Event.to_json` for a store this simtel wrote (its text is `encode_fields`'); a file
        written before this encoding gives the same JSON values with its own key order."""
        with self._reading():
            return queries.event_lines(self._conn, since, limit)

    def log_count(self, table: str) -> int:
        """How many entries the `webhooks` or `notifications` log holds (one per event of that
        kind; cheaper than `event_counts`, which reads every event)."""
        if table not in ("webhooks", "notifications"):
            raise ValueError(f"no log table {table!r}")
        with self._reading():
            return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def event_counts(self) -> dict[str, int]:
        """How many events of each kind the store holds."""
        with self._reading():
            rows = self._conn.execute("SELECT kind, count(*) FROM events GROUP BY kind")
            return {kind: count for kind, count in rows}

    def scan(
        self, table: str, fields: Sequence[str], *, chunk: int = 10_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Every row of a resource table as a tuple of the doc's `fields` (JSON values, None where
        absent), `chunk` rows at a time in storage order, without decoding whole docs. Each
        chunk is read under the lock after a flush; rows written between chunks may be seen."""
        if table not in RESOURCE_TABLES:
            raise ValueError(f"no resource table {table!r}")
        paths = ", ".join(f"json_extract(doc, '$.{name}')" for name in fields)
        sql = f"SELECT rowid, {paths} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        after = 0
        while True:
            with self._reading():
                rows = self._conn.execute(sql, (after, chunk)).fetchall()
            if rows:
                after = rows[-1][0]
                yield [row[1:] for row in rows]
            if len(rows) < chunk:
                return

    def webhooks(self, sid: str | None = None) -> list[dict[str, Any]]:
        with self._reading():
            return queries.log_entries(self._conn, "webhooks", sid)

    def notifications(self, sid: str | None = None) -> list[dict[str, Any]]:
        with self._reading():
            return queries.log_entries(self._conn, "notifications", sid)

    def notice_rows(
        self,
        query: NoticeQuery,
        *,
        limit: int,
        offset: int = 0,
        below: int | None = None,
        above: int | None = None,
    ) -> list[dict[str, Any]]:
        """A page of the notification log (`simtel.store.notices.notice_rows`)."""
        with self._reading():
            return notices.notice_rows(
                self._conn, query, limit=limit, offset=offset, below=below, above=above
            )

    def notice(self, seq: int) -> dict[str, Any] | None:
        with self._reading():
            return notices.notice(self._conn, seq)

    def exchange_before(self, sid: str, url: str, seq: int) -> dict[str, Any] | None:
        with self._reading():
            return notices.exchange_before(self._conn, sid, url, seq)

    def _build_indexes(self) -> None:
        """The read indexes, once (before the first query, or at close): in one transaction of
        this process, or, with the writer process, of the child, which this query waits for
        (the child adds the events-by-SID index, which a file gets at close anyway: one build
        instead of a second transaction from this process at close)."""
        if self._indexed:
            return
        if isinstance(self._projector, Projector):
            self._projector.build_indexes(READ_INDEXES)
        else:
            self._projector.build_indexes((*READ_INDEXES, EVENTS_SID_INDEX))
        self._indexed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosedError("this store is closed")

    def _reading(self) -> _Reading:
        return _Reading(self)


class _Reading:
    """Holds the store's lock for one query, after flushing what is buffered."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> None:
        store = self._store
        store._lock.acquire()
        try:
            store._check_open()
            if not store.readonly:
                store._projector.flush()
                store._build_indexes()
        except BaseException:
            store._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        self._store._lock.release()


def _prepare_file(path: Path, overwrite: bool) -> None:
    if overwrite:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
