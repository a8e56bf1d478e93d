"""The store's tables, declared as data, and the versioned file format.

Every resource table has the same shape: the key (`sid`, or `(conference_sid, sid)` for
participants), a few plain columns copied from the resource for what lists filter and sort on, and
`doc`, the JSON of every field the events gave the resource (times are simulated seconds). The
columns are a projection of `doc` and are rewritten whenever `doc` is.

`events` holds every event of the log. `webhooks` and `notifications` index the events of those
kinds by `seq`, with their common fields as columns (the fields themselves stay in `events`).
`meta` holds `schema_version`: a file written by another version of simtel is refused with
`SchemaVersionError`, never guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from simtel.errors import SimtelError

SCHEMA_VERSION = 1
ORDER_COLUMN = "date_created"


class SchemaVersionError(SimtelError):
    """The file is not a simtel store, or one of a schema version this simtel cannot read."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A resource table: `columns` are copied from the doc; `indexes` serve filters and paging."""

    name: str
    columns: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...]
    key: tuple[str, ...] = ("sid",)
    real_columns: frozenset[str] = frozenset()

    #: the position of `date_created` in `columns`
    order_index: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "order_index", self.columns.index(ORDER_COLUMN))

    @property
    def all_columns(self) -> tuple[str, ...]:
        """Key columns, projected columns and `doc`, in the order of an inserted row."""
        return (*self.key, *self.columns, "doc")

    def filterable(self, name: str) -> bool:
        return name in self.key or name in self.columns


_TIMES = frozenset({"date_created", "date_updated", "start_time", "end_time"})
_ORDER = ("date_created", "sid")

RESOURCE_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "calls",
            (
                "account_sid",
                "parent_call_sid",
                "status",
                "to",
                "from",
                "date_created",
                "date_updated",
                "start_time",
                "end_time",
            ),
            (
                _ORDER,
                ("parent_call_sid", *_ORDER),
                ("status", *_ORDER),
                ("to", *_ORDER),
                ("from", *_ORDER),
                ("start_time",),
                ("end_time",),
            ),
            real_columns=_TIMES,
        ),
        TableSpec(
            "recordings",
            (
                "account_sid",
                "call_sid",
                "conference_sid",
                "status",
                "date_created",
                "date_updated",
                "start_time",
            ),
            (_ORDER, ("call_sid", *_ORDER), ("conference_sid", *_ORDER)),
            real_columns=_TIMES,
        ),
        TableSpec(
            "transcriptions",
            ("account_sid", "recording_sid", "call_sid", "status", "date_created", "date_updated"),
            (_ORDER, ("recording_sid", *_ORDER)),
            real_columns=_TIMES,
        ),
        TableSpec(
            "conferences",
            ("account_sid", "friendly_name", "status", "date_created", "date_updated"),
            (_ORDER, ("friendly_name", *_ORDER), ("status", *_ORDER), ("date_updated",)),
            real_columns=_TIMES,
        ),
        TableSpec(
            "participants",
            ("account_sid", "status", "date_created", "date_updated"),
            (("conference_sid", *_ORDER), ("sid",)),
            key=("conference_sid", "sid"),
            real_columns=_TIMES,
        ),
        TableSpec(
            "trunks",
            ("account_sid", "friendly_name", "date_created", "date_updated"),
            (_ORDER,),
            real_columns=_TIMES,
        ),
        TableSpec(
            "numbers",
            ("account_sid", "phone_number", "trunk_sid", "date_created", "date_updated"),
            (_ORDER, ("phone_number",)),
            real_columns=_TIMES,
        ),
    )
}

#: columns of the `webhooks` table besides seq, t, sid and doc (the event's fields as JSON)
WEBHOOK_COLUMNS = ("purpose", "url", "method", "attempt", "status", "error_code")
#: columns of the `notifications` table besides seq, t, sid and doc
NOTIFICATION_COLUMNS = ("code", "level")


