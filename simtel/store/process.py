"""The store's projection in a child process: `Store(path, writer="process")`.

The engine's process only buffers events and hands each batch to a child
(`python -m simtel.store.child PATH`) through a pipe, as `marshal` columns; the child runs the
same `Projector` on its own connection to the file, commits what it holds whenever no batch
waits (or once it holds `simtel.store.child.COMMIT_AT` events) and writes the `events.jsonl`
lines of what it committed. On two cores the projection then runs beside the simulation instead
of taking turns with it under the GIL. A run that reads the store as it goes (REST) pays a round
trip per read; `simtel run` reads only at the end.

The pipe carries pickled tuples (a batch's columns inside as bytes); the child answers on its
stdout, pickled too:
- `("batch", columns)`: a batch of events, `columns` the `marshal` bytes of five tuples (seqs,
  times, kinds, SIDs, fields), three times cheaper to make than a pickle of the events; no
  answer. A batch holding a value `marshal` does not know goes as `("events", rows)` instead,
  each row `(seq, t, kind, sid, fields)`;
- `("export", path, stored)`: append to the file `path` the `events.jsonl` lines of what is
  stored (if `stored`), then of each commit; no answer (the next flush reports a failure);
- `("flush",)`, `("index", statements)` (commit, then run the `CREATE INDEX` statements; a
  refused build is kept and retried, and reported, at the next flush or close), `("export",
  None)` (stop exporting), `("close",)`: `("ok", applied, orphans)`,
  `("failed", error, pending)` when SQLite cannot write, or `("defect", error)` when SQLite
  refused events (an error of simtel's, raised as is, as `Projector` does).

Consistency is the `Projector`'s: the child drops an event only once its transaction has
committed, a failed write keeps its events in the child, and only a flush retries them, so once
SQLite writes again the file is exactly the projection of every event consumed. If the child
itself dies, the events it held are lost with it: the next flush says so (`StoreWriterGone`).
"""

from __future__ import annotations

import marshal
import os
import pickle
import site
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, TextIO, cast

from simtel.errors import TwilioError
from simtel.events import Event
from simtel.store.projector import Projector, StoreWriteError

#: events handed to the child at a time: small enough that the last batch, written while the
#: engine waits at the end of a run, is short
BATCH = 4_096
CLOSE_TIMEOUT = 60.0
#: the pipe's size asked for: a batch's columns are about 700 KiB (~170 bytes an event)
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
        # a process group of its own: Ctrl-C at a terminal reaches the engine's process alone
        # (which decides what happens), never the child, not even while it is still starting
        # and could not ignore it yet; the child stops when its pipe closes
        self._child = subprocess.Popen(
            [sys.executable, "-m", "simtel.store.child", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_environment(),
            process_group=0,
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
        """Have the child commit and run `statements` (`CREATE INDEX`) in one transaction, and
        wait until it has. A read of this process's running meanwhile would wait on the file's
        lock once the build's pages spill from the child's cache, and fail past the busy
        timeout: the summary of a million-call run did ("database is locked"), its events-by-SID
        index taking longer than that. A build SQLite refuses is kept by the child and retried
        at the next flush or close (which report it); reads go on without the indexes."""
        self._ask(("index", tuple(statements)))

    def export_to(self, target: TextIO | None, *, stored: bool = True) -> None:
        """`Projector.export_to`, for a file only: the child appends to it by name. Starting an
        export does not wait for the child (a run starts while the child is still starting up;
        the next flush reports a file it cannot open); stopping one does, so the file is whole
        when this returns."""
        if target is None:
            self._ask(("export", None))
            return
        path = file_path(target)
        if path is None:
            raise ValueError("a store written by a child process exports to a named file only")
        target.flush()
        if self._buffer and self._gone is None:
            self._hand_over()
        if self._gone is None and self._send(("export", path, stored)):
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
        if not self._send(_batch(events)):
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


def file_path(target: TextIO) -> str | None:
    """The path of the file `target` writes, if it is a named file (a child can append to it)."""
    name = getattr(target, "name", None)
    return str(Path(name).resolve()) if isinstance(name, str) and Path(name).is_file() else None


def take_over(thread: Projector, path: Path) -> ProcessProjector | None:
    """`Store(writer="auto")`: the thread commits what it holds (`StoreWriteError` when SQLite
    refuses: it keeps the events) and a child takes over, exporting to the thread's file from
    there on; None, and the thread goes on, when its export is not a file."""
    export = thread.export
    if export is not None and file_path(export) is None:
        return None
    thread.flush()
    thread.close()
    child = ProcessProjector(path)
    if export is not None:
        child.export_to(export, stored=False)
    return child


def _batch(events: list[Event]) -> tuple[str, Any]:
    """The message that hands `events` to the child (see the module doc)."""
    seqs, times, kinds, sids, fields = zip(*events, strict=True)
    columns = (seqs, times, tuple(map(str, kinds)), sids, fields)
    try:
        return ("batch", marshal.dumps(columns))
    except ValueError:  # a value only pickle knows (an enum member, a dataclass)
        return ("events", list(zip(*columns, strict=True)))


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
