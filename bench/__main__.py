"""`python -m bench [--quick] [--only engine,load,memory,audio,rest,scaleout] [--out FILE]`.

A full run writes `bench/results.json` (the committed figures) unless `--out` says otherwise; a
`--quick` run writes nothing unless `--out` names a file, and never the committed one. A full run
of some suites (`--only engine`) replaces those suites' rows in the file and keeps the others.
`python -m bench --markdown` prints the committed figures as a Markdown table (for the docs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import Row, compile_sources, machine
from bench.engine_rows import EngineSizes
from bench.loadstudy import SATURATED, STEADY, Case

RESULTS = Path(__file__).with_name("results.json")
SUITES = ("engine", "load", "memory", "audio", "rest", "scaleout")


@dataclass(frozen=True)
class Sizes:
    engine: EngineSizes
    load_cases: tuple[Case, ...]
    rounds: int
    audio_render_s: float
    audio_mp3_s: float
    audio_memory_s: float
    rest_calls: int
    rest_requests: int
    webhooks: int
    sweep_replications: int
    sweep_duration: str
    #: calls of the memory suite's row (one `simtel run` of contact-centre, measured)
    memory_calls: int
    #: the load study's rounds: its model's whole run is ~0.4 s, whose wall time moves with the
    #: machine more than a longer run's (0.27-0.52 s over four runs), so more rounds than others
    load_rounds: int = 5


FULL = Sizes(
    EngineSizes((10_000, 50_000), 10_000, 10_000, 20_000, 30_000, budget_s=60.0),
    (STEADY, SATURATED),
    3,
    3600.0,
    600.0,
    4 * 3600.0,
    200,
    1000,
    5000,
    100,
    # 2 h a replication: a serial sweep of about a minute, as the row was sized when it was set
    # (20 min a replication took 115 s then, 12 s now: the cluster's fixed ~1 s start-up and
    # per-task overhead would be the figure, not the parallel run)
    "2h",
    1_000_000,
)
QUICK = Sizes(
    EngineSizes(
        (1_000,),
        500,
        500,
        1_000,
        1_000,
        budget_s=30.0,
        per_call=(500, 2_000),
        per_call_db=(1_000, 3_000),
    ),
    (Case("steady", 0.5, 1200.0), Case("saturated", 20.0, 60.0)),
    3,
    60.0,
    30.0,
    600.0,
    30,
    100,
    300,
    4,
    "2m",
    10_000,
)


def suites(sizes: Sizes) -> dict[str, Callable[[], list[Row]]]:
    from bench import audio, engine_rows, loadstudy, rest, scaleout

    return {
        "engine": lambda: engine_rows.engine_rows(sizes.engine),
        "load": lambda: loadstudy.load_study_rows(sizes.load_cases, sizes.load_rounds),
        "memory": lambda: [loadstudy.memory_row(sizes.memory_calls)],
        "audio": lambda: audio.audio_rows(
            sizes.audio_render_s, sizes.audio_mp3_s, sizes.audio_memory_s
        ),
        "rest": lambda: [
            *rest.rest_rows(sizes.rest_calls, sizes.rest_requests),
            rest.webhook_row(sizes.webhooks),
        ],
        "scaleout": lambda: [
            scaleout.sweep_row(sizes.sweep_replications, sizes.sweep_duration, sizes.rounds)
        ],
    }


def run(only: tuple[str, ...], quick: bool, console: Console) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    compile_sources()
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    started = time.perf_counter()
    for name, suite in suites(sizes).items():
        if name not in only:
            continue
        with console.status(f"running {name} ..."):
            begun = time.perf_counter()
            try:
                rows += [{"suite": name, **row.as_json()} for row in suite()]
            except Exception:  # one suite's failure must not cost the others' figures
                console.print_exception()
                console.log(f"{name} FAILED: its rows are left out (and kept from before)")
                continue
            timings[name] = round(time.perf_counter() - begun, 1)
        console.log(f"{name} done in {timings[name]} s")
    return {
        "machine": machine(),
        "mode": "quick" if quick else "full",
        "measured": {name: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) for name in timings},
        "sizes": _sizes_json(sizes),
        "suite_seconds": timings,
        "total_seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }


def merged(previous: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """`fresh` results of some suites laid over `previous` ones: rows of the suites run anew
    replace theirs, in suite order; the other suites' rows, times and dates are kept."""
    if previous.get("mode") != fresh["mode"]:
        return fresh
    ran = set(fresh["suite_seconds"])
    kept = [{"suite": _suite_of(row), **row} for row in previous["rows"]]
    rows = [row for row in kept if row["suite"] not in ran] + fresh["rows"]
    order = {name: index for index, name in enumerate(SUITES)}
    rows.sort(key=lambda row: order.get(row["suite"], len(SUITES)))
    seconds = {**previous.get("suite_seconds", {}), **fresh["suite_seconds"]}
    return {
        **fresh,
        "measured": {**previous.get("measured", {}), **fresh["measured"]},
        "suite_seconds": seconds,
        "total_seconds": round(sum(seconds.values()), 1),
        "rows": rows,
    }


