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
* `recording_minutes`: the exact duration of completed recordings, in minutes (tallied as each
  completes, `ScenarioRun.recording_seconds`: the store holds whole seconds);
  `recording_cost_usd`: their price (Twilio rounds each recording up to whole minutes).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.scenario.runner import ScenarioRun
    from simtel.store import Store

BLOCKED = 503
STORE_PAGE = 1000


def is_blocked(call: Call) -> bool:
    return call.context.get("sip_response_code") == BLOCKED


def peak_concurrency(calls: list[Call], now: float) -> int:
    """The most calls alive at once; a call ending at t frees its place before one starting at t."""
    edges: list[tuple[float, int]] = []
    for call in calls:
        if is_blocked(call):
            continue
        edges.append((call.date_created, 1))
        edges.append((call.end_time if call.end_time is not None else now, -1))
    peak = live = 0
    for _, change in sorted(edges):
        live += change
        peak = max(peak, live)
    return peak


def summarise(run: ScenarioRun) -> dict[str, Any]:
    """The run summary as plain JSON values (see the module doc for each key). Call legs and
    recordings are read from the store, so `Simulator(keep_media=False)` changes nothing."""
    sim, offered = run.sim, run.offered
    blocked = sum(1 for call in offered if is_blocked(call))
    statuses = Counter(call.status for call in offered)
    recordings = list(store_rows(sim.store, "recordings"))
    completed = [r for r in recordings if r["status"] == "completed"]
    seconds = math.fsum(run.recording_seconds.get(r["sid"], 0.0) for r in completed)
    cost = sum((-Decimal(r["price"]) for r in completed if r["price"]), Decimal(0))
    calls = store_rows(sim.store, "calls")
    call_cost = sum((-Decimal(c["price"]) for c in calls if c.get("price")), Decimal(0))
    kinds = Counter(event.kind for event in sim.events)
    return {
        "scenario": run.scenario.name,
        "seed": sim.seed,
        "sim_seconds": round(sim.now, 3),
        "calls_offered": len(offered),
        "calls_completed": statuses.get("completed", 0),
        "calls_blocked": blocked,
        "blocking_probability": round(blocked / len(offered), 6) if offered else 0.0,
        "calls_by_status": dict(sorted(statuses.items())),
        "call_legs": sim.store.count("calls"),
        "peak_concurrent_calls": peak_concurrency(offered, sim.now),
        "recordings": len(recordings),
        "recordings_completed": len(completed),
        "recordings_by_status": dict(sorted(Counter(r["status"] for r in recordings).items())),
        "recordings_by_source": dict(sorted(Counter(r["source"] for r in recordings).items())),
        "recording_minutes": round(seconds / 60.0, 3),
        "recording_cost_usd": float(cost),
        "call_cost_usd": float(call_cost),
        "webhooks_sent": kinds.get(EventKind.WEBHOOK, 0),
        "notifications": kinds.get(EventKind.NOTIFICATION, 0),
        "events": len(sim.events),
    }


def store_rows(store: Store, table: str) -> Iterator[dict[str, Any]]:
    """Every row of a store table (as docs), a page at a time."""
    page = 0
    while True:
        items = store.list_page(table, page_size=STORE_PAGE, page=page).items
        yield from items
        if len(items) < STORE_PAGE:
            return
        page += 1


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


def table_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items()) or "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
