"""Queue metrics of a scenario run, tallied as callers come and go (never read back from the log).

Definitions (per queue):
* `offered`: callers who reached the queue (enqueued, plus those refused `queue-full`).
* `answered`: callers an agent was bridged to; `abandoned`: callers who hung up while waiting;
  `refused`: `queue-full`; `other`: callers who left otherwise (`<Leave>`, redirected, errors).
* `asa_seconds`: average speed of answer, the mean time from enqueue to the bridge over answered
  callers (an agent's `answer_after` pause counts).
* `service_level`: answered within `service_level_seconds` of enqueueing, over offered callers
  less those still waiting at the end (abandoned callers count against it).
* `mean_queue_seconds`, `p90_queue_seconds`: time in the queue (until taken by an agent, or
  until the caller left) of every caller who left it.
* `mean_queue_length`, `max_queue_length`: time-weighted over the run, and the most waiting at
  once; `queue_length` is the length at the end of each `LENGTH_STEP` (a series for charts).
* `agent_occupancy` (per pool, in the summary's `agents`): time busy (from taking a caller to
  the end of the call, plus `wrap_up`) over time logged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

LENGTH_STEP = 300.0


@dataclass(eq=False)
class QueueTally:
    queue_sid: str
    service_level_seconds: float
    refused: int = 0
    entered: int = 0
    results: dict[str, int] = field(default_factory=dict)
    answer_waits: list[float] = field(default_factory=list)
    queue_times: list[float] = field(default_factory=list)
    #: (instant, length) at every change
    lengths: list[tuple[float, int]] = field(default_factory=lambda: [(0.0, 0)])

    def enqueued(self, now: float, size: int) -> None:
        self.entered += 1
        self.lengths.append((now, size))

    def left(self, now: float, waited: float, result: str, size: int) -> None:
        self.results[result] = self.results.get(result, 0) + 1
        self.queue_times.append(waited)
        self.lengths.append((now, size))

    def answered(self, wait: float) -> None:
        self.answer_waits.append(wait)

    def summary(self, now: float) -> dict[str, Any]:
        answered = len(self.answer_waits)
        abandoned = self.results.get("hangup", 0)
        offered = self.entered + self.refused
        waiting = self.lengths[-1][1]
        settled = offered - waiting
        within = sum(1 for wait in self.answer_waits if wait <= self.service_level_seconds)
        times = np.asarray(self.queue_times, dtype=float)
        other = self.entered - waiting - self.results.get("bridged", 0) - abandoned
        return {
            "queue_sid": self.queue_sid,
            "offered": offered,
            "answered": answered,
            "abandoned": abandoned,
            "refused": self.refused,
            "other": max(0, other),
            "waiting_at_end": waiting,
            "abandonment_rate": _ratio(abandoned, settled),
            "asa_seconds": round(float(np.mean(self.answer_waits)), 3) if answered else 0.0,
            "service_level_seconds": self.service_level_seconds,
            "service_level": _ratio(within, settled),
            "mean_queue_seconds": round(float(times.mean()), 3) if times.size else 0.0,
            "p90_queue_seconds": round(float(np.percentile(times, 90)), 3) if times.size else 0.0,
            "mean_queue_length": round(self._mean_length(now), 4),
            "max_queue_length": max(size for _, size in self.lengths),
            "queue_length": self.series(now),
        }

    def _mean_length(self, now: float) -> float:
        if now <= 0:
            return 0.0
        area = 0.0
        for (t0, size), (t1, _) in zip(self.lengths, [*self.lengths[1:], (now, 0)], strict=True):
            area += size * (min(t1, now) - t0)
        return area / now

    def series(self, now: float) -> list[int]:
        """The queue length at the end of each `LENGTH_STEP` seconds up to `now`."""
        out: list[int] = []
        index, size = 0, 0
        t = LENGTH_STEP
        while t <= now + 1e-9:
            while index < len(self.lengths) and self.lengths[index][0] <= t:
                size = self.lengths[index][1]
                index += 1
            out.append(size)
            t += LENGTH_STEP
        return out


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole > 0 else 0.0
