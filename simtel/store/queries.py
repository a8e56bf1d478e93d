"""Reads of the store: one resource, a page of a list, the event log, the webhook log.

Lists are ordered newest first, `date_created DESC, sid DESC` (the SID breaks ties, so the order
is total and deterministic). Paging follows Twilio's tokens: `PA<sid>` is the page of items
strictly after `<sid>` in that order, `PB<sid>` the page that ends just before `<sid>`; without a
token, `page` is an offset of `page * page_size` items. Times are simulated seconds: the REST
layer turns dates into bounds with `DateRange.from_dates` (or builds a `DateRange` itself).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simtel.clock import Clock
from simtel.errors import SimtelError
from simtel.events import Event, EventKind, jsonl_line
from simtel.store.schema import RESOURCE_TABLES, TableSpec, quote

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DESC = "ORDER BY date_created DESC, sid DESC"
_ASC = "ORDER BY date_created ASC, sid ASC"


class PageTokenError(SimtelError, ValueError):
    """A `PageToken` that is not `PA<sid>`/`PB<sid>`, or names a SID the table does not hold."""


@dataclass(frozen=True, slots=True)
class DateRange:
    """Bounds on a time column, in simulated seconds: `lo <= t`, and `t <= hi` (or `t < hi`)."""

    column: str = "date_created"
    lo: float | None = None
    hi: float | None = None
    hi_exclusive: bool = False

    @classmethod
    def from_dates(
        cls,
        clock: Clock,
        column: str = "date_created",
        *,
        on: date | None = None,
        on_or_after: date | None = None,
        on_or_before: date | None = None,
        before: date | None = None,
    ) -> DateRange:
        """Twilio's date filters. A `date` is a whole GMT day: `on_or_before` a date includes that
        day, `before` a date (`StartTime<`, exclusive) stops at its midnight; a `datetime` is an
        exact instant (inclusive for `on_or_before`). Several bounds intersect."""
        lows: list[float] = []
        highs: list[tuple[float, bool]] = []
        if on is not None:
            lows.append(_start(clock, on))
            highs.append((_start(clock, on) + _span(on), True))
        if on_or_after is not None:
            lows.append(_start(clock, on_or_after))
        if on_or_before is not None:
            exclusive = not isinstance(on_or_before, datetime)
            highs.append((_start(clock, on_or_before) + _span(on_or_before), exclusive))
        if before is not None:
            highs.append((_start(clock, before), True))
        # the tightest upper bound: the smallest value, exclusive before inclusive on a tie
        hi, exclusive = min(highs, key=lambda b: (b[0], not b[1])) if highs else (None, False)
        return cls(column, max(lows) if lows else None, hi, exclusive)


def _start(clock: Clock, moment: date) -> float:
    if isinstance(moment, datetime):
        return clock.seconds(moment)
    return clock.seconds(datetime.combine(moment, time(), UTC))


def _span(moment: date) -> float:
    """0 for an instant, a day for a date."""
    return 0.0 if isinstance(moment, datetime) else timedelta(days=1).total_seconds()


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list. `token` is the PageToken that fetched it (None for offset paging)."""

    items: list[dict[str, Any]]
    page: int
    page_size: int
    next_token: str | None
    previous_token: str | None
    token: str | None
    #: each item's stored document as text, with its key (SID): equal texts, equal items, which
    #: lets a list answer reuse what it made of an unchanged document (empty: not known)
    raw: tuple[tuple[str, str], ...] = ()


def table_spec(table: str) -> TableSpec:
    spec = RESOURCE_TABLES.get(table)
    if spec is None:
        raise ValueError(f"no resource table {table!r}; tables: {', '.join(RESOURCE_TABLES)}")
    return spec


def get(
    conn: sqlite3.Connection, table: str, sid: str, *, conference_sid: str | None = None
) -> dict[str, Any] | None:
    """The merged doc of `sid`; for participants, of `(conference_sid, sid)` or of the call's
    latest participant when `conference_sid` is None."""
    spec = table_spec(table)
    if conference_sid is not None and "conference_sid" in spec.key:
        sql = (
            f"SELECT sid, doc, conference_sid FROM {spec.name} WHERE conference_sid = ? AND sid = ?"
        )
        row = conn.execute(sql, (conference_sid, sid)).fetchone()
    else:
        sql = f"SELECT {_columns(spec)} FROM {spec.name} WHERE sid = ? {_DESC} LIMIT 1"
        row = conn.execute(sql, (sid,)).fetchone()
    return None if row is None else _document(row)


