"""Reads of the notification log for the Notifications resource: filtered pages, one entry, and
the webhook exchange a notification is about.

The `notifications` table indexes the `notification` events by `seq` (their fields stay in
`events`). Pages are newest first (`seq` descending); a page is asked for by offset, or by a
`seq` bound (`below`: entries older than that one, `above`: entries newer), which is what the
REST layer's `PA`/`PB` page tokens carry.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

_SELECT = (
    "SELECT log.seq, log.t, log.sid, events.fields FROM notifications AS log "
    "JOIN events USING (seq)"
)


@dataclass(frozen=True, slots=True)
class NoticeQuery:
    """Which notifications: about `sid` (a call), of `level` (`error`/`warning`), with the
    simulated time `t` within `lo <= t` and `t <= hi` (`t < hi` when `hi_exclusive`)."""

    sid: str | None = None
    level: str | None = None
    lo: float | None = None
    hi: float | None = None
    hi_exclusive: bool = False
    #: subaccounts: only notifications about resources of this account; the main account
    #: (`main_account`) also owns those about resources no table holds
    account_sid: str | None = None
    main_account: bool = False

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        for clause, value in (("log.sid = ?", self.sid), ("log.level = ?", self.level)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if self.lo is not None:
            clauses.append("log.t >= ?")
            params.append(self.lo)
        if self.hi is not None:
            clauses.append(f"log.t {'<' if self.hi_exclusive else '<='} ?")
            params.append(self.hi)
        if self.account_sid is not None:
            clauses.append(_owned_clause(self.main_account))
            params.extend([self.account_sid] * len(OWNED_TABLES))
        return " AND ".join(clauses) or "1", params


#: the tables whose rows name the account of a notification's resource
OWNED_TABLES = ("calls", "recordings", "conferences", "transcriptions")


def _owned_clause(main: bool) -> str:
    """Notifications about the account's resources: for a subaccount, those its tables hold;
    for the main account, all but those another account's rows hold."""
    test = "!=" if main else "="
    owned = " UNION ALL ".join(
        f"SELECT sid FROM {table} WHERE account_sid {test} ?" for table in OWNED_TABLES
    )
    return f"log.sid {'NOT IN' if main else 'IN'} ({owned})"


def notice_rows(
    conn: sqlite3.Connection,
    query: NoticeQuery,
    *,
    limit: int,
    offset: int = 0,
    below: int | None = None,
    above: int | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` entries newest first: from `offset`, or older than `below`, or the newest
    ones among those newer than `above` (still returned newest first)."""
    where, params = query.where()
    if above is not None:
        sql = f"{_SELECT} WHERE {where} AND log.seq > ? ORDER BY log.seq ASC LIMIT ?"
        rows = conn.execute(sql, (*params, above, limit)).fetchall()[::-1]
    elif below is not None:
        sql = f"{_SELECT} WHERE {where} AND log.seq < ? ORDER BY log.seq DESC LIMIT ?"
        rows = conn.execute(sql, (*params, below, limit)).fetchall()
    else:
        sql = f"{_SELECT} WHERE {where} ORDER BY log.seq DESC LIMIT ? OFFSET ?"
        rows = conn.execute(sql, (*params, limit, offset)).fetchall()
    return [_entry(row) for row in rows]


def notice(conn: sqlite3.Connection, seq: int) -> dict[str, Any] | None:
    row = conn.execute(f"{_SELECT} WHERE log.seq = ?", (seq,)).fetchone()
    return None if row is None else _entry(row)


def exchange_before(
    conn: sqlite3.Connection, sid: str, url: str, seq: int
) -> dict[str, Any] | None:
    """The last webhook attempt about `sid` to `url` logged before event `seq`."""
    row = conn.execute(
        "SELECT log.seq, log.t, log.sid, events.fields FROM webhooks AS log JOIN events "
        "USING (seq) WHERE log.sid = ? AND log.url = ? AND log.seq < ? "
        "ORDER BY log.seq DESC LIMIT 1",
        (sid, url, seq),
    ).fetchone()
    return None if row is None else _entry(row)


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    seq, t, sid, fields = row
    entry: dict[str, Any] = json.loads(fields)
    entry.update(seq=seq, t=t, sid=sid)
    return entry
