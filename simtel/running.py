"""How a simulation's time moves: `Simulator.advance` and `Simulator.run` (`RunControl`, a base
of `Simulator`), and the garbage collector tuned while a run steps.

A step takes its turn (`simtel.stepping`), then the simulator's lock, and runs the SimPy
environment; a step of a simulation reset while it waited for the user's app ends unwound
(`simtel.resets`) and answers the new simulation's clock. Each step flushes the store unless
asked not to (`run(flush=False)`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from simtel.resets import SimulationReset, retire
from simtel.stepping import check_advance

if TYPE_CHECKING:
    import simpy

    from simtel.engine.recordings.recorder import Recorder
    from simtel.resets import Generations
    from simtel.stepping import StepTurns
    from simtel.store import Store


class RunControl:
    """The clock of a `Simulator`: `now`, `advance`, `run` (the attributes below are the
    simulator's)."""

    env: simpy.Environment
    lock: threading.RLock
    turns: StepTurns
    generations: Generations
    recorder: Recorder
    store: Store

    if TYPE_CHECKING:

        def close(self) -> None: ...

    @property
    def now(self) -> float:
        return float(self.env.now)

    def advance(self, seconds: float) -> float:
        """Run the simulation exactly `seconds` forward from where it is when this step's turn
        comes (steps are serialized: `simtel.stepping`); returns the new simulated time.
        `ValueError` for a negative, non-finite or out-of-range `seconds`."""
        with self.turns.turn():
            return self._run(until=check_advance(self.now, seconds))

    def run(self, until: float | None = None, *, flush: bool = True) -> float:
        """Run until simulated second `until` (None: until nothing is scheduled). A reset that
        arrives while this run waits for the user's app ends it (see `simtel.resets`): it
        answers the new simulation's clock.

        `flush=False` leaves the events of this step in the store's buffer (a full batch is
        still written as it fills, and every read flushes first): for a caller taking many
        small steps that nobody reads between (a scenario's wind-down), which then flushes
        once; each flush is a transaction, and small ones cost more per event."""
        with self.turns.turn():
            return self._run(until, flush=flush)

    def _run(self, until: float | None, *, flush: bool = True) -> float:
        with self.lock, collector_tuned():
            generations = self.generations
            outer = generations.stepping is None
            if outer:
                generations.stepping = threading.current_thread()
            try:
                if until is None:
                    self.env.run()
                elif until > self.env.now:
                    self.env.run(until=until)
            except SimulationReset:
                self._unwound()
                return self.now
            finally:
                if outer:
                    generations.stepping = None
            self.recorder.purge_due()
            if flush:
                self.store.flush()
        return self.now

    def _unwound(self) -> None:
        """The old step has unwound: retire the rest of the old world, close its store, and
        reinstall the current one."""
        retire(self.env)
        self.close()
        current = self.generations.restore
        self.generations.restore = None
        self.generations.ghosts.clear()
        if current is not None:
            self.__dict__.clear()
            self.__dict__.update(current)


#: Cyclic garbage collection while a simulation runs: the engine makes millions of small
#: containers that die young or live as long as the run, and Python's default (a young collection
#: every 700 allocations, full ones as the heap grows) spent half of a long run's time scanning
#: them. Young collections every 100,000 allocations, full ones rarely; restored after the run.
RUN_GC_THRESHOLD = (100_000, 20, 100)
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def collector_tuned() -> Iterator[None]:
    """`RUN_GC_THRESHOLD` while the block runs (the outermost of nested or concurrent runs sets
    and restores the thresholds, which are the interpreter's)."""
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*RUN_GC_THRESHOLD)
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)
