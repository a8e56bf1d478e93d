"""A hand-written SimPy loss model of a SIP trunk: the load study's baseline.

What a capacity planner writes in 30 lines instead of running simtel: Poisson arrivals at `rate`
calls per second until `duration`, `capacity` channels, each carried call holding its channel for
`setup` seconds of post-dial delay plus an exponential talk time of mean `hold`; a call that finds
every channel busy is blocked. It writes every call's arrival time and whether it was blocked to
`--out` (JSON), as simtel writes its store, and runs in its own interpreter (stdlib and SimPy only).

`python -m bench.lossmodel --rate 0.5 --duration 28800 --out calls.json`
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Generator
from typing import Any

import simpy


def simulate(
    rate: float, duration: float, capacity: int, hold: float, setup: float, seed: int
) -> tuple[list[float], list[bool]]:
    env = simpy.Environment()
    draw = random.Random(seed)
    busy = [0]
    arrived: list[float] = []
    blocked: list[bool] = []

    def call() -> Generator[simpy.Event, Any, None]:
        arrived.append(env.now)
        if busy[0] >= capacity:
            blocked.append(True)
            return
        blocked.append(False)
        busy[0] += 1
        yield env.timeout(setup + draw.expovariate(1.0 / hold))
        busy[0] -= 1

    def arrivals() -> Generator[simpy.Event, Any, None]:
        while True:
            gap = draw.expovariate(rate)
            if env.now + gap >= duration:
                return
            yield env.timeout(gap)
            env.process(call())

    env.process(arrivals())
    env.run()
    return arrived, blocked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, required=True, help="calls per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds of arrivals")
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--hold", type=float, default=180.0, help="mean talk seconds")
    parser.add_argument("--setup", type=float, default=1.0, help="post-dial delay, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    arrived, blocked = simulate(
        options.rate, options.duration, options.capacity, options.hold, options.setup, options.seed
    )
    with open(options.out, "w", encoding="utf-8") as handle:
        json.dump({"arrived": arrived, "blocked": blocked}, handle)
    print(json.dumps({"calls": len(arrived), "blocked": sum(blocked)}))


if __name__ == "__main__":
    main()
