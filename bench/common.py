"""What every benchmark shares: result rows, the machine note, timing and child processes.

A `Row` is one line of the table: simtel's figure, a baseline measured in the same run, their
ratio, and the target the ratio (or, for `absolute` targets, simtel's own figure) must meet.
Absolute times on shared machines are noise; ratios against a same-run baseline are not.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

Goal = Literal["min", "max"]


@dataclass
class Row:
    """`goal="min"`: the checked figure must be at least `target`; `"max"`: at most.

    The checked figure is `ratio` (simtel / baseline) unless `absolute`, then `simtel` itself.
    With a `tolerance` (and no target) the row is an agreement check instead: simtel's figure
    must lie within `tolerance` of the baseline (a theory's value inside a confidence interval).
    """

    benchmark: str
    simtel: float
    baseline: float
    unit: str
    target: float | None
    goal: Goal = "min"
    absolute: bool = False
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: the ratio of the two sides' median figures, when each side was measured over rounds
    median_ratio: float | None = None
    tolerance: float | None = None

    @property
    def ratio(self) -> float:
        return self.simtel / self.baseline if self.baseline else float("nan")

    @property
    def checked(self) -> float:
        return self.simtel if self.absolute else self.ratio

    @property
    def met(self) -> bool | None:
        if self.target is None:
            if self.tolerance is None:
                return None
            return abs(self.simtel - self.baseline) <= self.tolerance
        if self.goal == "min":
            return self.checked >= self.target
        return self.checked <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            if self.tolerance is None:
                return "-"
            return f"baseline in simtel +/- {self.tolerance:.2g}"
        sign = ">=" if self.goal == "min" else "<="
        what = f"simtel {self.unit}" if self.absolute else "ratio"
        return f"{what} {sign} {self.target:g}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ratio=_finite(self.ratio), target_text=self.target_text, met=self.met)
        if self.median_ratio is not None:
            data["median_ratio"] = _finite(self.median_ratio)
        return data


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def compile_sources() -> None:
    """Byte-compile simtel and twiml, as `pip install` does for a regular install: the child
    processes the bench times then start as a user's would, even where the environment says
    `PYTHONDONTWRITEBYTECODE` (an editable install otherwise recompiles every module at every
    start, about 70 ms of a `simtel run`)."""
    import compileall
    import importlib.util

    for package in ("simtel", "twiml"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                compileall.compile_dir(folder, quiet=1)


def machine() -> dict[str, Any]:
    """Cores, CPU model, Python and library versions: the context every figure needs."""
    import simpy
    import soundfile

    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "libsndfile": soundfile.__libsndfile_version__,
        "platform": platform.platform(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: on Linux `VmHWM`, the peak of this process's
    own image. Not `getrusage`'s `ru_maxrss` there: Linux carries into it the peak of the image a
    process was started from (`subprocess` starts a child with `vfork`, sharing the parent's
    memory until `exec`), so every child of a benchmark that had reached 300 MB read at least
    300 MB. Elsewhere `ru_maxrss` (kilobytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_rate(work: Callable[[], int], repeat: int = 3) -> float:
    """Items per second of `work` (which returns how many items it did), best of `repeat`."""
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        done = work()
        elapsed = time.perf_counter() - started
        best = max(best, done / elapsed if elapsed > 0 else float("inf"))
    return best


def best_rates(
    first: Callable[[], int], second: Callable[[], int], repeat: int = 3
) -> tuple[float, float]:
    """`best_rate` of two workloads measured in alternating rounds, so that a machine slower for
    a while (a shared host) weighs on both alike."""
    rates = [0.0, 0.0]
    for _ in range(repeat):
        for index, work in enumerate((first, second)):
            started = time.perf_counter()
            done = work()
            elapsed = time.perf_counter() - started
            rates[index] = max(rates[index], done / elapsed if elapsed > 0 else float("inf"))
    return rates[0], rates[1]


@dataclass(frozen=True)
class Rounds:
    """One side's runs, measured in rounds alternating with the other side's (`alternate`)."""

    runs: tuple[dict[str, Any], ...]

    def figures(self, key: str) -> list[float]:
        return [float(run[key]) for run in self.runs]

    def best(self, key: str, goal: Goal = "min") -> float:
        """The smallest (`goal="min"`, e.g. seconds) or largest figure of `key` over the rounds."""
        values = self.figures(key)
        return min(values) if goal == "min" else max(values)

    def median(self, key: str) -> float:
        return float(np.median(self.figures(key)))

    def spread(self, key: str, unit: str = "s") -> str:
        """`min a / median b unit` of `key`, for a row's notes."""
        return f"min {self.best(key):.3g} / median {self.median(key):.3g} {unit}"


def alternate(
    first: Callable[[], dict[str, Any]], second: Callable[[], dict[str, Any]], rounds: int = 3
) -> tuple[Rounds, Rounds]:
    """Run `first` then `second`, `rounds` times over: a machine slower for a while (a shared
    host) weighs on both sides alike, and neither side always runs on a cold or a warm cache."""
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, not {rounds}")
    firsts: list[dict[str, Any]] = []
    seconds: list[dict[str, Any]] = []
    for _ in range(rounds):
        firsts.append(first())
        seconds.append(second())
    return Rounds(tuple(firsts)), Rounds(tuple(seconds))


def best_time(work: Callable[[], object], repeat: int = 3) -> float:
    """Shortest wall time of `repeat` runs of `work`, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def run_child(module: str, args: list[str], timeout: float = 900.0) -> dict[str, Any]:
    """Run `python -m module args` in a fresh interpreter; it prints one JSON object last."""
    cmd = [sys.executable, "-m", module, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
