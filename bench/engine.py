"""Engine workloads: recorded calls through simtel and a bare SimPy model of the same life.

Workload (both sides): calls arrive as a Poisson process (`RATE` per simulated second, seeded
numpy generator); each rings (`POST_DIAL_DELAY` + `ANSWER_AFTER`), is answered, recorded from
answer, talks `TALK` seconds, then the recording stops and the call hangs up.

simtel paths:

* `twiml`: an inbound call to a number whose inline TwiML is
  `<Dial record="record-from-answer-dual"><Number>`; every event goes to the store; no webhooks.
* `trunk`: `sim.trunks.place_call` on a trunk recording `record-from-answer-dual`.
* `record`: CreateCall with `Record=true` (dual) and a short inline TwiML (`<Pause>`).
* `blocked`: trunk calls that find the trunk at capacity (one channel, held by one long call):
  each ends `failed` with SIP 503 at once.

Bare models: `bare` is one SimPy process per call, 8 SimPy events per call, nothing stored;
`bare-blocked` is one process per call that finds the channel busy and counts the call blocked.

Each run happens in its own interpreter (see `bench.engine_rows`), so peak RSS is that run's
alone. Run one by hand: `python -m bench.engine --kind simtel --calls 10000 [--path trunk]`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any

import numpy as np
import simpy

from bench.common import peak_rss_mb

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
#: a `Record=true` call's own TwiML: it outlasts the called party, who hangs up after `TALK`
RECORD_TWIML = '<Response><Pause length="120"/></Response>'
PATHS = ("twiml", "trunk", "record", "blocked")


def arrival_gaps(calls: int, seed: int = 7) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.random.default_rng(seed).exponential(1.0 / RATE, calls)


# -- the bare models ------------------------------------------------------------------------------
def run_bare(calls: int) -> dict[str, Any]:
    """The recorded call's lifecycle in plain SimPy: 8 events per call (arrival timeout, process
    start, dial, ring, record start, talk, record stop, process end)."""
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

    elapsed = _drive(env, calls, call)
    assert done[0] == calls
    return {"calls": calls, "seconds": elapsed, "events": None, "recordings": calls}


def run_bare_blocked(calls: int) -> dict[str, Any]:
    """A trunk at capacity in plain SimPy: each arriving call checks the busy channel count and
    is counted blocked (3 events per call: arrival timeout, process start, process end)."""
    env = simpy.Environment()
    capacity, busy, blocked = 1, [1], [0]

    def call() -> Generator[simpy.Event, Any, None]:
        if busy[0] >= capacity:
            blocked[0] += 1
            return
        yield env.timeout(TALK)  # never reached: the channel stays busy

    elapsed = _drive(env, calls, call)
    assert blocked[0] == calls
    return {"calls": calls, "seconds": elapsed, "events": None, "recordings": 0}


def _drive(
    env: simpy.Environment,
    calls: int,
    call: Callable[[], Generator[simpy.Event, Any, None]],
) -> float:
    def arrivals(gaps: Sequence[float]) -> Generator[simpy.Event, Any, None]:
        for gap in gaps:
            yield env.timeout(gap)
            env.process(call())

    env.process(arrivals(arrival_gaps(calls).tolist()))
    started = time.perf_counter()
    env.run()
    return time.perf_counter() - started


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
    place = _placer(sim, path, calls)

    def arrivals(gaps: Sequence[float]) -> Generator[simpy.Event, Any, None]:
        for gap in gaps:
            yield sim.env.timeout(gap)
            place()

    sim.env.process(arrivals(arrival_gaps(calls).tolist()))
    started = time.perf_counter()
    sim.run()
    elapsed = time.perf_counter() - started
    sim.store.flush()
    recordings, events = sim.store.count("recordings"), len(sim.events)
    sim.close()
    return {"calls": calls, "seconds": elapsed, "events": events, "recordings": recordings}


def _placer(sim: Any, path: str, calls: int) -> Callable[[], object]:
    """What one arrival does on `path` (set-up such as the trunk happens here, untimed)."""
    from simtel import CallOptions, Party, RecordingOptions

    if path == "twiml":
        sim.add_number(NUMBER, twiml=TWIML)
        return lambda: sim.place_inbound_call(CALLER, NUMBER)
    if path == "record":
        options = CallOptions(twiml=RECORD_TWIML, record=True, recording=RecordingOptions("dual"))
        return lambda: sim.create_call(AGENT, NUMBER, options)
    if path == "trunk":
        trunk = sim.trunks.create("bench", recording_mode="record-from-answer-dual")
        return lambda: sim.trunks.place_call(trunk.sid, CALLER, AGENT)
    if path == "blocked":
        trunk = sim.trunks.create("full", capacity=1, recording_mode="record-from-answer-dual")
        # one silent call holds the only channel past the last arrival
        holder = Party(answer_after=0.0, hangup_after=2 * calls / RATE + 60.0, talk="silent")
        sim.trunks.place_call(trunk.sid, CALLER, AGENT, party=holder, caller=holder)
        return lambda: sim.trunks.place_call(trunk.sid, CALLER, AGENT)
    raise ValueError(f"unknown path {path!r}; one of {', '.join(PATHS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=("simtel", "bare", "bare-blocked"), required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--path", choices=PATHS, default="twiml")
    parser.add_argument("--db", default=None)
    options = parser.parse_args()
    if options.kind == "bare":
        result = run_bare(options.calls)
    elif options.kind == "bare-blocked":
        result = run_bare_blocked(options.calls)
    else:
        result = run_simtel(options.calls, options.path, options.db)
    result["peak_rss_mb"] = peak_rss_mb()
    result["rate"] = result["calls"] / result["seconds"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