def quote(name: str) -> str:
    """An SQL identifier (`to` and `from` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def _resource_ddl(spec: TableSpec) -> Iterator[str]:
    columns = [f"{quote(c)} TEXT NOT NULL" for c in spec.key]
    columns += [
        f"{quote(c)} {'REAL' if c in spec.real_columns else ''}".rstrip() for c in spec.columns
    ]
    columns.append("doc TEXT NOT NULL")
    key = ", ".join(quote(c) for c in spec.key)
    yield f"CREATE TABLE {spec.name} ({', '.join(columns)}, PRIMARY KEY ({key}))"
    for index in spec.indexes:
        if (spec.name, index) in _WRITE_INDEXES:
            yield _index_ddl(spec, index)


def _index_ddl(spec: TableSpec, index: tuple[str, ...]) -> str:
    name = f"{spec.name}_by_{'_'.join(index)}"
    return f"CREATE INDEX IF NOT EXISTS {name} ON {spec.name} ({', '.join(map(quote, index))})"


#: the indexes the projector itself reads through (a participant update without its conference
#: looks the call's row up by `sid`): built with the tables
_WRITE_INDEXES = frozenset({("participants", ("sid",))})


def _log_ddl(name: str, columns: tuple[str, ...]) -> str:
    extra = "".join(f", {quote(c)}" for c in columns)
    return f"CREATE TABLE {name} (seq INTEGER PRIMARY KEY, t REAL NOT NULL, sid TEXT{extra})"


def ddl() -> list[str]:
    """Every statement that creates an empty store of `SCHEMA_VERSION`."""
    statements = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL, "
        "sid TEXT NOT NULL, fields TEXT NOT NULL)",
        _log_ddl("webhooks", WEBHOOK_COLUMNS),
        _log_ddl("notifications", NOTIFICATION_COLUMNS),
    ]
    for spec in RESOURCE_TABLES.values():
        statements.extend(_resource_ddl(spec))
    return statements


#: built when first needed (a query by sid, or closing a file): keeps the hot insert path cheap
EVENTS_SID_INDEX = "CREATE INDEX IF NOT EXISTS events_by_sid ON events (sid)"

#: the indexes that serve reads (list filters and paging): a store builds them at its first query
#: (or when a file is closed), not with the tables. Rows inserted before an index exists cost no
#: index update, and one sort at the end is far cheaper than a random B-tree insert per row.
READ_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS webhooks_by_sid ON webhooks (sid)",
    "CREATE INDEX IF NOT EXISTS notifications_by_sid ON notifications (sid)",
    *(
        _index_ddl(spec, index)
        for spec in RESOURCE_TABLES.values()
        for index in spec.indexes
        if (spec.name, index) not in _WRITE_INDEXES
    ),
)


def initialise(conn: sqlite3.Connection) -> None:
    """Create the schema in an empty database, or check the version of an existing one."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        conn.execute("BEGIN")
        for statement in ddl():
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
        return
    check_version(conn, tables)


def check_version(conn: sqlite3.Connection, tables: set[str] | None = None) -> None:
    if tables is None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables:
        raise SchemaVersionError("not a simtel store: the database has no `meta` table")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise SchemaVersionError("not a simtel store: `meta` has no schema_version")
    if row[0] != str(SCHEMA_VERSION):
        raise SchemaVersionError(
            f"store schema version {row[0]} is not {SCHEMA_VERSION}, the version this simtel "
            "reads; open it with the simtel that wrote it"
        )


def connect(path: Path | None, *, readonly: bool) -> sqlite3.Connection:
    """Autocommit mode: the projector opens and commits its own transactions."""
    if path is None:
        target, uri = ":memory:", False
    elif readonly:
        target, uri = f"{path.resolve().as_uri()}?mode=ro", True
    else:
        target, uri = str(path), False
    return sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False)


def tune_for_writing(conn: sqlite3.Connection) -> None:
    """The settings of a connection that writes a run's file."""
    # A rollback journal, not WAL: a run appends, and an appended page is written once (WAL
    # writes every page twice, to the log and at the checkpoint); another process reading the
    # file mid-run delays a commit by at most `busy_timeout`.
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    # 16 MB of page cache: as fast as 128 MB on a 100k-call run, 120 MB less resident
    conn.execute("PRAGMA cache_size = -16384")
