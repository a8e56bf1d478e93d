"""A contact centre run as a scenario (callers `<Enqueue>`, agents `<Dial><Queue>`) is an M/M/c
queue: Poisson arrivals, exponential talk times, c agents. Its probability of waiting and mean
wait must match Erlang C; with exponential patience its abandonment must match Erlang A
(M/M/c+M), both computed here, independently of simtel.

Each replication is an independent scenario run (its own seed). Callers arriving during the
first `WARM_UP` talk times are left out (the centre starts empty). The 95 % confidence interval
(Student t) of the replication means must contain the formula. The default sizes keep the file
near a minute of CI time; `-m slow` runs many more replications and longer runs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from simtel.events import EventKind
from simtel.scenario import build
from simtel.scenario.loader import parse_scenario

TALK = 100.0  # mean talk time, seconds
WARM_UP = 6.0  # talk times left out at the start
#: two-sided 95 % Student t quantiles by degrees of freedom
T95 = {3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 9: 2.262, 11: 2.201, 19: 2.093}


# -- the formulas ----------------------------------------------------------------------------------
def erlang_b(agents: int, offered: float) -> float:
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return blocking


def erlang_c(agents: int, offered: float) -> float:
    """P(wait > 0) in M/M/c: from Erlang B, C = B / (1 - rho (1 - B))."""
    blocking = erlang_b(agents, offered)
    rho = offered / agents
    return blocking / (1.0 - rho * (1.0 - blocking))


def erlang_c_mean_wait(agents: int, offered: float, talk: float) -> float:
    """E[W] = C / (c mu - lambda)."""
    mu = 1.0 / talk
    return erlang_c(agents, offered) / (agents * mu - offered * mu)


def erlang_a_abandonment(agents: int, offered: float, talk: float, patience: float) -> float:
    """P(abandon) in M/M/c+M from the birth-death chain (truncated far in the tail):
    abandonments per second (theta times the mean queue length) over arrivals per second."""
    mu, theta = 1.0 / talk, 1.0 / patience
    lam = offered * mu
    weights = [1.0]
    for n in range(1, 2000):
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        weights.append(weights[-1] * lam / death)
        if weights[-1] < 1e-300:
            break
    total = sum(weights)
    queued = sum(max(n - agents, 0) * w for n, w in enumerate(weights)) / total
    return theta * queued / lam


# -- one replication -------------------------------------------------------------------------------
def centre(seed: int, agents: int, offered: float, hours: float, patience: float | None) -> str:
    rate = offered / TALK * 3600.0
    patience_line = f"    patience: {{exponential: {patience}}}\n" if patience else ""
    return (
        f"name: erlang\nseed: {seed}\nduration: {int(hours * 3600)}\n"
        'numbers:\n  "+15551000":\n    twiml: "<Response><Enqueue>q</Enqueue></Response>"\n'
        f"queues:\n  - name: q\nagents:\n  - queue: q\n    count: {agents}\n"
        'traffic:\n  - target: "+15551000"\n    queue: q\n'
        f"    arrivals: {{kind: poisson, rate_per_hour: {rate}}}\n"
        f"    holding: {{exponential: {TALK}}}\n    talk: silent\n{patience_line}"
        "render: none\nreport: false\n"
    )


def replicate(args: tuple[int, int, float, float, float | None]) -> tuple[float, float, float]:
    """(P(wait > 0), mean wait, abandoned fraction) of callers arriving after the warm-up."""
    seed, agents, offered, hours, patience = args
    scenario = parse_scenario(centre(seed, agents, offered, hours, patience), Path("erlang.yaml"))
    run = build(scenario)
    run.run()
    start = WARM_UP * TALK
    arrived: dict[str, float] = {}
    waits: list[float] = []
    abandoned = 0
    for event in run.sim.events:
        if event.kind == EventKind.MEMBER_ENQUEUED and event.t >= start:
            arrived[event.sid] = event.t
        elif event.kind == EventKind.MEMBER_LEFT and event.sid in arrived:
            waits.append(float(event.fields["queue_time"]))
            abandoned += event.fields["result"] == "hangup"
    run.sim.close()
    times = np.asarray(waits)
    return float(np.mean(times > 1e-9)), float(times.mean()), abandoned / len(times)


def replications(
    agents: int, offered: float, hours: float, count: int, patience: float | None = None
) -> np.ndarray:
    tasks = [(1000 + seed, agents, offered, hours, patience) for seed in range(count)]
    workers = min(count, os.cpu_count() or 1, 4)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return np.asarray(list(pool.map(replicate, tasks)))
    return np.asarray([replicate(task) for task in tasks])


def interval(values: Sequence[float]) -> tuple[float, float]:
    data = np.asarray(values, dtype=float)
    half = T95[len(data) - 1] * data.std(ddof=1) / math.sqrt(len(data))
    return float(data.mean() - half), float(data.mean() + half)


# -- the checks ------------------------------------------------------------------------------------
def test_the_formulas_match_known_values() -> None:
    # textbook values: c=10, A=8 waits with probability 0.409; E[W] = C / (c mu - lambda)
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    assert erlang_c_mean_wait(10, 8.0, 100.0) == pytest.approx(0.4092 * 50, rel=1e-3)
    # patient callers never abandon; callers who leave at once are the calls Erlang B blocks
    assert erlang_a_abandonment(10, 8.0, 100.0, 1e6) == pytest.approx(0.0, abs=1e-4)
    assert erlang_a_abandonment(1, 0.5, 100.0, 1e-4) == pytest.approx(1 / 3, rel=1e-3)
    assert erlang_a_abandonment(10, 8.0, 100.0, 1e-4) == pytest.approx(erlang_b(10, 8.0), rel=1e-3)


def check_erlang_c(agents: int, offered: float, hours: float, count: int) -> None:
    results = replications(agents, offered, hours, count)
    low, high = interval(results[:, 0])
    expected = erlang_c(agents, offered)
    assert low <= expected <= high, f"P(wait) {expected:.4f} outside [{low:.4f}, {high:.4f}]"
    low, high = interval(results[:, 1])
    expected = erlang_c_mean_wait(agents, offered, TALK)
    assert low <= expected <= high, f"E[W] {expected:.2f} s outside [{low:.2f}, {high:.2f}]"


@pytest.mark.parametrize(
    ("agents", "offered", "hours", "count"), [(10, 8.0, 1.5, 6), (50, 45.0, 0.6, 5)]
)
def test_erlang_c_probability_of_waiting_and_mean_wait(
    agents: int, offered: float, hours: float, count: int
) -> None:
    check_erlang_c(agents, offered, hours, count)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "offered", "hours", "count"), [(10, 8.0, 4.0, 20), (50, 45.0, 2.0, 12)]
)
def test_erlang_c_with_many_replications(
    agents: int, offered: float, hours: float, count: int
) -> None:
    check_erlang_c(agents, offered, hours, count)


def check_erlang_a(hours: float, count: int) -> None:
    agents, offered, patience = 10, 9.0, 100.0
    results = replications(agents, offered, hours, count, patience)
    low, high = interval(results[:, 2])
    expected = erlang_a_abandonment(agents, offered, TALK, patience)
    assert low <= expected <= high, f"P(abandon) {expected:.4f} outside [{low:.4f}, {high:.4f}]"


def test_erlang_a_abandonment_with_exponential_patience() -> None:
    check_erlang_a(1.5, 6)


@pytest.mark.slow
def test_erlang_a_with_many_replications() -> None:
    check_erlang_a(4.0, 20)
