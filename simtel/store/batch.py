"""What one batch of events writes: the routing of each kind of event to its table, the net
effect of a batch on each resource row (`TableBatch`), and the SQL and rows of one
transaction (`Writes`). `simtel.store.projector` buffers the events and runs the transaction.

Routing: `<resource>.created` replaces the row with the event's fields, `<resource>.updated`
merges its fields into the row, `call.deleted`, `transcription.deleted`, `number.deleted` and
`recording.purged` remove the row. A `recording.updated` to status `deleted` is a plain update
(a soft delete). Participants are keyed by `(conference_sid, call_sid)`: their events carry the
call SID as `sid` and `conference_sid` in the fields; an update without `conference_sid` applies
to the call's latest participant row. An update of a row that does not exist is counted in
the projector's `orphan_updates` and otherwise dropped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from simtel.events import encode_fields
from simtel.store.schema import TableSpec, quote

Doc = dict[str, Any]
Key = str | tuple[str, str]
Rows = list[tuple[Any, ...]]


#: every JSON text the store writes (event fields, resource docs): `events.jsonl`'s encoding,
#: so a log that keeps no events writes its lines from the stored text as it is
encode = encode_fields
CHUNK = 500  # SQLite's default limit of bound parameters is far above this

CREATE, UPDATE, DELETE = 0, 1, 2

ROUTES: dict[str, tuple[str, int]] = {
    "call.created": ("calls", CREATE),
    "call.updated": ("calls", UPDATE),
    "call.deleted": ("calls", DELETE),
    "recording.created": ("recordings", CREATE),
    "recording.updated": ("recordings", UPDATE),
    "recording.purged": ("recordings", DELETE),
    "transcription.created": ("transcriptions", CREATE),
    "transcription.updated": ("transcriptions", UPDATE),
    "transcription.deleted": ("transcriptions", DELETE),
    "conference.created": ("conferences", CREATE),
    "conference.updated": ("conferences", UPDATE),
    "participant.created": ("participants", CREATE),
    "participant.updated": ("participants", UPDATE),
    "trunk.created": ("trunks", CREATE),
    "trunk.updated": ("trunks", UPDATE),
    "number.created": ("numbers", CREATE),
    "number.updated": ("numbers", UPDATE),
    "number.deleted": ("numbers", DELETE),
}


@dataclass(slots=True)
class TableBatch:
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



@dataclass(slots=True)
class Writes:
    """Everything one flush writes, as (sql, rows) pairs in the order they run, and the orphan
    updates it found (counted once the writes are committed)."""

    statements: list[tuple[str, Rows]] = field(default_factory=list)
    orphans: int = 0
    #: the batch's `events.jsonl` lines, when the projector has an export
    lines: list[str] | None = None

    def add(self, sql: str, rows: Rows) -> None:
        if rows:
            self.statements.append((sql, rows))


def key_tuple(key: Key) -> tuple[str, ...]:
    return key if isinstance(key, tuple) else (key,)


def row_of(
    spec: TableSpec, key: Key, doc: Mapping[str, Any], date_created: Any, encoded: str | None
) -> tuple[Any, ...]:
    """Key, projected columns, doc. A doc without `date_created` is ordered by `date_created`,
    the time of its created event (the column only: the doc is left as the events made it)."""
    values = tuple(map(doc.get, spec.columns))
    if values[spec.order_index] is None:
        values = (*values[: spec.order_index], date_created, *values[spec.order_index + 1 :])
    return (*key_tuple(key), *values, encoded if encoded is not None else encode(doc))


def scalar(value: Any) -> Any:
    """Columns hold SQL scalars; a list or dict (not expected in a projected field) goes as JSON."""
    return encode(value) if isinstance(value, list | dict) else value


def load_docs(
    conn: sqlite3.Connection, spec: TableSpec, keys: Iterable[Key]
) -> dict[Key, tuple[Doc, Any]]:
    """The stored docs (and date_created columns) of `keys`, in chunks of `CHUNK` SIDs."""
    wanted = set(keys)
    sids = sorted({key[1] if isinstance(key, tuple) else key for key in wanted})
    found: dict[Key, tuple[Doc, Any]] = {}
    key_sql = ", ".join(quote(c) for c in spec.key)
    for start in range(0, len(sids), CHUNK):
        chunk = sids[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {key_sql}, date_created, doc FROM {spec.name} WHERE sid IN ({marks})", chunk
        )
        for row in rows:
            key: Key = (row[0], row[1]) if len(spec.key) == 2 else row[0]
            if key in wanted:
                found[key] = (json.loads(row[-1]), row[-2])
    return found


def upsert_sql(spec: TableSpec) -> str:
    names = spec.all_columns
    marks = ", ".join("?" * len(names))
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in names if c not in spec.key)
    return (
        f"INSERT INTO {spec.name} ({', '.join(quote(c) for c in names)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in spec.key)}) DO UPDATE SET {updates}"
    )


def delete_sql(spec: TableSpec) -> str:
    where = " AND ".join(f"{quote(c)} = ?" for c in spec.key)
    return f"DELETE FROM {spec.name} WHERE {where}"


def log_insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * (len(columns) + 3))
    return f"INSERT INTO {table} VALUES ({marks})"
