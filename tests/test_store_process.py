"""A store projected by a child process (`Store(path, writer="process")`, what `simtel run`
uses): the same file and the same `events.jsonl` as the in-process writer, the same consistency
when SQLite cannot write, and a clear error when the child is gone."""

from __future__ import annotations

import io
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from processes import HAS_PROC, wait_for_children
from test_store_export import expected_lines
from test_store_file import dump, run, snapshot
from test_store_write_failure import reference

from simtel import Simulator
from simtel.events import Event, EventKind
from simtel.scenario import load_scenario
from simtel.scenario.runner import build
from simtel.store import Store, StoreWriteError, child, process
from simtel.store.projector import Projector
from simtel.store.schema import EVENTS_SID_INDEX, READ_INDEXES

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
#: seconds from the writer's appearance to a Ctrl-C that lands while it imports
START_DELAY = 0.06


def feed(store: Store, events: list[Event]) -> None:
    for event in events:
        store.consume(event)


def test_the_child_writes_the_file_the_thread_writes(tmp_path: Path) -> None:
    writers = (("a", "thread", 16), ("b", "process", 16), ("c", "process", 7))
    for name, writer, batch_size in writers:
        with Store(tmp_path / f"{name}.db", batch_size=batch_size, writer=writer) as store:
            run(store)
    assert dump(tmp_path / "a.db") == dump(tmp_path / "b.db") == dump(tmp_path / "c.db")
    assert any('INSERT INTO "recordings"' in line for line in dump(tmp_path / "b.db"))


def test_a_batch_marshal_refuses_goes_pickled(tmp_path: Path) -> None:
    """Batches travel as marshal columns; one holding a value only pickle knows (an enum
    member here) goes as pickled rows, and both make the thread writer's file."""
    events = run(Store(), 12)
    status = EventKind.CALL_UPDATED  # a str enum: marshal refuses it, JSON writes its value
    odd = Event(len(events), 9.0, EventKind.CALL_UPDATED, events[0].sid, {"status": status})
    assert process._batch(events[:6])[0] == "batch"
    assert process._batch([*events[6:], odd])[0] == "events"
    for name, writer in (("thread", "thread"), ("child", "process")):
        with Store(tmp_path / f"{name}.db", batch_size=6, writer=writer) as store:
            feed(store, [*events, odd])
    assert dump(tmp_path / "thread.db") == dump(tmp_path / "child.db")
    assert any('"status":"call.updated"' in line for line in dump(tmp_path / "child.db"))


def test_the_first_read_waits_for_the_childs_indexes(tmp_path: Path) -> None:
    """The first read has the child build the read indexes and waits for them: a read running
    beside the build would wait on the file's lock, and past the busy timeout fail."""
    path = tmp_path / "run.db"
    store = Store(path, batch_size=50, writer="process")
    run(store, 400)
    assert store.count("calls") > 300  # the first read
    with sqlite3.connect(path) as other:
        indexes = {name for (name,) in other.execute("SELECT name FROM sqlite_master")}
    wanted = {
        statement.split(" ON ")[0].rsplit(" ", 1)[-1]
        for statement in (*READ_INDEXES, EVENTS_SID_INDEX)
    }
    assert wanted <= indexes
    store.close()


def test_reads_see_every_event_consumed(tmp_path: Path) -> None:
    store = Store(tmp_path / "run.db", batch_size=5, writer="process")
    events = run(store, 12)
    assert store.pending > 0  # the last partial batch is still here
    assert snapshot(store) == snapshot(reference(events))
    assert store.pending == 0
    store.close()


def test_the_export_is_appended_by_the_child(tmp_path: Path) -> None:
    store = Store(tmp_path / "run.db", batch_size=7, writer="process")
    events = run(Store(), 20)
    feed(store, events[:10])
    target = tmp_path / "events.jsonl"
    with target.open("w", encoding="utf-8") as handle:
        store.export_events(handle)  # the stored events first, then each batch's
        for event in events[10:]:
            store.consume(event)
        store.flush()
        store.export_events(None)
    store.close()
    assert target.read_text(encoding="utf-8") == expected_lines(events)


def test_an_export_to_no_file_is_refused(tmp_path: Path) -> None:
    with (
        Store(tmp_path / "run.db", writer="process") as store,
        pytest.raises(ValueError, match="named file"),
    ):
        store.export_events(io.StringIO())


def test_a_store_in_memory_has_no_child() -> None:
    with pytest.raises(ValueError, match="in memory"):
        Store(writer="process")
    with pytest.raises(ValueError, match="'thread', 'process' or 'auto'"):
        Store(writer="fork")  # type: ignore[arg-type]


def test_a_locked_file_refuses_the_flush_keeps_the_events_and_catches_up(tmp_path: Path) -> None:
    """Another connection holds the file (SQLite waits `busy_timeout`, 5 s, then refuses)."""
    path = tmp_path / "run.db"
    events = run(Store(), 30)
    store = Store(path, writer="process")
    feed(store, events[:10])
    store.flush()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    feed(store, events[10:])
    with pytest.raises(StoreWriteError, match="locked") as refused:
        store.flush()
    assert refused.value.code == 20503
    assert store.pending == len(events) - 10
    holder.execute("ROLLBACK")
    holder.close()
    assert store.flush() == len(events) - 10
    assert store.pending == 0
    assert snapshot(store) == snapshot(reference(events))
    store.close()


