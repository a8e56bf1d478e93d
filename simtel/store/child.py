"""The writer process's side of `simtel.store.process` (whose doc gives the protocol): project
what the pipe brings into the file, with the same `Projector` as the thread writer.
`python -m simtel.store.child PATH`."""

from __future__ import annotations

import contextlib
import gc
import marshal
import pickle
import queue
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from simtel.events import Event, EventKind
from simtel.store.projector import Projector, StoreWriteError
from simtel.store.schema import connect, tune_for_writing

#: batches the child holds unread at most before the engine's process waits on the pipe
INBOX = 8
#: the child commits when no batch waits, or once it holds this many events: a child that
#: falls behind (a slow disk's fsync at each commit) commits less often, in larger batches
COMMIT_AT = 50_000


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
            if message[0] in ("batch", "events"):
                child.take(message[1] if message[0] == "events" else unpack(message[1]))
                if inbox.empty() or child.buffered >= COMMIT_AT:
                    child.commit()
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

    def _build_indexes(self) -> None:
        if self._indexes:
            self._projector.build_indexes(self._indexes)
            self._indexes = ()

    @property
    def buffered(self) -> int:
        return self._projector.pending

    def take(self, rows: Iterable[tuple[int, float, str, str, dict[str, Any]]]) -> None:
        projector = self._projector
        for seq, t, kind, sid, fields in rows:
            projector.consume(Event(seq, t, cast(EventKind, kind), sid, fields))

    def commit(self) -> None:
        """Commit what is buffered, unless SQLite refused the last time (a flush retries and
        reports) or refused events (reported by the next answer)."""
        if self._projector.failure is not None or self._defect is not None:
            return
        try:
            self._applied += self._projector.flush()
        except StoreWriteError:
            pass  # kept by the projector
        except sqlite3.Error as error:
            self._defect = error

    def answer(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._defect is not None:
            defect, self._defect = self._defect, None
            return ("defect", defect)
        try:
            if message[0] in ("export", "close"):  # an export stops
                self._wanted = (None,)
            self._export_as_wanted()
            self._applied += self._projector.flush()
            if message[0] == "index":
                self._indexes = message[1]
                with contextlib.suppress(StoreWriteError):  # kept: the next answer retries it
                    self._build_indexes()
            else:
                self._build_indexes()
        except StoreWriteError as error:
            return ("failed", error.__cause__, self._projector.pending)
        except (sqlite3.Error, OSError) as error:  # OSError: the export file cannot be opened
            return ("defect", error)
        applied, self._applied = self._applied, 0
        return ("ok", applied, self._projector.orphan_updates)

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


def unpack(columns: bytes) -> Iterable[tuple[int, float, str, str, dict[str, Any]]]:
    """The rows of a `batch` message's columns."""
    rows = zip(*marshal.loads(columns), strict=True)
    return cast(Iterable[tuple[int, float, str, str, dict[str, Any]]], rows)


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
    # the child runs in a process group of its own, which a terminal's Ctrl-C does not reach;
    # a SIGINT sent to it all the same is ignored too: the engine's process decides what
    # happens, and the child stops when its pipe closes, having committed what it holds
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Path(sys.argv[1]), sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
