"""The load study: `simtel run` of a trunk scenario, as a user runs it, against a hand-written
SimPy loss model of the same trunk (`bench.lossmodel`), each its own process.

Cases (`bench/scenarios/load-study-*.yaml`): a 100-channel trunk recording dual, exponential
talk times of mean 180 s, at 0.5 calls/s for 8 h (`steady`) and at 20 calls/s for 15 min
(`saturated`). `simtel run` writes its SQLite store and `events.jsonl` to a temporary folder;
the model writes each call's arrival and fate to a JSON file. Both are timed by wall clock around
the child process (start-up included), in alternating rounds.

Each case gives two rows: the wall-time ratio (target at most 10x), and the blocking probability
of the simtel run against Erlang B: the mean of batch means (`BATCHES` equal slices of the
arrival period after a warm-up of two mean holding times, or a third of a short run) with its 95 %
Student-t interval, which must hold the Erlang B value.

`memory_row(calls)` (the `memory` suite): the peak RSS of one `simtel run` of the bundled
`contact-centre` scenario with its duration stretched to offer `calls` calls (1M in the full
run), measured on that child process (`wait4`), never extrapolated; the baseline is the
hand-written model's peak RSS at the same arrival rate and duration. The target (at most 500
MB) applies from 1M calls on.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.common import Rounds, Row, alternate
from simtel.sweep.stats import erlang_b, mean_ci

SCENARIOS = Path(__file__).with_name("scenarios")
#: `simtel run` may take at most this many times the hand-written model's wall time
TARGET_WALL_RATIO = 10.0
BATCHES = 20
CAPACITY = 100
HOLD = 180.0
#: the post-dial delay before a trunk call's called side rings: its channel is held meanwhile
SETUP = 1.0
CHILD_TIMEOUT = 3600.0
#: peak RSS of a 1M-call `simtel run` (MB, at most), issue 11's target
TARGET_RSS_MB = 500.0
MILLION = 1_000_000
#: a 1M-call run takes tens of minutes on a quiet 2-core machine; hours on a loaded one
MEMORY_TIMEOUT = 4 * 3600.0
#: the bundled scenario the memory row stretches, and its Poisson arrival rate
MEMORY_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "contact-centre.yaml"


@dataclass(frozen=True)
class Case:
    name: str
    rate: float
    """calls per second"""
    duration: float
    """seconds of arrivals (the scenario's own duration unless shortened)"""

    @property
    def scenario(self) -> Path:
        return SCENARIOS / f"load-study-{self.name}.yaml"

    @property
    def offered_erlangs(self) -> float:
        return self.rate * (SETUP + HOLD)

    @property
    def label(self) -> str:
        span = (
            f"{self.duration / 3600:g} h"
            if self.duration >= 3600
            else f"{self.duration / 60:g} min"
        )
        return f"{self.rate:g} calls/s x {span}"


STEADY = Case("steady", 0.5, 8 * 3600.0)
SATURATED = Case("saturated", 20.0, 15 * 60.0)


def load_study_rows(cases: tuple[Case, ...], rounds: int) -> list[Row]:
    rows: list[Row] = []
    for case in cases:
        rows += case_rows(case, rounds)
    return rows


def case_rows(case: Case, rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="simtel-bench-load-") as folder:
        work = Path(folder)
        scenario = scenario_for(case, work)
        simtel_runs, model_runs = alternate(
            lambda: run_simtel(scenario, work / "results"),
            lambda: run_model(case, work / "model.json"),
            rounds,
        )
        simtel_calls = _simtel_calls(work / "results" / "simtel.db")
        model_calls = _model_calls(work / "model.json")
    return [wall_row(case, simtel_runs, model_runs), erlang_row(case, simtel_calls, model_calls)]


def scenario_for(case: Case, folder: Path) -> Path:
    """The case's scenario file, or a copy in `folder` with a shorter duration (small runs)."""
    document = yaml.safe_load(case.scenario.read_text(encoding="utf-8"))
    if _seconds(document["duration"]) == case.duration:
        return case.scenario
    document["duration"] = f"{case.duration:g}s"
    copy = folder / case.scenario.name
    copy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return copy


def _seconds(text: str) -> float:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


def simtel_command() -> list[str]:
    """`simtel` as installed next to this interpreter (the console script a user runs)."""
    script = Path(sys.executable).with_name("simtel")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from simtel.cli import main; main()"]


def run_simtel(scenario: Path, out: Path, timeout: float = CHILD_TIMEOUT) -> dict[str, Any]:
    command = [*simtel_command(), "run", str(scenario), "--out", str(out)]
    wall, rss = child_usage(command, timeout)
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {
        "wall_seconds": wall,
        "peak_rss_mb": rss,
        "calls": summary["calls_offered"],
        "summary": summary,
    }


def run_model(case: Case, out: Path) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench.lossmodel",
        "--rate", f"{case.rate:g}", "--duration", f"{case.duration:g}",
        "--capacity", str(CAPACITY), "--hold", f"{HOLD:g}", "--setup", f"{SETUP:g}",
        "--out", str(out),
    ]  # fmt: skip
    wall, rss = child_usage(command)
    return {"wall_seconds": wall, "peak_rss_mb": rss}


