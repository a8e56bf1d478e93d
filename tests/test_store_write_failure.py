"""A store whose SQLite cannot write: a clear error, nothing discarded, and once writing works
again the tables are exactly the projection of the event log.

"Disk full" is made with `PRAGMA max_page_count` (the file may not grow past its current size)
and lifted by raising the limit again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest_api import asgi_request, auth_of
from test_store_file import run, snapshot

from simtel import Party, Simulator
from simtel.api.app import create_app
from simtel.events import Event
from simtel.store import Store, StoreWriteError

NO_LIMIT = 1_073_741_823


def fill_up(conn: sqlite3.Connection) -> None:
    """The database may not grow by a single page from now on."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def free(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA max_page_count = {NO_LIMIT}")


def reference(events: list[Event]) -> Store:
    """A store in memory that consumed `events` with no failure."""
    store = Store()
    for event in events:
        store.consume(event)
    return store


def events_of_a_run(calls: int) -> list[Event]:
    return run(Store(), calls)


def test_a_full_database_refuses_the_flush_keeps_the_events_and_catches_up(
    tmp_path: Path,
) -> None:
    events = events_of_a_run(60)
    store = Store(tmp_path / "run.db")
    for event in events[:40]:
        store.consume(event)
    store.flush()
    fill_up(store.connection)
    for event in events[40:]:
        store.consume(event)
    with pytest.raises(StoreWriteError) as refused:
        store.flush()
    assert refused.value.code == 20503 and refused.value.status == 503
    assert "full" in refused.value.message
    assert store.pending == len(events) - 40
    with pytest.raises(StoreWriteError):  # a read flushes first: refused, not a partial view
        store.count("calls")
    free(store.connection)
    assert store.flush() == len(events) - 40
    assert store.pending == 0
    assert snapshot(store) == snapshot(reference(events))


def test_a_failed_background_batch_is_kept_and_written_by_a_later_flush(tmp_path: Path) -> None:
    events = events_of_a_run(60)
    store = Store(tmp_path / "run.db", batch_size=25)
    for event in events[:30]:
        store.consume(event)
    store.flush()
    fill_up(store.connection)
    for event in events[30:]:  # fills batches: the background writer fails, the engine goes on
        store.consume(event)
    with pytest.raises(StoreWriteError):
        store.flush()
    assert store.pending == len(events) - 30
    with pytest.raises(StoreWriteError):  # still full: refused again, still nothing lost
        store.flush()
    free(store.connection)
    store.flush()
    assert snapshot(store) == snapshot(reference(events))
    assert store.orphan_updates == reference(events).orphan_updates


def test_a_read_only_moment_is_survived_the_same_way(tmp_path: Path) -> None:
    events = events_of_a_run(10)
    store = Store(tmp_path / "run.db")
    store.connection.execute("PRAGMA query_only = ON")
    for event in events:
        store.consume(event)
    with pytest.raises(StoreWriteError, match=r"readonly|read-only|query_only"):
        store.flush()
    store.connection.execute("PRAGMA query_only = OFF")
    store.flush()
    assert snapshot(store) == snapshot(reference(events))


def placed_calls(sim: Simulator, count: int) -> None:
    sim.set_party("+15550001000", Party(answer_after=2.0, hangup_after=20.0))
    trunk = sim.trunks.create("pbx", recording_mode="record-from-answer-dual")
    for n in range(count):
        sim.trunks.place_call(trunk.sid, f"+1555000{n:04d}", "+15550001000")


def test_a_simulation_on_a_full_disk_answers_errors_then_recovers_exactly(
    tmp_path: Path,
) -> None:
    sim = Simulator(seed=3, db=tmp_path / "run.db")
    placed_calls(sim, 4)
    sim.advance(5.0)
    fill_up(sim.store.connection)
    placed_calls(sim, 28)
    with pytest.raises(StoreWriteError):
        sim.advance(60.0)  # the engine ran; only the projection is behind
    app = create_app(sim)
    path = f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json"
    reply = asgi_request(app, "GET", path, headers=auth_of(sim))
    assert reply.status == 503
    assert reply.json()["code"] == 20503
    free(sim.store.connection)
    sim.advance(1.0)
    reply = asgi_request(app, "GET", path, query="PageSize=100", headers=auth_of(sim))
    assert reply.status == 200
    calls = reply.json()["calls"]
    assert len(calls) == 32 and {c["status"] for c in calls} == {"completed"}
    log = list(sim.events)
    assert snapshot_tables(sim.store) == snapshot_tables(reference(log))
    sim.close()


def snapshot_tables(store: Store) -> tuple[object, ...]:
    return (
        store.list_page("calls", page_size=1000).items,
        store.list_page("recordings", page_size=1000).items,
        store.list_page("trunks", page_size=1000).items,
        store.events(),
    )

