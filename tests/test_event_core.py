"""The event core: a log keeps events in columns and builds `Event`s and JSON only when read.

What must hold: reading a kept log gives back exactly what was emitted (the same fields mapping,
kinds as `EventKind`); `events.jsonl` has one encoding, whether written from memory or from the
store's stored text (a log that keeps nothing), and it is `json.dumps(..., sort_keys=True)`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simtel.events import Event, EventKind, EventLog, encode_fields, jsonl_line
from simtel.store import Store

UNUSUAL: dict[str, Any] = {
    "zeta": 1,
    "alpha": 'café ☎ "quoted" \\ back',
    "nested": {"b": [1, 2.5, None, True], "a": {"deep": "ü"}},
    "float": 0.1 + 0.2,
    "none": None,
}


def reference_line(seq: int, t: float, kind: str, sid: str, fields: dict[str, Any]) -> str:
    """What `events.jsonl` held before the compact core: one `json.dumps` per event."""
    event = {"seq": seq, "t": round(t, 6), "kind": kind, "sid": sid, "fields": fields}
    return json.dumps(event, sort_keys=True, separators=(",", ":"))


def test_a_kept_log_reads_back_what_was_emitted() -> None:
    now = [0.0]
    log = EventLog(lambda: now[0])
    fields = {"status": "queued"}
    first = log.append(EventKind.CALL_CREATED, "CA1", fields)
    now[0] = 2.5
    log.emit(EventKind.CALL_UPDATED, "CA1", status="ringing")
    log.emit(EventKind.RECORDING_CREATED, "RE1", call_sid="CA1")
    events = list(log)
    assert [(e.seq, e.t, e.kind, e.sid) for e in events] == [
        (0, 0.0, EventKind.CALL_CREATED, "CA1"),
        (1, 2.5, EventKind.CALL_UPDATED, "CA1"),
        (2, 2.5, EventKind.RECORDING_CREATED, "RE1"),
    ]
    assert events[0] == first and events[0].fields is fields  # kept as given, never copied
    assert all(isinstance(e.kind, EventKind) for e in events)
    assert log.since(1) == events[1:] and log.since(-3) == events
    assert log.of("CA1") == events[:2]
    assert log.of("CA1", EventKind.CALL_UPDATED) == [events[1]]
    assert len(log) == 3


def test_a_kind_outside_the_vocabulary_is_kept_as_given() -> None:
    log = EventLog(lambda: 1.0)
    log.emit("custom.kind", "XX1", a=1)  # type: ignore[arg-type]
    log.emit(EventKind.WEBHOOK, "CA1")
    assert [e.kind for e in log] == ["custom.kind", EventKind.WEBHOOK]


def test_subscribers_get_each_event_once_kept_or_not() -> None:
    for keep in (True, False):
        seen: list[Event] = []
        log = EventLog(lambda: 0.0, keep=keep)
        log.subscribe(seen.append)
        log.emit(EventKind.CALL_CREATED, "CA1", n=1)
        log.emit(EventKind.CALL_UPDATED, "CA1", n=2)
        assert [e.fields["n"] for e in seen] == [1, 2]
        assert log.keeps_events is keep


@pytest.mark.parametrize("t", [0.0, 1.5, 1 / 3, 12345.000000049, 7e-7])
def test_a_line_is_the_sorted_json_of_the_event(t: float) -> None:
    line = jsonl_line(4, t, "call.updated", "CA1", encode_fields(UNUSUAL))
    assert line == reference_line(4, t, "call.updated", "CA1", UNUSUAL)
    assert Event(4, t, EventKind.CALL_UPDATED, "CA1", UNUSUAL).to_json() == line
    assert Event.from_json(line).fields == json.loads(json.dumps(UNUSUAL))


def test_fields_that_are_not_json_are_refused_when_encoded() -> None:
    with pytest.raises(TypeError, match="JSON values, not set"):
        encode_fields({"tags": {"a"}})


def stdlib_text(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=8))
def test_the_encoding_is_the_stdlib_text_for_any_json_fields(fields: dict[str, Any]) -> None:
    assert encode_fields(fields) == stdlib_text(fields)


@pytest.mark.parametrize(
    "value",
    [1e-05, -3.25e-05, 1e-07, 2.5e-09, 1e-10, 5e-324, 1e-4, 1e16, 1.5e22, 2**64, 0.1 + 0.2, -0.0],
)
def test_floats_and_big_ints_are_written_as_python_writes_them(value: float) -> None:
    fields = {"v": value, "sid": "CA9e-5be9e0", "name": "0.0000 e-7"}
    assert encode_fields(fields) == stdlib_text(fields)


def test_non_ascii_text_and_non_string_keys_are_escaped_as_python_escapes_them() -> None:
    for fields in ({"name": "café ☎"}, {1: "a", 2: [None]}, {"\u00e9": 1, "e": 2}):
        assert encode_fields(fields) == stdlib_text(fields)


def test_control_characters_and_del_are_escaped_as_python_escapes_them() -> None:
    """DEL (U+007F) is ASCII that orjson writes as it is and Python escapes (hypothesis found
    `{"\\x7f": None}`); the C0 controls both escape alike."""
    for fields in ({"\x7f": None}, {"k": "a\x7fb"}, {"c": "".join(map(chr, range(32)))}):
        assert encode_fields(fields) == stdlib_text(fields)
    assert "\\u007f" in encode_fields({"k": "\x7f"})


def emit_some(log: EventLog, now: list[float]) -> None:
    for n in range(30):
        now[0] = n * 0.7
        log.emit(EventKind.CALL_CREATED, f"CA{n}", sid=f"CA{n}", status="queued", **UNUSUAL)
        log.emit(EventKind.CALL_UPDATED, f"CA{n}", status="completed", price="-0.01")
        log.emit(EventKind.WEBHOOK, f"CA{n}", purpose="status", url="http://app.test/é", attempt=1)


def test_a_log_keeping_nothing_writes_the_same_lines_from_the_stored_text(tmp_path: Path) -> None:
    kept_now, lean_now = [0.0], [0.0]
    kept = EventLog(lambda: kept_now[0])
    store = Store(tmp_path / "run.db", batch_size=7)
    lean = EventLog(lambda: lean_now[0], keep=False, history=store)
    lean.subscribe(store.consume)
    emit_some(kept, kept_now)
    emit_some(lean, lean_now)
    written = [io.StringIO(), io.StringIO()]
    kept.write_jsonl(written[0])
    lean.write_jsonl(written[1])
    assert written[0].getvalue() == written[1].getvalue()
    lines = written[0].getvalue().splitlines()
    assert len(lines) == 90
    assert lines == [reference_line(e.seq, e.t, str(e.kind), e.sid, dict(e.fields)) for e in kept]
    assert store.event_counts() == {"call.created": 30, "call.updated": 30, "webhook": 30}
    store.close()


def test_a_store_scan_reads_doc_fields_a_chunk_at_a_time(tmp_path: Path) -> None:
    now = [0.0]
    store = Store(tmp_path / "run.db")
    log = EventLog(lambda: now[0], keep=False, history=store)
    log.subscribe(store.consume)
    emit_some(log, now)
    chunks = list(store.scan("calls", ("status", "price", "missing"), chunk=8))
    assert [len(chunk) for chunk in chunks] == [8, 8, 8, 6]
    assert {row for chunk in chunks for row in chunk} == {("completed", "-0.01", None)}
    with pytest.raises(ValueError, match="no resource table"):
        next(store.scan("events", ("kind",)))
    store.close()
