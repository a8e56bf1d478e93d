"""The store writes `events.jsonl` as it commits (`Store.export_events`, what `simtel run` uses),
and builds its read indexes when first read or closed, not with every insert."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from test_store_file import run
from test_store_write_failure import fill_up, free

from simtel.events import Event
from simtel.store import Store, StoreWriteError
from simtel.store.schema import READ_INDEXES


def expected_lines(events: list[Event]) -> str:
    """What `EventLog.write_jsonl` writes for `events`: one `Event.to_json` a line."""
    return "".join(event.to_json() + "\n" for event in events)


def test_the_export_holds_the_lines_of_write_jsonl(tmp_path: Path) -> None:
    store = Store(tmp_path / "run.db", batch_size=7)  # background batches and a final flush
    out = io.StringIO()
    store.export_events(out)
    events = run(store, 30)
    store.flush()
    assert out.getvalue() == expected_lines(events)


def test_an_export_started_late_writes_the_stored_events_first() -> None:
    store = Store()
    events = run(store, 10)
    out = io.StringIO()
    store.export_events(out)
    assert out.getvalue() == expected_lines(events)
    store.export_events(None)
    run(store, 2)  # no longer exported (and SIDs repeat: the store is not asked to make sense)
    assert out.getvalue() == expected_lines(events)


def test_a_batch_that_fails_to_commit_is_exported_once_when_it_commits(tmp_path: Path) -> None:
    events = run(Store(), 40)
    store = Store(tmp_path / "run.db", batch_size=10)
    out = io.StringIO()
    store.export_events(out)
    for event in events[:30]:
        store.consume(event)
    store.flush()
    fill_up(store.connection)
    for event in events[30:]:
        store.consume(event)
    with pytest.raises(StoreWriteError):
        store.flush()
    written = out.getvalue().count("\n")  # the batches that fitted before the disk filled
    assert written == len(events) - store.pending < len(events)
    assert out.getvalue() == expected_lines(events[:written])
    free(store.connection)
    store.flush()
    assert out.getvalue() == expected_lines(events)


def read_indexes(conn: sqlite3.Connection) -> set[str]:
    return {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        if not row[0].startswith("sqlite_autoindex")
    }


def test_read_indexes_are_built_at_the_first_query_or_at_close(tmp_path: Path) -> None:
    wanted = {statement.split()[5] for statement in READ_INDEXES}
    store = Store(tmp_path / "run.db")
    run(store, 5)
    store.flush()
    assert not wanted & read_indexes(store.connection)
    assert store.count("calls") > 0
    assert wanted <= read_indexes(store.connection)
    closed = Store(tmp_path / "other.db")
    run(closed, 5)
    closed.close()
    assert wanted <= read_indexes(sqlite3.connect(tmp_path / "other.db"))
