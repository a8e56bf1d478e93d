"""`simtel sweep`: replications and parameter sweeps of a scenario, on Dask or in process.

    simtel sweep contact-centre.yaml --replications 10 \
        --set trunks.0.capacity=25,30,35 --workers 2 --out sweep/

runs every parameter point (the cartesian product of the `--set` values; see
`simtel.sweep_plan`) `--replications` times with independent seeds, each run with its store in
memory, and writes to `--out`:

* `runs.csv`: one row per run, `summary.csv`: mean and 95 % Student-t interval per point and
  metric, `chart.svg`: the main metric (`--metric`, blocking probability by default) against the
  first swept key with error bars and, where the scenario is one trunk fed by Poisson traffic with
  exponential holding, the Erlang B curve (see `simtel.sweep_output`).

`run_sweep` is the same thing as a function.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simtel.sweep_erlang import erlang_inputs
from simtel.sweep_output import (
    PointSummary,
    aggregate,
    main_metric,
    metrics_of,
    write_chart,
    write_runs,
    write_summary,
)
from simtel.sweep_plan import RunTask, SweepError, apply, parse_setting, plan_tasks, read_mapping
from simtel.sweep_run import execute
from simtel.sweep_stats import erlang_b

DEFAULT_METRIC = "blocking_probability"
RUNS_CSV, SUMMARY_CSV, CHART_SVG = "runs.csv", "summary.csv", "chart.svg"


@dataclass
class SweepResult:
    out_dir: Path
    tasks: list[RunTask]
    summaries: list[dict[str, Any]]
    points: list[PointSummary]
    metric: str | None
    wall_seconds: float
    files: dict[str, Path] = field(default_factory=dict)


def run_sweep(
    scenario: str | Path,
    *,
    settings: Sequence[str] = (),
    replications: int = 1,
    workers: int = 2,
    scheduler: str | None = None,
    out: str | Path = "sweep",
    seed: int | None = None,
    metric: str = DEFAULT_METRIC,
    console: Console | None = None,
) -> SweepResult:
    """Run the sweep and write its files (see the module docstring); `console` shows progress."""
    from simtel.scenario.loader import find_scenario

    path = find_scenario(scenario)
    parsed = [parse_setting(option) for option in settings]
    tasks = plan_tasks(path, parsed, replications, seed)
    started = time.perf_counter()  # wall time of the sweep itself, for the speed-up line only
    summaries = _execute(tasks, workers, scheduler, console)
    wall = time.perf_counter() - started
    rows = [metrics_of(summary) for summary in summaries]
    points = aggregate(tasks, rows)
    chosen = main_metric(list(rows[0]) if rows else [], metric)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = SweepResult(folder, tasks, summaries, points, chosen, wall)
    result.files["runs"] = folder / RUNS_CSV
    write_runs(result.files["runs"], tasks, rows)
    result.files["summary"] = folder / SUMMARY_CSV
    write_summary(result.files["summary"], points)
    if chosen is not None:
        result.files["chart"] = folder / CHART_SVG
        write_chart(result.files["chart"], points, parsed, chosen, read_mapping(path))
    return result


def _execute(
    tasks: list[RunTask], workers: int, scheduler: str | None, console: Console | None
) -> list[dict[str, Any]]:
    if console is None:
        return execute(tasks, workers=workers, scheduler=scheduler)
    columns = (
        TextColumn("[bold]sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("runs", total=len(tasks))
        return execute(
            tasks,
            workers=workers,
            scheduler=scheduler,
            advance=lambda: progress.advance(bar),
        )


def result_table(result: SweepResult, scenario: dict[str, Any]) -> Table:
    """The main metric per parameter point, with Erlang B where it applies."""
    table = Table(title=f"{result.metric} (mean and 95% CI)")
    keys = [key for key, _ in result.points[0].params] if result.points else []
    for key in [*(k.split(".")[-1] for k in keys), "runs", "mean", "95% CI"]:
        table.add_column(key, no_wrap=True)
    erlang = result.metric is not None and "blocking" in result.metric
    if erlang:
        table.add_column("Erlang B")
    for point in result.points:
        interval = point.metrics.get(result.metric or "")
        cells = [str(value) for _, value in point.params]
        if interval is None:
            cells += ["0", "-", "-"]
        else:
            ci = "-" if interval.n < 2 else f"{interval.low:.3g}..{interval.high:.3g}"
            cells += [str(interval.n), f"{interval.mean:.3g}", ci]
        if erlang:
            inputs = erlang_inputs(apply(scenario, point.params))
            cells.append(
                "-"
                if inputs is None
                else f"{erlang_b(inputs.capacity, inputs.offered_erlangs):.3g}"
            )
        table.add_row(*cells)
    return table


@click.command("sweep")
@click.argument("scenario")
@click.option("--replications", "-n", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Sweep a dotted scenario key over values (repeatable: cartesian product).",
)
@click.option("--scheduler", default=None, help="A Dask scheduler address (tcp://host:port).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Local Dask worker processes; 0 runs in this process without Dask.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("sweep"))
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Base seed (default: the scenario's)."
)
@click.option("--metric", default=DEFAULT_METRIC, show_default=True, help="The charted metric.")
@click.option("--quiet", is_flag=True, help="No progress bar or table.")
def sweep(
    scenario: str,
    replications: int,
    settings: tuple[str, ...],
    scheduler: str | None,
    workers: int,
    out: Path,
    seed: int | None,
    metric: str,
    quiet: bool,
) -> None:
    """Run SCENARIO many times (replications x --set points) and summarise the results."""
    from simtel.errors import ScenarioError
    from simtel.scenario.loader import find_scenario

    console = None if quiet else Console(stderr=True)
    try:
        result = run_sweep(
            scenario,
            settings=settings,
            replications=replications,
            workers=workers,
            scheduler=scheduler,
            out=out,
            seed=seed,
            metric=metric,
            console=console,
        )
    except (SweepError, ScenarioError) as error:
        raise click.ClickException(str(error)) from None
    if console is not None and result.metric is not None:
        Console().print(result_table(result, read_mapping(find_scenario(scenario))))
    runs = len(result.tasks)
    rate = runs / result.wall_seconds if result.wall_seconds > 0 else float("inf")
    click.echo(f"{runs} runs in {result.wall_seconds:.2f} s wall ({rate:.2f} runs/s)")
    for path in result.files.values():
        click.echo(str(path))
