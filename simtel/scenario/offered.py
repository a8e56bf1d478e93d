"""The calls a scenario offered, in bounded memory: what the summary needs of each, not the calls.

A load run offers millions of calls; holding their `Call` objects until the summary would keep
every one of them alive. `OfferedCalls` keeps a live call only until it ends (a call-engine
`on_end` hook) and then three numbers: its status (an index into a small table), its creation
time and its end time, in flat arrays (17 bytes a call). The summary reads counts by status,
blocked calls and the peak concurrency from those.

`keep_calls=True` (a simulation that keeps its calls, as tests do) also keeps the `Call` objects
in order, for iteration; otherwise iterating is a `RuntimeError`.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call

BLOCKED = 503


def is_blocked(call: Call) -> bool:
    """A trunk call refused at capacity or CPS (SIP 503)."""
    return call.context.get("sip_response_code") == BLOCKED


class OfferedCalls:
    """Offered calls: live ones by SID; ended ones as a count by status and, unless blocked,
    their creation and end times."""

    def __init__(self, *, keep_calls: bool) -> None:
        self._calls: list[Call] | None = [] if keep_calls else None
        self._live: dict[str, Call] = {}
        self._statuses: Counter[str] = Counter()
        self._created = array("d")
        self._ended = array("d")
        self._blocked = 0
        self._count = 0

    def append(self, call: Call) -> None:
        self._count += 1
        if self._calls is not None:
            self._calls.append(call)
        if call.is_live:
            self._live[call.sid] = call
        else:
            self._record(call)

    def ended(self, call: Call) -> None:
        """A call-engine `on_end` hook: an offered call's final row."""
        if self._live.pop(call.sid, None) is not None:
            self._record(call)

    def _record(self, call: Call) -> None:
        self._statuses[call.status] += 1
        if is_blocked(call):
            self._blocked += 1
            return
        self._created.append(call.date_created)
        self._ended.append(call.end_time if call.end_time is not None else call.date_updated)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Call]:
        if self._calls is None:
            raise RuntimeError("this run keeps no Call objects (a lean simulation)")
        return iter(self._calls)

    @property
    def blocked(self) -> int:
        return self._blocked + sum(1 for call in self._live.values() if is_blocked(call))

    def statuses(self) -> Counter[str]:
        counts = Counter(self._statuses)
        counts.update(call.status for call in self._live.values())
        return counts

    def peak_concurrency(self, now: float) -> int:
        """The most offered calls alive at once (blocked ones never are); a call ending at t
        frees its place before one starting at t. Live calls count as ending at `now`."""
        live = [call for call in self._live.values() if not is_blocked(call)]
        starts = np.concatenate(
            (np.frombuffer(self._created), np.array([c.date_created for c in live], dtype=float))
        )
        ends = np.concatenate((np.frombuffer(self._ended), np.full(len(live), now, dtype=float)))
        if starts.size == 0:
            return 0
        times = np.concatenate((starts, ends))
        changes = np.concatenate((np.ones(starts.size, np.int64), -np.ones(ends.size, np.int64)))
        order = np.lexsort((changes, times))  # by time, then -1 before +1
        return int(np.cumsum(changes[order]).max())


class ExactSum:
    """A running sum of floats with `math.fsum`'s exactly rounded result (Shewchuk's partials),
    in constant memory for the values seen."""

    def __init__(self) -> None:
        self._partials: list[float] = []

    def add(self, value: float) -> None:
        partials, kept = self._partials, 0
        for other in partials:
            if abs(value) < abs(other):
                value, other = other, value
            high = value + other
            low = other - (high - value)
            if low:
                partials[kept] = low
                kept += 1
            value = high
        partials[kept:] = [value]

    @property
    def total(self) -> float:
        return math.fsum(self._partials)
