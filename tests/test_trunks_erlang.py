"""Load study: a trunk of C channels offered A Erlangs of Poisson traffic with exponential holding
times blocks calls with the Erlang B probability.

Each replication is an independent simulation (its own seed for the engine and for the traffic);
the 95 % confidence interval of the mean blocking fraction over replications (Student t) must
contain Erlang B. Replications start in the stationary state (a truncated-Poisson number of calls
already up, with exponential residual holding times: memoryless), so no warm-up is discarded.
They run in a small process pool when the machine has more than one core.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from simtel import Simulator
from simtel.engine.calls.parties import Party
from simtel.engine.calls.steps import POST_DIAL_DELAY

HOLDING = 180.0
REPLICATIONS = 10
#: two-sided 95 % Student t quantile for REPLICATIONS - 1 degrees of freedom
T_QUANTILE = 2.262
CALLER = Party(hangup_after=None, talk="silent", pitch_hz=200.0)


def erlang_b(offered: float, channels: int) -> float:
    """The standard recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))."""
    blocking = 1.0
    for k in range(1, channels + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return blocking


def _called(holding: float) -> Party:
    """A called party whose call holds its channel `holding` seconds from creation (the engine
    rings `POST_DIAL_DELAY` seconds first; answering is immediate)."""
    talk = max(holding - POST_DIAL_DELAY, 0.0)
    return Party(answer_after=0.0, hangup_after=talk, talk="silent", pitch_hz=300.0)


def replicate(seed: int, offered: float, channels: int, calls: int) -> float:
    """Blocking fraction among `calls` Poisson arrivals in one independent simulation."""
    sim = Simulator(seed=seed)
    trunk = sim.trunks.create("load", capacity=channels)
    rng = np.random.default_rng([seed, 0xE7])
    stationary = np.array([offered**k / math.factorial(k) for k in range(channels + 1)])
    for holding in rng.exponential(
        HOLDING, rng.choice(channels + 1, p=stationary / stationary.sum())
    ):
        sim.trunks.place_call(
            trunk.sid, "+15550000000", "+15551111111", _called(holding), caller=CALLER
        )
    gaps = rng.exponential(HOLDING / offered, calls)
    holdings = rng.exponential(HOLDING, calls)
    blocked = 0

    def arrivals():  # type: ignore[no-untyped-def]
        nonlocal blocked
        for gap, holding in zip(gaps, holdings, strict=True):
            yield sim.env.timeout(gap)
            call = sim.trunks.place_call(
                trunk.sid, "+15550000000", "+15552222222", _called(holding), caller=CALLER
            )
            blocked += call.status == "failed"

    sim.env.process(arrivals())
    sim.run()
    assert trunk.active == 0 and trunk.offered == trunk.blocked + sim.store.count(
        "calls", status="completed"
    )
    sim.close()
    return blocked / calls


def _replications(offered: float, channels: int, calls: int) -> list[float]:
    args = [(1000 + r, offered, channels, calls) for r in range(REPLICATIONS)]
    workers = min(2, os.cpu_count() or 1)
    if workers < 2:
        return [replicate(*a) for a in args]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(replicate, *zip(*args, strict=True)))


@pytest.mark.parametrize(("offered", "channels", "calls"), [(20.0, 25, 2500), (100.0, 110, 5000)])
def test_blocking_matches_erlang_b(offered: float, channels: int, calls: int) -> None:
    fractions = np.array(_replications(offered, channels, calls))
    mean = float(fractions.mean())
    half_width = T_QUANTILE * float(fractions.std(ddof=1)) / math.sqrt(REPLICATIONS)
    expected = erlang_b(offered, channels)
    assert mean - half_width <= expected <= mean + half_width, (mean, half_width, expected)
    # the interval is informative: narrower than the blocking probability itself
    assert half_width < 0.5 * expected


def test_erlang_b_recursion() -> None:
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(20.0, 25) == pytest.approx(0.0502, abs=1e-4)
    assert erlang_b(100.0, 110) == pytest.approx(0.0275, abs=1e-4)