def count(conn: sqlite3.Connection, table: str, filters: Mapping[str, object]) -> int:
    spec = table_spec(table)
    where, params = _where(spec, filters, (), include_deleted=True)
    return int(
        conn.execute(f"SELECT count(*) FROM {spec.name} WHERE {where}", params).fetchone()[0]
    )


def list_page(
    conn: sqlite3.Connection,
    table: str,
    *,
    filters: Mapping[str, object] | None = None,
    date_filters: DateRange | Sequence[DateRange] | None = None,
    page_size: int = 50,
    page: int = 0,
    page_token: str | None = None,
    include_deleted: bool = True,
) -> Page:
    """A page of `table` newest first. Filters are equalities (None matches null) on the table's
    columns, or on any other top-level field of the doc; `include_deleted=False` leaves out rows
    whose status is `deleted` (soft-deleted recordings)."""
    if page_size < 1 or page < 0:
        raise ValueError(f"page_size must be >= 1 and page >= 0, not {page_size} and {page}")
    spec = table_spec(table)
    ranges = (date_filters,) if isinstance(date_filters, DateRange) else (date_filters or ())
    where, params = _where(spec, filters or {}, ranges, include_deleted=include_deleted)
    select = f"SELECT {_columns(spec)} FROM {spec.name} WHERE {where}"
    limit = page_size + 1
    if page_token is None:
        sql = f"{select} {_DESC} LIMIT ? OFFSET ?"
        rows = conn.execute(sql, (*params, limit, page * page_size)).fetchall()
        more_after, more_before = len(rows) > page_size, page > 0
        rows = rows[:page_size]
    else:
        after, anchor = _parse_token(page_token)
        dc = _anchor_date(conn, spec, where, params, anchor)
        if after:
            sql = f"{select} AND (date_created, sid) < (?, ?) {_DESC} LIMIT ?"
            rows = conn.execute(sql, (*params, dc, anchor, limit)).fetchall()
            more_after, more_before = len(rows) > page_size, True
            rows = rows[:page_size]
        else:
            sql = f"{select} AND (date_created, sid) > (?, ?) {_ASC} LIMIT ?"
            rows = conn.execute(sql, (*params, dc, anchor, limit)).fetchall()
            more_after, more_before = True, len(rows) > page_size
            rows = rows[:page_size][::-1]
    first, last = (rows[0][0], rows[-1][0]) if rows else (None, None)
    return Page(
        items=[_document(row, _parsed) for row in rows],
        page=page,
        page_size=page_size,
        next_token=f"PA{last}" if rows and more_after else None,
        previous_token=f"PB{first}" if rows and more_before else None,
        token=page_token,
        raw=tuple((str(row[0]), str(row[1])) for row in rows) if len(spec.key) == 1 else (),
    )


def _parse_token(token: str) -> tuple[bool, str]:
    """(True for PA / False for PB, the SID)."""
    if len(token) > 2 and token[:2] in ("PA", "PB"):
        return token[:2] == "PA", token[2:]
    raise PageTokenError(f"PageToken {token!r} is not PA<sid> or PB<sid>")


def _anchor_date(
    conn: sqlite3.Connection, spec: TableSpec, where: str, params: list[object], sid: str
) -> float:
    """The date_created of the token's SID: within the filtered list if it is there, else in the
    whole table (a row filtered out since still marks a position); a SID never stored is an
    error."""
    row = conn.execute(
        f"SELECT date_created FROM {spec.name} WHERE {where} AND sid = ? LIMIT 1", (*params, sid)
    ).fetchone()
    if row is None:
        row = conn.execute(
            f"SELECT date_created FROM {spec.name} WHERE sid = ? {_DESC} LIMIT 1", (sid,)
        ).fetchone()
    if row is None:
        raise PageTokenError(f"PageToken names {sid}, which is not in {spec.name}")
    return float(row[0])


