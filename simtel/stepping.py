"""One clock: the simulation steps in one thread at a time, in the order steps were asked for.

A `Simulator`'s `lock` guards its state, and it is released while a webhook waits for the user's
app, so the app may call the REST API back. That release must not let a second thread step the
SimPy environment: the first is in the middle of a step. `StepTurns` is the second, outer guard,
held for a whole `advance`/`run`, never released for webhooks:

* steps are served first come, first served (a ticket queue, not a bare lock, whose wake-up order
  is unspecified), so N concurrent advances of S seconds end at exactly N x S;
* an advance computes its target (`now + seconds`) once its turn has come, never before;
* REST commands need no turn, only the lock: they run during a webhook as before;
* a step asked for from the thread already stepping (an in-process app that calls
  `Simulator.advance` inside its own webhook handler) cannot wait for itself: it raises
  `ClockBusy`. Asked for from another thread (the app calling `/_simtel/clock/advance` back over
  HTTP), it waits for the running advance, which waits for the webhook: the webhook then ends by
  its own deadline (15 s by default, 11205) and the queued advance runs after. Do not advance
  the clock from inside a webhook handler and wait for the answer.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from simtel.errors import SimtelError


class ClockBusy(SimtelError, RuntimeError):
    """A step asked for by the thread that is stepping (see the module docstring)."""


class StepTurns:
    """A first-come, first-served turn for clock steps (see the module docstring)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[int] = deque()
        self._issued = 0
        self._owner: int | None = None

    @property
    def stepping(self) -> bool:
        """Whether some thread holds the turn now."""
        return self._owner is not None

    def held_here(self) -> bool:
        return self._owner == threading.get_ident()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn, hold it for the block, then pass it on."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                raise ClockBusy(
                    "the clock cannot step from inside its own step (an app advancing the "
                    "simulation from a webhook handler on the stepping thread)"
                )
            ticket = self._issued
            self._issued += 1
            self._queue.append(ticket)
            try:
                while self._owner is not None or self._queue[0] != ticket:
                    self._cond.wait()
            except BaseException:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise
            self._queue.popleft()
            self._owner = me
        try:
            yield
        finally:
            with self._cond:
                self._owner = None
                self._cond.notify_all()


#: the longest single advance: one year of simulated time
MAX_ADVANCE = 366 * 86_400.0
#: how far a simulation may run from its epoch: one hundred years (timestamps stay printable)
MAX_SIMULATED_TIME = 100 * 366 * 86_400.0


class AdvanceOutOfRange(SimtelError, ValueError):
    """An advance that is negative, not finite, longer than `MAX_ADVANCE`, or that would take the
    simulation past `MAX_SIMULATED_TIME`."""


def check_advance(now: float, seconds: float) -> float:
    """The time an advance of `seconds` from `now` ends at; `AdvanceOutOfRange` when it may not."""
    if not (0 <= seconds <= MAX_ADVANCE):  # also refuses NaN
        raise AdvanceOutOfRange(f"an advance takes 0 to {MAX_ADVANCE:.0f} seconds, not {seconds!r}")
    until = now + seconds
    if until > MAX_SIMULATED_TIME:
        raise AdvanceOutOfRange(
            f"the simulation may run {MAX_SIMULATED_TIME:.0f} seconds from its epoch; "
            f"it is at {now:g} and cannot advance {seconds:g} more"
        )
    return until
