"""The store projects events into rows: merges, deletes, soft deletes, logs."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from simtel.events import Event, EventKind, EventLog
from simtel.store import Store, StoreClosedError

ACCOUNT = "AC" + "a" * 32


def sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


class Timeline:
    """An event log whose clock the test sets, feeding a store."""

    def __init__(self, store: Store) -> None:
        self.now = 0.0
        self.log = EventLog(lambda: self.now)
        self.store = store
        self.log.subscribe(store.consume)

    def at(self, t: float, kind: EventKind, sid: str, **fields: Any) -> Event:
        self.now = t
        return self.log.emit(kind, sid, **fields)

    def call(self, t: float, n: int, **fields: Any) -> str:
        call_sid = sid("CA", n)
        base = {
            "account_sid": ACCOUNT,
            "status": "queued",
            "date_created": t,
            "date_updated": t,
            "to": "+15550000001",
            "from": "+15550000002",
            "price": "-0.01",
            "parent_call_sid": None,
            "start_time": None,
            "end_time": None,
        }
        self.at(t, EventKind.CALL_CREATED, call_sid, **{**base, **fields})
        return call_sid


@pytest.fixture
def line() -> Timeline:
    return Timeline(Store())


@pytest.mark.parametrize("flush_between", [False, True])
def test_updates_merge_into_created_fields_and_null_survives(
    line: Timeline, flush_between: bool
) -> None:
    call = line.call(1.0, 1, _track="both")
    if flush_between:
        line.store.flush()  # the update then merges into the stored row
    line.at(5.0, EventKind.CALL_UPDATED, call, status="in-progress", start_time=5.0, price=None)
    line.at(9.0, EventKind.CALL_UPDATED, call, status="completed", end_time=9.0, duration="4")
    doc = line.store.get("calls", call)
    assert doc is not None
    assert doc["status"] == "completed"
    assert doc["start_time"] == 5.0 and doc["end_time"] == 9.0 and doc["duration"] == "4"
    assert "price" in doc and doc["price"] is None
    assert doc["to"] == "+15550000001" and doc["_track"] == "both"
    assert doc["sid"] == call
    assert line.store.count("calls", status="completed") == 1
    assert line.store.count("calls", status="queued") == 0


@pytest.mark.parametrize("flush_between", [False, True])
def test_deletes_remove_rows(line: Timeline, flush_between: bool) -> None:
    call = line.call(1.0, 1)
    kept = line.call(2.0, 2)
    recording = sid("RE", 1)
    line.at(
        3.0,
        EventKind.RECORDING_CREATED,
        recording,
        call_sid=call,
        status="completed",
        date_created=3.0,
    )
    transcription = sid("TR", 1)
    line.at(
        4.0,
        EventKind.TRANSCRIPTION_CREATED,
        transcription,
        recording_sid=recording,
        status="completed",
        date_created=4.0,
    )
    if flush_between:
        line.store.flush()
    line.at(10.0, EventKind.CALL_DELETED, call)
    line.at(11.0, EventKind.RECORDING_PURGED, recording)
    line.at(12.0, EventKind.TRANSCRIPTION_DELETED, transcription)
    line.at(13.0, EventKind.CALL_UPDATED, call, status="completed")  # too late: an orphan
    store = line.store
    assert store.get("calls", call) is None
    assert store.get("recordings", recording) is None
    assert store.get("transcriptions", transcription) is None
    assert store.get("calls", kept) is not None
    assert store.count("calls") == 1
    assert store.orphan_updates == 1
    assert len(store.events(sid=call)) == 3  # the events stay in the log


def test_soft_deleted_recording_stays_and_is_filtered_on_request(line: Timeline) -> None:
    call = line.call(1.0, 1)
    for n in (1, 2):
        line.at(
            2.0 + n,
            EventKind.RECORDING_CREATED,
            sid("RE", n),
            call_sid=call,
            status="completed",
            date_created=2.0 + n,
        )
    line.at(8.0, EventKind.RECORDING_UPDATED, sid("RE", 1), status="deleted", date_updated=8.0)
    store = line.store
    assert store.get("recordings", sid("RE", 1))["status"] == "deleted"  # type: ignore[index]
    every = store.list_page("recordings", filters={"call_sid": call}, include_deleted=True)
    live = store.list_page("recordings", filters={"call_sid": call}, include_deleted=False)
    assert [r["sid"] for r in every.items] == [sid("RE", 2), sid("RE", 1)]
    assert [r["sid"] for r in live.items] == [sid("RE", 2)]


def test_participants_are_keyed_by_conference_and_call(line: Timeline) -> None:
    call = line.call(1.0, 1)
    first, second = sid("CF", 1), sid("CF", 2)
    line.at(
        2.0,
        EventKind.PARTICIPANT_CREATED,
        call,
        conference_sid=first,
        status="connected",
        muted=False,
        date_created=2.0,
    )
    line.at(3.0, EventKind.PARTICIPANT_UPDATED, call, conference_sid=first, status="complete")
    line.store.flush()
    line.at(
        4.0,
        EventKind.PARTICIPANT_CREATED,
        call,
        conference_sid=second,
        status="connected",
        muted=False,
        date_created=4.0,
    )
    line.store.flush()
    line.at(5.0, EventKind.PARTICIPANT_UPDATED, call, muted=True)  # no conference: the latest
    store = line.store
    one = store.get("participants", call, conference_sid=first)
    two = store.get("participants", call, conference_sid=second)
    assert one is not None and two is not None
    assert (one["status"], one["muted"]) == ("complete", False)
    assert (two["status"], two["muted"]) == ("connected", True)
    assert two["call_sid"] == call and two["conference_sid"] == second
    page = store.list_page("participants", filters={"conference_sid": second, "muted": True})
    assert [p["conference_sid"] for p in page.items] == [second]
    assert store.count("participants") == 2


def test_every_event_is_stored_and_read_back_equal(line: Timeline) -> None:
    call = line.call(1.0, 1)
    line.at(1.0, EventKind.CALL_PROGRESS, call, event="initiated")
    line.at(2.5, EventKind.PARTY_DIGITS, call, digits="12#")
    line.at(3.0, EventKind.TWIML_VERB, call, verb="Record", line=3, attrs={"trim": "do-not-trim"})
    line.at(4.0, EventKind.CALL_UPDATED, call, status="completed", tags=["a", None])
    stored = line.store.events()
    assert stored == list(line.log)
    assert line.store.events(since=3) == list(line.log)[3:]
    verbs = line.store.events(kinds=[EventKind.TWIML_VERB, "party.digits"])
    assert [e.kind for e in verbs] == [EventKind.PARTY_DIGITS, EventKind.TWIML_VERB]
    assert line.store.events(sid="CA" + "f" * 32) == []


def test_webhooks_and_notifications_have_their_own_tables(line: Timeline) -> None:
    call = line.call(1.0, 1)
    line.at(
        1.0,
        EventKind.WEBHOOK,
        call,
        purpose="url",
        url="https://app.test/voice",
        method="POST",
        attempt=1,
        status=200,
        error_code=None,
        params={"CallSid": call},
        body="<Response/>",
    )
    line.at(
        2.0,
        EventKind.WEBHOOK,
        sid("RE", 1),
        purpose="recording_status",
        url="https://app.test/rec",
        method="POST",
        attempt=2,
        status=500,
        error_code=11200,
        params={},
        body="",
    )
    line.at(3.0, EventKind.NOTIFICATION, call, code=12100, level="error", message="bad xml")
    store = line.store
    hooks = store.webhooks()
    assert [(h["purpose"], h["attempt"], h["status"], h["seq"]) for h in hooks] == [
        ("url", 1, 200, 1),
        ("recording_status", 2, 500, 2),
    ]
    assert store.webhooks(sid=call) == [
        {
            "purpose": "url",
            "url": "https://app.test/voice",
            "method": "POST",
            "attempt": 1,
            "status": 200,
            "error_code": None,
            "params": {"CallSid": call},
            "body": "<Response/>",
            "seq": 1,
            "t": 1.0,
            "sid": call,
        }
    ]
    failed = store.connection.execute(
        "SELECT sid, error_code FROM webhooks WHERE status >= 500"
    ).fetchall()
    assert failed == [(sid("RE", 1), 11200)]
    assert [(n["code"], n["message"]) for n in store.notifications(sid=call)] == [
        (12100, "bad xml")
    ]


def test_a_list_in_a_projected_column_is_stored_as_json(line: Timeline) -> None:
    call = line.call(1.0, 1, to=["+1555", "+1556"])
    assert line.store.get("calls", call)["to"] == ["+1555", "+1556"]  # type: ignore[index]
    column = line.store.connection.execute('SELECT "to" FROM calls').fetchone()
    assert column == ('["+1555","+1556"]',)


def test_consume_buffers_until_a_flush_or_a_full_batch() -> None:
    store = Store(batch_size=3)
    line = Timeline(store)
    line.call(1.0, 1)
    line.call(2.0, 2)
    assert store.pending == 2
    assert store.connection.execute("SELECT count(*) FROM events").fetchone() == (0,)
    line.call(3.0, 3)  # the third event fills the batch: handed to the background writer
    assert store.pending == 0
    line.call(4.0, 4)
    assert store.flush() == 1  # waits for the background write too
    assert store.connection.execute("SELECT count(*) FROM events").fetchone() == (4,)
    assert store.count("calls") == 4


def test_a_failed_background_write_is_raised_by_the_next_flush() -> None:
    store = Store(batch_size=1)
    event = Event(0, 0.0, EventKind.CALL_CREATED, sid("CA", 1), {"date_created": 0.0})
    store.consume(event)
    store.consume(event)  # the same seq twice: the events table refuses it, in the writer
    with pytest.raises(sqlite3.IntegrityError):
        store.flush()
    assert store.count("calls") == 1  # the failed batch was rolled back, the first one stays


def test_fields_that_are_not_json_are_refused() -> None:
    store = Store()
    store.consume(Event(0, 0.0, EventKind.CALL_CREATED, sid("CA", 1), {"tags": {"a"}}))
    with pytest.raises(TypeError, match="JSON values, not set"):
        store.flush()


def test_a_closed_store_refuses_use() -> None:
    store = Store()
    store.close()
    with pytest.raises(StoreClosedError):
        store.consume(Event(0, 0.0, EventKind.CALL_CREATED, sid("CA", 1), {}))
    with pytest.raises(StoreClosedError):
        store.get("calls", sid("CA", 1))
    with pytest.raises(ValueError, match="no resource table"):
        Store().get("meetings", "x")
