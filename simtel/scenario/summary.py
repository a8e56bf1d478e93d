"""The summary of a scenario run: offered load, outcomes, concurrency, recordings and their cost.

Every value comes from the simulation (simulated time, seeded draws), so two runs with one seed
give one summary, except `wall_seconds`, which the CLI adds: the only wall-clock value simtel
reports, and it never reaches the event log or the store.

Definitions:
* `calls_offered`: calls the scenario placed (scripted, traffic, conference participants);
  `<Dial>` legs are not offered calls. `calls_completed`: offered calls that ended `completed`.
* `calls_blocked`: offered calls a trunk refused for capacity or CPS (SIP 503);
  `blocking_probability` = blocked / offered.
* `peak_concurrent_calls`: the most offered calls alive at one instant (from creation to end;
  blocked calls never occupy anything).
* `queues`, `agents` (a scenario with queues only): see `simtel.scenario.queue_metrics`.
* `recording_minutes`: the exact duration of completed recordings, in minutes (tallied as each
  completes, `ScenarioRun.recording_seconds`: the store holds whole seconds; a lean simulation
  keeps only their sum, so a recording deleted after it completed still counts there);
  `recording_cost_usd`: their price (Twilio rounds each recording up to whole minutes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from simtel.scenario.offered import ExactSum

if TYPE_CHECKING:
    from simtel.scenario.runner import ScenarioRun


def summarise(run: ScenarioRun) -> dict[str, Any]:
    """The run summary as plain JSON values (see the module doc for each key). Call legs and
    recordings are read from the store (a few fields of each row, never the event log), so
    `Simulator(keep_media=False)` changes nothing and a million-call run costs seconds."""
    sim, offered = run.sim, run.offered
    blocked = offered.blocked
    statuses = offered.statuses()
    recordings = RecordingTotals()
    for chunk in sim.store.scan("recordings", RecordingTotals.FIELDS):
        for row in chunk:
            recordings.add(row, run.recording_seconds)
    seconds = recordings.seconds if sim.keep_media else run.recorded_seconds.total
    call_cost, call_legs = Decimal(0), 0
    for chunk in sim.store.scan("calls", ("price",)):
        call_legs += len(chunk)
        call_cost += sum((-Decimal(price) for (price,) in chunk if price), Decimal(0))
    return {
        "scenario": run.scenario.name,
        "seed": sim.seed,
        "sim_seconds": round(sim.now, 3),
        "calls_offered": len(offered),
        "calls_completed": statuses.get("completed", 0),
        "calls_blocked": blocked,
        "blocking_probability": round(blocked / len(offered), 6) if offered else 0.0,
        "calls_by_status": dict(sorted(statuses.items())),
        "call_legs": call_legs,
        "peak_concurrent_calls": offered.peak_concurrency(sim.now),
        "recordings": recordings.count,
        "recordings_completed": recordings.by_status.get("completed", 0),
        "recordings_by_status": dict(sorted(recordings.by_status.items())),
        "recordings_by_source": dict(sorted(recordings.by_source.items())),
        "recording_minutes": round(seconds / 60.0, 3),
        "recording_cost_usd": float(recordings.cost),
        "call_cost_usd": float(call_cost),
        "webhooks_sent": sim.store.log_count("webhooks"),
        "notifications": sim.store.log_count("notifications"),
        "events": len(sim.events),
        **queue_summary(run),
    }


def queue_summary(run: ScenarioRun) -> dict[str, Any]:
    """`queues` (metrics per queue) and `agents` (per pool), for a scenario with queues."""
    study = run.queue_study
    if study is None:
        return {}
    now = run.sim.now
    out: dict[str, Any] = {
        "queues": {name: tally.summary(now) for name, tally in study.tallies.items()}
    }
    if study.pools:
        out["agents"] = {
            pool.name: {
                "queue": pool.queue,
                "logins": pool.logins,
                "agent_occupancy": round(pool.occupancy(now), 6),
            }
            for pool in study.pools
        }
    return out


def table_rows(summary: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, value) rows of the readable table: `TABLE_ROWS`, then each queue's metrics."""
    for key, label in TABLE_ROWS:
        if key in summary:
            yield label, table_value(summary[key])
    for name, metrics in (summary.get("queues") or {}).items():
        for key, label in QUEUE_ROWS:
            yield f"queue {name}: {label}", table_value(metrics[key])
    for name, pool in (summary.get("agents") or {}).items():
        yield f"agents {name}: occupancy", table_value(pool["agent_occupancy"])


class RecordingTotals:
    """The recording figures of the summary, one stored row at a time (never all rows at once)."""

    #: the doc fields `add` reads, in its order
    FIELDS = ("sid", "status", "source", "price")

    def __init__(self) -> None:
        self.count = 0
        self.by_status: Counter[str] = Counter()
        self.by_source: Counter[str] = Counter()
        self.cost = Decimal(0)
        self._seconds = ExactSum()

    def add(self, row: tuple[Any, ...], exact: dict[str, float]) -> None:
        """`row`: the recording's `FIELDS`."""
        sid, status, source, price = row
        self.count += 1
        self.by_status[status] += 1
        self.by_source[source] += 1
        if status == "completed":
            if price:
                self.cost += -Decimal(price)
            self._seconds.add(exact.get(sid, 0.0))

    @property
    def seconds(self) -> float:
        return self._seconds.total


#: the keys the readable table shows, with their labels
TABLE_ROWS = (
    ("calls_offered", "calls offered"),
    ("calls_completed", "calls completed"),
    ("calls_blocked", "calls blocked (503)"),
    ("blocking_probability", "blocking probability"),
    ("peak_concurrent_calls", "peak concurrent calls"),
    ("calls_by_status", "calls by status"),
    ("recordings_completed", "recordings completed"),
    ("recordings_by_source", "recordings by source"),
    ("recordings_by_status", "recordings by status"),
    ("recording_minutes", "recording minutes"),
    ("recording_cost_usd", "recording cost (USD)"),
    ("call_cost_usd", "call cost (USD)"),
    ("webhooks_sent", "webhooks sent"),
    ("notifications", "notifications"),
    ("events", "events"),
    ("sim_seconds", "simulated seconds"),
    ("wall_seconds", "wall seconds"),
)


QUEUE_ROWS = (
    ("offered", "offered"),
    ("answered", "answered"),
    ("abandoned", "abandoned"),
    ("asa_seconds", "ASA (s)"),
    ("service_level", "service level"),
    ("mean_queue_seconds", "mean queue time (s)"),
    ("p90_queue_seconds", "p90 queue time (s)"),
    ("max_queue_length", "max queue length"),
)


def table_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items()) or "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
