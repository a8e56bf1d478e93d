"""Running a sweep's tasks: in this process, or on Dask (a local cluster or a scheduler's).

`run_task` is the unit of work, the same everywhere: validate the task's scenario text, build the
simulation with the task's seed and the store in memory, run it to the end, return its summary.
It reads no global state, so a run gives the same summary in any process (the determinism the
sweep tests check). `execute` returns the summaries in task order whatever order they finish in.

Dask: without a scheduler address, a `distributed.LocalCluster` of `workers` processes with one
thread each, bound to 127.0.0.1, dashboard off, is started for the sweep and closed after it
(`local_cluster`; its workers ignore Ctrl-C, which stops the sweep alone). `workers=0` runs in
process (for debugging, profiling, and as the speed-up baseline).
"""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simtel.sweep.files import unpack
from simtel.sweep.plan import RunTask

Advance = Callable[[], None]


def run_task(task: RunTask) -> dict[str, Any]:
    """One simulation of the sweep; its summary (see `simtel.scenario.summary`). The files the
    task ships are unpacked into a temporary folder that stands for the scenario's own."""
    from simtel.scenario import build, parse_scenario, summarise

    with tempfile.TemporaryDirectory(prefix="simtel-task-") as folder:
        unpack(task.files, Path(folder))
        scenario = parse_scenario(task.scenario_text, Path(folder) / Path(task.scenario_path).name)
        run = build(scenario, seed=task.seed)
        try:
            run.run()
            return summarise(run)
        finally:
            run.sim.close()


def execute(
    tasks: Sequence[RunTask],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    advance: Advance | None = None,
) -> list[dict[str, Any]]:
    """The summaries of `tasks`, in order; `advance()` is called once per finished task."""
    if scheduler is None and workers == 0:
        return _in_process(tasks, advance)
    return _on_dask(tasks, workers, scheduler, advance)


def _in_process(tasks: Sequence[RunTask], advance: Advance | None) -> list[dict[str, Any]]:
    results = []
    for task in tasks:
        results.append(run_task(task))
        if advance is not None:
            advance()
    return results


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C kept from the worker processes the local cluster starts in the block: SIGINT is
    ignored meanwhile, and a worker keeps it ignored (an ignored signal stays ignored across
    `exec`, and Python then installs no `KeyboardInterrupt` for it), so later Ctrl-C reaches
    this process alone, which stops the sweep (exit 130); each worker printed its traceback
    before. The cost: a Ctrl-C pressed while the workers start (a second or two) is ignored.
    Outside the main thread nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Silence these loggers below CRITICAL for the block (a closing cluster's workers race
    their connections and log the closed-stream tracebacks as errors)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def local_cluster(workers: int) -> Any:
    """A started `distributed.LocalCluster` as a sweep uses it: `workers` processes of one
    thread, on 127.0.0.1, no dashboard, its workers deaf to Ctrl-C (`_ctrl_c_held`)."""
    from distributed import LocalCluster

    with _ctrl_c_held():
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # shutdown races log comm tracebacks as errors
        )


def _on_dask(
    tasks: Sequence[RunTask], workers: int, scheduler: str | None, advance: Advance | None
) -> list[dict[str, Any]]:
    from distributed import Client, as_completed

    cluster = local_cluster(workers) if scheduler is None else None
    try:
        address = cluster if cluster is not None else scheduler
        with Client(address) as client:  # type: ignore[no-untyped-call]
            futures = client.map(run_task, list(tasks), pure=False)
            order = {future.key: index for index, future in enumerate(futures)}
            results: list[dict[str, Any] | None] = [None] * len(futures)
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                results[order[future.key]] = future.result()
                if advance is not None:
                    advance()
            return [result for result in results if result is not None]
    finally:
        if cluster is not None:
            with _quiet("distributed", "tornado"):
                cluster.close()
