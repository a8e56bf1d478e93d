"""What a report shows, read from a results folder.

A results folder (what `simtel run --out DIR` writes) holds `simtel.db` (the store), usually
`events.jsonl` (the same events as JSON lines), `media/RE….wav` for the recordings that were
rendered, and `summary.json`. The store is preferred; a folder with only `events.jsonl` is
replayed into an in-memory store, so a golden event log alone makes a report too.

Large runs stay cheap: per-call detail (timelines, waveforms) and log tables are read for at most
`limits` items (`calls` and `recordings` hold only those documents; `call_total` and
`recording_total` count them all), while the load charts read only a few columns of every call
and recording.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simtel.events import Event, EventKind, read_jsonl
from simtel.report.folder import DB_NAME, EVENTS_NAME, MEDIA_DIR, SUMMARY_NAME
from simtel.store import Store

#: SIDs per `IN (...)` query
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Limits:
    """How much detail a report carries (the rest is counted, not shown)."""

    call_families: int = 40
    waveforms: int = 24
    log_rows: int = 2000
    inline_audio_bytes: int = 2_000_000
    inline_audio_total: int = 20_000_000
    #: every call timeline on the same time axis (the run's), not each on its own
    shared_time_axis: bool = False


@dataclass(frozen=True, slots=True)
class CallSpan:
    """One call's life for the load charts (simulated seconds)."""

    sid: str
    parent_sid: str | None
    created: float
    start: float | None
    end: float | None
    status: str
    trunk_sid: str | None = None


@dataclass
class RunData:
    directory: Path
    calls: list[dict[str, Any]]
    recordings: list[dict[str, Any]]
    events_by_sid: dict[str, list[Event]]
    webhooks: list[dict[str, Any]]
    webhook_total: int
    notifications: list[dict[str, Any]]
    notification_total: int
    spans: list[CallSpan]
    recording_totals: list[tuple[float, float]]
    summary: dict[str, Any] | None
    media: dict[str, Path] = field(default_factory=dict)
    call_total: int = 0
    recording_total: int = 0
    transcriptions: list[dict[str, Any]] = field(default_factory=list)
    #: call SID -> the scenario's label for it (`label`, or `calls[N]`), from summary.json
    labels: dict[str, str] = field(default_factory=dict)

    def events_of(self, sid: str) -> list[Event]:
        return self.events_by_sid.get(sid, [])


def load_run(directory: Path, limits: Limits = Limits()) -> RunData:
    """Read the results folder `directory` (see the module docstring)."""
    store = _open_store(directory)
    try:
        return _read(directory, store, limits)
    finally:
        store.close()


def _open_store(directory: Path) -> Store:
    db = directory / DB_NAME
    if db.is_file():
        return Store.open(db)
    log = directory / EVENTS_NAME
    if not log.is_file():
        raise FileNotFoundError(f"{directory} holds neither {DB_NAME} nor {EVENTS_NAME}")
    store = Store()
    with log.open(encoding="utf-8") as lines:
        for event in read_jsonl(lines):
            store.consume(event)
    store.flush()
    return store


def _read(directory: Path, store: Store, limits: Limits) -> RunData:
    """Bounded by `limits`, not by the run: only the call families shown, and the recordings
    the page lists, draws or links to a shown call, are read as documents."""
    conn = store.connection
    shown_calls = _family_docs(conn, limits.call_families)
    families = {c["sid"] for c in shown_calls}
    media = _media(directory)
    recordings = _recording_docs(conn, families, set(media), limits)
    wanted = families | {r["sid"] for r in recordings if r.get("call_sid") in families}
    summary = _summary(directory)
    return RunData(
        directory=directory,
        calls=shown_calls,
        recordings=recordings,
        events_by_sid=_events_of(store, wanted),
        webhooks=_log_rows(conn, "webhooks", limits.log_rows),
        webhook_total=_count(conn, "webhooks"),
        notifications=_log_rows(conn, "notifications", limits.log_rows),
        notification_total=_count(conn, "notifications"),
        spans=_spans(conn),
        recording_totals=_recording_totals(conn),
        summary=summary,
        media=media,
        call_total=_count(conn, "calls"),
        recording_total=_count(conn, "recordings"),
        transcriptions=[
            doc
            for _, _, doc in _docs(
                conn, "transcriptions", "ORDER BY date_created, sid LIMIT ?", (limits.log_rows,)
            )
        ],
        labels=_labels(summary),
    )


def _labels(summary: dict[str, Any] | None) -> dict[str, str]:
    raw = (summary or {}).get("call_labels")
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _docs(
    conn: sqlite3.Connection, table: str, where: str = "", args: tuple[Any, ...] = ()
) -> list[tuple[Any, str, dict[str, Any]]]:
    """(date_created column, SID, doc) of the rows `where` selects."""
    rows = conn.execute(f"SELECT date_created, sid, doc FROM {table} {where}", args)
    docs: list[tuple[Any, str, dict[str, Any]]] = []
    for created, sid, doc in rows:
        value: dict[str, Any] = json.loads(doc)
        value.setdefault("sid", sid)
        docs.append((created, sid, value))
    return docs