def test_events_sqlite_refuses_are_raised_as_they_are(tmp_path: Path) -> None:
    store = Store(tmp_path / "run.db", writer="process")
    events = run(store, 4)
    store.flush()
    store.consume(events[0])  # its seq again: a defect, not a write failure
    with pytest.raises(sqlite3.IntegrityError):
        store.flush()
    store.close()


def test_a_dead_child_is_a_clear_error_and_the_unsent_events_are_kept(tmp_path: Path) -> None:
    store = Store(tmp_path / "run.db", writer="process")
    events = run(Store(), 10)
    feed(store, events[:5])
    store.flush()
    child = store._projector._child  # type: ignore[union-attr]
    child.kill()
    child.wait()
    feed(store, events[5:])
    with pytest.raises(StoreWriteError, match="writer process exited") as gone:
        store.flush()
    assert gone.value.code == 20503
    assert store.pending == len(events) - 5
    with pytest.raises(StoreWriteError):
        store.count("calls")


def test_a_scenario_run_writes_the_same_store_and_log_either_way(tmp_path: Path) -> None:
    scenario = load_scenario(str(SCENARIOS / "trunk-recording.yaml"))
    outputs = []
    for writer in ("thread", "process"):
        folder = tmp_path / writer
        folder.mkdir()
        scenario_run = build(scenario, db=folder / "simtel.db", store_writer=writer)
        with (folder / "events.jsonl").open("w", encoding="utf-8") as handle:
            scenario_run.sim.store.export_events(handle)
            scenario_run.run()
            scenario_run.sim.store.flush()
            scenario_run.sim.store.export_events(None)
        scenario_run.sim.close()
        outputs.append((dump(folder / "simtel.db"), (folder / "events.jsonl").read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][1].count(b"\n") > 50


def test_a_simulator_reads_through_the_child(tmp_path: Path) -> None:
    sim = Simulator(seed=4, db=tmp_path / "run.db", store_writer="process")
    trunk = sim.trunks.create("pbx", recording_mode="record-from-answer-dual")
    for n in range(3):
        sim.trunks.place_call(trunk.sid, f"+1555000{n:04d}", "+15550001000")
    sim.advance(600.0)
    calls = sim.store.list_page("calls", page_size=10).items
    assert len(calls) == 3 and {call["status"] for call in calls} == {"completed"}
    assert sim.store.count("recordings") == 3
    sim.close()


def test_ctrl_c_stops_simtel_run_and_the_child_commits_what_it_holds(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: `simtel run` exits 130 with no traceback, and
    its writer (which ignores it) commits what it was handed and exits when its pipe closes."""
    scenario = tmp_path / "long.yaml"
    steady = Path(__file__).resolve().parent.parent / "bench/scenarios/load-study-steady.yaml"
    scenario.write_text(
        steady.read_text(encoding="utf-8").replace("duration: 8h", "duration: 400h"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from simtel.cli import main; main()", "run", str(scenario)]
    child = subprocess.Popen(
        [*command, "--out", str(out)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    log = out / "events.jsonl"
    for _ in range(600):  # until the writer has committed a few batches (60 s at most)
        if log.exists() and log.stat().st_size > 2_000_000:
            break
        time.sleep(0.1)
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    lines = log.read_bytes().count(b"\n")
    with sqlite3.connect(out / "simtel.db") as conn:
        stored, last = conn.execute("SELECT count(*), max(seq) FROM events").fetchone()
    assert stored == lines == last + 1 > 0, (stored, lines, last)


def test_the_read_indexes_are_built_by_the_child_and_retried_when_refused(
    tmp_path: Path,
) -> None:
    """The first read has the child build the indexes and waits for it; a build SQLite refuses
    (another connection holds the write lock: 5 s of `busy_timeout`) leaves the reads to go on
    without them, and is retried at close."""
    path = tmp_path / "run.db"
    store = Store(path, writer="process")
    events = run(store, 20)
    store.flush()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # readers may read; nobody else may write
    assert snapshot(store) == snapshot(reference(events))  # reads go on meanwhile
    time.sleep(5.5)  # the child's build has given up by now
    holder.execute("ROLLBACK")
    holder.close()
    store.close()
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {
        "calls_by_date_created_sid",
        "events_by_sid",
        "recordings_by_call_sid_date_created_sid",
    } <= names


@pytest.mark.skipif(not HAS_PROC, reason="finds the writer in /proc")
def test_simtel_run_says_in_one_line_that_its_writer_died(tmp_path: Path) -> None:
    """The writer killed under a running `simtel run`: the run ends with exit status 1 and one
    line naming Twilio's 20503, not a traceback."""
    steady = Path(__file__).resolve().parent.parent / "bench/scenarios/load-study-steady.yaml"
    command = [sys.executable, "-c", "from simtel.cli import main; main()", "run", str(steady)]
    run = subprocess.Popen(
        [*command, "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.kill(wait_for_children(run.pid, 1)[0], signal.SIGKILL)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 1
    assert b"Traceback" not in err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simtel: ") and "(error 20503)" in lines[0]
    assert "writer process exited" in lines[0]


@pytest.mark.skipif(not HAS_PROC, reason="finds the writer in /proc")
def test_ctrl_c_while_the_writer_starts_stops_simtel_run_without_a_traceback(
    tmp_path: Path,
) -> None:
    """Ctrl-C the moment the writer process exists (it is still importing, before it could set
    any handler of its own): the writer runs in a process group of its own, so Ctrl-C reaches
    `simtel run` alone, which exits 130 with no traceback; the writer commits what it was
    handed and exits when its pipe closes."""
    steady = Path(__file__).resolve().parent.parent / "bench/scenarios/load-study-steady.yaml"
    command = [sys.executable, "-c", "from simtel.cli import main; main()", "run", str(steady)]
    out = tmp_path / "out"
    run = subprocess.Popen(
        [*command, "--out", str(out)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_children(run.pid, 1, poll=0.002)  # the writer
    time.sleep(START_DELAY)  # the writer is importing simtel by now
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    lines = (out / "events.jsonl").read_bytes().count(b"\n")
    with sqlite3.connect(out / "simtel.db") as conn:
        stored, last = conn.execute("SELECT count(*), max(seq) FROM events").fetchone()
    assert stored == lines == last + 1 > 0


def test_the_child_imports_the_simtel_this_process_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = str(Path(process.__file__).resolve().parents[2])
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    assert process._child_environment()["PYTHONPATH"] == os.pathsep.join([root, "/elsewhere"])
    # an installed simtel: its site-packages is every interpreter's, never put before the stdlib
    monkeypatch.setattr(process.site, "getsitepackages", lambda: [root])
    assert process._child_environment()["PYTHONPATH"] == "/elsewhere"


def test_the_child_commits_what_it_holds_when_its_input_is_not_a_message(tmp_path: Path) -> None:
    """`serve` reads pickled messages; at anything else it stops as at the end of its input,
    having committed what it was handed (the engine's process then finds it gone)."""
    path = tmp_path / "run.db"
    Store(path).close()  # the schema
    events = run(Store(), 5)
    rows = [(e.seq, e.t, str(e.kind), e.sid, dict(e.fields)) for e in events]
    source = io.BytesIO(pickle.dumps(("events", rows)) + b"not a pickle")
    answers = io.BytesIO()
    serving = threading.Thread(target=child.serve, args=(path, source, answers), daemon=True)
    serving.start()
    serving.join(timeout=30)
    assert not serving.is_alive(), "the child waits for a message that never comes"
    assert answers.getvalue() == b""
    assert Store.open(path).events() == events


def test_an_export_file_the_child_cannot_open_is_reported_by_the_next_flush(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.db"
    Store(path).close()
    source = io.BytesIO(
        pickle.dumps(("export", str(tmp_path / "missing" / "events.jsonl"), True))  # no answer
        + pickle.dumps(("flush",))  # which reports it
        + pickle.dumps(("close",))
    )
    answers = io.BytesIO()
    child.serve(path, source, answers)
    answers.seek(0)
    kind, error = pickle.load(answers)
    assert kind == "defect" and isinstance(error, FileNotFoundError)
    assert pickle.load(answers)[0] == "ok"  # the close after it


def test_auto_hands_over_to_a_child_once_the_first_batch_is_full(tmp_path: Path) -> None:
    events = run(Store(), 700)  # about 2,800 events
    assert len(events) > 2_048
    outputs = []
    for name, writer in (("thread", "thread"), ("auto", "auto")):
        target = tmp_path / f"{name}.jsonl"
        with target.open("w", encoding="utf-8") as handle:
            store = Store(tmp_path / f"{name}.db", writer=writer, batch_size=512)
            store.export_events(handle)
            feed(store, events[:400])
            assert isinstance(store._projector, Projector)  # nothing handed over yet
            feed(store, events[400:])
            assert isinstance(store._projector, Projector) == (writer == "thread")
            assert store.orphan_updates == reference(events).orphan_updates
            store.flush()
            store.export_events(None)
            store.close()
        outputs.append((dump(tmp_path / f"{name}.db"), target.read_text(encoding="utf-8")))
    assert outputs[0] == outputs[1]
    assert outputs[1][1] == expected_lines(events)


def test_auto_keeps_the_thread_for_a_short_run_or_an_export_to_no_file(tmp_path: Path) -> None:
    short = Store(tmp_path / "short.db", writer="auto")
    run(short, 20)
    assert isinstance(short._projector, Projector)
    short.close()
    memory = Store(tmp_path / "memory.db", writer="auto", batch_size=64)
    memory.export_events(io.StringIO())
    run(memory, 200)
    assert isinstance(memory._projector, Projector)
    memory.close()
