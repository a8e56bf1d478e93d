"""Scale out: a sweep of replications on a 2-worker Dask local cluster against one process.

Uses simtel's own sweep machinery (`simtel.sweep.plan.plan_tasks`, `simtel.sweep.execute.execute`,
the code behind `simtel sweep`): the bundled `contact-centre` scenario (a 30-channel trunk, 600
calls an hour, every call recorded dual), shortened by a `duration=` setting so a 100-replication
sweep fits the benchmark's time budget. `workers=0` is the in-process baseline. The Dask time
includes starting and closing the cluster, as `simtel sweep` pays it; the cluster start-up alone
is measured too and reported in the row's notes. The two run alternately, `rounds` times, and
the row compares the best of each (the others rows' hygiene: one slow moment of a shared host
weighs on both sides).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.common import Row, alternate
from simtel.scenario.loader import find_scenario
from simtel.sweep.execute import execute
from simtel.sweep.plan import parse_setting, plan_tasks

SCENARIO = "contact-centre"
WORKERS = 2
#: the speed-up two workers must reach over one process (perfect is 2.0)
TARGET_SPEEDUP = 1.5


def sweep_row(replications: int, duration: str, rounds: int = 3) -> Row:
    """The speed-up of the best of `rounds` alternating Dask and in-process sweeps."""
    path = Path(find_scenario(SCENARIO))
    tasks = plan_tasks(path, [parse_setting(f"duration={duration}")], replications)
    summaries: list[list[dict[str, Any]]] = []

    def timed(workers: int) -> dict[str, Any]:
        started = time.perf_counter()
        summaries.append(execute(tasks, workers=workers))
        return {"seconds": time.perf_counter() - started}

    serial, parallel = alternate(lambda: timed(0), lambda: timed(WORKERS), rounds)
    if any(summary != summaries[0] for summary in summaries):
        raise AssertionError("the Dask sweep's summaries differ from the in-process sweep's")
    startup_s = _cluster_startup()
    serial_s, parallel_s = serial.best("seconds"), parallel.best("seconds")
    calls = sum(int(summary["calls_offered"]) for summary in summaries[0])
    return Row(
        f"sweep {replications} reps x {duration} {SCENARIO}, {WORKERS} Dask workers",
        simtel=1.0 / parallel_s,
        baseline=1.0 / serial_s,
        unit="sweeps/s",
        target=TARGET_SPEEDUP,
        median_ratio=serial.median("seconds") / parallel.median("seconds"),
        notes=(
            f"ratio = speed-up of the best of {rounds} alternating rounds; in process "
            f"{serial.spread('seconds', 's')}, on Dask {parallel.spread('seconds', 's')} "
            f"(cluster start+stop {startup_s:.1f} s); {calls:,} calls; cores={os.cpu_count()}"
        ),
        extra={
            "serial_seconds": serial_s,
            "dask_seconds": parallel_s,
            "rounds": rounds,
            "cluster_startup_seconds": startup_s,
            "calls": calls,
            "identical_summaries": True,
        },
    )


def _cluster_startup() -> float:
    """Seconds to start and close an idle local cluster like the sweep's."""
    from simtel.sweep.execute import local_cluster

    started = time.perf_counter()
    cluster = local_cluster(WORKERS)
    cluster.close()
    return time.perf_counter() - started