def _docs_of(conn: sqlite3.Connection, table: str, sids: Iterable[str]) -> list[dict[str, Any]]:
    """The docs of `sids`, in creation order, read `_CHUNK` SIDs a query."""
    wanted = sorted(set(sids))
    rows: list[tuple[Any, str, dict[str, Any]]] = []
    for start in range(0, len(wanted), _CHUNK):
        part = tuple(wanted[start : start + _CHUNK])
        rows += _docs(conn, table, f"WHERE sid IN ({', '.join('?' * len(part))})", part)
    rows.sort(key=lambda row: (row[0], row[1]))
    return [doc for _, _, doc in rows]


def _sids(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> set[str]:
    return {sid for (sid,) in conn.execute(sql, args)}


def _family_docs(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    """The first `limit` top-level calls and their child legs, in creation order."""
    roots = _sids(
        conn,
        "SELECT sid FROM calls WHERE parent_call_sid IS NULL ORDER BY date_created, sid LIMIT ?",
        (limit,),
    )
    children: set[str] = set()
    ordered = sorted(roots)
    for start in range(0, len(ordered), _CHUNK):
        part = tuple(ordered[start : start + _CHUNK])
        marks = ", ".join("?" * len(part))
        children |= _sids(conn, f"SELECT sid FROM calls WHERE parent_call_sid IN ({marks})", part)
    return _docs_of(conn, "calls", roots | children)


def _recording_docs(
    conn: sqlite3.Connection, families: set[str], rendered: set[str], limits: Limits
) -> list[dict[str, Any]]:
    """The first `log_rows` recordings, those of a shown call, and those with media."""
    wanted = rendered | _sids(
        conn, "SELECT sid FROM recordings ORDER BY date_created, sid LIMIT ?", (limits.log_rows,)
    )
    ordered = sorted(families)
    for start in range(0, len(ordered), _CHUNK):
        part = tuple(ordered[start : start + _CHUNK])
        marks = ", ".join("?" * len(part))
        wanted |= _sids(conn, f"SELECT sid FROM recordings WHERE call_sid IN ({marks})", part)
    return _docs_of(conn, "recordings", wanted)


def _events_of(store: Store, sids: set[str]) -> dict[str, list[Event]]:
    return {sid: store.events(sid=sid) for sid in sorted(sids)}


def _log_rows(conn: sqlite3.Connection, table: str, limit: int) -> list[dict[str, Any]]:
    sql = (
        f"SELECT log.seq, log.t, log.sid, events.fields FROM {table} AS log "
        "JOIN events USING (seq) ORDER BY log.seq LIMIT ?"
    )
    return [
        {**json.loads(fields), "seq": seq, "t": t, "sid": sid}
        for seq, t, sid, fields in conn.execute(sql, (limit,))
    ]


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _spans(conn: sqlite3.Connection) -> list[CallSpan]:
    sql = (
        "SELECT sid, parent_call_sid, date_created, start_time, end_time, status, "
        "json_extract(doc, '$.trunk_sid') FROM calls ORDER BY date_created, sid"
    )
    shared: dict[str | None, str | None] = {}  # one string per status and trunk, not per call
    return [
        CallSpan(
            sid,
            parent,
            created,
            start,
            end,
            shared.setdefault(status, status),  # type: ignore[arg-type]
            shared.setdefault(trunk, trunk),
        )
        for sid, parent, created, start, end, status, trunk in conn.execute(sql)
    ]


def _recording_totals(conn: sqlite3.Connection) -> list[tuple[float, float]]:
    """(time completed, seconds of audio) of every completed (or since deleted) recording."""
    sql = (
        "SELECT date_updated, json_extract(doc, '$.duration') FROM recordings "
        "WHERE status IN ('completed', 'deleted') ORDER BY date_updated"
    )
    return [(float(t), float(d or 0)) for t, d in conn.execute(sql)]


def _summary(directory: Path) -> dict[str, Any] | None:
    path = directory / SUMMARY_NAME
    if not path.is_file():
        return None
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, dict) else {"summary": value}


def _media(directory: Path) -> dict[str, Path]:
    """Recording SID -> its rendered WAV (the recording's own layout, `RE….wav`)."""
    folder = directory / MEDIA_DIR
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("RE*.wav")) if "-" not in path.stem}


def status_changes(events: list[Event]) -> list[tuple[float, str]]:
    """(t, status) of a resource's created/updated events that carry a status."""
    kinds = {
        EventKind.CALL_CREATED,
        EventKind.CALL_UPDATED,
        EventKind.RECORDING_CREATED,
        EventKind.RECORDING_UPDATED,
    }
    return [
        (e.t, str(e.fields["status"])) for e in events if e.kind in kinds and "status" in e.fields
    ]
