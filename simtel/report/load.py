"""Charts of a load run: calls in progress over time, recording minutes, blocking vs Erlang B.

Calls in progress count channels the way a trunk does: a call holds one from its creation until it
ends (a rejected call holds none). With many changes the step line is reduced to the maximum per
pixel column, so peaks survive. Blocking is drawn only when the run's summary names the offered
load and the capacity of its single trunk (see `erlang_point`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simtel.report.charts import Series, xy_chart
from simtel.report.data import CallSpan
from simtel.report.svg import Element
from simtel.sweep.stats import erlang_b

MAX_POINTS = 1500


def occupancy(spans: list[CallSpan], end: float) -> tuple[list[float], list[float]]:
    """(times, calls in progress just after each time), starting at 0."""
    changes: list[tuple[float, int]] = []
    for span in spans:
        stop = span.end if span.end is not None else end
        if stop > span.created:
            changes += [(span.created, 1), (stop, -1)]
    if not changes:
        return [0.0, end], [0.0, 0.0]
    changes.sort()
    times = np.array([t for t, _ in changes])
    counts = np.cumsum([d for _, d in changes]).astype(float)
    keep = np.append(times[1:] != times[:-1], True)  # the last change at each instant
    times, counts = times[keep], counts[keep]
    if len(times) > MAX_POINTS:
        starts = (np.arange(MAX_POINTS) * len(times)) // MAX_POINTS
        times, counts = times[starts], np.maximum.reduceat(counts, starts)
    return [0.0, *times.tolist(), end], [0.0, *counts.tolist(), float(counts[-1])]


def concurrency_chart(spans: list[CallSpan], end: float) -> Element:
    top = [s for s in spans if s.parent_sid is None]
    series = [Series("top-level calls", *occupancy(top, end), kind="step", class_="concurrency")]
    if len(top) < len(spans):
        series.append(Series("all call legs", *occupancy(spans, end), kind="step", dashed=True))
    return xy_chart(
        series,
        title="Calls in progress",
        x_label="simulated time (s)",
        y_label="calls",
        class_="chart concurrency",
    )


def recording_minutes_chart(totals: list[tuple[float, float]], end: float) -> Element:
    times, minutes, running = [0.0], [0.0], 0.0
    for t, seconds in totals:
        running += seconds / 60.0
        times.append(t)
        minutes.append(running)
    times.append(max(end, times[-1]))
    minutes.append(running)
    return xy_chart(
        [Series("recorded minutes", times, minutes, kind="step", class_="recording-minutes")],
        title="Recording minutes (cumulative, by completion)",
        x_label="simulated time (s)",
        y_label="minutes",
        class_="chart recording-minutes",
    )


@dataclass(frozen=True, slots=True)
class ErlangPoint:
    capacity: int
    offered_erlangs: float
    blocking: float
    source: str


def erlang_point(summary: Mapping[str, Any] | None, spans: list[CallSpan]) -> ErlangPoint | None:
    """The run as a point of an Erlang loss system: from the summary when it states capacity and
    offered load, else measured (`measured_point`), else None."""
    summary = summary or {}
    capacity = _number(summary, "trunk_capacity", "capacity")
    offered = _number(summary, "offered_erlangs", "offered_load_erlangs")
    blocking = _number(summary, "blocking_probability")
    if capacity is not None and offered is not None and blocking is not None:
        return ErlangPoint(int(capacity), offered, blocking, "scenario")
    return measured_point(spans, blocking)


def measured_point(spans: list[CallSpan], blocking: float | None = None) -> ErlangPoint | None:
    """Capacity and offered load read off a run whose top-level calls all use one trunk.

    A call the trunk refused (`failed`, ended the instant it was created) found every
    channel busy, so the capacity is the number of calls holding a channel at that instant.
    The offered load is the arrival rate (calls / time of the last arrival) times the mean
    channel holding time of the carried calls. None without a refused call (capacity unknown).
    """
    top = [s for s in spans if s.parent_sid is None]
    trunks = {s.trunk_sid for s in top}
    if not top or len(trunks) != 1 or None in trunks:
        return None
    refused = [s for s in top if s.status == "failed" and s.end == s.created]
    refused_ids = {id(s) for s in refused}
    carried = [s for s in top if id(s) not in refused_ids and s.end is not None]
    horizon = max(s.created for s in top)
    if not refused or not carried or horizon <= 0:
        return None
    # calls holding a channel at t: created at or before t, not ended by t (an end is never
    # before its creation, so the ended ones are a subset of the created ones): sorted lookups
    starts = sorted(c.created for c in carried)
    ends = sorted(c.end or math.inf for c in carried)
    capacity = max(
        bisect.bisect_right(starts, r.created) - bisect.bisect_right(ends, r.created)
        for r in refused
    )
    holding = sum((c.end or c.created) - c.created for c in carried) / len(carried)
    offered = len(top) / horizon * holding
    observed = blocking if blocking is not None else len(refused) / len(top)
    return ErlangPoint(capacity, offered, observed, "measured")


def _number(summary: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        value = summary.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def blocking_chart(point: ErlangPoint) -> Element:
    """Erlang B against the number of channels for the run's offered load, and the run's point."""
    capacity, offered = point.capacity, point.offered_erlangs
    low, high = max(1, capacity // 2), max(capacity * 3 // 2, capacity + 4)
    channels = list(range(low, high + 1))
    curve = [erlang_b(c, offered) for c in channels]
    return xy_chart(
        [
            Series(f"Erlang B, A={offered:.3g} E", channels, curve, class_="erlang-b"),
            Series("this run", [capacity], [point.blocking], kind="points", class_="observed"),
        ],
        title="Blocking probability",
        x_label="trunk channels",
        y_label="P(blocked)",
        class_="chart blocking",
    )