def _where(
    spec: TableSpec,
    filters: Mapping[str, object],
    ranges: Iterable[DateRange],
    *,
    include_deleted: bool,
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for name, value in filters.items():
        if spec.filterable(name):
            target = quote(name)
        elif _FIELD_NAME.match(name):
            target = f"json_extract(doc, '$.{name}')"
        else:
            raise ValueError(f"cannot filter {spec.name} on {name!r}")
        if value is None:
            clauses.append(f"{target} IS NULL")
        else:
            clauses.append(f"{target} = ?")
            params.append(value)
    for bounds in ranges:
        if bounds.column not in spec.columns:
            raise ValueError(f"{spec.name} has no time column {bounds.column!r}")
        column = quote(bounds.column)
        if bounds.lo is not None:
            clauses.append(f"{column} >= ?")
            params.append(bounds.lo)
        if bounds.hi is not None:
            clauses.append(f"{column} {'<' if bounds.hi_exclusive else '<='} ?")
            params.append(bounds.hi)
    if not include_deleted and "status" in spec.columns:
        clauses.append("status IS NOT 'deleted'")
    return (" AND ".join(clauses) or "1"), params


def events(
    conn: sqlite3.Connection,
    since: int = 0,
    kinds: Iterable[EventKind | str] | None = None,
    sid: str | None = None,
    limit: int | None = None,
) -> list[Event]:
    """The stored events with `seq >= since`, optionally only of `kinds` and about `sid`, at
    most `limit` of them."""
    sql = "SELECT seq, t, kind, sid, fields FROM events WHERE seq >= ?"
    params: list[object] = [since]
    if kinds is not None:
        wanted = [str(kind) for kind in kinds]
        sql += f" AND kind IN ({', '.join('?' * len(wanted))})"
        params.extend(wanted)
    if sid is not None:
        sql += " AND sid = ?"
        params.append(sid)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [
        Event(seq, t, EventKind(kind), event_sid, _loads(fields))
        for seq, t, kind, event_sid, fields in conn.execute(sql, params)
    ]


def event_lines(conn: sqlite3.Connection, since: int, limit: int) -> list[str]:
    """`events.jsonl` lines (`simtel.events.jsonl_line`) of the events with `seq >= since`."""
    rows = conn.execute(
        "SELECT seq, t, kind, sid, fields FROM events WHERE seq >= ? ORDER BY seq LIMIT ?",
        (since, limit),
    )
    return [jsonl_line(*row) for row in rows]


def log_entries(
    conn: sqlite3.Connection, table: str, sid: str | None = None
) -> list[dict[str, Any]]:
    """Rows of `webhooks` or `notifications` in log order: the event's fields plus its `seq`,
    `t` and `sid`."""
    if table not in ("webhooks", "notifications"):
        raise ValueError(f"no log table {table!r}")
    sql = (
        f"SELECT log.seq, log.t, log.sid, events.fields FROM {table} AS log JOIN events USING (seq)"
    )
    params: tuple[object, ...] = ()
    if sid is not None:
        sql += " WHERE log.sid = ?"
        params = (sid,)
    return [
        {**_loads(fields), "seq": seq, "t": t, "sid": entry_sid}
        for seq, t, entry_sid, fields in conn.execute(sql + " ORDER BY log.seq", params)
    ]


def _columns(spec: TableSpec) -> str:
    """What a resource query selects: the row's SID, doc, and conference for participants."""
    return "sid, doc, conference_sid" if "conference_sid" in spec.key else "sid, doc"


def _document(
    row: tuple[Any, ...], loads: Callable[[str], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The doc with its key fields: `sid` (events carry it beside their fields), or `call_sid`
    and `conference_sid` for a participant."""
    doc = (loads or _loads)(row[1])
    if len(row) == 2:
        doc.setdefault("sid", row[0])
    else:
        doc.setdefault("call_sid", row[0])
        doc.setdefault("conference_sid", row[2])
    return doc


def _loads(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    return doc


@functools.lru_cache(maxsize=4096)
def _parsed_once(text: str) -> dict[str, Any]:
    return _loads(text)


def _parsed(text: str) -> dict[str, Any]:
    """`_loads`, remembered for the documents lists read again and again: a copy of the top
    level is the caller's to change (nested values are shared, for reading only)."""
    return dict(_parsed_once(text))