_PREFIXES = (
    ("engine", "engine"),
    ("load study", "load"),
    ("memory", "memory"),
    ("render", "audio"),
    ("voice", "audio"),
    ("MP3", "audio"),
    ("REST", "rest"),
    ("webhook", "rest"),
    ("sweep", "scaleout"),
)


def _suite_of(row: dict[str, Any]) -> str:
    """A row's suite (rows written before rows carried one are known by their names)."""
    if "suite" in row:
        return str(row["suite"])
    return next((suite for prefix, suite in _PREFIXES if row["benchmark"].startswith(prefix)), "")


def markdown(results: dict[str, Any]) -> str:
    """The figures as a Markdown table: benchmark, simtel, baseline, ratio (best, median),
    target, met."""
    lines = [
        "| benchmark | simtel | baseline | unit | ratio (median) | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3g}"
        if row.get("median_ratio") is not None:
            ratio += f" ({row['median_ratio']:.3g})"
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        lines.append(
            f"| {row['benchmark']} | {row['simtel']:,.4g} | {row['baseline']:,.4g} | "
            f"{row['unit']} | {ratio} | {row['target_text']} | {met} |"
        )
    return "\n".join(lines)


def _sizes_json(sizes: Sizes) -> dict[str, Any]:
    data = dataclasses.asdict(sizes)
    data["load_cases"] = [case.label for case in sizes.load_cases]
    return data


def table(results: dict[str, Any]) -> Table:
    info = results["machine"]
    title = (
        f"simtel benchmarks ({results['mode']}, {results['total_seconds']} s) - "
        f"{info['cores']} cores {info['cpu_model']}, Python {info['python']}, numpy {info['numpy']}"
    )
    out = Table(title=title, show_lines=False)
    for column in ("benchmark", "simtel", "baseline", "unit", "ratio", "target", "met?"):
        out.add_column(column, justify="left" if column in ("benchmark", "unit") else "right")
    for row in results["rows"]:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[row["met"]]
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3g}"
        if row.get("median_ratio") is not None:
            ratio += f" (med {row['median_ratio']:.3g})"
        out.add_row(
            row["benchmark"],
            f"{row['simtel']:,.4g}",
            f"{row['baseline']:,.4g}",
            row["unit"],
            ratio,
            row["target_text"],
            met,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument(
        "--out", type=Path, default=None, help="where the JSON goes (full run: bench/results.json)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print bench/results.json as a table; run nothing"
    )
    options = parser.parse_args()
    if options.markdown:
        print(markdown(json.loads(RESULTS.read_text(encoding="utf-8"))))
        return
    only = tuple(name.strip() for name in options.only.split(",") if name.strip())
    unknown = set(only) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))}")
    out: Path | None = options.out if options.out or options.quick else RESULTS
    if options.quick and out is not None and out.resolve() == RESULTS.resolve():
        parser.error("--quick never writes the committed bench/results.json; choose another --out")
    console = Console(width=160)
    results = run(only, options.quick, console)
    if out is not None:
        if out.exists() and not options.quick:
            results = merged(json.loads(out.read_text(encoding="utf-8")), results)
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(table(results))
    for row in results["rows"]:
        if row["notes"]:
            console.print(f"[dim]{row['benchmark']}: {row['notes']}[/]")
    console.print(f"written {out}" if out else "not written (--quick; --out FILE keeps it)")


if __name__ == "__main__":
    main()
