"""Engine throughput: recorded calls through simtel against a bare SimPy model of the same life.

Workload (both sides): calls arrive as a Poisson process (`RATE` per simulated second, seeded
numpy generator); each rings (`POST_DIAL_DELAY` + `ANSWER_AFTER`), is answered, recorded from
answer, talks `TALK` seconds, then the recording stops and the call hangs up.

* simtel `twiml`: an inbound call to a number whose inline TwiML is
  `<Dial record="record-from-answer-dual"><Number>`; every event goes to the store; no webhooks.
* simtel `trunk`: `sim.trunks.place_call` on a trunk recording `record-from-answer-dual`.
* bare: one SimPy process per call, 8 SimPy events per call, nothing stored.

Each (kind, size) runs in its own interpreter, so peak RSS is that run's alone.
Run one by hand: `python -m bench.engine --kind simtel --calls 10000 [--db file.sqlite]`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import simpy

from bench.common import Row, peak_rss_mb, run_child

RATE = 10.0
POST_DIAL_DELAY = 1.0
ANSWER_AFTER = 3.0
TALK = 30.0
CALLER_STAYS = 2 * TALK
NUMBER = "+15550100000"
AGENT = "+15550100001"
CALLER = "+15550100002"
TWIML = (
    f'<Response><Dial record="record-from-answer-dual"><Number>{AGENT}</Number></Dial></Response>'
)
#: simtel must reach this fraction of the bare model's calls per second
TARGET_RATIO = 0.33
#: peak RSS (MB) of a 1M-call run with the database in a file
TARGET_RSS_MB = 500.0


def arrival_gaps(calls: int, seed: int = 7) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.random.default_rng(seed).exponential(1.0 / RATE, calls)


# -- the bare model -------------------------------------------------------------------------------
def run_bare(calls: int) -> dict[str, Any]:
    """The same lifecycle in plain SimPy: 8 events per call (arrival timeout, process start,
    dial, ring, record start, talk, record stop, process end)."""
    env = simpy.Environment()
    done = [0]

    def call() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(POST_DIAL_DELAY)
        yield env.timeout(ANSWER_AFTER)
        started = env.event()
        started.succeed()
        yield started
        yield env.timeout(TALK)
        stopped = env.event()
        stopped.succeed()
        yield stopped
        done[0] += 1

    def arrivals(gaps: Sequence[float]) -> Generator[simpy.Event, Any, None]:
        for gap in gaps:
            yield env.timeout(gap)
            env.process(call())

    env.process(arrivals(arrival_gaps(calls).tolist()))
    started = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - started
    assert done[0] == calls
    return {"calls": calls, "seconds": elapsed, "events": None, "recordings": calls}


# -- simtel ---------------------------------------------------------------------------------------
def run_simtel(calls: int, path: str = "twiml", db: str | None = None) -> dict[str, Any]:
    from simtel import Party, Simulator

    # With the store in a file, the run keeps no events or media in memory (the lean retention
    # mode a load study uses): the file is the record.
    lean = db is not None
    sim = Simulator(seed=1, db=db, keep_events=not lean, keep_media=not lean)
    sim.set_party(AGENT, Party(answer_after=ANSWER_AFTER, hangup_after=TALK, pitch_hz=180.0))
    # The caller would stay until the agent hangs up; `hangup_after=None` would plan 4 hours of
    # talk spurts per caller (SPEECH_HORIZON), so the caller's own hang-up comes after the agent's.
    caller = Party(answer_after=ANSWER_AFTER, hangup_after=CALLER_STAYS, pitch_hz=120.0)
    sim.set_party(CALLER, caller)
    if path == "twiml":
        sim.add_number(NUMBER, twiml=TWIML)
    else:
        trunk = sim.trunks.create("bench", recording_mode="record-from-answer-dual")

    def arrivals(gaps: Sequence[float]) -> Generator[simpy.Event, Any, None]:
        for gap in gaps:
            yield sim.env.timeout(gap)
            if path == "twiml":
                sim.place_inbound_call(CALLER, NUMBER)
            else:
                sim.trunks.place_call(trunk.sid, CALLER, AGENT)

    sim.env.process(arrivals(arrival_gaps(calls).tolist()))
    started = time.perf_counter()
    sim.run()
    elapsed = time.perf_counter() - started
    sim.store.flush()
    recordings, events = sim.store.count("recordings"), len(sim.events)
    sim.close()
    return {"calls": calls, "seconds": elapsed, "events": events, "recordings": recordings}


# -- the table ------------------------------------------------------------------------------------
def measure(kind: str, calls: int, path: str = "twiml", db: bool = False) -> dict[str, Any]:
    """One run in a child interpreter: rate and peak RSS."""
    args = ["--kind", kind, "--calls", str(calls), "--path", path]
    if not db:
        return run_child("bench.engine", args)
    with tempfile.TemporaryDirectory(prefix="simtel-bench-") as folder:
        return run_child("bench.engine", [*args, "--db", os.path.join(folder, "bench.sqlite")])


def engine_rows(
    sizes: Sequence[int], db_size: int | None, trunk_size: int | None, budget_s: float = 300.0
) -> list[Row]:
    """Throughput per size (memory store), a trunk row, and the file-database memory row.

    A size whose simtel run is projected (from the previous size's rate) to take longer than
    `budget_s` is replaced by the largest round size that fits, and the row says so."""
    rows: list[Row] = []
    rate: float | None = None
    for wanted in sizes:
        calls = wanted if rate is None else fitting(wanted, rate, budget_s)
        bare, simtel = measure("bare", calls), measure("simtel", calls)
        row = _throughput_row(f"engine twiml dial {calls:,} calls", simtel, bare)
        if rate is not None and calls != wanted:
            row.notes += (
                f"; {wanted:,} projected {wanted / rate:.0f} s (does not fit {budget_s:.0f} s)"
            )
        rate = simtel["rate"]
        rows.append(row)
    if rate is not None:
        rows[-1].extra["projected_1m_seconds"] = 1_000_000 / rate
        rows[-1].notes += f"; 1M calls projected {1_000_000 / rate / 60:.0f} min"
    if trunk_size:
        bare, simtel = measure("bare", trunk_size), measure("simtel", trunk_size, path="trunk")
        rows.append(_throughput_row(f"engine trunk {trunk_size:,} calls", simtel, bare))
    if db_size:
        rows.append(_memory_row(db_size))
    return rows


def fitting(wanted: int, rate: float, budget_s: float) -> int:
    """`wanted`, or the largest 1-2-5 round number of calls that `rate` runs in `budget_s`."""
    if wanted / rate <= budget_s:
        return wanted
    limit = int(rate * budget_s)
    best = 1
    for power in range(len(str(limit)) + 1):
        for step in (1, 2, 5):
            if step * 10**power <= limit:
                best = max(best, step * 10**power)
    return best


def _throughput_row(name: str, simtel: dict[str, Any], bare: dict[str, Any]) -> Row:
    return Row(
        name,
        simtel=simtel["calls"] / simtel["seconds"],
        baseline=bare["calls"] / bare["seconds"],
        unit="calls/s",
        target=TARGET_RATIO,
        notes=f"peak RSS simtel {simtel['peak_rss_mb']:.0f} MB, bare {bare['peak_rss_mb']:.0f} MB",
        extra={"simtel_run": simtel, "bare_run": bare},
    )


def _memory_row(calls: int) -> Row:
    """Peak RSS with the store in a file (lean retention) at `calls` and a tenth of it,
    extrapolated to 1M in a straight line (an upper bound: RSS levels off in the lean mode)."""
    small, large = (
        measure("simtel", max(calls // 10, 1), db=True),
        measure("simtel", calls, db=True),
    )
    bare = measure("bare", calls)
    per_call = (large["peak_rss_mb"] - small["peak_rss_mb"]) / (calls - small["calls"])
    at_million = large["peak_rss_mb"] + per_call * (1_000_000 - calls)
    note = (
        f"measured {large['peak_rss_mb']:.0f} MB at {calls:,} and {small['peak_rss_mb']:.0f} MB at "
        f"{small['calls']:,}; {per_call * 1024:.1f} kB/call; 1M extrapolated"
    )
    return Row(
        "engine peak RSS, 1M calls, db in file",
        simtel=at_million,
        baseline=bare["peak_rss_mb"],
        unit="MB",
        target=TARGET_RSS_MB,
        goal="max",
        absolute=True,
        notes=note if calls < 1_000_000 else f"measured at {calls:,}",
        extra={"small_run": small, "large_run": large, "bare_run": bare},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=("simtel", "bare"), required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--path", choices=("twiml", "trunk"), default="twiml")
    parser.add_argument("--db", default=None)
    options = parser.parse_args()
    if options.kind == "bare":
        result = run_bare(options.calls)
    else:
        result = run_simtel(options.calls, options.path, options.db)
    result["peak_rss_mb"] = peak_rss_mb()
    result["rate"] = result["calls"] / result["seconds"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
