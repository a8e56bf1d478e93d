"""The store's projection in a child process: `Store(path, writer="process")`.

The engine's process only buffers events and hands each batch, pickled, to a child
(`python -m simtel.store.process PATH`) through a pipe; the child runs the same `Projector` on
its own connection to the file, commits what it holds whenever no batch waits (or once it holds
`COMMIT_AT` events) and writes the `events.jsonl` lines of what it committed. On two cores the
projection then runs beside the simulation instead of taking turns with it under the GIL. A run
that reads the store as it goes (REST) pays a round trip per read; `simtel run` reads only at
the end.

The pipe carries pickled tuples; the child answers on its stdout:
- `("events", rows)`, each row `(seq, t, kind, sid, fields)`: no answer;
- `("index", statements)`: `CREATE INDEX` statements to run when the child gets there, while the
  engine's process reads; no answer (a refusal is retried, and reported, at the next flush);
- `("export", path, stored)`: append to the file `path` the `events.jsonl` lines of what is
  stored (if `stored`), then of each commit; no answer (the next flush reports a failure);
- `("flush",)`, `("export", None)` (stop exporting), `("close",)`: `("ok", applied, orphans)`,
  `("failed", error, pending)` when SQLite cannot write, or `("defect", error)` when SQLite
  refused events (an error of simtel's, raised as is, as `Projector` does).

Consistency is the `Projector`'s: the child drops an event only once its transaction has
committed, a failed write keeps its events in the child, and only a flush retries them, so once
SQLite writes again the file is exactly the projection of every event consumed. If the child
itself dies, the events it held are lost with it: the next flush says so (`StoreWriteError`) and
the events the engine's process still buffers are kept.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import signal
import site
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, cast

from simtel.errors import TwilioError
from simtel.events import Event, EventKind
from simtel.store.projector import Projector, StoreWriteError
from simtel.store.schema import connect, tune_for_writing

#: events handed to the child at a time: small enough that the last batch, written while the
#: engine waits at the end of a run, is short
BATCH = 4_096
#: batches the child holds unread at most before the engine's process waits on the pipe
INBOX = 8
#: the child commits when no batch waits, or once it holds this many events: a child that
#: falls behind (a slow disk's fsync at each commit) commits less often, in larger batches
COMMIT_AT = 50_000
CLOSE_TIMEOUT = 60.0
#: the pipe's size asked for: a batch's pickle is about 300 KiB
PIPE_BYTES = 1 << 20


class StoreWriterGone(StoreWriteError):
    """The writer process is gone (killed, crashed): the file holds what it committed; what it
    held is lost with it, and nothing more will be written."""

    def __init__(self, error: ChildProcessError, pending: int) -> None:
        TwilioError.__init__(
            self,
            20503,
            503,
            f"The simulation's store cannot write: {error}. The file holds the events it "
            f"committed; those it held are lost, and {pending} more are not written",
        )


class ProcessProjector:
    """`Projector`'s interface, with the projection done by a child process."""

    def __init__(self, path: Path, batch_size: int | None = None) -> None:
        self._batch_size = batch_size or BATCH
        self._buffer: list[Event] = []
        self._child_pending = 0
        #: events went to the child since it last answered: a flush must ask
        self._handed = False
        self.orphan_updates = 0
        #: the last write failure, until a flush succeeds
        self.failure: BaseException | None = None
        #: why the child is gone, once it is: every later flush fails with it
        self._gone: ChildProcessError | None = None
        self._child = subprocess.Popen(
            [sys.executable, "-m", "simtel.store.process", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_environment(),
        )
        if self._child.stdin is not None:
            _widen(self._child.stdin)

    @property
    def pending(self) -> int:
        """Events not yet committed, here and in the child (as of its last answer)."""
        return len(self._buffer) + self._child_pending

    def consume(self, event: Event) -> None:
        """Buffer `event`; a full buffer goes to the child (which, while SQLite refuses, only
        buffers it too). Never raises for a write failure: that is `flush`'s to report."""
        self._buffer.append(event)
        if len(self._buffer) >= self._batch_size and self._gone is None:
            self._hand_over()

    def flush(self) -> int:
        """Wait until the child has committed every event consumed; returns how many it applied
        since the last answer. Raises `StoreWriteError` (events kept) when SQLite refuses. With
        nothing consumed since the child last answered, there is nothing to wait for."""
        if not (self._buffer or self._handed or self.failure or self._gone):
            return 0
        return self._ask(("flush",))

    def build_indexes(self, statements: Sequence[str]) -> None:
        """Have the child run `statements` (`CREATE INDEX`) in one transaction, without waiting:
        reads go on meanwhile (they need no index to be right). If SQLite refuses, the child
        tries again at the next flush or close, which reports the failure."""
        if self._gone is None:
            self._send(("index", tuple(statements)))

    def export_to(self, target: TextIO | None, *, stored: bool = True) -> None:
        """`Projector.export_to`, for a file only: the child appends to it by name. Starting an
        export does not wait for the child (a run starts while the child is still starting up;
        the next flush reports a file it cannot open); stopping one does, so the file is whole
        when this returns."""
        if target is None:
            self._ask(("export", None))
            return
        name = getattr(target, "name", None)
        if not isinstance(name, str) or not Path(name).is_file():
            raise ValueError("a store written by a child process exports to a named file only")
        target.flush()
        if self._buffer and self._gone is None:
            self._hand_over()
        if self._gone is None and self._send(("export", str(Path(name).resolve()), stored)):
            self._handed = True  # the next flush asks, and hears of a failure

    def close(self) -> None:
        """Commit the rest, stop the child and wait for it."""
        try:
            self._ask(("close",))
        finally:
            for pipe in (self._child.stdin, self._child.stdout):
                if pipe is not None:
                    pipe.close()
            self._child.wait(CLOSE_TIMEOUT)

    def _hand_over(self) -> None:
        self._handed = True
        events, self._buffer = self._buffer, []
        rows = [(seq, t, str(kind), sid, fields) for seq, t, kind, sid, fields in events]
        if not self._send(("events", rows)):
            self._buffer[:0] = events

    def _ask(self, message: tuple[Any, ...]) -> int:
        if self._buffer and self._gone is None:
            self._hand_over()
        answer = self._exchange(message) if self._gone is None else None
        if answer is None:
            raise StoreWriterGone(cast(ChildProcessError, self._gone), self.pending)
        return self._settle(answer)

    def _exchange(self, message: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The child's answer; None (and the child `_lost`) when it is gone."""
        stdout = self._child.stdout
        if not self._send(message):
            return None
        try:
            if stdout is None:
                raise EOFError
            return cast(tuple[Any, ...], pickle.load(stdout))
        except EOFError:
            self._lost()
            return None

    def _settle(self, answer: tuple[Any, ...]) -> int:
        if answer[0] == "ok":
            _, applied, self.orphan_updates = answer
            self._child_pending = 0
            self._handed = False
            self.failure = None
            return int(applied)
        if answer[0] == "failed":
            _, self.failure, self._child_pending = answer
            raise StoreWriteError(cast(BaseException, self.failure), self.pending)
        raise cast(BaseException, answer[1])

    def _send(self, message: tuple[Any, ...]) -> bool:
        """False (and `failure` set) when the child is gone."""
        stdin = self._child.stdin
        try:
            if stdin is None:
                raise BrokenPipeError
            pickle.dump(message, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
        except (BrokenPipeError, ValueError):  # ValueError: the pipe is closed
            self._lost()
            return False
        return True

    def _lost(self) -> None:
        try:
            code = self._child.wait(CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        self._gone = ChildProcessError(f"the store's writer process exited (code {code})")
        self.failure = self._gone


def _child_environment() -> dict[str, str]:
    """This environment, with the folder this simtel was imported from first on `PYTHONPATH`
    unless it is a site-packages folder (which every interpreter of this installation finds, and
    which must not come before the standard library): the child imports the same simtel even
    where this process found it by a path of its own (a source checkout, `sys.path` changed at
    run time)."""
    root = str(Path(__file__).resolve().parents[2])
    if root in {
        str(Path(p).resolve()) for p in (*site.getsitepackages(), site.getusersitepackages())
    }:
        return dict(os.environ)
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _widen(pipe: IO[bytes]) -> None:
    """A pipe that holds a whole batch (Linux: `F_SETPIPE_SZ`, up to `pipe-max-size`), so the
    engine's process hands it over in one write instead of waiting for the child's reader to
    get the GIL once per 64 KiB; elsewhere, or where refused, the pipe keeps its size."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or over pipe-max-size
        pass


def serve(path: Path, source: BinaryIO, answers: BinaryIO) -> None:
    """The child's side: project what `source` brings into the file at `path`, until `close`
    or the end of `source` (the engine's process is gone: what was consumed is committed)."""
    conn = connect(path, readonly=False)
    tune_for_writing(conn)
    projector = Projector(conn, batch_size=sys.maxsize)
    inbox: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=INBOX)
    reader = threading.Thread(target=_read, args=(source, inbox), daemon=True, name="reader")
    reader.start()
    child = _Child(projector)
    try:
        while (message := inbox.get()) is not None:
            if message[0] == "events":
                child.take(message[1])
                if inbox.empty() or child.buffered >= COMMIT_AT:
                    child.commit()
                continue
            if message[0] == "index":
                child.index(message[1])
                continue
            if message[0] == "export" and message[1] is not None:
                child.export_soon(message[1], stored=message[2])
                continue
            pickle.dump(child.answer(message), answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
            gc.collect()
            if message[0] == "close":
                break
        else:
            child.answer(("close",))
    finally:
        conn.close()
    reader.join()  # the engine's process closes the pipe once it has the answer


class _Child:
    def __init__(self, projector: Projector) -> None:
        self._projector = projector
        self._applied = 0
        self._defect: BaseException | None = None
        self._export: IO[str] | None = None
        #: indexes asked for and not built yet (SQLite refused)
        self._indexes: tuple[str, ...] = ()
        #: the export target asked for and not switched to yet: `(path,)`, `(None,)` to stop
        self._wanted: tuple[str | None, ...] = ()
        #: whether the export asked for starts with the lines of the events stored before it
        self._stored = True

    def index(self, statements: tuple[str, ...]) -> None:
        """Build the indexes now; if SQLite refuses, at the next answer (which reports it)."""
        self._indexes = statements
        self.commit()
        with contextlib.suppress(StoreWriteError):
            self._build_indexes()

    def _build_indexes(self) -> None:
        if self._indexes:
            self._projector.build_indexes(self._indexes)
            self._indexes = ()

    @property
    def buffered(self) -> int:
        return self._projector.pending

    def take(self, rows: list[tuple[int, float, str, str, dict[str, Any]]]) -> None:
        projector = self._projector
        for seq, t, kind, sid, fields in rows:
            projector.consume(Event(seq, t, cast(EventKind, kind), sid, fields))

    def commit(self) -> None:
        """Commit what is buffered, unless SQLite refused the last time (a flush retries)."""
        if self._projector.failure is None and self._defect is None:
            self._commit()

    def answer(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._defect is not None:
            defect, self._defect = self._defect, None
            return ("defect", defect)
        try:
            if message[0] in ("export", "close"):  # an export stops
                self._wanted = (None,)
            self._export_as_wanted()
            self._applied += self._projector.flush()
            self._build_indexes()
        except StoreWriteError as error:
            return ("failed", error.__cause__, self._projector.pending)
        except (sqlite3.Error, OSError) as error:  # OSError: the export file cannot be opened
            return ("defect", error)
        applied, self._applied = self._applied, 0
        return ("ok", applied, self._projector.orphan_updates)

    def _commit(self) -> None:
        try:
            self._applied += self._projector.flush()
        except StoreWriteError:
            pass  # kept by the projector; the next flush retries and reports
        except sqlite3.Error as error:
            self._defect = error

    def export_soon(self, path: str, *, stored: bool) -> None:
        """Export to `path` now (the stored events' lines first, if `stored`), or, if SQLite
        refuses, at the next answer (which reports it); a file that cannot be opened is reported
        by the next answer and the export dropped."""
        self._wanted = (path,)
        self._stored = stored
        try:
            self._export_as_wanted()
        except StoreWriteError:
            pass
        except OSError as error:
            self._wanted = ()
            self._defect = error

    def _export_as_wanted(self) -> None:
        """Switch the export to the target asked for last (`(path,)`, `(None,)`: stop), after
        the lines of what is held have gone to the current one."""
        if not self._wanted:
            return
        (path,) = self._wanted
        self._projector.flush()  # the lines so far go to the current target
        self._projector.export_to(None)
        if self._export is not None:
            self._export.close()
            self._export = None
        if path is not None:
            self._export = open(path, "a", encoding="utf-8")  # noqa: SIM115
            self._projector.export_to(self._export, stored=self._stored)
        self._wanted = ()


def _read(source: BinaryIO, inbox: queue.Queue[tuple[Any, ...] | None]) -> None:
    """Messages into `inbox`, then None at the end of `source`, or at anything that is not a
    message (the child then commits what it holds, answers no more and exits: the engine's
    process learns it is gone)."""
    while True:
        try:
            message = pickle.load(source)
        except Exception:  # EOFError, OSError, or a stream that is not ours
            inbox.put(None)
            return
        inbox.put(message)


def main() -> None:
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers on the pipe
    # Unpickling a batch makes thousands of dicts, which would set off the cyclic collector
    # again and again; what the child makes holds no cycles (refcounts free it), and each
    # answer collects what an error's traceback may have left
    gc.disable()
    # Ctrl-C reaches the whole process group: the engine's process decides what happens, and
    # the child stops when its pipe closes, having committed what it holds
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Path(sys.argv[1]), sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