#: runs `argv[1:]` as a grandchild and prints its figures: started from this small interpreter
#: (`-S`, no site), the measured process's peak RSS is its own plus a few MB, never the benchmark
#: parent's (Linux counts the image a child was forked from in its peak). `maxrss_kb` is the
#: peak of the process tree: the sum over the process and each descendant (`simtel run`'s store
#: writer) of its own peak (`VmHWM`, read every `POLL` seconds while it lives, and never less
#: than `wait4`'s figure), an upper bound of what they held at one time.
_MEASURER = """
import json, os, sys, time
POLL = 0.05
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execvp(sys.argv[1], sys.argv[1:])

def tree(root):
    found, todo = [], [root]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found

def hwm_kb(p):
    try:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

peaks = {}
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    for p in tree(pid):
        peaks[p] = max(peaks.get(p, 0), hwm_kb(p))
    time.sleep(POLL)
peaks[pid] = max(peaks.get(pid, 0), usage.ru_maxrss)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "maxrss_kb": sum(peaks.values()),
                  "processes": len(peaks)}))
"""


def child_usage(command: list[str], timeout: float = CHILD_TIMEOUT) -> tuple[float, float]:
    """Run `command`; its wall seconds (start-up included) and the peak RSS in MB of its process
    tree (see `_MEASURER`). A failure raises with the end of its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-S", "-c", _MEASURER, *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=os.getcwd(),
    )
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if done.returncode == 0 and lines else {"code": -1}
    if result["code"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    return wall, float(result["maxrss_kb"]) / 1024.0


def _simtel_calls(db: Path) -> tuple[list[float], list[bool]]:
    """Arrival time and blocked flag of each call the traffic offered (blocked: SIP 503,
    `failed`: every generated call is answered otherwise)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT date_created, status FROM calls WHERE parent_call_sid IS NULL "
            "ORDER BY date_created"
        ).fetchall()
    return [float(row[0]) for row in rows], [row[1] == "failed" for row in rows]


