"""A store in a file: reopened after the run, deterministic to the byte, versioned."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from simtel.events import Event, EventKind, EventLog
from simtel.store import SCHEMA_VERSION, SchemaVersionError, Store, StoreClosedError


def run(store: Store, calls: int = 40) -> list[Event]:
    """A small run: calls with a recording each, webhooks, a deletion and a soft delete."""
    now = [0.0]
    log = EventLog(lambda: now[0])
    log.subscribe(store.consume)
    for n in range(calls):
        now[0] = n * 0.5
        call, recording = f"CA{n:032x}", f"RE{n:032x}"
        log.emit(
            EventKind.CALL_CREATED,
            call,
            account_sid="AC" + "1" * 32,
            status="queued",
            date_created=now[0],
            to=f"+1555{n % 3:07d}",
            price=None,
        )
        log.emit(
            EventKind.RECORDING_CREATED,
            recording,
            call_sid=call,
            status="in-progress",
            date_created=now[0],
            _track="both",
        )
        if n >= 2:
            done = n - 2
            log.emit(EventKind.CALL_UPDATED, f"CA{done:032x}", status="completed", duration="1")
            log.emit(EventKind.RECORDING_UPDATED, f"RE{done:032x}", status="completed")
            log.emit(
                EventKind.WEBHOOK,
                f"RE{done:032x}",
                purpose="recording_status",
                url="https://app.test/cb",
                method="POST",
                attempt=1,
                status=204,
                error_code=None,
                params={"RecordingSid": f"RE{done:032x}"},
            )
    log.emit(EventKind.CALL_DELETED, f"CA{0:032x}")
    log.emit(EventKind.RECORDING_UPDATED, f"RE{1:032x}", status="deleted")
    return list(log)


def snapshot(store: Store) -> tuple[object, ...]:
    return (
        store.list_page("calls", page_size=1000).items,
        store.list_page("recordings", page_size=1000, include_deleted=False).items,
        store.get("recordings", f"RE{5:032x}"),
        store.events(),
        store.webhooks(),
    )


def test_a_file_store_reopens_with_the_same_rows_and_events(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    memory = Store()
    run(memory)
    written = Store(path)
    run(written)
    expected = snapshot(memory)
    assert snapshot(written) == expected
    written.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.db"]  # no WAL left behind
    reopened = Store.open(path)
    assert reopened.readonly
    assert snapshot(reopened) == expected
    assert reopened.events(sid=f"CA{3:032x}")[0].kind == EventKind.CALL_CREATED
    with pytest.raises(StoreClosedError):
        reopened.consume(Event(10_000, 1.0, EventKind.CALL_UPDATED, "CA" + "0" * 32, {}))
    reopened.close()


def test_flushed_events_survive_a_writer_that_never_closed(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    writer = Store(path)
    events = run(writer)
    writer.flush()  # then the process "dies": no close
    reader = Store.open(path)
    assert reader.events() == events
    assert reader.count("calls") == 39
    reader.close()
    writer.close()


def test_a_file_holding_a_run_is_not_overwritten_by_accident(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    with Store(path) as store:
        run(store, calls=3)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        Store(path)
    with Store(path, overwrite=True) as store:
        assert store.count("calls") == 0


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_the_same_events_make_the_same_file_bytes(tmp_path: Path) -> None:
    """Same events, same flushes: identical bytes. Other flush boundaries: identical SQL dump
    (the same rows in the same order) but not necessarily the same pages on disk."""
    paths = [tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"]
    for path, batch_size in zip(paths, (16, 16, 7), strict=True):
        with Store(path, batch_size=batch_size) as store:
            run(store)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert dump(paths[0]) == dump(paths[1]) == dump(paths[2])
    assert any('INSERT INTO "calls"' in line for line in dump(paths[0]))


def test_a_file_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match=f"version 99 is not {SCHEMA_VERSION}"):
        Store.open(path)
    with pytest.raises(SchemaVersionError):
        Store(path)


def test_files_that_are_not_stores_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="no `meta` table"):
        Store.open(other)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database, not even a little" * 100)
    with pytest.raises(SchemaVersionError, match="not a simtel store"):
        Store.open(garbage)
    with pytest.raises(FileNotFoundError):
        Store.open(tmp_path / "missing.db")
    with pytest.raises(SchemaVersionError, match="not a simtel store"):
        Store(garbage)


def test_the_log_tables_count_their_events(tmp_path: Path) -> None:
    with Store(tmp_path / "run.db") as store:
        events = run(store, calls=12)
        webhooks = sum(event.kind == EventKind.WEBHOOK for event in events)
        assert store.log_count("webhooks") == webhooks == 10
        assert store.log_count("notifications") == 0
        with pytest.raises(ValueError, match="no log table"):
            store.log_count("events")
