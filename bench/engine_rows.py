"""The engine rows of the table: simtel's workloads (`bench.engine`) against their bare SimPy
models, each run in a child interpreter, the two sides alternating over `rounds` rounds.

A row's figures are each side's best round (fewest seconds); its `median_ratio` compares the
medians, and its notes give the min and median seconds of both sides. The target is checked on
the best figures.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

from bench.common import Rounds, Row, alternate, run_child

#: simtel must reach these fractions of the bare model's calls per second (issue 11's targets)
TARGET_TWIML = 0.05
TARGET_RECORDED = 0.15
TARGET_BLOCKED = 0.5
#: the bare models run this many times simtel's calls, so that each of their runs lasts about a
#: second: a run of 0.15-0.27 s moved 1.75-fold from one bench run to the next (10,000 trunk
#: calls took 0.154 s in one and 0.269 s in another), more than anything simtel changed. A call
#: costs the bare model the same whatever the run's length (the rate, not the length, sets how
#: many calls are alive at once), so calls/s compare as they are.
BARE_SCALE = 10
#: default retention (a Simulator with a file database keeps only live calls and recordings,
#: issue 11's item 5): peak RSS per call, KiB
TARGET_KIB_PER_CALL = 5.0


@dataclass(frozen=True)
class EngineSizes:
    """Calls per run: `twiml` sizes in order (a size projected past `budget_s` per run shrinks),
    the trunk, `Record=true` and blocked rows, the file-database memory row (0: no row), and the
    two sizes of each memory-per-call row (their own runs: a throughput size shrunk on a slow
    machine never removes them): `per_call` keeps everything in memory (a `Simulator()` without
    a database file, as tests use it), `per_call_db` is the default retention of a Simulator
    with a database file (only live calls and recordings in memory). Its sizes are large
    enough that the store's write batches (a bounded buffer) are full at both. Memory is
    measured, never extrapolated: the 1M-call figure is the memory suite's
    (`bench.loadstudy.memory_row`)."""

    twiml: tuple[int, ...]
    trunk: int
    record: int
    blocked: int
    db: int
    budget_s: float
    rounds: int = 3
    per_call: tuple[int, int] = (2_000, 10_000)
    per_call_db: tuple[int, int] = (20_000, 60_000)


def measure(kind: str, calls: int, path: str = "twiml", db: bool = False) -> dict[str, Any]:
    """One run in a child interpreter: rate and peak RSS."""
    args = ["--kind", kind, "--calls", str(calls), "--path", path]
    if not db:
        return run_child("bench.engine", args)
    with tempfile.TemporaryDirectory(prefix="simtel-bench-") as folder:
        return run_child("bench.engine", [*args, "--db", os.path.join(folder, "bench.sqlite")])


def compare(
    name: str, calls: int, path: str, target: float, rounds: int, bare: str = "bare"
) -> Row:
    """simtel on `path` at `calls` calls against the `bare` model at `BARE_SCALE` times as
    many, alternating over `rounds`."""
    bare_runs, simtel_runs = alternate(
        lambda: measure(bare, calls * BARE_SCALE), lambda: measure("simtel", calls, path), rounds
    )
    return throughput_row(name, simtel_runs, bare_runs, target)


def engine_rows(sizes: EngineSizes) -> list[Row]:
    """Throughput rows (TwiML per size, trunk, `Record=true`, blocked), then memory rows."""
    rows: list[Row] = []
    rate: float | None = None
    for wanted in sizes.twiml:
        calls = wanted if rate is None else fitting(wanted, rate, sizes.budget_s)
        row = compare(
            f"engine twiml dial {calls:,} calls", calls, "twiml", TARGET_TWIML, sizes.rounds
        )
        if rate is not None and calls != wanted:
            row.notes += (
                f"; {wanted:,} projected {wanted / rate:.0f} s a run "
                f"(does not fit {sizes.budget_s:.0f} s)"
            )
        rate = row.extra["simtel_median_rate"]
        rows.append(row)
    if sizes.trunk:
        rows.append(
            compare(
                f"engine trunk {sizes.trunk:,} calls",
                sizes.trunk,
                "trunk",
                TARGET_RECORDED,
                sizes.rounds,
            )
        )
    if sizes.record:
        rows.append(
            compare(
                f"engine Record=true {sizes.record:,} calls",
                sizes.record,
                "record",
                TARGET_RECORDED,
                sizes.rounds,
            )
        )
    if sizes.blocked:
        rows.append(
            compare(
                f"engine blocked (trunk full) {sizes.blocked:,} calls",
                sizes.blocked,
                "blocked",
                TARGET_BLOCKED,
                sizes.rounds,
                bare="bare-blocked",
            )
        )
    small, large = sizes.per_call
    if 0 < small < large:
        rows.append(per_call_row(small, large))
    small, large = sizes.per_call_db
    if 0 < small < large:
        rows.append(per_call_row(small, large, db=True))
    if sizes.db:
        rows.append(memory_row(sizes.db))
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


def throughput_row(name: str, simtel: Rounds, bare: Rounds, target: float) -> Row:
    calls = simtel.runs[0]["calls"]
    return Row(
        name,
        simtel=calls / simtel.best("seconds"),
        baseline=bare.runs[0]["calls"] / bare.best("seconds"),
        unit="calls/s",
        target=target,
        median_ratio=simtel.median("rate") / bare.median("rate"),
        notes=(
            f"{len(simtel.runs)} alternating rounds; simtel {simtel.spread('seconds')}, "
            f"bare ({bare.runs[0]['calls']:,} calls) {bare.spread('seconds')}; peak RSS "
            f"simtel {simtel.best('peak_rss_mb'):.0f} MB, bare {bare.best('peak_rss_mb'):.0f} MB; "
            f"{simtel.runs[0]['events']} events"
        ),
        extra={
            "simtel_runs": list(simtel.runs),
            "bare_runs": list(bare.runs),
            "simtel_median_rate": simtel.median("rate"),
        },
    )


def per_call_row(small_calls: int, large_calls: int, *, db: bool = False) -> Row:
    """Memory per call: the growth of peak RSS between two TwiML runs of its own, one each.
    `db=False`: `Simulator()` (store in memory, events and media kept: what tests use; no
    target). `db=True`: a Simulator with a database file and its default retention (the
    target)."""
    small, large = measure("simtel", small_calls, db=db), measure("simtel", large_calls, db=db)
    bare = measure("bare", small_calls)
    per_call_kib = (
        (large["peak_rss_mb"] - small["peak_rss_mb"]) * 1024.0 / (large_calls - small_calls)
    )
    if db:
        name = "engine memory per call, db in file (default retention)"
        kept = "database file, default retention: live calls and recordings in memory"
    else:
        name = "engine memory per call, store in memory (everything kept, as tests use it)"
        kept = f"store in memory, {large['events']:,} events and all media kept"
    return Row(
        name,
        simtel=per_call_kib,
        baseline=bare["peak_rss_mb"] * 1024.0 / small_calls,
        unit="KiB/call",
        target=TARGET_KIB_PER_CALL if db else None,
        goal="max",
        absolute=True,
        notes=(
            f"peak RSS {small['peak_rss_mb']:.0f} MB at {small_calls:,} and "
            f"{large['peak_rss_mb']:.0f} MB at {large_calls:,} TwiML calls ({kept}); "
            "baseline = bare model's whole peak RSS per call"
        ),
        extra={"small_run": small, "large_run": large, "bare_run": bare},
    )


def memory_row(calls: int) -> Row:
    """Peak RSS with the store in a file (lean retention) at `calls` calls: measured, with no
    target (the 1M-call target is checked by the memory suite's `simtel run` row)."""
    large, bare = measure("simtel", calls, db=True), measure("bare", calls)
    return Row(
        f"engine peak RSS, {calls:,} calls, db in file",
        simtel=large["peak_rss_mb"],
        baseline=bare["peak_rss_mb"],
        unit="MB",
        target=None,
        goal="max",
        absolute=True,
        notes="measured, not extrapolated (1M calls: the memory suite's simtel run row)",
        extra={"large_run": large, "bare_run": bare},
    )