def _model_calls(path: Path) -> tuple[list[float], list[bool]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [float(t) for t in data["arrived"]], [bool(b) for b in data["blocked"]]


def wall_row(case: Case, simtel: Rounds, model: Rounds) -> Row:
    return Row(
        f"load study {case.label}: simtel run wall",
        simtel=simtel.best("wall_seconds"),
        baseline=model.best("wall_seconds"),
        unit="s wall",
        target=TARGET_WALL_RATIO,
        goal="max",
        median_ratio=simtel.median("wall_seconds") / model.median("wall_seconds"),
        notes=(
            f"{simtel.runs[0]['calls']:,} calls; {len(simtel.runs)} alternating rounds, start-up "
            f"included; simtel run {simtel.spread('wall_seconds')}, hand-written SimPy "
            f"{model.spread('wall_seconds')}"
        ),
        extra={"simtel_runs": list(simtel.runs), "model_runs": list(model.runs)},
    )


def blocking_batches(arrived: list[float], blocked: list[bool], duration: float) -> list[float]:
    """The blocked fraction in each of `BATCHES` equal slices of `[warm-up, duration)`."""
    warmup = min(2 * HOLD, duration / 3)
    width = (duration - warmup) / BATCHES
    offered, lost = [0] * BATCHES, [0] * BATCHES
    for t, was_blocked in zip(arrived, blocked, strict=True):
        if warmup <= t < duration:
            index = min(int((t - warmup) / width), BATCHES - 1)
            offered[index] += 1
            lost[index] += was_blocked
    return [lost[i] / offered[i] for i in range(BATCHES) if offered[i]]


def erlang_row(
    case: Case,
    simtel: tuple[list[float], list[bool]],
    model: tuple[list[float], list[bool]],
) -> Row:
    theory = erlang_b(CAPACITY, case.offered_erlangs)
    ours = mean_ci(blocking_batches(*simtel, case.duration))
    theirs = mean_ci(blocking_batches(*model, case.duration))
    return Row(
        f"load study {case.label}: blocking vs Erlang B",
        simtel=ours.mean,
        baseline=theory,
        unit="P(blocked)",
        target=None,
        tolerance=ours.half_width,
        notes=(
            f"simtel {ours.mean:.4f} +/- {ours.half_width:.4f} (95 % CI, {ours.n} batch means "
            f"after warm-up); Erlang B({CAPACITY}, {case.offered_erlangs:g} E) {theory:.4f}; "
            f"hand-written SimPy {theirs.mean:.4f} +/- {theirs.half_width:.4f}"
        ),
        extra={
            "simtel": {"mean": ours.mean, "half_width": ours.half_width, "batches": ours.n},
            "model": {"mean": theirs.mean, "half_width": theirs.half_width},
            "erlang_b": theory,
        },
    )


def memory_scenario(calls: int, folder: Path) -> Path:
    """`contact-centre` with the duration that offers `calls` calls at its arrival rate, and no
    report (the row measures the run; the report is a separate reader of its results)."""
    document = yaml.safe_load(MEMORY_SCENARIO.read_text(encoding="utf-8"))
    rate = float(document["traffic"][0]["arrivals"]["rate_per_hour"]) / 3600.0
    document["duration"] = f"{round(calls / rate)}s"
    document["report"] = False
    copy = folder / f"contact-centre-{calls}.yaml"
    copy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return copy


def memory_row(calls: int) -> Row:
    """Peak RSS of `simtel run` offering `calls` calls, against the hand-written model's."""
    with tempfile.TemporaryDirectory(prefix="simtel-bench-memory-") as folder:
        work = Path(folder)
        scenario = memory_scenario(calls, work)
        document = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        ours = run_simtel(scenario, work / "results", timeout=MEMORY_TIMEOUT)
        model = run_model(
            Case("memory", calls / _seconds(document["duration"]), _seconds(document["duration"])),
            work / "model.json",
        )
    summary = ours["summary"]
    return Row(
        f"memory: simtel run, {calls:,} calls (contact-centre), peak RSS",
        simtel=ours["peak_rss_mb"],
        baseline=model["peak_rss_mb"],
        unit="MB",
        target=TARGET_RSS_MB if calls >= MILLION else None,
        goal="max",
        absolute=True,
        notes=(
            f"measured, not extrapolated: {summary['calls_offered']:,} calls offered, "
            f"{summary['events']:,} events, {ours['wall_seconds']:.0f} s wall; store and "
            "events.jsonl written, default retention; baseline = the hand-written SimPy "
            "model's peak RSS at the same arrival rate and duration"
        ),
        extra={"simtel_run": ours, "model_run": model},
    )
